// Prelude `log_softmax`, for the shaders that take softmaxes of logits (N, C, H, W): cross-entropy
// and soft Dice. The including shader declares `p` (a Params with `c` and `plane`) and the storage
// array `logits`; WGSL resolves module-scope names in any order.

// Index of class c of pixel `pixel` (0 ≤ pixel < N·H·W, image-major).
fn logit_index(pixel: u32, c: u32) -> u32 {
    let n = pixel / p.plane;
    return (n * p.c + c) * p.plane + pixel % p.plane;
}

// max_c z and log Σ_c exp(z_c − max): a numerically safe log-sum-exp.
fn log_sum_exp(pixel: u32) -> vec2<f32> {
    var m = logits[logit_index(pixel, 0u)];
    for (var c = 1u; c < p.c; c++) {
        m = max(m, logits[logit_index(pixel, c)]);
    }
    var s = 0.0;
    for (var c = 0u; c < p.c; c++) {
        s += exp(logits[logit_index(pixel, c)] - m);
    }
    return vec2<f32>(m, log(s));
}

