//! A run folder on disk: what each file is, atomic JSON writes, the training log, and the record
//! of where and how long the run trained.
//!
//! ```text
//! RUN_DIR/config.json       the TrainConfig
//! RUN_DIR/split.json        slice names and indices of train / val / test
//! RUN_DIR/log.csv           kind,epoch,iteration,loss,accuracy,lr,dice (train and val rows; dice:
//!                           the validation's foreground Dice, empty on train rows)
//! RUN_DIR/last.safetensors  the resumable checkpoint (weights, Adam moments, state)
//! RUN_DIR/best.safetensors  the weights with the lowest validation loss (or, --select dice, the
//!                           highest smoothed validation Dice)
//! RUN_DIR/snapshots/        with --snapshots K: iter-NNNNNNN.safetensors, the weights of the last
//!                           K validations (the run predicts with their mean probabilities)
//! RUN_DIR/run.json          adapter, training seconds, sessions, epochs
//! RUN_DIR/metrics.json      the paper's metrics on the test split (metrics-<split>.json others)
//! ```

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes JSON atomically (temporary file, then rename).
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::InvalidArgument { op: "json", detail: format!("{}: cannot serialise: {e}", path.display()) })?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io("writing JSON", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("moving JSON into place", path, e))
}

/// Reads a JSON file.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading JSON", path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::InvalidArgument { op: "json", detail: format!("{}: {e}", path.display()) })
}

/// The files of one run folder.
#[derive(Clone, Debug, PartialEq)]
pub struct RunDir {
    pub root: PathBuf,
}

impl RunDir {
    pub fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf() }
    }
    /// Creates the folder (and its parents).
    pub fn create(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(|e| Error::io("creating the run folder", root, e))?;
        Ok(Self::new(root))
    }
    pub fn config(&self) -> PathBuf {
        self.root.join("config.json")
    }
    pub fn split(&self) -> PathBuf {
        self.root.join("split.json")
    }
    pub fn log(&self) -> PathBuf {
        self.root.join("log.csv")
    }
    pub fn last(&self) -> PathBuf {
        self.root.join("last.safetensors")
    }
    pub fn best(&self) -> PathBuf {
        self.root.join("best.safetensors")
    }
    pub fn record(&self) -> PathBuf {
        self.root.join("run.json")
    }
    /// The folder of `--snapshots`: the weights of the last validations.
    pub fn snapshots(&self) -> PathBuf {
        self.root.join("snapshots")
    }
    /// The snapshot taken at the validation after `iteration`.
    pub fn snapshot(&self, iteration: usize) -> PathBuf {
        self.snapshots().join(format!("iter-{iteration:07}.safetensors"))
    }
    /// The snapshots present, in iteration order (none when the folder does not exist).
    pub fn snapshot_files(&self) -> Result<Vec<PathBuf>> {
        let dir = self.snapshots();
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io("listing the snapshots", &dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("iter-") && n.ends_with(".safetensors")))
            .collect();
        files.sort();
        Ok(files)
    }
    /// The snapshots the run predicts with: those present when its `config.json` says it keeps
    /// them (`--snapshots K`). None otherwise — a folder without a readable `config.json` (a best
    /// checkpoint copied into a folder, say) is its best checkpoint, and a leftover `snapshots/`
    /// of a run that keeps none is not its own.
    pub fn kept_snapshots(&self) -> Result<Vec<PathBuf>> {
        match read_json::<crate::config::TrainConfig>(&self.config()) {
            Ok(c) if c.snapshots > 0 => self.snapshot_files(),
            _ => Ok(Vec::new()),
        }
    }

    /// `metrics.json` for the test split, `metrics-<split>.json` for the others.
    pub fn metrics(&self, split: &str) -> PathBuf {
        self.root.join(metrics_file(split, false, false))
    }

    /// Opens `log.csv` for appending: a new log (header only), or on resume the existing one
    /// without the rows past `iteration` — with `--checkpoint-every` > 1 the log can run past the
    /// checkpoint, and the resumed run writes those iterations again, so each appears once.
    pub fn open_log(&self, resume_at: Option<usize>) -> Result<Log> {
        let path = self.log();
        match resume_at {
            Some(iteration) => {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io("reading the training log", &path, e))?;
                // A log written before the dice column existed gets it (empty) on its rows.
                let upgrade = text.lines().next().is_some_and(|header| header.split(',').count() < LOG_HEADER.split(',').count());
                let kept: String = text
                    .lines()
                    .enumerate()
                    .filter(|(i, line)| {
                        *i == 0 || line.split(',').nth(2).and_then(|it| it.parse::<usize>().ok()).is_some_and(|it| it <= iteration)
                    })
                    .map(|(i, line)| match (upgrade, i) {
                        (true, 0) => format!("{LOG_HEADER}\n"),
                        (true, _) => format!("{line},\n"),
                        (false, _) => format!("{line}\n"),
                    })
                    .collect();
                std::fs::write(&path, kept).map_err(|e| Error::io("rewriting the training log", &path, e))?;
            }
            None => std::fs::write(&path, format!("{LOG_HEADER}\n")).map_err(|e| Error::io("creating the training log", &path, e))?,
        }
        let file = std::fs::OpenOptions::new().append(true).open(&path).map_err(|e| Error::io("opening the training log", &path, e))?;
        Ok(Log { file, path })
    }

    /// Adds this session to `run.json` (a resume adds to the sessions and seconds before it).
    pub fn record_session(&self, adapter: String, resume: bool, seconds: f64, epochs: usize) -> Result<()> {
        let path = self.record();
        let before: RunRecord = if resume && path.exists() { read_json(&path)? } else { RunRecord::default() };
        write_json(&path, &RunRecord { adapter, train_seconds: before.train_seconds + seconds, sessions: before.sessions + 1, epochs })
    }
}

/// The columns of `log.csv`.
pub const LOG_HEADER: &str = "kind,epoch,iteration,loss,accuracy,lr,dice";

/// `log.csv`, open for appending.
pub struct Log {
    file: std::fs::File,
    path: PathBuf,
}

impl Log {
    /// One row: `kind` is `train` or `val`; `epoch` is 1-based.
    /// One row; `dice` is the validation's foreground Dice (train rows: `None`, left empty).
    #[allow(clippy::too_many_arguments)]
    pub fn row(&mut self, kind: &str, epoch: usize, iteration: usize, loss: f32, accuracy: f32, lr: f32, dice: Option<f32>) -> Result<()> {
        let dice = dice.map_or(String::new(), |d| d.to_string());
        writeln!(self.file, "{kind},{epoch},{iteration},{loss},{accuracy},{lr},{dice}")
            .map_err(|e| Error::io("writing the training log", &self.path, e))
    }
}

/// `RUN_DIR/run.json`: where and how long a run trained, for reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Adapter of the last session that trained the run.
    pub adapter: String,
    /// Training seconds summed over the sessions (resumes add theirs; time after an interrupted
    /// session's last checkpoint is counted although the resume repeats it).
    pub train_seconds: f64,
    /// Sessions (1 + resumes).
    pub sessions: usize,
    /// Epochs finished.
    pub epochs: usize,
}

/// The suffix every file of a scoring variant carries: `-tta`, then `-calibrated` — one rule, so
/// a run's metrics and its cross-validation's summary name a variant alike.
fn variant(tta: bool, calibrated: bool) -> String {
    format!("{}{}", if tta { "-tta" } else { "" }, if calibrated { "-calibrated" } else { "" })
}

/// The file a run's metrics on `split` go to for a scoring variant: `metrics.json`,
/// `metrics-tta.json`, `metrics-calibrated.json` or `metrics-tta-calibrated.json` for the test
/// split; `metrics-<split>….json` for the others.
pub fn metrics_file(split: &str, tta: bool, calibrated: bool) -> String {
    let split = if split == "test" { String::new() } else { format!("-{split}") };
    format!("metrics{split}{}.json", variant(tta, calibrated))
}

/// The file `eval --calibrate` writes a run's offsets to: `calibration.json` or `calibration-tta.json`.
pub fn calibration_file(tta: bool) -> String {
    format!("calibration{}.json", variant(tta, false))
}

/// The summary file of a cross-validation for a scoring variant: `cv.json`, `cv-tta.json`,
/// `cv-calibrated.json` or `cv-tta-calibrated.json`.
pub fn cv_file(tta: bool, calibrated: bool) -> String {
    format!("cv{}.json", variant(tta, calibrated))
}
