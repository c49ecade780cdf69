//! Cross-validation and sweep bookkeeping: every image tested exactly once across folds, no image
//! in two parts of a fold, finished runs skipped on a rerun, the cv summary over folds.

mod common;
use lungseg::data::Task;
use lungseg::experiments;
use lungseg::models::Arch;
use lungseg::train::{Quiet, TrainConfig};
use std::sync::atomic::AtomicBool;

#[test]
fn five_fold_cross_validation_tests_every_image_once_and_resumes() {
    let gpu = common::gpu();
    let cfg = TrainConfig { epochs: 1, val_every: 100, ..common::tiny(Arch::UNet, Task::Binary) };
    let out = common::scratch("cv", "cv");
    let report = experiments::cross_validate(&gpu, &cfg, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap().expect("not stopped");
    assert_eq!(report.folds.len(), 5);
    let mut tested = Vec::new();
    for k in 0..5 {
        let split: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(format!("fold{k}/split.json"))).unwrap()).unwrap();
        let idx = |part: &str| split["indices"][part].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>();
        let (tr, va, te) = (idx("train"), idx("val"), idx("test"));
        assert_eq!((tr.len(), va.len(), te.len()), (70, 10, 20));
        assert!(
            te.iter().all(|i| !tr.contains(i) && !va.contains(i)) && va.iter().all(|i| !tr.contains(i)),
            "fold {k}: an image in two parts"
        );
        tested.extend(te);
    }
    tested.sort();
    assert_eq!(tested, (0..100).collect::<Vec<u64>>(), "every image tested exactly once");
    let cv: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("cv.json")).unwrap()).unwrap();
    assert!(cv["summary"]["infection"]["dice"]["mean"].is_number() && cv["folds"].as_array().unwrap().len() == 5);
    println!("{}", experiments::cv_table(&report));
    // A rerun finds every fold finished and only re-evaluates.
    let t0 = std::time::Instant::now();
    let again = experiments::cross_validate(&gpu, &cfg, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap().unwrap();
    assert_eq!(again.summary, report.summary);
    println!("rerun took {:?}", t0.elapsed());

    // Asked for more epochs, the finished folds continue — each exactly as if it had been trained
    // for two epochs from the start (fold 0 checked weight for weight).
    let longer = TrainConfig { epochs: 2, ..cfg.clone() };
    let two = experiments::cross_validate(&gpu, &longer, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap().unwrap();
    let straight = common::scratch("cv", "fold0-two-epochs");
    lungseg::train::train(
        &gpu,
        &TrainConfig { fold: Some(0), folds: 5, ..longer.clone() },
        &straight,
        false,
        &AtomicBool::new(false),
        &mut Quiet,
    )
    .unwrap();
    let open = |dir: &std::path::Path| lungseg::checkpoint::Loaded::open(&dir.join("last.safetensors")).unwrap();
    let (continued, straight) = (open(&out.join("fold0")), open(&straight));
    assert_eq!(lungseg::train::stored_state(&continued).unwrap().epoch, 2);
    for name in ["enc1.conv1.weight", "final.weight", "optimizer.v.final.weight"] {
        assert_eq!(continued.tensor(name).unwrap(), straight.tensor(name).unwrap(), "{name}");
    }
    let epochs = |k: usize| lungseg::train::stored_state(&open(&out.join(format!("fold{k}")))).unwrap().epoch;
    assert!((0..5).all(|k| epochs(k) == 2), "every fold continued");
    // Continued with another recipe, a fold is refused, naming what differs.
    let other = TrainConfig { epochs: 3, lr: 1e-3, ..cfg.clone() };
    let e = experiments::cross_validate(&gpu, &other, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap_err().to_string();
    assert!(e.contains("fold0") && e.contains("lr (the run has 0.00") && e.contains("asked for 0.001"), "{e}");
    // A rerun with another recipe and no more epochs would re-evaluate the finished folds and
    // report them under the new flags: refused too.
    let relabelled = TrainConfig { epochs: 2, dice_weight: 3.0, ..cfg.clone() };
    let e = experiments::cross_validate(&gpu, &relabelled, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap_err().to_string();
    assert!(e.contains("fold0") && e.contains("dice_weight (the run has"), "{e}");
    // Another copy of the same slices (the data moved): the finished folds are re-evaluated from
    // it, and read from it from now on; a copy of other slices is refused.
    let (copy, other) = (common::scratch("cv", "copy"), common::scratch("cv", "other"));
    common::copy_shipped_slices(&copy);
    let moved = TrainConfig { data: lungseg::config::DataSource::Png { dir: copy.to_path_buf() }, ..longer.clone() };
    let again = experiments::cross_validate(&gpu, &moved, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap().unwrap();
    assert_eq!(again.summary, two.summary);
    let stored: TrainConfig = lungseg::run_dir::read_json(&out.join("fold3/config.json")).unwrap();
    assert_eq!(stored.data, moved.data);
    common::copy_shipped_slices(&other);
    let masks = other.join("mask/multi/256");
    std::fs::copy(masks.join("tr_mask_z002.png"), masks.join("tr_mask_z001.png")).unwrap();
    let elsewhere = TrainConfig { data: lungseg::config::DataSource::Png { dir: other.to_path_buf() }, ..longer };
    let e = experiments::cross_validate(&gpu, &elsewhere, 5, &out, &AtomicBool::new(false), &mut Quiet).unwrap_err().to_string();
    assert!(e.contains("fold0") && e.contains("does not hold those slices"), "{e}");
}

#[test]
fn sweep_grids_are_the_papers() {
    assert_eq!(
        experiments::sweep_grid(Arch::SegNet),
        vec![(1e-4, 4), (1e-4, 8), (1e-4, 12), (1e-3, 4), (1e-3, 8), (1e-3, 12), (3e-3, 4), (3e-3, 8), (3e-3, 12)]
    );
    assert_eq!(experiments::sweep_grid(Arch::UNet)[3], (5e-4, 2));
}
