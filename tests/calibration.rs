//! Decision offsets fitted on a validation split (`eval --calibrate`): with zero offsets the
//! decision is the plain argmax (ties to the first class), the fit finds the threshold that
//! separates a known boundary, prefers the offset nearest 0 among equal scores, leaves absent
//! classes alone, and never scores below the argmax on the split it was fitted on.

use lungseg::calibration::{decide, fit, foreground_dice};

/// The plain argmax of probabilities laid out (N, C, plane), the first class on ties, written
/// from the definition (f32 comparisons), independent of the library's decision code.
fn argmax_planes(probs: &[f32], c: usize, plane: usize) -> Vec<u32> {
    let mut out = Vec::new();
    for sample in probs.chunks(c * plane) {
        for p in 0..plane {
            let mut best = 0;
            for k in 1..c {
                if sample[k * plane + p] > sample[best * plane + p] {
                    best = k;
                }
            }
            out.push(best as u32);
        }
    }
    out
}

/// Mean foreground Dice of the plain argmax, counted independently of the calibration module.
fn argmax_dice(probs: &[f32], labels: &[u32], c: usize, plane: usize) -> f64 {
    let pred = argmax_planes(probs, c, plane);
    let mut dice = Vec::new();
    for k in 1..c as u32 {
        let tp = pred.iter().zip(labels).filter(|(p, l)| **p == k && **l == k).count() as f64;
        let (np, nl) = (pred.iter().filter(|p| **p == k).count() as f64, labels.iter().filter(|l| **l == k).count() as f64);
        if nl > 0.0 {
            dice.push(2.0 * tp / (np + nl));
        }
    }
    if dice.is_empty() {
        0.0
    } else {
        dice.iter().sum::<f64>() / dice.len() as f64
    }
}

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
    // Neighbouring f32 values, whose logarithms can round to the same f32: still told apart.
    let mut close = Vec::new();
    let mut p = 0.3f32;
    for _ in 0..64 {
        let q = f32::from_bits(p.to_bits() + 1);
        close.extend([p, q]);
        p = f32::from_bits(p.to_bits() + 977);
    }
    // (C = 2, plane = 1) per image: class 1 is one ulp more probable.
    assert!(decide(&close, 2, 1, &[0.0, 0.0]).iter().all(|&k| k == 1));
    assert_eq!(decide(&close, 2, 1, &[0.0, 0.0]), argmax_planes(&close, 2, 1));
}

#[test]
fn bad_shapes_and_labels_are_errors_not_panics() {
    let probs = binary(&[0.2, 0.7, 0.4]);
    for (labels, c, plane, what) in [
        (vec![0u32, 1], 2, 3, "not (N, 2, 3)"),
        (vec![0u32, 1, 2], 2, 3, "label 2"),
        (vec![0u32, 1, 1], 1, 3, "at least 2 classes"),
        (vec![0u32, 1, 1], 2, 0, "non-empty plane"),
    ] {
        let e = fit(&probs, &labels, c, plane, false, String::new()).unwrap_err().to_string();
        assert!(e.contains(what), "{e}");
        assert!(foreground_dice(&probs, &labels, c, plane, &[0.0, 0.0]).is_err());
    }
    assert!(decide(&probs, 0, 3, &[]).is_empty() && decide(&probs, 2, 0, &[]).is_empty());
}

#[test]
fn the_fit_finds_the_threshold_that_separates_the_classes_nearest_zero() {
    // Infection exactly where p1 ≥ 0.8: any threshold in (0.6, 0.8) is perfect; the offset
    // nearest 0 on the 0.1 grid that gets there is −0.5 (threshold 1 / (1 + e^−0.5) ≈ 0.62).
    let p1 = [0.1f32, 0.3, 0.5, 0.6, 0.8, 0.9, 0.05, 0.6, 0.95, 0.3];
    let labels: Vec<u32> = p1.iter().map(|&p| (p >= 0.8) as u32).collect();
    let probs = binary(&p1);
    let cal = fit(&probs, &labels, 2, p1.len(), false, "model".into()).unwrap();
    assert_eq!(cal.offsets, vec![0.0, -0.5]);
    assert_eq!((cal.fitted_images, cal.fingerprint.as_str()), (1, "model"));
    assert!(cal.fitted_dice_before < 1.0 && cal.fitted_dice_after == 1.0, "{cal:?}");
    // The other direction: infection from p1 ≥ 0.3 needs a positive offset.
    let labels: Vec<u32> = p1.iter().map(|&p| (p >= 0.3) as u32).collect();
    let cal = fit(&probs, &labels, 2, p1.len(), false, String::new()).unwrap();
    assert!(cal.offsets[1] > 0.0 && cal.fitted_dice_after == 1.0, "{cal:?}");
    assert_eq!(decide(&probs, 2, p1.len(), &cal.offsets), labels);
}

#[test]
fn a_perfect_argmax_keeps_zero_offsets_and_absent_classes_keep_theirs() {
    let p1 = [0.1f32, 0.9, 0.2, 0.7];
    let labels = [0u32, 1, 0, 1];
    let cal = fit(&binary(&p1), &labels, 2, 4, false, String::new()).unwrap();
    assert_eq!(cal.offsets, vec![0.0, 0.0]);
    // Three classes, class 2 never in the labels: its offset stays 0 whatever the data.
    let plane = 6;
    let rows = [[0.6f32, 0.3, 0.1], [0.5, 0.4, 0.1], [0.4, 0.5, 0.1], [0.3, 0.3, 0.4], [0.7, 0.2, 0.1], [0.45, 0.45, 0.1]];
    let probs: Vec<f32> = (0..3 * plane).map(|i| rows[i % plane][i / plane]).collect();
    let labels = [0u32, 1, 1, 1, 0, 1];
    let cal = fit(&probs, &labels, 3, plane, false, String::new()).unwrap();
    assert_eq!(cal.offsets[2], 0.0, "{cal:?}");
    assert_eq!(cal.fitted_dice_before, argmax_dice(&probs, &labels, 3, plane));
    assert_eq!(foreground_dice(&probs, &labels, 3, plane, &cal.offsets).unwrap(), cal.fitted_dice_after);
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
        let cal = fit(&flat, &labels, c, plane, false, String::new()).unwrap();
        // "Before" is the plain argmax's score, and the fit only ever moves to a better one.
        assert!((cal.fitted_dice_before - argmax_dice(&flat, &labels, c, plane)).abs() < 1e-12, "{cal:?}");
        assert!(cal.fitted_dice_after >= cal.fitted_dice_before, "{cal:?}");
        assert_eq!(cal.offsets[0], 0.0);
        assert_eq!(foreground_dice(&flat, &labels, c, plane, &cal.offsets).unwrap(), cal.fitted_dice_after);
    }
}
