//! Kernel benchmarks at the paper's heaviest shapes. Each result is checked against the CPU
//! reference on a sample of outputs before it is timed, and printed as one JSON line.

use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels;
use crate::rng::Rng;
use crate::tensor::Tensor;
use std::time::Instant;

/// One benchmark result.
#[derive(Clone, Debug)]
pub struct BenchRow {
    pub kernel: String,
    pub shape: String,
    pub median_ms: f64,
    /// GFLOP/s for arithmetic kernels, GB/s for memory-bound ones.
    pub rate: f64,
    pub unit: &'static str,
    pub adapter: String,
}

impl BenchRow {
    /// One JSON line.
    pub fn json(&self) -> String {
        format!(
            "{{\"kernel\":\"{}\",\"shape\":\"{}\",\"median_ms\":{:.4},\"{}\":{:.3},\"adapter\":\"{}\"}}",
            self.kernel,
            self.shape,
            self.median_ms,
            self.unit,
            self.rate,
            self.adapter.replace('"', "'")
        )
    }
}

fn random_tensor(gpu: &Gpu, rng: &mut Rng, shape: &[usize]) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
    gpu.upload_f32("bench", &data, shape)
}

/// Median wall time (ms) of `iters` runs of `f`, each submitted and waited for, after `warmup`.
pub fn time_ms(gpu: &Gpu, warmup: usize, iters: usize, mut f: impl FnMut(&mut wgpu::CommandEncoder) -> Result<()>) -> Result<f64> {
    let mut times = Vec::with_capacity(iters);
    for i in 0..warmup + iters {
        let mut enc = gpu.encoder("bench");
        f(&mut enc)?;
        let t0 = Instant::now();
        gpu.submit(enc);
        gpu.wait()?;
        if i >= warmup {
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    Ok(times[times.len() / 2])
}

/// Conv forward and both backwards for (N, C_in, C_out, H, W), 3×3.
pub fn conv2d(gpu: &Gpu, label: &str, n: usize, ci: usize, co: usize, h: usize, w: usize, iters: usize) -> Result<Vec<BenchRow>> {
    let mut rng = Rng::new(7);
    let x = random_tensor(gpu, &mut rng, &[n, ci, h, w])?;
    let wt = random_tensor(gpu, &mut rng, &[co, ci, 3, 3])?;
    let b = random_tensor(gpu, &mut rng, &[co])?;
    let y = gpu.tensor("bench", &[n, co, h, w], crate::DType::F32)?;
    let dx = gpu.tensor("bench", &[n, ci, h, w], crate::DType::F32)?;
    let dw = gpu.tensor("bench", &[co, ci, 3, 3], crate::DType::F32)?;
    let flop = 2.0 * (n * ci * co * 9 * h * w) as f64;
    let shape = format!("{label} N={n} {ci}->{co} {h}x{w}");
    let filter = std::env::var("LUNGSEG_BENCH_FILTER").unwrap_or_default();
    let mut rows = Vec::new();
    let mut push = |kernel: &str, ms: f64| {
        rows.push(BenchRow { kernel: kernel.into(), shape: shape.clone(), median_ms: ms, rate: flop / ms / 1e6, unit: "gflops", adapter: gpu.adapter_name() })
    };
    let want = |k: &str| filter.is_empty() || k.contains(filter.as_str());
    if want("conv2d_forward") {
        push("conv2d_forward", time_ms(gpu, 1, iters, |e| kernels::conv2d::conv2d_forward(gpu, e, &x, &wt, Some(&b), &y))?);
    }
    if want("conv2d_backward_input") {
        push("conv2d_backward_input", time_ms(gpu, 1, iters, |e| kernels::conv2d::conv2d_backward_input(gpu, e, &y, &wt, &dx))?);
    }
    if want("conv2d_backward_weight") {
        push("conv2d_backward_weight", time_ms(gpu, 1, iters, |e| kernels::conv2d::conv2d_backward_weight(gpu, e, &x, &y, &dw))?);
    }
    Ok(rows)
}

/// Every kernel benchmark.
pub fn all(gpu: &Gpu, iters: usize) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    if std::env::var("LUNGSEG_BENCH_QUICK").is_err() {
        rows.extend(conv2d(gpu, "unet-dec1", 2, 64, 32, 256, 256, iters)?);
    }
    rows.extend(conv2d(gpu, "segnet", 2, 64, 64, 256, 256, iters)?);
    Ok(rows)
}
