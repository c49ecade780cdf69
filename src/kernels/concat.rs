//! Launchers for `shaders/concat.wgsl`: channel concatenation as writes at a channel offset.

use super::{launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/concat.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ConcatParams {
    pub n: u32,
    pub c_part: u32,
    pub c_whole: u32,
    pub offset: u32,
    pub plane: u32,
    pub accumulate: u32,
    pub _pad: [u32; 2],
}

fn params(op: &'static str, part: &Tensor, whole: &Tensor, offset: usize) -> Result<ConcatParams> {
    let [n, c, h, w] = nchw(op, "part", part)?;
    let [wn, wc, wh, ww] = nchw(op, "whole", whole)?;
    if n != wn || h != wh || w != ww || offset + c > wc {
        return Err(shape_err(op, format!("part must fit in whole at channel offset {offset}"), &[part.shape(), whole.shape()]));
    }
    Ok(ConcatParams {
        n: u32_of(op, "N", n)?,
        c_part: u32_of(op, "C", c)?,
        c_whole: u32_of(op, "C", wc)?,
        offset: offset as u32,
        plane: u32_of(op, "H·W", h * w)?,
        accumulate: 0,
        _pad: [0; 2],
    })
}

/// `whole[:, offset .. offset + C_part] = part`.
pub fn concat_forward(gpu: &Gpu, enc: &mut Encoder, part: &Tensor, whole: &Tensor, offset: usize) -> Result<()> {
    super::for_images(gpu, "concat_forward", &[part, whole], |_, v| concat_forward_once(gpu, enc, &v[0], &v[1], offset))
}

fn concat_forward_once(gpu: &Gpu, enc: &mut Encoder, part: &Tensor, whole: &Tensor, offset: usize) -> Result<()> {
    const OP: &str = "concat_forward";
    let p = params(OP, part, whole, offset)?;
    let (entry, workgroups) = super::by_vec4(OP, "concat_forward4", p.plane.is_multiple_of(4), part.len());
    launch(gpu, enc, entry, &p, &[(1, part), (2, whole)], workgroups)
}

/// `dpart = dwhole[:, offset .. offset + C_part]`, or `+=` when `accumulate`.
pub fn concat_backward(gpu: &Gpu, enc: &mut Encoder, dwhole: &Tensor, dpart: &Tensor, offset: usize, accumulate: bool) -> Result<()> {
    super::for_images(gpu, "concat_backward", &[dwhole, dpart], |_, v| concat_backward_once(gpu, enc, &v[0], &v[1], offset, accumulate))
}

fn concat_backward_once(gpu: &Gpu, enc: &mut Encoder, dwhole: &Tensor, dpart: &Tensor, offset: usize, accumulate: bool) -> Result<()> {
    const OP: &str = "concat_backward";
    let mut p = params(OP, dpart, dwhole, offset)?;
    p.accumulate = accumulate as u32;
    let (entry, workgroups) = super::by_vec4(OP, "concat_backward4", p.plane.is_multiple_of(4), dpart.len());
    launch(gpu, enc, entry, &p, &[(1, dwhole), (2, dpart)], workgroups)
}
