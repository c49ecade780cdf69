//! The paper's experiment protocols on top of [`crate::train`]: k-fold cross-validation
//! (Table 7) and the nine-configuration learning-rate × mini-batch sweep (Tables 2, 3, 5).
//! Each run lives in its own folder; a run whose `metrics.json` exists is skipped, so an
//! interrupted protocol picks up where it stopped.

use crate::data::Task;
use crate::error::{Error, Result};
use crate::evaluate;
use crate::gpu::Gpu;
use crate::metrics::Report;
use crate::models::Arch;
use crate::run_dir::{write_json, RunDir};
use crate::train::{self, Progress, TrainConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Mean and (sample) standard deviation of one metric over folds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeanStd {
    pub mean: Option<f64>,
    pub std: Option<f64>,
}

/// `cv.json`: every fold's metrics and, per class and metric, mean and std over the folds where
/// the metric is defined.
#[derive(Clone, Debug, Serialize)]
pub struct CvReport {
    pub model: String,
    pub task: String,
    pub preset: String,
    pub folds: Vec<Report>,
    pub summary: BTreeMap<String, BTreeMap<String, MeanStd>>,
}

/// Summarises fold reports (classes in the same order in every fold).
pub fn summarize_folds(folds: &[Report]) -> BTreeMap<String, BTreeMap<String, MeanStd>> {
    let mut out = BTreeMap::new();
    let Some(first) = folds.first() else { return out };
    for (k, class) in first.classes.iter().enumerate() {
        let mut per_metric = BTreeMap::new();
        for metric in ["sensitivity", "specificity", "precision", "dice", "gmean", "f2", "iou"] {
            let values: Vec<f64> = folds
                .iter()
                .filter_map(|r| {
                    let c = &r.classes[k];
                    match metric {
                        "sensitivity" => c.sensitivity,
                        "specificity" => c.specificity,
                        "precision" => c.precision,
                        "dice" => c.dice,
                        "gmean" => c.gmean,
                        "f2" => c.f2,
                        _ => c.iou,
                    }
                })
                .collect();
            let s = (!values.is_empty()).then(|| crate::metrics::summarize(&values));
            per_metric.insert(metric.to_string(), MeanStd { mean: s.as_ref().map(|s| s.mean), std: s.map(|s| s.std) });
        }
        out.insert(class.name.clone(), per_metric);
    }
    out
}

/// Trains and evaluates one run, or continues it: a run that finished (its `metrics.json`
/// exists) is only evaluated again, unless `cfg` asks for more epochs than its last checkpoint
/// holds — then it resumes and trains them, as `train --resume RUN --epochs E` does.
fn run_once(gpu: &Gpu, cfg: &TrainConfig, dir: &Path, stop: &AtomicBool, progress: &mut dyn Progress) -> Result<Option<Report>> {
    let run = RunDir::new(dir);
    let trained_epochs =
        if run.last().exists() { Some(train::stored_state(&crate::checkpoint::Loaded::open(&run.last())?)?.epoch) } else { None };
    // A rerun with another recipe into a finished (or half-trained) fold would report the old
    // run under the new flags: refused, naming what differs.
    let stored = if trained_epochs.is_some() { Some(train::stored_config_for(&run, cfg)?) } else { None };
    if run.metrics("test").exists() {
        match trained_epochs.filter(|&e| e < cfg.epochs) {
            None => {
                if let Some(stored) = stored.filter(|s| s.data != cfg.data) {
                    // Another copy of the slices (the data moved): the same slices, or refused;
                    // the fold then reads them there. (A fold that trains on checks in `train`.)
                    let slices = crate::pipeline::load_slices(cfg)?;
                    train::check_slices(&run, &stored.data, &cfg.data, &crate::pipeline::data_fingerprint(&slices))?;
                    write_json(&run.config(), &TrainConfig { data: cfg.data.clone(), ..stored })?;
                }
                progress.message(&format!("{}: finished earlier, evaluating it again", dir.display()));
                return evaluate::evaluate_run(gpu, dir, "test").map(Some);
            }
            Some(e) => progress.message(&format!("{}: finished {e} epochs earlier, continuing to {}", dir.display(), cfg.epochs)),
        }
    }
    let resume = trained_epochs.is_some();
    let outcome = train::train(gpu, cfg, dir, resume, stop, progress)?;
    if outcome.interrupted {
        return Ok(None);
    }
    evaluate::evaluate_run(gpu, dir, "test").map(Some)
}

/// `folds`-fold cross-validation of `base` into `out/fold<k>`; writes `out/cv.json`. Returns `None`
/// when stopped (rerun to continue).
pub fn cross_validate(
    gpu: &Gpu,
    base: &TrainConfig,
    folds: usize,
    out: &Path,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<Option<CvReport>> {
    let mut reports = Vec::new();
    for k in 0..folds {
        let cfg = TrainConfig { fold: Some(k), folds, ..base.clone() };
        progress.message(&format!("fold {} of {folds}", k + 1));
        match run_once(gpu, &cfg, &out.join(format!("fold{k}")), stop, progress)? {
            Some(r) => reports.push(r),
            None => return Ok(None),
        }
    }
    Ok(Some(write_cv_report(base.model.to_string(), base, reports, &out.join(crate::run_dir::cv_file(false, false)))?))
}

/// The fold reports of a cross-validation of `model` (`cfg`'s network, or an ensemble's
/// `unet+segnet`) on `cfg`'s task, summarised, written to `path`.
fn write_cv_report(model: String, cfg: &TrainConfig, reports: Vec<Report>, path: &Path) -> Result<CvReport> {
    let report =
        CvReport { model, task: cfg.task.to_string(), preset: cfg.preset.to_string(), summary: summarize_folds(&reports), folds: reports };
    write_json(path, &report)?;
    Ok(report)
}

/// The folds of a finished cross-validation folder: `fold0` … `fold{k−1}` for the `k` folds its
/// configuration names, each trained to its last epoch, with fold 0's configuration — or an error
/// naming what is missing or unfinished (a summary of fewer or half-trained folds would pass for
/// the cross-validation).
pub fn finished_folds(dir: &Path) -> Result<(Vec<PathBuf>, TrainConfig)> {
    let bad = |detail: String| Err(Error::InvalidArgument { op: "eval", detail: format!("{}: {detail}", dir.display()) });
    let folds = evaluate::cv_fold_dirs(dir)?;
    if folds.is_empty() {
        return bad("not a cross-validation folder (no fold0/best.safetensors, …)".into());
    }
    let cfg: TrainConfig = crate::run_dir::read_json(&RunDir::new(&folds[0]).config())?;
    let want: Vec<PathBuf> = (0..cfg.folds).map(|k| dir.join(format!("fold{k}"))).collect();
    if folds != want {
        return bad(format!(
            "a {}-fold cross-validation needs fold0 … fold{} with a best.safetensors each; found {}",
            cfg.folds,
            cfg.folds.saturating_sub(1),
            folds.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect::<Vec<_>>().join(", ")
        ));
    }
    for f in &folds {
        let run = RunDir::new(f);
        let state = train::stored_state(&crate::checkpoint::Loaded::open(&run.last())?).ok();
        let fold_cfg: TrainConfig = crate::run_dir::read_json(&run.config())?;
        if state.is_none_or(|s| s.epoch < fold_cfg.epochs) {
            return bad(format!(
                "{} has not finished its {} epochs; continue the cross-validation (rerun lungseg cv with the same flags) first",
                f.display(),
                fold_cfg.epochs
            ));
        }
    }
    Ok((folds, cfg))
}

/// Scores every fold of a finished cross-validation again on its own test split — with flip
/// test-time augmentation, and / or decision offsets fitted on that fold's validation split
/// ([`evaluate::evaluate_run_calibrated`]) — and summarises them as `cv.json` does, into
/// `cv-tta.json`, `cv-calibrated.json` or `cv-tta-calibrated.json` (plain: `cv.json` again).
pub fn evaluate_cv(gpu: &Gpu, dir: &Path, tta: bool, calibrate: bool) -> Result<CvReport> {
    let (folds, cfg) = finished_folds(dir)?;
    let mut reports = Vec::new();
    for f in &folds {
        reports.push(match (tta, calibrate) {
            (_, true) => evaluate::evaluate_run_calibrated(gpu, f, tta)?.1,
            (true, false) => evaluate::evaluate_run_tta(gpu, f, "test")?,
            (false, false) => evaluate::evaluate_run(gpu, f, "test")?,
        });
    }
    write_cv_report(cfg.model.to_string(), &cfg, reports, &dir.join(crate::run_dir::cv_file(tta, calibrate)))
}

/// Several finished cross-validations on the same folds (same data, seed and fold count;
/// different networks or recipes, of one task or 4-class with binary ones mixed in), scored fold by fold as ensembles: fold k's test images
/// by the mean softmax of every cross-validation's fold-k model ([`evaluate::evaluate_runs`]),
/// none of which trained on them — unlike an ensemble of one cross-validation's folds. Scored
/// as `scoring` says: calibrated, the decision offsets are fitted on fold k's validation images;
/// on the binary task, 4-class cross-validations vote on infection. Writes
/// `cv.json` (`cv-tta.json`, …) and each fold's offsets (`fold<k>/calibration*.json`) to `out`.
pub fn evaluate_cv_ensemble(gpu: &Gpu, dirs: &[PathBuf], out: &Path, scoring: &evaluate::Scoring) -> Result<CvReport> {
    if dirs.is_empty() {
        return Err(Error::InvalidArgument { op: "ensemble", detail: "no cross-validation folders given".into() });
    }
    let mut all = Vec::new();
    for d in dirs {
        all.push(finished_folds(d)?);
    }
    // The report's configuration: a 4-class one where binary cross-validations are mixed in,
    // unless the scoring names the task (4-class runs scored as binary).
    let any_multi = all.iter().any(|(_, c)| c.task == Task::Multi);
    let task = scoring.task.unwrap_or(if any_multi { Task::Multi } else { all[0].1.task });
    let main = all.iter().position(|(_, c)| c.task == task).unwrap_or(0);
    let (first_folds, main_cfg) = &all[main];
    let cfg = &TrainConfig { task, ..main_cfg.clone() };
    for ((folds, _), d) in all.iter().zip(dirs) {
        if folds.len() != first_folds.len() {
            return Err(Error::InvalidArgument {
                op: "ensemble",
                detail: format!(
                    "{} is a {}-fold cross-validation, {} a {}-fold one: an ensemble's cross-validations must agree",
                    d.display(),
                    folds.len(),
                    dirs[main].display(),
                    first_folds.len(),
                ),
            });
        }
    }
    let name = all
        .iter()
        .map(|(_, c)| if c.task == cfg.task { c.model.to_string() } else { format!("{} {}", c.model, c.task) })
        .collect::<Vec<_>>()
        .join("+");
    let mut reports = Vec::new();
    for k in 0..first_folds.len() {
        let runs: Vec<PathBuf> = all.iter().map(|(folds, _)| folds[k].clone()).collect();
        let (cal, mut report) = evaluate::evaluate_runs(gpu, &runs, scoring)?;
        report.model = name.clone();
        if let Some(cal) = cal {
            let fold_dir = out.join(format!("fold{k}"));
            std::fs::create_dir_all(&fold_dir).map_err(|e| Error::io("creating a folder", &fold_dir, e))?;
            write_json(&fold_dir.join(crate::run_dir::calibration_file(scoring.tta)), &cal)?;
        }
        reports.push(report);
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating a folder", out, e))?;
    write_cv_report(name, cfg, reports, &out.join(crate::run_dir::cv_file(scoring.tta, scoring.calibrate)))
}

/// The paper's Table 2 grid for `arch`: (initial learning rate, mini-batch) of its nine runs.
pub fn sweep_grid(arch: Arch) -> Vec<(f32, usize)> {
    let (lrs, batches): (&[f32], &[usize]) = match arch {
        Arch::SegNet => (&[1e-4, 1e-3, 3e-3], &[4, 8, 12]),
        Arch::UNet => (&[1e-4, 5e-4, 1e-3], &[2, 8, 12]),
    };
    lrs.iter().flat_map(|&lr| batches.iter().map(move |&b| (lr, b))).collect()
}

/// One row of the sweep table (the paper's Tables 3 and 5).
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    pub experiment: usize,
    pub lr: f32,
    pub batch: usize,
    pub run: PathBuf,
    pub report: Report,
}

/// The nine-configuration sweep of `base` on the paper's split into `out/exp<k>`; writes
/// `out/sweep.json`. The best run is the one with the highest mean per-image global accuracy on
/// the test split, as the paper chose. Returns `None` when stopped.
pub fn sweep(
    gpu: &Gpu,
    base: &TrainConfig,
    out: &Path,
    stop: &AtomicBool,
    progress: &mut dyn Progress,
) -> Result<Option<(Vec<SweepRow>, usize)>> {
    let mut rows = Vec::new();
    for (k, (lr, batch)) in sweep_grid(base.model).into_iter().enumerate() {
        let cfg = TrainConfig { lr, batch, fold: None, ..base.clone() };
        let dir = out.join(format!("exp{}", k + 1));
        progress.message(&format!("experiment {}: initial learning rate {lr:e}, mini-batch {batch}", k + 1));
        match run_once(gpu, &cfg, &dir, stop, progress)? {
            Some(report) => rows.push(SweepRow { experiment: k + 1, lr, batch, run: dir, report }),
            None => return Ok(None),
        }
    }
    let best = rows
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.report.global_accuracy.mean.total_cmp(&b.1.report.global_accuracy.mean))
        .map(|(i, _)| i)
        .ok_or_else(|| Error::InvalidArgument { op: "sweep", detail: "no experiment ran".into() })?;
    write_json(
        &out.join("sweep.json"),
        &serde_json::json!({"model": base.model.to_string(), "task": base.task.to_string(), "preset": base.preset.to_string(), "best_experiment": rows[best].experiment, "experiments": &rows}),
    )?;
    Ok(Some((rows, best)))
}

/// The sweep table in the layout of the paper's Tables 3 and 5.
pub fn sweep_table(rows: &[SweepRow], best: usize) -> String {
    let mut s = format!("{:<11} {:>8} {:>6} {:>10} {:>9} {:>10}\n", "experiment", "lr", "batch", "mean acc", "std", "variance");
    for (i, r) in rows.iter().enumerate() {
        let g = &r.report.global_accuracy;
        s += &format!(
            "{:<11} {:>8.0e} {:>6} {:>10.4} {:>9.4} {:>10.6}{}\n",
            r.experiment,
            r.lr,
            r.batch,
            g.mean,
            g.std,
            g.var,
            if i == best { "  ← best" } else { "" }
        );
    }
    s
}

/// The cross-validation summary in the layout of the paper's Table 7.
pub fn cv_table(report: &CvReport) -> String {
    let cell = |m: &MeanStd| match (m.mean, m.std) {
        (Some(a), Some(b)) => format!("{a:.3} ± {b:.3}"),
        _ => "n/a".into(),
    };
    let mut s = format!("{} {} — {}-fold cross-validation ({} preset)\n", report.model, report.task, report.folds.len(), report.preset);
    s += &format!("{:<26} {:>15} {:>15} {:>15} {:>15} {:>15}\n", "class", "sensitivity", "specificity", "dice", "g-mean", "f2");
    for (class, m) in &report.summary {
        s += &format!(
            "{:<26} {:>15} {:>15} {:>15} {:>15} {:>15}\n",
            class,
            cell(&m["sensitivity"]),
            cell(&m["specificity"]),
            cell(&m["dice"]),
            cell(&m["gmean"]),
            cell(&m["f2"])
        );
    }
    s
}
