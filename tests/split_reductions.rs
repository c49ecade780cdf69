//! Split reductions (weight gradients and bias sums cut along N·H·W across workgroups; forward and
//! backward-input convolutions cut along the read channels — split-K — the partials added by
//! `sum_splits` in a fixed order): every split setting against the CPU reference, splits that do
//! not divide the reduction evenly, bit-identical reruns, and the `gpu` family's workgroup counts
//! at the paper's shapes.

mod common;
use lungseg::host;
use lungseg::kernels::{conv2d, conv_transpose2d, reduce};
use lungseg::reference::{conv2d as r2, conv_transpose2d as rt};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};
use lungseg::{DType, Gpu, KernelFamily};

/// Workgroup targets: 1 = never split; 1 << 20 = split as finely as each reduction allows.
const SPLIT_SETTINGS: [u64; 3] = [1, 200, 1 << 20];

/// |got − want| ≤ (1e-6 + 4e-7·√count)·Σ|terms| per element, where Σ|terms| is the sum of the
/// magnitudes of the products being added (`scale`): f32 summation of `count` terms errs by about
/// √count·eps·Σ|terms| with pairwise/blocked order, far below that for these sizes.
fn assert_scaled(what: &str, got: &[f32], want: &[f64], scale: &[f64], count: usize) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let rel = 1e-6 + 4e-7 * (count as f64).sqrt();
    for (i, ((&g, &w), &s)) in got.iter().zip(want).zip(scale).enumerate() {
        assert!(g.is_finite(), "{what}: element {i} is {g} (unwritten or poisoned)");
        let err = (g as f64 - w).abs();
        assert!(err <= rel * s.max(1e-30), "{what}: element {i}: got {g}, want {w}, |err| {err:e} > {rel:e}·Σ|terms| {s:e}");
    }
}

fn abs4(a: &ndarray::Array4<f64>) -> ndarray::Array4<f64> {
    a.mapv(f64::abs)
}

fn conv2d_case(gpu: &Gpu, seed: u64, (n, ci, co, h, w, k): (usize, usize, usize, usize, usize, usize)) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (n, ci, h, w));
    let dy = hostile4(&mut rng, (n, co, h, w));
    let (x64, dy64) = (to_f64(&x), to_f64(&dy));
    let want = r2::conv2d_backward_weight(x64.view(), dy64.view(), k);
    let scale = r2::conv2d_backward_weight(abs4(&x64).view(), abs4(&dy64).view(), k);
    let got = lungseg::block_on(host::conv2d_backward_weight(gpu, &x, &dy, k)).expect("conv2d_backward_weight ran");
    let what = format!("conv2d_backward_weight {:?} on {}", (n, ci, co, h, w, k), gpu.kernel_family());
    assert_scaled(&what, got.as_slice().unwrap(), want.as_slice().unwrap(), scale.as_slice().unwrap(), n * h * w);
    let db = lungseg::block_on(host::sum_per_channel(gpu, &dy)).expect("sum_per_channel ran");
    let db_want = r2::conv2d_backward_bias(dy64.view());
    let db_scale = r2::conv2d_backward_bias(abs4(&dy64).view());
    assert_scaled(
        &format!("sum_per_channel {what}"),
        db.as_slice().unwrap(),
        db_want.as_slice().unwrap(),
        db_scale.as_slice().unwrap(),
        n * h * w,
    );
    got.into_raw_vec_and_offset().0
}

/// Shapes whose reductions split unevenly: odd H, W % 4 ≠ 0 and W % 4 == 0 (the vec4 path),
/// channel counts that are not multiples of 8, 1×1 kernels, batch > 1.
/// The fifth is long enough to split even with the portable kernel on a CPU; the last takes the
/// `cpu` family's 32-output-channel weight gradient (W % 4 == 0), with a partial last block.
const CASES: [(usize, usize, usize, usize, usize, usize); 6] = [
    (3, 5, 11, 23, 19, 3),
    (2, 9, 6, 21, 16, 3),
    (2, 7, 13, 17, 10, 1),
    (1, 1, 3, 33, 12, 3),
    (2, 3, 5, 67, 61, 3),
    (2, 11, 37, 19, 16, 3),
];

#[test]
fn conv2d_weight_and_bias_gradients_agree_for_every_split_and_family() {
    for family in [KernelFamily::Auto, KernelFamily::Gpu, KernelFamily::Portable] {
        let gpu = common::gpu_with(family);
        let mut split_cases = 0;
        for (i, &case) in CASES.iter().enumerate() {
            let mut results = Vec::new();
            for target in SPLIT_SETTINGS {
                gpu.set_reduction_workgroups(target);
                results.push(conv2d_case(&gpu, 500 + i as u64, case));
            }
            // Different split counts add in different orders; each was compared with the reference
            // above. Count the cases where the finest setting really split (and target 1 did not).
            let (n, ci, co, h, w, k) = case;
            let t = |shape: &[usize]| gpu.tensor("t", shape, DType::F32).unwrap();
            let plan = || conv2d::backward_weight_plan(&gpu, &t(&[n, ci, h, w]), &t(&[n, co, h, w]), &t(&[co, ci, k, k])).unwrap();
            assert!(results.iter().all(|r| r.len() == co * ci * k * k));
            split_cases += (plan().params.splits > 1) as usize;
            gpu.set_reduction_workgroups(1);
            assert_eq!(plan().params.splits, 1, "target 1 split {case:?} on {family}");
        }
        assert!(split_cases >= 1, "only {split_cases} of the cases split on {family}: the test would not notice a broken split");
    }
}

/// Split-K forward / backward-input of conv2d and conv_transpose2d (bias on the first split only,
/// the fused ReLU after the sum; by default GPU layouts only, on a CPU when a split setting asks):
/// every hostile conv and transposed-conv case of the selftest under every split setting and
/// family, against the reference; the finest setting must
/// really split (unevenly: 18 read channels in chunks of 16 + 2 on a CPU layout), target 1 never;
/// reruns are bit-identical.
#[test]
fn conv2d_forward_and_backward_input_agree_for_every_split_and_family() {
    for family in [KernelFamily::Auto, KernelFamily::Gpu, KernelFamily::Portable] {
        let gpu = common::gpu_with(family);
        let (mut split_forward, mut split_backward, mut split_t_forward, mut split_t_backward) = (0, 0, 0, 0);
        for (i, &(n, ci, co, h, w, k)) in selftest::CONV_CASES.iter().enumerate() {
            for target in SPLIT_SETTINGS {
                gpu.set_reduction_workgroups(target);
                common::assert_rows(
                    lungseg::block_on(selftest::conv2d(&gpu, 900 + i as u64, (n, ci, co, h, w, k))).expect("conv2d check ran"),
                );
                let t = |shape: &[usize]| gpu.tensor("t", shape, DType::F32).unwrap();
                let (x, wt, b, y) = (t(&[n, ci, h, w]), t(&[co, ci, k, k]), t(&[co]), t(&[n, co, h, w]));
                let ((), fwd) =
                    gpu.record_dispatches(|| conv2d::conv2d_relu_forward(&gpu, &mut gpu.encoder("t"), &x, &wt, Some(&b), &y)).unwrap();
                let ((), bwd) = gpu.record_dispatches(|| conv2d::conv2d_backward_input(&gpu, &mut gpu.encoder("t"), &y, &wt, &x)).unwrap();
                let split = |d: &[lungseg::kernels::Dispatch]| d.iter().any(|d| d.entry == "sum_splits");
                if target == 1 {
                    assert!(!split(&fwd) && !split(&bwd), "target 1 split {:?} on {family}: {fwd:?} {bwd:?}", (n, ci, co, h, w, k));
                } else if target == 1 << 20 {
                    split_forward += split(&fwd) as usize;
                    split_backward += split(&bwd) as usize;
                }
            }
        }
        for (i, &(n, ci, co, h, w)) in selftest::CONV_T_CASES.iter().enumerate() {
            for target in SPLIT_SETTINGS {
                gpu.set_reduction_workgroups(target);
                common::assert_rows(
                    lungseg::block_on(selftest::conv_transpose2d(&gpu, 950 + i as u64, (n, ci, co, h, w)))
                        .expect("conv_transpose2d check ran"),
                );
                let t = |shape: &[usize]| gpu.tensor("t", shape, DType::F32).unwrap();
                let (x, wt, b, y) = (t(&[n, ci, h, w]), t(&[ci, co, 2, 2]), t(&[co]), t(&[n, co, 2 * h, 2 * w]));
                let ((), fwd) = gpu
                    .record_dispatches(|| conv_transpose2d::conv_transpose2d_forward(&gpu, &mut gpu.encoder("t"), &x, &wt, Some(&b), &y))
                    .unwrap();
                let ((), bwd) = gpu
                    .record_dispatches(|| conv_transpose2d::conv_transpose2d_backward_input(&gpu, &mut gpu.encoder("t"), &y, &wt, &x))
                    .unwrap();
                let split = |d: &[lungseg::kernels::Dispatch]| d.iter().any(|d| d.entry == "sum_splits");
                if target == 1 {
                    assert!(!split(&fwd) && !split(&bwd), "target 1 split {:?} on {family}: {fwd:?} {bwd:?}", (n, ci, co, h, w));
                } else if target == 1 << 20 {
                    split_t_forward += split(&fwd) as usize;
                    split_t_backward += split(&bwd) as usize;
                }
            }
        }
        assert!(
            [split_forward, split_backward, split_t_forward, split_t_backward].iter().all(|&k| k >= 1),
            "conv2d: {split_forward} forward and {split_backward} backward-input passes split on {family}, conv_transpose2d: \
             {split_t_forward} and {split_t_backward}: the test would not notice a broken split-K"
        );
        // Bit-identical reruns of a split forward + ReLU and backward-input.
        gpu.set_reduction_workgroups(1 << 20);
        let mut rng = Rng::new(31);
        let x = hostile4(&mut rng, (2, 18, 7, 12));
        let wt = hostile4(&mut rng, (19, 18, 3, 3));
        let b = ndarray::Array1::from_shape_fn(19, |i| i as f32 * 0.1 - 0.9);
        let dy = hostile4(&mut rng, (2, 19, 7, 12));
        let run = || {
            let y = lungseg::block_on(host::conv2d_relu_forward(&gpu, &x, &wt, Some(&b))).unwrap();
            let dx = lungseg::block_on(host::conv2d_backward_input(&gpu, &dy, &wt)).unwrap();
            (y, dx)
        };
        let first = run();
        assert_eq!(first, run(), "split-K rerun differs on {family}");
    }
}

#[test]
fn split_reductions_really_split_and_divide_unevenly() {
    let gpu = common::gpu_with(KernelFamily::Gpu);
    gpu.set_reduction_workgroups(1 << 20);
    let (n, ci, co, h, w) = (3, 5, 11, 23, 19);
    let x = gpu.tensor("t", &[n, ci, h, w], DType::F32).unwrap();
    let dy = gpu.tensor("t", &[n, co, h, w], DType::F32).unwrap();
    let dw = gpu.tensor("t", &[co, ci, 3, 3], DType::F32).unwrap();
    let plan = conv2d::backward_weight_plan(&gpu, &x, &dy, &dw).unwrap();
    let items = (n * h * w.div_ceil(4)) as u32;
    assert!(plan.params.splits > 1, "no split: {:?}", plan.params);
    assert_ne!(items % plan.params.chunk, 0, "this shape should leave a short last split: {:?}", plan.params);
    let ((), dispatches) = gpu.record_dispatches(|| conv2d::conv2d_backward_weight(&gpu, &mut gpu.encoder("t"), &x, &dy, &dw)).unwrap();
    let entries: Vec<_> = dispatches.iter().map(|d| d.entry).collect();
    assert_eq!(entries, ["conv2d_backward_weight", "sum_splits"]);
    gpu.set_reduction_workgroups(1);
    let ((), dispatches) = gpu.record_dispatches(|| conv2d::conv2d_backward_weight(&gpu, &mut gpu.encoder("t"), &x, &dy, &dw)).unwrap();
    assert_eq!(dispatches.len(), 1, "target 1 must not split: {dispatches:?}");
}

#[test]
fn split_reductions_are_bit_identical_when_rerun() {
    for family in [KernelFamily::Auto, KernelFamily::Gpu] {
        let gpu = common::gpu_with(family);
        let case = (2, 9, 6, 21, 16, 3);
        let first = conv2d_case(&gpu, 77, case);
        for _ in 0..3 {
            assert_eq!(first, conv2d_case(&gpu, 77, case), "rerun differs on {family}");
        }
    }
}

#[test]
fn conv_transpose2d_weight_gradient_agrees_for_every_split_and_family() {
    for family in [KernelFamily::Auto, KernelFamily::Gpu, KernelFamily::Portable] {
        let gpu = common::gpu_with(family);
        // The later shapes are long enough to split on every family (odd H; W % 4 ≠ 0, then
        // W % 4 == 0: the `_aligned` vec4 kernel; then ≥ 64 input channels: the `cpu` family's
        // wide kernel, its last channel block partial).
        for (i, &(n, ci, co, h, w)) in [(3, 5, 9, 13, 11), (2, 6, 5, 61, 67), (2, 9, 10, 61, 64), (2, 67, 5, 61, 64)].iter().enumerate() {
            let mut rng = Rng::new(600 + i as u64);
            let x = hostile4(&mut rng, (n, ci, h, w));
            let dy = hostile4(&mut rng, (n, co, 2 * h, 2 * w));
            let (x64, dy64) = (to_f64(&x), to_f64(&dy));
            let want = rt::conv_transpose2d_backward_weight(x64.view(), dy64.view());
            let scale = rt::conv_transpose2d_backward_weight(abs4(&x64).view(), abs4(&dy64).view());
            let mut results = Vec::new();
            for target in SPLIT_SETTINGS {
                gpu.set_reduction_workgroups(target);
                let got = lungseg::block_on(host::conv_transpose2d_backward_weight(&gpu, &x, &dy)).expect("ran");
                let what = format!("conv_transpose2d_backward_weight {:?} on {family}, target {target}", (n, ci, co, h, w));
                assert_scaled(&what, got.as_slice().unwrap(), want.as_slice().unwrap(), scale.as_slice().unwrap(), n * h * w);
                results.push(got);
            }
            let t = |shape: &[usize]| gpu.tensor("t", shape, DType::F32).unwrap();
            let plan =
                conv_transpose2d::backward_weight_plan(&gpu, &t(&[n, ci, h, w]), &t(&[n, co, 2 * h, 2 * w]), &t(&[ci, co, 2, 2])).unwrap();
            assert!(i == 0 || plan.params.splits > 1, "the long case did not split on {family}: {:?}", plan.params);
            assert_eq!(results.len(), SPLIT_SETTINGS.len());
        }
    }
}

/// A per-channel reduction over `values` values either dispatches ≥ 2,048 workgroups (kept for the
/// check below) or already gives every invocation a single work item — one value, or one vector
/// of 4 for the vec4 entry points (`*4`, used where H·W % 4 == 0): nothing is left to split.
fn check_reduction(
    layers: &mut Vec<(String, Vec<lungseg::kernels::Dispatch>)>,
    what: String,
    d: Vec<lungseg::kernels::Dispatch>,
    values: usize,
) {
    let main = &d[0];
    if main.workgroups < 2048 {
        let per_invocation = if main.entry.ends_with('4') { 4 } else { 1 };
        assert!(main.workgroups * main.workgroup_size as u64 * per_invocation >= values as u64, "{what}: {d:?}");
    } else {
        layers.push((what, d));
    }
}

/// (C_in, C_out, H = W, k): U-Net's and SegNet's convolutions at full width, first to last.
const CONV_LAYERS: &[(usize, usize, usize, usize)] = &[
    (1, 64, 256, 3),
    (64, 64, 256, 3),
    (64, 128, 128, 3),
    (128, 256, 64, 3),
    (256, 512, 32, 3),
    (512, 1024, 16, 3),
    (1024, 512, 16, 3),
    (128, 64, 256, 3),
    (64, 4, 256, 1),
];

/// The `gpu` family gives a GPU with 100+ multiprocessors work for all of them: every forward,
/// backward-input and weight gradient of a convolution or transposed convolution and every bias sum of the paper's networks
/// (256², batch 2) dispatches ≥ 2,048 workgroups —
/// or, for the per-channel sums of the smallest planes, one invocation per summed value.
/// Only the dispatches are recorded here (nothing is submitted), so this checks the layout, not
/// the speed.
#[test]
fn gpu_family_fills_a_large_gpu_at_the_papers_shapes() {
    let gpu = common::gpu_with(KernelFamily::Gpu);
    let t = |shape: &[usize]| gpu.tensor("t", shape, DType::F32).unwrap();
    let mut layers = Vec::new();
    for &(ci, co, s, k) in CONV_LAYERS {
        let (x, dy, dw) = (t(&[2, ci, s, s]), t(&[2, co, s, s]), t(&[co, ci, k, k]));
        let ((), d) = gpu.record_dispatches(|| conv2d::conv2d_backward_weight(&gpu, &mut gpu.encoder("t"), &x, &dy, &dw)).unwrap();
        layers.push((format!("conv2d_backward_weight {ci}->{co} {s}² k{k}"), d));
        if k == 3 {
            // SegNet's batch norm over this layer's output: statistics and backward reduction.
            let (mean, invstd, dg, db) = (t(&[co]), t(&[co]), t(&[co]), t(&[co]));
            use lungseg::kernels::batch_norm as bn;
            let ((), d) =
                gpu.record_dispatches(|| bn::batch_norm_stats(&gpu, &mut gpu.encoder("t"), &dy, &mean, &invstd, None, 1e-5, 0.1)).unwrap();
            check_reduction(&mut layers, format!("batch_norm_stats C={co} {s}²"), d, 2 * co * s * s);
            let ((), d) = gpu
                .record_dispatches(|| bn::batch_norm_backward_reduce(&gpu, &mut gpu.encoder("t"), &dy, &dy, &mean, &invstd, &dg, &db))
                .unwrap();
            check_reduction(&mut layers, format!("batch_norm_backward_reduce C={co} {s}²"), d, 2 * co * s * s);
        }
        let db = t(&[co]);
        let ((), d) = gpu.record_dispatches(|| reduce::sum_per_channel(&gpu, &mut gpu.encoder("t"), &dy, &db)).unwrap();
        check_reduction(&mut layers, format!("sum_per_channel C={co} {s}²"), d, 2 * co * s * s);
    }
    // Forward and backward-input of the same convolutions (split-K on the small planes).
    for &(ci, co, s, k) in CONV_LAYERS {
        let (x, wt, b, y) = (t(&[2, ci, s, s]), t(&[co, ci, k, k]), t(&[co]), t(&[2, co, s, s]));
        let ((), d) = gpu.record_dispatches(|| conv2d::conv2d_relu_forward(&gpu, &mut gpu.encoder("t"), &x, &wt, Some(&b), &y)).unwrap();
        layers.push((format!("conv2d_relu_forward {ci}->{co} {s}² k{k}"), d));
        let ((), d) = gpu.record_dispatches(|| conv2d::conv2d_backward_input(&gpu, &mut gpu.encoder("t"), &y, &wt, &x)).unwrap();
        layers.push((format!("conv2d_backward_input {ci}->{co} {s}² k{k}"), d));
    }
    // U-Net's up-convolutions (C_in → C_out, input H = W): all three passes.
    for &(ci, co, s) in &[(1024, 512, 16), (512, 256, 32), (256, 128, 64), (128, 64, 128)] {
        let (x, dy, dw, b) = (t(&[2, ci, s, s]), t(&[2, co, 2 * s, 2 * s]), t(&[ci, co, 2, 2]), t(&[co]));
        let ((), d) = gpu
            .record_dispatches(|| conv_transpose2d::conv_transpose2d_forward(&gpu, &mut gpu.encoder("t"), &x, &dw, Some(&b), &dy))
            .unwrap();
        layers.push((format!("conv_transpose2d_forward {ci}->{co} {s}²"), d));
        let ((), d) =
            gpu.record_dispatches(|| conv_transpose2d::conv_transpose2d_backward_input(&gpu, &mut gpu.encoder("t"), &dy, &dw, &x)).unwrap();
        layers.push((format!("conv_transpose2d_backward_input {ci}->{co} {s}²"), d));
        let ((), d) = gpu
            .record_dispatches(|| conv_transpose2d::conv_transpose2d_backward_weight(&gpu, &mut gpu.encoder("t"), &x, &dy, &dw))
            .unwrap();
        layers.push((format!("conv_transpose2d_backward_weight {ci}->{co} {s}²"), d));
    }
    for (what, d) in &layers {
        let main = d.first().unwrap_or_else(|| panic!("{what}: nothing dispatched"));
        println!("{what}: {} workgroups of {} ({} passes)", main.workgroups, main.workgroup_size, d.len());
        assert!(main.workgroups >= 2048, "{what}: only {} workgroups: {d:?}", main.workgroups);
    }
}
