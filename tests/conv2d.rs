//! conv2d (forward, backward-input, backward-weight, backward-bias) against the CPU reference.

mod common;
use lungseg::selftest;

#[test]
fn conv2d_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &case) in selftest::CONV_CASES.iter().enumerate() {
        common::assert_rows(selftest::conv2d(&gpu, 100 + i as u64, case).expect("conv2d check ran"));
    }
}
