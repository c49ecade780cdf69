//! The exponential moving average of the weights (`--ema`): the kernel against its CPU reference,
//! the average following every optimizer step of a real model, swapping it in for inference, and
//! a training run with it resuming bit-identically with the average as its best checkpoint.

mod common;
use lungseg::data::Task;
use lungseg::kernels::ema::warmup_decay;
use lungseg::models::{Arch, Model};
use lungseg::selftest;
use lungseg::train::{self, Preset, Quiet, TrainConfig};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[test]
fn ema_update_matches_reference_inside_its_range_and_leaves_the_rest() {
    let gpu = common::gpu();
    common::assert_rows(lungseg::block_on(selftest::ema(&gpu, 402, 1000)).expect("check ran"));
    common::assert_rows(lungseg::block_on(selftest::ema(&gpu, 403, 77)).expect("check ran"));
}

#[test]
fn warmup_decay_forgets_the_initialisation_fast_then_reaches_the_decay() {
    assert!((warmup_decay(0.999, 1) - 2.0 / 11.0).abs() < 1e-7);
    assert!((warmup_decay(0.999, 90) - 0.91).abs() < 1e-6);
    assert_eq!(warmup_decay(0.99, 100_000), 0.99);
    assert!((1..2000).all(|s| warmup_decay(0.995, s) <= warmup_decay(0.995, s + 1)), "never decreasing");
}

fn flat(named: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<f64> {
    named.iter().flat_map(|(_, _, v)| v.iter().map(|&x| x as f64)).collect()
}

/// Three Adam steps of a real model with the average on: after each, the average (parameters and
/// running statistics) is the previous average moved towards the new values with the warm-up
/// decay of that step — checked against the f64 reference from the downloaded tensors.
fn average_follows_steps(arch: Arch) {
    let gpu = common::gpu();
    let cfg = TrainConfig { size: 32, width: 4, ..TrainConfig::preset(Preset::Quick, arch, Task::Binary) };
    let mut model = Model::new(&gpu, cfg.model_config().unwrap(), 5).unwrap();
    let mut enc = gpu.encoder("test");
    model.params.enable_ema(&gpu, &mut enc, 0.9).unwrap();
    gpu.submit(enc);
    let mut rng = lungseg::rng::Rng::new(5);
    let x: Vec<f32> = (0..2 * 32 * 32).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let (x, y) = (gpu.upload_f32("x", &x, &[2, 1, 32, 32]).unwrap(), gpu.upload_u32("y", &y, &[2, 32, 32]).unwrap());
    let w = gpu.upload_f32("w", &[0.5, 2.0], &[2]).unwrap();
    let read_avg = |model: &mut Model| {
        model.params.swap_ema();
        let a = (flat(&model.params.download(&gpu).unwrap()), flat(&model.params.download_state(&gpu).unwrap()));
        model.params.swap_ema();
        a
    };
    let (mut avg_p, mut avg_s) = read_avg(&mut model);
    assert_eq!(avg_p, flat(&model.params.download(&gpu).unwrap()), "the average starts at the weights");
    let mut rows = Vec::new();
    for i in 0..3u64 {
        let sc = lungseg::step::StepConfig { lr: 1e-2, l2: 1e-4, dropout_seed: i };
        lungseg::step::train_step(&gpu, &mut model, &x, &y, &w, &sc, false).unwrap();
        let d = warmup_decay(0.9, model.params.step) as f64;
        let (live_p, live_s) = (flat(&model.params.download(&gpu).unwrap()), flat(&model.params.download_state(&gpu).unwrap()));
        lungseg::reference::ema::ema_update(&live_p, &mut avg_p, d);
        lungseg::reference::ema::ema_update(&live_s, &mut avg_s, d);
        let (got_p, got_s) = read_avg(&mut model);
        let tol = lungseg::check::tolerance("ema_update");
        rows.push(lungseg::check::compare("ema", "ema_update (parameters)", &[got_p.len()], &got_p, &avg_p, tol));
        rows.push(lungseg::check::compare("ema", "ema_update (running statistics)", &[got_s.len()], &got_s, &avg_s, tol));
        assert!(got_p != live_p, "{arch}: the average must lag the weights after step {}", i + 1);
        (avg_p, avg_s) = (got_p, got_s);
    }
    common::assert_rows(rows);
    // A checkpoint written with the average swapped in (a run's best) holds the average under the
    // layer names and no optimizer state, so it cannot resume a run; and nothing restores into a
    // store while its average is swapped in.
    let path = tmp(&format!("swapped-{arch}.safetensors"));
    let extra = lungseg::checkpoint::Extra { tensors: vec![], metadata: Default::default() };
    model.params.swap_ema();
    lungseg::checkpoint::save(&gpu, &model.params, &extra, &path).unwrap();
    let average = model.params.download(&gpu).unwrap();
    let ck = lungseg::checkpoint::Loaded::open(&path).unwrap();
    let e = ck.restore(&gpu, &mut model.params).unwrap_err().to_string();
    assert!(e.contains("swapped in"), "{e}");
    model.params.swap_ema();
    for (name, _, values) in &average {
        assert_eq!(&ck.tensor(name).unwrap().1, values, "{arch}: {name} is not the average");
    }
    assert!(ck.tensor("optimizer.step").is_err() && ck.tensor("ema.enc1.conv1.weight").is_err());
    assert!(ck.restore(&gpu, &mut model.params).unwrap_err().to_string().contains("no optimizer state"));
    // Swapped in, the model computes with the average and refuses to train.
    model.params.swap_ema();
    let sc = lungseg::step::StepConfig { lr: 1e-2, l2: 1e-4, dropout_seed: 9 };
    let err = lungseg::step::train_step(&gpu, &mut model, &x, &y, &w, &sc, false).expect_err("training while swapped is refused");
    assert!(err.to_string().contains("swap it back"), "{err}");
}

#[test]
fn unet_average_follows_every_optimizer_step() {
    average_follows_steps(Arch::UNet);
}

#[test]
fn segnet_average_follows_every_optimizer_step_including_running_statistics() {
    average_follows_steps(Arch::SegNet);
}

fn tmp(name: &str) -> common::Scratch {
    common::scratch("ema", name)
}

#[test]
fn a_run_with_ema_resumes_bit_identically_and_keeps_the_average_as_its_best_model() {
    let gpu = common::gpu();
    let base = TrainConfig { val_every: 5, ..common::tiny(Arch::SegNet, Task::Binary) };
    let cfg = TrainConfig { ema: 0.9, ..base.clone() };
    let (a, b, plain) = (tmp("whole"), tmp("resumed"), tmp("plain"));
    let never = AtomicBool::new(false);
    let whole = train::train(&gpu, &cfg, &a, false, &never, &mut Quiet).unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let cut = train::train(&gpu, &cfg, &b, false, &flag, &mut common::StopAt(4, flag.clone())).unwrap();
    assert!(cut.interrupted);
    let resumed = train::train(&gpu, &cfg, &b, true, &never, &mut Quiet).unwrap();
    assert_eq!(resumed.state, whole.state);
    let open = |p: std::path::PathBuf| lungseg::checkpoint::Loaded::open(&p).unwrap();
    let (la, lb, ba, bb) = (
        open(a.join("last.safetensors")),
        open(b.join("last.safetensors")),
        open(a.join("best.safetensors")),
        open(b.join("best.safetensors")),
    );
    for name in ["enc1.conv1.weight", "enc1.bn1.running_var", "dec1.conv2.bias"] {
        let ema = format!("ema.{name}");
        assert_eq!(la.tensor(&ema).unwrap(), lb.tensor(&ema).unwrap(), "{ema} differs after resume");
        assert_eq!(la.tensor(name).unwrap(), lb.tensor(name).unwrap(), "{name} differs after resume");
        assert_eq!(ba.tensor(name).unwrap(), bb.tensor(name).unwrap(), "best {name} differs after resume");
        assert!(ba.tensor(&ema).is_err(), "the best checkpoint holds the average as the model's weights, no ema.*");
    }
    // The run's last average went into the last validation; with one epoch's worth of steps
    // the average and the weights differ.
    assert!(la.tensor("ema.enc1.conv1.weight").unwrap() != la.tensor("enc1.conv1.weight").unwrap());
    // Validation saw the average: the same run without it logs other validation losses.
    train::train(&gpu, &base, &plain, false, &never, &mut Quiet).unwrap();
    let val = |d: &std::path::Path| {
        std::fs::read_to_string(d.join("log.csv")).unwrap().lines().filter(|l| l.starts_with("val,")).map(String::from).collect::<Vec<_>>()
    };
    assert!(!val(&a).is_empty() && val(&a) != val(&plain));
    // The training steps themselves are the same with or without the average.
    assert_eq!(open(plain.join("last.safetensors")).tensor("enc1.conv1.weight").unwrap(), la.tensor("enc1.conv1.weight").unwrap());
}

#[test]
fn a_checkpoint_without_an_average_cannot_resume_a_run_that_keeps_one() {
    let gpu = common::gpu();
    let cfg = TrainConfig { size: 32, width: 4, ..TrainConfig::preset(Preset::Quick, Arch::UNet, Task::Binary) };
    let model = Model::new(&gpu, cfg.model_config().unwrap(), 3).unwrap();
    let path = tmp("no-ema.safetensors");
    let extra = lungseg::checkpoint::Extra { tensors: vec![], metadata: Default::default() };
    lungseg::checkpoint::save(&gpu, &model.params, &extra, &path).unwrap();
    let mut with = Model::new(&gpu, cfg.model_config().unwrap(), 3).unwrap();
    let mut enc = gpu.encoder("test");
    with.params.enable_ema(&gpu, &mut enc, 0.99).unwrap();
    gpu.submit(enc);
    let err = lungseg::checkpoint::Loaded::open(&path).unwrap().restore(&gpu, &mut with.params).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("no-ema.safetensors") && msg.contains("moving average") && msg.contains("--ema"), "{msg}");
    // And a decay outside (0, 1) is refused where the average is enabled and in the configuration.
    let mut enc = gpu.encoder("test");
    assert!(with.params.enable_ema(&gpu, &mut enc, 1.0).is_err());
    let bad = TrainConfig { ema: 1.0, ..cfg };
    assert!(bad.validate().unwrap_err().to_string().contains("--ema"));
}
