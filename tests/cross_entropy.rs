//! Weighted softmax cross-entropy against the CPU reference (PyTorch's weighted mean);
//! reference backward vs finite differences; out-of-range labels rejected by the host API.

mod common;
use lungseg::reference::{cross_entropy as r, numeric_gradient};
use lungseg::selftest;

#[test]
fn cross_entropy_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::cross_entropy(&gpu, 360 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn cross_entropy_known_value() {
    // Two pixels, two classes, logits 0: nll = ln 2 for each; weights 1 and 3 → weighted mean ln 2.
    let gpu = common::gpu();
    let logits = ndarray::Array4::<f32>::zeros((1, 2, 1, 2));
    let labels = ndarray::Array3::from_shape_vec((1, 1, 2), vec![0u32, 1]).unwrap();
    let w = ndarray::Array1::from_vec(vec![1.0f32, 3.0]);
    let (loss, wsum, d) = lungseg::block_on(lungseg::host::cross_entropy(&gpu, &logits, &labels, &w)).unwrap();
    assert!((loss - std::f32::consts::LN_2).abs() < 1e-6 && wsum == 4.0, "{loss} {wsum}");
    // d/dz for pixel 0 (label 0, w 1): (0.5 − 1)/4, (0.5)/4.
    assert!((d[[0, 0, 0, 0]] + 0.125).abs() < 1e-7 && (d[[0, 1, 0, 0]] - 0.125).abs() < 1e-7);
}

#[test]
fn cross_entropy_reference_backward_matches_finite_differences() {
    let logits = ndarray::Array4::from_shape_fn((2, 4, 2, 3), |(a, b, c, d)| ((a * 24 + b * 6 + c * 3 + d) as f64 * 0.91).sin() * 2.0);
    let labels = ndarray::Array3::from_shape_fn((2, 2, 3), |(a, b, c)| ((a + 2 * b + c) % 4) as u32);
    let w = ndarray::Array1::from_vec(vec![0.2, 1.0, 2.5, 4.0]);
    let num = numeric_gradient(&logits, common::H, |z| r::cross_entropy_loss(z.view(), labels.view(), w.view()).0);
    common::assert_fd("ce dlogits", &num, &r::cross_entropy_backward(logits.view(), labels.view(), w.view()));
}

#[test]
fn cross_entropy_rejects_labels_outside_the_classes() {
    let gpu = common::gpu();
    let logits = ndarray::Array4::<f32>::zeros((1, 2, 2, 2));
    let labels = ndarray::Array3::from_shape_vec((1, 2, 2), vec![0u32, 1, 7, 0]).unwrap();
    let w = ndarray::Array1::from_vec(vec![1.0f32, 1.0]);
    let err = lungseg::block_on(lungseg::host::cross_entropy(&gpu, &logits, &labels, &w)).unwrap_err().to_string();
    assert!(err.contains("label 7") && err.contains("C = 2"), "{err}");
}
