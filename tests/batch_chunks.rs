//! Batches past the storage-binding limit: tensors larger than one binding are processed in
//! ranges of images by the same kernels. On a device created with a small binding limit (as
//! WebGPU's 128 MiB default, scaled down so the test is fast), inference gives bit-identical
//! logits and training the same losses and weights (within the model tolerances: the batch
//! reductions add the ranges' partial sums in another order) as on the full device.

mod common;
use lungseg::check::tolerance;
use lungseg::models::{Arch, Model, ModelConfig};
use lungseg::step::{self, StepConfig};
use lungseg::{Gpu, GpuOptions};

/// The test adapter again, as a device whose storage bindings hold at most `binding` bytes.
fn small_binding_gpu(binding: u32) -> Gpu {
    let reference = common::gpu();
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let adapter = adapters
        .into_iter()
        .find(|a| a.get_info().name == reference.adapter_name())
        .expect("GPU tests need an adapter: this is a failure, not a skip");
    let limits = wgpu::Limits { max_storage_buffer_binding_size: binding as _, ..adapter.limits() };
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("small bindings"),
        required_features: adapter.features() & wgpu::Features::SUBGROUP,
        required_limits: limits,
        ..Default::default()
    }))
    .expect("a device with a small binding limit");
    let gpu = Gpu::from_device_with(device, queue, reference.kernel_family()).expect("embedding works");
    assert_eq!(gpu.max_binding_bytes(), binding as u64);
    gpu
}

fn batch(gpu: &Gpu, n: usize, s: usize, classes: u32) -> (lungseg::Tensor, lungseg::Tensor) {
    let mut rng = lungseg::rng::Rng::new(7);
    let x: Vec<f32> = (0..n * s * s).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..n * s * s).map(|_| rng.below(classes as u64) as u32).collect();
    (gpu.upload_f32("x", &x, &[n, 1, s, s]).unwrap(), gpu.upload_u32("y", &y, &[n, s, s]).unwrap())
}

fn tiny(arch: Arch) -> ModelConfig {
    ModelConfig { width: 8, ..ModelConfig::paper(arch, 2) }
}

#[test]
fn inference_past_the_binding_limit_is_bit_identical() {
    let full = common::gpu();
    // 8 channels × 32² × 4 bytes = 32 KiB per image: a batch of 6 is 192 KiB, three 64 KiB ranges.
    let small = small_binding_gpu(64 * 1024);
    for arch in [Arch::SegNet, Arch::UNet] {
        let (a, b) = (Model::new(&full, tiny(arch), 3).unwrap(), Model::new(&small, tiny(arch), 3).unwrap());
        let (xa, _) = batch(&full, 6, 32, 2);
        let (xb, _) = batch(&small, 6, 32, 2);
        let la = full.download_f32(&step::infer(&full, &a, &xa).unwrap()).unwrap();
        let (lb, dispatches) = small.record_dispatches(|| step::infer(&small, &b, &xb)).unwrap();
        let lb = small.download_f32(&lb).unwrap();
        let (_, whole) = full.record_dispatches(|| step::infer(&full, &a, &xa)).unwrap();
        assert!(
            dispatches.len() > whole.len(),
            "{arch}: the small device must have cut the batch ({} vs {} dispatches)",
            dispatches.len(),
            whole.len()
        );
        assert!(la == lb, "{arch}: logits differ when the batch is processed in ranges");
    }
}

#[test]
fn training_past_the_binding_limit_matches_the_full_device() {
    let full = common::gpu();
    let small = small_binding_gpu(64 * 1024);
    let lt = tolerance("model_loss");
    for arch in [Arch::SegNet, Arch::UNet] {
        let mut a = Model::new(&full, tiny(arch), 5).unwrap();
        let mut b = Model::new(&small, tiny(arch), 5).unwrap();
        let (xa, ya) = batch(&full, 6, 32, 2);
        let (xb, yb) = batch(&small, 6, 32, 2);
        let wa = full.upload_f32("w", &[0.7, 3.0], &[2]).unwrap();
        let wb = small.upload_f32("w", &[0.7, 3.0], &[2]).unwrap();
        let gt = tolerance("model_gradient");
        for i in 0..2 {
            let sc = StepConfig { lr: 1e-2, l2: 1e-4, dropout_seed: i };
            let la = step::train_step(&full, &mut a, &xa, &ya, &wa, &sc, true).unwrap().unwrap();
            let lb = step::train_step(&small, &mut b, &xb, &yb, &wb, &sc, true).unwrap().unwrap();
            assert!(lt.accepts(lb as f64, la as f64), "{arch} step {i}: loss {lb} on the small device vs {la}");
            // Gradients, not weights after Adam: the bias of a convolution followed by batch norm
            // has a gradient of rounding noise (~1e-9), which Adam's normalisation turns into a
            // step of ±lr whatever its sign — any change of summation order flips it.
            let (ga, gb) = (a.params.download_grads(&full).unwrap(), b.params.download_grads(&small).unwrap());
            for ((name, _, va), (_, _, vb)) in ga.iter().zip(&gb) {
                for (x, y) in vb.iter().zip(va) {
                    assert!(gt.accepts(*x as f64, *y as f64), "{arch} step {i}: gradient of {name}: {x} vs {y}");
                }
            }
            // Running statistics after the first step (later ones see the biases above).
            if i == 0 {
                let (sa, sb) = (a.params.download_state(&full).unwrap(), b.params.download_state(&small).unwrap());
                for ((name, _, va), (_, _, vb)) in sa.iter().zip(&sb) {
                    for (x, y) in vb.iter().zip(va) {
                        assert!(tolerance("model_running_stats").accepts(*x as f64, *y as f64), "{arch}: {name}: {x} vs {y}");
                    }
                }
            }
        }
    }
}

#[test]
fn one_image_larger_than_a_binding_is_a_clear_error() {
    let small = small_binding_gpu(16 * 1024);
    // One 8-channel 32² image is 32 KiB: no range of images fits a 16 KiB binding.
    let x = small.upload_f32("x", &vec![0.5; 2 * 8 * 32 * 32], &[2, 8, 32, 32]).unwrap();
    let w = small.upload_f32("w", &vec![0.1; 8 * 8 * 9], &[8, 8, 3, 3]).unwrap();
    let y = small.tensor("y", &[2, 8, 32, 32], lungseg::DType::F32).unwrap();
    let mut enc = small.encoder("too big");
    let err = lungseg::kernels::conv2d::conv2d_forward(&small, &mut enc, &x, &w, None, &y).unwrap_err().to_string();
    assert!(err.contains("conv2d_forward") && err.contains("max_storage_buffer_binding_size") && err.contains("16384"), "{err}");
    let _ = GpuOptions::default();
}
