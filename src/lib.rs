//! lungseg — a training engine for lung-CT segmentation whose every kernel is a hand-written WGSL
//! compute shader on wgpu (Vulkan, Metal, DX12, GL), with CPU references for every kernel.
//!
//! * [`Gpu`] — the device context (embed your own `wgpu::Device`/`Queue` with
//!   [`Gpu::from_device`], or let lungseg pick an adapter with [`Gpu::headless`]).
//! * [`Tensor`] — f32/u32 data resident in GPU buffers (NCHW).
//! * [`kernels`] — one launcher module per shader; each records dispatches into your
//!   [`Encoder`] (a `wgpu::CommandEncoder` that owns its dispatches' parameter slots).
//! * [`host`] — run any kernel on host `ndarray` arrays (upload, run, download).
//! * [`reference`] — CPU references in f64, written from the math.
//! * [`selftest`] — every kernel against its reference on seeded hostile shapes.
//! * [`tape`], [`params`], [`models`], [`step`] — autodiff, parameters, U-Net / SegNet, one
//!   training step per submit; [`data`], [`train`], [`metrics`], [`checkpoint`], [`predict`] —
//!   the MedSeg pipeline.
//!
//! Embedding in an application that owns its wgpu device:
//!
//! ```no_run
//! use lungseg::{kernels::conv2d, Gpu};
//!
//! fn run(device: wgpu::Device, queue: wgpu::Queue) -> Result<(), lungseg::Error> {
//!     let gpu = Gpu::from_device(device, queue)?; // pipelines built once, here
//!     let x = gpu.upload_f32("input", &vec![0.5; 2 * 3 * 64 * 64], &[2, 3, 64, 64])?;
//!     let w = gpu.upload_f32("weight", &vec![0.1; 8 * 3 * 3 * 3], &[8, 3, 3, 3])?; // OIHW
//!     let y = gpu.tensor("output", &[2, 8, 64, 64], lungseg::DType::F32)?; // pooled buffer
//!     let mut enc = gpu.encoder("my step");
//!     conv2d::conv2d_forward(&gpu, &mut enc, &x, &w, None, &y)?; // records a dispatch
//!     gpu.submit(enc); // one submit for many dispatches
//!     assert_eq!(gpu.download_f32(&y)?.len(), 2 * 8 * 64 * 64);
//!     Ok(())
//! }
//! ```
//!
//! A whole training step of the paper's U-Net on the same device:
//!
//! ```no_run
//! use lungseg::models::{Arch, Model, ModelConfig};
//! use lungseg::step::{train_step, StepConfig};
//!
//! fn step(gpu: &lungseg::Gpu) -> Result<(), lungseg::Error> {
//!     let mut model = Model::new(gpu, ModelConfig::paper(Arch::UNet, 2), 42)?;
//!     let x = gpu.upload_f32("images", &vec![0.0; 2 * 256 * 256], &[2, 1, 256, 256])?;
//!     let y = gpu.upload_u32("labels", &vec![0; 2 * 256 * 256], &[2, 256, 256])?;
//!     let w = gpu.upload_f32("class weights", &[0.5, 6.8], &[2])?;
//!     let cfg = StepConfig { lr: 5e-4, l2: 1e-4, dropout_seed: 0 };
//!     let loss = train_step(gpu, &mut model, &x, &y, &w, &cfg, true)?; // one submit
//!     println!("loss {loss:?}");
//!     Ok(())
//! }
//! ```

// The web build compiles without the native-only modules (files, blocking, the CLI), which leaves
// some imports and helpers unused there.
#![cfg_attr(target_arch = "wasm32", allow(unused_imports, dead_code))]

pub mod check;
pub mod encoder;
pub mod error;
pub mod gpu;
pub mod host;
pub mod kernels;
pub mod pipelines;
pub mod reference;
pub mod rng;
pub mod selftest;
pub mod tensor;

pub use encoder::Encoder;
pub use error::{Error, Result};
pub use gpu::{Gpu, GpuOptions, KernelFamily};
pub use tensor::{DType, Tensor};

/// Runs a future to completion on this thread. lungseg's read-backs are `async` because a
/// browser tab cannot block on the GPU; natively they are ready at their first poll, and this
/// (`pollster::block_on`) is how a native program or test waits for them.
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
pub mod calibration;
pub mod checkpoint;
pub mod config;
pub mod data;
#[cfg(not(target_arch = "wasm32"))]
pub mod dream;
pub mod evaluate;
#[cfg(not(target_arch = "wasm32"))]
pub mod experiments;
#[cfg(not(target_arch = "wasm32"))]
pub mod figures;
pub mod fingerprint;
pub mod metrics;
pub mod models;
pub mod params;
pub mod pipeline;
pub mod predict;
pub mod profile;
pub mod report;
pub mod run_dir;
pub mod step;
pub mod tape;
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
