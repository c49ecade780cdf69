// prelude: tree_reduce (shaders/prelude/tree_reduce.wgsl: tree_a, tree_b, reduce_pair)
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
// workgroup-count ceiling), two passes (mean, then centred squares) for accuracy. Where the kernel
// family asks for more workgroups (a GPU), the M values of a channel are cut into `splits` chunks:
// `*_partial` writes one partial per (chunk, channel) and `*_merge` combines them in chunk order
// (statistics with Chan et al.'s pairwise mean / M2 update) — deterministic, no atomics.
// CPU layouts (H·W % 4 == 0) use `*_partial4_lanes`: workgroups of 8 invocations, each invocation
// one chunk, no barrier or workgroup memory (a barrier switches every invocation's coroutine on
// CPU drivers: the 256-invocation trees ran these passes at ~1–2 GB/s), merged as above.

struct Params {
    n: u32,
    c: u32,
    plane: u32,          // H·W
    update_running: u32, // batch_norm_stats: 1 = update running statistics
    eps: f32,
    momentum: f32,
    splits: u32,         // split reductions: chunks per channel
    chunk: u32,          // split reductions: values per chunk
    relu: u32,           // normalize / infer: 1 = apply ReLU as the value is stored (fused BN + ReLU)
                         // (the `batch_norm_relu_backward_reduce*` entry points are its backward)
    count: u32,          // backward_input: values per channel of the whole batch (0 = N·H·W of this
                         // binding; set when a batch past the binding limit is processed in chunks)
    frozen: u32,         // backward_input: 1 = the statistics were the running ones (fine-tuning),
                         // constants of the forward: dx = gamma · invstd · dy
    _pad2: u32,
}

// The fused ReLU epilogue of normalize / infer, with torch.relu's semantics (−0.0, NaN pass).
fn activate(v: f32) -> f32 {
    return select(v, select(v, 0.0, v < 0.0), p.relu == 1u);
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
// vec4 views of x, dy and out for the `*4` entry points, used when H·W is a multiple of 4 (every
// real layer): 4 values of one plane per access, so a CPU driver makes a quarter of the memory
// accesses. (WGSL lets two entry points bind different variables at one binding; none uses both.)
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> out4: array<vec4<f32>>;
// The fused BN + ReLU's backward (`batch_norm_relu_backward_reduce*`): dy, read and rewritten in
// place with the ReLU's backward applied, so that batch_norm_backward_input reads the masked
// gradient and no separate ReLU pass runs over the tensor. (Its own binding: a buffer cannot be
// bound read-only and writable in one dispatch, and the plain reductions may be given dy = x.)
@group(0) @binding(12) var<storage, read_write> dy_rw: array<f32>;
@group(0) @binding(12) var<storage, read_write> dy_rw4: array<vec4<f32>>;

// batch_norm_normalize's scale (gamma · invstd) and shift (beta − mean · scale) of channel c: the
// ReLU's backward recomputes the forward's pre-activation `x · scale + shift` from these — the
// very expression and operands of normalize, so the same value on the same device, and > 0
// exactly where the forward's output y is (torch.relu's gradient: dy where y > 0, else 0).
fn bn_scale_shift(c: u32) -> vec2<f32> {
    let scale = gamma[c] * invstd[c];
    return vec2<f32>(scale, beta[c] - mean[c] * scale);
}

fn relu_masked(g: f32, xv: f32, ss: vec2<f32>) -> f32 {
    return select(0.0, g, xv * ss.x + ss.y > 0.0);
}

fn relu_masked4(g: vec4<f32>, xv: vec4<f32>, ss: vec2<f32>) -> vec4<f32> {
    return select(vec4<f32>(0.0), g, xv * ss.x + ss.y > vec4<f32>(0.0));
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
        finish_stats(c, m, mu, tree_a[0]);
    }
}

// mean, invstd and the running statistics of channel c from its M values' mean and centred sum of
// squares m2.
fn finish_stats(c: u32, m: u32, mu: f32, m2: f32) {
    let var_biased = m2 / f32(max(m, 1u));
    mean[c] = mu;
    invstd[c] = 1.0 / sqrt(var_biased + p.eps);
    if (p.update_running == 1u) {
        let unbiased = select(var_biased, var_biased * f32(m) / f32(m - 1u), m > 1u);
        running_mean[c] = (1.0 - p.momentum) * running_mean[c] + p.momentum * mu;
        running_var[c] = (1.0 - p.momentum) * running_var[c] + p.momentum * unbiased;
    }
}

// Frozen statistics (fine-tuning with batch norm in inference behaviour): mean = running mean,
// invstd = 1 / sqrt(running variance + eps), for the normalise and backward passes.
@compute @workgroup_size(64)
fn batch_norm_frozen_stats(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) lid: u32) {
    let c = (wid.x + wid.y * nwg.x) * 64u + lid;
    if (c >= p.c) {
        return;
    }
    mean[c] = running_mean[c];
    invstd[c] = 1.0 / sqrt(running_var[c] + p.eps);
}

// Index of value i (0 ≤ i < N·H·W, image-major) of channel c.
fn element(c: u32, i: u32) -> u32 {
    let n = i / p.plane;
    return (n * p.c + c) * p.plane + (i - n * p.plane);
}

// Chunk `split` of channel c: values [first, last) (empty past the last chunk).
fn chunk_bounds(split: u32, in_range: bool) -> vec2<u32> {
    let first = split * p.chunk;
    return vec2<u32>(first, select(first, min(first + p.chunk, p.n * p.plane), in_range));
}

// Split statistics, pass 1: workgroup (channel c, chunk s) writes the chunk's mean and centred sum
// of squares (two passes over the chunk) to out[(s · C + c) · 2 + {0, 1}].
@compute @workgroup_size(256)
fn batch_norm_stats_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                            @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    let in_range = split < p.splits; // uniform per workgroup
    let b = chunk_bounds(split, in_range);
    var s = 0.0;
    for (var i = b.x + lid; i < b.y; i += WG) {
        s += x[element(c, i)];
    }
    tree_a[lid] = s;
    tree_b[lid] = 0.0;
    reduce_pair(lid);
    let mu = tree_a[0] / f32(max(b.y - b.x, 1u));
    workgroupBarrier();
    var q = 0.0;
    for (var i = b.x + lid; i < b.y; i += WG) {
        let d = x[element(c, i)] - mu;
        q += d * d;
    }
    tree_a[lid] = q;
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        out[(split * p.c + c) * 2u] = mu;
        out[(split * p.c + c) * 2u + 1u] = tree_a[0];
    }
}

// Split statistics, pass 2: one invocation per channel merges the chunks' (count, mean, M2) in
// chunk order — mean += δ·n_b/n, M2 += M2_b + δ²·n_a·n_b/n — and finishes as batch_norm_stats.
// Here `x` holds the partials of pass 1.
@compute @workgroup_size(64)
fn batch_norm_stats_merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    let c = (wid.x + wid.y * nwg.x) * 64u + lid;
    if (c >= p.c) {
        return;
    }
    var n_a = 0.0;
    var mu_a = 0.0;
    var m2_a = 0.0;
    for (var s = 0u; s < p.splits; s++) {
        let b = chunk_bounds(s, true);
        let n_b = f32(b.y - b.x);
        let n_ab = n_a + n_b;
        let delta = x[(s * p.c + c) * 2u] - mu_a;
        mu_a += delta * (n_b / n_ab);
        m2_a += x[(s * p.c + c) * 2u + 1u] + delta * delta * (n_a * n_b / n_ab);
        n_a = n_ab;
    }
    finish_stats(c, p.n * p.plane, mu_a, m2_a);
}

// Split backward reduction, pass 1: workgroup (channel c, chunk s) writes the chunk's Σ dy and
// Σ dy·x̂ to out[(s · C + c) · 2 + {0, 1}].
@compute @workgroup_size(256)
fn batch_norm_backward_reduce_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                      @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    let in_range = split < p.splits; // uniform per workgroup
    let b = chunk_bounds(split, in_range);
    let mu = mean[c];
    let is = invstd[c];
    var sb = 0.0;
    var sg = 0.0;
    for (var i = b.x + lid; i < b.y; i += WG) {
        let e = element(c, i);
        let d = dy[e];
        sb += d;
        sg += d * (x[e] - mu) * is;
    }
    tree_a[lid] = sb;
    tree_b[lid] = sg;
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        out[(split * p.c + c) * 2u] = tree_a[0];
        out[(split * p.c + c) * 2u + 1u] = tree_b[0];
    }
}

// batch_norm_backward_reduce_partial of the fused BN + ReLU: dy masked where the forward's output
// was 0, summed, and written back masked (binding 12).
@compute @workgroup_size(256)
fn batch_norm_relu_backward_reduce_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                           @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    let in_range = split < p.splits; // uniform per workgroup
    let b = chunk_bounds(split, in_range);
    let mu = mean[c];
    let is = invstd[c];
    let ss = bn_scale_shift(c);
    var sb = 0.0;
    var sg = 0.0;
    for (var i = b.x + lid; i < b.y; i += WG) {
        let e = element(c, i);
        let xv = x[e];
        let d = relu_masked(dy_rw[e], xv, ss);
        dy_rw[e] = d;
        sb += d;
        sg += d * (xv - mu) * is;
    }
    tree_a[lid] = sb;
    tree_b[lid] = sg;
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        out[(split * p.c + c) * 2u] = tree_a[0];
        out[(split * p.c + c) * 2u + 1u] = tree_b[0];
    }
}

// Split backward reduction, pass 2: dbeta, dgamma = the chunks' sums added in chunk order. Here
// `x` holds the partials of pass 1.
@compute @workgroup_size(64)
fn batch_norm_backward_reduce_merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                    @builtin(local_invocation_index) lid: u32) {
    let c = (wid.x + wid.y * nwg.x) * 64u + lid;
    if (c >= p.c) {
        return;
    }
    var sb = 0.0;
    var sg = 0.0;
    for (var s = 0u; s < p.splits; s++) {
        sb += x[(s * p.c + c) * 2u];
        sg += x[(s * p.c + c) * 2u + 1u];
    }
    dbeta[c] = sb;
    dgamma[c] = sg;
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

// `len` is the plane's length in the units the entry point indexes: values (H·W), or vectors of 4
// for the `*4` entry points (H·W / 4).
fn chunk_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, len: u32) -> Chunk {
    let g = wid.x + wid.y * nwg.x;
    let per_plane = (len + WG * EPT - 1u) / (WG * EPT);
    let plane_index = g / per_plane;
    let start = (g % per_plane) * WG * EPT;
    var ch: Chunk;
    ch.in_range = plane_index < p.n * p.c;
    ch.c = plane_index % p.c;
    ch.first = plane_index * len + start + lid;
    ch.end = plane_index * len + min(start + WG * EPT, len);
    return ch;
}

// y = gamma · (x − mean) · invstd + beta with the batch statistics from batch_norm_stats.
@compute @workgroup_size(256)
fn batch_norm_normalize(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid, p.plane);
    if (!ch.in_range) {
        return;
    }
    let ss = bn_scale_shift(ch.c);
    for (var i = ch.first; i < ch.end; i += WG) {
        out[i] = activate(x[i] * ss.x + ss.y);
    }
}

// Inference: y = gamma · (x − running_mean) / sqrt(running_var + eps) + beta.
@compute @workgroup_size(256)
fn batch_norm_infer(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid, p.plane);
    if (!ch.in_range) {
        return;
    }
    let scale = gamma[ch.c] / sqrt(running_var[ch.c] + p.eps);
    let shift = beta[ch.c] - running_mean[ch.c] * scale;
    for (var i = ch.first; i < ch.end; i += WG) {
        out[i] = activate(x[i] * scale + shift);
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

// batch_norm_backward_reduce of the fused BN + ReLU (dy masked and written back, as
// batch_norm_relu_backward_reduce_partial).
@compute @workgroup_size(256)
fn batch_norm_relu_backward_reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let images = select(0u, p.n, in_range);
    let cc = min(c, p.c - 1u);
    let mu = mean[cc];
    let is = invstd[cc];
    let ss = bn_scale_shift(cc);
    var sb = 0.0;
    var sg = 0.0;
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * p.plane;
        for (var i = lid; i < p.plane; i += WG) {
            let xv = x[base + i];
            let g = relu_masked(dy_rw[base + i], xv, ss);
            dy_rw[base + i] = g;
            sb += g;
            sg += g * (xv - mu) * is;
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
    let ch = chunk_of(wid, nwg, lid, p.plane);
    if (!ch.in_range) {
        return;
    }
    let c = ch.c;
    if (p.frozen == 1u) {
        let g = gamma[c] * invstd[c];
        for (var i = ch.first; i < ch.end; i += WG) {
            out[i] = g * dy[i];
        }
        return;
    }
    let m = f32(select(p.n * p.plane, p.count, p.count > 0u));
    let k = gamma[c] * invstd[c] / m;
    for (var i = ch.first; i < ch.end; i += WG) {
        let xhat = (x[i] - mean[c]) * invstd[c];
        out[i] = k * (m * dy[i] - dbeta[c] - xhat * dgamma[c]);
    }
}

// ---- vec4 entry points (H·W % 4 == 0): the same math over vectors of 4 values of one plane. ----

fn sum4(v: vec4<f32>) -> f32 {
    return (v.x + v.y) + (v.z + v.w);
}

@compute @workgroup_size(256)
fn batch_norm_stats4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let m = select(0u, p.n * p.plane, in_range);
    let images = select(0u, p.n, in_range);
    let plane4 = p.plane / 4u;
    var s = vec4<f32>(0.0);
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * plane4;
        for (var i = lid; i < plane4; i += WG) {
            s += x4[base + i];
        }
    }
    tree_a[lid] = sum4(s);
    tree_b[lid] = 0.0;
    reduce_pair(lid);
    let mu = tree_a[0] / f32(max(m, 1u));
    workgroupBarrier();
    var q = vec4<f32>(0.0);
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * plane4;
        for (var i = lid; i < plane4; i += WG) {
            let d = x4[base + i] - mu;
            q += d * d;
        }
    }
    tree_a[lid] = sum4(q);
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        finish_stats(c, m, mu, tree_a[0]);
    }
}

@compute @workgroup_size(256)
fn batch_norm_backward_reduce4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                               @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let images = select(0u, p.n, in_range);
    let cc = min(c, p.c - 1u);
    let mu = mean[cc];
    let is = invstd[cc];
    let plane4 = p.plane / 4u;
    var sb = vec4<f32>(0.0);
    var sg = vec4<f32>(0.0);
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * plane4;
        for (var i = lid; i < plane4; i += WG) {
            let g = dy4[base + i];
            sb += g;
            sg += g * (x4[base + i] - mu) * is;
        }
    }
    tree_a[lid] = sum4(sb);
    tree_b[lid] = sum4(sg);
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        dbeta[c] = tree_a[0];
        dgamma[c] = tree_b[0];
    }
}

@compute @workgroup_size(256)
fn batch_norm_relu_backward_reduce4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                    @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let images = select(0u, p.n, in_range);
    let cc = min(c, p.c - 1u);
    let mu = mean[cc];
    let is = invstd[cc];
    let ss = bn_scale_shift(cc);
    let plane4 = p.plane / 4u;
    var sb = vec4<f32>(0.0);
    var sg = vec4<f32>(0.0);
    for (var n = 0u; n < images; n++) {
        let base = (n * p.c + c) * plane4;
        for (var i = lid; i < plane4; i += WG) {
            let xv = x4[base + i];
            let g = relu_masked4(dy_rw4[base + i], xv, ss);
            dy_rw4[base + i] = g;
            sb += g;
            sg += g * (xv - mu) * is;
        }
    }
    tree_a[lid] = sum4(sb);
    tree_b[lid] = sum4(sg);
    reduce_pair(lid);
    if (in_range && lid == 0u) {
        dbeta[c] = tree_a[0];
        dgamma[c] = tree_b[0];
    }
}

fn activate4(v: vec4<f32>) -> vec4<f32> {
    return select(v, select(v, vec4<f32>(0.0), v < vec4<f32>(0.0)), p.relu == 1u);
}

@compute @workgroup_size(256)
fn batch_norm_normalize4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid, p.plane / 4u);
    if (!ch.in_range) {
        return;
    }
    let ss = bn_scale_shift(ch.c);
    for (var i = ch.first; i < ch.end; i += WG) {
        out4[i] = activate4(x4[i] * ss.x + ss.y);
    }
}

@compute @workgroup_size(256)
fn batch_norm_infer4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid, p.plane / 4u);
    if (!ch.in_range) {
        return;
    }
    let scale = gamma[ch.c] / sqrt(running_var[ch.c] + p.eps);
    let shift = beta[ch.c] - running_mean[ch.c] * scale;
    for (var i = ch.first; i < ch.end; i += WG) {
        out4[i] = activate4(x4[i] * scale + shift);
    }
}

@compute @workgroup_size(256)
fn batch_norm_backward_input4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
    let ch = chunk_of(wid, nwg, lid, p.plane / 4u);
    if (!ch.in_range) {
        return;
    }
    let c = ch.c;
    if (p.frozen == 1u) {
        let g = gamma[c] * invstd[c];
        for (var i = ch.first; i < ch.end; i += WG) {
            out4[i] = g * dy4[i];
        }
        return;
    }
    let m = f32(select(p.n * p.plane, p.count, p.count > 0u));
    let k = gamma[c] * invstd[c] / m;
    let mu = mean[c];
    let is = invstd[c];
    let db = dbeta[c];
    let dg = dgamma[c];
    for (var i = ch.first; i < ch.end; i += WG) {
        let xhat = (x4[i] - mu) * is;
        out4[i] = k * (m * dy4[i] - db - xhat * dg);
    }
}

// Chunks of the lanes kernels: workgroup (channel c, group s) runs chunks 8s .. 8s + 7, one per
// invocation; `p.chunk` is a multiple of 4, so a chunk is whole vectors of one channel's planes.
const LANES: u32 = 8u;

// Vector j (0 ≤ j < N·H·W / 4, image-major) of channel c.
fn element4(c: u32, j: u32) -> u32 {
    let plane4 = p.plane / 4u;
    let n = j / plane4;
    return (n * p.c + c) * plane4 + (j - n * plane4);
}

// batch_norm_stats_partial, one chunk per invocation (see LANES).
@compute @workgroup_size(8)
fn batch_norm_stats_partial4_lanes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = (g / p.c) * LANES + lid;
    if (split >= p.splits) {
        return;
    }
    let b = chunk_bounds(split, true) / 4u;
    var s = vec4<f32>(0.0);
    for (var j = b.x; j < b.y; j++) {
        s += x4[element4(c, j)];
    }
    let mu = sum4(s) / f32(max(4u * (b.y - b.x), 1u));
    var q = vec4<f32>(0.0);
    for (var j = b.x; j < b.y; j++) {
        let d = x4[element4(c, j)] - mu;
        q += d * d;
    }
    out[(split * p.c + c) * 2u] = mu;
    out[(split * p.c + c) * 2u + 1u] = sum4(q);
}

// batch_norm_backward_reduce_partial, one chunk per invocation (see LANES).
@compute @workgroup_size(8)
fn batch_norm_backward_reduce_partial4_lanes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                             @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = (g / p.c) * LANES + lid;
    if (split >= p.splits) {
        return;
    }
    let b = chunk_bounds(split, true) / 4u;
    let mu = mean[c];
    let is = invstd[c];
    var sb = vec4<f32>(0.0);
    var sg = vec4<f32>(0.0);
    for (var j = b.x; j < b.y; j++) {
        let e = element4(c, j);
        let d = dy4[e];
        sb += d;
        sg += d * (x4[e] - mu) * is;
    }
    out[(split * p.c + c) * 2u] = sum4(sb);
    out[(split * p.c + c) * 2u + 1u] = sum4(sg);
}

// batch_norm_backward_reduce_partial4_lanes of the fused BN + ReLU (dy masked and written back, as
// batch_norm_relu_backward_reduce_partial).
@compute @workgroup_size(8)
fn batch_norm_relu_backward_reduce_partial4_lanes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                                  @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = (g / p.c) * LANES + lid;
    if (split >= p.splits) {
        return;
    }
    let b = chunk_bounds(split, true) / 4u;
    let mu = mean[c];
    let is = invstd[c];
    let ss = bn_scale_shift(c);
    var sb = vec4<f32>(0.0);
    var sg = vec4<f32>(0.0);
    for (var j = b.x; j < b.y; j++) {
        let e = element4(c, j);
        let xv = x4[e];
        let d = relu_masked4(dy_rw4[e], xv, ss);
        dy_rw4[e] = d;
        sb += d;
        sg += d * (xv - mu) * is;
    }
    out[(split * p.c + c) * 2u] = sum4(sb);
    out[(split * p.c + c) * 2u + 1u] = sum4(sg);
}
