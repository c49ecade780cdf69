//! Shared by the GPU tests. A missing adapter is a failure, never a skip.
#![allow(dead_code)]

use lungseg::check::{header, CheckRow};
use lungseg::{Gpu, GpuOptions};

/// The adapter the tests run on: `LUNGSEG_BACKEND` / `LUNGSEG_ADAPTER` choose, default the best.
pub fn gpu() -> Gpu {
    let options = GpuOptions { backend: std::env::var("LUNGSEG_BACKEND").ok(), adapter: None };
    match Gpu::headless(&options) {
        Ok(g) => g,
        Err(e) => panic!("GPU tests need an adapter and none was usable — this is a failure, not a skip:\n{e}"),
    }
}

/// Prints the rows and fails if any is outside its tolerance.
pub fn assert_rows(rows: Vec<CheckRow>) {
    println!("{}", header());
    for r in &rows {
        println!("{r}");
    }
    let failed: Vec<String> = rows.iter().filter(|r| !r.passed()).map(|r| r.to_string()).collect();
    assert!(failed.is_empty(), "outside tolerance:\n{}", failed.join("\n"));
}
