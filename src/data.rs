//! Reading the MedSeg slices: PNG images and masks in the paper's layout, grey levels → classes,
//! resizing. Every failure names the file and the problem.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Binary (infected or not) or the 4 MedSeg classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    Binary,
    Multi,
}

impl Task {
    pub fn classes(self) -> usize {
        match self {
            Task::Binary => 2,
            Task::Multi => 4,
        }
    }
    /// Class names as in the paper.
    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            Task::Binary => &["background", "infection"],
            Task::Multi => &["C0 background/healthy", "C1 ground-glass opacity", "C2 consolidation", "C3 pleural effusion"],
        }
    }
}

impl std::str::FromStr for Task {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "binary" | "2" => Ok(Task::Binary),
            "multi" | "multiclass" | "4" => Ok(Task::Multi),
            _ => Err(Error::InvalidArgument { op: "task", detail: format!("unknown task {s:?}: use binary or multi") }),
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Binary => "binary",
            Task::Multi => "multi",
        })
    }
}

/// Errors of the data readers: the file and what is wrong with it.
fn data_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "data", detail: format!("{}: {}", path.display(), detail.into()) }
}

/// An 8-bit grayscale image, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Gray8 {
    pub height: usize,
    pub width: usize,
    pub pixels: Vec<u8>,
}

/// Reads an 8-bit (or 16-bit, reduced to 8) grayscale PNG.
pub fn read_png_gray(path: &Path) -> Result<Gray8> {
    let file = std::fs::File::open(path).map_err(|e| data_err(path, format!("cannot open: {e}")))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| data_err(path, format!("not a readable PNG: {e}")))?;
    let size = reader.output_buffer_size().ok_or_else(|| data_err(path, "PNG too large"))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| data_err(path, format!("corrupt PNG data: {e}")))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let pixels = match info.color_type {
        png::ColorType::Grayscale => buf[..w * h].to_vec(),
        png::ColorType::GrayscaleAlpha => buf[..w * h * 2].chunks(2).map(|p| p[0]).collect(),
        other => return Err(data_err(path, format!("expected a grayscale PNG, found {other:?}"))),
    };
    Ok(Gray8 { height: h, width: w, pixels })
}

/// Writes an 8-bit grayscale PNG.
pub fn write_png_gray(path: &Path, img: &Gray8) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| data_err(path, format!("cannot create: {e}")))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), img.width as u32, img.height as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| data_err(path, format!("cannot write PNG: {e}")))?;
    w.write_image_data(&img.pixels).map_err(|e| data_err(path, format!("cannot write PNG: {e}")))
}

/// Mask grey level → class. Multi: 0, 85, 170, 255 → C0..C3. Binary: 0 → 0, any of 85, 170, 255
/// → 1 (so both the binary 0/255 masks and the 4-class masks serve the binary task). Any other
/// grey level is an error naming the file, the level and where it first occurs.
pub fn labels_from_mask(mask: &Gray8, task: Task, path: &Path) -> Result<Vec<u32>> {
    let mut out = Vec::with_capacity(mask.pixels.len());
    for (i, &v) in mask.pixels.iter().enumerate() {
        let c = match v {
            0 => 0,
            85 => 1,
            170 => 2,
            255 => 3,
            _ => {
                return Err(data_err(
                    path,
                    format!("grey level {v} at row {}, column {} is not a class (expected 0, 85, 170 or 255)", i / mask.width, i % mask.width),
                ))
            }
        };
        out.push(match task {
            Task::Multi => c,
            Task::Binary => (c > 0) as u32,
        });
    }
    Ok(out)
}

/// One slice: image in [0, 1] and per-pixel class labels, both row-major `height × width`.
#[derive(Clone, Debug)]
pub struct Slice {
    pub name: String,
    pub height: usize,
    pub width: usize,
    pub image: Vec<f32>,
    pub labels: Vec<u32>,
}

fn pngs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| data_err(dir, format!("cannot read the folder: {e}")))?;
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png"))).collect();
    v.sort();
    if v.is_empty() {
        return Err(data_err(dir, "no .png files"));
    }
    Ok(v)
}

/// Reads every image in `images` with the mask of the same position in sorted `masks`.
pub fn load_png_pairs(images: &Path, masks: &Path, task: Task) -> Result<Vec<Slice>> {
    let (ims, mks) = (pngs_in(images)?, pngs_in(masks)?);
    if ims.len() != mks.len() {
        return Err(data_err(images, format!("{} images but {} masks in {}", ims.len(), mks.len(), masks.display())));
    }
    ims.iter()
        .zip(&mks)
        .map(|(ip, mp)| {
            let im = read_png_gray(ip)?;
            let mk = read_png_gray(mp)?;
            if (im.height, im.width) != (mk.height, mk.width) {
                return Err(data_err(mp, format!("mask is {}×{} but image {} is {}×{}", mk.height, mk.width, ip.display(), im.height, im.width)));
            }
            Ok(Slice {
                name: ip.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                height: im.height,
                width: im.width,
                image: im.pixels.iter().map(|&p| p as f32 / 255.0).collect(),
                labels: labels_from_mask(&mk, task, mp)?,
            })
        })
        .collect()
}

/// The shipped MedSeg slices (`assets/medseg`, 256×256, 4-class masks).
pub fn shipped_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join("medseg")
}

/// Loads the dataset in the paper's layout under `root`: `im/256/*.png` with
/// `mask/multi/256/*.png` (the 4-class masks serve both tasks).
pub fn load_medseg(root: &Path, task: Task) -> Result<Vec<Slice>> {
    load_png_pairs(&root.join("im").join("256"), &root.join("mask").join("multi").join("256"), task)
}

/// Bilinear resize (align-corners false, as MATLAB's imresize without antialiasing and PyTorch's
/// interpolate) of a row-major image.
pub fn resize_bilinear(src: &[f32], h: usize, w: usize, nh: usize, nw: usize) -> Vec<f32> {
    if (h, w) == (nh, nw) {
        return src.to_vec();
    }
    let mut out = vec![0.0; nh * nw];
    let (sy, sx) = (h as f32 / nh as f32, w as f32 / nw as f32);
    for i in 0..nh {
        let fy = ((i as f32 + 0.5) * sy - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy - fy.floor());
        let y1 = (y0 + 1).min(h - 1);
        for j in 0..nw {
            let fx = ((j as f32 + 0.5) * sx - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx - fx.floor());
            let x1 = (x0 + 1).min(w - 1);
            let top = src[y0 * w + x0] * (1.0 - tx) + src[y0 * w + x1] * tx;
            let bot = src[y1 * w + x0] * (1.0 - tx) + src[y1 * w + x1] * tx;
            out[i * nw + j] = top * (1.0 - ty) + bot * ty;
        }
    }
    out
}

/// Nearest-neighbour resize (labels must not be interpolated).
pub fn resize_nearest<T: Copy>(src: &[T], h: usize, w: usize, nh: usize, nw: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(nh * nw);
    for i in 0..nh {
        let y = (((i as f64 + 0.5) * h as f64 / nh as f64) as usize).min(h - 1);
        for j in 0..nw {
            let x = (((j as f64 + 0.5) * w as f64 / nw as f64) as usize).min(w - 1);
            out.push(src[y * w + x]);
        }
    }
    out
}

impl Slice {
    /// This slice at `size × size`.
    pub fn resized(&self, size: usize) -> Slice {
        Slice {
            name: self.name.clone(),
            height: size,
            width: size,
            image: resize_bilinear(&self.image, self.height, self.width, size, size),
            labels: resize_nearest(&self.labels, self.height, self.width, size, size),
        }
    }
}
