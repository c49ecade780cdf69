//! `Gpu::profile`: every compute pass of a training step is timed by timestamp queries, and the
//! per-entry-point report names the kernels the step ran, with their dispatch counts.

mod common;

#[test]
fn profile_of_a_training_step_names_its_kernels_and_counts_dispatches() {
    let gpu = common::gpu();
    assert!(gpu.features().contains(wgpu::Features::TIMESTAMP_QUERY), "lavapipe offers timestamp queries");
    let (rows, profiles) = lungseg::bench::model(&gpu, lungseg::models::Arch::UNet, 2, 1, 32, 1, true).expect("bench ran");
    let dispatches = rows.iter().find(|r| r.mode == "train").unwrap().dispatches_per_step;
    let (_, train) = profiles.iter().find(|(mode, _)| *mode == "train").expect("a train profile");
    let counted: usize = train.iter().map(|t| t.dispatches).sum();
    assert_eq!(counted, dispatches, "every dispatch of the step is timed once");
    for entry in ["adam_step", "cross_entropy_backward"] {
        assert!(train.iter().any(|t| t.entry == entry), "{entry} missing from {train:?}");
    }
    // The bias sums: `sum_per_channel`, or its vec4 entry `sum_per_channel4` where H·W % 4 == 0.
    assert!(train.iter().any(|t| t.entry.starts_with("sum_per_channel")), "{train:?}");
    assert!(train.iter().any(|t| t.entry.starts_with("conv2d_forward")), "{train:?}");
    assert!(train.iter().all(|t| t.ms.is_finite() && t.ms >= 0.0), "{train:?}");
    assert!(train.iter().map(|t| t.ms).sum::<f64>() > 0.0, "{train:?}");
    // The CPU's share: recording a step takes time, and never more than the step it is part of.
    for r in &rows {
        assert!(r.record_ms_per_step > 0.0 && r.record_ms_per_step <= r.median_s_per_step * 1e3, "{}", r.json());
    }
    // The convolution arithmetic per step, against the paper U-Net's layers counted by hand at
    // 32², batch 1, 2 classes (width 32, depth 2): 3×3 convolutions 1→32, 32→32 at 32²; 32→64,
    // 64→64 at 16²; 64→128, 128→128 at 8²; up 128→64 to 16², 128→64, 64→64; up 64→32 to 32²,
    // 64→32, 32→32; the 1×1 32→2 — 2 FLOP per multiply-add. Training adds both gradients of
    // every layer but the first's input gradient.
    let conv = |ci: u64, co: u64, s: u64, taps: u64| 2 * ci * co * s * s * taps;
    let forward = conv(1, 32, 32, 9)
        + conv(32, 32, 32, 9)
        + conv(32, 64, 16, 9)
        + conv(64, 64, 16, 9)
        + conv(64, 128, 8, 9)
        + conv(128, 128, 8, 9)
        + conv(128, 64, 16, 1)
        + conv(128, 64, 16, 9)
        + conv(64, 64, 16, 9)
        + conv(64, 32, 32, 1)
        + conv(64, 32, 32, 9)
        + conv(32, 32, 32, 9)
        + conv(32, 2, 32, 1);
    let train = 3 * forward - conv(1, 32, 32, 9);
    for (mode, flop) in [("train", train), ("infer", forward)] {
        let r = rows.iter().find(|r| r.mode == mode).unwrap();
        assert_eq!((r.gflop_per_step * 1e9).round() as u64, flop, "{}", r.json());
        assert!((r.gflops - r.gflop_per_step / r.median_s_per_step).abs() < 1e-9, "{}", r.json());
    }
    // Nothing is timed outside a profile.
    let ((), d) = gpu.record_dispatches(|| Ok(())).unwrap();
    assert!(d.is_empty());
}

/// After the first steps, when the pool hands every tensor of a step the same buffer as in the
/// step before, a training step builds no bind group: each dispatch reuses the one of the
/// previous step, its parameters at their own dynamic offset (the whole-model tests in
/// `tests/training.rs` fail when every dispatch reads the first slot instead).
#[test]
fn a_training_loop_in_steady_state_builds_no_bind_groups() {
    use lungseg::models::{Arch, Model, ModelConfig};
    use lungseg::step::{train_step, StepConfig};
    let gpu = common::gpu();
    let mut model = Model::new(&gpu, ModelConfig { width: 4, ..ModelConfig::paper(Arch::UNet, 2) }, 1).unwrap();
    let (n, size) = (2, 16);
    let x: Vec<f32> = (0..n * size * size).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
    let x = gpu.upload_f32("x", &x, &[n, 1, size, size]).unwrap();
    let y: Vec<u32> = (0..n * size * size).map(|i| (i % 7 == 0) as u32).collect();
    let y = gpu.upload_u32("y", &y, &[n, size, size]).unwrap();
    let w = gpu.full("w", &[2], 1.0).unwrap();
    let mut built = Vec::new();
    for i in 0..60 {
        train_step(&gpu, &mut model, &x, &y, &w, &StepConfig { lr: 1e-3, l2: 1e-4, dropout_seed: i }, i % 10 == 0).unwrap();
        built.push(gpu.bind_groups_built());
    }
    let first = built[0];
    let last_ten = built[59] - built[49];
    assert!(first > 0, "the first step builds its bind groups");
    assert_eq!(last_ten, 0, "steps 50–59 built {last_ten} bind groups (after each step: {built:?})");
}
