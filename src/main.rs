//! The `lungseg` command line.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use lungseg::{Gpu, GpuOptions};

#[derive(Parser)]
#[command(name = "lungseg", version, about = "COVID-19 lung CT segmentation (U-Net, SegNet) on a WGSL compute engine")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone, Debug)]
struct AdapterArgs {
    /// Graphics backend: vulkan, gl, metal, dx12 (default: WGPU_BACKEND, else the best available).
    #[arg(long, env = "LUNGSEG_BACKEND")]
    backend: Option<String>,
    /// Case-insensitive substring of the adapter name (see `lungseg info`).
    #[arg(long, env = "LUNGSEG_ADAPTER")]
    adapter: Option<String>,
    /// Use only the portable kernels (no subgroup variants).
    #[arg(long)]
    portable: bool,
}

impl AdapterArgs {
    fn options(&self) -> GpuOptions {
        GpuOptions { backend: self.backend.clone(), adapter: self.adapter.clone(), portable: self.portable }
    }
    fn gpu(&self) -> Result<Gpu> {
        Gpu::headless(&self.options()).context("creating the GPU context")
    }
}

#[derive(Subcommand)]
enum Command {
    /// Adapters found, the one chosen, its limits and features.
    Info(AdapterArgs),
    /// Every kernel against its CPU reference on seeded hostile shapes; non-zero exit on failure.
    Selftest {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Also check every kernel at the paper's real sizes (slower).
        #[arg(long)]
        paper_sizes: bool,
    },
    /// Benchmarks as JSON lines: every kernel at the paper's heaviest shapes, or with --model a
    /// whole training step and inference pass.
    Bench {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Time a whole training step of this network (unet or segnet) instead of the kernels.
        #[arg(long)]
        model: Option<lungseg::models::Arch>,
        /// Classes (2 or 4) for --model.
        #[arg(long, default_value_t = 4)]
        classes: usize,
        /// Batch size for --model.
        #[arg(long, default_value_t = 2)]
        batch: usize,
        /// Image size for --model.
        #[arg(long, default_value_t = 256)]
        size: usize,
        /// Timed steps for --model (after one warm-up step).
        #[arg(long, default_value_t = 3)]
        steps: usize,
        /// Timed repetitions per kernel (median reported).
        #[arg(long, default_value_t = 5)]
        iters: usize,
        /// Skip checking the kernels against the CPU references before timing them.
        #[arg(long)]
        no_check: bool,
    },
}

fn info(args: &AdapterArgs) -> Result<()> {
    let all = lungseg::gpu::list_adapters(&GpuOptions { backend: args.backend.clone(), ..Default::default() });
    println!("adapters found ({}):", all.len());
    for a in &all {
        println!("  - {a}");
    }
    let gpu = args.gpu()?;
    let a = gpu.adapter();
    println!("chosen: {a}");
    println!("subgroup sizes: {}..{}; subgroup kernels in use: {}", a.subgroup_sizes.0, a.subgroup_sizes.1, gpu.uses_subgroups());
    let l = gpu.limits();
    println!("limits:");
    println!("  max_buffer_size: {}", l.max_buffer_size);
    println!("  max_storage_buffer_binding_size: {}", l.max_storage_buffer_binding_size);
    println!("  max_storage_buffers_per_shader_stage: {}", l.max_storage_buffers_per_shader_stage);
    println!("  max_compute_workgroups_per_dimension: {}", l.max_compute_workgroups_per_dimension);
    println!("  max_compute_workgroup_storage_size: {}", l.max_compute_workgroup_storage_size);
    println!("  max_compute_invocations_per_workgroup: {}", l.max_compute_invocations_per_workgroup);
    println!("features: {:?}", gpu.features());
    Ok(())
}

fn selftest(args: &AdapterArgs, paper_sizes: bool) -> Result<()> {
    let gpu = args.gpu()?;
    println!("adapter: {} (subgroup kernels: {})", gpu.adapter(), gpu.uses_subgroups());
    let mut rows = lungseg::selftest::all(&gpu)?;
    if paper_sizes {
        rows.extend(lungseg::selftest::paper_sizes(&gpu)?);
    }
    println!("{}", lungseg::check::header());
    for r in &rows {
        println!("{r}");
    }
    let failed = rows.iter().filter(|r| !r.passed()).count();
    println!("{} checks, {} failed", rows.len(), failed);
    if failed > 0 {
        bail!("{failed} kernel checks outside tolerance on {}", gpu.adapter_name());
    }
    Ok(())
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info(args)) => info(&args),
        Some(Command::Selftest { adapter, paper_sizes }) => selftest(&adapter, paper_sizes),
        Some(Command::Bench { adapter, model, classes, batch, size, steps, iters, no_check }) => {
            let gpu = adapter.gpu()?;
            if let Some(arch) = model {
                for row in lungseg::bench::model(&gpu, arch, classes, batch, size, steps)? {
                    println!("{}", row.json());
                }
                return Ok(());
            }
            for row in lungseg::bench::all(&gpu, iters, !no_check)? {
                println!("{}", row.json());
            }
            Ok(())
        }
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
    }
}
