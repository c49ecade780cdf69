//! A minimal autodiff tape over the GPU kernels.
//!
//! Forward ops record themselves as a closed enum ([`Op`]) in recording order and encode their
//! forward kernels into the tape's command encoder immediately. [`Tape::backward`] walks the
//! records in reverse and encodes each op's dedicated backward kernels. A value used by several
//! ops gets a fresh gradient from each and the tape adds them ([`crate::kernels::add`]) — the
//! classic "used twice" bug (micrograd #64) cannot happen. Parameter gradients are written into the
//! flat gradient buffer of the [`ParamStore`], which is cleared once per step; a parameter may be
//! used only once per step (an error otherwise). Nothing is read back: a whole step — forward,
//! loss, backward, optimizer — is one command buffer, one submit. Intermediate tensors come from
//! the buffer pool and return to it when the tape is dropped.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::kernels::{self, batch_norm as bn};
use crate::params::{ParamId, ParamStore};
use crate::tensor::{DType, Tensor};

/// A value recorded on the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Var(pub usize);

/// Training (batch statistics, dropout, gradients), fine-tuning (running statistics, frozen:
/// neither updated nor differentiated through; dropout; gradients) or inference (running
/// statistics, no dropout, nothing recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    /// Batch norm in inference behaviour while training the rest: PyTorch's `bn.eval()` inside
    /// a training loop, as when fine-tuning on few images whose batch statistics are unreliable.
    FineTune,
    Infer,
}

/// Batch-norm hyper-parameters (PyTorch defaults).
pub const BN_EPS: f32 = 1e-5;
pub const BN_MOMENTUM: f32 = 0.1;

/// One recorded op. Tensors saved for the backward pass are held here.
enum Op {
    /// `relu`: the fused conv + ReLU (y is the activation; its gradient is masked by y > 0).
    Conv2d {
        x: Var,
        weight: ParamId,
        bias: Option<ParamId>,
        y: Var,
        relu: bool,
        /// Kernel taps (k²), for [`Tape::conv_flops`].
        taps: usize,
    },
    ConvTranspose2d {
        x: Var,
        weight: ParamId,
        bias: Option<ParamId>,
        y: Var,
    },
    Relu {
        x: Var,
        y: Var,
    },
    /// `relu`: the fused BN + ReLU (y is the activation; its gradient is masked by y > 0).
    /// `frozen`: the running statistics were used (fine-tuning): constants of the forward.
    BatchNorm {
        x: Var,
        gamma: ParamId,
        beta: ParamId,
        mean: Tensor,
        invstd: Tensor,
        y: Var,
        relu: bool,
        frozen: bool,
    },
    MaxPool {
        x: Var,
        indices: Tensor,
        y: Var,
    },
    MaxUnpool {
        x: Var,
        indices: Tensor,
        y: Var,
    },
    Concat {
        a: Var,
        b: Var,
        y: Var,
    },
    Dropout {
        x: Var,
        p: f32,
        seed: u64,
        y: Var,
    },
}

/// Indices recorded by a max-pool, for the matching unpool (SegNet).
#[derive(Clone)]
pub struct PoolIndices {
    pub indices: Tensor,
    /// (H, W) of the pooled input: the unpooled output size.
    pub size: (usize, usize),
}

/// The loss recorded by [`Tape::cross_entropy`].
pub struct Loss {
    logits: Var,
    labels: Tensor,
    class_weights: Tensor,
    /// `[loss, Σ w]` on the GPU.
    pub value: Tensor,
}

/// The soft Dice loss recorded by [`Tape::soft_dice`] (definition in [`crate::kernels::dice`]).
pub struct DiceLoss {
    logits: Var,
    labels: Tensor,
    overlap: kernels::dice::Overlap,
    /// `[loss, dice_c (C), I_c (C), P_c (C), G_c (C)]` on the GPU.
    pub value: Tensor,
}

/// The tape of one step.
pub struct Tape<'g> {
    gpu: &'g Gpu,
    enc: Option<crate::encoder::Encoder>,
    mode: Mode,
    values: Vec<Tensor>,
    needs_grad: Vec<bool>,
    ops: Vec<Op>,
    dropout_seed: u64,
    dropout_count: u64,
    /// Seeds of the dropout layers, in recording order (for references and reproducibility).
    pub dropout_seeds: Vec<u64>,
    dropout_enabled: bool,
}

/// SplitMix-style mixing of (step seed, layer counter) into a dropout seed.
pub fn dropout_seed(step_seed: u64, layer: u64) -> u64 {
    let mut r = crate::rng::Rng::new(step_seed ^ layer.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    r.next_u64()
}

impl<'g> Tape<'g> {
    /// A new tape; `dropout_seed` makes the step's dropout masks reproducible.
    pub fn new(gpu: &'g Gpu, mode: Mode, dropout_seed: u64) -> Self {
        Self {
            gpu,
            enc: Some(gpu.encoder("lungseg step")),
            mode,
            values: Vec::new(),
            needs_grad: Vec::new(),
            ops: Vec::new(),
            dropout_seed,
            dropout_count: 0,
            dropout_seeds: Vec::new(),
            dropout_enabled: true,
        }
    }

    /// Makes dropout the identity on this tape while keeping the training-mode graph (used to
    /// take gradients with respect to the input, as Deep Dream does).
    pub fn disable_dropout(&mut self) {
        self.dropout_enabled = false;
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn gpu(&self) -> &'g Gpu {
        self.gpu
    }

    /// The command encoder everything is recorded into.
    pub fn encoder(&mut self) -> &mut crate::encoder::Encoder {
        self.enc.as_mut().expect("the encoder is only taken by submit")
    }

    /// Submits everything recorded so far (the tape can keep recording into a new encoder).
    pub fn submit(&mut self) {
        if let Some(enc) = self.enc.take() {
            self.gpu.submit(enc);
        }
        self.enc = Some(self.gpu.encoder("lungseg step"));
    }

    /// An input value (no gradient).
    pub fn input(&mut self, t: Tensor) -> Var {
        self.push(t, false)
    }

    /// An input value whose gradient the backward pass computes (e.g. Deep Dream).
    pub fn input_with_grad(&mut self, t: Tensor) -> Var {
        self.push(t, true)
    }

    /// The tensor behind a value.
    /// The value of `v`; an [`Error::InvalidArgument`] for a `Var` of another tape.
    pub fn value(&self, v: Var) -> Result<&Tensor> {
        self.values.get(v.0).ok_or_else(|| Error::InvalidArgument {
            op: "value",
            detail: format!("Var({}) is not a value of this tape (it has {})", v.0, self.values.len()),
        })
    }

    /// The value of `v` for an op, or an error when `v` is not a value of this tape (a `Var` of
    /// another tape).
    fn get(&self, op: &'static str, v: Var) -> Result<Tensor> {
        self.values.get(v.0).cloned().ok_or_else(|| Error::InvalidArgument {
            op,
            detail: format!(
                "Var({}) is not a value of this tape (it has {}): a Var belongs to the tape that made it",
                v.0,
                self.values.len()
            ),
        })
    }

    /// The value of `v` and its shape, which must be 4-D (N, C, H, W).
    fn get4(&self, op: &'static str, v: Var) -> Result<(Tensor, [usize; 4])> {
        let t = self.get(op, v)?;
        let s = kernels::nchw(op, "input", &t)?;
        Ok((t, s))
    }

    fn push(&mut self, t: Tensor, needs_grad: bool) -> Var {
        self.values.push(t);
        self.needs_grad.push(needs_grad);
        Var(self.values.len() - 1)
    }

    fn out(&self, op: &'static str, shape: &[usize]) -> Result<Tensor> {
        self.gpu.tensor(op, shape, DType::F32)
    }

    fn recording(&self) -> bool {
        self.mode != Mode::Infer
    }

    /// 3×3 or 1×1 'same' convolution with a parameter weight (OIHW) and optional bias.
    pub fn conv2d(&mut self, params: &ParamStore, x: Var, weight: ParamId, bias: Option<ParamId>) -> Result<Var> {
        self.conv2d_maybe_relu(params, x, weight, bias, false)
    }

    /// `relu(conv2d(...))` as one op: the ReLU is the convolution's store epilogue, so one
    /// full-tensor pass and the pre-activation tensor are saved; the backward masks the incoming
    /// gradient by `y > 0` (the same mask as the separate ReLU's `x > 0`), bit-identical results.
    pub fn conv2d_relu(&mut self, params: &ParamStore, x: Var, weight: ParamId, bias: Option<ParamId>) -> Result<Var> {
        self.conv2d_maybe_relu(params, x, weight, bias, true)
    }

    fn conv2d_maybe_relu(&mut self, params: &ParamStore, x: Var, weight: ParamId, bias: Option<ParamId>, relu: bool) -> Result<Var> {
        let (w, b) = (params.value(weight)?, bias.map(|b| params.value(b)).transpose()?);
        let (xt, xs) = self.get4("conv2d_forward", x)?;
        let ws = kernels::nchw("conv2d_forward", "weight", &w)?;
        let y = self.out("conv2d_forward", &[xs[0], ws[0], xs[2], xs[3]])?;
        if relu {
            kernels::conv2d::conv2d_relu_forward(self.gpu, self.encoder(), &xt, &w, b.as_ref(), &y)?;
        } else {
            kernels::conv2d::conv2d_forward(self.gpu, self.encoder(), &xt, &w, b.as_ref(), &y)?;
        }
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::Conv2d { x, weight, bias, y, relu, taps: ws[2] * ws[3] });
        }
        Ok(y)
    }

    /// 2×2 stride-2 transposed convolution, weight (in, out, 2, 2).
    pub fn conv_transpose2d(&mut self, params: &ParamStore, x: Var, weight: ParamId, bias: Option<ParamId>) -> Result<Var> {
        let (w, b) = (params.value(weight)?, bias.map(|b| params.value(b)).transpose()?);
        let (xt, xs) = self.get4("conv_transpose2d_forward", x)?;
        let ws = kernels::nchw("conv_transpose2d_forward", "weight", &w)?;
        let y = self.out("conv_transpose2d_forward", &[xs[0], ws[1], 2 * xs[2], 2 * xs[3]])?;
        kernels::conv_transpose2d::conv_transpose2d_forward(self.gpu, self.encoder(), &xt, &w, b.as_ref(), &y)?;
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::ConvTranspose2d { x, weight, bias, y });
        }
        Ok(y)
    }

    /// The floating-point operations (2 per multiply-add) of the convolutions and transposed
    /// convolutions recorded so far: `(forward, backward)`, the backward being the weight gradient
    /// of every one and the input gradient of those whose input needs one (not the first layer's).
    /// What `lungseg bench --model` divides by a step's time to give its GFLOP/s.
    pub fn conv_flops(&self) -> (f64, f64) {
        let (mut forward, mut backward) = (0.0, 0.0);
        for op in &self.ops {
            // Multiply-adds: one per (output value, read channel, tap) — for the 2×2 stride-2
            // transposed convolution one per (output value, read channel).
            let (x, macs) = match op {
                Op::Conv2d { x, y, taps, .. } => (*x, self.values[y.0].len() * self.values[x.0].shape()[1] * taps),
                Op::ConvTranspose2d { x, y, .. } => (*x, self.values[y.0].len() * self.values[x.0].shape()[1]),
                _ => continue,
            };
            let flops = 2.0 * macs as f64;
            forward += flops;
            backward += if self.needs_grad[x.0] { 2.0 * flops } else { flops };
        }
        (forward, backward)
    }

    pub fn relu(&mut self, x: Var) -> Result<Var> {
        let xt = self.get("relu_forward", x)?;
        let y = self.out("relu_forward", xt.shape())?;
        kernels::relu::relu_forward(self.gpu, self.encoder(), &xt, &y)?;
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::Relu { x, y });
        }
        Ok(y)
    }

    /// Batch norm: batch statistics and a running-statistics update in training, running
    /// statistics in inference. `name` is the layer's prefix (`enc1.bn1`): parameters
    /// `{name}.weight`, `{name}.bias`, state `{name}.running_mean`, `{name}.running_var`.
    pub fn batch_norm(&mut self, params: &ParamStore, x: Var, name: &str) -> Result<Var> {
        self.batch_norm_maybe_relu(params, x, name, false)
    }

    /// `relu(batch_norm(...))` as one op (SegNet's BN + ReLU): the ReLU is applied as the
    /// normalised value is stored, so one full-tensor pass and one activation tensor are saved;
    /// the backward masks the gradient by `y > 0` — bit-identical to the two separate ops.
    pub fn batch_norm_relu(&mut self, params: &ParamStore, x: Var, name: &str) -> Result<Var> {
        self.batch_norm_maybe_relu(params, x, name, true)
    }

    fn batch_norm_maybe_relu(&mut self, params: &ParamStore, x: Var, name: &str, relu: bool) -> Result<Var> {
        let gamma_id = params.id(&format!("{name}.weight"))?;
        let beta_id = params.id(&format!("{name}.bias"))?;
        let (gamma, beta) = (params.value(gamma_id)?, params.value(beta_id)?);
        let (rm, rv) = (params.state(&format!("{name}.running_mean"))?, params.state(&format!("{name}.running_var"))?);
        let (xt, [_, c, _, _]) = self.get4("batch_norm", x)?;
        let y = self.out("batch_norm", xt.shape())?;
        let gpu = self.gpu;
        if self.recording() {
            let mean = self.out("batch_norm_stats", &[c])?;
            let invstd = self.out("batch_norm_stats", &[c])?;
            let frozen = self.mode == Mode::FineTune;
            let enc = self.encoder();
            if frozen {
                bn::batch_norm_frozen_stats(gpu, enc, &rm, &rv, BN_EPS, &mean, &invstd)?;
            } else {
                bn::batch_norm_stats(gpu, enc, &xt, &mean, &invstd, Some((&rm, &rv)), BN_EPS, BN_MOMENTUM)?;
            }
            if relu {
                bn::batch_norm_relu_normalize(gpu, enc, &xt, &gamma, &beta, &mean, &invstd, &y)?;
            } else {
                bn::batch_norm_normalize(gpu, enc, &xt, &gamma, &beta, &mean, &invstd, &y)?;
            }
            let y = self.push(y, true);
            self.ops.push(Op::BatchNorm { x, gamma: gamma_id, beta: beta_id, mean, invstd, y, relu, frozen });
            Ok(y)
        } else {
            if relu {
                bn::batch_norm_relu_infer(gpu, self.encoder(), &xt, &gamma, &beta, &rm, &rv, BN_EPS, &y)?;
            } else {
                bn::batch_norm_infer(gpu, self.encoder(), &xt, &gamma, &beta, &rm, &rv, BN_EPS, &y)?;
            }
            Ok(self.push(y, true))
        }
    }

    /// 2×2 max-pool; returns the pooled value and the indices (for SegNet's unpool).
    pub fn max_pool(&mut self, x: Var) -> Result<(Var, PoolIndices)> {
        let (xt, s) = self.get4("max_pool2d_forward", x)?;
        let pooled = [s[0], s[1], s[2] / 2, s[3] / 2];
        let y = self.out("max_pool2d_forward", &pooled)?;
        let indices = self.gpu.tensor("max_pool2d_forward", &pooled, DType::U32)?;
        kernels::max_pool::max_pool2d_forward(self.gpu, self.encoder(), &xt, &y, &indices)?;
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::MaxPool { x, indices: indices.clone(), y });
        }
        Ok((y, PoolIndices { indices, size: (s[2], s[3]) }))
    }

    /// Max-unpool by the indices of an earlier max-pool.
    pub fn max_unpool(&mut self, x: Var, pool: &PoolIndices) -> Result<Var> {
        let (xt, s) = self.get4("max_unpool2d_forward", x)?;
        let y = self.out("max_unpool2d_forward", &[s[0], s[1], pool.size.0, pool.size.1])?;
        kernels::max_pool::max_unpool2d_forward(self.gpu, self.encoder(), &xt, &pool.indices, &y)?;
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::MaxUnpool { x, indices: pool.indices.clone(), y });
        }
        Ok(y)
    }

    /// Channel concatenation `[a, b]`.
    pub fn concat(&mut self, a: Var, b: Var) -> Result<Var> {
        let ((at, sa), (bt, sb)) = (self.get4("concat_forward", a)?, self.get4("concat_forward", b)?);
        let y = self.out("concat_forward", &[sa[0], sa[1] + sb[1], sa[2], sa[3]])?;
        let gpu = self.gpu;
        let enc = self.encoder();
        kernels::concat::concat_forward(gpu, enc, &at, &y, 0)?;
        kernels::concat::concat_forward(gpu, enc, &bt, &y, sa[1])?;
        let y = self.push(y, true);
        if self.recording() {
            self.ops.push(Op::Concat { a, b, y });
        }
        Ok(y)
    }

    /// Dropout with probability `p` in training; the identity in inference.
    pub fn dropout(&mut self, x: Var, p: f32) -> Result<Var> {
        if !self.recording() || !self.dropout_enabled || p == 0.0 {
            return Ok(x);
        }
        let seed = dropout_seed(self.dropout_seed, self.dropout_count);
        let xt = self.get("dropout_forward", x)?;
        self.dropout_count += 1;
        self.dropout_seeds.push(seed);
        let y = self.out("dropout_forward", xt.shape())?;
        kernels::dropout::dropout_forward(self.gpu, self.encoder(), &xt, &y, p, seed)?;
        let y = self.push(y, true);
        self.ops.push(Op::Dropout { x, p, seed, y });
        Ok(y)
    }

    /// Class-weighted softmax cross-entropy of `logits` (N, C, H, W) against u32 `labels` (N, H, W).
    pub fn cross_entropy(&mut self, logits: Var, labels: &Tensor, class_weights: &Tensor) -> Result<Loss> {
        let lt = self.get("cross_entropy_forward", logits)?;
        let value = self.gpu.tensor("cross_entropy_loss", &[2], DType::F32)?;
        kernels::cross_entropy::cross_entropy_forward(self.gpu, self.encoder(), &lt, labels, class_weights, &value)?;
        Ok(Loss { logits, labels: labels.clone(), class_weights: class_weights.clone(), value })
    }

    /// Soft Dice (or, with other weights in `overlap`, Tversky) over the batch of `logits`
    /// (N, C, H, W) against u32 `labels` (N, H, W), averaged over every class or, without
    /// `overlap.include_background`, over classes 1..C−1. Its gradient is
    /// taken by [`Tape::backward_sum`] (alone or added to a cross-entropy's).
    pub fn soft_dice(&mut self, logits: Var, labels: &Tensor, overlap: kernels::dice::Overlap) -> Result<DiceLoss> {
        let lt = self.get("soft_dice_forward", logits)?;
        let c = lt.shape().get(1).copied().unwrap_or(0);
        let value = self.gpu.tensor("soft_dice_loss", &[kernels::dice::value_len(c)], DType::F32)?;
        kernels::dice::soft_dice_forward(self.gpu, self.encoder(), &lt, labels, overlap, &value)?;
        Ok(DiceLoss { logits, labels: labels.clone(), overlap, value })
    }

    /// Records the whole backward pass from `loss`, writing parameter gradients into `params`'
    /// gradient buffer (which this clears first).
    pub fn backward(&mut self, loss: &Loss, params: &ParamStore) -> Result<()> {
        self.backward_sum(Some(loss), None, params)
    }

    /// Records the backward pass of `cross_entropy + λ·soft_dice` (either term may be absent; both
    /// must be of the same logits), writing parameter gradients into `params` (cleared first).
    pub fn backward_sum(&mut self, loss: Option<&Loss>, dice: Option<(&DiceLoss, f32)>, params: &ParamStore) -> Result<()> {
        let (logits, dlogits) = self.loss_gradient(loss, dice)?;
        self.backward_from(logits, dlogits, params, None).map(|_| ())
    }

    /// Records the gradient of `cross_entropy + λ·soft_dice` with respect to their logits and
    /// returns (logits, gradient). The cross-entropy backward writes the gradient and the Dice
    /// backward adds `λ·dDice/dlogits` into it in place (no extra tensor, no extra pass); with no
    /// cross-entropy the Dice backward writes it. With the cross-entropy alone this is exactly
    /// what [`Tape::backward`] always did.
    pub fn loss_gradient(&mut self, loss: Option<&Loss>, dice: Option<(&DiceLoss, f32)>) -> Result<(Var, Tensor)> {
        if self.mode == Mode::Infer {
            return Err(Error::InvalidArgument { op: "backward", detail: "the tape was recorded in inference mode".into() });
        }
        let logits = match (loss, dice) {
            (Some(l), Some((d, _))) if l.logits != d.logits => {
                return Err(Error::InvalidArgument {
                    op: "backward",
                    detail: format!(
                        "the cross-entropy and the soft Dice must be of the same logits (values {} and {})",
                        l.logits.0, d.logits.0
                    ),
                })
            }
            (Some(l), _) => l.logits,
            (None, Some((d, _))) => d.logits,
            (None, None) => {
                return Err(Error::InvalidArgument {
                    op: "backward",
                    detail: "no loss to differentiate: pass a cross-entropy, a soft Dice or both".into(),
                })
            }
        };
        let lt = self.get("backward", logits)?;
        let dlogits = self.out(if loss.is_some() { "cross_entropy_backward" } else { "soft_dice_backward" }, lt.shape())?;
        if let Some(loss) = loss {
            kernels::cross_entropy::cross_entropy_backward(
                self.gpu,
                self.encoder(),
                &lt,
                &loss.labels,
                &loss.class_weights,
                &loss.value,
                &dlogits,
            )?;
        }
        if let Some((d, weight)) = dice {
            let gpu = self.gpu;
            let accumulate = loss.is_some();
            kernels::dice::soft_dice_backward(gpu, self.encoder(), &lt, &d.labels, d.overlap, &d.value, weight, &dlogits, accumulate)?;
        }
        Ok((logits, dlogits))
    }

    /// Records the backward pass from a given gradient of `from` (any objective), writing
    /// parameter gradients into `params`; with `input`, returns that value's gradient (its
    /// `Var` must come from [`Tape::input_with_grad`]).
    pub fn backward_from(&mut self, from: Var, grad: Tensor, params: &ParamStore, input: Option<Var>) -> Result<Option<Tensor>> {
        if self.mode == Mode::Infer {
            return Err(Error::InvalidArgument { op: "backward", detail: "the tape was recorded in inference mode".into() });
        }
        let from_value = self.get("backward", from)?;
        if let Some(v) = input {
            self.get("backward", v)?;
        }
        if grad.shape() != from_value.shape() {
            return Err(Error::Shape {
                op: "backward",
                detail: "the seed gradient must have the value's shape".into(),
                shapes: crate::error::fmt_shapes(&[grad.shape(), from_value.shape()]),
            });
        }
        let gpu = self.gpu;
        params.zero_grads(self.encoder());
        let mut grads: Vec<Option<Tensor>> = vec![None; self.values.len()];
        let mut param_written = vec![false; params.entries.len()];
        grads[from.0] = Some(grad);

        let ops = std::mem::take(&mut self.ops);
        let masked_by_consumer = masked_by_consumer(&ops, self.values.len(), from);
        for op in ops.iter().rev() {
            match op {
                Op::Conv2d { x, weight, bias, y, relu, .. } => {
                    let Some(mut gy) = grads[y.0].take() else { continue };
                    if *relu && !masked_by_consumer[y.0] {
                        // The fused ReLU's backward, masked by the activation itself (y > 0 ⇔ pre-activation > 0).
                        gy = self.relu_grad(*y, &gy)?;
                    }
                    let w = params.value(*weight)?;
                    let xt = self.values[x.0].clone();
                    claim(&mut param_written, params, *weight)?;
                    kernels::conv2d::conv2d_backward_weight(gpu, self.encoder(), &xt, &gy, &params.grad(*weight)?)?;
                    if let Some(b) = bias {
                        claim(&mut param_written, params, *b)?;
                        kernels::conv2d::conv2d_backward_bias(gpu, self.encoder(), &gy, &params.grad(*b)?)?;
                    }
                    if self.needs_grad[x.0] {
                        let dx = self.out("conv2d_backward_input", xt.shape())?;
                        if masked_by_consumer[x.0] {
                            // x is a fused ReLU's output read only here: its backward is applied
                            // as dx is stored, and the producer skips its own.
                            kernels::conv2d::conv2d_relu_backward_input(gpu, self.encoder(), &gy, &w, &xt, &dx)?;
                        } else {
                            kernels::conv2d::conv2d_backward_input(gpu, self.encoder(), &gy, &w, &dx)?;
                        }
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::ConvTranspose2d { x, weight, bias, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    let w = params.value(*weight)?;
                    let xt = self.values[x.0].clone();
                    claim(&mut param_written, params, *weight)?;
                    kernels::conv_transpose2d::conv_transpose2d_backward_weight(gpu, self.encoder(), &xt, &gy, &params.grad(*weight)?)?;
                    if let Some(b) = bias {
                        claim(&mut param_written, params, *b)?;
                        kernels::conv_transpose2d::conv_transpose2d_backward_bias(gpu, self.encoder(), &gy, &params.grad(*b)?)?;
                    }
                    if self.needs_grad[x.0] {
                        let dx = self.out("conv_transpose2d_backward_input", xt.shape())?;
                        kernels::conv_transpose2d::conv_transpose2d_backward_input(gpu, self.encoder(), &gy, &w, &dx)?;
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::Relu { x, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    if self.needs_grad[x.0] {
                        let dx = self.relu_grad(*x, &gy)?;
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::BatchNorm { x, gamma, beta, mean, invstd, y, relu, frozen } => {
                    let Some(mut gy) = grads[y.0].take() else { continue };
                    let xt = self.values[x.0].clone();
                    claim(&mut param_written, params, *gamma)?;
                    claim(&mut param_written, params, *beta)?;
                    let (dg, db) = (params.grad(*gamma)?, params.grad(*beta)?);
                    let g = params.value(*gamma)?;
                    if *relu && masked_by_consumer[y.0] {
                        // The consuming convolution already applied the ReLU's backward.
                        bn::batch_norm_backward_reduce(gpu, self.encoder(), &xt, &gy, mean, invstd, &dg, &db)?;
                    } else if *relu && *y != from {
                        // The fused ReLU's backward inside the first batch-norm pass: it masks the
                        // gradient (the tape's own tensor) in place where the forward's output was
                        // 0, so batch_norm_backward_input reads it masked and no ReLU pass runs.
                        let b = params.value(*beta)?;
                        bn::batch_norm_relu_backward_reduce(gpu, self.encoder(), &xt, &gy, &g, &b, mean, invstd, &dg, &db)?;
                    } else {
                        if *relu {
                            // The caller's seed gradient is never written: a ReLU pass masks a copy.
                            gy = self.relu_grad(*y, &gy)?;
                        }
                        bn::batch_norm_backward_reduce(gpu, self.encoder(), &xt, &gy, mean, invstd, &dg, &db)?;
                    }
                    if self.needs_grad[x.0] {
                        let dx = self.out("batch_norm_backward_input", xt.shape())?;
                        if *frozen {
                            bn::batch_norm_backward_input_frozen(gpu, self.encoder(), &xt, &gy, &g, invstd, &dx)?;
                        } else {
                            bn::batch_norm_backward_input(gpu, self.encoder(), &xt, &gy, &g, mean, invstd, &dg, &db, &dx)?;
                        }
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::MaxPool { x, indices, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    if self.needs_grad[x.0] {
                        let dx = self.out("max_pool2d_backward", self.values[x.0].shape())?;
                        kernels::max_pool::max_pool2d_backward(gpu, self.encoder(), &gy, indices, &dx)?;
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::MaxUnpool { x, indices, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    if self.needs_grad[x.0] {
                        let dx = self.out("max_unpool2d_backward", self.values[x.0].shape())?;
                        kernels::max_pool::max_unpool2d_backward(gpu, self.encoder(), &gy, indices, &dx)?;
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
                Op::Concat { a, b, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    let ca = self.values[a.0].shape()[1];
                    for (part, offset) in [(*a, 0), (*b, ca)] {
                        if !self.needs_grad[part.0] {
                            continue;
                        }
                        // Reads its channels of dy straight into an existing gradient (+=) or a fresh one.
                        match grads[part.0].clone() {
                            Some(g) => kernels::concat::concat_backward(gpu, self.encoder(), &gy, &g, offset, true)?,
                            None => {
                                let g = self.out("concat_backward", self.values[part.0].shape())?;
                                kernels::concat::concat_backward(gpu, self.encoder(), &gy, &g, offset, false)?;
                                grads[part.0] = Some(g);
                            }
                        }
                    }
                }
                Op::Dropout { x, p, seed, y } => {
                    let Some(gy) = grads[y.0].take() else { continue };
                    if self.needs_grad[x.0] {
                        let dx = self.out("dropout_backward", gy.shape())?;
                        kernels::dropout::dropout_backward(gpu, self.encoder(), &gy, &dx, *p, *seed)?;
                        self.accumulate(&mut grads, *x, dx)?;
                    }
                }
            }
        }
        Ok(input.and_then(|v| grads[v.0].take()))
    }

    /// Adds `fresh` to the gradient of `v` (or makes it the gradient).
    /// ReLU's backward: `gy` where the value `mask` is > 0, else 0 (`mask` is the ReLU's input, or
    /// for a fused ReLU its output: both are > 0 at the same places).
    fn relu_grad(&mut self, mask: Var, gy: &Tensor) -> Result<Tensor> {
        let m = self.values[mask.0].clone();
        let dx = self.out("relu_backward", m.shape())?;
        kernels::relu::relu_backward(self.gpu, self.encoder(), &m, gy, &dx)?;
        Ok(dx)
    }

    fn accumulate(&mut self, grads: &mut [Option<Tensor>], v: Var, fresh: Tensor) -> Result<()> {
        match &grads[v.0] {
            Some(g) => {
                let g = g.clone();
                kernels::add::add_assign(self.gpu, self.encoder(), &g, &fresh)
            }
            None => {
                grads[v.0] = Some(fresh);
                Ok(())
            }
        }
    }

    /// Number of recorded ops (for tests).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Values whose fused ReLU's backward (conv + ReLU, BN + ReLU) the one op that reads them applies
/// itself: a 3×3 or 1×1 convolution's backward-input pass masks dx where it stores it
/// ([`kernels::conv2d::conv2d_relu_backward_input`]), so the producer runs no ReLU backward of its
/// own. Only for values read by exactly that convolution and nothing else (a second reader's
/// gradient would arrive unmasked), and never the seed of the backward pass.
fn masked_by_consumer(ops: &[Op], values: usize, from: Var) -> Vec<bool> {
    let mut readers = vec![0u32; values];
    let mut fused_relu_output = vec![false; values];
    for op in ops {
        match op {
            Op::Conv2d { x, y, relu, .. } => {
                readers[x.0] += 1;
                fused_relu_output[y.0] = *relu;
            }
            Op::BatchNorm { x, y, relu, .. } => {
                readers[x.0] += 1;
                fused_relu_output[y.0] = *relu;
            }
            Op::ConvTranspose2d { x, .. }
            | Op::Relu { x, .. }
            | Op::MaxPool { x, .. }
            | Op::MaxUnpool { x, .. }
            | Op::Dropout { x, .. } => readers[x.0] += 1,
            Op::Concat { a, b, .. } => {
                readers[a.0] += 1;
                readers[b.0] += 1;
            }
        }
    }
    let mut masked = vec![false; values];
    for op in ops {
        if let Op::Conv2d { x, .. } = op {
            masked[x.0] = fused_relu_output[x.0] && readers[x.0] == 1 && *x != from;
        }
    }
    masked
}

/// Parameter gradients are written, not added: a parameter used twice in one step would lose a
/// contribution, so it is refused.
fn claim(written: &mut [bool], params: &ParamStore, id: ParamId) -> Result<()> {
    if std::mem::replace(&mut written[id.0], true) {
        return Err(Error::InvalidArgument {
            op: "backward",
            detail: format!(
                "parameter {} is used twice in one step; lungseg's tape supports one use per parameter",
                params.entries[id.0].name
            ),
        });
    }
    Ok(())
}
