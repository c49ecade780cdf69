//! Every kernel family passes the whole `lungseg selftest` on this adapter, and `auto` picks the
//! family the adapter calls for.

mod common;
use lungseg::KernelFamily;

fn selftest_passes(family: KernelFamily) {
    let gpu = common::gpu_with(family);
    assert_eq!(gpu.kernel_family(), family, "asked for {family}");
    common::assert_rows(lungseg::block_on(lungseg::selftest::all(&gpu)).expect("selftest ran"));
}

/// The `cpu` family needs subgroups of ≥ 8 (lavapipe has them: CI sets LUNGSEG_EXPECT_SUBGROUPS);
/// elsewhere asking for it must be a clear error, not a silent fallback.
#[test]
fn cpu_family_passes_selftest_or_is_refused_clearly() {
    let auto = common::gpu();
    if auto.uses_subgroups() || std::env::var("LUNGSEG_EXPECT_SUBGROUPS").is_ok_and(|v| v == "1") {
        selftest_passes(KernelFamily::Cpu);
    } else {
        let options =
            lungseg::GpuOptions { kernels: KernelFamily::Cpu, backend: std::env::var("LUNGSEG_BACKEND").ok(), ..Default::default() };
        let err = lungseg::Gpu::headless(&options).err().expect("cpu family without subgroups is refused").to_string();
        assert!(err.contains("needs subgroups"), "{err}");
    }
}

#[test]
fn gpu_family_passes_selftest() {
    selftest_passes(KernelFamily::Gpu);
}

#[test]
fn portable_family_passes_selftest() {
    let gpu = common::gpu_with(KernelFamily::Portable);
    assert!(!gpu.uses_subgroups(), "the portable family must not use subgroup kernels");
    selftest_passes(KernelFamily::Portable);
}

#[test]
fn auto_picks_by_device_type_and_subgroups() {
    let gpu = common::gpu_with(KernelFamily::Auto);
    let info = gpu.device.adapter_info();
    let subgroups = gpu.features().contains(wgpu::Features::SUBGROUP) && info.subgroup_min_size >= 8;
    let want = match (subgroups, info.device_type) {
        (false, _) => KernelFamily::Portable,
        (true, wgpu::DeviceType::Cpu) => KernelFamily::Cpu,
        (true, _) => KernelFamily::Gpu,
    };
    assert_eq!(gpu.kernel_family(), want, "on {}", gpu.adapter_name());
}

#[test]
fn unknown_family_names_are_refused_with_the_choices() {
    let err = "fastest".parse::<KernelFamily>().unwrap_err().to_string();
    assert!(err.contains("fastest") && err.contains("auto, cpu, gpu, portable"), "{err}");
    assert_eq!(" GPU ".parse::<KernelFamily>().unwrap(), KernelFamily::Gpu);
}
