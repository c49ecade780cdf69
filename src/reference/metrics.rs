//! CPU reference for argmax and softmax over classes and the pixel confusion matrix.

use ndarray::{Array2, Array3, Array4, ArrayView3, ArrayView4};

/// `predicted[n,h,w] = argmax_c logits[n,c,h,w]`, first maximum wins.
pub fn argmax_channels(logits: ArrayView4<f64>) -> Array3<u32> {
    let (n, c, h, w) = logits.dim();
    Array3::from_shape_fn((n, h, w), |(b, i, j)| {
        let mut best = 0;
        for k in 1..c {
            if logits[[b, k, i, j]] > logits[[b, best, i, j]] {
                best = k;
            }
        }
        best as u32
    })
}

/// `counts[truth, predicted]` over every pixel; labels or predictions ≥ C are not counted.
pub fn confusion(predicted: ArrayView3<u32>, labels: ArrayView3<u32>, c: usize) -> Array2<u64> {
    let mut m = Array2::zeros((c, c));
    for (&p, &y) in predicted.iter().zip(labels.iter()) {
        if (p as usize) < c && (y as usize) < c {
            m[[y as usize, p as usize]] += 1;
        }
    }
    m
}

/// `probabilities[n,c,h,w] = exp(logits[n,c,h,w]) / Σ_k exp(logits[n,k,h,w])`, computed with the
/// pixel's largest logit subtracted.
pub fn softmax_channels(logits: ArrayView4<f64>) -> Array4<f64> {
    let (_, c, _, _) = logits.dim();
    Array4::from_shape_fn(logits.dim(), |(b, k, i, j)| {
        let m = (0..c).map(|q| logits[[b, q, i, j]]).fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = (0..c).map(|q| (logits[[b, q, i, j]] - m).exp()).sum();
        (logits[[b, k, i, j]] - m).exp() / z
    })
}
