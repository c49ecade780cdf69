//! Training on the real shipped slices: checkpoints round-trip to identical predictions, a resumed
//! run ends with the same weights as an uninterrupted one, a short run beats the all-background
//! baseline, and prediction writes masks, overlays and severity figures.

mod common;
use lungseg::data::Task;
use lungseg::models::Arch;
use lungseg::train::{self, Preset, Progress, Quiet, TrainConfig};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lungseg-test-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn tiny(arch: Arch) -> TrainConfig {
    TrainConfig { size: 32, width: 4, epochs: 2, batch: 8, val_every: 5, ..TrainConfig::preset(Preset::Quick, arch, Task::Binary) }
}

/// Sets the stop flag at a given iteration.
struct StopAt(usize, Arc<AtomicBool>);
impl Progress for StopAt {
    fn iteration(&mut self, _e: usize, iteration: usize, _l: f32, _a: f32, _lr: f32) {
        if iteration == self.0 {
            self.1.store(true, Ordering::SeqCst);
        }
    }
}

#[test]
fn resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one() {
    let gpu = common::gpu();
    for arch in [Arch::UNet, Arch::SegNet] {
        let cfg = tiny(arch);
        let (a, b) = (tmp(&format!("whole-{arch}")), tmp(&format!("resumed-{arch}")));
        let never = AtomicBool::new(false);
        let whole = train::train(&gpu, &cfg, &a, false, &never, &mut Quiet).unwrap();
        assert!(!whole.interrupted);
        // Interrupt mid-epoch (iteration 4 of 9 + 9), then resume.
        let flag = Arc::new(AtomicBool::new(false));
        let cut = train::train(&gpu, &cfg, &b, false, &flag, &mut StopAt(4, flag.clone())).unwrap();
        assert!(cut.interrupted && cut.state.iteration == 4);
        let resumed = train::train(&gpu, &cfg, &b, true, &never, &mut Quiet).unwrap();
        assert_eq!(resumed.state, whole.state);
        let wa = lungseg::checkpoint::Loaded::open(&a.join("last.safetensors")).unwrap();
        let wb = lungseg::checkpoint::Loaded::open(&b.join("last.safetensors")).unwrap();
        let (_, ma, _) = train::load_model(&gpu, &a.join("last.safetensors")).unwrap();
        for e in &ma.params.entries {
            assert_eq!(wa.tensor(&e.name).unwrap(), wb.tensor(&e.name).unwrap(), "{arch}: {} differs after resume", e.name);
        }
        // log.csv continues rather than restarting.
        let log = std::fs::read_to_string(b.join("log.csv")).unwrap();
        assert_eq!(log.lines().filter(|l| l.starts_with("train,")).count(), whole.state.iteration);
    }
}

#[test]
fn resume_after_a_checkpoint_gap_repeats_the_lost_iterations_exactly_once() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 3, checkpoint_every: 2, ..tiny(Arch::UNet) };
    let (a, b) = (tmp("gap-whole"), tmp("gap-crashed"));
    let never = AtomicBool::new(false);
    let whole = train::train(&gpu, &cfg, &a, false, &never, &mut Quiet).unwrap();
    // A crash in epoch 3 leaves the epoch-2 checkpoint behind a log that runs past it: build that
    // state from a 2-epoch run and the uninterrupted run's log, then resume.
    train::train(&gpu, &TrainConfig { epochs: 2, ..cfg.clone() }, &b, false, &never, &mut Quiet).unwrap();
    std::fs::copy(a.join("log.csv"), b.join("log.csv")).unwrap();
    let resumed = train::train(&gpu, &cfg, &b, true, &never, &mut Quiet).unwrap();
    assert_eq!(resumed.state, whole.state);
    assert_eq!(std::fs::read_to_string(b.join("log.csv")).unwrap(), std::fs::read_to_string(a.join("log.csv")).unwrap());
    let (wa, wb) = (
        lungseg::checkpoint::Loaded::open(&a.join("last.safetensors")).unwrap(),
        lungseg::checkpoint::Loaded::open(&b.join("last.safetensors")).unwrap(),
    );
    assert_eq!(wa.tensor("enc1.conv1.weight").unwrap(), wb.tensor("enc1.conv1.weight").unwrap());
    // run.json: where and how long; a resume adds a session and its time.
    let (ra, rb): (train::RunRecord, train::RunRecord) =
        (train::read_json(&a.join("run.json")).unwrap(), train::read_json(&b.join("run.json")).unwrap());
    assert_eq!((ra.sessions, ra.epochs, rb.sessions, rb.epochs), (1, 3, 2, 3));
    assert!(ra.adapter == gpu.adapter_name() && ra.train_seconds > 0.0 && rb.train_seconds > 0.0);
}

#[test]
fn checkpoint_round_trip_gives_identical_predictions() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 1, ..tiny(Arch::SegNet) };
    let dir = tmp("roundtrip");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let r1 = train::evaluate_run(&gpu, &dir, "test").unwrap();
    let r2 = train::evaluate_run(&gpu, &dir, "test").unwrap();
    assert_eq!(r1.confusion, r2.confusion);
    // Loading into a fresh model reproduces the logits bit for bit.
    let (cfg2, m1, ck) = train::load_model(&gpu, &dir).unwrap();
    let (_, m2, _) = train::load_model(&gpu, &dir.join("best.safetensors")).unwrap();
    assert_eq!(cfg2, cfg);
    let x = gpu.upload_f32("x", &vec![0.3; 32 * 32], &[1, 1, 32, 32]).unwrap();
    let l1 = gpu.download_f32(&lungseg::step::infer(&gpu, &m1, &x).unwrap()).unwrap();
    let l2 = gpu.download_f32(&lungseg::step::infer(&gpu, &m2, &x).unwrap()).unwrap();
    assert_eq!(l1, l2);
    assert!(ck.tensor("enc1.conv1.weight").unwrap().0 == vec![4, 1, 3, 3], "PyTorch OIHW layout under the layer name");
}

#[test]
fn short_run_beats_the_all_background_baseline_and_predicts() {
    let gpu = common::gpu();
    let cfg = TrainConfig {
        size: 64,
        width: 8,
        epochs: 6,
        batch: 4,
        lr: 3e-3,
        val_every: 18,
        ..TrainConfig::preset(Preset::Quick, Arch::UNet, Task::Binary)
    };
    let dir = tmp("short");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let report = train::evaluate_run(&gpu, &dir, "test").unwrap();
    println!("{}", report.table());
    // Predicting background everywhere scores Dice 0 on the infection class.
    let dice = report.classes[1].dice.unwrap();
    assert!(dice > 0.2, "infection Dice {dice} after a short run");
    assert!(dir.join("metrics.json").exists() && dir.join("split.json").exists() && dir.join("config.json").exists());

    // Prediction on two shipped PNG slices.
    let input = tmp("predict-in");
    std::fs::create_dir_all(&input).unwrap();
    for n in ["i045.png", "i046.png"] {
        std::fs::copy(lungseg::data::shipped_dir().join("im/256").join(n), input.join(n)).unwrap();
    }
    let out = tmp("predict-out");
    let rows = lungseg::predict::predict(&gpu, &dir, &input, &out, &lungseg::predict::PredictOptions { lungs: None, probabilities: true })
        .unwrap();
    assert_eq!(rows.len(), 2);
    let mask = lungseg::data::read_png_gray(&out.join("i045_mask.png")).unwrap();
    assert_eq!((mask.height, mask.width), (256, 256));
    assert!(mask.pixels.iter().all(|&v| v == 0 || v == 255));
    assert!(out.join("i045_overlay.png").exists() && out.join("i046_prob.npy").exists());
    let sev = std::fs::read_to_string(out.join("severity.csv")).unwrap();
    assert!(sev.lines().count() == 4 && sev.contains("total"), "{sev}");
}

#[test]
fn predict_writes_a_nifti_mask_with_the_inputs_header() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 1, ..tiny(Arch::UNet) };
    let dir = tmp("nifti-model");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    // A small HU volume (3 slices of 40 × 48).
    let input = tmp("nifti-in");
    std::fs::create_dir_all(&input).unwrap();
    let vol = ndarray::Array3::from_shape_fn((40, 48, 3), |(i, j, k)| -1000.0 + (i * 10 + j * 3 + k * 50) as f32);
    let path = input.join("ct.nii.gz");
    nifti::writer::WriterOptions::new(&path).write_nifti(&vol).unwrap();
    let out = tmp("nifti-out");
    let rows = lungseg::predict::predict(&gpu, &dir, &path, &out, &lungseg::predict::PredictOptions { lungs: None, probabilities: false })
        .unwrap();
    assert_eq!(rows.len(), 3);
    let mask = lungseg::data::read_nifti(&out.join("ct_mask.nii.gz")).unwrap();
    assert_eq!(mask.data.dim(), (40, 48, 3));
    assert!(mask.data.iter().all(|&v| v == 0.0 || v == 1.0));
    assert!(out.join("ct_z002_overlay.png").exists());
}

#[test]
fn a_diverging_loss_stops_training_with_a_clear_message() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 2, lr: 1e30, ..tiny(Arch::UNet) };
    let dir = tmp("nan");
    let err = train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).err().expect("the loss must diverge").to_string();
    assert!(err.contains("loss became") && err.contains("--lr"), "{err}");
}
