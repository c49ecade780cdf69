//! Launcher for `shaders/peak.wgsl`: the adapter's multiply-add ceiling, which `lungseg bench`
//! reads every other kernel's rate against.

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/peak.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PeakParams {
    pub len: u32,
    pub iters: u32,
    pub a: f32,
    pub b: f32,
}

/// Values one invocation carries through its chains.
pub const VALUES_PER_INVOCATION: usize = 16;

/// `y = x` after `iters` steps of `x ← x·a + b`, element-wise; `x.len()` a positive multiple of
/// [`VALUES_PER_INVOCATION`]. 2 · `iters` floating-point operations per element.
pub fn multiply_add(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor, iters: u32, a: f32, b: f32) -> Result<()> {
    const OP: &str = "peak_multiply_add";
    if x.len() != y.len() || x.is_empty() || !x.len().is_multiple_of(VALUES_PER_INVOCATION) {
        return Err(shape_err(
            OP,
            format!("x and y must have the same, positive number of elements, a multiple of {VALUES_PER_INVOCATION}"),
            &[x.shape(), y.shape()],
        ));
    }
    let invocations = x.len() / VALUES_PER_INVOCATION;
    let p = PeakParams { len: u32_of(OP, "invocations", invocations)?, iters, a, b };
    launch(gpu, enc, "peak_multiply_add", &p, &[(1, x), (2, y)], (invocations as u64).div_ceil(64))
}
