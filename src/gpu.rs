//! The GPU context: a `wgpu::Device` + `wgpu::Queue`, the device's real limits, every compute
//! pipeline (built once), a buffer pool and a uniform-parameter arena.
//!
//! Two ways in:
//! * [`Gpu::from_device`] — embedding: the host application owns the device and queue. lungseg then
//!   never creates an adapter, never installs an uncaptured-error handler, and reads
//!   `device.limits()` / `device.features()` for every decision.
//! * [`Gpu::headless`] — lungseg picks an adapter itself (by backend and name substring), asking for
//!   the adapter's own limits rather than the WebGPU defaults (128 MiB per storage binding is too
//!   small for a 64-channel 256×256 batch of 12).

use crate::encoder::{ChunkPool, Encoder};
use crate::error::{Error, Result};
use crate::pipelines::Pipelines;
use crate::tensor::{BufferPool, Tensor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Which kernel layouts run on a device: `--kernels` / `LUNGSEG_KERNELS` on the command line.
///
/// The same math in every family (each is checked against the CPU references by `lungseg
/// selftest` and the tests); they differ in how the work is laid out on the device:
/// * `Cpu` — for CPU drivers (lavapipe): register-blocked subgroup kernels, reductions split into
///   only as many workgroups as a CPU has threads to fill. Needs subgroups of ≥ 8 invocations.
/// * `Gpu` — for discrete and integrated GPUs: the subgroup forward / backward-input kernels where
///   the device has subgroups, and every reduction over N·H·W (weight gradients, bias sums,
///   batch-norm statistics and backward) split across thousands of workgroups (aiming at
///   [`crate::kernels::GPU_MIN_WORKGROUPS`]; rounding the chunk length up can leave fewer, and a reduction shorter
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

/// How to pick an adapter when lungseg creates its own device.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// `vulkan`, `gl`, `metal`, `dx12` (comma-separated list allowed). `None`: `WGPU_BACKEND` or all.
    pub backend: Option<String>,
    /// Case-insensitive substring of the adapter name. `None`: `LUNGSEG_ADAPTER` or the best one.
    pub adapter: Option<String>,
    /// Kernel family (see [`KernelFamily`]); `Auto` picks from the adapter. The CLI's
    /// `--kernels` and `LUNGSEG_KERNELS` set it.
    pub kernels: KernelFamily,
}

/// What `lungseg info` prints about one adapter.
#[derive(Clone, Debug)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub subgroup_sizes: (u32, u32),
}

impl AdapterSummary {
    fn from_info(info: &wgpu::AdapterInfo) -> Self {
        Self {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
            subgroup_sizes: (info.subgroup_min_size, info.subgroup_max_size),
        }
    }
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}, {}, driver: {})", self.name, self.backend, self.device_type, self.driver)
    }
}

#[cfg(not(target_arch = "wasm32"))]
const INSTALL_HINT: &str = "No GPU? Install a software Vulkan driver (Mesa lavapipe): \
`apt-get install mesa-vulkan-drivers` on Debian/Ubuntu, `dnf install mesa-vulkan-drivers` on \
Fedora. Choose a backend with --backend vulkan|gl|metal|dx12 (or WGPU_BACKEND) and an adapter \
with --adapter NAME (or LUNGSEG_ADAPTER).";

#[cfg(not(target_arch = "wasm32"))]
fn instance_for(options: &GpuOptions) -> (wgpu::Instance, wgpu::Backends) {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    let backends = match &options.backend {
        Some(b) => wgpu::Backends::from_comma_list(b),
        None => desc.backends,
    };
    desc.backends = backends;
    (wgpu::Instance::new(desc), backends)
}

/// Every adapter wgpu can see for these options (backend filter only).
#[cfg(not(target_arch = "wasm32"))]
pub fn list_adapters(options: &GpuOptions) -> Vec<AdapterSummary> {
    let (instance, backends) = instance_for(options);
    crate::block_on(instance.enumerate_adapters(backends)).iter().map(|a| AdapterSummary::from_info(&a.get_info())).collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn type_rank(t: wgpu::DeviceType) -> u32 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn backend_rank(b: wgpu::Backend) -> u32 {
    // Vulkan/Metal/DX12 first; GL last (no subgroups, slower buffer paths).
    match b {
        wgpu::Backend::Vulkan | wgpu::Backend::Metal | wgpu::Backend::Dx12 => 0,
        _ => 1,
    }
}

/// A GPU ready to run lungseg's kernels.
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    limits: wgpu::Limits,
    features: wgpu::Features,
    adapter: AdapterSummary,
    pub(crate) pipelines: Pipelines,
    /// The kernel family in use (resolved: never `Auto`).
    family: KernelFamily,
    /// Whether the subgroup variants were built (and are used).
    subgroups: bool,
    /// Whether the device is a CPU (reductions are split less there).
    cpu_device: bool,
    /// Workgroups a split reduction aims for; 0 = the family's default.
    split_target: AtomicU64,
    /// Scratch of the split reductions (`crate::kernels::scratch`).
    pub(crate) scratch: Mutex<Option<Tensor>>,
    /// Scratch of the 32-channel convolutions' packed weights (`crate::kernels::packed_weights`).
    pub(crate) packed_weights: Mutex<Option<Tensor>>,
    /// Read-back staging buffers not in use, kept so that a training step's statistics read-back
    /// allocates nothing after the first step (`Tensor`'s `read_back`).
    pub(crate) staging: Mutex<Vec<wgpu::Buffer>>,
    /// Staging buffers ever created (for the no-allocation-per-step check).
    pub(crate) staging_created: AtomicU64,
    pub(crate) pool: Arc<BufferPool>,
    /// Uniform-parameter chunks not owned by an open [`Encoder`].
    chunks: Arc<ChunkPool>,
}

/// Resolves `requested` for a device: `Auto` → `Cpu` on a CPU adapter with subgroups of at least 8
/// invocations, `Gpu` on any other adapter with them, else `Portable`. Returns (family, whether
/// the subgroup variants are built).
fn resolve_family(features: wgpu::Features, info: &wgpu::AdapterInfo, requested: KernelFamily) -> Result<(KernelFamily, bool)> {
    // Subgroup variants need subgroups of at least 8 invocations (they share 8 channels' values
    // per subgroup, and the weight-gradient kernels are one 8-invocation subgroup per workgroup).
    // Wider subgroups are fine: no kernel derives a subgroup index from the local invocation
    // index, and broadcasts only read lanes 0..7.
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
    Ok((family, has_subgroups && family != KernelFamily::Portable))
}

impl Gpu {
    /// Embedding: use the host application's device and queue. Nothing global is installed on the
    /// device; limits and features are read from it.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue) -> Result<Self> {
        Self::from_device_with(device, queue, KernelFamily::Auto)
    }

    /// As [`Gpu::from_device`], with a chosen kernel family. `Cpu` on a device without subgroups
    /// of at least 8 invocations is refused with [`Error::InvalidArgument`].
    /// Native only (it blocks while the driver compiles the shaders); in a browser use
    /// [`Gpu::from_device_async`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_device_with(device: wgpu::Device, queue: wgpu::Queue, kernels: KernelFamily) -> Result<Self> {
        crate::block_on(Self::from_device_async(device, queue, kernels))
    }

    /// As [`Gpu::from_device_with`], awaiting the device's verdict on the shaders instead of
    /// blocking: the way in for a WebGPU application.
    pub async fn from_device_async(device: wgpu::Device, queue: wgpu::Queue, kernels: KernelFamily) -> Result<Self> {
        let limits = device.limits();
        let features = device.features();
        let info = device.adapter_info();
        let (family, subgroups) = resolve_family(features, &info, kernels)?;
        let pipelines = Pipelines::new(&device, subgroups).await?;
        Ok(Self {
            device,
            queue,
            limits,
            features,
            adapter: AdapterSummary::from_info(&info),
            pipelines,
            family,
            subgroups,
            cpu_device: info.device_type == wgpu::DeviceType::Cpu,
            split_target: AtomicU64::new(0),
            scratch: Mutex::new(None),
            packed_weights: Mutex::new(None),
            staging: Mutex::new(Vec::new()),
            staging_created: AtomicU64::new(0),
            pool: Arc::new(BufferPool::default()),
            chunks: Arc::new(ChunkPool::default()),
        })
    }

    /// Headless: pick an adapter (see [`GpuOptions`]) and create a device with the adapter's own
    /// limits and the optional features lungseg can use (subgroups, timestamp queries).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn headless(options: &GpuOptions) -> Result<Self> {
        // Without an explicit backend, look at Vulkan/Metal/DX12 first and only then at GL (whose
        // EGL probing is slow and noisy on headless machines).
        let explicit = options.backend.is_some() || std::env::var("WGPU_BACKEND").is_ok();
        let mut adapters = Vec::new();
        if !explicit {
            let primary = GpuOptions { backend: Some("vulkan,metal,dx12".into()), ..options.clone() };
            let (instance, backends) = instance_for(&primary);
            adapters = crate::block_on(instance.enumerate_adapters(backends));
        }
        if adapters.is_empty() {
            let (instance, backends) = instance_for(options);
            adapters = crate::block_on(instance.enumerate_adapters(backends));
        }
        let wanted_name = options.adapter.clone().or_else(|| std::env::var("LUNGSEG_ADAPTER").ok()).map(|s| s.to_lowercase());
        let mut candidates: Vec<&wgpu::Adapter> = adapters
            .iter()
            .filter(|a| match &wanted_name {
                Some(n) => a.get_info().name.to_lowercase().contains(n),
                None => true,
            })
            .collect();
        candidates.sort_by_key(|a| {
            let i = a.get_info();
            (type_rank(i.device_type), backend_rank(i.backend))
        });
        let Some(adapter) = candidates.first() else {
            let found: Vec<String> = adapters.iter().map(|a| AdapterSummary::from_info(&a.get_info()).to_string()).collect();
            return Err(Error::NoAdapter {
                wanted: format!(
                    "backend {} and name {}",
                    options.backend.as_deref().unwrap_or("any"),
                    wanted_name.as_deref().unwrap_or("any")
                ),
                found: if found.is_empty() { "none".into() } else { found.join("; ") },
                hint: INSTALL_HINT,
            });
        };
        crate::block_on(Self::from_adapter(adapter, options.kernels))
    }

    /// Creates a device on `adapter` with the adapter's own limits (not WebGPU's defaults: 128 MiB
    /// per storage binding is too small for a 64-channel 256×256 batch of 12) and the optional
    /// features lungseg can use (subgroups, timestamp queries), then builds the pipelines. In a
    /// browser: request the adapter from a `wgpu::Instance` with the WebGPU backend and await this.
    pub async fn from_adapter(adapter: &wgpu::Adapter, kernels: KernelFamily) -> Result<Self> {
        let info = adapter.get_info();
        let wanted_features = wgpu::Features::SUBGROUP | wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        let required_features = adapter.features() & wanted_features;
        let desc = wgpu::DeviceDescriptor {
            label: Some("lungseg"),
            required_features,
            required_limits: adapter.limits(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        };
        let (device, queue) =
            adapter.request_device(&desc).await.map_err(|source| Error::RequestDevice { adapter: info.name.clone(), source })?;
        Self::from_device_async(device, queue, kernels).await
    }

    /// The device's limits, as read from the device.
    pub fn limits(&self) -> &wgpu::Limits {
        &self.limits
    }

    /// The device's features, as read from the device.
    pub fn features(&self) -> wgpu::Features {
        self.features
    }

    /// The adapter behind the device (as the device reports it).
    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    /// Short adapter name for reports.
    pub fn adapter_name(&self) -> String {
        self.adapter.name.clone()
    }

    /// Whether the subgroup kernel variants are in use on this device.
    pub fn uses_subgroups(&self) -> bool {
        self.subgroups
    }

    /// Whether the adapter is a CPU (lavapipe, SwiftShader).
    pub fn is_cpu_device(&self) -> bool {
        self.cpu_device
    }

    /// The kernel family in use (resolved: never `Auto`).
    pub fn kernel_family(&self) -> KernelFamily {
        self.family
    }

    /// Overrides how many workgroups the split reductions (weight gradients, bias sums, batch-norm
    /// statistics and backward; and the split-K of forward / backward-input convolutions, which a
    /// CPU layout otherwise never splits) aim for:
    /// `1` never splits (one workgroup per output block walks the whole N·H·W reduction), a large
    /// value splits each reduction as finely as its length allows, `0` restores the kernel
    /// family's default. Results agree within the ops' tolerances for every setting, and each
    /// setting is deterministic.
    pub fn set_reduction_workgroups(&self, workgroups: u64) {
        self.split_target.store(workgroups, Ordering::Relaxed);
    }

    /// The override of [`Gpu::set_reduction_workgroups`] (0: the family's default).
    pub fn reduction_workgroups(&self) -> u64 {
        self.split_target.load(Ordering::Relaxed)
    }

    /// Bind groups built since the device was opened. A launcher reuses the bind group of an
    /// earlier dispatch over the same buffers (parameters at a dynamic offset), so once a training
    /// loop's buffers have settled in the pool this stops growing.
    pub fn bind_groups_built(&self) -> u64 {
        self.pipelines.bind_groups_built()
    }

    /// Runs `f` and returns the dispatches it recorded (entry point, workgroups, workgroup size):
    /// how the kernel family laid out the work. Not re-entrant.
    pub fn record_dispatches<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<(T, Vec<crate::pipelines::Dispatch>)> {
        self.pipelines.record(true);
        let out = f();
        let dispatches = self.pipelines.record(false);
        Ok((out?, dispatches))
    }

    /// Largest buffer that may be bound as one storage binding.
    pub fn max_binding_bytes(&self) -> u64 {
        self.limits.max_storage_buffer_binding_size.min(self.limits.max_buffer_size)
    }

    /// Blocks until all submitted work has finished. Native only: a browser cannot block (there,
    /// read-backs wait asynchronously for the work they depend on).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| Error::Wgpu { during: "waiting for the queue".into(), message: e.to_string() })
    }

    /// A new [`Encoder`]: a command encoder that owns the parameter slots of the lungseg
    /// dispatches recorded into it (it dereferences to `wgpu::CommandEncoder` for the host's own
    /// commands).
    pub fn encoder(&self, label: &str) -> Encoder {
        Encoder::new(&self.device, self.chunks.clone(), label)
    }

    /// Writes the encoder's parameters and submits its commands. Any number of lungseg encoders
    /// may be open at once and submitted in any order, with any host work submitted in between.
    pub fn submit(&self, encoder: Encoder) {
        encoder.submit(&self.queue);
    }

    /// Bytes of the scratch buffers: the split reductions' and the packed weights' (0 until one
    /// has been used).
    pub(crate) fn scratch_bytes(&self) -> u64 {
        [&self.scratch, &self.packed_weights]
            .iter()
            .map(|slot| slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map_or(0, |t| t.buffer().size()))
            .sum()
    }
}
