//! Prediction with a trained checkpoint on new CT: a PNG, a folder of PNGs, or a NIfTI volume.
//! Writes the predicted mask in the input's format (PNG with the dataset's grey levels; NIfTI
//! with the input's header and affine), an overlay PNG per slice, optional softmax probabilities
//! (.npy), and the share of lung pixels in each class per slice and in total (`severity.csv`).

use crate::config::TrainConfig;
use crate::data::{self, Gray8, Task, Window};
use crate::error::{Error, Result};
use crate::evaluate::Ensemble;
use crate::gpu::Gpu;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of a prediction.
#[derive(Clone, Debug, Default)]
pub struct PredictOptions {
    pub lungs: Option<PathBuf>,
    pub probabilities: bool,
    /// The network a checkpoint without lungseg metadata holds (a weights-only file converted
    /// from elsewhere); ignored, or checked for agreement, when the file names its own.
    pub config: Option<TrainConfig>,
    /// Average the prediction over the four flips of each slice (test-time augmentation).
    pub tta: bool,
    /// Decision offsets fitted by `eval --calibrate` (its `calibration.json`).
    pub calibration: Option<PathBuf>,
}

/// Per-slice result: its name, lung pixels, and pixels of each class inside the lungs.
#[derive(Clone, Debug)]
pub struct Severity {
    pub name: String,
    pub lung_pixels: u64,
    pub class_pixels: Vec<u64>,
}

/// Colour of a class in overlays: GGO yellow, consolidation red, effusion blue; binary infection red.
pub fn colour(task: Task, c: u32) -> Option<[u8; 3]> {
    match (task, c) {
        (_, 0) => None,
        (Task::Binary, _) => Some([255, 40, 40]),
        (Task::Multi, 1) => Some([255, 220, 0]),
        (Task::Multi, 2) => Some([255, 40, 40]),
        _ => Some([40, 140, 255]),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn pred_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "predict", detail: format!("{}: {}", path.display(), detail.into()) }
}

#[cfg(not(target_arch = "wasm32"))]
struct Predictor<'a> {
    gpu: &'a Gpu,
    models: Ensemble,
    task: Task,
}

#[cfg(not(target_arch = "wasm32"))]
impl Predictor<'_> {
    fn run(&self, image: &[f32], h: usize, w: usize) -> Result<(Vec<u32>, Vec<f32>)> {
        crate::block_on(segment(self.gpu, &self.models, image, h, w))
    }
}

/// Classes and softmax probabilities (C × h × w) of one image in [0, 1] at its own size: resized
/// to the network's size, softmax per pixel on the device (averaged over the ensemble's members
/// and flips), then nearest-neighbour back to the input size. `lungseg predict` and the browser
/// page both segment through this.
pub async fn segment(gpu: &Gpu, models: &Ensemble, image: &[f32], h: usize, w: usize) -> Result<(Vec<u32>, Vec<f32>)> {
    let s = models.cfg().size;
    let x = if (h, w) == (s, s) { image.to_vec() } else { data::resize_bilinear(image, h, w, s, s) };
    let probs_small = models.probabilities_async(gpu, &[&x]).await?;
    let c = models.cfg().task.classes();
    let probs = planes_at_input_size(&probs_small, c, s, h, w);
    Ok((models.decide(&probs, c, h * w), probs))
}

/// Axial slice `z` of a CT volume in Hounsfield units as the network's input: windowed to [0, 1],
/// zero outside the lung mask when there is one; with which pixels are lung (all without a mask).
pub fn nifti_slice(volume: &data::Volume, lungs: Option<&data::Volume>, z: usize, window: Window) -> (Vec<f32>, Vec<bool>) {
    let (h, w, _) = volume.data.dim();
    let mut image = Vec::with_capacity(h * w);
    let mut lung = Vec::with_capacity(h * w);
    for r in 0..h {
        for col in 0..w {
            let in_lung = lungs.is_none_or(|l| l.data[[r, col, z]] > 0.0);
            let v = ((volume.data[[r, col, z]] - window.lo) / (window.hi - window.lo)).clamp(0.0, 1.0);
            image.push(if in_lung { v } else { 0.0 });
            lung.push(in_lung);
        }
    }
    (image, lung)
}

/// Probability planes (C × s × s) at the network's size → (classes, probabilities) at the input's
/// h × w: nearest-neighbour per plane, then the most probable class (the first on ties).
pub fn at_input_size(probs_small: &[f32], c: usize, s: usize, h: usize, w: usize) -> (Vec<u32>, Vec<f32>) {
    let probs = planes_at_input_size(probs_small, c, s, h, w);
    (crate::evaluate::argmax_planes(&probs, c, h * w), probs)
}

/// Probability planes (C × s × s) at the network's size, nearest-neighbour to the input's h × w.
fn planes_at_input_size(probs_small: &[f32], c: usize, s: usize, h: usize, w: usize) -> Vec<f32> {
    let mut probs = Vec::with_capacity(c * h * w);
    for k in 0..c {
        probs.extend(data::resize_nearest(&probs_small[k * s * s..(k + 1) * s * s], s, s, h, w));
    }
    probs
}

/// CT in grey (image in [0, 1]) with each non-background class blended in its colour, RGB.
pub fn overlay(image: &[f32], classes: &[u32], task: Task) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(image.len() * 3);
    for (&v, &c) in image.iter().zip(classes) {
        let g = (v.clamp(0.0, 1.0) * 255.0) as u8;
        match colour(task, c) {
            Some(col) => rgb.extend(col.iter().map(|&k| ((g as u16 + k as u16) / 2) as u8)),
            None => rgb.extend([g, g, g]),
        }
    }
    rgb
}

/// Lung pixels and pixels of each class inside the lungs of one slice.
pub fn severity(name: &str, classes: &[u32], lung: &[bool], c: usize) -> Severity {
    let mut class_pixels = vec![0u64; c];
    let mut lung_pixels = 0;
    for (&k, &in_lung) in classes.iter().zip(lung) {
        if in_lung {
            lung_pixels += 1;
            class_pixels[k as usize] += 1;
        }
    }
    Severity { name: name.into(), lung_pixels, class_pixels }
}

#[cfg(not(target_arch = "wasm32"))]
/// Predicts `input` (PNG file, folder of PNGs, or `.nii` / `.nii.gz`) with the checkpoint (a run
/// folder, a `.safetensors` file, or a cross-validation folder) into `output`. Returns per-slice
/// severity figures.
pub fn predict(gpu: &Gpu, checkpoint: &Path, input: &Path, output: &Path, opts: &PredictOptions) -> Result<Vec<Severity>> {
    predict_with(gpu, &[checkpoint.to_path_buf()], input, output, opts)
}

#[cfg(not(target_arch = "wasm32"))]
/// [`predict`] with the probabilities of several checkpoints averaged, each counting once
/// ([`Ensemble::load_all`]: run folders, files or cross-validation folders of one size; binary
/// ones in a 4-class ensemble vote on background against infection).
pub fn predict_with(gpu: &Gpu, checkpoints: &[PathBuf], input: &Path, output: &Path, opts: &PredictOptions) -> Result<Vec<Severity>> {
    let mut models = Ensemble::load_all(gpu, checkpoints, opts.config.as_ref(), opts.tta)?;
    if let Some(file) = &opts.calibration {
        models.set_calibration(file)?;
    }
    let p = Predictor { gpu, task: models.cfg().task, models };
    std::fs::create_dir_all(output).map_err(|e| Error::io("creating the output folder", output, e))?;
    let c = p.task.classes();
    let name = input.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let results = if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        predict_nifti(&p, input, output, opts)?
    } else {
        let files: Vec<PathBuf> = if input.is_dir() { data::pngs_in(input)? } else { vec![input.to_path_buf()] };
        let mut out = Vec::new();
        for f in files {
            let im = data::read_png_gray(&f)?;
            let image: Vec<f32> = im.pixels.iter().map(|&v| v as f32 / 255.0).collect();
            // Lung pixels: the given lung mask, else the non-zero pixels of a lung-masked slice.
            let lung: Vec<bool> = match &opts.lungs {
                Some(l) => {
                    let lf = if l.is_dir() { l.join(f.file_name().unwrap_or_default()) } else { l.clone() };
                    let lm = data::read_png_gray(&lf)?;
                    if (lm.height, lm.width) != (im.height, im.width) {
                        return Err(pred_err(&lf, format!("lung mask is {}×{}, image {}×{}", lm.height, lm.width, im.height, im.width)));
                    }
                    lm.pixels.iter().map(|&v| v > 0).collect()
                }
                None => im.pixels.iter().map(|&v| v > 0).collect(),
            };
            let (classes, probs) = p.run(&image, im.height, im.width)?;
            let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let mask = Gray8 { height: im.height, width: im.width, pixels: classes.iter().map(|&k| data::grey_level(p.task, k)).collect() };
            data::write_png_gray(&output.join(format!("{stem}_mask.png")), &mask)?;
            data::write_png_rgb(&output.join(format!("{stem}_overlay.png")), im.height, im.width, &overlay(&image, &classes, p.task))?;
            if opts.probabilities {
                data::write_npy_f32(&output.join(format!("{stem}_prob.npy")), &[c, im.height, im.width], &probs)?;
            }
            out.push(severity(&stem, &classes, &lung, c));
        }
        out
    };
    write_severity(&output.join("severity.csv"), &results, p.task)?;
    Ok(results)
}

#[cfg(not(target_arch = "wasm32"))]
fn predict_nifti(p: &Predictor, input: &Path, output: &Path, opts: &PredictOptions) -> Result<Vec<Severity>> {
    let vol = data::read_nifti(input)?;
    let (h, w, depth) = vol.data.dim();
    let lungs = opts.lungs.as_deref().map(data::read_nifti).transpose()?;
    if let Some(l) = &lungs {
        if l.data.dim() != vol.data.dim() {
            return Err(pred_err(
                opts.lungs.as_deref().unwrap_or(input),
                format!("lung mask is {:?}, the CT {:?}", l.data.dim(), vol.data.dim()),
            ));
        }
    }
    let window = Window { lo: p.models.cfg().window.0, hi: p.models.cfg().window.1 };
    let c = p.task.classes();
    let mut mask = ndarray::Array3::<u8>::zeros((h, w, depth));
    let mut probs_all = if opts.probabilities { vec![0f32; c * h * w * depth] } else { Vec::new() };
    let mut out = Vec::new();
    let stem =
        input.file_name().map(|s| s.to_string_lossy().trim_end_matches(".gz").trim_end_matches(".nii").to_string()).unwrap_or_default();
    for z in 0..depth {
        let (image, lung) = nifti_slice(&vol, lungs.as_ref(), z, window);
        let (classes, probs) = p.run(&image, h, w)?;
        for (i, &k) in classes.iter().enumerate() {
            mask[[i / w, i % w, z]] = k as u8;
        }
        if opts.probabilities {
            // (C, H, W, D) order, as the volume's axes.
            for k in 0..c {
                for i in 0..h * w {
                    probs_all[((k * h + i / w) * w + i % w) * depth + z] = probs[k * h * w + i];
                }
            }
        }
        data::write_png_rgb(&output.join(format!("{stem}_z{:03}_overlay.png", z + 1)), h, w, &overlay(&image, &classes, p.task))?;
        out.push(severity(&format!("z{:03}", z + 1), &classes, &lung, c));
    }
    let mask_path = output.join(format!("{stem}_mask.nii.gz"));
    let mut header = vol.header.clone();
    header.scl_slope = 1.0;
    header.scl_inter = 0.0;
    nifti::writer::WriterOptions::new(&mask_path)
        .reference_header(&header)
        .write_nifti(&mask)
        .map_err(|e| pred_err(&mask_path, format!("cannot write NIfTI: {e}")))?;
    if opts.probabilities {
        data::write_npy_f32(&output.join(format!("{stem}_prob.npy")), &[c, h, w, depth], &probs_all)?;
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
fn write_severity(path: &Path, rows: &[Severity], task: Task) -> Result<()> {
    let names = task.class_names();
    let mut f = std::fs::File::create(path).map_err(|e| Error::io("creating severity.csv", path, e))?;
    let io = |e: std::io::Error| Error::io("writing severity.csv", path, e);
    write!(f, "slice,lung_pixels").map_err(io)?;
    for n in &names[1..] {
        write!(f, ",% lung {n}").map_err(io)?;
    }
    writeln!(f).map_err(io)?;
    let mut total = Severity { name: "total".into(), lung_pixels: 0, class_pixels: vec![0; names.len()] };
    for r in rows {
        total.lung_pixels += r.lung_pixels;
        for k in 0..names.len() {
            total.class_pixels[k] += r.class_pixels[k];
        }
    }
    for r in rows.iter().chain(std::iter::once(&total)) {
        write!(f, "{},{}", r.name, r.lung_pixels).map_err(io)?;
        for k in 1..names.len() {
            write!(f, ",{:.3}", 100.0 * r.class_pixels[k] as f64 / r.lung_pixels.max(1) as f64).map_err(io)?;
        }
        writeln!(f).map_err(io)?;
    }
    Ok(())
}
