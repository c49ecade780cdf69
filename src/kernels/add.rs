//! Launcher for `shaders/add.wgsl`: `dst += src` (gradient accumulation).

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/add.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AddParams {
    pub len: u32,
    pub _pad: [u32; 3],
}

/// `dst += src` element-wise.
pub fn add_assign(gpu: &Gpu, enc: &mut Encoder, dst: &Tensor, src: &Tensor) -> Result<()> {
    super::for_elements(gpu, "add_assign", &[dst, src], |_, v| add_assign_once(gpu, enc, &v[0], &v[1]))
}

fn add_assign_once(gpu: &Gpu, enc: &mut Encoder, dst: &Tensor, src: &Tensor) -> Result<()> {
    const OP: &str = "add_assign";
    if dst.len() != src.len() {
        return Err(shape_err(OP, "dst and src must have the same number of elements", &[dst.shape(), src.shape()]));
    }
    let p = AddParams { len: u32_of(OP, "length", dst.len())?, _pad: [0; 3] };
    let (entry, workgroups) = super::by_vec4(OP, "add_assign4", dst.len().is_multiple_of(4), dst.len());
    launch(gpu, enc, entry, &p, &[(1, src), (2, dst)], workgroups)
}
