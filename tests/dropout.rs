//! Dropout against the CPU reference (same counter-based mask); keep rate; reference backward vs
//! finite differences; bad probabilities rejected.

mod common;
use lungseg::reference::{dot, dropout as r, numeric_gradient};
use lungseg::selftest;

#[test]
fn dropout_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        for p in [0.0, 0.5, 0.9] {
            common::assert_rows(lungseg::block_on(selftest::dropout(&gpu, 350 + i as u64, shape, p)).expect("check ran"));
        }
    }
}

#[test]
fn the_kernel_keeps_about_one_minus_p_and_its_mask_depends_on_the_seed() {
    // The GPU kernel's own mask, from its outputs on ones: kept elements are 1/(1 − p), dropped 0.
    let gpu = common::gpu();
    let n = 200_000;
    let ones = ndarray::ArrayD::<f32>::ones(ndarray::IxDyn(&[n]));
    let kept_mask = |p: f32, seed: u64| -> Vec<bool> {
        let y = lungseg::block_on(lungseg::host::dropout(&gpu, &ones, p, seed, false)).unwrap();
        let scale = 1.0 / (1.0 - p);
        y.iter()
            .map(|&v| {
                assert!(v == 0.0 || v == scale, "p = {p}: an output of {v} is neither dropped (0) nor kept ({scale})");
                v != 0.0
            })
            .collect()
    };
    for p in [0.1f32, 0.5, 0.9] {
        let kept = kept_mask(p, 42).iter().filter(|&&k| k).count() as f64 / n as f64;
        // Binomial standard deviation at n = 2e5 is < 0.0012; 5σ.
        assert!((kept - (1.0 - p as f64)).abs() < 0.006, "p = {p}: the kernel kept {kept}");
    }
    let (a, b) = (kept_mask(0.5, 1), kept_mask(0.5, 2));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!((95_000..105_000).contains(&same), "masks for different seeds should be independent: {same} of {n} agree");
    assert_eq!(kept_mask(0.5, 1), a, "the same seed gives the same mask");
    // The backward pass recomputes the forward's mask.
    let back = lungseg::block_on(lungseg::host::dropout(&gpu, &ones, 0.5, 1, true)).unwrap();
    assert!(back.iter().zip(&a).all(|(&g, &k)| (g != 0.0) == k), "backward and forward masks differ");
}

#[test]
fn dropout_reference_backward_matches_finite_differences() {
    let x = ndarray::Array::from_shape_fn(ndarray::IxDyn(&[3, 7]), |i| (i[0] * 7 + i[1]) as f64 * 0.3 - 2.0);
    let g = x.mapv(|v| 0.5 * v + 1.0);
    let num = numeric_gradient(&x, common::H, |x| dot(&r::dropout(x.view(), 0.5, 9), &g));
    common::assert_fd("dropout dx", &num, &r::dropout(g.view(), 0.5, 9));
}

#[test]
fn dropout_rejects_probability_one() {
    let gpu = common::gpu();
    let x = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[4]));
    let err = lungseg::block_on(lungseg::host::dropout(&gpu, &x, 1.0, 0, false)).unwrap_err().to_string();
    assert!(err.contains("[0, 1)"), "{err}");
}
