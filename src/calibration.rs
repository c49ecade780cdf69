//! Decision offsets chosen on the validation split. A network trained with class weights decides
//! each pixel by the argmax of its softmax, which puts the boundary between over- and
//! under-segmentation where the weighted loss put it, not where the Dice score is best. Adding a
//! per-class offset `b_c` to the log-probabilities before the argmax moves that boundary (for the
//! binary task, `b_1 = ln(t / (1 − t))` is a probability threshold `t` on the infection class).
//! The offsets are fitted on the run's own validation split — never on the test split — by a
//! grid search (coordinate ascent over the classes for more than two) that maximises the mean
//! Dice of the foreground classes over the split's pooled confusion matrix, and then applied
//! unchanged to the test split.

use crate::error::{Error, Result};
use crate::metrics::class_metrics;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The offsets a run was calibrated with, what they did on the split they were fitted on, and
/// which model they belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Added to each class's log-probability before the argmax (class 0's is always 0).
    pub offsets: Vec<f32>,
    /// Mean foreground Dice on the fitting split with offsets 0 (the plain argmax) and with them.
    pub fitted_dice_before: f64,
    pub fitted_dice_after: f64,
    /// Images of the fitting split.
    pub fitted_images: usize,
    /// Whether the probabilities were averaged over flips (test-time augmentation).
    pub tta: bool,
    /// [`fingerprint`] of the checkpoint(s) the offsets were fitted for: offsets belong to one
    /// model's probabilities, so another model's are refused.
    pub fingerprint: String,
}

/// One line for the command line: the offsets and what they did on the split they were fitted on.
impl std::fmt::Display for Calibration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decision offsets {:?} (fitted on {} validation images: foreground Dice {:.4} → {:.4})",
            self.offsets, self.fitted_images, self.fitted_dice_before, self.fitted_dice_after
        )
    }
}

/// A fingerprint of model checkpoint files (FNV-1a, 64 bits, over their bytes in order), to
/// tie a calibration to the model it was fitted on whatever folder the files are moved to.
/// `sources[i]` is the ensemble source of `files[i]` ([`crate::evaluate::Ensemble::sources`]):
/// with more than one source their boundaries are hashed too, since the same files grouped
/// otherwise are weighted otherwise (one source: the files' bytes alone, as before sources were).
pub fn fingerprint(files: &[&Path], sources: &[usize]) -> Result<String> {
    let mut h = crate::fingerprint::Fnv1a::new();
    let grouped = sources.iter().any(|&s| s != sources[0]);
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).map_err(|e| Error::io("reading a checkpoint to fingerprint it", f, e))?;
        if grouped && i > 0 && sources[i] != sources[i - 1] {
            h.write(&[0xfe]);
        }
        h.write(&bytes);
        h.write(&[0xff]);
    }
    Ok(h.hex())
}

/// Offsets are searched on this grid: −3 … 3 in steps of 1 / GRID_PER_UNIT = 0.1 (a probability
/// threshold between 0.047 and 0.95 for the binary task).
const GRID_PER_UNIT: f32 = 10.0;
const GRID_MAX: i32 = 30;
/// Coordinate-ascent sweeps over the foreground classes (more than two classes).
const SWEEPS: usize = 3;

/// The class of every pixel of probabilities laid out (N, C, plane) — the argmax of
/// `ln p_c + offsets[c]`, the first on ties — as (N, plane). Computed as the argmax of
/// `p_c · exp(offsets[c])` in f64, so that zero (or missing) offsets give exactly the plain
/// argmax of the probabilities — which is what [`crate::evaluate::argmax_planes`] calls; a
/// trailing partial image is ignored.
pub fn decide(probs: &[f32], c: usize, plane: usize, offsets: &[f32]) -> Vec<u32> {
    if c == 0 || plane == 0 {
        return Vec::new();
    }
    let factors: Vec<f64> = (0..c).map(|k| (offsets.get(k).copied().unwrap_or(0.0) as f64).exp()).collect();
    let mut out = Vec::with_capacity(probs.len() / c);
    for sample in probs.chunks_exact(c * plane) {
        for p in 0..plane {
            let mut best = 0;
            let mut best_score = sample[p] as f64 * factors[0];
            for (k, f) in factors.iter().enumerate().skip(1) {
                let s = sample[k * plane + p] as f64 * f;
                if s > best_score {
                    best = k;
                    best_score = s;
                }
            }
            out.push(best as u32);
        }
    }
    out
}

/// An error unless `probs` is (N, C, plane) and `labels` (N, plane) with every label below C.
fn check(probs: &[f32], labels: &[u32], c: usize, plane: usize) -> Result<()> {
    let bad = |detail: String| Err(Error::InvalidArgument { op: "calibration", detail });
    if c < 2 || plane == 0 {
        return bad(format!("needs at least 2 classes and a non-empty plane, got {c} classes × {plane} pixels"));
    }
    if !labels.len().is_multiple_of(plane) || probs.len() != labels.len() / plane * c * plane {
        return bad(format!(
            "{} probabilities and {} labels are not (N, {c}, {plane}) and (N, {plane}) for one N",
            probs.len(),
            labels.len()
        ));
    }
    if let Some(l) = labels.iter().find(|&&l| l as usize >= c) {
        return bad(format!("label {l} is not one of the {c} classes"));
    }
    Ok(())
}

/// Mean Dice of the foreground classes present in `labels`, from the pooled confusion of
/// `decide(probs, offsets)`; shapes as [`fit`] takes them.
pub fn foreground_dice(probs: &[f32], labels: &[u32], c: usize, plane: usize, offsets: &[f32]) -> Result<f64> {
    check(probs, labels, c, plane)?;
    Ok(dice_unchecked(probs, labels, c, plane, offsets))
}

fn dice_unchecked(probs: &[f32], labels: &[u32], c: usize, plane: usize, offsets: &[f32]) -> f64 {
    let mut confusion = vec![vec![0u64; c]; c];
    for (&p, &t) in decide(probs, c, plane, offsets).iter().zip(labels) {
        confusion[t as usize][p as usize] += 1;
    }
    let present: Vec<usize> = (1..c).filter(|&k| confusion[k].iter().sum::<u64>() > 0).collect();
    if present.is_empty() {
        return 0.0;
    }
    let m = class_metrics(&confusion, &[]);
    present.iter().map(|&k| m[k].dice.unwrap_or(0.0)).sum::<f64>() / present.len() as f64
}

/// Fits the offsets on probabilities (N, C, plane) and labels (N, plane) of the fitting split.
/// Only classes present in `labels` get an offset (the others keep 0: nothing measures them). A
/// move is taken only when it raises the score, and among equal scores the offset nearest 0
/// wins, so a calibration that cannot improve on the argmax leaves it as it is.
/// `fingerprint` names the model ([`fingerprint`]); `tta` says how the probabilities were made.
pub fn fit(probs: &[f32], labels: &[u32], c: usize, plane: usize, tta: bool, fingerprint: String) -> Result<Calibration> {
    check(probs, labels, c, plane)?;
    let mut offsets = vec![0.0f32; c];
    let before = dice_unchecked(probs, labels, c, plane, &offsets);
    let present: Vec<usize> = (1..c).filter(|&k| labels.contains(&(k as u32))).collect();
    let mut best = before;
    let sweeps = if present.len() <= 1 { 1 } else { SWEEPS };
    // Grid points ordered by distance from 0, so that ties keep the smallest offset.
    let mut grid: Vec<i32> = (-GRID_MAX..=GRID_MAX).collect();
    grid.sort_by_key(|g| (g.abs(), *g));
    for _ in 0..sweeps {
        let mut moved = false;
        for &k in &present {
            let mut best_b = offsets[k];
            for &g in &grid {
                // A division, so that grid points are the nearest f32 to k / 10 (0.9, not 0.90000004).
                let b = g as f32 / GRID_PER_UNIT;
                if b == best_b {
                    continue;
                }
                offsets[k] = b;
                let d = dice_unchecked(probs, labels, c, plane, &offsets);
                if d > best + 1e-12 {
                    best = d;
                    best_b = b;
                    moved = true;
                }
            }
            offsets[k] = best_b;
        }
        if !moved {
            break;
        }
    }
    Ok(Calibration { offsets, fitted_dice_before: before, fitted_dice_after: best, fitted_images: labels.len() / plane, tta, fingerprint })
}
