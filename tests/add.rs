//! add_assign (gradient accumulation) against the CPU reference.

mod common;

#[test]
fn add_assign_matches_reference() {
    let gpu = common::gpu();
    for (i, &shape) in lungseg::selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(lungseg::selftest::add(&gpu, 380 + i as u64, shape)).expect("check ran"));
    }
}
