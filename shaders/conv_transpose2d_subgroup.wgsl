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

// ---- Wide `_aligned` variants for the `cpu` family (CPU drivers; W % 4 == 0). ----
// On lavapipe every load whose address differs per invocation is a gather, and these passes have
// no spatial reuse (each input value meets each weight once), so their speed follows FMAs per
// loaded value: with 8 channels per invocation they ran at half the 3×3 convolution's rate. Each
// invocation here covers many more channels of its block (forward 16 output channels and
// backward-input 32 input channels, both of two rows; weight gradient 64 input channels), which multiplies the
// FMAs per load by 4–8 (measured 1.3–2× faster each; docs/performance.md "Kernel benchmarks"). Accumulators this many do not
// fit a GPU thread's registers, so the `gpu` family keeps the 8-channel kernels above. The bodies
// are written out because `subgroupBroadcast` takes a constant lane and the accumulators must be
// indexed by constants to stay out of memory.

// Forward, 16 output channels × 4 taps × 2 input rows × 4 pixels per invocation, 2 input
// channels per loop trip; `p.blocks` counts blocks of 16, `p.tiles` row pairs. Generated by
// tools/gen_conv_transpose2d_wide.py (why this shape: its docstring, measured).
@compute @workgroup_size(64)
fn conv_transpose2d_forward_subgroup16x2_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                                 @builtin(local_invocation_index) lid: u32,
                                                 @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_in);
    let ob = b.cb;
    let n_out = split * p.n + b.n;
    let n = b.n;
    // Block row b.i covers rows 2·b.i and 2·b.i + 1 of the input plane (`p.tiles` counts row pairs).
    let i0 = 2u * b.i;
    let i1 = i0 + 1u;
    // Invocation sid loads the 4 taps of output channels ob·16 + 8q + sid (q = 0..1).
    let m0 = min(ob * 16u + 0u + sid % CB, p.c_out - 1u);
    let m1 = min(ob * 16u + 8u + sid % CB, p.c_out - 1u);
    let bias0 = bias_of(split, min(ob * 16u + 0u, p.c_out - 1u)); var a0_0_0 = vec4<f32>(bias0); var a0_0_1 = vec4<f32>(bias0); var a0_1_0 = vec4<f32>(bias0); var a0_1_1 = vec4<f32>(bias0); var a0_2_0 = vec4<f32>(bias0); var a0_2_1 = vec4<f32>(bias0); var a0_3_0 = vec4<f32>(bias0); var a0_3_1 = vec4<f32>(bias0);
    let bias1 = bias_of(split, min(ob * 16u + 1u, p.c_out - 1u)); var a1_0_0 = vec4<f32>(bias1); var a1_0_1 = vec4<f32>(bias1); var a1_1_0 = vec4<f32>(bias1); var a1_1_1 = vec4<f32>(bias1); var a1_2_0 = vec4<f32>(bias1); var a1_2_1 = vec4<f32>(bias1); var a1_3_0 = vec4<f32>(bias1); var a1_3_1 = vec4<f32>(bias1);
    let bias2 = bias_of(split, min(ob * 16u + 2u, p.c_out - 1u)); var a2_0_0 = vec4<f32>(bias2); var a2_0_1 = vec4<f32>(bias2); var a2_1_0 = vec4<f32>(bias2); var a2_1_1 = vec4<f32>(bias2); var a2_2_0 = vec4<f32>(bias2); var a2_2_1 = vec4<f32>(bias2); var a2_3_0 = vec4<f32>(bias2); var a2_3_1 = vec4<f32>(bias2);
    let bias3 = bias_of(split, min(ob * 16u + 3u, p.c_out - 1u)); var a3_0_0 = vec4<f32>(bias3); var a3_0_1 = vec4<f32>(bias3); var a3_1_0 = vec4<f32>(bias3); var a3_1_1 = vec4<f32>(bias3); var a3_2_0 = vec4<f32>(bias3); var a3_2_1 = vec4<f32>(bias3); var a3_3_0 = vec4<f32>(bias3); var a3_3_1 = vec4<f32>(bias3);
    let bias4 = bias_of(split, min(ob * 16u + 4u, p.c_out - 1u)); var a4_0_0 = vec4<f32>(bias4); var a4_0_1 = vec4<f32>(bias4); var a4_1_0 = vec4<f32>(bias4); var a4_1_1 = vec4<f32>(bias4); var a4_2_0 = vec4<f32>(bias4); var a4_2_1 = vec4<f32>(bias4); var a4_3_0 = vec4<f32>(bias4); var a4_3_1 = vec4<f32>(bias4);
    let bias5 = bias_of(split, min(ob * 16u + 5u, p.c_out - 1u)); var a5_0_0 = vec4<f32>(bias5); var a5_0_1 = vec4<f32>(bias5); var a5_1_0 = vec4<f32>(bias5); var a5_1_1 = vec4<f32>(bias5); var a5_2_0 = vec4<f32>(bias5); var a5_2_1 = vec4<f32>(bias5); var a5_3_0 = vec4<f32>(bias5); var a5_3_1 = vec4<f32>(bias5);
    let bias6 = bias_of(split, min(ob * 16u + 6u, p.c_out - 1u)); var a6_0_0 = vec4<f32>(bias6); var a6_0_1 = vec4<f32>(bias6); var a6_1_0 = vec4<f32>(bias6); var a6_1_1 = vec4<f32>(bias6); var a6_2_0 = vec4<f32>(bias6); var a6_2_1 = vec4<f32>(bias6); var a6_3_0 = vec4<f32>(bias6); var a6_3_1 = vec4<f32>(bias6);
    let bias7 = bias_of(split, min(ob * 16u + 7u, p.c_out - 1u)); var a7_0_0 = vec4<f32>(bias7); var a7_0_1 = vec4<f32>(bias7); var a7_1_0 = vec4<f32>(bias7); var a7_1_1 = vec4<f32>(bias7); var a7_2_0 = vec4<f32>(bias7); var a7_2_1 = vec4<f32>(bias7); var a7_3_0 = vec4<f32>(bias7); var a7_3_1 = vec4<f32>(bias7);
    let bias8 = bias_of(split, min(ob * 16u + 8u, p.c_out - 1u)); var a8_0_0 = vec4<f32>(bias8); var a8_0_1 = vec4<f32>(bias8); var a8_1_0 = vec4<f32>(bias8); var a8_1_1 = vec4<f32>(bias8); var a8_2_0 = vec4<f32>(bias8); var a8_2_1 = vec4<f32>(bias8); var a8_3_0 = vec4<f32>(bias8); var a8_3_1 = vec4<f32>(bias8);
    let bias9 = bias_of(split, min(ob * 16u + 9u, p.c_out - 1u)); var a9_0_0 = vec4<f32>(bias9); var a9_0_1 = vec4<f32>(bias9); var a9_1_0 = vec4<f32>(bias9); var a9_1_1 = vec4<f32>(bias9); var a9_2_0 = vec4<f32>(bias9); var a9_2_1 = vec4<f32>(bias9); var a9_3_0 = vec4<f32>(bias9); var a9_3_1 = vec4<f32>(bias9);
    let bias10 = bias_of(split, min(ob * 16u + 10u, p.c_out - 1u)); var a10_0_0 = vec4<f32>(bias10); var a10_0_1 = vec4<f32>(bias10); var a10_1_0 = vec4<f32>(bias10); var a10_1_1 = vec4<f32>(bias10); var a10_2_0 = vec4<f32>(bias10); var a10_2_1 = vec4<f32>(bias10); var a10_3_0 = vec4<f32>(bias10); var a10_3_1 = vec4<f32>(bias10);
    let bias11 = bias_of(split, min(ob * 16u + 11u, p.c_out - 1u)); var a11_0_0 = vec4<f32>(bias11); var a11_0_1 = vec4<f32>(bias11); var a11_1_0 = vec4<f32>(bias11); var a11_1_1 = vec4<f32>(bias11); var a11_2_0 = vec4<f32>(bias11); var a11_2_1 = vec4<f32>(bias11); var a11_3_0 = vec4<f32>(bias11); var a11_3_1 = vec4<f32>(bias11);
    let bias12 = bias_of(split, min(ob * 16u + 12u, p.c_out - 1u)); var a12_0_0 = vec4<f32>(bias12); var a12_0_1 = vec4<f32>(bias12); var a12_1_0 = vec4<f32>(bias12); var a12_1_1 = vec4<f32>(bias12); var a12_2_0 = vec4<f32>(bias12); var a12_2_1 = vec4<f32>(bias12); var a12_3_0 = vec4<f32>(bias12); var a12_3_1 = vec4<f32>(bias12);
    let bias13 = bias_of(split, min(ob * 16u + 13u, p.c_out - 1u)); var a13_0_0 = vec4<f32>(bias13); var a13_0_1 = vec4<f32>(bias13); var a13_1_0 = vec4<f32>(bias13); var a13_1_1 = vec4<f32>(bias13); var a13_2_0 = vec4<f32>(bias13); var a13_2_1 = vec4<f32>(bias13); var a13_3_0 = vec4<f32>(bias13); var a13_3_1 = vec4<f32>(bias13);
    let bias14 = bias_of(split, min(ob * 16u + 14u, p.c_out - 1u)); var a14_0_0 = vec4<f32>(bias14); var a14_0_1 = vec4<f32>(bias14); var a14_1_0 = vec4<f32>(bias14); var a14_1_1 = vec4<f32>(bias14); var a14_2_0 = vec4<f32>(bias14); var a14_2_1 = vec4<f32>(bias14); var a14_3_0 = vec4<f32>(bias14); var a14_3_1 = vec4<f32>(bias14);
    let bias15 = bias_of(split, min(ob * 16u + 15u, p.c_out - 1u)); var a15_0_0 = vec4<f32>(bias15); var a15_0_1 = vec4<f32>(bias15); var a15_1_0 = vec4<f32>(bias15); var a15_1_1 = vec4<f32>(bias15); var a15_2_0 = vec4<f32>(bias15); var a15_2_1 = vec4<f32>(bias15); var a15_3_0 = vec4<f32>(bias15); var a15_3_1 = vec4<f32>(bias15);
    var c = first;
    for (; c + 1u < last; c += 2u) {
        let xv0_0 = x_vec4(n, c, i0, b.j0);
        let xv0_1 = x_vec4(n, c, i1, b.j0);
        let wv0_0 = weight4[(c) * p.c_out + m0];
        let wv1_0 = weight4[(c) * p.c_out + m1];
        let xv1_0 = x_vec4(n, c + 1u, i0, b.j0);
        let xv1_1 = x_vec4(n, c + 1u, i1, b.j0);
        let wv0_1 = weight4[(c + 1u) * p.c_out + m0];
        let wv1_1 = weight4[(c + 1u) * p.c_out + m1];
        let w0_0 = subgroupBroadcast(wv0_0, 0u);
        let w0_1 = subgroupBroadcast(wv0_1, 0u);
        a0_0_0 += w0_0.x * xv0_0 + w0_1.x * xv1_0; a0_0_1 += w0_0.x * xv0_1 + w0_1.x * xv1_1; a0_1_0 += w0_0.y * xv0_0 + w0_1.y * xv1_0; a0_1_1 += w0_0.y * xv0_1 + w0_1.y * xv1_1; a0_2_0 += w0_0.z * xv0_0 + w0_1.z * xv1_0; a0_2_1 += w0_0.z * xv0_1 + w0_1.z * xv1_1; a0_3_0 += w0_0.w * xv0_0 + w0_1.w * xv1_0; a0_3_1 += w0_0.w * xv0_1 + w0_1.w * xv1_1;
        let w1_0 = subgroupBroadcast(wv0_0, 1u);
        let w1_1 = subgroupBroadcast(wv0_1, 1u);
        a1_0_0 += w1_0.x * xv0_0 + w1_1.x * xv1_0; a1_0_1 += w1_0.x * xv0_1 + w1_1.x * xv1_1; a1_1_0 += w1_0.y * xv0_0 + w1_1.y * xv1_0; a1_1_1 += w1_0.y * xv0_1 + w1_1.y * xv1_1; a1_2_0 += w1_0.z * xv0_0 + w1_1.z * xv1_0; a1_2_1 += w1_0.z * xv0_1 + w1_1.z * xv1_1; a1_3_0 += w1_0.w * xv0_0 + w1_1.w * xv1_0; a1_3_1 += w1_0.w * xv0_1 + w1_1.w * xv1_1;
        let w2_0 = subgroupBroadcast(wv0_0, 2u);
        let w2_1 = subgroupBroadcast(wv0_1, 2u);
        a2_0_0 += w2_0.x * xv0_0 + w2_1.x * xv1_0; a2_0_1 += w2_0.x * xv0_1 + w2_1.x * xv1_1; a2_1_0 += w2_0.y * xv0_0 + w2_1.y * xv1_0; a2_1_1 += w2_0.y * xv0_1 + w2_1.y * xv1_1; a2_2_0 += w2_0.z * xv0_0 + w2_1.z * xv1_0; a2_2_1 += w2_0.z * xv0_1 + w2_1.z * xv1_1; a2_3_0 += w2_0.w * xv0_0 + w2_1.w * xv1_0; a2_3_1 += w2_0.w * xv0_1 + w2_1.w * xv1_1;
        let w3_0 = subgroupBroadcast(wv0_0, 3u);
        let w3_1 = subgroupBroadcast(wv0_1, 3u);
        a3_0_0 += w3_0.x * xv0_0 + w3_1.x * xv1_0; a3_0_1 += w3_0.x * xv0_1 + w3_1.x * xv1_1; a3_1_0 += w3_0.y * xv0_0 + w3_1.y * xv1_0; a3_1_1 += w3_0.y * xv0_1 + w3_1.y * xv1_1; a3_2_0 += w3_0.z * xv0_0 + w3_1.z * xv1_0; a3_2_1 += w3_0.z * xv0_1 + w3_1.z * xv1_1; a3_3_0 += w3_0.w * xv0_0 + w3_1.w * xv1_0; a3_3_1 += w3_0.w * xv0_1 + w3_1.w * xv1_1;
        let w4_0 = subgroupBroadcast(wv0_0, 4u);
        let w4_1 = subgroupBroadcast(wv0_1, 4u);
        a4_0_0 += w4_0.x * xv0_0 + w4_1.x * xv1_0; a4_0_1 += w4_0.x * xv0_1 + w4_1.x * xv1_1; a4_1_0 += w4_0.y * xv0_0 + w4_1.y * xv1_0; a4_1_1 += w4_0.y * xv0_1 + w4_1.y * xv1_1; a4_2_0 += w4_0.z * xv0_0 + w4_1.z * xv1_0; a4_2_1 += w4_0.z * xv0_1 + w4_1.z * xv1_1; a4_3_0 += w4_0.w * xv0_0 + w4_1.w * xv1_0; a4_3_1 += w4_0.w * xv0_1 + w4_1.w * xv1_1;
        let w5_0 = subgroupBroadcast(wv0_0, 5u);
        let w5_1 = subgroupBroadcast(wv0_1, 5u);
        a5_0_0 += w5_0.x * xv0_0 + w5_1.x * xv1_0; a5_0_1 += w5_0.x * xv0_1 + w5_1.x * xv1_1; a5_1_0 += w5_0.y * xv0_0 + w5_1.y * xv1_0; a5_1_1 += w5_0.y * xv0_1 + w5_1.y * xv1_1; a5_2_0 += w5_0.z * xv0_0 + w5_1.z * xv1_0; a5_2_1 += w5_0.z * xv0_1 + w5_1.z * xv1_1; a5_3_0 += w5_0.w * xv0_0 + w5_1.w * xv1_0; a5_3_1 += w5_0.w * xv0_1 + w5_1.w * xv1_1;
        let w6_0 = subgroupBroadcast(wv0_0, 6u);
        let w6_1 = subgroupBroadcast(wv0_1, 6u);
        a6_0_0 += w6_0.x * xv0_0 + w6_1.x * xv1_0; a6_0_1 += w6_0.x * xv0_1 + w6_1.x * xv1_1; a6_1_0 += w6_0.y * xv0_0 + w6_1.y * xv1_0; a6_1_1 += w6_0.y * xv0_1 + w6_1.y * xv1_1; a6_2_0 += w6_0.z * xv0_0 + w6_1.z * xv1_0; a6_2_1 += w6_0.z * xv0_1 + w6_1.z * xv1_1; a6_3_0 += w6_0.w * xv0_0 + w6_1.w * xv1_0; a6_3_1 += w6_0.w * xv0_1 + w6_1.w * xv1_1;
        let w7_0 = subgroupBroadcast(wv0_0, 7u);
        let w7_1 = subgroupBroadcast(wv0_1, 7u);
        a7_0_0 += w7_0.x * xv0_0 + w7_1.x * xv1_0; a7_0_1 += w7_0.x * xv0_1 + w7_1.x * xv1_1; a7_1_0 += w7_0.y * xv0_0 + w7_1.y * xv1_0; a7_1_1 += w7_0.y * xv0_1 + w7_1.y * xv1_1; a7_2_0 += w7_0.z * xv0_0 + w7_1.z * xv1_0; a7_2_1 += w7_0.z * xv0_1 + w7_1.z * xv1_1; a7_3_0 += w7_0.w * xv0_0 + w7_1.w * xv1_0; a7_3_1 += w7_0.w * xv0_1 + w7_1.w * xv1_1;
        let w8_0 = subgroupBroadcast(wv1_0, 0u);
        let w8_1 = subgroupBroadcast(wv1_1, 0u);
        a8_0_0 += w8_0.x * xv0_0 + w8_1.x * xv1_0; a8_0_1 += w8_0.x * xv0_1 + w8_1.x * xv1_1; a8_1_0 += w8_0.y * xv0_0 + w8_1.y * xv1_0; a8_1_1 += w8_0.y * xv0_1 + w8_1.y * xv1_1; a8_2_0 += w8_0.z * xv0_0 + w8_1.z * xv1_0; a8_2_1 += w8_0.z * xv0_1 + w8_1.z * xv1_1; a8_3_0 += w8_0.w * xv0_0 + w8_1.w * xv1_0; a8_3_1 += w8_0.w * xv0_1 + w8_1.w * xv1_1;
        let w9_0 = subgroupBroadcast(wv1_0, 1u);
        let w9_1 = subgroupBroadcast(wv1_1, 1u);
        a9_0_0 += w9_0.x * xv0_0 + w9_1.x * xv1_0; a9_0_1 += w9_0.x * xv0_1 + w9_1.x * xv1_1; a9_1_0 += w9_0.y * xv0_0 + w9_1.y * xv1_0; a9_1_1 += w9_0.y * xv0_1 + w9_1.y * xv1_1; a9_2_0 += w9_0.z * xv0_0 + w9_1.z * xv1_0; a9_2_1 += w9_0.z * xv0_1 + w9_1.z * xv1_1; a9_3_0 += w9_0.w * xv0_0 + w9_1.w * xv1_0; a9_3_1 += w9_0.w * xv0_1 + w9_1.w * xv1_1;
        let w10_0 = subgroupBroadcast(wv1_0, 2u);
        let w10_1 = subgroupBroadcast(wv1_1, 2u);
        a10_0_0 += w10_0.x * xv0_0 + w10_1.x * xv1_0; a10_0_1 += w10_0.x * xv0_1 + w10_1.x * xv1_1; a10_1_0 += w10_0.y * xv0_0 + w10_1.y * xv1_0; a10_1_1 += w10_0.y * xv0_1 + w10_1.y * xv1_1; a10_2_0 += w10_0.z * xv0_0 + w10_1.z * xv1_0; a10_2_1 += w10_0.z * xv0_1 + w10_1.z * xv1_1; a10_3_0 += w10_0.w * xv0_0 + w10_1.w * xv1_0; a10_3_1 += w10_0.w * xv0_1 + w10_1.w * xv1_1;
        let w11_0 = subgroupBroadcast(wv1_0, 3u);
        let w11_1 = subgroupBroadcast(wv1_1, 3u);
        a11_0_0 += w11_0.x * xv0_0 + w11_1.x * xv1_0; a11_0_1 += w11_0.x * xv0_1 + w11_1.x * xv1_1; a11_1_0 += w11_0.y * xv0_0 + w11_1.y * xv1_0; a11_1_1 += w11_0.y * xv0_1 + w11_1.y * xv1_1; a11_2_0 += w11_0.z * xv0_0 + w11_1.z * xv1_0; a11_2_1 += w11_0.z * xv0_1 + w11_1.z * xv1_1; a11_3_0 += w11_0.w * xv0_0 + w11_1.w * xv1_0; a11_3_1 += w11_0.w * xv0_1 + w11_1.w * xv1_1;
        let w12_0 = subgroupBroadcast(wv1_0, 4u);
        let w12_1 = subgroupBroadcast(wv1_1, 4u);
        a12_0_0 += w12_0.x * xv0_0 + w12_1.x * xv1_0; a12_0_1 += w12_0.x * xv0_1 + w12_1.x * xv1_1; a12_1_0 += w12_0.y * xv0_0 + w12_1.y * xv1_0; a12_1_1 += w12_0.y * xv0_1 + w12_1.y * xv1_1; a12_2_0 += w12_0.z * xv0_0 + w12_1.z * xv1_0; a12_2_1 += w12_0.z * xv0_1 + w12_1.z * xv1_1; a12_3_0 += w12_0.w * xv0_0 + w12_1.w * xv1_0; a12_3_1 += w12_0.w * xv0_1 + w12_1.w * xv1_1;
        let w13_0 = subgroupBroadcast(wv1_0, 5u);
        let w13_1 = subgroupBroadcast(wv1_1, 5u);
        a13_0_0 += w13_0.x * xv0_0 + w13_1.x * xv1_0; a13_0_1 += w13_0.x * xv0_1 + w13_1.x * xv1_1; a13_1_0 += w13_0.y * xv0_0 + w13_1.y * xv1_0; a13_1_1 += w13_0.y * xv0_1 + w13_1.y * xv1_1; a13_2_0 += w13_0.z * xv0_0 + w13_1.z * xv1_0; a13_2_1 += w13_0.z * xv0_1 + w13_1.z * xv1_1; a13_3_0 += w13_0.w * xv0_0 + w13_1.w * xv1_0; a13_3_1 += w13_0.w * xv0_1 + w13_1.w * xv1_1;
        let w14_0 = subgroupBroadcast(wv1_0, 6u);
        let w14_1 = subgroupBroadcast(wv1_1, 6u);
        a14_0_0 += w14_0.x * xv0_0 + w14_1.x * xv1_0; a14_0_1 += w14_0.x * xv0_1 + w14_1.x * xv1_1; a14_1_0 += w14_0.y * xv0_0 + w14_1.y * xv1_0; a14_1_1 += w14_0.y * xv0_1 + w14_1.y * xv1_1; a14_2_0 += w14_0.z * xv0_0 + w14_1.z * xv1_0; a14_2_1 += w14_0.z * xv0_1 + w14_1.z * xv1_1; a14_3_0 += w14_0.w * xv0_0 + w14_1.w * xv1_0; a14_3_1 += w14_0.w * xv0_1 + w14_1.w * xv1_1;
        let w15_0 = subgroupBroadcast(wv1_0, 7u);
        let w15_1 = subgroupBroadcast(wv1_1, 7u);
        a15_0_0 += w15_0.x * xv0_0 + w15_1.x * xv1_0; a15_0_1 += w15_0.x * xv0_1 + w15_1.x * xv1_1; a15_1_0 += w15_0.y * xv0_0 + w15_1.y * xv1_0; a15_1_1 += w15_0.y * xv0_1 + w15_1.y * xv1_1; a15_2_0 += w15_0.z * xv0_0 + w15_1.z * xv1_0; a15_2_1 += w15_0.z * xv0_1 + w15_1.z * xv1_1; a15_3_0 += w15_0.w * xv0_0 + w15_1.w * xv1_0; a15_3_1 += w15_0.w * xv0_1 + w15_1.w * xv1_1;
    }
    // A count that is not a multiple of the trip's: the last one alone.
    for (; c < last; c++) {
        let xv0_0 = x_vec4(n, c, i0, b.j0);
        let xv0_1 = x_vec4(n, c, i1, b.j0);
        let wv0_0 = weight4[(c) * p.c_out + m0];
        let wv1_0 = weight4[(c) * p.c_out + m1];
        let w0_0 = subgroupBroadcast(wv0_0, 0u);
        a0_0_0 += w0_0.x * xv0_0; a0_0_1 += w0_0.x * xv0_1; a0_1_0 += w0_0.y * xv0_0; a0_1_1 += w0_0.y * xv0_1; a0_2_0 += w0_0.z * xv0_0; a0_2_1 += w0_0.z * xv0_1; a0_3_0 += w0_0.w * xv0_0; a0_3_1 += w0_0.w * xv0_1;
        let w1_0 = subgroupBroadcast(wv0_0, 1u);
        a1_0_0 += w1_0.x * xv0_0; a1_0_1 += w1_0.x * xv0_1; a1_1_0 += w1_0.y * xv0_0; a1_1_1 += w1_0.y * xv0_1; a1_2_0 += w1_0.z * xv0_0; a1_2_1 += w1_0.z * xv0_1; a1_3_0 += w1_0.w * xv0_0; a1_3_1 += w1_0.w * xv0_1;
        let w2_0 = subgroupBroadcast(wv0_0, 2u);
        a2_0_0 += w2_0.x * xv0_0; a2_0_1 += w2_0.x * xv0_1; a2_1_0 += w2_0.y * xv0_0; a2_1_1 += w2_0.y * xv0_1; a2_2_0 += w2_0.z * xv0_0; a2_2_1 += w2_0.z * xv0_1; a2_3_0 += w2_0.w * xv0_0; a2_3_1 += w2_0.w * xv0_1;
        let w3_0 = subgroupBroadcast(wv0_0, 3u);
        a3_0_0 += w3_0.x * xv0_0; a3_0_1 += w3_0.x * xv0_1; a3_1_0 += w3_0.y * xv0_0; a3_1_1 += w3_0.y * xv0_1; a3_2_0 += w3_0.z * xv0_0; a3_2_1 += w3_0.z * xv0_1; a3_3_0 += w3_0.w * xv0_0; a3_3_1 += w3_0.w * xv0_1;
        let w4_0 = subgroupBroadcast(wv0_0, 4u);
        a4_0_0 += w4_0.x * xv0_0; a4_0_1 += w4_0.x * xv0_1; a4_1_0 += w4_0.y * xv0_0; a4_1_1 += w4_0.y * xv0_1; a4_2_0 += w4_0.z * xv0_0; a4_2_1 += w4_0.z * xv0_1; a4_3_0 += w4_0.w * xv0_0; a4_3_1 += w4_0.w * xv0_1;
        let w5_0 = subgroupBroadcast(wv0_0, 5u);
        a5_0_0 += w5_0.x * xv0_0; a5_0_1 += w5_0.x * xv0_1; a5_1_0 += w5_0.y * xv0_0; a5_1_1 += w5_0.y * xv0_1; a5_2_0 += w5_0.z * xv0_0; a5_2_1 += w5_0.z * xv0_1; a5_3_0 += w5_0.w * xv0_0; a5_3_1 += w5_0.w * xv0_1;
        let w6_0 = subgroupBroadcast(wv0_0, 6u);
        a6_0_0 += w6_0.x * xv0_0; a6_0_1 += w6_0.x * xv0_1; a6_1_0 += w6_0.y * xv0_0; a6_1_1 += w6_0.y * xv0_1; a6_2_0 += w6_0.z * xv0_0; a6_2_1 += w6_0.z * xv0_1; a6_3_0 += w6_0.w * xv0_0; a6_3_1 += w6_0.w * xv0_1;
        let w7_0 = subgroupBroadcast(wv0_0, 7u);
        a7_0_0 += w7_0.x * xv0_0; a7_0_1 += w7_0.x * xv0_1; a7_1_0 += w7_0.y * xv0_0; a7_1_1 += w7_0.y * xv0_1; a7_2_0 += w7_0.z * xv0_0; a7_2_1 += w7_0.z * xv0_1; a7_3_0 += w7_0.w * xv0_0; a7_3_1 += w7_0.w * xv0_1;
        let w8_0 = subgroupBroadcast(wv1_0, 0u);
        a8_0_0 += w8_0.x * xv0_0; a8_0_1 += w8_0.x * xv0_1; a8_1_0 += w8_0.y * xv0_0; a8_1_1 += w8_0.y * xv0_1; a8_2_0 += w8_0.z * xv0_0; a8_2_1 += w8_0.z * xv0_1; a8_3_0 += w8_0.w * xv0_0; a8_3_1 += w8_0.w * xv0_1;
        let w9_0 = subgroupBroadcast(wv1_0, 1u);
        a9_0_0 += w9_0.x * xv0_0; a9_0_1 += w9_0.x * xv0_1; a9_1_0 += w9_0.y * xv0_0; a9_1_1 += w9_0.y * xv0_1; a9_2_0 += w9_0.z * xv0_0; a9_2_1 += w9_0.z * xv0_1; a9_3_0 += w9_0.w * xv0_0; a9_3_1 += w9_0.w * xv0_1;
        let w10_0 = subgroupBroadcast(wv1_0, 2u);
        a10_0_0 += w10_0.x * xv0_0; a10_0_1 += w10_0.x * xv0_1; a10_1_0 += w10_0.y * xv0_0; a10_1_1 += w10_0.y * xv0_1; a10_2_0 += w10_0.z * xv0_0; a10_2_1 += w10_0.z * xv0_1; a10_3_0 += w10_0.w * xv0_0; a10_3_1 += w10_0.w * xv0_1;
        let w11_0 = subgroupBroadcast(wv1_0, 3u);
        a11_0_0 += w11_0.x * xv0_0; a11_0_1 += w11_0.x * xv0_1; a11_1_0 += w11_0.y * xv0_0; a11_1_1 += w11_0.y * xv0_1; a11_2_0 += w11_0.z * xv0_0; a11_2_1 += w11_0.z * xv0_1; a11_3_0 += w11_0.w * xv0_0; a11_3_1 += w11_0.w * xv0_1;
        let w12_0 = subgroupBroadcast(wv1_0, 4u);
        a12_0_0 += w12_0.x * xv0_0; a12_0_1 += w12_0.x * xv0_1; a12_1_0 += w12_0.y * xv0_0; a12_1_1 += w12_0.y * xv0_1; a12_2_0 += w12_0.z * xv0_0; a12_2_1 += w12_0.z * xv0_1; a12_3_0 += w12_0.w * xv0_0; a12_3_1 += w12_0.w * xv0_1;
        let w13_0 = subgroupBroadcast(wv1_0, 5u);
        a13_0_0 += w13_0.x * xv0_0; a13_0_1 += w13_0.x * xv0_1; a13_1_0 += w13_0.y * xv0_0; a13_1_1 += w13_0.y * xv0_1; a13_2_0 += w13_0.z * xv0_0; a13_2_1 += w13_0.z * xv0_1; a13_3_0 += w13_0.w * xv0_0; a13_3_1 += w13_0.w * xv0_1;
        let w14_0 = subgroupBroadcast(wv1_0, 6u);
        a14_0_0 += w14_0.x * xv0_0; a14_0_1 += w14_0.x * xv0_1; a14_1_0 += w14_0.y * xv0_0; a14_1_1 += w14_0.y * xv0_1; a14_2_0 += w14_0.z * xv0_0; a14_2_1 += w14_0.z * xv0_1; a14_3_0 += w14_0.w * xv0_0; a14_3_1 += w14_0.w * xv0_1;
        let w15_0 = subgroupBroadcast(wv1_0, 7u);
        a15_0_0 += w15_0.x * xv0_0; a15_0_1 += w15_0.x * xv0_1; a15_1_0 += w15_0.y * xv0_0; a15_1_1 += w15_0.y * xv0_1; a15_2_0 += w15_0.z * xv0_0; a15_2_1 += w15_0.z * xv0_1; a15_3_0 += w15_0.w * xv0_0; a15_3_1 += w15_0.w * xv0_1;
    }
    if (b.skip || i0 >= p.h) {
        return;
    }
    store_pair4(n_out, ob * 16u + 0u, i0, b.j0, 0u, a0_0_0, a0_1_0); store_pair4(n_out, ob * 16u + 0u, i0, b.j0, 1u, a0_2_0, a0_3_0);
    store_pair4(n_out, ob * 16u + 1u, i0, b.j0, 0u, a1_0_0, a1_1_0); store_pair4(n_out, ob * 16u + 1u, i0, b.j0, 1u, a1_2_0, a1_3_0);
    store_pair4(n_out, ob * 16u + 2u, i0, b.j0, 0u, a2_0_0, a2_1_0); store_pair4(n_out, ob * 16u + 2u, i0, b.j0, 1u, a2_2_0, a2_3_0);
    store_pair4(n_out, ob * 16u + 3u, i0, b.j0, 0u, a3_0_0, a3_1_0); store_pair4(n_out, ob * 16u + 3u, i0, b.j0, 1u, a3_2_0, a3_3_0);
    store_pair4(n_out, ob * 16u + 4u, i0, b.j0, 0u, a4_0_0, a4_1_0); store_pair4(n_out, ob * 16u + 4u, i0, b.j0, 1u, a4_2_0, a4_3_0);
    store_pair4(n_out, ob * 16u + 5u, i0, b.j0, 0u, a5_0_0, a5_1_0); store_pair4(n_out, ob * 16u + 5u, i0, b.j0, 1u, a5_2_0, a5_3_0);
    store_pair4(n_out, ob * 16u + 6u, i0, b.j0, 0u, a6_0_0, a6_1_0); store_pair4(n_out, ob * 16u + 6u, i0, b.j0, 1u, a6_2_0, a6_3_0);
    store_pair4(n_out, ob * 16u + 7u, i0, b.j0, 0u, a7_0_0, a7_1_0); store_pair4(n_out, ob * 16u + 7u, i0, b.j0, 1u, a7_2_0, a7_3_0);
    store_pair4(n_out, ob * 16u + 8u, i0, b.j0, 0u, a8_0_0, a8_1_0); store_pair4(n_out, ob * 16u + 8u, i0, b.j0, 1u, a8_2_0, a8_3_0);
    store_pair4(n_out, ob * 16u + 9u, i0, b.j0, 0u, a9_0_0, a9_1_0); store_pair4(n_out, ob * 16u + 9u, i0, b.j0, 1u, a9_2_0, a9_3_0);
    store_pair4(n_out, ob * 16u + 10u, i0, b.j0, 0u, a10_0_0, a10_1_0); store_pair4(n_out, ob * 16u + 10u, i0, b.j0, 1u, a10_2_0, a10_3_0);
    store_pair4(n_out, ob * 16u + 11u, i0, b.j0, 0u, a11_0_0, a11_1_0); store_pair4(n_out, ob * 16u + 11u, i0, b.j0, 1u, a11_2_0, a11_3_0);
    store_pair4(n_out, ob * 16u + 12u, i0, b.j0, 0u, a12_0_0, a12_1_0); store_pair4(n_out, ob * 16u + 12u, i0, b.j0, 1u, a12_2_0, a12_3_0);
    store_pair4(n_out, ob * 16u + 13u, i0, b.j0, 0u, a13_0_0, a13_1_0); store_pair4(n_out, ob * 16u + 13u, i0, b.j0, 1u, a13_2_0, a13_3_0);
    store_pair4(n_out, ob * 16u + 14u, i0, b.j0, 0u, a14_0_0, a14_1_0); store_pair4(n_out, ob * 16u + 14u, i0, b.j0, 1u, a14_2_0, a14_3_0);
    store_pair4(n_out, ob * 16u + 15u, i0, b.j0, 0u, a15_0_0, a15_1_0); store_pair4(n_out, ob * 16u + 15u, i0, b.j0, 1u, a15_2_0, a15_3_0);
    if (i1 >= p.h) {
        return; // odd H: the pair's second row is past the end
    }
    store_pair4(n_out, ob * 16u + 0u, i1, b.j0, 0u, a0_0_1, a0_1_1); store_pair4(n_out, ob * 16u + 0u, i1, b.j0, 1u, a0_2_1, a0_3_1);
    store_pair4(n_out, ob * 16u + 1u, i1, b.j0, 0u, a1_0_1, a1_1_1); store_pair4(n_out, ob * 16u + 1u, i1, b.j0, 1u, a1_2_1, a1_3_1);
    store_pair4(n_out, ob * 16u + 2u, i1, b.j0, 0u, a2_0_1, a2_1_1); store_pair4(n_out, ob * 16u + 2u, i1, b.j0, 1u, a2_2_1, a2_3_1);
    store_pair4(n_out, ob * 16u + 3u, i1, b.j0, 0u, a3_0_1, a3_1_1); store_pair4(n_out, ob * 16u + 3u, i1, b.j0, 1u, a3_2_1, a3_3_1);
    store_pair4(n_out, ob * 16u + 4u, i1, b.j0, 0u, a4_0_1, a4_1_1); store_pair4(n_out, ob * 16u + 4u, i1, b.j0, 1u, a4_2_1, a4_3_1);
    store_pair4(n_out, ob * 16u + 5u, i1, b.j0, 0u, a5_0_1, a5_1_1); store_pair4(n_out, ob * 16u + 5u, i1, b.j0, 1u, a5_2_1, a5_3_1);
    store_pair4(n_out, ob * 16u + 6u, i1, b.j0, 0u, a6_0_1, a6_1_1); store_pair4(n_out, ob * 16u + 6u, i1, b.j0, 1u, a6_2_1, a6_3_1);
    store_pair4(n_out, ob * 16u + 7u, i1, b.j0, 0u, a7_0_1, a7_1_1); store_pair4(n_out, ob * 16u + 7u, i1, b.j0, 1u, a7_2_1, a7_3_1);
    store_pair4(n_out, ob * 16u + 8u, i1, b.j0, 0u, a8_0_1, a8_1_1); store_pair4(n_out, ob * 16u + 8u, i1, b.j0, 1u, a8_2_1, a8_3_1);
    store_pair4(n_out, ob * 16u + 9u, i1, b.j0, 0u, a9_0_1, a9_1_1); store_pair4(n_out, ob * 16u + 9u, i1, b.j0, 1u, a9_2_1, a9_3_1);
    store_pair4(n_out, ob * 16u + 10u, i1, b.j0, 0u, a10_0_1, a10_1_1); store_pair4(n_out, ob * 16u + 10u, i1, b.j0, 1u, a10_2_1, a10_3_1);
    store_pair4(n_out, ob * 16u + 11u, i1, b.j0, 0u, a11_0_1, a11_1_1); store_pair4(n_out, ob * 16u + 11u, i1, b.j0, 1u, a11_2_1, a11_3_1);
    store_pair4(n_out, ob * 16u + 12u, i1, b.j0, 0u, a12_0_1, a12_1_1); store_pair4(n_out, ob * 16u + 12u, i1, b.j0, 1u, a12_2_1, a12_3_1);
    store_pair4(n_out, ob * 16u + 13u, i1, b.j0, 0u, a13_0_1, a13_1_1); store_pair4(n_out, ob * 16u + 13u, i1, b.j0, 1u, a13_2_1, a13_3_1);
    store_pair4(n_out, ob * 16u + 14u, i1, b.j0, 0u, a14_0_1, a14_1_1); store_pair4(n_out, ob * 16u + 14u, i1, b.j0, 1u, a14_2_1, a14_3_1);
    store_pair4(n_out, ob * 16u + 15u, i1, b.j0, 0u, a15_0_1, a15_1_1); store_pair4(n_out, ob * 16u + 15u, i1, b.j0, 1u, a15_2_1, a15_3_1);
}

// Backward-input, 32 input channels × 2 rows × 4 pixels per invocation; `p.blocks` counts blocks
// of 32, `p.tiles` row pairs. Generated by tools/gen_conv_transpose2d_wide.py.
@compute @workgroup_size(64)
fn conv_transpose2d_backward_input_subgroup32x2_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                                        @builtin(local_invocation_index) lid: u32,
                                                        @builtin(subgroup_invocation_id) sid: u32) {
    if (skipped(wid, nwg)) {
        return; // whole workgroup
    }
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_out);
    let cb = b.cb;
    let n_out = split * p.n + b.n;
    let n = b.n;
    // Block row b.i covers rows 2·b.i and 2·b.i + 1 of the input plane (`p.tiles` counts row pairs).
    let i0 = 2u * b.i;
    let i1 = i0 + 1u;
    // Invocation sid loads the 4 taps of input channels cb·32 + 8q + sid (q = 0..3).
    let m0 = min(cb * 32u + 0u + sid % CB, p.c_in - 1u);
    let m1 = min(cb * 32u + 8u + sid % CB, p.c_in - 1u);
    let m2 = min(cb * 32u + 16u + sid % CB, p.c_in - 1u);
    let m3 = min(cb * 32u + 24u + sid % CB, p.c_in - 1u);
    var a0_0 = vec4<f32>(0.0); var a0_1 = vec4<f32>(0.0);
    var a1_0 = vec4<f32>(0.0); var a1_1 = vec4<f32>(0.0);
    var a2_0 = vec4<f32>(0.0); var a2_1 = vec4<f32>(0.0);
    var a3_0 = vec4<f32>(0.0); var a3_1 = vec4<f32>(0.0);
    var a4_0 = vec4<f32>(0.0); var a4_1 = vec4<f32>(0.0);
    var a5_0 = vec4<f32>(0.0); var a5_1 = vec4<f32>(0.0);
    var a6_0 = vec4<f32>(0.0); var a6_1 = vec4<f32>(0.0);
    var a7_0 = vec4<f32>(0.0); var a7_1 = vec4<f32>(0.0);
    var a8_0 = vec4<f32>(0.0); var a8_1 = vec4<f32>(0.0);
    var a9_0 = vec4<f32>(0.0); var a9_1 = vec4<f32>(0.0);
    var a10_0 = vec4<f32>(0.0); var a10_1 = vec4<f32>(0.0);
    var a11_0 = vec4<f32>(0.0); var a11_1 = vec4<f32>(0.0);
    var a12_0 = vec4<f32>(0.0); var a12_1 = vec4<f32>(0.0);
    var a13_0 = vec4<f32>(0.0); var a13_1 = vec4<f32>(0.0);
    var a14_0 = vec4<f32>(0.0); var a14_1 = vec4<f32>(0.0);
    var a15_0 = vec4<f32>(0.0); var a15_1 = vec4<f32>(0.0);
    var a16_0 = vec4<f32>(0.0); var a16_1 = vec4<f32>(0.0);
    var a17_0 = vec4<f32>(0.0); var a17_1 = vec4<f32>(0.0);
    var a18_0 = vec4<f32>(0.0); var a18_1 = vec4<f32>(0.0);
    var a19_0 = vec4<f32>(0.0); var a19_1 = vec4<f32>(0.0);
    var a20_0 = vec4<f32>(0.0); var a20_1 = vec4<f32>(0.0);
    var a21_0 = vec4<f32>(0.0); var a21_1 = vec4<f32>(0.0);
    var a22_0 = vec4<f32>(0.0); var a22_1 = vec4<f32>(0.0);
    var a23_0 = vec4<f32>(0.0); var a23_1 = vec4<f32>(0.0);
    var a24_0 = vec4<f32>(0.0); var a24_1 = vec4<f32>(0.0);
    var a25_0 = vec4<f32>(0.0); var a25_1 = vec4<f32>(0.0);
    var a26_0 = vec4<f32>(0.0); var a26_1 = vec4<f32>(0.0);
    var a27_0 = vec4<f32>(0.0); var a27_1 = vec4<f32>(0.0);
    var a28_0 = vec4<f32>(0.0); var a28_1 = vec4<f32>(0.0);
    var a29_0 = vec4<f32>(0.0); var a29_1 = vec4<f32>(0.0);
    var a30_0 = vec4<f32>(0.0); var a30_1 = vec4<f32>(0.0);
    var a31_0 = vec4<f32>(0.0); var a31_1 = vec4<f32>(0.0);
    var o = first;
    for (; o < last; o++) {
        let d00 = dy_pair(n, o, i0, b.j0, 0u);
        let d01 = dy_pair(n, o, i0, b.j0, 1u);
        let d10 = dy_pair(n, o, i1, b.j0, 0u);
        let d11 = dy_pair(n, o, i1, b.j0, 1u);
        let wv0 = weight4[m0 * p.c_out + o];
        let wv1 = weight4[m1 * p.c_out + o];
        let wv2 = weight4[m2 * p.c_out + o];
        let wv3 = weight4[m3 * p.c_out + o];
        let w0 = subgroupBroadcast(wv0, 0u);
        a0_0 += w0.x * d00.b0 + w0.y * d00.b1 + w0.z * d01.b0 + w0.w * d01.b1;
        a0_1 += w0.x * d10.b0 + w0.y * d10.b1 + w0.z * d11.b0 + w0.w * d11.b1;
        let w1 = subgroupBroadcast(wv0, 1u);
        a1_0 += w1.x * d00.b0 + w1.y * d00.b1 + w1.z * d01.b0 + w1.w * d01.b1;
        a1_1 += w1.x * d10.b0 + w1.y * d10.b1 + w1.z * d11.b0 + w1.w * d11.b1;
        let w2 = subgroupBroadcast(wv0, 2u);
        a2_0 += w2.x * d00.b0 + w2.y * d00.b1 + w2.z * d01.b0 + w2.w * d01.b1;
        a2_1 += w2.x * d10.b0 + w2.y * d10.b1 + w2.z * d11.b0 + w2.w * d11.b1;
        let w3 = subgroupBroadcast(wv0, 3u);
        a3_0 += w3.x * d00.b0 + w3.y * d00.b1 + w3.z * d01.b0 + w3.w * d01.b1;
        a3_1 += w3.x * d10.b0 + w3.y * d10.b1 + w3.z * d11.b0 + w3.w * d11.b1;
        let w4 = subgroupBroadcast(wv0, 4u);
        a4_0 += w4.x * d00.b0 + w4.y * d00.b1 + w4.z * d01.b0 + w4.w * d01.b1;
        a4_1 += w4.x * d10.b0 + w4.y * d10.b1 + w4.z * d11.b0 + w4.w * d11.b1;
        let w5 = subgroupBroadcast(wv0, 5u);
        a5_0 += w5.x * d00.b0 + w5.y * d00.b1 + w5.z * d01.b0 + w5.w * d01.b1;
        a5_1 += w5.x * d10.b0 + w5.y * d10.b1 + w5.z * d11.b0 + w5.w * d11.b1;
        let w6 = subgroupBroadcast(wv0, 6u);
        a6_0 += w6.x * d00.b0 + w6.y * d00.b1 + w6.z * d01.b0 + w6.w * d01.b1;
        a6_1 += w6.x * d10.b0 + w6.y * d10.b1 + w6.z * d11.b0 + w6.w * d11.b1;
        let w7 = subgroupBroadcast(wv0, 7u);
        a7_0 += w7.x * d00.b0 + w7.y * d00.b1 + w7.z * d01.b0 + w7.w * d01.b1;
        a7_1 += w7.x * d10.b0 + w7.y * d10.b1 + w7.z * d11.b0 + w7.w * d11.b1;
        let w8 = subgroupBroadcast(wv1, 0u);
        a8_0 += w8.x * d00.b0 + w8.y * d00.b1 + w8.z * d01.b0 + w8.w * d01.b1;
        a8_1 += w8.x * d10.b0 + w8.y * d10.b1 + w8.z * d11.b0 + w8.w * d11.b1;
        let w9 = subgroupBroadcast(wv1, 1u);
        a9_0 += w9.x * d00.b0 + w9.y * d00.b1 + w9.z * d01.b0 + w9.w * d01.b1;
        a9_1 += w9.x * d10.b0 + w9.y * d10.b1 + w9.z * d11.b0 + w9.w * d11.b1;
        let w10 = subgroupBroadcast(wv1, 2u);
        a10_0 += w10.x * d00.b0 + w10.y * d00.b1 + w10.z * d01.b0 + w10.w * d01.b1;
        a10_1 += w10.x * d10.b0 + w10.y * d10.b1 + w10.z * d11.b0 + w10.w * d11.b1;
        let w11 = subgroupBroadcast(wv1, 3u);
        a11_0 += w11.x * d00.b0 + w11.y * d00.b1 + w11.z * d01.b0 + w11.w * d01.b1;
        a11_1 += w11.x * d10.b0 + w11.y * d10.b1 + w11.z * d11.b0 + w11.w * d11.b1;
        let w12 = subgroupBroadcast(wv1, 4u);
        a12_0 += w12.x * d00.b0 + w12.y * d00.b1 + w12.z * d01.b0 + w12.w * d01.b1;
        a12_1 += w12.x * d10.b0 + w12.y * d10.b1 + w12.z * d11.b0 + w12.w * d11.b1;
        let w13 = subgroupBroadcast(wv1, 5u);
        a13_0 += w13.x * d00.b0 + w13.y * d00.b1 + w13.z * d01.b0 + w13.w * d01.b1;
        a13_1 += w13.x * d10.b0 + w13.y * d10.b1 + w13.z * d11.b0 + w13.w * d11.b1;
        let w14 = subgroupBroadcast(wv1, 6u);
        a14_0 += w14.x * d00.b0 + w14.y * d00.b1 + w14.z * d01.b0 + w14.w * d01.b1;
        a14_1 += w14.x * d10.b0 + w14.y * d10.b1 + w14.z * d11.b0 + w14.w * d11.b1;
        let w15 = subgroupBroadcast(wv1, 7u);
        a15_0 += w15.x * d00.b0 + w15.y * d00.b1 + w15.z * d01.b0 + w15.w * d01.b1;
        a15_1 += w15.x * d10.b0 + w15.y * d10.b1 + w15.z * d11.b0 + w15.w * d11.b1;
        let w16 = subgroupBroadcast(wv2, 0u);
        a16_0 += w16.x * d00.b0 + w16.y * d00.b1 + w16.z * d01.b0 + w16.w * d01.b1;
        a16_1 += w16.x * d10.b0 + w16.y * d10.b1 + w16.z * d11.b0 + w16.w * d11.b1;
        let w17 = subgroupBroadcast(wv2, 1u);
        a17_0 += w17.x * d00.b0 + w17.y * d00.b1 + w17.z * d01.b0 + w17.w * d01.b1;
        a17_1 += w17.x * d10.b0 + w17.y * d10.b1 + w17.z * d11.b0 + w17.w * d11.b1;
        let w18 = subgroupBroadcast(wv2, 2u);
        a18_0 += w18.x * d00.b0 + w18.y * d00.b1 + w18.z * d01.b0 + w18.w * d01.b1;
        a18_1 += w18.x * d10.b0 + w18.y * d10.b1 + w18.z * d11.b0 + w18.w * d11.b1;
        let w19 = subgroupBroadcast(wv2, 3u);
        a19_0 += w19.x * d00.b0 + w19.y * d00.b1 + w19.z * d01.b0 + w19.w * d01.b1;
        a19_1 += w19.x * d10.b0 + w19.y * d10.b1 + w19.z * d11.b0 + w19.w * d11.b1;
        let w20 = subgroupBroadcast(wv2, 4u);
        a20_0 += w20.x * d00.b0 + w20.y * d00.b1 + w20.z * d01.b0 + w20.w * d01.b1;
        a20_1 += w20.x * d10.b0 + w20.y * d10.b1 + w20.z * d11.b0 + w20.w * d11.b1;
        let w21 = subgroupBroadcast(wv2, 5u);
        a21_0 += w21.x * d00.b0 + w21.y * d00.b1 + w21.z * d01.b0 + w21.w * d01.b1;
        a21_1 += w21.x * d10.b0 + w21.y * d10.b1 + w21.z * d11.b0 + w21.w * d11.b1;
        let w22 = subgroupBroadcast(wv2, 6u);
        a22_0 += w22.x * d00.b0 + w22.y * d00.b1 + w22.z * d01.b0 + w22.w * d01.b1;
        a22_1 += w22.x * d10.b0 + w22.y * d10.b1 + w22.z * d11.b0 + w22.w * d11.b1;
        let w23 = subgroupBroadcast(wv2, 7u);
        a23_0 += w23.x * d00.b0 + w23.y * d00.b1 + w23.z * d01.b0 + w23.w * d01.b1;
        a23_1 += w23.x * d10.b0 + w23.y * d10.b1 + w23.z * d11.b0 + w23.w * d11.b1;
        let w24 = subgroupBroadcast(wv3, 0u);
        a24_0 += w24.x * d00.b0 + w24.y * d00.b1 + w24.z * d01.b0 + w24.w * d01.b1;
        a24_1 += w24.x * d10.b0 + w24.y * d10.b1 + w24.z * d11.b0 + w24.w * d11.b1;
        let w25 = subgroupBroadcast(wv3, 1u);
        a25_0 += w25.x * d00.b0 + w25.y * d00.b1 + w25.z * d01.b0 + w25.w * d01.b1;
        a25_1 += w25.x * d10.b0 + w25.y * d10.b1 + w25.z * d11.b0 + w25.w * d11.b1;
        let w26 = subgroupBroadcast(wv3, 2u);
        a26_0 += w26.x * d00.b0 + w26.y * d00.b1 + w26.z * d01.b0 + w26.w * d01.b1;
        a26_1 += w26.x * d10.b0 + w26.y * d10.b1 + w26.z * d11.b0 + w26.w * d11.b1;
        let w27 = subgroupBroadcast(wv3, 3u);
        a27_0 += w27.x * d00.b0 + w27.y * d00.b1 + w27.z * d01.b0 + w27.w * d01.b1;
        a27_1 += w27.x * d10.b0 + w27.y * d10.b1 + w27.z * d11.b0 + w27.w * d11.b1;
        let w28 = subgroupBroadcast(wv3, 4u);
        a28_0 += w28.x * d00.b0 + w28.y * d00.b1 + w28.z * d01.b0 + w28.w * d01.b1;
        a28_1 += w28.x * d10.b0 + w28.y * d10.b1 + w28.z * d11.b0 + w28.w * d11.b1;
        let w29 = subgroupBroadcast(wv3, 5u);
        a29_0 += w29.x * d00.b0 + w29.y * d00.b1 + w29.z * d01.b0 + w29.w * d01.b1;
        a29_1 += w29.x * d10.b0 + w29.y * d10.b1 + w29.z * d11.b0 + w29.w * d11.b1;
        let w30 = subgroupBroadcast(wv3, 6u);
        a30_0 += w30.x * d00.b0 + w30.y * d00.b1 + w30.z * d01.b0 + w30.w * d01.b1;
        a30_1 += w30.x * d10.b0 + w30.y * d10.b1 + w30.z * d11.b0 + w30.w * d11.b1;
        let w31 = subgroupBroadcast(wv3, 7u);
        a31_0 += w31.x * d00.b0 + w31.y * d00.b1 + w31.z * d01.b0 + w31.w * d01.b1;
        a31_1 += w31.x * d10.b0 + w31.y * d10.b1 + w31.z * d11.b0 + w31.w * d11.b1;
    }
    if (b.skip || i0 >= p.h) {
        return;
    }
    store_dx4(n_out, cb * 32u + 0u, i0, b.j0, a0_0);
    store_dx4(n_out, cb * 32u + 1u, i0, b.j0, a1_0);
    store_dx4(n_out, cb * 32u + 2u, i0, b.j0, a2_0);
    store_dx4(n_out, cb * 32u + 3u, i0, b.j0, a3_0);
    store_dx4(n_out, cb * 32u + 4u, i0, b.j0, a4_0);
    store_dx4(n_out, cb * 32u + 5u, i0, b.j0, a5_0);
    store_dx4(n_out, cb * 32u + 6u, i0, b.j0, a6_0);
    store_dx4(n_out, cb * 32u + 7u, i0, b.j0, a7_0);
    store_dx4(n_out, cb * 32u + 8u, i0, b.j0, a8_0);
    store_dx4(n_out, cb * 32u + 9u, i0, b.j0, a9_0);
    store_dx4(n_out, cb * 32u + 10u, i0, b.j0, a10_0);
    store_dx4(n_out, cb * 32u + 11u, i0, b.j0, a11_0);
    store_dx4(n_out, cb * 32u + 12u, i0, b.j0, a12_0);
    store_dx4(n_out, cb * 32u + 13u, i0, b.j0, a13_0);
    store_dx4(n_out, cb * 32u + 14u, i0, b.j0, a14_0);
    store_dx4(n_out, cb * 32u + 15u, i0, b.j0, a15_0);
    store_dx4(n_out, cb * 32u + 16u, i0, b.j0, a16_0);
    store_dx4(n_out, cb * 32u + 17u, i0, b.j0, a17_0);
    store_dx4(n_out, cb * 32u + 18u, i0, b.j0, a18_0);
    store_dx4(n_out, cb * 32u + 19u, i0, b.j0, a19_0);
    store_dx4(n_out, cb * 32u + 20u, i0, b.j0, a20_0);
    store_dx4(n_out, cb * 32u + 21u, i0, b.j0, a21_0);
    store_dx4(n_out, cb * 32u + 22u, i0, b.j0, a22_0);
    store_dx4(n_out, cb * 32u + 23u, i0, b.j0, a23_0);
    store_dx4(n_out, cb * 32u + 24u, i0, b.j0, a24_0);
    store_dx4(n_out, cb * 32u + 25u, i0, b.j0, a25_0);
    store_dx4(n_out, cb * 32u + 26u, i0, b.j0, a26_0);
    store_dx4(n_out, cb * 32u + 27u, i0, b.j0, a27_0);
    store_dx4(n_out, cb * 32u + 28u, i0, b.j0, a28_0);
    store_dx4(n_out, cb * 32u + 29u, i0, b.j0, a29_0);
    store_dx4(n_out, cb * 32u + 30u, i0, b.j0, a30_0);
    store_dx4(n_out, cb * 32u + 31u, i0, b.j0, a31_0);
    if (i1 >= p.h) {
        return; // odd H: the pair's second row is past the end
    }
    store_dx4(n_out, cb * 32u + 0u, i1, b.j0, a0_1);
    store_dx4(n_out, cb * 32u + 1u, i1, b.j0, a1_1);
    store_dx4(n_out, cb * 32u + 2u, i1, b.j0, a2_1);
    store_dx4(n_out, cb * 32u + 3u, i1, b.j0, a3_1);
    store_dx4(n_out, cb * 32u + 4u, i1, b.j0, a4_1);
    store_dx4(n_out, cb * 32u + 5u, i1, b.j0, a5_1);
    store_dx4(n_out, cb * 32u + 6u, i1, b.j0, a6_1);
    store_dx4(n_out, cb * 32u + 7u, i1, b.j0, a7_1);
    store_dx4(n_out, cb * 32u + 8u, i1, b.j0, a8_1);
    store_dx4(n_out, cb * 32u + 9u, i1, b.j0, a9_1);
    store_dx4(n_out, cb * 32u + 10u, i1, b.j0, a10_1);
    store_dx4(n_out, cb * 32u + 11u, i1, b.j0, a11_1);
    store_dx4(n_out, cb * 32u + 12u, i1, b.j0, a12_1);
    store_dx4(n_out, cb * 32u + 13u, i1, b.j0, a13_1);
    store_dx4(n_out, cb * 32u + 14u, i1, b.j0, a14_1);
    store_dx4(n_out, cb * 32u + 15u, i1, b.j0, a15_1);
    store_dx4(n_out, cb * 32u + 16u, i1, b.j0, a16_1);
    store_dx4(n_out, cb * 32u + 17u, i1, b.j0, a17_1);
    store_dx4(n_out, cb * 32u + 18u, i1, b.j0, a18_1);
    store_dx4(n_out, cb * 32u + 19u, i1, b.j0, a19_1);
    store_dx4(n_out, cb * 32u + 20u, i1, b.j0, a20_1);
    store_dx4(n_out, cb * 32u + 21u, i1, b.j0, a21_1);
    store_dx4(n_out, cb * 32u + 22u, i1, b.j0, a22_1);
    store_dx4(n_out, cb * 32u + 23u, i1, b.j0, a23_1);
    store_dx4(n_out, cb * 32u + 24u, i1, b.j0, a24_1);
    store_dx4(n_out, cb * 32u + 25u, i1, b.j0, a25_1);
    store_dx4(n_out, cb * 32u + 26u, i1, b.j0, a26_1);
    store_dx4(n_out, cb * 32u + 27u, i1, b.j0, a27_1);
    store_dx4(n_out, cb * 32u + 28u, i1, b.j0, a28_1);
    store_dx4(n_out, cb * 32u + 29u, i1, b.j0, a29_1);
    store_dx4(n_out, cb * 32u + 30u, i1, b.j0, a30_1);
    store_dx4(n_out, cb * 32u + 31u, i1, b.j0, a31_1);
}

// Weight gradient, one subgroup of 8 per workgroup as conv_transpose2d_backward_weight_subgroup:
// invocation sid holds output channel ob·8 + sid and 64 input channels × 4 taps of it (`p.c_blocks`
// counts blocks of 64 input channels); it loads the x of input channels cb·64 + 8q + sid, which
// `subgroupBroadcast` shares.
@compute @workgroup_size(8)
fn conv_transpose2d_backward_weight_subgroup64_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
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
    let o_scale = select(0.0, 1.0, o < p.c_out);
    let oc = min(o, p.c_out - 1u);
    let c0 = cb * 64u + 0u + lane; let s0 = select(0.0, 1.0, c0 < p.c_in); let cc0 = min(c0, p.c_in - 1u);
    let c1 = cb * 64u + 8u + lane; let s1 = select(0.0, 1.0, c1 < p.c_in); let cc1 = min(c1, p.c_in - 1u);
    let c2 = cb * 64u + 16u + lane; let s2 = select(0.0, 1.0, c2 < p.c_in); let cc2 = min(c2, p.c_in - 1u);
    let c3 = cb * 64u + 24u + lane; let s3 = select(0.0, 1.0, c3 < p.c_in); let cc3 = min(c3, p.c_in - 1u);
    let c4 = cb * 64u + 32u + lane; let s4 = select(0.0, 1.0, c4 < p.c_in); let cc4 = min(c4, p.c_in - 1u);
    let c5 = cb * 64u + 40u + lane; let s5 = select(0.0, 1.0, c5 < p.c_in); let cc5 = min(c5, p.c_in - 1u);
    let c6 = cb * 64u + 48u + lane; let s6 = select(0.0, 1.0, c6 < p.c_in); let cc6 = min(c6, p.c_in - 1u);
    let c7 = cb * 64u + 56u + lane; let s7 = select(0.0, 1.0, c7 < p.c_in); let cc7 = min(c7, p.c_in - 1u);
    // acc[k·4 + t]: tap t of weight[cb·64 + k, o].
    var acc: array<f32, 256>;
    let per_image = p.h * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let i = rem / p.w_blocks;
        let j0 = (rem % p.w_blocks) * PX;
        let e0 = dy_pair(n, oc, i, j0, 0u);
        let e1 = dy_pair(n, oc, i, j0, 1u);
        let d00 = e0.b0 * o_scale;
        let d01 = e0.b1 * o_scale;
        let d10 = e1.b0 * o_scale;
        let d11 = e1.b1 * o_scale;
        let xv0 = x_vec4(n, cc0, i, j0) * s0;
        let xv1 = x_vec4(n, cc1, i, j0) * s1;
        let xv2 = x_vec4(n, cc2, i, j0) * s2;
        let xv3 = x_vec4(n, cc3, i, j0) * s3;
        let xv4 = x_vec4(n, cc4, i, j0) * s4;
        let xv5 = x_vec4(n, cc5, i, j0) * s5;
        let xv6 = x_vec4(n, cc6, i, j0) * s6;
        let xv7 = x_vec4(n, cc7, i, j0) * s7;
        let x0 = subgroupBroadcast(xv0, 0u); acc[0] += dot(x0, d00); acc[1] += dot(x0, d01); acc[2] += dot(x0, d10); acc[3] += dot(x0, d11);
        let x1 = subgroupBroadcast(xv0, 1u); acc[4] += dot(x1, d00); acc[5] += dot(x1, d01); acc[6] += dot(x1, d10); acc[7] += dot(x1, d11);
        let x2 = subgroupBroadcast(xv0, 2u); acc[8] += dot(x2, d00); acc[9] += dot(x2, d01); acc[10] += dot(x2, d10); acc[11] += dot(x2, d11);
        let x3 = subgroupBroadcast(xv0, 3u); acc[12] += dot(x3, d00); acc[13] += dot(x3, d01); acc[14] += dot(x3, d10); acc[15] += dot(x3, d11);
        let x4 = subgroupBroadcast(xv0, 4u); acc[16] += dot(x4, d00); acc[17] += dot(x4, d01); acc[18] += dot(x4, d10); acc[19] += dot(x4, d11);
        let x5 = subgroupBroadcast(xv0, 5u); acc[20] += dot(x5, d00); acc[21] += dot(x5, d01); acc[22] += dot(x5, d10); acc[23] += dot(x5, d11);
        let x6 = subgroupBroadcast(xv0, 6u); acc[24] += dot(x6, d00); acc[25] += dot(x6, d01); acc[26] += dot(x6, d10); acc[27] += dot(x6, d11);
        let x7 = subgroupBroadcast(xv0, 7u); acc[28] += dot(x7, d00); acc[29] += dot(x7, d01); acc[30] += dot(x7, d10); acc[31] += dot(x7, d11);
        let x8 = subgroupBroadcast(xv1, 0u); acc[32] += dot(x8, d00); acc[33] += dot(x8, d01); acc[34] += dot(x8, d10); acc[35] += dot(x8, d11);
        let x9 = subgroupBroadcast(xv1, 1u); acc[36] += dot(x9, d00); acc[37] += dot(x9, d01); acc[38] += dot(x9, d10); acc[39] += dot(x9, d11);
        let x10 = subgroupBroadcast(xv1, 2u); acc[40] += dot(x10, d00); acc[41] += dot(x10, d01); acc[42] += dot(x10, d10); acc[43] += dot(x10, d11);
        let x11 = subgroupBroadcast(xv1, 3u); acc[44] += dot(x11, d00); acc[45] += dot(x11, d01); acc[46] += dot(x11, d10); acc[47] += dot(x11, d11);
        let x12 = subgroupBroadcast(xv1, 4u); acc[48] += dot(x12, d00); acc[49] += dot(x12, d01); acc[50] += dot(x12, d10); acc[51] += dot(x12, d11);
        let x13 = subgroupBroadcast(xv1, 5u); acc[52] += dot(x13, d00); acc[53] += dot(x13, d01); acc[54] += dot(x13, d10); acc[55] += dot(x13, d11);
        let x14 = subgroupBroadcast(xv1, 6u); acc[56] += dot(x14, d00); acc[57] += dot(x14, d01); acc[58] += dot(x14, d10); acc[59] += dot(x14, d11);
        let x15 = subgroupBroadcast(xv1, 7u); acc[60] += dot(x15, d00); acc[61] += dot(x15, d01); acc[62] += dot(x15, d10); acc[63] += dot(x15, d11);
        let x16 = subgroupBroadcast(xv2, 0u); acc[64] += dot(x16, d00); acc[65] += dot(x16, d01); acc[66] += dot(x16, d10); acc[67] += dot(x16, d11);
        let x17 = subgroupBroadcast(xv2, 1u); acc[68] += dot(x17, d00); acc[69] += dot(x17, d01); acc[70] += dot(x17, d10); acc[71] += dot(x17, d11);
        let x18 = subgroupBroadcast(xv2, 2u); acc[72] += dot(x18, d00); acc[73] += dot(x18, d01); acc[74] += dot(x18, d10); acc[75] += dot(x18, d11);
        let x19 = subgroupBroadcast(xv2, 3u); acc[76] += dot(x19, d00); acc[77] += dot(x19, d01); acc[78] += dot(x19, d10); acc[79] += dot(x19, d11);
        let x20 = subgroupBroadcast(xv2, 4u); acc[80] += dot(x20, d00); acc[81] += dot(x20, d01); acc[82] += dot(x20, d10); acc[83] += dot(x20, d11);
        let x21 = subgroupBroadcast(xv2, 5u); acc[84] += dot(x21, d00); acc[85] += dot(x21, d01); acc[86] += dot(x21, d10); acc[87] += dot(x21, d11);
        let x22 = subgroupBroadcast(xv2, 6u); acc[88] += dot(x22, d00); acc[89] += dot(x22, d01); acc[90] += dot(x22, d10); acc[91] += dot(x22, d11);
        let x23 = subgroupBroadcast(xv2, 7u); acc[92] += dot(x23, d00); acc[93] += dot(x23, d01); acc[94] += dot(x23, d10); acc[95] += dot(x23, d11);
        let x24 = subgroupBroadcast(xv3, 0u); acc[96] += dot(x24, d00); acc[97] += dot(x24, d01); acc[98] += dot(x24, d10); acc[99] += dot(x24, d11);
        let x25 = subgroupBroadcast(xv3, 1u); acc[100] += dot(x25, d00); acc[101] += dot(x25, d01); acc[102] += dot(x25, d10); acc[103] += dot(x25, d11);
        let x26 = subgroupBroadcast(xv3, 2u); acc[104] += dot(x26, d00); acc[105] += dot(x26, d01); acc[106] += dot(x26, d10); acc[107] += dot(x26, d11);
        let x27 = subgroupBroadcast(xv3, 3u); acc[108] += dot(x27, d00); acc[109] += dot(x27, d01); acc[110] += dot(x27, d10); acc[111] += dot(x27, d11);
        let x28 = subgroupBroadcast(xv3, 4u); acc[112] += dot(x28, d00); acc[113] += dot(x28, d01); acc[114] += dot(x28, d10); acc[115] += dot(x28, d11);
        let x29 = subgroupBroadcast(xv3, 5u); acc[116] += dot(x29, d00); acc[117] += dot(x29, d01); acc[118] += dot(x29, d10); acc[119] += dot(x29, d11);
        let x30 = subgroupBroadcast(xv3, 6u); acc[120] += dot(x30, d00); acc[121] += dot(x30, d01); acc[122] += dot(x30, d10); acc[123] += dot(x30, d11);
        let x31 = subgroupBroadcast(xv3, 7u); acc[124] += dot(x31, d00); acc[125] += dot(x31, d01); acc[126] += dot(x31, d10); acc[127] += dot(x31, d11);
        let x32 = subgroupBroadcast(xv4, 0u); acc[128] += dot(x32, d00); acc[129] += dot(x32, d01); acc[130] += dot(x32, d10); acc[131] += dot(x32, d11);
        let x33 = subgroupBroadcast(xv4, 1u); acc[132] += dot(x33, d00); acc[133] += dot(x33, d01); acc[134] += dot(x33, d10); acc[135] += dot(x33, d11);
        let x34 = subgroupBroadcast(xv4, 2u); acc[136] += dot(x34, d00); acc[137] += dot(x34, d01); acc[138] += dot(x34, d10); acc[139] += dot(x34, d11);
        let x35 = subgroupBroadcast(xv4, 3u); acc[140] += dot(x35, d00); acc[141] += dot(x35, d01); acc[142] += dot(x35, d10); acc[143] += dot(x35, d11);
        let x36 = subgroupBroadcast(xv4, 4u); acc[144] += dot(x36, d00); acc[145] += dot(x36, d01); acc[146] += dot(x36, d10); acc[147] += dot(x36, d11);
        let x37 = subgroupBroadcast(xv4, 5u); acc[148] += dot(x37, d00); acc[149] += dot(x37, d01); acc[150] += dot(x37, d10); acc[151] += dot(x37, d11);
        let x38 = subgroupBroadcast(xv4, 6u); acc[152] += dot(x38, d00); acc[153] += dot(x38, d01); acc[154] += dot(x38, d10); acc[155] += dot(x38, d11);
        let x39 = subgroupBroadcast(xv4, 7u); acc[156] += dot(x39, d00); acc[157] += dot(x39, d01); acc[158] += dot(x39, d10); acc[159] += dot(x39, d11);
        let x40 = subgroupBroadcast(xv5, 0u); acc[160] += dot(x40, d00); acc[161] += dot(x40, d01); acc[162] += dot(x40, d10); acc[163] += dot(x40, d11);
        let x41 = subgroupBroadcast(xv5, 1u); acc[164] += dot(x41, d00); acc[165] += dot(x41, d01); acc[166] += dot(x41, d10); acc[167] += dot(x41, d11);
        let x42 = subgroupBroadcast(xv5, 2u); acc[168] += dot(x42, d00); acc[169] += dot(x42, d01); acc[170] += dot(x42, d10); acc[171] += dot(x42, d11);
        let x43 = subgroupBroadcast(xv5, 3u); acc[172] += dot(x43, d00); acc[173] += dot(x43, d01); acc[174] += dot(x43, d10); acc[175] += dot(x43, d11);
        let x44 = subgroupBroadcast(xv5, 4u); acc[176] += dot(x44, d00); acc[177] += dot(x44, d01); acc[178] += dot(x44, d10); acc[179] += dot(x44, d11);
        let x45 = subgroupBroadcast(xv5, 5u); acc[180] += dot(x45, d00); acc[181] += dot(x45, d01); acc[182] += dot(x45, d10); acc[183] += dot(x45, d11);
        let x46 = subgroupBroadcast(xv5, 6u); acc[184] += dot(x46, d00); acc[185] += dot(x46, d01); acc[186] += dot(x46, d10); acc[187] += dot(x46, d11);
        let x47 = subgroupBroadcast(xv5, 7u); acc[188] += dot(x47, d00); acc[189] += dot(x47, d01); acc[190] += dot(x47, d10); acc[191] += dot(x47, d11);
        let x48 = subgroupBroadcast(xv6, 0u); acc[192] += dot(x48, d00); acc[193] += dot(x48, d01); acc[194] += dot(x48, d10); acc[195] += dot(x48, d11);
        let x49 = subgroupBroadcast(xv6, 1u); acc[196] += dot(x49, d00); acc[197] += dot(x49, d01); acc[198] += dot(x49, d10); acc[199] += dot(x49, d11);
        let x50 = subgroupBroadcast(xv6, 2u); acc[200] += dot(x50, d00); acc[201] += dot(x50, d01); acc[202] += dot(x50, d10); acc[203] += dot(x50, d11);
        let x51 = subgroupBroadcast(xv6, 3u); acc[204] += dot(x51, d00); acc[205] += dot(x51, d01); acc[206] += dot(x51, d10); acc[207] += dot(x51, d11);
        let x52 = subgroupBroadcast(xv6, 4u); acc[208] += dot(x52, d00); acc[209] += dot(x52, d01); acc[210] += dot(x52, d10); acc[211] += dot(x52, d11);
        let x53 = subgroupBroadcast(xv6, 5u); acc[212] += dot(x53, d00); acc[213] += dot(x53, d01); acc[214] += dot(x53, d10); acc[215] += dot(x53, d11);
        let x54 = subgroupBroadcast(xv6, 6u); acc[216] += dot(x54, d00); acc[217] += dot(x54, d01); acc[218] += dot(x54, d10); acc[219] += dot(x54, d11);
        let x55 = subgroupBroadcast(xv6, 7u); acc[220] += dot(x55, d00); acc[221] += dot(x55, d01); acc[222] += dot(x55, d10); acc[223] += dot(x55, d11);
        let x56 = subgroupBroadcast(xv7, 0u); acc[224] += dot(x56, d00); acc[225] += dot(x56, d01); acc[226] += dot(x56, d10); acc[227] += dot(x56, d11);
        let x57 = subgroupBroadcast(xv7, 1u); acc[228] += dot(x57, d00); acc[229] += dot(x57, d01); acc[230] += dot(x57, d10); acc[231] += dot(x57, d11);
        let x58 = subgroupBroadcast(xv7, 2u); acc[232] += dot(x58, d00); acc[233] += dot(x58, d01); acc[234] += dot(x58, d10); acc[235] += dot(x58, d11);
        let x59 = subgroupBroadcast(xv7, 3u); acc[236] += dot(x59, d00); acc[237] += dot(x59, d01); acc[238] += dot(x59, d10); acc[239] += dot(x59, d11);
        let x60 = subgroupBroadcast(xv7, 4u); acc[240] += dot(x60, d00); acc[241] += dot(x60, d01); acc[242] += dot(x60, d10); acc[243] += dot(x60, d11);
        let x61 = subgroupBroadcast(xv7, 5u); acc[244] += dot(x61, d00); acc[245] += dot(x61, d01); acc[246] += dot(x61, d10); acc[247] += dot(x61, d11);
        let x62 = subgroupBroadcast(xv7, 6u); acc[248] += dot(x62, d00); acc[249] += dot(x62, d01); acc[250] += dot(x62, d10); acc[251] += dot(x62, d11);
        let x63 = subgroupBroadcast(xv7, 7u); acc[252] += dot(x63, d00); acc[253] += dot(x63, d01); acc[254] += dot(x63, d10); acc[255] += dot(x63, d11);
    }
    if (!mine) {
        return;
    }
    let base = split * p.c_in * p.c_out;
    store_tap4(base, cb * 64u + 0u, o, vec4<f32>(acc[0], acc[1], acc[2], acc[3]));
    store_tap4(base, cb * 64u + 1u, o, vec4<f32>(acc[4], acc[5], acc[6], acc[7]));
    store_tap4(base, cb * 64u + 2u, o, vec4<f32>(acc[8], acc[9], acc[10], acc[11]));
    store_tap4(base, cb * 64u + 3u, o, vec4<f32>(acc[12], acc[13], acc[14], acc[15]));
    store_tap4(base, cb * 64u + 4u, o, vec4<f32>(acc[16], acc[17], acc[18], acc[19]));
    store_tap4(base, cb * 64u + 5u, o, vec4<f32>(acc[20], acc[21], acc[22], acc[23]));
    store_tap4(base, cb * 64u + 6u, o, vec4<f32>(acc[24], acc[25], acc[26], acc[27]));
    store_tap4(base, cb * 64u + 7u, o, vec4<f32>(acc[28], acc[29], acc[30], acc[31]));
    store_tap4(base, cb * 64u + 8u, o, vec4<f32>(acc[32], acc[33], acc[34], acc[35]));
    store_tap4(base, cb * 64u + 9u, o, vec4<f32>(acc[36], acc[37], acc[38], acc[39]));
    store_tap4(base, cb * 64u + 10u, o, vec4<f32>(acc[40], acc[41], acc[42], acc[43]));
    store_tap4(base, cb * 64u + 11u, o, vec4<f32>(acc[44], acc[45], acc[46], acc[47]));
    store_tap4(base, cb * 64u + 12u, o, vec4<f32>(acc[48], acc[49], acc[50], acc[51]));
    store_tap4(base, cb * 64u + 13u, o, vec4<f32>(acc[52], acc[53], acc[54], acc[55]));
    store_tap4(base, cb * 64u + 14u, o, vec4<f32>(acc[56], acc[57], acc[58], acc[59]));
    store_tap4(base, cb * 64u + 15u, o, vec4<f32>(acc[60], acc[61], acc[62], acc[63]));
    store_tap4(base, cb * 64u + 16u, o, vec4<f32>(acc[64], acc[65], acc[66], acc[67]));
    store_tap4(base, cb * 64u + 17u, o, vec4<f32>(acc[68], acc[69], acc[70], acc[71]));
    store_tap4(base, cb * 64u + 18u, o, vec4<f32>(acc[72], acc[73], acc[74], acc[75]));
    store_tap4(base, cb * 64u + 19u, o, vec4<f32>(acc[76], acc[77], acc[78], acc[79]));
    store_tap4(base, cb * 64u + 20u, o, vec4<f32>(acc[80], acc[81], acc[82], acc[83]));
    store_tap4(base, cb * 64u + 21u, o, vec4<f32>(acc[84], acc[85], acc[86], acc[87]));
    store_tap4(base, cb * 64u + 22u, o, vec4<f32>(acc[88], acc[89], acc[90], acc[91]));
    store_tap4(base, cb * 64u + 23u, o, vec4<f32>(acc[92], acc[93], acc[94], acc[95]));
    store_tap4(base, cb * 64u + 24u, o, vec4<f32>(acc[96], acc[97], acc[98], acc[99]));
    store_tap4(base, cb * 64u + 25u, o, vec4<f32>(acc[100], acc[101], acc[102], acc[103]));
    store_tap4(base, cb * 64u + 26u, o, vec4<f32>(acc[104], acc[105], acc[106], acc[107]));
    store_tap4(base, cb * 64u + 27u, o, vec4<f32>(acc[108], acc[109], acc[110], acc[111]));
    store_tap4(base, cb * 64u + 28u, o, vec4<f32>(acc[112], acc[113], acc[114], acc[115]));
    store_tap4(base, cb * 64u + 29u, o, vec4<f32>(acc[116], acc[117], acc[118], acc[119]));
    store_tap4(base, cb * 64u + 30u, o, vec4<f32>(acc[120], acc[121], acc[122], acc[123]));
    store_tap4(base, cb * 64u + 31u, o, vec4<f32>(acc[124], acc[125], acc[126], acc[127]));
    store_tap4(base, cb * 64u + 32u, o, vec4<f32>(acc[128], acc[129], acc[130], acc[131]));
    store_tap4(base, cb * 64u + 33u, o, vec4<f32>(acc[132], acc[133], acc[134], acc[135]));
    store_tap4(base, cb * 64u + 34u, o, vec4<f32>(acc[136], acc[137], acc[138], acc[139]));
    store_tap4(base, cb * 64u + 35u, o, vec4<f32>(acc[140], acc[141], acc[142], acc[143]));
    store_tap4(base, cb * 64u + 36u, o, vec4<f32>(acc[144], acc[145], acc[146], acc[147]));
    store_tap4(base, cb * 64u + 37u, o, vec4<f32>(acc[148], acc[149], acc[150], acc[151]));
    store_tap4(base, cb * 64u + 38u, o, vec4<f32>(acc[152], acc[153], acc[154], acc[155]));
    store_tap4(base, cb * 64u + 39u, o, vec4<f32>(acc[156], acc[157], acc[158], acc[159]));
    store_tap4(base, cb * 64u + 40u, o, vec4<f32>(acc[160], acc[161], acc[162], acc[163]));
    store_tap4(base, cb * 64u + 41u, o, vec4<f32>(acc[164], acc[165], acc[166], acc[167]));
    store_tap4(base, cb * 64u + 42u, o, vec4<f32>(acc[168], acc[169], acc[170], acc[171]));
    store_tap4(base, cb * 64u + 43u, o, vec4<f32>(acc[172], acc[173], acc[174], acc[175]));
    store_tap4(base, cb * 64u + 44u, o, vec4<f32>(acc[176], acc[177], acc[178], acc[179]));
    store_tap4(base, cb * 64u + 45u, o, vec4<f32>(acc[180], acc[181], acc[182], acc[183]));
    store_tap4(base, cb * 64u + 46u, o, vec4<f32>(acc[184], acc[185], acc[186], acc[187]));
    store_tap4(base, cb * 64u + 47u, o, vec4<f32>(acc[188], acc[189], acc[190], acc[191]));
    store_tap4(base, cb * 64u + 48u, o, vec4<f32>(acc[192], acc[193], acc[194], acc[195]));
    store_tap4(base, cb * 64u + 49u, o, vec4<f32>(acc[196], acc[197], acc[198], acc[199]));
    store_tap4(base, cb * 64u + 50u, o, vec4<f32>(acc[200], acc[201], acc[202], acc[203]));
    store_tap4(base, cb * 64u + 51u, o, vec4<f32>(acc[204], acc[205], acc[206], acc[207]));
    store_tap4(base, cb * 64u + 52u, o, vec4<f32>(acc[208], acc[209], acc[210], acc[211]));
    store_tap4(base, cb * 64u + 53u, o, vec4<f32>(acc[212], acc[213], acc[214], acc[215]));
    store_tap4(base, cb * 64u + 54u, o, vec4<f32>(acc[216], acc[217], acc[218], acc[219]));
    store_tap4(base, cb * 64u + 55u, o, vec4<f32>(acc[220], acc[221], acc[222], acc[223]));
    store_tap4(base, cb * 64u + 56u, o, vec4<f32>(acc[224], acc[225], acc[226], acc[227]));
    store_tap4(base, cb * 64u + 57u, o, vec4<f32>(acc[228], acc[229], acc[230], acc[231]));
    store_tap4(base, cb * 64u + 58u, o, vec4<f32>(acc[232], acc[233], acc[234], acc[235]));
    store_tap4(base, cb * 64u + 59u, o, vec4<f32>(acc[236], acc[237], acc[238], acc[239]));
    store_tap4(base, cb * 64u + 60u, o, vec4<f32>(acc[240], acc[241], acc[242], acc[243]));
    store_tap4(base, cb * 64u + 61u, o, vec4<f32>(acc[244], acc[245], acc[246], acc[247]));
    store_tap4(base, cb * 64u + 62u, o, vec4<f32>(acc[248], acc[249], acc[250], acc[251]));
    store_tap4(base, cb * 64u + 63u, o, vec4<f32>(acc[252], acc[253], acc[254], acc[255]));
}
