//! One training step (forward, loss, backward, Adam) and one inference pass, each encoded into a
//! single command buffer and submitted once. Nothing is read back unless asked for.

use crate::error::Result;
use crate::gpu::Gpu;
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

/// Records and submits one training step on a batch: `images` (N, C, H, W), `labels` (N, H, W)
/// u32, `class_weights` (C). Returns the loss when `read_loss` (which waits for the GPU).
pub fn train_step(gpu: &Gpu, model: &mut Model, images: &Tensor, labels: &Tensor, class_weights: &Tensor, cfg: &StepConfig, read_loss: bool) -> Result<Option<f32>> {
    let mut tape = Tape::new(gpu, Mode::Train, cfg.dropout_seed);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let loss = tape.cross_entropy(logits, labels, class_weights)?;
    tape.backward(&loss, &model.params)?;
    model.params.adam(gpu, tape.encoder(), cfg.lr, cfg.l2)?;
    tape.submit();
    if read_loss {
        Ok(Some(gpu.download_f32(&loss.value)?[0]))
    } else {
        Ok(None)
    }
}

/// Records the forward pass and the loss only (no update), e.g. for validation, in `mode`.
/// Returns (loss, logits) — the loss is read back.
pub fn evaluate(gpu: &Gpu, model: &Model, images: &Tensor, labels: &Tensor, class_weights: &Tensor, mode: Mode) -> Result<(f32, Tensor)> {
    let mut tape = Tape::new(gpu, mode, 0);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let loss = tape.cross_entropy(logits, labels, class_weights)?;
    let out = tape.value(logits).clone();
    tape.submit();
    Ok((gpu.download_f32(&loss.value)?[0], out))
}
