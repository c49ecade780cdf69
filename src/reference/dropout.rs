//! CPU reference for inverted dropout with the counter-based mask of `shaders/dropout.wgsl`.
//! The hash is the definition of the mask, so it is reproduced here bit for bit.

use ndarray::{ArrayD, ArrayViewD};

/// PCG-RXS-M-XS 32 output function on one 32-bit word.
pub fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277803737);
    (word >> 22) ^ word
}

/// Whether element `i` is kept for drop probability `p` and `seed`.
pub fn kept(i: u32, p: f32, seed: u64) -> bool {
    let threshold = ((p as f64) * 4294967296.0).round().min(u32::MAX as f64) as u32;
    let r = pcg(i.wrapping_add(pcg((seed as u32) ^ pcg((seed >> 32) as u32))));
    r >= threshold
}

/// `y = x · mask / (1 − p)` (also the backward pass, applied to dy).
pub fn dropout(x: ArrayViewD<f64>, p: f32, seed: u64) -> ArrayD<f64> {
    let scale = (1.0 / (1.0 - p)) as f64;
    let mut y = x.to_owned();
    for (i, v) in y.iter_mut().enumerate() {
        *v = if kept(i as u32, p, seed) { *v * scale } else { 0.0 };
    }
    y
}
