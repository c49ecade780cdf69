//! Training on the real shipped slices: checkpoints round-trip to identical predictions, a resumed
//! run ends with the same weights as an uninterrupted one, a short run beats the all-background
//! baseline, and prediction writes masks, overlays and severity figures.

mod common;
use lungseg::config::{Overrides, SELECTION_DICE_DECAY};
use lungseg::data::Task;
use lungseg::evaluate::{evaluate_run, load_model};
use lungseg::models::Arch;
use lungseg::run_dir::{read_json, RunRecord};
use lungseg::train::{self, Preset, Quiet, Selection, TrainConfig};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn tmp(name: &str) -> common::Scratch {
    common::scratch("train", name)
}

fn tiny(arch: Arch) -> TrainConfig {
    TrainConfig { val_every: 5, ..common::tiny(arch, Task::Binary) }
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
        let cut = train::train(&gpu, &cfg, &b, false, &flag, &mut common::StopAt(4, flag.clone())).unwrap();
        assert!(cut.interrupted && cut.state.iteration == 4);
        let resumed = train::train(&gpu, &cfg, &b, true, &never, &mut Quiet).unwrap();
        assert_eq!(resumed.state, whole.state);
        let wa = lungseg::checkpoint::Loaded::open(&a.join("last.safetensors")).unwrap();
        let wb = lungseg::checkpoint::Loaded::open(&b.join("last.safetensors")).unwrap();
        let ma = load_model(&gpu, &a.join("last.safetensors"), None).unwrap().model;
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
    let (ra, rb): (RunRecord, RunRecord) = (read_json(&a.join("run.json")).unwrap(), read_json(&b.join("run.json")).unwrap());
    assert_eq!((ra.sessions, ra.epochs, rb.sessions, rb.epochs), (1, 3, 2, 3));
    assert!(ra.adapter == gpu.adapter_name() && ra.train_seconds > 0.0 && rb.train_seconds > 0.0);
}

/// A model whose weights, running statistics and Adam moments have moved away from their
/// initialisation (three training steps on random data).
fn trained_model(gpu: &lungseg::Gpu, arch: Arch, seed: u64) -> lungseg::models::Model {
    let cfg = tiny(arch);
    let mut model = lungseg::models::Model::new(gpu, cfg.model_config().unwrap(), seed).unwrap();
    let mut rng = lungseg::rng::Rng::new(seed);
    let x: Vec<f32> = (0..2 * 32 * 32).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..2 * 32 * 32).map(|_| rng.below(2) as u32).collect();
    let (x, y) = (gpu.upload_f32("x", &x, &[2, 1, 32, 32]).unwrap(), gpu.upload_u32("y", &y, &[2, 32, 32]).unwrap());
    let w = gpu.upload_f32("w", &[0.5, 2.0], &[2]).unwrap();
    for i in 0..3 {
        let sc = lungseg::step::StepConfig { lr: 1e-2, l2: 1e-4, dropout_seed: i };
        lungseg::step::train_step(gpu, &mut model, &x, &y, &w, &sc, false).unwrap();
    }
    model
}

fn logits(gpu: &lungseg::Gpu, model: &lungseg::models::Model) -> Vec<f32> {
    let x: Vec<f32> = (0..32 * 32).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
    let x = gpu.upload_f32("x", &x, &[1, 1, 32, 32]).unwrap();
    gpu.download_f32(&lungseg::step::infer(gpu, model, &x).unwrap()).unwrap()
}

#[test]
fn checkpoint_round_trip_restores_the_saved_model_exactly() {
    let gpu = common::gpu();
    for arch in [Arch::UNet, Arch::SegNet] {
        let saved = trained_model(&gpu, arch, 11);
        let path = tmp(&format!("roundtrip-{arch}.safetensors"));
        let extra = lungseg::checkpoint::Extra { tensors: vec![], metadata: Default::default() };
        lungseg::checkpoint::save(&gpu, &saved.params, &extra, &path).unwrap();
        // A model from another seed differs until the checkpoint is loaded into it.
        let mut fresh = lungseg::models::Model::new(&gpu, saved.config.clone(), 99).unwrap();
        assert!(logits(&gpu, &fresh) != logits(&gpu, &saved), "{arch}: the test needs a model that differs before loading");
        let ck = lungseg::checkpoint::Loaded::open(&path).unwrap();
        ck.restore(&gpu, &mut fresh.params).unwrap();
        assert!(logits(&gpu, &fresh) == logits(&gpu, &saved), "{arch}: logits differ after the round trip");
        assert_eq!(fresh.params.download(&gpu).unwrap(), saved.params.download(&gpu).unwrap(), "{arch}: parameters");
        assert_eq!(fresh.params.download_state(&gpu).unwrap(), saved.params.download_state(&gpu).unwrap(), "{arch}: running statistics");
        assert_eq!(gpu.download_f32(&fresh.params.m).unwrap(), gpu.download_f32(&saved.params.m).unwrap(), "{arch}: Adam m");
        assert_eq!(gpu.download_f32(&fresh.params.v).unwrap(), gpu.download_f32(&saved.params.v).unwrap(), "{arch}: Adam v");
        assert_eq!((fresh.params.step, saved.params.step), (3, 3));
        assert_eq!(ck.tensor("enc1.conv1.weight").unwrap().0, vec![4, 1, 3, 3], "PyTorch OIHW layout under the layer name");
    }
}

#[test]
fn a_weights_only_file_predicts_like_the_model_but_cannot_resume() {
    let gpu = common::gpu();
    let saved = trained_model(&gpu, Arch::SegNet, 5);
    let path = tmp("weights-only.safetensors");
    let extra = lungseg::checkpoint::Extra { tensors: vec![], metadata: Default::default() };
    lungseg::checkpoint::save_weights(&gpu, &saved.params, &extra, &path).unwrap();
    let ck = lungseg::checkpoint::Loaded::open(&path).unwrap();
    assert!(ck.tensor("optimizer.step").is_err() && ck.tensor("optimizer.m.enc1.conv1.weight").is_err());
    // No lungseg metadata: the caller says which network it is (as `predict --model ...` does).
    let err = load_model(&gpu, &path, None).err().expect("a file without a configuration needs one").to_string();
    assert!(err.contains("no lungseg configuration") && err.contains("--model"), "{err}");
    let cfg = TrainConfig { normalization: lungseg::data::Normalization::None, ..tiny(Arch::SegNet) };
    let t = load_model(&gpu, &path, Some(&cfg)).unwrap();
    assert!(logits(&gpu, &t.model) == logits(&gpu, &saved), "weights-only logits differ");
    // Resuming needs the optimizer state.
    let mut m = lungseg::models::Model::new(&gpu, saved.config.clone(), 1).unwrap();
    let err = ck.restore(&gpu, &mut m.params).expect_err("weights only cannot resume").to_string();
    assert!(err.contains("no optimizer state"), "{err}");
    // A network of another shape is refused, naming the tensor.
    let wider = TrainConfig { width: 8, ..cfg.clone() };
    let err = load_model(&gpu, &path, Some(&wider)).err().expect("shape mismatch").to_string();
    assert!(err.contains("enc1.conv1.weight") && err.contains("[4, 1, 3, 3]"), "{err}");
}

#[test]
fn exported_weights_evaluate_like_the_run() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 1, ..tiny(Arch::SegNet) };
    let dir = tmp("export");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let run = load_model(&gpu, &dir, None).unwrap();
    assert_eq!(run.cfg, cfg);
    let file = train::export_weights(&gpu, &dir, &dir.join("model.safetensors")).unwrap();
    let exported = load_model(&gpu, &file, None).unwrap();
    assert_eq!(exported.cfg, cfg);
    assert_eq!(exported.preprocessor, run.preprocessor, "the mean image travels with the weights");
    assert!(exported.preprocessor.mean_image.is_some());
    assert!(logits(&gpu, &exported.model) == logits(&gpu, &run.model), "exported logits differ");
    assert!(lungseg::checkpoint::Loaded::open(&file).unwrap().tensor("optimizer.step").is_err());
    let r1 = evaluate_run(&gpu, &dir, "test").unwrap();
    let r2 = evaluate_run(&gpu, &dir, "test").unwrap();
    assert_eq!(r1.confusion, r2.confusion);
}

#[test]
fn a_resume_refuses_what_cannot_change_and_applies_what_can() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 2, ..tiny(Arch::UNet) };
    let dir = tmp("resume-rules");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let stored: TrainConfig = read_json(&dir.join("config.json")).unwrap();
    assert_eq!(stored, cfg);
    // --lr and --batch used to be dropped silently on resume.
    let o = Overrides { lr: Some(1e-4), batch: Some(2), epochs: Some(3), ..Default::default() };
    let err = train::resume_config(&dir, &stored, &o).expect_err("lr and batch cannot change").to_string();
    assert!(err.contains("--lr (the run has 0.002") && err.contains("--batch (the run has 8") && !err.contains("--epochs ("), "{err}");
    // The same values as stored are not changes.
    let same = Overrides { lr: Some(cfg.lr), batch: Some(cfg.batch), epochs: Some(3), ..Default::default() };
    let more = train::resume_config(&dir, &stored, &same).unwrap();
    assert_eq!(more, TrainConfig { epochs: 3, ..cfg.clone() });
    // The split seed is the seed when not set apart: naming it is no change; another is refused.
    let split = Overrides { split_seed: Some(cfg.seed), epochs: Some(3), ..Default::default() };
    assert_eq!(train::resume_config(&dir, &stored, &split).unwrap(), more);
    let other = Overrides { split_seed: Some(cfg.seed + 1), ..Default::default() };
    let err = train::resume_config(&dir, &stored, &other).unwrap_err().to_string();
    assert!(err.contains("--split-seed (the run has 1, asked for 2)"), "{err}");
    let err = train::resume_config(&dir, &stored, &Overrides { epochs: Some(1), ..Default::default() }).err().unwrap().to_string();
    assert!(err.contains("--epochs 1") && err.contains("2 epochs"), "{err}");
    // train() itself refuses a configuration that differs beyond what a resume may change.
    let err = train::train(&gpu, &TrainConfig { lr: 1e-4, ..cfg.clone() }, &dir, true, &AtomicBool::new(false), &mut Quiet)
        .err()
        .expect("train checks the resumed configuration")
        .to_string();
    assert!(err.contains("resume"), "{err}");
    let err = train::train(
        &gpu,
        &TrainConfig { split_seed: Some(cfg.seed + 1), ..more.clone() },
        &dir,
        true,
        &AtomicBool::new(false),
        &mut Quiet,
    )
    .err()
    .expect("another split seed is another run")
    .to_string();
    assert!(err.contains("split_seed (the run has none, asked for 2)"), "{err}");
    // A library caller naming the split seed the run has (the seed) continues it, and the run
    // keeps storing its configuration in one form.
    let named = TrainConfig { split_seed: Some(cfg.seed), ..more.clone() };
    let out = train::train(&gpu, &named, &dir, true, &AtomicBool::new(false), &mut Quiet).unwrap();
    assert_eq!(out.state.epoch, 3);
    assert_eq!(read_json::<TrainConfig>(&dir.join("config.json")).unwrap(), more);
}

/// A run resumed from another folder of the same slices (the data moved, or the shipped copy named
/// with `--data`) continues, and is evaluated there; a folder of other slices (one mask, or one
/// image, swapped) is refused, so are slices changed in place, and a run that stored no
/// fingerprint of its slices cannot move.
#[test]
fn a_resume_from_another_folder_checks_the_slices_by_content() {
    use lungseg::config::DataSource;
    let gpu = common::gpu();
    let (first_dir, moved, other) = (tmp("first-data"), tmp("moved-data"), tmp("other-data"));
    let first = first_dir.to_path_buf();
    common::copy_shipped_slices(&first);
    let cfg = TrainConfig { epochs: 1, data: DataSource::Png { dir: first.clone() }, ..tiny(Arch::UNet) };
    let dir = tmp("resume-moved");
    train::train(&gpu, &cfg, &dir, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let split: serde_json::Value = read_json(&dir.join("split.json")).unwrap();
    let fingerprint = split["data_fingerprint"].as_str().expect("the run stores its slices' fingerprint").to_string();
    let resume = |data: &std::path::Path, epochs| {
        let data = DataSource::Png { dir: data.to_path_buf() };
        train::train(&gpu, &TrainConfig { epochs, data, ..cfg.clone() }, &dir, true, &AtomicBool::new(false), &mut Quiet)
    };
    // Other slices: one mask swapped, then one image swapped.
    common::copy_shipped_slices(&other);
    let swap = |sub: &str, from: &str, to: &str| std::fs::copy(other.join(sub).join(from), other.join(sub).join(to)).unwrap();
    swap("mask/multi/256", "tr_mask_z002.png", "tr_mask_z001.png");
    let e = resume(&other, 2).err().expect("other labels are refused").to_string();
    assert!(e.contains("does not hold those slices") && e.contains("other-data") && e.contains(&fingerprint), "{e}");
    common::copy_shipped_slices(&other);
    swap("im/256", "i002.png", "i001.png");
    let e = resume(&other, 2).err().expect("other images are refused").to_string();
    assert!(e.contains("does not hold those slices"), "{e}");
    // The data moved: the run continues from where it is now, and is evaluated there (its best
    // checkpoint, written before the move, names the old folder).
    std::fs::rename(&first, &*moved).unwrap();
    let out = resume(&moved, 2).expect("the same slices from another folder");
    assert_eq!(out.state.epoch, 2);
    let stored: TrainConfig = read_json(&dir.join("config.json")).unwrap();
    assert_eq!(stored.data, DataSource::Png { dir: moved.to_path_buf() }, "the run now reads its slices where they are");
    evaluate_run(&gpu, &dir, "test").expect("evaluated on the slices where they are now");
    // The CLI path accepts --data on resume and leaves the check to train().
    let o = Overrides { data: Some(DataSource::Shipped), epochs: Some(3), ..Default::default() };
    assert_eq!(train::resume_config(&dir, &stored, &o).unwrap().data, DataSource::Shipped);
    // Slices changed in place are refused on the run's own source too.
    let masks = moved.join("mask/multi/256");
    let kept = std::fs::read(masks.join("tr_mask_z001.png")).unwrap();
    std::fs::copy(masks.join("tr_mask_z002.png"), masks.join("tr_mask_z001.png")).unwrap();
    let e = resume(&moved, 3).err().expect("changed slices are refused").to_string();
    assert!(e.contains("changed since the run was trained on them"), "{e}");
    std::fs::write(masks.join("tr_mask_z001.png"), kept).unwrap();
    // A run that stored no fingerprint (begun before lungseg stored one) cannot move.
    let mut split: serde_json::Value = read_json(&dir.join("split.json")).unwrap();
    split.as_object_mut().unwrap().remove("data_fingerprint");
    std::fs::write(dir.join("split.json"), split.to_string()).unwrap();
    let shipped = TrainConfig { epochs: 3, data: DataSource::Shipped, ..cfg.clone() };
    let e =
        train::train(&gpu, &shipped, &dir, true, &AtomicBool::new(false), &mut Quiet).err().expect("no fingerprint to compare").to_string();
    assert!(e.contains("keeps no data fingerprint") && e.contains("moved-data"), "{e}");
    // Its own data source needs no fingerprint.
    assert_eq!(resume(&moved, 3).unwrap().state.epoch, 3);
}

/// The validation rows of `log.csv`: (iteration, foreground Dice).
fn validation_dice(log: &str) -> Vec<(usize, f32)> {
    log.lines()
        .filter(|l| l.starts_with("val,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].parse().unwrap(), f[6].parse().unwrap())
        })
        .collect()
}

#[test]
fn select_dice_keeps_the_model_with_the_best_smoothed_validation_dice_and_resumes_exactly() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 3, val_every: 3, select: Selection::Dice, ..tiny(Arch::SegNet) };
    let (a, b) = (tmp("select-whole"), tmp("select-resumed"));
    let never = AtomicBool::new(false);
    let whole = train::train(&gpu, &cfg, &a, false, &never, &mut Quiet).unwrap();
    let log = std::fs::read_to_string(a.join("log.csv")).unwrap();
    assert!(log.starts_with("kind,epoch,iteration,loss,accuracy,lr,dice\n"), "{log}");
    // The best checkpoint is the one where nnU-Net's moving average of the logged Dice peaked
    // (the first peak: a later equal average does not replace it).
    let dice = validation_dice(&log);
    assert_eq!(dice.len(), 9, "27 iterations, a validation every 3");
    let (mut average, mut best) = (None::<f32>, (0usize, f32::NEG_INFINITY));
    for &(iteration, d) in &dice {
        assert!((0.0..=1.0).contains(&d), "{d}");
        let a = average.map_or(d, |a| SELECTION_DICE_DECAY * a + (1.0 - SELECTION_DICE_DECAY) * d);
        average = Some(a);
        if a > best.1 {
            best = (iteration, a);
        }
    }
    let kept = train::stored_state(&lungseg::checkpoint::Loaded::open(&a.join("best.safetensors")).unwrap()).unwrap();
    assert_eq!((kept.iteration, kept.best_val_dice), (best.0, Some(best.1)), "{dice:?}");
    assert_eq!(whole.state.val_dice_average, average);
    assert_eq!(whole.state.best_val_loss, None, "--select dice does not track the loss");
    // Interrupted after the second validation and resumed: the same average, the same best model.
    let flag = Arc::new(AtomicBool::new(false));
    train::train(&gpu, &cfg, &b, false, &flag, &mut common::StopAt(7, flag.clone())).unwrap();
    let resumed = train::train(&gpu, &cfg, &b, true, &never, &mut Quiet).unwrap();
    assert_eq!(resumed.state, whole.state);
    let (ba, bb) = (
        lungseg::checkpoint::Loaded::open(&a.join("best.safetensors")).unwrap(),
        lungseg::checkpoint::Loaded::open(&b.join("best.safetensors")).unwrap(),
    );
    assert_eq!(train::stored_state(&bb).unwrap(), kept);
    for e in &load_model(&gpu, &a, None).unwrap().model.params.entries {
        assert_eq!(ba.tensor(&e.name).unwrap(), bb.tensor(&e.name).unwrap(), "{} of the best model differs after resume", e.name);
    }
    assert_eq!(std::fs::read_to_string(b.join("log.csv")).unwrap(), log);
    // --select is part of what a resume cannot change.
    let err = train::resume_config(&b, &cfg, &Overrides { select: Some(Selection::Loss), ..Default::default() }).unwrap_err().to_string();
    assert!(err.contains("--select"), "{err}");
}

#[test]
fn a_log_written_before_the_dice_column_gets_it_on_resume() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 2, ..tiny(Arch::UNet) };
    let dir = tmp("old-log");
    let never = AtomicBool::new(false);
    train::train(&gpu, &TrainConfig { epochs: 1, ..cfg.clone() }, &dir, false, &never, &mut Quiet).unwrap();
    // Rewrite the log as an older lungseg wrote it: six columns.
    let log = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    let old: String = log.lines().map(|l| format!("{}\n", l.rsplit_once(',').unwrap().0)).collect();
    std::fs::write(dir.join("log.csv"), &old).unwrap();
    train::train(&gpu, &cfg, &dir, true, &never, &mut Quiet).unwrap();
    let log = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    assert!(log.lines().all(|l| l.split(',').count() == 7), "{log}");
    assert!(log.lines().rfind(|l| l.starts_with("val,")).unwrap().split(',').nth(6).unwrap().parse::<f32>().is_ok());
    lungseg::figures::read_log(&dir.join("log.csv")).unwrap();
}

#[test]
fn the_configuration_is_typed_and_reads_files_written_before_it_was() {
    let cfg = TrainConfig { class_weights: lungseg::data::ClassWeighting::SqrtMedian, ..tiny(Arch::SegNet) };
    let text = serde_json::to_string(&cfg).unwrap();
    assert!(text.contains(r#""model":"segnet""#) && text.contains(r#""class_weights":"sqrt-median""#), "{text}");
    assert_eq!(serde_json::from_str::<TrainConfig>(&text).unwrap(), cfg);
    // A config.json of an older run: strings, a PNG folder, no class_weights / checkpoint_every.
    let old = r#"{"preset":"quick","model":"unet","task":"multi","data":{"Png":{"dir":"/somewhere/assets/medseg"}},"size":128,
        "width":16,"depth":2,"dropout":0.5,"final_bn_relu":false,"epochs":40,"batch":4,"lr":0.002,"l2":0.0001,"lr_drop":0.95,
        "lr_drop_every":12,"seed":1,"fold":null,"folds":5,"normalization":"zerocenter","augment":true,"max_shear_deg":10.0,
        "val_every":10,"window":[-1000.0,400.0]}"#;
    let c: TrainConfig = serde_json::from_str(old).unwrap();
    assert_eq!((c.model, c.task, c.class_weights, c.checkpoint_every), (Arch::UNet, Task::Multi, lungseg::data::ClassWeighting::Median, 1));
    assert_eq!((c.split_seed, c.split_seed()), (None, 1), "the split follows the seed when no split seed is stored");
    // A split seed equal to the seed is the configuration without one; another one is kept.
    let with = |seed, split_seed| {
        let o = Overrides { seed, split_seed, ..Default::default() };
        TrainConfig::with_overrides(Preset::Quick, Arch::UNet, Task::Binary, &o).unwrap()
    };
    assert_eq!(with(Some(2), Some(2)), with(Some(2), None));
    assert_eq!(with(None, Some(1)), with(None, None));
    assert_eq!((with(Some(2), Some(1)).split_seed, with(Some(2), Some(1)).split_seed()), (Some(1), 1));
    let bad = old.replace(r#""model":"unet""#, r#""model":"resnet""#);
    let err = serde_json::from_str::<TrainConfig>(&bad).err().unwrap().to_string();
    assert!(err.contains("resnet"), "{err}");
    // validate() names the option.
    for (c, flag) in [
        (TrainConfig { batch: 0, ..cfg.clone() }, "--batch"),
        (TrainConfig { lr: f32::NAN, ..cfg.clone() }, "--lr"),
        (TrainConfig { fold: Some(5), ..cfg.clone() }, "--fold"),
        (TrainConfig { size: 30, ..cfg.clone() }, "multiple"),
        (TrainConfig { window: (400.0, -1000.0), ..cfg.clone() }, "window"),
        (TrainConfig { tversky: (-0.1, 0.5), ..cfg.clone() }, "--tversky"),
        (TrainConfig { tversky: (0.7, 0.3), dice_weight: 0.0, ..cfg.clone() }, "--dice-weight 0"),
    ] {
        let err = c.validate().expect_err("invalid").to_string();
        assert!(err.contains(flag), "{flag}: {err}");
    }
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
    let report = evaluate_run(&gpu, &dir, "test").unwrap();
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
    let rows = lungseg::predict::predict(
        &gpu,
        &dir,
        &input,
        &out,
        &lungseg::predict::PredictOptions { probabilities: true, ..Default::default() },
    )
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
    let rows = lungseg::predict::predict(&gpu, &dir, &path, &out, &lungseg::predict::PredictOptions::default()).unwrap();
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
