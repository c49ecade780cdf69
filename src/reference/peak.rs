//! CPU reference for the multiply-add chains of `shaders/peak.wgsl`.

use ndarray::{ArrayD, ArrayViewD};

/// Each element after `iters` steps of `x ← x·a + b`, in closed form (not by iterating, so the
/// shader's loop is checked against independent math): `aᴷ·x + b·(1 + a + … + aᴷ⁻¹)`.
pub fn multiply_add(x: ArrayViewD<f64>, iters: u32, a: f64, b: f64) -> ArrayD<f64> {
    let ak = a.powi(iters as i32);
    let geometric = if a == 1.0 { iters as f64 } else { (ak - 1.0) / (a - 1.0) };
    x.mapv(|v| ak * v + b * geometric)
}
