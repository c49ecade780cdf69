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
    // Nothing is timed outside a profile.
    let ((), d) = gpu.record_dispatches(|| Ok(())).unwrap();
    assert!(d.is_empty());
}
