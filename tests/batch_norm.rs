//! batch norm (statistics, running update, normalise, inference, backward) against the CPU
//! reference; reference backward vs finite differences.

mod common;
use lungseg::reference::{batch_norm as r, dot, numeric_gradient};
use lungseg::rng::Rng;
use lungseg::selftest::{self, hostile4, to_f64};

#[test]
fn batch_norm_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(selftest::batch_norm(&gpu, 310 + i as u64, shape).expect("check ran"));
    }
}

/// The split statistics and backward reductions (`*_partial` + `*_merge`, the `gpu` family's
/// layout) against the reference, unsplit and split as finely as possible (a chunk per 256
/// values, the last one short), on a shape long enough to split.
#[test]
fn batch_norm_split_reductions_match_reference() {
    let gpu = common::gpu_with(lungseg::KernelFamily::Gpu);
    for target in [1, 1 << 20] {
        gpu.set_reduction_workgroups(target);
        let shape = (3, 5, 29, 31); // M = 2,697 values per channel
        let x = gpu.tensor("t", &[shape.0, shape.1, shape.2, shape.3], lungseg::DType::F32).unwrap();
        let (m, v) = (gpu.tensor("t", &[5], lungseg::DType::F32).unwrap(), gpu.tensor("t", &[5], lungseg::DType::F32).unwrap());
        let ((), d) = gpu
            .record_dispatches(|| lungseg::kernels::batch_norm::batch_norm_stats(&gpu, &mut gpu.encoder("t"), &x, &m, &v, None, 1e-5, 0.1))
            .unwrap();
        let entries: Vec<_> = d.iter().map(|d| d.entry).collect();
        let want: &[&str] = if target == 1 { &["batch_norm_stats"] } else { &["batch_norm_stats_partial", "batch_norm_stats_merge"] };
        assert_eq!(entries, want, "target {target}");
        common::assert_rows(selftest::batch_norm(&gpu, 390, shape).expect("check ran"));
    }
}

#[test]
fn batch_norm_reference_backward_matches_finite_differences() {
    let mut rng = Rng::new(7);
    let x = to_f64(&hostile4(&mut rng, (2, 3, 3, 5))).mapv(|v| v + 0.25);
    let g = to_f64(&hostile4(&mut rng, (2, 3, 3, 5)));
    let gamma = ndarray::Array1::from_vec(vec![0.5, -1.2, 2.0]);
    let beta = ndarray::Array1::from_vec(vec![0.1, 0.0, -0.3]);
    let eps = 1e-5;
    let f = |x: &ndarray::Array4<f64>, gm: &ndarray::Array1<f64>, bt: &ndarray::Array1<f64>| {
        dot(&r::batch_norm_train(x.view(), gm.view(), bt.view(), eps), &g)
    };
    let (dx, dgamma, dbeta) = r::batch_norm_backward(x.view(), g.view(), gamma.view(), eps);
    common::assert_fd("bn dx", &numeric_gradient(&x, common::H, |x| f(x, &gamma, &beta)), &dx);
    common::assert_fd("bn dgamma", &numeric_gradient(&gamma, common::H, |gm| f(&x, gm, &beta)), &dgamma);
    common::assert_fd("bn dbeta", &numeric_gradient(&beta, common::H, |bt| f(&x, &gamma, bt)), &dbeta);
}
