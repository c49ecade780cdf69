//! CPU reference for channel concatenation.

use ndarray::{concatenate, s, Array4, ArrayView4, Axis};

/// `y = [a, b]` along channels.
pub fn concat_forward<'a>(a: ArrayView4<'a, f64>, b: ArrayView4<'a, f64>) -> Array4<f64> {
    concatenate(Axis(1), &[a, b]).expect("N, H, W agree")
}

/// `(da, db)`: the channel slices of dy.
pub fn concat_backward(dy: ArrayView4<f64>, c_a: usize) -> (Array4<f64>, Array4<f64>) {
    (dy.slice(s![.., ..c_a, .., ..]).to_owned(), dy.slice(s![.., c_a.., .., ..]).to_owned())
}
