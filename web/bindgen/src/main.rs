//! `lungseg-bindgen IN.wasm OUT_DIR`: writes OUT_DIR/lungseg_web.js and OUT_DIR/lungseg_web_bg.wasm
//! (ES module for `<script type="module">`), as `wasm-bindgen --target web` would.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir] = args.as_slice() else {
        eprintln!("usage: lungseg-bindgen IN.wasm OUT_DIR");
        std::process::exit(2);
    };
    let result = wasm_bindgen_cli_support::Bindgen::new()
        .input_path(input)
        .web(true)
        // As the CLI does: without an argument, the module's init() fetches the .wasm beside it.
        .and_then(|b| b.typescript(false).omit_default_module_path(false).generate(out_dir));
    if let Err(e) = result {
        eprintln!("lungseg-bindgen: {input}: {e:#}");
        std::process::exit(1);
    }
}
