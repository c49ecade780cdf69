//! lungseg — a training engine for lung-CT segmentation whose every kernel is a hand-written WGSL
//! compute shader on wgpu (Vulkan, Metal, DX12, GL), with CPU references for every kernel.
//!
//! * [`Gpu`] — the device context (embed your own `wgpu::Device`/`Queue` with
//!   [`Gpu::from_device`], or let lungseg pick an adapter with [`Gpu::headless`]).
//! * [`Tensor`] — f32/u32 data resident in GPU buffers (NCHW).
//! * [`kernels`] — one launcher module per shader; each records dispatches into your
//!   `wgpu::CommandEncoder`.
//! * [`host`] — run any kernel on host `ndarray` arrays (upload, run, download).
//! * [`reference`] — CPU references in f64, written from the math.
//! * [`selftest`] — every kernel against its reference on seeded hostile shapes.

pub mod check;
pub mod error;
pub mod gpu;
pub mod host;
pub mod kernels;
pub mod reference;
pub mod rng;
pub mod selftest;
pub mod tensor;

pub use error::{Error, Result};
pub use gpu::{Gpu, GpuOptions};
pub use tensor::{DType, Tensor};
pub mod bench;
pub mod checkpoint;
pub mod data;
pub mod metrics;
pub mod models;
pub mod params;
pub mod predict;
pub mod step;
pub mod tape;
pub mod train;
