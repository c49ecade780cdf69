//! Channel concatenation (forward, backward overwrite and accumulate) against the CPU reference;
//! reference backward vs finite differences.

mod common;
use lungseg::reference::{concat as r, dot, numeric_gradient};
use lungseg::selftest;

#[test]
fn concat_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::concat(&gpu, 340 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn concat_reference_backward_matches_finite_differences() {
    let a = ndarray::Array4::from_shape_fn((2, 2, 3, 3), |(i, j, k, l)| (i + 2 * j + 3 * k + 5 * l) as f64 * 0.1);
    let b = ndarray::Array4::from_shape_fn((2, 3, 3, 3), |(i, j, k, l)| (i * j + k) as f64 * 0.2 - l as f64);
    let g = ndarray::Array4::from_shape_fn((2, 5, 3, 3), |(i, j, k, l)| ((i + j * 7 + k * 3 + l) % 5) as f64 - 2.0);
    let (da, db) = r::concat_backward(g.view(), 2);
    common::assert_fd("concat da", &numeric_gradient(&a, common::H, |a| dot(&r::concat_forward(a.view(), b.view()), &g)), &da);
    common::assert_fd("concat db", &numeric_gradient(&b, common::H, |b| dot(&r::concat_forward(a.view(), b.view()), &g)), &db);
}
