//! CPU reference for 2-D convolution (stride 1, 'same' zero padding, K = 3 or 1), from the
//! definition, in f64. Layouts as PyTorch: x (N, C_in, H, W), weight (C_out, C_in, K, K).

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// `y[n,co,h,w] = b[co] + Σ_{ci,ky,kx} weight[co,ci,ky,kx] · x[n,ci,h+ky-p,w+kx-p]`, p = K/2.
pub fn conv2d_forward(x: ArrayView4<f64>, weight: ArrayView4<f64>, bias: Option<ArrayView1<f64>>) -> Array4<f64> {
    let (n, c_in, h, w) = x.dim();
    let (c_out, _, k, _) = weight.dim();
    let pad = (k / 2) as isize;
    let mut y = Array4::zeros((n, c_out, h, w));
    for b in 0..n {
        for co in 0..c_out {
            for i in 0..h {
                for j in 0..w {
                    let mut s = bias.map_or(0.0, |bb| bb[co]);
                    for ci in 0..c_in {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (r, c) = (i as isize + ky as isize - pad, j as isize + kx as isize - pad);
                                if r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w {
                                    s += weight[[co, ci, ky, kx]] * x[[b, ci, r as usize, c as usize]];
                                }
                            }
                        }
                    }
                    y[[b, co, i, j]] = s;
                }
            }
        }
    }
    y
}

/// `dx[n,ci,h,w] = Σ_{co,ky,kx} weight[co,ci,ky,kx] · dy[n,co,h-ky+p,w-kx+p]`.
pub fn conv2d_backward_input(dy: ArrayView4<f64>, weight: ArrayView4<f64>) -> Array4<f64> {
    let (n, c_out, h, w) = dy.dim();
    let (_, c_in, k, _) = weight.dim();
    let pad = (k / 2) as isize;
    let mut dx = Array4::zeros((n, c_in, h, w));
    for b in 0..n {
        for ci in 0..c_in {
            for i in 0..h {
                for j in 0..w {
                    let mut s = 0.0;
                    for co in 0..c_out {
                        for ky in 0..k {
                            for kx in 0..k {
                                let (r, c) = (i as isize - ky as isize + pad, j as isize - kx as isize + pad);
                                if r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w {
                                    s += weight[[co, ci, ky, kx]] * dy[[b, co, r as usize, c as usize]];
                                }
                            }
                        }
                    }
                    dx[[b, ci, i, j]] = s;
                }
            }
        }
    }
    dx
}

/// `dweight[co,ci,ky,kx] = Σ_{n,h,w} dy[n,co,h,w] · x[n,ci,h+ky-p,w+kx-p]`.
pub fn conv2d_backward_weight(x: ArrayView4<f64>, dy: ArrayView4<f64>, k: usize) -> Array4<f64> {
    let (n, c_in, h, w) = x.dim();
    let c_out = dy.dim().1;
    let pad = (k / 2) as isize;
    let mut dw = Array4::zeros((c_out, c_in, k, k));
    for co in 0..c_out {
        for ci in 0..c_in {
            for ky in 0..k {
                for kx in 0..k {
                    let mut s = 0.0;
                    for b in 0..n {
                        for i in 0..h {
                            for j in 0..w {
                                let (r, c) = (i as isize + ky as isize - pad, j as isize + kx as isize - pad);
                                if r >= 0 && c >= 0 && (r as usize) < h && (c as usize) < w {
                                    s += dy[[b, co, i, j]] * x[[b, ci, r as usize, c as usize]];
                                }
                            }
                        }
                    }
                    dw[[co, ci, ky, kx]] = s;
                }
            }
        }
    }
    dw
}

/// `dbias[co] = Σ_{n,h,w} dy[n,co,h,w]`.
pub fn conv2d_backward_bias(dy: ArrayView4<f64>) -> Array1<f64> {
    super::reduce::sum_per_channel(dy)
}
