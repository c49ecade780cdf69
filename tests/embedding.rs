//! Embedding hazards: lungseg's encoders stay correct whatever a host submits between recording
//! and submitting them.

mod common;
use lungseg::kernels::relu;

/// Encoder A records a ReLU over 70,000 values and stays open while the host records and submits
/// 600 other lungseg encoders (each one small ReLU) — more dispatches than the uniform-parameter
/// ring held, so a shared ring whose pending count was reset by those submits wrapped onto A's
/// slot and A ran with another dispatch's parameters (a length of 37: most of A's output was never
/// written). Each encoder now owns its parameter slots until it is submitted.
#[test]
fn an_open_encoder_keeps_its_parameters_while_others_are_submitted() {
    let gpu = common::gpu();
    let n = 70_000;
    let x: Vec<f32> = (0..n).map(|i| if i % 3 == 0 { -(i as f32) } else { i as f32 * 0.5 }).collect();
    let xa = gpu.upload_f32("x", &x, &[n]).unwrap();
    let ya = gpu.upload_f32("y", &vec![f32::NAN; n], &[n]).unwrap();
    let mut a = gpu.encoder("A, kept open");
    relu::relu_forward(&gpu, &mut a, &xa, &ya).unwrap();

    let xs = gpu.upload_f32("small x", &[1.0; 37], &[37]).unwrap();
    let ys = gpu.tensor("small y", &[37], lungseg::DType::F32).unwrap();
    for _ in 0..600 {
        let mut b = gpu.encoder("B");
        relu::relu_forward(&gpu, &mut b, &xs, &ys).unwrap();
        gpu.submit(b);
    }
    gpu.submit(a);
    let y = gpu.download_f32(&ya).unwrap();
    let wrong = y.iter().zip(&x).filter(|(g, v)| **g != v.max(0.0)).count();
    assert_eq!(wrong, 0, "{wrong} of {n} outputs of the open encoder are wrong");
}

/// Two lungseg encoders open at once, submitted in the opposite order of recording.
#[test]
fn interleaved_encoders_submitted_out_of_order_are_both_right() {
    let gpu = common::gpu();
    let make = |n: usize, s: f32| {
        let x: Vec<f32> = (0..n).map(|i| (i as f32 - n as f32 / 2.0) * s).collect();
        (gpu.upload_f32("x", &x, &[n]).unwrap(), gpu.upload_f32("y", &vec![f32::NAN; n], &[n]).unwrap(), x)
    };
    let (x1, y1, v1) = make(5_000, 0.25);
    let (x2, y2, v2) = make(3_001, -1.5);
    let mut e1 = gpu.encoder("first");
    let mut e2 = gpu.encoder("second");
    for _ in 0..300 {
        relu::relu_forward(&gpu, &mut e1, &x1, &y1).unwrap();
        relu::relu_forward(&gpu, &mut e2, &x2, &y2).unwrap();
    }
    gpu.submit(e2);
    gpu.submit(e1);
    for (y, v) in [(&y1, &v1), (&y2, &v2)] {
        let got = gpu.download_f32(y).unwrap();
        assert!(got.iter().zip(v).all(|(g, v)| *g == v.max(0.0)), "an interleaved encoder computed a wrong ReLU");
    }
}
