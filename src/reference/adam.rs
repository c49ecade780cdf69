//! CPU reference for one Adam step (PyTorch `torch.optim.Adam`, L2 `weight_decay` added to the
//! gradient), in f64.

use crate::kernels::adam::AdamHyper;

/// Updates `param`, `m`, `v` in place from `grad`.
pub fn adam_step(param: &mut [f64], grad: &[f64], m: &mut [f64], v: &mut [f64], h: &AdamHyper) {
    let (b1, b2) = (h.beta1 as f64, h.beta2 as f64);
    let bc1 = 1.0 - b1.powi(h.step as i32);
    let bc2 = 1.0 - b2.powi(h.step as i32);
    for i in 0..param.len() {
        let g = grad[i] + h.weight_decay as f64 * param[i];
        m[i] = b1 * m[i] + (1.0 - b1) * g;
        v[i] = b2 * v[i] + (1.0 - b2) * g * g;
        let denom = v[i].sqrt() / bc2.sqrt() + h.eps as f64;
        param[i] -= (h.lr as f64 / bc1) * m[i] / denom;
    }
}
