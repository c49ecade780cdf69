//! The kernel launchers: one module per shader file, each checking shapes and limits, choosing the
//! kernel family's layout and recording dispatches into an [`Encoder`]; plus the split-reduction
//! planning they share.
//!
//! Every shader is a plain WGSL file in `shaders/` (registered in [`crate::pipelines::SHADERS`]);
//! shapes reach it through a uniform `struct Params` mirrored by a `#[repr(C)]`
//! [`bytemuck::Pod`] struct in the launcher ([`PARAMS`] lists them for the layout test).
//! Pipelines are built once, when the [`Gpu`] is created (the device layer: `gpu`, `pipelines`,
//! `encoder`, `tensor`, which never import this module); launchers only write a few bytes of
//! parameters and record a dispatch.

pub mod adam;
pub mod add;
pub mod batch_norm;
pub mod concat;
pub mod conv2d;
pub mod conv_transpose2d;
pub mod cross_entropy;
pub mod dice;
pub mod dropout;
pub mod ema;
pub mod max_pool;
pub mod metrics;
pub mod peak;
pub mod reduce;
pub mod relu;

pub use crate::encoder::Encoder;
use crate::error::{fmt_shapes, Error, Result};
use crate::gpu::Gpu;
pub use crate::gpu::KernelFamily;
pub(crate) use crate::pipelines::launch;
pub use crate::pipelines::{Dispatch, MIN_STORAGE_BUFFERS, SHADERS};
use crate::tensor::Tensor;

/// Size of each shader's Rust `Params` mirror, by shader name (tests/shaders.rs checks each
/// against naga's layout of the WGSL struct).
pub const PARAMS: &[(&str, usize)] = &[
    ("conv2d", std::mem::size_of::<conv2d::Conv2dParams>()),
    ("conv2d_subgroup", std::mem::size_of::<conv2d::Conv2dParams>()),
    ("conv_transpose2d_subgroup", std::mem::size_of::<conv_transpose2d::ConvTranspose2dParams>()),
    ("reduce", std::mem::size_of::<reduce::ReduceParams>()),
    ("conv_transpose2d", std::mem::size_of::<conv_transpose2d::ConvTranspose2dParams>()),
    ("relu", std::mem::size_of::<relu::ReluParams>()),
    ("batch_norm", std::mem::size_of::<batch_norm::BatchNormParams>()),
    ("max_pool", std::mem::size_of::<max_pool::MaxPoolParams>()),
    ("concat", std::mem::size_of::<concat::ConcatParams>()),
    ("dropout", std::mem::size_of::<dropout::DropoutParams>()),
    ("cross_entropy", std::mem::size_of::<cross_entropy::CrossEntropyParams>()),
    ("dice", std::mem::size_of::<dice::DiceParams>()),
    ("adam", std::mem::size_of::<adam::AdamParams>()),
    ("ema", std::mem::size_of::<ema::EmaParams>()),
    ("add", std::mem::size_of::<add::AddParams>()),
    ("metrics", std::mem::size_of::<metrics::MetricsParams>()),
    ("peak", std::mem::size_of::<peak::PeakParams>()),
];

/// The `Gpu` family splits every N·H·W reduction aiming at this many workgroups (where the
/// reduction is long enough): enough to give each multiprocessor of a 100+-SM GPU several. On an
/// NVIDIA H200 (132 SMs) fewer splits trained faster — U-Net batch 2: 241, 214, 167, 88, 65
/// images/s at 1024, 2048, 4096, 8192, 16384 — since every split writes partials that a second
/// pass reads back. 2048 rather than the H200's best 1024 keeps every pass of the paper's layers
/// at ≥ 2,048 workgroups (tested), which a GPU with more multiprocessors than the H200 needs to
/// have work for all of them; `--reduction-workgroups` tunes it per device.
pub const GPU_MIN_WORKGROUPS: u64 = 2048;
/// The `Cpu` family's target: a few workgroups per CPU thread, so that threads stay balanced.
const CPU_MIN_WORKGROUPS: u64 = 64;
/// No split is shorter than this many reduction items (so that a partial is worth writing): on a
/// CPU a few dozen items amortise a workgroup's start; on a GPU one item (one stride of a
/// workgroup's invocations) is enough, since the partials are read back only once.
const CPU_MIN_ITEMS_PER_SPLIT: u64 = 16;
const GPU_MIN_ITEMS_PER_SPLIT: u64 = 1;

/// Splits of a reduction over `items` of a kernel's work items, whose unsplit dispatch has
/// `base` workgroups and whose workgroups take `per_step` items per step of their loop (1 for a
/// kernel walking items one at a time, its invocation count for one striding over them): enough
/// splits for the family's target of workgroups, each at least `MIN_ITEMS_PER_SPLIT` steps long,
/// and no more than `max_splits` (the scratch that holds one partial per split must fit in one
/// binding). Returns (splits, items per split), with every split non-empty; splits = 1 means no
/// scratch.
pub(crate) fn plan_splits(gpu: &Gpu, base: u64, items: u64, per_step: u64, max_splits: u64) -> (u32, u64) {
    let min_steps = if cpu_layout(gpu) { CPU_MIN_ITEMS_PER_SPLIT } else { GPU_MIN_ITEMS_PER_SPLIT };
    let target = reduction_target(gpu);
    let steps = items.div_ceil(per_step.max(1)).max(1);
    let wanted = target.div_ceil(base.max(1));
    let splits = wanted.min(steps.div_ceil(min_steps)).min(max_splits.max(1)).clamp(1, u32::MAX as u64);
    // Rounding the chunk up can leave trailing splits empty: count only the non-empty ones.
    let chunk = (steps.div_ceil(splits) * per_step.max(1)).min(items.max(1));
    (items.div_ceil(chunk).max(1) as u32, chunk)
}

/// How many workgroups the split reductions on this device aim for: the
/// [`Gpu::set_reduction_workgroups`] override, else the kernel family's default.
pub fn reduction_target(gpu: &Gpu) -> u64 {
    match gpu.reduction_workgroups() {
        0 if cpu_layout(gpu) => CPU_MIN_WORKGROUPS,
        0 => GPU_MIN_WORKGROUPS,
        t => t,
    }
}

/// Whether reductions are laid out for a CPU (a few workgroups per thread) rather than for a GPU
/// (thousands): the `cpu` family, or `portable` on a CPU adapter.
pub(crate) fn cpu_layout(gpu: &Gpu) -> bool {
    match gpu.kernel_family() {
        KernelFamily::Cpu => true,
        KernelFamily::Gpu => false,
        _ => gpu.is_cpu_device(),
    }
}

/// Split-K of a forward or backward-input convolution pass (conv2d, conv_transpose2d) whose one
/// image takes `per_image` workgroups and which sums over `reads` channels: (splits, read
/// channels per split). A GPU layout splits where one image's pass has fewer workgroups than the
/// family's target (`plan_splits`: the deep layers' small planes — 16² with 1024 channels is 64
/// workgroups per image unsplit); each split adds a chunk of the read channels into a partial
/// output (the first one adding the bias) and `sum_splits` adds them in a fixed order. The count
/// depends on one image's pass and on `max_splits` ([`max_read_splits`] of the whole batch, fixed
/// before the batch is cut into binding-sized ranges), so every image of a batch is summed alike
/// whichever range it falls in. A CPU layout does not split these passes unless
/// [`Gpu::set_reduction_workgroups`] asks it to (the tests do, to run every kernel's split path):
/// one image's pass already has the few workgroups per thread a CPU needs, a split would only add
/// a pass, and unsplit, an image's result does not depend on the device's binding limit.
pub(crate) fn split_reads(gpu: &Gpu, per_image: u64, reads: usize, max_splits: u64) -> (u32, u32) {
    if cpu_layout(gpu) && gpu.reduction_workgroups() == 0 {
        return (1, reads as u32);
    }
    let (splits, chunk) = plan_splits(gpu, per_image, reads as u64, 1, max_splits);
    (splits, chunk as u32)
}

/// Most partial outputs of a split forward / backward-input pass writing `out` (the whole batch)
/// that one binding holds.
pub(crate) fn max_read_splits(gpu: &Gpu, out: &Tensor) -> u64 {
    (gpu.max_binding_bytes() / 4 / out.len().max(1) as u64).max(1)
}

/// What the second pass of a split convolution applies to the whole sum (a pass that is not split
/// applies it in its own store).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Epilogue<'a> {
    None,
    /// The fused conv + ReLU: `max(·, 0)` with torch.relu's semantics.
    Relu,
    /// ReLU's backward in a backward-input pass: the sum where `mask` (the layer's input, the
    /// output of the ReLU before it) is > 0, else 0.
    Mask(&'a Tensor),
}

/// Records a split reduction into `out`: with one split, `record` writes `out` itself; otherwise
/// it writes one partial per split into scratch (split-major, `out.len()` each) and `sum_splits`
/// adds them into `out` in split order — and applies the `epilogue` (the split pass must then
/// store its partials without it).
pub(crate) fn split_into(
    gpu: &Gpu,
    enc: &mut Encoder,
    op: &'static str,
    out: &Tensor,
    splits: u32,
    epilogue: Epilogue,
    record: impl FnOnce(&mut Encoder, &Tensor) -> Result<()>,
) -> Result<()> {
    if splits == 1 {
        return record(enc, out);
    }
    let partials = scratch(gpu, op, splits as usize * out.len())?;
    record(enc, &partials)?;
    reduce::sum_splits(gpu, enc, &partials, out, splits, epilogue)
}

/// A scratch tensor of `len` f32 elements for the partial sums of one split reduction. One
/// buffer per device, grown on demand and never handed to other tensors: every user writes the
/// part it reads in the same encoder before reading it, so encoders that share it — in any
/// submission order — never see each other's values.
pub(crate) fn scratch(gpu: &Gpu, op: &'static str, len: usize) -> Result<Tensor> {
    scratch_in(gpu, &gpu.scratch, op, len)
}

/// Scratch for the weights a 32-channel convolution pass reads, packed by
/// `conv2d_pack_weights` (a slot of its own: a pass may also split into [`scratch`]). Used as
/// [`scratch`] is: each pass packs the weights it reads in its own encoder just before.
pub(crate) fn packed_weights(gpu: &Gpu, op: &'static str, len: usize) -> Result<Tensor> {
    scratch_in(gpu, &gpu.packed_weights, op, len)
}

fn scratch_in(gpu: &Gpu, slot: &std::sync::Mutex<Option<Tensor>>, op: &'static str, len: usize) -> Result<Tensor> {
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    if slot.as_ref().is_none_or(|t| t.len() < len) {
        // Bind groups over the old scratch would keep its buffer alive.
        if let Some(old) = slot.as_ref() {
            gpu.pipelines.forget_bind_groups_of(old.buffer());
        }
        *slot = Some(gpu.unpooled_tensor(op, len.next_power_of_two().max(1024).min(gpu.max_binding_bytes() as usize / 4).max(len))?);
    }
    slot.as_ref().expect("just created").prefix(len)
}

/// Ranges of images such that every tensor of `tensors` (all with the batch as first dimension)
/// fits one storage binding per range, each range starting on a 256-byte boundary in every
/// tensor: `[0..N]` when everything fits (the common case: no change at all). Tensors past the
/// binding limit — the paper's SegNet at batch 12 and 256² has 192 MiB activations, WebGPU and
/// lavapipe bind 128 MiB — are processed range by range with the same kernels.
pub(crate) fn image_chunks(gpu: &Gpu, op: &'static str, tensors: &[&Tensor]) -> Result<Vec<std::ops::Range<usize>>> {
    let n = tensors.first().and_then(|t| t.shape().first().copied()).unwrap_or(0);
    let limit = gpu.max_binding_bytes();
    if tensors.iter().all(|t| t.bytes() <= limit) {
        return Ok(std::iter::once(0..n).collect());
    }
    if tensors.iter().any(|t| t.shape().len() < 2 || t.shape()[0] != n) {
        return Err(Error::Shape {
            op,
            detail: "tensors past the binding limit are processed in chunks of images: all must share the batch dimension".into(),
            shapes: fmt_shapes(&tensors.iter().map(|t| t.shape()).collect::<Vec<_>>()),
        });
    }
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    let mut most = n as u64;
    let mut step = 1u64;
    for t in tensors {
        let per_image = t.bytes() / n as u64;
        if per_image > limit {
            return Err(Error::Limit {
                op,
                what: format!("one image of a tensor of {:?} ({per_image} bytes)", t.shape()),
                needed: per_image,
                limit_name: "max_storage_buffer_binding_size",
                limit,
                shapes: fmt_shapes(&tensors.iter().map(|t| t.shape()).collect::<Vec<_>>()),
            });
        }
        most = most.min(limit / per_image.max(1));
        // Images per range must keep every range's byte offset a multiple of 256.
        let q = 256 / gcd(per_image.max(1), 256);
        step = step / gcd(step, q) * q;
    }
    let k = most / step * step;
    if k == 0 {
        return Err(Error::Limit {
            op,
            what: format!("{step} images per chunk (256-byte aligned chunks of the batch)"),
            needed: step,
            limit_name: "max_storage_buffer_binding_size",
            limit,
            shapes: fmt_shapes(&tensors.iter().map(|t| t.shape()).collect::<Vec<_>>()),
        });
    }
    let k = k as usize;
    Ok((0..n).step_by(k).map(|s| s..(s + k).min(n)).collect())
}

/// Calls `f` once per range of [`image_chunks`] with views of every tensor for that range (the
/// tensors themselves when one range covers the batch).
pub(crate) fn for_images(
    gpu: &Gpu,
    op: &'static str,
    tensors: &[&Tensor],
    mut f: impl FnMut(std::ops::Range<usize>, &[Tensor]) -> Result<()>,
) -> Result<()> {
    let chunks = image_chunks(gpu, op, tensors)?;
    if chunks.len() == 1 {
        let whole: Vec<Tensor> = tensors.iter().map(|t| (*t).clone()).collect();
        return f(chunks[0].clone(), &whole);
    }
    for r in chunks {
        let views = tensors.iter().map(|t| t.images(r.clone())).collect::<Result<Vec<_>>>()?;
        f(r, &views)?;
    }
    Ok(())
}

/// The element-wise shaders' vec4 entry points: `vec4` (4 consecutive values per invocation
/// through vec4 views of the same bindings) with `len / 4` invocations when the extent the
/// vectors must tile is a multiple of 4 (`divisible`: every real layer), else `scalar` with `len`.
/// On CPU drivers each vector is one memory access instead of four: 2.3× on ReLU on lavapipe.
pub(crate) fn by_vec4(scalar: &'static str, vec4: &'static str, divisible: bool, len: usize) -> (&'static str, u64) {
    if divisible {
        (vec4, (len as u64 / 4).div_ceil(256))
    } else {
        (scalar, (len as u64).div_ceil(256))
    }
}

/// Element-wise ops over tensors of equal length: calls `f(first element, views)` once per
/// binding-sized range of elements (once with the tensors themselves when they fit).
pub(crate) fn for_elements(
    gpu: &Gpu,
    op: &'static str,
    tensors: &[&Tensor],
    mut f: impl FnMut(usize, &[Tensor]) -> Result<()>,
) -> Result<()> {
    let len = tensors.first().map_or(0, |t| t.len());
    let limit = gpu.max_binding_bytes();
    if tensors.iter().all(|t| t.bytes() <= limit) {
        let whole: Vec<Tensor> = tensors.iter().map(|t| (*t).clone()).collect();
        return f(0, &whole);
    }
    if tensors.iter().any(|t| t.len() != len) {
        return Err(Error::Shape {
            op,
            detail: "all tensors must have the same number of elements".into(),
            shapes: fmt_shapes(&tensors.iter().map(|t| t.shape()).collect::<Vec<_>>()),
        });
    }
    // 64 elements = 256 bytes: every range starts on an aligned offset.
    let per = ((limit / 4) as usize / 64 * 64).max(64);
    for first in (0..len).step_by(per) {
        let n = per.min(len - first);
        let views = tensors.iter().map(|t| t.view(first, &[n])).collect::<Result<Vec<_>>>()?;
        f(first, &views)?;
    }
    Ok(())
}

/// A reduction over the batch of tensors past the binding limit: `record(range, views, out)`
/// reduces one range of images into `out`; with several ranges, range 0 writes `out` and each
/// later range writes a temporary that is added into `out` in range order (deterministic).
pub(crate) fn reduce_images(
    gpu: &Gpu,
    enc: &mut Encoder,
    op: &'static str,
    tensors: &[&Tensor],
    out: &Tensor,
    mut record: impl FnMut(&mut Encoder, &[Tensor], &Tensor) -> Result<()>,
) -> Result<()> {
    let chunks = image_chunks(gpu, op, tensors)?;
    if chunks.len() == 1 {
        let whole: Vec<Tensor> = tensors.iter().map(|t| (*t).clone()).collect();
        return record(enc, &whole, out);
    }
    let partial = gpu.tensor(op, out.shape(), crate::DType::F32)?;
    for (i, r) in chunks.into_iter().enumerate() {
        let views = tensors.iter().map(|t| t.images(r.clone())).collect::<Result<Vec<_>>>()?;
        if i == 0 {
            record(enc, &views, out)?;
        } else {
            record(enc, &views, &partial)?;
            add::add_assign(gpu, enc, out, &partial)?;
        }
    }
    Ok(())
}

/// Checks that `t` has exactly `want` as shape.
pub(crate) fn expect_shape(op: &'static str, name: &str, t: &Tensor, want: &[usize]) -> Result<()> {
    if t.shape() != want {
        return Err(Error::Shape { op, detail: format!("{} must have shape {:?}", name, want), shapes: fmt_shapes(&[t.shape()]) });
    }
    Ok(())
}

/// Checks that `t` is 4-D and returns (N, C, H, W).
pub(crate) fn nchw(op: &'static str, name: &str, t: &Tensor) -> Result<[usize; 4]> {
    match t.shape() {
        &[n, c, h, w] => Ok([n, c, h, w]),
        s => Err(Error::Shape { op, detail: format!("{} must be 4-D (N, C, H, W)", name), shapes: fmt_shapes(&[s]) }),
    }
}

/// u32 conversion with a clear error for sizes a shader cannot index.
pub(crate) fn u32_of(op: &'static str, what: &str, v: usize) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::InvalidArgument { op, detail: format!("{} = {} does not fit in u32", what, v) })
}
