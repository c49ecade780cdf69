//! GPU-resident tensors (f32 or u32, row-major, NCHW for images) and the buffer pool behind them.
//!
//! Buffers are recycled: dropping a [`Tensor`] hands its buffer back to the pool of its [`Gpu`],
//! keyed by byte size, and the next tensor of that size takes it instead of allocating.

use crate::error::{fmt_shapes, Error, Result};
use crate::gpu::Gpu;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    U32,
}

/// Pool of storage buffers keyed by size in bytes.
#[derive(Default)]
pub struct BufferPool {
    free: Mutex<HashMap<u64, Vec<wgpu::Buffer>>>,
    live: AtomicUsize,
    created: AtomicUsize,
    created_bytes: std::sync::atomic::AtomicU64,
}

impl BufferPool {
    /// Buffers currently owned by tensors.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
    /// Buffers ever created by this pool (stable once a workload reaches steady state).
    pub fn created(&self) -> usize {
        self.created.load(Ordering::Relaxed)
    }
    /// Bytes of every buffer this pool created: its high-water mark of GPU memory.
    pub fn created_bytes(&self) -> u64 {
        self.created_bytes.load(Ordering::Relaxed)
    }
}

pub(crate) struct PooledBuffer {
    pub(crate) buffer: wgpu::Buffer,
    bytes: u64,
    pool: Weak<BufferPool>,
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.live.fetch_sub(1, Ordering::Relaxed);
            if let Ok(mut free) = pool.free.lock() {
                free.entry(self.bytes).or_default().push(self.buffer.clone());
            }
        }
    }
}

/// A tensor resident in a GPU storage buffer, possibly a view at a byte `offset` into a larger
/// buffer (parameters live in one flat buffer). Cloning is cheap and shares the buffer.
#[derive(Clone)]
pub struct Tensor {
    buf: Arc<PooledBuffer>,
    shape: Vec<usize>,
    dtype: DType,
    offset: u64,
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor({:?}, {:?})", self.dtype, self.shape)
    }
}

impl Tensor {
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Size of the data in bytes (the buffer may be a little larger).
    pub fn bytes(&self) -> u64 {
        self.len() as u64 * 4
    }
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buf.buffer
    }
    /// Byte offset of element 0 inside [`Tensor::buffer`].
    pub fn offset(&self) -> u64 {
        self.offset
    }
    /// A view of `shape` starting `start` elements into this tensor. The byte offset must be a
    /// multiple of 256 (the largest `min_storage_buffer_offset_alignment` devices require).
    pub fn view(&self, start: usize, shape: &[usize]) -> Result<Tensor> {
        let len: usize = shape.iter().product();
        let offset = self.offset + start as u64 * 4;
        if start + len > self.len() || !offset.is_multiple_of(256) {
            return Err(Error::Shape {
                op: "view",
                detail: format!("a view of {len} elements at element {start} must lie inside the tensor and start on a 256-byte boundary"),
                shapes: fmt_shapes(&[&self.shape, shape]),
            });
        }
        Ok(Tensor { buf: self.buf.clone(), shape: shape.to_vec(), dtype: self.dtype, offset })
    }
    /// Images `range` of a tensor whose first dimension is the batch: a view of shape
    /// (range.len(), rest…). The byte offset must be a multiple of 256 (see [`Tensor::view`]).
    pub fn images(&self, range: std::ops::Range<usize>) -> Result<Tensor> {
        let n = self.shape.first().copied().unwrap_or(0);
        if range.start > range.end || range.end > n {
            return Err(Error::Shape {
                op: "images",
                detail: format!("images {range:?} of a batch of {n}"),
                shapes: fmt_shapes(&[&self.shape]),
            });
        }
        let per_image = self.len() / n.max(1);
        let mut shape = self.shape.clone();
        shape[0] = range.len();
        self.view(range.start * per_image, &shape)
    }
    /// The first `len` elements as a 1-D tensor (offset unchanged, so no alignment condition).
    pub(crate) fn prefix(&self, len: usize) -> Result<Tensor> {
        if len > self.len() {
            return Err(Error::Shape {
                op: "prefix",
                detail: format!("{len} elements of a tensor of {}", self.len()),
                shapes: fmt_shapes(&[&self.shape]),
            });
        }
        Ok(Tensor { buf: self.buf.clone(), shape: vec![len], dtype: self.dtype, offset: self.offset })
    }
    /// Same buffer, viewed with another shape of the same length.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor> {
        if shape.iter().product::<usize>() != self.len() {
            return Err(Error::Shape { op: "reshape", detail: "element counts differ".into(), shapes: fmt_shapes(&[&self.shape, shape]) });
        }
        Ok(Tensor { buf: self.buf.clone(), shape: shape.to_vec(), dtype: self.dtype, offset: self.offset })
    }
}

impl Gpu {
    /// An uninitialised tensor (contents are whatever the recycled buffer held).
    /// Fails with [`Error::Limit`] when it would exceed the device's buffer limit. A tensor larger
    /// than one storage binding is allowed: the launchers process it in chunks along its first
    /// (batch) dimension.
    pub fn tensor(&self, op: &'static str, shape: &[usize], dtype: DType) -> Result<Tensor> {
        let elems: usize = shape.iter().product();
        let bytes = (elems.max(1) as u64) * 4;
        let limit = self.limits().max_buffer_size;
        if bytes > limit {
            return Err(Error::Limit {
                op,
                what: format!("a {:?} tensor of {} elements ({} bytes)", dtype, elems, bytes),
                needed: bytes,
                limit_name: "max_buffer_size",
                limit,
                shapes: fmt_shapes(&[shape]),
            });
        }
        // Round to 256 bytes so nearby sizes share pooled buffers.
        let rounded = bytes.div_ceil(256) * 256;
        let rounded = if rounded > limit { bytes.div_ceil(4) * 4 } else { rounded };
        let reused = self.pool.free.lock().ok().and_then(|mut f| f.get_mut(&rounded).and_then(|v| v.pop()));
        let buffer = match reused {
            Some(b) => b,
            None => {
                self.pool.created.fetch_add(1, Ordering::Relaxed);
                self.pool.created_bytes.fetch_add(rounded, Ordering::Relaxed);
                self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(op),
                    size: rounded,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                })
            }
        };
        self.pool.live.fetch_add(1, Ordering::Relaxed);
        Ok(Tensor {
            buf: Arc::new(PooledBuffer { buffer, bytes: rounded, pool: Arc::downgrade(&self.pool) }),
            shape: shape.to_vec(),
            dtype,
            offset: 0,
        })
    }

    /// A 1-D f32 tensor outside the pool: its buffer is freed, never recycled, when the last clone
    /// drops (for scratch that must never be handed to another tensor).
    pub(crate) fn unpooled_tensor(&self, op: &'static str, len: usize) -> Result<Tensor> {
        let bytes = (len.max(1) as u64) * 4;
        let limit = self.max_binding_bytes();
        if bytes > limit {
            return Err(Error::Limit {
                op,
                what: format!("scratch of {len} f32 partial sums ({bytes} bytes)"),
                needed: bytes,
                limit_name: "max_storage_buffer_binding_size",
                limit,
                shapes: fmt_shapes(&[&[len]]),
            });
        }
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(op),
            size: bytes.div_ceil(256) * 256,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Tensor {
            buf: Arc::new(PooledBuffer { buffer, bytes: bytes.div_ceil(256) * 256, pool: Weak::new() }),
            shape: vec![len],
            dtype: DType::F32,
            offset: 0,
        })
    }

    /// A tensor filled with `value` (bit pattern for u32 tensors via [`Gpu::fill_u32`]).
    pub fn full(&self, op: &'static str, shape: &[usize], value: f32) -> Result<Tensor> {
        let t = self.tensor(op, shape, DType::F32)?;
        self.fill_f32(&t, value);
        Ok(t)
    }

    /// A zero-filled f32 tensor.
    pub fn zeros(&self, op: &'static str, shape: &[usize]) -> Result<Tensor> {
        let t = self.tensor(op, shape, DType::F32)?;
        let mut enc = self.encoder("zeros");
        enc.clear_buffer(t.buffer(), 0, None); // a fresh tensor: offset 0, whole buffer
        self.submit(enc);
        Ok(t)
    }

    /// Overwrites every element with `value` (used to poison outputs with NaN in checks).
    pub fn fill_f32(&self, t: &Tensor, value: f32) {
        let data = vec![value; t.len().max(1)];
        self.queue.write_buffer(t.buffer(), t.offset(), bytemuck::cast_slice(&data));
    }

    /// Overwrites every element with `value`.
    pub fn fill_u32(&self, t: &Tensor, value: u32) {
        let data = vec![value; t.len().max(1)];
        self.queue.write_buffer(t.buffer(), t.offset(), bytemuck::cast_slice(&data));
    }

    /// Overwrites a tensor (or view) with host data of the same length.
    pub fn write_f32(&self, t: &Tensor, data: &[f32]) -> Result<()> {
        if data.len() != t.len() {
            return Err(Error::Shape {
                op: "write",
                detail: format!("{} values for {} elements", data.len(), t.len()),
                shapes: fmt_shapes(&[t.shape()]),
            });
        }
        if !data.is_empty() {
            self.queue.write_buffer(t.buffer(), t.offset(), bytemuck::cast_slice(data));
        }
        Ok(())
    }

    /// Uploads f32 data with the given shape.
    pub fn upload_f32(&self, op: &'static str, data: &[f32], shape: &[usize]) -> Result<Tensor> {
        self.upload(op, bytemuck::cast_slice(data), data.len(), shape, DType::F32)
    }

    /// Uploads u32 data (labels, indices) with the given shape.
    pub fn upload_u32(&self, op: &'static str, data: &[u32], shape: &[usize]) -> Result<Tensor> {
        self.upload(op, bytemuck::cast_slice(data), data.len(), shape, DType::U32)
    }

    fn upload(&self, op: &'static str, bytes: &[u8], len: usize, shape: &[usize], dtype: DType) -> Result<Tensor> {
        if shape.iter().product::<usize>() != len {
            return Err(Error::Shape { op, detail: format!("{} values do not fill the shape", len), shapes: fmt_shapes(&[shape]) });
        }
        let t = self.tensor(op, shape, dtype)?;
        if !bytes.is_empty() {
            self.queue.write_buffer(t.buffer(), 0, bytes);
        }
        Ok(t)
    }

    /// Copies a tensor back to the host (blocks until all submitted work has finished).
    /// Native only: on the web, where nothing may block, use [`Gpu::download_f32_async`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn download_f32(&self, t: &Tensor) -> Result<Vec<f32>> {
        crate::block_on(self.download_f32_async(t))
    }

    /// Copies a u32 tensor back to the host (blocking; native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn download_u32(&self, t: &Tensor) -> Result<Vec<u32>> {
        crate::block_on(self.download_u32_async(t))
    }

    /// Copies a tensor back to the host once all submitted work has finished. Natively the future
    /// is ready when first polled; in a browser it resolves when WebGPU has mapped the buffer.
    pub async fn download_f32_async(&self, t: &Tensor) -> Result<Vec<f32>> {
        Ok(bytemuck::pod_collect_to_vec(&self.download_bytes(t).await?))
    }

    /// Copies a u32 tensor back to the host once all submitted work has finished.
    pub async fn download_u32_async(&self, t: &Tensor) -> Result<Vec<u32>> {
        Ok(bytemuck::pod_collect_to_vec(&self.download_bytes(t).await?))
    }

    async fn download_bytes(&self, t: &Tensor) -> Result<Vec<u8>> {
        let bytes = t.bytes();
        if bytes == 0 {
            return Ok(Vec::new());
        }
        self.read_back("download", bytes, |enc, staging| enc.copy_buffer_to_buffer(t.buffer(), t.offset(), staging, 0, bytes)).await
    }

    /// Takes a staging buffer of at least `bytes` (a pooled one, or a new one of the next power of
    /// two), lets `record` fill its first `bytes` (copies, query resolves) in one encoder, submits,
    /// and returns them once the GPU has written them; the buffer goes back to the pool unmapped.
    /// Each call holds its own buffer, so read-backs in flight at once (a browser awaiting two)
    /// never share one.
    pub(crate) async fn read_back(
        &self,
        what: &str,
        bytes: u64,
        record: impl FnOnce(&mut crate::encoder::Encoder, &wgpu::Buffer),
    ) -> Result<Vec<u8>> {
        let staging = self.take_staging(bytes);
        let mut enc = self.encoder(what);
        record(&mut enc, &staging);
        self.submit(enc);
        let slice = staging.slice(..bytes);
        let mapped = MapFuture::default();
        let reply = MapReply(Some(mapped.0.clone()));
        slice.map_async(wgpu::MapMode::Read, move |r| reply.send(r));
        // Natively the callback runs inside this wait; a browser runs it from its event loop.
        #[cfg(not(target_arch = "wasm32"))]
        self.wait()?;
        mapped.await.map_err(|e| Error::Wgpu { during: format!("{what}: mapping the read-back buffer"), message: e.to_string() })?;
        let out = slice
            .get_mapped_range()
            .map_err(|e| Error::Wgpu { during: format!("{what}: reading the read-back buffer"), message: format!("{e:?}") })?
            .to_vec();
        staging.unmap();
        self.return_staging(staging);
        Ok(out)
    }

    /// The smallest pooled staging buffer that holds `bytes`, or a new one.
    fn take_staging(&self, bytes: u64) -> wgpu::Buffer {
        let mut pool = self.staging.lock().unwrap_or_else(|p| p.into_inner());
        let best = pool.iter().enumerate().filter(|(_, b)| b.size() >= bytes).min_by_key(|(_, b)| b.size()).map(|(i, _)| i);
        if let Some(i) = best {
            return pool.swap_remove(i);
        }
        drop(pool);
        self.staging_created.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("lungseg read-back"),
            size: bytes.next_power_of_two().max(256),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Keeps an unmapped staging buffer for the next read-back (at most 8; larger ones — whole
    /// downloads of big tensors — are let go first).
    fn return_staging(&self, buffer: wgpu::Buffer) {
        let mut pool = self.staging.lock().unwrap_or_else(|p| p.into_inner());
        pool.push(buffer);
        if pool.len() > 8 {
            pool.sort_by_key(|b| b.size());
            pool.truncate(8);
        }
    }

    /// Read-back staging buffers this device has ever created: constant from a training run's
    /// second step on (each step reads its statistics back through a pooled one).
    pub fn created_staging_buffers(&self) -> u64 {
        self.staging_created.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Number of pooled buffers owned by live tensors (for leak checks).
    pub fn live_buffers(&self) -> usize {
        self.pool.live()
    }

    /// Number of buffers the pool has ever created.
    pub fn created_buffers(&self) -> usize {
        self.pool.created()
    }

    /// GPU memory held by lungseg's tensors (live or pooled for reuse) and the split reductions'
    /// scratch buffer: the peak a workload needed.
    pub fn pooled_bytes(&self) -> u64 {
        self.pool.created_bytes() + self.scratch_bytes()
    }
}

/// The outcome of `map_async`, as a future: ready once wgpu has called the callback (natively
/// during `Device::poll`, in a browser from the event loop).
#[derive(Clone, Default)]
struct MapFuture(MapSlot);

/// The sending end of a [`MapFuture`]: sends the callback's result, or — if wgpu drops the
/// callback without calling it — an error, so the future can never wait forever.
struct MapReply(Option<MapSlot>);

impl MapReply {
    fn send(mut self, r: std::result::Result<(), wgpu::BufferAsyncError>) {
        if let Some(slot) = self.0.take() {
            let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
            s.0 = Some(r);
            if let Some(w) = s.1.take() {
                w.wake();
            }
        }
    }
}

impl Drop for MapReply {
    fn drop(&mut self) {
        if self.0.is_some() {
            let r = Err(wgpu::BufferAsyncError);
            MapReply(self.0.take()).send(r);
        }
    }
}

type MapSlot = std::sync::Arc<std::sync::Mutex<(Option<std::result::Result<(), wgpu::BufferAsyncError>>, Option<std::task::Waker>)>>;

impl std::future::Future for MapFuture {
    type Output = std::result::Result<(), wgpu::BufferAsyncError>;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match s.0.take() {
            Some(r) => std::task::Poll::Ready(r),
            None => {
                s.1 = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}
