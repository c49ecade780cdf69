//! Loading a trained model and evaluating it: one loader (a run folder, a training checkpoint or
//! a weights-only file) and one evaluator, shared by `train`, `eval`, `predict`, `figures` and the
//! experiments.

use crate::checkpoint;
use crate::config::TrainConfig;
use crate::data::{Slice, Task};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::metrics::{class_metrics, summarize, Report};
use crate::models::Model;
use crate::pipeline::{self, Preprocessor};
use crate::run_dir::{write_json, RunDir};
use crate::step;
use crate::tape::Mode;
use std::path::{Path, PathBuf};

/// A trained model ready for inference: its configuration, weights and input preprocessing.
pub struct Trained {
    pub cfg: TrainConfig,
    pub model: Model,
    pub preprocessor: Preprocessor,
    /// The file the weights came from.
    pub file: PathBuf,
}

/// The checkpoint file of `checkpoint_or_run`: a run folder's `best.safetensors`, or the file.
pub fn checkpoint_file(checkpoint_or_run: &Path) -> PathBuf {
    if checkpoint_or_run.is_dir() {
        RunDir::new(checkpoint_or_run).best()
    } else {
        checkpoint_or_run.to_path_buf()
    }
}

/// Loads a model for inference from a run folder, a training checkpoint, or a weights-only file
/// (no optimizer state needed). The configuration comes from the file's metadata; a file without
/// one (converted from a PyTorch state dict, say) needs `fallback`, the configuration it was
/// trained with. A file with a configuration that disagrees with `fallback` on the network's shape
/// is refused.
pub fn load_model(gpu: &Gpu, checkpoint_or_run: &Path, fallback: Option<&TrainConfig>) -> Result<Trained> {
    let file = checkpoint_file(checkpoint_or_run);
    model_from_checkpoint(gpu, &checkpoint::Loaded::open(&file)?, fallback)
}

/// [`load_model`] from a checkpoint already in memory (a browser's download, say).
pub fn model_from_checkpoint(gpu: &Gpu, ck: &checkpoint::Loaded, fallback: Option<&TrainConfig>) -> Result<Trained> {
    let file = ck.path().to_path_buf();
    let stored: Option<TrainConfig> = match ck.metadata().get("config") {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| Error::InvalidArgument {
            op: "checkpoint",
            detail: format!("{}: the lungseg configuration in the metadata does not parse: {e}", file.display()),
        })?),
        None => None,
    };
    let cfg = match (stored, fallback) {
        (Some(s), Some(f)) if s.model_config()? != f.model_config()? || s.size != f.size => {
            return Err(Error::InvalidArgument {
                op: "checkpoint",
                detail: format!(
                    "{}: holds a {} {} network (width {}, size {}), but {} {} (width {}, size {}) was asked for",
                    file.display(),
                    s.model,
                    s.task,
                    s.width,
                    s.size,
                    f.model,
                    f.task,
                    f.width,
                    f.size
                ),
            })
        }
        (Some(s), _) => s,
        (None, Some(f)) => f.clone(),
        (None, None) => {
            return Err(Error::InvalidArgument {
                op: "checkpoint",
                detail: format!(
                    "{}: no lungseg configuration in the metadata (a weights-only file from elsewhere?): \
                     say which network it holds (--model, --task, --width, --size, --normalization)",
                    file.display()
                ),
            })
        }
    };
    let mut model = Model::new(gpu, cfg.model_config()?, cfg.seed)?;
    ck.restore_weights(gpu, &mut model.params)?;
    let mean_image = match ck.tensor("input.mean_image") {
        Ok((shape, m)) if shape == [cfg.size, cfg.size] => Some(m),
        Ok((shape, _)) => {
            return Err(Error::InvalidArgument {
                op: "checkpoint",
                detail: format!("{}: input.mean_image has shape {shape:?}, the model's input is {}×{}", file.display(), cfg.size, cfg.size),
            })
        }
        Err(_) if cfg.normalization == crate::data::Normalization::ZeroCenter => {
            return Err(Error::InvalidArgument {
                op: "checkpoint",
                detail: format!(
                    "{}: zero-centre normalisation needs the training mean image (input.mean_image), which the file lacks; \
                     add it or use --normalization per-image / none if the network was trained that way",
                    file.display()
                ),
            })
        }
        Err(_) => None,
    };
    let preprocessor = Preprocessor { size: cfg.size, normalization: cfg.normalization, mean_image };
    Ok(Trained { cfg, model, preprocessor, file })
}

#[cfg(not(target_arch = "wasm32"))]
/// Evaluates a run on one split (`test`, `val` or `train`) with its best checkpoint (or its
/// snapshots' mean): the paper's metrics, written to `RUN_DIR/metrics.json`
/// (`metrics-<split>.json` for other splits). A checkpoint file is scored alone on the split its
/// configuration names, written beside it ([`scored_output`]).
pub fn evaluate_run(gpu: &Gpu, run_dir: &Path, split_name: &str) -> Result<Report> {
    let mut members = run_members(gpu, run_dir, None)?;
    let report = if members.len() == 1 {
        let t = members.remove(0);
        let prep = pipeline::prepare(&t.cfg)?;
        evaluate_slices(gpu, &t, &prep.slices, split_indices(&prep, split_name)?, split_name)?
    } else {
        // --snapshots: the mean probabilities of the run's last validations' weights.
        let e = Ensemble::of(vec![members], false)?;
        let prep = pipeline::prepare(e.cfg())?;
        evaluate_ensemble(gpu, &e, &prep.slices, split_indices(&prep, split_name)?, split_name)?
    };
    write_json(&scored_output(run_dir, &crate::run_dir::metrics_file(split_name, false, false)), &report)?;
    Ok(report)
}

/// Where `eval` writes its file `name` (`metrics.json`, `calibration.json`, …) for `run`: in the
/// run folder, or — a checkpoint file scored alone (a snapshot run's `best.safetensors`, a
/// `last.safetensors`) — beside the file, named for it: `RUN/best.safetensors` →
/// `RUN/metrics-best.json`, so the run's own metrics stay its own.
pub fn scored_output(run: &Path, name: &str) -> PathBuf {
    if run.is_dir() {
        return run.join(name);
    }
    let stem = run.file_stem().map_or_else(|| "checkpoint".into(), |s| s.to_string_lossy().into_owned());
    let base = name.strip_suffix(".json").unwrap_or(name);
    run.parent().unwrap_or(Path::new("")).join(format!("{base}-{stem}.json"))
}

#[cfg(not(target_arch = "wasm32"))]
/// The paper's metrics for `indices` of `slices` (at the model's size).
pub fn evaluate_slices(gpu: &Gpu, t: &Trained, slices: &[Slice], indices: &[usize], split_name: &str) -> Result<Report> {
    score(&t.cfg, slices, indices, split_name, |chunk| {
        let batch: Vec<Slice> = chunk.iter().map(|&i| slices[i].clone()).collect();
        let (x, _) = t.preprocessor.batch(gpu, &batch)?;
        step::predict_classes(gpu, &step::infer(gpu, &t.model, &x)?)
    })
}

#[cfg(not(target_arch = "wasm32"))]
/// The paper's metrics over `indices` of `slices`, in batches of the run's size: `predict` gives
/// the classes (size × size per slice) of one batch of indices.
fn score(
    cfg: &TrainConfig,
    slices: &[Slice],
    indices: &[usize],
    split_name: &str,
    mut predict: impl FnMut(&[usize]) -> Result<Vec<u32>>,
) -> Result<Report> {
    let c = cfg.task.classes();
    let mut confusion = vec![vec![0u64; c]; c];
    let mut accuracies = Vec::new();
    for chunk in indices.chunks(cfg.batch.max(1)) {
        let pred = predict(chunk)?;
        for (p, &i) in pred.chunks(cfg.size * cfg.size).zip(chunk) {
            let mut correct = 0usize;
            for (&a, &b) in p.iter().zip(&slices[i].labels) {
                confusion[b as usize][a as usize] += 1;
                correct += (a == b) as usize;
            }
            accuracies.push(correct as f64 / p.len() as f64);
        }
    }
    Ok(Report {
        model: cfg.model.to_string(),
        task: cfg.task.to_string(),
        split: split_name.into(),
        n_images: indices.len(),
        global_accuracy: summarize(&accuracies),
        classes: class_metrics(&confusion, cfg.task.class_names()),
        confusion,
    })
}

#[cfg(not(target_arch = "wasm32"))]
/// The indices of split `name` (`test`, `val` or `train`).
fn split_indices<'a>(prep: &'a pipeline::Prepared, name: &str) -> Result<&'a [usize]> {
    match name {
        "test" => Ok(&prep.split.test),
        "val" => Ok(&prep.split.val),
        "train" => Ok(&prep.split.train),
        other => Err(Error::InvalidArgument { op: "eval", detail: format!("unknown split {other:?}: test, val or train") }),
    }
}

/// One validation of a training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Validation {
    /// Mean loss, weighted by images.
    pub loss: f32,
    /// Pixel accuracy of the argmax.
    pub accuracy: f32,
    /// Foreground Dice of the argmax masks over the whole split (pooled counts per class, the
    /// mean over classes 1..C−1 that are labelled or predicted anywhere in it; 1 when none is).
    pub dice: f32,
}

#[cfg(not(target_arch = "wasm32"))]
/// Mean loss (weighted by images), pixel accuracy and foreground Dice of `model` over `indices`,
/// in inference mode: the validation of a training run.
pub fn validate(
    gpu: &Gpu,
    model: &Model,
    pre: &Preprocessor,
    slices: &[Slice],
    indices: &[usize],
    batch: usize,
    weights: &crate::Tensor,
) -> Result<Validation> {
    let c = model.config.classes;
    let (mut loss_sum, mut correct, mut total) = (0.0f64, 0u64, 0u64);
    let mut confusion = vec![vec![0u64; c]; c];
    for chunk in indices.chunks(batch.max(1)) {
        let b: Vec<Slice> = chunk.iter().map(|&i| slices[i].clone()).collect();
        let (x, y) = pre.batch(gpu, &b)?;
        let (l, logits) = step::evaluate(gpu, model, &x, &y, weights, Mode::Infer)?;
        loss_sum += l as f64 * chunk.len() as f64;
        let pred = step::predict_classes(gpu, &logits)?;
        for (p, s) in pred.chunks(pre.size * pre.size).zip(&b) {
            for (&guess, &truth) in p.iter().zip(&s.labels) {
                if (truth as usize) < c && (guess as usize) < c {
                    confusion[truth as usize][guess as usize] += 1;
                }
                correct += (guess == truth) as u64;
            }
            total += p.len() as u64;
        }
    }
    Ok(Validation {
        loss: (loss_sum / indices.len().max(1) as f64) as f32,
        accuracy: correct as f32 / total.max(1) as f32,
        dice: crate::metrics::foreground_dice(&confusion) as f32,
    })
}

/// Flips of a square image used by test-time augmentation: identity, left-right, top-bottom and
/// both — a group, so the averaged prediction of a flipped image is the flipped prediction.
const FLIPS: [(bool, bool); 4] = [(false, false), (false, true), (true, false), (true, true)];

/// `planes` images or probability planes of `s × s`, flipped top-bottom (`ud`) and / or
/// left-right (`lr`); a flip is its own inverse.
fn flip(data: &[f32], s: usize, ud: bool, lr: bool) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for (k, plane) in data.chunks(s * s).enumerate() {
        for i in 0..s {
            for j in 0..s {
                let (si, sj) = (if ud { s - 1 - i } else { i }, if lr { s - 1 - j } else { j });
                out[k * s * s + i * s + j] = plane[si * s + sj];
            }
        }
    }
    out
}

/// The models a prediction averages — one, or every fold of a cross-validation (as nnU-Net
/// predicts by default) — with or without flip test-time augmentation.
pub struct Ensemble {
    pub members: Vec<Trained>,
    /// Which source each member came from — a path given to [`Ensemble::load_all`]: a run
    /// folder (its snapshots), a cross-validation folder (its folds), a checkpoint file. Every
    /// source counts once in the mean, its members equally within it, so a run that keeps ten
    /// snapshots weighs what a run with one best checkpoint weighs.
    pub sources: Vec<usize>,
    /// Average over the four flips of each image (4× the inference work).
    pub tta: bool,
    /// Per-class decision offsets added to the log-probabilities before the argmax
    /// ([`crate::calibration`], `predict --calibration`); empty: the plain argmax.
    pub offsets: Vec<f32>,
    /// The configuration whose size, window and task the ensemble predicts with ([`Ensemble::cfg`]).
    cfg: TrainConfig,
}

impl Ensemble {
    /// Loads `path`: a run folder, a checkpoint file, or a cross-validation folder (its
    /// `fold*/best.safetensors`, in fold order) — one source. Every member must see the same
    /// input (size and intensity window) and predict the same classes.
    pub fn load(gpu: &Gpu, path: &Path, fallback: Option<&TrainConfig>, tta: bool) -> Result<Self> {
        Self::of(vec![Self::members_of(gpu, path, fallback)?], tta)
    }

    /// One model alone (a checkpoint loaded from bytes, say).
    pub fn one(model: Trained) -> Self {
        let cfg = model.cfg.clone();
        Self { members: vec![model], sources: vec![0], tta: false, offsets: Vec::new(), cfg }
    }

    /// Every model of several paths (each as [`Ensemble::load`] takes it) as one ensemble, each
    /// path counting once: say two cross-validations of different networks, each one's five fold
    /// models averaged, then the two averages (`predict --checkpoint A --checkpoint B`).
    pub fn load_all(gpu: &Gpu, paths: &[PathBuf], fallback: Option<&TrainConfig>, tta: bool) -> Result<Self> {
        Self::of(paths.iter().map(|p| Self::members_of(gpu, p, fallback)).collect::<Result<_>>()?, tta)
    }

    /// The models of one path: a file's one, a run folder's ([`run_members`]), or a
    /// cross-validation's folds' (each fold's as a run folder's).
    fn members_of(gpu: &Gpu, path: &Path, fallback: Option<&TrainConfig>) -> Result<Vec<Trained>> {
        let folds = cv_fold_dirs(path)?;
        if folds.is_empty() {
            return run_members(gpu, path, fallback);
        }
        let mut members = Vec::new();
        for f in &folds {
            members.extend(run_members(gpu, f, fallback)?);
        }
        Ok(members)
    }

    /// The members of `sources` (each source's models: a run's snapshots, a cross-validation's
    /// folds) as one ensemble, once they agree on the input size and the intensity window. They
    /// predict one task, or 4-class and binary networks mixed: a binary member then votes on
    /// background against infection, and its infection probability is shared among C1–C3 as the
    /// 4-class members' mean shares it ([`Ensemble::probabilities`]).
    fn of(sources: Vec<Vec<Trained>>, tta: bool) -> Result<Self> {
        for (i, source) in sources.iter().enumerate() {
            // One task within a source: its members' probabilities are summed channel for channel.
            let Some(head) = source.first() else {
                return Err(Error::InvalidArgument { op: "ensemble", detail: format!("source {} of the ensemble holds no model", i + 1) });
            };
            if let Some(m) = source.iter().find(|m| m.cfg.task != head.cfg.task) {
                return Err(Error::InvalidArgument {
                    op: "ensemble",
                    detail: format!(
                        "{} is a {} network, {} a {} one, in one source: a run or cross-validation predicts one task",
                        m.file.display(),
                        m.cfg.task,
                        head.file.display(),
                        head.cfg.task
                    ),
                });
            }
        }
        let source_of: Vec<usize> = sources.iter().enumerate().flat_map(|(i, m)| std::iter::repeat_n(i, m.len())).collect();
        let members: Vec<Trained> = sources.into_iter().flatten().collect();
        let Some(first) = members.first() else {
            return Err(Error::InvalidArgument { op: "ensemble", detail: "no checkpoints or run folders given".into() });
        };
        for m in &members[1..] {
            if m.cfg.size != first.cfg.size || m.cfg.window != first.cfg.window {
                return Err(Error::InvalidArgument {
                    op: "ensemble",
                    detail: format!(
                        "{} is a {} network at {}² with the intensity window {:?} HU, {} a {} network at {}² with {:?} HU: \
                         an ensemble's members must see the same input",
                        m.file.display(),
                        m.cfg.task,
                        m.cfg.size,
                        m.cfg.window,
                        first.file.display(),
                        first.cfg.task,
                        first.cfg.size,
                        first.cfg.window
                    ),
                });
            }
        }
        let multi = members.iter().find(|m| m.cfg.task == Task::Multi);
        let cfg = multi.unwrap_or(first).cfg.clone();
        Ok(Self { members, sources: source_of, tta, offsets: Vec::new(), cfg })
    }

    /// The ensemble's configuration: the first member's that predicts the ensemble's classes (a
    /// 4-class member's when binary ones are mixed in, unless [`Ensemble::score_as`] chose the
    /// binary task). Its size, task and window are every member's input and output.
    pub fn cfg(&self) -> &TrainConfig {
        &self.cfg
    }

    /// Predicts `task`'s classes: [`Task::Binary`] merges every 4-class member's C1–C3 into
    /// infection, so 4-class networks vote in (or make up) a binary ensemble — the binary task's
    /// labels are the 4-class labels merged the same way. [`Task::Multi`] needs a 4-class member
    /// (a binary network cannot tell C1–C3 apart). Decision offsets are dropped when the task
    /// changes: they were fitted for the other task's classes.
    pub fn score_as(&mut self, task: Task) -> Result<()> {
        if task == self.cfg.task {
            return Ok(());
        }
        let cfg = match self.members.iter().find(|m| m.cfg.task == task) {
            Some(m) => m.cfg.clone(),
            None if task == Task::Binary => TrainConfig { task, ..self.cfg.clone() },
            None => {
                return Err(Error::InvalidArgument {
                    op: "ensemble",
                    detail: format!(
                        "cannot score {} on the {task} task: every member is a {} network, which cannot tell C1–C3 apart",
                        self.members.iter().map(|m| m.file.display().to_string()).collect::<Vec<_>>().join(", "),
                        self.cfg.task
                    ),
                });
            }
        };
        self.cfg = cfg;
        self.offsets.clear();
        Ok(())
    }

    /// Per-pixel class probabilities (N, C, S, S) of `images` (each S × S, values in [0, 1]),
    /// computed on the GPU: each source's mean softmax over its members (and flips), then the mean
    /// over sources. A binary source of a 4-class ensemble counts as one source whose background
    /// probability is its own and whose infection probability is split among C1–C3 in the
    /// proportions of the 4-class sources' mean (evenly where they give infection no probability).
    /// A 4-class source of a binary ensemble ([`Ensemble::score_as`]) gives infection the sum of
    /// its C1–C3 probabilities.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn probabilities(&self, gpu: &Gpu, images: &[&[f32]]) -> Result<Vec<f32>> {
        crate::block_on(self.probabilities_async(gpu, images))
    }

    /// [`Ensemble::probabilities`], awaiting each read-back (the browser's path).
    pub async fn probabilities_async(&self, gpu: &Gpu, images: &[&[f32]]) -> Result<Vec<f32>> {
        let (s, task) = (self.cfg().size, self.cfg().task);
        let (c, plane) = (task.classes(), s * s);
        let flips: &[(bool, bool)] = if self.tta { &FLIPS } else { &FLIPS[..1] };
        // Each source's summed softmax, how many predictions it sums, and its task.
        let n_sources = self.sources.iter().max().map_or(0, |&m| m + 1);
        let mut sums: Vec<(Vec<f64>, usize, Task)> = vec![(Vec::new(), 0, task); n_sources];
        for (m, &source) in self.members.iter().zip(&self.sources) {
            let (acc, n, source_task) = &mut sums[source];
            *source_task = m.cfg.task;
            for &(ud, lr) in flips {
                let mut x = Vec::with_capacity(images.len() * plane);
                for im in images {
                    x.extend(m.preprocessor.image(&flip(im, s, ud, lr), s, s));
                }
                let xt = gpu.upload_f32("ensemble input", &x, &[images.len(), 1, s, s])?;
                let probs = flip(&gpu.download_f32_async(&step::probabilities(gpu, &step::infer(gpu, &m.model, &xt)?)?).await?, s, ud, lr);
                if acc.is_empty() {
                    acc.resize(probs.len(), 0.0);
                }
                for (a, v) in acc.iter_mut().zip(probs) {
                    *a += v as f64;
                }
                *n += 1;
            }
        }
        // The sum of the sources' means: over the sources of the ensemble's task, and over the
        // binary sources mixed into a 4-class ensemble.
        let sum_of_means = |want: Task, len: usize| {
            let mut total = vec![0f64; len];
            for (acc, n, _) in sums.iter().filter(|s| s.2 == want) {
                for (t, a) in total.iter_mut().zip(acc) {
                    *t += a / *n as f64;
                }
            }
            total
        };
        let n = n_sources as f64;
        if task == Task::Binary && sums.iter().any(|s| s.2 != task) {
            // 4-class sources scored as binary: their C1–C3 merged into infection.
            let mut total = vec![0f64; images.len() * 2 * plane];
            for (acc, k, source_task) in &sums {
                let kc = source_task.classes();
                for (q, t) in acc.chunks(kc * plane).zip(total.chunks_mut(2 * plane)) {
                    for p in 0..plane {
                        t[p] += q[p] / *k as f64;
                        t[plane + p] += (1..kc).map(|j| q[j * plane + p]).sum::<f64>() / *k as f64;
                    }
                }
            }
            return Ok(total.into_iter().map(|v| (v / n) as f32).collect());
        }
        let q = sum_of_means(task, images.len() * c * plane);
        if sums.iter().all(|s| s.2 == task) {
            return Ok(q.into_iter().map(|v| (v / n) as f32).collect());
        }
        let b = sum_of_means(Task::Binary, images.len() * 2 * plane);
        let mut out = vec![0f32; q.len()];
        for ((q, b), o) in q.chunks(c * plane).zip(b.chunks(2 * plane)).zip(out.chunks_mut(c * plane)) {
            for p in 0..plane {
                let infection: f64 = (1..c).map(|k| q[k * plane + p]).sum();
                o[p] = ((q[p] + b[p]) / n) as f32;
                for k in 1..c {
                    let share = if infection > 0.0 { q[k * plane + p] / infection } else { 1.0 / (c - 1) as f64 };
                    o[k * plane + p] = ((q[k * plane + p] + b[plane + p] * share) / n) as f32;
                }
            }
        }
        Ok(out)
    }

    /// The predicted class of every pixel (N, S, S): the most probable, the first on ties (after
    /// the decision offsets, when there are any).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn classes(&self, gpu: &Gpu, images: &[&[f32]]) -> Result<Vec<u32>> {
        let (s, c) = (self.cfg().size, self.cfg().task.classes());
        Ok(self.decide(&self.probabilities(gpu, images)?, c, s * s))
    }

    /// Classes of probabilities laid out (N, C, plane): the argmax, after the decision offsets.
    pub fn decide(&self, probs: &[f32], c: usize, plane: usize) -> Vec<u32> {
        crate::calibration::decide(probs, c, plane, &self.offsets)
    }

    /// [`crate::calibration::fingerprint`] of the members' checkpoint files and sources.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn fingerprint(&self) -> Result<String> {
        crate::calibration::fingerprint(&self.members.iter().map(|m| m.file.as_path()).collect::<Vec<_>>(), &self.sources)
    }

    /// Uses the decision offsets of a calibration file (`calibration.json` from `eval
    /// --calibrate`): it must have been fitted on these very checkpoints (their fingerprint),
    /// for this many classes and with the same test-time augmentation setting, since the offsets
    /// belong to the probabilities they were fitted on.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn set_calibration(&mut self, file: &Path) -> Result<()> {
        let cal: crate::calibration::Calibration = crate::run_dir::read_json(file)?;
        let c = self.cfg().task.classes();
        let bad = |detail: String| Err(Error::InvalidArgument { op: "calibration", detail: format!("{}: {detail}", file.display()) });
        if cal.offsets.len() != c {
            return bad(format!("has {} decision offsets, the model predicts {c} classes", cal.offsets.len()));
        }
        if cal.offsets.iter().any(|o| !o.is_finite()) {
            return bad(format!("decision offsets must be finite, got {:?}", cal.offsets));
        }
        let mine = self.fingerprint()?;
        if cal.fingerprint != mine {
            return bad(format!(
                "was fitted for another model (fingerprint {}, these checkpoints are {mine}: {}); \
                 calibrate this model with lungseg eval --run RUN --calibrate",
                cal.fingerprint,
                self.members.iter().map(|m| m.file.display().to_string()).collect::<Vec<_>>().join(", ")
            ));
        }
        if cal.tta != self.tta {
            return bad(format!(
                "was fitted {} test-time augmentation; predict {} --tta to use it",
                if cal.tta { "with" } else { "without" },
                if cal.tta { "with" } else { "without" }
            ));
        }
        self.offsets = cal.offsets;
        Ok(())
    }
}

/// The models a run predicts with: its `best.safetensors`, or — trained with `--snapshots K` —
/// the weights of its last K validations (`snapshots/`, in iteration order), whose probabilities
/// an [`Ensemble`] averages. A checkpoint file is its one model. A run folder's slices are read
/// where its `config.json` says: checkpoints written before a resume from another copy of the
/// slices (the data moved) name the old place.
pub fn run_members(gpu: &Gpu, checkpoint_or_run: &Path, fallback: Option<&TrainConfig>) -> Result<Vec<Trained>> {
    let run = RunDir::new(checkpoint_or_run);
    let files = if checkpoint_or_run.is_dir() { run.kept_snapshots()? } else { Vec::new() };
    let mut members = if files.is_empty() {
        // No snapshots, or no validation ran (an empty validation split): the best checkpoint.
        vec![load_model(gpu, checkpoint_or_run, fallback)?]
    } else {
        files.iter().map(|f| load_model(gpu, f, fallback)).collect::<Result<Vec<_>>>()?
    };
    if checkpoint_or_run.is_dir() && run.config().is_file() {
        let data = crate::run_dir::read_json::<TrainConfig>(&run.config())?.data;
        for m in &mut members {
            m.cfg.data = data.clone();
        }
    }
    Ok(members)
}

/// The most probable class of every pixel of probabilities laid out (N, C, plane) — the first on
/// ties — as (N, plane).
pub fn argmax_planes(probs: &[f32], c: usize, plane: usize) -> Vec<u32> {
    crate::calibration::decide(probs, c, plane, &[])
}

/// The fold folders of a cross-validation folder (`fold0`, `fold1`, …, in fold order) that hold a
/// `best.safetensors`, or none when `path` is not a cross-validation folder (a run folder holds
/// its own `best.safetensors`). The one rule for what a cross-validation folder is, shared by
/// prediction ([`Ensemble::load`]) and `eval` ([`crate::experiments::evaluate_cv`], which also
/// requires every fold to be present and finished).
pub fn cv_fold_dirs(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() || RunDir::new(path).best().exists() {
        return Ok(Vec::new());
    }
    let mut folds: Vec<(usize, PathBuf)> = std::fs::read_dir(path)
        .map_err(|e| Error::io("listing a cross-validation folder", path, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let k = name.strip_prefix("fold")?.parse::<usize>().ok()?;
            RunDir::new(&e.path()).best().exists().then(|| (k, e.path()))
        })
        .collect();
    folds.sort();
    Ok(folds.into_iter().map(|(_, f)| f).collect())
}

/// TTA and calibration score one run (its one model, or its snapshots) on its own splits: an
/// ensemble of a cross-validation's folds would be scored on a test split the other folds trained
/// on.
fn one_run(run_dir: &Path) -> Result<()> {
    let folds = cv_fold_dirs(run_dir)?;
    if !folds.is_empty() {
        return Err(Error::InvalidArgument {
            op: "eval",
            detail: format!(
                "{} is a cross-validation folder ({} folds): each fold is scored on its own test split \
                 (lungseg eval --run {} scores them all), not as an ensemble whose other folds trained on it",
                run_dir.display(),
                folds.len(),
                run_dir.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
/// The paper's metrics of an ensemble (or one model with TTA) on `indices` of `slices`.
pub fn evaluate_ensemble(gpu: &Gpu, e: &Ensemble, slices: &[Slice], indices: &[usize], split_name: &str) -> Result<Report> {
    score(e.cfg(), slices, indices, split_name, |chunk| {
        let images: Vec<&[f32]> = chunk.iter().map(|&i| slices[i].image.as_slice()).collect();
        e.classes(gpu, &images)
    })
}

#[cfg(not(target_arch = "wasm32"))]
/// [`evaluate_run`] with flip test-time augmentation: written to `metrics-tta.json`
/// (`metrics-<split>-tta.json`).
pub fn evaluate_run_tta(gpu: &Gpu, run_dir: &Path, split_name: &str) -> Result<Report> {
    let e = Ensemble::load(gpu, run_dir, None, true)?;
    one_run(run_dir)?;
    let prep = pipeline::prepare(e.cfg())?;
    let report = evaluate_ensemble(gpu, &e, &prep.slices, split_indices(&prep, split_name)?, split_name)?;
    write_json(&scored_output(run_dir, &crate::run_dir::metrics_file(split_name, true, false)), &report)?;
    Ok(report)
}

#[cfg(not(target_arch = "wasm32"))]
/// Fits decision offsets on the run's validation split ([`crate::calibration`]), then scores the
/// test split with them (with or without flip test-time augmentation): writes
/// `calibration.json` (`calibration-tta.json`) and `metrics-calibrated.json`
/// (`metrics-tta-calibrated.json`). The test split is never seen by the fit.
pub fn evaluate_run_calibrated(gpu: &Gpu, run_dir: &Path, tta: bool) -> Result<(crate::calibration::Calibration, Report)> {
    let mut e = Ensemble::load(gpu, run_dir, None, tta)?;
    one_run(run_dir)?;
    let prep = pipeline::prepare(e.cfg())?;
    let cal = calibrate(gpu, &mut e, &prep, run_dir)?;
    let report = evaluate_ensemble(gpu, &e, &prep.slices, &prep.split.test, "test")?;
    write_json(&scored_output(run_dir, &crate::run_dir::calibration_file(tta)), &cal)?;
    write_json(&scored_output(run_dir, &crate::run_dir::metrics_file("test", tta, true)), &report)?;
    Ok((cal, report))
}

#[cfg(not(target_arch = "wasm32"))]
/// Fits `e`'s decision offsets on the validation split of `prep` (`what` names the run in errors)
/// and sets them.
fn calibrate(gpu: &Gpu, e: &mut Ensemble, prep: &pipeline::Prepared, what: &Path) -> Result<crate::calibration::Calibration> {
    let (s, c, batch) = (e.cfg().size, e.cfg().task.classes(), e.cfg().batch.max(1));
    let val = &prep.split.val;
    if val.is_empty() {
        return Err(Error::InvalidArgument {
            op: "eval",
            detail: format!("{}: the run has no validation split to fit decision offsets on", what.display()),
        });
    }
    let mut probs = Vec::new();
    for chunk in val.chunks(batch) {
        let images: Vec<&[f32]> = chunk.iter().map(|&i| prep.slices[i].image.as_slice()).collect();
        probs.extend(e.probabilities(gpu, &images)?);
    }
    let labels: Vec<u32> = val.iter().flat_map(|&i| prep.slices[i].labels.iter().copied()).collect();
    let cal = crate::calibration::fit(&probs, &labels, c, s * s, e.tta, e.fingerprint()?)?;
    e.offsets = cal.offsets.clone();
    Ok(cal)
}

/// How an ensemble of runs is scored ([`evaluate_runs`], [`crate::experiments::evaluate_cv_ensemble`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scoring {
    /// Average over the four flips of each image.
    pub tta: bool,
    /// Fit decision offsets on the shared validation split first, and score with them.
    pub calibrate: bool,
    /// Score on this task ([`Ensemble::score_as`]): `Some(Task::Binary)` merges the 4-class
    /// members' C1–C3 into infection. `None`: the 4-class task when any member is a 4-class
    /// network, the binary task otherwise.
    pub task: Option<Task>,
}

#[cfg(not(target_arch = "wasm32"))]
/// Several runs trained on one split — different networks or recipes on the same fold, say —
/// scored as one ensemble (the mean of their softmax, each run counting once with its models as [`run_members`]) on that split's test
/// images, with or without flip TTA, and calibrated after decision offsets fitted on the
/// shared validation split ([`Scoring`]). Every run must have been trained on the same slices with the same
/// validation and test images (otherwise one member's training images would be scored). Binary
/// runs may join 4-class ones (their labels are the 4-class labels merged): they vote on
/// background against infection ([`Ensemble::probabilities`]) and the 4-class metrics are
/// reported — or, scored as binary, the 4-class runs vote on infection. Writes nothing; returns
/// the offsets when calibrated.
pub fn evaluate_runs(gpu: &Gpu, runs: &[PathBuf], scoring: &Scoring) -> Result<(Option<crate::calibration::Calibration>, Report)> {
    let groups = runs.iter().map(|r| run_members(gpu, r, None)).collect::<Result<Vec<_>>>()?;
    let configs: Vec<TrainConfig> = groups.iter().map(|g| g[0].cfg.clone()).collect();
    let mut e = Ensemble::of(groups, scoring.tta)?;
    if let Some(task) = scoring.task {
        e.score_as(task)?;
    }
    let prep = pipeline::prepare(e.cfg())?;
    let main_task = e.cfg().task;
    let main_index = configs.iter().position(|c| c.task == main_task).unwrap_or(0);
    let main = &runs[main_index];
    for (cfg, run) in configs.iter().zip(runs).enumerate().filter(|(i, _)| *i != main_index).map(|(_, r)| r) {
        let other = pipeline::prepare(cfg)?;
        // A binary run's labels are the 4-class labels with C1–C3 merged.
        let merged = cfg.task != main_task;
        let same_label = |a: u32, b: u32| if merged { (a != 0) == (b != 0) } else { a == b };
        let same = other.slices.len() == prep.slices.len()
            && other.split.val == prep.split.val
            && other.split.test == prep.split.test
            && other.slices.iter().zip(&prep.slices).all(|(a, b)| {
                a.name == b.name && a.labels.len() == b.labels.len() && a.labels.iter().zip(&b.labels).all(|(&x, &y)| same_label(x, y))
            });
        if !same {
            return Err(Error::InvalidArgument {
                op: "ensemble",
                detail: format!(
                    "{} and {} were not trained on the same split (data, seed, fold and size must agree: \
                     {} / {} test images); an ensemble is scored only on images none of its members trained on",
                    run.display(),
                    main.display(),
                    other.split.test.len(),
                    prep.split.test.len()
                ),
            });
        }
    }
    let cal = if scoring.calibrate { Some(calibrate(gpu, &mut e, &prep, main)?) } else { None };
    let report = evaluate_ensemble(gpu, &e, &prep.slices, &prep.split.test, "test")?;
    Ok((cal, report))
}
