//! CPU reference for 2×2 stride-2 max-pooling with indices (PyTorch conventions: index = h·W + w
//! within the plane, first maximum in window order wins, odd trailing row/column dropped).
//! The backward pass here is written as a scatter — the opposite formulation of the GPU gather.

use ndarray::{Array4, ArrayView4};

/// `(y, indices)`, both (N, C, H/2, W/2).
pub fn max_pool2d_forward(x: ArrayView4<f64>) -> (Array4<f64>, Array4<u32>) {
    let (n, c, h, w) = x.dim();
    let (oh, ow) = (h / 2, w / 2);
    let mut y = Array4::zeros((n, c, oh, ow));
    let mut idx = Array4::zeros((n, c, oh, ow));
    for b in 0..n {
        for ch in 0..c {
            for i in 0..oh {
                for j in 0..ow {
                    let mut best = x[[b, ch, 2 * i, 2 * j]];
                    let mut best_at = 2 * i * w + 2 * j;
                    // Strictly greater: the first maximum in window order keeps its place.
                    for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                        let (r, col) = (2 * i + di, 2 * j + dj);
                        let v = x[[b, ch, r, col]];
                        if v > best {
                            best = v;
                            best_at = r * w + col;
                        }
                    }
                    y[[b, ch, i, j]] = best;
                    idx[[b, ch, i, j]] = best_at as u32;
                }
            }
        }
    }
    (y, idx)
}

/// `dx` (N, C, H, W): each pooled gradient added at its recorded index.
pub fn max_pool2d_backward(dy: ArrayView4<f64>, indices: ArrayView4<u32>, h: usize, w: usize) -> Array4<f64> {
    let (n, c, _, _) = dy.dim();
    let mut dx = Array4::zeros((n, c, h, w));
    for ((b, ch, i, j), &g) in dy.indexed_iter() {
        let k = indices[[b, ch, i, j]] as usize;
        dx[[b, ch, k / w, k % w]] += g;
    }
    dx
}
