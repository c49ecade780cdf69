//! The command line on bad input, through the built binary: a clear message on stderr and a
//! non-zero exit — never a Rust panic, never a silent success.

mod common;
use std::process::Command;

/// The built binary with `args`, in the environment every test here runs it in.
fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lungseg"));
    cmd.args(args)
        .env("XDG_RUNTIME_DIR", std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()))
        // The defaults these tests check, whatever the caller's environment tunes.
        .env_remove("LUNGSEG_REDUCTION_WORKGROUPS");
    cmd
}

fn lungseg(args: &[&str]) -> (i32, String) {
    let out = command(args).output().expect("the lungseg binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let (code, text) = lungseg(args);
    assert!(code != 0, "lungseg {args:?} exited 0:\n{text}");
    assert!(!text.contains("panicked"), "lungseg {args:?} panicked:\n{text}");
    for n in needles {
        assert!(text.contains(n), "lungseg {args:?}: expected {n:?} in:\n{text}");
    }
}

#[test]
fn zero_counts_are_refused_before_anything_runs() {
    fails_with(&["train", "--batch", "0"], &["--batch must be at least 1"]);
    fails_with(&["train", "--epochs", "0"], &["--epochs must be at least 1"]);
    fails_with(&["train", "--checkpoint-every", "0"], &["--checkpoint-every must be at least 1"]);
    fails_with(&["train", "--lr=-1"], &["--lr must be a positive finite number"]);
    fails_with(&["train", "--fold", "5", "--folds", "5"], &["--fold 5"]);
    fails_with(&["bench", "--iters", "0"], &["--iters must be at least 1"]);
    fails_with(&["bench", "--model", "unet", "--steps", "0"], &["--steps"]);
    fails_with(&["train", "--reduction-workgroups", "0"], &["--reduction-workgroups", "\"0\" is not a whole number ≥ 1"]);
    fails_with(&["info", "--reduction-workgroups", "many"], &["--reduction-workgroups", "\"many\" is not a whole number ≥ 1"]);
}

#[test]
fn report_on_a_missing_or_foreign_folder_is_an_error() {
    fails_with(
        &["report", "--runs", "/nonexistent/lungseg-run", "--out", "/tmp/lungseg-cli-test-report.md"],
        &["/nonexistent/lungseg-run", "no such folder"],
    );
    let empty = tmp("empty");
    std::fs::create_dir_all(&empty).unwrap();
    fails_with(
        &["report", "--runs", empty.to_str().unwrap(), "--out", "/tmp/lungseg-cli-test-report.md"],
        &["no cv.json, sweep.json or metrics.json"],
    );
}

#[test]
fn unknown_kernel_family_lists_the_choices() {
    fails_with(&["info", "--kernels", "fastest"], &["fastest", "auto, cpu, gpu, portable"]);
    fails_with(&["bench", "--profile"], &["--profile", "--model"]);
    fails_with(&["bench", "--model", "unet", "--only", "relu"], &["--only", "--model"]);
}

#[test]
fn info_names_the_kernel_family() {
    let (code, text) = lungseg(&["info"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("kernel family: "), "{text}");
    let (code, text) = lungseg(&["info", "--kernels", "gpu", "--reduction-workgroups", "777"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("split reductions aim at 777 workgroups"), "{text}");
    let (_, text) = lungseg(&["info", "--kernels", "gpu"]);
    assert!(text.contains("split reductions aim at 2048 workgroups"), "{text}");
}

fn tmp(name: &str) -> common::Scratch {
    common::scratch("cli", name)
}

#[test]
fn unknown_words_name_the_choices() {
    fails_with(&["train", "--model", "resnet"], &["resnet", "unet or segnet"]);
    fails_with(&["train", "--task", "triple"], &["triple", "binary or multi"]);
    fails_with(&["train", "--normalization", "magic"], &["magic", "zerocenter, per-image, lung or none"]);
    fails_with(&["train", "--class-weights", "heavy"], &["heavy", "median, sqrt-median or uniform"]);
    fails_with(&["train", "--preset", "huge"], &["huge", "quick or paper"]);
}

#[test]
fn missing_files_are_named() {
    fails_with(&["train", "--data", "/nonexistent/slices", "--epochs", "1"], &["/nonexistent/slices"]);
    fails_with(&["train", "--resume", "/nonexistent/run"], &["/nonexistent/run"]);
    let out = tmp("missing-out");
    fails_with(
        &["predict", "--checkpoint", "/nonexistent/best.safetensors", "--input", "/nonexistent/ct.png", "--output", out.to_str().unwrap()],
        &["/nonexistent/best.safetensors"],
    );
    fails_with(&["export", "--checkpoint", "/nonexistent/run", "--out", "/tmp/x.safetensors"], &["/nonexistent/run"]);
    fails_with(&["eval", "--run", "/nonexistent/run-a", "--run", "/nonexistent/run-b"], &["/nonexistent/run-a"]);
    fails_with(&["eval", "--run", "/nonexistent/run-a", "--out", "/tmp/x"], &["--out", "more than once"]);
    fails_with(&["eval", "--run", "/nonexistent/run-a", "--run", "/nonexistent/run-b", "--split", "val"], &["--split val"]);
    let not_a_checkpoint = tmp("not-a-checkpoint");
    std::fs::create_dir_all(&not_a_checkpoint).unwrap();
    let f = not_a_checkpoint.join("model.safetensors");
    std::fs::write(&f, b"this is not a safetensors file").unwrap();
    fails_with(
        &["predict", "--checkpoint", f.to_str().unwrap(), "--input", "/nonexistent/ct.png", "--output", out.to_str().unwrap()],
        &[f.to_str().unwrap(), "not a safetensors file"],
    );
}

/// A tiny run through the binary: resume rules, export, weights-only prediction.
#[test]
fn a_run_resumes_only_with_what_may_change_and_exports_weights_that_predict() {
    let run = tmp("run");
    let r = run.to_str().unwrap();
    let tiny = ["--size", "32", "--width", "4", "--batch", "8", "--epochs", "1", "--out", r];
    let (code, text) = lungseg(&[&["train"][..], &tiny].concat());
    assert_eq!(code, 0, "{text}");
    fails_with(&["train", "--resume", r, "--lr", "0.1"], &["--lr", "cannot change"]);
    fails_with(&["train", "--resume", r, "--model", "segnet"], &["--model", "unet"]);
    fails_with(&["train", "--resume", r, "--epochs", "0"], &["--epochs"]);
    let (code, text) = lungseg(&["train", "--resume", r, "--epochs", "2", "--batch", "8"]);
    assert_eq!(code, 0, "a resume may extend the epochs and repeat unchanged values:\n{text}");
    assert!(text.contains("resuming at epoch 2"), "{text}");

    let weights = run.join("model.safetensors");
    let w = weights.to_str().unwrap();
    let (code, text) = lungseg(&["export", "--checkpoint", r, "--out", w]);
    assert_eq!(code, 0, "{text}");
    let input = lungseg::data::shipped_dir().join("im/256/i045.png");
    let out = run.join("predicted");
    let (code, text) = lungseg(&["predict", "--checkpoint", w, "--input", input.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(out.join("i045_mask.png").exists() && out.join("severity.csv").exists(), "{text}");
    // A folder export is the run as prediction sees it; it never overwrites, and needs a run.
    let folder = run.join("model");
    let (code, text) = lungseg(&["export", "--checkpoint", r, "--out", folder.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("model written to") && folder.join("best.safetensors").exists() && folder.join("config.json").exists(), "{text}");
    fails_with(&["export", "--checkpoint", r, "--out", folder.to_str().unwrap()], &["not empty", "new folder"]);
    fails_with(
        &["export", "--checkpoint", w, "--out", run.join("from-file").to_str().unwrap()],
        &[w, "run folder", "--out FILE.safetensors"],
    );
    let (code, text) = lungseg(&[
        "predict",
        "--checkpoint",
        folder.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    // The exported file cannot resume a run.
    let resumed = tmp("resume-from-weights");
    std::fs::create_dir_all(&resumed).unwrap();
    std::fs::copy(run.join("config.json"), resumed.join("config.json")).unwrap();
    std::fs::copy(&weights, resumed.join("last.safetensors")).unwrap();
    fails_with(&["train", "--resume", resumed.to_str().unwrap()], &["no training state"]);
}

#[test]
fn the_shipped_data_search_names_every_place_it_looked() {
    let dirs = vec![std::path::PathBuf::from("/nonexistent/a"), std::path::PathBuf::from("/nonexistent/b")];
    let err = lungseg::data::find_shipped_in(&dirs).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/a") && err.contains("/nonexistent/b") && err.contains("LUNGSEG_DATA"), "{err}");
    assert!(lungseg::data::find_shipped().is_ok(), "the source tree's assets are found");
    // A copied binary finds the data through LUNGSEG_DATA from any folder.
    let bin = tmp("relocated");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("lungseg");
    std::fs::copy(env!("CARGO_BIN_EXE_lungseg"), &exe).unwrap();
    let run = bin.join("run");
    // Executing a file just written can fail with ETXTBSY while another test thread's fork still
    // holds the copy's descriptor (between its fork and exec): retry briefly.
    let out = (0..50)
        .find_map(|_| {
            match Command::new(&exe)
                .args(["train", "--size", "32", "--width", "4", "--batch", "8", "--epochs", "1", "--out", run.to_str().unwrap()])
                .current_dir(&bin)
                .env("LUNGSEG_DATA", lungseg::data::shipped_dir())
                .env("XDG_RUNTIME_DIR", "/tmp")
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the copied binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("\"Shipped\""), "a run on the shipped data names no build-machine path: {config}");
}

/// Without `--checkpoint`, `predict` uses the shipped model (assets/model) on a shipped slice:
/// a 4-class mask, an overlay and the share of lung per class.
#[test]
fn predict_without_a_checkpoint_uses_the_shipped_model() {
    let out = tmp("shipped-model-predict");
    let input = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/medseg/im/256/i042.png");
    let (code, text) = lungseg(&["predict", "--input", input.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("using the shipped model") && text.contains("unet-multi-quick.safetensors"), "{text}");
    for f in ["i042_mask.png", "i042_overlay.png", "severity.csv"] {
        assert!(out.join(f).is_file(), "{f} missing:\n{text}");
    }
    let csv = std::fs::read_to_string(out.join("severity.csv")).unwrap();
    assert!(csv.starts_with("slice,lung_pixels,% lung C1 ground-glass opacity,"), "{csv}");
}

#[test]
fn augmentation_levers_out_of_range_are_refused() {
    fails_with(&["train", "--rotate", "200"], &["--rotate must be in [0, 180]"]);
    fails_with(&["train", "--scale", "0.7"], &["--scale must be in [0, 0.5)"]);
    fails_with(&["train", "--intensity", "1"], &["--intensity must be in [0, 1)"]);
    fails_with(&["train", "--normalization", "hospital"], &["hospital", "zerocenter, per-image, lung or none"]);
}

/// The bare `lungseg` (the main job) takes no flags, so its device settings come from the
/// environment alone: a bad one is refused before anything trains, naming the variables.
#[test]
fn the_bare_main_job_checks_the_environments_device_settings() {
    for (var, value, needle) in [
        ("LUNGSEG_KERNELS", "bogus", "unknown kernel family \"bogus\""),
        ("LUNGSEG_REDUCTION_WORKGROUPS", "0", "\"0\" is not a whole number ≥ 1"),
    ] {
        let mut child = command(&[])
            .env(var, value)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the lungseg binary runs");
        // Were the setting ignored, the main job would train for minutes: stop it and fail.
        let started = std::time::Instant::now();
        while child.try_wait().expect("waiting on lungseg").is_none() {
            if started.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{var}={value}: the main job was still running after 60 s — the setting was ignored");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let out = child.wait_with_output().expect("lungseg's output");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{var}={value}: exited 0:\n{text}");
        assert!(text.contains(needle) && text.contains(var), "{var}={value}: expected {needle:?} and {var} in:\n{text}");
    }
}
