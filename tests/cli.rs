//! The command line on bad input, through the built binary: a clear message on stderr and a
//! non-zero exit — never a Rust panic, never a silent success.

use std::process::Command;

fn lungseg(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lungseg"))
        .args(args)
        .env("XDG_RUNTIME_DIR", std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()))
        .output()
        .expect("the lungseg binary runs");
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
}

#[test]
fn report_on_a_missing_or_foreign_folder_is_an_error() {
    fails_with(
        &["report", "--runs", "/nonexistent/lungseg-run", "--out", "/tmp/lungseg-cli-test-report.md"],
        &["/nonexistent/lungseg-run", "no such folder"],
    );
    let empty = std::env::temp_dir().join(format!("lungseg-cli-empty-{}", std::process::id()));
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
}

#[test]
fn info_names_the_kernel_family() {
    let (code, text) = lungseg(&["info"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("kernel family: "), "{text}");
}
