//! Adam (PyTorch semantics, L2 decay in the gradient) against the CPU reference over several steps.

mod common;
use lungseg::kernels::adam::AdamHyper;
use lungseg::selftest;

#[test]
fn adam_matches_reference_with_and_without_decay() {
    let gpu = common::gpu();
    common::assert_rows(lungseg::block_on(selftest::adam(&gpu, 400, 1000, 1e-4)).expect("check ran"));
    common::assert_rows(lungseg::block_on(selftest::adam(&gpu, 401, 77, 0.0)).expect("check ran"));
}

#[test]
fn adam_first_step_moves_each_parameter_by_about_lr() {
    // With bias correction, step 1 moves by lr · g/|g| (up to eps), whatever the gradient's scale.
    let gpu = common::gpu();
    let h = AdamHyper { lr: 0.01, ..Default::default() };
    let (p, _, _) =
        lungseg::block_on(lungseg::host::adam_step(&gpu, &[1.0, 1.0, 1.0], &[1e-3, -5.0, 2.0], &[0.0; 3], &[0.0; 3], &h)).unwrap();
    for (got, want) in p.iter().zip([0.99f32, 1.01, 0.99]) {
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
}

#[test]
fn adam_weight_decay_is_l2_in_the_gradient_not_decoupled() {
    // Zero gradient, decay 0.1, p = 2: Adam-L2 sees g = 0.2 and moves by lr (first step);
    // AdamW would move by lr·decay·p = 0.002 only.
    let gpu = common::gpu();
    let h = AdamHyper { lr: 0.01, weight_decay: 0.1, ..Default::default() };
    let (p, _, _) = lungseg::block_on(lungseg::host::adam_step(&gpu, &[2.0], &[0.0], &[0.0], &[0.0], &h)).unwrap();
    assert!((p[0] - 1.99).abs() < 1e-6, "{}", p[0]);
}
