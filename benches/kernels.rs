//! `cargo bench --bench kernels`: every kernel at the paper's heaviest shapes, as JSON lines, after
//! checking every kernel at those shapes against the CPU references. Same code as `lungseg bench`.
//! `LUNGSEG_BENCH_ITERS` sets the repetitions, `LUNGSEG_KERNELS=cpu|gpu|portable` times one kernel family,
//! `lungseg bench --only backward_weight` (a kernel-name substring) times a subset.

fn main() -> Result<(), lungseg::Error> {
    let kernels =
        std::env::var("LUNGSEG_KERNELS").ok().map(|v| v.parse().expect("LUNGSEG_KERNELS names a kernel family")).unwrap_or_default();
    let options = lungseg::GpuOptions { kernels, ..Default::default() };
    let gpu = lungseg::Gpu::headless(&options)?;
    let iters = std::env::var("LUNGSEG_BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for row in lungseg::bench::all(&gpu, iters, true, None)? {
        println!("{}", row.json());
    }
    Ok(())
}
