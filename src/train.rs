//! The training loop: epochs of shuffled, augmented batches, validation every few iterations,
//! checkpoints (atomic) and resume.
//!
//! Everything a run does is decided by one [`TrainConfig`] (written to `RUN_DIR/config.json`,
//! see [`crate::run_dir`]), and every random choice is a pure function of (seed, epoch,
//! iteration), so a resumed run continues exactly where an uninterrupted one would be.

use crate::checkpoint::{self, Extra};
use crate::config::SELECTION_DICE_DECAY;
pub use crate::config::{DataSource, Overrides, Preset, Schedule, Selection, TrainConfig};
use crate::error::{Error, Result};
use crate::evaluate::{self, Validation};
use crate::gpu::Gpu;
use crate::models::Model;
use crate::pipeline::{self, Prepared};
use crate::run_dir::{read_json, write_json, RunDir};
use crate::step::{self, StepConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// (epoch, batch in the epoch, iteration): what a training batch is a pure function of.
type BatchKey = (usize, usize, usize);

/// Where a run stands (checkpoint metadata `state`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Next epoch / batch to run.
    pub epoch: usize,
    pub batch_in_epoch: usize,
    pub iteration: usize,
    pub best_val_loss: Option<f32>,
    /// With `--select dice`: the highest smoothed validation Dice so far (the best checkpoint's).
    #[serde(default)]
    pub best_val_dice: Option<f32>,
    /// With `--select dice`: the moving average of the validation Dice after the last validation
    /// (kept in the checkpoint, so a resume continues it exactly).
    #[serde(default)]
    pub val_dice_average: Option<f32>,
}

impl RunState {
    /// Takes in one validation; true when it makes the model the best so far by `select`.
    fn improves(&mut self, select: Selection, v: &Validation) -> bool {
        match select {
            Selection::Loss => {
                let better = self.best_val_loss.is_none_or(|b| v.loss < b);
                if better {
                    self.best_val_loss = Some(v.loss);
                }
                better
            }
            Selection::Dice => {
                let d = SELECTION_DICE_DECAY;
                let average = self.val_dice_average.map_or(v.dice, |a| d * a + (1.0 - d) * v.dice);
                self.val_dice_average = Some(average);
                let better = self.best_val_dice.is_none_or(|b| average > b);
                if better {
                    self.best_val_dice = Some(average);
                }
                better
            }
        }
    }
}

/// Progress reports of a training run.
pub trait Progress {
    fn start(&mut self, _total_iterations: u64, _per_epoch: u64) {}
    fn iteration(&mut self, _epoch: usize, _iteration: usize, _loss: f32, _accuracy: f32, _lr: f32) {}
    fn validation(&mut self, _iteration: usize, _validation: &Validation) {}
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

/// Metadata and extra tensors of this run's checkpoints: the configuration and state (JSON), the
/// class weights and the mean image the inputs are normalised with.
fn checkpoint_extra(cfg: &TrainConfig, prep: &Prepared, state: &RunState) -> Result<Extra> {
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("config".into(), to_json(cfg)?);
    metadata.insert("state".into(), to_json(state)?);
    metadata.insert("class_weights".into(), format!("{:?}", prep.class_weights));
    metadata.insert("format".into(), "lungseg checkpoint 1: parameters in PyTorch layouts under layer names".into());
    let mut tensors = vec![("input.class_weights".to_string(), vec![prep.class_weights.len()], prep.class_weights.clone())];
    if let Some(m) = &prep.mean_image {
        tensors.push(("input.mean_image".into(), vec![cfg.size, cfg.size], m.clone()));
    }
    Ok(Extra { tensors, metadata })
}

fn to_json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::InvalidArgument { op: "json", detail: e.to_string() })
}

/// The configuration stored in `dir` (canonical), once `cfg` is the same run: equal but for
/// what a resume may change — the epochs, the checkpoint interval, and the data source (the
/// slices are compared by content where they are loaded) — or an error naming each field that
/// differs, as stored and as asked (a `cv` rerun with other flags, or a library caller, reaches
/// this without [`TrainConfig::resumed`]).
pub fn stored_config_for(dir: &RunDir, cfg: &TrainConfig) -> Result<TrainConfig> {
    let cfg = &cfg.canonical();
    let stored: TrainConfig = crate::run_dir::read_json::<TrainConfig>(&dir.config())?.canonical();
    let allowed = TrainConfig { epochs: cfg.epochs, checkpoint_every: cfg.checkpoint_every, data: cfg.data.clone(), ..stored.clone() };
    if &allowed == cfg {
        return Ok(stored);
    }
    let (have, want) = (serde_json::to_value(&allowed).unwrap_or_default(), serde_json::to_value(cfg).unwrap_or_default());
    // Over both sides' keys: a field left out when unset (`split_seed`) is in one only.
    let fields: Vec<String> = match (have.as_object(), want.as_object()) {
        (Some(h), Some(w)) => h
            .keys()
            .chain(w.keys().filter(|k| !h.contains_key(*k)))
            .filter(|k| h.get(*k) != w.get(*k))
            .map(|k| {
                let show = |v: Option<&serde_json::Value>| v.map_or("none".to_string(), |v| v.to_string());
                format!("{k} (the run has {}, asked for {})", show(h.get(k)), show(w.get(k)))
            })
            .collect(),
        _ => Vec::new(),
    };
    Err(Error::InvalidArgument {
        op: "resume",
        detail: format!(
            "{}: a run keeps the configuration its finished epochs were trained with; these differ: {}. \
             Only the epochs, the checkpoint interval and the data source (another copy of the same slices) may change: \
             continue it with the run's own flags, or start a new run (another --out)",
            dir.config().display(),
            fields.join("; ")
        ),
    })
}

/// Checks that slices of fingerprint `fingerprint` ([`pipeline::data_fingerprint`]), read from
/// `now`, are the slices the run in `dir` was trained on from `stored`: the fingerprint its
/// `split.json` keeps. A run that kept none (begun before lungseg stored one) is not checked on
/// its own data source, and refused another, which cannot be compared.
pub fn check_slices(dir: &RunDir, stored: &DataSource, now: &DataSource, fingerprint: &str) -> Result<()> {
    let split: serde_json::Value = if dir.split().exists() { crate::run_dir::read_json(&dir.split())? } else { serde_json::Value::Null };
    let refuse = |detail: String| Err(Error::InvalidArgument { op: "resume", detail: format!("{}: {detail}", dir.split().display()) });
    match split["data_fingerprint"].as_str() {
        Some(kept) if kept == fingerprint => Ok(()),
        Some(kept) if stored == now => refuse(format!(
            "the slices of {now} changed since the run was trained on them (data fingerprint {fingerprint}, the run's {kept}); \
             a run continues only on the slices its finished epochs saw: restore them, or start a new run"
        )),
        Some(kept) => refuse(format!(
            "the run was trained on {stored}, and {now} does not hold those slices (data fingerprint {fingerprint}, the \
             run's {kept}); a run continues only on the slices its finished epochs saw"
        )),
        None if stored == now => Ok(()),
        None => refuse(format!(
            "the run was trained on {stored} and keeps no data fingerprint (it began before lungseg stored one), so {now} \
             cannot be checked to hold the same slices; continue it with its own data source"
        )),
    }
}

/// Trains (or, with `resume`, continues) a run in `run_dir`. `stop` is polled after every
/// iteration: when set, the run saves `last.safetensors` and returns with `interrupted`.
///
/// On resume, `cfg` must be the run's stored configuration with only what a resume may change
/// changed ([`TrainConfig::resumed`]); it is checked against `config.json` here too.
pub fn train(
    gpu: &Gpu,
    cfg: &TrainConfig,
    run_dir: &Path,
    resume: bool,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    cfg.validate()?;
    // Compared and stored in one form, however the caller spelled it (`TrainConfig::canonical`).
    let cfg = &cfg.canonical();
    let started = std::time::Instant::now();
    let dir = RunDir::create(run_dir)?;
    let stored_data = if resume { Some(stored_config_for(&dir, cfg)?.data) } else { None };
    let prep = pipeline::prepare(cfg)?;
    let fingerprint = pipeline::data_fingerprint(&prep.slices);
    if let Some(stored) = &stored_data {
        check_slices(&dir, stored, &cfg.data, &fingerprint)?;
        if stored != &cfg.data {
            progress.message(&format!("{}: the same slices as {stored}, where the run was trained until now", cfg.data));
        }
    }
    let pre = prep.preprocessor(cfg);
    write_json(&dir.config(), cfg)?;
    let names = |idx: &[usize]| idx.iter().map(|&i| prep.slices[i].name.clone()).collect::<Vec<_>>();
    write_json(
        &dir.split(),
        &serde_json::json!({
            "train": names(&prep.split.train), "val": names(&prep.split.val), "test": names(&prep.split.test),
            "indices": &prep.split, "data_fingerprint": fingerprint,
        }),
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
        cfg.task.class_names().iter().zip(&prep.class_weights).map(|(n, w)| format!("{n} {w:.3}")).collect::<Vec<_>>().join(", ")
    ));

    let mut model = Model::new(gpu, cfg.model_config()?, cfg.seed)?;
    if cfg.ema > 0.0 {
        // From the initial weights; a resume then loads the average the run had reached.
        let mut enc = gpu.encoder("moving average");
        model.params.enable_ema(gpu, &mut enc, cfg.ema)?;
        gpu.submit(enc);
    }
    let (last, best) = (dir.last(), dir.best());
    let mut state = RunState::default();
    if resume {
        let ck = checkpoint::Loaded::open(&last)?;
        ck.restore(gpu, &mut model.params)?;
        state = stored_state(&ck)?;
        progress.message(&format!("resuming at epoch {}, batch {}, iteration {}", state.epoch + 1, state.batch_in_epoch, state.iteration));
    }
    let mut log = dir.open_log(resume.then_some(state.iteration))?;
    if !resume && dir.snapshots().exists() {
        // A new run in an old run's folder: its snapshots are not this run's.
        std::fs::remove_dir_all(dir.snapshots()).map_err(|e| Error::io("removing an earlier run's snapshots", &dir.snapshots(), e))?;
    }
    if cfg.snapshots > 0 {
        std::fs::create_dir_all(dir.snapshots()).map_err(|e| Error::io("creating the snapshot folder", &dir.snapshots(), e))?;
    }
    let weights = gpu.upload_f32("class weights", &prep.class_weights, &[prep.class_weights.len()])?;
    let per_epoch = prep.split.train.len().div_ceil(cfg.batch);
    progress.start((cfg.epochs * per_epoch) as u64, per_epoch as u64);

    let save = |model: &Model, state: &RunState, path: &Path| -> Result<()> {
        checkpoint::save(gpu, &model.params, &checkpoint_extra(cfg, &prep, state)?, path)
    };
    // The augmented slices of (epoch, batch, iteration): a pure function of them (the epoch's
    // shuffle depends only on (seed, epoch), the augmentation on (seed, iteration)), so the next
    // batch can be prepared on a CPU thread while the device runs this one — the same slices
    // whichever thread makes them.
    let batch_at = |epoch: usize, b: usize, iteration: usize| {
        let order = pipeline::epoch_order(cfg, &prep.split.train, epoch);
        let idx = &order[b * cfg.batch..((b + 1) * cfg.batch).min(order.len())];
        pipeline::training_batch(cfg, &prep.slices, idx, iteration)
    };
    let mut interrupted = false;
    std::thread::scope(|scope| -> Result<()> {
        let mut prefetched: Option<(BatchKey, std::thread::ScopedJoinHandle<'_, Vec<crate::data::Slice>>)> = None;
        'epochs: while state.epoch < cfg.epochs {
            let epoch = state.epoch;
            let lr = cfg.lr_at(epoch);
            while state.batch_in_epoch < per_epoch {
                let b = state.batch_in_epoch;
                let key = (epoch, b, state.iteration);
                let batch = match prefetched.take() {
                    Some((k, handle)) if k == key => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    _ => batch_at(epoch, b, state.iteration),
                };
                // Start the next batch's augmentation before this step occupies the device.
                let next = if b + 1 < per_epoch { Some((epoch, b + 1)) } else { (epoch + 1 < cfg.epochs).then_some((epoch + 1, 0)) };
                if let Some((ne, nb)) = next {
                    let ni = state.iteration + 1;
                    prefetched = Some(((ne, nb, ni), scope.spawn(move || batch_at(ne, nb, ni))));
                }
                let (x, y) = pre.batch(gpu, &batch)?;
                let sc = StepConfig { lr, l2: cfg.l2, dropout_seed: cfg.seed.wrapping_add(state.iteration as u64) };
                let stats =
                    step::train_step_stats_with(gpu, &mut model, &x, &y, &weights, &sc, &cfg.loss(), true)?.expect("stats were requested");
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
                log.row("train", epoch + 1, state.iteration, stats.loss, stats.accuracy, lr, None)?;
                progress.iteration(epoch, state.iteration, stats.loss, stats.accuracy, lr);
                if state.iteration % cfg.val_every == 0 && !prep.split.val.is_empty() {
                    // With --ema, validation and the best checkpoint see the averaged weights
                    // (swapped in, not copied).
                    model.with_average(|model| {
                        let v = evaluate::validate(gpu, model, &pre, &prep.slices, &prep.split.val, cfg.batch, &weights)?;
                        log.row("val", epoch + 1, state.iteration, v.loss, v.accuracy, lr, Some(v.dice))?;
                        progress.validation(state.iteration, &v);
                        if state.improves(cfg.select, &v) {
                            save(model, &state, &best)?;
                        }
                        if cfg.snapshots > 0 {
                            // A ring of the last K validations' weights. A resume replays the
                            // iterations after its checkpoint exactly, so it rewrites the same
                            // files and drops the same ones (already gone after a crash: fine).
                            checkpoint::save_weights(
                                gpu,
                                &model.params,
                                &checkpoint_extra(cfg, &prep, &state)?,
                                &dir.snapshot(state.iteration),
                            )?;
                            if let Some(old) = state.iteration.checked_sub(cfg.snapshots * cfg.val_every).filter(|&it| it > 0) {
                                let path = dir.snapshot(old);
                                match std::fs::remove_file(&path) {
                                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                                        return Err(Error::io("removing an old snapshot", &path, e))
                                    }
                                    _ => {}
                                }
                            }
                        }
                        Ok(())
                    })?;
                }
                if stop.load(Ordering::Relaxed) {
                    save(&model, &state, &last)?;
                    interrupted = true;
                    break 'epochs;
                }
            }
            state.epoch += 1;
            state.batch_in_epoch = 0;
            if state.epoch % cfg.checkpoint_every == 0 || state.epoch == cfg.epochs {
                save(&model, &state, &last)?;
            }
        }
        Ok(())
    })?;
    if !best.exists() {
        model.with_average(|model| save(model, &state, &best))?;
    }
    dir.record_session(gpu.adapter_name(), resume, started.elapsed().as_secs_f64(), state.epoch)?;
    progress.finish();
    Ok(Outcome { run_dir: run_dir.to_path_buf(), state, interrupted })
}

/// The configuration to resume the run in `run_dir` with: `stored` (its `config.json`) with the
/// overrides a resume may apply ([`TrainConfig::resumed`]), checked against the epochs its
/// resumable checkpoint has finished.
pub fn resume_config(run_dir: &Path, stored: &TrainConfig, o: &Overrides) -> Result<TrainConfig> {
    let last = RunDir::new(run_dir).last();
    stored.resumed(o, stored_state(&checkpoint::Loaded::open(&last)?)?.epoch)
}

/// Where the run that wrote a training checkpoint stood (its metadata `state`).
pub fn stored_state(ck: &checkpoint::Loaded) -> Result<RunState> {
    ck.metadata().get("state").and_then(|s| serde_json::from_str(s).ok()).ok_or_else(|| Error::InvalidArgument {
        op: "resume",
        detail: format!("{}: no training state in the checkpoint", ck.path().display()),
    })
}

/// Writes the inference part of a run's best checkpoint (weights, running statistics, mean image,
/// class weights and the configuration) to `out`: a model to ship or share, loaded by
/// [`evaluate::load_model`] and `lungseg predict --checkpoint FILE`.
pub fn export_weights(gpu: &Gpu, checkpoint_or_run: &Path, out: &Path) -> Result<PathBuf> {
    let t = evaluate::load_model(gpu, checkpoint_or_run, None)?;
    let ck = checkpoint::Loaded::open(&t.file)?;
    let mut metadata = ck.metadata();
    metadata.remove("state");
    metadata.insert("format".into(), "lungseg weights 1: parameters in PyTorch layouts under layer names, no optimizer state".into());
    let mut tensors = Vec::new();
    for name in ["input.class_weights", "input.mean_image"] {
        if let Ok((shape, data)) = ck.tensor(name) {
            tensors.push((name.to_string(), shape, data));
        }
    }
    checkpoint::save_weights(gpu, &t.model.params, &Extra { tensors, metadata }, out)?;
    Ok(out.to_path_buf())
}

/// Writes a run's model as a folder — `config.json`, `split.json`, `best.safetensors` and, for a
/// run that keeps snapshots (`--snapshots K`), `snapshots/` — every checkpoint as
/// [`export_weights`] writes it. It is the run as prediction and `eval` see it, without optimizer
/// state, logs or the last checkpoint: `lungseg predict --checkpoint OUT` uses the mean of the
/// snapshots exactly as for the run itself, where a single exported file holds the best
/// checkpoint alone. `out` must not exist yet or be an empty folder, so nothing is overwritten; the
/// folder is written under a temporary name and renamed when complete, so a failed export leaves
/// nothing behind. Returns the files written (at their final paths).
pub fn export_model(gpu: &Gpu, run: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let bad = |detail: String| Error::InvalidArgument { op: "export", detail };
    let from = RunDir::new(run);
    if !evaluate::cv_fold_dirs(run)?.is_empty() {
        return Err(bad(format!("{} is a cross-validation folder; export one fold's run folder (foldK) at a time", run.display())));
    }
    if !run.is_dir() || !from.best().exists() {
        return Err(bad(format!(
            "{}: a model folder is exported from a run folder with a best.safetensors; for a checkpoint file, give --out FILE.safetensors",
            run.display()
        )));
    }
    if out.exists() && !out.is_dir() {
        return Err(bad(format!("{} exists and is not a folder", out.display())));
    }
    if std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(bad(format!("{} exists and is not empty; export into a new folder", out.display())));
    }
    // The configuration: the run's config.json, else (a folder holding only a best checkpoint) the
    // one stored in the checkpoint — such a folder predicts with its best checkpoint alone.
    let (config, snapshots) = match read_json::<TrainConfig>(&from.config()) {
        Ok(c) => (c, from.kept_snapshots()?),
        Err(_) => (evaluate::load_model(gpu, &from.best(), None)?.cfg, Vec::new()),
    };
    let name = out.file_name().ok_or_else(|| bad(format!("{}: not a folder name", out.display())))?;
    let partial = out.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    // Every file goes into `partial`; its paths are returned relative to it.
    let write_all = || -> Result<Vec<PathBuf>> {
        let to = RunDir::new(&partial);
        let folder = if snapshots.is_empty() { to.root.clone() } else { to.snapshots() };
        std::fs::create_dir_all(&folder).map_err(|e| Error::io("creating the export folder", &folder, e))?;
        write_json(&to.config(), &config)?;
        let mut written = vec![to.config()];
        if from.split().exists() {
            std::fs::copy(from.split(), to.split()).map_err(|e| Error::io("copying the split", &from.split(), e))?;
            written.push(to.split());
        }
        written.push(export_weights(gpu, &from.best(), &to.best())?);
        for f in &snapshots {
            written.push(export_weights(gpu, f, &to.snapshots().join(f.file_name().expect("snapshot files have names")))?);
        }
        Ok(written.iter().map(|f| f.strip_prefix(&partial).expect("written under the partial folder").to_path_buf()).collect())
    };
    let _ = std::fs::remove_dir_all(&partial);
    let done = write_all().and_then(|written| {
        if out.is_dir() {
            std::fs::remove_dir(out).map_err(|e| Error::io("replacing the empty export folder", out, e))?;
        }
        std::fs::rename(&partial, out).map_err(|e| Error::io("moving the finished export into place", out, e))?;
        Ok(written.iter().map(|f| out.join(f)).collect())
    });
    if done.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    done
}
