//! Figures of a run: curves from log.csv, dataset sample, label heat map, test overlays.

mod common;
use lungseg::data::Task;
use lungseg::models::Arch;
use lungseg::train::{self, Preset, Quiet, TrainConfig};
use std::sync::atomic::AtomicBool;

#[test]
fn figures_of_a_short_run() {
    let gpu = common::gpu();
    let cfg = TrainConfig {
        size: 32,
        width: 4,
        epochs: 2,
        batch: 8,
        val_every: 3,
        ..TrainConfig::preset(Preset::Quick, Arch::SegNet, Task::Multi)
    };
    let run = std::env::temp_dir().join(format!("lungseg-test-figures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run);
    train::train(&gpu, &cfg, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let out = run.join("figures");
    let files = lungseg::figures::write_figures(&gpu, &run, &out).unwrap();
    assert_eq!(files.len(), 4 + 18, "2 curves, sample, heat map, one overlay per test image");
    let svg = std::fs::read_to_string(out.join("loss.svg")).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2, "training and validation series");
    let (tl, vl, _, _) = lungseg::figures::read_log(&run.join("log.csv")).unwrap();
    assert_eq!((tl.len(), vl.len()), (18, 6));
    let heat = lungseg::data::read_png_gray(&out.join("label_heatmap.png"));
    assert!(heat.is_err(), "the heat map is an RGB image");
    let sample = std::fs::read(out.join("dataset_sample.png")).unwrap();
    assert_eq!(&sample[1..4], b"PNG");
    // A run copied back without its checkpoints (from a GPU machine, say) still gets its curves,
    // sample and heat map.
    for f in ["best.safetensors", "last.safetensors"] {
        std::fs::remove_file(run.join(f)).unwrap();
    }
    let files = lungseg::figures::write_figures(&gpu, &run, &run.join("figures-no-weights")).unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
}
