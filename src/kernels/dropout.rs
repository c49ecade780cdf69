//! Launchers for `shaders/dropout.wgsl`: inverted dropout with a counter-based hash, no mask buffer.

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/dropout.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DropoutParams {
    pub len: u32,
    pub seed_lo: u32,
    pub seed_hi: u32,
    pub threshold: u32,
    pub scale: f32,
    /// Index of the binding's element 0 in the whole tensor (the mask is a function of it).
    pub first: u32,
    pub _pad: [u32; 2],
}

impl DropoutParams {
    /// Parameters for drop probability `p` ∈ [0, 1) and a 64-bit seed.
    pub fn new(len: usize, p: f32, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::InvalidArgument { op: "dropout", detail: format!("drop probability must be in [0, 1), got {p}") });
        }
        Ok(Self {
            len: u32_of("dropout", "length", len)?,
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            threshold: ((p as f64) * 4294967296.0).round().min(u32::MAX as f64) as u32,
            scale: 1.0 / (1.0 - p),
            first: 0,
            _pad: [0; 2],
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn run(gpu: &Gpu, enc: &mut Encoder, op: &'static str, vec4: &'static str, src: &Tensor, dst: &Tensor, p: f32, seed: u64) -> Result<()> {
    if src.len() != dst.len() {
        return Err(shape_err(op, "input and output must have the same length", &[src.shape(), dst.shape()]));
    }
    let whole = DropoutParams::new(src.len(), p, seed)?;
    super::for_elements(gpu, op, &[src, dst], |first, v| {
        let params = DropoutParams { len: v[0].len() as u32, first: first as u32, ..whole };
        // (Chunks start at multiples of 64 elements, so a chunk's vectors are the whole's.)
        let (entry, workgroups) = super::by_vec4(op, vec4, v[0].len().is_multiple_of(4), v[0].len());
        launch(gpu, enc, entry, &params, &[(1, &v[0]), (2, &v[1])], workgroups)
    })
}

/// `y = x · mask / (1 − p)`; the mask is a function of (element index, seed).
pub fn dropout_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, y: &Tensor, p: f32, seed: u64) -> Result<()> {
    run(gpu, enc, "dropout_forward", "dropout_forward4", x, y, p, seed)
}

/// `dx = dy · mask / (1 − p)` with the forward pass's seed.
pub fn dropout_backward(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, dx: &Tensor, p: f32, seed: u64) -> Result<()> {
    run(gpu, enc, "dropout_backward", "dropout_backward4", dy, dx, p, seed)
}
