//! `lungseg report`: one Markdown report of runs — cross-validation summaries (Table 7 layout),
//! sweeps (Tables 3 / 5), single-run class tables (Tables 4 / 6) — with the paper's published
//! numbers beside lungseg's in the same layout (`assets/paper_tables.json`, embedded in the
//! binary), and the run's figures embedded.
//!
//! The paper's cells stand where lungseg's would: an extra `paper` row under each class of a
//! class table, extra `paper` columns on each row of a sweep. A cell the paper does not give is
//! left empty — a placeholder such as "n/a" could be read as a published value. lungseg's own
//! cells keep "n/a" for a metric that is undefined on its data (a class absent from the images).

use crate::error::{Error, Result};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn rep_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "report", detail: format!("{}: {}", path.display(), detail.into()) }
}

fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading a run file", path, e))?;
    serde_json::from_str(&text).map_err(|e| rep_err(path, format!("not JSON: {e}")))
}

/// One of lungseg's numbers, or "n/a" where its metric is undefined.
fn num(v: &Value) -> String {
    v.as_f64().map_or("n/a".into(), |x| format!("{x:.3}"))
}

/// One of the paper's numbers to the paper's three decimals, or an empty cell where the paper
/// gives none.
fn paper_num(v: &Value) -> String {
    v.as_f64().map_or(String::new(), |x| format!("{x:.3}"))
}

/// A paper's Table 7 cell: "mean ± std", the mean alone when only it is given, else empty.
fn paper_mean_std(v: &Value) -> String {
    match (v["mean"].as_f64(), v["std"].as_f64()) {
        (Some(m), Some(sd)) => format!("{m:.3} ± {sd:.3}"),
        (Some(m), None) => format!("{m:.3}"),
        _ => String::new(),
    }
}

const METRICS: [&str; 5] = ["sensitivity", "specificity", "dice", "gmean", "f2"];

/// The paper's transcribed tables, embedded at compile time: the report must show them from a
/// binary copied away from the source tree, whatever the current directory.
const PAPER_TABLES: &str = include_str!("../assets/paper_tables.json");

/// The paper's transcribed numbers shipped with lungseg (`assets/paper_tables.json`): Tables 1–3
/// and 5–7, and the two cells of Table 4 its text quotes. Keys follow lungseg's words (networks
/// `segnet` / `unet`, tasks `binary` / `multi`, metrics as in metrics.json); classes are the
/// paper's (`infection`, `C1`–`C3`); a cell the paper does not give is null or absent.
pub fn paper_tables() -> Result<Value> {
    serde_json::from_str(PAPER_TABLES).map_err(|e| Error::InvalidArgument {
        op: "report",
        detail: format!("the paper's tables built into lungseg (assets/paper_tables.json) are not valid JSON: {e}"),
    })
}

/// The paper's key for one of lungseg's class names: "infection" stays, "C1 ground-glass opacity"
/// becomes "C1". Background classes have no entry in the paper's class tables.
fn paper_class(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// The paper's sweep table for `task` (Table 3 binary, Table 5 multi-class) as (name, JSON key).
fn paper_sweep_table(task: &str) -> Option<(&'static str, &'static str)> {
    match task {
        "binary" => Some(("Table 3", "table3_binary_global_accuracy")),
        "multi" => Some(("Table 5", "table5_multi_global_accuracy")),
        _ => None,
    }
}

/// The paper's class-level table of its best runs for `task` (Table 4 binary, of which the text
/// quotes two cells; Table 6 multi-class) as (name, JSON key).
fn paper_class_table(task: &str) -> Option<(&'static str, &'static str)> {
    match task {
        "binary" => Some(("Table 4", "table4_binary_classes")),
        "multi" => Some(("Table 6", "table6_multi_classes")),
        _ => None,
    }
}

/// The paper's row of a sweep table (one network's rows) for lungseg's (lr, batch): matched by the
/// configuration rather than the experiment number, so that a row is only ever set beside the same
/// training recipe. lungseg stores lr as f32, hence the relative tolerance.
fn paper_sweep_row(rows: &Value, lr: Option<f64>, batch: Option<u64>) -> Option<&Value> {
    let (lr, batch) = (lr?, batch?);
    rows.as_array()?.iter().find(|r| r["batch"].as_u64() == Some(batch) && r["lr"].as_f64().is_some_and(|p| (p - lr).abs() <= 1e-6 * p))
}

/// The paper's best experiment of `model` for `task` (Table 3 / 5) as a sentence on its global
/// accuracy, for a single run's table.
fn paper_best_accuracy(paper: &Value, model: &str, task: &str) -> Option<String> {
    let (name, key) = paper_sweep_table(task)?;
    let best = paper["best_experiments"][task][model].as_u64()?;
    let row = paper[key][model].as_array()?.iter().find(|r| r["experiment"].as_u64() == Some(best))?;
    Some(format!(
        "Paper ({name}, its best {model} {task} run, experiment {best}: initial lr {}, mini-batch {}): mean {}, std {}, variance {}.\n",
        row["lr"],
        row["batch"],
        paper_num(&row["mean"]),
        paper_num(&row["std"]),
        paper_num(&row["var"])
    ))
}

/// A single run's class table (the layout of the paper's Tables 4 / 6), each class followed by the
/// paper's row for it from `paper_rows` (one network's entries of that table) where the paper lists
/// the class. The paper gives neither precision nor IoU: those cells of its rows stay empty.
fn class_table(s: &mut String, metrics: &Value, paper_rows: &Value, paper_label: &str) {
    let _ = writeln!(
        s,
        "| class | source | sensitivity | specificity | precision | Dice | G-mean | F2 | IoU |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for c in metrics["classes"].as_array().into_iter().flatten() {
        let name = c["name"].as_str().unwrap_or("?");
        let _ = writeln!(
            s,
            "| {name} | lungseg | {} | {} | {} | {} | {} | {} | {} |",
            num(&c["sensitivity"]),
            num(&c["specificity"]),
            num(&c["precision"]),
            num(&c["dice"]),
            num(&c["gmean"]),
            num(&c["f2"]),
            num(&c["iou"])
        );
        let p = &paper_rows[paper_class(name)];
        if p.is_object() {
            let _ = writeln!(
                s,
                "| {name} | {paper_label} | {} | {} |  | {} | {} | {} |  |",
                paper_num(&p["sensitivity"]),
                paper_num(&p["specificity"]),
                paper_num(&p["dice"]),
                paper_num(&p["gmean"]),
                paper_num(&p["f2"])
            );
        }
    }
    let g = &metrics["global_accuracy"];
    let _ = writeln!(
        s,
        "\nGlobal accuracy over {} images: mean {}, std {}, variance {}.\n",
        metrics["n_images"],
        num(&g["mean"]),
        num(&g["std"]),
        num(&g["var"])
    );
}

/// "off", "on" (the paper's reflection and shear), or "on" with the levers beyond the paper.
fn augmentation(cfg: &Value) -> String {
    if !cfg["augment"].as_bool().unwrap_or(false) {
        return "off".into();
    }
    let extra: Vec<String> = [("rotation ±", "max_rotate_deg", "°"), ("scale ±", "max_scale", ""), ("intensity ", "intensity", "")]
        .iter()
        .filter_map(|(name, key, unit)| cfg[*key].as_f64().filter(|&v| v > 0.0).map(|v| format!("{name}{v}{unit}")))
        .collect();
    if extra.is_empty() {
        "on".into()
    } else {
        format!("on ({})", extra.join(", "))
    }
}

/// One line saying how `dirs` (a run, or a cross-validation's folds) were trained: the recipe from
/// `config.json`, the adapter and training time from `run.json` (summed over the folds).
fn recipe(dirs: &[std::path::PathBuf]) -> Option<String> {
    let cfg = dirs.iter().find_map(|d| read(&d.join("config.json")).ok())?;
    let mut line = format!(
        "Recipe: {} preset, {}×{}, width {}, {} epochs, batch {}, initial lr {}, class weights {}, {} normalisation, augmentation {}, seed {}.",
        cfg["preset"].as_str().unwrap_or("?"),
        cfg["size"],
        cfg["size"],
        cfg["width"],
        cfg["epochs"],
        cfg["batch"],
        cfg["lr"].as_f64().map_or("?".into(), |x| format!("{x:e}")),
        cfg["class_weights"].as_str().unwrap_or("median"),
        cfg["normalization"].as_str().unwrap_or("?"),
        augmentation(&cfg),
        cfg["seed"]
    );
    if let Some(split_seed) = cfg["split_seed"].as_u64() {
        let _ = write!(line, " Split seed {split_seed}.");
    }
    let dice = cfg["dice_weight"].as_f64().unwrap_or(0.0);
    if dice > 0.0 {
        let _ = write!(line, " Loss: cross-entropy + {dice} × soft Dice.");
    }
    let ema = cfg["ema"].as_f64().unwrap_or(0.0);
    if ema > 0.0 {
        let _ = write!(line, " Weights: moving average, decay {ema}.");
    }
    let records: Vec<Value> = dirs.iter().filter_map(|d| read(&d.join("run.json")).ok()).collect();
    if records.is_empty() {
        line.push_str(" Adapter and training time: not recorded (no run.json).");
    } else {
        let mut adapters: Vec<&str> = records.iter().filter_map(|r| r["adapter"].as_str()).collect();
        adapters.sort_unstable();
        adapters.dedup();
        let seconds: f64 = records.iter().filter_map(|r| r["train_seconds"].as_f64()).sum();
        let _ = write!(line, " Trained on {} in {:.1} min", adapters.join(", "), seconds / 60.0);
        if records.len() < dirs.len() {
            let _ = write!(line, " ({} of {} runs recorded)", records.len(), dirs.len());
        }
        line.push('.');
    }
    Some(line + "\n")
}

/// A cross-validation (cv.json) in the layout of the paper's Table 7: mean ± std over the folds
/// per class and metric, each class followed by the paper's Table 7 row where it lists the class.
fn cv_section(s: &mut String, run: &Path, paper: &Value) -> Result<()> {
    let cv = read(&run.join("cv.json"))?;
    let (model, task) = (cv["model"].as_str().unwrap_or("?"), cv["task"].as_str().unwrap_or("?"));
    let n_folds = cv["folds"].as_array().map_or(0, |f| f.len());
    let _ = writeln!(s, "## {model} {task}: {n_folds}-fold cross-validation ({} preset)\n", cv["preset"].as_str().unwrap_or("?"));
    let folds: Vec<_> = (0..n_folds).map(|k| run.join(format!("fold{k}"))).collect();
    if let Some(line) = recipe(&folds) {
        let _ = writeln!(s, "{line}");
    }
    let p = &paper["table7_five_fold"][task][model];
    if p.is_object() {
        let _ = writeln!(s, "Paper: Table 7, five-fold cross-validation of its best {model} {task} network (mean ± std over the folds).\n");
    }
    // The same folds scored again by `lungseg eval --run CV_DIR [--tta] [--calibrate]`, if they
    // were; a variant file that exists but does not read, or covers another number of folds, is
    // an error rather than a silently missing row.
    let mut variants: Vec<(&str, Value)> = Vec::new();
    for (tta, calibrated, label) in [
        (true, false, "lungseg, flip TTA"),
        (false, true, "lungseg, calibrated offsets"),
        (true, true, "lungseg, flip TTA + calibrated offsets"),
    ] {
        let file = run.join(crate::run_dir::cv_file(tta, calibrated));
        if file.exists() {
            let v = read(&file)?;
            let n = v["folds"].as_array().map_or(0, |f| f.len());
            if n != n_folds {
                return Err(rep_err(
                    &file,
                    format!("scores {n} folds, cv.json {n_folds}: re-score with lungseg eval --run {}", run.display()),
                ));
            }
            variants.push((label, v));
        }
    }
    let cells =
        |m: &Value| METRICS.iter().map(|k| format!("{} ± {}", num(&m[*k]["mean"]), num(&m[*k]["std"]))).collect::<Vec<_>>().join(" | ");
    let _ = writeln!(s, "| class | source | sensitivity | specificity | Dice | G-mean | F2 |\n| --- | --- | --- | --- | --- | --- | --- |");
    for (class, m) in cv["summary"].as_object().into_iter().flatten() {
        let _ = writeln!(s, "| {class} | lungseg | {} |", cells(m));
        for (label, v) in &variants {
            let m = &v["summary"][class];
            if m.is_object() {
                let _ = writeln!(s, "| {class} | {label} | {} |", cells(m));
            }
        }
        let pc = &p[paper_class(class)];
        if pc.is_object() {
            let cells: Vec<String> = METRICS.iter().map(|k| paper_mean_std(&pc[*k])).collect();
            let _ = writeln!(s, "| {class} | paper (Table 7) | {} |", cells.join(" | "));
        }
    }
    s.push('\n');
    Ok(())
}

/// A sweep (sweep.json) in the layout of the paper's Tables 3 / 5: per experiment its initial lr,
/// mini-batch and the mean / std / variance of per-image global accuracy on the test images, with
/// the paper's three numbers for the same network, task and (lr, batch) in columns beside — one
/// row carries both, as the two share the configuration.
fn sweep_section(s: &mut String, run: &Path, paper: &Value) -> Result<()> {
    let sw = read(&run.join("sweep.json"))?;
    let (model, task) = (sw["model"].as_str().unwrap_or("?"), sw["task"].as_str().unwrap_or("?"));
    let _ = writeln!(s, "## {model} {task}: learning-rate × mini-batch sweep\n");
    let (paper_rows, best) = match paper_sweep_table(task) {
        Some((name, key)) => {
            let _ = writeln!(
                s,
                "Paper: {name}, {model} columns, matched by initial lr and mini-batch; (best) marks the paper's best experiment.\n"
            );
            (&paper[key][model], paper["best_experiments"][task][model].as_u64())
        }
        None => (&Value::Null, None),
    };
    let _ = writeln!(
        s,
        "| experiment | initial lr | mini-batch | mean global accuracy | std | variance | paper mean | paper std | paper variance |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for e in sw["experiments"].as_array().into_iter().flatten() {
        let g = &e["report"]["global_accuracy"];
        let mark = if e["experiment"] == sw["best_experiment"] { " (best)" } else { "" };
        let (p_mean, p_std, p_var) = match paper_sweep_row(paper_rows, e["lr"].as_f64(), e["batch"].as_u64()) {
            Some(p) => {
                let p_mark = if p["experiment"].as_u64().is_some_and(|k| Some(k) == best) { " (best)" } else { "" };
                (format!("{}{p_mark}", paper_num(&p["mean"])), paper_num(&p["std"]), paper_num(&p["var"]))
            }
            None => Default::default(),
        };
        let _ = writeln!(
            s,
            "| {}{mark} | {} | {} | {} | {} | {} | {p_mean} | {p_std} | {p_var} |",
            e["experiment"],
            e["lr"],
            e["batch"],
            num(&g["mean"]),
            num(&g["std"]),
            num(&g["var"])
        );
    }
    s.push('\n');
    Ok(())
}

/// A single run's metrics.json in the layout of the paper's Tables 4 / 6, with the paper's rows
/// of its best run of the same network and task, and its global accuracy (Tables 3 / 5).
fn single_section(s: &mut String, run: &Path, paper: &Value) -> Result<()> {
    let m = read(&run.join("metrics.json"))?;
    let (model, task) = (m["model"].as_str().unwrap_or("?"), m["task"].as_str().unwrap_or("?"));
    let _ = writeln!(s, "## {model} {task} — {} split ({})\n", m["split"].as_str().unwrap_or("?"), run.display());
    if let Some(line) = recipe(&[run.to_path_buf()]) {
        let _ = writeln!(s, "{line}");
    }
    let (paper_rows, label) = match paper_class_table(task) {
        Some((name, key)) => {
            let _ = writeln!(
                s,
                "Paper: {name}, class-level results of its best {model} {task} run on its test images; empty cells are numbers the paper does not give.\n"
            );
            (&paper[key][model], format!("paper ({name})"))
        }
        None => (&Value::Null, String::new()),
    };
    class_table(s, &m, paper_rows, &label);
    if let Some(line) = paper_best_accuracy(paper, model, task) {
        let _ = writeln!(s, "{line}");
    }
    Ok(())
}

/// Renders the report of `runs` (folders holding cv.json, sweep.json or metrics.json).
pub fn render(runs: &[&Path], out_dir: &Path) -> Result<String> {
    let paper = paper_tables()?;
    let mut s = String::from("# lungseg report\n\n");
    let _ = writeln!(s, "Paper: {}.\n{}\n", paper["citation"].as_str().unwrap_or(""), paper["source"].as_str().unwrap_or(""));
    for run in runs {
        if !["cv.json", "sweep.json", "metrics.json"].iter().any(|f| run.join(f).is_file()) {
            return Err(crate::Error::InvalidArgument {
                op: "report",
                detail: if run.is_dir() {
                    format!(
                        "{}: no cv.json, sweep.json or metrics.json in this folder (is it a lungseg run or cross-validation?)",
                        run.display()
                    )
                } else {
                    format!("{}: no such folder", run.display())
                },
            });
        }
        let rel = |p: &Path| pathdiff(p, out_dir);
        if run.join("cv.json").exists() {
            cv_section(&mut s, run, &paper)?;
        }
        if run.join("sweep.json").exists() {
            sweep_section(&mut s, run, &paper)?;
        }
        if run.join("metrics.json").exists() {
            single_section(&mut s, run, &paper)?;
        }
        let figs = run.join("figures");
        for (file, caption) in [
            ("loss.svg", "Loss"),
            ("accuracy.svg", "Accuracy"),
            ("dataset_sample.png", "Dataset sample"),
            ("label_heatmap.png", "Label accumulation"),
        ] {
            if figs.join(file).exists() {
                let _ = writeln!(s, "![{caption}]({})\n", rel(&figs.join(file)));
            }
        }
    }
    Ok(s)
}

/// `path` relative to `base` when it lies under it, else as given.
fn pathdiff(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}
