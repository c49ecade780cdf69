//! Deep Dream (the paper's Fig. 5): gradient ascent on the input image to maximise one class's
//! mean logit, with the engine's own backward pass down to the input. The network runs with its
//! training-mode graph (batch-norm statistics of the dreamed image itself, dropout off), so the
//! gradient reaches the input through the same kernels training uses.

use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::models::Model;
use crate::rng::Rng;
use crate::tape::{Mode, Tape};

/// The dreamed image (size × size, rescaled to [0, 1] for display) and the class's mean logit
/// before each iteration.
pub struct Dream {
    pub image: Vec<f32>,
    pub size: usize,
    pub mean_logits: Vec<f32>,
}

/// Runs `iterations` normalised gradient-ascent steps of size `step` from seeded noise.
pub fn dream(gpu: &Gpu, model: &Model, size: usize, class: usize, iterations: usize, step: f32, seed: u64) -> Result<Dream> {
    let classes = model.config.classes;
    if class >= classes {
        return Err(Error::InvalidArgument { op: "dream", detail: format!("class {class} is not below the model's {classes} classes") });
    }
    model.config.check_size(size, size)?;
    let plane = size * size;
    let mut rng = Rng::new(seed);
    let mut x: Vec<f32> = (0..plane).map(|_| (0.1 * rng.normal()) as f32).collect();
    // d(mean logit of `class`)/d(logits): 1/(H·W) on that channel, 0 elsewhere.
    let mut seed_grad = vec![0f32; classes * plane];
    seed_grad[class * plane..(class + 1) * plane].fill(1.0 / plane as f32);
    let seed_grad = gpu.upload_f32("dream objective", &seed_grad, &[1, classes, size, size])?;
    let mut mean_logits = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let xt = gpu.upload_f32("dream image", &x, &[1, 1, size, size])?;
        let mut tape = Tape::new(gpu, Mode::Train, 0);
        tape.disable_dropout();
        let xv = tape.input_with_grad(xt);
        let logits = model.forward(&mut tape, xv)?;
        let lt = tape.value(logits)?.clone();
        let g = tape
            .backward_from(logits, seed_grad.clone(), &model.params, Some(xv))?
            .ok_or_else(|| Error::InvalidArgument { op: "dream", detail: "no gradient reached the input".into() })?;
        tape.submit();
        let l = gpu.download_f32(&lt)?;
        mean_logits.push(l[class * plane..(class + 1) * plane].iter().sum::<f32>() / plane as f32);
        let g = gpu.download_f32(&g)?;
        let scale = g.iter().map(|v| v.abs()).sum::<f32>() / plane as f32 + 1e-12;
        for (xi, gi) in x.iter_mut().zip(&g) {
            *xi += step * gi / scale;
        }
    }
    let (lo, hi) = x.iter().fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let image = x.iter().map(|&v| (v - lo) / (hi - lo).max(1e-12)).collect();
    Ok(Dream { image, size, mean_logits })
}
