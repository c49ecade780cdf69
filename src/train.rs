//! Training, evaluation and prediction on real data: the README's main job.
//!
//! Everything a run does is decided by one [`TrainConfig`] (written to `RUN_DIR/config.json`),
//! and every random choice is a pure function of (seed, epoch, iteration), so a resumed run
//! continues exactly where an uninterrupted one would be.

use crate::checkpoint::{self, Extra};
use crate::data::{self, ClassWeighting, Normalization, Slice, Split, Task, Window};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::metrics::{class_metrics, summarize, Report};
use crate::models::{Arch, Model, ModelConfig};
use crate::rng::Rng;
use crate::step::{self, StepConfig};
use crate::tape::Mode;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Where the slices come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DataSource {
    /// PNG slices: a folder in the paper's layout (`im/256`, `mask/multi/256`) or with `images/`
    /// and `masks/` subfolders.
    Png { dir: PathBuf },
    /// MedSeg NIfTI volumes: CT in HU, mask 0..3, optional lung mask.
    Nifti { image: PathBuf, mask: PathBuf, lungs: Option<PathBuf> },
}

/// The resolved configuration of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub preset: String,
    pub model: String,
    pub task: String,
    pub data: DataSource,
    pub size: usize,
    pub width: usize,
    pub depth: usize,
    pub dropout: f32,
    pub final_bn_relu: bool,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    pub l2: f32,
    /// Learning rate × `lr_drop` every `lr_drop_every` epochs (the paper: 0.95 every 12).
    pub lr_drop: f32,
    pub lr_drop_every: usize,
    pub seed: u64,
    /// Cross-validation fold (0-based) of `folds`; `None`: the paper's 72/10/18 split.
    pub fold: Option<usize>,
    pub folds: usize,
    pub normalization: String,
    pub augment: bool,
    pub max_shear_deg: f64,
    /// Validation every this many iterations (the paper: 10).
    pub val_every: usize,
    pub window: (f32, f32),
    /// Cross-entropy class weights: median (the paper), sqrt-median or uniform.
    #[serde(default = "default_class_weights")]
    pub class_weights: String,
    /// Write `last.safetensors` every this many epochs (and at the end and on Ctrl-C); a resume
    /// repeats at most this many epochs, exactly.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
}

fn default_class_weights() -> String {
    "median".into()
}
fn default_checkpoint_every() -> usize {
    1
}

/// Which preset, before flags override it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// The paper's setting: 256×256, full width, 160 epochs, the best runs' learning rate and batch.
    Paper,
    /// Reduced size / width / epochs, ~10 minutes on lavapipe on 2 cores.
    Quick,
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "paper" => Ok(Preset::Paper),
            "quick" => Ok(Preset::Quick),
            _ => Err(Error::InvalidArgument { op: "preset", detail: format!("unknown preset {s:?}: quick or paper") }),
        }
    }
}

impl TrainConfig {
    /// The preset's configuration for `arch` on `task`, on the shipped data.
    pub fn preset(preset: Preset, arch: Arch, task: Task) -> Self {
        let paper = ModelConfig::paper(arch, task.classes());
        let (size, width, epochs, batch, lr) = match (preset, arch, task) {
            // Table 2 of the paper, best experiments: U-Net exp. 4 (5e-4, 2); SegNet binary exp. 4
            // (1e-3, 4); SegNet 4-class exp. 7 (3e-3, 4).
            (Preset::Paper, Arch::UNet, _) => (256, paper.width, 160, 2, 5e-4),
            (Preset::Paper, Arch::SegNet, Task::Binary) => (256, paper.width, 160, 4, 1e-3),
            (Preset::Paper, Arch::SegNet, Task::Multi) => (256, paper.width, 160, 4, 3e-3),
            // 128×128 and half the paper's width: 1/16 of its arithmetic per image, so 40 epochs
            // take about 10 minutes on lavapipe on 2 cores (measured: README, Results).
            (Preset::Quick, Arch::UNet, _) => (128, 16, 40, 4, 2e-3),
            (Preset::Quick, Arch::SegNet, _) => (128, 32, 40, 4, 2e-3),
        };
        TrainConfig {
            preset: match preset {
                Preset::Paper => "paper".into(),
                Preset::Quick => "quick".into(),
            },
            model: arch.to_string(),
            task: task.to_string(),
            data: DataSource::Png { dir: data::shipped_dir() },
            size,
            width,
            depth: paper.depth,
            dropout: paper.dropout,
            final_bn_relu: false,
            epochs,
            batch,
            lr,
            l2: 1e-4,
            lr_drop: 0.95,
            lr_drop_every: 12,
            seed: 1,
            fold: None,
            folds: 5,
            normalization: "zerocenter".into(),
            augment: true,
            max_shear_deg: 10.0,
            val_every: 10,
            window: (Window::default().lo, Window::default().hi),
            class_weights: default_class_weights(),
            checkpoint_every: default_checkpoint_every(),
        }
    }

    pub fn arch(&self) -> Result<Arch> {
        self.model.parse()
    }
    pub fn task_kind(&self) -> Result<Task> {
        self.task.parse()
    }
    pub fn normalization_kind(&self) -> Result<Normalization> {
        self.normalization.parse()
    }
    pub fn class_weighting(&self) -> Result<ClassWeighting> {
        self.class_weights.parse()
    }
    pub fn model_config(&self) -> Result<ModelConfig> {
        let arch = self.arch()?;
        let c = ModelConfig {
            width: self.width,
            depth: self.depth,
            dropout: self.dropout,
            final_bn_relu: self.final_bn_relu,
            ..ModelConfig::paper(arch, self.task_kind()?.classes())
        };
        c.check_size(self.size, self.size)?;
        Ok(c)
    }
    /// Checks every count and rate before anything runs: a batch, epoch or interval of 0, a
    /// learning rate that is not a positive finite number, or a fold outside `folds` is an
    /// [`Error::InvalidArgument`] naming the option (they used to end in a division by zero).
    pub fn check(&self) -> Result<()> {
        let bad = |detail: String| Err(Error::InvalidArgument { op: "training configuration", detail });
        for (name, v) in [
            ("--batch", self.batch),
            ("--epochs", self.epochs),
            ("--size", self.size),
            ("--width", self.width),
            ("--checkpoint-every", self.checkpoint_every),
            ("val_every", self.val_every),
            ("lr_drop_every", self.lr_drop_every),
        ] {
            if v == 0 {
                return bad(format!("{name} must be at least 1, got 0"));
            }
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad(format!("--lr must be a positive finite number, got {}", self.lr));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        if let Some(k) = self.fold {
            if self.folds < 2 || k >= self.folds {
                return bad(format!("--fold {k} needs --folds > {k} and at least 2, got --folds {}", self.folds));
            }
        }
        self.model_config()?;
        self.normalization_kind()?;
        self.class_weighting()?;
        Ok(())
    }

    /// Learning rate in `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f32 {
        self.lr * self.lr_drop.powi((epoch / self.lr_drop_every.max(1)) as i32)
    }
}

/// The slices of a data source at the configured size.
pub fn load_slices(cfg: &TrainConfig) -> Result<Vec<Slice>> {
    let task = cfg.task_kind()?;
    let raw = match &cfg.data {
        DataSource::Png { dir } => {
            if dir.join("images").is_dir() && dir.join("masks").is_dir() {
                data::load_png_pairs(&dir.join("images"), &dir.join("masks"), task)?
            } else {
                data::load_medseg(dir, task)?
            }
        }
        DataSource::Nifti { image, mask, lungs } => {
            data::load_nifti(image, mask, lungs.as_deref(), task, Window { lo: cfg.window.0, hi: cfg.window.1 })?
        }
    };
    Ok(raw.iter().map(|s| s.resized(cfg.size)).collect())
}

/// The split a configuration uses.
pub fn split_for(cfg: &TrainConfig, n: usize) -> Result<Split> {
    match cfg.fold {
        Some(k) => data::kfold_split(n, cfg.folds, k, cfg.seed),
        None => Ok(data::paper_split(n, cfg.seed)),
    }
}

/// Uploads a batch: images (B, 1, S, S) normalised, labels (B, S, S).
fn batch_tensors(gpu: &Gpu, slices: &[Slice], norm: Normalization, mean: Option<&[f32]>) -> Result<(crate::Tensor, crate::Tensor)> {
    let s = slices[0].height;
    let mut images = Vec::with_capacity(slices.len() * s * s);
    let mut labels = Vec::with_capacity(slices.len() * s * s);
    for sl in slices {
        let mut im = sl.image.clone();
        data::normalize(&mut im, norm, mean);
        images.extend(im);
        labels.extend_from_slice(&sl.labels);
    }
    Ok((
        gpu.upload_f32("batch images", &images, &[slices.len(), 1, s, s])?,
        gpu.upload_u32("batch labels", &labels, &[slices.len(), s, s])?,
    ))
}

/// Where a run stands (checkpoint metadata `state`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Next epoch / batch to run.
    pub epoch: usize,
    pub batch_in_epoch: usize,
    pub iteration: usize,
    pub best_val_loss: Option<f32>,
}

/// Progress reports of a training run.
pub trait Progress {
    fn start(&mut self, _total_iterations: u64, _per_epoch: u64) {}
    fn iteration(&mut self, _epoch: usize, _iteration: usize, _loss: f32, _accuracy: f32, _lr: f32) {}
    fn validation(&mut self, _iteration: usize, _loss: f32, _accuracy: f32) {}
    fn message(&mut self, _text: &str) {}
    fn finish(&mut self) {}
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {}

/// What [`train`] returns.
pub struct Outcome {
    pub run_dir: PathBuf,
    pub state: RunState,
    /// Training stopped early by the stop flag (a checkpoint was saved).
    pub interrupted: bool,
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::InvalidArgument { op: "run folder", detail: format!("{}: {e}", path.display()) }
}

/// Writes JSON atomically (temporary file, then rename).
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::InvalidArgument { op: "json", detail: e.to_string() })?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// Reads a JSON file of the run folder.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::InvalidArgument { op: "json", detail: format!("{}: {e}", path.display()) })
}

/// Everything prepared for a run: data, split, weights, normalisation.
pub struct Prepared {
    pub slices: Vec<Slice>,
    pub split: Split,
    pub class_weights: Vec<f32>,
    pub mean_image: Option<Vec<f32>>,
}

pub fn prepare(cfg: &TrainConfig) -> Result<Prepared> {
    let slices = load_slices(cfg)?;
    let split = split_for(cfg, slices.len())?;
    let train: Vec<&Slice> = split.train.iter().map(|&i| &slices[i]).collect();
    let class_weights = cfg.class_weighting()?.weights(&train, cfg.task_kind()?.classes());
    let mean_image = (cfg.normalization_kind()? == Normalization::ZeroCenter).then(|| data::mean_image(&train));
    Ok(Prepared { slices, split, class_weights, mean_image })
}

fn checkpoint_extra(cfg: &TrainConfig, prep: &Prepared, state: &RunState) -> Result<Extra> {
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("config".into(), serde_json::to_string(cfg).map_err(|e| Error::InvalidArgument { op: "json", detail: e.to_string() })?);
    metadata
        .insert("state".into(), serde_json::to_string(state).map_err(|e| Error::InvalidArgument { op: "json", detail: e.to_string() })?);
    metadata.insert("class_weights".into(), format!("{:?}", prep.class_weights));
    metadata.insert("format".into(), "lungseg checkpoint 1: parameters in PyTorch layouts under layer names".into());
    let mut tensors = vec![("input.class_weights".to_string(), vec![prep.class_weights.len()], prep.class_weights.clone())];
    if let Some(m) = &prep.mean_image {
        tensors.push(("input.mean_image".into(), vec![cfg.size, cfg.size], m.clone()));
    }
    Ok(Extra { tensors, metadata })
}

/// Trains (or, with `resume`, continues) a run in `run_dir`. `stop` is polled after every
/// iteration: when set, the run saves `last.safetensors` and returns with `interrupted`.
pub fn train(
    gpu: &Gpu,
    cfg: &TrainConfig,
    run_dir: &Path,
    resume: bool,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    cfg.check()?;
    let started = std::time::Instant::now();
    std::fs::create_dir_all(run_dir).map_err(|e| io_err(run_dir, e))?;
    let prep = prepare(cfg)?;
    let task = cfg.task_kind()?;
    let norm = cfg.normalization_kind()?;
    write_json(&run_dir.join("config.json"), cfg)?;
    let names = |idx: &[usize]| idx.iter().map(|&i| prep.slices[i].name.clone()).collect::<Vec<_>>();
    write_json(
        &run_dir.join("split.json"),
        &serde_json::json!({"train": names(&prep.split.train), "val": names(&prep.split.val), "test": names(&prep.split.test), "indices": &prep.split}),
    )?;
    progress.message(&format!(
        "{} images ({} train / {} val / {} test) at {}×{}; class weights ({}): {}",
        prep.slices.len(),
        prep.split.train.len(),
        prep.split.val.len(),
        prep.split.test.len(),
        cfg.size,
        cfg.size,
        cfg.class_weights,
        task.class_names().iter().zip(&prep.class_weights).map(|(n, w)| format!("{n} {w:.3}")).collect::<Vec<_>>().join(", ")
    ));

    let mut model = Model::new(gpu, cfg.model_config()?, cfg.seed)?;
    let last = run_dir.join("last.safetensors");
    let best = run_dir.join("best.safetensors");
    let log_path = run_dir.join("log.csv");
    let mut state = RunState::default();
    if resume {
        let ck = checkpoint::Loaded::open(&last)?;
        ck.restore(gpu, &mut model.params)?;
        state = ck.metadata().get("state").and_then(|s| serde_json::from_str(s).ok()).ok_or_else(|| Error::InvalidArgument {
            op: "resume",
            detail: format!("{}: no training state in the checkpoint", last.display()),
        })?;
        progress.message(&format!("resuming at epoch {}, batch {}, iteration {}", state.epoch + 1, state.batch_in_epoch, state.iteration));
        // With --checkpoint-every > 1 the log can run past the checkpoint: drop the rows the
        // resumed run will write again, so log.csv holds each iteration once.
        let text = std::fs::read_to_string(&log_path).map_err(|e| io_err(&log_path, e))?;
        let kept: String = text
            .lines()
            .enumerate()
            .filter(|(i, line)| {
                *i == 0 || line.split(',').nth(2).and_then(|it| it.parse::<usize>().ok()).is_some_and(|it| it <= state.iteration)
            })
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        std::fs::write(&log_path, kept).map_err(|e| io_err(&log_path, e))?;
    } else {
        std::fs::write(&log_path, "kind,epoch,iteration,loss,accuracy,lr\n").map_err(|e| io_err(&log_path, e))?;
    }
    let mut log = std::fs::OpenOptions::new().append(true).open(&log_path).map_err(|e| io_err(&log_path, e))?;
    let weights = gpu.upload_f32("class weights", &prep.class_weights, &[prep.class_weights.len()])?;
    let per_epoch = prep.split.train.len().div_ceil(cfg.batch);
    progress.start((cfg.epochs * per_epoch) as u64, per_epoch as u64);

    let save = |model: &Model, state: &RunState, path: &Path| -> Result<()> {
        checkpoint::save(gpu, &model.params, &checkpoint_extra(cfg, &prep, state)?, path)
    };
    let mut interrupted = false;
    'epochs: while state.epoch < cfg.epochs {
        let epoch = state.epoch;
        let lr = cfg.lr_at(epoch);
        // The epoch's shuffle depends only on (seed, epoch).
        let mut order = prep.split.train.clone();
        Rng::new(cfg.seed ^ (epoch as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407)).shuffle(&mut order);
        while state.batch_in_epoch < per_epoch {
            let b = state.batch_in_epoch;
            let idx = &order[b * cfg.batch..((b + 1) * cfg.batch).min(order.len())];
            let mut aug = Rng::new(cfg.seed ^ (state.iteration as u64 + 1).wrapping_mul(0x9FB2_1C65_1E98_DF25));
            let batch: Vec<Slice> = idx
                .iter()
                .map(|&i| if cfg.augment { data::augment(&prep.slices[i], &mut aug, cfg.max_shear_deg) } else { prep.slices[i].clone() })
                .collect();
            let (x, y) = batch_tensors(gpu, &batch, norm, prep.mean_image.as_deref())?;
            let sc = StepConfig { lr, l2: cfg.l2, dropout_seed: cfg.seed.wrapping_add(state.iteration as u64) };
            let stats = step::train_step_stats(gpu, &mut model, &x, &y, &weights, &sc, true)?.expect("stats were requested");
            if !stats.loss.is_finite() {
                return Err(Error::InvalidArgument {
                    op: "train",
                    detail: format!(
                        "the loss became {} at epoch {}, iteration {} (learning rate {lr}); training stopped, {} keeps the last good weights — try a lower --lr",
                        stats.loss,
                        epoch + 1,
                        state.iteration + 1,
                        last.display()
                    ),
                });
            }
            state.iteration += 1;
            state.batch_in_epoch += 1;
            writeln!(log, "train,{},{},{},{},{}", epoch + 1, state.iteration, stats.loss, stats.accuracy, lr)
                .map_err(|e| io_err(&log_path, e))?;
            progress.iteration(epoch, state.iteration, stats.loss, stats.accuracy, lr);
            if cfg.val_every > 0 && state.iteration % cfg.val_every == 0 && !prep.split.val.is_empty() {
                let (vl, va) = validate(gpu, &model, &prep, &prep.split.val, cfg, &weights)?;
                writeln!(log, "val,{},{},{},{},{}", epoch + 1, state.iteration, vl, va, lr).map_err(|e| io_err(&log_path, e))?;
                progress.validation(state.iteration, vl, va);
                if state.best_val_loss.is_none_or(|b| vl < b) {
                    state.best_val_loss = Some(vl);
                    save(&model, &state, &best)?;
                }
            }
            if stop.load(Ordering::Relaxed) {
                save(&model, &state, &last)?;
                interrupted = true;
                break 'epochs;
            }
        }
        state.epoch += 1;
        state.batch_in_epoch = 0;
        if state.epoch % cfg.checkpoint_every.max(1) == 0 || state.epoch == cfg.epochs {
            save(&model, &state, &last)?;
        }
    }
    if !best.exists() {
        save(&model, &state, &best)?;
    }
    record_run(run_dir, gpu, resume, started.elapsed().as_secs_f64(), &state)?;
    progress.finish();
    Ok(Outcome { run_dir: run_dir.to_path_buf(), state, interrupted })
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

fn record_run(run_dir: &Path, gpu: &Gpu, resume: bool, seconds: f64, state: &RunState) -> Result<()> {
    let path = run_dir.join("run.json");
    let before: RunRecord = if resume && path.exists() { read_json(&path)? } else { RunRecord::default() };
    let record = RunRecord {
        adapter: gpu.adapter_name(),
        train_seconds: before.train_seconds + seconds,
        sessions: before.sessions + 1,
        epochs: state.epoch,
    };
    write_json(&path, &record)
}

/// Mean loss (weighted by images) and pixel accuracy over `indices`, in inference mode.
fn validate(
    gpu: &Gpu,
    model: &Model,
    prep: &Prepared,
    indices: &[usize],
    cfg: &TrainConfig,
    weights: &crate::Tensor,
) -> Result<(f32, f32)> {
    let norm = cfg.normalization_kind()?;
    let (mut loss_sum, mut correct, mut total) = (0.0f64, 0u64, 0u64);
    for chunk in indices.chunks(cfg.batch.max(1)) {
        let batch: Vec<Slice> = chunk.iter().map(|&i| prep.slices[i].clone()).collect();
        let (x, y) = batch_tensors(gpu, &batch, norm, prep.mean_image.as_deref())?;
        let (l, logits) = step::evaluate(gpu, model, &x, &y, weights, Mode::Infer)?;
        loss_sum += l as f64 * chunk.len() as f64;
        let pred = step::predict_classes(gpu, &logits)?;
        for (p, s) in pred.chunks(cfg.size * cfg.size).zip(&batch) {
            correct += p.iter().zip(&s.labels).filter(|(a, b)| a == b).count() as u64;
            total += p.len() as u64;
        }
    }
    Ok(((loss_sum / indices.len().max(1) as f64) as f32, correct as f32 / total.max(1) as f32))
}

/// Loads a run's model from `best.safetensors` (or a checkpoint file), with its configuration.
pub fn load_model(gpu: &Gpu, checkpoint_or_run: &Path) -> Result<(TrainConfig, Model, checkpoint::Loaded)> {
    let file = if checkpoint_or_run.is_dir() { checkpoint_or_run.join("best.safetensors") } else { checkpoint_or_run.to_path_buf() };
    let ck = checkpoint::Loaded::open(&file)?;
    let cfg: TrainConfig = ck.metadata().get("config").and_then(|s| serde_json::from_str(s).ok()).ok_or_else(|| {
        Error::InvalidArgument { op: "checkpoint", detail: format!("{}: no lungseg configuration in the metadata", file.display()) }
    })?;
    let mut model = Model::new(gpu, cfg.model_config()?, cfg.seed)?;
    ck.restore(gpu, &mut model.params)?;
    Ok((cfg, model, ck))
}

/// Evaluates a run on one split (`test`, `val` or `train`) with its best checkpoint: the paper's
/// metrics, written to `RUN_DIR/metrics.json` (`metrics-<split>.json` for other splits).
pub fn evaluate_run(gpu: &Gpu, run_dir: &Path, split_name: &str) -> Result<Report> {
    let (cfg, model, ck) = load_model(gpu, run_dir)?;
    let prep = prepare(&cfg)?;
    let indices = match split_name {
        "test" => &prep.split.test,
        "val" => &prep.split.val,
        "train" => &prep.split.train,
        other => return Err(Error::InvalidArgument { op: "eval", detail: format!("unknown split {other:?}: test, val or train") }),
    };
    let mean = ck.tensor("input.mean_image").ok().map(|(_, m)| m);
    let report = evaluate_slices(gpu, &cfg, &model, &prep.slices, indices, mean.as_deref(), split_name)?;
    let name = if split_name == "test" { "metrics.json".to_string() } else { format!("metrics-{split_name}.json") };
    write_json(&run_dir.join(name), &report)?;
    Ok(report)
}

/// The paper's metrics for `indices` of `slices`.
pub fn evaluate_slices(
    gpu: &Gpu,
    cfg: &TrainConfig,
    model: &Model,
    slices: &[Slice],
    indices: &[usize],
    mean: Option<&[f32]>,
    split_name: &str,
) -> Result<Report> {
    let task = cfg.task_kind()?;
    let c = task.classes();
    let norm = cfg.normalization_kind()?;
    let mut confusion = vec![vec![0u64; c]; c];
    let mut accuracies = Vec::new();
    for chunk in indices.chunks(cfg.batch.max(1)) {
        let batch: Vec<Slice> = chunk.iter().map(|&i| slices[i].clone()).collect();
        let (x, _) = batch_tensors(gpu, &batch, norm, mean)?;
        let logits = step::infer(gpu, model, &x)?;
        let pred = step::predict_classes(gpu, &logits)?;
        for (p, s) in pred.chunks(cfg.size * cfg.size).zip(&batch) {
            let mut correct = 0usize;
            for (&a, &b) in p.iter().zip(&s.labels) {
                confusion[b as usize][a as usize] += 1;
                correct += (a == b) as usize;
            }
            accuracies.push(correct as f64 / p.len() as f64);
        }
    }
    Ok(Report {
        model: cfg.model.clone(),
        task: cfg.task.clone(),
        split: split_name.into(),
        n_images: indices.len(),
        global_accuracy: summarize(&accuracies),
        classes: class_metrics(&confusion, task.class_names()),
        confusion,
    })
}
