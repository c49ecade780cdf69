//! `lungseg report`: one Markdown report of runs — cross-validation summaries (Table 7 layout),
//! sweeps (Tables 3 / 5), single-run class tables (Tables 4 / 6) — with the paper's published
//! numbers beside lungseg's where they are transcribed (`assets/paper_tables.json`), and the
//! run's figures embedded.

use crate::error::{Error, Result};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn rep_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "report", detail: format!("{}: {}", path.display(), detail.into()) }
}

fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| rep_err(path, format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| rep_err(path, format!("not JSON: {e}")))
}

fn num(v: &Value) -> String {
    v.as_f64().map_or("n/a".into(), |x| format!("{x:.3}"))
}

const METRICS: [&str; 5] = ["sensitivity", "specificity", "dice", "gmean", "f2"];

/// The paper's transcribed numbers shipped with lungseg.
pub fn paper_tables() -> Result<Value> {
    read(&crate::data::shipped_dir().parent().expect("assets/medseg has a parent").join("paper_tables.json"))
}

fn class_table(s: &mut String, metrics: &Value) {
    let _ = writeln!(
        s,
        "| class | sensitivity | specificity | precision | Dice | G-mean | F2 | IoU |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for c in metrics["classes"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            c["name"].as_str().unwrap_or("?"),
            num(&c["sensitivity"]),
            num(&c["specificity"]),
            num(&c["precision"]),
            num(&c["dice"]),
            num(&c["gmean"]),
            num(&c["f2"]),
            num(&c["iou"])
        );
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
        if cfg["augment"].as_bool().unwrap_or(false) { "on" } else { "off" },
        cfg["seed"]
    );
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

/// Renders the report of `runs` (folders holding cv.json, sweep.json or metrics.json).
pub fn render(runs: &[&Path], out_dir: &Path) -> Result<String> {
    let paper = paper_tables()?;
    let mut s = String::from("# lungseg report\n\n");
    let _ = writeln!(s, "Paper: {}.\n{}\n", paper["citation"].as_str().unwrap_or(""), paper["transcribed"].as_str().unwrap_or(""));
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
            let cv = read(&run.join("cv.json"))?;
            let (model, task) = (cv["model"].as_str().unwrap_or("?"), cv["task"].as_str().unwrap_or("?"));
            let n_folds = cv["folds"].as_array().map_or(0, |f| f.len());
            let _ = writeln!(s, "## {model} {task}: {n_folds}-fold cross-validation ({} preset)\n", cv["preset"].as_str().unwrap_or("?"));
            let folds: Vec<_> = (0..n_folds).map(|k| run.join(format!("fold{k}"))).collect();
            if let Some(line) = recipe(&folds) {
                let _ = writeln!(s, "{line}");
            }
            let _ = writeln!(s, "| class | {} | paper Dice |\n| --- | --- | --- | --- | --- | --- | --- |", METRICS.join(" | "));
            for (class, m) in cv["summary"].as_object().into_iter().flatten() {
                let cells: Vec<String> = METRICS.iter().map(|k| format!("{} ± {}", num(&m[*k]["mean"]), num(&m[*k]["std"]))).collect();
                let p = &paper["table7_five_fold"][task];
                let paper_dice = p[model][class]["dice"]
                    .as_object()
                    .or_else(|| p["best_of_both"][class]["dice"].as_object())
                    .map_or("—".to_string(), |d| {
                        format!("{}{}", num(&d["mean"]), d.get("std").map_or(String::new(), |sd| format!(" ± {}", num(sd))))
                    });
                let _ = writeln!(s, "| {class} | {} | {paper_dice} |", cells.join(" | "));
            }
            s.push('\n');
        }
        if run.join("sweep.json").exists() {
            let sw = read(&run.join("sweep.json"))?;
            let _ = writeln!(
                s,
                "## {} {}: learning-rate × mini-batch sweep\n",
                sw["model"].as_str().unwrap_or("?"),
                sw["task"].as_str().unwrap_or("?")
            );
            let _ = writeln!(
                s,
                "| experiment | initial lr | mini-batch | mean global accuracy | std | variance |\n| --- | --- | --- | --- | --- | --- |"
            );
            for e in sw["experiments"].as_array().into_iter().flatten() {
                let g = &e["report"]["global_accuracy"];
                let best = if e["experiment"] == sw["best_experiment"] { " (best)" } else { "" };
                let _ = writeln!(
                    s,
                    "| {}{best} | {} | {} | {} | {} | {} |",
                    e["experiment"],
                    e["lr"],
                    e["batch"],
                    num(&g["mean"]),
                    num(&g["std"]),
                    num(&g["var"])
                );
            }
            s.push('\n');
        }
        if run.join("metrics.json").exists() {
            let m = read(&run.join("metrics.json"))?;
            let _ = writeln!(
                s,
                "## {} {} — {} split ({})\n",
                m["model"].as_str().unwrap_or("?"),
                m["task"].as_str().unwrap_or("?"),
                m["split"].as_str().unwrap_or("?"),
                run.display()
            );
            if let Some(line) = recipe(&[run.to_path_buf()]) {
                let _ = writeln!(s, "{line}");
            }
            class_table(&mut s, &m);
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
