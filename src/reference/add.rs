//! CPU reference for element-wise accumulation.

use ndarray::{ArrayD, ArrayViewD};

/// `dst + src`.
pub fn add(dst: ArrayViewD<f64>, src: ArrayViewD<f64>) -> ArrayD<f64> {
    &dst + &src
}
