//! The configuration of a training run, typed: every choice is an enum or a number, checked once
//! by [`TrainConfig::validate`], written to `RUN_DIR/config.json` and into every checkpoint.
//!
//! Command-line flags (or an embedding application) change a preset through [`Overrides`]; a
//! resume applies only the overrides that cannot change what the finished epochs computed
//! ([`TrainConfig::resumed`]) and refuses the others with an error naming them — it never drops
//! one silently.

use crate::data::{ClassWeighting, Normalization, Task, Window};
use crate::error::{Error, Result};
use crate::models::{Arch, ModelConfig};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the slices come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DataSource {
    /// The 100 MedSeg slices shipped with lungseg, found where [`crate::data::shipped_dir`]
    /// looks (so a run folder does not name the build machine's source tree).
    Shipped,
    /// PNG slices: a folder in the paper's layout (`im/256`, `mask/multi/256`) or with `images/`
    /// and `masks/` subfolders.
    Png { dir: PathBuf },
    /// MedSeg NIfTI volumes: CT in HU, mask 0..3, optional lung mask.
    Nifti { image: PathBuf, mask: PathBuf, lungs: Option<PathBuf> },
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Shipped => write!(f, "the shipped slices"),
            Self::Png { dir } => write!(f, "the PNG slices in {}", dir.display()),
            Self::Nifti { image, mask, lungs } => {
                write!(f, "the NIfTI volumes {} and {}", image.display(), mask.display())?;
                match lungs {
                    Some(l) => write!(f, " with the lung mask {}", l.display()),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Which preset, before overrides change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// The paper's setting: 256×256, full width, 160 epochs, the best runs' learning rate and batch.
    Paper,
    /// Reduced size / width / epochs, ~10–15 minutes on lavapipe on 2 cores.
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

/// How the learning rate moves over the epochs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// The paper's: × `lr_drop` every `lr_drop_every` epochs (MATLAB's piecewise schedule).
    #[default]
    Step,
    /// Linear warm-up over `warmup_epochs`, then cosine decay to 1 % of the initial rate at the
    /// last epoch.
    Cosine,
}

impl std::str::FromStr for Schedule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "step" => Ok(Schedule::Step),
            "cosine" => Ok(Schedule::Cosine),
            _ => Err(Error::InvalidArgument { op: "schedule", detail: format!("unknown learning-rate schedule {s:?}: step or cosine") }),
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Schedule::Step => "step",
            Schedule::Cosine => "cosine",
        })
    }
}

/// What chooses the best checkpoint (`best.safetensors`, the one evaluation and prediction use).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    /// The lowest validation loss (the paper's loss: weighted cross-entropy, + λ·soft Dice).
    #[default]
    Loss,
    /// The highest foreground Dice of the validation split's argmax masks, smoothed over the
    /// validations by an exponential moving average (0.9·previous + 0.1·new) as nnU-Net chooses
    /// its `checkpoint_best`: the checkpoint is chosen by the score that is reported, and the
    /// average keeps one lucky validation of a few slices from deciding it.
    Dice,
}

/// nnU-Net's smoothing of the validation Dice that [`Selection::Dice`] maximises.
pub const SELECTION_DICE_DECAY: f32 = 0.9;

impl std::str::FromStr for Selection {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "loss" => Ok(Selection::Loss),
            "dice" => Ok(Selection::Dice),
            _ => Err(Error::InvalidArgument { op: "select", detail: format!("unknown checkpoint selection {s:?}: loss or dice") }),
        }
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Selection::Loss => "loss",
            Selection::Dice => "dice",
        })
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Preset::Paper => "paper",
            Preset::Quick => "quick",
        })
    }
}

/// Serde through `Display` / `FromStr`: the enums are stored as the words the command line takes
/// (`"unet"`, `"sqrt-median"`), so `config.json` reads as the command that made it, and files
/// written before the configuration was typed still load.
mod as_str {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
    pub fn serialize<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
        D: Deserializer<'de>,
    {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

/// The resolved configuration of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    #[serde(with = "as_str")]
    pub preset: Preset,
    #[serde(with = "as_str")]
    pub model: Arch,
    #[serde(with = "as_str")]
    pub task: Task,
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
    /// Seed of the initial weights, the epochs' shuffles and the augmentation draws — and of the
    /// split, unless `split_seed` is set.
    pub seed: u64,
    /// Seed of the split (the paper's 72/10/18 or the cross-validation's folds); `None`: `seed`.
    /// Setting it apart lets runs of several seeds share one split — a seed ensemble, or a
    /// repeated cross-validation on the same folds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_seed: Option<u64>,
    /// Cross-validation fold (0-based) of `folds`; `None`: the paper's 72/10/18 split.
    pub fold: Option<usize>,
    pub folds: usize,
    #[serde(with = "as_str")]
    pub normalization: Normalization,
    pub augment: bool,
    pub max_shear_deg: f64,
    /// Rotation augmentation, ± degrees (0: off, the paper).
    #[serde(default)]
    pub max_rotate_deg: f64,
    /// Scale augmentation: uniform in [1 − s, 1 + s] (0: off, the paper).
    #[serde(default)]
    pub max_scale: f64,
    /// Intensity augmentation strength of the lung pixels (0: off, the paper); see
    /// [`crate::data::Augmentation`].
    #[serde(default)]
    pub intensity: f64,
    /// Validation every this many iterations (the paper: 10).
    pub val_every: usize,
    pub window: (f32, f32),
    /// Cross-entropy class weights: median (the paper), sqrt-median or uniform.
    #[serde(with = "as_str", default = "default_class_weights")]
    pub class_weights: ClassWeighting,
    /// Write `last.safetensors` every this many epochs (and at the end and on Ctrl-C); a resume
    /// repeats at most this many epochs, exactly.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    /// Weight λ of the soft Dice term added to the cross-entropy (0: cross-entropy only, the
    /// paper's loss).
    #[serde(default)]
    pub dice_weight: f32,
    /// Learning-rate schedule (the paper: step).
    #[serde(with = "as_str", default)]
    pub schedule: Schedule,
    /// Epochs of linear warm-up (cosine schedule).
    #[serde(default)]
    pub warmup_epochs: usize,
    /// Decay of the exponential moving average of the weights that validation, the best
    /// checkpoint and evaluation use (0: off, the paper — they use the trained weights).
    #[serde(default)]
    pub ema: f32,
    /// What chooses `best.safetensors` (the paper: the lowest validation loss).
    #[serde(with = "as_str", default)]
    pub select: Selection,
    /// Tversky weights (α of false positives, β of false negatives) of the overlap term whose
    /// weight is `dice_weight`; (½, ½), the default, is the soft Dice.
    #[serde(default = "default_tversky")]
    pub tversky: (f32, f32),
    /// Keep the weights of the last this many validations (`RUN_DIR/snapshots/`) and let the run
    /// predict with the mean of their probabilities — a snapshot ensemble over the end of
    /// training (0: off; the run predicts with `best.safetensors`).
    #[serde(default)]
    pub snapshots: usize,
}

fn default_class_weights() -> ClassWeighting {
    ClassWeighting::Median
}
fn default_checkpoint_every() -> usize {
    1
}
fn default_tversky() -> (f32, f32) {
    (0.5, 0.5)
}

/// Changes to a preset: what the command line's flags (or an application) set. `None` keeps the
/// preset's value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    pub data: Option<DataSource>,
    pub size: Option<usize>,
    pub width: Option<usize>,
    pub epochs: Option<usize>,
    pub batch: Option<usize>,
    pub lr: Option<f32>,
    pub seed: Option<u64>,
    pub split_seed: Option<u64>,
    pub fold: Option<usize>,
    pub folds: Option<usize>,
    pub normalization: Option<Normalization>,
    pub augment: Option<bool>,
    pub max_rotate_deg: Option<f64>,
    pub max_scale: Option<f64>,
    pub intensity: Option<f64>,
    pub final_bn_relu: Option<bool>,
    pub class_weights: Option<ClassWeighting>,
    pub checkpoint_every: Option<usize>,
    pub dice_weight: Option<f32>,
    pub schedule: Option<Schedule>,
    pub warmup_epochs: Option<usize>,
    pub ema: Option<f32>,
    pub select: Option<Selection>,
    pub tversky: Option<(f32, f32)>,
    pub snapshots: Option<usize>,
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
            // U-Net binary: batch 2 — twice the updates for the same epochs — cross-validated
            // better or level on every fold (README, Results: 0.680 → 0.689); 60 epochs, better
            // or level on every fold against 40 (0.696 → 0.702); 80 epochs with its 10 snapshots
            // (below), better on every fold than 60 epochs' best checkpoint (0.687 → 0.713).
            (Preset::Quick, Arch::UNet, Task::Binary) => (128, 16, 80, 2, 2e-3),
            (Preset::Quick, Arch::UNet, _) => (128, 16, 40, 4, 2e-3),
            // SegNet binary: 60 epochs with its 10 snapshots (below), better on four folds of five
            // against 40 and 0.003 lower on the fifth (README, Results: 0.707 → 0.717).
            (Preset::Quick, Arch::SegNet, Task::Binary) => (128, 32, 60, 4, 2e-3),
            (Preset::Quick, Arch::SegNet, _) => (128, 32, 40, 4, 2e-3),
        };
        TrainConfig {
            preset,
            model: arch,
            task,
            data: DataSource::Shipped,
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
            split_seed: None,
            fold: None,
            folds: 5,
            normalization: Normalization::ZeroCenter,
            augment: true,
            max_shear_deg: 10.0,
            max_rotate_deg: 0.0,
            max_scale: 0.0,
            intensity: 0.0,
            val_every: 10,
            window: (Window::default().lo, Window::default().hi),
            class_weights: match preset {
                Preset::Paper => ClassWeighting::Median,
                // Cross-validated (README, Results): the square root of the paper's weights, and
                // the soft Dice term, each better on every fold than what it replaced.
                Preset::Quick => ClassWeighting::SqrtMedian,
            },
            checkpoint_every: default_checkpoint_every(),
            dice_weight: match (preset, arch, task) {
                (Preset::Paper, _, _) => 0.0,
                // U-Net binary: weight 2, cross-validated better than 1 on every fold (README,
                // Results: 0.689 → 0.696).
                (Preset::Quick, Arch::UNet, Task::Binary) => 2.0,
                (Preset::Quick, _, _) => 1.0,
            },
            schedule: Schedule::Step,
            warmup_epochs: 0,
            ema: 0.0,
            select: Selection::Loss,
            tversky: default_tversky(),
            snapshots: match (preset, arch, task) {
                // Binary: the mean of the last 10 validations' weights, cross-validated against the
                // best checkpoint (README, Results: snapshot ensembles) — SegNet's on the same
                // training, U-Net's with 80 epochs against 60. The 4-class runs were
                // cross-validated too and did not gain (C1 or C2 lower, README).
                (Preset::Quick, _, Task::Binary) => 10,
                _ => 0,
            },
        }
    }

    /// The seed of the split: `split_seed`, or `seed` when it is not set.
    pub fn split_seed(&self) -> u64 {
        self.split_seed.unwrap_or(self.seed)
    }

    /// This configuration in the one form a run stores: a split seed equal to the seed is no
    /// split seed (`--seed 2 --split-seed 2` is `--seed 2`), so two spellings of one run compare
    /// equal and a rerun naming its split seed continues the run instead of being refused.
    pub fn canonical(&self) -> Self {
        Self { split_seed: self.split_seed.filter(|&s| s != self.seed), ..self.clone() }
    }

    /// The training augmentation this configuration draws (when `augment` is on).
    pub fn augmentation(&self) -> crate::data::Augmentation {
        crate::data::Augmentation {
            max_shear_deg: self.max_shear_deg,
            max_rotate_deg: self.max_rotate_deg,
            max_scale: self.max_scale,
            intensity: self.intensity,
        }
    }

    /// The preset with `overrides` applied, validated.
    pub fn with_overrides(preset: Preset, arch: Arch, task: Task, o: &Overrides) -> Result<Self> {
        let mut c = Self::preset(preset, arch, task);
        macro_rules! set {
            ($($f:ident),*) => { $(if let Some(v) = o.$f.clone() { c.$f = v; })* };
        }
        set!(
            data,
            size,
            width,
            epochs,
            batch,
            lr,
            seed,
            folds,
            normalization,
            augment,
            max_rotate_deg,
            max_scale,
            intensity,
            final_bn_relu,
            class_weights,
            checkpoint_every,
            dice_weight,
            schedule,
            warmup_epochs,
            ema,
            select,
            tversky,
            snapshots
        );
        if o.fold.is_some() {
            c.fold = o.fold;
        }
        if o.split_seed.is_some() {
            c.split_seed = o.split_seed;
        }
        c.validate()?;
        Ok(c.canonical())
    }

    /// This run's configuration for a resume with `o`: `epochs` (not below the epochs already
    /// finished, `done`) and `checkpoint_every` may change, and `data` may name another source of
    /// the same slices (checked by [`crate::train::train`]); any other override that differs from
    /// the stored value is refused, naming each, because the finished epochs were computed with
    /// it (a different learning rate, batch, seed or size would make the resumed run neither the
    /// old run nor a new one).
    pub fn resumed(&self, o: &Overrides, done_epochs: usize) -> Result<Self> {
        let mut c = self.clone();
        let mut refused = Vec::new();
        macro_rules! fixed {
            ($($f:ident => $flag:literal),*) => {
                $(if let Some(v) = &o.$f {
                    if *v != self.$f {
                        refused.push(format!("{} (the run has {:?}, asked for {:?})", $flag, self.$f, v));
                    }
                })*
            };
        }
        fixed!(size => "--size", width => "--width", batch => "--batch", lr => "--lr", seed => "--seed",
            folds => "--folds", normalization => "--normalization", augment => "--no-augment", max_rotate_deg => "--rotate",
            max_scale => "--scale", intensity => "--intensity", final_bn_relu => "--final-bn-relu",
            class_weights => "--class-weights", dice_weight => "--dice-weight", schedule => "--schedule",
            warmup_epochs => "--warmup-epochs", ema => "--ema", select => "--select", tversky => "--tversky", snapshots => "--snapshots");
        if o.fold.is_some() && o.fold != self.fold {
            refused.push(format!("--fold (the run has {:?}, asked for {:?})", self.fold, o.fold));
        }
        if let Some(s) = o.split_seed {
            if s != self.split_seed() {
                refused.push(format!("--split-seed (the run has {}, asked for {s})", self.split_seed()));
            }
        }
        if !refused.is_empty() {
            return Err(Error::InvalidArgument {
                op: "resume",
                detail: format!(
                    "a resumed run keeps the configuration its finished epochs were trained with; these cannot change: {}. \
                     Only --epochs, --checkpoint-every and --data / --nifti (another copy of the same slices) may; \
                     start a new run (--out) for the others",
                    refused.join("; ")
                ),
            });
        }
        if let Some(e) = o.epochs {
            if e < done_epochs {
                return Err(Error::InvalidArgument {
                    op: "resume",
                    detail: format!("--epochs {e} is below the {done_epochs} epochs the run has already finished"),
                });
            }
            c.epochs = e;
        }
        if let Some(k) = o.checkpoint_every {
            c.checkpoint_every = k;
        }
        // Another folder may hold the same slices (the data moved): `train` compares the slices'
        // fingerprint with the one the run stored, and refuses other slices.
        if let Some(d) = &o.data {
            c.data = d.clone();
        }
        c.validate()?;
        Ok(c)
    }

    /// The network this configuration trains.
    pub fn model_config(&self) -> Result<ModelConfig> {
        let c = ModelConfig {
            width: self.width,
            depth: self.depth,
            dropout: self.dropout,
            final_bn_relu: self.final_bn_relu,
            ..ModelConfig::paper(self.model, self.task.classes())
        };
        c.check_size(self.size, self.size)?;
        Ok(c)
    }

    /// Checks every count and rate before anything runs: a batch, epoch or interval of 0, a
    /// learning rate that is not a positive finite number, or a fold outside `folds` is an
    /// [`Error::InvalidArgument`] naming the option (they used to end in a division by zero).
    pub fn validate(&self) -> Result<()> {
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
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return bad(format!("l2 must be a finite number ≥ 0, got {}", self.l2));
        }
        if !(self.lr_drop.is_finite() && self.lr_drop > 0.0) {
            return bad(format!("lr_drop must be a positive finite number, got {}", self.lr_drop));
        }
        if !(self.dice_weight.is_finite() && self.dice_weight >= 0.0) {
            return bad(format!("--dice-weight must be a finite number ≥ 0, got {}", self.dice_weight));
        }
        if let Err(e) = self.loss().overlap.validate("--tversky") {
            return bad(e.to_string());
        }
        if self.tversky != default_tversky() && self.dice_weight == 0.0 {
            return bad(format!(
                "--tversky {} {} weighs the overlap term, which --dice-weight 0 turns off; give it a weight > 0",
                self.tversky.0, self.tversky.1
            ));
        }
        if !(self.ema.is_finite() && (0.0..1.0).contains(&self.ema)) {
            return bad(format!("--ema must be a decay in [0, 1) (0: off), got {}", self.ema));
        }
        if self.warmup_epochs >= self.epochs && self.warmup_epochs > 0 {
            return bad(format!("--warmup-epochs {} must be below --epochs {}", self.warmup_epochs, self.epochs));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout must be in [0, 1), got {}", self.dropout));
        }
        if !(self.max_shear_deg.is_finite() && (0.0..90.0).contains(&self.max_shear_deg)) {
            return bad(format!("max_shear_deg must be in [0, 90), got {}", self.max_shear_deg));
        }
        if !(self.max_rotate_deg.is_finite() && (0.0..=180.0).contains(&self.max_rotate_deg)) {
            return bad(format!("--rotate must be in [0, 180] degrees, got {}", self.max_rotate_deg));
        }
        if !(self.max_scale.is_finite() && (0.0..0.5).contains(&self.max_scale)) {
            return bad(format!("--scale must be in [0, 0.5), got {}", self.max_scale));
        }
        if !(self.intensity.is_finite() && (0.0..1.0).contains(&self.intensity)) {
            return bad(format!("--intensity must be in [0, 1), got {}", self.intensity));
        }
        if !(self.window.0.is_finite() && self.window.1.is_finite() && self.window.0 < self.window.1) {
            return bad(format!("the HU window must be finite with lo < hi, got {:?}", self.window));
        }
        if self.folds < 2 && self.fold.is_some() {
            return bad(format!("--folds must be at least 2 for cross-validation, got {}", self.folds));
        }
        if let Some(k) = self.fold {
            if k >= self.folds {
                return bad(format!("--fold {k} needs --folds > {k}, got --folds {}", self.folds));
            }
        }
        self.model_config()?;
        Ok(())
    }

    /// Learning rate in `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f32 {
        match self.schedule {
            Schedule::Step => self.lr * self.lr_drop.powi((epoch / self.lr_drop_every.max(1)) as i32),
            Schedule::Cosine if epoch < self.warmup_epochs => self.lr * (epoch + 1) as f32 / (self.warmup_epochs + 1) as f32,
            Schedule::Cosine => {
                let span = (self.epochs - self.warmup_epochs).max(2) - 1;
                let t = (epoch - self.warmup_epochs) as f64 / span as f64;
                let floor = 0.01;
                (self.lr as f64 * (floor + (1.0 - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos()))) as f32
            }
        }
    }

    /// The loss of a training step.
    pub fn loss(&self) -> crate::step::LossConfig {
        let (alpha, beta) = self.tversky;
        crate::step::LossConfig {
            overlap: crate::kernels::dice::Overlap::tversky(alpha, beta, false),
            ..crate::step::LossConfig::with_dice(self.dice_weight)
        }
    }

    /// The default run folder name: `<model>-<task>-<preset>[-fold<k>]`.
    pub fn run_name(&self) -> String {
        let fold = self.fold.map_or(String::new(), |k| format!("-fold{k}"));
        format!("{}-{}-{}{}", self.model, self.task, self.preset, fold)
    }
}
