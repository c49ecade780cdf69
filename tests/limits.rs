//! Device limits: tensors larger than a storage binding are processed in ranges of images, and
//! what cannot be (one image past the limit, a tensor past the buffer limit) is a clear error
//! naming the op, the shapes and the limit — never a wgpu panic; an embedded device's own
//! (smaller) limits are the ones obeyed.

mod common;
use lungseg::{Error, Gpu};

#[test]
fn tensor_over_the_buffer_limit_is_a_clear_error() {
    let gpu = common::gpu();
    let limit = gpu.limits().max_buffer_size;
    let elems = (limit / 4 + 1) as usize;
    let err = gpu.tensor("conv2d_forward", &[1, 1, 1, elems], lungseg::DType::F32).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("conv2d_forward") && msg.contains("max_buffer_size") && msg.contains(&limit.to_string()), "{msg}");
}

#[test]
fn embedded_device_limits_are_read_from_the_device() {
    // A host application that created its device with small limits: lungseg must obey them.
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let adapter = adapters.first().expect("GPU tests need an adapter: this is a failure, not a skip");
    let limits = wgpu::Limits { max_storage_buffer_binding_size: 1 << 20, ..wgpu::Limits::default() };
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("host app"),
        required_limits: limits,
        ..Default::default()
    }))
    .expect("device with small limits");
    let gpu = Gpu::from_device(device, queue).expect("embedding works");
    assert_eq!(gpu.max_binding_bytes(), 1 << 20);
    // 2 × 16 × 128 × 128 f32 = 2 MiB > 1 MiB: processed one 1 MiB image at a time, same result.
    let x = ndarray::Array4::<f32>::from_shape_fn((2, 16, 128, 128), |(n, c, h, w)| ((n * 7 + c * 3 + h + 2 * w) % 11) as f32 - 5.0);
    let w = ndarray::Array4::<f32>::from_shape_fn((8, 16, 3, 3), |(o, i, a, b)| ((o + 2 * i + a * 3 + b) % 5) as f32 * 0.1 - 0.2);
    let (_, dispatches) = gpu.record_dispatches(|| lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None))).unwrap();
    assert!(dispatches.iter().filter(|d| d.entry.starts_with("conv2d_forward")).count() == 2, "{dispatches:?}");
    let y = lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None)).unwrap();
    assert!(
        y == lungseg::block_on(lungseg::host::conv2d_forward(&common::gpu(), &x, &w, None)).unwrap(),
        "chunked and whole results differ"
    );
    // 32 channels × 128² f32 = 2 MiB per image: no range of images fits; a clear error.
    let x = ndarray::Array4::<f32>::zeros((2, 32, 128, 128));
    let w = ndarray::Array4::<f32>::zeros((8, 32, 3, 3));
    let err = lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None)).unwrap_err().to_string();
    assert!(err.contains("[2, 32, 128, 128]") && err.contains("1048576"), "{err}");
    // Within the limits, the embedded device computes normally.
    let x = ndarray::Array4::<f32>::ones((1, 2, 5, 5));
    let w = ndarray::Array4::<f32>::ones((1, 2, 3, 3));
    let y = lungseg::block_on(lungseg::host::conv2d_forward(&gpu, &x, &w, None)).unwrap();
    assert_eq!(y[[0, 0, 2, 2]], 18.0);
    assert_eq!(y[[0, 0, 0, 0]], 8.0);
}

#[test]
fn dispatch_beyond_one_dimension_folds_into_two() {
    // 70,000 × 256 elements → 70,000 workgroups, more than 65,535 in one dimension.
    let gpu = common::gpu();
    let n = 70_000 * 256;
    let x = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[n]), |i| if i[0] % 3 == 0 { -1.0f32 } else { i[0] as f32 });
    let y = lungseg::block_on(lungseg::host::relu_forward(&gpu, &x)).unwrap();
    assert!(y.iter().zip(x.iter()).all(|(&a, &b)| a == b.max(0.0)));
}

#[test]
fn a_device_with_too_few_storage_bindings_is_refused_clearly() {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    let adapter = adapters.first().expect("GPU tests need an adapter: this is a failure, not a skip");
    let (device, queue) = pollster::block_on(
        adapter.request_device(&wgpu::DeviceDescriptor { required_limits: wgpu::Limits::downlevel_defaults(), ..Default::default() }),
    )
    .expect("downlevel device");
    let err = Gpu::from_device(device, queue).err().expect("4 storage buffers per stage is too few").to_string();
    assert!(err.contains("max_storage_buffers_per_shader_stage") && err.contains('8'), "{err}");
}

#[test]
fn no_matching_adapter_is_a_clear_error_listing_what_was_found() {
    let err = Gpu::headless(&lungseg::GpuOptions { adapter: Some("no-such-adapter-xyz".into()), ..Default::default() })
        .err()
        .expect("no adapter has that name");
    assert!(matches!(err, Error::NoAdapter { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("no-such-adapter-xyz") && msg.contains("adapters found") && msg.contains("mesa-vulkan-drivers"), "{msg}");
}
