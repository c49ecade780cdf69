//! Launchers for `shaders/batch_norm.wgsl` (BatchNorm2d semantics, see the shader header).

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/batch_norm.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BatchNormParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub update_running: u32,
    pub eps: f32,
    pub momentum: f32,
    pub splits: u32,
    pub chunk: u32,
    pub relu: u32,
    /// Values per channel of the whole batch when a chunk of it is bound (0: N·H·W of the binding).
    pub count: u32,
    /// backward_input: 1 = the statistics were frozen (running ones), dx = gamma · invstd · dy.
    pub frozen: u32,
    pub _pad: [u32; 1],
}

fn params(op: &'static str, x: &Tensor, per_channel: &[(&str, &Tensor)], eps: f32, momentum: f32) -> Result<BatchNormParams> {
    let [n, c, h, w] = nchw(op, "x", x)?;
    for (name, t) in per_channel {
        expect_shape(op, name, t, &[c])?;
    }
    // Written so that a NaN eps is rejected too.
    if eps.is_nan() || eps <= 0.0 || !(0.0..=1.0).contains(&momentum) {
        return Err(Error::InvalidArgument {
            op,
            detail: format!("eps must be > 0 and momentum in [0, 1]; got eps {eps}, momentum {momentum}"),
        });
    }
    Ok(BatchNormParams {
        n: u32_of(op, "N", n)?,
        c: u32_of(op, "C", c)?,
        plane: u32_of(op, "H·W", h * w)?,
        update_running: 0,
        eps,
        momentum,
        splits: 1,
        chunk: 0,
        relu: 0,
        count: 0,
        frozen: 0,
        _pad: [0; 1],
    })
}

/// Splits of the per-channel reductions over M = N·H·W values as the kernel family asks (one plan
/// item = one stride of the 256-invocation workgroup); sets `p.splits` and `p.chunk`.
fn plan(gpu: &Gpu, p: &mut BatchNormParams) {
    let m = p.n as u64 * p.plane as u64;
    let max_splits = (gpu.max_binding_bytes() / 8 / p.c.max(1) as u64).max(1);
    let (splits, chunk) = super::plan_splits(gpu, p.c as u64, m, 256, max_splits);
    p.chunk = chunk.min(u32::MAX as u64) as u32;
    p.splits = splits;
}

/// Invocations per workgroup of the `*_partial4_lanes` reductions, one chunk each.
const LANES: u64 = 8;

/// CPU layouts where H·W % 4 == 0: the per-channel reductions run as `*_partial4_lanes` — chunks
/// of whole vectors, one per invocation of 8-invocation workgroups, no barrier — and the merge
/// pass. Sets `p.splits` (chunks per channel) and `p.chunk` (values, a multiple of 4) and returns
/// the workgroups; None where the 256-invocation kernels serve (a GPU layout: its workgroup
/// trees are fast there).
fn plan_lanes(gpu: &Gpu, p: &mut BatchNormParams) -> Option<u64> {
    if !super::cpu_layout(gpu) || !p.plane.is_multiple_of(4) {
        return None;
    }
    let vectors = p.n as u64 * p.plane as u64 / 4;
    let max_chunks = (gpu.max_binding_bytes() / 8 / p.c.max(1) as u64).max(LANES);
    let (groups, _) = super::plan_splits(gpu, p.c as u64, vectors, LANES, max_chunks / LANES);
    let per_chunk = vectors.div_ceil(groups as u64 * LANES).max(1);
    p.chunk = (4 * per_chunk).min(u32::MAX as u64) as u32;
    p.splits = vectors.div_ceil(per_chunk).max(1) as u32;
    Some(p.c as u64 * (p.splits as u64).div_ceil(LANES))
}

/// The first pass of a split per-channel reduction, where this layout splits one: `lanes` in CPU
/// layouts ([`plan_lanes`]), else the 256-invocation `split` entry where [`plan`] cuts a channel
/// into more than one chunk. Sets `p.splits` and `p.chunk`; returns the entry and its workgroups,
/// or None where one workgroup per channel does the whole reduction.
fn partial_pass(gpu: &Gpu, p: &mut BatchNormParams, lanes: &'static str, split: &'static str) -> Option<(&'static str, u64)> {
    if let Some(groups) = plan_lanes(gpu, p) {
        return Some((lanes, groups));
    }
    plan(gpu, p);
    (p.splits > 1).then(|| (split, p.c as u64 * p.splits as u64))
}

/// Workgroups of the element-wise passes: each covers up to 8 × 256 elements of one (n, c) plane
/// (`EPT`, `WG` in the shader).
fn elements(p: &BatchNormParams) -> u64 {
    p.n as u64 * p.c as u64 * (p.plane as u64).div_ceil(8 * 256)
}

/// The `*4` entry point (vec4 views, 4 values of one plane per access) where H·W is a multiple of
/// 4 — every real layer — else the scalar one. Returns the entry and, for the element-wise passes,
/// their workgroups (the per-channel reductions dispatch one workgroup per channel either way).
fn by_vec4(p: &BatchNormParams, scalar: &'static str, vec4: &'static str) -> (&'static str, u64) {
    if p.plane.is_multiple_of(4) {
        (vec4, p.n as u64 * p.c as u64 * (p.plane as u64 / 4).div_ceil(8 * 256))
    } else {
        (scalar, elements(p))
    }
}

/// Batch statistics: `mean`, `invstd` = 1/sqrt(biased var + eps); when `running` is given, also
/// updates running mean / unbiased running variance with `momentum` (PyTorch convention).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_stats(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    running: Option<(&Tensor, &Tensor)>,
    eps: f32,
    momentum: f32,
) -> Result<()> {
    const OP: &str = "batch_norm_stats";
    let mut chans = vec![("mean", mean), ("invstd", invstd)];
    if let Some((rm, rv)) = running {
        chans.push(("running_mean", rm));
        chans.push(("running_var", rv));
    }
    let mut p = params(OP, x, &chans, eps, momentum)?;
    p.update_running = running.is_some() as u32;
    let chunks = super::image_chunks(gpu, OP, &[x])?;
    if chunks.len() > 1 {
        // A batch past the binding limit: one partial per image (its mean and centred sum of
        // squares), range by range, then the merge over all N images' partials in image order.
        p.splits = p.n;
        p.chunk = p.plane;
        let partials = gpu.tensor(OP, &[2 * p.n as usize * p.c as usize], crate::DType::F32)?;
        for r in chunks {
            let q = BatchNormParams { n: r.len() as u32, splits: r.len() as u32, ..p };
            let out = gpu.tensor(OP, &[2 * r.len() * p.c as usize], crate::DType::F32)?;
            launch(gpu, enc, "batch_norm_stats_partial", &q, &[(1, &x.images(r.clone())?), (11, &out)], q.c as u64 * q.splits as u64)?;
            copy_partials(enc, &out, &partials, 2 * r.start * p.c as usize);
        }
        return merge_stats(gpu, enc, &p, &partials, mean, invstd, running);
    }
    if let Some((entry, groups)) = partial_pass(gpu, &mut p, "batch_norm_stats_partial4_lanes", "batch_norm_stats_partial") {
        let partials = super::scratch(gpu, OP, 2 * p.splits as usize * p.c as usize)?;
        launch(gpu, enc, entry, &p, &[(1, x), (11, &partials)], groups)?;
        return merge_stats(gpu, enc, &p, &partials, mean, invstd, running);
    }
    match running {
        Some((rm, rv)) => {
            launch(gpu, enc, by_vec4(&p, OP, "batch_norm_stats4").0, &p, &[(1, x), (5, mean), (6, invstd), (7, rm), (8, rv)], p.c as u64)
        }
        None => {
            // Bindings 7/8 are declared read_write, so they need two distinct buffers even though
            // update_running = 0 leaves them untouched: small pooled scratch tensors.
            let rm = gpu.tensor(OP, &[p.c as usize], crate::DType::F32)?;
            let rv = gpu.tensor(OP, &[p.c as usize], crate::DType::F32)?;
            launch(gpu, enc, by_vec4(&p, OP, "batch_norm_stats4").0, &p, &[(1, x), (5, mean), (6, invstd), (7, &rm), (8, &rv)], p.c as u64)
        }
    }
}

/// Copies one range's partials to element `at` of all partials (a copy, not a view: the range's
/// offset need not be 256-byte aligned).
fn copy_partials(enc: &mut Encoder, range: &Tensor, all: &Tensor, at: usize) {
    enc.copy_buffer_to_buffer(range.buffer(), range.offset(), all.buffer(), all.offset() + at as u64 * 4, range.bytes());
}

/// The merge pass of the split statistics over `partials` (layout of `batch_norm_stats_partial`).
fn merge_stats(
    gpu: &Gpu,
    enc: &mut Encoder,
    p: &BatchNormParams,
    partials: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    running: Option<(&Tensor, &Tensor)>,
) -> Result<()> {
    // Bindings 7/8 are declared read_write, so they need two distinct buffers even when
    // update_running = 0 leaves them untouched: small pooled scratch tensors.
    let spare = |_| gpu.tensor("batch_norm_stats", &[p.c as usize], crate::DType::F32);
    let (rm, rv) = match running {
        Some((rm, rv)) => (rm.clone(), rv.clone()),
        None => (spare(0)?, spare(1)?),
    };
    launch(gpu, enc, "batch_norm_stats_merge", p, &[(1, partials), (5, mean), (6, invstd), (7, &rm), (8, &rv)], (p.c as u64).div_ceil(64))
}

/// `y = gamma · (x − mean) · invstd + beta` with batch statistics.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_normalize(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    y: &Tensor,
) -> Result<()> {
    super::for_images(gpu, "batch_norm_normalize", &[x, y], |_, v| normalize(gpu, enc, &v[0], gamma, beta, mean, invstd, &v[1], false))
}

/// `y = relu(gamma · (x − mean) · invstd + beta)` in the same pass (fused BN + ReLU; the backward
/// masks the incoming gradient by `y > 0` before the batch-norm backward).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_relu_normalize(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    y: &Tensor,
) -> Result<()> {
    super::for_images(gpu, "batch_norm_normalize", &[x, y], |_, v| normalize(gpu, enc, &v[0], gamma, beta, mean, invstd, &v[1], true))
}

#[allow(clippy::too_many_arguments)]
fn normalize(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    y: &Tensor,
    relu: bool,
) -> Result<()> {
    const OP: &str = "batch_norm_normalize";
    let mut p = params(OP, x, &[("gamma", gamma), ("beta", beta), ("mean", mean), ("invstd", invstd)], 1e-5, 0.0)?;
    p.relu = relu as u32;
    expect_shape(OP, "y", y, x.shape())?;
    let (entry, workgroups) = by_vec4(&p, OP, "batch_norm_normalize4");
    launch(gpu, enc, entry, &p, &[(1, x), (3, gamma), (4, beta), (5, mean), (6, invstd), (11, y)], workgroups)
}

/// Inference: `y = gamma · (x − running_mean) / sqrt(running_var + eps) + beta`.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_infer(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    running_mean: &Tensor,
    running_var: &Tensor,
    eps: f32,
    y: &Tensor,
) -> Result<()> {
    super::for_images(gpu, "batch_norm_infer", &[x, y], |_, v| {
        infer(gpu, enc, &v[0], gamma, beta, running_mean, running_var, eps, &v[1], false)
    })
}

/// Inference with the fused ReLU: `y = relu(batch_norm_infer(x))` in one pass.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_relu_infer(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    running_mean: &Tensor,
    running_var: &Tensor,
    eps: f32,
    y: &Tensor,
) -> Result<()> {
    super::for_images(gpu, "batch_norm_infer", &[x, y], |_, v| {
        infer(gpu, enc, &v[0], gamma, beta, running_mean, running_var, eps, &v[1], true)
    })
}

#[allow(clippy::too_many_arguments)]
fn infer(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    running_mean: &Tensor,
    running_var: &Tensor,
    eps: f32,
    y: &Tensor,
    relu: bool,
) -> Result<()> {
    const OP: &str = "batch_norm_infer";
    let mut p = params(OP, x, &[("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)], eps, 0.0)?;
    p.relu = relu as u32;
    expect_shape(OP, "y", y, x.shape())?;
    let (entry, workgroups) = by_vec4(&p, OP, "batch_norm_infer4");
    launch(gpu, enc, entry, &p, &[(1, x), (3, gamma), (4, beta), (7, running_mean), (8, running_var), (11, y)], workgroups)
}

/// `dbeta = Σ dy`, `dgamma = Σ dy · x̂` per channel (overwrites both).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_reduce(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    dy: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    dgamma: &Tensor,
    dbeta: &Tensor,
) -> Result<()> {
    backward_reduce(gpu, enc, x, dy, mean, invstd, dgamma, dbeta, None)
}

/// The first backward pass of the fused BN + ReLU ([`batch_norm_relu_normalize`] with this
/// `gamma`, `beta` and statistics): ReLU's backward applied to `dy` in place — each value kept
/// where the forward's output was > 0, else 0, with the pre-activation recomputed from `x` as
/// normalize computes it — then `dbeta = Σ dy`, `dgamma = Σ dy · x̂` of the masked `dy`.
/// [`batch_norm_backward_input`] (or its frozen form) then reads the masked `dy`: the ReLU's
/// backward costs no pass of its own over the tensor. `dy` must not share a buffer with `x`.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_relu_backward_reduce(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    dy: &Tensor,
    gamma: &Tensor,
    beta: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    dgamma: &Tensor,
    dbeta: &Tensor,
) -> Result<()> {
    const OP: &str = "batch_norm_relu_backward_reduce";
    if dy.buffer() == x.buffer() {
        return Err(crate::Error::InvalidArgument {
            op: OP,
            detail: "dy is rewritten in place with the ReLU's backward, so it cannot share a buffer with x".into(),
        });
    }
    backward_reduce(gpu, enc, x, dy, mean, invstd, dgamma, dbeta, Some((gamma, beta)))
}

/// The masked (fused BN + ReLU) form of a backward-reduce entry point: it binds dy writable at
/// binding 12 instead of read-only at 2, and gamma, beta at 3, 4.
fn relu_entry(entry: &'static str) -> &'static str {
    match entry {
        "batch_norm_backward_reduce" => "batch_norm_relu_backward_reduce",
        "batch_norm_backward_reduce4" => "batch_norm_relu_backward_reduce4",
        "batch_norm_backward_reduce_partial" => "batch_norm_relu_backward_reduce_partial",
        "batch_norm_backward_reduce_partial4_lanes" => "batch_norm_relu_backward_reduce_partial4_lanes",
        other => other,
    }
}

#[allow(clippy::too_many_arguments)]
fn backward_reduce(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    dy: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    dgamma: &Tensor,
    dbeta: &Tensor,
    relu: Option<(&Tensor, &Tensor)>,
) -> Result<()> {
    let op = if relu.is_some() { "batch_norm_relu_backward_reduce" } else { "batch_norm_backward_reduce" };
    let mut p = params(op, x, &[("mean", mean), ("invstd", invstd), ("dgamma", dgamma), ("dbeta", dbeta)], 1e-5, 0.0)?;
    expect_shape(op, "dy", dy, x.shape())?;
    if let Some((gamma, beta)) = relu {
        expect_shape(op, "gamma", gamma, &[p.c as usize])?;
        expect_shape(op, "beta", beta, &[p.c as usize])?;
    }
    // Records one pass: x at binding 1, then dy read-only at 2 — or, for the fused ReLU, writable at
    // 12 with gamma and beta at 3 and 4, through the entry point's masked form.
    let record =
        |enc: &mut Encoder, entry: &'static str, q: &BatchNormParams, x: &Tensor, dy: &Tensor, rest: &[(u32, &Tensor)], groups: u64| {
            let mut bindings: Vec<(u32, &Tensor)> = vec![(1, x)];
            match relu {
                Some((gamma, beta)) => bindings.extend([(12, dy), (3, gamma), (4, beta)]),
                None => bindings.push((2, dy)),
            }
            bindings.extend_from_slice(rest);
            let entry = if relu.is_some() { relu_entry(entry) } else { entry };
            launch(gpu, enc, entry, q, &bindings, groups)
        };
    let chunks = super::image_chunks(gpu, op, &[x, dy])?;
    if chunks.len() > 1 {
        // A batch past the binding limit: one partial (Σ dy, Σ dy·x̂) per image, range by range,
        // then the merge adds all N in image order.
        p.splits = p.n;
        p.chunk = p.plane;
        let partials = gpu.tensor(op, &[2 * p.n as usize * p.c as usize], crate::DType::F32)?;
        for r in chunks {
            let q = BatchNormParams { n: r.len() as u32, splits: r.len() as u32, ..p };
            let out = gpu.tensor(op, &[2 * r.len() * p.c as usize], crate::DType::F32)?;
            let (xr, dyr) = (x.images(r.clone())?, dy.images(r.clone())?);
            record(
                enc,
                "batch_norm_backward_reduce_partial",
                &q,
                &xr,
                &dyr,
                &[(5, mean), (6, invstd), (11, &out)],
                q.c as u64 * q.splits as u64,
            )?;
            copy_partials(enc, &out, &partials, 2 * r.start * p.c as usize);
        }
        return launch(
            gpu,
            enc,
            "batch_norm_backward_reduce_merge",
            &p,
            &[(1, &partials), (9, dgamma), (10, dbeta)],
            (p.c as u64).div_ceil(64),
        );
    }
    let partial = partial_pass(gpu, &mut p, "batch_norm_backward_reduce_partial4_lanes", "batch_norm_backward_reduce_partial");
    if let Some((entry, groups)) = partial {
        let partials = super::scratch(gpu, op, 2 * p.splits as usize * p.c as usize)?;
        record(enc, entry, &p, x, dy, &[(5, mean), (6, invstd), (11, &partials)], groups)?;
        return launch(
            gpu,
            enc,
            "batch_norm_backward_reduce_merge",
            &p,
            &[(1, &partials), (9, dgamma), (10, dbeta)],
            (p.c as u64).div_ceil(64),
        );
    }
    let entry = by_vec4(&p, "batch_norm_backward_reduce", "batch_norm_backward_reduce4").0;
    record(enc, entry, &p, x, dy, &[(5, mean), (6, invstd), (9, dgamma), (10, dbeta)], p.c as u64)
}

/// Frozen statistics for fine-tuning with batch norm's running statistics: `mean` =
/// `running_mean`, `invstd` = 1 / sqrt(`running_var` + eps). Normalise with
/// [`batch_norm_normalize`], and differentiate with [`batch_norm_backward_reduce`] and
/// [`batch_norm_backward_input_frozen`].
pub fn batch_norm_frozen_stats(
    gpu: &Gpu,
    enc: &mut Encoder,
    running_mean: &Tensor,
    running_var: &Tensor,
    eps: f32,
    mean: &Tensor,
    invstd: &Tensor,
) -> Result<()> {
    const OP: &str = "batch_norm_frozen_stats";
    let c = running_mean.len();
    for (name, t) in [("running_var", running_var), ("mean", mean), ("invstd", invstd)] {
        expect_shape(OP, name, t, &[c])?;
    }
    let shape = [1, c, 1, 1];
    let x = running_mean.reshape(&shape)?;
    let p = params(OP, &x, &[], eps, 0.0)?;
    launch(gpu, enc, OP, &p, &[(5, mean), (6, invstd), (7, running_mean), (8, running_var)], (c as u64).div_ceil(64))
}

/// `dx = gamma · invstd · dy`: the input gradient of batch norm with frozen statistics (constants
/// of the forward, so no terms through the mean and variance).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_input_frozen(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    dy: &Tensor,
    gamma: &Tensor,
    invstd: &Tensor,
    dx: &Tensor,
) -> Result<()> {
    const OP: &str = "batch_norm_backward_input";
    let whole = params(OP, x, &[("gamma", gamma), ("invstd", invstd)], 1e-5, 0.0)?;
    expect_shape(OP, "dy", dy, x.shape())?;
    expect_shape(OP, "dx", dx, x.shape())?;
    // Bindings the entry point declares but the frozen path does not read (distinct buffers:
    // they are declared writable).
    let unused = |_| gpu.tensor(OP, &[whole.c as usize], crate::DType::F32);
    let (u5, u9, u10) = (unused(5)?, unused(9)?, unused(10)?);
    super::for_images(gpu, OP, &[x, dy, dx], |r, v| {
        let p = BatchNormParams { n: r.len() as u32, frozen: 1, ..whole };
        let (entry, workgroups) = by_vec4(&p, OP, "batch_norm_backward_input4");
        launch(
            gpu,
            enc,
            entry,
            &p,
            &[(1, &v[0]), (2, &v[1]), (3, gamma), (5, &u5), (6, invstd), (9, &u9), (10, &u10), (11, &v[2])],
            workgroups,
        )
    })
}

/// `dx = gamma · invstd / M · (M·dy − dbeta − x̂·dgamma)`; needs the outputs of
/// [`batch_norm_backward_reduce`].
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_input(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    dy: &Tensor,
    gamma: &Tensor,
    mean: &Tensor,
    invstd: &Tensor,
    dgamma: &Tensor,
    dbeta: &Tensor,
    dx: &Tensor,
) -> Result<()> {
    const OP: &str = "batch_norm_backward_input";
    let whole = params(OP, x, &[("gamma", gamma), ("mean", mean), ("invstd", invstd), ("dgamma", dgamma), ("dbeta", dbeta)], 1e-5, 0.0)?;
    expect_shape(OP, "dy", dy, x.shape())?;
    expect_shape(OP, "dx", dx, x.shape())?;
    super::for_images(gpu, OP, &[x, dy, dx], |r, v| {
        // M of the formula is the whole batch's count, whatever range of images is bound.
        let p = BatchNormParams { n: r.len() as u32, count: u32_of(OP, "N·H·W", whole.n as usize * whole.plane as usize)?, ..whole };
        let (entry, workgroups) = by_vec4(&p, OP, "batch_norm_backward_input4");
        launch(
            gpu,
            enc,
            entry,
            &p,
            &[(1, &v[0]), (2, &v[1]), (3, gamma), (5, mean), (6, invstd), (9, dgamma), (10, dbeta), (11, &v[2])],
            workgroups,
        )
    })
}
