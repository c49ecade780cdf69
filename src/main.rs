//! The `lungseg` command line.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use lungseg::config::{DataSource, Overrides, Preset, TrainConfig};
use lungseg::data::{ClassWeighting, Normalization, Task};
use lungseg::models::Arch;
use lungseg::train;
use lungseg::{Gpu, GpuOptions, KernelFamily};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    /// Kernel family: auto (from the adapter), cpu (lavapipe-style blocking, needs subgroups),
    /// gpu (discrete-GPU layout: reductions split over thousands of workgroups), portable (no
    /// subgroups). `lungseg info` says which one auto picks.
    #[arg(long, env = "LUNGSEG_KERNELS", default_value = "auto", value_parser = parse_family)]
    kernels: KernelFamily,
    /// Tuning: how many workgroups the split reductions (weight gradients, bias sums, batch-norm
    /// statistics, split-K convolutions) aim for, instead of the default (2048 on GPU layouts:
    /// the gpu family, or portable on a GPU; 64 on CPU layouts); 1 never splits. Each setting is
    /// deterministic, but sums change order with it (within the kernels' tolerances). Time
    /// settings with `lungseg bench --model M`.
    #[arg(long, env = "LUNGSEG_REDUCTION_WORKGROUPS", value_parser = parse_reduction_workgroups)]
    reduction_workgroups: Option<u64>,
}

fn parse_reduction_workgroups(s: &str) -> std::result::Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "{s:?} is not a whole number ≥ 1 (1 never splits a reduction; leave the option out for the kernel family's default)"
        )),
    }
}

fn parse_family(s: &str) -> std::result::Result<KernelFamily, String> {
    s.parse().map_err(|e: lungseg::Error| e.to_string())
}

impl AdapterArgs {
    /// The device options of the bare `lungseg` (no subcommand, so no flags): only what the
    /// environment sets — LUNGSEG_BACKEND, LUNGSEG_ADAPTER, LUNGSEG_KERNELS,
    /// LUNGSEG_REDUCTION_WORKGROUPS — checked as the flags would be.
    fn from_env() -> Result<AdapterArgs> {
        use clap::{Args, FromArgMatches};
        // clap names the flag; say which variable fed it.
        let explain = |e: clap::Error| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
            anyhow::anyhow!(
                "{first} (set through the environment: LUNGSEG_BACKEND, LUNGSEG_ADAPTER, LUNGSEG_KERNELS or LUNGSEG_REDUCTION_WORKGROUPS)"
            )
        };
        let matches = AdapterArgs::augment_args(clap::Command::new("lungseg")).try_get_matches_from(["lungseg"]).map_err(explain)?;
        AdapterArgs::from_arg_matches(&matches).map_err(explain)
    }
    fn options(&self) -> GpuOptions {
        GpuOptions { backend: self.backend.clone(), adapter: self.adapter.clone(), kernels: self.kernels }
    }
    fn gpu(&self) -> Result<Gpu> {
        let gpu = Gpu::headless(&self.options()).context("creating the GPU context")?;
        if let Some(target) = self.reduction_workgroups {
            gpu.set_reduction_workgroups(target);
        }
        Ok(gpu)
    }
}

#[derive(Args, Clone, Debug, Default)]
struct TrainArgs {
    /// Network: unet (default) or segnet.
    #[arg(long)]
    model: Option<Arch>,
    /// binary (default: infected or not) or multi (C0..C3).
    #[arg(long)]
    task: Option<Task>,
    /// quick (default; about 10–15 minutes on a 2-core CPU through lavapipe) or paper (the paper's setting).
    #[arg(long)]
    preset: Option<Preset>,
    /// Folder of PNG slices (the paper's im/256 + mask/multi/256 layout, or images/ + masks/).
    #[arg(long, conflicts_with = "nifti")]
    data: Option<PathBuf>,
    /// MedSeg NIfTI volumes: IMAGE (HU) MASK (0..3) [LUNGS].
    #[arg(long, num_args = 2..=3, value_names = ["IMAGE", "MASK", "LUNGS"])]
    nifti: Option<Vec<PathBuf>>,
    #[arg(long)]
    size: Option<usize>,
    /// Filters of the first stage.
    #[arg(long)]
    width: Option<usize>,
    #[arg(long)]
    epochs: Option<usize>,
    #[arg(long)]
    batch: Option<usize>,
    /// Initial learning rate (× 0.95 every 12 epochs).
    #[arg(long)]
    lr: Option<f32>,
    /// Seed of the initial weights, shuffles and augmentation — and of the split unless
    /// --split-seed is given.
    #[arg(long)]
    seed: Option<u64>,
    /// Seed of the split alone (default: --seed): runs of several --seed on one split or one
    /// cross-validation's folds, for a seed ensemble (`eval --run A --run B`).
    #[arg(long)]
    split_seed: Option<u64>,
    /// Cross-validation fold (0-based) of --folds; without it, the paper's 72/10/18 split.
    #[arg(long)]
    fold: Option<usize>,
    #[arg(long)]
    folds: Option<usize>,
    /// zerocenter (subtract the mean training image, MATLAB's default), per-image, lung (zero
    /// mean, unit deviation over the lung pixels) or none.
    #[arg(long)]
    normalization: Option<Normalization>,
    /// Turn off the paper's augmentation (vertical reflection, ±10° shear).
    #[arg(long)]
    no_augment: bool,
    /// Also rotate training slices by up to ± this many degrees (default 0: the paper's).
    #[arg(long, value_name = "DEG")]
    rotate: Option<f64>,
    /// Also scale training slices by a factor in [1 − S, 1 + S] (default 0).
    #[arg(long, value_name = "S")]
    scale: Option<f64>,
    /// Also vary the lung pixels' contrast (1 ± S), brightness (± S/2) and gamma (up to 1 + S,
    /// down to 1 / (1 + S)) of training slices (default 0).
    #[arg(long, value_name = "S")]
    intensity: Option<f64>,
    /// SegNet: batch norm + ReLU after the last convolution, as MATLAB's segnetLayers.
    #[arg(long)]
    final_bn_relu: bool,
    /// Cross-entropy class weights: median (median-frequency balancing, the paper), sqrt-median
    /// (their square root) or uniform.
    #[arg(long)]
    class_weights: Option<ClassWeighting>,
    /// Write the resumable checkpoint every N epochs (default 1).
    #[arg(long)]
    checkpoint_every: Option<usize>,
    /// Add this weight times the foreground soft Dice loss to the cross-entropy (default: the
    /// preset's — quick 1, U-Net binary 2; paper 0, its cross-entropy only).
    #[arg(long)]
    dice_weight: Option<f32>,
    /// Learning-rate schedule: step (the paper's ×0.95 every 12 epochs) or cosine (warm-up, then
    /// cosine decay to 1 %).
    #[arg(long)]
    schedule: Option<lungseg::config::Schedule>,
    /// Epochs of linear learning-rate warm-up (cosine schedule).
    #[arg(long)]
    warmup_epochs: Option<usize>,
    /// Validate, keep the best checkpoint and evaluate with an exponential moving average of the
    /// weights with this decay, e.g. 0.99 (default 0: off, the trained weights themselves)
    #[arg(long, value_name = "DECAY")]
    ema: Option<f32>,
    /// What chooses the best checkpoint: loss (the lowest validation loss, the paper's) or dice
    /// (the highest validation foreground Dice, smoothed over validations as nnU-Net does)
    #[arg(long, value_name = "loss|dice")]
    select: Option<lungseg::config::Selection>,
    /// Make the overlap term (weight --dice-weight) a Tversky loss: ALPHA weighs false positives,
    /// BETA false negatives (default 0.5 0.5: the soft Dice; ALPHA > BETA penalises
    /// over-segmentation more)
    #[arg(long, num_args = 2, value_names = ["ALPHA", "BETA"])]
    tversky: Option<Vec<f32>>,
    /// Keep the weights of the last K validations (RUN_DIR/snapshots/) and predict with the mean
    /// of their probabilities: a snapshot ensemble over the end of training (default: the
    /// preset's — quick binary 10; otherwise 0, the best checkpoint alone)
    #[arg(long, value_name = "K")]
    snapshots: Option<usize>,
    /// Run folder (default runs/<model>-<task>-<preset>[-fold<k>]).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in this folder from its last checkpoint (only --epochs and
    /// --checkpoint-every may change, and --data / --nifti may name another copy of the same
    /// slices, checked by content; other flags must match the run or be left out).
    #[arg(long)]
    resume: Option<PathBuf>,
}

impl TrainArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            data: match (&self.data, &self.nifti) {
                (Some(d), _) => Some(DataSource::Png { dir: d.clone() }),
                (None, Some(n)) => Some(DataSource::Nifti { image: n[0].clone(), mask: n[1].clone(), lungs: n.get(2).cloned() }),
                (None, None) => None,
            },
            size: self.size,
            width: self.width,
            epochs: self.epochs,
            batch: self.batch,
            lr: self.lr,
            seed: self.seed,
            split_seed: self.split_seed,
            fold: self.fold,
            folds: self.folds,
            normalization: self.normalization,
            augment: self.no_augment.then_some(false),
            max_rotate_deg: self.rotate,
            max_scale: self.scale,
            intensity: self.intensity,
            final_bn_relu: self.final_bn_relu.then_some(true),
            class_weights: self.class_weights,
            checkpoint_every: self.checkpoint_every,
            dice_weight: self.dice_weight,
            schedule: self.schedule,
            warmup_epochs: self.warmup_epochs,
            ema: self.ema,
            select: self.select,
            tversky: self.tversky.as_ref().map(|t| (t[0], t[1])),
            snapshots: self.snapshots,
        }
    }

    fn config(&self) -> Result<TrainConfig> {
        Ok(TrainConfig::with_overrides(
            self.preset.unwrap_or(Preset::Quick),
            self.model.unwrap_or(Arch::UNet),
            self.task.unwrap_or(Task::Binary),
            &self.overrides(),
        )?)
    }

    /// The stored configuration of the run in `dir`, with what a resume may change changed; a
    /// flag that would change anything else is an error naming it.
    fn resumed_config(&self, dir: &std::path::Path) -> Result<TrainConfig> {
        let stored: TrainConfig = lungseg::run_dir::read_json(&lungseg::run_dir::RunDir::new(dir).config())
            .with_context(|| format!("{} is not a run folder to resume", dir.display()))?;
        for (flag, given, has) in [
            ("--model", self.model.map(|m| m.to_string()), stored.model.to_string()),
            ("--task", self.task.map(|t| t.to_string()), stored.task.to_string()),
            ("--preset", self.preset.map(|p| p.to_string()), stored.preset.to_string()),
        ] {
            if let Some(g) = given {
                if g != has {
                    bail!("--resume {}: the run is {flag} {has}; a resumed run cannot change {flag} (asked for {g})", dir.display());
                }
            }
        }
        Ok(train::resume_config(dir, &stored, &self.overrides())?)
    }

    fn run_dir(&self, c: &TrainConfig) -> PathBuf {
        self.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(c.run_name()))
    }
}

/// What network a weights-only file without lungseg metadata holds (a model converted from a
/// PyTorch state dict, say). Unset values default to the paper's configuration of --model.
#[derive(Args, Clone, Debug, Default)]
struct NetworkArgs {
    /// unet or segnet (only for a file without lungseg metadata).
    #[arg(long)]
    model: Option<Arch>,
    /// binary or multi (with --model).
    #[arg(long, requires = "model")]
    task: Option<Task>,
    /// Filters of the first stage (with --model; default: the paper's).
    #[arg(long, requires = "model")]
    width: Option<usize>,
    /// Input size the network was trained at (with --model; default 256).
    #[arg(long, requires = "model")]
    size: Option<usize>,
    /// Input normalisation it was trained with (with --model; default per-image, since a file
    /// from elsewhere has no mean image).
    #[arg(long, requires = "model")]
    normalization: Option<Normalization>,
}

impl NetworkArgs {
    fn config(&self) -> Result<Option<TrainConfig>> {
        let Some(model) = self.model else { return Ok(None) };
        let o = Overrides {
            width: self.width,
            size: self.size,
            normalization: Some(self.normalization.unwrap_or(Normalization::PerImage)),
            ..Default::default()
        };
        Ok(Some(TrainConfig::with_overrides(Preset::Paper, model, self.task.unwrap_or(Task::Binary), &o)?))
    }
}

/// Progress bar on a terminal, one line per epoch and validation otherwise.
struct Bar {
    bar: indicatif::ProgressBar,
    per_epoch: u64,
    last_val: Option<lungseg::evaluate::Validation>,
}

impl train::Progress for Bar {
    fn start(&mut self, total: u64, per_epoch: u64) {
        self.per_epoch = per_epoch;
        self.bar.set_length(total);
        self.bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} iterations  {msg}  [{elapsed_precise} < {eta_precise}]")
                .expect("valid template"),
        );
    }
    fn iteration(&mut self, epoch: usize, iteration: usize, loss: f32, accuracy: f32, lr: f32) {
        let val = self.last_val.map_or(String::new(), |v| format!("  val loss {:.4} acc {:.3} dice {:.3}", v.loss, v.accuracy, v.dice));
        self.bar.set_message(format!("epoch {} loss {loss:.4} acc {accuracy:.3} lr {lr:.2e}{val}", epoch + 1));
        self.bar.set_position(iteration as u64);
        if self.bar.is_hidden() && self.per_epoch > 0 && (iteration as u64).is_multiple_of(self.per_epoch) {
            println!("epoch {} (iteration {iteration}): loss {loss:.4} accuracy {accuracy:.3} lr {lr:.2e}{val}", epoch + 1);
        }
    }
    fn validation(&mut self, _iteration: usize, v: &lungseg::evaluate::Validation) {
        self.last_val = Some(*v);
    }
    fn message(&mut self, text: &str) {
        self.bar.println(text);
        if self.bar.is_hidden() {
            println!("{text}");
        }
    }
    fn finish(&mut self) {
        self.bar.finish();
    }
}

/// The binary, not the library, owns process-wide signal handling: the first Ctrl-C asks the
/// training loop to save a checkpoint and stop, a second one exits at once.
fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\ninterrupted: saving a checkpoint after this iteration (Ctrl-C again to quit now)");
    })
    .context("installing the Ctrl-C handler")?;
    Ok(stop)
}

fn run_train(adapter: &AdapterArgs, args: &TrainArgs) -> Result<()> {
    // Configuration errors are reported before any GPU work starts.
    let (cfg, run_dir, resume) = match &args.resume {
        Some(dir) => (args.resumed_config(dir)?, dir.clone(), true),
        None => {
            let cfg = args.config()?;
            let dir = args.run_dir(&cfg);
            (cfg, dir, false)
        }
    };
    let gpu = adapter.gpu()?;
    println!(
        "lungseg train: {} {} ({} preset), {}×{}, width {}, {} epochs, batch {}, lr {:e}, seed {} on {}",
        cfg.model,
        cfg.task,
        cfg.preset,
        cfg.size,
        cfg.size,
        cfg.width,
        cfg.epochs,
        cfg.batch,
        cfg.lr,
        cfg.seed,
        gpu.adapter()
    );
    println!(
        "loss: weighted cross-entropy ({} class weights){}; learning rate: {}{}",
        cfg.class_weights,
        match (cfg.dice_weight > 0.0, cfg.tversky) {
            (false, _) => String::new(),
            (true, (a, b)) if (a, b) == (0.5, 0.5) => format!(" + {} × soft Dice", cfg.dice_weight),
            (true, (a, b)) => format!(" + {} × Tversky (α {a}, β {b})", cfg.dice_weight),
        },
        cfg.schedule,
        if cfg.warmup_epochs > 0 { format!(", {} warm-up epochs", cfg.warmup_epochs) } else { String::new() }
    );
    if cfg.ema > 0.0 {
        println!("validation, best checkpoint and evaluation: moving average of the weights, decay {}", cfg.ema);
    }
    if cfg.snapshots > 0 {
        println!(
            "predictions: the mean of the last {} validations' weights (snapshots/, every {} iterations)",
            cfg.snapshots, cfg.val_every
        );
    }
    if cfg.select != lungseg::config::Selection::Loss {
        println!("best checkpoint: the highest validation foreground Dice (moving average over validations)");
    }
    println!("run folder: {}", run_dir.display());
    let stop = stop_on_ctrl_c()?;
    let mut bar = Bar { bar: indicatif::ProgressBar::new(0), per_epoch: 0, last_val: None };
    let t0 = std::time::Instant::now();
    let outcome = train::train(&gpu, &cfg, &run_dir, resume, &stop, &mut bar)?;
    println!("trained for {:.1} min", t0.elapsed().as_secs_f64() / 60.0);
    if outcome.interrupted {
        println!(
            "stopped at epoch {}, iteration {}; continue with: lungseg train --resume {}",
            outcome.state.epoch + 1,
            outcome.state.iteration,
            run_dir.display()
        );
        return Ok(());
    }
    let report = lungseg::evaluate::evaluate_run(&gpu, &run_dir, "test")?;
    print!("{}", report.table());
    println!("metrics written to {}", run_dir.join("metrics.json").display());
    Ok(())
}

#[derive(Subcommand)]
enum Command {
    /// Train U-Net or SegNet on the shipped MedSeg slices (or your data), then evaluate on the test split.
    Train {
        #[command(flatten)]
        adapter: AdapterArgs,
        #[command(flatten)]
        args: TrainArgs,
    },
    /// k-fold cross-validation as the paper's Table 7 (shuffle once, 70/10/20 per fold); writes OUT/cv.json.
    Cv {
        #[command(flatten)]
        adapter: AdapterArgs,
        #[command(flatten)]
        args: TrainArgs,
    },
    /// The paper's nine-configuration learning-rate × mini-batch sweep (Tables 2, 3, 5); writes OUT/sweep.json.
    Sweep {
        #[command(flatten)]
        adapter: AdapterArgs,
        #[command(flatten)]
        args: TrainArgs,
    },
    /// Figures of a run: loss / accuracy curves (SVG), dataset sample, label heat map, test overlays.
    Figures {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Run folder.
        #[arg(long)]
        run: PathBuf,
        /// Output folder (default RUN_DIR/figures).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Deep Dream of a trained network for one class (the paper's Fig. 5): gradient ascent on the input.
    Dream {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// A run folder (uses best.safetensors) or a checkpoint file.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Class index (0..classes).
        #[arg(long)]
        class: usize,
        #[arg(long, default_value_t = 60)]
        iterations: usize,
        /// Step size of the normalised gradient ascent.
        #[arg(long, default_value_t = 0.02)]
        step: f32,
        /// Output PNG (default dream_class<K>.png in the run folder).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// One Markdown report of runs (cv, sweep or single runs) with the paper's transcribed numbers beside.
    Report {
        /// Run folders holding cv.json, sweep.json or metrics.json.
        #[arg(long, num_args = 1.., required = true)]
        runs: Vec<PathBuf>,
        /// Output Markdown file.
        #[arg(long, default_value = "report.md")]
        out: PathBuf,
    },
    /// The paper's metrics for a run on one split (writes RUN_DIR/metrics.json), or for every
    /// fold of a cross-validation folder (writes cv.json, cv-tta.json, cv-calibrated.json, …).
    Eval {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Run folder, a cross-validation folder (every fold is scored), or a checkpoint file
        /// (scored alone on its run's split: RUN/best.safetensors writes RUN/metrics-best.json,
        /// so a snapshot run's best checkpoint can be compared with it). Given more than once,
        /// the runs are scored as one ensemble (the mean of their probabilities, each run counting
        /// once): run folders
        /// trained on the same split, or cross-validation folders on the same folds, fold by fold
        /// (fold k's test images by every fold-k model, none of which trained on them). Binary runs
        /// may join 4-class ones: they vote on background against infection, and their infection
        /// probability goes to C1–C3 in the 4-class models' proportions.
        #[arg(long, required = true)]
        run: Vec<PathBuf>,
        /// Where an ensemble of cross-validations writes its cv*.json and fold offsets (default:
        /// runs/ensemble-NAME+NAME).
        #[arg(long)]
        out: Option<PathBuf>,
        /// test, val or train.
        #[arg(long, default_value = "test")]
        split: String,
        /// Test-time augmentation: average over the four flips of each slice (writes
        /// metrics-tta.json).
        #[arg(long)]
        tta: bool,
        /// Fit per-class decision offsets (a probability threshold for the binary task) on the
        /// run's validation split, then score the test split with them (writes calibration.json
        /// and metrics-calibrated.json; with --tta, the -tta variants).
        #[arg(long)]
        calibrate: bool,
        /// Score on this task: binary merges each 4-class network's C1–C3 into infection, so
        /// 4-class runs are scored on infection Dice, alone or voting with binary runs (as an
        /// ensemble is: printed; cross-validations written under --out, default
        /// runs/ensemble-NAME-binary) — never into the runs' own metrics files, even when it
        /// names their own task. Default: 4-class when any run is a 4-class one.
        #[arg(long)]
        task: Option<Task>,
    },
    /// Segment new CT with a trained checkpoint: a PNG, a folder of PNGs, or a NIfTI volume.
    Predict {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// A run folder (its best.safetensors, or with --snapshots its snapshots' mean), a
        /// checkpoint file, or a cross-validation folder (the fold models' probabilities are
        /// averaged); given more than once, their probabilities are averaged, each counting once
        /// (an ensemble `eval --run A --run B` scored; binary models in a 4-class ensemble vote
        /// on background against infection). Default: the shipped
        /// 4-class U-Net (assets/model/, see assets/README.md).
        #[arg(long)]
        checkpoint: Vec<PathBuf>,
        /// A PNG, a folder of PNGs, or a .nii / .nii.gz volume in Hounsfield units.
        #[arg(long)]
        input: PathBuf,
        /// Output folder.
        #[arg(long)]
        output: PathBuf,
        /// Lung mask (PNG, folder of PNGs named as the inputs, or NIfTI); default: non-zero pixels.
        #[arg(long)]
        lungs: Option<PathBuf>,
        /// Also write the softmax probabilities (.npy, float32).
        #[arg(long)]
        probabilities: bool,
        /// Test-time augmentation: average the prediction over the four flips of each slice.
        #[arg(long)]
        tta: bool,
        /// Decision offsets fitted on a run's validation split by `lungseg eval --calibrate`
        /// (its calibration.json, or calibration-tta.json with --tta).
        #[arg(long, value_name = "FILE")]
        calibration: Option<PathBuf>,
        #[command(flatten)]
        network: NetworkArgs,
    },
    /// Writes the inference part of a run's best checkpoint (weights, running statistics, input
    /// normalisation, configuration; no optimizer state) to one file, to ship or share.
    Export {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// A run folder (uses best.safetensors) or a checkpoint file.
        #[arg(long)]
        checkpoint: PathBuf,
        /// Output: a .safetensors file (one checkpoint: a run's best), or a new folder (a run's
        /// model as prediction uses it: the best checkpoint and, with --snapshots, its snapshots).
        #[arg(long)]
        out: PathBuf,
    },
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
        /// Time only the kernels whose name contains this (e.g. conv_transpose2d, relu); the
        /// check before timing still runs every kernel unless --no-check.
        #[arg(long)]
        only: Option<String>,
        /// With --model: time one more step with GPU timestamp queries around every compute pass
        /// and print each entry point's share of the step (JSON lines with "profile").
        #[arg(long)]
        profile: bool,
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
    println!(
        "kernel family: {} (asked: {}; choose with --kernels {})",
        gpu.kernel_family(),
        args.kernels,
        KernelFamily::NAMES.replace(", ", "|")
    );
    println!("split reductions aim at {} workgroups (tune with --reduction-workgroups N)", lungseg::kernels::reduction_target(&gpu));
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
    println!("adapter: {} (kernel family: {}, subgroup kernels: {})", gpu.adapter(), gpu.kernel_family(), gpu.uses_subgroups());
    let mut rows = lungseg::block_on(lungseg::selftest::all(&gpu))?;
    if paper_sizes {
        rows.extend(lungseg::block_on(lungseg::selftest::paper_sizes(&gpu))?);
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

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Info(args)) => info(&args),
        Some(Command::Selftest { adapter, paper_sizes }) => selftest(&adapter, paper_sizes),
        Some(Command::Bench { adapter, model, classes, batch, size, steps, iters, no_check, only, profile }) => {
            if iters == 0 {
                bail!("--iters must be at least 1");
            }
            if profile && model.is_none() {
                bail!("--profile times one step of a network: give --model unet|segnet");
            }
            if only.is_some() && model.is_some() {
                bail!("--only picks kernels to time; it does not apply to --model");
            }
            let gpu = adapter.gpu()?;
            if let Some(arch) = model {
                let (rows, profiles) = lungseg::bench::model(&gpu, arch, classes, batch, size, steps, profile)?;
                for row in rows {
                    println!("{}", row.json());
                }
                for (mode, times) in profiles {
                    let total: f64 = times.iter().map(|t| t.ms).sum();
                    for t in &times {
                        println!("{}", lungseg::bench::profile_json(&arch.to_string(), mode, t, total));
                    }
                }
                return Ok(());
            }
            let rows = lungseg::bench::all(&gpu, iters, !no_check, only.as_deref())?;
            if rows.is_empty() {
                bail!("--only {:?} matches no kernel benchmark (kernel names: `lungseg bench --no-check`)", only.unwrap_or_default());
            }
            for row in rows {
                println!("{}", row.json());
            }
            Ok(())
        }
        Some(Command::Train { adapter, args }) => run_train(&adapter, &args),
        Some(Command::Report { runs, out }) => {
            let base = out.parent().map(PathBuf::from).unwrap_or_default();
            let refs: Vec<&std::path::Path> = runs.iter().map(|p| p.as_path()).collect();
            let text = lungseg::report::render(&refs, &base)?;
            std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
            println!("report written to {}", out.display());
            Ok(())
        }
        Some(Command::Dream { adapter, checkpoint, class, iterations, step, output }) => {
            let gpu = adapter.gpu()?;
            let t = lungseg::evaluate::load_model(&gpu, &checkpoint, None)?;
            let d = lungseg::dream::dream(&gpu, &t.model, t.cfg.size, class, iterations, step, t.cfg.seed)?;
            let dir = if checkpoint.is_dir() { checkpoint.clone() } else { checkpoint.parent().map(PathBuf::from).unwrap_or_default() };
            let out = output.unwrap_or_else(|| dir.join(format!("dream_class{class}.png")));
            let img = lungseg::data::Gray8 { height: d.size, width: d.size, pixels: d.image.iter().map(|&v| (v * 255.0) as u8).collect() };
            lungseg::data::write_png_gray(&out, &img)?;
            println!(
                "class {class}: mean logit {:.3} → {:.3} over {iterations} iterations; image written to {}",
                d.mean_logits.first().copied().unwrap_or(0.0),
                d.mean_logits.last().copied().unwrap_or(0.0),
                out.display()
            );
            Ok(())
        }
        Some(Command::Figures { adapter, run, out }) => {
            let gpu = adapter.gpu()?;
            let out = out.unwrap_or_else(|| run.join("figures"));
            let files = lungseg::figures::write_figures(&gpu, &run, &out)?;
            println!("{} figures written to {}", files.len(), out.display());
            if !run.join("best.safetensors").exists() {
                println!("no best.safetensors in {}: test overlays need the run's weights", run.display());
            }
            Ok(())
        }
        Some(Command::Cv { adapter, args }) => {
            let cfg = args.config()?;
            let folds = args.folds.unwrap_or(5);
            let out =
                args.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(format!("cv-{}-{}-{}", cfg.model, cfg.task, cfg.preset)));
            let gpu = adapter.gpu()?;
            let stop = stop_on_ctrl_c()?;
            let mut bar = Bar { bar: indicatif::ProgressBar::new(0), per_epoch: 0, last_val: None };
            match lungseg::experiments::cross_validate(&gpu, &cfg, folds, &out, &stop, &mut bar)? {
                Some(report) => print!("{}", lungseg::experiments::cv_table(&report)),
                None => println!("stopped; rerun the same command to continue"),
            }
            Ok(())
        }
        Some(Command::Sweep { adapter, args }) => {
            let cfg = args.config()?;
            let out =
                args.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(format!("sweep-{}-{}-{}", cfg.model, cfg.task, cfg.preset)));
            let gpu = adapter.gpu()?;
            let stop = stop_on_ctrl_c()?;
            let mut bar = Bar { bar: indicatif::ProgressBar::new(0), per_epoch: 0, last_val: None };
            match lungseg::experiments::sweep(&gpu, &cfg, &out, &stop, &mut bar)? {
                Some((rows, best)) => {
                    print!("{}", lungseg::experiments::sweep_table(&rows, best));
                    print!("{}", rows[best].report.table());
                }
                None => println!("stopped; rerun the same command to continue"),
            }
            Ok(())
        }
        Some(Command::Predict { adapter, checkpoint, input, output, lungs, probabilities, tta, calibration, network }) => {
            let config = network.config()?;
            let gpu = adapter.gpu()?;
            let opts = lungseg::predict::PredictOptions { lungs, probabilities, config, tta, calibration };
            let checkpoints = if checkpoint.is_empty() {
                let shipped = lungseg::data::find_shipped_model()?;
                println!("no --checkpoint: using the shipped model {}", shipped.display());
                vec![shipped]
            } else {
                checkpoint
            };
            let rows = lungseg::predict::predict_with(&gpu, &checkpoints, &input, &output, &opts)?;
            let lung: u64 = rows.iter().map(|r| r.lung_pixels).sum();
            let classes = rows.first().map_or(0, |r| r.class_pixels.len());
            let shares: Vec<String> = (1..classes)
                .map(|k| {
                    format!(
                        "class {k}: {:.2}% of lung",
                        100.0 * rows.iter().map(|r| r.class_pixels[k]).sum::<u64>() as f64 / lung.max(1) as f64
                    )
                })
                .collect();
            println!("{} slices predicted into {}; {}", rows.len(), output.display(), shares.join(", "));
            println!("per-slice figures: {}", output.join("severity.csv").display());
            Ok(())
        }
        Some(Command::Export { adapter, checkpoint, out }) => {
            let gpu = adapter.gpu()?;
            let size = |f: &std::path::Path| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            if out.extension().is_some_and(|e| e.eq_ignore_ascii_case("safetensors")) {
                let file = train::export_weights(&gpu, &checkpoint, &out)?;
                println!("weights written to {} ({} bytes)", file.display(), size(&file));
                let snapshots = lungseg::run_dir::RunDir::new(&checkpoint).kept_snapshots().unwrap_or_default();
                if !snapshots.is_empty() {
                    println!(
                        "note: {} predicts with the mean of its {} snapshots; this file is its best checkpoint alone. \
                         Export to a folder (--out DIR) to keep them",
                        checkpoint.display(),
                        snapshots.len()
                    );
                }
            } else {
                let files = train::export_model(&gpu, &checkpoint, &out)?;
                let bytes: u64 = files.iter().map(|f| size(f)).sum();
                println!("model written to {} ({} files, {bytes} bytes)", out.display(), files.len());
            }
            Ok(())
        }
        Some(Command::Eval { adapter, run: runs, split, tta, calibrate, out, task }) => {
            let gpu = adapter.gpu()?;
            let scoring = lungseg::evaluate::Scoring { tta, calibrate, task };
            if runs.len() > 1 || task.is_some() {
                if split != "test" {
                    anyhow::bail!(
                        "an ensemble of runs, or a run scored with --task, is scored on the test split; --split {split} does not apply"
                    );
                }
                let cv: Vec<bool> =
                    runs.iter().map(|r| lungseg::evaluate::cv_fold_dirs(r).map(|f| !f.is_empty())).collect::<Result<_, _>>()?;
                if cv.iter().all(|&c| c) {
                    let out = out.unwrap_or_else(|| {
                        let names: Vec<String> =
                            runs.iter().map(|r| r.file_name().map_or("run".into(), |n| n.to_string_lossy().into_owned())).collect();
                        let task = task.map_or(String::new(), |t| format!("-{t}"));
                        PathBuf::from("runs").join(format!("ensemble-{}{task}", names.join("+")))
                    });
                    let report = lungseg::experiments::evaluate_cv_ensemble(&gpu, &runs, &out, &scoring)?;
                    print!("{}", lungseg::experiments::cv_table(&report));
                    println!("written to {}", out.display());
                    return Ok(());
                }
                if cv.iter().any(|&c| c) {
                    anyhow::bail!(
                        "--run: either every folder is a cross-validation (scored fold by fold) or none is; {} mixes them",
                        runs.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ")
                    );
                }
                if out.is_some() {
                    anyhow::bail!("--out is for an ensemble of cross-validations; an ensemble of run folders is printed, not written");
                }
                let (cal, report) = lungseg::evaluate::evaluate_runs(&gpu, &runs, &scoring)?;
                if let Some(cal) = cal {
                    println!("{cal}");
                }
                print!("{}", report.table());
                return Ok(());
            }
            if out.is_some() {
                anyhow::bail!("--out is for an ensemble of cross-validations (--run given more than once)");
            }
            let run = runs.into_iter().next().expect("clap requires --run");
            if !lungseg::evaluate::cv_fold_dirs(&run)?.is_empty() {
                if split != "test" {
                    anyhow::bail!(
                        "{}: a cross-validation folder is scored on each fold's test split; --split {split} does not apply",
                        run.display()
                    );
                }
                let report = lungseg::experiments::evaluate_cv(&gpu, &run, tta, calibrate)?;
                print!("{}", lungseg::experiments::cv_table(&report));
                return Ok(());
            }
            if calibrate {
                if split != "test" {
                    anyhow::bail!("--calibrate fits on the validation split and scores the test split; --split {split} does not apply");
                }
                let (cal, report) = lungseg::evaluate::evaluate_run_calibrated(&gpu, &run, tta)?;
                println!("{cal}");
                print!("{}", report.table());
                return Ok(());
            }
            let report = if tta {
                lungseg::evaluate::evaluate_run_tta(&gpu, &run, &split)?
            } else {
                lungseg::evaluate::evaluate_run(&gpu, &run, &split)?
            };
            print!("{}", report.table());
            Ok(())
        }
        // No arguments: the main job — the quick preset on the shipped real data.
        None => run_train(&AdapterArgs::from_env()?, &TrainArgs::default()),
    }
}
