//! The paper's metrics, computed the paper's way: one pixel confusion matrix accumulated over the
//! whole split, per class one-vs-rest; and the global accuracy of each image, with its mean,
//! standard deviation and variance over the split (sample statistics, N − 1, as MATLAB's std/var).
//! A class absent from both the prediction and the truth has undefined scores: reported as null
//! with a note, never as 0 or 1 (as MONAI does).

use serde::Serialize;

/// Per-class scores; `None` where undefined (a zero denominator).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub name: String,
    pub sensitivity: Option<f64>,
    pub specificity: Option<f64>,
    pub precision: Option<f64>,
    pub dice: Option<f64>,
    pub gmean: Option<f64>,
    pub f2: Option<f64>,
    pub iou: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// One-vs-rest scores of every class from a confusion matrix `m[truth][predicted]`.
pub fn class_metrics(m: &[Vec<u64>], names: &[&str]) -> Vec<ClassMetrics> {
    let c = m.len();
    let total: u64 = m.iter().flatten().sum();
    (0..c)
        .map(|k| {
            let tp = m[k][k] as f64;
            let fn_ = m[k].iter().sum::<u64>() as f64 - tp;
            let fp = (0..c).map(|t| m[t][k]).sum::<u64>() as f64 - tp;
            let tn = total as f64 - tp - fn_ - fp;
            let name = names.get(k).map_or(format!("class {k}"), |s| s.to_string());
            if tp + fn_ + fp == 0.0 {
                return ClassMetrics {
                    name,
                    sensitivity: None,
                    specificity: None,
                    precision: None,
                    dice: None,
                    gmean: None,
                    f2: None,
                    iou: None,
                    note: Some("absent from both prediction and ground truth: scores undefined".into()),
                };
            }
            let sens = ratio(tp, tp + fn_);
            let spec = ratio(tn, tn + fp);
            ClassMetrics {
                name,
                sensitivity: sens,
                specificity: spec,
                precision: ratio(tp, tp + fp),
                dice: ratio(2.0 * tp, 2.0 * tp + fp + fn_),
                gmean: sens.zip(spec).map(|(a, b)| (a * b).sqrt()),
                f2: ratio(5.0 * tp, 5.0 * tp + 4.0 * fn_ + fp),
                iou: ratio(tp, tp + fp + fn_),
                note: None,
            }
        })
        .collect()
}

/// The mean Dice of the foreground classes 1..C−1 of a confusion matrix `m[truth][predicted]`
/// (what a training run's validation reports and `--select dice` maximises). A class absent from
/// both prediction and truth has no Dice and is left out of the mean; when every one is (nothing
/// to find and nothing found), the score is 1.
pub fn foreground_dice(m: &[Vec<u64>]) -> f64 {
    let scores: Vec<f64> = class_metrics(m, &[]).iter().skip(1).filter_map(|k| k.dice).collect();
    if scores.is_empty() {
        1.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

/// Mean, standard deviation and variance (N − 1) of per-image accuracies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub std: f64,
    pub var: f64,
}

pub fn summarize(values: &[f64]) -> Summary {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n.max(1.0);
    let var = if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    Summary { mean, std: var.sqrt(), var }
}

/// The content of `metrics.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub model: String,
    pub task: String,
    pub split: String,
    pub n_images: usize,
    pub global_accuracy: Summary,
    pub classes: Vec<ClassMetrics>,
    pub confusion: Vec<Vec<u64>>,
}

fn cell(v: Option<f64>) -> String {
    v.map_or("   n/a".into(), |x| format!("{x:.4}"))
}

impl Report {
    /// A table in the layout of the paper's Tables 4 and 6.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} {} — {} split, {} images; global accuracy mean {:.4}, std {:.4}, variance {:.6}\n",
            self.model, self.task, self.split, self.n_images, self.global_accuracy.mean, self.global_accuracy.std, self.global_accuracy.var
        );
        s += &format!(
            "{:<26} {:>11} {:>11} {:>9} {:>7} {:>7} {:>7} {:>7}\n",
            "class", "sensitivity", "specificity", "precision", "dice", "g-mean", "f2", "iou"
        );
        for c in &self.classes {
            s += &format!(
                "{:<26} {:>11} {:>11} {:>9} {:>7} {:>7} {:>7} {:>7}{}\n",
                c.name,
                cell(c.sensitivity),
                cell(c.specificity),
                cell(c.precision),
                cell(c.dice),
                cell(c.gmean),
                cell(c.f2),
                cell(c.iou),
                c.note.as_ref().map_or(String::new(), |n| format!("  ({n})"))
            );
        }
        s
    }
}
