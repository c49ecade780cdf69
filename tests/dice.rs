//! Soft Dice over the batch (`shaders/dice.wgsl`) against the CPU reference on seeded hostile
//! shapes (forward loss, every class's Dice, the gradient, the accumulating gradient); known
//! values, empty-class batches; the reference backward vs finite differences; bit-identical
//! reruns; labels outside the classes; typed errors on bad shapes; on the tape, the gradient of
//! cross-entropy + λ·Dice is the sum of each alone; and the training step's Dice option.

mod common;
use lungseg::kernels::dice::{self as kd, Overlap, SMOOTH};
use lungseg::models::{Arch, Model, ModelConfig};
use lungseg::reference::{dice as r, numeric_gradient};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};
use lungseg::step::{train_step_stats, train_step_stats_with, LossConfig, StepConfig};
use lungseg::tape::{Mode, Tape};
use lungseg::Error;
use ndarray::{Array3, Array4};

const EPS: f64 = SMOOTH as f64;

#[test]
fn soft_dice_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &case) in selftest::DICE_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::soft_dice(&gpu, 500 + i as u64, case)).expect("check ran"));
    }
}

#[test]
fn soft_dice_known_values() {
    let gpu = common::gpu();
    // Two pixels, two classes, logits 0: p = ½ everywhere. Labels [0, 1]: for each class
    // I = ½, P = 1, G = 1 → dice = (1 + 1)/(2 + 1) = ⅔; loss ⅓ with or without background.
    let logits = Array4::<f32>::zeros((1, 2, 1, 2));
    let labels = Array3::from_shape_vec((1, 1, 2), vec![0u32, 1]).unwrap();
    for bg in [false, true] {
        let (loss, dice, _) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(bg))).unwrap();
        assert!((loss - 1.0 / 3.0).abs() < 1e-6, "bg {bg}: {loss}");
        assert!(dice.iter().all(|d| (d - 2.0 / 3.0).abs() < 1e-6), "{dice}");
    }
    // Empty class: labels [0, 0]. Class 1 has I = 0, P = 1, G = 0 → dice = ε/(P + ε) = ½ → loss ½
    // (foreground only). Class 0: I = 1, P = 1, G = 2 → (2 + 1)/(3 + 1) = ¾; with background the
    // loss is 1 − (¾ + ½)/2 = ⅜.
    let labels = Array3::from_shape_vec((1, 1, 2), vec![0u32, 0]).unwrap();
    let (loss, dice, d) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap();
    assert!((loss - 0.5).abs() < 1e-6 && (dice[1] - 0.5).abs() < 1e-6 && (dice[0] - 0.75).abs() < 1e-6, "{loss} {dice}");
    // dloss/dp_1 = −(0 − ½)/(1·2) = ¼ per pixel; dloss/dz_1 = p_1·(¼ − ½·¼) = ⅛·½ = 1/16, dz_0 = −1/16.
    for j in 0..2 {
        assert!((d[[0, 1, 0, j]] - 0.0625).abs() < 1e-7 && (d[[0, 0, 0, j]] + 0.0625).abs() < 1e-7, "{d}");
    }
    let (loss, _, _) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(true))).unwrap();
    assert!((loss - 0.375).abs() < 1e-6, "{loss}");
}

#[test]
fn empty_class_batches() {
    let gpu = common::gpu();
    let mut rng = Rng::new(91);
    let shape = (2, 4, 9, 13);
    let logits = hostile4(&mut rng, shape).mapv(|v| 2.0 * v);
    // Classes 2 and 3 absent from the whole batch.
    let labels = Array3::from_shape_fn((2, 9, 13), |_| rng.below(2) as u32);
    let (loss, dice, d) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap();
    let (_, p, g) = r::soft_dice_sums(to_f64(&logits).view(), labels.view());
    for c in [2, 3] {
        assert_eq!(g[c], 0.0);
        // dice_c = ε/(P_c + ε) exactly as documented, and it counts in the mean.
        let want = EPS / (p[c] + EPS);
        assert!((dice[c] as f64 - want).abs() <= 1e-6 * want, "class {c}: {} vs {want}", dice[c]);
    }
    let (want_loss, _) = r::soft_dice_loss(to_f64(&logits).view(), labels.view(), false, EPS);
    assert!((loss as f64 - want_loss).abs() < 1e-5, "{loss} vs {want_loss}");
    // Everything finite, and the empty classes' logits are pushed down (dloss/dz_c > 0 on average:
    // less probability there raises ε/(P_c + ε)).
    assert!(d.iter().all(|v| v.is_finite()));
    for c in [2, 3] {
        assert!(d.index_axis(ndarray::Axis(1), c).sum() > 0.0, "class {c}");
    }
    // A batch of background only, foreground Dice: the one class is empty; predicting no
    // foreground at all (logits −30 there) scores ≈ 1, i.e. loss ≈ 0.
    let mut sure = Array4::<f32>::zeros((1, 2, 4, 4));
    sure.index_axis_mut(ndarray::Axis(1), 1).fill(-30.0);
    let (loss, _, _) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &sure, &Array3::zeros((1, 4, 4)), Overlap::dice(false))).unwrap();
    assert!(loss.abs() < 1e-6, "{loss}");
}

#[test]
fn soft_dice_reference_backward_matches_finite_differences() {
    let logits = Array4::from_shape_fn((2, 4, 2, 3), |(a, b, c, d)| ((a * 24 + b * 6 + c * 3 + d) as f64 * 0.91).sin() * 2.0);
    // Every class present; then class 3 absent (an empty class); then an ignored label (≥ C).
    let all = Array3::from_shape_fn((2, 2, 3), |(a, b, c)| ((a + 2 * b + c) % 4) as u32);
    let empty = all.mapv(|y| y % 3);
    let mut ignored = all.clone();
    ignored[[1, 0, 2]] = 9;
    for (name, labels) in [("all", &all), ("empty", &empty), ("ignored", &ignored)] {
        for bg in [false, true] {
            let num = numeric_gradient(&logits, common::H, |z| r::soft_dice_loss(z.view(), labels.view(), bg, EPS).0);
            common::assert_fd(
                &format!("dice dlogits ({name}, bg {bg})"),
                &num,
                &r::soft_dice_backward(logits.view(), labels.view(), bg, EPS),
            );
        }
    }
}

#[test]
fn tversky_reference_backward_matches_finite_differences_and_its_dice_is_the_textbook_dice() {
    let logits = Array4::from_shape_fn((2, 3, 3, 2), |(a, b, c, d)| ((a * 18 + b * 6 + c * 2 + d) as f64 * 1.37).cos() * 2.0);
    let all = Array3::from_shape_fn((2, 3, 2), |(a, b, c)| ((a + b + 2 * c) % 3) as u32);
    let empty = all.mapv(|y| y % 2);
    for (name, labels) in [("all", &all), ("empty", &empty)] {
        for (alpha, beta, bg) in [(0.7, 0.3, false), (0.3, 0.7, true), (0.2, 0.5, false), (1.0, 0.0, false)] {
            let num = numeric_gradient(&logits, common::H, |z| r::tversky_loss(z.view(), labels.view(), bg, alpha, beta, EPS).0);
            common::assert_fd(
                &format!("tversky dlogits ({name}, α {alpha}, β {beta}, bg {bg})"),
                &num,
                &r::tversky_backward(logits.view(), labels.view(), bg, alpha, beta, EPS),
            );
        }
        // α = β = ½: the Dice, (2I + ε)/(P + G + ε), written here from the sums.
        let (i, p, g) = r::soft_dice_sums(logits.view(), labels.view());
        let (_, scores) = r::soft_dice_loss(logits.view(), labels.view(), true, EPS);
        for c in 0..3 {
            let dice = (2.0 * i[c] + EPS) / (p[c] + g[c] + EPS);
            assert!((scores[c] - dice).abs() < 1e-14, "{name} class {c}: {} vs {dice}", scores[c]);
        }
    }
}

#[test]
fn tversky_known_values_and_the_dice_weights_are_the_dice_to_the_bit() {
    let gpu = common::gpu();
    // Two pixels, two classes, logits 0 (p = ½), labels [0, 1]: for each class I = ½, P = 1,
    // G = 1, so FP = FN = ½ and T = (½ + ½)/(½ + α/2 + β/2 + ½) = 1/(1 + (α + β)/2): with
    // α = 0.8, β = 0.2, ⅔ (α + β = 1 keeps the Dice's value when FP = FN); loss ⅓.
    let logits = Array4::<f32>::zeros((1, 2, 1, 2));
    let labels = Array3::from_shape_vec((1, 1, 2), vec![0u32, 1]).unwrap();
    let (loss, _, _) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::tversky(0.8, 0.2, false))).unwrap();
    assert!((loss - 1.0 / 3.0).abs() < 1e-6, "{loss}");
    // An empty foreground class (labels [0, 0]): I = 0, P = 1, G = 0, FP = 1 → T = ε/2 / (α + ε/2):
    // α = 0.8 → 0.5 / 1.3; α weighs the false positives, β (no false negatives here) nothing.
    let empty = Array3::from_shape_vec((1, 1, 2), vec![0u32, 0]).unwrap();
    for beta in [0.2f32, 0.9] {
        let (_, t, _) = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &empty, Overlap::tversky(0.8, beta, false))).unwrap();
        assert!((t[1] as f64 - 0.5 / 1.3).abs() < 1e-6, "β {beta}: {t}");
    }
    // The Dice weights through the Tversky path give the Dice's bits (forward and backward), on a
    // hostile batch: the default training loss did not change.
    let mut rng = Rng::new(23);
    let logits = hostile4(&mut rng, (2, 4, 19, 21)).mapv(|v| 3.0 * v);
    let labels = Array3::from_shape_fn((2, 19, 21), |_| rng.below(4) as u32);
    let (a, b) = (
        lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap(),
        lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::tversky(0.5, 0.5, false))).unwrap(),
    );
    assert_eq!(a.0.to_bits(), b.0.to_bits());
    assert!(a.2.iter().zip(b.2.iter()).all(|(x, y)| x.to_bits() == y.to_bits()));
    // Unlike the Dice, a Tversky weighting moves the gradient: more weight on false positives
    // pushes the logits of predicted-but-absent classes down harder.
    let c = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::tversky(0.7, 0.3, false))).unwrap();
    assert!(c.2 != a.2);
}

#[test]
fn soft_dice_is_bit_identical_across_runs() {
    let gpu = common::gpu();
    let mut rng = Rng::new(17);
    let logits = hostile4(&mut rng, (2, 4, 120, 130)).mapv(|v| 3.0 * v);
    let labels = Array3::from_shape_fn((2, 120, 130), |_| rng.below(4) as u32);
    let first = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap();
    let second = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap();
    assert_eq!(first.0.to_bits(), second.0.to_bits());
    assert_eq!(first.1, second.1);
    assert!(first.2.iter().zip(second.2.iter()).all(|(a, b)| a.to_bits() == b.to_bits()), "gradients differ between runs");
}

#[test]
fn labels_outside_the_classes_are_rejected_by_the_host_api_and_ignored_by_the_kernels() {
    let gpu = common::gpu();
    let logits = Array4::<f32>::zeros((1, 2, 2, 2));
    let labels = Array3::from_shape_vec((1, 2, 2), vec![0u32, 1, 7, 0]).unwrap();
    let err = lungseg::block_on(lungseg::host::soft_dice(&gpu, &logits, &labels, Overlap::dice(false))).unwrap_err().to_string();
    assert!(err.contains("label 7") && err.contains("C = 2") && err.contains("soft_dice_loss"), "{err}");

    // The kernels themselves (as cross_entropy.wgsl): such a pixel adds nothing and gets a zero gradient.
    let mut rng = Rng::new(5);
    let logits = hostile4(&mut rng, (2, 3, 5, 7));
    let mut labels = Array3::from_shape_fn((2, 5, 7), |_| rng.below(3) as u32);
    labels[[0, 2, 3]] = 3;
    labels[[1, 4, 6]] = u32::MAX;
    let lt = gpu.upload_f32("logits", logits.as_slice().unwrap(), &[2, 3, 5, 7]).unwrap();
    let yt = gpu.upload_u32("labels", labels.as_slice().unwrap(), &[2, 5, 7]).unwrap();
    let value = gpu.full("value", &[kd::value_len(3)], f32::NAN).unwrap();
    let d = gpu.full("d", &[2, 3, 5, 7], f32::NAN).unwrap();
    let mut enc = gpu.encoder("dice");
    kd::soft_dice_forward(&gpu, &mut enc, &lt, &yt, Overlap::dice(false), &value).unwrap();
    kd::soft_dice_backward(&gpu, &mut enc, &lt, &yt, Overlap::dice(false), &value, 1.0, &d, false).unwrap();
    gpu.submit(enc);
    let v = gpu.download_f32(&value).unwrap();
    let got = Array4::from_shape_vec((2, 3, 5, 7), gpu.download_f32(&d).unwrap()).unwrap();
    let l64 = to_f64(&logits);
    let (want_loss, _) = r::soft_dice_loss(l64.view(), labels.view(), false, EPS);
    assert!((v[0] as f64 - want_loss).abs() < 1e-6, "{} vs {want_loss}", v[0]);
    let want = r::soft_dice_backward(l64.view(), labels.view(), false, EPS);
    for c in 0..3 {
        assert_eq!(got[[0, c, 2, 3]], 0.0);
        assert_eq!(got[[1, c, 4, 6]], 0.0);
    }
    let max_err = got.iter().zip(want.iter()).map(|(&g, &w)| (g as f64 - w).abs()).fold(0.0, f64::max);
    assert!(max_err < 1e-6, "{max_err}");
}

#[test]
fn bad_shapes_and_arguments_are_typed_errors() {
    let gpu = common::gpu();
    let logits = gpu.zeros("logits", &[2, 3, 4, 5]).unwrap();
    let labels = gpu.upload_u32("labels", &[0; 40], &[2, 4, 5]).unwrap();
    let value = gpu.zeros("value", &[kd::value_len(3)]).unwrap();
    let d = gpu.zeros("d", &[2, 3, 4, 5]).unwrap();
    let fwd = |l: &lungseg::Tensor, y: &lungseg::Tensor, v: &lungseg::Tensor, bg: bool| {
        let mut enc = gpu.encoder("dice");
        kd::soft_dice_forward(&gpu, &mut enc, l, y, Overlap::dice(bg), v).unwrap_err()
    };
    // Wrong rank of the logits.
    let flat = gpu.zeros("flat", &[2, 3, 20]).unwrap();
    let e = fwd(&flat, &labels, &value, false);
    assert!(matches!(e, Error::Shape { op: "soft_dice_loss", .. }) && e.to_string().contains("[2, 3, 20]"), "{e}");
    // Labels of another shape, or of another rank.
    for bad in [gpu.upload_u32("labels", &[0; 40], &[2, 5, 4]).unwrap(), gpu.upload_u32("labels", &[0; 40], &[40]).unwrap()] {
        let e = fwd(&logits, &bad, &value, false);
        assert!(
            matches!(e, Error::Shape { op: "soft_dice_loss", .. }) && e.to_string().contains("labels must have shape [2, 4, 5]"),
            "{e}"
        );
    }
    // f32 labels.
    let e = fwd(&logits, &gpu.zeros("labels", &[2, 4, 5]).unwrap(), &value, false);
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("u32"), "{e}");
    // More classes than the documented maximum.
    let c = kd::MAX_CLASSES + 1;
    let wide = gpu.zeros("wide", &[1, c, 2, 2]).unwrap();
    let e = fwd(&wide, &gpu.upload_u32("l", &[0; 4], &[1, 2, 2]).unwrap(), &gpu.zeros("v", &[kd::value_len(c)]).unwrap(), true);
    assert!(
        matches!(e, Error::InvalidArgument { op: "soft_dice_loss", .. })
            && e.to_string().contains(&format!("C = {c}"))
            && e.to_string().contains("1 to 32"),
        "{e}"
    );
    // One class without background: nothing to average.
    let one = gpu.zeros("one", &[1, 1, 2, 2]).unwrap();
    let e = fwd(&one, &gpu.upload_u32("l", &[0; 4], &[1, 2, 2]).unwrap(), &gpu.zeros("v", &[kd::value_len(1)]).unwrap(), false);
    assert!(matches!(e, Error::InvalidArgument { .. }) && e.to_string().contains("C ≥ 2"), "{e}");
    // A value tensor of the wrong length; a gradient of the wrong shape; a NaN weight.
    let e = fwd(&logits, &labels, &gpu.zeros("v", &[3]).unwrap(), false);
    assert!(matches!(e, Error::Shape { .. }) && e.to_string().contains("value must have shape [13]"), "{e}");
    let mut enc = gpu.encoder("dice");
    let bad_d = gpu.zeros("d", &[2, 3, 5, 4]).unwrap();
    let e = kd::soft_dice_backward(&gpu, &mut enc, &logits, &labels, Overlap::dice(false), &value, 1.0, &bad_d, false).unwrap_err();
    assert!(matches!(e, Error::Shape { op: "soft_dice_backward", .. }), "{e}");
    let e = kd::soft_dice_backward(&gpu, &mut enc, &logits, &labels, Overlap::dice(false), &value, f32::NAN, &d, false).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { op: "soft_dice_backward", .. }), "{e}");
    // The tape and the step refuse what the kernels refuse, and a negative Dice weight.
    let mut tape = Tape::new(&gpu, Mode::Train, 0);
    let v = tape.input(flat);
    assert!(matches!(tape.soft_dice(v, &labels, Overlap::dice(false)), Err(Error::Shape { .. })));
    assert!(LossConfig::with_dice(-1.0).validate().is_err() && LossConfig::with_dice(f32::INFINITY).validate().is_err());
    assert!(LossConfig::default().validate().is_ok() && LossConfig::with_dice(0.5).validate().is_ok());
    // Tversky weights: negative, not finite, or both 0 (a constant score) are refused, naming them.
    for (a, b) in [(-0.1, 0.5), (0.5, f32::NAN), (0.0, 0.0)] {
        let e = fwd_with(&gpu, &logits, &labels, &value, Overlap::tversky(a, b, false));
        assert!(matches!(e, Error::InvalidArgument { op: "soft_dice_loss", .. }) && e.to_string().contains("Tversky"), "{e}");
        let cfg = LossConfig { overlap: Overlap::tversky(a, b, false), ..LossConfig::with_dice(1.0) };
        assert!(cfg.validate().unwrap_err().to_string().contains("α"));
    }
}

fn fwd_with(gpu: &lungseg::Gpu, l: &lungseg::Tensor, y: &lungseg::Tensor, v: &lungseg::Tensor, overlap: Overlap) -> Error {
    let mut enc = gpu.encoder("dice");
    kd::soft_dice_forward(gpu, &mut enc, l, y, overlap, v).unwrap_err()
}

/// (CE only, Dice only, CE + λ·Dice) logits gradients from one tape.
fn three_gradients(gpu: &lungseg::Gpu, logits: &Array4<f32>, labels: &Array3<u32>, weights: &[f32], lambda: f32) -> [Vec<f32>; 3] {
    let s = logits.shape();
    let lt = gpu.upload_f32("logits", logits.as_slice().unwrap(), s).unwrap();
    let yt = gpu.upload_u32("labels", labels.as_slice().unwrap(), labels.shape()).unwrap();
    let wt = gpu.upload_f32("w", weights, &[weights.len()]).unwrap();
    let mut tape = Tape::new(gpu, Mode::Train, 0);
    let z = tape.input_with_grad(lt);
    let ce = tape.cross_entropy(z, &yt, &wt).unwrap();
    let dice = tape.soft_dice(z, &yt, Overlap::dice(false)).unwrap();
    let (_, g_ce) = tape.loss_gradient(Some(&ce), None).unwrap();
    let (_, g_dice) = tape.loss_gradient(None, Some((&dice, 1.0))).unwrap();
    let (_, g_sum) = tape.loss_gradient(Some(&ce), Some((&dice, lambda))).unwrap();
    tape.submit();
    [gpu.download_f32(&g_ce).unwrap(), gpu.download_f32(&g_dice).unwrap(), gpu.download_f32(&g_sum).unwrap()]
}

#[test]
fn tape_gradient_of_cross_entropy_plus_dice_is_the_sum_of_each() {
    let gpu = common::gpu();
    let mut rng = Rng::new(23);
    // The paper's logits: batch 2, 2 classes, 256 × 256 (131,072 pixels); and 4 classes.
    for (shape, lambda) in [((2, 2, 256, 256), 1.0f32), ((2, 4, 64, 96), 0.5)] {
        let (n, c, h, w) = shape;
        let logits = hostile4(&mut rng, shape).mapv(|v| 3.0 * v);
        let labels = Array3::from_shape_fn((n, h, w), |_| if rng.uniform() < 0.8 { 0 } else { rng.below(c as u64) as u32 });
        let weights: Vec<f32> = (0..c).map(|k| 0.5 + k as f32).collect();
        let [ce, dice, sum] = three_gradients(&gpu, &logits, &labels, &weights, lambda);
        // λ is a power of two, so λ·g is exact and the in-place accumulation is one f32 addition:
        // the same bits as adding the two gradients on the host.
        let mut differ = 0;
        for ((a, b), s) in ce.iter().zip(&dice).zip(&sum) {
            if (a + lambda * b).to_bits() != s.to_bits() {
                differ += 1;
            }
        }
        assert_eq!(differ, 0, "{shape:?}: {differ} elements of CE + λ·Dice differ from the sum of each alone");
        // Both terms matter (the check could fail): the Dice gradient is not negligible.
        assert!(dice.iter().any(|&v| v.abs() > 1e-7) && ce.iter().zip(&sum).any(|(a, s)| a != s));
        // And the Dice gradient agrees with the reference.
        let want = r::soft_dice_backward(to_f64(&logits).view(), labels.view(), false, EPS);
        let got: Vec<f64> = dice.iter().map(|&v| v as f64).collect();
        common::assert_rows(vec![lungseg::check::compare_scaled(
            "tape",
            "soft_dice_backward",
            &[n, c, h, w],
            &got,
            want.as_slice().unwrap(),
            lungseg::check::tolerance("soft_dice_backward"),
        )]);
    }
}

fn tiny_unet(gpu: &lungseg::Gpu, seed: u64) -> Model {
    Model::new(gpu, ModelConfig { width: 8, dropout: 0.0, ..ModelConfig::paper(Arch::UNet, 2) }, seed).unwrap()
}

#[test]
fn training_step_with_dice_weight() {
    let gpu = common::gpu();
    let mut rng = Rng::new(8);
    let x = hostile4(&mut rng, (2, 1, 32, 32));
    let labels: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 1, 32, 32]).unwrap();
    let lt = gpu.upload_u32("labels", &labels, &[2, 32, 32]).unwrap();
    let wt = gpu.upload_f32("w", &[1.0, 3.0], &[2]).unwrap();
    let cfg = StepConfig { lr: 1e-3, l2: 1e-4, dropout_seed: 0 };
    let run = |loss: Option<LossConfig>| {
        let mut model = tiny_unet(&gpu, 1);
        let mut stats = Vec::new();
        for _ in 0..2 {
            stats.push(
                match loss {
                    None => train_step_stats(&gpu, &mut model, &xt, &lt, &wt, &cfg, true),
                    Some(l) => train_step_stats_with(&gpu, &mut model, &xt, &lt, &wt, &cfg, &l, true),
                }
                .unwrap()
                .unwrap(),
            );
        }
        (stats, gpu.download_f32(&model.params.values).unwrap())
    };
    // dice_weight 0: today's step, bit for bit (the Dice is not recorded at all).
    let (base_stats, base_params) = run(None);
    let (zero_stats, zero_params) = run(Some(LossConfig::default()));
    assert_eq!(base_stats, zero_stats);
    assert!(base_params.iter().zip(&zero_params).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(base_stats.iter().all(|s| s.soft_dice.is_none()));
    // dice_weight 0.5: the reported loss is CE + λ·Dice, and the update differs.
    let (dice_stats, dice_params) = run(Some(LossConfig::with_dice(0.5)));
    let first = dice_stats[0];
    let d = first.soft_dice.expect("the Dice was recorded");
    assert!(d > 0.0 && d < 1.0, "{d}");
    // The first step starts from the same weights: its cross-entropy is the plain step's.
    assert!((first.loss - (base_stats[0].loss + 0.5 * d)).abs() < 1e-6, "{} vs {} + 0.5·{d}", first.loss, base_stats[0].loss);
    assert!(base_params.iter().zip(&dice_params).any(|(a, b)| a != b));
}

#[test]
fn dice_value_layout() {
    // value = [loss, dice_c, I_c, P_c, G_c]: the sums come back as the reference computes them.
    let gpu = common::gpu();
    let mut rng = Rng::new(3);
    let logits = hostile4(&mut rng, (2, 3, 6, 5));
    let labels = Array3::from_shape_fn((2, 6, 5), |_| rng.below(3) as u32);
    let lt = gpu.upload_f32("logits", logits.as_slice().unwrap(), &[2, 3, 6, 5]).unwrap();
    let yt = gpu.upload_u32("labels", labels.as_slice().unwrap(), &[2, 6, 5]).unwrap();
    let value = gpu.full("value", &[kd::value_len(3)], f32::NAN).unwrap();
    let mut enc = gpu.encoder("dice");
    kd::soft_dice_forward(&gpu, &mut enc, &lt, &yt, Overlap::dice(true), &value).unwrap();
    gpu.submit(enc);
    let v = gpu.download_f32(&value).unwrap();
    let (i, p, g) = r::soft_dice_sums(to_f64(&logits).view(), labels.view());
    let (loss, dice) = r::soft_dice_loss(to_f64(&logits).view(), labels.view(), true, EPS);
    let want: Vec<f64> = std::iter::once(loss).chain(dice).chain(i).chain(p).chain(g).collect();
    for (k, (&got, &w)) in v.iter().zip(&want).enumerate() {
        assert!((got as f64 - w).abs() <= 1e-5 * (1.0 + w.abs()), "value[{k}]: {got} vs {w}");
    }
}
