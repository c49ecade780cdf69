//! CPU references for every kernel entry point, written from the math with f64 arithmetic.
//! One file per op. They are deliberately plain loops over the definitions — slow, obvious, and
//! independent of the shaders' blocking (backward passes that the GPU computes as gathers are
//! written here as scatters). Every reference backward is checked against
//! [`numeric_gradient`] in the tests.

pub mod adam;
pub mod add;
pub mod batch_norm;
pub mod concat;
pub mod conv2d;
pub mod conv_transpose2d;
pub mod cross_entropy;
pub mod dice;
pub mod dropout;
pub mod ema;
pub mod max_pool;
pub mod max_unpool;
pub mod metrics;
pub mod model;
pub mod peak;
pub mod reduce;
pub mod relu;

use ndarray::{Array, Dimension};

/// Central finite differences of a scalar function: `(f(x + h·e_i) − f(x − h·e_i)) / 2h` for every
/// element i. Used to check the analytic backward passes of the references.
pub fn numeric_gradient<D: Dimension>(x: &Array<f64, D>, h: f64, f: impl Fn(&Array<f64, D>) -> f64) -> Array<f64, D> {
    let mut g = Array::zeros(x.raw_dim());
    let mut xp = x.clone();
    for (i, gi) in g.iter_mut().enumerate() {
        let orig = x.as_slice_memory_order().expect("contiguous")[i];
        xp.as_slice_memory_order_mut().expect("contiguous")[i] = orig + h;
        let fp = f(&xp);
        xp.as_slice_memory_order_mut().expect("contiguous")[i] = orig - h;
        let fm = f(&xp);
        xp.as_slice_memory_order_mut().expect("contiguous")[i] = orig;
        *gi = (fp - fm) / (2.0 * h);
    }
    g
}

/// `Σ a·b` over all elements (the scalar L = Σ y·g whose gradient a backward pass computes).
pub fn dot<D: Dimension>(a: &Array<f64, D>, b: &Array<f64, D>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}
