// Batch normalisation over (N, H, W) per channel of an NCHW tensor, as PyTorch's BatchNorm2d.
//
//   training:  mean_c, var_c = batch statistics (biased variance), invstd_c = 1/sqrt(var_c + eps)
//              y = gamma_c · (x − mean_c) · invstd_c + beta_c
//              running_mean ← (1 − momentum)·running_mean + momentum·mean_c
//              running_var  ← (1 − momentum)·running_var  + momentum·var_c·M/(M − 1)   (unbiased)
//   inference: y = gamma_c · (x − running_mean_c) / sqrt(running_var_c + eps) + beta_c
//   backward:  dbeta_c = Σ dy,  dgamma_c = Σ dy·x̂,  x̂ = (x − mean_c)·invstd_c
//              dx = gamma_c·invstd_c/M · (M·dy − dbeta_c − x̂·dgamma_c),   M = N·H·W
//
// Statistics: one workgroup per channel strides over all M values (any M: there is no 65,536 or
// workgroup-count ceiling), two passes (mean, then centred squares) for accuracy.

struct Params {
    n: u32,
    c: u32,
    plane: u32,          // H·W
    update_running: u32, // batch_norm_stats: 1 = update running statistics
    eps: f32,
    momentum: f32,
    _pad0: u32,
    _pad1: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> invstd: array<f32>;
@group(0) @binding(7) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(8) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(9) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(10) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(11) var<storage, read_write> out: array<f32>;

var<workgroup> tree_a: array<f32, 256>;
var<workgroup> tree_b: array<f32, 256>;

fn at(i: u32, c: u32) -> u32 {
    // i-th of the M values of channel c.
    return ((i / p.plane) * p.c + c) * p.plane + i % p.plane;
}

// Sums tree_a and tree_b over the workgroup; the totals end in element 0 (all invocations call it).
fn reduce_pair(lid: u32) {
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) {
            tree_a[lid] += tree_a[lid + stride];
            tree_b[lid] += tree_b[lid + stride];
        }
        workgroupBarrier();
    }
}

@compute @workgroup_size(256)
fn batch_norm_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let m = select(0u, p.n * p.plane, in_range);
    var s = 0.0;
    for (var i = lid; i < m; i += WG) {
        s += x[at(i, c)];
    }
    tree_a[lid] = s;
    tree_b[lid] = 0.0;
    reduce_pair(lid);
    let mu = tree_a[0] / f32(max(m, 1u));
    workgroupBarrier();
    var q = 0.0;
    for (var i = lid; i < m; i += WG) {
        let d = x[at(i, c)] - mu;
        q += d * d;
    }
    tree_a[lid] = q;
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        let var_biased = tree_a[0] / f32(max(m, 1u));
        mean[c] = mu;
        invstd[c] = 1.0 / sqrt(var_biased + p.eps);
        if (p.update_running == 1u) {
            let unbiased = select(var_biased, var_biased * f32(m) / f32(m - 1u), m > 1u);
            running_mean[c] = (1.0 - p.momentum) * running_mean[c] + p.momentum * mu;
            running_var[c] = (1.0 - p.momentum) * running_var[c] + p.momentum * unbiased;
        }
    }
}

fn flat(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.x + wid.y * nwg.x) * WG + lid;
}

// y = gamma · (x − mean) · invstd + beta with the batch statistics from batch_norm_stats.
@compute @workgroup_size(256)
fn batch_norm_normalize(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let i = flat(wid, nwg, lid);
    if (i >= p.n * p.c * p.plane) {
        return;
    }
    let c = (i / p.plane) % p.c;
    out[i] = gamma[c] * (x[i] - mean[c]) * invstd[c] + beta[c];
}

// Inference: y = gamma · (x − running_mean) / sqrt(running_var + eps) + beta.
@compute @workgroup_size(256)
fn batch_norm_infer(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let i = flat(wid, nwg, lid);
    if (i >= p.n * p.c * p.plane) {
        return;
    }
    let c = (i / p.plane) % p.c;
    out[i] = gamma[c] * (x[i] - running_mean[c]) / sqrt(running_var[c] + p.eps) + beta[c];
}

// dbeta = Σ dy, dgamma = Σ dy · x̂ per channel (overwrites).
@compute @workgroup_size(256)
fn batch_norm_backward_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let m = select(0u, p.n * p.plane, in_range);
    let cc = min(c, p.c - 1u);
    let mu = mean[cc];
    let is = invstd[cc];
    var sb = 0.0;
    var sg = 0.0;
    for (var i = lid; i < m; i += WG) {
        let j = at(i, c);
        let g = dy[j];
        sb += g;
        sg += g * (x[j] - mu) * is;
    }
    tree_a[lid] = sb;
    tree_b[lid] = sg;
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        dbeta[c] = tree_a[0];
        dgamma[c] = tree_b[0];
    }
}

// dx = gamma · invstd / M · (M · dy − dbeta − x̂ · dgamma), after batch_norm_backward_reduce.
@compute @workgroup_size(256)
fn batch_norm_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_index) lid: u32) {
    let i = flat(wid, nwg, lid);
    if (i >= p.n * p.c * p.plane) {
        return;
    }
    let c = (i / p.plane) % p.c;
    let m = f32(p.n * p.plane);
    let xhat = (x[i] - mean[c]) * invstd[c];
    out[i] = gamma[c] * invstd[c] / m * (m * dy[i] - dbeta[c] - xhat * dgamma[c]);
}
