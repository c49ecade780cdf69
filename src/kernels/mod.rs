//! Compute pipelines and the launchers that encode them. One launcher module per shader file.
//!
//! Every shader is a plain WGSL file in `shaders/` (listed in [`SHADERS`]); shapes reach it through
//! a uniform `struct Params` mirrored by a `#[repr(C)]` [`bytemuck::Pod`] struct in the launcher.
//! Pipelines are built once, when the [`Gpu`] is created; launchers only write a few bytes of
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
pub mod max_pool;
pub mod metrics;
pub mod reduce;
pub mod relu;

use crate::error::{fmt_shapes, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;
use std::collections::HashMap;
use std::sync::Mutex;

/// A shader file: its name (file stem), WGSL source, and entry points.
pub struct ShaderSource {
    pub name: &'static str,
    pub source: &'static str,
    pub entry_points: &'static [&'static str],
    /// Uses subgroup built-ins: built only on devices with `Features::SUBGROUP` and subgroups of
    /// at least 8 invocations; the portable entry points cover every other device.
    pub needs_subgroups: bool,
    /// `size_of` the Rust mirror of the shader's `struct Params` (checked against naga's layout).
    pub params_size: usize,
}

macro_rules! shader {
    ($name:literal, $params:ty, [$($entry:literal),* $(,)?]) => {
        shader!($name, $params, [$($entry),*], false)
    };
    ($name:literal, $params:ty, [$($entry:literal),* $(,)?], $sub:expr) => {
        ShaderSource {
            name: $name,
            source: include_str!(concat!("../../shaders/", $name, ".wgsl")),
            entry_points: &[$($entry),*],
            needs_subgroups: $sub,
            params_size: std::mem::size_of::<$params>(),
        }
    };
}

/// Every shader lungseg ships, with its entry points. Tests validate each with naga.
pub const SHADERS: &[ShaderSource] = &[
    shader!("conv2d", conv2d::Conv2dParams, ["conv2d_forward", "conv2d_backward_input", "conv2d_backward_weight"]),
    shader!(
        "conv2d_subgroup",
        conv2d::Conv2dParams,
        [
            "conv2d_forward_subgroup",
            "conv2d_backward_input_subgroup",
            "conv2d_backward_weight_subgroup",
            "conv2d_forward_subgroup_aligned",
            "conv2d_backward_input_subgroup_aligned",
            "conv2d_backward_weight_subgroup_aligned",
            "conv2d_forward_subgroup16",
            "conv2d_backward_input_subgroup16",
            "conv2d_forward_subgroup16_aligned",
            "conv2d_backward_input_subgroup16_aligned",
            "conv2d_backward_weight_subgroup16",
            "conv2d_backward_weight_subgroup16_aligned"
        ],
        true
    ),
    shader!(
        "conv_transpose2d_subgroup",
        conv_transpose2d::ConvTranspose2dParams,
        ["conv_transpose2d_forward_subgroup", "conv_transpose2d_backward_input_subgroup", "conv_transpose2d_backward_weight_subgroup"],
        true
    ),
    shader!("reduce", reduce::ReduceParams, ["sum_per_channel", "sum_splits"]),
    shader!(
        "conv_transpose2d",
        conv_transpose2d::ConvTranspose2dParams,
        ["conv_transpose2d_forward", "conv_transpose2d_backward_input", "conv_transpose2d_backward_weight"]
    ),
    shader!("relu", relu::ReluParams, ["relu_forward", "relu_backward"]),
    shader!(
        "batch_norm",
        batch_norm::BatchNormParams,
        [
            "batch_norm_stats",
            "batch_norm_normalize",
            "batch_norm_infer",
            "batch_norm_backward_reduce",
            "batch_norm_backward_input",
            "batch_norm_stats_partial",
            "batch_norm_stats_merge",
            "batch_norm_backward_reduce_partial",
            "batch_norm_backward_reduce_merge"
        ]
    ),
    shader!(
        "max_pool",
        max_pool::MaxPoolParams,
        ["max_pool2d_forward", "max_pool2d_backward", "max_unpool2d_forward", "max_unpool2d_backward"]
    ),
    shader!("concat", concat::ConcatParams, ["concat_forward", "concat_backward"]),
    shader!("dropout", dropout::DropoutParams, ["dropout_forward", "dropout_backward"]),
    shader!(
        "cross_entropy",
        cross_entropy::CrossEntropyParams,
        ["cross_entropy_partials", "cross_entropy_finish", "cross_entropy_backward"]
    ),
    shader!("dice", dice::DiceParams, ["dice_partials", "dice_finish", "dice_backward"]),
    shader!("adam", adam::AdamParams, ["adam_step"]),
    shader!("add", add::AddParams, ["add_assign"]),
    shader!("metrics", metrics::MetricsParams, ["argmax_channels", "confusion_accumulate", "softmax_channels"]),
];

/// Storage bindings of the widest entry point (batch_norm_backward_input); the WebGPU default.
pub const MIN_STORAGE_BUFFERS: u32 = 8;

/// Size of one parameter slot in the uniform arena (every `Params` struct must fit).
const PARAM_SLOT: u64 = 256;
/// Bytes per arena chunk (one uniform buffer).
const ARENA_CHUNK: u64 = 64 * 1024;

/// Which kernel layouts run on a device: `--kernels` / `LUNGSEG_KERNELS` on the command line.
///
/// The same math in every family (each is checked against the CPU references by `lungseg
/// selftest` and the tests); they differ in how the work is laid out on the device:
/// * `Cpu` — for CPU drivers (lavapipe): register-blocked subgroup kernels, reductions split into
///   only as many workgroups as a CPU has threads to fill. Needs subgroups of ≥ 8 invocations.
/// * `Gpu` — for discrete and integrated GPUs: the subgroup forward / backward-input kernels where
///   the device has subgroups, and every reduction over N·H·W (weight gradients, bias sums,
///   batch-norm statistics and backward) split across thousands of workgroups (aiming at
///   [`GPU_MIN_WORKGROUPS`]; rounding the chunk length up can leave fewer, and a reduction shorter
///   than that many chunks gets one chunk per stride) with partial sums added in a fixed order —
///   deterministic, no atomics.
/// * `Portable` — no subgroup operations at all (WebGPU without `subgroups`, GL), reductions split
///   as for the device type.
/// * `Auto` — `Cpu` on a CPU adapter with subgroups, `Gpu` on any other adapter with subgroups,
///   else `Portable`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KernelFamily {
    #[default]
    Auto,
    Cpu,
    Gpu,
    Portable,
}

impl KernelFamily {
    pub const NAMES: &'static str = "auto, cpu, gpu, portable";

    pub fn name(self) -> &'static str {
        match self {
            KernelFamily::Auto => "auto",
            KernelFamily::Cpu => "cpu",
            KernelFamily::Gpu => "gpu",
            KernelFamily::Portable => "portable",
        }
    }
}

impl std::fmt::Display for KernelFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for KernelFamily {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(KernelFamily::Auto),
            "cpu" => Ok(KernelFamily::Cpu),
            "gpu" => Ok(KernelFamily::Gpu),
            "portable" => Ok(KernelFamily::Portable),
            other => Err(Error::InvalidArgument {
                op: "kernel family",
                detail: format!("unknown kernel family {other:?}; expected one of {}", KernelFamily::NAMES),
            }),
        }
    }
}

/// The `Gpu` family splits every N·H·W reduction aiming at this many workgroups (where the
/// reduction is long enough): enough to give each multiprocessor of a 100+-SM GPU several.
pub const GPU_MIN_WORKGROUPS: u64 = 4096;
/// The `Cpu` family's target: a few workgroups per CPU thread, so that threads stay balanced.
const CPU_MIN_WORKGROUPS: u64 = 64;
/// No split is shorter than this many reduction items (so that a partial is worth writing): on a
/// CPU a few dozen items amortise a workgroup's start; on a GPU one item (one stride of a
/// workgroup's invocations) is enough, since the partials are read back only once.
const CPU_MIN_ITEMS_PER_SPLIT: u64 = 16;
const GPU_MIN_ITEMS_PER_SPLIT: u64 = 1;

/// All pipelines, plus the arena of uniform parameter slots.
pub struct Kernels {
    pipelines: HashMap<&'static str, wgpu::ComputePipeline>,
    arena: Mutex<ParamArena>,
    slot: u64,
    /// Whether the subgroup variants were built (and are used).
    pub subgroups: bool,
    /// The family in use (never `Auto`: resolved from the device at creation).
    pub family: KernelFamily,
    /// Whether the device is a CPU (reductions are split less there).
    cpu_device: bool,
    /// Scratch for split reductions (see [`Kernels::scratch`]).
    scratch: Mutex<Option<Tensor>>,
    /// Workgroups a split reduction aims for; 0 = the family's default ([`Gpu::set_reduction_workgroups`]).
    split_target: std::sync::atomic::AtomicU64,
    /// Invocations per workgroup of every entry point (read from the WGSL by naga).
    workgroup_sizes: HashMap<&'static str, u32>,
    /// Bindings each entry point may write (`read_write` storage, read from the WGSL by naga).
    writable: HashMap<&'static str, Vec<u32>>,
    /// Dispatches recorded while a recording is open ([`Gpu::record_dispatches`]).
    recording: Mutex<Option<Vec<Dispatch>>>,
    /// Timestamp queries of every pass while a profile is open ([`Gpu::profile`]).
    profiler: Mutex<Option<crate::profile::Recorder>>,
}

/// One recorded dispatch: what [`Gpu::record_dispatches`] returns, for benchmarks and for the
/// tests that check how a kernel family lays out work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatch {
    pub entry: &'static str,
    pub workgroups: u64,
    pub workgroup_size: u32,
}

/// What the launcher needs to know of each entry point of `shader`, from naga's parse of its WGSL:
/// (entry, invocations per workgroup, the bindings it may write — `read_write` storage).
fn reflect(shader: &ShaderSource) -> Result<Vec<(&'static str, u32, Vec<u32>)>> {
    let module = naga::front::wgsl::parse_str(shader.source)
        .map_err(|e| Error::Wgpu { during: format!("parsing shaders/{}.wgsl", shader.name), message: e.emit_to_string(shader.source) })?;
    let writable: Vec<u32> = module
        .global_variables
        .iter()
        .filter(|(_, v)| matches!(v.space, naga::AddressSpace::Storage { access } if access.contains(naga::StorageAccess::STORE)))
        .filter_map(|(_, v)| v.binding.as_ref().map(|b| b.binding))
        .collect();
    Ok(shader
        .entry_points
        .iter()
        .filter_map(|&entry| {
            module.entry_points.iter().find(|e| e.name == entry).map(|e| (entry, e.workgroup_size.iter().product(), writable.clone()))
        })
        .collect())
}

/// A ring of uniform slots. Slots are handed out round-robin and written with
/// `queue.write_buffer`, which the queue applies just before the next submit. A slot is reused only
/// after the ring wraps, and the ring grows whenever more dispatches are recorded between two
/// [`Gpu::submit`] calls than it holds, so a slot is never overwritten before the commands that
/// read it have been submitted.
#[derive(Default)]
struct ParamArena {
    chunks: Vec<wgpu::Buffer>,
    cursor: u64,
    pending: u64,
}

impl Kernels {
    pub(crate) fn new(device: &wgpu::Device, features: wgpu::Features, info: &wgpu::AdapterInfo, requested: KernelFamily) -> Result<Self> {
        // Subgroup variants need subgroups of at least 8 invocations (they share 8 channels'
        // values per subgroup, and the weight-gradient kernels are one 8-invocation subgroup per
        // workgroup). Wider subgroups are fine: no kernel derives a subgroup index from the local
        // invocation index, and broadcasts only read lanes 0..7.
        let has_subgroups = features.contains(wgpu::Features::SUBGROUP) && info.subgroup_min_size >= 8;
        let cpu_device = info.device_type == wgpu::DeviceType::Cpu;
        let family = match requested {
            KernelFamily::Auto if has_subgroups && cpu_device => KernelFamily::Cpu,
            KernelFamily::Auto if has_subgroups => KernelFamily::Gpu,
            KernelFamily::Auto => KernelFamily::Portable,
            KernelFamily::Cpu if !has_subgroups => {
                return Err(Error::InvalidArgument {
                    op: "kernel family",
                    detail: format!(
                        "the cpu kernel family needs subgroups of at least 8 invocations; {} has {} (subgroup sizes {}..{}): \
                         use --kernels portable or gpu",
                        info.name,
                        if features.contains(wgpu::Features::SUBGROUP) { "subgroups" } else { "no subgroup support" },
                        info.subgroup_min_size,
                        info.subgroup_max_size
                    ),
                })
            }
            f => f,
        };
        let subgroups = has_subgroups && family != KernelFamily::Portable;
        let limits = device.limits();
        if limits.max_storage_buffers_per_shader_stage < MIN_STORAGE_BUFFERS {
            return Err(Error::Limit {
                op: "batch_norm_backward_input",
                what: format!("{MIN_STORAGE_BUFFERS} storage buffers in one compute shader"),
                needed: MIN_STORAGE_BUFFERS as u64,
                limit_name: "max_storage_buffers_per_shader_stage",
                limit: limits.max_storage_buffers_per_shader_stage as u64,
                shapes: "any".into(),
            });
        }
        let mut pipelines = HashMap::new();
        let mut workgroup_sizes = HashMap::new();
        let mut writable = HashMap::new();
        for shader in SHADERS.iter().filter(|s| subgroups || !s.needs_subgroups) {
            for (entry, size, written) in reflect(shader)? {
                workgroup_sizes.insert(entry, size);
                writable.insert(entry, written);
            }
            let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(shader.name),
                source: wgpu::ShaderSource::Wgsl(shader.source.into()),
            });
            for &entry in shader.entry_points {
                let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry),
                    layout: None,
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        // Kernels never read workgroup memory before writing it.
                        zero_initialize_workgroup_memory: false,
                        ..Default::default()
                    },
                    cache: None,
                });
                pipelines.insert(entry, pipeline);
            }
            if let Some(err) = pollster::block_on(scope.pop()) {
                return Err(Error::Wgpu { during: format!("building shaders/{}.wgsl", shader.name), message: err.to_string() });
            }
        }
        let align = device.limits().min_uniform_buffer_offset_alignment as u64;
        Ok(Self {
            pipelines,
            arena: Mutex::new(ParamArena::default()),
            slot: PARAM_SLOT.max(align),
            subgroups,
            family,
            cpu_device,
            scratch: Mutex::new(None),
            split_target: std::sync::atomic::AtomicU64::new(0),
            workgroup_sizes,
            writable,
            recording: Mutex::new(None),
            profiler: Mutex::new(None),
        })
    }

    /// Bytes of the split reductions' scratch buffer (0 until a split reduction has run).
    pub(crate) fn scratch_bytes(&self) -> u64 {
        self.scratch.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map_or(0, |t| t.buffer().size())
    }

    /// Opens (`Some`) or closes (`None`) a profile; returns the one that was open.
    pub(crate) fn set_profiler(&self, recorder: Option<crate::profile::Recorder>) -> Option<crate::profile::Recorder> {
        std::mem::replace(&mut *self.profiler.lock().unwrap_or_else(|p| p.into_inner()), recorder)
    }

    pub(crate) fn set_split_target(&self, workgroups: u64) {
        self.split_target.store(workgroups, std::sync::atomic::Ordering::Relaxed);
    }

    /// Starts (`true`) or ends (`false`) recording dispatches; ending returns what was recorded.
    pub(crate) fn record(&self, on: bool) -> Vec<Dispatch> {
        let mut r = self.recording.lock().unwrap_or_else(|p| p.into_inner());
        let out = r.take().unwrap_or_default();
        if on {
            *r = Some(Vec::new());
        }
        out
    }

    /// Splits of a reduction over `items` of a kernel's work items, whose unsplit dispatch has
    /// `base` workgroups and whose workgroups take `per_step` items per step of their loop (1 for a
    /// kernel walking items one at a time, its invocation count for one striding over them):
    /// enough splits for the family's target of workgroups, each at least `MIN_ITEMS_PER_SPLIT`
    /// steps long, and no more than `max_splits` (the scratch that holds one partial per split
    /// must fit in one binding). Returns (splits, items per split), with every split non-empty;
    /// splits = 1 means no scratch.
    pub(crate) fn plan_splits(&self, base: u64, items: u64, per_step: u64, max_splits: u64) -> (u32, u64) {
        let cpu_layout = match self.family {
            KernelFamily::Cpu => true,
            KernelFamily::Gpu => false,
            _ => self.cpu_device,
        };
        let (default_target, min_steps) =
            if cpu_layout { (CPU_MIN_WORKGROUPS, CPU_MIN_ITEMS_PER_SPLIT) } else { (GPU_MIN_WORKGROUPS, GPU_MIN_ITEMS_PER_SPLIT) };
        let target = match self.split_target.load(std::sync::atomic::Ordering::Relaxed) {
            0 => default_target,
            t => t,
        };
        let steps = items.div_ceil(per_step.max(1)).max(1);
        let wanted = target.div_ceil(base.max(1));
        let splits = wanted.min(steps.div_ceil(min_steps)).min(max_splits.max(1)).clamp(1, u32::MAX as u64);
        // Rounding the chunk up can leave trailing splits empty: count only the non-empty ones.
        let chunk = (steps.div_ceil(splits) * per_step.max(1)).min(items.max(1));
        (items.div_ceil(chunk).max(1) as u32, chunk)
    }

    /// Records a split reduction into `out`: with one split, `record` writes `out` itself;
    /// otherwise it writes one partial per split into scratch (split-major, `out.len()` each) and
    /// `sum_splits` adds them into `out` in split order.
    pub(crate) fn split_into(
        &self,
        gpu: &Gpu,
        enc: &mut wgpu::CommandEncoder,
        op: &'static str,
        out: &Tensor,
        splits: u32,
        record: impl FnOnce(&mut wgpu::CommandEncoder, &Tensor) -> Result<()>,
    ) -> Result<()> {
        if splits == 1 {
            return record(enc, out);
        }
        let partials = self.scratch(gpu, op, splits as usize * out.len())?;
        record(enc, &partials)?;
        reduce::sum_splits(gpu, enc, &partials, out, splits)
    }

    /// A scratch tensor of `len` f32 elements for the partial sums of one split reduction. One
    /// buffer per device, grown on demand and never handed to other tensors: every user writes
    /// the part it reads in the same encoder before reading it, so encoders that share it — in any
    /// submission order — never see each other's values.
    pub(crate) fn scratch(&self, gpu: &Gpu, op: &'static str, len: usize) -> Result<Tensor> {
        let mut slot = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_none_or(|t| t.len() < len) {
            *slot = Some(gpu.unpooled_tensor(op, len.next_power_of_two().max(1024).min(gpu.max_binding_bytes() as usize / 4).max(len))?);
        }
        slot.as_ref().expect("just created").prefix(len)
    }

    /// Writes `bytes` into the next slot and returns (buffer, offset).
    fn param_slot(&self, gpu: &Gpu, bytes: &[u8]) -> (wgpu::Buffer, u64) {
        debug_assert!(bytes.len() as u64 <= PARAM_SLOT);
        let mut arena = self.arena.lock().unwrap_or_else(|p| p.into_inner());
        let per_chunk = ARENA_CHUNK / self.slot;
        let capacity = arena.chunks.len() as u64 * per_chunk;
        if arena.pending >= capacity {
            // Every slot is awaiting a submit: grow, continuing in the new chunk.
            arena.chunks.push(gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("lungseg params"),
                size: ARENA_CHUNK,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
            arena.cursor = capacity;
        }
        let capacity = arena.chunks.len() as u64 * per_chunk;
        let index = arena.cursor % capacity;
        arena.cursor = index + 1;
        arena.pending += 1;
        let buffer = arena.chunks[(index / per_chunk) as usize].clone();
        let offset = (index % per_chunk) * self.slot;
        gpu.queue.write_buffer(&buffer, offset, bytes);
        (buffer, offset)
    }

    /// Called after each submit: the slots written so far belong to submitted work.
    pub(crate) fn submitted(&self) {
        self.arena.lock().unwrap_or_else(|p| p.into_inner()).pending = 0;
    }
}

/// Records one dispatch of `entry` with `params` at binding 0 and each `(binding, tensor)` of
/// `storage` (only the bindings the entry point uses: pipeline layouts are derived per entry).
/// `workgroups` is the linear number of workgroups; above the per-dimension limit it is folded
/// into 2-D (shaders linearise `workgroup_id.x + workgroup_id.y * num_workgroups.x` and
/// bounds-check).
pub(crate) fn launch<P: bytemuck::Pod>(
    gpu: &Gpu,
    enc: &mut wgpu::CommandEncoder,
    entry: &'static str,
    params: &P,
    storage: &[(u32, &Tensor)],
    workgroups: u64,
) -> Result<()> {
    if workgroups == 0 {
        return Ok(());
    }
    let kernels = &gpu.kernels;
    let pipeline = kernels.pipelines.get(entry).expect("every entry point is registered in SHADERS");
    let max_dim = gpu.limits().max_compute_workgroups_per_dimension as u64;
    let (x, y) = if workgroups <= max_dim { (workgroups, 1) } else { (max_dim, workgroups.div_ceil(max_dim)) };
    if y > max_dim {
        return Err(Error::Limit {
            op: entry,
            what: format!("{} workgroups", workgroups),
            needed: workgroups,
            limit_name: "max_compute_workgroups_per_dimension²",
            limit: max_dim * max_dim,
            shapes: fmt_shapes(&storage.iter().map(|(_, t)| t.shape()).collect::<Vec<_>>()),
        });
    }
    // One buffer bound read-only in one binding and writable in another is a usage conflict that
    // wgpu reports as a device error (a panic under its default handler); two writable bindings
    // whose ranges overlap would race. Refuse both here, naming the op and the shapes. (Disjoint
    // writable views of one buffer, such as running mean and variance in the flat buffer of a
    // model's statistics, are fine.)
    let written = kernels.writable.get(entry).map(Vec::as_slice).unwrap_or(&[]);
    for (i, &(b, t)) in storage.iter().enumerate() {
        for &(b2, t2) in &storage[i + 1..] {
            if t.buffer() != t2.buffer() {
                continue;
            }
            let (w, w2) = (written.contains(&b), written.contains(&b2));
            let overlap = t.offset() < t2.offset() + t2.bytes().max(4) && t2.offset() < t.offset() + t.bytes().max(4);
            if w != w2 || (w && overlap) {
                return Err(Error::InvalidArgument {
                    op: entry,
                    detail: format!(
                        "the tensors at bindings {b} ({:?}) and {b2} ({:?}) share one GPU buffer and binding {} is written: \
                         an output may not alias another operand; pass a separate output tensor",
                        t.shape(),
                        t2.shape(),
                        if w { b } else { b2 }
                    ),
                });
            }
        }
    }
    if let Some(r) = kernels.recording.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        r.push(Dispatch { entry, workgroups, workgroup_size: kernels.workgroup_sizes.get(entry).copied().unwrap_or(0) });
    }
    let (pbuf, poff) = kernels.param_slot(gpu, bytemuck::bytes_of(params));
    let mut entries = vec![wgpu::BindGroupEntry {
        binding: 0,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &pbuf,
            offset: poff,
            size: wgpu::BufferSize::new(std::mem::size_of::<P>() as u64),
        }),
    }];
    for &(binding, t) in storage {
        entries.push(wgpu::BindGroupEntry {
            binding,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: t.buffer(),
                offset: t.offset(),
                // Rounded up to 16 bytes so the same tensor can also be read as array<vec4<f32>>;
                // pooled buffers are allocated in 256-byte multiples, so this stays inside.
                size: wgpu::BufferSize::new((t.bytes().div_ceil(16).max(1) * 16).min(t.buffer().size() - t.offset())),
            }),
        });
    }
    let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(entry),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    let timed =
        kernels.profiler.lock().unwrap_or_else(|p| p.into_inner()).as_mut().and_then(|r| Some((r.query_set.clone(), r.next(entry)?)));
    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some(entry),
        timestamp_writes: timed.as_ref().map(|(query_set, i)| wgpu::ComputePassTimestampWrites {
            query_set,
            beginning_of_pass_write_index: Some(*i),
            end_of_pass_write_index: Some(*i + 1),
        }),
    });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, &bind_group, &[]);
    pass.dispatch_workgroups(x as u32, y as u32, 1);
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
