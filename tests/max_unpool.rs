//! max_unpool2d by max-pool indices against the CPU reference; reference backward vs finite differences.

mod common;
use lungseg::reference::{dot, max_pool, max_unpool as r, numeric_gradient};
use lungseg::selftest;

#[test]
fn max_unpool_matches_reference_with_ties_and_odd_sizes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::max_unpool(&gpu, 330 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn max_unpool_reference_backward_matches_finite_differences() {
    let pooled_from = ndarray::Array4::from_shape_fn((2, 2, 5, 4), |(a, b, c, d)| ((a * 40 + b * 20 + c * 4 + d) as f64 * 1.37).cos());
    let (_, idx) = max_pool::max_pool2d_forward(pooled_from.view());
    let x = ndarray::Array4::from_shape_fn((2, 2, 2, 2), |(a, b, c, d)| (a + b + c + d) as f64 * 0.3 - 0.7);
    let g = ndarray::Array4::from_shape_fn((2, 2, 5, 4), |(a, b, c, d)| ((a + b * 3 + c * 5 + d * 7) % 11) as f64 - 5.0);
    let num = numeric_gradient(&x, common::H, |x| dot(&r::max_unpool2d_forward(x.view(), idx.view(), 5, 4), &g));
    common::assert_fd("unpool dx", &num, &r::max_unpool2d_backward(g.view(), idx.view()));
}
