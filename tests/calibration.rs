//! Decision offsets fitted on a validation split (`eval --calibrate`): with zero offsets the
//! decision is the plain argmax (ties to the first class), the fit finds the threshold that
//! separates a known boundary, prefers the offset nearest 0 among equal scores, leaves absent
//! classes alone, and never scores below the argmax on the split it was fitted on.

use lungseg::calibration::{decide, fit, foreground_dice};
use lungseg::evaluate::argmax_planes;

/// (N = 1, C = 2, plane) probabilities from the infection probabilities `p1`.
fn binary(p1: &[f32]) -> Vec<f32> {
    p1.iter().map(|p| 1.0 - p).chain(p1.iter().copied()).collect()
}

#[test]
fn zero_offsets_decide_as_the_argmax_including_ties() {
    let mut rng = lungseg::rng::Rng::new(7);
    let (c, plane, n) = (4, 37, 3);
    let mut probs: Vec<f32> = (0..n * c * plane).map(|_| rng.below(5) as f32 / 4.0).collect(); // many ties
    probs[plane] = probs[0]; // a tie between class 0 and 1 at pixel 0 of image 0
    assert_eq!(decide(&probs, c, plane, &[0.0; 4]), argmax_planes(&probs, c, plane));
}

#[test]
fn the_fit_finds_the_threshold_that_separates_the_classes_nearest_zero() {
    // Infection exactly where p1 ≥ 0.8: any threshold in (0.6, 0.8) is perfect; the offset
    // nearest 0 on the 0.1 grid that gets there is −0.5 (threshold 1 / (1 + e^−0.5) ≈ 0.62).
    let p1 = [0.1f32, 0.3, 0.5, 0.6, 0.8, 0.9, 0.05, 0.6, 0.95, 0.3];
    let labels: Vec<u32> = p1.iter().map(|&p| (p >= 0.8) as u32).collect();
    let probs = binary(&p1);
    let cal = fit(&probs, &labels, 2, p1.len(), 1, false);
    assert_eq!(cal.offsets, vec![0.0, -0.5]);
    assert!(cal.fitted_dice_before < 1.0 && cal.fitted_dice_after == 1.0, "{cal:?}");
    // The other direction: infection from p1 ≥ 0.3 needs a positive offset.
    let labels: Vec<u32> = p1.iter().map(|&p| (p >= 0.3) as u32).collect();
    let cal = fit(&probs, &labels, 2, p1.len(), 1, false);
    assert!(cal.offsets[1] > 0.0 && cal.fitted_dice_after == 1.0, "{cal:?}");
    assert_eq!(decide(&probs, 2, p1.len(), &cal.offsets), labels);
}

#[test]
fn a_perfect_argmax_keeps_zero_offsets_and_absent_classes_keep_theirs() {
    let p1 = [0.1f32, 0.9, 0.2, 0.7];
    let labels = [0u32, 1, 0, 1];
    let cal = fit(&binary(&p1), &labels, 2, 4, 1, false);
    assert_eq!(cal.offsets, vec![0.0, 0.0]);
    // Three classes, class 2 never in the labels: its offset stays 0 whatever the data.
    let plane = 6;
    let rows = [[0.6f32, 0.3, 0.1], [0.5, 0.4, 0.1], [0.4, 0.5, 0.1], [0.3, 0.3, 0.4], [0.7, 0.2, 0.1], [0.45, 0.45, 0.1]];
    let probs: Vec<f32> = (0..3 * plane).map(|i| rows[i % plane][i / plane]).collect();
    let labels = [0u32, 1, 1, 1, 0, 1];
    let cal = fit(&probs, &labels, 3, plane, 1, false);
    assert_eq!(cal.offsets[2], 0.0, "{cal:?}");
    assert!(cal.fitted_dice_after >= cal.fitted_dice_before);
    assert_eq!(foreground_dice(&probs, &labels, 3, plane, &cal.offsets), cal.fitted_dice_after);
}

#[test]
fn the_fit_never_scores_below_the_argmax_on_random_data() {
    let mut rng = lungseg::rng::Rng::new(3);
    for c in [2usize, 4] {
        let (plane, n) = (50, 4);
        let mut probs = Vec::new();
        for _ in 0..n * plane {
            let raw: Vec<f32> = (0..c).map(|_| rng.uniform() as f32 + 1e-3).collect();
            probs.push(raw);
        }
        // (N, C, plane) layout of normalised probabilities.
        let mut flat = vec![0.0f32; n * c * plane];
        for (i, raw) in probs.iter().enumerate() {
            let (img, p) = (i / plane, i % plane);
            let sum: f32 = raw.iter().sum();
            for k in 0..c {
                flat[(img * c + k) * plane + p] = raw[k] / sum;
            }
        }
        let labels: Vec<u32> = (0..n * plane).map(|_| rng.below(c as u64) as u32).collect();
        let cal = fit(&flat, &labels, c, plane, n, false);
        assert!(cal.fitted_dice_after >= cal.fitted_dice_before, "{cal:?}");
        assert_eq!(cal.offsets[0], 0.0);
        assert_eq!(foreground_dice(&flat, &labels, c, plane, &cal.offsets), cal.fitted_dice_after);
    }
}
