//! Launchers for `shaders/metrics.wgsl`: argmax and softmax over classes, confusion-matrix accumulation.

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::{DType, Tensor};

/// Mirror of `struct Params` in `shaders/metrics.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MetricsParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub _pad: u32,
}

/// Most classes the confusion kernel supports (its workgroup histogram has 256 bins).
pub const MAX_CLASSES: usize = 16;

/// `predicted[n,h,w] = argmax_c logits[n,c,h,w]` (first maximum wins).
pub fn argmax_channels(gpu: &Gpu, enc: &mut Encoder, logits: &Tensor, predicted: &Tensor) -> Result<()> {
    const OP: &str = "argmax_channels";
    let [n, c, h, w] = nchw(OP, "logits", logits)?;
    expect_shape(OP, "predicted", predicted, &[n, h, w])?;
    let p = MetricsParams { n: u32_of(OP, "N", n)?, c: u32_of(OP, "C", c)?, plane: u32_of(OP, "H·W", h * w)?, _pad: 0 };
    launch(gpu, enc, OP, &p, &[(1, logits), (2, predicted)], ((n * h * w) as u64).div_ceil(256))
}

/// `probabilities[n,c,h,w] = softmax over c of logits[n,·,h,w]` (max-subtracted).
pub fn softmax_channels(gpu: &Gpu, enc: &mut Encoder, logits: &Tensor, probabilities: &Tensor) -> Result<()> {
    const OP: &str = "softmax_channels";
    let [n, c, h, w] = nchw(OP, "logits", logits)?;
    expect_shape(OP, "probabilities", probabilities, &[n, c, h, w])?;
    if logits.dtype() != DType::F32 || probabilities.dtype() != DType::F32 {
        return Err(shape_err(OP, "logits and probabilities must be f32", &[logits.shape(), probabilities.shape()]));
    }
    let p = MetricsParams { n: u32_of(OP, "N", n)?, c: u32_of(OP, "C", c)?, plane: u32_of(OP, "H·W", h * w)?, _pad: 0 };
    launch(gpu, enc, OP, &p, &[(1, logits), (5, probabilities)], ((n * h * w) as u64).div_ceil(256))
}

/// `counts[truth·C + predicted] += 1` over every pixel; counts is a u32 tensor of shape (C, C).
pub fn confusion_accumulate(gpu: &Gpu, enc: &mut Encoder, predicted: &Tensor, labels: &Tensor, counts: &Tensor) -> Result<()> {
    const OP: &str = "confusion_accumulate";
    let c = counts.shape().first().copied().unwrap_or(0);
    expect_shape(OP, "counts", counts, &[c, c])?;
    if c == 0
        || c > MAX_CLASSES
        || [predicted, labels, counts].iter().any(|t| t.dtype() != DType::U32)
        || predicted.shape() != labels.shape()
    {
        return Err(shape_err(
            OP,
            format!("predicted and labels must be u32 of equal shape, counts u32 (C, C) with 1 ≤ C ≤ {MAX_CLASSES}"),
            &[predicted.shape(), labels.shape(), counts.shape()],
        ));
    }
    let len = labels.len();
    let p = MetricsParams { n: 1, c: c as u32, plane: u32_of(OP, "pixels", len)?, _pad: 0 };
    launch(gpu, enc, OP, &p, &[(2, predicted), (3, labels), (4, counts)], (len as u64).div_ceil(256))
}
