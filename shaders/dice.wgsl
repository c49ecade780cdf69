// prelude: log_softmax (shaders/prelude/log_softmax.wgsl: logit_index, log_sum_exp)
// Soft Dice loss — or its Tversky generalisation — over the whole batch ("batch Dice", nnU-Net's
// batch_dice = True) from logits (N, C, H, W) and labels (N, H, W) as u32 class indices. With
// p = softmax over C per pixel and sums over every pixel i of the batch:
//     I_c = Σ_i p_ic·[y_i = c],   P_c = Σ_i p_ic,   G_c = Σ_i [y_i = c]
//     den_c = 2α·P_c + 2β·G_c + 2(1 − α − β)·I_c + ε
//     dice_c = (2·I_c + ε) / den_c                    (ε = p.eps, 1 pixel: see src/kernels/dice.rs)
//     loss = 1 − (1/K)·Σ_{c ∈ S} dice_c               (S = every class, or 1..C−1 without class 0; K = |S|)
// α = β = ½ (what training uses unless told) is the Dice, den_c = P_c + G_c + ε, computed in the
// same operations to the bit; otherwise it is the Tversky index (I + ε/2) / (I + α·FP + β·FN + ε/2)
// with FP = P − I and FN = G − I: α weighs false positives, β false negatives.
// A class absent from the batch (G_c = 0) scores ε / (2α·P_c + ε): 1 when nothing is predicted
// there, falling as probability mass is put on it. Backward (exact, through the softmax):
//     g_ic = dloss/dp_ic = −[c ∈ S]·(2·[y_i = c] − dice_c·(2α + 2(1 − α − β)·[y_i = c])) / (K·den_c)
//     dloss/dz_ik = p_ik·(g_ik − Σ_c p_ic·g_ic)
// A label ≥ C marks an ignored pixel (as in cross_entropy.wgsl): it adds nothing to any sum and its
// gradient is zero; the host API rejects such labels first.
//
// Three dispatches, no atomics, every sum in a fixed order (same inputs → bit-identical outputs):
// dice_partials (one workgroup per 256 pixels: its 3·C sums), dice_finish (one workgroup: the 3·C
// totals, each class's Dice and the loss), dice_backward (one invocation per pixel: writes
// weight·dloss/dz, or adds it to what dlogits holds — the cross-entropy gradient — when
// p.accumulate is set).

struct Params {
    n: u32,
    c: u32,
    plane: u32,           // H·W
    partials: u32,        // number of workgroups of dice_partials
    first_class: u32,     // 0 with background, 1 without: S = first_class..C−1
    accumulate: u32,      // dice_backward: 1 = dlogits += weight·grad, 0 = dlogits = weight·grad
    weight: f32,          // dice_backward: scale of the gradient (λ of cross_entropy + λ·dice)
    eps: f32,             // ε, the smoothing
    alpha: f32,           // α, the weight of false positives (½: the Dice)
    beta: f32,            // β, the weight of false negatives (½: the Dice)
    _pad0: u32,           // to a 16-byte multiple (uniform buffers)
    _pad1: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>; // 3·C per workgroup: I_c, P_c, G_c
// [loss, dice_0..dice_{C−1}, I_0.., P_0.., G_0..]: 1 + 4·C values.
@group(0) @binding(4) var<storage, read_write> value: array<f32>;
@group(0) @binding(5) var<storage, read_write> dlogits: array<f32>;

var<workgroup> tree_i: array<f32, 256>;
var<workgroup> tree_p: array<f32, 256>;
var<workgroup> tree_g: array<f32, 256>;


// den_c = 2α·P + 2β·G + 2(1 − α − β)·I + ε; with α = β = ½ every product is exact (1·P, 1·G,
// 0·I) and the sum is P + G + ε, the Dice's.
fn denominator(i: f32, pc: f32, g: f32) -> f32 {
    return 2.0 * p.alpha * pc + 2.0 * p.beta * g + 2.0 * (1.0 - p.alpha - p.beta) * i + p.eps;
}

fn prob(pixel: u32, c: u32, lse: vec2<f32>) -> f32 {
    return exp(logits[logit_index(pixel, c)] - lse.x - lse.y);
}

// Tree sum of the three workgroup arrays into element 0 (uniform control flow: every invocation
// runs every barrier).
fn reduce_three(lid: u32) {
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) {
            tree_i[lid] += tree_i[lid + stride];
            tree_p[lid] += tree_p[lid + stride];
            tree_g[lid] += tree_g[lid + stride];
        }
        workgroupBarrier();
    }
}

@compute @workgroup_size(256)
fn dice_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let pixel = g * WG + lid;
    // Pixels past the end and ignored pixels (label ≥ C) add zeros.
    var y = p.c;
    var lse = vec2<f32>(0.0, 0.0);
    if (pixel < p.n * p.plane) {
        y = labels[pixel];
        if (y < p.c) {
            lse = log_sum_exp(pixel);
        }
    }
    let live = y < p.c;
    for (var c = 0u; c < p.c; c++) {
        var pc = 0.0;
        if (live) {
            pc = prob(pixel, c, lse);
        }
        let hit = live && y == c;
        tree_i[lid] = select(0.0, pc, hit);
        tree_p[lid] = pc;
        tree_g[lid] = select(0.0, 1.0, hit);
        reduce_three(lid);
        if (lid == 0u && g < p.partials) {
            let base = 3u * p.c * g;
            partial[base + c] = tree_i[0];
            partial[base + p.c + c] = tree_p[0];
            partial[base + 2u * p.c + c] = tree_g[0];
        }
    }
}

@compute @workgroup_size(256)
fn dice_finish(@builtin(local_invocation_index) lid: u32) {
    let stride = 3u * p.c;
    for (var c = 0u; c < p.c; c++) {
        var si = 0.0;
        var sp = 0.0;
        var sg = 0.0;
        for (var i = lid; i < p.partials; i += WG) {
            si += partial[stride * i + c];
            sp += partial[stride * i + p.c + c];
            sg += partial[stride * i + 2u * p.c + c];
        }
        tree_i[lid] = si;
        tree_p[lid] = sp;
        tree_g[lid] = sg;
        reduce_three(lid);
        if (lid == 0u) {
            value[1u + p.c + c] = tree_i[0];
            value[1u + 2u * p.c + c] = tree_p[0];
            value[1u + 3u * p.c + c] = tree_g[0];
            value[1u + c] = (2.0 * tree_i[0] + p.eps) / denominator(tree_i[0], tree_p[0], tree_g[0]);
        }
    }
    if (lid == 0u) {
        var total = 0.0;
        for (var c = p.first_class; c < p.c; c++) {
            total += value[1u + c];
        }
        value[0] = 1.0 - total / f32(p.c - p.first_class);
    }
}

// dloss/dp_ic for a pixel labelled y (0 for classes outside S). With α = β = ½ the factor of
// dice_c is exactly 1 and the I term of the denominator exactly 0: the Dice's gradient to the bit.
fn grad_prob(c: u32, y: u32) -> f32 {
    if (c < p.first_class) {
        return 0.0;
    }
    let k = f32(p.c - p.first_class);
    let den = denominator(value[1u + p.c + c], value[1u + 2u * p.c + c], value[1u + 3u * p.c + c]);
    let hit = c == y;
    let dden = 2.0 * p.alpha + select(0.0, 2.0 * (1.0 - p.alpha - p.beta), hit);
    return -(select(0.0, 2.0, hit) - value[1u + c] * dden) / (k * den);
}

@compute @workgroup_size(256)
fn dice_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let pixel = (wid.x + wid.y * nwg.x) * WG + lid;
    if (pixel >= p.n * p.plane) {
        return;
    }
    let y = labels[pixel];
    if (y >= p.c) {
        // Ignored pixel: zero gradient (nothing to add when accumulating).
        if (p.accumulate == 0u) {
            for (var c = 0u; c < p.c; c++) {
                dlogits[logit_index(pixel, c)] = 0.0;
            }
        }
        return;
    }
    let lse = log_sum_exp(pixel);
    var s = 0.0;
    for (var c = 0u; c < p.c; c++) {
        s += prob(pixel, c, lse) * grad_prob(c, y);
    }
    for (var c = 0u; c < p.c; c++) {
        let i = logit_index(pixel, c);
        let d = p.weight * (prob(pixel, c, lse) * (grad_prob(c, y) - s));
        if (p.accumulate != 0u) {
            dlogits[i] = dlogits[i] + d;
        } else {
            dlogits[i] = d;
        }
    }
}
