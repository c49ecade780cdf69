//! conv_transpose2d (2×2, stride 2) against the CPU reference; reference backward vs finite differences.

mod common;
use lungseg::reference::{conv_transpose2d as r, dot, numeric_gradient};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};

/// On adapters with subgroups of ≥ 8 this runs shaders/conv_transpose2d_subgroup.wgsl (CI checks
/// that it does, with LUNGSEG_EXPECT_SUBGROUPS=1).
#[test]
fn conv_transpose2d_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    common::expect_subgroups(&gpu, "conv_transpose2d_subgroup");
    for (i, &case) in selftest::CONV_T_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv_transpose2d(&gpu, 200 + i as u64, case)).expect("check ran"));
    }
}

#[test]
fn conv_transpose2d_portable_kernels_match_reference() {
    let gpu = common::portable_gpu();
    for (i, &case) in selftest::CONV_T_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv_transpose2d(&gpu, 250 + i as u64, case)).expect("check ran"));
    }
}

#[test]
fn conv_transpose2d_gpu_family_kernels_match_reference() {
    let gpu = common::gpu_with(lungseg::KernelFamily::Gpu);
    for (i, &case) in selftest::CONV_T_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::conv_transpose2d(&gpu, 270 + i as u64, case)).expect("check ran"));
    }
}

#[test]
fn conv_transpose2d_reference_backward_matches_finite_differences() {
    let mut rng = Rng::new(6);
    let x = to_f64(&hostile4(&mut rng, (2, 3, 3, 4)));
    let w = to_f64(&hostile4(&mut rng, (3, 2, 2, 2)));
    let b = ndarray::Array1::from_vec(vec![0.2, -0.4]);
    let g = to_f64(&hostile4(&mut rng, (2, 2, 6, 8)));
    let f = |x: &ndarray::Array4<f64>, w: &ndarray::Array4<f64>, b: &ndarray::Array1<f64>| {
        dot(&r::conv_transpose2d_forward(x.view(), w.view(), Some(b.view())), &g)
    };
    common::assert_fd(
        "convT dx",
        &numeric_gradient(&x, common::H, |x| f(x, &w, &b)),
        &r::conv_transpose2d_backward_input(g.view(), w.view()),
    );
    common::assert_fd(
        "convT dw",
        &numeric_gradient(&w, common::H, |w| f(&x, w, &b)),
        &r::conv_transpose2d_backward_weight(x.view(), g.view()),
    );
    common::assert_fd("convT db", &numeric_gradient(&b, common::H, |b| f(&x, &w, b)), &r::conv_transpose2d_backward_bias(g.view()));
}
