//! One training step (forward, loss, backward, Adam) and one inference pass, each encoded into a
//! single command buffer and submitted once. Nothing is read back unless asked for.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::kernels::dice::Overlap;
use crate::models::Model;
use crate::tape::{Mode, Tape};
use crate::tensor::Tensor;

/// Optimizer settings of a step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepConfig {
    pub lr: f32,
    /// L2 regularisation added to the gradient of decayed tensors (the paper: 1e-4).
    pub l2: f32,
    /// Seed of this step's dropout masks.
    pub dropout_seed: u64,
}

/// The objective a training step minimises: `cross_entropy + dice_weight · soft_dice` (the soft
/// Dice over the batch of [`crate::kernels::dice`]). The default, `dice_weight = 0`, is the
/// cross-entropy alone, exactly as before: the soft Dice is then not even recorded, so steps are
/// bit-identical to those of [`train_step`] / [`train_step_stats`].
///
/// A separate struct rather than a field of [`StepConfig`], so that existing `StepConfig { .. }`
/// literals keep compiling; [`train_step_stats_with`] takes both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossConfig {
    /// λ ≥ 0, the weight of the soft Dice term.
    pub dice_weight: f32,
    /// The overlap score of that term and whether its mean includes class 0 (default: the Dice
    /// of the foreground classes only, as nnU-Net; Tversky weights α, β trade false positives
    /// against false negatives; see [`crate::kernels::dice`]).
    pub overlap: Overlap,
}

impl Default for LossConfig {
    /// The cross-entropy alone (λ = 0).
    fn default() -> Self {
        Self::with_dice(0.0)
    }
}

impl LossConfig {
    /// Cross-entropy plus `dice_weight` times the foreground soft Dice.
    pub fn with_dice(dice_weight: f32) -> Self {
        Self { dice_weight, overlap: Overlap::dice(false) }
    }

    /// An error unless `dice_weight` is finite and ≥ 0 and the overlap's weights are valid.
    pub fn validate(&self) -> Result<()> {
        if !(self.dice_weight.is_finite() && self.dice_weight >= 0.0) {
            return Err(Error::InvalidArgument {
                op: "training loss",
                detail: format!("the soft Dice weight must be a finite number ≥ 0, got {}", self.dice_weight),
            });
        }
        self.overlap.validate("training loss")
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// Records and submits one training step on a batch: `images` (N, C, H, W), `labels` (N, H, W)
/// u32, `class_weights` (C). Returns the loss when `read_loss` (which waits for the GPU).
pub fn train_step(
    gpu: &Gpu,
    model: &mut Model,
    images: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    cfg: &StepConfig,
    read_loss: bool,
) -> Result<Option<f32>> {
    Ok(train_step_stats(gpu, model, images, labels, class_weights, cfg, read_loss)?.map(|s| s.loss))
}

/// Loss and pixel accuracy of a training batch (computed on the GPU during the step).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// The objective: the cross-entropy, plus `dice_weight · soft_dice` when that is on.
    pub loss: f32,
    pub accuracy: f32,
    /// The soft Dice loss of the batch, when the step used it ([`LossConfig::dice_weight`] > 0).
    pub soft_dice: Option<f32>,
}

#[cfg(not(target_arch = "wasm32"))]
/// [`train_step`] that also counts correctly classified pixels of the batch (argmax and a
/// confusion matrix on the GPU, in the same submit); both are read back when `read` is set.
pub fn train_step_stats(
    gpu: &Gpu,
    model: &mut Model,
    images: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    cfg: &StepConfig,
    read: bool,
) -> Result<Option<StepStats>> {
    train_step_stats_with(gpu, model, images, labels, class_weights, cfg, &LossConfig::default(), read)
}

/// [`train_step_stats`] minimising `cross_entropy + loss.dice_weight · soft_dice`. With
/// `dice_weight = 0` it records exactly what [`train_step_stats`] always did.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::too_many_arguments)]
pub fn train_step_stats_with(
    gpu: &Gpu,
    model: &mut Model,
    images: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    cfg: &StepConfig,
    loss_cfg: &LossConfig,
    read: bool,
) -> Result<Option<StepStats>> {
    match record_train_step(gpu, model, images, labels, class_weights, cfg, loss_cfg, read)? {
        Some(pending) => Ok(Some(crate::block_on(pending.read(gpu))?)),
        None => Ok(None),
    }
}

/// Records and submits one training step (forward, loss, backward, Adam) without waiting for it.
/// With `read`, also records the statistics and returns them as [`PendingStats`], to be read back
/// with [`PendingStats::read`] (the browser's path: it awaits instead of blocking).
#[allow(clippy::too_many_arguments)]
pub fn record_train_step(
    gpu: &Gpu,
    model: &mut Model,
    images: &Tensor,
    labels: &Tensor,
    class_weights: &Tensor,
    cfg: &StepConfig,
    loss_cfg: &LossConfig,
    read: bool,
) -> Result<Option<PendingStats>> {
    loss_cfg.validate()?;
    let mut tape = Tape::new(gpu, Mode::Train, cfg.dropout_seed);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let loss = tape.cross_entropy(logits, labels, class_weights)?;
    let dice = if loss_cfg.dice_weight > 0.0 { Some(tape.soft_dice(logits, labels, loss_cfg.overlap)?) } else { None };
    let counts = if read { Some(confusion(gpu, &mut tape, logits, labels)?) } else { None };
    tape.backward_sum(Some(&loss), dice.as_ref().map(|d| (d, loss_cfg.dice_weight)), &model.params)?;
    model.params.adam(gpu, tape.encoder(), cfg.lr, cfg.l2)?;
    tape.submit();
    Ok(counts.map(|counts| PendingStats {
        loss: loss.value.clone(),
        counts,
        dice: dice.map(|d| d.value.clone()),
        dice_weight: loss_cfg.dice_weight,
    }))
}

/// The statistics of a submitted training step, still on the GPU.
pub struct PendingStats {
    loss: Tensor,
    counts: Tensor,
    dice: Option<Tensor>,
    dice_weight: f32,
}

impl PendingStats {
    /// Reads loss (and soft Dice) and confusion counts back in one read-back: one staging buffer,
    /// one wait.
    pub async fn read(self, gpu: &Gpu) -> Result<StepStats> {
        let (lb, cb) = (self.loss.bytes(), self.counts.bytes());
        let db = if self.dice.is_some() { 4 } else { 0 };
        let bytes = gpu
            .read_back("training step statistics", lb + cb + db, |enc, staging| {
                enc.copy_buffer_to_buffer(self.loss.buffer(), self.loss.offset(), staging, 0, lb);
                enc.copy_buffer_to_buffer(self.counts.buffer(), self.counts.offset(), staging, lb, cb);
                if let Some(d) = &self.dice {
                    enc.copy_buffer_to_buffer(d.buffer(), d.offset(), staging, lb + cb, db);
                }
            })
            .await?;
        let f32_at = |at: usize| f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let ce = f32_at(0);
        let soft_dice = self.dice.as_ref().map(|_| f32_at((lb + cb) as usize));
        let counts: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes[lb as usize..(lb + cb) as usize]);
        let total = match soft_dice {
            Some(d) => ce + self.dice_weight * d,
            None => ce,
        };
        Ok(StepStats { loss: total, accuracy: accuracy_of(&counts), soft_dice })
    }
}

/// Records argmax + confusion counts (C × C, zeroed first) of `logits` against `labels`.
fn confusion(gpu: &Gpu, tape: &mut Tape, logits: crate::tape::Var, labels: &Tensor) -> Result<Tensor> {
    let lt = tape.value(logits)?.clone();
    let s = lt.shape().to_vec();
    let pred = gpu.tensor("argmax_channels", &[s[0], s[2], s[3]], crate::DType::U32)?;
    let counts = gpu.tensor("confusion_accumulate", &[s[1], s[1]], crate::DType::U32)?;
    let enc = tape.encoder();
    enc.clear_buffer(counts.buffer(), counts.offset(), Some(counts.bytes()));
    crate::kernels::metrics::argmax_channels(gpu, enc, &lt, &pred)?;
    crate::kernels::metrics::confusion_accumulate(gpu, enc, &pred, labels, &counts)?;
    Ok(counts)
}

fn accuracy_of(counts: &[u32]) -> f32 {
    let c = (counts.len() as f64).sqrt() as usize;
    let total: u64 = counts.iter().map(|&v| v as u64).sum();
    let correct: u64 = (0..c).map(|k| counts[k * c + k] as u64).sum();
    correct as f32 / total.max(1) as f32
}

#[cfg(not(target_arch = "wasm32"))]
/// Records the forward pass and the loss only (no update), e.g. for validation, in `mode`.
/// Returns (loss, logits) — the loss is read back.
pub fn evaluate(gpu: &Gpu, model: &Model, images: &Tensor, labels: &Tensor, class_weights: &Tensor, mode: Mode) -> Result<(f32, Tensor)> {
    let mut tape = Tape::new(gpu, mode, 0);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let loss = tape.cross_entropy(logits, labels, class_weights)?;
    let out = tape.value(logits)?.clone();
    tape.submit();
    Ok((gpu.download_f32(&loss.value)?[0], out))
}

/// Inference: logits (N, classes, H, W) of `images` with running statistics and no dropout.
pub fn infer(gpu: &Gpu, model: &Model, images: &Tensor) -> Result<Tensor> {
    let mut tape = Tape::new(gpu, Mode::Infer, 0);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let out = tape.value(logits)?.clone();
    tape.submit();
    Ok(out)
}

/// Per-pixel class probabilities (softmax over the classes) of `logits` (N, C, H, W), on the GPU.
pub fn probabilities(gpu: &Gpu, logits: &Tensor) -> Result<Tensor> {
    let probs = gpu.tensor("softmax_channels", logits.shape(), crate::DType::F32)?;
    let mut enc = gpu.encoder("softmax");
    crate::kernels::metrics::softmax_channels(gpu, &mut enc, logits, &probs)?;
    gpu.submit(enc);
    Ok(probs)
}

#[cfg(not(target_arch = "wasm32"))]
/// Per-pixel predicted class of `logits` (argmax on the GPU), read back.
pub fn predict_classes(gpu: &Gpu, logits: &Tensor) -> Result<Vec<u32>> {
    let s = logits.shape().to_vec();
    let pred = gpu.tensor("argmax_channels", &[s[0], s[2], s[3]], crate::DType::U32)?;
    let mut enc = gpu.encoder("argmax");
    crate::kernels::metrics::argmax_channels(gpu, &mut enc, logits, &pred)?;
    gpu.submit(enc);
    gpu.download_u32(&pred)
}
