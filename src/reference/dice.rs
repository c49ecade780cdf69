//! CPU reference for the soft Dice loss over the batch and its Tversky generalisation
//! (`shaders/dice.wgsl`, definition in [`crate::kernels::dice`]): p = softmax over C per pixel,
//! I_c = Σ p_c·[y = c], P_c = Σ p_c, G_c = Σ [y = c] over every pixel of the batch; the Tversky
//! index with false-positive weight α and false-negative weight β, written from its definition,
//! (I + ε/2) / (I + α·(P − I) + β·(G − I) + ε/2) — with α = β = ½ the Dice, (2I + ε)/(P + G + ε);
//! loss = 1 − mean over the included classes (all, or 1..C−1 without background).
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

/// The Tversky index of one class from its sums: (I + ε/2) / (I + α·FP + β·FN + ε/2) with
/// FP = P − I, FN = G − I.
pub fn tversky_index(i: f64, p: f64, g: f64, alpha: f64, beta: f64, eps: f64) -> f64 {
    (i + eps / 2.0) / (i + alpha * (p - i) + beta * (g - i) + eps / 2.0)
}

/// `(loss, dice_c for every class)` with smoothing `eps` (the Dice: α = β = ½).
pub fn soft_dice_loss(logits: ArrayView4<f64>, labels: ArrayView3<u32>, include_background: bool, eps: f64) -> (f64, Array1<f64>) {
    tversky_loss(logits, labels, include_background, 0.5, 0.5, eps)
}

/// `(loss, index_c for every class)` of the Tversky loss with weights `alpha` (false positives)
/// and `beta` (false negatives).
pub fn tversky_loss(
    logits: ArrayView4<f64>,
    labels: ArrayView3<u32>,
    include_background: bool,
    alpha: f64,
    beta: f64,
    eps: f64,
) -> (f64, Array1<f64>) {
    let (inter, pred, gt) = soft_dice_sums(logits, labels);
    let dice = Array1::from_shape_fn(inter.len(), |k| tversky_index(inter[k], pred[k], gt[k], alpha, beta, eps));
    let s = included(inter.len(), include_background);
    let k = s.len() as f64;
    (1.0 - s.map(|c| dice[c]).sum::<f64>() / k, dice)
}

/// `dloss/dlogits` of the Dice (α = β = ½).
pub fn soft_dice_backward(logits: ArrayView4<f64>, labels: ArrayView3<u32>, include_background: bool, eps: f64) -> Array4<f64> {
    tversky_backward(logits, labels, include_background, 0.5, 0.5, eps)
}

/// `dloss/dlogits` of the Tversky loss, by the chain rule written out: dloss/dp_ic from the
/// quotient rule, then the full softmax Jacobian `dp_ic/dz_ik = p_ic·([c = k] − p_ik)` (a sum over
/// c for every k).
pub fn tversky_backward(
    logits: ArrayView4<f64>,
    labels: ArrayView3<u32>,
    include_background: bool,
    alpha: f64,
    beta: f64,
    eps: f64,
) -> Array4<f64> {
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
                // dloss/dp_c = −(1/K)·d T_c/dp_c; with num = I + ε/2 and
                // den = I + α·(P − I) + β·(G − I) + ε/2, a pixel's p_c moves P by 1 and, where
                // y = c, I by 1: d num = [y = c], d den = α + [y = c]·(1 − α − β), and
                // d T_c/dp_c = (d num·den − num·d den) / den².
                let mut dp = vec![0.0; c];
                for cl in s.clone() {
                    let num = inter[cl] + eps / 2.0;
                    let den = inter[cl] + alpha * (pred[cl] - inter[cl]) + beta * (gt[cl] - inter[cl]) + eps / 2.0;
                    let hit = if cl == y { 1.0 } else { 0.0 };
                    let dden = alpha + hit * (1.0 - alpha - beta);
                    dp[cl] = -(hit * den - num * dden) / (den * den) / kk;
                }
                for k in 0..c {
                    d[[b, k, i, j]] = (0..c).map(|cl| dp[cl] * p[cl] * (if cl == k { 1.0 } else { 0.0 } - p[k])).sum();
                }
            }
        }
    }
    d
}
