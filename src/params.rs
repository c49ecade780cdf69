//! Parameters in one place: every trainable tensor is a 256-byte-aligned view into one flat GPU
//! buffer (values), mirrored by flat gradient and Adam-moment buffers, so zeroing the gradients is
//! one `clear_buffer` and the optimizer is two dispatches (the decayed range, then the rest).
//! Non-trainable state (batch-norm running statistics) lives in a second flat buffer. Every entry
//! has the layer's name (`enc1.conv1.weight`), which is also its checkpoint key. Optionally an
//! exponential moving average of both buffers ([`ParamStore::enable_ema`]) follows every
//! optimizer step, and [`ParamStore::swap_ema`] lets the model run with the averaged weights.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::kernels::adam::{adam_step, AdamHyper};
use crate::kernels::ema::{ema_update, warmup_decay};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Floats per alignment unit: 64 × 4 bytes = 256 bytes, the strictest storage offset alignment.
const ALIGN: usize = 64;

/// How a tensor is initialised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// He (Kaiming) normal: N(0, 2 / fan_in) — MATLAB's `'he'` initializer, which `unetLayers`
    /// uses for its convolutions. lungseg uses it for every convolution of both networks.
    He {
        fan_in: usize,
    },
    Zeros,
    Ones,
}

/// One named tensor of a [`ParamStore`].
#[derive(Clone, Debug)]
pub struct ParamEntry {
    pub name: String,
    pub shape: Vec<usize>,
    /// Offset in elements inside the flat buffer.
    pub offset: usize,
    /// Whether L2 weight decay applies (weights and batch-norm scale/offset, as MATLAB's default
    /// L2 factors; not convolution biases).
    pub decay: bool,
    pub init: Init,
}

impl ParamEntry {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Builder: declare tensors, then [`ParamSpec::build`] on a device.
#[derive(Default, Clone, Debug)]
pub struct ParamSpec {
    trainable: Vec<(String, Vec<usize>, bool, Init)>,
    state: Vec<(String, Vec<usize>, Init)>,
}

impl ParamSpec {
    /// A trainable tensor.
    pub fn param(&mut self, name: impl Into<String>, shape: &[usize], decay: bool, init: Init) {
        self.trainable.push((name.into(), shape.to_vec(), decay, init));
    }
    /// A non-trainable state tensor (running statistics).
    pub fn state(&mut self, name: impl Into<String>, shape: &[usize], init: Init) {
        self.state.push((name.into(), shape.to_vec(), init));
    }

    /// Lays the tensors out (decayed ones first), initialises them from `seed`, uploads.
    pub fn build(&self, gpu: &Gpu, seed: u64) -> Result<ParamStore> {
        // Decayed tensors first so each optimizer dispatch covers one contiguous range. The
        // initial values are drawn in declaration order, so the layout does not change them.
        let mut rng = Rng::new(seed);
        let mut init_values: Vec<Vec<f32>> = Vec::new();
        for (_, shape, _, init) in &self.trainable {
            init_values.push(init_tensor(&mut rng, shape, *init));
        }
        let mut order: Vec<usize> = (0..self.trainable.len()).collect();
        order.sort_by_key(|&i| !self.trainable[i].2);
        let mut entries = Vec::new();
        let mut offset = 0;
        let mut decay_end = 0;
        let mut values = Vec::new();
        for &i in &order {
            let (name, shape, decay, init) = &self.trainable[i];
            let len: usize = shape.iter().product();
            if *decay {
                decay_end = offset + len;
            }
            values.resize(offset, 0.0);
            values.extend_from_slice(&init_values[i]);
            entries.push(ParamEntry { name: name.clone(), shape: shape.clone(), offset, decay: *decay, init: *init });
            offset = (offset + len).div_ceil(ALIGN) * ALIGN;
        }
        // Keep declaration order for lookups and checkpoints.
        let mut by_decl = vec![None; self.trainable.len()];
        for (k, &i) in order.iter().enumerate() {
            by_decl[i] = Some(entries[k].clone());
        }
        let entries: Vec<ParamEntry> = by_decl.into_iter().map(|e| e.expect("every tensor laid out")).collect();
        let total = offset.max(ALIGN);
        values.resize(total, 0.0);

        let mut state_entries = Vec::new();
        let mut state_values = Vec::new();
        let mut soff = 0;
        for (name, shape, init) in &self.state {
            let len: usize = shape.iter().product();
            state_values.resize(soff, 0.0);
            state_values.extend(init_tensor(&mut rng, shape, *init));
            state_entries.push(ParamEntry { name: name.clone(), shape: shape.clone(), offset: soff, decay: false, init: *init });
            soff = (soff + len).div_ceil(ALIGN) * ALIGN;
        }
        let stotal = soff.max(ALIGN);
        state_values.resize(stotal, 0.0);

        let values_t = gpu.upload_f32("parameters", &values, &[total])?;
        let zeros = vec![0.0f32; total];
        Ok(ParamStore {
            entries,
            state_entries,
            decay_end: decay_end.div_ceil(ALIGN) * ALIGN,
            total,
            values: values_t,
            grads: gpu.upload_f32("gradients", &zeros, &[total])?,
            m: gpu.upload_f32("adam m", &zeros, &[total])?,
            v: gpu.upload_f32("adam v", &zeros, &[total])?,
            state: gpu.upload_f32("running statistics", &state_values, &[stotal])?,
            step: 0,
            ema: None,
        })
    }
}

fn init_tensor(rng: &mut Rng, shape: &[usize], init: Init) -> Vec<f32> {
    let len: usize = shape.iter().product();
    match init {
        Init::He { fan_in } => {
            let std = (2.0 / fan_in.max(1) as f64).sqrt();
            (0..len).map(|_| (rng.normal() * std) as f32).collect()
        }
        Init::Zeros => vec![0.0; len],
        Init::Ones => vec![1.0; len],
    }
}

/// A named host copy of one tensor: (name, shape, values).
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Identifies one tensor of a [`ParamStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

/// The parameters, their gradients, Adam's moments and the running statistics of one model.
pub struct ParamStore {
    pub entries: Vec<ParamEntry>,
    pub state_entries: Vec<ParamEntry>,
    /// Elements `[0, decay_end)` get weight decay; the rest do not.
    pub decay_end: usize,
    pub total: usize,
    pub values: Tensor,
    pub grads: Tensor,
    pub m: Tensor,
    pub v: Tensor,
    pub state: Tensor,
    /// Optimizer steps taken.
    pub step: u32,
    /// The moving average of the parameters and running statistics, when enabled.
    pub ema: Option<Ema>,
}

/// The exponential moving average of a [`ParamStore`]: flat buffers laid out as `values` and
/// `state`, updated after every optimizer step with decay [`warmup_decay`]`(decay, step)`.
pub struct Ema {
    /// The requested decay (the warm-up lowers it during the first steps).
    pub decay: f32,
    /// Averaged parameters (the layout of [`ParamStore::values`]); while swapped in, the live
    /// ones.
    pub(crate) values: Tensor,
    /// Averaged running statistics (the layout of [`ParamStore::state`]): the batch-norm
    /// statistics that go with the averaged weights, as timm's ModelEmaV2 averages buffers.
    pub(crate) state: Tensor,
    /// Whether the averages are swapped in ([`ParamStore::swap_ema`]).
    pub(crate) swapped: bool,
}

impl ParamStore {
    /// The id of a trainable tensor by name.
    pub fn id(&self, name: &str) -> Result<ParamId> {
        self.entries
            .iter()
            .position(|e| e.name == name)
            .map(ParamId)
            .ok_or_else(|| Error::InvalidArgument { op: "parameters", detail: format!("no parameter named {name}") })
    }

    /// Value view of a parameter.
    pub fn value(&self, id: ParamId) -> Result<Tensor> {
        let e = &self.entries[id.0];
        self.values.view(e.offset, &e.shape)
    }

    /// Gradient view of a parameter.
    pub fn grad(&self, id: ParamId) -> Result<Tensor> {
        let e = &self.entries[id.0];
        self.grads.view(e.offset, &e.shape)
    }

    /// View of a state tensor (running statistics) by name.
    pub fn state(&self, name: &str) -> Result<Tensor> {
        let e = self
            .state_entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| Error::InvalidArgument { op: "parameters", detail: format!("no state tensor named {name}") })?;
        self.state.view(e.offset, &e.shape)
    }

    /// Number of trainable scalars.
    pub fn count(&self) -> usize {
        self.entries.iter().map(|e| e.len()).sum()
    }

    /// Records the clearing of every gradient (once per step).
    pub fn zero_grads(&self, enc: &mut crate::encoder::Encoder) {
        enc.clear_buffer(self.grads.buffer(), 0, None);
    }

    /// Starts an exponential moving average of the parameters and running statistics with
    /// `decay` in (0, 1), from copies of their current values (recorded in `enc`; if one is
    /// already running, only its decay changes). From then on every [`ParamStore::adam`] step
    /// also updates the average.
    pub fn enable_ema(&mut self, gpu: &Gpu, enc: &mut crate::encoder::Encoder, decay: f32) -> Result<()> {
        if !(decay.is_finite() && decay > 0.0 && decay < 1.0) {
            return Err(Error::InvalidArgument { op: "ema", detail: format!("the decay must be in (0, 1), got {decay}") });
        }
        if let Some(e) = &mut self.ema {
            e.decay = decay;
            return Ok(());
        }
        let values = gpu.tensor("parameter average", &[self.total], crate::DType::F32)?;
        let state = gpu.tensor("running statistics average", self.state.shape(), crate::DType::F32)?;
        enc.copy_buffer_to_buffer(self.values.buffer(), self.values.offset(), values.buffer(), values.offset(), self.values.bytes());
        enc.copy_buffer_to_buffer(self.state.buffer(), self.state.offset(), state.buffer(), state.offset(), self.state.bytes());
        self.ema = Some(Ema { decay, values, state, swapped: false });
        Ok(())
    }

    /// Whether the moving average is swapped in ([`ParamStore::swap_ema`]).
    pub fn ema_swapped(&self) -> bool {
        self.ema.as_ref().is_some_and(|e| e.swapped)
    }

    /// Exchanges the live parameters and running statistics with their moving averages (no
    /// copy: the tensors trade places), so the model computes with the averaged weights until
    /// the next call swaps them back. Training steps are refused while swapped. Without an
    /// average, nothing happens.
    pub fn swap_ema(&mut self) {
        if let Some(e) = &mut self.ema {
            std::mem::swap(&mut self.values, &mut e.values);
            std::mem::swap(&mut self.state, &mut e.state);
            e.swapped = !e.swapped;
        }
    }

    /// Records one Adam step over all parameters: weight decay `l2` on the decayed range, none
    /// on the rest (two dispatches), then the moving average's update when one is enabled. `lr`
    /// may change every step.
    pub fn adam(&mut self, gpu: &Gpu, enc: &mut crate::encoder::Encoder, lr: f32, l2: f32) -> Result<()> {
        if self.ema_swapped() {
            return Err(Error::InvalidArgument {
                op: "adam_step",
                detail: "the moving average is swapped in (ParamStore::swap_ema): swap it back before training".into(),
            });
        }
        self.step += 1;
        let h = AdamHyper { lr, weight_decay: l2, step: self.step, ..Default::default() };
        if self.decay_end > 0 {
            adam_step(gpu, enc, &self.values, &self.grads, &self.m, &self.v, 0, self.decay_end, &h)?;
        }
        if self.total > self.decay_end {
            let h0 = AdamHyper { weight_decay: 0.0, ..h };
            adam_step(gpu, enc, &self.values, &self.grads, &self.m, &self.v, self.decay_end, self.total - self.decay_end, &h0)?;
        }
        if let Some(e) = &self.ema {
            let d = warmup_decay(e.decay, self.step);
            ema_update(gpu, enc, &self.values, &e.values, 0, self.total, d)?;
            ema_update(gpu, enc, &self.state, &e.state, 0, self.state.len(), d)?;
        }
        Ok(())
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// Downloads every trainable tensor by name (declaration order).
    pub fn download(&self, gpu: &Gpu) -> Result<Vec<NamedTensor>> {
        named(gpu, &self.values, &self.entries, "")
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// Downloads every gradient by name.
    pub fn download_grads(&self, gpu: &Gpu) -> Result<Vec<NamedTensor>> {
        named(gpu, &self.grads, &self.entries, "")
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// Downloads every state tensor by name.
    pub fn download_state(&self, gpu: &Gpu) -> Result<Vec<NamedTensor>> {
        named(gpu, &self.state, &self.state_entries, "")
    }

    #[cfg(not(target_arch = "wasm32"))]
    /// Downloads the moving average — parameters, then running statistics — under `ema.<name>`
    /// (nothing without one).
    pub fn download_ema(&self, gpu: &Gpu) -> Result<Vec<NamedTensor>> {
        let Some(e) = &self.ema else { return Ok(Vec::new()) };
        let mut all = named(gpu, &e.values, &self.entries, "ema.")?;
        all.extend(named(gpu, &e.state, &self.state_entries, "ema.")?);
        Ok(all)
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// The tensors `entries` of the flat buffer `flat`, downloaded, under `prefix` + their names.
fn named(gpu: &Gpu, flat: &Tensor, entries: &[ParamEntry], prefix: &str) -> Result<Vec<NamedTensor>> {
    let all = gpu.download_f32(flat)?;
    Ok(entries.iter().map(|e| (format!("{prefix}{}", e.name), e.shape.clone(), all[e.offset..e.offset + e.len()].to_vec())).collect())
}
