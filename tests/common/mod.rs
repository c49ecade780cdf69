//! Shared by the GPU tests. A missing adapter is a failure, never a skip.
#![allow(dead_code)]

use lungseg::check::{header, CheckRow};
use lungseg::{Gpu, GpuOptions, KernelFamily};
use ndarray::{Array, Dimension};

pub fn gpu_with(kernels: KernelFamily) -> Gpu {
    let options = GpuOptions { backend: std::env::var("LUNGSEG_BACKEND").ok(), adapter: None, kernels };
    match Gpu::headless(&options) {
        Ok(g) => g,
        Err(e) => panic!("GPU tests need an adapter and none was usable — this is a failure, not a skip:\n{e}"),
    }
}

/// The adapter the tests run on (`LUNGSEG_BACKEND` / `LUNGSEG_ADAPTER` choose; default the best),
/// with the kernel family `LUNGSEG_KERNELS` names (CI runs the suite once per family), else `auto`.
pub fn gpu() -> Gpu {
    let family = std::env::var("LUNGSEG_KERNELS").map(|v| v.parse().expect("LUNGSEG_KERNELS names a kernel family")).unwrap_or_default();
    gpu_with(family)
}

/// The same adapter with the portable kernels only (no subgroup variants).
pub fn portable_gpu() -> Gpu {
    gpu_with(KernelFamily::Portable)
}

/// Prints the rows and fails if any is outside its tolerance.
pub fn assert_rows(rows: Vec<CheckRow>) {
    println!("{}", header());
    for r in &rows {
        println!("{r}");
    }
    let failed: Vec<String> = rows.iter().filter(|r| !r.passed()).map(|r| r.to_string()).collect();
    assert!(failed.is_empty(), "outside tolerance:\n{}", failed.join("\n"));
}

/// Finite-difference agreement of an f64 reference backward: |num − ana| ≤ 1e-6 + 1e-6·|ana|.
/// (Central differences with h = 1e-5 in f64 have truncation error ~h² and rounding ~1e-11/h.)
pub fn assert_fd<D: Dimension>(what: &str, numeric: &Array<f64, D>, analytic: &Array<f64, D>) {
    assert_eq!(numeric.shape(), analytic.shape(), "{what}: shapes");
    for (i, (n, a)) in numeric.iter().zip(analytic.iter()).enumerate() {
        assert!((n - a).abs() <= 1e-6 + 1e-6 * a.abs(), "{what}: element {i}: finite difference {n} vs analytic {a}");
    }
}

/// Step for central differences.
pub const H: f64 = 1e-5;

/// Fails when `LUNGSEG_EXPECT_SUBGROUPS=1` (set by CI, whose lavapipe has subgroups of 8) and the
/// subgroup kernel variants of `shader` are not in use.
pub fn expect_subgroups(gpu: &Gpu, shader: &str) {
    if std::env::var("LUNGSEG_EXPECT_SUBGROUPS").is_ok_and(|v| v == "1") {
        assert!(
            gpu.uses_subgroups(),
            "expected shaders/{shader}.wgsl to run on {}, but the subgroup kernels are not in use",
            gpu.adapter_name()
        );
    } else if !gpu.uses_subgroups() {
        println!("note: {} has no subgroups of >= 8; shaders/{shader}.wgsl is not exercised here", gpu.adapter_name());
    }
}

/// Training progress that sets a stop flag at a given iteration: an interrupted run, to resume.
pub struct StopAt(pub usize, pub std::sync::Arc<std::sync::atomic::AtomicBool>);
impl lungseg::train::Progress for StopAt {
    fn iteration(&mut self, _e: usize, iteration: usize, _l: f32, _a: f32, _lr: f32) {
        if iteration == self.0 {
            self.1.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// A path for one test's files, `<temp dir>/lungseg-test-<what>-XXXXXX/<name>` (not created), whose
/// folder is removed when this is dropped — when the test ends, passed or failed — so the suite
/// leaves nothing in the temp dir (it used to leave ~160 MB per run). `LUNGSEG_KEEP_TEST_FILES=1`
/// keeps them for inspection and prints where.
pub struct Scratch {
    _root: tempfile::TempDir,
    path: std::path::PathBuf,
}

pub fn scratch(what: &str, name: &str) -> Scratch {
    let mut root = tempfile::Builder::new().prefix(&format!("lungseg-test-{what}-")).tempdir().expect("a folder in the temp dir");
    if std::env::var("LUNGSEG_KEEP_TEST_FILES").is_ok_and(|v| v == "1") {
        root.disable_cleanup(true);
        println!("keeping {}", root.path().display());
    }
    let path = root.path().join(name);
    Scratch { _root: root, path }
}

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

/// Copies the shipped slices (images and 4-class masks, the paper's layout) into `root`,
/// overwriting what a previous copy left there.
pub fn copy_shipped_slices(root: &std::path::Path) {
    let shipped = lungseg::data::find_shipped().expect("the shipped slices");
    for sub in ["im/256", "mask/multi/256"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
        for e in std::fs::read_dir(shipped.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), root.join(sub).join(e.file_name())).unwrap();
        }
    }
}

/// The tests' tiny training shape on the quick preset's recipe: 32×32 slices, width 4, two epochs in
/// batches of 8 (70 training slices: 9 iterations an epoch). Each test sets what it varies.
pub fn tiny(arch: lungseg::models::Arch, task: lungseg::data::Task) -> lungseg::train::TrainConfig {
    use lungseg::train::{Preset, TrainConfig};
    TrainConfig { size: 32, width: 4, epochs: 2, batch: 8, ..TrainConfig::preset(Preset::Quick, arch, task) }
}
