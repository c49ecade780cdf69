//! Test-time augmentation and fold ensembles on a tiny real run: an ensemble of identical models
//! predicts as one model, flip TTA commutes with flipping the input, a cross-validation folder
//! predicts through the CLI's library path, and `eval --tta` writes its own metrics.

mod common;
use lungseg::data::Task;
use lungseg::evaluate::{Ensemble, Scoring};
use lungseg::models::Arch;
use lungseg::train::{self, Quiet, TrainConfig};
use std::sync::atomic::AtomicBool;

fn tmp(name: &str) -> common::Scratch {
    common::scratch("ensemble", name)
}

fn flip_lr(data: &[f32], s: usize) -> Vec<f32> {
    data.chunks(s).flat_map(|row| row.iter().rev().copied()).collect()
}

#[test]
fn ensembles_and_test_time_augmentation() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 1, val_every: 5, ..common::tiny(Arch::SegNet, Task::Multi) };
    let run = tmp("run");
    train::train(&gpu, &cfg, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let slices = lungseg::pipeline::prepare(&cfg).unwrap().slices;
    let images: Vec<&[f32]> = slices[..3].iter().map(|s| s.image.as_slice()).collect();

    // Two folds holding the same model: their average is that model's prediction, exactly.
    let cv = tmp("cv");
    for k in 0..2 {
        std::fs::create_dir_all(cv.join(format!("fold{k}"))).unwrap();
        std::fs::copy(run.join("best.safetensors"), cv.join(format!("fold{k}/best.safetensors"))).unwrap();
    }
    let one = Ensemble::load(&gpu, &run, None, false).unwrap();
    let two = Ensemble::load(&gpu, &cv, None, false).unwrap();
    assert_eq!((one.members.len(), two.members.len()), (1, 2));
    let p1 = one.probabilities(&gpu, &images).unwrap();
    assert!(p1 == two.probabilities(&gpu, &images).unwrap(), "an ensemble of identical models must predict as one");
    // Exported, a cross-validation folder is refused (one fold at a time), and a folder holding
    // only a best checkpoint (no config.json) is exported with the configuration stored in it.
    let e = train::export_model(&gpu, &cv, &tmp("cv-export")).expect_err("a cross-validation folder").to_string();
    assert!(e.contains("cross-validation folder") && e.contains("fold"), "{e}");
    let bare = tmp("bare-export");
    assert_eq!(train::export_model(&gpu, &cv.join("fold0"), &bare).unwrap(), [bare.join("config.json"), bare.join("best.safetensors")]);
    assert!(Ensemble::load(&gpu, &bare, None, false).unwrap().probabilities(&gpu, &images).unwrap() == p1);
    // Probabilities sum to 1 per pixel.
    let plane = 32 * 32;
    for n in 0..3 {
        for p in 0..plane {
            let sum: f32 = (0..4).map(|c| p1[(n * 4 + c) * plane + p]).sum();
            assert!((sum - 1.0).abs() < 1e-5, "probabilities of pixel {p} sum to {sum}");
        }
    }

    // TTA averages the four flips, so flipping the input flips the prediction.
    let tta = Ensemble::load(&gpu, &run, None, true).unwrap();
    let flipped: Vec<Vec<f32>> = images.iter().map(|im| flip_lr(im, 32)).collect();
    let flipped_refs: Vec<&[f32]> = flipped.iter().map(|v| v.as_slice()).collect();
    let a = tta.probabilities(&gpu, &images).unwrap();
    let b = tta.probabilities(&gpu, &flipped_refs).unwrap();
    let b_back = flip_lr(&b, 32);
    let worst = a.iter().zip(&b_back).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
    assert!(worst < 1e-6, "TTA of a flipped slice differs from the flipped TTA by {worst}");
    // Without TTA the network is not flip-equivariant, so the test above can fail.
    let c = one.probabilities(&gpu, &flipped_refs).unwrap();
    assert!(flip_lr(&c, 32) != p1, "the untrained-for-flips network should not be exactly flip-equivariant");

    // A cross-validation folder predicts; eval --tta writes its own metrics file.
    let out = tmp("predicted");
    let input = lungseg::data::shipped_dir().join("im/256/i045.png");
    let opts = lungseg::predict::PredictOptions { tta: true, ..Default::default() };
    let rows = lungseg::predict::predict(&gpu, &cv, &input, &out, &opts).unwrap();
    assert_eq!(rows.len(), 1);
    assert!(out.join("i045_mask.png").exists());
    // Several checkpoints averaged, each counting once — here the run and the two-fold folder of
    // its copies, identical models, so the same masks as the run alone.
    let both = tmp("predicted-both");
    let rows_both = lungseg::predict::predict_with(&gpu, &[run.to_path_buf(), cv.to_path_buf()], &input, &both, &opts).unwrap();
    assert_eq!(
        rows_both.iter().map(|r| r.class_pixels.clone()).collect::<Vec<_>>(),
        rows.iter().map(|r| r.class_pixels.clone()).collect::<Vec<_>>()
    );
    assert_eq!(std::fs::read(both.join("i045_mask.png")).unwrap(), std::fs::read(out.join("i045_mask.png")).unwrap());
    assert_eq!(Ensemble::load_all(&gpu, &[run.to_path_buf(), cv.to_path_buf()], None, false).unwrap().members.len(), 3);
    let r = lungseg::evaluate::evaluate_run_tta(&gpu, &run, "test").unwrap();
    assert_eq!(r.n_images, 18);
    assert!(run.join("metrics-tta.json").exists());
    // Every scoring variant's file name, from one rule.
    let names: Vec<String> = [("test", false, false), ("test", true, true), ("val", true, false), ("train", false, false)]
        .iter()
        .map(|&(s, t, c)| lungseg::run_dir::metrics_file(s, t, c))
        .collect();
    assert_eq!(names, ["metrics.json", "metrics-tta-calibrated.json", "metrics-val-tta.json", "metrics-train.json"]);
    assert_eq!(
        [lungseg::run_dir::cv_file(true, true), lungseg::run_dir::cv_file(false, false), lungseg::run_dir::calibration_file(true)],
        ["cv-tta-calibrated.json", "cv.json", "calibration-tta.json"]
    );

    // eval --calibrate: offsets fitted on the validation split, the test split scored with them;
    // "before" is the plain argmax on that split, and the fit never ends below it.
    let (cal, r) = lungseg::evaluate::evaluate_run_calibrated(&gpu, &run, false).unwrap();
    assert_eq!((cal.offsets.len(), cal.offsets[0], cal.fitted_images, r.n_images), (4, 0.0, 10, 18));
    let plain_val =
        lungseg::evaluate::evaluate_ensemble(&gpu, &one, &slices, &lungseg::pipeline::prepare(&cfg).unwrap().split.val, "val").unwrap();
    let present: Vec<f64> = plain_val.classes[1..]
        .iter()
        .zip(1..)
        .filter(|(_, k)| plain_val.confusion[*k].iter().sum::<u64>() > 0)
        .map(|(c, _)| c.dice.unwrap_or(0.0))
        .collect();
    assert!((cal.fitted_dice_before - present.iter().sum::<f64>() / present.len() as f64).abs() < 1e-12, "{cal:?}");
    assert!(cal.fitted_dice_after >= cal.fitted_dice_before, "{cal:?}");
    assert_eq!(r.confusion.iter().flatten().sum::<u64>(), 18 * 32 * 32);
    assert!(run.join("calibration.json").exists() && run.join("metrics-calibrated.json").exists());
    let stored: lungseg::calibration::Calibration =
        serde_json::from_str(&std::fs::read_to_string(run.join("calibration.json")).unwrap()).unwrap();
    assert_eq!(stored, cal);

    // eval --run CV_DIR --calibrate scores every fold so and summarises them (two identical
    // folds: identical reports, standard deviation 0) — only a whole, finished cross-validation.
    let mut fold_cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    fold_cfg["folds"] = serde_json::json!(2);
    for k in 0..2 {
        std::fs::write(cv.join(format!("fold{k}/config.json")), fold_cfg.to_string()).unwrap();
        std::fs::copy(run.join("last.safetensors"), cv.join(format!("fold{k}/last.safetensors"))).unwrap();
    }
    assert_eq!(lungseg::evaluate::cv_fold_dirs(&cv).unwrap().len(), 2);
    assert!(lungseg::evaluate::cv_fold_dirs(&run).unwrap().is_empty());
    let both = lungseg::experiments::evaluate_cv(&gpu, &cv, false, true).unwrap();
    assert_eq!(both.folds.len(), 2);
    assert_eq!(both.folds[0].confusion, r.confusion, "each fold scored as eval --calibrate scores it");
    assert_eq!(both.summary["C1 ground-glass opacity"]["dice"].std, Some(0.0));
    assert!(cv.join("cv-calibrated.json").exists());
    // eval --run CV --run CV: cross-validations on the same folds, scored fold by fold as
    // ensembles — two copies of one cross-validation score exactly as it does (calibrated too:
    // the mean of identical probabilities is those probabilities, so the fit finds the same
    // offsets), and write their summary and each fold's offsets to the output folder.
    let ens_out = tmp("cv-ensemble");
    let ens = lungseg::experiments::evaluate_cv_ensemble(
        &gpu,
        &[cv.to_path_buf(), cv.to_path_buf()],
        &ens_out,
        &Scoring { calibrate: true, ..Scoring::default() },
    )
    .unwrap();
    assert_eq!((ens.model.as_str(), ens.folds.len()), ("segnet+segnet", 2));
    assert_eq!(ens.folds[0].confusion, both.folds[0].confusion);
    assert_eq!(ens.folds[1].confusion, both.folds[1].confusion);
    assert!(ens_out.join("cv-calibrated.json").exists() && ens_out.join("fold1/calibration.json").exists());
    // Run folders on one split: an ensemble of a run and its copy scores as the run; a run trained
    // on another split (another seed) is refused, since its training images would be scored.
    let copy = tmp("run-copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(run.join("best.safetensors"), copy.join("best.safetensors")).unwrap();
    let alone = lungseg::evaluate::evaluate_run(&gpu, &run, "test").unwrap();
    let (none, pair) = lungseg::evaluate::evaluate_runs(&gpu, &[run.to_path_buf(), copy.to_path_buf()], &Scoring::default()).unwrap();
    assert!(none.is_none());
    assert_eq!(pair.confusion, alone.confusion);
    let other = tmp("run-seed2");
    train::train(&gpu, &TrainConfig { seed: 2, ..cfg.clone() }, &other, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let e =
        lungseg::evaluate::evaluate_runs(&gpu, &[run.to_path_buf(), other.to_path_buf()], &Scoring::default()).err().unwrap().to_string();
    assert!(e.contains("not trained on the same split") && e.contains("run-seed2"), "{e}");
    // Another initialisation on the same split (--seed 2 --split-seed 1) is a seed ensemble: the
    // split is the run's, the weights are not.
    let seed2 = tmp("run-seed2-split1");
    let seed2_cfg = TrainConfig { seed: 2, split_seed: Some(cfg.seed), ..cfg.clone() };
    train::train(&gpu, &seed2_cfg, &seed2, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let read = |p: std::path::PathBuf| std::fs::read(&p).unwrap();
    assert_eq!(read(seed2.join("split.json")), read(run.join("split.json")));
    assert_ne!(read(seed2.join("best.safetensors")), read(run.join("best.safetensors")));
    let (_, seeds) = lungseg::evaluate::evaluate_runs(&gpu, &[run.to_path_buf(), seed2.to_path_buf()], &Scoring::default()).unwrap();
    assert_eq!(seeds.confusion.iter().flatten().sum::<u64>(), alone.confusion.iter().flatten().sum::<u64>());

    // A fold short of the configuration's count, and TTA / calibration of the folds as one
    // ensemble (scored on a test split the other folds trained on), are refused.
    fold_cfg["folds"] = serde_json::json!(3);
    std::fs::write(cv.join("fold0/config.json"), fold_cfg.to_string()).unwrap();
    let e = lungseg::experiments::evaluate_cv(&gpu, &cv, false, false).unwrap_err().to_string();
    assert!(e.contains("3-fold") && e.contains("fold2"), "{e}");
    let e = lungseg::evaluate::evaluate_run_calibrated(&gpu, &cv, false).unwrap_err().to_string();
    assert!(e.contains("cross-validation folder (2 folds)"), "{e}");
    assert!(lungseg::evaluate::evaluate_run_tta(&gpu, &cv, "test").is_err());

    // The offsets travel to prediction: predict --calibration FILE, checked against the model.
    let opts = lungseg::predict::PredictOptions { calibration: Some(run.join("calibration.json")), ..Default::default() };
    lungseg::predict::predict(&gpu, &run, &input, &tmp("calibrated"), &opts).unwrap();
    let mut calibrated = Ensemble::load(&gpu, &run, None, false).unwrap();
    let fingerprint = calibrated.fingerprint().unwrap();
    let push = |offsets: Vec<f32>, tta: bool, fingerprint: &str| {
        let file = tmp(&format!("cal-{}-{tta}-{}.json", offsets.len(), fingerprint.len()));
        let c = lungseg::calibration::Calibration {
            offsets,
            fitted_dice_before: 0.0,
            fitted_dice_after: 0.0,
            fitted_images: 1,
            tta,
            fingerprint: fingerprint.into(),
        };
        std::fs::write(&file, serde_json::to_string(&c).unwrap()).unwrap();
        file
    };
    calibrated.set_calibration(&push(vec![0.0, 50.0, 0.0, 0.0], false, &fingerprint)).unwrap();
    assert!(calibrated.classes(&gpu, &images).unwrap().iter().all(|&k| k == 1), "an offset of 50 makes every pixel class 1");
    // The path `predict` and the browser segment through.
    let (classes, _) = lungseg::block_on(lungseg::predict::segment(&gpu, &calibrated, images[0], 32, 32)).unwrap();
    assert!(classes.iter().all(|&k| k == 1), "segment applies the offsets");
    let e = calibrated.set_calibration(&push(vec![0.0, 1.0], false, &fingerprint)).unwrap_err().to_string();
    assert!(e.contains("2 decision offsets") && e.contains("4 classes"), "{e}");
    let e = calibrated.set_calibration(&push(vec![0.0; 4], true, &fingerprint)).unwrap_err().to_string();
    assert!(e.contains("--tta"), "{e}");
    let e = calibrated.set_calibration(&push(vec![0.0; 4], false, "0123")).unwrap_err().to_string();
    assert!(e.contains("another model") && e.contains("best.safetensors"), "{e}");
}

/// `--snapshots K`: the run keeps the weights of its last K validations, predicts with the mean of
/// their probabilities (and its metrics say so), and a resumed run ends with the same snapshots.
#[test]
fn a_run_with_snapshots_predicts_with_its_last_validations() {
    use std::sync::Arc;
    let gpu = common::gpu();
    // 70 training slices in batches of 8: 9 iterations an epoch, 18 in two; a validation every 3.
    let cfg = TrainConfig { val_every: 3, snapshots: 3, ..common::tiny(Arch::SegNet, Task::Binary) };
    let run = tmp("snapshots");
    // A stale file from an earlier run in the same folder is not this run's.
    std::fs::create_dir_all(run.join("snapshots")).unwrap();
    std::fs::write(run.join("snapshots/iter-0000099.safetensors"), b"stale").unwrap();
    train::train(&gpu, &cfg, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let dir = lungseg::run_dir::RunDir::new(&run);
    let files = dir.snapshot_files().unwrap();
    assert_eq!(files, [12, 15, 18].map(|it| dir.snapshot(it)), "the last three validations, in order");

    // The run's members are those three; its metrics are their ensemble's, not the best model's.
    let e = Ensemble::load(&gpu, &run, None, false).unwrap();
    assert_eq!(e.members.len(), 3);
    let prep = lungseg::pipeline::prepare(&cfg).unwrap();
    let by_hand = Ensemble::load_all(&gpu, &files, None, false).unwrap();
    let want = lungseg::evaluate::evaluate_ensemble(&gpu, &by_hand, &prep.slices, &prep.split.test, "test").unwrap();
    let got = lungseg::evaluate::evaluate_run(&gpu, &run, "test").unwrap();
    assert_eq!(got.confusion, want.confusion);
    // Its best checkpoint scored alone (eval --run RUN/best.safetensors), on the run's split, is
    // written beside it and leaves the run's own metrics alone.
    let metrics = std::fs::read(run.join("metrics.json")).unwrap();
    let best = lungseg::evaluate::evaluate_run(&gpu, &dir.best(), "test").unwrap();
    let alone = Ensemble::load(&gpu, &dir.best(), None, false).unwrap();
    assert_eq!(
        best.confusion,
        lungseg::evaluate::evaluate_ensemble(&gpu, &alone, &prep.slices, &prep.split.test, "test").unwrap().confusion
    );
    assert_ne!(best.confusion, got.confusion, "the best checkpoint alone is not the snapshots' mean");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("metrics-best.json")).unwrap()).unwrap();
    assert_eq!(written["confusion"], serde_json::json!(best.confusion));
    assert_eq!(std::fs::read(run.join("metrics.json")).unwrap(), metrics);
    let (_, calibrated) = lungseg::evaluate::evaluate_run_calibrated(&gpu, &dir.best(), false).unwrap();
    assert_eq!(calibrated.n_images, prep.split.test.len());
    assert!(run.join("calibration-best.json").exists() && run.join("metrics-calibrated-best.json").exists());
    let images: Vec<&[f32]> = prep.slices[..2].iter().map(|s| s.image.as_slice()).collect();
    let mean = e.probabilities(&gpu, &images).unwrap();
    let each: Vec<Vec<f32>> =
        files.iter().map(|f| Ensemble::load(&gpu, f, None, false).unwrap().probabilities(&gpu, &images).unwrap()).collect();
    assert!(each[0] != each[2], "the snapshots are different weights");
    let worst = (0..mean.len()).map(|i| (mean[i] - (each[0][i] + each[1][i] + each[2][i]) / 3.0).abs()).fold(0f32, f32::max);
    assert!(worst < 1e-6, "the run's probabilities are the snapshots' mean (off by {worst})");
    // Beside another source, the run counts once (its snapshots a third each), not three times.
    let beside = Ensemble::load_all(&gpu, &[run.to_path_buf(), files[0].clone()], None, false).unwrap();
    assert_eq!((beside.members.len(), beside.sources.as_slice()), (4, &[0, 0, 0, 1][..]));
    let p = beside.probabilities(&gpu, &images).unwrap();
    let worst = (0..p.len()).map(|i| (p[i] - (mean[i] + each[0][i]) / 2.0).abs()).fold(0f32, f32::max);
    assert!(worst < 1e-6, "each source counts once (off by {worst})");
    // A calibration belongs to the grouping too: the same three files as three sources are
    // weighted otherwise, so they fingerprint otherwise; as one source, as the run.
    let as_files = Ensemble::load_all(&gpu, &files, None, false).unwrap();
    assert_eq!(as_files.sources, [0, 1, 2]);
    assert_ne!(as_files.fingerprint().unwrap(), e.fingerprint().unwrap());
    let paths: Vec<&std::path::Path> = files.iter().map(|f| f.as_path()).collect();
    assert_eq!(e.fingerprint().unwrap(), lungseg::calibration::fingerprint(&paths, &[0, 0, 0]).unwrap());

    // Exported as a model folder, the run predicts the same, bit for bit, from weights-only files;
    // exported as one file, it is the best checkpoint alone.
    let exported = tmp("snapshots-exported");
    let written = train::export_model(&gpu, &run, &exported).unwrap();
    assert_eq!(written.len(), 3 + 3, "config.json, split.json, best.safetensors and the three snapshots");
    let from_export = Ensemble::load(&gpu, &exported, None, false).unwrap();
    assert_eq!(from_export.members.len(), 3);
    assert!(from_export.probabilities(&gpu, &images).unwrap() == mean, "the exported folder predicts as the run");
    for f in written.iter().filter(|f| f.extension().is_some_and(|e| e == "safetensors")) {
        let ck = lungseg::checkpoint::Loaded::open(f).unwrap();
        assert!(ck.tensor("optimizer.step").is_err() && !ck.metadata().contains_key("state"), "{} is weights only", f.display());
    }
    let again = train::export_model(&gpu, &run, &exported).expect_err("an export never overwrites").to_string();
    assert!(again.contains("not empty"), "{again}");
    let one = tmp("snapshots-best.safetensors");
    train::export_weights(&gpu, &run, &one).unwrap();
    assert_eq!(Ensemble::load(&gpu, &one, None, false).unwrap().members.len(), 1);
    let err = train::export_model(&gpu, &run, &one).expect_err("a file is not a folder").to_string();
    assert!(err.contains("not a folder"), "{err}");
    // An empty folder may receive the export; a failed export (a damaged snapshot) leaves nothing.
    let empty = tmp("snapshots-into-empty");
    std::fs::create_dir_all(&*empty).unwrap();
    assert_eq!(train::export_model(&gpu, &run, &empty).unwrap().len(), 3 + 3);
    let damaged = tmp("snapshots-damaged");
    copy_dir(&run, &damaged);
    std::fs::write(damaged.join("snapshots").join(files[2].file_name().unwrap()), b"torn").unwrap();
    let failed = tmp("snapshots-failed-export");
    let err = train::export_model(&gpu, &damaged, &failed).expect_err("a damaged snapshot fails the export").to_string();
    assert!(err.contains("iter-0000018"), "names the file: {err}");
    let left: Vec<_> = std::fs::read_dir(failed.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "a failed export leaves nothing behind: {left:?}");

    // Interrupted mid-way and resumed: the same three snapshots, weight for weight.
    let cut = tmp("snapshots-resumed");
    let flag = Arc::new(AtomicBool::new(false));
    train::train(&gpu, &cfg, &cut, false, &flag, &mut common::StopAt(10, flag.clone())).unwrap();
    train::train(&gpu, &cfg, &cut, true, &AtomicBool::new(false), &mut Quiet).unwrap();
    let resumed = lungseg::run_dir::RunDir::new(&cut).snapshot_files().unwrap();
    assert_eq!(
        resumed.iter().map(|f| f.file_name().unwrap().to_owned()).collect::<Vec<_>>(),
        files.iter().map(|f| f.file_name().unwrap().to_owned()).collect::<Vec<_>>()
    );
    let model = &e.members[0].model;
    for (a, b) in files.iter().zip(&resumed) {
        let (a, b) = (lungseg::checkpoint::Loaded::open(a).unwrap(), lungseg::checkpoint::Loaded::open(b).unwrap());
        for p in &model.params.entries {
            assert_eq!(a.tensor(&p.name).unwrap(), b.tensor(&p.name).unwrap(), "{} differs after resume", p.name);
        }
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A binary run in a 4-class ensemble (`eval --run MULTI --run BINARY`, `predict --checkpoint …`):
/// it votes on background against infection and hands its infection probability to C1–C3 in the
/// 4-class members' proportions; the ensemble predicts and is scored as a 4-class one. Scored as
/// binary (`eval --task binary`), the 4-class runs vote on infection with their C1–C3 merged.
#[test]
fn binary_and_four_class_runs_vote_in_one_ensemble_on_either_task() {
    let gpu = common::gpu();
    let train_tiny = |cfg: TrainConfig, name: &str| {
        let run = tmp(name);
        train::train(&gpu, &TrainConfig { epochs: 1, ..cfg }, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
        run
    };
    // The 4-class run keeps 3 snapshots (one epoch of 9 iterations, a validation every 3): a
    // source of three members, weighing what the binary run's one model weighs.
    let multi = train_tiny(TrainConfig { val_every: 3, snapshots: 3, ..common::tiny(Arch::SegNet, Task::Multi) }, "mixed-multi");
    let binary = train_tiny(common::tiny(Arch::UNet, Task::Binary), "mixed-binary");
    let prep = lungseg::pipeline::prepare(&common::tiny(Arch::SegNet, Task::Multi)).unwrap();
    let images: Vec<&[f32]> = prep.slices[..3].iter().map(|s| s.image.as_slice()).collect();
    let q = Ensemble::load(&gpu, &multi, None, false).unwrap().probabilities(&gpu, &images).unwrap();
    let b = Ensemble::load(&gpu, &binary, None, false).unwrap().probabilities(&gpu, &images).unwrap();

    // The binary run first: the ensemble is still the 4-class one.
    let mixed = Ensemble::load_all(&gpu, &[binary.to_path_buf(), multi.to_path_buf()], None, false).unwrap();
    assert_eq!((mixed.cfg().task, mixed.sources.as_slice()), (Task::Multi, &[0, 1, 1, 1][..]));
    let p = mixed.probabilities(&gpu, &images).unwrap();
    let plane = 32 * 32;
    assert_eq!(p.len(), 3 * 4 * plane);
    let mut worst = 0f64;
    for n in 0..3 {
        let (q, b) = (&q[n * 4 * plane..][..4 * plane], &b[n * 2 * plane..][..2 * plane]);
        for px in 0..plane {
            let infection: f64 = (1..4).map(|k| q[k * plane + px] as f64).sum();
            let mut sum = 0f64;
            for k in 0..4 {
                let qk = q[k * plane + px] as f64;
                let binary_vote = if k == 0 { b[px] as f64 } else { b[plane + px] as f64 * qk / infection };
                let got = p[(n * 4 + k) * plane + px] as f64;
                worst = worst.max((got - (qk + binary_vote) / 2.0).abs());
                sum += got;
            }
            assert!((sum - 1.0).abs() < 1e-5, "probabilities of pixel {px} sum to {sum}");
        }
    }
    assert!(worst < 1e-6, "the mixed ensemble's probabilities are the members' votes averaged (off by {worst})");
    assert!(p != q, "the binary run changes the prediction");

    // Scored as binary: the 4-class run's C1–C3 merged into infection, then the votes averaged.
    let mut as_binary = Ensemble::load_all(&gpu, &[multi.to_path_buf(), binary.to_path_buf()], None, false).unwrap();
    as_binary.score_as(Task::Binary).unwrap();
    assert_eq!(as_binary.cfg().task, Task::Binary);
    let pb = as_binary.probabilities(&gpu, &images).unwrap();
    assert_eq!(pb.len(), 3 * 2 * plane);
    let mut worst = 0f64;
    for n in 0..3 {
        let (q, b) = (&q[n * 4 * plane..][..4 * plane], &b[n * 2 * plane..][..2 * plane]);
        for px in 0..plane {
            let merged = [q[px] as f64, (1..4).map(|k| q[k * plane + px] as f64).sum::<f64>()];
            for k in 0..2 {
                worst = worst.max((pb[(n * 2 + k) * plane + px] as f64 - (merged[k] + b[k * plane + px] as f64) / 2.0).abs());
            }
        }
    }
    assert!(worst < 1e-6, "scored as binary, the votes are the binary run's and the 4-class run's merged (off by {worst})");
    // A 4-class run alone, scored as binary: on the binary labels (C1–C3 merged) of its test split.
    let (_, alone) =
        lungseg::evaluate::evaluate_runs(&gpu, &[multi.to_path_buf()], &Scoring { task: Some(Task::Binary), ..Scoring::default() })
            .unwrap();
    assert_eq!((alone.task.as_str(), alone.classes.len()), ("binary", 2));
    // Its prediction: infection where C1 + C2 + C3 outweighs C0 (background on ties).
    let test_images: Vec<&[f32]> = prep.split.test.iter().map(|&i| prep.slices[i].image.as_slice()).collect();
    let qt = Ensemble::load(&gpu, &multi, None, false).unwrap().probabilities(&gpu, &test_images).unwrap();
    let mut want = vec![vec![0u64; 2]; 2];
    for (n, &i) in prep.split.test.iter().enumerate() {
        let q = &qt[n * 4 * plane..][..4 * plane];
        for (px, &label) in prep.slices[i].labels.iter().enumerate() {
            let infection: f64 = (1..4).map(|k| q[k * plane + px] as f64).sum();
            want[(label != 0) as usize][(infection > q[px] as f64) as usize] += 1;
        }
    }
    assert_eq!(alone.confusion, want, "a 4-class run scored as binary: its C1–C3 merged, on the merged labels");
    // Binary networks cannot be scored on the 4-class task.
    let mut binary_only = Ensemble::load(&gpu, &binary, None, false).unwrap();
    let e = binary_only.score_as(Task::Multi).unwrap_err().to_string();
    assert!(e.contains("cannot tell C1–C3 apart") && e.contains("mixed-binary"), "{e}");

    // Scored on the shared test split as a 4-class ensemble.
    let (_, report) = lungseg::evaluate::evaluate_runs(&gpu, &[binary.to_path_buf(), multi.to_path_buf()], &Scoring::default()).unwrap();
    assert_eq!((report.task.as_str(), report.classes.len(), report.n_images), ("multi", 4, prep.split.test.len()));
    assert_eq!(report.confusion.iter().flatten().sum::<u64>(), (prep.split.test.len() * plane) as u64);
    // A binary run on another split, or that saw another intensity window, is refused.
    let other = train_tiny(TrainConfig { seed: 2, ..common::tiny(Arch::UNet, Task::Binary) }, "mixed-binary-seed2");
    let e =
        lungseg::evaluate::evaluate_runs(&gpu, &[other.to_path_buf(), multi.to_path_buf()], &Scoring::default()).unwrap_err().to_string();
    assert!(e.contains("not trained on the same split") && e.contains("mixed-binary-seed2") && e.contains("mixed-multi"), "{e}");
    let window = train_tiny(TrainConfig { window: (-1000.0, 400.0), ..common::tiny(Arch::UNet, Task::Binary) }, "mixed-binary-window");
    let e = Ensemble::load_all(&gpu, &[multi.to_path_buf(), window.to_path_buf()], None, false).err().unwrap().to_string();
    assert!(e.contains("intensity window") && e.contains("mixed-binary-window"), "{e}");

    // Cross-validations fold by fold: a 4-class one and a binary one (two folds, trained), named
    // for both, each fold scored as the ensemble of the two fold-k runs on fold k's test images.
    let cv = |cfg: TrainConfig, name: &str| {
        let dir = tmp(name);
        let cfg = TrainConfig { epochs: 1, ..cfg };
        lungseg::experiments::cross_validate(&gpu, &cfg, 2, &dir, &AtomicBool::new(false), &mut Quiet).unwrap().unwrap();
        dir
    };
    let (cv_multi, cv_binary) =
        (cv(common::tiny(Arch::SegNet, Task::Multi), "mixed-cv-multi"), cv(common::tiny(Arch::UNet, Task::Binary), "mixed-cv-binary"));
    let out = tmp("mixed-cv-out");
    let r = lungseg::experiments::evaluate_cv_ensemble(&gpu, &[cv_binary.to_path_buf(), cv_multi.to_path_buf()], &out, &Scoring::default())
        .unwrap();
    assert_eq!((r.model.as_str(), r.task.as_str(), r.folds.len()), ("unet binary+segnet", "multi", 2));
    for (k, fold) in r.folds.iter().enumerate() {
        let runs = [cv_binary.join(format!("fold{k}")), cv_multi.join(format!("fold{k}"))];
        let (_, alone) = lungseg::evaluate::evaluate_runs(&gpu, &runs, &Scoring::default()).unwrap();
        assert_eq!((fold.classes.len(), fold.n_images, &fold.confusion), (4, 50, &alone.confusion), "fold {k}");
    }
    assert_ne!(r.folds[0].confusion, r.folds[1].confusion, "each fold is scored on its own test images");
    // The same cross-validations scored as binary: the 4-class one votes on infection.
    let as_binary = Scoring { task: Some(Task::Binary), ..Scoring::default() };
    let r = lungseg::experiments::evaluate_cv_ensemble(&gpu, &[cv_multi.to_path_buf(), cv_binary.to_path_buf()], &out, &as_binary).unwrap();
    assert_eq!((r.model.as_str(), r.task.as_str()), ("segnet multi+unet", "binary"));
    for (k, fold) in r.folds.iter().enumerate() {
        let runs = [cv_multi.join(format!("fold{k}")), cv_binary.join(format!("fold{k}"))];
        let (_, alone) = lungseg::evaluate::evaluate_runs(&gpu, &runs, &as_binary).unwrap();
        assert_eq!((fold.classes.len(), &fold.confusion), (2, &alone.confusion), "fold {k}");
    }
}
