//! CPU reference of the whole models in f64: U-Net and SegNet forward, weighted cross-entropy, and
//! the backward pass written out by hand layer by layer from the reference ops — independent of
//! the GPU tape. Used to check the tape end to end (loss and every parameter gradient), and itself
//! checked by finite differences of its loss.

use super::{batch_norm as bn, concat, conv2d, conv_transpose2d as convt, cross_entropy as ce, dropout, max_pool, max_unpool, relu};
use crate::models::{Arch, ModelConfig};
use ndarray::{Array1, Array3, Array4, ArrayD, Ix1, Ix4};
use std::collections::BTreeMap;

/// Named f64 tensors (parameters, gradients or state).
pub type Tensors = BTreeMap<String, ArrayD<f64>>;

/// What one reference step computes.
pub struct RefStep {
    pub loss: f64,
    pub grads: Tensors,
    /// Running statistics after the step's update (SegNet).
    pub state: Tensors,
}

fn p4(t: &Tensors, name: &str) -> Array4<f64> {
    t[name].clone().into_dimensionality::<Ix4>().unwrap_or_else(|_| panic!("{name} is 4-D"))
}
fn p1(t: &Tensors, name: &str) -> Array1<f64> {
    t[name].clone().into_dimensionality::<Ix1>().unwrap_or_else(|_| panic!("{name} is 1-D"))
}
fn relu4(x: &Array4<f64>) -> Array4<f64> {
    relu::relu_forward(x.view().into_dyn()).into_dimensionality().expect("4-D")
}
fn relu4_back(x: &Array4<f64>, gy: &Array4<f64>) -> Array4<f64> {
    relu::relu_backward(x.view().into_dyn(), gy.view().into_dyn()).into_dimensionality().expect("4-D")
}
fn drop4(x: &Array4<f64>, p: f32, seed: u64) -> Array4<f64> {
    dropout::dropout(x.view().into_dyn(), p, seed).into_dimensionality().expect("4-D")
}
fn conv(t: &Tensors, x: &Array4<f64>, name: &str) -> Array4<f64> {
    conv2d::conv2d_forward(x.view(), p4(t, &format!("{name}.weight")).view(), Some(p1(t, &format!("{name}.bias")).view()))
}
/// Conv backward: stores dweight/dbias under the layer's names, returns dx.
fn conv_back(t: &Tensors, g: &mut Tensors, x: &Array4<f64>, gy: &Array4<f64>, name: &str) -> Array4<f64> {
    let w = p4(t, &format!("{name}.weight"));
    g.insert(format!("{name}.weight"), conv2d::conv2d_backward_weight(x.view(), gy.view(), w.dim().2).into_dyn());
    g.insert(format!("{name}.bias"), conv2d::conv2d_backward_bias(gy.view()).into_dyn());
    conv2d::conv2d_backward_input(gy.view(), w.view())
}

/// Loss, gradients and new running statistics of one training step of `cfg` on a batch.
/// `dropout_seeds`: the seeds the GPU tape used, in recording order.
pub fn train_step(
    cfg: &ModelConfig,
    params: &Tensors,
    state: &Tensors,
    x: &Array4<f64>,
    labels: &Array3<u32>,
    class_weights: &Array1<f64>,
    dropout_seeds: &[u64],
) -> RefStep {
    match cfg.arch {
        Arch::UNet => unet(cfg, params, x, labels, class_weights, dropout_seeds),
        Arch::SegNet => segnet(cfg, params, state, x, labels, class_weights),
    }
}

/// The loss only (for finite differences).
pub fn loss(
    cfg: &ModelConfig,
    params: &Tensors,
    state: &Tensors,
    x: &Array4<f64>,
    labels: &Array3<u32>,
    class_weights: &Array1<f64>,
    dropout_seeds: &[u64],
) -> f64 {
    train_step(cfg, params, state, x, labels, class_weights, dropout_seeds).loss
}

fn unet(cfg: &ModelConfig, t: &Tensors, x: &Array4<f64>, labels: &Array3<u32>, cw: &Array1<f64>, seeds: &[u64]) -> RefStep {
    let depth = cfg.depth;
    let mut seeds = seeds.iter().copied();
    let p = cfg.dropout;
    // Encoder: per stage (input, c1, r1, c2, r2 = skip, pre-pool, indices).
    struct Enc {
        input: Array4<f64>,
        c1: Array4<f64>,
        r1: Array4<f64>,
        c2: Array4<f64>,
        dropout_seed: Option<u64>,
        indices: Array4<u32>,
        skip: Array4<f64>,
    }
    let mut enc = Vec::new();
    let mut h = x.clone();
    for d in 1..=depth {
        let c1 = conv(t, &h, &format!("enc{d}.conv1"));
        let r1 = relu4(&c1);
        let c2 = conv(t, &r1, &format!("enc{d}.conv2"));
        let r2 = relu4(&c2);
        let (pre, seed) = if d == depth && p > 0.0 {
            let s = seeds.next().expect("a dropout seed per dropout layer");
            (drop4(&r2, p, s), Some(s))
        } else {
            (r2.clone(), None)
        };
        let (pooled, indices) = max_pool::max_pool2d_forward(pre.view());
        enc.push(Enc { input: h, c1, r1, c2, dropout_seed: seed, indices, skip: r2 });
        h = pooled;
    }
    let b_in = h;
    let bc1 = conv(t, &b_in, "bridge.conv1");
    let br1 = relu4(&bc1);
    let bc2 = conv(t, &br1, "bridge.conv2");
    let br2 = relu4(&bc2);
    let bseed = if p > 0.0 { Some(seeds.next().expect("bridge dropout seed")) } else { None };
    h = match bseed {
        Some(s) => drop4(&br2, p, s),
        None => br2.clone(),
    };
    struct Dec {
        input: Array4<f64>,
        up: Array4<f64>,
        cat: Array4<f64>,
        c1: Array4<f64>,
        r1: Array4<f64>,
        c2: Array4<f64>,
    }
    let mut dec = Vec::new();
    for d in (1..=depth).rev() {
        let up = convt::conv_transpose2d_forward(
            h.view(),
            p4(t, &format!("dec{d}.up.weight")).view(),
            Some(p1(t, &format!("dec{d}.up.bias")).view()),
        );
        let ru = relu4(&up);
        let cat = concat::concat_forward(ru.view(), enc[d - 1].skip.view());
        let c1 = conv(t, &cat, &format!("dec{d}.conv1"));
        let r1 = relu4(&c1);
        let c2 = conv(t, &r1, &format!("dec{d}.conv2"));
        let r2 = relu4(&c2);
        dec.push(Dec { input: h, up, cat, c1, r1, c2 });
        h = r2;
    }
    let logits = conv(t, &h, "final");
    let (loss, _) = ce::cross_entropy_loss(logits.view(), labels.view(), cw.view());

    // Backward.
    let mut g = Tensors::new();
    let gl = ce::cross_entropy_backward(logits.view(), labels.view(), cw.view());
    let mut gh = conv_back(t, &mut g, &h, &gl, "final");
    let mut gskip: Vec<Option<Array4<f64>>> = vec![None; depth];
    // Decoder stages in reverse of their forward order (dec[0] is stage `depth`).
    for k in (0..depth).rev() {
        let d = depth - k;
        let s = &dec[k];
        let g2 = relu4_back(&s.c2, &gh);
        let g1 = relu4_back(&s.c1, &conv_back(t, &mut g, &s.r1, &g2, &format!("dec{d}.conv2")));
        let gcat = conv_back(t, &mut g, &s.cat, &g1, &format!("dec{d}.conv1"));
        let cu = s.up.dim().1;
        let (gru, gs) = concat::concat_backward(gcat.view(), cu);
        gskip[d - 1] = Some(gs);
        let gup = relu4_back(&s.up, &gru);
        let w = p4(t, &format!("dec{d}.up.weight"));
        g.insert(format!("dec{d}.up.weight"), convt::conv_transpose2d_backward_weight(s.input.view(), gup.view()).into_dyn());
        g.insert(format!("dec{d}.up.bias"), convt::conv_transpose2d_backward_bias(gup.view()).into_dyn());
        gh = convt::conv_transpose2d_backward_input(gup.view(), w.view());
    }
    if let Some(s) = bseed {
        gh = drop4(&gh, p, s);
    }
    let g2 = relu4_back(&bc2, &gh);
    let g1 = relu4_back(&bc1, &conv_back(t, &mut g, &br1, &g2, "bridge.conv2"));
    gh = conv_back(t, &mut g, &b_in, &g1, "bridge.conv1");
    for d in (1..=depth).rev() {
        let s = &enc[d - 1];
        let (hh, ww) = (s.skip.dim().2, s.skip.dim().3);
        let mut gpre = max_pool::max_pool2d_backward(gh.view(), s.indices.view(), hh, ww);
        if let Some(seed) = s.dropout_seed {
            gpre = drop4(&gpre, p, seed);
        }
        // The skip value feeds both the pool path and the decoder: its gradients add.
        let gr2 = gpre + gskip[d - 1].as_ref().expect("every skip reaches the decoder");
        let g2 = relu4_back(&s.c2, &gr2);
        let g1 = relu4_back(&s.c1, &conv_back(t, &mut g, &s.r1, &g2, &format!("enc{d}.conv2")));
        gh = conv_back(t, &mut g, &s.input, &g1, &format!("enc{d}.conv1"));
    }
    RefStep { loss, grads: g, state: Tensors::new() }
}

fn segnet(cfg: &ModelConfig, t: &Tensors, state: &Tensors, x: &Array4<f64>, labels: &Array3<u32>, cw: &Array1<f64>) -> RefStep {
    const EPS: f64 = crate::tape::BN_EPS as f64;
    let momentum = crate::tape::BN_MOMENTUM as f64;
    // The forward pass as a list of layers with what their backward needs.
    #[allow(clippy::large_enum_variant)] // a short-lived list of a few dozen layers
    enum Layer {
        /// conv → (BN → ReLU): names, the conv's input and output, the BN's output.
        Block {
            conv: String,
            bn: Option<String>,
            input: Array4<f64>,
            conv_out: Array4<f64>,
            bn_out: Option<Array4<f64>>,
        },
        Pool {
            indices: Array4<u32>,
            h: usize,
            w: usize,
        },
        Unpool {
            indices: Array4<u32>,
        },
    }
    let mut new_state = Tensors::new();
    let mut layers = Vec::new();
    let mut block = |h: &Array4<f64>, conv_name: String, bn_name: Option<String>, layers: &mut Vec<Layer>| -> Array4<f64> {
        let c = conv(t, h, &conv_name);
        let Some(bn_name) = bn_name else {
            layers.push(Layer::Block { conv: conv_name, bn: None, input: h.clone(), conv_out: c.clone(), bn_out: None });
            return c;
        };
        let gamma = p1(t, &format!("{bn_name}.weight"));
        let beta = p1(t, &format!("{bn_name}.bias"));
        let b = bn::batch_norm_train(c.view(), gamma.view(), beta.view(), EPS);
        let (mean, var) = bn::batch_stats(c.view());
        let count = c.dim().0 * c.dim().2 * c.dim().3;
        let rm = p1(state, &format!("{bn_name}.running_mean"));
        let rv = p1(state, &format!("{bn_name}.running_var"));
        let (rm, rv) = bn::running_update(rm.view(), rv.view(), mean.view(), var.view(), count, momentum);
        new_state.insert(format!("{bn_name}.running_mean"), rm.into_dyn());
        new_state.insert(format!("{bn_name}.running_var"), rv.into_dyn());
        let r = relu4(&b);
        layers.push(Layer::Block { conv: conv_name, bn: Some(bn_name), input: h.clone(), conv_out: c, bn_out: Some(b) });
        r
    };
    let mut pools = Vec::new();
    let mut h = x.clone();
    for d in 1..=cfg.depth {
        for i in 1..=2 {
            h = block(&h, format!("enc{d}.conv{i}"), Some(format!("enc{d}.bn{i}")), &mut layers);
        }
        let (pooled, indices) = max_pool::max_pool2d_forward(h.view());
        pools.push((indices.clone(), h.dim().2, h.dim().3));
        layers.push(Layer::Pool { indices, h: h.dim().2, w: h.dim().3 });
        h = pooled;
    }
    for d in (1..=cfg.depth).rev() {
        let (indices, hh, ww) = &pools[d - 1];
        h = max_unpool::max_unpool2d_forward(h.view(), indices.view(), *hh, *ww);
        layers.push(Layer::Unpool { indices: indices.clone() });
        for i in 1..=2 {
            let plain = d == 1 && i == 2 && !cfg.final_bn_relu;
            h = block(&h, format!("dec{d}.conv{i}"), if plain { None } else { Some(format!("dec{d}.bn{i}")) }, &mut layers);
        }
    }
    let logits = h;
    let (loss, _) = ce::cross_entropy_loss(logits.view(), labels.view(), cw.view());

    let mut g = Tensors::new();
    let mut gh = ce::cross_entropy_backward(logits.view(), labels.view(), cw.view());
    for layer in layers.iter().rev() {
        gh = match layer {
            Layer::Block { conv, bn: bn_name, input, conv_out, bn_out } => {
                let gconv = match (bn_name, bn_out) {
                    (Some(bn_name), Some(bn_out)) => {
                        let gb = relu4_back(bn_out, &gh);
                        let gamma = p1(t, &format!("{bn_name}.weight"));
                        let (dx, dgamma, dbeta) = bn::batch_norm_backward(conv_out.view(), gb.view(), gamma.view(), EPS);
                        g.insert(format!("{bn_name}.weight"), dgamma.into_dyn());
                        g.insert(format!("{bn_name}.bias"), dbeta.into_dyn());
                        dx
                    }
                    _ => gh,
                };
                conv_back(t, &mut g, input, &gconv, conv)
            }
            Layer::Pool { indices, h, w } => max_pool::max_pool2d_backward(gh.view(), indices.view(), *h, *w),
            Layer::Unpool { indices } => max_unpool::max_unpool2d_backward(gh.view(), indices.view()),
        };
    }
    RefStep { loss, grads: g, state: new_state }
}

/// One reference Adam step on named tensors (decay per tensor as the model's spec).
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    params: &mut Tensors,
    grads: &Tensors,
    m: &mut Tensors,
    v: &mut Tensors,
    decayed: &dyn Fn(&str) -> bool,
    lr: f32,
    l2: f32,
    step: u32,
) {
    for (name, p) in params.iter_mut() {
        let h = crate::kernels::adam::AdamHyper { lr, weight_decay: if decayed(name) { l2 } else { 0.0 }, step, ..Default::default() };
        let g = grads[name].as_slice().expect("contiguous").to_vec();
        let mm = m.entry(name.clone()).or_insert_with(|| ArrayD::zeros(p.raw_dim()));
        let vv = v.entry(name.clone()).or_insert_with(|| ArrayD::zeros(p.raw_dim()));
        super::adam::adam_step(
            p.as_slice_mut().expect("contiguous"),
            &g,
            mm.as_slice_mut().expect("contiguous"),
            vv.as_slice_mut().expect("contiguous"),
            &h,
        );
    }
}
