//! The whole training step on the GPU (tape, U-Net, SegNet, Adam) against the CPU reference model
//! in f64, and the CPU reference model against finite differences.

mod common;
use lungseg::check::{compare, tolerance, CheckRow};
use lungseg::models::{Arch, Model, ModelConfig};
use lungseg::reference::model::{self as refm, Tensors};
use lungseg::rng::Rng;
use lungseg::selftest::{hostile4, to_f64};
use lungseg::step::{train_step, StepConfig};
use lungseg::tape::{dropout_seed, Mode, Tape};
use lungseg::Gpu;
use ndarray::{Array1, Array3, Array4, ArrayD, IxDyn};

fn tiny(arch: Arch, classes: usize) -> ModelConfig {
    ModelConfig { width: 4, ..ModelConfig::paper(arch, classes) }
}

fn named(list: Vec<(String, Vec<usize>, Vec<f32>)>) -> Tensors {
    list.into_iter().map(|(n, s, v)| (n, ArrayD::from_shape_vec(IxDyn(&s), v.into_iter().map(|x| x as f64).collect()).unwrap())).collect()
}

struct Batch {
    x: Array4<f32>,
    labels: Array3<u32>,
    weights: Array1<f32>,
}

fn batch(seed: u64, classes: usize) -> Batch {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (2, 1, 16, 16));
    let labels = Array3::from_shape_fn((2, 16, 16), |_| if rng.uniform() < 0.6 { 0 } else { rng.below(classes as u64) as u32 });
    let weights = Array1::from_shape_fn(classes, |c| 0.5 + c as f32);
    Batch { x, labels, weights }
}

fn upload(gpu: &Gpu, b: &Batch) -> (lungseg::Tensor, lungseg::Tensor, lungseg::Tensor) {
    (
        gpu.upload_f32("x", b.x.as_slice().unwrap(), &[2, 1, 16, 16]).unwrap(),
        gpu.upload_u32("labels", b.labels.as_slice().unwrap(), &[2, 16, 16]).unwrap(),
        gpu.upload_f32("w", b.weights.as_slice().unwrap(), &[b.weights.len()]).unwrap(),
    )
}

fn compare_named(what: &str, entry: &str, got: &Tensors, want: &Tensors) -> Vec<CheckRow> {
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{what}: the same tensors");
    got.iter()
        .map(|(name, g)| {
            let w = &want[name];
            let mut r = compare(what, entry, g.shape(), g.as_slice().unwrap(), w.as_slice().unwrap(), tolerance(entry));
            r.op = format!("{what} {name}");
            r
        })
        .collect()
}

/// GPU loss and every parameter gradient vs the CPU reference, for one batch.
fn gradients_match(arch: Arch, classes: usize) {
    let gpu = common::gpu();
    let cfg = tiny(arch, classes);
    let model = Model::new(&gpu, cfg.clone(), 7).unwrap();
    let b = batch(11 + classes as u64, classes);
    let (x, labels, weights) = upload(&gpu, &b);
    let params = named(model.params.download(&gpu).unwrap());
    let state = named(model.params.download_state(&gpu).unwrap());

    let mut tape = Tape::new(&gpu, Mode::Train, 1234);
    let xv = tape.input(x);
    let logits = model.forward(&mut tape, xv).unwrap();
    let loss = tape.cross_entropy(logits, &labels, &weights).unwrap();
    tape.backward(&loss, &model.params).unwrap();
    tape.submit();
    let got_loss = gpu.download_f32(&loss.value).unwrap()[0] as f64;
    let got = named(model.params.download_grads(&gpu).unwrap());
    let got_state = named(model.params.download_state(&gpu).unwrap());

    let want = refm::train_step(&cfg, &params, &state, &to_f64(&b.x), &b.labels, &to_f64(&b.weights), &tape.dropout_seeds);
    let mut rows = vec![compare("loss", "model_loss", &[1], &[got_loss], &[want.loss], tolerance("model_loss"))];
    rows.extend(compare_named("grad", "model_gradient", &got, &want.grads));
    if arch == Arch::SegNet {
        rows.extend(compare_named("state", "model_running_stats", &got_state, &want.state));
    }
    common::assert_rows(rows);
}

#[test]
fn unet_binary_gradients_match_reference() {
    gradients_match(Arch::UNet, 2);
}

#[test]
fn unet_four_class_gradients_match_reference() {
    gradients_match(Arch::UNet, 4);
}

#[test]
fn segnet_binary_gradients_match_reference() {
    gradients_match(Arch::SegNet, 2);
}

#[test]
fn segnet_four_class_gradients_match_reference() {
    gradients_match(Arch::SegNet, 4);
}

/// Several Adam steps on the GPU and on the CPU reference stay matched.
fn adam_steps_match(arch: Arch, classes: usize) {
    let gpu = common::gpu();
    let cfg = tiny(arch, classes);
    let mut model = Model::new(&gpu, cfg.clone(), 3).unwrap();
    let mut params = named(model.params.download(&gpu).unwrap());
    let mut state = named(model.params.download_state(&gpu).unwrap());
    let decayed: std::collections::BTreeSet<String> = model.params.entries.iter().filter(|e| e.decay).map(|e| e.name.clone()).collect();
    let (mut m, mut v) = (Tensors::new(), Tensors::new());
    let b = batch(5, classes);
    let (x, labels, weights) = upload(&gpu, &b);
    for step in 1..=3u32 {
        let sc = StepConfig { lr: 1e-3, l2: 1e-4, dropout_seed: 100 + step as u64 };
        let gl = train_step(&gpu, &mut model, &x, &labels, &weights, &sc, true).unwrap().unwrap() as f64;
        let seeds: Vec<u64> = (0..2).map(|k| dropout_seed(sc.dropout_seed, k)).collect();
        let r = refm::train_step(&cfg, &params, &state, &to_f64(&b.x), &b.labels, &to_f64(&b.weights), &seeds);
        refm::adam_step(&mut params, &r.grads, &mut m, &mut v, &|n| decayed.contains(n), sc.lr, sc.l2, step);
        state.extend(r.state);
        let got = named(model.params.download(&gpu).unwrap());
        let mut rows = vec![compare("loss", "model_loss", &[1], &[gl], &[r.loss], tolerance("model_loss"))];
        // A convolution bias that feeds batch norm has a gradient of exactly 0 (the normalisation
        // removes any constant); the GPU's is f32 rounding noise (~1e-9), and Adam, which divides
        // by sqrt(v), turns noise of any size into a full step of ±lr. Those tensors follow noise,
        // not the math, so they are compared only through the loss.
        let zero_grad = |n: &str| r.grads[n].iter().all(|g| g.abs() < 1e-12);
        let (got_c, want_c): (Tensors, Tensors) = (
            got.iter().filter(|(n, _)| !zero_grad(n)).map(|(n, t)| (n.clone(), t.clone())).collect(),
            params.iter().filter(|(n, _)| !zero_grad(n)).map(|(n, t)| (n.clone(), t.clone())).collect(),
        );
        rows.extend(compare_named(&format!("step {step}"), "model_adam_params", &got_c, &want_c));
        common::assert_rows(rows);
        // Continue the reference from the GPU's parameters so f32 rounding does not compound.
        params = got;
        state = named(model.params.download_state(&gpu).unwrap());
    }
}

#[test]
fn unet_adam_steps_match_reference() {
    adam_steps_match(Arch::UNet, 4);
}

#[test]
fn segnet_adam_steps_match_reference() {
    adam_steps_match(Arch::SegNet, 2);
}

/// Central differences of the reference model's loss on a handful of parameters of every kind.
fn reference_model_matches_finite_differences(arch: Arch, classes: usize) {
    let gpu = common::gpu();
    let cfg = tiny(arch, classes);
    let model = Model::new(&gpu, cfg.clone(), 9).unwrap();
    // Zero-initialised biases on zero (lung-masked) inputs put many pre-activations exactly on
    // ReLU's kink, where finite differences average the one-sided slopes; random biases move
    // them off it.
    let mut noise = Rng::new(4);
    let params: Tensors =
        named(model.params.download(&gpu).unwrap()).into_iter().map(|(n, t)| (n, t.mapv(|v| v + 0.05 * noise.normal()))).collect();
    let state = named(model.params.download_state(&gpu).unwrap());
    let b = batch(21, classes);
    let (x, cw) = (to_f64(&b.x), to_f64(&b.weights));
    let seeds = [dropout_seed(77, 0), dropout_seed(77, 1)];
    let r = refm::train_step(&cfg, &params, &state, &x, &b.labels, &cw, &seeds);
    let mut rng = Rng::new(1);
    let names: Vec<String> = params.keys().cloned().collect();
    for name in names.iter().filter(|n| n.starts_with("enc1") || n.starts_with("dec1") || n.starts_with("final") || n.starts_with("bridge"))
    {
        for _ in 0..2 {
            let i = rng.below(params[name].len() as u64) as usize;
            let h = 1e-6;
            let mut p = params.clone();
            p.get_mut(name).unwrap().as_slice_mut().unwrap()[i] += h;
            let lp = refm::loss(&cfg, &p, &state, &x, &b.labels, &cw, &seeds);
            p.get_mut(name).unwrap().as_slice_mut().unwrap()[i] -= 2.0 * h;
            let lm = refm::loss(&cfg, &p, &state, &x, &b.labels, &cw, &seeds);
            let num = (lp - lm) / (2.0 * h);
            let ana = r.grads[name].as_slice().unwrap()[i];
            assert!(
                (num - ana).abs() <= 1e-6 + 1e-4 * ana.abs(),
                "{arch} {name}[{i}]: finite difference {num} vs reference backward {ana}"
            );
        }
    }
}

#[test]
fn unet_reference_model_matches_finite_differences() {
    reference_model_matches_finite_differences(Arch::UNet, 4);
}

#[test]
fn segnet_reference_model_matches_finite_differences() {
    reference_model_matches_finite_differences(Arch::SegNet, 4);
}
