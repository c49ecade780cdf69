//! CPU reference for the 2×2 stride-2 transposed convolution, weight (C_in, C_out, 2, 2), in f64.
//! Written as PyTorch defines it: every input pixel scatters weight · x into a 2×2 output patch.

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// `y[n,o,2i+a,2j+b] = bias[o] + Σ_c x[n,c,i,j] · weight[c,o,a,b]`.
pub fn conv_transpose2d_forward(x: ArrayView4<f64>, weight: ArrayView4<f64>, bias: Option<ArrayView1<f64>>) -> Array4<f64> {
    let (n, c_in, h, w) = x.dim();
    let c_out = weight.dim().1;
    let mut y = Array4::zeros((n, c_out, 2 * h, 2 * w));
    for ((_, o, _, _), v) in y.indexed_iter_mut() {
        *v = bias.map_or(0.0, |bb| bb[o]);
    }
    for b in 0..n {
        for c in 0..c_in {
            for i in 0..h {
                for j in 0..w {
                    let xv = x[[b, c, i, j]];
                    for o in 0..c_out {
                        for a in 0..2 {
                            for bb in 0..2 {
                                y[[b, o, 2 * i + a, 2 * j + bb]] += xv * weight[[c, o, a, bb]];
                            }
                        }
                    }
                }
            }
        }
    }
    y
}

/// `dx[n,c,i,j] = Σ_{o,a,b} weight[c,o,a,b] · dy[n,o,2i+a,2j+b]`.
pub fn conv_transpose2d_backward_input(dy: ArrayView4<f64>, weight: ArrayView4<f64>) -> Array4<f64> {
    let (n, c_out, h2, w2) = dy.dim();
    let c_in = weight.dim().0;
    let mut dx = Array4::zeros((n, c_in, h2 / 2, w2 / 2));
    for ((b, c, i, j), v) in dx.indexed_iter_mut() {
        let mut s = 0.0;
        for o in 0..c_out {
            for a in 0..2 {
                for bb in 0..2 {
                    s += weight[[c, o, a, bb]] * dy[[b, o, 2 * i + a, 2 * j + bb]];
                }
            }
        }
        *v = s;
    }
    dx
}

/// `dweight[c,o,a,b] = Σ_{n,i,j} x[n,c,i,j] · dy[n,o,2i+a,2j+b]`.
pub fn conv_transpose2d_backward_weight(x: ArrayView4<f64>, dy: ArrayView4<f64>) -> Array4<f64> {
    let (n, c_in, h, w) = x.dim();
    let c_out = dy.dim().1;
    let mut dw = Array4::zeros((c_in, c_out, 2, 2));
    for ((c, o, a, bb), v) in dw.indexed_iter_mut() {
        let mut s = 0.0;
        for b in 0..n {
            for i in 0..h {
                for j in 0..w {
                    s += x[[b, c, i, j]] * dy[[b, o, 2 * i + a, 2 * j + bb]];
                }
            }
        }
        *v = s;
    }
    dw
}

/// `dbias[o] = Σ dy[n,o,h,w]`.
pub fn conv_transpose2d_backward_bias(dy: ArrayView4<f64>) -> Array1<f64> {
    super::reduce::sum_per_channel(dy)
}
