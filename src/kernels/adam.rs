//! Launcher for `shaders/adam.wgsl`: PyTorch Adam with L2 weight decay added to the gradient.

use super::{launch, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Error, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/adam.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AdamParams {
    pub len: u32,
    pub offset: u32,
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub bias_correction1: f32,
    pub bias_correction2: f32,
    pub _pad: [u32; 3],
}

/// Hyper-parameters of one Adam step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamHyper {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// L2 coefficient added to the gradient (0 exempts the range, e.g. biases).
    pub weight_decay: f32,
    /// 1-based step number (for bias correction).
    pub step: u32,
}

impl Default for AdamHyper {
    fn default() -> Self {
        Self { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0, step: 1 }
    }
}

/// Updates `param`, `m`, `v` over elements `[offset, offset + len)` from `grad`.
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    gpu: &Gpu,
    enc: &mut Encoder,
    param: &Tensor,
    grad: &Tensor,
    m: &Tensor,
    v: &Tensor,
    offset: usize,
    len: usize,
    hyper: &AdamHyper,
) -> Result<()> {
    const OP: &str = "adam_step";
    let n = param.len();
    if grad.len() != n || m.len() != n || v.len() != n || offset + len > n {
        return Err(shape_err(
            OP,
            format!("param, grad, m, v must have equal lengths covering [{offset}, {})", offset + len),
            &[param.shape(), grad.shape(), m.shape(), v.shape()],
        ));
    }
    if hyper.step == 0 {
        return Err(Error::InvalidArgument { op: OP, detail: "step numbers start at 1".into() });
    }
    let p = AdamParams {
        len: u32_of(OP, "length", len)?,
        offset: u32_of(OP, "offset", offset)?,
        lr: hyper.lr,
        beta1: hyper.beta1,
        beta2: hyper.beta2,
        eps: hyper.eps,
        weight_decay: hyper.weight_decay,
        bias_correction1: (1.0 - (hyper.beta1 as f64).powi(hyper.step as i32)) as f32,
        bias_correction2: (1.0 - (hyper.beta2 as f64).powi(hyper.step as i32)) as f32,
        _pad: [0; 3],
    };
    // Flat buffers past the binding limit are updated range by range.
    super::for_elements(gpu, OP, &[param, grad, m, v], |first, t| {
        let (lo, hi) = (offset.max(first), (offset + len).min(first + t[0].len()));
        if lo >= hi {
            return Ok(());
        }
        let q = AdamParams { len: (hi - lo) as u32, offset: (lo - first) as u32, ..p };
        launch(gpu, enc, OP, &q, &[(1, &t[0]), (2, &t[1]), (3, &t[2]), (4, &t[3])], ((hi - lo) as u64).div_ceil(256))
    })
}
