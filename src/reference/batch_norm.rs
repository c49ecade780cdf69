//! CPU reference for 2-D batch normalisation (PyTorch BatchNorm2d semantics), in f64.

use ndarray::{Array1, Array4, ArrayView1, ArrayView4};

/// Per-channel batch mean and biased variance over (N, H, W).
pub fn batch_stats(x: ArrayView4<f64>) -> (Array1<f64>, Array1<f64>) {
    let (n, c, h, w) = x.dim();
    let m = (n * h * w) as f64;
    let mut mean = Array1::zeros(c);
    let mut var = Array1::zeros(c);
    for ch in 0..c {
        let xs = x.slice(ndarray::s![.., ch, .., ..]);
        let mu = xs.iter().sum::<f64>() / m;
        mean[ch] = mu;
        var[ch] = xs.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / m;
    }
    (mean, var)
}

/// `invstd = 1 / sqrt(var + eps)`.
pub fn invstd(var: ArrayView1<f64>, eps: f64) -> Array1<f64> {
    var.mapv(|v| 1.0 / (v + eps).sqrt())
}

/// Running statistics after one training step: `(1 − momentum)·old + momentum·batch`, with the
/// unbiased batch variance (× M/(M − 1)) as PyTorch.
pub fn running_update(
    running_mean: ArrayView1<f64>,
    running_var: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    var_biased: ArrayView1<f64>,
    count: usize,
    momentum: f64,
) -> (Array1<f64>, Array1<f64>) {
    let unbias = if count > 1 { count as f64 / (count as f64 - 1.0) } else { 1.0 };
    let rm = &running_mean * (1.0 - momentum) + &mean * momentum;
    let rv = &running_var * (1.0 - momentum) + &var_biased.mapv(|v| v * unbias) * momentum;
    (rm, rv)
}

/// `y = gamma · (x − mean) · invstd + beta`.
pub fn normalize(
    x: ArrayView4<f64>,
    gamma: ArrayView1<f64>,
    beta: ArrayView1<f64>,
    mean: ArrayView1<f64>,
    invstd: ArrayView1<f64>,
) -> Array4<f64> {
    let mut y = x.to_owned();
    for ((_, c, _, _), v) in y.indexed_iter_mut() {
        *v = gamma[c] * (*v - mean[c]) * invstd[c] + beta[c];
    }
    y
}

/// Training forward: normalise with the batch's own statistics.
pub fn batch_norm_train(x: ArrayView4<f64>, gamma: ArrayView1<f64>, beta: ArrayView1<f64>, eps: f64) -> Array4<f64> {
    let (mean, var) = batch_stats(x);
    normalize(x, gamma, beta, mean.view(), invstd(var.view(), eps).view())
}

/// Inference forward with running statistics.
pub fn batch_norm_infer(
    x: ArrayView4<f64>,
    gamma: ArrayView1<f64>,
    beta: ArrayView1<f64>,
    rm: ArrayView1<f64>,
    rv: ArrayView1<f64>,
    eps: f64,
) -> Array4<f64> {
    normalize(x, gamma, beta, rm, invstd(rv, eps).view())
}

/// Gradients of the training forward: `(dx, dgamma, dbeta)`.
/// With x̂ = (x − μ)·s, s = invstd, M = N·H·W:
/// dbeta = Σ dy, dgamma = Σ dy·x̂, dx = gamma·s/M · (M·dy − dbeta − x̂·dgamma).
pub fn batch_norm_backward(
    x: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    gamma: ArrayView1<f64>,
    eps: f64,
) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
    let (n, c, h, w) = x.dim();
    let m = (n * h * w) as f64;
    let (mean, var) = batch_stats(x);
    let s = invstd(var.view(), eps);
    let mut dgamma = Array1::zeros(c);
    let mut dbeta = Array1::zeros(c);
    for ((b, ch, i, j), &g) in dy.indexed_iter() {
        dbeta[ch] += g;
        dgamma[ch] += g * (x[[b, ch, i, j]] - mean[ch]) * s[ch];
    }
    let mut dx = Array4::zeros((n, c, h, w));
    for ((b, ch, i, j), v) in dx.indexed_iter_mut() {
        let xhat = (x[[b, ch, i, j]] - mean[ch]) * s[ch];
        *v = gamma[ch] * s[ch] / m * (m * dy[[b, ch, i, j]] - dbeta[ch] - xhat * dgamma[ch]);
    }
    (dx, dgamma, dbeta)
}

/// Batch norm with frozen (running) statistics, as when fine-tuning with the layer in inference
/// behaviour: y = gamma · (x − rm) / sqrt(rv + eps) + beta, where rm and rv are constants, so
/// dx = gamma · s · dy, dgamma = Σ dy · (x − rm) · s, dbeta = Σ dy with s = 1 / sqrt(rv + eps).
pub fn batch_norm_frozen_backward(
    x: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    gamma: ArrayView1<f64>,
    running_mean: ArrayView1<f64>,
    running_var: ArrayView1<f64>,
    eps: f64,
) -> (Array4<f64>, Array1<f64>, Array1<f64>) {
    let c = x.dim().1;
    let s = invstd(running_var, eps);
    let mut dgamma = Array1::zeros(c);
    let mut dbeta = Array1::zeros(c);
    for ((b, ch, i, j), &g) in dy.indexed_iter() {
        dbeta[ch] += g;
        dgamma[ch] += g * (x[[b, ch, i, j]] - running_mean[ch]) * s[ch];
    }
    let dx = Array4::from_shape_fn(x.dim(), |(b, ch, i, j)| gamma[ch] * s[ch] * dy[[b, ch, i, j]]);
    (dx, dgamma, dbeta)
}
