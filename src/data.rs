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
    let file = std::fs::File::open(path).map_err(|e| Error::io("opening an image", path, e))?;
    decode_png_gray(std::io::BufReader::new(file), path)
}

/// [`read_png_gray`] from bytes in memory (a file dropped on the browser page); `name` is what
/// errors call it.
pub fn png_gray_from_bytes(bytes: &[u8], name: &Path) -> Result<Gray8> {
    decode_png_gray(std::io::Cursor::new(bytes), name)
}

fn decode_png_gray<R: std::io::BufRead + std::io::Seek>(source: R, path: &Path) -> Result<Gray8> {
    let mut decoder = png::Decoder::new(source);
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
    let file = std::fs::File::create(path).map_err(|e| Error::io("creating an image", path, e))?;
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
                    format!(
                        "grey level {v} at row {}, column {} is not a class (expected 0, 85, 170 or 255)",
                        i / mask.width,
                        i % mask.width
                    ),
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

/// The `.png` files of a folder, sorted; an error naming the folder when it has none.
pub(crate) fn pngs_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io("listing a folder", dir, e))?;
    let mut v: Vec<PathBuf> =
        rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png"))).collect();
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
    ims.iter().zip(&mks).map(|(ip, mp)| slice_from_pair(&read_png_gray(ip)?, ip, &read_png_gray(mp)?, mp, task)).collect()
}

/// One slice from an 8-bit image and its mask (read from files or bytes; the paths name them in
/// errors): same size, mask grey levels valid for `task`.
pub fn slice_from_pair(im: &Gray8, image_path: &Path, mk: &Gray8, mask_path: &Path, task: Task) -> Result<Slice> {
    if (im.height, im.width) != (mk.height, mk.width) {
        return Err(data_err(
            mask_path,
            format!("mask is {}×{} but image {} is {}×{}", mk.height, mk.width, image_path.display(), im.height, im.width),
        ));
    }
    Ok(Slice {
        name: image_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        height: im.height,
        width: im.width,
        image: im.pixels.iter().map(|&p| p as f32 / 255.0).collect(),
        labels: labels_from_mask(mk, task, mask_path)?,
    })
}

/// Where the shipped MedSeg slices (`assets/medseg`: 256×256 PNG, 4-class masks) are looked
/// for, in order: the folder in `LUNGSEG_DATA`; `assets/medseg` beside the executable and
/// `share/lungseg/medseg` above it (an installed or copied binary); `assets/medseg` in the current
/// folder; the source tree the binary was built from.
pub fn shipped_candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("LUNGSEG_DATA") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        dirs.push(exe_dir.join("assets").join("medseg"));
        dirs.push(exe_dir.join("..").join("share").join("lungseg").join("medseg"));
    }
    dirs.push(PathBuf::from("assets").join("medseg"));
    dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join("medseg"));
    dirs
}

/// The first of [`shipped_candidates`] that holds the slices (`im/256`), or an error listing
/// every place it looked.
pub fn find_shipped() -> Result<PathBuf> {
    find_shipped_in(&shipped_candidates())
}

/// The first of `dirs` that holds the slices (`im/256`), or an error listing them all.
pub fn find_shipped_in(dirs: &[PathBuf]) -> Result<PathBuf> {
    dirs.iter().find(|d| d.join("im").join("256").is_dir()).cloned().ok_or_else(|| Error::InvalidArgument {
        op: "data",
        detail: format!(
            "the shipped MedSeg slices were not found; looked in: {}. Set LUNGSEG_DATA to a folder holding \
             im/256 and mask/multi/256 (the repository's assets/medseg), or pass --data",
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// File name of the shipped pretrained model (in `assets/model/`, beside `assets/medseg/`).
pub const SHIPPED_MODEL: &str = "unet-multi-quick.safetensors";

/// The shipped pretrained model: `model/SHIPPED_MODEL` beside each of [`shipped_candidates`], or an
/// error listing every place it looked.
pub fn find_shipped_model() -> Result<PathBuf> {
    let places: Vec<PathBuf> =
        shipped_candidates().iter().filter_map(|d| d.parent().map(|p| p.join("model").join(SHIPPED_MODEL))).collect();
    places.iter().find(|p| p.is_file()).cloned().ok_or_else(|| Error::InvalidArgument {
        op: "predict",
        detail: format!(
            "no --checkpoint given and the shipped model was not found; looked in: {}. Pass --checkpoint RUN_DIR_OR_FILE",
            places.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// The shipped slices' folder: [`find_shipped`], or the build tree's `assets/medseg` when it is
/// nowhere (loading from it then fails naming the missing folder).
pub fn shipped_dir() -> PathBuf {
    find_shipped().unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets").join("medseg"))
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

// ---------------------------------------------------------------------------------------------
// NIfTI volumes (MedSeg's distribution format)

/// A 3-D NIfTI volume as f32, indexed [first axis, second axis, slice].
pub struct Volume {
    pub header: nifti::NiftiHeader,
    pub data: ndarray::Array3<f32>,
}

/// Reads a 3-D NIfTI-1 volume (`.nii` or `.nii.gz`) of an integer or float datatype. Errors name
/// the file: unreadable or truncated data, not 3-D, unsupported datatype, NaN or infinite values.
pub fn read_nifti(path: &Path) -> Result<Volume> {
    if !path.exists() {
        return Err(data_err(path, "no such file"));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("reading a NIfTI volume", path, e))?;
    nifti_from_bytes(&bytes, path)
}

/// [`read_nifti`] from bytes in memory (`.nii`, or gzip-compressed `.nii.gz`, told apart by the
/// gzip magic number); `path` is what errors call it.
pub fn nifti_from_bytes(bytes: &[u8], path: &Path) -> Result<Volume> {
    use nifti::{IntoNdArray, NiftiObject, NiftiType};
    let parsed = if bytes.starts_with(&[0x1f, 0x8b]) {
        nifti::InMemNiftiObject::from_reader(flate2::read::GzDecoder::new(bytes))
    } else {
        nifti::InMemNiftiObject::from_reader(bytes)
    };
    let obj = parsed.map_err(|e| data_err(path, format!("not a readable NIfTI volume (truncated or corrupt?): {e}")))?;
    let header = obj.header().clone();
    let dtype = header.data_type().map_err(|e| data_err(path, format!("bad datatype field: {e}")))?;
    match dtype {
        NiftiType::Uint8
        | NiftiType::Int8
        | NiftiType::Int16
        | NiftiType::Uint16
        | NiftiType::Int32
        | NiftiType::Uint32
        | NiftiType::Float32
        | NiftiType::Float64 => {}
        other => return Err(data_err(path, format!("unsupported NIfTI datatype {other:?} (use an integer or float type)"))),
    }
    let dims: Vec<usize> = header.dim().map_err(|e| data_err(path, format!("bad dim field: {e}")))?.iter().map(|&d| d as usize).collect();
    if !(dims.len() == 3 || (dims.len() > 3 && dims[3..].iter().all(|&d| d == 1))) {
        return Err(data_err(path, format!("expected a 3-D volume, found dimensions {dims:?}")));
    }
    let arr =
        obj.into_volume().into_ndarray::<f32>().map_err(|e| data_err(path, format!("cannot read the voxel data (truncated?): {e}")))?;
    // NIfTI stores the first axis fastest (Fortran order); drop trailing unit axes, keep the
    // axis order [first, second, slice] and copy into a standard layout.
    let mut arr = arr;
    while arr.ndim() > 3 {
        arr = arr.index_axis_move(ndarray::Axis(3), 0);
    }
    let arr = arr.into_dimensionality::<ndarray::Ix3>().map_err(|e| data_err(path, format!("unexpected voxel layout: {e}")))?;
    let arr = arr.as_standard_layout().into_owned();
    if let Some(((i, j, k), v)) = arr.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(data_err(path, format!("voxel ({i}, {j}, {k}) is {v}: NaN or infinite values are not accepted")));
    }
    Ok(Volume { header, data: arr })
}

/// Lung window in Hounsfield units mapped to [0, 1] (default [-1250, 250]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub lo: f32,
    pub hi: f32,
}

impl Default for Window {
    fn default() -> Self {
        Self { lo: -1250.0, hi: 250.0 }
    }
}

/// Slices of a MedSeg-style NIfTI triple: CT in HU, mask 0..3, optional lung mask (> 0 = lung).
/// Axial slice z becomes sample z; row = first axis, column = second axis.
pub fn load_nifti(image: &Path, mask: &Path, lungs: Option<&Path>, task: Task, window: Window) -> Result<Vec<Slice>> {
    let im = read_nifti(image)?;
    let mk = read_nifti(mask)?;
    if im.data.dim() != mk.data.dim() {
        return Err(data_err(mask, format!("mask is {:?} but image {} is {:?}", mk.data.dim(), image.display(), im.data.dim())));
    }
    let lung = match lungs {
        Some(l) => {
            let v = read_nifti(l)?;
            if v.data.dim() != im.data.dim() {
                return Err(data_err(l, format!("lung mask is {:?} but image {} is {:?}", v.data.dim(), image.display(), im.data.dim())));
            }
            Some(v)
        }
        None => None,
    };
    let (h, w, depth) = im.data.dim();
    let mut out = Vec::with_capacity(depth);
    for z in 0..depth {
        let mut image_px = Vec::with_capacity(h * w);
        let mut labels = Vec::with_capacity(h * w);
        for r in 0..h {
            for c in 0..w {
                let hu = im.data[[r, c, z]];
                let mut v = ((hu - window.lo) / (window.hi - window.lo)).clamp(0.0, 1.0);
                if let Some(l) = &lung {
                    if l.data[[r, c, z]] <= 0.0 {
                        v = 0.0;
                    }
                }
                image_px.push(v);
                let m = mk.data[[r, c, z]];
                let class = m.round();
                if (m - class).abs() > 1e-3 || !(0.0..=3.0).contains(&class) {
                    return Err(data_err(mask, format!("voxel ({r}, {c}, {z}) has value {m}, not a class 0..3")));
                }
                labels.push(match task {
                    Task::Multi => class as u32,
                    Task::Binary => (class > 0.0) as u32,
                });
            }
        }
        out.push(Slice { name: format!("z{:03}", z + 1), height: h, width: w, image: image_px, labels });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Class weights, normalisation, splits, augmentation

/// Median frequency balancing (Eigen & Fergus), exactly as the paper: freq_c = (pixels of class c)
/// / (pixels of all images that contain class c); w_c = median(freq) / freq_c. A class that no
/// image contains gets weight 0 and is left out of the median. Median of an even count is the mean
/// of the two middle values (MATLAB's `median`).
pub fn median_frequency_weights(slices: &[&Slice], classes: usize) -> Vec<f32> {
    let mut class_pixels = vec![0u64; classes];
    let mut image_pixels = vec![0u64; classes];
    for s in slices {
        let mut counts = vec![0u64; classes];
        for &l in &s.labels {
            if (l as usize) < classes {
                counts[l as usize] += 1;
            }
        }
        for c in 0..classes {
            if counts[c] > 0 {
                class_pixels[c] += counts[c];
                image_pixels[c] += s.labels.len() as u64;
            }
        }
    }
    let freq: Vec<Option<f64>> =
        (0..classes).map(|c| (image_pixels[c] > 0).then(|| class_pixels[c] as f64 / image_pixels[c] as f64)).collect();
    let mut present: Vec<f64> = freq.iter().flatten().copied().collect();
    present.sort_by(|a, b| a.total_cmp(b));
    let median = match present.len() {
        0 => return vec![0.0; classes],
        n if n % 2 == 1 => present[n / 2],
        n => 0.5 * (present[n / 2 - 1] + present[n / 2]),
    };
    freq.iter().map(|f| f.map_or(0.0, |f| (median / f) as f32)).collect()
}

/// How the cross-entropy classes are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassWeighting {
    /// Median frequency balancing, as the paper ([`median_frequency_weights`]).
    Median,
    /// The square root of the median-frequency weights: still favours the rare classes, but
    /// less, trading some sensitivity for precision (median balancing over-segments infection:
    /// README, Results).
    SqrtMedian,
    /// Every class weighs 1 (plain cross-entropy).
    Uniform,
}

impl ClassWeighting {
    /// The weights of the classes over `slices` (the training images).
    pub fn weights(self, slices: &[&Slice], classes: usize) -> Vec<f32> {
        match self {
            Self::Median => median_frequency_weights(slices, classes),
            Self::SqrtMedian => median_frequency_weights(slices, classes).iter().map(|w| w.sqrt()).collect(),
            Self::Uniform => vec![1.0; classes],
        }
    }
}

impl std::str::FromStr for ClassWeighting {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "median" => Ok(Self::Median),
            "sqrt-median" | "sqrt" => Ok(Self::SqrtMedian),
            "uniform" | "none" => Ok(Self::Uniform),
            _ => Err(Error::InvalidArgument {
                op: "class weights",
                detail: format!("unknown class weighting {s:?}: median, sqrt-median or uniform"),
            }),
        }
    }
}

impl std::fmt::Display for ClassWeighting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Median => "median",
            Self::SqrtMedian => "sqrt-median",
            Self::Uniform => "uniform",
        })
    }
}

/// Input normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalization {
    /// MATLAB's 'zerocenter': subtract the mean training image (the default, as the paper).
    ZeroCenter,
    /// Each image to zero mean, unit standard deviation.
    PerImage,
    /// Pixels as read, in [0, 1].
    None,
    /// Each image to zero mean, unit standard deviation over its lung pixels (the non-zero ones of
    /// a lung-masked slice), applied to every pixel: the statistics ignore the empty surround, so
    /// a scan's intensities are matched where the network looks.
    Lung,
}

impl std::str::FromStr for Normalization {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "zerocenter" | "zero-center" => Ok(Self::ZeroCenter),
            "per-image" | "perimage" | "standardize" => Ok(Self::PerImage),
            "none" => Ok(Self::None),
            "lung" => Ok(Self::Lung),
            _ => Err(Error::InvalidArgument {
                op: "normalization",
                detail: format!("unknown normalization {s:?}: zerocenter, per-image, lung or none"),
            }),
        }
    }
}

impl std::fmt::Display for Normalization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ZeroCenter => "zerocenter",
            Self::PerImage => "per-image",
            Self::None => "none",
            Self::Lung => "lung",
        })
    }
}

/// The mean image of `slices` (all of one size).
pub fn mean_image(slices: &[&Slice]) -> Vec<f32> {
    let n = slices.first().map_or(0, |s| s.image.len());
    let mut acc = vec![0f64; n];
    for s in slices {
        for (a, &v) in acc.iter_mut().zip(&s.image) {
            *a += v as f64;
        }
    }
    acc.iter().map(|a| (a / slices.len().max(1) as f64) as f32).collect()
}

/// Applies the normalisation to one image in place.
pub fn normalize(image: &mut [f32], how: Normalization, mean_image: Option<&[f32]>) {
    match how {
        Normalization::ZeroCenter => {
            if let Some(m) = mean_image {
                for (v, &mu) in image.iter_mut().zip(m) {
                    *v -= mu;
                }
            }
        }
        Normalization::PerImage => standardize(image, |_| true),
        Normalization::Lung => standardize(image, |v| v != 0.0),
        Normalization::None => {}
    }
}

/// `image ↦ (image − mean) / sd` with mean and standard deviation over the pixels `counted` keeps
/// (all pixels when it keeps none).
fn standardize(image: &mut [f32], counted: impl Fn(f32) -> bool) {
    let mut kept: Vec<f64> = image.iter().filter(|&&v| counted(v)).map(|&v| v as f64).collect();
    if kept.is_empty() {
        kept = image.iter().map(|&v| v as f64).collect();
    }
    let n = kept.len().max(1) as f64;
    let mean = kept.iter().sum::<f64>() / n;
    let var = kept.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let sd = var.sqrt().max(1e-6);
    for v in image.iter_mut() {
        *v = ((*v as f64 - mean) / sd) as f32;
    }
}

/// Train / validation / test indices.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// The paper's split: a seeded random permutation of the `n` slices, then 72 % / 10 % / 18 %.
pub fn paper_split(n: usize, seed: u64) -> Split {
    let mut perm: Vec<usize> = (0..n).collect();
    crate::rng::Rng::new(seed).shuffle(&mut perm);
    let n_train = (n as f64 * 0.72).round() as usize;
    let n_val = (n as f64 * 0.10).round() as usize;
    Split { train: perm[..n_train].to_vec(), val: perm[n_train..n_train + n_val].to_vec(), test: perm[n_train + n_val..].to_vec() }
}

/// Fold `k` (0-based) of `folds`-fold cross-validation as the paper's: shuffle once with the seed,
/// cut into `folds` equal test blocks; fold k tests block k, validates on the next half block
/// (10 % for 5 folds), trains on the rest (70 %).
pub fn kfold_split(n: usize, folds: usize, k: usize, seed: u64) -> Result<Split> {
    if folds < 2 || k >= folds || n < folds {
        return Err(Error::InvalidArgument {
            op: "split",
            detail: format!("fold {k} of {folds} over {n} images is not a valid cross-validation fold"),
        });
    }
    let mut perm: Vec<usize> = (0..n).collect();
    crate::rng::Rng::new(seed).shuffle(&mut perm);
    let block = |i: usize| (i * n / folds)..((i + 1) * n / folds);
    let test: Vec<usize> = perm[block(k)].to_vec();
    let next = block((k + 1) % folds);
    let half = next.start + (next.end - next.start) / 2;
    let val: Vec<usize> = perm[next.start..half].to_vec();
    let train: Vec<usize> = perm.iter().copied().filter(|i| !test.contains(i) && !val.contains(i)).collect();
    Ok(Split { train, val, test })
}

/// What training augmentation draws for each slice. The paper's is a vertical reflection and a
/// shear (`Augmentation::paper`); the others are off (0) unless a configuration turns them on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augmentation {
    /// Shear along each axis, uniform in ±this many degrees (the paper: 10).
    pub max_shear_deg: f64,
    /// Rotation about the centre, uniform in ±this many degrees.
    pub max_rotate_deg: f64,
    /// Isotropic scale, uniform in [1 − s, 1 + s].
    pub max_scale: f64,
    /// Intensity of the lung pixels (the non-zero ones; zeros outside the lungs stay zero):
    /// `v ↦ clamp(c · v^γ + b, 1/255, 1)` with contrast c in [1 − s, 1 + s], brightness b in
    /// [−s/2, s/2] and gamma γ in [1/(1 + s), 1 + s] — a scanner's or pipeline's different
    /// windowing and reconstruction, roughly.
    pub intensity: f64,
}

impl Augmentation {
    /// The paper's: reflection and ±`max_shear_deg` shear.
    pub fn paper(max_shear_deg: f64) -> Self {
        Self { max_shear_deg, max_rotate_deg: 0.0, max_scale: 0.0, intensity: 0.0 }
    }
}

/// Random vertical reflection (top–bottom, MATLAB's RandYReflection) and random x and y shear in
/// [-max_shear, max_shear] degrees about the centre, as the paper's augmenter: bilinear sampling
/// for the image, nearest for the labels, 0 (background) outside.
pub fn augment(s: &Slice, rng: &mut crate::rng::Rng, max_shear_deg: f64) -> Slice {
    augment_with(s, rng, &Augmentation::paper(max_shear_deg))
}

/// [`augment`] with every lever of `a`. The random draws come in a fixed order — reflection,
/// shears, then rotation, scale and intensity only when each is on — so the paper's
/// augmentation draws exactly what it always did.
pub fn augment_with(s: &Slice, rng: &mut crate::rng::Rng, a: &Augmentation) -> Slice {
    let (h, w) = (s.height, s.width);
    let flip = rng.uniform() < 0.5;
    let sx = rng.range(-a.max_shear_deg, a.max_shear_deg).to_radians().tan();
    let sy = rng.range(-a.max_shear_deg, a.max_shear_deg).to_radians().tan();
    let theta = if a.max_rotate_deg > 0.0 { rng.range(-a.max_rotate_deg, a.max_rotate_deg).to_radians() } else { 0.0 };
    let scale = if a.max_scale > 0.0 { rng.range(1.0 - a.max_scale, 1.0 + a.max_scale) } else { 1.0 };
    let tone = (a.intensity > 0.0).then(|| {
        let k = a.intensity;
        let contrast = rng.range(1.0 - k, 1.0 + k) as f32;
        let brightness = rng.range(-k / 2.0, k / 2.0) as f32;
        let gamma = rng.range(-(1.0 + k).ln(), (1.0 + k).ln()).exp() as f32;
        (contrast, brightness, gamma)
    });
    // Forward map about the centre: p' = scale · R(θ) · Shear · p, Shear = [[1, sx], [sy, 1]]
    // acting on (x, y); sample the source with its inverse. With θ = 0 and scale 1 this is the
    // paper's shear: x' = x + sx·y, y' = y + sy·x.
    let (c, sn) = (theta.cos(), theta.sin());
    let m = [[scale * (c - sn * sy), scale * (c * sx - sn)], [scale * (sn + c * sy), scale * (sn * sx + c)]];
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let inv = [[m[1][1] / det, -m[0][1] / det], [-m[1][0] / det, m[0][0] / det]];
    let affine = theta != 0.0 || scale != 1.0;
    let (cy, cx) = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let mut image = vec![0.0f32; h * w];
    let mut labels = vec![0u32; h * w];
    for i in 0..h {
        for j in 0..w {
            let (yo, xo) = (i as f64 - cy, j as f64 - cx);
            let (xs, mut ys) = if affine {
                (inv[0][0] * xo + inv[0][1] * yo + cx, inv[1][0] * xo + inv[1][1] * yo + cy)
            } else {
                // The shear alone, in the form earlier versions computed (bit-identical batches).
                let d = 1.0 - sx * sy;
                ((xo - sx * yo) / d + cx, (yo - sy * xo) / d + cy)
            };
            if flip {
                ys = (h as f64 - 1.0) - ys;
            }
            // Labels: nearest.
            let (yn, xn) = (ys.round(), xs.round());
            if yn >= 0.0 && xn >= 0.0 && (yn as usize) < h && (xn as usize) < w {
                labels[i * w + j] = s.labels[yn as usize * w + xn as usize];
            }
            // Image: bilinear with zeros outside.
            let (y0, x0) = (ys.floor(), xs.floor());
            let (ty, tx) = ((ys - y0) as f32, (xs - x0) as f32);
            let px = |y: f64, x: f64| -> f32 {
                if y >= 0.0 && x >= 0.0 && (y as usize) < h && (x as usize) < w {
                    s.image[y as usize * w + x as usize]
                } else {
                    0.0
                }
            };
            let v = (px(y0, x0) * (1.0 - tx) + px(y0, x0 + 1.0) * tx) * (1.0 - ty)
                + (px(y0 + 1.0, x0) * (1.0 - tx) + px(y0 + 1.0, x0 + 1.0) * tx) * ty;
            image[i * w + j] = match tone {
                // A lung pixel stays a lung pixel: at least one 8-bit grey level, never the 0 that
                // marks outside the lungs (lung pixels, shares and `--normalization lung` read it).
                Some((contrast, brightness, gamma)) if v > 0.0 => (contrast * v.powf(gamma) + brightness).clamp(1.0 / 255.0, 1.0),
                _ => v,
            };
        }
    }
    Slice { name: s.name.clone(), height: h, width: w, image, labels }
}

/// Writes an 8-bit RGB PNG (`pixels` = h·w·3).
pub fn write_png_rgb(path: &Path, height: usize, width: usize, pixels: &[u8]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io("creating an image", path, e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| data_err(path, format!("cannot write PNG: {e}")))?;
    w.write_image_data(pixels).map_err(|e| data_err(path, format!("cannot write PNG: {e}")))
}

/// Grey level of class `c` in a mask PNG: 0/85/170/255 for the 4 classes, 0/255 for binary.
pub fn grey_level(task: Task, c: u32) -> u8 {
    match task {
        Task::Multi => [0, 85, 170, 255][c.min(3) as usize],
        Task::Binary => {
            if c > 0 {
                255
            } else {
                0
            }
        }
    }
}

/// Writes a little-endian f32 `.npy` file (NumPy format 1.0) of the given shape.
pub fn write_npy_f32(path: &Path, shape: &[usize], data: &[f32]) -> Result<()> {
    let dims = shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
    let dims = if shape.len() == 1 { format!("{dims},") } else { dims };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(bytemuck::cast_slice(data));
    std::fs::write(path, out).map_err(|e| Error::io("writing an array", path, e))
}
