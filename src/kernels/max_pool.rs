//! Launchers for `shaders/max_pool.wgsl`: 2×2 stride-2 max-pooling with u32 indices
//! (index = h·W + w within each plane, first maximum wins) and max-unpooling by those indices.

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::{DType, Tensor};

/// Mirror of `struct Params` in `shaders/max_pool.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MaxPoolParams {
    pub n: u32,
    pub c: u32,
    pub h: u32,
    pub w: u32,
    pub oh: u32,
    pub ow: u32,
    pub _pad: [u32; 2],
}

fn params(op: &'static str, full: [usize; 4]) -> Result<MaxPoolParams> {
    let [n, c, h, w] = full;
    if h < 2 || w < 2 {
        return Err(shape_err(op, "2×2 pooling needs H ≥ 2 and W ≥ 2", &[&full]));
    }
    Ok(MaxPoolParams {
        n: u32_of(op, "N", n)?,
        c: u32_of(op, "C", c)?,
        h: u32_of(op, "H", h)?,
        w: u32_of(op, "W", w)?,
        oh: (h / 2) as u32,
        ow: (w / 2) as u32,
        _pad: [0; 2],
    })
}

/// The `*4` entry point (vector accesses) where W % 4 == 0 — every real layer — else `scalar`.
fn by_vec4(p: &MaxPoolParams, scalar: &'static str, vec4: &'static str) -> &'static str {
    if p.w.is_multiple_of(4) {
        vec4
    } else {
        scalar
    }
}

/// One workgroup per row of the pooled tensor.
fn pooled_rows(p: &MaxPoolParams) -> u64 {
    p.n as u64 * p.c as u64 * p.oh as u64
}

/// One workgroup per row of the full-resolution tensor.
fn full_rows(p: &MaxPoolParams) -> u64 {
    p.n as u64 * p.c as u64 * p.h as u64
}

fn check_indices(op: &'static str, indices: &Tensor, pooled: &[usize]) -> Result<()> {
    expect_shape(op, "indices", indices, pooled)?;
    if indices.dtype() != DType::U32 {
        return Err(shape_err(op, "indices must be a u32 tensor", &[indices.shape()]));
    }
    Ok(())
}

/// `y, indices = max_pool2d(x)`, y and indices of shape (N, C, H/2, W/2).
pub fn max_pool2d_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor, indices: &Tensor) -> Result<()> {
    super::for_images(gpu, "max_pool2d_forward", &[x, y, indices], |_, v| max_pool2d_forward_once(gpu, enc, &v[0], &v[1], &v[2]))
}

fn max_pool2d_forward_once(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor, indices: &Tensor) -> Result<()> {
    const OP: &str = "max_pool2d_forward";
    let full = nchw(OP, "x", x)?;
    let p = params(OP, full)?;
    let pooled = [full[0], full[1], full[2] / 2, full[3] / 2];
    expect_shape(OP, "y", y, &pooled)?;
    check_indices(OP, indices, &pooled)?;
    launch(gpu, enc, by_vec4(&p, OP, "max_pool2d_forward4"), &p, &[(1, x), (2, indices), (3, y)], pooled_rows(&p))
}

/// `dx` (N, C, H, W) from `dy` (N, C, H/2, W/2): each input element takes dy of its window if the
/// window chose it, else 0.
pub fn max_pool2d_backward(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, indices: &Tensor, dx: &Tensor) -> Result<()> {
    super::for_images(gpu, "max_pool2d_backward", &[dy, indices, dx], |_, v| max_pool2d_backward_once(gpu, enc, &v[0], &v[1], &v[2]))
}

fn max_pool2d_backward_once(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, indices: &Tensor, dx: &Tensor) -> Result<()> {
    const OP: &str = "max_pool2d_backward";
    let full = nchw(OP, "dx", dx)?;
    let p = params(OP, full)?;
    let pooled = [full[0], full[1], full[2] / 2, full[3] / 2];
    expect_shape(OP, "dy", dy, &pooled)?;
    check_indices(OP, indices, &pooled)?;
    launch(gpu, enc, by_vec4(&p, OP, "max_pool2d_backward4"), &p, &[(1, dy), (2, indices), (3, dx)], full_rows(&p))
}

/// `y` (N, C, H, W) = max_unpool2d(x (N, C, H/2, W/2), indices): x at each recorded position, 0 elsewhere.
pub fn max_unpool2d_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, indices: &Tensor, y: &Tensor) -> Result<()> {
    super::for_images(gpu, "max_unpool2d_forward", &[x, indices, y], |_, v| max_unpool2d_forward_once(gpu, enc, &v[0], &v[1], &v[2]))
}

fn max_unpool2d_forward_once(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, indices: &Tensor, y: &Tensor) -> Result<()> {
    const OP: &str = "max_unpool2d_forward";
    let full = nchw(OP, "y", y)?;
    let p = params(OP, full)?;
    let pooled = [full[0], full[1], full[2] / 2, full[3] / 2];
    expect_shape(OP, "x", x, &pooled)?;
    check_indices(OP, indices, &pooled)?;
    launch(gpu, enc, by_vec4(&p, OP, "max_unpool2d_forward4"), &p, &[(1, x), (2, indices), (3, y)], full_rows(&p))
}

/// `dx[n,c,i,j] = dy[n, c, indices[n,c,i,j]]`.
pub fn max_unpool2d_backward(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, indices: &Tensor, dx: &Tensor) -> Result<()> {
    super::for_images(gpu, "max_unpool2d_backward", &[dy, indices, dx], |_, v| max_unpool2d_backward_once(gpu, enc, &v[0], &v[1], &v[2]))
}

fn max_unpool2d_backward_once(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, indices: &Tensor, dx: &Tensor) -> Result<()> {
    const OP: &str = "max_unpool2d_backward";
    let full = nchw(OP, "dy", dy)?;
    let p = params(OP, full)?;
    let pooled = [full[0], full[1], full[2] / 2, full[3] / 2];
    expect_shape(OP, "dx", dx, &pooled)?;
    check_indices(OP, indices, &pooled)?;
    launch(gpu, enc, OP, &p, &[(1, dy), (2, indices), (3, dx)], pooled_rows(&p))
}
