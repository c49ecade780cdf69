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
            "conv2d_backward_weight_subgroup_aligned"
        ],
        true
    ),
    shader!(
        "conv_transpose2d_subgroup",
        conv_transpose2d::ConvTranspose2dParams,
        ["conv_transpose2d_forward_subgroup", "conv_transpose2d_backward_input_subgroup", "conv_transpose2d_backward_weight_subgroup"],
        true
    ),
    shader!("reduce", reduce::ReduceParams, ["sum_per_channel"]),
    shader!(
        "conv_transpose2d",
        conv_transpose2d::ConvTranspose2dParams,
        ["conv_transpose2d_forward", "conv_transpose2d_backward_input", "conv_transpose2d_backward_weight"]
    ),
    shader!("relu", relu::ReluParams, ["relu_forward", "relu_backward"]),
    shader!(
        "batch_norm",
        batch_norm::BatchNormParams,
        ["batch_norm_stats", "batch_norm_normalize", "batch_norm_infer", "batch_norm_backward_reduce", "batch_norm_backward_input"]
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
    shader!("adam", adam::AdamParams, ["adam_step"]),
    shader!("add", add::AddParams, ["add_assign"]),
    shader!("metrics", metrics::MetricsParams, ["argmax_channels", "confusion_accumulate"]),
];

/// Storage bindings of the widest entry point (batch_norm_backward_input); the WebGPU default.
pub const MIN_STORAGE_BUFFERS: u32 = 8;

/// Size of one parameter slot in the uniform arena (every `Params` struct must fit).
const PARAM_SLOT: u64 = 256;
/// Bytes per arena chunk (one uniform buffer).
const ARENA_CHUNK: u64 = 64 * 1024;

/// All pipelines, plus the arena of uniform parameter slots.
pub struct Kernels {
    pipelines: HashMap<&'static str, wgpu::ComputePipeline>,
    arena: Mutex<ParamArena>,
    slot: u64,
    /// Whether the subgroup variants were built (and are used).
    pub subgroups: bool,
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
    pub(crate) fn new(device: &wgpu::Device, features: wgpu::Features, min_subgroup: u32) -> Result<Self> {
        // Subgroup variants need subgroups of at least 8 invocations (they share 8 channels'
        // values per subgroup); `min_subgroup = 0` requests the portable kernels only.
        let subgroups = features.contains(wgpu::Features::SUBGROUP) && min_subgroup >= 8;
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
        for shader in SHADERS.iter().filter(|s| subgroups || !s.needs_subgroups) {
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
        Ok(Self { pipelines, arena: Mutex::new(ParamArena::default()), slot: PARAM_SLOT.max(align), subgroups })
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
    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(entry), timestamp_writes: None });
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
