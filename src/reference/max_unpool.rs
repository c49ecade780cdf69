//! CPU reference for max-unpooling by max-pool indices (PyTorch max_unpool2d), as a scatter.

use ndarray::{Array4, ArrayView4};

/// `y` (N, C, H, W): x placed at its recorded index, zeros elsewhere.
pub fn max_unpool2d_forward(x: ArrayView4<f64>, indices: ArrayView4<u32>, h: usize, w: usize) -> Array4<f64> {
    let (n, c, _, _) = x.dim();
    let mut y = Array4::zeros((n, c, h, w));
    for ((b, ch, i, j), &v) in x.indexed_iter() {
        let k = indices[[b, ch, i, j]] as usize;
        y[[b, ch, k / w, k % w]] = v;
    }
    y
}

/// `dx[n,c,i,j] = dy[n, c, indices[n,c,i,j]]`.
pub fn max_unpool2d_backward(dy: ArrayView4<f64>, indices: ArrayView4<u32>) -> Array4<f64> {
    let w = dy.dim().3;
    let mut dx = Array4::zeros(indices.dim());
    for ((b, ch, i, j), v) in dx.indexed_iter_mut() {
        let k = indices[[b, ch, i, j]] as usize;
        *v = dy[[b, ch, k / w, k % w]];
    }
    dx
}
