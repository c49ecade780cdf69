//! Where a workload's GPU time goes: every compute pass lungseg records while a profile is open
//! gets timestamp queries at its start and end (`Features::TIMESTAMP_QUERY`, which lavapipe and
//! most GPUs offer), and [`Gpu::profile`] returns the time per entry point.

#[cfg(not(target_arch = "wasm32"))]
use crate::error::{Error, Result};
#[cfg(not(target_arch = "wasm32"))]
use crate::gpu::Gpu;

/// GPU time of one entry point over the profiled workload.
#[derive(Clone, Debug)]
pub struct OpTime {
    pub entry: &'static str,
    /// Compute passes (dispatches) of this entry point.
    pub dispatches: usize,
    /// Sum of their GPU durations.
    pub ms: f64,
}

/// Open profile: the query set and the entry point of each timed pass (pass i uses queries 2i and
/// 2i + 1).
pub(crate) struct Recorder {
    pub(crate) query_set: wgpu::QuerySet,
    capacity: u32,
    pub(crate) entries: Vec<&'static str>,
    untimed: usize,
}

impl Recorder {
    /// The query indices for the next pass of `entry`, or `None` once the set is full.
    pub(crate) fn next(&mut self, entry: &'static str) -> Option<u32> {
        let i = self.entries.len() as u32 * 2;
        if i + 2 > self.capacity {
            self.untimed += 1;
            return None;
        }
        self.entries.push(entry);
        Some(i)
    }
}

/// Passes one profile can time: two queries each, and wgpu allows 4,096 queries per set — far
/// above one training step's few hundred passes.
#[cfg(not(target_arch = "wasm32"))]
const MAX_PASSES: u32 = 2048;

// Native only: a profile blocks until the device has finished (a browser tab cannot block).
#[cfg(not(target_arch = "wasm32"))]
impl Gpu {
    /// Runs `f` (which records and submits lungseg work) with every compute pass timed, waits for
    /// the device, and returns `f`'s result with the GPU time per entry point, largest first.
    /// Fails with [`Error::InvalidArgument`] when the device lacks `TIMESTAMP_QUERY`.
    pub fn profile<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<(T, Vec<OpTime>)> {
        if !self.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
            return Err(Error::InvalidArgument {
                op: "profile",
                detail: format!(
                    "{} does not offer the TIMESTAMP_QUERY feature, so GPU time per op cannot be measured",
                    self.adapter_name()
                ),
            });
        }
        let capacity = MAX_PASSES * 2;
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let query_set = self.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("lungseg profile"),
            ty: wgpu::QueryType::Timestamp,
            count: capacity,
        });
        if let Some(err) = crate::block_on(scope.pop()) {
            return Err(Error::Wgpu { during: "creating the profile's timestamp query set".into(), message: err.to_string() });
        }
        self.pipelines.set_profiler(Some(Recorder { query_set, capacity, entries: Vec::new(), untimed: 0 }));
        let out = f();
        let recorder = self.pipelines.set_profiler(None).expect("the profile opened above");
        let out = out?;
        if recorder.untimed > 0 {
            return Err(Error::InvalidArgument {
                op: "profile",
                detail: format!(
                    "the workload recorded more than {MAX_PASSES} compute passes ({} untimed): profile a smaller one",
                    recorder.untimed
                ),
            });
        }
        let n = recorder.entries.len() as u64 * 2;
        if n == 0 {
            return Ok((out, Vec::new()));
        }
        let resolved = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("lungseg profile resolve"),
            size: n * 8,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let bytes = crate::block_on(self.read_back("profile", n * 8, |enc, staging| {
            enc.resolve_query_set(&recorder.query_set, 0..n as u32, &resolved, 0);
            enc.copy_buffer_to_buffer(&resolved, 0, staging, 0, n * 8);
        }))?;
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&bytes);
        let ns_per_tick = self.queue.get_timestamp_period() as f64;
        let mut times: Vec<OpTime> = Vec::new();
        for (i, &entry) in recorder.entries.iter().enumerate() {
            let ms = ticks[2 * i + 1].saturating_sub(ticks[2 * i]) as f64 * ns_per_tick / 1e6;
            match times.iter_mut().find(|t| t.entry == entry) {
                Some(t) => {
                    t.dispatches += 1;
                    t.ms += ms;
                }
                None => times.push(OpTime { entry, dispatches: 1, ms }),
            }
        }
        times.sort_by(|a, b| b.ms.total_cmp(&a.ms));
        Ok((out, times))
    }
}
