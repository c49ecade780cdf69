//! Launchers for `shaders/relu.wgsl`.

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/relu.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ReluParams {
    pub len: u32,
    pub _pad: [u32; 3],
}

fn same_len(op: &'static str, ts: &[&Tensor]) -> Result<ReluParams> {
    let len = ts[0].len();
    if ts.iter().any(|t| t.len() != len) {
        return Err(shape_err(op, "all tensors must have the same number of elements", &ts.iter().map(|t| t.shape()).collect::<Vec<_>>()));
    }
    Ok(ReluParams { len: u32_of(op, "length", len)?, _pad: [0; 3] })
}

/// `y = max(x, 0)`.
pub fn relu_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor) -> Result<()> {
    super::for_elements(gpu, "relu_forward", &[x, y], |_, v| relu_forward_once(gpu, enc, &v[0], &v[1]))
}

fn relu_forward_once(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor) -> Result<()> {
    const OP: &str = "relu_forward";
    let p = same_len(OP, &[x, y])?;
    let (entry, workgroups) = super::by_vec4(OP, "relu_forward4", p.len.is_multiple_of(4), x.len());
    launch(gpu, enc, entry, &p, &[(1, x), (3, y)], workgroups)
}

/// `dx = dy · [x > 0]`.
pub fn relu_backward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dx: &Tensor) -> Result<()> {
    super::for_elements(gpu, "relu_backward", &[x, dy, dx], |_, v| relu_backward_once(gpu, enc, &v[0], &v[1], &v[2]))
}

fn relu_backward_once(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dx: &Tensor) -> Result<()> {
    const OP: &str = "relu_backward";
    let p = same_len(OP, &[x, dy, dx])?;
    let (entry, workgroups) = super::by_vec4(OP, "relu_backward4", p.len.is_multiple_of(4), x.len());
    launch(gpu, enc, entry, &p, &[(1, x), (2, dy), (3, dx)], workgroups)
}
