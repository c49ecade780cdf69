//! relu against the CPU reference; reference backward vs finite differences (away from 0).

mod common;
use lungseg::reference::{dot, numeric_gradient, relu as r};
use lungseg::selftest;

#[test]
fn relu_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(lungseg::block_on(selftest::relu(&gpu, 300 + i as u64, shape)).expect("check ran"));
    }
}

#[test]
fn relu_reference_backward_matches_finite_differences() {
    // Values kept at least 0.1 away from the kink, where the derivative is defined.
    let x = ndarray::Array::from_shape_fn(ndarray::IxDyn(&[2, 3, 4]), |i| {
        let v = ((i[0] * 12 + i[1] * 4 + i[2]) as f64 * 0.37).sin();
        if v.abs() < 0.1 {
            v + 0.3
        } else {
            v
        }
    });
    let g = x.mapv(|v| 1.5 - v);
    let num = numeric_gradient(&x, common::H, |x| dot(&r::relu_forward(x.view()), &g));
    common::assert_fd("relu dx", &num, &r::relu_backward(x.view(), g.view()));
}

/// Bit-exact with torch.relu on the values where `max(x, 0)` implementations differ: −0.0 stays
/// −0.0, NaN stays NaN, infinities and subnormals pass through; the backward is 0 at ±0.
#[test]
fn relu_is_bit_exact_with_pytorch_on_signed_zeros_nan_and_subnormals() {
    let gpu = common::gpu();
    let special = [-0.0f32, 0.0, f32::NAN, -1.5, 2.5, f32::INFINITY, f32::NEG_INFINITY, 1e-40, -1e-40, f32::MIN_POSITIVE];
    let x = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[special.len()]), special.to_vec()).unwrap();
    let y = lungseg::block_on(lungseg::host::relu_forward(&gpu, &x)).expect("relu ran");
    // torch.relu(torch.tensor([...])) gives, bit for bit:
    let want = [-0.0f32, 0.0, f32::NAN, 0.0, 2.5, f32::INFINITY, 0.0, 1e-40, 0.0, f32::MIN_POSITIVE];
    for ((&g, &w), &v) in y.iter().zip(&want).zip(&special) {
        assert_eq!(g.to_bits(), w.to_bits(), "relu({v:e}) = {g:e} ({:#x}), want {w:e} ({:#x})", g.to_bits(), w.to_bits());
    }
    let dy = x.mapv(|_| 3.0f32);
    let dx = lungseg::block_on(lungseg::host::relu_backward(&gpu, &x, &dy)).expect("relu backward ran");
    let want_dx = [0.0f32, 0.0, 0.0, 0.0, 3.0, 3.0, 0.0, 3.0, 0.0, 3.0];
    for ((&g, &w), &v) in dx.iter().zip(&want_dx).zip(&special) {
        assert_eq!(g.to_bits(), w.to_bits(), "relu backward at {v:e}: {g:e}, want {w:e}");
    }
}

/// An output that shares its buffer with an input is refused with an error naming the op, not a
/// wgpu validation panic.
#[test]
fn relu_refuses_an_output_aliasing_its_input() {
    let gpu = common::gpu();
    let x = gpu.full("t", &[2, 3, 4, 5], 1.0).unwrap();
    let mut enc = gpu.encoder("t");
    let err = lungseg::kernels::relu::relu_forward(&gpu, &mut enc, &x, &x).unwrap_err().to_string();
    assert!(err.contains("relu_forward") && err.contains("share one GPU buffer") && err.contains("[2, 3, 4, 5]"), "{err}");
    // A view of the same buffer aliases too.
    let v = x.reshape(&[120]).unwrap();
    let y = x.reshape(&[120]).unwrap();
    let err = lungseg::kernels::relu::relu_forward(&gpu, &mut enc, &v, &y).unwrap_err().to_string();
    assert!(err.contains("share one GPU buffer"), "{err}");
}
