// Evaluation: per-pixel argmax over classes, per-pixel softmax over classes (probabilities), and accumulation of the pixel confusion matrix
// counts[truth · C + predicted] (u32 atomics: integer counts, so order does not matter). Labels
// ≥ C are not counted. Each workgroup first counts into workgroup memory, then adds its C² totals
// to the global matrix, so contention stays low. C ≤ 16.

struct Params {
    n: u32,
    c: u32,
    plane: u32,
    _pad: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> predicted: array<u32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> probabilities: array<f32>;

var<workgroup> local_counts: array<atomic<u32>, 256>;

// predicted[n, h, w] = argmax_c logits[n, c, h, w]; the first maximum wins on ties.
@compute @workgroup_size(256)
fn argmax_channels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let pixel = (wid.x + wid.y * nwg.x) * WG + lid;
    if (pixel >= p.n * p.plane) {
        return;
    }
    let base = (pixel / p.plane) * p.c * p.plane + pixel % p.plane;
    var best = logits[base];
    var best_c = 0u;
    for (var c = 1u; c < p.c; c++) {
        let v = logits[base + c * p.plane];
        if (v > best) {
            best = v;
            best_c = c;
        }
    }
    predicted[pixel] = best_c;
}

// counts[labels[i] · C + predicted[i]] += 1 for every pixel i (counts are added to, not reset).
@compute @workgroup_size(256)
fn confusion_accumulate(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let cc = p.c * p.c;
    if (lid < cc) {
        atomicStore(&local_counts[lid], 0u);
    }
    workgroupBarrier();
    let pixel = (wid.x + wid.y * nwg.x) * WG + lid;
    if (pixel < p.n * p.plane) {
        let y = labels[pixel];
        let q = predicted[pixel];
        if (y < p.c && q < p.c) {
            atomicAdd(&local_counts[y * p.c + q], 1u);
        }
    }
    workgroupBarrier();
    if (lid < cc) {
        let k = atomicLoad(&local_counts[lid]);
        if (k > 0u) {
            atomicAdd(&counts[lid], k);
        }
    }
}

// probabilities[n, c, h, w] = exp(logits[n, c, h, w] − m) / Σ_k exp(logits[n, k, h, w] − m), with m
// the pixel's largest logit (so no exp overflows and the largest term is exactly 1).
@compute @workgroup_size(256)
fn softmax_channels(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let pixel = (wid.x + wid.y * nwg.x) * WG + lid;
    if (pixel >= p.n * p.plane) {
        return;
    }
    let base = (pixel / p.plane) * p.c * p.plane + pixel % p.plane;
    var m = logits[base];
    for (var c = 1u; c < p.c; c++) {
        m = max(m, logits[base + c * p.plane]);
    }
    var z = 0.0;
    for (var c = 0u; c < p.c; c++) {
        z += exp(logits[base + c * p.plane] - m);
    }
    for (var c = 0u; c < p.c; c++) {
        probabilities[base + c * p.plane] = exp(logits[base + c * p.plane] - m) / z;
    }
}
