// Adam (Kingma & Ba 2015) exactly as PyTorch's torch.optim.Adam with L2 `weight_decay` (added to
// the gradient — not AdamW's decoupled decay). Over elements [offset, offset + len) of flat
// parameter / gradient / moment buffers, so one dispatch updates one tensor or a whole run of
// tensors sharing the same decay (weights get decay, biases may be exempted with decay 0).
//   g = grad + weight_decay · param
//   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
//   param −= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps),   bc_k = 1 − β_k^t

struct Params {
    len: u32,
    offset: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    bias_correction1: f32,
    bias_correction2: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn adam_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
    let k = (wid.x + wid.y * nwg.x) * WG + lid;
    if (k >= p.len) {
        return;
    }
    let i = p.offset + k;
    let g = grad[i] + p.weight_decay * param[i];
    let m1 = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    let v1 = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = m1;
    v[i] = v1;
    let denom = sqrt(v1) / sqrt(p.bias_correction2) + p.eps;
    param[i] = param[i] - (p.lr / p.bias_correction1) * m1 / denom;
}
