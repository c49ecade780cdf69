//! Launchers for `shaders/cross_entropy.wgsl`: softmax + class-weighted cross-entropy, normalised
//! as PyTorch's weighted mean (Σ w[y]·nll / Σ w[y]).

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::{DType, Tensor};

/// Mirror of `struct Params` in `shaders/cross_entropy.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CrossEntropyParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub partials: u32,
}

fn params(op: &'static str, logits: &Tensor, labels: &Tensor, class_weights: &Tensor) -> Result<CrossEntropyParams> {
    let [n, c, h, w] = nchw(op, "logits", logits)?;
    expect_shape(op, "labels", labels, &[n, h, w])?;
    expect_shape(op, "class_weights", class_weights, &[c])?;
    if labels.dtype() != DType::U32 || c == 0 {
        return Err(shape_err(op, "labels must be u32 class indices and C ≥ 1", &[logits.shape(), labels.shape()]));
    }
    Ok(CrossEntropyParams {
        n: u32_of(op, "N", n)?,
        c: u32_of(op, "C", c)?,
        plane: u32_of(op, "H·W", h * w)?,
        partials: u32_of(op, "partials", (n * h * w).div_ceil(256))?,
    })
}

/// Writes `loss = [weighted mean loss, Σ w[y]]` (a 2-element tensor). Nothing is read back.
pub fn cross_entropy_forward(
    gpu: &Gpu,
    enc: &mut Encoder,
    logits: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    loss: &Tensor,
) -> Result<()> {
    const OP: &str = "cross_entropy_loss";
    let p = params(OP, logits, labels, class_weights)?;
    expect_shape(OP, "loss", loss, &[2])?;
    // Scratch for per-workgroup sums; pooled, so steady-state training allocates nothing.
    let partial = gpu.tensor(OP, &[2 * p.partials as usize], DType::F32)?;
    launch(gpu, enc, "cross_entropy_partials", &p, &[(1, logits), (2, labels), (3, class_weights), (4, &partial)], p.partials as u64)?;
    launch(gpu, enc, "cross_entropy_finish", &p, &[(4, &partial), (5, loss)], 1)
}

/// `dlogits = w[y] · (softmax − onehot) / Σ w[y]`; `loss` must hold the forward pass's output.
pub fn cross_entropy_backward(
    gpu: &Gpu,
    enc: &mut Encoder,
    logits: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    loss: &Tensor,
    dlogits: &Tensor,
) -> Result<()> {
    const OP: &str = "cross_entropy_backward";
    let p = params(OP, logits, labels, class_weights)?;
    expect_shape(OP, "loss", loss, &[2])?;
    expect_shape(OP, "dlogits", dlogits, logits.shape())?;
    launch(gpu, enc, OP, &p, &[(1, logits), (2, labels), (3, class_weights), (5, loss), (6, dlogits)], p.partials as u64)
}
