//! CPU reference for 2-D convolution (stride 1, 'same' zero padding, K = 3 or 1), from the
//! definition, in f64. Layouts as PyTorch: x (N, C_in, H, W), weight (C_out, C_in, K, K).
//! The `*_at` functions compute one output element, so huge shapes can be checked on a sample.

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// x[b, c, r, col] with zero padding outside the plane.
fn padded(x: &ArrayView4<f64>, b: usize, c: usize, r: isize, col: isize) -> f64 {
    let (_, _, h, w) = x.dim();
    if r >= 0 && col >= 0 && (r as usize) < h && (col as usize) < w {
        x[[b, c, r as usize, col as usize]]
    } else {
        0.0
    }
}

/// `y[b,co,i,j] = bias[co] + Σ_{ci,ky,kx} weight[co,ci,ky,kx] · x[b,ci,i+ky-p,j+kx-p]`, p = K/2.
pub fn conv2d_forward_at(x: &ArrayView4<f64>, weight: &ArrayView4<f64>, bias: Option<&ArrayView1<f64>>, [b, co, i, j]: [usize; 4]) -> f64 {
    let (_, c_in, k, _) = weight.dim();
    let pad = (k / 2) as isize;
    let mut s = bias.map_or(0.0, |bb| bb[co]);
    for ci in 0..c_in {
        for ky in 0..k {
            for kx in 0..k {
                s += weight[[co, ci, ky, kx]] * padded(x, b, ci, i as isize + ky as isize - pad, j as isize + kx as isize - pad);
            }
        }
    }
    s
}

/// `dx[b,ci,i,j] = Σ_{co,ky,kx} weight[co,ci,ky,kx] · dy[b,co,i-ky+p,j-kx+p]`.
pub fn conv2d_backward_input_at(dy: &ArrayView4<f64>, weight: &ArrayView4<f64>, [b, ci, i, j]: [usize; 4]) -> f64 {
    let (c_out, _, k, _) = weight.dim();
    let pad = (k / 2) as isize;
    let mut s = 0.0;
    for co in 0..c_out {
        for ky in 0..k {
            for kx in 0..k {
                s += weight[[co, ci, ky, kx]] * padded(dy, b, co, i as isize - ky as isize + pad, j as isize - kx as isize + pad);
            }
        }
    }
    s
}

/// `dweight[co,ci,ky,kx] = Σ_{b,i,j} dy[b,co,i,j] · x[b,ci,i+ky-p,j+kx-p]` for kernel size `k`.
pub fn conv2d_backward_weight_at(x: &ArrayView4<f64>, dy: &ArrayView4<f64>, k: usize, [co, ci, ky, kx]: [usize; 4]) -> f64 {
    let (n, _, h, w) = x.dim();
    let pad = (k / 2) as isize;
    let mut s = 0.0;
    for b in 0..n {
        for i in 0..h {
            for j in 0..w {
                s += dy[[b, co, i, j]] * padded(x, b, ci, i as isize + ky as isize - pad, j as isize + kx as isize - pad);
            }
        }
    }
    s
}

/// Full forward: see [`conv2d_forward_at`].
pub fn conv2d_forward(x: ArrayView4<f64>, weight: ArrayView4<f64>, bias: Option<ArrayView1<f64>>) -> Array4<f64> {
    let (n, _, h, w) = x.dim();
    Array4::from_shape_fn((n, weight.dim().0, h, w), |(b, co, i, j)| conv2d_forward_at(&x, &weight, bias.as_ref(), [b, co, i, j]))
}

/// Full input gradient: see [`conv2d_backward_input_at`].
pub fn conv2d_backward_input(dy: ArrayView4<f64>, weight: ArrayView4<f64>) -> Array4<f64> {
    let (n, _, h, w) = dy.dim();
    Array4::from_shape_fn((n, weight.dim().1, h, w), |(b, ci, i, j)| conv2d_backward_input_at(&dy, &weight, [b, ci, i, j]))
}

/// Full weight gradient: see [`conv2d_backward_weight_at`].
pub fn conv2d_backward_weight(x: ArrayView4<f64>, dy: ArrayView4<f64>, k: usize) -> Array4<f64> {
    Array4::from_shape_fn((dy.dim().1, x.dim().1, k, k), |(co, ci, ky, kx)| conv2d_backward_weight_at(&x, &dy, k, [co, ci, ky, kx]))
}

/// `dbias[co] = Σ_{n,h,w} dy[n,co,h,w]`.
pub fn conv2d_backward_bias(dy: ArrayView4<f64>) -> Array1<f64> {
    super::reduce::sum_per_channel(dy)
}
