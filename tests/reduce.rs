//! sum_per_channel (the conv / transposed-conv bias gradient) against the CPU reference.

mod common;
use lungseg::check::{compare_sums, tolerance};
use lungseg::rng::Rng;
use lungseg::selftest::{hostile4, to_f64};

#[test]
fn sum_per_channel_matches_reference() {
    let gpu = common::gpu();
    let mut rng = Rng::new(11);
    for shape in [(1, 1, 1, 1), (3, 5, 7, 9), (2, 2, 300, 301)] {
        let x = hostile4(&mut rng, shape);
        let got: Vec<f64> = lungseg::block_on(lungseg::host::sum_per_channel(&gpu, &x)).unwrap().iter().map(|&v| v as f64).collect();
        let want = lungseg::reference::reduce::sum_per_channel(to_f64(&x).view());
        let magnitude = lungseg::reference::reduce::sum_per_channel(to_f64(&x).abs().view());
        common::assert_rows(vec![compare_sums(
            "reduce",
            "sum_per_channel",
            &[shape.1],
            &got,
            want.as_slice().unwrap(),
            magnitude.as_slice().unwrap(),
            tolerance("sum_per_channel"),
        )]);
    }
}
