//! The input pipeline of a run: the slices a configuration names, its split, the class weights and
//! mean image computed from its training images, and the one [`Preprocessor`] that turns slices
//! into normalised GPU batches — shared by training, validation, evaluation, prediction and the
//! figures, so they cannot disagree about what the network sees.

use crate::config::{DataSource, TrainConfig};
use crate::data::{self, Normalization, Slice, Split, Window};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// The slices of a data source at the configured size.
pub fn load_slices(cfg: &TrainConfig) -> Result<Vec<Slice>> {
    let raw = match &cfg.data {
        DataSource::Shipped => data::load_medseg(&data::find_shipped()?, cfg.task)?,
        DataSource::Png { dir } => {
            if dir.join("images").is_dir() && dir.join("masks").is_dir() {
                data::load_png_pairs(&dir.join("images"), &dir.join("masks"), cfg.task)?
            } else {
                data::load_medseg(dir, cfg.task)?
            }
        }
        DataSource::Nifti { image, mask, lungs } => {
            data::load_nifti(image, mask, lungs.as_deref(), cfg.task, Window { lo: cfg.window.0, hi: cfg.window.1 })?
        }
    };
    Ok(raw.iter().map(|s| s.resized(cfg.size)).collect())
}

/// A fingerprint of slices as a network sees them (FNV-1a, 64 bits, over each slice's name, size,
/// image values and labels, in order): a run stores it (`split.json`), so a resume from another
/// folder holding the same slices — the data moved, or the shipped copy named with `--data` — is
/// told apart from one holding other slices.
pub fn data_fingerprint(slices: &[Slice]) -> String {
    let mut h = crate::fingerprint::Fnv1a::new();
    for s in slices {
        h.write(s.name.as_bytes());
        h.write(&[0xff]);
        h.write(&(s.height as u64).to_le_bytes());
        h.write(&(s.width as u64).to_le_bytes());
        for v in &s.image {
            h.write(&v.to_bits().to_le_bytes());
        }
        for l in &s.labels {
            h.write(&l.to_le_bytes());
        }
    }
    h.hex()
}

/// The split a configuration uses.
pub fn split_for(cfg: &TrainConfig, n: usize) -> Result<Split> {
    match cfg.fold {
        Some(k) => data::kfold_split(n, cfg.folds, k, cfg.split_seed()),
        None => Ok(data::paper_split(n, cfg.split_seed())),
    }
}

/// Everything prepared for a run: data, split, weights, normalisation.
pub struct Prepared {
    pub slices: Vec<Slice>,
    pub split: Split,
    pub class_weights: Vec<f32>,
    pub mean_image: Option<Vec<f32>>,
}

impl Prepared {
    /// The preprocessor of this run's inputs.
    pub fn preprocessor(&self, cfg: &TrainConfig) -> Preprocessor {
        Preprocessor { size: cfg.size, normalization: cfg.normalization, mean_image: self.mean_image.clone() }
    }
}

/// Loads the data of `cfg`, splits it, and computes class weights and the mean image from the
/// training images only.
pub fn prepare(cfg: &TrainConfig) -> Result<Prepared> {
    prepare_slices(cfg, load_slices(cfg)?)
}

/// [`prepare`] for slices already in memory (at the configured size): a browser tab's downloads.
pub fn prepare_slices(cfg: &TrainConfig, slices: Vec<Slice>) -> Result<Prepared> {
    let split = split_for(cfg, slices.len())?;
    let train: Vec<&Slice> = split.train.iter().map(|&i| &slices[i]).collect();
    let class_weights = cfg.class_weights.weights(&train, cfg.task.classes());
    let mean_image = (cfg.normalization == Normalization::ZeroCenter).then(|| data::mean_image(&train));
    Ok(Prepared { slices, split, class_weights, mean_image })
}

/// Turns images in [0, 1] into the network's input: resized to the run's size and normalised as
/// the run was trained (the mean image travels in the checkpoint as `input.mean_image`).
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessor {
    pub size: usize,
    pub normalization: Normalization,
    pub mean_image: Option<Vec<f32>>,
}

impl Preprocessor {
    /// One image (h × w, values in [0, 1]) as the network's input (size × size).
    pub fn image(&self, image: &[f32], h: usize, w: usize) -> Vec<f32> {
        let s = self.size;
        let mut x = if (h, w) == (s, s) { image.to_vec() } else { data::resize_bilinear(image, h, w, s, s) };
        data::normalize(&mut x, self.normalization, self.mean_image.as_deref());
        x
    }

    /// Uploads slices (at the run's size) as images (B, 1, S, S), normalised, and labels (B, S, S).
    pub fn batch(&self, gpu: &Gpu, slices: &[Slice]) -> Result<(Tensor, Tensor)> {
        let s = self.size;
        let mut images = Vec::with_capacity(slices.len() * s * s);
        let mut labels = Vec::with_capacity(slices.len() * s * s);
        for sl in slices {
            if (sl.height, sl.width) != (s, s) {
                return Err(Error::Shape {
                    op: "batch",
                    detail: format!(
                        "slice {} is {}×{}; a batch holds slices at the run's size {s}×{s} (resize them first)",
                        sl.name, sl.height, sl.width
                    ),
                    shapes: format!("[{}, {}]", sl.height, sl.width),
                });
            }
            images.extend(self.image(&sl.image, sl.height, sl.width));
            labels.extend_from_slice(&sl.labels);
        }
        Ok((
            gpu.upload_f32("batch images", &images, &[slices.len(), 1, s, s])?,
            gpu.upload_u32("batch labels", &labels, &[slices.len(), s, s])?,
        ))
    }
}

/// The order of the training slices in `epoch`: a shuffle that depends only on (seed, epoch), so
/// a resumed run sees the batches the uninterrupted run would have.
pub fn epoch_order(cfg: &TrainConfig, train: &[usize], epoch: usize) -> Vec<usize> {
    let mut order = train.to_vec();
    crate::rng::Rng::new(cfg.seed ^ (epoch as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407)).shuffle(&mut order);
    order
}

/// The slices of training iteration `iteration` (indices `idx` into `slices`), augmented as the
/// configuration says with a generator seeded by (seed, iteration).
pub fn training_batch(cfg: &TrainConfig, slices: &[Slice], idx: &[usize], iteration: usize) -> Vec<Slice> {
    let mut aug = crate::rng::Rng::new(cfg.seed ^ (iteration as u64 + 1).wrapping_mul(0x9FB2_1C65_1E98_DF25));
    let how = cfg.augmentation();
    idx.iter().map(|&i| if cfg.augment { data::augment_with(&slices[i], &mut aug, &how) } else { slices[i].clone() }).collect()
}
