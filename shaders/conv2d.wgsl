// 2-D convolution, stride 1, 'same' zero padding, kernel 3×3 or 1×1, NCHW activations and
// OIHW weights (PyTorch layout).
//
// Register blocking: each invocation computes OB = 8 output channels × PX = 4 adjacent pixels of
// one row, so every input value it loads feeds up to 8 × 3 FMAs and every weight feeds 4. The
// output-channel block comes from the workgroup id, so weight addresses are the same for every
// invocation of a workgroup (uniform): drivers turn those into scalar loads + broadcasts, which is
// what makes this fast on CPU drivers such as lavapipe as well as on real GPUs.
//
// conv2d_backward_input is the same computation with the kernel flipped and the roles of input
// and output channels swapped, expressed through the weight strides in Params.

struct Params {
    n: u32,
    c_in: u32,        // channels read (forward: C_in; backward-input: C_out of the layer)
    c_out: u32,       // channels written
    h: u32,
    w: u32,
    k: u32,           // 3 or 1
    w_blocks: u32,    // ceil(w / PX)
    o_blocks: u32,    // ceil(c_out / OB)
    tiles: u32,       // ceil(h * w_blocks / WG) workgroups per (n, o-block)
    w_stride_out: u32, // weight index stride per written channel
    w_stride_in: u32,  // weight index stride per read channel
    flip: u32,         // 1: tap t reads weight tap k*k-1-t (backward-input)
    has_bias: u32,
    splits: u32,      // weight gradient: chunks of the N·H·W reduction; forward / backward-input:
                      // chunks of the read channels (split-K, `gpu` family on small planes);
                      // one partial sum each, added by reduce.wgsl's sum_splits
    chunk: u32,       // reduction items (weight gradient) or read channels per chunk
    relu: u32,        // forward: 1 = apply ReLU in the store (the fused conv + ReLU epilogue);
                      // backward-input: 2 = the backward of the ReLU that produced x, in the store:
                      // dx kept where `mask` (x itself, that ReLU's output) is > 0, else 0
}

const WG: u32 = 64u;
const OB: u32 = 8u;
const PX: u32 = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
// The weight gradients' x and dy (the buffers at `src` and `weight`) read 4 floats at a time: the
// 1×1 one where H·W % 4 == 0 (`conv2d_backward_weight_1x1_aligned`), the 3×3 one where W % 4 == 0
// (`conv2d_backward_weight_aligned`). The launcher binds both for every portable weight-gradient
// entry, since the aligned and unaligned forms share one body.
@group(0) @binding(5) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> dy4: array<vec4<f32>>;
// Backward-input with `relu` = 2: the layer's input x, a ReLU's output, whose > 0 entries keep dx
// (torch.relu's gradient, applied where dx is stored instead of in a pass of its own).
@group(0) @binding(9) var<storage, read> mask: array<f32>;

fn linear_workgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}

// One input row segment x[row, c0 .. c0+5] with zero padding outside the plane.
fn load_row(base: u32, row: i32, c0: i32, row_ok: bool) -> array<f32, 6> {
    var v: array<f32, 6>;
    let wi = i32(p.w);
    for (var j = 0; j < 6; j++) {
        let c = c0 + j;
        if (row_ok && c >= 0 && c < wi) {
            v[j] = src[base + u32(row) * p.w + u32(c)];
        } else {
            v[j] = 0.0;
        }
    }
    return v;
}

fn weight_at(o: u32, i: u32, tap: u32) -> f32 {
    let kk = p.k * p.k;
    var t = tap;
    if (p.flip == 1u) {
        t = kk - 1u - tap;
    }
    return weight[o * p.w_stride_out + i * p.w_stride_in + t];
}

// Shared body of the forward and backward-input passes.
fn conv_block(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) {
    let g = linear_workgroup(wid, nwg);
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    let ob = rest % p.o_blocks;
    let n = (rest / p.o_blocks) % p.n;
    let split = rest / p.o_blocks / p.n;
    if (split >= p.splits) {
        return;
    }
    // Split-K: this workgroup adds read channels [split·chunk, ci_end) into partial `split`.
    let ci_end = min((split + 1u) * p.chunk, p.c_in);
    let n_out = split * p.n + n;
    let item = tile * WG + lid;
    let h = item / p.w_blocks;
    let w0 = (item % p.w_blocks) * PX;
    let valid = h < p.h;
    let plane = p.h * p.w;

    // Output channels of this block (clamped: channels past c_out compute garbage, never stored).
    let last = p.c_out - 1u;
    let c0 = min(ob * OB, last);
    let c1 = min(ob * OB + 1u, last);
    let c2 = min(ob * OB + 2u, last);
    let c3 = min(ob * OB + 3u, last);
    let c4 = min(ob * OB + 4u, last);
    let c5 = min(ob * OB + 5u, last);
    let c6 = min(ob * OB + 6u, last);
    let c7 = min(ob * OB + 7u, last);
    var a0 = vec4<f32>(bias_of(split, c0));
    var a1 = vec4<f32>(bias_of(split, c1));
    var a2 = vec4<f32>(bias_of(split, c2));
    var a3 = vec4<f32>(bias_of(split, c3));
    var a4 = vec4<f32>(bias_of(split, c4));
    var a5 = vec4<f32>(bias_of(split, c5));
    var a6 = vec4<f32>(bias_of(split, c6));
    var a7 = vec4<f32>(bias_of(split, c7));

    let pad = i32(p.k / 2u);
    let kk = p.k * p.k;
    for (var ci = split * p.chunk; ci < ci_end; ci++) {
        let base = (n * p.c_in + ci) * plane;
        for (var ky = 0u; ky < p.k; ky++) {
            let row = i32(h) + i32(ky) - pad;
            let row_ok = valid && row >= 0 && row < i32(p.h);
            let x = load_row(base, row, i32(w0) - 1, row_ok);
            // Inputs under taps kx = 0, 1, 2 for the 4 output pixels; 1×1 kernels use the centre only.
            var l = vec4<f32>(x[0], x[1], x[2], x[3]);
            let m = vec4<f32>(x[1], x[2], x[3], x[4]);
            var r = vec4<f32>(x[2], x[3], x[4], x[5]);
            var t = ky * 3u;
            if (p.k == 1u) {
                l = vec4<f32>(0.0);
                r = vec4<f32>(0.0);
                t = 0u;
            }
            a0 += taps(c0, ci, t, l, m, r);
            a1 += taps(c1, ci, t, l, m, r);
            a2 += taps(c2, ci, t, l, m, r);
            a3 += taps(c3, ci, t, l, m, r);
            a4 += taps(c4, ci, t, l, m, r);
            a5 += taps(c5, ci, t, l, m, r);
            a6 += taps(c6, ci, t, l, m, r);
            a7 += taps(c7, ci, t, l, m, r);
        }
    }

    if (!valid) {
        return;
    }
    store(n_out, ob * OB, h, w0, a0);
    store(n_out, ob * OB + 1u, h, w0, a1);
    store(n_out, ob * OB + 2u, h, w0, a2);
    store(n_out, ob * OB + 3u, h, w0, a3);
    store(n_out, ob * OB + 4u, h, w0, a4);
    store(n_out, ob * OB + 5u, h, w0, a5);
    store(n_out, ob * OB + 6u, h, w0, a6);
    store(n_out, ob * OB + 7u, h, w0, a7);
}

fn bias_of(split: u32, co: u32) -> f32 {
    // Only the first split adds the bias (the others are partial sums).
    if (p.has_bias == 1u && split == 0u) {
        return bias[co];
    }
    return 0.0;
}

// One kernel row (taps t, t+1, t+2) of output channel o against the 4-pixel input vectors.
// For 1×1 kernels l and r are zero, so the extra taps contribute nothing (and only tap 0 exists:
// indices t+1, t+2 are clamped into the weight row to stay in bounds).
fn taps(o: u32, i: u32, t: u32, l: vec4<f32>, m: vec4<f32>, r: vec4<f32>) -> vec4<f32> {
    if (p.k == 1u) {
        return weight_at(o, i, 0u) * m;
    }
    return weight_at(o, i, t) * l + weight_at(o, i, t + 1u) * m + weight_at(o, i, t + 2u) * r;
}

// dx at element i with the backward of the ReLU that produced x when `relu` = 2 (else v): v where
// mask[i] > 0, else 0 — as relu_backward computes it.
fn masked(v: f32, i: u32) -> f32 {
    if (p.relu == 2u) {
        return select(0.0, v, mask[i] > 0.0);
    }
    return v;
}

fn store(n: u32, co: u32, h: u32, w0: u32, v: vec4<f32>) {
    if (co >= p.c_out) {
        return;
    }
    let out = ((n * p.c_out + co) * p.h + h) * p.w;
    // The fused ReLU epilogue, with torch.relu's semantics (−0.0 and NaN pass through).
    let y = select(v, select(v, vec4<f32>(0.0), v < vec4<f32>(0.0)), p.relu == 1u);
    for (var j = 0u; j < PX; j++) {
        if (w0 + j < p.w) {
            dst[out + w0 + j] = masked(y[j], out + w0 + j);
        }
    }
}

// y[n, co, h, w] = bias[co] + Σ_ci Σ_ky Σ_kx weight[co, ci, ky, kx] · x[n, ci, h+ky-pad, w+kx-pad]
@compute @workgroup_size(64)
fn conv2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
    conv_block(wid, nwg, lid);
}

// dx[n, ci, h, w] = Σ_co Σ_ky Σ_kx weight[co, ci, ky, kx] · dy[n, co, h-ky+pad, w-kx+pad]
//                 = a convolution of dy with the flipped, channel-transposed kernel.
@compute @workgroup_size(64)
fn conv2d_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
    conv_block(wid, nwg, lid);
}

// Weight gradient of the 3×3 kernel, dw[co, ci, ky, kx] = Σ_n Σ_h Σ_w dy[n, co, h, w] ·
// x[n, ci, h+ky-1, w+kx-1] (1×1 layers have their own kernels below). Bindings reuse the forward
// names: src = x, weight = dy, dst = dw (bias is unused).
// One workgroup per (8 output channels, 1 input channel, split); its 64 invocations stride over
// the split's (n, row, 4-pixel block) items, each keeping 8 × 9 partial sums; the workgroup then
// adds them up in workgroup memory in a fixed order (no float atomics).
// The 72 sums are named variables updated by written-out statements, so no index into them is
// computed at run time and a compiler keeps them in registers. As an array indexed in loops over
// the kernel size (read from Params) and around the staging barriers, they lived in local
// memory: on an NVIDIA H200 this pass ran at 1.6 TFLOP/s against the forward's 13.5, now at
// 7.1–8.6 (README, "On a discrete GPU").
var<workgroup> partial: array<f32, 2304>; // 64 invocations × 36 sums

@compute @workgroup_size(64)
fn conv2d_backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    weight_grad_3x3(wid, nwg, lid, false);
}

// As conv2d_backward_weight where W % 4 == 0: dy and the middle of each input row as vec4 loads.
// The same values meet in the same order, so both entries give bit-identical sums.
@compute @workgroup_size(64)
fn conv2d_backward_weight_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                  @builtin(local_invocation_index) lid: u32) {
    weight_grad_3x3(wid, nwg, lid, true);
}

// dy[n, co, h, w0 .. w0+3] of the 3×3 weight gradient, 0 past the row's end or for co ≥ c_out
// (uniform per workgroup).
fn dy_row4(n: u32, co: u32, h: u32, w0: u32, aligned: bool) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (co < p.c_out) {
        let base = ((n * p.c_out + co) * p.h + h) * p.w + w0;
        if (aligned) {
            v = dy4[base / 4u];
        } else {
            for (var j = 0u; j < PX; j++) {
                if (w0 + j < p.w) {
                    v[j] = weight[base + j];
                }
            }
        }
    }
    return v;
}

// x[row, w0-1 .. w0+4] of one input plane (zero padding outside it): as load_row, with the
// middle four as one vec4 load when aligned (W % 4 == 0, so w0 .. w0+3 are inside the row).
fn x_row6(base: u32, row: i32, w0: u32, aligned: bool) -> array<f32, 6> {
    if (!aligned) {
        return load_row(base, row, i32(w0) - 1, row >= 0 && row < i32(p.h));
    }
    var v: array<f32, 6>;
    for (var j = 0; j < 6; j++) {
        v[j] = 0.0;
    }
    if (row >= 0 && row < i32(p.h)) {
        let start = base + u32(row) * p.w + w0;
        let m = src4[start / 4u];
        v[1] = m.x;
        v[2] = m.y;
        v[3] = m.z;
        v[4] = m.w;
        if (w0 > 0u) {
            v[0] = src[start - 1u];
        }
        if (w0 + PX < p.w) {
            v[5] = src[start + PX];
        }
    }
    return v;
}

fn weight_grad_3x3(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, aligned: bool) {
    let g = linear_workgroup(wid, nwg);
    // Here p.c_out = C_out, p.c_in = C_in of the layer; grid = c_in × o_blocks × splits.
    let ci = g % p.c_in;
    let rest = g / p.c_in;
    let ob = rest % p.o_blocks;
    let split = rest / p.o_blocks;
    let in_range = split < p.splits; // uniform per workgroup; barriers below stay in uniform control flow

    // The 72 sums: a{o}[ky][kx] for output channel ob·8 + o, tap (ky, kx), every index a
    // constant (see above).
    var a0 = mat3x3<f32>();
    var a1 = mat3x3<f32>();
    var a2 = mat3x3<f32>();
    var a3 = mat3x3<f32>();
    var a4 = mat3x3<f32>();
    var a5 = mat3x3<f32>();
    var a6 = mat3x3<f32>();
    var a7 = mat3x3<f32>();
    let plane = p.h * p.w;
    // Split-K: this workgroup reduces items [first, last) of the N·H·(W/4) reduction; with
    // splits > 1 dst holds one partial weight gradient per split, summed in a fixed order by
    // `sum_splits` (reduce.wgsl).
    let first = split * p.chunk;
    let last = select(first, min(first + p.chunk, p.n * p.h * p.w_blocks), in_range);
    for (var item = first + lid; item < last; item += WG) {
        let n = item / (p.h * p.w_blocks);
        let rem = item % (p.h * p.w_blocks);
        let h = rem / p.w_blocks;
        let w0 = (rem % p.w_blocks) * PX;
        let d0 = dy_row4(n, ob * OB + 0u, h, w0, aligned);
        let d1 = dy_row4(n, ob * OB + 1u, h, w0, aligned);
        let d2 = dy_row4(n, ob * OB + 2u, h, w0, aligned);
        let d3 = dy_row4(n, ob * OB + 3u, h, w0, aligned);
        let d4 = dy_row4(n, ob * OB + 4u, h, w0, aligned);
        let d5 = dy_row4(n, ob * OB + 5u, h, w0, aligned);
        let d6 = dy_row4(n, ob * OB + 6u, h, w0, aligned);
        let d7 = dy_row4(n, ob * OB + 7u, h, w0, aligned);
        let xbase = (n * p.c_in + ci) * plane;
        let t0 = row_taps(x_row6(xbase, i32(h) - 1, w0, aligned));
        a0[0] += taps3(d0, t0);
        a1[0] += taps3(d1, t0);
        a2[0] += taps3(d2, t0);
        a3[0] += taps3(d3, t0);
        a4[0] += taps3(d4, t0);
        a5[0] += taps3(d5, t0);
        a6[0] += taps3(d6, t0);
        a7[0] += taps3(d7, t0);
        let t1 = row_taps(x_row6(xbase, i32(h), w0, aligned));
        a0[1] += taps3(d0, t1);
        a1[1] += taps3(d1, t1);
        a2[1] += taps3(d2, t1);
        a3[1] += taps3(d3, t1);
        a4[1] += taps3(d4, t1);
        a5[1] += taps3(d5, t1);
        a6[1] += taps3(d6, t1);
        a7[1] += taps3(d7, t1);
        let t2 = row_taps(x_row6(xbase, i32(h) + 1, w0, aligned));
        a0[2] += taps3(d0, t2);
        a1[2] += taps3(d1, t2);
        a2[2] += taps3(d2, t2);
        a3[2] += taps3(d3, t2);
        a4[2] += taps3(d4, t2);
        a5[2] += taps3(d5, t2);
        a6[2] += taps3(d6, t2);
        a7[2] += taps3(d7, t2);
    }

    // Sum the 64 invocations' partials in a fixed order, 36 sums (4 channels) at a time: 72 at
    // once would need 18 KiB of workgroup memory, past WebGPU's default 16 KiB.
    stage(lid, 0u, a0);
    stage(lid, 9u, a1);
    stage(lid, 18u, a2);
    stage(lid, 27u, a3);
    workgroupBarrier();
    store_weight_grad(in_range && lid < 36u, lid, ci, ob, split);
    workgroupBarrier();
    stage(lid, 0u, a4);
    stage(lid, 9u, a5);
    stage(lid, 18u, a6);
    stage(lid, 27u, a7);
    workgroupBarrier();
    store_weight_grad(in_range && lid < 36u, 36u + lid, ci, ob, split);
}

// The left, centre and right windows of one input row segment x[w0-1 .. w0+4]: tap kx of output
// pixel w0 + j reads x[w0 + j + kx - 1].
struct Taps {
    left: vec4<f32>,
    centre: vec4<f32>,
    right: vec4<f32>,
}

fn row_taps(x: array<f32, 6>) -> Taps {
    return Taps(vec4<f32>(x[0], x[1], x[2], x[3]), vec4<f32>(x[1], x[2], x[3], x[4]), vec4<f32>(x[2], x[3], x[4], x[5]));
}

// One row's three taps of one output channel, summed over the 4 pixels.
fn taps3(d: vec4<f32>, t: Taps) -> vec3<f32> {
    return vec3<f32>(dot(d, t.left), dot(d, t.centre), dot(d, t.right));
}

// Writes one channel's 9 sums (m[ky][kx]) to rows row0 .. row0+8 of `partial`.
fn stage(lid: u32, row0: u32, m: mat3x3<f32>) {
    partial[(row0 + 0u) * WG + lid] = m[0][0];
    partial[(row0 + 1u) * WG + lid] = m[0][1];
    partial[(row0 + 2u) * WG + lid] = m[0][2];
    partial[(row0 + 3u) * WG + lid] = m[1][0];
    partial[(row0 + 4u) * WG + lid] = m[1][1];
    partial[(row0 + 5u) * WG + lid] = m[1][2];
    partial[(row0 + 6u) * WG + lid] = m[2][0];
    partial[(row0 + 7u) * WG + lid] = m[2][1];
    partial[(row0 + 8u) * WG + lid] = m[2][2];
}

// Sum s of the 3×3 weight gradient (output channel ob·8 + s / 9, tap s % 9): the 64 partials
// staged in `partial` (at row s % 36) added in invocation order.
fn store_weight_grad(storing: bool, s: u32, ci: u32, ob: u32, split: u32) {
    if (!storing) {
        return;
    }
    var total = 0.0;
    for (var j = 0u; j < WG; j++) {
        total += partial[(s % 36u) * WG + j];
    }
    let co = ob * OB + s / 9u;
    if (co < p.c_out) {
        dst[((split * p.c_out + co) * p.c_in + ci) * 9u + s % 9u] = total;
    }
}

// ---- 1×1 kernels (U-Net's final layer): the plane is flat, so an invocation takes OB channels ×
// 4 consecutive pixels of it, with no padding, no taps and no rows (the 3×3 body above would load
// 6 values and compute 3 taps per channel for 1 useful one). ----

// x[n, c, q0 .. q0+3] (0 past the plane's end).
fn load4_flat(n: u32, c: u32, q0: u32, plane: u32) -> vec4<f32> {
    let base = (n * p.c_in + c) * plane;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < PX; j++) {
        v[j] = src[base + min(q0 + j, plane - 1u)] * select(0.0, 1.0, q0 + j < plane);
    }
    return v;
}

fn store_flat(n: u32, co: u32, q0: u32, plane: u32, v: vec4<f32>) {
    if (co >= p.c_out) {
        return;
    }
    let out = (n * p.c_out + co) * plane;
    let y = select(v, select(v, vec4<f32>(0.0), v < vec4<f32>(0.0)), p.relu == 1u);
    for (var j = 0u; j < PX; j++) {
        if (q0 + j < plane) {
            dst[out + q0 + j] = masked(y[j], out + q0 + j);
        }
    }
}

// Forward and backward-input of a 1×1 convolution (backward-input is the same with the weight's
// strides swapped). Grid: n × o_blocks × tiles, tiles = ceil(ceil(H·W / 4) / WG).
fn pointwise_block(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) {
    let g = linear_workgroup(wid, nwg);
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    let ob = rest % p.o_blocks;
    let n = (rest / p.o_blocks) % p.n;
    let split = rest / p.o_blocks / p.n;
    if (split >= p.splits) {
        return;
    }
    // Split-K: this workgroup adds read channels [split·chunk, ci_end) into partial `split`.
    let ci_end = min((split + 1u) * p.chunk, p.c_in);
    let n_out = split * p.n + n;
    let plane = p.h * p.w;
    let q0 = (tile * WG + lid) * PX;
    let last = p.c_out - 1u;
    let c0 = min(ob * OB, last);
    let c1 = min(ob * OB + 1u, last);
    let c2 = min(ob * OB + 2u, last);
    let c3 = min(ob * OB + 3u, last);
    let c4 = min(ob * OB + 4u, last);
    let c5 = min(ob * OB + 5u, last);
    let c6 = min(ob * OB + 6u, last);
    let c7 = min(ob * OB + 7u, last);
    var a0 = vec4<f32>(bias_of(split, c0));
    var a1 = vec4<f32>(bias_of(split, c1));
    var a2 = vec4<f32>(bias_of(split, c2));
    var a3 = vec4<f32>(bias_of(split, c3));
    var a4 = vec4<f32>(bias_of(split, c4));
    var a5 = vec4<f32>(bias_of(split, c5));
    var a6 = vec4<f32>(bias_of(split, c6));
    var a7 = vec4<f32>(bias_of(split, c7));
    for (var ci = split * p.chunk; ci < ci_end; ci++) {
        let x = load4_flat(n, ci, q0, plane);
        a0 += weight[c0 * p.w_stride_out + ci * p.w_stride_in] * x;
        a1 += weight[c1 * p.w_stride_out + ci * p.w_stride_in] * x;
        a2 += weight[c2 * p.w_stride_out + ci * p.w_stride_in] * x;
        a3 += weight[c3 * p.w_stride_out + ci * p.w_stride_in] * x;
        a4 += weight[c4 * p.w_stride_out + ci * p.w_stride_in] * x;
        a5 += weight[c5 * p.w_stride_out + ci * p.w_stride_in] * x;
        a6 += weight[c6 * p.w_stride_out + ci * p.w_stride_in] * x;
        a7 += weight[c7 * p.w_stride_out + ci * p.w_stride_in] * x;
    }
    if (q0 >= plane) {
        return;
    }
    store_flat(n_out, ob * OB, q0, plane, a0);
    store_flat(n_out, ob * OB + 1u, q0, plane, a1);
    store_flat(n_out, ob * OB + 2u, q0, plane, a2);
    store_flat(n_out, ob * OB + 3u, q0, plane, a3);
    store_flat(n_out, ob * OB + 4u, q0, plane, a4);
    store_flat(n_out, ob * OB + 5u, q0, plane, a5);
    store_flat(n_out, ob * OB + 6u, q0, plane, a6);
    store_flat(n_out, ob * OB + 7u, q0, plane, a7);
}

@compute @workgroup_size(64)
fn conv2d_forward_1x1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
    pointwise_block(wid, nwg, lid);
}

@compute @workgroup_size(64)
fn conv2d_backward_input_1x1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_index) lid: u32) {
    pointwise_block(wid, nwg, lid);
}

// dw[co, ci] = Σ_n Σ_q dy[n, co, q] · x[n, ci, q] for a 1×1 kernel. Grid and split as
// conv2d_backward_weight (c_in × o_blocks × splits; items are 4-pixel blocks of the flat plane,
// N·ceil(H·W / 4) of them); each invocation keeps 8 vec4 sums (constant indices: registers), and
// the workgroup adds its 64 invocations' sums in workgroup memory in a fixed order.
@compute @workgroup_size(64)
fn conv2d_backward_weight_1x1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
    weight_grad_1x1(wid, nwg, lid, false);
}

// As conv2d_backward_weight_1x1 where H·W % 4 == 0: x and dy as one vector load each instead of
// four scalar loads (on CPU drivers every load is a loop over the lanes), and no loads for the
// block's channels past C_out (a 4-class output layer fills half of its 8-channel block).
@compute @workgroup_size(64)
fn conv2d_backward_weight_1x1_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                      @builtin(local_invocation_index) lid: u32) {
    weight_grad_1x1(wid, nwg, lid, true);
}

fn weight_grad_1x1(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, aligned: bool) {
    let g = linear_workgroup(wid, nwg);
    let ci = g % p.c_in;
    let rest = g / p.c_in;
    let ob = rest % p.o_blocks;
    let split = rest / p.o_blocks;
    let in_range = split < p.splits; // uniform per workgroup; barriers below stay in uniform control flow
    let plane = p.h * p.w;
    let per_image = (plane + PX - 1u) / PX;
    let first = split * p.chunk;
    let last = select(first, min(first + p.chunk, p.n * per_image), in_range);
    let lastc = p.c_out - 1u;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var a4 = vec4<f32>(0.0);
    var a5 = vec4<f32>(0.0);
    var a6 = vec4<f32>(0.0);
    var a7 = vec4<f32>(0.0);
    for (var item = first + lid; item < last; item += WG) {
        let n = item / per_image;
        let q0 = (item % per_image) * PX;
        let x = x_flat(n, ci, q0, plane, aligned);
        a0 += dy_flat(n, ob * OB, q0, plane, aligned) * x;
        a1 += dy_flat(n, ob * OB + 1u, q0, plane, aligned) * x;
        a2 += dy_flat(n, ob * OB + 2u, q0, plane, aligned) * x;
        a3 += dy_flat(n, ob * OB + 3u, q0, plane, aligned) * x;
        a4 += dy_flat(n, ob * OB + 4u, q0, plane, aligned) * x;
        a5 += dy_flat(n, ob * OB + 5u, q0, plane, aligned) * x;
        a6 += dy_flat(n, ob * OB + 6u, q0, plane, aligned) * x;
        a7 += dy_flat(n, ob * OB + 7u, q0, plane, aligned) * x;
    }
    partial[lid] = dot(a0, vec4<f32>(1.0));
    partial[WG + lid] = dot(a1, vec4<f32>(1.0));
    partial[2u * WG + lid] = dot(a2, vec4<f32>(1.0));
    partial[3u * WG + lid] = dot(a3, vec4<f32>(1.0));
    partial[4u * WG + lid] = dot(a4, vec4<f32>(1.0));
    partial[5u * WG + lid] = dot(a5, vec4<f32>(1.0));
    partial[6u * WG + lid] = dot(a6, vec4<f32>(1.0));
    partial[7u * WG + lid] = dot(a7, vec4<f32>(1.0));
    workgroupBarrier();
    if (in_range && lid < OB) {
        var total = 0.0;
        for (var j = 0u; j < WG; j++) {
            total += partial[lid * WG + j];
        }
        let co = ob * OB + lid;
        if (co < p.c_out) {
            dst[(split * p.c_out + co) * p.c_in + ci] = total;
        }
    }
}

// x[n, c, q0 .. q0+3] of the 1×1 weight gradient: one vec4 load when aligned (H·W % 4 == 0).
fn x_flat(n: u32, c: u32, q0: u32, plane: u32, aligned: bool) -> vec4<f32> {
    if (aligned) {
        return src4[((n * p.c_in + c) * plane + q0) / 4u];
    }
    return load4_flat(n, c, q0, plane);
}

// dy[n, o, q0 .. q0+3] of the 1×1 weight gradient, 0 for o ≥ c_out: when aligned, one vec4 load,
// skipped for o ≥ c_out (uniform per workgroup).
fn dy_flat(n: u32, o: u32, q0: u32, plane: u32, aligned: bool) -> vec4<f32> {
    if (aligned) {
        var v = vec4<f32>(0.0);
        if (o < p.c_out) {
            v = dy4[((n * p.c_out + o) * plane + q0) / 4u];
        }
        return v;
    }
    return dy4_flat(n, o, q0, plane);
}

// dy[n, o, q0 .. q0+3] of the weight gradient (bound at `weight`), 0 past the plane or c_out.
fn dy4_flat(n: u32, o: u32, q0: u32, plane: u32) -> vec4<f32> {
    let oc = min(o, p.c_out - 1u);
    let base = (n * p.c_out + oc) * plane;
    var v = vec4<f32>(0.0);
    for (var j = 0u; j < PX; j++) {
        v[j] = weight[base + min(q0 + j, plane - 1u)] * select(0.0, 1.0, q0 + j < plane && o < p.c_out);
    }
    return v;
}
