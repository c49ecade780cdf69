//! The report generator on a tiny synthetic set of runs, and the paper's transcribed tables
//! (assets/paper_tables.json, built into lungseg) beside lungseg's numbers.

mod common;
use serde_json::{json, Value};
use std::path::Path;

fn metrics(dice: f64) -> Value {
    json!({"model": "segnet", "task": "binary", "split": "test", "n_images": 18,
           "global_accuracy": {"mean": 0.9, "std": 0.05, "var": 0.0025},
           "classes": [{"name": "background", "sensitivity": 0.9, "specificity": 0.8, "precision": 0.99, "dice": 0.95, "gmean": 0.85, "f2": 0.92, "iou": 0.9},
                       {"name": "infection", "sensitivity": 0.8, "specificity": 0.9, "precision": 0.5, "dice": dice, "gmean": 0.85, "f2": 0.7, "iou": 0.4}]})
}

/// A multi-class metrics.json of `model` (lungseg's four class names).
fn metrics_multi(model: &str, mean_accuracy: f64) -> Value {
    let class = |name: &str, dice: f64| json!({"name": name, "sensitivity": 0.7, "specificity": 0.95, "precision": 0.4, "dice": dice, "gmean": 0.8, "f2": 0.5, "iou": 0.3});
    json!({"model": model, "task": "multi", "split": "test", "n_images": 18,
           "global_accuracy": {"mean": mean_accuracy, "std": 0.07, "var": 0.0049},
           "classes": [class("C0 background/healthy", 0.97), class("C1 ground-glass opacity", 0.41), class("C2 consolidation", 0.44),
                       class("C3 pleural effusion", 0.11)]})
}

fn write(path: &Path, value: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, value.to_string()).unwrap();
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> common::Scratch {
    let root = common::scratch("report", name);
    std::fs::create_dir_all(&*root).unwrap();
    root
}

/// The report's section whose heading starts with `heading` (up to the next `## `).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text.find(heading).unwrap_or_else(|| panic!("no section {heading:?} in:\n{text}"));
    let rest = &text[start + heading.len()..];
    &text[start..start + heading.len() + rest.find("\n## ").unwrap_or(rest.len())]
}

/// The first line of `text` starting with `prefix`.
fn row<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no row starting {prefix:?} in:\n{text}"))
}

#[test]
fn report_of_synthetic_runs_has_every_table_and_the_papers_numbers() {
    let root = scratch("all");
    let (cv, single, sweep) = (root.join("cv"), root.join("single"), root.join("sweep"));
    let summary = json!({"background": {"sensitivity": {"mean": 0.9, "std": 0.01}, "specificity": {"mean": 0.8, "std": 0.02}, "dice": {"mean": 0.95, "std": 0.01}, "gmean": {"mean": 0.85, "std": 0.01}, "f2": {"mean": 0.9, "std": 0.01}},
                         "infection": {"sensitivity": {"mean": 0.8, "std": 0.03}, "specificity": {"mean": 0.9, "std": 0.02}, "dice": {"mean": 0.612, "std": 0.04}, "gmean": {"mean": 0.85, "std": 0.02}, "f2": {"mean": 0.7, "std": 0.03}}});
    write(
        &cv.join("cv.json"),
        &json!({"model": "segnet", "task": "binary", "preset": "quick", "folds": [metrics(0.6), metrics(0.62)], "summary": summary}),
    );
    // The folds re-scored with TTA + calibrated offsets (eval --run CV_DIR --tta --calibrate).
    let mut rescored = summary.clone();
    rescored["infection"]["dice"] = json!({"mean": 0.655, "std": 0.05});
    write(
        &cv.join("cv-tta-calibrated.json"),
        &json!({"model": "segnet", "task": "binary", "preset": "quick", "folds": [metrics(0.65), metrics(0.66)], "summary": rescored}),
    );
    write(&single.join("metrics.json"), &metrics(0.58));
    // How each was trained: the recipe from config.json, adapter and time from run.json (summed
    // over the folds).
    let config = |weights: &str| {
        json!({"preset": "quick", "size": 128, "width": 32, "epochs": 20, "batch": 4, "lr": 0.002, "class_weights": weights,
               "normalization": "zerocenter", "augment": true, "seed": 1})
    };
    for k in 0..2 {
        let fold = cv.join(format!("fold{k}"));
        write(&fold.join("config.json"), &config("sqrt-median"));
        write(&fold.join("run.json"), &json!({"adapter": "Test GPU", "train_seconds": 90.0, "sessions": 1, "epochs": 20}));
    }
    write(&single.join("config.json"), &config("median"));
    let experiments = json!([{"experiment": 1, "lr": 1e-4, "batch": 4, "report": metrics(0.5)},
                             {"experiment": 2, "lr": 1e-3, "batch": 4, "report": metrics(0.6)}]);
    write(&sweep.join("sweep.json"), &json!({"model": "segnet", "task": "binary", "best_experiment": 2, "experiments": experiments}));
    let text = lungseg::report::render(&[cv.as_path(), sweep.as_path(), single.as_path()], &root).unwrap();
    assert!(text.contains("2-fold cross-validation (quick preset)"), "{text}");
    assert!(text.contains("| infection | lungseg | 0.800 ± 0.030 | 0.900 ± 0.020 | 0.612 ± 0.040"), "{text}");
    // Table 7, SegNet binary, right under lungseg's infection row.
    let cv_text = section(&text, "## segnet binary: 2-fold");
    assert_eq!(
        row(cv_text, "| infection | paper"),
        "| infection | paper (Table 7) | 0.947 ± 0.048 | 0.945 ± 0.015 | 0.703 ± 0.055 | 0.945 ± 0.019 | 0.829 ± 0.029 |"
    );
    assert!(!cv_text.contains("| background | paper"), "the paper has no background row: {cv_text}");
    assert!(
        row(cv_text, "| infection | lungseg, flip TTA + calibrated offsets").contains("| 0.655 ± 0.050 |"),
        "the re-scored folds appear under the plain ones: {cv_text}"
    );
    assert!(!cv_text.contains("| infection | lungseg, flip TTA |"), "no cv-tta.json, no row: {cv_text}");
    // A re-scored file over another number of folds than cv.json's is an error, not a row.
    write(
        &cv.join("cv-tta.json"),
        &json!({"model": "segnet", "task": "binary", "preset": "quick", "folds": [metrics(0.6)], "summary": summary}),
    );
    let e = lungseg::report::render(&[cv.as_path()], &root).unwrap_err().to_string();
    assert!(e.contains("cv-tta.json") && e.contains("scores 1 folds, cv.json 2"), "{e}");
    assert!(text.contains("| 2 (best) | 0.001 | 4 |"), "{text}");
    assert!(text.contains("| infection | lungseg | 0.800 | 0.900 | 0.500 | 0.580 |"), "{text}");
    assert!(text.contains("Saood and I. Hatem"));
    assert!(text.contains("class weights sqrt-median") && text.contains("Trained on Test GPU in 3.0 min."), "{text}");
    assert!(text.contains("class weights median") && text.contains("not recorded (no run.json)"), "{text}");
}

#[test]
fn sweeps_show_the_papers_table_3_and_table_5_rows_beside_lungsegs() {
    let root = scratch("sweep");
    let (binary, multi) = (root.join("segnet-binary"), root.join("unet-multi"));
    // SegNet binary: experiments 1 and 4 of the paper's grid, and one configuration the paper
    // never ran (its paper cells must stay empty).
    let experiments = json!([{"experiment": 1, "lr": 1e-4, "batch": 4, "report": metrics(0.5)},
                             {"experiment": 4, "lr": 1e-3, "batch": 4, "report": metrics(0.6)},
                             {"experiment": 10, "lr": 2e-3, "batch": 6, "report": metrics(0.6)}]);
    write(&binary.join("sweep.json"), &json!({"model": "segnet", "task": "binary", "best_experiment": 4, "experiments": experiments}));
    // U-Net multi-class, lr given as f32 values widened to f64 (0.0005000000237…): the match with
    // the paper's 5e-4 tolerates the f32 rounding.
    let experiments = json!([{"experiment": 4, "lr": 5e-4_f32, "batch": 2, "report": metrics_multi("unet", 0.85)},
                             {"experiment": 9, "lr": 1e-3_f32, "batch": 12, "report": metrics_multi("unet", 0.87)}]);
    write(&multi.join("sweep.json"), &json!({"model": "unet", "task": "multi", "best_experiment": 9, "experiments": experiments}));
    let text = lungseg::report::render(&[binary.as_path(), multi.as_path()], &root).unwrap();

    let t3 = section(&text, "## segnet binary: learning-rate");
    assert!(t3.contains("Paper: Table 3, segnet columns"), "{t3}");
    assert!(t3.contains("| paper mean | paper std | paper variance |"), "{t3}");
    assert!(row(t3, "| 1 | 0.0001 | 4 | 0.900 |").ends_with("| 0.934 | 0.053 | 0.004 |"), "{t3}");
    assert!(row(t3, "| 4 (best) | 0.001 | 4 | 0.900 |").ends_with("| 0.954 (best) | 0.029 | 0.004 |"), "{t3}");
    // Not one of the paper's configurations: the three paper cells are empty.
    assert!(row(t3, "| 10 | 0.002 | 6 |").ends_with("|  |  |  |"), "{t3}");

    let t5 = section(&text, "## unet multi: learning-rate");
    assert!(t5.contains("Paper: Table 5, unet columns"), "{t5}");
    assert!(row(t5, "| 4 | 0.0005").ends_with("| 0.850 | 0.070 | 0.005 | 0.908 (best) | 0.065 | 0.004 |"), "{t5}");
    assert!(row(t5, "| 9 (best) | 0.001").ends_with("| 0.870 | 0.070 | 0.005 | 0.899 | 0.075 | 0.005 |"), "{t5}");
    assert!(!t5.contains("0.934"), "SegNet's binary numbers have no place in U-Net's multi-class sweep: {t5}");
}

#[test]
fn single_runs_and_cv_show_the_papers_table_6_and_table_7_cells_and_leave_unknown_ones_empty() {
    let root = scratch("classes");
    let (segnet_binary, unet_multi, cv) = (root.join("segnet-binary"), root.join("unet-multi"), root.join("cv-segnet-multi"));
    write(&segnet_binary.join("metrics.json"), &metrics(0.58));
    write(&unet_multi.join("metrics.json"), &metrics_multi("unet", 0.9));
    let ms = |mean: f64| json!({"mean": mean, "std": 0.05});
    let summary: serde_json::Map<String, Value> =
        ["C0 background/healthy", "C1 ground-glass opacity", "C2 consolidation", "C3 pleural effusion"]
            .iter()
            .map(|c| {
                (c.to_string(), json!({"sensitivity": ms(0.6), "specificity": ms(0.9), "dice": ms(0.4), "gmean": ms(0.7), "f2": ms(0.5)}))
            })
            .collect();
    write(&cv.join("cv.json"), &json!({"model": "segnet", "task": "multi", "preset": "paper", "folds": [], "summary": summary}));
    let text = lungseg::report::render(&[segnet_binary.as_path(), unet_multi.as_path(), cv.as_path()], &root).unwrap();

    // Table 6, U-Net: its three classes beside lungseg's; precision and IoU are not in the paper.
    let t6 = section(&text, "## unet multi — test split");
    assert!(t6.contains("Paper: Table 6"), "{t6}");
    assert_eq!(
        row(t6, "| C1 ground-glass opacity | paper"),
        "| C1 ground-glass opacity | paper (Table 6) | 0.804 | 0.930 |  | 0.483 | 0.865 | 0.636 |  |"
    );
    assert_eq!(
        row(t6, "| C2 consolidation | paper"),
        "| C2 consolidation | paper (Table 6) | 0.694 | 0.983 |  | 0.597 | 0.826 | 0.652 |  |"
    );
    assert_eq!(
        row(t6, "| C3 pleural effusion | paper"),
        "| C3 pleural effusion | paper (Table 6) | 0.684 | 0.993 |  | 0.225 | 0.824 | 0.377 |  |"
    );
    assert!(!t6.contains("| C0 background/healthy | paper"), "{t6}");
    // ... and the global accuracy of the paper's best U-Net multi-class run (Table 5, experiment 4).
    assert!(t6.contains("experiment 4: initial lr 0.0005, mini-batch 2): mean 0.908, std 0.065, variance 0.004."), "{t6}");

    // Table 4: the text quotes only SegNet's sensitivity and specificity; every other cell is empty.
    let t4 = section(&text, "## segnet binary — test split");
    assert_eq!(row(t4, "| infection | paper"), "| infection | paper (Table 4) | 0.956 | 0.945 |  |  |  |  |  |");
    assert!(t4.contains("experiment 4: initial lr 0.001, mini-batch 4): mean 0.954, std 0.029, variance 0.004."), "{t4}");

    // Table 7, SegNet multi-class.
    let t7 = section(&text, "## segnet multi: 0-fold");
    assert_eq!(
        row(t7, "| C1 ground-glass opacity | paper"),
        "| C1 ground-glass opacity | paper (Table 7) | 0.653 ± 0.043 | 0.927 ± 0.030 | 0.425 ± 0.084 | 0.778 ± 0.035 | 0.535 ± 0.069 |"
    );
    assert_eq!(
        row(t7, "| C3 pleural effusion | paper"),
        "| C3 pleural effusion | paper (Table 7) | 0.679 ± 0.270 | 0.987 ± 0.006 | 0.117 ± 0.068 | 0.804 ± 0.167 | 0.214 ± 0.110 |"
    );

    // No placeholder ever stands in a paper row: unknown cells are empty, not "n/a".
    for line in text.lines().filter(|l| l.contains("| paper (")) {
        assert!(!line.contains("n/a") && !line.contains('—'), "{line}");
    }
}

#[test]
fn the_papers_tables_are_built_in_and_complete() {
    let paper = lungseg::report::paper_tables().unwrap();
    // The built-in copy is the shipped file.
    let shipped: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/paper_tables.json")).unwrap())
            .unwrap();
    assert_eq!(paper, shipped);
    assert!(paper["citation"].as_str().unwrap().contains("BMC Medical Imaging 21:19 (2021)"));
    assert!(paper["source"].is_string());
    assert_eq!(paper["table1_class_sizes"]["classes"]["C3"]["pixel_count"], json!(334265.0));
    // Table 2 is lungseg's sweep grid, and Tables 3 and 5 carry the same nine configurations.
    for (arch, net) in [(lungseg::models::Arch::SegNet, "segnet"), (lungseg::models::Arch::UNet, "unet")] {
        let grid: Vec<(f64, u64)> = lungseg::experiments::sweep_grid(arch).iter().map(|&(lr, b)| (lr as f64, b as u64)).collect();
        for table in ["table2_experiments", "table3_binary_global_accuracy", "table5_multi_global_accuracy"] {
            let rows = paper[table][net].as_array().unwrap_or_else(|| panic!("{table} {net}"));
            assert_eq!(rows.len(), 9, "{table} {net}");
            for (k, (r, (lr, batch))) in rows.iter().zip(&grid).enumerate() {
                assert_eq!(r["experiment"], json!(k + 1));
                assert!((r["lr"].as_f64().unwrap() - lr).abs() < 1e-6 * lr && r["batch"].as_u64() == Some(*batch), "{table} {net} {r}");
            }
        }
    }
    for (task, classes) in [("binary", &["infection"][..]), ("multi", &["C1", "C2", "C3"][..])] {
        for net in ["segnet", "unet"] {
            for class in classes {
                for metric in ["sensitivity", "specificity", "dice", "gmean", "f2"] {
                    let cell = &paper["table7_five_fold"][task][net][class][metric];
                    assert!(cell["mean"].is_f64() && cell["std"].is_f64(), "Table 7 {task} {net} {class} {metric}");
                    if task == "multi" {
                        assert!(paper["table6_multi_classes"][net][class][metric].is_f64(), "Table 6 {net} {class} {metric}");
                    }
                }
            }
        }
    }
}

/// A copy of the binary in a folder of its own, run from another folder with no assets around,
/// still prints the paper's numbers: a read relative to the current directory or to the executable
/// fails here. (The build machine's source tree cannot be hidden from a test; that the tables do not
/// come from it is what include_str! in report.rs guarantees.)
#[test]
fn a_relocated_binary_reports_the_papers_numbers_from_any_directory() {
    let root = scratch("relocated");
    let (bin_dir, cwd, run) = (root.join("bin"), root.join("elsewhere"), root.join("runs").join("cv"));
    for d in [&bin_dir, &cwd] {
        std::fs::create_dir_all(d).unwrap();
    }
    let exe = bin_dir.join("lungseg");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_lungseg"), &exe).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_lungseg"), &exe).unwrap();
    }
    let summary = json!({"infection": {"dice": {"mean": 0.6, "std": 0.04}}});
    write(&run.join("cv.json"), &json!({"model": "unet", "task": "binary", "preset": "quick", "folds": [], "summary": summary}));
    let out = std::process::Command::new(&exe)
        .args(["report", "--runs"])
        .arg(&run)
        .args(["--out", "report.md"])
        .current_dir(&cwd)
        .env("LUNGSEG_DATA", &cwd)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(cwd.join("report.md")).unwrap();
    assert!(text.contains("| infection | paper (Table 7) | 0.961 ± 0.033 | 0.923 ± 0.018 | 0.643 ± 0.058 |"), "{text}");
}

/// The paper-protocol cross-validation measured on an NVIDIA H200 ships in `results/` (run folders
/// without checkpoints): it must keep rendering, with its numbers beside the paper's Table 7, as
/// README's "On a discrete GPU" quotes them.
#[test]
fn the_shipped_h200_cross_validation_renders_beside_table_7() {
    let run = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/h200/segnet-binary-paper");
    let root = scratch("h200");
    let text = lungseg::report::render(&[run.as_path()], &root).unwrap();
    let t7 = section(&text, "## segnet binary: 5-fold cross-validation (paper preset)");
    assert!(t7.contains("Trained on NVIDIA H200"), "{t7}");
    assert_eq!(
        row(t7, "| infection | lungseg"),
        "| infection | lungseg | 0.941 ± 0.031 | 0.938 ± 0.012 | 0.675 ± 0.063 | 0.939 ± 0.019 | 0.812 ± 0.046 |"
    );
    assert_eq!(
        row(t7, "| infection | paper"),
        "| infection | paper (Table 7) | 0.947 ± 0.048 | 0.945 ± 0.015 | 0.703 ± 0.055 | 0.945 ± 0.019 | 0.829 ± 0.029 |"
    );
}
