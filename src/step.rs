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
    pub loss: f32,
    pub accuracy: f32,
}

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
    let mut tape = Tape::new(gpu, Mode::Train, cfg.dropout_seed);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let loss = tape.cross_entropy(logits, labels, class_weights)?;
    let counts = if read { Some(confusion(gpu, &mut tape, logits, labels)?) } else { None };
    tape.backward(&loss, &model.params)?;
    model.params.adam(gpu, tape.encoder(), cfg.lr, cfg.l2)?;
    tape.submit();
    match counts {
        Some(counts) => {
            // One read-back (one staging buffer, one wait) for the loss and the confusion counts.
            let (lb, cb) = (loss.value.bytes(), counts.bytes());
            let bytes = gpu.read_back("training step statistics", lb + cb, |enc, staging| {
                enc.copy_buffer_to_buffer(loss.value.buffer(), loss.value.offset(), staging, 0, lb);
                enc.copy_buffer_to_buffer(counts.buffer(), counts.offset(), staging, lb, cb);
            })?;
            let l = f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            let counts: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes[lb as usize..]);
            Ok(Some(StepStats { loss: l, accuracy: accuracy_of(&counts) }))
        }
        None => Ok(None),
    }
}

/// Records argmax + confusion counts (C × C, zeroed first) of `logits` against `labels`.
fn confusion(gpu: &Gpu, tape: &mut Tape, logits: crate::tape::Var, labels: &Tensor) -> Result<Tensor> {
    let lt = tape.value(logits).clone();
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

/// Inference: logits (N, classes, H, W) of `images` with running statistics and no dropout.
pub fn infer(gpu: &Gpu, model: &Model, images: &Tensor) -> Result<Tensor> {
    let mut tape = Tape::new(gpu, Mode::Infer, 0);
    let x = tape.input(images.clone());
    let logits = model.forward(&mut tape, x)?;
    let out = tape.value(logits).clone();
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

/// Per-pixel predicted class of `logits` (argmax on the GPU), read back.
pub fn predict_classes(gpu: &Gpu, logits: &Tensor) -> Result<Vec<u32>> {
    let s = logits.shape().to_vec();
    let pred = gpu.tensor("argmax_channels", &[s[0], s[2], s[3]], crate::DType::U32)?;
    let mut enc = gpu.encoder("argmax");
    crate::kernels::metrics::argmax_channels(gpu, &mut enc, logits, &pred)?;
    gpu.submit(enc);
    gpu.download_u32(&pred)
}
