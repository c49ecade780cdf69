//! Launcher for `shaders/reduce.wgsl`.

use super::{launch, nchw, u32_of};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::tensor::Tensor;

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ReduceParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub _pad: u32,
}

/// `out[c] = Σ_{n,h,w} x[n,c,h,w]` into a tensor of shape (C).
pub fn sum_per_channel(gpu: &Gpu, enc: &mut wgpu::CommandEncoder, x: &Tensor, out: &Tensor) -> Result<()> {
    const OP: &str = "sum_per_channel";
    let [n, c, h, w] = nchw(OP, "x", x)?;
    super::expect_shape(OP, "out", out, &[c])?;
    let p = ReduceParams { n: u32_of(OP, "N", n)?, c: u32_of(OP, "C", c)?, plane: u32_of(OP, "H·W", h * w)?, _pad: 0 };
    launch(gpu, enc, OP, &p, &[(1, x), (2, out)], c as u64)
}
