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
    /// Kernel family that ran it (`--kernels`).
    pub kernels: String,
    /// Workgroups and invocations per workgroup of the op's main (first) dispatch.
    pub workgroups: u64,
    pub workgroup_size: u32,
    /// Dispatches (compute passes) the op records: more than one where a split reduction adds a
    /// fixed-order second pass.
    pub passes: usize,
}

impl BenchRow {
    /// One JSON line.
    pub fn json(&self) -> String {
        format!(
            "{{\"kernel\":\"{}\",\"shape\":\"{}\",\"median_ms\":{:.4},\"{}\":{:.3},\"kernels\":\"{}\",\"workgroups\":{},\"workgroup_size\":{},\"passes\":{},\"adapter\":\"{}\"}}",
            self.kernel,
            self.shape,
            self.median_ms,
            self.unit,
            self.rate,
            self.kernels,
            self.workgroups,
            self.workgroup_size,
            self.passes,
            self.adapter.replace('"', "'")
        )
    }
}

/// A timed op: its median time and the dispatches one run of it records.
pub struct Timed {
    pub ms: f64,
    pub dispatches: Vec<crate::kernels::Dispatch>,
}

/// [`time_ms`], plus the dispatches of one (unsubmitted) extra recording of `f`.
pub fn timed(gpu: &Gpu, iters: usize, mut f: impl FnMut(&mut crate::encoder::Encoder) -> Result<()>) -> Result<Timed> {
    let ((), dispatches) = gpu.record_dispatches(|| f(&mut gpu.encoder("layout")))?;
    Ok(Timed { ms: time_ms(gpu, 1, iters, f)?, dispatches })
}

fn random_tensor(gpu: &Gpu, rng: &mut Rng, shape: &[usize]) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
    gpu.upload_f32("bench", &data, shape)
}

/// Median wall time (ms) of `iters` runs of `f`, each submitted and waited for, after `warmup`.
pub fn time_ms(gpu: &Gpu, warmup: usize, iters: usize, mut f: impl FnMut(&mut crate::encoder::Encoder) -> Result<()>) -> Result<f64> {
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
    Ok(median(times))
}

/// The median of timings (the upper one of an even count); at least one timing.
fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(|a, b| a.total_cmp(b));
    times[times.len() / 2]
}

/// Conv forward and both backwards for (N, C_in, C_out, H, W), 3×3.
#[allow(clippy::too_many_arguments)]
/// Conv 3×3 at one shape; `only` (a kernel-name substring) skips the other entry points.
pub fn conv2d(
    gpu: &Gpu,
    label: &str,
    (n, ci, co, h, w): (usize, usize, usize, usize, usize),
    iters: usize,
    only: Option<&str>,
) -> Result<Vec<BenchRow>> {
    let mut rng = Rng::new(7);
    let x = random_tensor(gpu, &mut rng, &[n, ci, h, w])?;
    let wt = random_tensor(gpu, &mut rng, &[co, ci, 3, 3])?;
    let b = random_tensor(gpu, &mut rng, &[co])?;
    let y = gpu.tensor("bench", &[n, co, h, w], crate::DType::F32)?;
    let dx = gpu.tensor("bench", &[n, ci, h, w], crate::DType::F32)?;
    let dw = gpu.tensor("bench", &[co, ci, 3, 3], crate::DType::F32)?;
    let flop = 2.0 * (n * ci * co * 9 * h * w) as f64;
    let shape = format!("{label} N={n} {ci}->{co} {h}x{w}");
    let mut rows = Vec::new();
    let mut push = |kernel: &str, t: Timed| rows.push(row(gpu, kernel, &shape, t, flop, "gflops"));
    let want = |k: &str| wanted(only, k);
    if want("conv2d_forward") {
        push("conv2d_forward", timed(gpu, iters, |e| kernels::conv2d::conv2d_forward(gpu, e, &x, &wt, Some(&b), &y))?);
    }
    if want("conv2d_backward_input") {
        push("conv2d_backward_input", timed(gpu, iters, |e| kernels::conv2d::conv2d_backward_input(gpu, e, &y, &wt, &dx))?);
    }
    if want("conv2d_backward_weight") {
        push("conv2d_backward_weight", timed(gpu, iters, |e| kernels::conv2d::conv2d_backward_weight(gpu, e, &x, &y, &dw))?);
    }
    Ok(rows)
}

/// Whether `--only` (a kernel-name substring, or none) asks for `kernel`.
fn wanted(only: Option<&str>, kernel: &str) -> bool {
    only.is_none_or(|s| kernel.contains(s))
}

fn row(gpu: &Gpu, kernel: &str, shape: &str, t: Timed, amount: f64, unit: &'static str) -> BenchRow {
    let main = t.dispatches.first();
    BenchRow {
        kernel: kernel.into(),
        shape: shape.into(),
        median_ms: t.ms,
        rate: amount / t.ms / 1e6,
        unit,
        adapter: gpu.adapter_name(),
        kernels: gpu.kernel_family().to_string(),
        workgroups: main.map_or(0, |d| d.workgroups),
        workgroup_size: main.map_or(0, |d| d.workgroup_size),
        passes: t.dispatches.len(),
    }
}

/// Transposed conv 2×2 (U-Net's last up-convolution 64 → 32, 128² → 256², N = 2).
pub fn conv_transpose2d(gpu: &Gpu, iters: usize, only: Option<&str>) -> Result<Vec<BenchRow>> {
    let want = |k: &str| wanted(only, k);
    let (n, ci, co, h, w) = (2, 64, 32, 128, 128);
    let mut rng = Rng::new(8);
    let x = random_tensor(gpu, &mut rng, &[n, ci, h, w])?;
    let wt = random_tensor(gpu, &mut rng, &[ci, co, 2, 2])?;
    let dy = random_tensor(gpu, &mut rng, &[n, co, 2 * h, 2 * w])?;
    let y = gpu.tensor("bench", &[n, co, 2 * h, 2 * w], crate::DType::F32)?;
    let dx = gpu.tensor("bench", &[n, ci, h, w], crate::DType::F32)?;
    let dw = gpu.tensor("bench", &[ci, co, 2, 2], crate::DType::F32)?;
    let flop = 2.0 * (n * ci * co * 4 * h * w) as f64;
    let shape = format!("unet-up N={n} {ci}->{co} {h}x{w}->{}x{}", 2 * h, 2 * w);
    use kernels::conv_transpose2d as k;
    let mut rows = Vec::new();
    if want("conv_transpose2d_forward") {
        rows.push(row(
            gpu,
            "conv_transpose2d_forward",
            &shape,
            timed(gpu, iters, |e| k::conv_transpose2d_forward(gpu, e, &x, &wt, None, &y))?,
            flop,
            "gflops",
        ));
    }
    if want("conv_transpose2d_backward_input") {
        rows.push(row(
            gpu,
            "conv_transpose2d_backward_input",
            &shape,
            timed(gpu, iters, |e| k::conv_transpose2d_backward_input(gpu, e, &dy, &wt, &dx))?,
            flop,
            "gflops",
        ));
    }
    if want("conv_transpose2d_backward_weight") {
        rows.push(row(
            gpu,
            "conv_transpose2d_backward_weight",
            &shape,
            timed(gpu, iters, |e| k::conv_transpose2d_backward_weight(gpu, e, &x, &dy, &dw))?,
            flop,
            "gflops",
        ));
    }
    Ok(rows)
}

/// Memory-bound kernels at SegNet's 2 × 64 × 256 × 256, reported in GB/s of bytes read + written.
pub fn memory_bound(gpu: &Gpu, iters: usize, only: Option<&str>) -> Result<Vec<BenchRow>> {
    let want = |k: &str| wanted(only, k);
    let (n, c, h, w) = (2, 64, 256, 256);
    let shape = format!("N={n} C={c} {h}x{w}");
    let len = n * c * h * w;
    let bytes = (len * 4) as f64;
    let mut rng = Rng::new(9);
    let x = random_tensor(gpu, &mut rng, &[n, c, h, w])?;
    let dy = random_tensor(gpu, &mut rng, &[n, c, h, w])?;
    let y = gpu.tensor("bench", &[n, c, h, w], crate::DType::F32)?;
    let per_c = |v: f32| gpu.full("bench", &[c], v);
    let (gamma, beta, mean, invstd, rm, rv, dg, db) =
        (per_c(1.0)?, per_c(0.0)?, per_c(0.0)?, per_c(1.0)?, per_c(0.0)?, per_c(1.0)?, per_c(0.0)?, per_c(0.0)?);
    let pooled = gpu.tensor("bench", &[n, c, h / 2, w / 2], crate::DType::F32)?;
    let idx = gpu.tensor("bench", &[n, c, h / 2, w / 2], crate::DType::U32)?;
    use kernels::{batch_norm as bn, max_pool as mp, relu};
    let mut rows = Vec::new();
    if want("relu_forward") {
        rows.push(row(gpu, "relu_forward", &shape, timed(gpu, iters, |e| relu::relu_forward(gpu, e, &x, &y))?, 2.0 * bytes, "gbps"));
    }
    if want("relu_backward") {
        rows.push(row(gpu, "relu_backward", &shape, timed(gpu, iters, |e| relu::relu_backward(gpu, e, &x, &dy, &y))?, 3.0 * bytes, "gbps"));
    }
    // Training forward = statistics (2 reads) + normalise (read + write).
    if want("batch_norm_train_forward") {
        rows.push(row(
            gpu,
            "batch_norm_train_forward",
            &shape,
            timed(gpu, iters, |e| {
                bn::batch_norm_stats(gpu, e, &x, &mean, &invstd, Some((&rm, &rv)), 1e-5, 0.1)?;
                bn::batch_norm_normalize(gpu, e, &x, &gamma, &beta, &mean, &invstd, &y)
            })?,
            4.0 * bytes,
            "gbps",
        ));
    }
    // Backward = reduce (2 reads) + input gradient (2 reads + write).
    if want("batch_norm_backward") {
        rows.push(row(
            gpu,
            "batch_norm_backward",
            &shape,
            timed(gpu, iters, |e| {
                bn::batch_norm_backward_reduce(gpu, e, &x, &dy, &mean, &invstd, &dg, &db)?;
                bn::batch_norm_backward_input(gpu, e, &x, &dy, &gamma, &mean, &invstd, &dg, &db, &y)
            })?,
            5.0 * bytes,
            "gbps",
        ));
    }
    if want("max_pool2d_forward") {
        rows.push(row(
            gpu,
            "max_pool2d_forward",
            &shape,
            timed(gpu, iters, |e| mp::max_pool2d_forward(gpu, e, &x, &pooled, &idx))?,
            1.5 * bytes,
            "gbps",
        ));
    }
    if want("max_pool2d_backward") {
        rows.push(row(
            gpu,
            "max_pool2d_backward",
            &shape,
            timed(gpu, iters, |e| mp::max_pool2d_backward(gpu, e, &pooled, &idx, &y))?,
            1.5 * bytes,
            "gbps",
        ));
    }
    if want("max_unpool2d_forward") {
        rows.push(row(
            gpu,
            "max_unpool2d_forward",
            &shape,
            timed(gpu, iters, |e| mp::max_unpool2d_forward(gpu, e, &pooled, &idx, &y))?,
            1.5 * bytes,
            "gbps",
        ));
    }
    if want("max_unpool2d_backward") {
        rows.push(row(
            gpu,
            "max_unpool2d_backward",
            &shape,
            timed(gpu, iters, |e| mp::max_unpool2d_backward(gpu, e, &dy, &idx, &pooled))?,
            0.75 * bytes,
            "gbps",
        ));
    }
    if want("sum_per_channel") {
        rows.push(row(
            gpu,
            "sum_per_channel",
            &shape,
            timed(gpu, iters, |e| kernels::reduce::sum_per_channel(gpu, e, &dy, &db))?,
            bytes,
            "gbps",
        ));
    }
    // Loss over the 4-class logits of a batch of 2.
    let logits = random_tensor(gpu, &mut rng, &[n, 4, h, w])?;
    let labels = gpu.upload_u32("bench", &(0..n * h * w).map(|i| (i % 4) as u32).collect::<Vec<_>>(), &[n, h, w])?;
    let cw = gpu.full("bench", &[4], 1.0)?;
    let loss = gpu.tensor("bench", &[2], crate::DType::F32)?;
    let dl = gpu.tensor("bench", &[n, 4, h, w], crate::DType::F32)?;
    let ce_bytes = (n * 4 * h * w * 4 * 3 + n * h * w * 4 * 2) as f64;
    if want("cross_entropy_forward_backward") {
        rows.push(row(
            gpu,
            "cross_entropy_forward_backward",
            &format!("N={n} C=4 {h}x{w}"),
            timed(gpu, iters, |e| {
                kernels::cross_entropy::cross_entropy_forward(gpu, e, &logits, &labels, &cw, &loss)?;
                kernels::cross_entropy::cross_entropy_backward(gpu, e, &logits, &labels, &cw, &loss, &dl)
            })?,
            ce_bytes,
            "gbps",
        ));
    }
    // Adam over the paper U-Net's ~470k parameters (rounded up to 2^19).
    let np = 1 << 19;
    let (p, g, m, v) =
        (gpu.full("bench", &[np], 0.5)?, gpu.full("bench", &[np], 0.1)?, gpu.full("bench", &[np], 0.0)?, gpu.full("bench", &[np], 0.0)?);
    let hyper = kernels::adam::AdamHyper { weight_decay: 1e-4, ..Default::default() };
    if want("adam_step") {
        rows.push(row(
            gpu,
            "adam_step",
            &format!("{np} parameters"),
            timed(gpu, iters, |e| kernels::adam::adam_step(gpu, e, &p, &g, &m, &v, 0, np, &hyper))?,
            (np * 4 * 7) as f64,
            "gbps",
        ));
    }
    Ok(rows)
}

/// The adapter's multiply-add ceiling (`shaders/peak.wgsl`): 2²² values, each through 256
/// multiply-adds in registers — 2.1 GFLOP with no memory traffic but one load and one store per
/// value. The other rows' GFLOP/s read as a share of this one's.
pub fn peak(gpu: &Gpu, iters: usize, only: Option<&str>) -> Result<Vec<BenchRow>> {
    if !wanted(only, "peak_multiply_add") {
        return Ok(Vec::new());
    }
    let (len, steps) = (1usize << 22, 256u32);
    let x = random_tensor(gpu, &mut Rng::new(11), &[len])?;
    let y = gpu.tensor("bench", &[len], crate::DType::F32)?;
    let t = timed(gpu, iters, |e| kernels::peak::multiply_add(gpu, e, &x, &y, steps, 0.99, 0.01))?;
    Ok(vec![row(
        gpu,
        "peak_multiply_add",
        &format!("{len} values x {steps} multiply-adds"),
        t,
        2.0 * (len as f64) * steps as f64,
        "gflops",
    )])
}

/// Every kernel benchmark. When `check` is set, first runs every kernel at these shapes against
/// the CPU references ([`crate::selftest::paper_sizes`]) and refuses to time a wrong kernel.
/// `only` times just the kernels whose name contains it.
pub fn all(gpu: &Gpu, iters: usize, check: bool, only: Option<&str>) -> Result<Vec<BenchRow>> {
    if check {
        let failed: Vec<String> =
            crate::block_on(crate::selftest::paper_sizes(gpu))?.iter().filter(|r| !r.passed()).map(|r| r.to_string()).collect();
        if !failed.is_empty() {
            return Err(crate::Error::InvalidArgument {
                op: "bench",
                detail: format!("kernels disagree with the CPU reference, not timing them:\n{}", failed.join("\n")),
            });
        }
    }
    let mut rows = conv2d(gpu, "unet-dec1", (2, 64, 32, 256, 256), iters, only)?;
    rows.extend(conv2d(gpu, "segnet", (2, 64, 64, 256, 256), iters, only)?);
    rows.extend(conv_transpose2d(gpu, iters, only)?);
    rows.extend(memory_bound(gpu, iters, only)?);
    rows.extend(peak(gpu, iters, only)?);
    Ok(rows)
}

/// One model benchmark result (a JSON line).
#[derive(Clone, Debug)]
pub struct ModelBenchRow {
    pub model: String,
    pub classes: usize,
    pub batch: usize,
    pub size: usize,
    pub mode: &'static str,
    pub median_s_per_step: f64,
    pub first_step_s: f64,
    pub images_per_s: f64,
    pub peak_gpu_bytes: u64,
    pub adapter: String,
    /// Kernel family (`--kernels`).
    pub kernels: String,
    /// Compute passes (dispatches) one step records.
    pub dispatches_per_step: usize,
    /// Median CPU time to record and submit one step (tape, launchers, bind groups, command
    /// encoding; the device idle before it): the per-step overhead a fast GPU would wait on.
    pub record_ms_per_step: f64,
    /// Bind groups built per timed step (after the warm-up step): 0 once every dispatch finds
    /// its cached bind group.
    pub bind_groups_per_step: f64,
    /// Convolution arithmetic of one step, GFLOP ([`crate::tape::Tape::conv_flops`]: forward,
    /// plus for training both gradients), and that over `median_s_per_step` — the figure to set
    /// beside the kernel rows' GFLOP/s and `peak_multiply_add`'s.
    pub gflop_per_step: f64,
    pub gflops: f64,
}

impl ModelBenchRow {
    pub fn json(&self) -> String {
        format!(
            "{{\"model\":\"{}\",\"classes\":{},\"batch\":{},\"size\":{},\"mode\":\"{}\",\"median_s_per_step\":{:.4},\"first_step_s\":{:.4},\"images_per_s\":{:.4},\"peak_gpu_bytes\":{},\"kernels\":\"{}\",\"dispatches_per_step\":{},\"record_ms_per_step\":{:.3},\"bind_groups_per_step\":{:.1},\"gflop_per_step\":{:.2},\"gflops\":{:.2},\"adapter\":\"{}\"}}",
            self.model, self.classes, self.batch, self.size, self.mode, self.median_s_per_step, self.first_step_s, self.images_per_s, self.peak_gpu_bytes, self.kernels, self.dispatches_per_step, self.record_ms_per_step, self.bind_groups_per_step, self.gflop_per_step, self.gflops, self.adapter.replace('"', "'")
        )
    }
}

/// One entry point's share of a profiled training step (a JSON line).
pub fn profile_json(model: &str, mode: &str, t: &crate::profile::OpTime, total_ms: f64) -> String {
    format!(
        "{{\"profile\":\"{model} {mode}\",\"entry\":\"{}\",\"dispatches\":{},\"gpu_ms\":{:.3},\"share\":{:.4}}}",
        t.entry,
        t.dispatches,
        t.ms,
        t.ms / total_ms.max(1e-12)
    )
}

/// Times `steps` training steps and `steps` inference passes of the paper's `arch` on random
/// data (after one warm-up step, reported separately), synchronising the device before each clock
/// read.
///
/// With `profile`, one more step of each mode runs with every compute pass timed by timestamp
/// queries ([`Gpu::profile`]) and its per-entry-point GPU times are returned beside the rows.
#[allow(clippy::type_complexity)]
pub fn model(
    gpu: &Gpu,
    arch: crate::models::Arch,
    classes: usize,
    batch: usize,
    size: usize,
    steps: usize,
    profile: bool,
) -> Result<(Vec<ModelBenchRow>, Vec<(&'static str, Vec<crate::profile::OpTime>)>)> {
    use crate::models::{Model, ModelConfig};
    use crate::step::{train_step, StepConfig};
    if steps == 0 || batch == 0 || size == 0 {
        return Err(crate::Error::InvalidArgument {
            op: "bench",
            detail: format!("--steps, --batch and --size must be at least 1 (got {steps}, {batch}, {size})"),
        });
    }
    let mut rng = Rng::new(1);
    let mut model = Model::new(gpu, ModelConfig::paper(arch, classes), 1)?;
    let x = random_tensor(gpu, &mut rng, &[batch, 1, size, size])?;
    let labels: Vec<u32> = (0..batch * size * size).map(|_| rng.below(classes as u64) as u32).collect();
    let labels = gpu.upload_u32("bench", &labels, &[batch, size, size])?;
    let weights = gpu.full("bench", &[classes], 1.0)?;
    // The convolution arithmetic of one step, from a forward recorded on a tape never submitted.
    let (forward_flop, backward_flop) = {
        let mut tape = crate::tape::Tape::new(gpu, crate::tape::Mode::Train, 0);
        let input = tape.input(x.clone());
        model.forward(&mut tape, input)?;
        tape.conv_flops()
    };
    let mut rows = Vec::new();
    let mut profiles = Vec::new();
    for mode in ["train", "infer"] {
        let mut times = Vec::new();
        let mut records = Vec::new();
        let mut first = 0.0;
        let mut dispatches = 0;
        let mut built = 0;
        let mut run = |i: usize| -> Result<()> {
            if mode == "train" {
                let cfg = StepConfig { lr: 1e-4, l2: 1e-4, dropout_seed: i as u64 };
                train_step(gpu, &mut model, &x, &labels, &weights, &cfg, false).map(|_| ())
            } else {
                // The forward pass alone, not read back (as a training step is not), so that the
                // recording time is the CPU's alone.
                crate::step::infer(gpu, &model, &x).map(|_| ())
            }
        };
        for i in 0..=steps {
            gpu.wait()?;
            let t0 = Instant::now();
            if i == 0 {
                dispatches = gpu.record_dispatches(|| run(i))?.1.len();
                built = gpu.bind_groups_built();
            } else {
                run(i)?;
                records.push(t0.elapsed().as_secs_f64() * 1e3);
            }
            gpu.wait()?;
            let dt = t0.elapsed().as_secs_f64();
            if i == 0 {
                first = dt;
            } else {
                times.push(dt);
            }
        }
        // Read before the profiled step, which is not one of the `steps`.
        let bind_groups_per_step = (gpu.bind_groups_built() - built) as f64 / steps as f64;
        if profile {
            profiles.push((mode, gpu.profile(|| run(steps + 1))?.1));
        }
        let med = median(times);
        let gflop_per_step = if mode == "train" { forward_flop + backward_flop } else { forward_flop } / 1e9;
        rows.push(ModelBenchRow {
            model: arch.to_string(),
            classes,
            batch,
            size,
            mode,
            median_s_per_step: med,
            first_step_s: first,
            images_per_s: batch as f64 / med,
            peak_gpu_bytes: gpu.pooled_bytes(),
            adapter: gpu.adapter_name(),
            kernels: gpu.kernel_family().to_string(),
            dispatches_per_step: dispatches,
            record_ms_per_step: median(records),
            bind_groups_per_step,
            gflop_per_step,
            gflops: gflop_per_step / med,
        });
    }
    Ok((rows, profiles))
}
