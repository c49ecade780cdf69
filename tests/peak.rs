//! The arithmetic-ceiling kernel (`peak_multiply_add`) against its closed-form reference, the
//! closed form against plain iteration, and its launcher's refusals.

mod common;
use ndarray::ArrayD;

#[test]
fn multiply_add_chains_match_the_closed_form() {
    let gpu = common::gpu();
    // 1,168 values = 73 invocations (a partial workgroup); 16 values: one invocation.
    for (seed, len) in [(404, 1168), (405, 16)] {
        common::assert_rows(lungseg::block_on(lungseg::selftest::peak(&gpu, seed, len)).expect("check ran"));
    }
}

#[test]
fn the_closed_form_is_the_iteration() {
    let x = ArrayD::from_shape_vec(vec![4], vec![-3.5, 0.0, 1.0, 2.25]).unwrap();
    for (iters, a, b) in [(300u32, 0.99, 0.01), (7, 1.0, 0.5), (12, -0.5, 2.0), (0, 0.3, 9.0)] {
        let want = lungseg::reference::peak::multiply_add(x.view(), iters, a, b);
        for (&x0, &w) in x.iter().zip(&want) {
            let mut v = x0;
            for _ in 0..iters {
                v = v * a + b;
            }
            assert!((v - w).abs() <= 1e-12 * (1.0 + v.abs()), "{iters} steps of x·{a} + {b} from {x0}: {v} vs closed form {w}");
        }
    }
}

#[test]
fn lengths_that_are_not_whole_invocations_are_refused() {
    let gpu = common::gpu();
    let x = gpu.upload_f32("x", &[0.0; 20], &[20]).unwrap();
    let y = gpu.tensor("y", &[20], lungseg::DType::F32).unwrap();
    let mut enc = gpu.encoder("peak");
    let e = lungseg::kernels::peak::multiply_add(&gpu, &mut enc, &x, &y, 4, 0.5, 1.0).unwrap_err().to_string();
    assert!(e.contains("peak_multiply_add") && e.contains("multiple of 16") && e.contains("[20]"), "{e}");
}
