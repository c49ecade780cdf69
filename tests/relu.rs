//! relu against the CPU reference; reference backward vs finite differences (away from 0).

mod common;
use lungseg::reference::{dot, numeric_gradient, relu as r};
use lungseg::selftest;

#[test]
fn relu_matches_reference_on_hostile_shapes() {
    let gpu = common::gpu();
    for (i, &shape) in selftest::NCHW_CASES.iter().enumerate() {
        common::assert_rows(selftest::relu(&gpu, 300 + i as u64, shape).expect("check ran"));
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
