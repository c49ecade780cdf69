//! Every kernel once at the paper's real sizes (batch 2, 64 channels, 256×256: more than 65,536
//! values per channel in every reduction — past the size at which a leading Rust framework's batch
//! norm gives wrong statistics on lavapipe).

mod common;

#[test]
fn every_kernel_at_the_papers_sizes() {
    let gpu = common::gpu();
    common::assert_rows(lungseg::block_on(lungseg::selftest::paper_sizes(&gpu)).expect("paper-size checks ran"));
}
