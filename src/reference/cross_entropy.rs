//! CPU reference for softmax + class-weighted cross-entropy over every pixel, normalised as
//! PyTorch's `CrossEntropyLoss(weight=w, reduction='mean')`: Σ w[y]·nll / Σ w[y].
//! Labels ≥ C are ignored (weight 0).

use ndarray::{Array4, ArrayView1, ArrayView3, ArrayView4};

fn log_softmax_at(logits: &ArrayView4<f64>, b: usize, i: usize, j: usize) -> Vec<f64> {
    let c = logits.dim().1;
    let zs: Vec<f64> = (0..c).map(|k| logits[[b, k, i, j]]).collect();
    let m = zs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + zs.iter().map(|z| (z - m).exp()).sum::<f64>().ln();
    zs.iter().map(|z| z - lse).collect()
}

/// `(loss, Σ w[y])`.
pub fn cross_entropy_loss(logits: ArrayView4<f64>, labels: ArrayView3<u32>, weights: ArrayView1<f64>) -> (f64, f64) {
    let (n, c, h, w) = logits.dim();
    let (mut num, mut den) = (0.0, 0.0);
    for b in 0..n {
        for i in 0..h {
            for j in 0..w {
                let y = labels[[b, i, j]] as usize;
                if y < c {
                    let ls = log_softmax_at(&logits, b, i, j);
                    num += weights[y] * -ls[y];
                    den += weights[y];
                }
            }
        }
    }
    (if den > 0.0 { num / den } else { 0.0 }, den)
}

/// `dloss/dlogits = w[y]·(softmax − onehot) / Σ w[y]`.
pub fn cross_entropy_backward(logits: ArrayView4<f64>, labels: ArrayView3<u32>, weights: ArrayView1<f64>) -> Array4<f64> {
    let (n, c, h, w) = logits.dim();
    let (_, den) = cross_entropy_loss(logits, labels, weights);
    let mut d = Array4::zeros((n, c, h, w));
    for b in 0..n {
        for i in 0..h {
            for j in 0..w {
                let y = labels[[b, i, j]] as usize;
                if y < c && den > 0.0 {
                    let ls = log_softmax_at(&logits, b, i, j);
                    for k in 0..c {
                        d[[b, k, i, j]] = weights[y] * (ls[k].exp() - if k == y { 1.0 } else { 0.0 }) / den;
                    }
                }
            }
        }
    }
    d
}
