//! max_pool2d with indices against the CPU reference, with ties in every window; the reference
//! backward vs finite differences (on tie-free inputs, where the gradient exists).

mod common;
use lungseg::reference::{dot, max_pool as r, numeric_gradient};
use lungseg::selftest;

#[test]
fn max_pool_matches_reference_with_ties_and_odd_sizes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::max_pool(&gpu, 320 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn max_pool_first_maximum_wins_and_indices_are_plane_offsets() {
    let gpu = common::gpu();
    // One 1×1×3×5 plane of zeros: every window ties; the first element of each window wins.
    let x = ndarray::Array4::<f32>::zeros((1, 1, 3, 5));
    let (_, idx) = lungseg::block_on(lungseg::host::max_pool2d_forward(&gpu, &x)).unwrap();
    assert_eq!(idx.iter().copied().collect::<Vec<_>>(), vec![0, 2]);
    // A later, strictly larger value moves the index to h·W + w.
    let mut x = x;
    x[[0, 0, 1, 3]] = 1.0;
    let (_, idx) = lungseg::block_on(lungseg::host::max_pool2d_forward(&gpu, &x)).unwrap();
    assert_eq!(idx.iter().copied().collect::<Vec<_>>(), vec![0, 5 + 3]);
    // The same with W % 4 == 0 (the vector entry point, two windows per access).
    let mut x = ndarray::Array4::<f32>::zeros((1, 1, 3, 8));
    let (_, idx) = lungseg::block_on(lungseg::host::max_pool2d_forward(&gpu, &x)).unwrap();
    assert_eq!(idx.iter().copied().collect::<Vec<_>>(), vec![0, 2, 4, 6]);
    x[[0, 0, 1, 3]] = 1.0;
    x[[0, 0, 1, 6]] = 2.0;
    let (_, idx) = lungseg::block_on(lungseg::host::max_pool2d_forward(&gpu, &x)).unwrap();
    assert_eq!(idx.iter().copied().collect::<Vec<_>>(), vec![0, 8 + 3, 4, 8 + 6]);
}

#[test]
fn max_pool_reference_backward_matches_finite_differences() {
    let x = ndarray::Array4::from_shape_fn((2, 2, 4, 5), |(a, b, c, d)| ((a * 40 + b * 20 + c * 5 + d) as f64 * 0.731).sin());
    let (_, idx) = r::max_pool2d_forward(x.view());
    let g = ndarray::Array4::from_shape_fn((2, 2, 2, 2), |(a, b, c, d)| (a + 2 * b + 3 * c + d) as f64 - 2.5);
    let num = numeric_gradient(&x, common::H, |x| dot(&r::max_pool2d_forward(x.view()).0, &g));
    common::assert_fd("maxpool dx", &num, &r::max_pool2d_backward(g.view(), idx.view(), 4, 5));
}
