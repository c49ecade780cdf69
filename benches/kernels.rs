//! `cargo bench --bench kernels`: every kernel at the paper's heaviest shapes, as JSON lines, after
//! checking every kernel at those shapes against the CPU references. Same code as `lungseg bench`.
//! `LUNGSEG_BENCH_ITERS` sets the repetitions, `LUNGSEG_PORTABLE=1` times the portable kernels,
//! `LUNGSEG_BENCH_FILTER=backward_weight` (a substring) limits the convolution benchmarks.

fn main() -> Result<(), lungseg::Error> {
    let options = lungseg::GpuOptions { portable: std::env::var("LUNGSEG_PORTABLE").is_ok(), ..Default::default() };
    let gpu = lungseg::Gpu::headless(&options)?;
    let iters = std::env::var("LUNGSEG_BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for row in lungseg::bench::all(&gpu, iters, true)? {
        println!("{}", row.json());
    }
    Ok(())
}
