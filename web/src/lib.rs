//! lungseg in a browser tab. The same `Gpu`, kernels, tape and models as the native program, on
//! the browser's WebGPU adapter; `web/app.js` drives it. Nothing here blocks: every read-back is
//! awaited, and long jobs (the kernel checks, training) are split into calls the page makes one
//! at a time, so the tab stays responsive and can show progress.
//!
//! * [`Engine::open`] — request the adapter with its own limits, build every pipeline.
//! * [`Engine::check_count`] / [`Engine::run_check`] — `lungseg selftest`, one check per call.
//! * [`Engine::load_model`] / [`Engine::predict_png`] / [`Engine::open_nifti`] /
//!   [`Engine::predict_slice`] — segment a slice or a volume with a checkpoint.
//! * [`Engine::start_training`] / [`Engine::train_step`] — train a small U-Net on the slices the
//!   page downloaded.

use lungseg::config::{Preset, TrainConfig};
use lungseg::data::{self, Task, Volume};
use lungseg::evaluate::Ensemble;
use lungseg::models::{Arch, Model};
use lungseg::pipeline::{self, Prepared, Preprocessor};
use lungseg::step::{self, StepConfig};
use lungseg::{Gpu, KernelFamily, Tensor};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

fn js_err(e: lungseg::Error) -> JsValue {
    JsError::new(&e.to_string()).into()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// The page's own global handlers (the library installs none): a Rust panic is logged with its
/// message instead of wasm's bare "unreachable", once per page.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|info| console_error(&format!("lungseg panicked: {info}")))));
}

/// The engine of one page: the device, the loaded model, an open volume, a training run.
#[wasm_bindgen]
pub struct Engine {
    inner: Rc<Inner>,
}

struct Inner {
    gpu: Gpu,
    /// The loaded checkpoint, as an ensemble of one without flips: the path `lungseg predict` takes.
    model: RefCell<Option<Rc<Ensemble>>>,
    volume: RefCell<Option<Rc<OpenVolume>>>,
    trainer: RefCell<Option<Rc<RefCell<Trainer>>>>,
}

struct OpenVolume {
    volume: Volume,
    lungs: Option<Volume>,
}

#[wasm_bindgen]
impl Engine {
    /// Opens the browser's WebGPU adapter (`kernels`: auto, cpu, gpu or portable) with its own
    /// limits and builds every pipeline; fails with the browser's reason when WebGPU is missing or
    /// a shader does not compile.
    pub async fn open(kernels: String) -> Result<Engine, JsValue> {
        let family: KernelFamily = kernels.parse().map_err(js_err)?;
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::BROWSER_WEBGPU;
        let instance = wgpu::Instance::new(desc);
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| JsError::new(&format!("no WebGPU adapter ({e}): open the page in a browser with WebGPU enabled")))?;
        install_panic_hook();
        let gpu = Gpu::from_adapter(&adapter, family).await.map_err(js_err)?;
        // wgpu's default for a validation error outside an error scope is to panic, which would
        // leave the engine unusable; the page logs it instead (web/check.py fails on it).
        gpu.device.on_uncaptured_error(std::sync::Arc::new(|e| console_error(&format!("lungseg device error: {e}"))));
        Ok(Engine { inner: Rc::new(Inner { gpu, model: RefCell::new(None), volume: RefCell::new(None), trainer: RefCell::new(None) }) })
    }

    /// The adapter, kernel family and the limits that bound what fits (JSON).
    pub fn info(&self) -> String {
        let g = &self.inner.gpu;
        let l = g.limits();
        serde_json::json!({
            "adapter": g.adapter().to_string(),
            "name": g.adapter().name,
            "kernels": g.kernel_family().name(),
            "subgroups": g.features().contains(wgpu::Features::SUBGROUP),
            "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
            "max_buffer_size": l.max_buffer_size,
            "max_storage_buffers_per_shader_stage": l.max_storage_buffers_per_shader_stage,
            "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
        })
        .to_string()
    }

    /// Number of kernel checks (`lungseg selftest` runs them all).
    pub fn check_count(&self) -> usize {
        lungseg::selftest::plan().len()
    }

    /// What check `i` covers.
    pub fn check_label(&self, i: usize) -> String {
        lungseg::selftest::plan().get(i).map(|c| c.label()).unwrap_or_default()
    }

    /// Runs check `i`; resolves to a JSON array of rows (op, entry, shape, max error, tolerance,
    /// failures, passed) — the rows `lungseg selftest` prints.
    pub fn run_check(&self, i: usize) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let plan = lungseg::selftest::plan();
            let check = *plan.get(i).ok_or_else(|| JsError::new(&format!("check {i} does not exist: there are {}", plan.len())))?;
            let rows = lungseg::selftest::run(&inner.gpu, check).await.map_err(js_err)?;
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "op": r.op, "entry": r.entry, "shape": r.shape, "max_abs": r.max_abs, "max_rel": r.max_rel, "elements": r.elements,
                        "tolerance": r.tolerance.to_string(), "failures": r.failures, "passed": r.passed(),
                        "line": r.to_string(),
                    })
                })
                .collect();
            Ok(JsValue::from_str(&serde_json::Value::Array(rows).to_string()))
        })
    }

    /// Loads a lungseg checkpoint (`.safetensors` with its configuration in the metadata); returns
    /// the network's configuration (JSON).
    pub fn load_model(&self, bytes: Vec<u8>, name: String) -> Result<String, JsValue> {
        let ck = lungseg::checkpoint::Loaded::from_bytes(bytes, Path::new(&name)).map_err(js_err)?;
        let trained = lungseg::evaluate::model_from_checkpoint(&self.inner.gpu, &ck, None).map_err(js_err)?;
        let cfg = serde_json::to_value(&trained.cfg).map_err(|e| JsError::new(&e.to_string()))?;
        *self.inner.model.borrow_mut() = Some(Rc::new(Ensemble::one(trained)));
        Ok(serde_json::json!({"config": cfg, "classes": model_classes(&self.inner)?}).to_string())
    }

    /// The split the loaded model was trained on, as 0-based indices into the shipped slices
    /// (JSON {train, val, test}): the page marks which slices the model never saw.
    pub fn model_split(&self, slices: usize) -> Result<String, JsValue> {
        let model = self.inner.model.borrow().clone().ok_or_else(|| JsError::new("no model is loaded"))?;
        let split = pipeline::split_for(model.cfg(), slices).map_err(js_err)?;
        serde_json::to_string(&split).map_err(|e| JsError::new(&e.to_string()).into())
    }

    /// Segments a grayscale PNG slice (lung-masked CT, as the shipped slices: lung pixels are the
    /// non-zero ones). Resolves to a [`Prediction`].
    pub fn predict_png(&self, bytes: Vec<u8>, name: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (image, lung, h, w) = lung_masked_png(&bytes, &name)?;
            Ok(predict(&inner, &name, image, lung, h, w).await?.into())
        })
    }

    /// Opens a NIfTI CT volume in Hounsfield units (`.nii` or `.nii.gz`) and, optionally, its lung
    /// mask (> 0 = lung; without one every pixel counts as lung). Returns the number of axial
    /// slices; segment them with [`Engine::predict_slice`].
    pub fn open_nifti(&self, bytes: Vec<u8>, name: String, lungs: Option<Vec<u8>>, lungs_name: Option<String>) -> Result<usize, JsValue> {
        let volume = data::nifti_from_bytes(&bytes, Path::new(&name)).map_err(js_err)?;
        let lungs = match lungs {
            Some(b) => {
                let ln = lungs_name.unwrap_or_else(|| "lung mask".into());
                let l = data::nifti_from_bytes(&b, Path::new(&ln)).map_err(js_err)?;
                if l.data.dim() != volume.data.dim() {
                    return Err(
                        JsError::new(&format!("{ln}: lung mask is {:?}, the CT {name} is {:?}", l.data.dim(), volume.data.dim())).into()
                    );
                }
                Some(l)
            }
            None => None,
        };
        let depth = volume.data.dim().2;
        *self.inner.volume.borrow_mut() = Some(Rc::new(OpenVolume { volume, lungs }));
        Ok(depth)
    }

    /// Segments axial slice `z` of the open volume, windowed as the model was trained.
    pub fn predict_slice(&self, z: usize) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let vol = inner.volume.borrow().clone().ok_or_else(|| JsError::new("no NIfTI volume is open"))?;
            let model = inner.model.borrow().clone().ok_or_else(|| JsError::new("no model is loaded"))?;
            let (h, w, depth) = vol.volume.data.dim();
            if z >= depth {
                return Err(JsError::new(&format!("slice {z} does not exist: the volume has {depth}")).into());
            }
            let (lo, hi) = model.cfg().window;
            let (image, lung) = lungseg::predict::nifti_slice(&vol.volume, vol.lungs.as_ref(), z, data::Window { lo, hi });
            Ok(predict(&inner, &format!("z{:03}", z + 1), image, lung, h, w).await?.into())
        })
    }

    /// Starts a training run on slices the page downloaded: `images` and `masks` are grayscale
    /// PNGs in matching order (the shipped `im/256/iNNN.png` and `mask/multi/256/tr_mask_zNNN.png`),
    /// `options` a JSON object overriding the quick preset's U-Net: size, width, epochs, batch,
    /// lr, seed, task ("binary" | "multi"), dice_weight, class_weights. Returns the configuration
    /// and split (JSON).
    pub fn start_training(&self, images: js_sys::Array, masks: js_sys::Array, options: String) -> Result<String, JsValue> {
        let opts: serde_json::Value = serde_json::from_str(&options).map_err(|e| JsError::new(&format!("training options: {e}")))?;
        let task: Task = match opts.get("task").and_then(|v| v.as_str()) {
            Some(t) => t.parse().map_err(js_err)?,
            None => Task::Multi,
        };
        let mut cfg = TrainConfig::preset(Preset::Quick, Arch::UNet, task);
        // Start from the preset as JSON and apply the page's fields, so every field goes through
        // the same parsing and `validate()` as a config.json file.
        let mut as_json = serde_json::to_value(&cfg).map_err(|e| JsError::new(&e.to_string()))?;
        if let (Some(obj), Some(over)) = (as_json.as_object_mut(), opts.as_object()) {
            for (k, v) in over {
                if !obj.contains_key(k) {
                    return Err(JsError::new(&format!("training options: unknown field {k:?}")).into());
                }
                obj.insert(k.clone(), v.clone());
            }
        }
        cfg = serde_json::from_value(as_json).map_err(|e| JsError::new(&format!("training options: {e}")))?;
        cfg.validate().map_err(js_err)?;
        if images.length() != masks.length() || images.length() == 0 {
            return Err(JsError::new(&format!("{} images but {} masks", images.length(), masks.length())).into());
        }
        let mut slices = Vec::with_capacity(images.length() as usize);
        for (i, (im, mk)) in images.iter().zip(masks.iter()).enumerate() {
            let (name, mask_name) = (format!("image {}", i + 1), format!("mask {}", i + 1));
            let (name, mask_name) = (Path::new(&name), Path::new(&mask_name));
            let im = data::png_gray_from_bytes(&js_sys::Uint8Array::new(&im).to_vec(), name).map_err(js_err)?;
            let mk = data::png_gray_from_bytes(&js_sys::Uint8Array::new(&mk).to_vec(), mask_name).map_err(js_err)?;
            slices.push(data::slice_from_pair(&im, name, &mk, mask_name, cfg.task).map_err(js_err)?.resized(cfg.size));
        }
        let prep = pipeline::prepare_slices(&cfg, slices).map_err(js_err)?;
        let gpu = &self.inner.gpu;
        let model = Model::new(gpu, cfg.model_config().map_err(js_err)?, cfg.seed).map_err(js_err)?;
        let weights = gpu.upload_f32("class weights", &prep.class_weights, &[prep.class_weights.len()]).map_err(js_err)?;
        let summary = serde_json::json!({
            "config": serde_json::to_value(&cfg).map_err(|e| JsError::new(&e.to_string()))?,
            "train": prep.split.train.len(), "val": prep.split.val.len(), "test": prep.split.test.len(),
            "parameters": model.params.count(),
            "iterations_per_epoch": prep.split.train.len().div_ceil(cfg.batch),
            "class_weights": prep.class_weights,
        });
        let pre = prep.preprocessor(&cfg);
        let t = Trainer { cfg, prep, pre, model, weights, epoch: 0, batch_in_epoch: 0, iteration: 0, order: Vec::new() };
        *self.inner.trainer.borrow_mut() = Some(Rc::new(RefCell::new(t)));
        Ok(summary.to_string())
    }

    /// One training iteration of the open run; resolves to JSON {epoch, iteration, loss,
    /// accuracy, done} (done once every epoch has run).
    pub fn train_step(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let trainer = inner.trainer.borrow().clone().ok_or_else(|| JsError::new("no training run: call start_training first"))?;
            let pending = trainer.borrow_mut().record(&inner.gpu).map_err(js_err)?;
            let Some((pending, epoch, iteration)) = pending else {
                return Ok(JsValue::from_str(&serde_json::json!({"done": true}).to_string()));
            };
            let stats = pending.read(&inner.gpu).await.map_err(js_err)?;
            if !stats.loss.is_finite() {
                return Err(
                    JsError::new(&format!("the loss became {} at iteration {iteration}: lower the learning rate", stats.loss)).into()
                );
            }
            let t = trainer.borrow();
            Ok(JsValue::from_str(
                &serde_json::json!({
                    "epoch": epoch + 1, "iteration": iteration + 1, "loss": stats.loss, "accuracy": stats.accuracy,
                    "done": t.epoch >= t.cfg.epochs,
                })
                .to_string(),
            ))
        })
    }

    /// Segments a PNG slice with the model being trained (running statistics, no dropout).
    pub fn predict_png_with_trained(&self, bytes: Vec<u8>, name: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let trainer = inner.trainer.borrow().clone().ok_or_else(|| JsError::new("no training run"))?;
            let (image, lung, h, w) = lung_masked_png(&bytes, &name)?;
            let (task, s) = { (trainer.borrow().cfg.task, trainer.borrow().cfg.size) };
            let x = trainer.borrow().pre.image(&image, h, w);
            let probs = {
                let t = trainer.borrow();
                let xt = inner.gpu.upload_f32("input", &x, &[1, 1, s, s]).map_err(js_err)?;
                step::probabilities(&inner.gpu, &step::infer(&inner.gpu, &t.model, &xt).map_err(js_err)?).map_err(js_err)?
            };
            let probs = inner.gpu.download_f32_async(&probs).await.map_err(js_err)?;
            let (classes, probabilities) = lungseg::predict::at_input_size(&probs, task.classes(), s, h, w);
            Ok(prediction(&name, task, classes, probabilities, image, lung, h, w).into())
        })
    }
}

/// Class names and overlay colours of the loaded model (JSON values).
fn model_classes(inner: &Inner) -> Result<serde_json::Value, JsValue> {
    let model = inner.model.borrow().clone().ok_or_else(|| JsError::new("no model is loaded"))?;
    Ok(classes_json(model.cfg().task))
}

fn classes_json(task: Task) -> serde_json::Value {
    task.class_names()
        .iter()
        .enumerate()
        .map(|(k, n)| serde_json::json!({"name": n, "colour": lungseg::predict::colour(task, k as u32)}))
        .collect()
}

/// A lung-masked CT slice from PNG bytes (as the shipped slices: lung pixels are the non-zero
/// ones): intensities in [0, 1], which pixels are lung, height, width.
fn lung_masked_png(bytes: &[u8], name: &str) -> Result<(Vec<f32>, Vec<bool>, usize, usize), JsValue> {
    let im = data::png_gray_from_bytes(bytes, Path::new(name)).map_err(js_err)?;
    let image = im.pixels.iter().map(|&v| v as f32 / 255.0).collect();
    let lung = im.pixels.iter().map(|&v| v > 0).collect();
    Ok((image, lung, im.height, im.width))
}

/// The loaded model's segmentation, through the path `lungseg predict` takes.
async fn predict(inner: &Inner, name: &str, image: Vec<f32>, lung: Vec<bool>, h: usize, w: usize) -> Result<Prediction, JsValue> {
    let model = inner.model.borrow().clone().ok_or_else(|| JsError::new("no model is loaded: call load_model first"))?;
    let (classes, probabilities) = lungseg::predict::segment(&inner.gpu, &model, &image, h, w).await.map_err(js_err)?;
    Ok(prediction(name, model.cfg().task, classes, probabilities, image, lung, h, w))
}

/// Classes and probabilities at the input's size → the page's result with the shares of lung.
#[allow(clippy::too_many_arguments)]
fn prediction(
    name: &str,
    task: Task,
    classes: Vec<u32>,
    probabilities: Vec<f32>,
    image: Vec<f32>,
    lung: Vec<bool>,
    h: usize,
    w: usize,
) -> Prediction {
    let c = task.classes();
    let sev = lungseg::predict::severity(name, &classes, &lung, c);
    let shares: Vec<f64> = sev.class_pixels.iter().map(|&p| p as f64 / sev.lung_pixels.max(1) as f64).collect();
    let summary = serde_json::json!({
        "name": name, "height": h, "width": w, "lung_pixels": sev.lung_pixels, "class_pixels": sev.class_pixels,
        "share_of_lung": shares, "classes": classes_json(task),
    });
    Prediction {
        summary: summary.to_string(),
        classes: classes.iter().map(|&k| k as u8).collect(),
        probabilities,
        image,
        height: h,
        width: w,
        task,
    }
}

/// One segmented slice: the class of every pixel, the probabilities, the CT, and the share of
/// lung in each class.
#[wasm_bindgen]
pub struct Prediction {
    summary: String,
    classes: Vec<u8>,
    probabilities: Vec<f32>,
    image: Vec<f32>,
    height: usize,
    width: usize,
    task: Task,
}

#[wasm_bindgen]
impl Prediction {
    /// JSON: name, height, width, lung_pixels, class_pixels, share_of_lung, classes (name, colour).
    pub fn summary(&self) -> String {
        self.summary.clone()
    }
    pub fn height(&self) -> usize {
        self.height
    }
    pub fn width(&self) -> usize {
        self.width
    }
    /// The predicted class of every pixel, row-major.
    pub fn classes(&self) -> Vec<u8> {
        self.classes.clone()
    }
    /// Softmax probabilities, (C, height, width).
    pub fn probabilities(&self) -> Vec<f32> {
        self.probabilities.clone()
    }
    /// RGBA pixels of the CT with the classes in `shown` blended in their colours (the overlay
    /// `lungseg predict` writes, when every class is shown).
    pub fn overlay_rgba(&self, shown: Vec<u8>) -> Vec<u8> {
        let masked: Vec<u32> = self.classes.iter().map(|&k| if shown.contains(&k) { k as u32 } else { 0 }).collect();
        let rgb = lungseg::predict::overlay(&self.image, &masked, self.task);
        rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
    }
}

/// A training run in the tab: the quick preset's loop (same shuffle, augmentation, schedule and
/// loss as `lungseg train`), one iteration per call.
struct Trainer {
    cfg: TrainConfig,
    prep: Prepared,
    pre: Preprocessor,
    model: Model,
    weights: Tensor,
    epoch: usize,
    batch_in_epoch: usize,
    iteration: usize,
    order: Vec<usize>,
}

impl Trainer {
    /// Records and submits the next iteration; `None` once every epoch has run. Returns the
    /// pending statistics with the iteration's (epoch, iteration).
    fn record(&mut self, gpu: &Gpu) -> lungseg::Result<Option<(step::PendingStats, usize, usize)>> {
        if self.epoch >= self.cfg.epochs {
            return Ok(None);
        }
        let per_epoch = self.prep.split.train.len().div_ceil(self.cfg.batch);
        if self.batch_in_epoch == 0 {
            self.order = pipeline::epoch_order(&self.cfg, &self.prep.split.train, self.epoch);
        }
        let b = self.batch_in_epoch;
        let idx = &self.order[b * self.cfg.batch..((b + 1) * self.cfg.batch).min(self.order.len())];
        let batch = pipeline::training_batch(&self.cfg, &self.prep.slices, idx, self.iteration);
        let (x, y) = self.pre.batch(gpu, &batch)?;
        let sc =
            StepConfig { lr: self.cfg.lr_at(self.epoch), l2: self.cfg.l2, dropout_seed: self.cfg.seed.wrapping_add(self.iteration as u64) };
        let pending = step::record_train_step(gpu, &mut self.model, &x, &y, &self.weights, &sc, &self.cfg.loss(), true)?
            .expect("statistics were requested");
        let at = (self.epoch, self.iteration);
        self.iteration += 1;
        self.batch_in_epoch += 1;
        if self.batch_in_epoch == per_epoch {
            self.batch_in_epoch = 0;
            self.epoch += 1;
        }
        Ok(Some((pending, at.0, at.1)))
    }
}
