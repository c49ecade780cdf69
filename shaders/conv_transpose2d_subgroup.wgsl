// Transposed convolution 2×2, stride 2, for adapters with subgroups of at least 8 invocations.
// Same math, layouts and Params as conv_transpose2d.wgsl (the portable path), but channel blocks
// of CB = 8: the launcher picks this file at pipeline creation when the device has subgroups.
//   y[n, o, 2i+a, 2j+b] = bias[o] + Σ_c x[n, c, i, j] · weight[c, o, a, b]
// Each invocation of a subgroup loads the 4 taps of ONE of the 8 channels of its block (one vec4)
// and `subgroupBroadcast` shares them, so per input channel an invocation makes 2 loads for
// 128 FMAs (forward), instead of 33.

struct Params {
    n: u32,
    c_in: u32,
    c_out: u32,
    h: u32,
    w: u32,
    w_blocks: u32,
    blocks: u32,
    tiles: u32,
    has_bias: u32,
    c_blocks: u32,
    splits: u32,   // backward-weight: chunks of the N·H·W reduction; forward / backward-input:
                   // chunks of the read channels (split-K); one partial sum each
    chunk: u32,    // backward-weight: reduction items per chunk; else read channels per chunk
}

const WG: u32 = 64u;
const CB: u32 = 8u;
const PX: u32 = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;
// vec4 views of x, dy and the output for the `_aligned` entry points (W % 4 == 0, every real
// layer): an invocation's 4 input pixels are one vector, and the 8 output values of one output
// row that come from them (taps b = 0, 1 interleaved) are two. A CPU driver makes one memory
// access per vector instead of one per value. (WGSL lets two entry points bind different
// variables at one binding; none uses both.)
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dst4: array<vec4<f32>>;

struct Block {
    n: u32,
    cb: u32,
    i: u32,
    j0: u32,
    valid: bool,
    skip: bool,
}

// Split-K of the forward / backward-input passes (`gpu` family, small planes): workgroups past
// n · blocks · tiles take later chunks of `p.chunk` read channels, each writing a partial output
// at dst[split · N·C·H·W ...] that reduce.wgsl's sum_splits adds in split order; split 0 adds the
// bias. Decided from the workgroup id alone, so loop bounds derived from it stay uniform.
fn split_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    let g = wid.x + wid.y * nwg.x;
    return g / p.tiles / p.blocks / p.n;
}

fn block_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> Block {
    let g = wid.x + wid.y * nwg.x;
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    var b: Block;
    b.cb = rest % p.blocks;
    b.n = (rest / p.blocks) % p.n;
    b.skip = rest / p.blocks / p.n >= p.splits;
    let item = tile * WG + lid;
    b.i = item / p.w_blocks;
    b.j0 = (item % p.w_blocks) * PX;
    b.valid = b.i < p.h && !b.skip;
    return b;
}

// Whether this workgroup lies past the last split (padding of a folded 2-D grid). Decided from the
// workgroup id alone, so the early return keeps the rest subgroup-uniform (WGSL's uniformity
// analysis treats a struct holding any per-invocation field as non-uniform as a whole).
fn skipped(wid: vec3<u32>, nwg: vec3<u32>) -> bool {
    return split_of(wid, nwg) >= p.splits;
}

// x[n, c, i, j0 .. j0+3], branch-free: clamped addresses masked to 0 past the row end / invalid.
fn x_row4(n: u32, c: u32, i: u32, j0: u32, valid: bool) -> vec4<f32> {
    let base = ((n * p.c_in + c) * p.h + min(i, p.h - 1u)) * p.w;
    var v: vec4<f32>;
    for (var k = 0u; k < PX; k++) {
        v[k] = x[base + min(j0 + k, p.w - 1u)] * select(0.0, 1.0, valid && j0 + k < p.w);
    }
    return v;
}

// dy[n, o, 2i+a, 2(j0+k)+b] for k = 0..3, branch-free.
fn dy_row4(n: u32, o: u32, i: u32, j0: u32, a: u32, b: u32, valid: bool) -> vec4<f32> {
    let base = ((n * p.c_out + o) * 2u * p.h + 2u * min(i, p.h - 1u) + a) * 2u * p.w;
    var v: vec4<f32>;
    for (var k = 0u; k < PX; k++) {
        v[k] = dy[base + 2u * min(j0 + k, p.w - 1u) + b] * select(0.0, 1.0, valid && j0 + k < p.w);
    }
    return v;
}

fn bias_of(split: u32, o: u32) -> f32 {
    // Only the first split adds the bias (the others are partial sums).
    if (p.has_bias == 1u && split == 0u) {
        return bias[o];
    }
    return 0.0;
}

// Output channel o, tap t = 2a + b, at the 4 pixels starting at input column j0 of input row i.
fn store4(n: u32, o: u32, i: u32, j0: u32, t: u32, v: vec4<f32>) {
    if (o >= p.c_out) {
        return;
    }
    let row = ((n * p.c_out + o) * 2u * p.h + 2u * i + t / 2u) * 2u * p.w;
    for (var k = 0u; k < PX; k++) {
        if (j0 + k < p.w) {
            dst[row + 2u * (j0 + k) + t % 2u] = v[k];
        }
    }
}

fn store_dx(n: u32, c: u32, i: u32, j0: u32, v: vec4<f32>) {
    if (c >= p.c_in) {
        return;
    }
    let row = ((n * p.c_in + c) * p.h + i) * p.w;
    for (var k = 0u; k < PX; k++) {
        if (j0 + k < p.w) {
            dst[row + j0 + k] = v[k];
        }
    }
}

@compute @workgroup_size(64)
fn conv_transpose2d_forward_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                     @builtin(local_invocation_index) lid: u32,
                                     @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_in);
    let n_out = split * p.n + b.n;
    let n = b.n;
    let ob = b.cb;
    let mine = min(ob * CB + sid % CB, p.c_out - 1u);
    var a0_0 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_1 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_2 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_3 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a1_0 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_1 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_2 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_3 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a2_0 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_1 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_2 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_3 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a3_0 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_1 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_2 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_3 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a4_0 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_1 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_2 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_3 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a5_0 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_1 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_2 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_3 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a6_0 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_1 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_2 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_3 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a7_0 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_1 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_2 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_3 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    for (var c = first; c < last; c++) {
        let xv = x_row4(n, c, b.i, b.j0, b.valid);
        let wv = weight4[c * p.c_out + mine];
        let w0 = subgroupBroadcast(wv, 0u);
        a0_0 += w0.x * xv;
        a0_1 += w0.y * xv;
        a0_2 += w0.z * xv;
        a0_3 += w0.w * xv;
        let w1 = subgroupBroadcast(wv, 1u);
        a1_0 += w1.x * xv;
        a1_1 += w1.y * xv;
        a1_2 += w1.z * xv;
        a1_3 += w1.w * xv;
        let w2 = subgroupBroadcast(wv, 2u);
        a2_0 += w2.x * xv;
        a2_1 += w2.y * xv;
        a2_2 += w2.z * xv;
        a2_3 += w2.w * xv;
        let w3 = subgroupBroadcast(wv, 3u);
        a3_0 += w3.x * xv;
        a3_1 += w3.y * xv;
        a3_2 += w3.z * xv;
        a3_3 += w3.w * xv;
        let w4 = subgroupBroadcast(wv, 4u);
        a4_0 += w4.x * xv;
        a4_1 += w4.y * xv;
        a4_2 += w4.z * xv;
        a4_3 += w4.w * xv;
        let w5 = subgroupBroadcast(wv, 5u);
        a5_0 += w5.x * xv;
        a5_1 += w5.y * xv;
        a5_2 += w5.z * xv;
        a5_3 += w5.w * xv;
        let w6 = subgroupBroadcast(wv, 6u);
        a6_0 += w6.x * xv;
        a6_1 += w6.y * xv;
        a6_2 += w6.z * xv;
        a6_3 += w6.w * xv;
        let w7 = subgroupBroadcast(wv, 7u);
        a7_0 += w7.x * xv;
        a7_1 += w7.y * xv;
        a7_2 += w7.z * xv;
        a7_3 += w7.w * xv;
    }
    if (!b.valid) {
        return;
    }
    store4(n_out, ob * CB + 0u, b.i, b.j0, 0u, a0_0);
    store4(n_out, ob * CB + 0u, b.i, b.j0, 1u, a0_1);
    store4(n_out, ob * CB + 0u, b.i, b.j0, 2u, a0_2);
    store4(n_out, ob * CB + 0u, b.i, b.j0, 3u, a0_3);
    store4(n_out, ob * CB + 1u, b.i, b.j0, 0u, a1_0);
    store4(n_out, ob * CB + 1u, b.i, b.j0, 1u, a1_1);
    store4(n_out, ob * CB + 1u, b.i, b.j0, 2u, a1_2);
    store4(n_out, ob * CB + 1u, b.i, b.j0, 3u, a1_3);
    store4(n_out, ob * CB + 2u, b.i, b.j0, 0u, a2_0);
    store4(n_out, ob * CB + 2u, b.i, b.j0, 1u, a2_1);
    store4(n_out, ob * CB + 2u, b.i, b.j0, 2u, a2_2);
    store4(n_out, ob * CB + 2u, b.i, b.j0, 3u, a2_3);
    store4(n_out, ob * CB + 3u, b.i, b.j0, 0u, a3_0);
    store4(n_out, ob * CB + 3u, b.i, b.j0, 1u, a3_1);
    store4(n_out, ob * CB + 3u, b.i, b.j0, 2u, a3_2);
    store4(n_out, ob * CB + 3u, b.i, b.j0, 3u, a3_3);
    store4(n_out, ob * CB + 4u, b.i, b.j0, 0u, a4_0);
    store4(n_out, ob * CB + 4u, b.i, b.j0, 1u, a4_1);
    store4(n_out, ob * CB + 4u, b.i, b.j0, 2u, a4_2);
    store4(n_out, ob * CB + 4u, b.i, b.j0, 3u, a4_3);
    store4(n_out, ob * CB + 5u, b.i, b.j0, 0u, a5_0);
    store4(n_out, ob * CB + 5u, b.i, b.j0, 1u, a5_1);
    store4(n_out, ob * CB + 5u, b.i, b.j0, 2u, a5_2);
    store4(n_out, ob * CB + 5u, b.i, b.j0, 3u, a5_3);
    store4(n_out, ob * CB + 6u, b.i, b.j0, 0u, a6_0);
    store4(n_out, ob * CB + 6u, b.i, b.j0, 1u, a6_1);
    store4(n_out, ob * CB + 6u, b.i, b.j0, 2u, a6_2);
    store4(n_out, ob * CB + 6u, b.i, b.j0, 3u, a6_3);
    store4(n_out, ob * CB + 7u, b.i, b.j0, 0u, a7_0);
    store4(n_out, ob * CB + 7u, b.i, b.j0, 1u, a7_1);
    store4(n_out, ob * CB + 7u, b.i, b.j0, 2u, a7_2);
    store4(n_out, ob * CB + 7u, b.i, b.j0, 3u, a7_3);
}

// dx[n, c, i, j] = Σ_o Σ_ab weight[c, o, a, b] · dy[n, o, 2i+a, 2j+b]
@compute @workgroup_size(64)
fn conv_transpose2d_backward_input_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                            @builtin(local_invocation_index) lid: u32,
                                            @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_out);
    let n_out = split * p.n + b.n;
    let n = b.n;
    let cb = b.cb;
    let mine = min(cb * CB + sid % CB, p.c_in - 1u);
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var a4 = vec4<f32>(0.0);
    var a5 = vec4<f32>(0.0);
    var a6 = vec4<f32>(0.0);
    var a7 = vec4<f32>(0.0);
    for (var o = first; o < last; o++) {
        let d00 = dy_row4(n, o, b.i, b.j0, 0u, 0u, b.valid);
        let d01 = dy_row4(n, o, b.i, b.j0, 0u, 1u, b.valid);
        let d10 = dy_row4(n, o, b.i, b.j0, 1u, 0u, b.valid);
        let d11 = dy_row4(n, o, b.i, b.j0, 1u, 1u, b.valid);
        let wv = weight4[mine * p.c_out + o];
        let w0 = subgroupBroadcast(wv, 0u);
        a0 += w0.x * d00 + w0.y * d01 + w0.z * d10 + w0.w * d11;
        let w1 = subgroupBroadcast(wv, 1u);
        a1 += w1.x * d00 + w1.y * d01 + w1.z * d10 + w1.w * d11;
        let w2 = subgroupBroadcast(wv, 2u);
        a2 += w2.x * d00 + w2.y * d01 + w2.z * d10 + w2.w * d11;
        let w3 = subgroupBroadcast(wv, 3u);
        a3 += w3.x * d00 + w3.y * d01 + w3.z * d10 + w3.w * d11;
        let w4 = subgroupBroadcast(wv, 4u);
        a4 += w4.x * d00 + w4.y * d01 + w4.z * d10 + w4.w * d11;
        let w5 = subgroupBroadcast(wv, 5u);
        a5 += w5.x * d00 + w5.y * d01 + w5.z * d10 + w5.w * d11;
        let w6 = subgroupBroadcast(wv, 6u);
        a6 += w6.x * d00 + w6.y * d01 + w6.z * d10 + w6.w * d11;
        let w7 = subgroupBroadcast(wv, 7u);
        a7 += w7.x * d00 + w7.y * d01 + w7.z * d10 + w7.w * d11;
    }
    if (!b.valid) {
        return;
    }
    store_dx(n_out, cb * CB + 0u, b.i, b.j0, a0);
    store_dx(n_out, cb * CB + 1u, b.i, b.j0, a1);
    store_dx(n_out, cb * CB + 2u, b.i, b.j0, a2);
    store_dx(n_out, cb * CB + 3u, b.i, b.j0, a3);
    store_dx(n_out, cb * CB + 4u, b.i, b.j0, a4);
    store_dx(n_out, cb * CB + 5u, b.i, b.j0, a5);
    store_dx(n_out, cb * CB + 6u, b.i, b.j0, a6);
    store_dx(n_out, cb * CB + 7u, b.i, b.j0, a7);
}

// dw[c, o, a, b] = Σ_{n,i,j} x[n, c, i, j] · dy[n, o, 2i+a, 2j+b].
// A workgroup is ONE subgroup of 8 invocations (built only where subgroups hold at least 8):
// invocation `sid` reads the dy of output channel ob·8 + sid and the x of input channel
// cb·8 + sid, which `subgroupBroadcast` shares. Every invocation does useful work whatever the
// subgroup size, and the loop bounds depend only on the workgroup id and uniforms, so every
// subgroup operation is in subgroup-uniform control flow.
// Split-K: workgroup (cb, ob, split) reduces the `p.chunk` items of its split and writes its
// partial sums to dst[split][c][o][tap]; `sum_splits` (reduce.wgsl) adds the splits in a fixed
// order. With splits = 1, dst is the weight gradient itself.
@compute @workgroup_size(8)
fn conv_transpose2d_backward_weight_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                             @builtin(subgroup_invocation_id) sid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let cb = g % p.c_blocks;
    let rest = g / p.c_blocks;
    let ob = rest % p.blocks;
    let split = rest / p.blocks;
    if (split >= p.splits) {
        return; // whole workgroup (folded 2-D grid padding)
    }
    let lane = sid % CB;
    let o = ob * CB + lane;
    let mine = sid < CB && o < p.c_out;
    let c_lane = cb * CB + lane;
    let c_ok = c_lane < p.c_in;
    // acc[k·4 + t]: tap t of weight[cb·8 + k, o] (constant indices only: stays in registers).
    var acc: array<f32, 32>;
    let per_image = p.h * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let i = rem / p.w_blocks;
        let j0 = (rem % p.w_blocks) * PX;
        let xv = x_row4(n, min(c_lane, p.c_in - 1u), i, j0, c_ok);
        let oc = min(o, p.c_out - 1u);
        let ok = o < p.c_out;
        let d00 = dy_row4(n, oc, i, j0, 0u, 0u, ok);
        let d01 = dy_row4(n, oc, i, j0, 0u, 1u, ok);
        let d10 = dy_row4(n, oc, i, j0, 1u, 0u, ok);
        let d11 = dy_row4(n, oc, i, j0, 1u, 1u, ok);
        let x0 = subgroupBroadcast(xv, 0u);
        acc[0] += dot(x0, d00);
        acc[1] += dot(x0, d01);
        acc[2] += dot(x0, d10);
        acc[3] += dot(x0, d11);
        let x1 = subgroupBroadcast(xv, 1u);
        acc[4] += dot(x1, d00);
        acc[5] += dot(x1, d01);
        acc[6] += dot(x1, d10);
        acc[7] += dot(x1, d11);
        let x2 = subgroupBroadcast(xv, 2u);
        acc[8] += dot(x2, d00);
        acc[9] += dot(x2, d01);
        acc[10] += dot(x2, d10);
        acc[11] += dot(x2, d11);
        let x3 = subgroupBroadcast(xv, 3u);
        acc[12] += dot(x3, d00);
        acc[13] += dot(x3, d01);
        acc[14] += dot(x3, d10);
        acc[15] += dot(x3, d11);
        let x4 = subgroupBroadcast(xv, 4u);
        acc[16] += dot(x4, d00);
        acc[17] += dot(x4, d01);
        acc[18] += dot(x4, d10);
        acc[19] += dot(x4, d11);
        let x5 = subgroupBroadcast(xv, 5u);
        acc[20] += dot(x5, d00);
        acc[21] += dot(x5, d01);
        acc[22] += dot(x5, d10);
        acc[23] += dot(x5, d11);
        let x6 = subgroupBroadcast(xv, 6u);
        acc[24] += dot(x6, d00);
        acc[25] += dot(x6, d01);
        acc[26] += dot(x6, d10);
        acc[27] += dot(x6, d11);
        let x7 = subgroupBroadcast(xv, 7u);
        acc[28] += dot(x7, d00);
        acc[29] += dot(x7, d01);
        acc[30] += dot(x7, d10);
        acc[31] += dot(x7, d11);
    }
    if (!mine) {
        return;
    }
    let base = split * p.c_in * p.c_out;
    store_tap4(base, cb * CB + 0u, o, vec4<f32>(acc[0], acc[1], acc[2], acc[3]));
    store_tap4(base, cb * CB + 1u, o, vec4<f32>(acc[4], acc[5], acc[6], acc[7]));
    store_tap4(base, cb * CB + 2u, o, vec4<f32>(acc[8], acc[9], acc[10], acc[11]));
    store_tap4(base, cb * CB + 3u, o, vec4<f32>(acc[12], acc[13], acc[14], acc[15]));
    store_tap4(base, cb * CB + 4u, o, vec4<f32>(acc[16], acc[17], acc[18], acc[19]));
    store_tap4(base, cb * CB + 5u, o, vec4<f32>(acc[20], acc[21], acc[22], acc[23]));
    store_tap4(base, cb * CB + 6u, o, vec4<f32>(acc[24], acc[25], acc[26], acc[27]));
    store_tap4(base, cb * CB + 7u, o, vec4<f32>(acc[28], acc[29], acc[30], acc[31]));
}

// The 4 taps of dw[c, o] (one partial), past the last input channel: nothing.
fn store_tap4(base: u32, c: u32, o: u32, v: vec4<f32>) {
    if (c >= p.c_in) {
        return;
    }
    let at = (base + c * p.c_out + o) * 4u;
    dst[at] = v.x;
    dst[at + 1u] = v.y;
    dst[at + 2u] = v.z;
    dst[at + 3u] = v.w;
}

// ---- `_aligned` variants (W % 4 == 0): the same sums over vector loads and stores. ----

// x[n, c, i, j0 .. j0+3] as one vector (row clamped: invalid invocations compute garbage they
// never store).
fn x_vec4(n: u32, c: u32, i: u32, j0: u32) -> vec4<f32> {
    return x4[(((n * p.c_in + c) * p.h + min(i, p.h - 1u)) * p.w + j0) / 4u];
}

// dy[n, o, 2i+a, 2j0 .. 2j0+7] as two vectors: taps b = 0 and b = 1 of the 4 input pixels,
// de-interleaved into (b0, b1).
struct DyPair {
    b0: vec4<f32>,
    b1: vec4<f32>,
}

fn dy_pair(n: u32, o: u32, i: u32, j0: u32, a: u32) -> DyPair {
    let at = (((n * p.c_out + o) * 2u * p.h + 2u * min(i, p.h - 1u) + a) * 2u * p.w + 2u * j0) / 4u;
    let v0 = dy4[at];
    let v1 = dy4[at + 1u];
    return DyPair(vec4<f32>(v0.x, v0.z, v1.x, v1.z), vec4<f32>(v0.y, v0.w, v1.y, v1.w));
}

// Output channel o, output row 2i+a, columns 2j0 .. 2j0+7 from taps (a, 0) = t0 and (a, 1) = t1.
fn store_pair4(n: u32, o: u32, i: u32, j0: u32, a: u32, t0: vec4<f32>, t1: vec4<f32>) {
    if (o >= p.c_out) {
        return;
    }
    let at = (((n * p.c_out + o) * 2u * p.h + 2u * i + a) * 2u * p.w + 2u * j0) / 4u;
    dst4[at] = vec4<f32>(t0.x, t1.x, t0.y, t1.y);
    dst4[at + 1u] = vec4<f32>(t0.z, t1.z, t0.w, t1.w);
}

fn store_dx4(n: u32, c: u32, i: u32, j0: u32, v: vec4<f32>) {
    if (c >= p.c_in) {
        return;
    }
    dst4[(((n * p.c_in + c) * p.h + i) * p.w + j0) / 4u] = v;
}

@compute @workgroup_size(64)
fn conv_transpose2d_forward_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                             @builtin(local_invocation_index) lid: u32,
                                             @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_in);
    let n_out = split * p.n + b.n;
    let n = b.n;
    let ob = b.cb;
    let mine = min(ob * CB + sid % CB, p.c_out - 1u);
    var a0_0 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_1 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_2 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a0_3 = vec4<f32>(bias_of(split, min(ob * CB + 0u, p.c_out - 1u)));
    var a1_0 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_1 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_2 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a1_3 = vec4<f32>(bias_of(split, min(ob * CB + 1u, p.c_out - 1u)));
    var a2_0 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_1 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_2 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a2_3 = vec4<f32>(bias_of(split, min(ob * CB + 2u, p.c_out - 1u)));
    var a3_0 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_1 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_2 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a3_3 = vec4<f32>(bias_of(split, min(ob * CB + 3u, p.c_out - 1u)));
    var a4_0 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_1 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_2 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a4_3 = vec4<f32>(bias_of(split, min(ob * CB + 4u, p.c_out - 1u)));
    var a5_0 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_1 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_2 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a5_3 = vec4<f32>(bias_of(split, min(ob * CB + 5u, p.c_out - 1u)));
    var a6_0 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_1 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_2 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a6_3 = vec4<f32>(bias_of(split, min(ob * CB + 6u, p.c_out - 1u)));
    var a7_0 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_1 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_2 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    var a7_3 = vec4<f32>(bias_of(split, min(ob * CB + 7u, p.c_out - 1u)));
    for (var c = first; c < last; c++) {
        let xv = x_vec4(n, c, b.i, b.j0);
        let wv = weight4[c * p.c_out + mine];
        let w0 = subgroupBroadcast(wv, 0u);
        a0_0 += w0.x * xv;
        a0_1 += w0.y * xv;
        a0_2 += w0.z * xv;
        a0_3 += w0.w * xv;
        let w1 = subgroupBroadcast(wv, 1u);
        a1_0 += w1.x * xv;
        a1_1 += w1.y * xv;
        a1_2 += w1.z * xv;
        a1_3 += w1.w * xv;
        let w2 = subgroupBroadcast(wv, 2u);
        a2_0 += w2.x * xv;
        a2_1 += w2.y * xv;
        a2_2 += w2.z * xv;
        a2_3 += w2.w * xv;
        let w3 = subgroupBroadcast(wv, 3u);
        a3_0 += w3.x * xv;
        a3_1 += w3.y * xv;
        a3_2 += w3.z * xv;
        a3_3 += w3.w * xv;
        let w4 = subgroupBroadcast(wv, 4u);
        a4_0 += w4.x * xv;
        a4_1 += w4.y * xv;
        a4_2 += w4.z * xv;
        a4_3 += w4.w * xv;
        let w5 = subgroupBroadcast(wv, 5u);
        a5_0 += w5.x * xv;
        a5_1 += w5.y * xv;
        a5_2 += w5.z * xv;
        a5_3 += w5.w * xv;
        let w6 = subgroupBroadcast(wv, 6u);
        a6_0 += w6.x * xv;
        a6_1 += w6.y * xv;
        a6_2 += w6.z * xv;
        a6_3 += w6.w * xv;
        let w7 = subgroupBroadcast(wv, 7u);
        a7_0 += w7.x * xv;
        a7_1 += w7.y * xv;
        a7_2 += w7.z * xv;
        a7_3 += w7.w * xv;
    }
    if (!b.valid) {
        return;
    }
    store_pair4(n_out, ob * CB + 0u, b.i, b.j0, 0u, a0_0, a0_1);
    store_pair4(n_out, ob * CB + 0u, b.i, b.j0, 1u, a0_2, a0_3);
    store_pair4(n_out, ob * CB + 1u, b.i, b.j0, 0u, a1_0, a1_1);
    store_pair4(n_out, ob * CB + 1u, b.i, b.j0, 1u, a1_2, a1_3);
    store_pair4(n_out, ob * CB + 2u, b.i, b.j0, 0u, a2_0, a2_1);
    store_pair4(n_out, ob * CB + 2u, b.i, b.j0, 1u, a2_2, a2_3);
    store_pair4(n_out, ob * CB + 3u, b.i, b.j0, 0u, a3_0, a3_1);
    store_pair4(n_out, ob * CB + 3u, b.i, b.j0, 1u, a3_2, a3_3);
    store_pair4(n_out, ob * CB + 4u, b.i, b.j0, 0u, a4_0, a4_1);
    store_pair4(n_out, ob * CB + 4u, b.i, b.j0, 1u, a4_2, a4_3);
    store_pair4(n_out, ob * CB + 5u, b.i, b.j0, 0u, a5_0, a5_1);
    store_pair4(n_out, ob * CB + 5u, b.i, b.j0, 1u, a5_2, a5_3);
    store_pair4(n_out, ob * CB + 6u, b.i, b.j0, 0u, a6_0, a6_1);
    store_pair4(n_out, ob * CB + 6u, b.i, b.j0, 1u, a6_2, a6_3);
    store_pair4(n_out, ob * CB + 7u, b.i, b.j0, 0u, a7_0, a7_1);
    store_pair4(n_out, ob * CB + 7u, b.i, b.j0, 1u, a7_2, a7_3);
}

@compute @workgroup_size(64)
fn conv_transpose2d_backward_input_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                                    @builtin(local_invocation_index) lid: u32,
                                                    @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_out);
    let n_out = split * p.n + b.n;
    let n = b.n;
    let cb = b.cb;
    let mine = min(cb * CB + sid % CB, p.c_in - 1u);
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var a4 = vec4<f32>(0.0);
    var a5 = vec4<f32>(0.0);
    var a6 = vec4<f32>(0.0);
    var a7 = vec4<f32>(0.0);
    for (var o = first; o < last; o++) {
        let d0 = dy_pair(n, o, b.i, b.j0, 0u);
        let d1 = dy_pair(n, o, b.i, b.j0, 1u);
        let wv = weight4[mine * p.c_out + o];
        let w0 = subgroupBroadcast(wv, 0u);
        a0 += w0.x * d0.b0 + w0.y * d0.b1 + w0.z * d1.b0 + w0.w * d1.b1;
        let w1 = subgroupBroadcast(wv, 1u);
        a1 += w1.x * d0.b0 + w1.y * d0.b1 + w1.z * d1.b0 + w1.w * d1.b1;
        let w2 = subgroupBroadcast(wv, 2u);
        a2 += w2.x * d0.b0 + w2.y * d0.b1 + w2.z * d1.b0 + w2.w * d1.b1;
        let w3 = subgroupBroadcast(wv, 3u);
        a3 += w3.x * d0.b0 + w3.y * d0.b1 + w3.z * d1.b0 + w3.w * d1.b1;
        let w4 = subgroupBroadcast(wv, 4u);
        a4 += w4.x * d0.b0 + w4.y * d0.b1 + w4.z * d1.b0 + w4.w * d1.b1;
        let w5 = subgroupBroadcast(wv, 5u);
        a5 += w5.x * d0.b0 + w5.y * d0.b1 + w5.z * d1.b0 + w5.w * d1.b1;
        let w6 = subgroupBroadcast(wv, 6u);
        a6 += w6.x * d0.b0 + w6.y * d0.b1 + w6.z * d1.b0 + w6.w * d1.b1;
        let w7 = subgroupBroadcast(wv, 7u);
        a7 += w7.x * d0.b0 + w7.y * d0.b1 + w7.z * d1.b0 + w7.w * d1.b1;
    }
    if (!b.valid) {
        return;
    }
    store_dx4(n_out, cb * CB + 0u, b.i, b.j0, a0);
    store_dx4(n_out, cb * CB + 1u, b.i, b.j0, a1);
    store_dx4(n_out, cb * CB + 2u, b.i, b.j0, a2);
    store_dx4(n_out, cb * CB + 3u, b.i, b.j0, a3);
    store_dx4(n_out, cb * CB + 4u, b.i, b.j0, a4);
    store_dx4(n_out, cb * CB + 5u, b.i, b.j0, a5);
    store_dx4(n_out, cb * CB + 6u, b.i, b.j0, a6);
    store_dx4(n_out, cb * CB + 7u, b.i, b.j0, a7);
}

@compute @workgroup_size(8)
fn conv_transpose2d_backward_weight_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                                     @builtin(subgroup_invocation_id) sid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let cb = g % p.c_blocks;
    let rest = g / p.c_blocks;
    let ob = rest % p.blocks;
    let split = rest / p.blocks;
    if (split >= p.splits) {
        return; // whole workgroup (folded 2-D grid padding)
    }
    let lane = sid % CB;
    let o = ob * CB + lane;
    let mine = sid < CB && o < p.c_out;
    let c_lane = cb * CB + lane;
    let c_scale = select(0.0, 1.0, c_lane < p.c_in);
    let o_scale = select(0.0, 1.0, o < p.c_out);
    let oc = min(o, p.c_out - 1u);
    let cc = min(c_lane, p.c_in - 1u);
    var acc: array<f32, 32>;
    let per_image = p.h * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let i = rem / p.w_blocks;
        let j0 = (rem % p.w_blocks) * PX;
        let xv = x_vec4(n, cc, i, j0) * c_scale;
        let e0 = dy_pair(n, oc, i, j0, 0u);
        let e1 = dy_pair(n, oc, i, j0, 1u);
        let d00 = e0.b0 * o_scale;
        let d01 = e0.b1 * o_scale;
        let d10 = e1.b0 * o_scale;
        let d11 = e1.b1 * o_scale;
        let x0 = subgroupBroadcast(xv, 0u);
        acc[0] += dot(x0, d00);
        acc[1] += dot(x0, d01);
        acc[2] += dot(x0, d10);
        acc[3] += dot(x0, d11);
        let x1 = subgroupBroadcast(xv, 1u);
        acc[4] += dot(x1, d00);
        acc[5] += dot(x1, d01);
        acc[6] += dot(x1, d10);
        acc[7] += dot(x1, d11);
        let x2 = subgroupBroadcast(xv, 2u);
        acc[8] += dot(x2, d00);
        acc[9] += dot(x2, d01);
        acc[10] += dot(x2, d10);
        acc[11] += dot(x2, d11);
        let x3 = subgroupBroadcast(xv, 3u);
        acc[12] += dot(x3, d00);
        acc[13] += dot(x3, d01);
        acc[14] += dot(x3, d10);
        acc[15] += dot(x3, d11);
        let x4 = subgroupBroadcast(xv, 4u);
        acc[16] += dot(x4, d00);
        acc[17] += dot(x4, d01);
        acc[18] += dot(x4, d10);
        acc[19] += dot(x4, d11);
        let x5 = subgroupBroadcast(xv, 5u);
        acc[20] += dot(x5, d00);
        acc[21] += dot(x5, d01);
        acc[22] += dot(x5, d10);
        acc[23] += dot(x5, d11);
        let x6 = subgroupBroadcast(xv, 6u);
        acc[24] += dot(x6, d00);
        acc[25] += dot(x6, d01);
        acc[26] += dot(x6, d10);
        acc[27] += dot(x6, d11);
        let x7 = subgroupBroadcast(xv, 7u);
        acc[28] += dot(x7, d00);
        acc[29] += dot(x7, d01);
        acc[30] += dot(x7, d10);
        acc[31] += dot(x7, d11);
    }
    if (!mine) {
        return;
    }
    let base = split * p.c_in * p.c_out;
    store_tap4(base, cb * CB + 0u, o, vec4<f32>(acc[0], acc[1], acc[2], acc[3]));
    store_tap4(base, cb * CB + 1u, o, vec4<f32>(acc[4], acc[5], acc[6], acc[7]));
    store_tap4(base, cb * CB + 2u, o, vec4<f32>(acc[8], acc[9], acc[10], acc[11]));
    store_tap4(base, cb * CB + 3u, o, vec4<f32>(acc[12], acc[13], acc[14], acc[15]));
    store_tap4(base, cb * CB + 4u, o, vec4<f32>(acc[16], acc[17], acc[18], acc[19]));
    store_tap4(base, cb * CB + 5u, o, vec4<f32>(acc[20], acc[21], acc[22], acc[23]));
    store_tap4(base, cb * CB + 6u, o, vec4<f32>(acc[24], acc[25], acc[26], acc[27]));
    store_tap4(base, cb * CB + 7u, o, vec4<f32>(acc[28], acc[29], acc[30], acc[31]));
}
