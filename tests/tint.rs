//! Every shader through a second, independent WGSL compiler: Chrome's Tint, in headless Chromium's
//! WebGPU (`tests/tint/tint_check.py`). naga (tests/shaders.rs) does not check the WGSL spec's
//! uniformity rules for subgroup operations; Tint does, and the web build needs them met.
//! Needs `chromium` and Python's `websocket-client` (`.ci/run` installs both); a missing browser is
//! a failure, never a skip.

#[test]
fn every_shader_compiles_with_tint_in_chromium() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("python3")
        .arg(format!("{root}/tests/tint/tint_check.py"))
        .arg(format!("{root}/shaders"))
        .output()
        .expect("python3 runs tests/tint/tint_check.py");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "Tint rejected a shader, or the check could not run:\n{text}");
    let shaders = std::fs::read_dir(format!("{root}/shaders"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wgsl"))
        .count();
    assert!(text.contains(&format!("tint: {shaders} of {shaders} shaders compiled, 0 failed")), "{text}");
}
