//! batch norm (statistics, running update, normalise, inference, backward) against the CPU
//! reference; reference backward vs finite differences.

mod common;
use lungseg::reference::{batch_norm as r, dot, numeric_gradient};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};

#[test]
fn batch_norm_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::batch_norm(&gpu, 310 + i as u64, shape)).expect("check ran"));
    }
}

/// The split statistics and backward reductions (`*_partial` + `*_merge`, the `gpu` family's
/// layout) against the reference, unsplit and split as finely as possible (a chunk per 256
/// values, the last one short), on a shape long enough to split.
#[test]
fn batch_norm_split_reductions_match_reference() {
    let gpu = common::gpu_with(lungseg::KernelFamily::Gpu);
    for target in [1, 1 << 20] {
        gpu.set_reduction_workgroups(target);
        let shape = (3, 5, 29, 31); // M = 2,697 values per channel
        let x = gpu.tensor("t", &[shape.0, shape.1, shape.2, shape.3], lungseg::DType::F32).unwrap();
        let (m, v) = (gpu.tensor("t", &[5], lungseg::DType::F32).unwrap(), gpu.tensor("t", &[5], lungseg::DType::F32).unwrap());
        let ((), d) = gpu
            .record_dispatches(|| lungseg::kernels::batch_norm::batch_norm_stats(&gpu, &mut gpu.encoder("t"), &x, &m, &v, None, 1e-5, 0.1))
            .unwrap();
        let entries: Vec<_> = d.iter().map(|d| d.entry).collect();
        let want: &[&str] = if target == 1 { &["batch_norm_stats"] } else { &["batch_norm_stats_partial", "batch_norm_stats_merge"] };
        assert_eq!(entries, want, "target {target}");
        common::assert_rows(lungseg::block_on(selftest::batch_norm(&gpu, 390, shape)).expect("check ran"));
    }
}

/// The CPU layout's reductions (`*_partial4_lanes`: a chunk of whole vectors per invocation, 8 per
/// workgroup, then the merge) against the reference, with the fewest and the most chunks: 651
/// vectors per channel in 8 chunks of 82 (the last 77), then in 47 chunks of 14 (the last 7) —
/// the last workgroup's eighth invocation has no chunk.
#[test]
fn batch_norm_lanes_reductions_match_reference() {
    let gpu = common::gpu_with(lungseg::KernelFamily::Cpu);
    let shape = (3, 5, 28, 31); // H·W = 868, a multiple of 4
    let t = |s: &[usize]| gpu.tensor("t", s, lungseg::DType::F32).unwrap();
    let x = t(&[shape.0, shape.1, shape.2, shape.3]);
    for (target, chunks) in [(1, 8), (1 << 20, 47)] {
        gpu.set_reduction_workgroups(target);
        let (m, v, dg, db) = (t(&[5]), t(&[5]), t(&[5]), t(&[5]));
        let ((), d) = gpu
            .record_dispatches(|| lungseg::kernels::batch_norm::batch_norm_stats(&gpu, &mut gpu.encoder("t"), &x, &m, &v, None, 1e-5, 0.1))
            .unwrap();
        let entries: Vec<_> = d.iter().map(|d| d.entry).collect();
        assert_eq!(entries, ["batch_norm_stats_partial4_lanes", "batch_norm_stats_merge"], "target {target}");
        assert_eq!(d[0].workgroups, 5 * (chunks as u64).div_ceil(8), "target {target}");
        let ((), d) = gpu
            .record_dispatches(|| {
                lungseg::kernels::batch_norm::batch_norm_backward_reduce(&gpu, &mut gpu.encoder("t"), &x, &x, &m, &v, &dg, &db)
            })
            .unwrap();
        let entries: Vec<_> = d.iter().map(|d| d.entry).collect();
        assert_eq!(entries, ["batch_norm_backward_reduce_partial4_lanes", "batch_norm_backward_reduce_merge"], "target {target}");
        common::assert_rows(lungseg::block_on(selftest::batch_norm(&gpu, 391, shape)).expect("check ran"));
    }
}

#[test]
fn batch_norm_reference_backward_matches_finite_differences() {
    let mut rng = Rng::new(7);
    let x = to_f64(&hostile4(&mut rng, (2, 3, 3, 5))).mapv(|v| v + 0.25);
    let g = to_f64(&hostile4(&mut rng, (2, 3, 3, 5)));
    let gamma = ndarray::Array1::from_vec(vec![0.5, -1.2, 2.0]);
    let beta = ndarray::Array1::from_vec(vec![0.1, 0.0, -0.3]);
    let eps = 1e-5;
    let f = |x: &ndarray::Array4<f64>, gm: &ndarray::Array1<f64>, bt: &ndarray::Array1<f64>| {
        dot(&r::batch_norm_train(x.view(), gm.view(), bt.view(), eps), &g)
    };
    let (dx, dgamma, dbeta) = r::batch_norm_backward(x.view(), g.view(), gamma.view(), eps);
    common::assert_fd("bn dx", &numeric_gradient(&x, common::H, |x| f(x, &gamma, &beta)), &dx);
    common::assert_fd("bn dgamma", &numeric_gradient(&gamma, common::H, |gm| f(&x, gm, &beta)), &dgamma);
    common::assert_fd("bn dbeta", &numeric_gradient(&beta, common::H, |bt| f(&x, &gamma, bt)), &dbeta);
}

#[test]
fn frozen_batch_norm_reference_backward_matches_finite_differences() {
    let mut rng = Rng::new(9);
    let x = to_f64(&hostile4(&mut rng, (2, 3, 3, 5))).mapv(|v| 2.0 * v + 0.5);
    let g = to_f64(&hostile4(&mut rng, (2, 3, 3, 5)));
    let gamma = ndarray::Array1::from_vec(vec![0.5, -1.2, 2.0]);
    let beta = ndarray::Array1::from_vec(vec![0.1, 0.0, -0.3]);
    let (rm, rv) = (ndarray::Array1::from_vec(vec![0.2, -0.4, 1.0]), ndarray::Array1::from_vec(vec![0.8, 2.5, 0.3]));
    let eps = 1e-5;
    // The frozen forward is the inference forward: running statistics as constants.
    let f = |x: &ndarray::Array4<f64>, gm: &ndarray::Array1<f64>, bt: &ndarray::Array1<f64>| {
        dot(&r::batch_norm_infer(x.view(), gm.view(), bt.view(), rm.view(), rv.view(), eps), &g)
    };
    let (dx, dgamma, dbeta) = r::batch_norm_frozen_backward(x.view(), g.view(), gamma.view(), rm.view(), rv.view(), eps);
    common::assert_fd("frozen bn dx", &numeric_gradient(&x, common::H, |x| f(x, &gamma, &beta)), &dx);
    common::assert_fd("frozen bn dgamma", &numeric_gradient(&gamma, common::H, |gm| f(&x, gm, &beta)), &dgamma);
    common::assert_fd("frozen bn dbeta", &numeric_gradient(&beta, common::H, |bt| f(&x, &gamma, bt)), &dbeta);
}

/// Fine-tuning mode on the tape: batch norm uses and keeps the running statistics, the loss is
/// the inference loss, and the gradients flow.
#[test]
fn fine_tuning_keeps_the_running_statistics_and_trains_the_weights() {
    use lungseg::models::{Arch, Model, ModelConfig};
    use lungseg::tape::{Mode, Tape};
    let gpu = common::gpu();
    let mut model = Model::new(&gpu, ModelConfig { width: 8, ..ModelConfig::paper(Arch::SegNet, 2) }, 4).unwrap();
    let mut rng = Rng::new(5);
    let x: Vec<f32> = (0..2 * 32 * 32).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let (xt, yt) = (gpu.upload_f32("x", &x, &[2, 1, 32, 32]).unwrap(), gpu.upload_u32("y", &y, &[2, 32, 32]).unwrap());
    let w = gpu.upload_f32("w", &[1.0, 2.0], &[2]).unwrap();
    // Running statistics away from their initial (0, 1), as after training.
    let state: Vec<f32> = (0..model.params.state.len()).map(|i| if i % 2 == 0 { 0.3 } else { 1.7 }).collect();
    gpu.write_f32(&model.params.state, &state).unwrap();
    let before = gpu.download_f32(&model.params.state).unwrap();
    let (infer_loss, _) = lungseg::step::evaluate(&gpu, &model, &xt, &yt, &w, Mode::Infer).unwrap();
    let mut tape = Tape::new(&gpu, Mode::FineTune, 0);
    let xv = tape.input(xt.clone());
    let logits = model.forward(&mut tape, xv).unwrap();
    let loss = tape.cross_entropy(logits, &yt, &w).unwrap();
    tape.backward(&loss, &model.params).unwrap();
    tape.submit();
    let l = gpu.download_f32(&loss.value).unwrap()[0];
    assert!(lungseg::check::tolerance("model_loss").accepts(l as f64, infer_loss as f64), "fine-tune loss {l} vs inference {infer_loss}");
    assert!(gpu.download_f32(&model.params.state).unwrap() == before, "running statistics changed while frozen");
    let grads = gpu.download_f32(&model.params.grads).unwrap();
    assert!(grads.iter().all(|g| g.is_finite()) && grads.iter().filter(|g| **g != 0.0).count() > grads.len() / 2, "gradients must flow");
    // A training-mode tape differs: it uses batch statistics and updates the running ones.
    let mut tape = Tape::new(&gpu, Mode::Train, 0);
    let xv = tape.input(xt.clone());
    let logits = model.forward(&mut tape, xv).unwrap();
    let train_loss = tape.cross_entropy(logits, &yt, &w).unwrap();
    tape.submit();
    assert!(gpu.download_f32(&train_loss.value).unwrap()[0] != l);
    assert!(gpu.download_f32(&model.params.state).unwrap() != before);
    let _ = &mut model;
}

/// The fused BN + ReLU's first backward pass masks dy in place exactly as the separate ReLU pass
/// does (the forward's pre-activation recomputed from x must be > 0 exactly where the stored
/// output is) and sums what it wrote: bit-identical to `relu_backward` then the plain reduction,
/// on every kernel family and reduction layout — scalar and vector planes, unsplit, split and
/// lanes — with runs of exact zeros in x and negative scales. dy sharing x's buffer is refused.
#[test]
fn fused_relu_backward_reduce_masks_dy_in_place_exactly() {
    use lungseg::kernels::{batch_norm as bn, relu};
    let mut entries = std::collections::BTreeSet::new();
    for family in [lungseg::KernelFamily::Cpu, lungseg::KernelFamily::Gpu, lungseg::KernelFamily::Portable] {
        let gpu = common::gpu_with(family);
        for (target, shape) in
            [(1, [2, 5, 7, 9]), (1, [3, 6, 16, 12]), (0, [3, 6, 16, 12]), (1 << 20, [3, 5, 28, 31]), (1 << 20, [2, 4, 13, 11])]
        {
            gpu.set_reduction_workgroups(target);
            let [n, c, h, w] = shape;
            let len = n * c * h * w;
            let mut rng = Rng::new(4000 + len as u64);
            // Every seventh run of 5 values exactly 0: the pre-activation there is the shift alone.
            let xs: Vec<f32> = (0..len).map(|i| if (i / 5) % 7 == 3 { 0.0 } else { rng.normal() as f32 }).collect();
            let dys: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
            let gammas: Vec<f32> = (0..c).map(|k| if k % 3 == 1 { -0.7 } else { 0.5 + rng.uniform() as f32 }).collect();
            let betas: Vec<f32> = (0..c).map(|_| rng.normal() as f32 * 0.5).collect();
            let up = |v: &[f32], s: &[usize]| gpu.upload_f32("t", v, s).unwrap();
            let (x, gamma, beta) = (up(&xs, &shape), up(&gammas, &[c]), up(&betas, &[c]));
            let (dy_plain, dy_fused) = (up(&dys, &shape), up(&dys, &shape));
            let t = |s: &[usize]| gpu.tensor("t", s, lungseg::DType::F32).unwrap();
            let (mean, invstd, y, masked) = (t(&[c]), t(&[c]), t(&shape), t(&shape));
            let (dg_plain, db_plain, dg_fused, db_fused) = (t(&[c]), t(&[c]), t(&[c]), t(&[c]));
            let mut e = gpu.encoder("t");
            bn::batch_norm_stats(&gpu, &mut e, &x, &mean, &invstd, None, 1e-5, 0.0).unwrap();
            bn::batch_norm_relu_normalize(&gpu, &mut e, &x, &gamma, &beta, &mean, &invstd, &y).unwrap();
            relu::relu_backward(&gpu, &mut e, &y, &dy_plain, &masked).unwrap();
            bn::batch_norm_backward_reduce(&gpu, &mut e, &x, &masked, &mean, &invstd, &dg_plain, &db_plain).unwrap();
            let ((), d) = gpu
                .record_dispatches(|| {
                    bn::batch_norm_relu_backward_reduce(&gpu, &mut e, &x, &dy_fused, &gamma, &beta, &mean, &invstd, &dg_fused, &db_fused)
                })
                .unwrap();
            gpu.submit(e);
            entries.insert(d[0].entry);
            let bits = |t: &lungseg::Tensor| gpu.download_f32(t).unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            let what = format!("{family:?} {shape:?} target {target} ({})", d[0].entry);
            assert_eq!(bits(&dy_fused), bits(&masked), "{what}: dy masked in place");
            assert!(bits(&masked).contains(&0) && bits(&masked).iter().any(|&b| b != 0), "{what}: a mask with both sides");
            assert_eq!(bits(&dg_fused), bits(&dg_plain), "{what}: dgamma");
            assert_eq!(bits(&db_fused), bits(&db_plain), "{what}: dbeta");
        }
        let x = gpu.full("t", &[2, 3, 4, 4], 1.0).unwrap();
        let v = gpu.full("t", &[3], 1.0).unwrap();
        let (g, b, m, s, dg, db) =
            (v.clone(), v.clone(), v.clone(), v.clone(), gpu.full("t", &[3], 0.0).unwrap(), gpu.full("t", &[3], 0.0).unwrap());
        let err =
            bn::batch_norm_relu_backward_reduce(&gpu, &mut gpu.encoder("t"), &x, &x, &g, &b, &m, &s, &dg, &db).unwrap_err().to_string();
        assert!(err.contains("batch_norm_relu_backward_reduce") && err.contains("in place"), "{err}");
    }
    let want = [
        "batch_norm_relu_backward_reduce",
        "batch_norm_relu_backward_reduce4",
        "batch_norm_relu_backward_reduce_partial",
        "batch_norm_relu_backward_reduce_partial4_lanes",
    ];
    assert_eq!(entries.into_iter().collect::<Vec<_>>(), want, "every masked entry point ran");
}
