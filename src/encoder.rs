//! [`Encoder`]: a `wgpu::CommandEncoder` that owns the uniform-parameter slots of the dispatches
//! recorded into it.
//!
//! Every dispatch reads a small `Params` uniform. An encoder collects those bytes on the CPU, in
//! uniform buffers ("chunks") that belong to it alone from its first dispatch until
//! [`crate::Gpu::submit`]: there the bytes are written (`queue.write_buffer`, which the queue
//! applies before the command buffer that follows) and the encoder's command buffer is submitted;
//! only then do the chunks return to the device's free list for the next encoder. Work the host
//! submits in between, other lungseg encoders open at the same time, or encoders submitted in any
//! order can therefore never see each other's parameters. (A ring shared by all encoders, reset on
//! every submit, could wrap onto an open encoder's slots: `tests/embedding.rs`.)
//!
//! `Encoder` dereferences to `wgpu::CommandEncoder`, so a host can record its own copies and
//! passes into the same encoder.

use std::sync::{Arc, Mutex};

/// Size of one parameter slot (every `Params` struct fits; a multiple of the uniform offset
/// alignment of every adapter wgpu supports is chosen at runtime).
pub(crate) const PARAM_SLOT: u64 = 256;
/// Bytes of one chunk (one uniform buffer of slots).
pub(crate) const CHUNK_BYTES: u64 = 64 * 1024;

/// The device's uniform chunks not owned by an open encoder.
#[derive(Default)]
pub(crate) struct ChunkPool {
    free: Mutex<Vec<wgpu::Buffer>>,
}

impl ChunkPool {
    fn take(&self, device: &wgpu::Device) -> wgpu::Buffer {
        self.free.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_else(|| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("lungseg params"),
                size: CHUNK_BYTES,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        })
    }

    /// Returns an encoder's chunks in reverse, so that the next encoder pops them in the same
    /// order: a step's dispatches then find the same chunk, and their cached bind groups.
    fn give_back(&self, chunks: impl DoubleEndedIterator<Item = wgpu::Buffer>) {
        self.free.lock().unwrap_or_else(|p| p.into_inner()).extend(chunks.rev());
    }
}

/// A command encoder with its own parameter slots. Create it with [`crate::Gpu::encoder`],
/// record lungseg launchers (and anything else) into it, and submit it with
/// [`crate::Gpu::submit`]. Dropping it unsubmitted discards its work and frees its slots.
pub struct Encoder {
    inner: Option<wgpu::CommandEncoder>,
    device: wgpu::Device,
    pool: Arc<ChunkPool>,
    /// This encoder's chunks and the parameter bytes recorded into each so far.
    chunks: Vec<(wgpu::Buffer, Vec<u8>)>,
    /// Bytes per slot: [`PARAM_SLOT`] rounded up to the device's uniform offset alignment.
    slot: u64,
    /// The compute pass consecutive launches share (each dispatch is still its own
    /// synchronisation scope: wgpu orders a dispatch after the writes of the ones before it).
    /// Ended before the host records anything else into the encoder, and before it is submitted.
    pass: Option<wgpu::ComputePass<'static>>,
}

impl Encoder {
    pub(crate) fn new(device: &wgpu::Device, pool: Arc<ChunkPool>, label: &str) -> Self {
        let align = device.limits().min_uniform_buffer_offset_alignment as u64;
        Self {
            inner: Some(device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })),
            device: device.clone(),
            pool,
            chunks: Vec::new(),
            slot: PARAM_SLOT.max(align).next_multiple_of(align.max(1)),
            pass: None,
        }
    }

    /// The open compute pass of this encoder, begun if none is open.
    pub(crate) fn shared_pass(&mut self) -> &mut wgpu::ComputePass<'static> {
        if self.pass.is_none() {
            let pass = self.inner.as_mut().expect("an encoder is used only until it is submitted").begin_compute_pass(&Default::default());
            self.pass = Some(pass.forget_lifetime());
        }
        self.pass.as_mut().expect("just begun")
    }

    /// Ends the shared compute pass, if one is open.
    fn end_pass(&mut self) {
        self.pass = None;
    }

    /// A slot holding `bytes` for one dispatch of this encoder: (uniform buffer, offset).
    pub(crate) fn param_slot(&mut self, bytes: &[u8]) -> (wgpu::Buffer, u64) {
        debug_assert!(bytes.len() as u64 <= PARAM_SLOT);
        let full = self.chunks.last().is_none_or(|(_, b)| b.len() as u64 + self.slot > CHUNK_BYTES);
        if full {
            self.chunks.push((self.pool.take(&self.device), Vec::with_capacity(CHUNK_BYTES as usize)));
        }
        let slot = self.slot as usize;
        let (buffer, staged) = self.chunks.last_mut().expect("a chunk with room was just ensured");
        let offset = staged.len() as u64;
        staged.extend_from_slice(bytes);
        staged.resize(offset as usize + slot, 0);
        (buffer.clone(), offset)
    }

    /// Writes the parameters, submits the commands, and frees the chunks for later encoders:
    /// the writes are queued before this submission, and any later writes to the same chunks
    /// land after it.
    pub(crate) fn submit(mut self, queue: &wgpu::Queue) {
        self.end_pass();
        for (buffer, staged) in &self.chunks {
            queue.write_buffer(buffer, 0, staged);
        }
        let commands = self.inner.take().expect("an encoder is submitted once").finish();
        queue.submit(Some(commands));
        // Drop gives the chunks back.
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        self.end_pass();
        self.pool.give_back(self.chunks.drain(..).map(|(b, _)| b));
    }
}

impl std::ops::Deref for Encoder {
    type Target = wgpu::CommandEncoder;
    fn deref(&self) -> &wgpu::CommandEncoder {
        self.inner.as_ref().expect("an encoder is used only until it is submitted")
    }
}

impl std::ops::DerefMut for Encoder {
    fn deref_mut(&mut self) -> &mut wgpu::CommandEncoder {
        // Whatever is recorded now (a copy, a pass of the host's own) comes after the
        // launches before it.
        self.end_pass();
        self.inner.as_mut().expect("an encoder is used only until it is submitted")
    }
}
