//! The autodiff tape: gradients of a value used twice add up (both through the concat path and
//! through the general accumulation), fresh tapes are deterministic, nothing leaks across steps,
//! and a tiny U-Net overfits two real MedSeg slices.

mod common;
use lungseg::check::{compare, tolerance};
use lungseg::data::{load_medseg, shipped_dir, Task};
use lungseg::models::{Arch, Model, ModelConfig};
use lungseg::params::{Init, ParamSpec};
use lungseg::reference::{concat as rc, conv2d as rconv, cross_entropy as rce, relu as rrelu};
use lungseg::rng::Rng;
use lungseg::selftest::{hostile4, to_f64};
use lungseg::step::{train_step, StepConfig};
use lungseg::tape::{Mode, Tape};
use ndarray::{Array1, Array3, Array4, Ix4};

#[test]
fn a_value_used_twice_sums_both_gradients() {
    // h = conv3x3(x); a = relu(h); b = conv1x1(h); logits = conv1x1([a, b]); h feeds two ops,
    // and [a, b] ... so dh = relu'(h)·da + W3ᵀ·db must add two contributions.
    let gpu = common::gpu();
    let mut spec = ParamSpec::default();
    spec.param("c1.weight", &[2, 1, 3, 3], true, Init::He { fan_in: 9 });
    spec.param("c1.bias", &[2], false, Init::Zeros);
    spec.param("c3.weight", &[2, 2, 1, 1], true, Init::He { fan_in: 2 });
    spec.param("c2.weight", &[3, 4, 1, 1], true, Init::He { fan_in: 4 });
    let params = spec.build(&gpu, 5).unwrap();
    let id = |n: &str| params.id(n).unwrap();
    let mut rng = Rng::new(3);
    let x = hostile4(&mut rng, (2, 1, 5, 7));
    let labels = Array3::from_shape_fn((2, 5, 7), |_| rng.below(3) as u32);
    let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 1, 5, 7]).unwrap();
    let lt = gpu.upload_u32("labels", labels.as_slice().unwrap(), &[2, 5, 7]).unwrap();
    let wt = gpu.upload_f32("w", &[1.0, 2.0, 0.5], &[3]).unwrap();

    let mut tape = Tape::new(&gpu, Mode::Train, 0);
    let xv = tape.input(xt);
    let h = tape.conv2d(&params, xv, id("c1.weight"), Some(id("c1.bias"))).unwrap();
    let a = tape.relu(h).unwrap();
    let b = tape.conv2d(&params, h, id("c3.weight"), None).unwrap();
    let cat = tape.concat(a, b).unwrap();
    let logits = tape.conv2d(&params, cat, id("c2.weight"), None).unwrap();
    let loss = tape.cross_entropy(logits, &lt, &wt).unwrap();
    tape.backward(&loss, &params).unwrap();
    tape.submit();
    let got: Vec<f64> = gpu.download_f32(&params.grad(id("c1.weight")).unwrap()).unwrap().iter().map(|&v| v as f64).collect();

    // Reference by hand.
    let p = |n: &str| {
        to_f64(
            &ndarray::ArrayD::from_shape_vec(
                params.entries[id(n).0].shape.clone(),
                gpu.download_f32(&params.value(id(n)).unwrap()).unwrap(),
            )
            .unwrap()
            .into_dimensionality::<Ix4>()
            .unwrap(),
        )
    };
    let (w1, w3, w2) = (p("c1.weight"), p("c3.weight"), p("c2.weight"));
    let b1 = Array1::zeros(2);
    let x64 = to_f64(&x);
    let hh = rconv::conv2d_forward(x64.view(), w1.view(), Some(b1.view()));
    let aa: Array4<f64> = rrelu::relu_forward(hh.view().into_dyn()).into_dimensionality().unwrap();
    let bb = rconv::conv2d_forward(hh.view(), w3.view(), None);
    let cc = rc::concat_forward(aa.view(), bb.view());
    let ll = rconv::conv2d_forward(cc.view(), w2.view(), None);
    let cw = Array1::from_vec(vec![1.0, 2.0, 0.5]);
    let gl = rce::cross_entropy_backward(ll.view(), labels.view(), cw.view());
    let gc = rconv::conv2d_backward_input(gl.view(), w2.view());
    let (ga, gb) = rc::concat_backward(gc.view(), 2);
    let gh_relu: Array4<f64> = rrelu::relu_backward(hh.view().into_dyn(), ga.view().into_dyn()).into_dimensionality().unwrap();
    let gh_conv = rconv::conv2d_backward_input(gb.view(), w3.view());
    let want = rconv::conv2d_backward_weight(x64.view(), (&gh_relu + &gh_conv).view(), 3);
    common::assert_rows(vec![compare(
        "tape",
        "model_gradient",
        &[2, 1, 3, 3],
        &got,
        want.as_slice().unwrap(),
        tolerance("model_gradient"),
    )]);
    // Either contribution alone is measurably different, so the check can fail.
    let only_one = rconv::conv2d_backward_weight(x64.view(), gh_relu.view(), 3);
    assert!(!compare("tape", "model_gradient", &[18], &got, only_one.as_slice().unwrap(), tolerance("model_gradient")).passed());
}

fn tiny_unet(gpu: &lungseg::Gpu, seed: u64) -> Model {
    Model::new(gpu, ModelConfig { width: 8, dropout: 0.0, ..ModelConfig::paper(Arch::UNet, 2) }, seed).unwrap()
}

#[test]
fn fresh_tapes_give_identical_gradients_and_nothing_leaks() {
    let gpu = common::gpu();
    let mut model = tiny_unet(&gpu, 1);
    let mut rng = Rng::new(8);
    let x = hostile4(&mut rng, (2, 1, 32, 32));
    let labels: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 1, 32, 32]).unwrap();
    let lt = gpu.upload_u32("labels", &labels, &[2, 32, 32]).unwrap();
    let wt = gpu.upload_f32("w", &[1.0, 3.0], &[2]).unwrap();
    let grads = |model: &Model| {
        let mut tape = Tape::new(&gpu, Mode::Train, 0);
        let xv = tape.input(xt.clone());
        let logits = model.forward(&mut tape, xv).unwrap();
        let loss = tape.cross_entropy(logits, &lt, &wt).unwrap();
        tape.backward(&loss, &model.params).unwrap();
        tape.submit();
        (gpu.download_f32(&loss.value).unwrap(), gpu.download_f32(&model.params.grads).unwrap())
    };
    let first = grads(&model);
    let second = grads(&model);
    assert_eq!(first, second, "two fresh tapes on the same batch must agree bit for bit");

    let cfg = StepConfig { lr: 1e-3, l2: 1e-4, dropout_seed: 0 };
    let mut counts = Vec::new();
    for _ in 0..5 {
        train_step(&gpu, &mut model, &xt, &lt, &wt, &cfg, true).unwrap();
        counts.push((gpu.live_buffers(), gpu.created_buffers(), gpu.created_staging_buffers()));
    }
    // No allocation per step after the first: tensors from the pool, the statistics read-back's
    // staging buffer from the staging pool.
    assert!(counts[1..].iter().all(|c| *c == counts[1]), "live / created / staging buffers per step: {counts:?}");
}

#[test]
fn same_seed_gives_bit_identical_parameters_and_losses() {
    let gpu = common::gpu();
    let mut rng = Rng::new(21);
    let x = hostile4(&mut rng, (2, 1, 32, 32));
    let labels: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 1, 32, 32]).unwrap();
    let lt = gpu.upload_u32("labels", &labels, &[2, 32, 32]).unwrap();
    let wt = gpu.upload_f32("w", &[1.0, 3.0], &[2]).unwrap();
    // Three training steps (dropout on: the paper's U-Net has it) from a seed: the losses of every
    // step and the final parameters.
    let run = |seed: u64| {
        let mut model = Model::new(&gpu, ModelConfig { width: 8, ..ModelConfig::paper(Arch::UNet, 2) }, seed).unwrap();
        let losses: Vec<f32> = (0..3)
            .map(|i| {
                let cfg = StepConfig { lr: 1e-3, l2: 1e-4, dropout_seed: seed + i };
                train_step(&gpu, &mut model, &xt, &lt, &wt, &cfg, true).unwrap().unwrap()
            })
            .collect();
        (losses, gpu.download_f32(&model.params.values).unwrap())
    };
    let (a, b, c) = (run(42), run(42), run(43));
    assert!(a.0.iter().all(|l| l.is_finite()) && a.0[0] != a.0[2], "the losses must move: {:?}", a.0);
    assert_eq!(a.0, b.0, "losses of equal seeds");
    assert!(a.1 == b.1, "parameters of equal seeds differ");
    assert_ne!(a.0, c.0, "another seed, other losses");
    assert!(a.1 != c.1, "another seed, other parameters");
}

#[test]
fn tiny_unet_overfits_two_real_slices() {
    let gpu = common::gpu();
    let slices = load_medseg(&shipped_dir(), Task::Binary).unwrap();
    // Two slices with plenty of infection.
    let mut chosen: Vec<_> =
        slices.iter().filter(|s| s.labels.iter().filter(|&&l| l == 1).count() > 2000).take(2).map(|s| s.resized(64)).collect();
    assert_eq!(chosen.len(), 2);
    let images: Vec<f32> = chosen.iter().flat_map(|s| s.image.iter().copied()).collect();
    let labels: Vec<u32> = chosen.drain(..).flat_map(|s| s.labels).collect();
    let xt = gpu.upload_f32("x", &images, &[2, 1, 64, 64]).unwrap();
    let lt = gpu.upload_u32("labels", &labels, &[2, 64, 64]).unwrap();
    let wt = gpu.upload_f32("w", &[1.0, 1.0], &[2]).unwrap();
    let mut model = tiny_unet(&gpu, 7);
    let cfg = StepConfig { lr: 1e-2, l2: 0.0, dropout_seed: 0 };
    let first = train_step(&gpu, &mut model, &xt, &lt, &wt, &cfg, true).unwrap().unwrap();
    let mut last = first;
    for _ in 0..149 {
        last = train_step(&gpu, &mut model, &xt, &lt, &wt, &cfg, true).unwrap().unwrap();
    }
    println!("loss {first} → {last}");
    assert!(last.is_finite() && last * 10.0 < first, "loss {first} → {last}: not a 10× decrease");
}

/// The fused conv + ReLU gives bit-identical activations and gradients to conv2d followed by relu
/// (the epilogue is the same select, and the backward mask y > 0 equals x > 0).
#[test]
fn fused_conv_relu_is_bit_identical_to_conv_then_relu() {
    let gpu = common::gpu();
    let mut spec = ParamSpec::default();
    spec.param("c1.weight", &[19, 3, 3, 3], true, Init::He { fan_in: 27 });
    spec.param("c1.bias", &[19], false, Init::He { fan_in: 27 });
    spec.param("c2.weight", &[3, 19, 1, 1], true, Init::He { fan_in: 19 });
    let mut rng = Rng::new(11);
    let x = hostile4(&mut rng, (2, 3, 9, 12));
    let labels = Array3::from_shape_fn((2, 9, 12), |_| rng.below(3) as u32);
    let run = |fused: bool| {
        let params = spec.build(&gpu, 9).unwrap();
        let id = |n: &str| params.id(n).unwrap();
        let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 3, 9, 12]).unwrap();
        let lt = gpu.upload_u32("labels", labels.as_slice().unwrap(), &[2, 9, 12]).unwrap();
        let wt = gpu.upload_f32("w", &[1.0, 2.0, 0.5], &[3]).unwrap();
        let mut tape = Tape::new(&gpu, Mode::Train, 0);
        let xv = tape.input(xt);
        let a = if fused {
            tape.conv2d_relu(&params, xv, id("c1.weight"), Some(id("c1.bias"))).unwrap()
        } else {
            let h = tape.conv2d(&params, xv, id("c1.weight"), Some(id("c1.bias"))).unwrap();
            tape.relu(h).unwrap()
        };
        let activation = tape.value(a).unwrap().clone();
        let logits = tape.conv2d(&params, a, id("c2.weight"), None).unwrap();
        let loss = tape.cross_entropy(logits, &lt, &wt).unwrap();
        tape.backward(&loss, &params).unwrap();
        tape.submit();
        let bits = |t: &lungseg::Tensor| gpu.download_f32(t).unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        (bits(&activation), bits(&params.grad(id("c1.weight")).unwrap()), bits(&params.grad(id("c1.bias")).unwrap()))
    };
    let (fused, separate) = (run(true), run(false));
    assert!(fused.0.contains(&0) && fused.0.iter().any(|&b| f32::from_bits(b) > 0.0), "the ReLU must clip something");
    assert_eq!(fused.0, separate.0, "activations");
    assert_eq!(fused.1, separate.1, "weight gradient");
    assert_eq!(fused.2, separate.2, "bias gradient");
}

/// The fused batch norm + ReLU (SegNet) gives bit-identical activations and gradients to
/// batch_norm followed by relu, in training and in inference.
#[test]
fn fused_batch_norm_relu_is_bit_identical_to_batch_norm_then_relu() {
    let gpu = common::gpu();
    let mut spec = ParamSpec::default();
    spec.param("c1.weight", &[5, 2, 3, 3], true, Init::He { fan_in: 18 });
    spec.param("bn.weight", &[5], false, Init::He { fan_in: 1 });
    spec.param("bn.bias", &[5], false, Init::He { fan_in: 1 });
    spec.state("bn.running_mean", &[5], Init::Zeros);
    spec.state("bn.running_var", &[5], Init::Ones);
    spec.param("c2.weight", &[3, 5, 1, 1], true, Init::He { fan_in: 5 });
    let mut rng = Rng::new(12);
    let x = hostile4(&mut rng, (3, 2, 7, 9));
    let labels = Array3::from_shape_fn((3, 7, 9), |_| rng.below(3) as u32);
    let run = |fused: bool, mode: Mode| {
        let params = spec.build(&gpu, 4).unwrap();
        let id = |n: &str| params.id(n).unwrap();
        let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[3, 2, 7, 9]).unwrap();
        let lt = gpu.upload_u32("labels", labels.as_slice().unwrap(), &[3, 7, 9]).unwrap();
        let wt = gpu.upload_f32("w", &[1.0, 2.0, 0.5], &[3]).unwrap();
        let mut tape = Tape::new(&gpu, mode, 0);
        let xv = tape.input(xt);
        let h = tape.conv2d(&params, xv, id("c1.weight"), None).unwrap();
        let a = if fused {
            tape.batch_norm_relu(&params, h, "bn").unwrap()
        } else {
            let b = tape.batch_norm(&params, h, "bn").unwrap();
            tape.relu(b).unwrap()
        };
        let activation = tape.value(a).unwrap().clone();
        let bits = |t: &lungseg::Tensor| gpu.download_f32(t).unwrap().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        if mode == Mode::Infer {
            tape.submit();
            return (bits(&activation), Vec::new(), Vec::new());
        }
        let logits = tape.conv2d(&params, a, id("c2.weight"), None).unwrap();
        let loss = tape.cross_entropy(logits, &lt, &wt).unwrap();
        tape.backward(&loss, &params).unwrap();
        tape.submit();
        (bits(&activation), bits(&params.grad(id("bn.weight")).unwrap()), bits(&params.grad(id("c1.weight")).unwrap()))
    };
    for mode in [Mode::Train, Mode::Infer] {
        let (fused, separate) = (run(true, mode), run(false, mode));
        assert!(fused.0.contains(&0) && fused.0.iter().any(|&b| f32::from_bits(b) > 0.0), "the ReLU must clip something");
        assert_eq!(fused, separate, "{mode:?}");
    }
}

#[test]
fn tape_misuse_is_a_typed_error_not_a_panic() {
    let gpu = common::gpu();
    let model = tiny_unet(&gpu, 3);
    let p = &model.params;
    let mut tape = Tape::new(&gpu, Mode::Train, 0);
    let flat = tape.input(gpu.upload_f32("flat", &[1.0; 12], &[3, 4]).unwrap());
    let w = p.id("enc1.conv1.weight").unwrap();
    for (what, err) in [
        ("conv2d", tape.conv2d(p, flat, w, None).err()),
        ("max_pool", tape.max_pool(flat).err()),
        ("concat", tape.concat(flat, flat).err()),
    ] {
        let e = err.unwrap_or_else(|| panic!("{what} of a 2-D value must fail"));
        assert!(matches!(e, lungseg::Error::Shape { .. }) && e.to_string().contains("[3, 4]"), "{what}: {e}");
    }
    let mut other = Tape::new(&gpu, Mode::Train, 0);
    let x = other.input(gpu.upload_f32("x", &[0.5; 16], &[1, 1, 4, 4]).unwrap());
    let foreign = lungseg::tape::Var(x.0 + 5);
    assert!(tape.value(foreign).is_err(), "value() of a Var of another tape");
    let e = tape.relu(foreign).expect_err("a Var of another tape");
    assert!(e.to_string().contains("not a value of this tape"), "{e}");
}

/// Where a fused ReLU's output is read by one convolution only, that convolution's backward-input
/// pass applies the ReLU's backward as it stores dx, and where batch norm + ReLU feeds anything
/// else, the first batch-norm backward pass masks dy in place: the paper's U-Net runs 6 ReLU
/// backward passes per training step (the two after its up-convolutions, and the four activations
/// that feed a skip connection, a dropout or an up-convolution) instead of 12, SegNet none instead
/// of 11 (5 masked in place: the activations that feed a pooling or unpooling layer).
#[test]
fn relu_backward_passes_are_fused_where_one_convolution_reads_the_activation() {
    let gpu = common::gpu();
    for (arch, relu_passes, in_place) in [(Arch::UNet, 6, 0), (Arch::SegNet, 0, 5)] {
        let model = Model::new(&gpu, ModelConfig { width: 8, ..ModelConfig::paper(arch, 2) }, 3).unwrap();
        let mut rng = Rng::new(9);
        let x = hostile4(&mut rng, (2, 1, 32, 32));
        let labels: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
        let xt = gpu.upload_f32("x", x.as_slice().unwrap(), &[2, 1, 32, 32]).unwrap();
        let lt = gpu.upload_u32("labels", &labels, &[2, 32, 32]).unwrap();
        let wt = gpu.upload_f32("w", &[1.0, 3.0], &[2]).unwrap();
        let mut tape = Tape::new(&gpu, Mode::Train, 0);
        let xv = tape.input(xt);
        let logits = model.forward(&mut tape, xv).unwrap();
        let loss = tape.cross_entropy(logits, &lt, &wt).unwrap();
        let ((), d) = gpu.record_dispatches(|| tape.backward(&loss, &model.params)).unwrap();
        tape.submit();
        let count = |prefix: &str| d.iter().filter(|d| d.entry.starts_with(prefix)).count();
        assert_eq!(count("relu_backward"), relu_passes, "{arch}: ReLU backward passes");
        assert_eq!(count("batch_norm_relu_backward_reduce"), in_place, "{arch}: batch-norm passes masking dy in place");
    }
}
