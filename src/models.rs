//! U-Net and SegNet as the paper configures them (MATLAB's `unetLayers(..., 'EncoderDepth', 2)`
//! and `segnetLayers(..., 3)`), with depth, width and (for U-Net) dropout configurable.
//!
//! Parameter names follow the layers (`enc1.conv1.weight`, `dec2.up.bias`, `enc3.bn2.running_var`)
//! and PyTorch layouts, so checkpoints load into an equivalent PyTorch module by name.
//! Initialisation: He normal (N(0, 2/fan_in), MATLAB's `'he'`) for every convolution and
//! up-convolution weight, zero biases, batch-norm scale 1 and offset 0, running mean 0, running
//! variance 1 — all from one seed.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::params::{Init, ParamSpec, ParamStore};
use crate::tape::{Tape, Var};

/// Which network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    UNet,
    SegNet,
}

impl std::str::FromStr for Arch {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "unet" | "u-net" => Ok(Arch::UNet),
            "segnet" => Ok(Arch::SegNet),
            _ => Err(Error::InvalidArgument { op: "model", detail: format!("unknown model {s:?}: use unet or segnet") }),
        }
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Arch::UNet => "unet",
            Arch::SegNet => "segnet",
        })
    }
}

/// A network's shape. Defaults (`paper`) are the paper's configurations.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    pub arch: Arch,
    pub in_channels: usize,
    pub classes: usize,
    /// Encoder stages (U-Net 2, SegNet 3 in the paper).
    pub depth: usize,
    /// Filters of the first stage (U-Net 32, doubling per stage; SegNet 64 in every stage).
    pub width: usize,
    /// U-Net: dropout probability at the end of the last encoder stage and of the bridge (0.5).
    pub dropout: f32,
    /// SegNet: MATLAB follows the last convolution with batch norm + ReLU before the softmax.
    /// Off by default (plain logits, the textbook SegNet).
    pub final_bn_relu: bool,
}

impl ModelConfig {
    /// The paper's configuration of `arch` for `classes` classes and 1 input channel.
    pub fn paper(arch: Arch, classes: usize) -> Self {
        match arch {
            Arch::UNet => Self { arch, in_channels: 1, classes, depth: 2, width: 32, dropout: 0.5, final_bn_relu: false },
            Arch::SegNet => Self { arch, in_channels: 1, classes, depth: 3, width: 64, dropout: 0.0, final_bn_relu: false },
        }
    }

    /// The input size must be divisible by 2^depth.
    pub fn check_size(&self, h: usize, w: usize) -> Result<()> {
        let m = 1 << self.depth;
        if !h.is_multiple_of(m) || !w.is_multiple_of(m) || h == 0 || w == 0 {
            return Err(Error::InvalidArgument {
                op: "model",
                detail: format!("{}: input {h}×{w} must be a positive multiple of 2^depth = {m}", self.arch),
            });
        }
        Ok(())
    }

    /// Every parameter and state tensor, in declaration order.
    pub fn spec(&self) -> ParamSpec {
        let mut s = ParamSpec::default();
        let conv = |s: &mut ParamSpec, name: &str, cin: usize, cout: usize, k: usize| {
            s.param(format!("{name}.weight"), &[cout, cin, k, k], true, Init::He { fan_in: cin * k * k });
            s.param(format!("{name}.bias"), &[cout], false, Init::Zeros);
        };
        let bnorm = |s: &mut ParamSpec, name: &str, c: usize| {
            s.param(format!("{name}.weight"), &[c], true, Init::Ones);
            s.param(format!("{name}.bias"), &[c], true, Init::Zeros);
            s.state(format!("{name}.running_mean"), &[c], Init::Zeros);
            s.state(format!("{name}.running_var"), &[c], Init::Ones);
        };
        match self.arch {
            Arch::UNet => {
                let mut cin = self.in_channels;
                for d in 1..=self.depth {
                    let f = self.width << (d - 1);
                    conv(&mut s, &format!("enc{d}.conv1"), cin, f, 3);
                    conv(&mut s, &format!("enc{d}.conv2"), f, f, 3);
                    cin = f;
                }
                let fb = self.width << self.depth;
                conv(&mut s, "bridge.conv1", cin, fb, 3);
                conv(&mut s, "bridge.conv2", fb, fb, 3);
                let mut c = fb;
                for d in (1..=self.depth).rev() {
                    let f = self.width << (d - 1);
                    s.param(format!("dec{d}.up.weight"), &[c, f, 2, 2], true, Init::He { fan_in: c * 4 });
                    s.param(format!("dec{d}.up.bias"), &[f], false, Init::Zeros);
                    conv(&mut s, &format!("dec{d}.conv1"), 2 * f, f, 3);
                    conv(&mut s, &format!("dec{d}.conv2"), f, f, 3);
                    c = f;
                }
                conv(&mut s, "final", c, self.classes, 1);
            }
            Arch::SegNet => {
                let w = self.width;
                let mut cin = self.in_channels;
                for d in 1..=self.depth {
                    for i in 1..=2 {
                        conv(&mut s, &format!("enc{d}.conv{i}"), cin, w, 3);
                        bnorm(&mut s, &format!("enc{d}.bn{i}"), w);
                        cin = w;
                    }
                }
                for d in (1..=self.depth).rev() {
                    conv(&mut s, &format!("dec{d}.conv1"), w, w, 3);
                    bnorm(&mut s, &format!("dec{d}.bn1"), w);
                    let out = if d == 1 { self.classes } else { w };
                    conv(&mut s, &format!("dec{d}.conv2"), w, out, 3);
                    if d != 1 || self.final_bn_relu {
                        bnorm(&mut s, &format!("dec{d}.bn2"), out);
                    }
                }
            }
        }
        s
    }
}

/// A network: its configuration and parameters.
pub struct Model {
    pub config: ModelConfig,
    pub params: ParamStore,
}

impl Model {
    /// Runs `f` with the moving average of the weights swapped in ([`crate::params::ParamStore::swap_ema`];
    /// without an average, with the weights themselves), and swaps back whatever `f` returns.
    pub fn with_average<R>(&mut self, f: impl FnOnce(&Model) -> Result<R>) -> Result<R> {
        self.params.swap_ema();
        let r = f(self);
        self.params.swap_ema();
        r
    }

    /// Builds the parameters on `gpu`, initialised from `seed` (bit-identical for equal seeds).
    pub fn new(gpu: &Gpu, config: ModelConfig, seed: u64) -> Result<Self> {
        let params = config.spec().build(gpu, seed)?;
        Ok(Self { config, params })
    }

    /// Records the forward pass of `x` (N, C_in, H, W) and returns the logits (N, classes, H, W).
    pub fn forward(&self, tape: &mut Tape, x: Var) -> Result<Var> {
        let s = tape.value(x)?.shape().to_vec();
        if s.len() != 4 || s[1] != self.config.in_channels {
            return Err(Error::Shape {
                op: "model",
                detail: format!("input must be (N, {}, H, W)", self.config.in_channels),
                shapes: format!("{s:?}"),
            });
        }
        self.config.check_size(s[2], s[3])?;
        match self.config.arch {
            Arch::UNet => self.unet(tape, x),
            Arch::SegNet => self.segnet(tape, x),
        }
    }

    fn conv(&self, tape: &mut Tape, x: Var, name: &str) -> Result<Var> {
        let p = &self.params;
        tape.conv2d(p, x, p.id(&format!("{name}.weight"))?, Some(p.id(&format!("{name}.bias"))?))
    }

    /// Convolution + ReLU as one fused op (the ReLU in the convolution's store).
    fn conv_relu(&self, tape: &mut Tape, x: Var, name: &str) -> Result<Var> {
        let p = &self.params;
        tape.conv2d_relu(p, x, p.id(&format!("{name}.weight"))?, Some(p.id(&format!("{name}.bias"))?))
    }

    fn unet(&self, tape: &mut Tape, x: Var) -> Result<Var> {
        let c = &self.config;
        let mut skips = Vec::new();
        let mut h = x;
        for d in 1..=c.depth {
            h = self.conv_relu(tape, h, &format!("enc{d}.conv1"))?;
            h = self.conv_relu(tape, h, &format!("enc{d}.conv2"))?;
            // The skip is taken before the dropout that feeds the last encoder stage's pool.
            skips.push(h);
            if d == c.depth {
                h = tape.dropout(h, c.dropout)?;
            }
            h = tape.max_pool(h)?.0;
        }
        h = self.conv_relu(tape, h, "bridge.conv1")?;
        h = self.conv_relu(tape, h, "bridge.conv2")?;
        h = tape.dropout(h, c.dropout)?;
        for d in (1..=c.depth).rev() {
            let p = &self.params;
            let up = tape.conv_transpose2d(p, h, p.id(&format!("dec{d}.up.weight"))?, Some(p.id(&format!("dec{d}.up.bias"))?))?;
            let up = tape.relu(up)?;
            let cat = tape.concat(up, skips[d - 1])?;
            h = self.conv_relu(tape, cat, &format!("dec{d}.conv1"))?;
            h = self.conv_relu(tape, h, &format!("dec{d}.conv2"))?;
        }
        self.conv(tape, h, "final")
    }

    fn segnet(&self, tape: &mut Tape, x: Var) -> Result<Var> {
        let c = &self.config;
        let p = &self.params;
        let mut pools = Vec::new();
        let mut h = x;
        for d in 1..=c.depth {
            for i in 1..=2 {
                h = self.conv(tape, h, &format!("enc{d}.conv{i}"))?;
                h = tape.batch_norm_relu(p, h, &format!("enc{d}.bn{i}"))?;
            }
            let (pooled, idx) = tape.max_pool(h)?;
            pools.push(idx);
            h = pooled;
        }
        for d in (1..=c.depth).rev() {
            h = tape.max_unpool(h, &pools[d - 1])?;
            for i in 1..=2 {
                h = self.conv(tape, h, &format!("dec{d}.conv{i}"))?;
                if d == 1 && i == 2 && !c.final_bn_relu {
                    return Ok(h);
                }
                h = tape.batch_norm_relu(p, h, &format!("dec{d}.bn{i}"))?;
            }
        }
        Ok(h)
    }
}
