//! Every shader file parses and validates with naga, translates to SPIR-V, MSL and HLSL (Metal and
//! DX12 cannot run here, so translation is what we can check), and its `struct Params` has the
//! same size as the Rust mirror the launcher uploads. No GPU needed.

use lungseg::kernels::SHADERS;
use naga::valid::{Capabilities, ValidationFlags, Validator};

fn module_and_info(name: &str, source: &str, subgroups: bool) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("shaders/{name}.wgsl does not parse:\n{}", e.emit_to_string(source)));
    let caps = if subgroups { Capabilities::SUBGROUP } else { Capabilities::empty() };
    let info = Validator::new(ValidationFlags::all(), caps)
        .subgroup_stages(naga::valid::ShaderStages::COMPUTE)
        .subgroup_operations(naga::valid::SubgroupOperationSet::all())
        .validate(&module)
        .unwrap_or_else(|e| panic!("shaders/{name}.wgsl does not validate:\n{}", e.emit_to_string(source)));
    (module, info)
}

#[test]
fn every_shader_file_is_registered() {
    let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wgsl"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut registered: Vec<String> = SHADERS.iter().map(|s| s.name.to_string()).collect();
    registered.sort();
    assert_eq!(on_disk, registered);
}

#[test]
fn preludes_are_loaded_as_each_shader_names_them() {
    // A shader file whose first line is `// prelude: NAME [NAME…]` is registered as the preludes'
    // texts followed by the file; every other shader as the file alone (Tint's check loads them the
    // same way).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/shaders");
    let mut used = Vec::new();
    for s in SHADERS {
        let file = std::fs::read_to_string(format!("{dir}/{}.wgsl", s.name)).unwrap();
        let first = file.lines().next().unwrap_or("");
        // `// prelude: NAME [NAME…] (comment)`: the names before the comment, in order.
        let names: Vec<&str> =
            first.strip_prefix("// prelude: ").map_or(Vec::new(), |rest| rest.split('(').next().unwrap().split_whitespace().collect());
        let mut want = String::new();
        for name in names {
            let (_, prelude) = lungseg::pipelines::PRELUDES
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap_or_else(|| panic!("{}: prelude {name} is not registered", s.name));
            assert_eq!(*prelude, std::fs::read_to_string(format!("{dir}/prelude/{name}.wgsl")).unwrap());
            used.push(name.to_string());
            want.push_str(prelude);
        }
        want.push_str(&file);
        assert!(s.source == want, "{}: the registered source is not (prelude +) the file", s.name);
    }
    for (name, _) in lungseg::pipelines::PRELUDES {
        assert!(used.iter().any(|u| u == name), "prelude {name} is used by no shader");
    }
}

#[test]
fn shaders_validate_and_entry_points_exist() {
    for s in SHADERS {
        let (module, _) = module_and_info(s.name, s.source, s.needs_subgroups);
        let names: Vec<&str> = module.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names.len(), s.entry_points.len(), "{}: entry points {names:?}", s.name);
        for e in s.entry_points {
            assert!(names.contains(e), "{}: missing entry point {e}", s.name);
        }
        // Without the subgroup capability, only the subgroup shaders may fail validation.
        if !s.needs_subgroups {
            continue;
        }
        let plain = naga::front::wgsl::parse_str(s.source).unwrap();
        assert!(
            Validator::new(ValidationFlags::all(), Capabilities::empty()).validate(&plain).is_err(),
            "{} claims to need subgroups but does not",
            s.name
        );
    }
}

/// Every entry point fits WebGPU's default of 8 storage buffers per shader stage (what
/// `lungseg::kernels::MIN_STORAGE_BUFFERS` asks of a device): counted statically from what each
/// entry point uses, so a kernel that grows a binding fails here, not only on a browser or an
/// embedding host's default-limit device (lavapipe offers more).
#[test]
fn every_entry_point_fits_the_default_storage_buffer_limit() {
    for s in SHADERS {
        let (module, info) = module_and_info(s.name, s.source, s.needs_subgroups);
        for (i, ep) in module.entry_points.iter().enumerate() {
            let ep_info = info.get_entry_point(i);
            let mut bindings: Vec<u32> = module
                .global_variables
                .iter()
                .filter(|(h, g)| matches!(g.space, naga::AddressSpace::Storage { .. }) && !ep_info[*h].is_empty())
                .filter_map(|(_, g)| g.binding.as_ref().map(|b| b.binding))
                .collect();
            bindings.sort();
            bindings.dedup();
            assert!(
                bindings.len() as u32 <= lungseg::kernels::MIN_STORAGE_BUFFERS,
                "{}::{} uses {} storage buffers {bindings:?}; WebGPU's default limit is {}",
                s.name,
                ep.name,
                bindings.len(),
                lungseg::kernels::MIN_STORAGE_BUFFERS
            );
        }
    }
}

#[test]
fn shaders_translate_to_spirv_msl_and_hlsl() {
    for s in SHADERS {
        let (module, info) = module_and_info(s.name, s.source, s.needs_subgroups);
        let spv_options = naga::back::spv::Options { lang_version: (1, 3), ..Default::default() };
        naga::back::spv::write_vec(&module, &info, &spv_options, None).unwrap_or_else(|e| panic!("{} → SPIR-V: {e}", s.name));
        let msl_options = naga::back::msl::Options { lang_version: (2, 1), ..Default::default() };
        naga::back::msl::write_string(&module, &info, &msl_options, &naga::back::msl::PipelineOptions::default())
            .unwrap_or_else(|e| panic!("{} → MSL: {e}", s.name));
        let hlsl_options = naga::back::hlsl::Options { shader_model: naga::back::hlsl::ShaderModel::V6_0, ..Default::default() };
        let mut out = String::new();
        naga::back::hlsl::Writer::new(&mut out, &hlsl_options, &naga::back::hlsl::PipelineOptions::default())
            .write(&module, &info, None)
            .unwrap_or_else(|e| panic!("{} → HLSL: {e}", s.name));
    }
}

#[test]
fn params_structs_match_rust_mirrors() {
    for s in SHADERS {
        let (module, _) = module_and_info(s.name, s.source, s.needs_subgroups);
        let (_, ty) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("Params"))
            .unwrap_or_else(|| panic!("{}: no struct Params", s.name));
        let mut layouter = naga::proc::Layouter::default();
        layouter.update(module.to_ctx()).unwrap();
        let handle = module.types.iter().find(|(_, t)| t.name.as_deref() == Some("Params")).unwrap().0;
        let size = layouter[handle].size as usize;
        let mirror = lungseg::kernels::PARAMS
            .iter()
            .find(|(name, _)| *name == s.name)
            .unwrap_or_else(|| panic!("{}: no Rust Params mirror listed in kernels::PARAMS", s.name))
            .1;
        assert_eq!(size, mirror, "{}: WGSL Params is {size} bytes, Rust mirror {mirror} ({:?})", s.name, ty.inner);
        // Uniform buffers need 16-byte multiples.
        assert_eq!(size % 16, 0, "{}: Params must be a multiple of 16 bytes", s.name);
    }
}

/// The written-out 32-channel weight gradient is what its generator writes: an edit to one
/// without the other fails here.
#[test]
fn written_out_weight_gradient_matches_its_generator() {
    let body = generator_output("gen_weight_grad32.py");
    let shader = shader_source("conv2d_subgroup.wgsl");
    let kernel = &shader[shader.find("fn conv2d_backward_weight_subgroup32_aligned").expect("the entry point")..];
    assert!(
        kernel.contains(body.trim_end()),
        "conv2d_backward_weight_subgroup32_aligned's loop body differs from tools/gen_weight_grad32.py's output"
    );
}

/// The written-out transposed-conv forward and backward-input of the `cpu` family are what their
/// generator writes.
#[test]
fn written_out_transposed_conv_kernels_match_their_generator() {
    let function = generator_output("gen_conv_transpose2d_wide.py");
    let shader = shader_source("conv_transpose2d_subgroup.wgsl");
    assert!(
        shader.contains(function.trim_end()),
        "conv_transpose2d_forward_subgroup16x2_aligned / _backward_input_subgroup32x2_aligned differ from tools/gen_conv_transpose2d_wide.py's output"
    );
}

/// What `tools/SCRIPT` prints (the written-out kernels' generators).
fn generator_output(script: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("python3")
        .arg(format!("{root}/tools/{script}"))
        .output()
        .unwrap_or_else(|e| panic!("python3 runs tools/{script}: {e}"));
    assert!(out.status.success(), "tools/{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn shader_source(file: &str) -> String {
    std::fs::read_to_string(format!("{}/shaders/{file}", env!("CARGO_MANIFEST_DIR"))).expect("the shader")
}
