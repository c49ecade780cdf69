//! The device layer's pipeline cache: every shader lungseg ships ([`SHADERS`]), compiled once
//! per device, what naga reads from each entry point (workgroup size, written bindings), and
//! `launch`, which binds tensors and records one dispatch into an [`Encoder`]. The kernel
//! launchers (`crate::kernels`) sit above this layer; nothing here knows what a kernel computes.

use crate::encoder::Encoder;
use crate::error::{fmt_shapes, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;
use std::collections::HashMap;
use std::sync::Mutex;

/// A shader file: its name (file stem), WGSL source (with its prelude in front, if it names one),
/// and entry points.
pub struct ShaderSource {
    pub name: &'static str,
    pub source: &'static str,
    pub entry_points: &'static [&'static str],
    /// Uses subgroup built-ins: built only on devices with `Features::SUBGROUP` and subgroups of
    /// at least 8 invocations; the portable entry points cover every other device.
    pub needs_subgroups: bool,
}

/// Shared WGSL helpers, by name: a shader whose first line is `// prelude: NAME [NAME…]` gets
/// `shaders/prelude/NAME.wgsl` for each name, in that order, in front of it when it is loaded
/// (tests/shaders.rs checks the registry and the files agree).
pub const PRELUDES: &[(&str, &str)] = &[
    ("tree_reduce", include_str!("../shaders/prelude/tree_reduce.wgsl")),
    ("log_softmax", include_str!("../shaders/prelude/log_softmax.wgsl")),
];

macro_rules! shader {
    ($name:literal, prelude [$($prelude:literal),+], [$($entry:literal),* $(,)?]) => {
        ShaderSource {
            name: $name,
            source: concat!(
                $(include_str!(concat!("../shaders/prelude/", $prelude, ".wgsl")),)+
                include_str!(concat!("../shaders/", $name, ".wgsl"))
            ),
            entry_points: &[$($entry),*],
            needs_subgroups: false,
        }
    };
    ($name:literal, [$($entry:literal),* $(,)?]) => {
        shader!($name, [$($entry),*], false)
    };
    ($name:literal, [$($entry:literal),* $(,)?], $sub:expr) => {
        ShaderSource {
            name: $name,
            source: include_str!(concat!("../shaders/", $name, ".wgsl")),
            entry_points: &[$($entry),*],
            needs_subgroups: $sub,
        }
    };
}

/// Every shader lungseg ships, with its entry points. Tests validate each with naga.
pub const SHADERS: &[ShaderSource] = &[
    shader!(
        "conv2d",
        [
            "conv2d_forward",
            "conv2d_backward_input",
            "conv2d_backward_weight",
            "conv2d_backward_weight_aligned",
            "conv2d_forward_1x1",
            "conv2d_backward_input_1x1",
            "conv2d_backward_weight_1x1",
            "conv2d_backward_weight_1x1_aligned"
        ]
    ),
    shader!(
        "conv2d_subgroup",
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
            "conv2d_backward_weight_subgroup16_aligned",
            "conv2d_forward_subgroup32_aligned",
            "conv2d_backward_input_subgroup32_aligned",
            "conv2d_backward_weight_subgroup32_aligned",
            "conv2d_pack_weights"
        ],
        true
    ),
    shader!(
        "conv_transpose2d_subgroup",
        [
            "conv_transpose2d_forward_subgroup",
            "conv_transpose2d_backward_input_subgroup",
            "conv_transpose2d_backward_weight_subgroup",
            "conv_transpose2d_forward_subgroup_aligned",
            "conv_transpose2d_backward_input_subgroup_aligned",
            "conv_transpose2d_backward_weight_subgroup_aligned",
            "conv_transpose2d_forward_subgroup16x2_aligned",
            "conv_transpose2d_backward_input_subgroup32x2_aligned",
            "conv_transpose2d_backward_weight_subgroup64_aligned"
        ],
        true
    ),
    shader!("reduce", ["sum_per_channel", "sum_splits", "sum_splits_masked", "sum_per_channel4", "sum_per_channel4_lanes"]),
    shader!("conv_transpose2d", ["conv_transpose2d_forward", "conv_transpose2d_backward_input", "conv_transpose2d_backward_weight"]),
    shader!("relu", ["relu_forward", "relu_backward", "relu_forward4", "relu_backward4"]),
    shader!("peak", ["peak_multiply_add"]),
    shader!(
        "batch_norm",
        prelude["tree_reduce"],
        [
            "batch_norm_stats",
            "batch_norm_normalize",
            "batch_norm_infer",
            "batch_norm_backward_reduce",
            "batch_norm_backward_input",
            "batch_norm_stats_partial",
            "batch_norm_stats_merge",
            "batch_norm_backward_reduce_partial",
            "batch_norm_backward_reduce_merge",
            "batch_norm_frozen_stats",
            "batch_norm_stats4",
            "batch_norm_backward_reduce4",
            "batch_norm_normalize4",
            "batch_norm_infer4",
            "batch_norm_backward_input4",
            "batch_norm_stats_partial4_lanes",
            "batch_norm_backward_reduce_partial4_lanes",
            "batch_norm_relu_backward_reduce",
            "batch_norm_relu_backward_reduce4",
            "batch_norm_relu_backward_reduce_partial",
            "batch_norm_relu_backward_reduce_partial4_lanes"
        ]
    ),
    shader!(
        "max_pool",
        [
            "max_pool2d_forward",
            "max_pool2d_backward",
            "max_unpool2d_forward",
            "max_unpool2d_backward",
            "max_pool2d_forward4",
            "max_pool2d_backward4",
            "max_unpool2d_forward4"
        ]
    ),
    shader!("concat", ["concat_forward", "concat_backward", "concat_forward4", "concat_backward4"]),
    shader!("dropout", ["dropout_forward", "dropout_backward", "dropout_forward4", "dropout_backward4"]),
    shader!("cross_entropy", prelude ["tree_reduce", "log_softmax"], ["cross_entropy_partials", "cross_entropy_finish", "cross_entropy_backward"]),
    shader!("dice", prelude["log_softmax"], ["dice_partials", "dice_finish", "dice_backward"]),
    shader!("adam", ["adam_step"]),
    shader!("ema", ["ema_update"]),
    shader!("add", ["add_assign", "add_assign4"]),
    shader!("metrics", ["argmax_channels", "confusion_accumulate", "softmax_channels"]),
];

/// The WGSL a device compiles. In a browser the WGSL goes to the browser's own compiler (Tint in
/// Chrome), which requires the `enable subgroups;` directive that naga 30 refuses; so it is
/// added there only, after naga has read the file.
fn device_source(shader: &ShaderSource) -> std::borrow::Cow<'static, str> {
    #[cfg(target_arch = "wasm32")]
    if shader.needs_subgroups {
        return format!("enable subgroups;\n{}", shader.source).into();
    }
    shader.source.into()
}

/// Storage bindings of the widest entry point (batch_norm_backward_input); the WebGPU default.
pub const MIN_STORAGE_BUFFERS: u32 = 8;

/// Every pipeline of a device, with what naga read from the WGSL, plus the optional dispatch
/// recording and profile.
pub(crate) struct Pipelines {
    pipelines: HashMap<&'static str, wgpu::ComputePipeline>,
    /// Invocations per workgroup of every entry point (read from the WGSL by naga).
    workgroup_sizes: HashMap<&'static str, u32>,
    /// Bindings each entry point writes (the `read_write` storage it uses, from its layout).
    writable: HashMap<&'static str, Vec<u32>>,
    /// Storage bindings each entry point uses, ascending (its layout: a launch must bind exactly
    /// these).
    storage_bindings: HashMap<&'static str, Vec<u32>>,
    /// Bind-group layout of every entry point: its parameters (binding 0) at a dynamic offset,
    /// so one bind group serves every dispatch over the same tensors, whatever slot its
    /// parameters take.
    layouts: HashMap<&'static str, wgpu::BindGroupLayout>,
    /// Bind groups already built, by what they bind ([`BindKey`]).
    bind_groups: Mutex<BindGroupCache>,
    /// Dispatches recorded while a recording is open ([`Gpu::record_dispatches`]).
    recording: Mutex<Option<Vec<Dispatch>>>,
    /// Timestamp queries of every pass while a profile is open ([`Gpu::profile`]).
    profiler: Mutex<Option<crate::profile::Recorder>>,
}

impl Pipelines {
    /// Compiles every shader (the subgroup ones only with `subgroups`), inside a validation
    /// error scope so a driver's refusal is an [`Error::Wgpu`] naming the file.
    pub(crate) async fn new(device: &wgpu::Device, subgroups: bool) -> Result<Self> {
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
        let mut storage_bindings = HashMap::new();
        let mut layouts = HashMap::new();
        let mut pipeline_layouts = HashMap::new();
        for shader in SHADERS.iter().filter(|s| subgroups || !s.needs_subgroups) {
            // The layouts too are created inside the scope: a device's refusal is an error here,
            // not a panic in wgpu's default handler.
            let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
            for Reflected { entry, invocations, bindings } in reflect(shader)? {
                workgroup_sizes.insert(entry, invocations);
                let written = bindings.iter().filter(|(_, kind)| *kind == BindingKind::Storage { read_only: false }).map(|&(b, _)| b);
                writable.insert(entry, written.collect());
                let mut used: Vec<u32> = bindings.iter().filter(|(_, kind)| *kind != BindingKind::Params).map(|&(b, _)| b).collect();
                used.sort_unstable();
                storage_bindings.insert(entry, used);
                let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some(entry),
                    entries: &bindings
                        .iter()
                        .map(|&(binding, ty)| wgpu::BindGroupLayoutEntry {
                            binding,
                            visibility: wgpu::ShaderStages::COMPUTE,
                            ty: match ty {
                                BindingKind::Params => wgpu::BindingType::Buffer {
                                    ty: wgpu::BufferBindingType::Uniform,
                                    has_dynamic_offset: true,
                                    min_binding_size: None,
                                },
                                BindingKind::Storage { read_only } => wgpu::BindingType::Buffer {
                                    ty: wgpu::BufferBindingType::Storage { read_only },
                                    has_dynamic_offset: false,
                                    min_binding_size: None,
                                },
                            },
                            count: None,
                        })
                        .collect::<Vec<_>>(),
                });
                pipeline_layouts.insert(
                    entry,
                    device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                        label: Some(entry),
                        bind_group_layouts: &[Some(&layout)],
                        immediate_size: 0,
                    }),
                );
                layouts.insert(entry, layout);
            }
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(shader.name),
                source: wgpu::ShaderSource::Wgsl(device_source(shader)),
            });
            for &entry in shader.entry_points {
                let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry),
                    layout: Some(&pipeline_layouts[entry]),
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
            if let Some(err) = scope.pop().await {
                return Err(Error::Wgpu { during: format!("building shaders/{}.wgsl", shader.name), message: err.to_string() });
            }
        }
        Ok(Self {
            pipelines,
            workgroup_sizes,
            writable,
            storage_bindings,
            layouts,
            bind_groups: Mutex::new(BindGroupCache::default()),
            recording: Mutex::new(None),
            profiler: Mutex::new(None),
        })
    }

    /// Opens (`Some`) or closes (`None`) a profile; returns the one that was open.
    pub(crate) fn set_profiler(&self, recorder: Option<crate::profile::Recorder>) -> Option<crate::profile::Recorder> {
        std::mem::replace(&mut *self.profiler.lock().unwrap_or_else(|p| p.into_inner()), recorder)
    }

    /// Bind groups built since the device was opened: steady once every step finds its own.
    pub(crate) fn bind_groups_built(&self) -> u64 {
        self.bind_groups.lock().unwrap_or_else(|p| p.into_inner()).built
    }

    /// Drops the cached bind groups that bind `buffer`, and with them their references to it
    /// (called when a buffer outside the pool is replaced, so that it is freed now).
    pub(crate) fn forget_bind_groups_of(&self, buffer: &wgpu::Buffer) {
        self.bind_groups.lock().unwrap_or_else(|p| p.into_inner()).groups.retain(|k, _| !k.storage.iter().any(|s| &s.1 == buffer));
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
}

/// One recorded dispatch: what [`Gpu::record_dispatches`] returns, for benchmarks and for the
/// tests that check how a kernel family lays out work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatch {
    pub entry: &'static str,
    pub workgroups: u64,
    pub workgroup_size: u32,
}

/// How an entry point uses one binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BindingKind {
    /// The `Params` uniform (binding 0).
    Params,
    /// A storage buffer, `read` or `read_write` as the WGSL declares it.
    Storage { read_only: bool },
}

/// What the launcher needs to know of one entry point, from naga's parse and analysis of its
/// WGSL.
struct Reflected {
    entry: &'static str,
    /// Invocations per workgroup.
    invocations: u32,
    /// The bindings this entry point uses, in binding order: its bind-group layout.
    bindings: Vec<(u32, BindingKind)>,
}

fn reflect(shader: &ShaderSource) -> Result<Vec<Reflected>> {
    let during = || format!("parsing shaders/{}.wgsl", shader.name);
    let module = naga::front::wgsl::parse_str(shader.source)
        .map_err(|e| Error::Wgpu { during: during(), message: e.emit_to_string(shader.source) })?;
    // The analysis says which globals each entry point reaches (through any helper function).
    let info = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&module)
        .map_err(|e| Error::Wgpu { during: during(), message: e.emit_to_string(shader.source) })?;
    shader
        .entry_points
        .iter()
        .map(|&entry| {
            let (index, ep) = module.entry_points.iter().enumerate().find(|(_, e)| e.name == entry).ok_or_else(|| Error::Wgpu {
                during: during(),
                message: format!("entry point `{entry}` is registered in SHADERS but not in the WGSL"),
            })?;
            let uses = info.get_entry_point(index);
            let mut bindings: Vec<(u32, BindingKind)> = module
                .global_variables
                .iter()
                .filter(|&(handle, _)| !uses[handle].is_empty())
                .filter_map(|(_, v)| {
                    let kind = match v.space {
                        naga::AddressSpace::Uniform => BindingKind::Params,
                        naga::AddressSpace::Storage { access } => {
                            BindingKind::Storage { read_only: !access.contains(naga::StorageAccess::STORE) }
                        }
                        _ => return None,
                    };
                    Some((v.binding.as_ref()?.binding, kind))
                })
                .collect();
            bindings.sort_by_key(|&(b, _)| b);
            bindings.dedup_by_key(|&mut (b, _)| b);
            Ok(Reflected { entry, invocations: ep.workgroup_size.iter().product(), bindings })
        })
        .collect()
}

/// What one bind group binds: the entry point, the parameter chunk and the size of its
/// parameters, and every storage binding's (binding, buffer, offset, size).
#[derive(Clone, PartialEq, Eq, Hash)]
struct BindKey {
    entry: &'static str,
    params: wgpu::Buffer,
    params_bytes: u64,
    storage: Vec<(u32, wgpu::Buffer, u64, u64)>,
}

/// Bind groups by what they bind. A training step binds the same pooled buffers in the same
/// order every iteration, so once the pool has settled every dispatch finds its bind group here
/// instead of building one. Bounded: past [`BindGroupCache::CAPACITY`] groups it starts again
/// (a host binding ever-new tensors cannot grow it without limit).
#[derive(Default)]
struct BindGroupCache {
    groups: HashMap<BindKey, wgpu::BindGroup>,
    /// Bind groups built since the device was opened (a miss each).
    built: u64,
}

impl BindGroupCache {
    const CAPACITY: usize = 4096;
}

/// Records one dispatch of `entry` with `params` at binding 0 and each `(binding, tensor)` of
/// `storage` (only the bindings the entry point uses: pipeline layouts are derived per entry).
/// `workgroups` is the linear number of workgroups; above the per-dimension limit it is folded
/// into 2-D (shaders linearise `workgroup_id.x + workgroup_id.y * num_workgroups.x` and
/// bounds-check).
pub(crate) fn launch<P: bytemuck::Pod>(
    gpu: &Gpu,
    enc: &mut Encoder,
    entry: &'static str,
    params: &P,
    storage: &[(u32, &Tensor)],
    workgroups: u64,
) -> Result<()> {
    if workgroups == 0 {
        return Ok(());
    }
    let pipes = &gpu.pipelines;
    let pipeline = pipes.pipelines.get(entry).expect("every entry point is registered in SHADERS");
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
    // A binding larger than the device allows would be a wgpu validation error (a panic under its
    // default handler): the launchers cut tensors past the limit into chunks, so reaching this is
    // an op that cannot be chunked, reported with its shapes.
    let limit = gpu.max_binding_bytes();
    if let Some((_, t)) = storage.iter().find(|(_, t)| t.bytes() > limit) {
        return Err(Error::Limit {
            op: entry,
            what: format!("binding a tensor of {:?} ({} bytes)", t.shape(), t.bytes()),
            needed: t.bytes(),
            limit_name: "max_storage_buffer_binding_size",
            limit,
            shapes: fmt_shapes(&storage.iter().map(|(_, t)| t.shape()).collect::<Vec<_>>()),
        });
    }
    // One buffer bound read-only in one binding and writable in another is a usage conflict that
    // wgpu reports as a device error (a panic under its default handler); two writable bindings
    // whose ranges overlap would race. Refuse both here, naming the op and the shapes. (Disjoint
    // writable views of one buffer, such as running mean and variance in the flat buffer of a
    // model's statistics, are fine.)
    let written = pipes.writable.get(entry).map(Vec::as_slice).unwrap_or(&[]);
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
    if let Some(r) = pipes.recording.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        r.push(Dispatch { entry, workgroups, workgroup_size: pipes.workgroup_sizes.get(entry).copied().unwrap_or(0) });
    }
    // The parameters go into a slot owned by this encoder until it is submitted; the bind group
    // binds the slot's chunk at a dynamic offset, so it can be reused by the next step's dispatch
    // over the same tensors.
    let (pbuf, poff) = enc.param_slot(bytemuck::bytes_of(params));
    let params_bytes = std::mem::size_of::<P>() as u64;
    let key = BindKey {
        entry,
        params: pbuf,
        params_bytes,
        storage: storage
            .iter()
            // Rounded up to 16 bytes so the same tensor can also be read as array<vec4<f32>>;
            // pooled buffers are allocated in 256-byte multiples, so this stays inside.
            .map(|&(binding, t)| {
                (binding, t.buffer().clone(), t.offset(), (t.bytes().div_ceil(16).max(1) * 16).min(t.buffer().size() - t.offset()))
            })
            .collect(),
    };
    let bind_group = {
        let mut cache = pipes.bind_groups.lock().unwrap_or_else(|p| p.into_inner());
        match cache.groups.get(&key) {
            Some(group) => group.clone(),
            None => {
                // Binding other than what the entry point's layout holds would be a wgpu
                // validation error (a panic under its default handler): a launcher bug, reported
                // as an error naming both. Checked where a bind group is built: a cached one
                // passed it already.
                let mut given: Vec<u32> = key.storage.iter().map(|s| s.0).collect();
                given.sort_unstable();
                let expected = pipes.storage_bindings.get(entry).map(Vec::as_slice).unwrap_or(&[]);
                if given != expected {
                    return Err(Error::InvalidArgument {
                        op: entry,
                        detail: format!("the launcher binds storage bindings {given:?}, but the entry point uses {expected:?}"),
                    });
                }
                let mut entries = vec![wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &key.params,
                        offset: 0,
                        size: wgpu::BufferSize::new(params_bytes),
                    }),
                }];
                for (binding, buffer, offset, size) in &key.storage {
                    entries.push(wgpu::BindGroupEntry {
                        binding: *binding,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer,
                            offset: *offset,
                            size: wgpu::BufferSize::new(*size),
                        }),
                    });
                }
                let group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(entry),
                    layout: &pipes.layouts[entry],
                    entries: &entries,
                });
                if cache.groups.len() >= BindGroupCache::CAPACITY {
                    cache.groups.clear();
                }
                cache.built += 1;
                cache.groups.insert(key, group.clone());
                group
            }
        }
    };
    let timed = pipes.profiler.lock().unwrap_or_else(|p| p.into_inner()).as_mut().and_then(|r| Some((r.query_set.clone(), r.next(entry)?)));
    // Consecutive launches share one compute pass; a profiled dispatch gets a pass of its own,
    // whose timestamps bracket it alone.
    let mut own;
    let pass = match &timed {
        None => enc.shared_pass(),
        Some((query_set, i)) => {
            own = enc
                .begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(entry),
                    timestamp_writes: Some(wgpu::ComputePassTimestampWrites {
                        query_set,
                        beginning_of_pass_write_index: Some(*i),
                        end_of_pass_write_index: Some(*i + 1),
                    }),
                })
                .forget_lifetime();
            &mut own
        }
    };
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, &bind_group, &[poff as u32]);
    pass.dispatch_workgroups(x as u32, y as u32, 1);
    Ok(())
}
