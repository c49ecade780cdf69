//! CPU reference for ReLU.

use ndarray::{ArrayD, ArrayViewD, Zip};

/// `y = max(x, 0)` as torch.relu: 0 where x < 0, else x itself (−0.0 stays −0.0, NaN stays NaN).
pub fn relu_forward(x: ArrayViewD<f64>) -> ArrayD<f64> {
    x.mapv(|v| if v < 0.0 { 0.0 } else { v })
}

/// `dx = dy · [x > 0]` (gradient 0 at x = 0, as PyTorch).
pub fn relu_backward(x: ArrayViewD<f64>, dy: ArrayViewD<f64>) -> ArrayD<f64> {
    Zip::from(&x).and(&dy).map_collect(|&a, &g| if a > 0.0 { g } else { 0.0 })
}
