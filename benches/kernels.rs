//! `cargo bench --bench kernels`: every kernel at the paper's heaviest shapes, as JSON lines.
//! Same code as `lungseg bench --kernels`.

fn main() -> Result<(), lungseg::Error> {
    let gpu = lungseg::Gpu::headless(&lungseg::GpuOptions::default())?;
    let iters = std::env::var("LUNGSEG_BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    for row in lungseg::bench::all(&gpu, iters)? {
        println!("{}", row.json());
    }
    Ok(())
}
