//! Launcher for `shaders/ema.wgsl`: the exponential moving average of parameters.

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/ema.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct EmaParams {
    pub len: u32,
    pub offset: u32,
    pub decay: f32,
    pub _pad: u32,
}

/// The decay of the average after optimizer step `step` (1-based) for a requested `decay`: the
/// warm-up of TensorFlow's `ExponentialMovingAverage(num_updates=step)`,
/// `min(decay, (1 + step) / (10 + step))`, so that the first steps
/// — whose weights are still near the random initialisation — are forgotten quickly instead of
/// weighing on the average for ~1 / (1 − decay) steps. A pure function of the step, so a resumed
/// run averages exactly as an uninterrupted one.
pub fn warmup_decay(decay: f32, step: u32) -> f32 {
    let s = step as f64;
    (decay as f64).min((1.0 + s) / (10.0 + s)) as f32
}

/// `avg ← avg + (1 − decay)·(x − avg)` over elements `[offset, offset + len)`.
#[allow(clippy::too_many_arguments)]
pub fn ema_update(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, avg: &Tensor, offset: usize, len: usize, decay: f32) -> Result<()> {
    const OP: &str = "ema_update";
    let n = x.len();
    if avg.len() != n || offset + len > n {
        return Err(shape_err(
            OP,
            format!("x and avg must have equal lengths covering [{offset}, {})", offset + len),
            &[x.shape(), avg.shape()],
        ));
    }
    if !(decay.is_finite() && (0.0..=1.0).contains(&decay)) {
        return Err(Error::InvalidArgument { op: OP, detail: format!("the decay must be in [0, 1], got {decay}") });
    }
    let p = EmaParams { len: u32_of(OP, "length", len)?, offset: u32_of(OP, "offset", offset)?, decay, _pad: 0 };
    // Flat buffers past the binding limit are averaged range by range.
    super::for_elements(gpu, OP, &[x, avg], |first, t| {
        let (lo, hi) = (offset.max(first), (offset + len).min(first + t[0].len()));
        if lo >= hi {
            return Ok(());
        }
        let q = EmaParams { len: (hi - lo) as u32, offset: (lo - first) as u32, ..p };
        launch(gpu, enc, OP, &q, &[(1, &t[0]), (2, &t[1])], ((hi - lo) as u64).div_ceil(256))
    })
}
