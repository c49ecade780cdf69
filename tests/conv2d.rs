//! conv2d (forward, backward-input, backward-weight, backward-bias) against the CPU reference, on
//! both the subgroup and the portable kernels; the reference backward against finite differences.

mod common;
use lungseg::reference::{conv2d as r, dot, numeric_gradient};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};

/// On adapters with subgroups of ≥ 8 (lavapipe, most GPUs) this runs shaders/conv2d_subgroup.wgsl;
/// CI sets LUNGSEG_EXPECT_SUBGROUPS=1 so a silent fallback to the portable kernels fails there.
#[test]
fn conv2d_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    common::expect_subgroups(&gpu, "conv2d_subgroup");
    for (i, &case) in selftest::CONV_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv2d(&gpu, 100 + i as u64, case)).expect("conv2d check ran"));
    }
}

#[test]
fn conv2d_portable_kernels_match_reference() {
    let gpu = common::portable_gpu();
    assert!(!gpu.uses_subgroups());
    for (i, &case) in selftest::CONV_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv2d(&gpu, 150 + i as u64, case)).expect("conv2d check ran"));
    }
}

#[test]
fn conv2d_gpu_family_kernels_match_reference() {
    let gpu = common::gpu_with(lungseg::KernelFamily::Gpu);
    for (i, &case) in selftest::CONV_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv2d(&gpu, 170 + i as u64, case)).expect("conv2d check ran"));
    }
}

#[test]
fn conv2d_reference_backward_matches_finite_differences() {
    let mut rng = Rng::new(5);
    for k in [3, 1] {
        let x = to_f64(&hostile4(&mut rng, (2, 2, 4, 5)));
        let w = to_f64(&hostile4(&mut rng, (3, 2, k, k)));
        let b = to_f64(&ndarray::Array1::from_vec(vec![0.3f32, -0.1, 0.7]));
        let g = to_f64(&hostile4(&mut rng, (2, 3, 4, 5)));
        let loss_x = |x: &ndarray::Array4<f64>| dot(&r::conv2d_forward(x.view(), w.view(), Some(b.view())), &g);
        let loss_w = |w: &ndarray::Array4<f64>| dot(&r::conv2d_forward(x.view(), w.view(), Some(b.view())), &g);
        let loss_b = |b: &ndarray::Array1<f64>| dot(&r::conv2d_forward(x.view(), w.view(), Some(b.view())), &g);
        common::assert_fd("conv2d dx", &numeric_gradient(&x, common::H, loss_x), &r::conv2d_backward_input(g.view(), w.view()));
        common::assert_fd("conv2d dw", &numeric_gradient(&w, common::H, loss_w), &r::conv2d_backward_weight(x.view(), g.view(), k));
        common::assert_fd("conv2d db", &numeric_gradient(&b, common::H, loss_b), &r::conv2d_backward_bias(g.view()));
    }
}

#[test]
fn conv2d_rejects_mismatched_shapes_with_a_clear_error() {
    let gpu = common::gpu();
    let x = ndarray::Array4::<f32>::zeros((1, 3, 5, 5));
    let w = ndarray::Array4::<f32>::zeros((4, 2, 3, 3));
    let err = lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None)).unwrap_err().to_string();
    assert!(err.contains("conv2d_forward") && err.contains("[1, 3, 5, 5]") && err.contains("[4, 2, 3, 3]"), "{err}");
}
