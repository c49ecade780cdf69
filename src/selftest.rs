//! Every kernel entry point against its CPU reference, on seeded inputs with hostile shapes.
//! `lungseg selftest` prints these rows; the integration tests in `tests/` assert on the same
//! functions, so what users run on their GPU is exactly what CI runs.

use crate::check::{compare, tolerance, CheckRow};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::host;
use crate::reference as r;
use crate::rng::Rng;
use ndarray::{Array, Array1, Array4, Dimension, IxDyn};

/// f32 array → f64 array (the references work in f64).
pub fn to_f64<D: Dimension>(a: &Array<f32, D>) -> Array<f64, D> {
    a.mapv(|v| v as f64)
}

/// Standard-normal values in `shape`, with the kind of structure lung CT has: a band of exact
/// zeros (everything outside the lungs is 0 after masking) covering roughly the outer third of each
/// plane, and repeated values (ties) sprinkled in.
pub fn hostile4(rng: &mut Rng, shape: (usize, usize, usize, usize)) -> Array4<f32> {
    let (_, _, h, w) = shape;
    let mut a = Array4::from_shape_fn(shape, |_| rng.normal() as f32);
    let border_h = h / 6;
    let border_w = w / 6;
    for ((_, _, i, j), v) in a.indexed_iter_mut() {
        if i < border_h || j < border_w || i + border_h >= h || j + border_w >= w {
            *v = 0.0;
        }
    }
    // Ties: copy some values onto their right neighbour.
    for v in a.as_slice_mut().expect("standard layout").chunks_mut(2) {
        if v.len() == 2 && rng.below(5) == 0 {
            v[1] = v[0];
        }
    }
    a
}

/// Standard-normal values in any shape.
pub fn normal(rng: &mut Rng, shape: &[usize]) -> Array<f32, IxDyn> {
    Array::from_shape_fn(IxDyn(shape), |_| rng.normal() as f32)
}

fn normal4(rng: &mut Rng, shape: (usize, usize, usize, usize), scale: f64) -> Array4<f32> {
    Array4::from_shape_fn(shape, |_| (rng.normal() * scale) as f32)
}

fn normal1(rng: &mut Rng, n: usize, scale: f64) -> Array1<f32> {
    Array1::from_shape_fn(n, |_| (rng.normal() * scale) as f32)
}

fn row<D: Dimension>(op: &str, entry: &str, got: &Array<f32, D>, want: &Array<f64, D>) -> CheckRow {
    let g: Vec<f64> = got.iter().map(|&v| v as f64).collect();
    let w: Vec<f64> = want.iter().copied().collect();
    compare(op, entry, got.shape(), &g, &w, tolerance(entry))
}

/// Shape of one conv2d check: (N, C_in, C_out, H, W, K).
pub type ConvCase = (usize, usize, usize, usize, usize, usize);

/// conv2d forward, backward-input, backward-weight and backward-bias.
pub fn conv2d(gpu: &Gpu, seed: u64, (n, ci, co, h, w, k): ConvCase) -> Result<Vec<CheckRow>> {
    let mut rng = Rng::new(seed);
    let x = hostile4(&mut rng, (n, ci, h, w));
    // He-like scale keeps outputs O(1) whatever C_in is.
    let wt = normal4(&mut rng, (co, ci, k, k), (2.0 / (ci * k * k) as f64).sqrt());
    let b = normal1(&mut rng, co, 1.0);
    let dy = hostile4(&mut rng, (n, co, h, w));
    let (x64, w64, dy64) = (to_f64(&x), to_f64(&wt), to_f64(&dy));
    Ok(vec![
        row("conv2d", "conv2d_forward", &host::conv2d_forward(gpu, &x, &wt, Some(&b))?, &r::conv2d::conv2d_forward(x64.view(), w64.view(), Some(to_f64(&b).view()))),
        row("conv2d", "conv2d_backward_input", &host::conv2d_backward_input(gpu, &dy, &wt)?, &r::conv2d::conv2d_backward_input(dy64.view(), w64.view())),
        row("conv2d", "conv2d_backward_weight", &host::conv2d_backward_weight(gpu, &x, &dy, k)?, &r::conv2d::conv2d_backward_weight(x64.view(), dy64.view(), k)),
        row("conv2d", "conv2d_backward_bias", &host::sum_per_channel(gpu, &dy)?, &r::conv2d::conv2d_backward_bias(dy64.view())),
    ])
}

/// Hostile conv shapes: odd H and W, W not a multiple of the 4-pixel block, C_out not a multiple
/// of the 8-channel block, batch > 1, 1×1 kernels, a single-pixel plane.
pub const CONV_CASES: &[ConvCase] = &[(2, 3, 5, 7, 9, 3), (3, 8, 16, 13, 11, 3), (2, 5, 3, 6, 17, 1), (1, 1, 1, 1, 1, 3), (2, 16, 9, 19, 5, 3)];
