//! Run any kernel on host `ndarray` arrays: upload, run, download. These are the entry points the
//! tests and `lungseg selftest` use to compare the GPU with the CPU references, and the simplest
//! way for a user to check a kernel on their own GPU:
//!
//! ```no_run
//! use ndarray::Array4;
//! let gpu = lungseg::Gpu::headless(&Default::default())?;
//! let x = Array4::<f32>::ones((2, 3, 17, 19));
//! let w = Array4::<f32>::ones((8, 3, 3, 3));
//! let y = lungseg::host::conv2d_forward(&gpu, &x, &w, None)?;
//! assert_eq!(y.dim(), (2, 8, 17, 19));
//! # Ok::<(), lungseg::Error>(())
//! ```
//!
//! Every output is pre-filled with NaN (u32 outputs with `u32::MAX`) before the kernel runs, so an
//! element a kernel fails to write cannot pass a comparison by accident. Layouts follow PyTorch:
//! NCHW activations, OIHW conv weights, (in, out, kH, kW) transposed-conv weights.

use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels;
use crate::tensor::{DType, Tensor};
use ndarray::{Array, Array1, Array4, Dimension};

/// Poison value written into every f32 output before a kernel runs.
pub const POISON_F32: f32 = f32::NAN;
/// Poison value written into every u32 output before a kernel runs.
pub const POISON_U32: u32 = u32::MAX;

pub(crate) fn up<D: Dimension>(gpu: &Gpu, op: &'static str, a: &Array<f32, D>) -> Result<Tensor> {
    let data: Vec<f32> = a.iter().copied().collect();
    gpu.upload_f32(op, &data, a.shape())
}

pub(crate) fn up_u32<D: Dimension>(gpu: &Gpu, op: &'static str, a: &Array<u32, D>) -> Result<Tensor> {
    let data: Vec<u32> = a.iter().copied().collect();
    gpu.upload_u32(op, &data, a.shape())
}

/// A fresh output tensor filled with the poison value.
pub(crate) fn poisoned(gpu: &Gpu, op: &'static str, shape: &[usize], dtype: DType) -> Result<Tensor> {
    let t = gpu.tensor(op, shape, dtype)?;
    match dtype {
        DType::F32 => gpu.fill_f32(&t, POISON_F32),
        DType::U32 => gpu.fill_u32(&t, POISON_U32),
    }
    Ok(t)
}

pub(crate) fn down4(gpu: &Gpu, t: &Tensor) -> Result<Array4<f32>> {
    let s = t.shape();
    Ok(Array4::from_shape_vec((s[0], s[1], s[2], s[3]), gpu.download_f32(t)?).expect("shape matches length"))
}

pub(crate) fn down1(gpu: &Gpu, t: &Tensor) -> Result<Array1<f32>> {
    Ok(Array1::from_vec(gpu.download_f32(t)?))
}

/// Encodes with `f`, submits, and waits.
pub(crate) fn run(gpu: &Gpu, label: &str, f: impl FnOnce(&mut wgpu::CommandEncoder) -> Result<()>) -> Result<()> {
    let mut enc = gpu.encoder(label);
    f(&mut enc)?;
    gpu.submit(enc);
    gpu.wait()
}

/// [`kernels::conv2d::conv2d_forward`] on host arrays.
pub fn conv2d_forward(gpu: &Gpu, x: &Array4<f32>, weight: &Array4<f32>, bias: Option<&Array1<f32>>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_forward";
    let (n, _, h, w) = x.dim();
    let xt = up(gpu, OP, x)?;
    let wt = up(gpu, OP, weight)?;
    let bt = bias.map(|b| up(gpu, OP, b)).transpose()?;
    let y = poisoned(gpu, OP, &[n, weight.dim().0, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_forward(gpu, e, &xt, &wt, bt.as_ref(), &y))?;
    down4(gpu, &y)
}

/// [`kernels::conv2d::conv2d_backward_input`] on host arrays.
pub fn conv2d_backward_input(gpu: &Gpu, dy: &Array4<f32>, weight: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_backward_input";
    let (n, _, h, w) = dy.dim();
    let dyt = up(gpu, OP, dy)?;
    let wt = up(gpu, OP, weight)?;
    let dx = poisoned(gpu, OP, &[n, weight.dim().1, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_backward_input(gpu, e, &dyt, &wt, &dx))?;
    down4(gpu, &dx)
}

/// [`kernels::conv2d::conv2d_backward_weight`] on host arrays; `k` is the kernel size (3 or 1).
pub fn conv2d_backward_weight(gpu: &Gpu, x: &Array4<f32>, dy: &Array4<f32>, k: usize) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_backward_weight";
    let xt = up(gpu, OP, x)?;
    let dyt = up(gpu, OP, dy)?;
    let dw = poisoned(gpu, OP, &[dy.dim().1, x.dim().1, k, k], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_backward_weight(gpu, e, &xt, &dyt, &dw))?;
    down4(gpu, &dw)
}

/// [`kernels::reduce::sum_per_channel`] on host arrays (also the conv bias gradient).
pub fn sum_per_channel(gpu: &Gpu, x: &Array4<f32>) -> Result<Array1<f32>> {
    const OP: &str = "sum_per_channel";
    let xt = up(gpu, OP, x)?;
    let out = poisoned(gpu, OP, &[x.dim().1], DType::F32)?;
    run(gpu, OP, |e| kernels::reduce::sum_per_channel(gpu, e, &xt, &out))?;
    down1(gpu, &out)
}
