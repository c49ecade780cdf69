//! Checkpoints as safetensors files: every parameter under its layer name in PyTorch layout
//! (`enc1.conv1.weight` is (out, in, kH, kW)), the batch-norm running statistics, Adam's moments
//! (`optimizer.m.<name>`, `optimizer.v.<name>`), the optimizer step, and the input normalisation
//! (`input.mean_image`), and, when the run averages its weights (`--ema`), the moving averages
//! (`ema.<name>` for parameters and running statistics). The training state and configuration go
//! into the file's metadata. A checkpoint written while the averages are swapped in (a run's best
//! checkpoint with `--ema`) holds the averaged weights under the layer names, no `ema.*` and no
//! optimizer state (it cannot resume a run).
//! Files are written atomically: a temporary file in the same folder, then a rename.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::params::ParamStore;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::path::Path;

fn ck_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "checkpoint", detail: format!("{}: {}", path.display(), detail.into()) }
}

/// What a checkpoint holds besides the tensors of a [`ParamStore`].
pub struct Extra {
    /// Named f32 tensors (e.g. `input.mean_image`).
    pub tensors: Vec<crate::params::NamedTensor>,
    /// String metadata (configuration, training state as JSON).
    pub metadata: HashMap<String, String>,
}

#[cfg(not(target_arch = "wasm32"))]
/// Writes `params` (values, state, Adam moments and step) and `extra` to `path` atomically: a
/// training checkpoint, resumable.
pub fn save(gpu: &Gpu, params: &ParamStore, extra: &Extra, path: &Path) -> Result<()> {
    write(gpu, params, extra, path, true)
}

#[cfg(not(target_arch = "wasm32"))]
/// Writes only what inference needs — parameter values, batch-norm running statistics and
/// `extra` — to `path` atomically: a model to ship or to load with [`Loaded::restore_weights`].
pub fn save_weights(gpu: &Gpu, params: &ParamStore, extra: &Extra, path: &Path) -> Result<()> {
    write(gpu, params, extra, path, false)
}

#[cfg(not(target_arch = "wasm32"))]
fn write(gpu: &Gpu, params: &ParamStore, extra: &Extra, path: &Path, optimizer: bool) -> Result<()> {
    // With the moving average swapped in, the weights are the average and the Adam moments belong
    // to other weights: such a file (a run's best checkpoint with --ema) is written without the
    // optimizer state, so it loads for inference and fine-tuning but can never resume a run.
    let optimizer = optimizer && !params.ema_swapped();
    let mut named: Vec<crate::params::NamedTensor> = params.download(gpu)?;
    named.extend(params.download_state(gpu)?);
    if optimizer {
        let m = gpu.download_f32(&params.m)?;
        let v = gpu.download_f32(&params.v)?;
        for e in &params.entries {
            named.push((format!("optimizer.m.{}", e.name), e.shape.clone(), m[e.offset..e.offset + e.len()].to_vec()));
            named.push((format!("optimizer.v.{}", e.name), e.shape.clone(), v[e.offset..e.offset + e.len()].to_vec()));
        }
        named.push(("optimizer.step".into(), vec![1], vec![params.step as f32]));
        named.extend(params.download_ema(gpu)?);
    }
    named.extend(extra.tensors.iter().cloned());
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = named.into_iter().map(|(n, s, d)| (n, bytemuck::cast_slice(&d).to_vec(), s)).collect();
    let views: Vec<(String, TensorView)> = bytes
        .iter()
        .map(|(n, b, s)| {
            TensorView::new(Dtype::F32, s.clone(), b).map(|v| (n.clone(), v)).map_err(|e| ck_err(path, format!("tensor {n}: {e}")))
        })
        .collect::<Result<_>>()?;
    let data = safetensors::serialize(views, Some(extra.metadata.clone())).map_err(|e| ck_err(path, format!("cannot serialise: {e}")))?;
    let tmp = path.with_extension("safetensors.tmp");
    std::fs::write(&tmp, &data).map_err(|e| Error::io("writing a checkpoint", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("moving the finished checkpoint into place", path, e))?;
    Ok(())
}

/// A loaded checkpoint file.
pub struct Loaded {
    bytes: Vec<u8>,
    path: std::path::PathBuf,
}

impl Loaded {
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io("reading a checkpoint", path, e))?;
        Self::from_bytes(bytes, path)
    }

    /// A checkpoint already in memory; `name` is what errors call it.
    pub fn from_bytes(bytes: Vec<u8>, name: &Path) -> Result<Self> {
        SafeTensors::deserialize(&bytes).map_err(|e| ck_err(name, format!("not a safetensors file: {e}")))?;
        Ok(Self { bytes, path: name.to_path_buf() })
    }

    /// The file's path (or the name given to [`Loaded::from_bytes`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn st(&self) -> SafeTensors<'_> {
        SafeTensors::deserialize(&self.bytes).expect("checked in open")
    }

    /// The file's metadata.
    pub fn metadata(&self) -> HashMap<String, String> {
        SafeTensors::read_metadata(&self.bytes).ok().and_then(|(_, m)| m.metadata().clone()).unwrap_or_default()
    }

    /// A tensor as f32 with its shape.
    pub fn tensor(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>)> {
        let st = self.st();
        let t = st.tensor(name).map_err(|_| ck_err(&self.path, format!("has no tensor {name}")))?;
        if t.dtype() != Dtype::F32 {
            return Err(ck_err(&self.path, format!("tensor {name} is {:?}, expected F32", t.dtype())));
        }
        let data: Vec<f32> = t.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        Ok((t.shape().to_vec(), data))
    }

    /// Loads a tensor into `target`, whose shape must be `shape`.
    fn load_into(&self, gpu: &Gpu, name: &str, shape: &[usize], target: &crate::Tensor) -> Result<()> {
        let (found, data) = self.tensor(name)?;
        if found != shape {
            return Err(ck_err(&self.path, format!("tensor {name} has shape {found:?}, the model expects {shape:?}")));
        }
        gpu.write_f32(target, &data)
    }

    /// Loads what inference needs into `params`: every parameter's value and every batch-norm
    /// running statistic, under the model's layer names (README, "Checkpoints"). Other tensors
    /// in the file (optimizer moments, a PyTorch `num_batches_tracked`) are ignored; a missing
    /// name or a wrong shape is an error naming the tensor.
    pub fn restore_weights(&self, gpu: &Gpu, params: &mut ParamStore) -> Result<()> {
        for (i, e) in params.entries.iter().enumerate() {
            self.load_into(gpu, &e.name, &e.shape, &params.value(crate::params::ParamId(i))?)?;
        }
        for e in &params.state_entries {
            self.load_into(gpu, &e.name, &e.shape, &params.state.view(e.offset, &e.shape)?)?;
        }
        Ok(())
    }

    /// Loads a training checkpoint whole: values, running statistics, Adam moments and step (a
    /// weights-only file is refused: resuming without the moments would not continue the run).
    pub fn restore(&self, gpu: &Gpu, params: &mut ParamStore) -> Result<()> {
        if params.ema_swapped() {
            return Err(ck_err(
                &self.path,
                "cannot be restored while the moving average is swapped in (ParamStore::swap_ema): swap it back first",
            ));
        }
        if self.tensor("optimizer.step").is_err() {
            return Err(ck_err(
                &self.path,
                "has no optimizer state (optimizer.step, optimizer.m.*, optimizer.v.*): a weights-only file loads for \
                 inference and fine-tuning, not to resume a run",
            ));
        }
        self.restore_weights(gpu, params)?;
        for e in &params.entries {
            self.load_into(gpu, &format!("optimizer.m.{}", e.name), &e.shape, &params.m.view(e.offset, &e.shape)?)?;
            self.load_into(gpu, &format!("optimizer.v.{}", e.name), &e.shape, &params.v.view(e.offset, &e.shape)?)?;
        }
        params.step = self.tensor("optimizer.step")?.1.first().copied().unwrap_or(0.0) as u32;
        if let Some(e) = &params.ema {
            let first = params.entries.first().map(|t| format!("ema.{}", t.name)).unwrap_or_default();
            if self.tensor(&first).is_err() {
                return Err(ck_err(
                    &self.path,
                    format!("has no moving average ({first}, …): the run averages its weights (--ema) but this checkpoint was not written by such a run"),
                ));
            }
            for (entries, flat) in [(&params.entries, &e.values), (&params.state_entries, &e.state)] {
                for t in entries {
                    self.load_into(gpu, &format!("ema.{}", t.name), &t.shape, &flat.view(t.offset, &t.shape)?)?;
                }
            }
        }
        Ok(())
    }
}
