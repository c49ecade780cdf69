//! CPU reference for per-channel sums of an NCHW tensor, in f64.

use ndarray::{Array1, ArrayView4, Axis};

/// `out[c] = Σ_{n,h,w} x[n,c,h,w]`.
pub fn sum_per_channel(x: ArrayView4<f64>) -> Array1<f64> {
    x.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0))
}
