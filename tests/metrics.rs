//! argmax and confusion-matrix accumulation against the CPU reference.

mod common;
use lungseg::selftest;

#[test]
fn argmax_and_confusion_match_reference() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::metrics(&gpu, 370 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn confusion_counts_a_hand_made_case() {
    let gpu = common::gpu();
    let pred = ndarray::Array3::from_shape_vec((1, 2, 3), vec![0u32, 1, 1, 2, 0, 0]).unwrap();
    let truth = ndarray::Array3::from_shape_vec((1, 2, 3), vec![0u32, 1, 0, 2, 2, 0]).unwrap();
    let m = lungseg::block_on(lungseg::host::confusion(&gpu, &pred, &truth, 3)).unwrap();
    // rows = truth, columns = predicted
    assert_eq!(m, ndarray::arr2(&[[2u32, 1, 0], [0, 1, 0], [1, 0, 1]]));
}
