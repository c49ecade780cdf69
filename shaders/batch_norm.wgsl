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
    let images = select(0u, p.n, in_range);
    // Loops over images, then over the plane: no division per element.
    var s = 0.0;
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * p.plane;
        for (var i = lid; i < p.plane; i += WG) {
            s += x[base + i];
        }
    }
    tree_a[lid] = s;
    tree_b[lid] = 0.0;
    reduce_pair(lid);
    let mu = tree_a[0] / f32(max(m, 1u));
    workgroupBarrier();
    var q = 0.0;
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * p.plane;
        for (var i = lid; i < p.plane; i += WG) {
            let d = x[base + i] - mu;
            q += d * d;
        }
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

// Element-wise passes: each workgroup covers EPT·WG consecutive elements of ONE (n, c) plane, so
// the channel is computed once per invocation rather than with a division per element (integer
// division is scalarised on CPU drivers). Returns (first element, channel, elements in the plane
// after the first).
const EPT: u32 = 8u;

struct Chunk {
    first: u32,
    c: u32,
    end: u32,
    in_range: bool,
}

fn chunk_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> Chunk {
    let g = wid.x + wid.y * nwg.x;
    let per_plane = (p.plane + WG * EPT - 1u) / (WG * EPT);
    let plane_index = g / per_plane;
    let start = (g % per_plane) * WG * EPT;
    var ch: Chunk;
    ch.in_range = plane_index < p.n * p.c;
    ch.c = plane_index % p.c;
    ch.first = plane_index * p.plane + start + lid;
    ch.end = plane_index * p.plane + min(start + WG * EPT, p.plane);
    return ch;
}

// y = gamma · (x − mean) · invstd + beta with the batch statistics from batch_norm_stats.
@compute @workgroup_size(256)
fn batch_norm_normalize(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid);
    if (!ch.in_range) {
        return;
    }
    let scale = gamma[ch.c] * invstd[ch.c];
    let shift = beta[ch.c] - mean[ch.c] * scale;
    for (var i = ch.first; i < ch.end; i += WG) {
        out[i] = x[i] * scale + shift;
    }
}

// Inference: y = gamma · (x − running_mean) / sqrt(running_var + eps) + beta.
@compute @workgroup_size(256)
fn batch_norm_infer(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid);
    if (!ch.in_range) {
        return;
    }
    let scale = gamma[ch.c] / sqrt(running_var[ch.c] + p.eps);
    let shift = beta[ch.c] - running_mean[ch.c] * scale;
    for (var i = ch.first; i < ch.end; i += WG) {
        out[i] = x[i] * scale + shift;
    }
}

// dbeta = Σ dy, dgamma = Σ dy · x̂ per channel (overwrites).
@compute @workgroup_size(256)
fn batch_norm_backward_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let images = select(0u, p.n, in_range);
    let cc = min(c, p.c - 1u);
    let mu = mean[cc];
    let is = invstd[cc];
    var sb = 0.0;
    var sg = 0.0;
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * p.plane;
        for (var i = lid; i < p.plane; i += WG) {
            let g = dy[base + i];
            sb += g;
            sg += g * (x[base + i] - mu) * is;
        }
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
    let ch = chunk_of(wid, nwg, lid);
    if (!ch.in_range) {
        return;
    }
    let c = ch.c;
    let m = f32(p.n * p.plane);
    let k = gamma[c] * invstd[c] / m;
    for (var i = ch.first; i < ch.end; i += WG) {
        let xhat = (x[i] - mean[c]) * invstd[c];
        out[i] = k * (m * dy[i] - dbeta[c] - xhat * dgamma[c]);
    }
}
