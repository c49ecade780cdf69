//! Launchers for `shaders/dice.wgsl`: the soft Dice loss of softmax probabilities — or its Tversky
//! generalisation — over the whole batch, with its exact backward pass through the softmax.
//!
//! Definition (sums over every pixel i of the batch, p = softmax over the C classes per pixel):
//!
//! ```text
//! I_c = Σ_i p_ic·[y_i = c]    P_c = Σ_i p_ic    G_c = Σ_i [y_i = c]
//! dice_c = (2·I_c + ε) / (2α·P_c + 2β·G_c + 2(1 − α − β)·I_c + ε)
//! loss = 1 − (1/K)·Σ_{c ∈ S} dice_c
//! ```
//!
//! * **Dice or Tversky** ([`Overlap`]). α = β = ½ is the soft Dice, (2I + ε) / (P + G + ε), to the
//!   bit. Other weights give the Tversky index (Salehi et al., 2017),
//!   (I + ε/2) / (I + α·FP + β·FN + ε/2), with the soft false positives FP = P − I and false
//!   negatives FN = G − I: α > β penalises over-segmentation more, β > α under-segmentation. Any
//!   α, β ≥ 0 with α + β > 0 keep the denominator ≥ 2·I + ε > 0 (I ≤ P and I ≤ G).
//!
//! * **Batch Dice.** The sums run over the whole batch, not per image (nnU-Net's `batch_dice`):
//!   a slice with no lesion does not produce a Dice of its own that is 0 or 1 at the whim of a
//!   single pixel, and the estimate of each class's overlap uses every pixel of the batch.
//! * **ε = [`SMOOTH`] = 1**, in pixels. Against batch-level counts (tens of thousands of pixels
//!   per class at 256², batch 2) it shifts a present class's Dice by ~1e-4 or less; it keeps every
//!   denominator ≥ 1, so the gradient is bounded; and it gives a class absent from the batch a
//!   defined score (below) instead of 0/0.
//! * **Background.** `include_background = false` (what training uses by default,
//!   [`crate::step::LossConfig`]) averages over the foreground classes 1..C−1 only, as nnU-Net
//!   does (`do_bg = False`): in lung CT the background is most of every slice, its Dice is ≈ 1
//!   from the first iterations, and averaging it in only dilutes the foreground signal. With
//!   `true` every class counts (K = C). Excluding it needs C ≥ 2.
//! * **Empty classes** (G_c = 0 in the batch): kept in the mean with dice_c = ε / (2α·P_c + ε) —
//!   1 when the network puts no probability there, 1/(1 + P_c) otherwise (the Dice) — so an absent
//!   class penalises false positives and rewards predicting nothing, smoothly.
//! * **Ignored pixels.** A label ≥ C is ignored by the kernels (no contribution to any sum, zero
//!   gradient), as in [`super::cross_entropy`]; the host API ([`crate::host::soft_dice`]) rejects
//!   such labels with an error. A batch with every pixel ignored has loss 0 and gradient 0.
//!
//! Reductions are per-workgroup partial sums and a one-workgroup finish in a fixed order (no
//! atomics): the same inputs give bit-identical outputs. `G_c` is a pixel count carried in f32:
//! exact up to 2²⁴ pixels per batch (256 slices of 256²).

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::{DType, Tensor};

/// The smoothing ε of `dice_c = (2·I_c + ε) / (P_c + G_c + ε)`, in pixels (see the module docs).
pub const SMOOTH: f32 = 1.0;

/// Most classes the soft Dice accepts. The kernels are laid out for segmentation's handful of
/// classes (2–4 here): each workgroup of the forward runs C tree reductions one after another, and
/// the backward walks the C classes of a pixel three times; the scratch holds 3·C partial sums
/// per 256 pixels. Past 32 classes a different layout (a workgroup per class) is the right one.
pub const MAX_CLASSES: usize = 32;

/// Mirror of `struct Params` in `shaders/dice.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DiceParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub partials: u32,
    pub first_class: u32,
    pub accumulate: u32,
    pub weight: f32,
    pub eps: f32,
    pub alpha: f32,
    pub beta: f32,
    pub _pad: [u32; 2],
}

/// The overlap score the loss averages, and over which classes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overlap {
    /// Average over every class (K = C) instead of the foreground classes 1..C−1.
    pub include_background: bool,
    /// α, the weight of the soft false positives (½: the Dice).
    pub alpha: f32,
    /// β, the weight of the soft false negatives (½: the Dice).
    pub beta: f32,
}

impl Overlap {
    /// The soft Dice (α = β = ½).
    pub const fn dice(include_background: bool) -> Self {
        Self { include_background, alpha: 0.5, beta: 0.5 }
    }

    /// The Tversky index with false-positive weight `alpha` and false-negative weight `beta`.
    pub const fn tversky(alpha: f32, beta: f32, include_background: bool) -> Self {
        Self { include_background, alpha, beta }
    }

    /// An error unless α and β are finite, ≥ 0 and not both 0 (the score would be the constant 1).
    pub fn validate(&self, op: &'static str) -> Result<()> {
        let ok = |v: f32| v.is_finite() && v >= 0.0;
        if !(ok(self.alpha) && ok(self.beta) && self.alpha + self.beta > 0.0) {
            return Err(Error::InvalidArgument {
                op,
                detail: format!(
                    "the Tversky weights must be finite and ≥ 0, not both 0 (α = β = 0.5 is the Dice); got α = {}, β = {}",
                    self.alpha, self.beta
                ),
            });
        }
        Ok(())
    }
}

/// Number of values of the forward pass's output: `[loss, dice_c (C), I_c (C), P_c (C), G_c (C)]`.
pub fn value_len(classes: usize) -> usize {
    1 + 4 * classes
}

fn params(op: &'static str, logits: &Tensor, labels: &Tensor, overlap: Overlap) -> Result<DiceParams> {
    overlap.validate(op)?;
    let include_background = overlap.include_background;
    let [n, c, h, w] = nchw(op, "logits", logits)?;
    expect_shape(op, "labels", labels, &[n, h, w])?;
    if labels.dtype() != DType::U32 {
        return Err(shape_err(op, "labels must be u32 class indices", &[logits.shape(), labels.shape()]));
    }
    if c == 0 || c > MAX_CLASSES {
        return Err(Error::InvalidArgument {
            op,
            detail: format!("the soft Dice takes 1 to {MAX_CLASSES} classes; logits {:?} have C = {c}", logits.shape()),
        });
    }
    if !include_background && c < 2 {
        return Err(Error::InvalidArgument {
            op,
            detail: format!(
                "a soft Dice without the background class needs C ≥ 2 (logits {:?} have C = {c}): no class would be left to average",
                logits.shape()
            ),
        });
    }
    Ok(DiceParams {
        n: u32_of(op, "N", n)?,
        c: u32_of(op, "C", c)?,
        plane: u32_of(op, "H·W", h * w)?,
        partials: u32_of(op, "partials", (n * h * w).div_ceil(256))?,
        first_class: if include_background { 0 } else { 1 },
        accumulate: 0,
        weight: 1.0,
        eps: SMOOTH,
        alpha: overlap.alpha,
        beta: overlap.beta,
        _pad: [0; 2],
    })
}

/// Writes `value = [loss, dice_c, I_c, P_c, G_c]` ([`value_len`] values). Nothing is read back.
pub fn soft_dice_forward(gpu: &Gpu, enc: &mut Encoder, logits: &Tensor, labels: &Tensor, overlap: Overlap, value: &Tensor) -> Result<()> {
    const OP: &str = "soft_dice_loss";
    let p = params(OP, logits, labels, overlap)?;
    expect_shape(OP, "value", value, &[value_len(p.c as usize)])?;
    // Scratch for per-workgroup sums; pooled, so steady-state training allocates nothing.
    let partial = gpu.tensor(OP, &[3 * p.c as usize * p.partials as usize], DType::F32)?;
    launch(gpu, enc, "dice_partials", &p, &[(1, logits), (2, labels), (3, &partial)], p.partials as u64)?;
    launch(gpu, enc, "dice_finish", &p, &[(3, &partial), (4, value)], 1)
}

/// `dlogits = weight · dloss/dlogits`, or with `accumulate`, `dlogits += weight · dloss/dlogits`
/// (how the tape adds λ·Dice to the cross-entropy's gradient in place). `value` must hold the
/// forward pass's output for the same logits, labels and `overlap`.
#[allow(clippy::too_many_arguments)]
pub fn soft_dice_backward(
    gpu: &Gpu,
    enc: &mut Encoder,
    logits: &Tensor,
    labels: &Tensor,
    overlap: Overlap,
    value: &Tensor,
    weight: f32,
    dlogits: &Tensor,
    accumulate: bool,
) -> Result<()> {
    const OP: &str = "soft_dice_backward";
    let mut p = params(OP, logits, labels, overlap)?;
    expect_shape(OP, "value", value, &[value_len(p.c as usize)])?;
    expect_shape(OP, "dlogits", dlogits, logits.shape())?;
    if !weight.is_finite() {
        return Err(Error::InvalidArgument { op: OP, detail: format!("the gradient's weight must be finite, got {weight}") });
    }
    p.weight = weight;
    p.accumulate = accumulate as u32;
    launch(gpu, enc, "dice_backward", &p, &[(1, logits), (2, labels), (4, value), (5, dlogits)], p.partials as u64)
}
