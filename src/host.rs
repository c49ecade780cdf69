//! Run any kernel on host `ndarray` arrays: upload, run, download. These are the entry points the
//! tests and `lungseg selftest` use to compare the GPU with the CPU references, and the simplest
//! way for a user to check a kernel on their own GPU:
//!
//! ```no_run
//! use ndarray::Array4;
//! let gpu = lungseg::Gpu::headless(&Default::default())?;
//! let x = Array4::<f32>::ones((2, 3, 17, 19));
//! let w = Array4::<f32>::ones((8, 3, 3, 3));
//! // Read-backs are async (a browser cannot block); natively, wait with `lungseg::block_on`.
//! let y = lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None))?;
//! assert_eq!(y.dim(), (2, 8, 17, 19));
//! # Ok::<(), lungseg::Error>(())
//! ```
//!
//! Every output is pre-filled with NaN (u32 outputs with `u32::MAX`) before the kernel runs, so an
//! element a kernel fails to write cannot pass a comparison by accident. Layouts follow PyTorch:
//! NCHW activations, OIHW conv weights, (in, out, kH, kW) transposed-conv weights.

use crate::encoder::Encoder;
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::kernels;
use crate::tensor::{DType, Tensor};
use ndarray::{Array, Array1, Array2, Array3, Array4, ArrayD, Dimension, IxDyn};

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

pub(crate) async fn down4(gpu: &Gpu, t: &Tensor) -> Result<Array4<f32>> {
    let s = t.shape();
    Ok(Array4::from_shape_vec((s[0], s[1], s[2], s[3]), gpu.download_f32_async(t).await?).expect("shape matches length"))
}

pub(crate) async fn down1(gpu: &Gpu, t: &Tensor) -> Result<Array1<f32>> {
    Ok(Array1::from_vec(gpu.download_f32_async(t).await?))
}

/// Encodes with `f` and submits (the read-back that follows waits for it).
pub(crate) fn run(gpu: &Gpu, label: &str, f: impl FnOnce(&mut crate::encoder::Encoder) -> Result<()>) -> Result<()> {
    let mut enc = gpu.encoder(label);
    f(&mut enc)?;
    gpu.submit(enc);
    Ok(())
}

/// [`kernels::conv2d::conv2d_forward`] on host arrays.
pub async fn conv2d_forward(gpu: &Gpu, x: &Array4<f32>, weight: &Array4<f32>, bias: Option<&Array1<f32>>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_forward";
    let (n, _, h, w) = x.dim();
    let xt = up(gpu, OP, x)?;
    let wt = up(gpu, OP, weight)?;
    let bt = bias.map(|b| up(gpu, OP, b)).transpose()?;
    let y = poisoned(gpu, OP, &[n, weight.dim().0, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_forward(gpu, e, &xt, &wt, bt.as_ref(), &y))?;
    down4(gpu, &y).await
}

/// [`kernels::conv2d::conv2d_relu_forward`] (convolution with the fused ReLU epilogue) on host arrays.
pub async fn conv2d_relu_forward(gpu: &Gpu, x: &Array4<f32>, weight: &Array4<f32>, bias: Option<&Array1<f32>>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_relu_forward";
    let (n, _, h, w) = x.dim();
    let xt = up(gpu, OP, x)?;
    let wt = up(gpu, OP, weight)?;
    let bt = bias.map(|b| up(gpu, OP, b)).transpose()?;
    let y = poisoned(gpu, OP, &[n, weight.dim().0, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_relu_forward(gpu, e, &xt, &wt, bt.as_ref(), &y))?;
    down4(gpu, &y).await
}

/// [`kernels::conv2d::conv2d_backward_input`] on host arrays.
pub async fn conv2d_backward_input(gpu: &Gpu, dy: &Array4<f32>, weight: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_backward_input";
    let (n, _, h, w) = dy.dim();
    let dyt = up(gpu, OP, dy)?;
    let wt = up(gpu, OP, weight)?;
    let dx = poisoned(gpu, OP, &[n, weight.dim().1, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_backward_input(gpu, e, &dyt, &wt, &dx))?;
    down4(gpu, &dx).await
}

/// [`kernels::conv2d::conv2d_relu_backward_input`] on host arrays: the input gradient with the
/// backward of the ReLU whose output `x` is applied where it is stored.
pub async fn conv2d_relu_backward_input(gpu: &Gpu, dy: &Array4<f32>, weight: &Array4<f32>, x: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_backward_input";
    let (dyt, wt, xt) = (up(gpu, OP, dy)?, up(gpu, OP, weight)?, up(gpu, OP, x)?);
    let dx = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_relu_backward_input(gpu, e, &dyt, &wt, &xt, &dx))?;
    down4(gpu, &dx).await
}

/// [`kernels::conv2d::conv2d_backward_weight`] on host arrays; `k` is the kernel size (3 or 1).
pub async fn conv2d_backward_weight(gpu: &Gpu, x: &Array4<f32>, dy: &Array4<f32>, k: usize) -> Result<Array4<f32>> {
    const OP: &str = "conv2d_backward_weight";
    let xt = up(gpu, OP, x)?;
    let dyt = up(gpu, OP, dy)?;
    let dw = poisoned(gpu, OP, &[dy.dim().1, x.dim().1, k, k], DType::F32)?;
    run(gpu, OP, |e| kernels::conv2d::conv2d_backward_weight(gpu, e, &xt, &dyt, &dw))?;
    down4(gpu, &dw).await
}

/// [`kernels::reduce::sum_per_channel`] on host arrays (also the conv bias gradient).
pub async fn sum_per_channel(gpu: &Gpu, x: &Array4<f32>) -> Result<Array1<f32>> {
    const OP: &str = "sum_per_channel";
    let xt = up(gpu, OP, x)?;
    let out = poisoned(gpu, OP, &[x.dim().1], DType::F32)?;
    run(gpu, OP, |e| kernels::reduce::sum_per_channel(gpu, e, &xt, &out))?;
    down1(gpu, &out).await
}

pub(crate) async fn down_u32_4(gpu: &Gpu, t: &Tensor) -> Result<Array4<u32>> {
    let s = t.shape();
    Ok(Array4::from_shape_vec((s[0], s[1], s[2], s[3]), gpu.download_u32_async(t).await?).expect("shape matches length"))
}

pub(crate) async fn down_d(gpu: &Gpu, t: &Tensor) -> Result<ArrayD<f32>> {
    Ok(ArrayD::from_shape_vec(IxDyn(t.shape()), gpu.download_f32_async(t).await?).expect("shape matches length"))
}

fn labels_in_range(op: &'static str, labels: &Array3<u32>, c: usize) -> Result<()> {
    if let Some(((b, i, j), &y)) = labels.indexed_iter().find(|(_, &y)| y as usize >= c) {
        return Err(Error::InvalidArgument {
            op,
            detail: format!("label {y} at (n={b}, h={i}, w={j}) is not a class index below C = {c}"),
        });
    }
    Ok(())
}

/// [`kernels::conv_transpose2d::conv_transpose2d_forward`] on host arrays; weight (C_in, C_out, 2, 2).
pub async fn conv_transpose2d_forward(gpu: &Gpu, x: &Array4<f32>, weight: &Array4<f32>, bias: Option<&Array1<f32>>) -> Result<Array4<f32>> {
    const OP: &str = "conv_transpose2d_forward";
    let (n, _, h, w) = x.dim();
    let (xt, wt) = (up(gpu, OP, x)?, up(gpu, OP, weight)?);
    let bt = bias.map(|b| up(gpu, OP, b)).transpose()?;
    let y = poisoned(gpu, OP, &[n, weight.dim().1, 2 * h, 2 * w], DType::F32)?;
    run(gpu, OP, |e| kernels::conv_transpose2d::conv_transpose2d_forward(gpu, e, &xt, &wt, bt.as_ref(), &y))?;
    down4(gpu, &y).await
}

/// [`kernels::conv_transpose2d::conv_transpose2d_backward_input`] on host arrays.
pub async fn conv_transpose2d_backward_input(gpu: &Gpu, dy: &Array4<f32>, weight: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "conv_transpose2d_backward_input";
    let (n, _, h2, w2) = dy.dim();
    let (dyt, wt) = (up(gpu, OP, dy)?, up(gpu, OP, weight)?);
    let dx = poisoned(gpu, OP, &[n, weight.dim().0, h2 / 2, w2 / 2], DType::F32)?;
    run(gpu, OP, |e| kernels::conv_transpose2d::conv_transpose2d_backward_input(gpu, e, &dyt, &wt, &dx))?;
    down4(gpu, &dx).await
}

/// [`kernels::conv_transpose2d::conv_transpose2d_backward_weight`] on host arrays.
pub async fn conv_transpose2d_backward_weight(gpu: &Gpu, x: &Array4<f32>, dy: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "conv_transpose2d_backward_weight";
    let (xt, dyt) = (up(gpu, OP, x)?, up(gpu, OP, dy)?);
    let dw = poisoned(gpu, OP, &[x.dim().1, dy.dim().1, 2, 2], DType::F32)?;
    run(gpu, OP, |e| kernels::conv_transpose2d::conv_transpose2d_backward_weight(gpu, e, &xt, &dyt, &dw))?;
    down4(gpu, &dw).await
}

/// [`kernels::peak::multiply_add`] on a host array (length a multiple of 16).
pub async fn peak_multiply_add(gpu: &Gpu, x: &ArrayD<f32>, iters: u32, a: f32, b: f32) -> Result<ArrayD<f32>> {
    const OP: &str = "peak_multiply_add";
    let xt = up(gpu, OP, x)?;
    let y = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::peak::multiply_add(gpu, e, &xt, &y, iters, a, b))?;
    down_d(gpu, &y).await
}

/// [`kernels::relu::relu_forward`] on a host array of any shape.
pub async fn relu_forward(gpu: &Gpu, x: &ArrayD<f32>) -> Result<ArrayD<f32>> {
    const OP: &str = "relu_forward";
    let xt = up(gpu, OP, x)?;
    let y = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::relu::relu_forward(gpu, e, &xt, &y))?;
    down_d(gpu, &y).await
}

/// [`kernels::relu::relu_backward`] on host arrays.
pub async fn relu_backward(gpu: &Gpu, x: &ArrayD<f32>, dy: &ArrayD<f32>) -> Result<ArrayD<f32>> {
    const OP: &str = "relu_backward";
    let (xt, dyt) = (up(gpu, OP, x)?, up(gpu, OP, dy)?);
    let dx = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::relu::relu_backward(gpu, e, &xt, &dyt, &dx))?;
    down_d(gpu, &dx).await
}

/// Outputs of a batch-norm training forward pass on the GPU.
pub struct BatchNormTrain {
    pub y: Array4<f32>,
    pub mean: Array1<f32>,
    pub invstd: Array1<f32>,
    pub running_mean: Array1<f32>,
    pub running_var: Array1<f32>,
}

/// Batch-norm training forward ([`kernels::batch_norm::batch_norm_stats`] with running update,
/// then [`kernels::batch_norm::batch_norm_normalize`]) on host arrays.
#[allow(clippy::too_many_arguments)]
pub async fn batch_norm_train(
    gpu: &Gpu,
    x: &Array4<f32>,
    gamma: &Array1<f32>,
    beta: &Array1<f32>,
    running_mean: &Array1<f32>,
    running_var: &Array1<f32>,
    eps: f32,
    momentum: f32,
) -> Result<BatchNormTrain> {
    const OP: &str = "batch_norm_stats";
    let c = x.dim().1;
    let (xt, gt, bt) = (up(gpu, OP, x)?, up(gpu, OP, gamma)?, up(gpu, OP, beta)?);
    let (rm, rv) = (up(gpu, OP, running_mean)?, up(gpu, OP, running_var)?);
    let mean = poisoned(gpu, OP, &[c], DType::F32)?;
    let invstd = poisoned(gpu, OP, &[c], DType::F32)?;
    let y = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        kernels::batch_norm::batch_norm_stats(gpu, e, &xt, &mean, &invstd, Some((&rm, &rv)), eps, momentum)?;
        kernels::batch_norm::batch_norm_normalize(gpu, e, &xt, &gt, &bt, &mean, &invstd, &y)
    })?;
    Ok(BatchNormTrain {
        y: down4(gpu, &y).await?,
        mean: down1(gpu, &mean).await?,
        invstd: down1(gpu, &invstd).await?,
        running_mean: down1(gpu, &rm).await?,
        running_var: down1(gpu, &rv).await?,
    })
}

/// [`kernels::batch_norm::batch_norm_infer`] on host arrays.
pub async fn batch_norm_infer(
    gpu: &Gpu,
    x: &Array4<f32>,
    gamma: &Array1<f32>,
    beta: &Array1<f32>,
    running_mean: &Array1<f32>,
    running_var: &Array1<f32>,
    eps: f32,
) -> Result<Array4<f32>> {
    const OP: &str = "batch_norm_infer";
    let (xt, gt, bt) = (up(gpu, OP, x)?, up(gpu, OP, gamma)?, up(gpu, OP, beta)?);
    let (rm, rv) = (up(gpu, OP, running_mean)?, up(gpu, OP, running_var)?);
    let y = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::batch_norm::batch_norm_infer(gpu, e, &xt, &gt, &bt, &rm, &rv, eps, &y))?;
    down4(gpu, &y).await
}

/// Batch-norm backward (statistics recomputed from x, then
/// [`kernels::batch_norm::batch_norm_backward_reduce`] and
/// [`kernels::batch_norm::batch_norm_backward_input`]): `(dx, dgamma, dbeta)`; with `relu_beta`,
/// of the fused BN + ReLU whose beta it is (the first pass
/// [`kernels::batch_norm::batch_norm_relu_backward_reduce`], masking dy in place).
pub async fn batch_norm_backward(
    gpu: &Gpu,
    x: &Array4<f32>,
    dy: &Array4<f32>,
    gamma: &Array1<f32>,
    relu_beta: Option<&Array1<f32>>,
    eps: f32,
) -> Result<(Array4<f32>, Array1<f32>, Array1<f32>)> {
    const OP: &str = "batch_norm_backward_input";
    let c = x.dim().1;
    let (xt, dyt, gt) = (up(gpu, OP, x)?, up(gpu, OP, dy)?, up(gpu, OP, gamma)?);
    let bt = relu_beta.map(|b| up(gpu, OP, b)).transpose()?;
    let mean = poisoned(gpu, OP, &[c], DType::F32)?;
    let invstd = poisoned(gpu, OP, &[c], DType::F32)?;
    let dgamma = poisoned(gpu, OP, &[c], DType::F32)?;
    let dbeta = poisoned(gpu, OP, &[c], DType::F32)?;
    let dx = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        kernels::batch_norm::batch_norm_stats(gpu, e, &xt, &mean, &invstd, None, eps, 0.0)?;
        backward_reduce(gpu, e, (&xt, &dyt), (&gt, bt.as_ref()), (&mean, &invstd), (&dgamma, &dbeta))?;
        kernels::batch_norm::batch_norm_backward_input(gpu, e, &xt, &dyt, &gt, &mean, &invstd, &dgamma, &dbeta, &dx)
    })?;
    Ok((down4(gpu, &dx).await?, down1(gpu, &dgamma).await?, down1(gpu, &dbeta).await?))
}

/// Batch-norm backward with frozen (running) statistics
/// ([`kernels::batch_norm::batch_norm_frozen_stats`], `batch_norm_backward_reduce`,
/// [`kernels::batch_norm::batch_norm_backward_input_frozen`]) on host arrays: `(dx, dgamma, dbeta)`;
/// with `relu_beta`, of the fused BN + ReLU whose beta it is.
#[allow(clippy::too_many_arguments)]
pub async fn batch_norm_frozen_backward(
    gpu: &Gpu,
    x: &Array4<f32>,
    dy: &Array4<f32>,
    gamma: &Array1<f32>,
    relu_beta: Option<&Array1<f32>>,
    running_mean: &Array1<f32>,
    running_var: &Array1<f32>,
    eps: f32,
) -> Result<(Array4<f32>, Array1<f32>, Array1<f32>)> {
    const OP: &str = "batch_norm_frozen_stats";
    let c = x.dim().1;
    let (xt, dyt, gt) = (up(gpu, OP, x)?, up(gpu, OP, dy)?, up(gpu, OP, gamma)?);
    let bt = relu_beta.map(|b| up(gpu, OP, b)).transpose()?;
    let (rm, rv) = (up(gpu, OP, running_mean)?, up(gpu, OP, running_var)?);
    let mean = poisoned(gpu, OP, &[c], DType::F32)?;
    let invstd = poisoned(gpu, OP, &[c], DType::F32)?;
    let dgamma = poisoned(gpu, OP, &[c], DType::F32)?;
    let dbeta = poisoned(gpu, OP, &[c], DType::F32)?;
    let dx = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        kernels::batch_norm::batch_norm_frozen_stats(gpu, e, &rm, &rv, eps, &mean, &invstd)?;
        backward_reduce(gpu, e, (&xt, &dyt), (&gt, bt.as_ref()), (&mean, &invstd), (&dgamma, &dbeta))?;
        kernels::batch_norm::batch_norm_backward_input_frozen(gpu, e, &xt, &dyt, &gt, &invstd, &dx)
    })?;
    Ok((down4(gpu, &dx).await?, down1(gpu, &dgamma).await?, down1(gpu, &dbeta).await?))
}

/// The first batch-norm backward pass: of the fused BN + ReLU when there is a beta (dy then masked
/// in place), else the plain one.
fn backward_reduce(
    gpu: &Gpu,
    e: &mut Encoder,
    (x, dy): (&Tensor, &Tensor),
    (gamma, relu_beta): (&Tensor, Option<&Tensor>),
    (mean, invstd): (&Tensor, &Tensor),
    (dgamma, dbeta): (&Tensor, &Tensor),
) -> Result<()> {
    match relu_beta {
        Some(beta) => kernels::batch_norm::batch_norm_relu_backward_reduce(gpu, e, x, dy, gamma, beta, mean, invstd, dgamma, dbeta),
        None => kernels::batch_norm::batch_norm_backward_reduce(gpu, e, x, dy, mean, invstd, dgamma, dbeta),
    }
}

/// [`kernels::max_pool::max_pool2d_forward`] on host arrays: `(y, indices)`.
pub async fn max_pool2d_forward(gpu: &Gpu, x: &Array4<f32>) -> Result<(Array4<f32>, Array4<u32>)> {
    const OP: &str = "max_pool2d_forward";
    let (n, c, h, w) = x.dim();
    let xt = up(gpu, OP, x)?;
    let y = poisoned(gpu, OP, &[n, c, h / 2, w / 2], DType::F32)?;
    let idx = poisoned(gpu, OP, &[n, c, h / 2, w / 2], DType::U32)?;
    run(gpu, OP, |e| kernels::max_pool::max_pool2d_forward(gpu, e, &xt, &y, &idx))?;
    Ok((down4(gpu, &y).await?, down_u32_4(gpu, &idx).await?))
}

/// [`kernels::max_pool::max_pool2d_backward`] on host arrays; `(h, w)` is the pooled input's size.
pub async fn max_pool2d_backward(gpu: &Gpu, dy: &Array4<f32>, indices: &Array4<u32>, h: usize, w: usize) -> Result<Array4<f32>> {
    const OP: &str = "max_pool2d_backward";
    let (n, c, _, _) = dy.dim();
    let (dyt, it) = (up(gpu, OP, dy)?, up_u32(gpu, OP, indices)?);
    let dx = poisoned(gpu, OP, &[n, c, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::max_pool::max_pool2d_backward(gpu, e, &dyt, &it, &dx))?;
    down4(gpu, &dx).await
}

/// [`kernels::max_pool::max_unpool2d_forward`] on host arrays; `(h, w)` is the output size.
pub async fn max_unpool2d_forward(gpu: &Gpu, x: &Array4<f32>, indices: &Array4<u32>, h: usize, w: usize) -> Result<Array4<f32>> {
    const OP: &str = "max_unpool2d_forward";
    let (n, c, _, _) = x.dim();
    let (xt, it) = (up(gpu, OP, x)?, up_u32(gpu, OP, indices)?);
    let y = poisoned(gpu, OP, &[n, c, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::max_pool::max_unpool2d_forward(gpu, e, &xt, &it, &y))?;
    down4(gpu, &y).await
}

/// [`kernels::max_pool::max_unpool2d_backward`] on host arrays.
pub async fn max_unpool2d_backward(gpu: &Gpu, dy: &Array4<f32>, indices: &Array4<u32>) -> Result<Array4<f32>> {
    const OP: &str = "max_unpool2d_backward";
    let (dyt, it) = (up(gpu, OP, dy)?, up_u32(gpu, OP, indices)?);
    let dx = poisoned(gpu, OP, indices.shape(), DType::F32)?;
    run(gpu, OP, |e| kernels::max_pool::max_unpool2d_backward(gpu, e, &dyt, &it, &dx))?;
    down4(gpu, &dx).await
}

/// Concatenation along channels ([`kernels::concat::concat_forward`] twice).
pub async fn concat_forward(gpu: &Gpu, a: &Array4<f32>, b: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "concat_forward";
    let (n, ca, h, w) = a.dim();
    let (at, bt) = (up(gpu, OP, a)?, up(gpu, OP, b)?);
    let y = poisoned(gpu, OP, &[n, ca + b.dim().1, h, w], DType::F32)?;
    run(gpu, OP, |e| {
        kernels::concat::concat_forward(gpu, e, &at, &y, 0)?;
        kernels::concat::concat_forward(gpu, e, &bt, &y, ca)
    })?;
    down4(gpu, &y).await
}

/// Concatenation backward ([`kernels::concat::concat_backward`] per part): `(da, db)`.
/// With `accumulate_into`, the parts' gradients are added to those arrays instead.
pub async fn concat_backward(
    gpu: &Gpu,
    dy: &Array4<f32>,
    c_a: usize,
    accumulate_into: Option<(&Array4<f32>, &Array4<f32>)>,
) -> Result<(Array4<f32>, Array4<f32>)> {
    const OP: &str = "concat_backward";
    let (n, c, h, w) = dy.dim();
    let dyt = up(gpu, OP, dy)?;
    let (da, db) = match accumulate_into {
        Some((a, b)) => (up(gpu, OP, a)?, up(gpu, OP, b)?),
        None => (poisoned(gpu, OP, &[n, c_a, h, w], DType::F32)?, poisoned(gpu, OP, &[n, c - c_a, h, w], DType::F32)?),
    };
    let acc = accumulate_into.is_some();
    run(gpu, OP, |e| {
        kernels::concat::concat_backward(gpu, e, &dyt, &da, 0, acc)?;
        kernels::concat::concat_backward(gpu, e, &dyt, &db, c_a, acc)
    })?;
    Ok((down4(gpu, &da).await?, down4(gpu, &db).await?))
}

/// [`kernels::dropout::dropout_forward`] (`backward = false`) or
/// [`kernels::dropout::dropout_backward`] (`backward = true`) on a host array.
pub async fn dropout(gpu: &Gpu, x: &ArrayD<f32>, p: f32, seed: u64, backward: bool) -> Result<ArrayD<f32>> {
    const OP: &str = "dropout_forward";
    let xt = up(gpu, OP, x)?;
    let y = poisoned(gpu, OP, x.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        if backward {
            kernels::dropout::dropout_backward(gpu, e, &xt, &y, p, seed)
        } else {
            kernels::dropout::dropout_forward(gpu, e, &xt, &y, p, seed)
        }
    })?;
    down_d(gpu, &y).await
}

/// Weighted cross-entropy on host arrays: `(loss, Σ w[y], dlogits)`. Labels must be < C.
pub async fn cross_entropy(
    gpu: &Gpu,
    logits: &Array4<f32>,
    labels: &Array3<u32>,
    class_weights: &Array1<f32>,
) -> Result<(f32, f32, Array4<f32>)> {
    const OP: &str = "cross_entropy_loss";
    labels_in_range(OP, labels, logits.dim().1)?;
    let (lt, yt, wt) = (up(gpu, OP, logits)?, up_u32(gpu, OP, labels)?, up(gpu, OP, class_weights)?);
    let loss = poisoned(gpu, OP, &[2], DType::F32)?;
    let d = poisoned(gpu, OP, logits.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        kernels::cross_entropy::cross_entropy_forward(gpu, e, &lt, &yt, &wt, &loss)?;
        kernels::cross_entropy::cross_entropy_backward(gpu, e, &lt, &yt, &wt, &loss, &d)
    })?;
    let l = gpu.download_f32_async(&loss).await?;
    Ok((l[0], l[1], down4(gpu, &d).await?))
}

/// Soft Dice (or Tversky) over the batch on host arrays ([`kernels::dice`]): `(loss, score per
/// class, dlogits)`. Labels must be < C.
pub async fn soft_dice(
    gpu: &Gpu,
    logits: &Array4<f32>,
    labels: &Array3<u32>,
    overlap: kernels::dice::Overlap,
) -> Result<(f32, Array1<f32>, Array4<f32>)> {
    const OP: &str = "soft_dice_loss";
    let c = logits.dim().1;
    labels_in_range(OP, labels, c)?;
    let (lt, yt) = (up(gpu, OP, logits)?, up_u32(gpu, OP, labels)?);
    let value = poisoned(gpu, OP, &[kernels::dice::value_len(c)], DType::F32)?;
    let d = poisoned(gpu, OP, logits.shape(), DType::F32)?;
    run(gpu, OP, |e| {
        kernels::dice::soft_dice_forward(gpu, e, &lt, &yt, overlap, &value)?;
        kernels::dice::soft_dice_backward(gpu, e, &lt, &yt, overlap, &value, 1.0, &d, false)
    })?;
    let v = gpu.download_f32_async(&value).await?;
    Ok((v[0], Array1::from_vec(v[1..1 + c].to_vec()), down4(gpu, &d).await?))
}

/// The accumulating soft Dice backward on host arrays: returns `into + weight · dloss/dlogits`
/// (the path the tape takes to add λ·Dice to the cross-entropy gradient). Labels must be < C.
pub async fn soft_dice_backward_into(
    gpu: &Gpu,
    logits: &Array4<f32>,
    labels: &Array3<u32>,
    overlap: kernels::dice::Overlap,
    weight: f32,
    into: &Array4<f32>,
) -> Result<Array4<f32>> {
    const OP: &str = "soft_dice_backward";
    let c = logits.dim().1;
    labels_in_range(OP, labels, c)?;
    if into.dim() != logits.dim() {
        return Err(crate::error::shape_err(OP, "the gradient to add into must have the logits' shape", &[into.shape(), logits.shape()]));
    }
    let (lt, yt, dt) = (up(gpu, OP, logits)?, up_u32(gpu, OP, labels)?, up(gpu, OP, into)?);
    let value = poisoned(gpu, OP, &[kernels::dice::value_len(c)], DType::F32)?;
    run(gpu, OP, |e| {
        kernels::dice::soft_dice_forward(gpu, e, &lt, &yt, overlap, &value)?;
        kernels::dice::soft_dice_backward(gpu, e, &lt, &yt, overlap, &value, weight, &dt, true)
    })?;
    down4(gpu, &dt).await
}

/// One [`kernels::adam::adam_step`] over whole host vectors: returns `(param, m, v)`.
pub async fn adam_step(
    gpu: &Gpu,
    param: &[f32],
    grad: &[f32],
    m: &[f32],
    v: &[f32],
    hyper: &kernels::adam::AdamHyper,
) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
    const OP: &str = "adam_step";
    let n = param.len();
    let pt = gpu.upload_f32(OP, param, &[n])?;
    let gt = gpu.upload_f32(OP, grad, &[grad.len()])?;
    let mt = gpu.upload_f32(OP, m, &[m.len()])?;
    let vt = gpu.upload_f32(OP, v, &[v.len()])?;
    run(gpu, OP, |e| kernels::adam::adam_step(gpu, e, &pt, &gt, &mt, &vt, 0, n, hyper))?;
    Ok((gpu.download_f32_async(&pt).await?, gpu.download_f32_async(&mt).await?, gpu.download_f32_async(&vt).await?))
}

/// One [`kernels::ema::ema_update`] of `avg` towards `x` over elements `[offset, offset + len)`:
/// returns the whole new average (elements outside the range must come back unchanged).
pub async fn ema_update(gpu: &Gpu, x: &[f32], avg: &[f32], offset: usize, len: usize, decay: f32) -> Result<Vec<f32>> {
    const OP: &str = "ema_update";
    let xt = gpu.upload_f32(OP, x, &[x.len()])?;
    let at = gpu.upload_f32(OP, avg, &[avg.len()])?;
    run(gpu, OP, |e| kernels::ema::ema_update(gpu, e, &xt, &at, offset, len, decay))?;
    gpu.download_f32_async(&at).await
}

/// [`kernels::metrics::argmax_channels`] on host arrays.
pub async fn argmax_channels(gpu: &Gpu, logits: &Array4<f32>) -> Result<Array3<u32>> {
    const OP: &str = "argmax_channels";
    let (n, _, h, w) = logits.dim();
    let lt = up(gpu, OP, logits)?;
    let pred = poisoned(gpu, OP, &[n, h, w], DType::U32)?;
    run(gpu, OP, |e| kernels::metrics::argmax_channels(gpu, e, &lt, &pred))?;
    Ok(Array3::from_shape_vec((n, h, w), gpu.download_u32_async(&pred).await?).expect("shape matches length"))
}

/// [`kernels::metrics::softmax_channels`] on host arrays.
pub async fn softmax_channels(gpu: &Gpu, logits: &Array4<f32>) -> Result<Array4<f32>> {
    const OP: &str = "softmax_channels";
    let lt = up(gpu, OP, logits)?;
    let (n, c, h, w) = logits.dim();
    let probs = poisoned(gpu, OP, &[n, c, h, w], DType::F32)?;
    run(gpu, OP, |e| kernels::metrics::softmax_channels(gpu, e, &lt, &probs))?;
    Ok(Array4::from_shape_vec((n, c, h, w), gpu.download_f32_async(&probs).await?).expect("shape matches length"))
}

/// [`kernels::metrics::confusion_accumulate`] on host arrays, starting from zero counts.
pub async fn confusion(gpu: &Gpu, predicted: &Array3<u32>, labels: &Array3<u32>, c: usize) -> Result<Array2<u32>> {
    const OP: &str = "confusion_accumulate";
    let (pt, yt) = (up_u32(gpu, OP, predicted)?, up_u32(gpu, OP, labels)?);
    let counts = gpu.upload_u32(OP, &vec![0; c * c], &[c, c])?;
    run(gpu, OP, |e| kernels::metrics::confusion_accumulate(gpu, e, &pt, &yt, &counts))?;
    Ok(Array2::from_shape_vec((c, c), gpu.download_u32_async(&counts).await?).expect("shape matches length"))
}

/// [`kernels::add::add_assign`] on host arrays: returns `dst + src`.
pub async fn add_assign(gpu: &Gpu, dst: &ArrayD<f32>, src: &ArrayD<f32>) -> Result<ArrayD<f32>> {
    const OP: &str = "add_assign";
    let (dt, st) = (up(gpu, OP, dst)?, up(gpu, OP, src)?);
    run(gpu, OP, |e| kernels::add::add_assign(gpu, e, &dt, &st))?;
    down_d(gpu, &dt).await
}
