//! The report generator on a tiny synthetic set of runs.

use serde_json::json;

fn metrics(dice: f64) -> serde_json::Value {
    json!({"model": "segnet", "task": "binary", "split": "test", "n_images": 18,
           "global_accuracy": {"mean": 0.9, "std": 0.05, "var": 0.0025},
           "classes": [{"name": "background", "sensitivity": 0.9, "specificity": 0.8, "precision": 0.99, "dice": 0.95, "gmean": 0.85, "f2": 0.92, "iou": 0.9},
                       {"name": "infection", "sensitivity": 0.8, "specificity": 0.9, "precision": 0.5, "dice": dice, "gmean": 0.85, "f2": 0.7, "iou": 0.4}]})
}

#[test]
fn report_of_synthetic_runs_has_every_table_and_the_papers_numbers() {
    let root = std::env::temp_dir().join(format!("lungseg-test-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (cv, single, sweep) = (root.join("cv"), root.join("single"), root.join("sweep"));
    for d in [&cv, &single, &sweep] {
        std::fs::create_dir_all(d).unwrap();
    }
    let summary = json!({"background": {"sensitivity": {"mean": 0.9, "std": 0.01}, "specificity": {"mean": 0.8, "std": 0.02}, "dice": {"mean": 0.95, "std": 0.01}, "gmean": {"mean": 0.85, "std": 0.01}, "f2": {"mean": 0.9, "std": 0.01}},
                         "infection": {"sensitivity": {"mean": 0.8, "std": 0.03}, "specificity": {"mean": 0.9, "std": 0.02}, "dice": {"mean": 0.612, "std": 0.04}, "gmean": {"mean": 0.85, "std": 0.02}, "f2": {"mean": 0.7, "std": 0.03}}});
    std::fs::write(
        cv.join("cv.json"),
        json!({"model": "segnet", "task": "binary", "preset": "quick", "folds": [metrics(0.6), metrics(0.62)], "summary": summary})
            .to_string(),
    )
    .unwrap();
    std::fs::write(single.join("metrics.json"), metrics(0.58).to_string()).unwrap();
    // How each was trained: the recipe from config.json, adapter and time from run.json (summed
    // over the folds).
    let config = |weights: &str| {
        json!({"preset": "quick", "size": 128, "width": 32, "epochs": 20, "batch": 4, "lr": 0.002, "class_weights": weights,
               "normalization": "zerocenter", "augment": true, "seed": 1})
        .to_string()
    };
    for k in 0..2 {
        let fold = cv.join(format!("fold{k}"));
        std::fs::create_dir_all(&fold).unwrap();
        std::fs::write(fold.join("config.json"), config("sqrt-median")).unwrap();
        std::fs::write(
            fold.join("run.json"),
            json!({"adapter": "Test GPU", "train_seconds": 90.0, "sessions": 1, "epochs": 20}).to_string(),
        )
        .unwrap();
    }
    std::fs::write(single.join("config.json"), config("median")).unwrap();
    std::fs::write(sweep.join("sweep.json"), json!({"model": "segnet", "task": "binary", "best_experiment": 2, "experiments": [
        {"experiment": 1, "lr": 1e-4, "batch": 4, "report": metrics(0.5)}, {"experiment": 2, "lr": 1e-3, "batch": 4, "report": metrics(0.6)}]}).to_string()).unwrap();
    let text = lungseg::report::render(&[cv.as_path(), sweep.as_path(), single.as_path()], &root).unwrap();
    assert!(text.contains("2-fold cross-validation (quick preset)"), "{text}");
    assert!(text.contains("| infection | 0.800 ± 0.030 | 0.900 ± 0.020 | 0.612 ± 0.040"), "{text}");
    assert!(text.contains("0.703 ± 0.055"), "the paper's SegNet binary Dice beside lungseg's: {text}");
    assert!(text.contains("| 2 (best) | 0.001 | 4 |"), "{text}");
    assert!(text.contains("| infection | 0.800 | 0.900 | 0.500 | 0.580 |"), "{text}");
    assert!(text.contains("Saood and I. Hatem"));
    assert!(text.contains("class weights sqrt-median") && text.contains("Trained on Test GPU in 3.0 min."), "{text}");
    assert!(text.contains("class weights median") && text.contains("not recorded (no run.json)"), "{text}");
}
