//! Every kernel entry point against its CPU reference, on seeded inputs with hostile shapes.
//! `lungseg selftest` prints these rows; the integration tests in `tests/` assert on the same
//! functions, so what users run on their GPU is exactly what CI runs.

use crate::check::{compare, compare_sums, tolerance, CheckRow, Tolerance};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::host;
use crate::kernels::dice::Overlap;
use crate::reference as r;
use crate::rng::Rng;
use ndarray::{Array, Array1, Array4, Dimension};

/// f32 array → f64 array (the references work in f64).
pub fn to_f64<D: Dimension>(a: &Array<f32, D>) -> Array<f64, D> {
    a.mapv(|v| v as f64)
}

/// Standard-normal values in `shape`, with the kind of structure lung CT has: a band of exact
/// zeros (everything outside the lungs is 0 after masking) covering roughly the outer third of each
/// plane, and repeated values (ties) sprinkled in.
pub fn hostile4(rng: &mut Rng, shape: (usize, usize, usize, usize)) -> Array4<f32> {
    let (_, _, h, w) = shape;
    let mut a = Array4::from_shape_fn(shape, |_| rng.normal() as f32);
    let border_h = h / 6;
    let border_w = w / 6;
    for ((_, _, i, j), v) in a.indexed_iter_mut() {
        if i < border_h || j < border_w || i + border_h >= h || j + border_w >= w {
            *v = 0.0;
        }
    }
    // Ties: copy some values onto their right neighbour.
    for v in a.as_slice_mut().expect("standard layout").chunks_mut(2) {
        if v.len() == 2 && rng.below(5) == 0 {
            v[1] = v[0];
        }
    }
    a
}

fn normal4(rng: &mut Rng, shape: (usize, usize, usize, usize), scale: f64) -> Array4<f32> {
    Array4::from_shape_fn(shape, |_| (rng.normal() * scale) as f32)
}

fn normal1(rng: &mut Rng, n: usize, scale: f64) -> Array1<f32> {
    Array1::from_shape_fn(n, |_| (rng.normal() * scale) as f32)
}

fn row<D: Dimension>(op: &str, entry: &str, got: &Array<f32, D>, want: &Array<f64, D>) -> CheckRow {
    let g: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = want.iter().copied().collect();
    compare(op, entry, got.shape(), &g, &w, tolerance(entry))
}

/// A sum's row: `magnitude` is the same reference run on the inputs' absolute values (Σ|terms| of
/// every element), the unit of the sums' tolerance.
fn row_sum<D: Dimension>(op: &str, entry: &str, got: &Array<f32, D>, want: &Array<f64, D>, magnitude: &Array<f64, D>) -> CheckRow {
    let g: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = want.iter().copied().collect();
    let m: Vec<f64> = magnitude.iter().copied().collect();
    compare_sums(op, entry, got.shape(), &g, &w, &m, tolerance(entry))
}

/// Shape of one conv2d check: (N, C_in, C_out, H, W, K).
pub type ConvCase = (usize, usize, usize, usize, usize, usize);

/// conv2d forward, backward-input, backward-weight and backward-bias.
pub async fn conv2d(gpu: &Gpu, seed: u64, (n, ci, co, h, w, k): ConvCase) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (n, ci, h, w));
    // He-like scale keeps outputs O(1) whatever C_in is.
    let wt = normal4(&mut rng, (co, ci, k, k), (2.0 / (ci * k * k) as f64).sqrt());
    let b = normal1(&mut rng, co, 1.0);
    let dy = hostile4(&mut rng, (n, co, h, w));
    let (x64, w64, dy64) = (to_f64(&x), to_f64(&wt), to_f64(&dy));
    let relu_x = x.mapv(|v| v.max(0.0));
    Ok(vec![
        row(
            "conv2d",
            "conv2d_forward",
            &host::conv2d_forward(gpu, &x, &wt, Some(&b)).await?,
            &r::conv2d::conv2d_forward(x64.view(), w64.view(), Some(to_f64(&b).view())),
        ),
        row(
            "conv2d",
            "conv2d_relu_forward",
            &host::conv2d_relu_forward(gpu, &x, &wt, Some(&b)).await?,
            &r::relu::relu_forward(r::conv2d::conv2d_forward(x64.view(), w64.view(), Some(to_f64(&b).view())).into_dyn().view())
                .into_dimensionality::<ndarray::Ix4>()
                .expect("4-D"),
        ),
        row(
            "conv2d",
            "conv2d_backward_input",
            &host::conv2d_backward_input(gpu, &dy, &wt).await?,
            &r::conv2d::conv2d_backward_input(dy64.view(), w64.view()),
        ),
        // The backward-input pass of a layer whose input is a ReLU's output (relu(x) here: zeros
        // in runs and at every negative), masked where it stores dx; the reference applies
        // ReLU's backward to the unmasked gradient.
        row(
            "conv2d",
            "conv2d_relu_backward_input",
            &host::conv2d_relu_backward_input(gpu, &dy, &wt, &relu_x).await?,
            &r::relu::relu_backward(
                to_f64(&relu_x).into_dyn().view(),
                r::conv2d::conv2d_backward_input(dy64.view(), w64.view()).into_dyn().view(),
            )
            .into_dimensionality::<ndarray::Ix4>()
            .expect("4-D"),
        ),
        row_sum(
            "conv2d",
            "conv2d_backward_weight",
            &host::conv2d_backward_weight(gpu, &x, &dy, k).await?,
            &r::conv2d::conv2d_backward_weight(x64.view(), dy64.view(), k),
            &r::conv2d::conv2d_backward_weight(x64.abs().view(), dy64.abs().view(), k),
        ),
        row_sum(
            "conv2d",
            "conv2d_backward_bias",
            &host::sum_per_channel(gpu, &dy).await?,
            &r::conv2d::conv2d_backward_bias(dy64.view()),
            &r::conv2d::conv2d_backward_bias(dy64.abs().view()),
        ),
    ])
}

/// Hostile conv shapes: odd H and W, W not a multiple of the 4-pixel block, C_out not a multiple
/// of the 8-channel block, batch > 1, 1×1 kernels, a single-pixel plane; and W % 4 == 0 with a
/// 3×3 kernel (odd H, 4-wide W), which takes the vec4 (`_aligned`) entry points real layers use;
/// and ≥ 16 channels written both ways, aligned and not (the `cpu` family's 16-channel kernels),
/// with channel counts that are not multiples of 16; and a 1×1 kernel with more than one
/// 8-channel block each way over a plane of whole 4-pixel blocks.
pub const CONV_CASES: &[ConvCase] = &[
    (2, 3, 5, 7, 9, 3),
    (3, 8, 16, 13, 11, 3),
    (2, 5, 3, 6, 17, 1),
    (1, 1, 1, 1, 1, 3),
    (2, 16, 9, 19, 5, 3),
    (2, 12, 10, 9, 8, 3),
    (3, 2, 9, 5, 4, 3),
    (2, 18, 19, 7, 12, 3),
    (3, 9, 10, 4, 4, 1),
    // The `cpu` family's 32-channel × 4-row kernels (≥ 32 channels written, W % 4 == 0, ≥ 64
    // blocks of 4 × 4 pixels): partial last channel blocks both ways and H not a multiple of 4.
    (2, 37, 35, 30, 36, 3),
    (1, 33, 70, 33, 32, 3),
];

fn row_u32<D: Dimension>(op: &str, entry: &str, got: &Array<u32, D>, want: &Array<u32, D>) -> CheckRow {
    let g: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = want.iter().map(|&v| v as f64).collect();
    compare(op, entry, got.shape(), &g, &w, tolerance(entry))
}

fn row_scalar(op: &str, entry: &str, got: f64, want: f64) -> CheckRow {
    compare(op, entry, &[1], &[got], &[want], tolerance(entry))
}

/// Values on a coarse grid {−1, −0.5, 0, 0.5, 1}: 2×2 windows full of ties, plus a zero border.
pub fn tied4(rng: &mut Rng, shape: (usize, usize, usize, usize)) -> Array4<f32> {
    let mut a = hostile4(rng, shape);
    a.mapv_inplace(|v| ((v * 2.0).round().clamp(-2.0, 2.0)) / 2.0);
    a
}

/// Shape of one transposed-conv check: (N, C_in, C_out, H, W) of the input.
pub type ConvTCase = (usize, usize, usize, usize, usize);

/// Hostile shapes: odd H/W, W not a multiple of 4, channel counts not multiples of 4, batch > 1;
/// and W % 4 == 0 (odd H, more than one 8-channel block each way), which takes the vec4
/// (`_aligned`) entry points real layers use; the last reads more than 16 channels both ways, so
/// that forced splits of the read channels (tests/split_reductions.rs) cut it on a CPU layout too.
pub const CONV_T_CASES: &[ConvTCase] = &[
    (2, 3, 5, 7, 9),
    (3, 8, 4, 5, 6),
    (1, 1, 1, 1, 1),
    (2, 6, 7, 3, 13),
    (3, 10, 9, 5, 8),
    (2, 16, 8, 1, 4),
    (2, 18, 17, 3, 8),
    // The `cpu` family's wide kernels (forward ≥ 16 output, backward-input ≥ 32 and weight
    // gradient ≥ 64 input channels, W % 4 == 0), with channel counts that leave their last block
    // partial, odd input-channel counts (the forward's one-channel tail trip) and odd H (the row
    // pairs of forward and backward-input: a second row past the end).
    (2, 67, 37, 3, 8),
    (1, 130, 70, 2, 12),
    (2, 1, 16, 1, 4),
];

/// conv_transpose2d forward, backward-input, backward-weight, backward-bias.
pub async fn conv_transpose2d(gpu: &Gpu, seed: u64, (n, ci, co, h, w): ConvTCase) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (n, ci, h, w));
    let wt = normal4(&mut rng, (ci, co, 2, 2), (1.0 / ci as f64).sqrt());
    let b = normal1(&mut rng, co, 1.0);
    let dy = hostile4(&mut rng, (n, co, 2 * h, 2 * w));
    let (x64, w64, dy64) = (to_f64(&x), to_f64(&wt), to_f64(&dy));
    let op = "conv_transpose2d";
    Ok(vec![
        row(
            op,
            "conv_transpose2d_forward",
            &host::conv_transpose2d_forward(gpu, &x, &wt, Some(&b)).await?,
            &r::conv_transpose2d::conv_transpose2d_forward(x64.view(), w64.view(), Some(to_f64(&b).view())),
        ),
        row(
            op,
            "conv_transpose2d_backward_input",
            &host::conv_transpose2d_backward_input(gpu, &dy, &wt).await?,
            &r::conv_transpose2d::conv_transpose2d_backward_input(dy64.view(), w64.view()),
        ),
        row_sum(
            op,
            "conv_transpose2d_backward_weight",
            &host::conv_transpose2d_backward_weight(gpu, &x, &dy).await?,
            &r::conv_transpose2d::conv_transpose2d_backward_weight(x64.view(), dy64.view()),
            &r::conv_transpose2d::conv_transpose2d_backward_weight(x64.abs().view(), dy64.abs().view()),
        ),
        row_sum(
            op,
            "conv_transpose2d_backward_bias",
            &host::sum_per_channel(gpu, &dy).await?,
            &r::conv_transpose2d::conv_transpose2d_backward_bias(dy64.view()),
            &r::conv_transpose2d::conv_transpose2d_backward_bias(dy64.abs().view()),
        ),
    ])
}

/// Hostile NCHW shapes for element-wise, pooling, normalisation and loss checks. The last one
/// takes the vector entry points (W % 4 == 0: pooling's `*4`, with an odd H whose last row the
/// pooling drops) and gives the CPU layouts' batch-norm reductions (`*_partial4_lanes`) several
/// chunks per channel.
pub const NCHW_CASES: &[(usize, usize, usize, usize)] = &[(2, 3, 7, 9), (3, 5, 16, 17), (1, 1, 2, 2), (2, 4, 33, 5), (2, 3, 71, 132)];

/// relu forward and backward (inputs include exact zeros: gradient 0 there).
pub async fn relu(gpu: &Gpu, seed: u64, shape: (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, shape).into_dyn();
    let dy = hostile4(&mut rng, shape).into_dyn();
    Ok(vec![
        row("relu", "relu_forward", &host::relu_forward(gpu, &x).await?, &r::relu::relu_forward(to_f64(&x).view())),
        row(
            "relu",
            "relu_backward",
            &host::relu_backward(gpu, &x, &dy).await?,
            &r::relu::relu_backward(to_f64(&x).view(), to_f64(&dy).view()),
        ),
    ])
}

/// Batch norm: statistics and running update, normalisation, inference, backward.
pub async fn batch_norm(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    // A non-zero mean and a scale far from 1 make the statistics matter.
    let x = hostile4(&mut rng, (n, c, h, w)).mapv(|v| 3.0 * v + 1.5);
    let dy = hostile4(&mut rng, (n, c, h, w));
    let gamma = normal1(&mut rng, c, 1.0);
    let beta = normal1(&mut rng, c, 1.0);
    let rm = normal1(&mut rng, c, 1.0);
    let rv = normal1(&mut rng, c, 1.0).mapv(|v| v.abs() + 0.5);
    let (eps, momentum) = (1e-5f32, 0.1f32);
    let (x64, g64, b64) = (to_f64(&x), to_f64(&gamma), to_f64(&beta));
    let (mean, var) = r::batch_norm::batch_stats(x64.view());
    let (want_rm, want_rv) =
        r::batch_norm::running_update(to_f64(&rm).view(), to_f64(&rv).view(), mean.view(), var.view(), n * h * w, momentum as f64);
    let got = host::batch_norm_train(gpu, &x, &gamma, &beta, &rm, &rv, eps, momentum).await?;
    let (dx, dgamma, dbeta) = host::batch_norm_backward(gpu, &x, &dy, &gamma, None, eps).await?;
    let (want_dx, want_dgamma, want_dbeta) = r::batch_norm::batch_norm_backward(x64.view(), to_f64(&dy).view(), g64.view(), eps as f64);
    let op = "batch_norm";
    let mut rows = vec![
        row(op, "batch_norm_stats", &got.mean, &mean),
        row(op, "batch_norm_stats", &got.invstd, &r::batch_norm::invstd(var.view(), eps as f64)),
        row(op, "batch_norm_stats", &got.running_mean, &want_rm),
        row(op, "batch_norm_stats", &got.running_var, &want_rv),
        row(op, "batch_norm_normalize", &got.y, &r::batch_norm::batch_norm_train(x64.view(), g64.view(), b64.view(), eps as f64)),
        row(
            op,
            "batch_norm_infer",
            &host::batch_norm_infer(gpu, &x, &gamma, &beta, &rm, &rv, eps).await?,
            &r::batch_norm::batch_norm_infer(x64.view(), g64.view(), b64.view(), to_f64(&rm).view(), to_f64(&rv).view(), eps as f64),
        ),
        row(op, "batch_norm_backward_reduce", &dgamma, &want_dgamma),
        row(op, "batch_norm_backward_reduce", &dbeta, &want_dbeta),
        row(op, "batch_norm_backward_input", &dx, &want_dx),
    ];
    // Fine-tuning with frozen (running) statistics.
    let (fdx, fdgamma, fdbeta) = host::batch_norm_frozen_backward(gpu, &x, &dy, &gamma, None, &rm, &rv, eps).await?;
    let (want_fdx, want_fdgamma, want_fdbeta) = r::batch_norm::batch_norm_frozen_backward(
        x64.view(),
        to_f64(&dy).view(),
        g64.view(),
        to_f64(&rm).view(),
        to_f64(&rv).view(),
        eps as f64,
    );
    rows.extend([
        row(op, "batch_norm_backward_reduce", &fdgamma, &want_fdgamma),
        row(op, "batch_norm_backward_reduce", &fdbeta, &want_fdbeta),
        row(op, "batch_norm_frozen_backward_input", &fdx, &want_fdx),
    ]);
    // The fused BN + ReLU (SegNet's layers): the first backward pass masks dy in place where the
    // forward's output was 0, the second reads it masked; the reference applies ReLU's backward
    // to dy first, with the mask of its own f64 forward (batch statistics, and frozen ones).
    // Where a pre-activation x·scale + shift lies within rounding of 0, the f32 forward (f32
    // statistics, then f32 products) and the f64 one may fall on different sides of the ReLU's
    // kink — one such value in 8 million at the paper's sizes moved dgamma by 0.7 — so dy is 0
    // where |pre-activation| < 1e-5 of the magnitude of its terms (|x·scale| + |mean·scale| +
    // |beta|, with the batch's or the running statistics): the mask's decision does not count at
    // those elements, and everywhere else it must be exact.
    let (rm64, rv64) = (to_f64(&rm), to_f64(&rv));
    let train_pre = r::batch_norm::batch_norm_train(x64.view(), g64.view(), b64.view(), eps as f64);
    let frozen_pre = r::batch_norm::batch_norm_infer(x64.view(), g64.view(), b64.view(), rm64.view(), rv64.view(), eps as f64);
    let (batch_mean, batch_var) = r::batch_norm::batch_stats(x64.view());
    let batch_invstd = r::batch_norm::invstd(batch_var.view(), eps as f64);
    let running_invstd = r::batch_norm::invstd(rv64.view(), eps as f64);
    let near_kink = |pre: f64, x: f64, mean: f64, invstd: f64, ch: usize| {
        let scale = (g64[ch] * invstd).abs();
        pre.abs() < 1e-5 * (x.abs() * scale + mean.abs() * scale + b64[ch].abs())
    };
    let mut dy = dy;
    for ((i, d), (&t, &f)) in dy.indexed_iter_mut().zip(train_pre.iter().zip(frozen_pre.iter())) {
        let (ch, xv) = (i.1, x64[i]);
        if near_kink(t, xv, batch_mean[ch], batch_invstd[ch], ch) || near_kink(f, xv, rm64[ch], running_invstd[ch], ch) {
            *d = 0.0;
        }
    }
    let dy64 = to_f64(&dy);
    let relu_masked = |y: Array4<f64>| -> Result<Array4<f64>> {
        r::relu::relu_backward(y.into_dyn().view(), dy64.view().into_dyn())
            .into_dimensionality()
            .map_err(|e| crate::Error::InvalidArgument { op: "selftest", detail: e.to_string() })
    };
    let train_dy = relu_masked(train_pre)?;
    let (rdx, rdgamma, rdbeta) = host::batch_norm_backward(gpu, &x, &dy, &gamma, Some(&beta), eps).await?;
    let (want_rdx, want_rdgamma, want_rdbeta) = r::batch_norm::batch_norm_backward(x64.view(), train_dy.view(), g64.view(), eps as f64);
    let frozen_dy = relu_masked(frozen_pre)?;
    let (rfdx, rfdgamma, rfdbeta) = host::batch_norm_frozen_backward(gpu, &x, &dy, &gamma, Some(&beta), &rm, &rv, eps).await?;
    let (want_rfdx, want_rfdgamma, want_rfdbeta) =
        r::batch_norm::batch_norm_frozen_backward(x64.view(), frozen_dy.view(), g64.view(), rm64.view(), rv64.view(), eps as f64);
    let op = "batch_norm+relu";
    rows.extend([
        row(op, "batch_norm_relu_backward_reduce", &rdgamma, &want_rdgamma),
        row(op, "batch_norm_relu_backward_reduce", &rdbeta, &want_rdbeta),
        row(op, "batch_norm_backward_input", &rdx, &want_rdx),
        row(op, "batch_norm_relu_backward_reduce", &rfdgamma, &want_rfdgamma),
        row(op, "batch_norm_relu_backward_reduce", &rfdbeta, &want_rfdbeta),
        row(op, "batch_norm_frozen_backward_input", &rfdx, &want_rfdx),
    ]);
    Ok(rows)
}

/// Max-pool forward (values and indices, with ties everywhere) and backward.
pub async fn max_pool(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = tied4(&mut rng, (n, c, h, w));
    let dy = hostile4(&mut rng, (n, c, h / 2, w / 2));
    let (want_y, want_idx) = r::max_pool::max_pool2d_forward(to_f64(&x).view());
    let (y, idx) = host::max_pool2d_forward(gpu, &x).await?;
    let op = "max_pool2d";
    Ok(vec![
        row(op, "max_pool2d_forward", &y, &want_y),
        row_u32(op, "max_pool2d_forward", &idx, &want_idx),
        row(
            op,
            "max_pool2d_backward",
            &host::max_pool2d_backward(gpu, &dy, &want_idx, h, w).await?,
            &r::max_pool::max_pool2d_backward(to_f64(&dy).view(), want_idx.view(), h, w),
        ),
    ])
}

/// Max-unpool forward and backward with indices from a tie-laden pooling.
pub async fn max_unpool(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let (_, idx) = r::max_pool::max_pool2d_forward(to_f64(&tied4(&mut rng, (n, c, h, w))).view());
    let x = hostile4(&mut rng, (n, c, h / 2, w / 2));
    let dy = hostile4(&mut rng, (n, c, h, w));
    let op = "max_unpool2d";
    Ok(vec![
        row(
            op,
            "max_unpool2d_forward",
            &host::max_unpool2d_forward(gpu, &x, &idx, h, w).await?,
            &r::max_unpool::max_unpool2d_forward(to_f64(&x).view(), idx.view(), h, w),
        ),
        row(
            op,
            "max_unpool2d_backward",
            &host::max_unpool2d_backward(gpu, &dy, &idx).await?,
            &r::max_unpool::max_unpool2d_backward(to_f64(&dy).view(), idx.view()),
        ),
    ])
}

/// Concatenation forward, backward (overwrite) and backward (accumulate).
pub async fn concat(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let ca = c;
    let cb = c + 2;
    let a = hostile4(&mut rng, (n, ca, h, w));
    let b = hostile4(&mut rng, (n, cb, h, w));
    let dy = hostile4(&mut rng, (n, ca + cb, h, w));
    let (want_da, want_db) = r::concat::concat_backward(to_f64(&dy).view(), ca);
    let (da, db) = host::concat_backward(gpu, &dy, ca, None).await?;
    let prev_a = hostile4(&mut rng, (n, ca, h, w));
    let prev_b = hostile4(&mut rng, (n, cb, h, w));
    let (acc_a, acc_b) = host::concat_backward(gpu, &dy, ca, Some((&prev_a, &prev_b))).await?;
    let op = "concat";
    Ok(vec![
        row(
            op,
            "concat_forward",
            &host::concat_forward(gpu, &a, &b).await?,
            &r::concat::concat_forward(to_f64(&a).view(), to_f64(&b).view()),
        ),
        row(op, "concat_backward", &da, &want_da),
        row(op, "concat_backward", &db, &want_db),
        // Accumulation is one f32 addition on the GPU: the exact expectation is that f32 sum.
        row(op, "concat_backward", &acc_a, &to_f64(&(&da + &prev_a))),
        row(op, "concat_backward", &acc_b, &to_f64(&(&db + &prev_b))),
    ])
}

/// Dropout forward and backward (same mask) for drop probability `p`.
pub async fn dropout(gpu: &Gpu, seed: u64, shape: (usize, usize, usize, usize), p: f32) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, shape).into_dyn();
    let dy = hostile4(&mut rng, shape).into_dyn();
    let mask_seed = rng.next_u64();
    Ok(vec![
        row(
            "dropout",
            "dropout_forward",
            &host::dropout(gpu, &x, p, mask_seed, false).await?,
            &r::dropout::dropout(to_f64(&x).view(), p, mask_seed),
        ),
        row(
            "dropout",
            "dropout_backward",
            &host::dropout(gpu, &dy, p, mask_seed, true).await?,
            &r::dropout::dropout(to_f64(&dy).view(), p, mask_seed),
        ),
    ])
}

/// Weighted cross-entropy: loss, Σ w, and the logits gradient.
pub async fn cross_entropy(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let logits = normal4(&mut rng, (n, c, h, w), 3.0);
    // Mostly background, as in CT: class 0 with probability 0.7.
    let labels = Array::from_shape_fn((n, h, w), |_| if rng.uniform() < 0.7 { 0 } else { rng.below(c as u64) as u32 });
    let weights = Array1::from_shape_fn(c, |_| rng.range(0.1, 5.0) as f32);
    let (loss, wsum, d) = host::cross_entropy(gpu, &logits, &labels, &weights).await?;
    let (l64, wt64) = (to_f64(&logits), to_f64(&weights));
    let (want_loss, want_wsum) = r::cross_entropy::cross_entropy_loss(l64.view(), labels.view(), wt64.view());
    let op = "cross_entropy";
    Ok(vec![
        row_scalar(op, "cross_entropy_loss", loss as f64, want_loss),
        row_scalar(op, "cross_entropy_loss", wsum as f64, want_wsum),
        row(op, "cross_entropy_backward", &d, &r::cross_entropy::cross_entropy_backward(l64.view(), labels.view(), wt64.view())),
    ])
}

/// [`row`] in units of the largest expected element ([`crate::check::compare_scaled`]).
fn row_scaled<D: Dimension>(op: &str, entry: &str, got: &Array<f32, D>, want: &Array<f64, D>) -> CheckRow {
    let g: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = want.iter().copied().collect();
    crate::check::compare_scaled(op, entry, got.shape(), &g, &w, tolerance(entry))
}

/// One soft Dice check: logits shape (N, C, H, W), the overlap score (Dice or Tversky weights, and
/// whether class 0 counts in the mean), and a class removed from the labels (an empty-class batch:
/// G_c = 0).
pub type DiceCase = ((usize, usize, usize, usize), Overlap, Option<u32>);

/// Hostile soft Dice shapes: odd H and W, pixel counts that are not multiples of the 256-pixel
/// workgroup, batch > 1, C = 2 and 4, both background settings, a single pixel, one class (with
/// background: the loss is 0 and the gradient 0), empty classes (a foreground class absent from
/// the batch, and the only foreground class absent), and 2 × 200 × 200 = 80,000 pixels (more than
/// 65,536: 313 partial sums in the finish pass); Tversky weights on either side of the Dice, one
/// pair not summing to 1, one that ignores false negatives, with and without empty classes.
pub const DICE_CASES: &[DiceCase] = &[
    ((2, 2, 7, 9), Overlap::dice(false), None),
    ((3, 4, 16, 17), Overlap::dice(true), None),
    ((3, 4, 16, 17), Overlap::dice(false), Some(2)),
    ((2, 2, 33, 5), Overlap::dice(false), Some(1)),
    ((2, 2, 33, 5), Overlap::dice(true), Some(1)),
    ((1, 2, 1, 1), Overlap::dice(false), None),
    ((1, 1, 2, 2), Overlap::dice(true), None),
    ((2, 4, 13, 11), Overlap::dice(false), None),
    ((2, 2, 200, 200), Overlap::dice(false), None),
    ((2, 2, 33, 5), Overlap::tversky(0.7, 0.3, false), None),
    ((3, 4, 16, 17), Overlap::tversky(0.3, 0.7, false), Some(2)),
    ((2, 4, 13, 11), Overlap::tversky(0.2, 0.5, true), None),
    ((2, 2, 7, 9), Overlap::tversky(1.0, 0.0, false), Some(1)),
];

/// Soft Dice (or Tversky) over the batch: the loss, every class's score, the logits gradient, and
/// the accumulating backward (`into + λ·gradient`, how the tape adds it to the cross-entropy's).
pub async fn soft_dice(gpu: &Gpu, seed: u64, ((n, c, h, w), overlap, empty): DiceCase) -> Result<Vec<CheckRow>> {
    let include_background = overlap.include_background;
    let (alpha, beta) = (overlap.alpha as f64, overlap.beta as f64);
    let mut rng = Rng::new(seed);
    // Bands of exact-zero logits (every class 0: a uniform softmax) and ties, at a realistic spread.
    let logits = hostile4(&mut rng, (n, c, h, w)).mapv(|v| 3.0 * v);
    // Mostly background, as in CT; the empty class (if any) relabelled as background.
    let labels = Array::from_shape_fn((n, h, w), |_| {
        let y = if rng.uniform() < 0.7 { 0 } else { rng.below(c as u64) as u32 };
        if Some(y) == empty {
            0
        } else {
            y
        }
    });
    let l64 = to_f64(&logits);
    let eps = crate::kernels::dice::SMOOTH as f64;
    let (want_loss, want_dice) = r::dice::tversky_loss(l64.view(), labels.view(), include_background, alpha, beta, eps);
    let want_d = r::dice::tversky_backward(l64.view(), labels.view(), include_background, alpha, beta, eps);
    // A prior gradient (the cross-entropy's, in training) of the same scale as the Dice gradient.
    let scale = want_d.iter().fold(0.0f64, |m, v| m.max(v.abs())) as f32;
    let into = hostile4(&mut rng, (n, c, h, w)).mapv(|v| scale * v);
    let weight = 0.7f32;
    let (loss, dice, d) = host::soft_dice(gpu, &logits, &labels, overlap).await?;
    let acc = host::soft_dice_backward_into(gpu, &logits, &labels, overlap, weight, &into).await?;
    let want_acc = to_f64(&into) + &want_d * weight as f64;
    let op = "soft_dice";
    let mut rows = vec![
        row_scalar(op, "soft_dice_loss", loss as f64, want_loss),
        row(op, "soft_dice_loss", &dice, &want_dice),
        row_scaled(op, "soft_dice_backward", &d, &want_d),
        row_scaled(op, "soft_dice_backward", &acc, &want_acc),
    ];
    let what = format!(
        "{:?}{}{}{}",
        [n, c, h, w],
        if overlap == Overlap::dice(include_background) { String::new() } else { format!(" tversky {} {}", overlap.alpha, overlap.beta) },
        if include_background { " bg" } else { "" },
        empty.map(|e| format!(" no {e}")).unwrap_or_default()
    );
    for r in &mut rows {
        r.shape = match r.shape.split_once(" ÷") {
            Some((_, scale)) => format!("{what} ÷{scale}"),
            None => what.clone(),
        };
    }
    Ok(rows)
}

/// Several Adam steps with weight decay: parameters and both moments after each.
pub async fn adam(gpu: &Gpu, seed: u64, len: usize, weight_decay: f32) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let mut p: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
    let mut m = vec![0f32; len];
    let mut v = vec![0f32; len];
    let (mut p64, mut m64, mut v64): (Vec<f64>, Vec<f64>, Vec<f64>) =
        (p.iter().map(|&x| x as f64).collect(), vec![0.0; len], vec![0.0; len]);
    let mut rows = Vec::new();
    for step in 1..=3u32 {
        let g: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
        let hyper = crate::kernels::adam::AdamHyper { lr: 1e-2, weight_decay, step, ..Default::default() };
        (p, m, v) = host::adam_step(gpu, &p, &g, &m, &v, &hyper).await?;
        let g64: Vec<f64> = g.iter().map(|&x| x as f64).collect();
        r::adam::adam_step(&mut p64, &g64, &mut m64, &mut v64, &hyper);
        for (got, want) in [(&p, &p64), (&m, &m64), (&v, &v64)] {
            let got64: Vec<f64> = got.iter().map(|&x| x as f64).collect();
            rows.push(compare("adam", "adam_step", &[len], &got64, want, tolerance("adam_step")));
        }
        // Continue both from the GPU's state so rounding differences do not compound.
        p64 = p.iter().map(|&x| x as f64).collect();
        m64 = m.iter().map(|&x| x as f64).collect();
        v64 = v.iter().map(|&x| x as f64).collect();
    }
    Ok(rows)
}

/// Updates of the parameters' moving average over an inner range `[offset, len − tail)` with the
/// warm-up decays of steps 1–3 and a plain 0.5: the range against the reference, the elements
/// outside it unchanged (bit-exact), and runs of exact zeros and of values equal to the average
/// (which must stay exactly themselves).
pub async fn ema(gpu: &Gpu, seed: u64, len: usize) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let mut avg: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
    let (offset, tail) = (len.min(13), len.min(7));
    let end = (len - tail).max(offset);
    let mut rows = Vec::new();
    for (k, decay) in [(1u32, None), (2, None), (3, Some(0.5f32))] {
        let decay = decay.unwrap_or(crate::kernels::ema::warmup_decay(0.999, k));
        let mut x: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
        for i in (0..len).filter(|i| i % 11 < 3) {
            x[i] = 0.0;
        }
        for i in (0..len).filter(|i| i % 11 == 5) {
            x[i] = avg[i];
        }
        let got = host::ema_update(gpu, &x, &avg, offset, end - offset, decay).await?;
        let mut want: Vec<f64> = avg.iter().map(|&v| v as f64).collect();
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        r::ema::ema_update(&x64[offset..end], &mut want[offset..end], decay as f64);
        let got64: Vec<f64> = got.iter().map(|&v| v as f64).collect();
        let outside: Vec<usize> = (0..offset).chain(end..len).collect();
        let pick = |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let inside: Vec<usize> = (offset..end).collect();
        rows.push(compare("ema", "ema_update", &[end - offset], &pick(&got64, &inside), &pick(&want, &inside), tolerance("ema_update")));
        rows.push(compare(
            "ema",
            "ema_update (outside the range)",
            &[outside.len()],
            &pick(&got64, &outside),
            &pick(&want, &outside),
            Tolerance::EXACT,
        ));
        let fixed: Vec<usize> = (offset..end).filter(|i| i % 11 == 5).collect();
        rows.push(compare("ema", "ema_update (x = avg)", &[fixed.len()], &pick(&got64, &fixed), &pick(&x64, &fixed), Tolerance::EXACT));
        avg = got;
    }
    Ok(rows)
}

/// Argmax (ties included), softmax and confusion-matrix accumulation.
pub async fn metrics(gpu: &Gpu, seed: u64, (n, c, h, w): (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let logits = tied4(&mut rng, (n, c, h, w));
    let labels = Array::from_shape_fn((n, h, w), |_| rng.below(c as u64) as u32);
    let pred = host::argmax_channels(gpu, &logits).await?;
    let want_pred = r::metrics::argmax_channels(to_f64(&logits).view());
    let counts = host::confusion(gpu, &want_pred, &labels, c).await?;
    let want_counts = r::metrics::confusion(want_pred.view(), labels.view(), c).mapv(|v| v as u32);
    // Softmax of logits with a wide range (up to ±40: exp would overflow without the max
    // subtraction) and the tied ones above.
    let wide = normal4(&mut rng, (n, c, h, w), 12.0);
    let mut rows =
        vec![row_u32("metrics", "argmax_channels", &pred, &want_pred), row_u32("metrics", "confusion_accumulate", &counts, &want_counts)];
    for l in [&logits, &wide] {
        rows.push(row(
            "metrics",
            "softmax_channels",
            &host::softmax_channels(gpu, l).await?,
            &r::metrics::softmax_channels(to_f64(l).view()),
        ));
    }
    Ok(rows)
}

/// Gradient accumulation `dst += src`.
pub async fn add(gpu: &Gpu, seed: u64, shape: (usize, usize, usize, usize)) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let a = hostile4(&mut rng, shape).into_dyn();
    let b = hostile4(&mut rng, shape).into_dyn();
    Ok(vec![row("add", "add_assign", &host::add_assign(gpu, &a, &b).await?, &r::add::add(to_f64(&a).view(), to_f64(&b).view()))])
}

/// The multiply-add chains of the bench's arithmetic ceiling (`peak_multiply_add`): `len` values
/// (a multiple of 16), 300 steps of x ← 0.99·x + 0.01, against the closed form.
pub async fn peak(gpu: &Gpu, seed: u64, len: usize) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (1, 1, 1, len)).into_dyn();
    let (iters, a, b) = (300, 0.99f32, 0.01f32);
    let got = host::peak_multiply_add(gpu, &x, iters, a, b).await?;
    Ok(vec![row("peak", "peak_multiply_add", &got, &r::peak::multiply_add(to_f64(&x).view(), iters, a as f64, b as f64))])
}

/// One group of rows of [`all`]: an op family on one hostile case. The browser page runs them one
/// at a time (a tab must not block for minutes) and times each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Conv2d(usize),
    ConvTranspose2d(usize),
    /// Every element-wise / pooling / loss op on [`NCHW_CASES`]`[i]`.
    Nchw(usize),
    SoftDice(usize),
    Adam,
}

impl Check {
    /// What this check covers, e.g. `conv2d (2, 3, 5, 7, 9, 3)`.
    pub fn label(&self) -> String {
        let case = |t: Option<String>| t.unwrap_or_else(|| "(no such case)".into());
        match *self {
            Check::Conv2d(i) => format!("conv2d {}", case(CONV_CASES.get(i).map(|c| format!("{c:?}")))),
            Check::ConvTranspose2d(i) => format!("conv_transpose2d {}", case(CONV_T_CASES.get(i).map(|c| format!("{c:?}")))),
            Check::Nchw(i) => format!("element-wise, pooling, losses {}", case(NCHW_CASES.get(i).map(|c| format!("{c:?}")))),
            Check::SoftDice(i) => format!("soft_dice {}", case(DICE_CASES.get(i).map(|c| format!("{c:?}")))),
            Check::Adam => "adam, ema (1000 and 77 values), peak (1168)".to_string(),
        }
    }
}

/// Every check of [`all`], in its order.
pub fn plan() -> Vec<Check> {
    let mut p: Vec<Check> = (0..CONV_CASES.len()).map(Check::Conv2d).collect();
    p.extend((0..CONV_T_CASES.len()).map(Check::ConvTranspose2d));
    p.extend((0..NCHW_CASES.len()).map(Check::Nchw));
    p.extend((0..DICE_CASES.len()).map(Check::SoftDice));
    p.push(Check::Adam);
    p
}

/// The rows of one check (seeds fixed per check, so any order gives the same rows). A check
/// outside [`plan`] (a case index past its table) is an error.
pub async fn run(gpu: &Gpu, check: Check) -> Result<Vec<CheckRow>> {
    if !plan().contains(&check) {
        return Err(crate::error::Error::InvalidArgument {
            op: "selftest",
            detail: format!("{check:?} is not one of the {} checks", plan().len()),
        });
    }
    let mut rows = Vec::new();
    match check {
        Check::Conv2d(i) => rows.extend(conv2d(gpu, 100 + i as u64, CONV_CASES[i]).await?),
        Check::ConvTranspose2d(i) => rows.extend(conv_transpose2d(gpu, 200 + i as u64, CONV_T_CASES[i]).await?),
        Check::Nchw(i) => {
            let (seed, shape) = (300 + 10 * i as u64, NCHW_CASES[i]);
            rows.extend(relu(gpu, seed, shape).await?);
            rows.extend(batch_norm(gpu, seed + 1, shape).await?);
            rows.extend(max_pool(gpu, seed + 2, shape).await?);
            rows.extend(max_unpool(gpu, seed + 3, shape).await?);
            rows.extend(concat(gpu, seed + 4, shape).await?);
            rows.extend(dropout(gpu, seed + 5, shape, 0.5).await?);
            rows.extend(cross_entropy(gpu, seed + 6, shape).await?);
            rows.extend(metrics(gpu, seed + 7, shape).await?);
            rows.extend(add(gpu, seed + 8, shape).await?);
        }
        Check::SoftDice(i) => rows.extend(soft_dice(gpu, 500 + i as u64, DICE_CASES[i]).await?),
        Check::Adam => {
            rows.extend(adam(gpu, 400, 1000, 1e-4).await?);
            rows.extend(adam(gpu, 401, 77, 0.0).await?);
            rows.extend(ema(gpu, 402, 1000).await?);
            rows.extend(ema(gpu, 403, 77).await?);
            // 1,168 values: 73 invocations, a partial last workgroup.
            rows.extend(peak(gpu, 404, 1168).await?);
        }
    }
    Ok(rows)
}

/// Every check on every hostile shape — what `lungseg selftest` runs.
pub async fn all(gpu: &Gpu) -> Result<Vec<CheckRow>> {
    let mut rows = Vec::new();
    for check in plan() {
        rows.extend(run(gpu, check).await?);
    }
    Ok(rows)
}

/// Compares `got` with `want_at(index)` on `samples` random elements (for shapes whose full
/// reference would take minutes).
fn sampled(op: &str, entry: &str, rng: &mut Rng, got: &Array4<f32>, samples: usize, want_at: impl Fn([usize; 4]) -> f64) -> CheckRow {
    sampled_sums(op, entry, rng, got, samples, |i| (want_at(i), 0.0))
}

/// [`sampled`] where `want_at` also returns the element's Σ|terms|, for the entries whose
/// tolerance is in those units (sums: [`compare_sums`]; the magnitude is unused otherwise).
fn sampled_sums(
    op: &str,
    entry: &str,
    rng: &mut Rng,
    got: &Array4<f32>,
    samples: usize,
    want_at: impl Fn([usize; 4]) -> (f64, f64),
) -> CheckRow {
    let (a, b, c, d) = got.dim();
    let mut g = Vec::with_capacity(samples);
    let mut w = Vec::with_capacity(samples);
    let mut m = Vec::with_capacity(samples);
    for _ in 0..samples {
        let idx = [rng.below(a as u64) as usize, rng.below(b as u64) as usize, rng.below(c as u64) as usize, rng.below(d as u64) as usize];
        g.push(got[idx] as f64);
        let (want, magnitude) = want_at(idx);
        w.push(want);
        m.push(magnitude);
    }
    let tol = tolerance(entry);
    let mut row = if tol.sum_ulps > 0.0 {
        compare_sums(op, entry, got.shape(), &g, &w, &m, tol)
    } else {
        compare(op, entry, got.shape(), &g, &w, tol)
    };
    // Poisoned outputs: any element left unwritten anywhere still fails the check.
    let unwritten = got.iter().filter(|v| !v.is_finite()).count();
    row.failures += unwritten;
    row.shape = format!("{:?} ({samples} sampled)", got.shape());
    row
}

/// Every kernel once at the paper's real sizes (256×256, batch 2, 64 channels: more than 65,536
/// values per channel in every reduction). Conv outputs are compared on random samples; the
/// reductions and element-wise ops in full.
pub async fn paper_sizes(gpu: &Gpu) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(2021);
    let mut rows = Vec::new();
    let big = (2, 64, 256, 256);
    rows.extend(batch_norm(gpu, 1, big).await?);
    let x = hostile4(&mut rng, big);
    let x64 = to_f64(&x);
    rows.push(row_sum(
        "reduce",
        "sum_per_channel",
        &host::sum_per_channel(gpu, &x).await?,
        &r::reduce::sum_per_channel(x64.view()),
        &r::reduce::sum_per_channel(x64.abs().view()),
    ));
    rows.extend(relu(gpu, 2, big).await?);
    rows.extend(max_pool(gpu, 3, big).await?);
    rows.extend(max_unpool(gpu, 4, big).await?);
    rows.extend(dropout(gpu, 5, big, 0.5).await?);
    rows.extend(concat(gpu, 6, (2, 32, 256, 256)).await?);
    rows.extend(cross_entropy(gpu, 7, (2, 4, 256, 256)).await?);
    rows.extend(soft_dice(gpu, 10, ((2, 4, 256, 256), Overlap::dice(false), None)).await?);
    rows.extend(metrics(gpu, 8, (2, 4, 256, 256)).await?);

    // SegNet's 64 → 64 3×3 convolution at 256×256, and U-Net's final 1×1 convolution 32 → 4 in full.
    let w = normal4(&mut rng, (64, 64, 3, 3), (2.0 / 576.0f64).sqrt());
    let b = normal1(&mut rng, 64, 1.0);
    let dy = hostile4(&mut rng, big);
    let (w64, b64, dy64) = (to_f64(&w), to_f64(&b), to_f64(&dy));
    let y = host::conv2d_forward(gpu, &x, &w, Some(&b)).await?;
    rows.push(sampled("conv2d", "conv2d_forward", &mut rng, &y, 4000, |i| {
        r::conv2d::conv2d_forward_at(&x64.view(), &w64.view(), Some(&b64.view()), i)
    }));
    let dx = host::conv2d_backward_input(gpu, &dy, &w).await?;
    rows.push(sampled("conv2d", "conv2d_backward_input", &mut rng, &dx, 4000, |i| {
        r::conv2d::conv2d_backward_input_at(&dy64.view(), &w64.view(), i)
    }));
    let dw = host::conv2d_backward_weight(gpu, &x, &dy, 3).await?;
    let (x_abs, dy_abs) = (x64.abs(), dy64.abs());
    rows.push(sampled_sums("conv2d", "conv2d_backward_weight", &mut rng, &dw, 48, |i| {
        (
            r::conv2d::conv2d_backward_weight_at(&x64.view(), &dy64.view(), 3, i),
            r::conv2d::conv2d_backward_weight_at(&x_abs.view(), &dy_abs.view(), 3, i),
        )
    }));
    rows.push(row_sum(
        "conv2d",
        "conv2d_backward_bias",
        &host::sum_per_channel(gpu, &dy).await?,
        &r::conv2d::conv2d_backward_bias(dy64.view()),
        &r::conv2d::conv2d_backward_bias(dy_abs.view()),
    ));
    rows.extend(conv2d(gpu, 9, (2, 32, 4, 256, 256, 1)).await?);

    // U-Net's last up-convolution: 64 → 32 channels, 128×128 → 256×256.
    let xt = hostile4(&mut rng, (2, 64, 128, 128));
    let wt = normal4(&mut rng, (64, 32, 2, 2), (1.0 / 64.0f64).sqrt());
    let dyt = hostile4(&mut rng, (2, 32, 256, 256));
    let (xt64, wt64, dyt64) = (to_f64(&xt), to_f64(&wt), to_f64(&dyt));
    let op = "conv_transpose2d";
    let yt = host::conv_transpose2d_forward(gpu, &xt, &wt, None).await?;
    rows.push(sampled(op, "conv_transpose2d_forward", &mut rng, &yt, 4000, |[n, o, r2, c2]| {
        (0..64).map(|c| xt64[[n, c, r2 / 2, c2 / 2]] * wt64[[c, o, r2 % 2, c2 % 2]]).sum()
    }));
    let dxt = host::conv_transpose2d_backward_input(gpu, &dyt, &wt).await?;
    rows.push(sampled(op, "conv_transpose2d_backward_input", &mut rng, &dxt, 4000, |[n, c, i, j]| {
        let mut s = 0.0;
        for o in 0..32 {
            for a in 0..2 {
                for bb in 0..2 {
                    s += wt64[[c, o, a, bb]] * dyt64[[n, o, 2 * i + a, 2 * j + bb]];
                }
            }
        }
        s
    }));
    let dwt = host::conv_transpose2d_backward_weight(gpu, &xt, &dyt).await?;
    rows.push(sampled_sums(op, "conv_transpose2d_backward_weight", &mut rng, &dwt, 64, |[c, o, a, bb]| {
        let (mut s, mut m) = (0.0, 0.0);
        for n in 0..2 {
            for i in 0..128 {
                for j in 0..128 {
                    let t = xt64[[n, c, i, j]] * dyt64[[n, o, 2 * i + a, 2 * j + bb]];
                    s += t;
                    m += t.abs();
                }
            }
        }
        (s, m)
    }));
    Ok(rows)
}
