//! CPU reference for the soft Dice loss over the batch (`shaders/dice.wgsl`, definition in
//! [`crate::kernels::dice`]): p = softmax over C per pixel, I_c = Σ p_c·[y = c], P_c = Σ p_c,
//! G_c = Σ [y = c] over every pixel of the batch, dice_c = (2·I_c + ε)/(P_c + G_c + ε),
//! loss = 1 − mean of dice_c over the included classes (all, or 1..C−1 without background).
//! Labels ≥ C are ignored (no contribution, zero gradient).

use ndarray::{Array1, Array4, ArrayView3, ArrayView4};

fn softmax_at(logits: &ArrayView4<f64>, b: usize, i: usize, j: usize) -> Vec<f64> {
    let c = logits.dim().1;
    let zs: Vec<f64> = (0..c).map(|k| logits[[b, k, i, j]]).collect();
    let m = zs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = zs.iter().map(|z| (z - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// `(I, P, G)`, one value per class.
pub fn soft_dice_sums(logits: ArrayView4<f64>, labels: ArrayView3<u32>) -> (Array1<f64>, Array1<f64>, Array1<f64>) {
    let (n, c, h, w) = logits.dim();
    let (mut inter, mut pred, mut gt) = (Array1::zeros(c), Array1::zeros(c), Array1::zeros(c));
    for b in 0..n {
        for i in 0..h {
            for j in 0..w {
                let y = labels[[b, i, j]] as usize;
                if y >= c {
                    continue;
                }
                let p = softmax_at(&logits, b, i, j);
                for k in 0..c {
                    pred[k] += p[k];
                }
                inter[y] += p[y];
                gt[y] += 1.0;
            }
        }
    }
    (inter, pred, gt)
}

/// The classes the mean runs over.
fn included(c: usize, include_background: bool) -> std::ops::Range<usize> {
    if include_background {
        0..c
    } else {
        1..c
    }
}

/// `(loss, dice_c for every class)` with smoothing `eps`.
pub fn soft_dice_loss(logits: ArrayView4<f64>, labels: ArrayView3<u32>, include_background: bool, eps: f64) -> (f64, Array1<f64>) {
    let (inter, pred, gt) = soft_dice_sums(logits, labels);
    let dice = Array1::from_shape_fn(inter.len(), |k| (2.0 * inter[k] + eps) / (pred[k] + gt[k] + eps));
    let s = included(inter.len(), include_background);
    let k = s.len() as f64;
    (1.0 - s.map(|c| dice[c]).sum::<f64>() / k, dice)
}

/// `dloss/dlogits`, by the chain rule written out: dloss/dp_ic from the quotient rule, then the
/// full softmax Jacobian `dp_ic/dz_ik = p_ic·([c = k] − p_ik)` (a sum over c for every k).
pub fn soft_dice_backward(logits: ArrayView4<f64>, labels: ArrayView3<u32>, include_background: bool, eps: f64) -> Array4<f64> {
    let (n, c, h, w) = logits.dim();
    let (inter, pred, gt) = soft_dice_sums(logits, labels);
    let s = included(c, include_background);
    let kk = s.len() as f64;
    let mut d = Array4::zeros((n, c, h, w));
    for b in 0..n {
        for i in 0..h {
            for j in 0..w {
                let y = labels[[b, i, j]] as usize;
                if y >= c {
                    continue;
                }
                let p = softmax_at(&logits, b, i, j);
                // dloss/dp_c = −(1/K)·d dice_c/dp_c; with num = 2I + ε, den = P + G + ε:
                // d dice_c/dp_c = (2·[y = c]·den − num) / den².
                let mut dp = vec![0.0; c];
                for cl in s.clone() {
                    let num = 2.0 * inter[cl] + eps;
                    let den = pred[cl] + gt[cl] + eps;
                    let dn = if cl == y { 2.0 } else { 0.0 };
                    dp[cl] = -(dn * den - num) / (den * den) / kk;
                }
                for k in 0..c {
                    d[[b, k, i, j]] = (0..c).map(|cl| dp[cl] * p[cl] * (if cl == k { 1.0 } else { 0.0 } - p[k])).sum();
                }
            }
        }
    }
    d
}
