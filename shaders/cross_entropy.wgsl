// prelude: tree_reduce log_softmax (shaders/prelude/: tree_a, tree_b, reduce_pair; logit_index, log_sum_exp)
// Softmax + class-weighted cross-entropy over every pixel, from logits (N, C, H, W), labels
// (N, H, W) as u32 class indices, and class weights (C). Normalised as PyTorch's
// CrossEntropyLoss(weight=w, reduction='mean'):
//     loss = Σ_i w[y_i] · (−log softmax(z_i)[y_i]) / Σ_i w[y_i]
//     dloss/dz_i,c = w[y_i] · (softmax(z_i)_c − [c = y_i]) / Σ_j w[y_j]
// A label ≥ C is ignored (weight 0, zero gradient); the data loaders reject such labels first.
//
// Three dispatches: cross_entropy_partials (per-workgroup sums), cross_entropy_finish (one
// workgroup: loss = [Σ w·nll / Σ w, Σ w]), cross_entropy_backward (element-wise, reads Σ w).
// The loss never has to come back to the CPU unless asked for.

struct Params {
    n: u32,
    c: u32,
    plane: u32,    // H·W
    partials: u32, // number of workgroups of cross_entropy_partials
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> class_weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>; // 2 per workgroup
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;    // [loss, Σ w]
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;



@compute @workgroup_size(256)
fn cross_entropy_partials(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let pixel = g * WG + lid;
    var wnll = 0.0;
    var wsum = 0.0;
    if (pixel < p.n * p.plane) {
        let y = labels[pixel];
        if (y < p.c) {
            let lse = log_sum_exp(pixel);
            let w = class_weights[y];
            wnll = w * (lse.x + lse.y - logits[logit_index(pixel, y)]);
            wsum = w;
        }
    }
    tree_a[lid] = wnll;
    tree_b[lid] = wsum;
    reduce_pair(lid);
    if (lid == 0u && g < p.partials) {
        partial[2u * g] = tree_a[0];
        partial[2u * g + 1u] = tree_b[0];
    }
}

@compute @workgroup_size(256)
fn cross_entropy_finish(@builtin(local_invocation_index) lid: u32) {
    var a = 0.0;
    var b = 0.0;
    for (var i = lid; i < p.partials; i += WG) {
        a += partial[2u * i];
        b += partial[2u * i + 1u];
    }
    tree_a[lid] = a;
    tree_b[lid] = b;
    reduce_pair(lid);
    if (lid == 0u) {
        // No weighted pixel at all (every label ignored): loss 0, and the backward pass writes 0.
        loss[0] = select(0.0, tree_a[0] / tree_b[0], tree_b[0] > 0.0);
        loss[1] = tree_b[0];
    }
}

@compute @workgroup_size(256)
fn cross_entropy_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    let pixel = (wid.x + wid.y * nwg.x) * WG + lid;
    if (pixel >= p.n * p.plane) {
        return;
    }
    let y = labels[pixel];
    let wsum = loss[1];
    if (y >= p.c || wsum <= 0.0) {
        for (var c = 0u; c < p.c; c++) {
            dlogits[logit_index(pixel, c)] = 0.0;
        }
        return;
    }
    let lse = log_sum_exp(pixel);
    let scale = class_weights[y] / wsum;
    for (var c = 0u; c < p.c; c++) {
        let i = logit_index(pixel, c);
        let prob = exp(logits[i] - lse.x - lse.y);
        dlogits[i] = scale * (prob - select(0.0, 1.0, c == y));
    }
}
