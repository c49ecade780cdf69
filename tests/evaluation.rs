//! The paper's metrics on hand-computed confusion matrices, including a class absent from both
//! prediction and truth.

use lungseg::metrics::{class_metrics, foreground_dice, summarize};

#[test]
fn metrics_on_a_hand_computed_confusion_matrix() {
    // rows = truth, columns = prediction. Class 1: TP 30, FN 10, FP 5, TN 55 (of 100).
    let m = vec![vec![55, 5], vec![10, 30]];
    let c = class_metrics(&m, &["bg", "inf"]);
    let k = &c[1];
    let close = |a: Option<f64>, b: f64| assert!((a.unwrap() - b).abs() < 1e-12, "{a:?} vs {b}");
    close(k.sensitivity, 30.0 / 40.0);
    close(k.specificity, 55.0 / 60.0);
    close(k.precision, 30.0 / 35.0);
    close(k.dice, 60.0 / 75.0);
    close(k.gmean, (0.75f64 * 55.0 / 60.0).sqrt());
    close(k.f2, 150.0 / (150.0 + 40.0 + 5.0));
    close(k.iou, 30.0 / 45.0);
    // Class 0 is the mirror image.
    close(c[0].sensitivity, 55.0 / 60.0);
    close(c[0].dice, 110.0 / 125.0);
}

#[test]
fn a_class_absent_from_prediction_and_truth_is_null_not_zero_or_one() {
    let m = vec![vec![90, 0, 0], vec![4, 6, 0], vec![0, 0, 0]];
    let c = class_metrics(&m, &["a", "b", "c"]);
    assert!(c[2].dice.is_none() && c[2].sensitivity.is_none() && c[2].note.is_some());
    let json = serde_json::to_string(&c[2]).unwrap();
    assert!(json.contains("\"dice\":null") && json.contains("absent"), "{json}");
    // Present only in the truth: sensitivity 0 and Dice 0 are real values.
    let m = vec![vec![90, 0], vec![10, 0]];
    let c = class_metrics(&m, &["a", "b"]);
    assert_eq!(c[1].sensitivity, Some(0.0));
    assert_eq!(c[1].dice, Some(0.0));
    assert_eq!(c[1].precision, None, "no positive predictions: precision undefined");
}

#[test]
fn the_validation_dice_averages_the_foreground_classes_that_exist() {
    // Binary: the infection class's Dice, 2·30 / (2·30 + 5 + 10); the background does not count.
    assert!((foreground_dice(&[vec![55, 5], vec![10, 30]]) - 60.0 / 75.0).abs() < 1e-12);
    // Four classes: class 3 neither labelled nor predicted is left out of the mean; class 2
    // labelled and never found counts as 0.
    let m = vec![vec![80, 2, 0, 0], vec![2, 8, 0, 0], vec![3, 1, 0, 0], vec![0, 0, 0, 0]];
    assert!((foreground_dice(&m) - (16.0 / 21.0 + 0.0) / 2.0).abs() < 1e-12);
    // Nothing to find and nothing found: 1; something predicted where nothing is: 0.
    assert_eq!(foreground_dice(&[vec![100, 0], vec![0, 0]]), 1.0);
    assert_eq!(foreground_dice(&[vec![90, 10], vec![0, 0]]), 0.0);
}

#[test]
fn global_accuracy_summary_uses_the_sample_variance() {
    let s = summarize(&[0.9, 0.8, 1.0]);
    assert!((s.mean - 0.9).abs() < 1e-12);
    assert!((s.var - 0.01).abs() < 1e-12);
    assert!((s.std - 0.1).abs() < 1e-12);
}
