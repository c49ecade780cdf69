//! Figures of a run: curves from log.csv, dataset sample, label heat map, test overlays.

mod common;
use lungseg::data::Task;
use lungseg::models::Arch;
use lungseg::train::{self, Quiet, TrainConfig};
use std::sync::atomic::AtomicBool;

#[test]
fn figures_of_a_short_run() {
    let gpu = common::gpu();
    let cfg = TrainConfig { val_every: 3, ..common::tiny(Arch::SegNet, Task::Multi) };
    let run = common::scratch("figures", "run");
    train::train(&gpu, &cfg, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let out = run.join("figures");
    let files = lungseg::figures::write_figures(&gpu, &run, &out).unwrap();
    assert_eq!(files.len(), 4 + 18, "2 curves, sample, heat map, one overlay per test image");
    let svg = std::fs::read_to_string(out.join("loss.svg")).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2, "training and validation series");
    let (tl, vl, _, _) = lungseg::figures::read_log(&run.join("log.csv")).unwrap();
    assert_eq!((tl.len(), vl.len()), (18, 6));
    // PNG header: width and height (big-endian u32 at bytes 16 and 20), colour type 2 = RGB.
    let png = |name: &str| {
        let b = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&b[1..4], b"PNG", "{name}");
        let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        (be(16), be(20), b[25])
    };
    assert_eq!(png("label_heatmap.png"), (32, 32, 2), "heat map: 32×32 RGB");
    // Four rows of (CT, CT + labels) side by side, with a 4-pixel gap.
    assert_eq!(png("dataset_sample.png"), (68, 128, 2), "dataset sample: 68×128 RGB");
    let overlays: Vec<_> = std::fs::read_dir(out.join("test_overlays")).unwrap().collect();
    assert_eq!(overlays.len(), 18, "one overlay per test image");
    for f in &files {
        assert!(f.exists() && std::fs::metadata(f).unwrap().len() > 0, "{} was reported but not written", f.display());
    }
    // A run copied back without its checkpoints (from a GPU machine, say) still gets its curves,
    // sample and heat map.
    for f in ["best.safetensors", "last.safetensors"] {
        std::fs::remove_file(run.join(f)).unwrap();
    }
    let files = lungseg::figures::write_figures(&gpu, &run, &run.join("figures-no-weights")).unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
}

/// A run trained with `--snapshots` is drawn as `eval` scores it: the overlays show the mean of its
/// snapshots' predictions, not its best checkpoint's.
#[test]
fn overlays_of_a_snapshot_run_show_its_ensemble() {
    let gpu = common::gpu();
    let cfg = TrainConfig { val_every: 3, snapshots: 3, ..common::tiny(Arch::SegNet, Task::Binary) };
    let run = common::scratch("figures", "snapshots");
    train::train(&gpu, &cfg, &run, false, &AtomicBool::new(false), &mut Quiet).unwrap();
    let out = run.join("figures");
    lungseg::figures::write_figures(&gpu, &run, &out).unwrap();

    let prep = lungseg::pipeline::prepare(&cfg).unwrap();
    let ensemble = lungseg::evaluate::Ensemble::load(&gpu, &run, None, false).unwrap();
    let best = lungseg::evaluate::Ensemble::load(&gpu, &lungseg::run_dir::RunDir::new(&run).best(), None, false).unwrap();
    assert_eq!((ensemble.members.len(), best.members.len()), (3, 1));
    // A test image where the snapshots' mean and the best checkpoint disagree somewhere.
    let (s, pred) = prep
        .split
        .test
        .iter()
        .map(|&i| &prep.slices[i])
        .map(|s| (s, ensemble.classes(&gpu, &[&s.image]).unwrap(), best.classes(&gpu, &[&s.image]).unwrap()))
        .find(|(_, e, b)| e != b)
        .map(|(s, e, _)| (s, e))
        .expect("on some test image the ensemble's mask differs from the best checkpoint's");
    let path = out.join(format!("test_overlays/{}_truth_vs_prediction.png", s.name));
    let mut reader = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap())).read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).unwrap();
    let (w, total) = (32, info.width as usize);
    assert_eq!((total, info.height), (2 * w + 4, 32), "truth | 4-pixel gap | prediction");
    let right: Vec<u8> = (0..32).flat_map(|r| rgb[(r * total + w + 4) * 3..(r * total + 2 * w + 4) * 3].to_vec()).collect();
    assert!(
        right == lungseg::predict::overlay(&s.image, &pred, Task::Binary),
        "{}: the prediction panel is the ensemble's",
        path.display()
    );
}
