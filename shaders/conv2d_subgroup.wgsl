// 3×3 convolution (stride 1, 'same' zero padding) — forward, backward-input and weight gradient —
// for adapters with subgroups of at least 8 invocations. Same math, layouts and Params as
// conv2d.wgsl, which is the portable path; the launcher builds this file at pipeline creation when
// the device has `Features::SUBGROUP` and a minimum subgroup size ≥ 8, and the kernel family picks
// the entry points (8 output channels per invocation for `gpu`, 16 for `cpu`).
//
// Why: on CPU drivers (lavapipe) every load whose address differs per invocation costs a gather,
// and loads inside loops never take the scalar fast path. Here each invocation of a subgroup loads
// the 9 weights of ONE (or two) of the output channels of its block (9 gathers instead of 72) and
// `subgroupBroadcast` hands every weight to every invocation. Each invocation computes 8 (or 16)
// channels × 2 rows × 4 pixels, so an input value feeds 48 (or 96) FMAs.

// No `enable subgroups;` directive: naga 30 rejects it as not yet implemented and instead gates
// subgroup built-ins on the device's SUBGROUP capability.

struct Params {
    n: u32,
    c_in: u32,
    c_out: u32,
    h: u32,
    w: u32,
    k: u32,
    w_blocks: u32,
    o_blocks: u32,
    tiles: u32,
    w_stride_out: u32,
    w_stride_in: u32,
    flip: u32,
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
const RB: u32 = 2u; // output rows per invocation (forward / backward-input)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
// The same buffer as `src`, read 4 floats at a time by the aligned entry points.
@group(0) @binding(5) var<storage, read> src4: array<vec4<f32>>;
// The weight gradients' dy (bound at `weight` too), read 4 floats at a time by the 16-channel
// weight-gradient kernels when W % 4 == 0.
@group(0) @binding(6) var<storage, read> dy4: array<vec4<f32>>;
// The 32-channel kernels' weights, packed by `conv2d_pack_weights` as [written][read][12]: the 9
// taps of one (written, read) channel pair, already flipped for backward-input, padded to 3 vec4.
@group(0) @binding(7) var<storage, read> wpk: array<vec4<f32>>;
// The 32-channel kernels' output, written 4 pixels at a time (W % 4 == 0).
@group(0) @binding(8) var<storage, read_write> dst4: array<vec4<f32>>;
// Backward-input with `relu` = 2: the layer's input x, a ReLU's output, whose > 0 entries keep dx
// (torch.relu's gradient, applied where dx is stored instead of in a pass of its own); `mask4`
// is the same buffer for the vec4 store.
@group(0) @binding(9) var<storage, read> mask: array<f32>;
@group(0) @binding(9) var<storage, read> mask4: array<vec4<f32>>;

// x[row, w0-1 .. w0+4] with zero padding outside the plane. Branch-free: out-of-plane positions
// read a clamped (valid) address and are multiplied by 0, which keeps every invocation on the
// same path (CPU drivers otherwise turn each guarded load into masked control flow).
// `aligned` (W % 4 == 0, so every 4-pixel block starts on a 16-byte boundary): the 4 pixels under
// the block come from one vec4 load of the same buffer bound as `src4`, and only the two halo
// pixels are scalar loads — 3 loads per row instead of 6. Input loads are what bounds this
// kernel on CPU drivers.
fn load_row(base: u32, row: i32, w0: u32, valid: bool, aligned: bool) -> array<f32, 6> {
    var v: array<f32, 6>;
    let row_ok = valid && row >= 0 && row < i32(p.h);
    let r = u32(clamp(row, 0, i32(p.h) - 1));
    let rbase = base + r * p.w;
    let last = i32(p.w) - 1;
    let c0 = i32(w0) - 1;
    let keep_row = select(0.0, 1.0, row_ok);
    if (aligned) {
        let mid = src4[(rbase + min(w0, p.w - 4u)) / 4u] * keep_row;
        v[1] = mid.x;
        v[2] = mid.y;
        v[3] = mid.z;
        v[4] = mid.w;
        v[0] = src[rbase + u32(max(c0, 0))] * select(0.0, keep_row, c0 >= 0);
        v[5] = src[rbase + u32(min(c0 + 5, last))] * select(0.0, keep_row, c0 + 5 <= last);
    } else {
        for (var j = 0; j < 6; j++) {
            let c = c0 + j;
            let keep = select(0.0, keep_row, c >= 0 && c <= last);
            v[j] = src[rbase + u32(clamp(c, 0, last))] * keep;
        }
    }
    return v;
}

// conv_block32's rows, x[row, w0-1 .. w0+4]: the 4 pixels under the block from one vec4 load,
// and each halo pixel from the subgroup neighbour's load where that invocation holds the adjacent
// block of the same row (`left_lane`, `right_lane`: found by shuffling the item index, so no
// particular mapping of invocations onto lanes is assumed); only the others — at a subgroup's
// edges — load it from memory, under a branch. On CPU drivers a load is a loop over the lanes,
// so 2 of the 3 loads per row become shuffles. Called in subgroup-uniform control flow only.
fn load_row32(base: u32, row: i32, w0: u32, valid: bool, left_lane: bool, right_lane: bool) -> array<f32, 6> {
    var v: array<f32, 6>;
    let row_ok = valid && row >= 0 && row < i32(p.h);
    let rbase = base + u32(clamp(row, 0, i32(p.h) - 1)) * p.w;
    let keep_row = select(0.0, 1.0, row_ok);
    let mid = src4[(rbase + w0) / 4u] * keep_row;
    v[1] = mid.x;
    v[2] = mid.y;
    v[3] = mid.z;
    v[4] = mid.w;
    let from_left = subgroupShuffleUp(mid.w, 1u);
    let from_right = subgroupShuffleDown(mid.x, 1u);
    // Zero padding at the plane's left and right edges.
    v[0] = select(from_left, 0.0, w0 == 0u);
    v[5] = select(from_right, 0.0, w0 + 4u >= p.w);
    if (w0 > 0u && !left_lane) {
        v[0] = src[rbase + w0 - 1u] * keep_row;
    }
    if (w0 + 4u < p.w && !right_lane) {
        v[5] = src[rbase + w0 + 4u] * keep_row;
    }
    return v;
}

fn weight_at(o: u32, i: u32, tap: u32) -> f32 {
    var t = tap;
    if (p.flip == 1u) {
        t = 8u - tap;
    }
    return weight[o * p.w_stride_out + i * p.w_stride_in + t];
}

fn bias_of(split: u32, co: u32) -> f32 {
    // Only the first split adds the bias (the others are partial sums).
    if (p.has_bias == 1u && split == 0u) {
        return bias[co];
    }
    return 0.0;
}

// dx at element i with the backward of the ReLU that produced x when `relu` = 2 (else v): v where
// mask[i] > 0, else 0 — as relu_backward computes it (conv2d.wgsl's store has the same helper).
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

// conv_block32's store: one vec4 per channel and row. Its layers have W % 4 == 0, so a 4-pixel
// block never straddles a row, and on CPU drivers one vector store is one loop over the lanes
// instead of four.
fn store4(n: u32, co: u32, h: u32, w0: u32, v: vec4<f32>) {
    if (co >= p.c_out) {
        return;
    }
    let y = select(v, select(v, vec4<f32>(0.0), v < vec4<f32>(0.0)), p.relu == 1u);
    let at = (((n * p.c_out + co) * p.h + h) * p.w + w0) / 4u;
    if (p.relu == 2u) {
        dst4[at] = select(vec4<f32>(0.0), y, mask4[at] > vec4<f32>(0.0));
        return;
    }
    dst4[at] = y;
}

// Packs the weights of one 32-channel pass for `wpk`: dst[(o · c_in + i) · 12 + t] =
// weight_at(o, i, t) for written channel o and read channel i of the pass (so backward-input's
// transposed, flipped taps too), t < 9, and 0 for the padding t = 9..11. One invocation per
// (o, i). The pass then loads a channel pair's taps as 3 vec4 instead of 9 scalars: on CPU drivers
// every per-invocation load is a loop over the subgroup's lanes, and the scalar weight loads were
// most of them.
@compute @workgroup_size(64)
fn conv2d_pack_weights(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let g = (wid.x + wid.y * nwg.x) * WG + lid;
    if (g >= p.c_out * p.c_in) {
        return;
    }
    let o = g / p.c_in;
    let i = g % p.c_in;
    for (var t = 0u; t < 12u; t++) {
        dst[g * 12u + t] = select(0.0, weight_at(o, i, min(t, 8u)), t < 9u);
    }
}

// Each invocation: 8 output channels × 2 rows × 4 pixels. Loading 4 input rows serves
// 2 output rows, so an input value feeds up to 48 FMAs.
fn conv_block(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, sid: u32, aligned: bool) {
    let g = wid.x + wid.y * nwg.x;
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    let ob = rest % p.o_blocks;
    let n = (rest / p.o_blocks) % p.n;
    let split = rest / p.o_blocks / p.n;
    if (split >= p.splits) {
        return; // whole workgroup: subgroup operations below stay uniform
    }
    // Split-K: this workgroup adds read channels [split·chunk, ci_end) into partial `split`.
    let ci_end = min((split + 1u) * p.chunk, p.c_in);
    let n_out = split * p.n + n;
    let item = tile * WG + lid;
    let h0 = (item / p.w_blocks) * RB;
    let w0 = (item % p.w_blocks) * PX;
    let in_range = h0 < p.h;
    let plane = p.h * p.w;
    let last = p.c_out - 1u;
    // The output channel whose weights this invocation loads for the whole subgroup.
    let mine = min(ob * OB + sid % OB, last);

    let b0 = bias_of(split, min(ob * OB + 0u, last));
    let b1 = bias_of(split, min(ob * OB + 1u, last));
    let b2 = bias_of(split, min(ob * OB + 2u, last));
    let b3 = bias_of(split, min(ob * OB + 3u, last));
    let b4 = bias_of(split, min(ob * OB + 4u, last));
    let b5 = bias_of(split, min(ob * OB + 5u, last));
    let b6 = bias_of(split, min(ob * OB + 6u, last));
    let b7 = bias_of(split, min(ob * OB + 7u, last));
    var a0_0 = vec4<f32>(b0);
    var a0_1 = vec4<f32>(b0);
    var a1_0 = vec4<f32>(b1);
    var a1_1 = vec4<f32>(b1);
    var a2_0 = vec4<f32>(b2);
    var a2_1 = vec4<f32>(b2);
    var a3_0 = vec4<f32>(b3);
    var a3_1 = vec4<f32>(b3);
    var a4_0 = vec4<f32>(b4);
    var a4_1 = vec4<f32>(b4);
    var a5_0 = vec4<f32>(b5);
    var a5_1 = vec4<f32>(b5);
    var a6_0 = vec4<f32>(b6);
    var a6_1 = vec4<f32>(b6);
    var a7_0 = vec4<f32>(b7);
    var a7_1 = vec4<f32>(b7);

    for (var ci = split * p.chunk; ci < ci_end; ci++) {
        let base = (n * p.c_in + ci) * plane;
        let k0 = weight_at(mine, ci, 0u);
        let k1 = weight_at(mine, ci, 1u);
        let k2 = weight_at(mine, ci, 2u);
        let k3 = weight_at(mine, ci, 3u);
        let k4 = weight_at(mine, ci, 4u);
        let k5 = weight_at(mine, ci, 5u);
        let k6 = weight_at(mine, ci, 6u);
        let k7 = weight_at(mine, ci, 7u);
        let k8 = weight_at(mine, ci, 8u);
        let x0 = load_row(base, i32(h0) + -1, w0, in_range, aligned);
        let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]);
        let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]);
        let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row(base, i32(h0) + 0, w0, in_range, aligned);
        let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]);
        let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]);
        let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row(base, i32(h0) + 1, w0, in_range, aligned);
        let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]);
        let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]);
        let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row(base, i32(h0) + 2, w0, in_range, aligned);
        let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]);
        let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]);
        let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let w0_00 = subgroupBroadcast(k0, 0u);
        let w0_01 = subgroupBroadcast(k1, 0u);
        let w0_02 = subgroupBroadcast(k2, 0u);
        a0_0 += w0_00 * l0 + w0_01 * m0 + w0_02 * r0;
        a0_1 += w0_00 * l1 + w0_01 * m1 + w0_02 * r1;
        let w0_10 = subgroupBroadcast(k3, 0u);
        let w0_11 = subgroupBroadcast(k4, 0u);
        let w0_12 = subgroupBroadcast(k5, 0u);
        a0_0 += w0_10 * l1 + w0_11 * m1 + w0_12 * r1;
        a0_1 += w0_10 * l2 + w0_11 * m2 + w0_12 * r2;
        let w0_20 = subgroupBroadcast(k6, 0u);
        let w0_21 = subgroupBroadcast(k7, 0u);
        let w0_22 = subgroupBroadcast(k8, 0u);
        a0_0 += w0_20 * l2 + w0_21 * m2 + w0_22 * r2;
        a0_1 += w0_20 * l3 + w0_21 * m3 + w0_22 * r3;
        let w1_00 = subgroupBroadcast(k0, 1u);
        let w1_01 = subgroupBroadcast(k1, 1u);
        let w1_02 = subgroupBroadcast(k2, 1u);
        a1_0 += w1_00 * l0 + w1_01 * m0 + w1_02 * r0;
        a1_1 += w1_00 * l1 + w1_01 * m1 + w1_02 * r1;
        let w1_10 = subgroupBroadcast(k3, 1u);
        let w1_11 = subgroupBroadcast(k4, 1u);
        let w1_12 = subgroupBroadcast(k5, 1u);
        a1_0 += w1_10 * l1 + w1_11 * m1 + w1_12 * r1;
        a1_1 += w1_10 * l2 + w1_11 * m2 + w1_12 * r2;
        let w1_20 = subgroupBroadcast(k6, 1u);
        let w1_21 = subgroupBroadcast(k7, 1u);
        let w1_22 = subgroupBroadcast(k8, 1u);
        a1_0 += w1_20 * l2 + w1_21 * m2 + w1_22 * r2;
        a1_1 += w1_20 * l3 + w1_21 * m3 + w1_22 * r3;
        let w2_00 = subgroupBroadcast(k0, 2u);
        let w2_01 = subgroupBroadcast(k1, 2u);
        let w2_02 = subgroupBroadcast(k2, 2u);
        a2_0 += w2_00 * l0 + w2_01 * m0 + w2_02 * r0;
        a2_1 += w2_00 * l1 + w2_01 * m1 + w2_02 * r1;
        let w2_10 = subgroupBroadcast(k3, 2u);
        let w2_11 = subgroupBroadcast(k4, 2u);
        let w2_12 = subgroupBroadcast(k5, 2u);
        a2_0 += w2_10 * l1 + w2_11 * m1 + w2_12 * r1;
        a2_1 += w2_10 * l2 + w2_11 * m2 + w2_12 * r2;
        let w2_20 = subgroupBroadcast(k6, 2u);
        let w2_21 = subgroupBroadcast(k7, 2u);
        let w2_22 = subgroupBroadcast(k8, 2u);
        a2_0 += w2_20 * l2 + w2_21 * m2 + w2_22 * r2;
        a2_1 += w2_20 * l3 + w2_21 * m3 + w2_22 * r3;
        let w3_00 = subgroupBroadcast(k0, 3u);
        let w3_01 = subgroupBroadcast(k1, 3u);
        let w3_02 = subgroupBroadcast(k2, 3u);
        a3_0 += w3_00 * l0 + w3_01 * m0 + w3_02 * r0;
        a3_1 += w3_00 * l1 + w3_01 * m1 + w3_02 * r1;
        let w3_10 = subgroupBroadcast(k3, 3u);
        let w3_11 = subgroupBroadcast(k4, 3u);
        let w3_12 = subgroupBroadcast(k5, 3u);
        a3_0 += w3_10 * l1 + w3_11 * m1 + w3_12 * r1;
        a3_1 += w3_10 * l2 + w3_11 * m2 + w3_12 * r2;
        let w3_20 = subgroupBroadcast(k6, 3u);
        let w3_21 = subgroupBroadcast(k7, 3u);
        let w3_22 = subgroupBroadcast(k8, 3u);
        a3_0 += w3_20 * l2 + w3_21 * m2 + w3_22 * r2;
        a3_1 += w3_20 * l3 + w3_21 * m3 + w3_22 * r3;
        let w4_00 = subgroupBroadcast(k0, 4u);
        let w4_01 = subgroupBroadcast(k1, 4u);
        let w4_02 = subgroupBroadcast(k2, 4u);
        a4_0 += w4_00 * l0 + w4_01 * m0 + w4_02 * r0;
        a4_1 += w4_00 * l1 + w4_01 * m1 + w4_02 * r1;
        let w4_10 = subgroupBroadcast(k3, 4u);
        let w4_11 = subgroupBroadcast(k4, 4u);
        let w4_12 = subgroupBroadcast(k5, 4u);
        a4_0 += w4_10 * l1 + w4_11 * m1 + w4_12 * r1;
        a4_1 += w4_10 * l2 + w4_11 * m2 + w4_12 * r2;
        let w4_20 = subgroupBroadcast(k6, 4u);
        let w4_21 = subgroupBroadcast(k7, 4u);
        let w4_22 = subgroupBroadcast(k8, 4u);
        a4_0 += w4_20 * l2 + w4_21 * m2 + w4_22 * r2;
        a4_1 += w4_20 * l3 + w4_21 * m3 + w4_22 * r3;
        let w5_00 = subgroupBroadcast(k0, 5u);
        let w5_01 = subgroupBroadcast(k1, 5u);
        let w5_02 = subgroupBroadcast(k2, 5u);
        a5_0 += w5_00 * l0 + w5_01 * m0 + w5_02 * r0;
        a5_1 += w5_00 * l1 + w5_01 * m1 + w5_02 * r1;
        let w5_10 = subgroupBroadcast(k3, 5u);
        let w5_11 = subgroupBroadcast(k4, 5u);
        let w5_12 = subgroupBroadcast(k5, 5u);
        a5_0 += w5_10 * l1 + w5_11 * m1 + w5_12 * r1;
        a5_1 += w5_10 * l2 + w5_11 * m2 + w5_12 * r2;
        let w5_20 = subgroupBroadcast(k6, 5u);
        let w5_21 = subgroupBroadcast(k7, 5u);
        let w5_22 = subgroupBroadcast(k8, 5u);
        a5_0 += w5_20 * l2 + w5_21 * m2 + w5_22 * r2;
        a5_1 += w5_20 * l3 + w5_21 * m3 + w5_22 * r3;
        let w6_00 = subgroupBroadcast(k0, 6u);
        let w6_01 = subgroupBroadcast(k1, 6u);
        let w6_02 = subgroupBroadcast(k2, 6u);
        a6_0 += w6_00 * l0 + w6_01 * m0 + w6_02 * r0;
        a6_1 += w6_00 * l1 + w6_01 * m1 + w6_02 * r1;
        let w6_10 = subgroupBroadcast(k3, 6u);
        let w6_11 = subgroupBroadcast(k4, 6u);
        let w6_12 = subgroupBroadcast(k5, 6u);
        a6_0 += w6_10 * l1 + w6_11 * m1 + w6_12 * r1;
        a6_1 += w6_10 * l2 + w6_11 * m2 + w6_12 * r2;
        let w6_20 = subgroupBroadcast(k6, 6u);
        let w6_21 = subgroupBroadcast(k7, 6u);
        let w6_22 = subgroupBroadcast(k8, 6u);
        a6_0 += w6_20 * l2 + w6_21 * m2 + w6_22 * r2;
        a6_1 += w6_20 * l3 + w6_21 * m3 + w6_22 * r3;
        let w7_00 = subgroupBroadcast(k0, 7u);
        let w7_01 = subgroupBroadcast(k1, 7u);
        let w7_02 = subgroupBroadcast(k2, 7u);
        a7_0 += w7_00 * l0 + w7_01 * m0 + w7_02 * r0;
        a7_1 += w7_00 * l1 + w7_01 * m1 + w7_02 * r1;
        let w7_10 = subgroupBroadcast(k3, 7u);
        let w7_11 = subgroupBroadcast(k4, 7u);
        let w7_12 = subgroupBroadcast(k5, 7u);
        a7_0 += w7_10 * l1 + w7_11 * m1 + w7_12 * r1;
        a7_1 += w7_10 * l2 + w7_11 * m2 + w7_12 * r2;
        let w7_20 = subgroupBroadcast(k6, 7u);
        let w7_21 = subgroupBroadcast(k7, 7u);
        let w7_22 = subgroupBroadcast(k8, 7u);
        a7_0 += w7_20 * l2 + w7_21 * m2 + w7_22 * r2;
        a7_1 += w7_20 * l3 + w7_21 * m3 + w7_22 * r3;
    }

    if (!in_range) {
        return;
    }
    if (h0 + 0u < p.h) {
        store(n_out, ob * OB + 0u, h0 + 0u, w0, a0_0);
        store(n_out, ob * OB + 1u, h0 + 0u, w0, a1_0);
        store(n_out, ob * OB + 2u, h0 + 0u, w0, a2_0);
        store(n_out, ob * OB + 3u, h0 + 0u, w0, a3_0);
        store(n_out, ob * OB + 4u, h0 + 0u, w0, a4_0);
        store(n_out, ob * OB + 5u, h0 + 0u, w0, a5_0);
        store(n_out, ob * OB + 6u, h0 + 0u, w0, a6_0);
        store(n_out, ob * OB + 7u, h0 + 0u, w0, a7_0);
    }
    if (h0 + 1u < p.h) {
        store(n_out, ob * OB + 0u, h0 + 1u, w0, a0_1);
        store(n_out, ob * OB + 1u, h0 + 1u, w0, a1_1);
        store(n_out, ob * OB + 2u, h0 + 1u, w0, a2_1);
        store(n_out, ob * OB + 3u, h0 + 1u, w0, a3_1);
        store(n_out, ob * OB + 4u, h0 + 1u, w0, a4_1);
        store(n_out, ob * OB + 5u, h0 + 1u, w0, a5_1);
        store(n_out, ob * OB + 6u, h0 + 1u, w0, a6_1);
        store(n_out, ob * OB + 7u, h0 + 1u, w0, a7_1);
    }
}

// y[n, co, h, w] = bias[co] + Σ_ci Σ_ky Σ_kx weight[co, ci, ky, kx] · x[n, ci, h+ky-1, w+kx-1]
@compute @workgroup_size(64)
fn conv2d_forward_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) lid: u32,
                           @builtin(subgroup_invocation_id) sid: u32) {
    conv_block(wid, nwg, lid, sid, false);
}

// dx[n, ci, h, w] = Σ_co Σ_ky Σ_kx weight[co, ci, ky, kx] · dy[n, co, h-ky+1, w-kx+1]
@compute @workgroup_size(64)
fn conv2d_backward_input_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                  @builtin(local_invocation_index) lid: u32,
                                  @builtin(subgroup_invocation_id) sid: u32) {
    conv_block(wid, nwg, lid, sid, false);
}

// As conv2d_forward_subgroup, for W % 4 == 0 (vec4 input loads).
@compute @workgroup_size(64)
fn conv2d_forward_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(local_invocation_index) lid: u32,
                                   @builtin(subgroup_invocation_id) sid: u32) {
    conv_block(wid, nwg, lid, sid, true);
}

// As conv2d_backward_input_subgroup, for W % 4 == 0 (vec4 input loads).
@compute @workgroup_size(64)
fn conv2d_backward_input_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                          @builtin(local_invocation_index) lid: u32,
                                          @builtin(subgroup_invocation_id) sid: u32) {
    conv_block(wid, nwg, lid, sid, true);
}

// The same convolution with 16 output channels per invocation (2 rows × 4 pixels each): every
// loaded input value feeds 96 FMAs instead of 48, which is what bounds this kernel on CPU drivers.
// Invocation `sid` loads the weights of channels ob·16 + sid and ob·16 + 8 + sid; broadcasts
// hand both sets to the subgroup. `p.o_blocks` counts blocks of 16 here. (The `cpu` family uses
// it where a layer writes at least 16 channels.)
fn conv_block16(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, sid: u32, aligned: bool) {
    let g = wid.x + wid.y * nwg.x;
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    let ob = rest % p.o_blocks;
    let n = (rest / p.o_blocks) % p.n;
    let split = rest / p.o_blocks / p.n;
    if (split >= p.splits) {
        return; // whole workgroup: subgroup operations below stay uniform
    }
    // Split-K: this workgroup adds read channels [split·chunk, ci_end) into partial `split`.
    let ci_end = min((split + 1u) * p.chunk, p.c_in);
    let n_out = split * p.n + n;
    let item = tile * WG + lid;
    let h0 = (item / p.w_blocks) * RB;
    let w0 = (item % p.w_blocks) * PX;
    let in_range = h0 < p.h;
    let plane = p.h * p.w;
    let last = p.c_out - 1u;
    // The two output channels whose weights this invocation loads for the whole subgroup.
    let mine_a = min(ob * 16u + sid % OB, last);
    let mine_b = min(ob * 16u + OB + sid % OB, last);
    let b0 = bias_of(split, min(ob * 16u + 0u, last));
    let b1 = bias_of(split, min(ob * 16u + 1u, last));
    let b2 = bias_of(split, min(ob * 16u + 2u, last));
    let b3 = bias_of(split, min(ob * 16u + 3u, last));
    let b4 = bias_of(split, min(ob * 16u + 4u, last));
    let b5 = bias_of(split, min(ob * 16u + 5u, last));
    let b6 = bias_of(split, min(ob * 16u + 6u, last));
    let b7 = bias_of(split, min(ob * 16u + 7u, last));
    let b8 = bias_of(split, min(ob * 16u + 8u, last));
    let b9 = bias_of(split, min(ob * 16u + 9u, last));
    let b10 = bias_of(split, min(ob * 16u + 10u, last));
    let b11 = bias_of(split, min(ob * 16u + 11u, last));
    let b12 = bias_of(split, min(ob * 16u + 12u, last));
    let b13 = bias_of(split, min(ob * 16u + 13u, last));
    let b14 = bias_of(split, min(ob * 16u + 14u, last));
    let b15 = bias_of(split, min(ob * 16u + 15u, last));
    var a0_0 = vec4<f32>(b0);
    var a0_1 = vec4<f32>(b0);
    var a1_0 = vec4<f32>(b1);
    var a1_1 = vec4<f32>(b1);
    var a2_0 = vec4<f32>(b2);
    var a2_1 = vec4<f32>(b2);
    var a3_0 = vec4<f32>(b3);
    var a3_1 = vec4<f32>(b3);
    var a4_0 = vec4<f32>(b4);
    var a4_1 = vec4<f32>(b4);
    var a5_0 = vec4<f32>(b5);
    var a5_1 = vec4<f32>(b5);
    var a6_0 = vec4<f32>(b6);
    var a6_1 = vec4<f32>(b6);
    var a7_0 = vec4<f32>(b7);
    var a7_1 = vec4<f32>(b7);
    var a8_0 = vec4<f32>(b8);
    var a8_1 = vec4<f32>(b8);
    var a9_0 = vec4<f32>(b9);
    var a9_1 = vec4<f32>(b9);
    var a10_0 = vec4<f32>(b10);
    var a10_1 = vec4<f32>(b10);
    var a11_0 = vec4<f32>(b11);
    var a11_1 = vec4<f32>(b11);
    var a12_0 = vec4<f32>(b12);
    var a12_1 = vec4<f32>(b12);
    var a13_0 = vec4<f32>(b13);
    var a13_1 = vec4<f32>(b13);
    var a14_0 = vec4<f32>(b14);
    var a14_1 = vec4<f32>(b14);
    var a15_0 = vec4<f32>(b15);
    var a15_1 = vec4<f32>(b15);

    for (var ci = split * p.chunk; ci < ci_end; ci++) {
        let base = (n * p.c_in + ci) * plane;
        let k0 = weight_at(mine_a, ci, 0u);
        let k1 = weight_at(mine_a, ci, 1u);
        let k2 = weight_at(mine_a, ci, 2u);
        let k3 = weight_at(mine_a, ci, 3u);
        let k4 = weight_at(mine_a, ci, 4u);
        let k5 = weight_at(mine_a, ci, 5u);
        let k6 = weight_at(mine_a, ci, 6u);
        let k7 = weight_at(mine_a, ci, 7u);
        let k8 = weight_at(mine_a, ci, 8u);
        let q0 = weight_at(mine_b, ci, 0u);
        let q1 = weight_at(mine_b, ci, 1u);
        let q2 = weight_at(mine_b, ci, 2u);
        let q3 = weight_at(mine_b, ci, 3u);
        let q4 = weight_at(mine_b, ci, 4u);
        let q5 = weight_at(mine_b, ci, 5u);
        let q6 = weight_at(mine_b, ci, 6u);
        let q7 = weight_at(mine_b, ci, 7u);
        let q8 = weight_at(mine_b, ci, 8u);
        let x0 = load_row(base, i32(h0) + -1, w0, in_range, aligned);
        let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]);
        let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]);
        let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row(base, i32(h0) + 0, w0, in_range, aligned);
        let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]);
        let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]);
        let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row(base, i32(h0) + 1, w0, in_range, aligned);
        let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]);
        let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]);
        let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row(base, i32(h0) + 2, w0, in_range, aligned);
        let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]);
        let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]);
        let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let w0_00 = subgroupBroadcast(k0, 0u);
        let w0_01 = subgroupBroadcast(k1, 0u);
        let w0_02 = subgroupBroadcast(k2, 0u);
        let w0_10 = subgroupBroadcast(k3, 0u);
        let w0_11 = subgroupBroadcast(k4, 0u);
        let w0_12 = subgroupBroadcast(k5, 0u);
        let w0_20 = subgroupBroadcast(k6, 0u);
        let w0_21 = subgroupBroadcast(k7, 0u);
        let w0_22 = subgroupBroadcast(k8, 0u);
        a0_0 += w0_00 * l0 + w0_01 * m0 + w0_02 * r0 + w0_10 * l1 + w0_11 * m1 + w0_12 * r1 + w0_20 * l2 + w0_21 * m2 + w0_22 * r2;
        a0_1 += w0_00 * l1 + w0_01 * m1 + w0_02 * r1 + w0_10 * l2 + w0_11 * m2 + w0_12 * r2 + w0_20 * l3 + w0_21 * m3 + w0_22 * r3;
        let w1_00 = subgroupBroadcast(k0, 1u);
        let w1_01 = subgroupBroadcast(k1, 1u);
        let w1_02 = subgroupBroadcast(k2, 1u);
        let w1_10 = subgroupBroadcast(k3, 1u);
        let w1_11 = subgroupBroadcast(k4, 1u);
        let w1_12 = subgroupBroadcast(k5, 1u);
        let w1_20 = subgroupBroadcast(k6, 1u);
        let w1_21 = subgroupBroadcast(k7, 1u);
        let w1_22 = subgroupBroadcast(k8, 1u);
        a1_0 += w1_00 * l0 + w1_01 * m0 + w1_02 * r0 + w1_10 * l1 + w1_11 * m1 + w1_12 * r1 + w1_20 * l2 + w1_21 * m2 + w1_22 * r2;
        a1_1 += w1_00 * l1 + w1_01 * m1 + w1_02 * r1 + w1_10 * l2 + w1_11 * m2 + w1_12 * r2 + w1_20 * l3 + w1_21 * m3 + w1_22 * r3;
        let w2_00 = subgroupBroadcast(k0, 2u);
        let w2_01 = subgroupBroadcast(k1, 2u);
        let w2_02 = subgroupBroadcast(k2, 2u);
        let w2_10 = subgroupBroadcast(k3, 2u);
        let w2_11 = subgroupBroadcast(k4, 2u);
        let w2_12 = subgroupBroadcast(k5, 2u);
        let w2_20 = subgroupBroadcast(k6, 2u);
        let w2_21 = subgroupBroadcast(k7, 2u);
        let w2_22 = subgroupBroadcast(k8, 2u);
        a2_0 += w2_00 * l0 + w2_01 * m0 + w2_02 * r0 + w2_10 * l1 + w2_11 * m1 + w2_12 * r1 + w2_20 * l2 + w2_21 * m2 + w2_22 * r2;
        a2_1 += w2_00 * l1 + w2_01 * m1 + w2_02 * r1 + w2_10 * l2 + w2_11 * m2 + w2_12 * r2 + w2_20 * l3 + w2_21 * m3 + w2_22 * r3;
        let w3_00 = subgroupBroadcast(k0, 3u);
        let w3_01 = subgroupBroadcast(k1, 3u);
        let w3_02 = subgroupBroadcast(k2, 3u);
        let w3_10 = subgroupBroadcast(k3, 3u);
        let w3_11 = subgroupBroadcast(k4, 3u);
        let w3_12 = subgroupBroadcast(k5, 3u);
        let w3_20 = subgroupBroadcast(k6, 3u);
        let w3_21 = subgroupBroadcast(k7, 3u);
        let w3_22 = subgroupBroadcast(k8, 3u);
        a3_0 += w3_00 * l0 + w3_01 * m0 + w3_02 * r0 + w3_10 * l1 + w3_11 * m1 + w3_12 * r1 + w3_20 * l2 + w3_21 * m2 + w3_22 * r2;
        a3_1 += w3_00 * l1 + w3_01 * m1 + w3_02 * r1 + w3_10 * l2 + w3_11 * m2 + w3_12 * r2 + w3_20 * l3 + w3_21 * m3 + w3_22 * r3;
        let w4_00 = subgroupBroadcast(k0, 4u);
        let w4_01 = subgroupBroadcast(k1, 4u);
        let w4_02 = subgroupBroadcast(k2, 4u);
        let w4_10 = subgroupBroadcast(k3, 4u);
        let w4_11 = subgroupBroadcast(k4, 4u);
        let w4_12 = subgroupBroadcast(k5, 4u);
        let w4_20 = subgroupBroadcast(k6, 4u);
        let w4_21 = subgroupBroadcast(k7, 4u);
        let w4_22 = subgroupBroadcast(k8, 4u);
        a4_0 += w4_00 * l0 + w4_01 * m0 + w4_02 * r0 + w4_10 * l1 + w4_11 * m1 + w4_12 * r1 + w4_20 * l2 + w4_21 * m2 + w4_22 * r2;
        a4_1 += w4_00 * l1 + w4_01 * m1 + w4_02 * r1 + w4_10 * l2 + w4_11 * m2 + w4_12 * r2 + w4_20 * l3 + w4_21 * m3 + w4_22 * r3;
        let w5_00 = subgroupBroadcast(k0, 5u);
        let w5_01 = subgroupBroadcast(k1, 5u);
        let w5_02 = subgroupBroadcast(k2, 5u);
        let w5_10 = subgroupBroadcast(k3, 5u);
        let w5_11 = subgroupBroadcast(k4, 5u);
        let w5_12 = subgroupBroadcast(k5, 5u);
        let w5_20 = subgroupBroadcast(k6, 5u);
        let w5_21 = subgroupBroadcast(k7, 5u);
        let w5_22 = subgroupBroadcast(k8, 5u);
        a5_0 += w5_00 * l0 + w5_01 * m0 + w5_02 * r0 + w5_10 * l1 + w5_11 * m1 + w5_12 * r1 + w5_20 * l2 + w5_21 * m2 + w5_22 * r2;
        a5_1 += w5_00 * l1 + w5_01 * m1 + w5_02 * r1 + w5_10 * l2 + w5_11 * m2 + w5_12 * r2 + w5_20 * l3 + w5_21 * m3 + w5_22 * r3;
        let w6_00 = subgroupBroadcast(k0, 6u);
        let w6_01 = subgroupBroadcast(k1, 6u);
        let w6_02 = subgroupBroadcast(k2, 6u);
        let w6_10 = subgroupBroadcast(k3, 6u);
        let w6_11 = subgroupBroadcast(k4, 6u);
        let w6_12 = subgroupBroadcast(k5, 6u);
        let w6_20 = subgroupBroadcast(k6, 6u);
        let w6_21 = subgroupBroadcast(k7, 6u);
        let w6_22 = subgroupBroadcast(k8, 6u);
        a6_0 += w6_00 * l0 + w6_01 * m0 + w6_02 * r0 + w6_10 * l1 + w6_11 * m1 + w6_12 * r1 + w6_20 * l2 + w6_21 * m2 + w6_22 * r2;
        a6_1 += w6_00 * l1 + w6_01 * m1 + w6_02 * r1 + w6_10 * l2 + w6_11 * m2 + w6_12 * r2 + w6_20 * l3 + w6_21 * m3 + w6_22 * r3;
        let w7_00 = subgroupBroadcast(k0, 7u);
        let w7_01 = subgroupBroadcast(k1, 7u);
        let w7_02 = subgroupBroadcast(k2, 7u);
        let w7_10 = subgroupBroadcast(k3, 7u);
        let w7_11 = subgroupBroadcast(k4, 7u);
        let w7_12 = subgroupBroadcast(k5, 7u);
        let w7_20 = subgroupBroadcast(k6, 7u);
        let w7_21 = subgroupBroadcast(k7, 7u);
        let w7_22 = subgroupBroadcast(k8, 7u);
        a7_0 += w7_00 * l0 + w7_01 * m0 + w7_02 * r0 + w7_10 * l1 + w7_11 * m1 + w7_12 * r1 + w7_20 * l2 + w7_21 * m2 + w7_22 * r2;
        a7_1 += w7_00 * l1 + w7_01 * m1 + w7_02 * r1 + w7_10 * l2 + w7_11 * m2 + w7_12 * r2 + w7_20 * l3 + w7_21 * m3 + w7_22 * r3;
        let w8_00 = subgroupBroadcast(q0, 0u);
        let w8_01 = subgroupBroadcast(q1, 0u);
        let w8_02 = subgroupBroadcast(q2, 0u);
        let w8_10 = subgroupBroadcast(q3, 0u);
        let w8_11 = subgroupBroadcast(q4, 0u);
        let w8_12 = subgroupBroadcast(q5, 0u);
        let w8_20 = subgroupBroadcast(q6, 0u);
        let w8_21 = subgroupBroadcast(q7, 0u);
        let w8_22 = subgroupBroadcast(q8, 0u);
        a8_0 += w8_00 * l0 + w8_01 * m0 + w8_02 * r0 + w8_10 * l1 + w8_11 * m1 + w8_12 * r1 + w8_20 * l2 + w8_21 * m2 + w8_22 * r2;
        a8_1 += w8_00 * l1 + w8_01 * m1 + w8_02 * r1 + w8_10 * l2 + w8_11 * m2 + w8_12 * r2 + w8_20 * l3 + w8_21 * m3 + w8_22 * r3;
        let w9_00 = subgroupBroadcast(q0, 1u);
        let w9_01 = subgroupBroadcast(q1, 1u);
        let w9_02 = subgroupBroadcast(q2, 1u);
        let w9_10 = subgroupBroadcast(q3, 1u);
        let w9_11 = subgroupBroadcast(q4, 1u);
        let w9_12 = subgroupBroadcast(q5, 1u);
        let w9_20 = subgroupBroadcast(q6, 1u);
        let w9_21 = subgroupBroadcast(q7, 1u);
        let w9_22 = subgroupBroadcast(q8, 1u);
        a9_0 += w9_00 * l0 + w9_01 * m0 + w9_02 * r0 + w9_10 * l1 + w9_11 * m1 + w9_12 * r1 + w9_20 * l2 + w9_21 * m2 + w9_22 * r2;
        a9_1 += w9_00 * l1 + w9_01 * m1 + w9_02 * r1 + w9_10 * l2 + w9_11 * m2 + w9_12 * r2 + w9_20 * l3 + w9_21 * m3 + w9_22 * r3;
        let w10_00 = subgroupBroadcast(q0, 2u);
        let w10_01 = subgroupBroadcast(q1, 2u);
        let w10_02 = subgroupBroadcast(q2, 2u);
        let w10_10 = subgroupBroadcast(q3, 2u);
        let w10_11 = subgroupBroadcast(q4, 2u);
        let w10_12 = subgroupBroadcast(q5, 2u);
        let w10_20 = subgroupBroadcast(q6, 2u);
        let w10_21 = subgroupBroadcast(q7, 2u);
        let w10_22 = subgroupBroadcast(q8, 2u);
        a10_0 += w10_00 * l0 + w10_01 * m0 + w10_02 * r0 + w10_10 * l1 + w10_11 * m1 + w10_12 * r1 + w10_20 * l2 + w10_21 * m2 + w10_22 * r2;
        a10_1 += w10_00 * l1 + w10_01 * m1 + w10_02 * r1 + w10_10 * l2 + w10_11 * m2 + w10_12 * r2 + w10_20 * l3 + w10_21 * m3 + w10_22 * r3;
        let w11_00 = subgroupBroadcast(q0, 3u);
        let w11_01 = subgroupBroadcast(q1, 3u);
        let w11_02 = subgroupBroadcast(q2, 3u);
        let w11_10 = subgroupBroadcast(q3, 3u);
        let w11_11 = subgroupBroadcast(q4, 3u);
        let w11_12 = subgroupBroadcast(q5, 3u);
        let w11_20 = subgroupBroadcast(q6, 3u);
        let w11_21 = subgroupBroadcast(q7, 3u);
        let w11_22 = subgroupBroadcast(q8, 3u);
        a11_0 += w11_00 * l0 + w11_01 * m0 + w11_02 * r0 + w11_10 * l1 + w11_11 * m1 + w11_12 * r1 + w11_20 * l2 + w11_21 * m2 + w11_22 * r2;
        a11_1 += w11_00 * l1 + w11_01 * m1 + w11_02 * r1 + w11_10 * l2 + w11_11 * m2 + w11_12 * r2 + w11_20 * l3 + w11_21 * m3 + w11_22 * r3;
        let w12_00 = subgroupBroadcast(q0, 4u);
        let w12_01 = subgroupBroadcast(q1, 4u);
        let w12_02 = subgroupBroadcast(q2, 4u);
        let w12_10 = subgroupBroadcast(q3, 4u);
        let w12_11 = subgroupBroadcast(q4, 4u);
        let w12_12 = subgroupBroadcast(q5, 4u);
        let w12_20 = subgroupBroadcast(q6, 4u);
        let w12_21 = subgroupBroadcast(q7, 4u);
        let w12_22 = subgroupBroadcast(q8, 4u);
        a12_0 += w12_00 * l0 + w12_01 * m0 + w12_02 * r0 + w12_10 * l1 + w12_11 * m1 + w12_12 * r1 + w12_20 * l2 + w12_21 * m2 + w12_22 * r2;
        a12_1 += w12_00 * l1 + w12_01 * m1 + w12_02 * r1 + w12_10 * l2 + w12_11 * m2 + w12_12 * r2 + w12_20 * l3 + w12_21 * m3 + w12_22 * r3;
        let w13_00 = subgroupBroadcast(q0, 5u);
        let w13_01 = subgroupBroadcast(q1, 5u);
        let w13_02 = subgroupBroadcast(q2, 5u);
        let w13_10 = subgroupBroadcast(q3, 5u);
        let w13_11 = subgroupBroadcast(q4, 5u);
        let w13_12 = subgroupBroadcast(q5, 5u);
        let w13_20 = subgroupBroadcast(q6, 5u);
        let w13_21 = subgroupBroadcast(q7, 5u);
        let w13_22 = subgroupBroadcast(q8, 5u);
        a13_0 += w13_00 * l0 + w13_01 * m0 + w13_02 * r0 + w13_10 * l1 + w13_11 * m1 + w13_12 * r1 + w13_20 * l2 + w13_21 * m2 + w13_22 * r2;
        a13_1 += w13_00 * l1 + w13_01 * m1 + w13_02 * r1 + w13_10 * l2 + w13_11 * m2 + w13_12 * r2 + w13_20 * l3 + w13_21 * m3 + w13_22 * r3;
        let w14_00 = subgroupBroadcast(q0, 6u);
        let w14_01 = subgroupBroadcast(q1, 6u);
        let w14_02 = subgroupBroadcast(q2, 6u);
        let w14_10 = subgroupBroadcast(q3, 6u);
        let w14_11 = subgroupBroadcast(q4, 6u);
        let w14_12 = subgroupBroadcast(q5, 6u);
        let w14_20 = subgroupBroadcast(q6, 6u);
        let w14_21 = subgroupBroadcast(q7, 6u);
        let w14_22 = subgroupBroadcast(q8, 6u);
        a14_0 += w14_00 * l0 + w14_01 * m0 + w14_02 * r0 + w14_10 * l1 + w14_11 * m1 + w14_12 * r1 + w14_20 * l2 + w14_21 * m2 + w14_22 * r2;
        a14_1 += w14_00 * l1 + w14_01 * m1 + w14_02 * r1 + w14_10 * l2 + w14_11 * m2 + w14_12 * r2 + w14_20 * l3 + w14_21 * m3 + w14_22 * r3;
        let w15_00 = subgroupBroadcast(q0, 7u);
        let w15_01 = subgroupBroadcast(q1, 7u);
        let w15_02 = subgroupBroadcast(q2, 7u);
        let w15_10 = subgroupBroadcast(q3, 7u);
        let w15_11 = subgroupBroadcast(q4, 7u);
        let w15_12 = subgroupBroadcast(q5, 7u);
        let w15_20 = subgroupBroadcast(q6, 7u);
        let w15_21 = subgroupBroadcast(q7, 7u);
        let w15_22 = subgroupBroadcast(q8, 7u);
        a15_0 += w15_00 * l0 + w15_01 * m0 + w15_02 * r0 + w15_10 * l1 + w15_11 * m1 + w15_12 * r1 + w15_20 * l2 + w15_21 * m2 + w15_22 * r2;
        a15_1 += w15_00 * l1 + w15_01 * m1 + w15_02 * r1 + w15_10 * l2 + w15_11 * m2 + w15_12 * r2 + w15_20 * l3 + w15_21 * m3 + w15_22 * r3;
    }

    if (!in_range) {
        return;
    }
    if (h0 + 0u < p.h) {
        store(n_out, ob * 16u + 0u, h0 + 0u, w0, a0_0);
        store(n_out, ob * 16u + 1u, h0 + 0u, w0, a1_0);
        store(n_out, ob * 16u + 2u, h0 + 0u, w0, a2_0);
        store(n_out, ob * 16u + 3u, h0 + 0u, w0, a3_0);
        store(n_out, ob * 16u + 4u, h0 + 0u, w0, a4_0);
        store(n_out, ob * 16u + 5u, h0 + 0u, w0, a5_0);
        store(n_out, ob * 16u + 6u, h0 + 0u, w0, a6_0);
        store(n_out, ob * 16u + 7u, h0 + 0u, w0, a7_0);
        store(n_out, ob * 16u + 8u, h0 + 0u, w0, a8_0);
        store(n_out, ob * 16u + 9u, h0 + 0u, w0, a9_0);
        store(n_out, ob * 16u + 10u, h0 + 0u, w0, a10_0);
        store(n_out, ob * 16u + 11u, h0 + 0u, w0, a11_0);
        store(n_out, ob * 16u + 12u, h0 + 0u, w0, a12_0);
        store(n_out, ob * 16u + 13u, h0 + 0u, w0, a13_0);
        store(n_out, ob * 16u + 14u, h0 + 0u, w0, a14_0);
        store(n_out, ob * 16u + 15u, h0 + 0u, w0, a15_0);
    }
    if (h0 + 1u < p.h) {
        store(n_out, ob * 16u + 0u, h0 + 1u, w0, a0_1);
        store(n_out, ob * 16u + 1u, h0 + 1u, w0, a1_1);
        store(n_out, ob * 16u + 2u, h0 + 1u, w0, a2_1);
        store(n_out, ob * 16u + 3u, h0 + 1u, w0, a3_1);
        store(n_out, ob * 16u + 4u, h0 + 1u, w0, a4_1);
        store(n_out, ob * 16u + 5u, h0 + 1u, w0, a5_1);
        store(n_out, ob * 16u + 6u, h0 + 1u, w0, a6_1);
        store(n_out, ob * 16u + 7u, h0 + 1u, w0, a7_1);
        store(n_out, ob * 16u + 8u, h0 + 1u, w0, a8_1);
        store(n_out, ob * 16u + 9u, h0 + 1u, w0, a9_1);
        store(n_out, ob * 16u + 10u, h0 + 1u, w0, a10_1);
        store(n_out, ob * 16u + 11u, h0 + 1u, w0, a11_1);
        store(n_out, ob * 16u + 12u, h0 + 1u, w0, a12_1);
        store(n_out, ob * 16u + 13u, h0 + 1u, w0, a13_1);
        store(n_out, ob * 16u + 14u, h0 + 1u, w0, a14_1);
        store(n_out, ob * 16u + 15u, h0 + 1u, w0, a15_1);
    }
}

// As conv2d_forward_subgroup, 16 output channels per invocation.
@compute @workgroup_size(64)
fn conv2d_forward_subgroup16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32) {
    conv_block16(wid, nwg, lid, sid, false);
}

// As conv2d_backward_input_subgroup, 16 output channels per invocation.
@compute @workgroup_size(64)
fn conv2d_backward_input_subgroup16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32) {
    conv_block16(wid, nwg, lid, sid, false);
}

// As conv2d_forward_subgroup_aligned, 16 output channels per invocation.
@compute @workgroup_size(64)
fn conv2d_forward_subgroup16_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32) {
    conv_block16(wid, nwg, lid, sid, true);
}

// As conv2d_backward_input_subgroup_aligned, 16 output channels per invocation.
@compute @workgroup_size(64)
fn conv2d_backward_input_subgroup16_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32) {
    conv_block16(wid, nwg, lid, sid, true);
}

// The same convolution with 32 output channels × 4 rows × 4 pixels per invocation, for the `cpu`
// family where a layer writes at least 32 channels and W % 4 == 0 (every real layer): 6 loaded
// input rows serve 4 output rows, and each invocation loads the weights of 4 of the 32 channels,
// so a loaded value feeds 2.3× the FMAs of `conv_block16` (1.25–1.4× faster on lavapipe, docs/performance.md
// "Kernel benchmarks"; 64 channels or 6 rows were no faster and compile slower). `p.o_blocks`
// counts blocks of 32, `p.tiles` blocks of 4 rows. Weights come packed (`conv2d_pack_weights`,
// 3 vec4 loads per channel pair), halo pixels by shuffle (`load_row32`), and outputs leave as
// vec4 (`store4`). Written out: broadcasts take constant lanes, and the accumulators need constant
// names to stay out of memory. Each line is one channel.
fn conv_block32(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, sid: u32, sg_size: u32) {
    let g = wid.x + wid.y * nwg.x;
    let tile = g % p.tiles;
    let rest = g / p.tiles;
    let ob = rest % p.o_blocks;
    let n = (rest / p.o_blocks) % p.n;
    let split = rest / p.o_blocks / p.n;
    if (split >= p.splits) {
        return; // whole workgroup: subgroup operations below stay uniform
    }
    // Split-K: this workgroup adds read channels [split·chunk, ci_end) into partial `split`.
    let ci_end = min((split + 1u) * p.chunk, p.c_in);
    let n_out = split * p.n + n;
    let item = tile * WG + lid;
    let h0 = (item / p.w_blocks) * 4u;
    let w0 = (item % p.w_blocks) * PX;
    let in_range = h0 < p.h;
    let plane = p.h * p.w;
    let last = p.c_out - 1u;
    // Whether the subgroup neighbours hold the blocks just left and right of this one (same row
    // group: their halo pixels come by shuffle, `load_row32`).
    // (The shuffles come first: `&&` short-circuits, and a subgroup operation must not sit in
    // its right operand.)
    let left_item = subgroupShuffleUp(item, 1u);
    let right_item = subgroupShuffleDown(item, 1u);
    let left_lane = sid > 0u && left_item + 1u == item && w0 > 0u;
    // (A subgroup wider than the workgroup has no lanes past WG: their values are undefined.)
    let right_lane = sid + 1u < min(sg_size, WG) && right_item == item + 1u && w0 + PX < p.w;
    // The output channels whose weights this invocation loads for the whole subgroup: ob·32 + 8q + sid.
    let mine0 = min(ob * 32u + 0u + sid % OB, last);
    let mine1 = min(ob * 32u + 8u + sid % OB, last);
    let mine2 = min(ob * 32u + 16u + sid % OB, last);
    let mine3 = min(ob * 32u + 24u + sid % OB, last);
    let b0 = bias_of(split, min(ob * 32u + 0u, last)); var a0_0 = vec4<f32>(b0); var a0_1 = vec4<f32>(b0); var a0_2 = vec4<f32>(b0); var a0_3 = vec4<f32>(b0);
    let b1 = bias_of(split, min(ob * 32u + 1u, last)); var a1_0 = vec4<f32>(b1); var a1_1 = vec4<f32>(b1); var a1_2 = vec4<f32>(b1); var a1_3 = vec4<f32>(b1);
    let b2 = bias_of(split, min(ob * 32u + 2u, last)); var a2_0 = vec4<f32>(b2); var a2_1 = vec4<f32>(b2); var a2_2 = vec4<f32>(b2); var a2_3 = vec4<f32>(b2);
    let b3 = bias_of(split, min(ob * 32u + 3u, last)); var a3_0 = vec4<f32>(b3); var a3_1 = vec4<f32>(b3); var a3_2 = vec4<f32>(b3); var a3_3 = vec4<f32>(b3);
    let b4 = bias_of(split, min(ob * 32u + 4u, last)); var a4_0 = vec4<f32>(b4); var a4_1 = vec4<f32>(b4); var a4_2 = vec4<f32>(b4); var a4_3 = vec4<f32>(b4);
    let b5 = bias_of(split, min(ob * 32u + 5u, last)); var a5_0 = vec4<f32>(b5); var a5_1 = vec4<f32>(b5); var a5_2 = vec4<f32>(b5); var a5_3 = vec4<f32>(b5);
    let b6 = bias_of(split, min(ob * 32u + 6u, last)); var a6_0 = vec4<f32>(b6); var a6_1 = vec4<f32>(b6); var a6_2 = vec4<f32>(b6); var a6_3 = vec4<f32>(b6);
    let b7 = bias_of(split, min(ob * 32u + 7u, last)); var a7_0 = vec4<f32>(b7); var a7_1 = vec4<f32>(b7); var a7_2 = vec4<f32>(b7); var a7_3 = vec4<f32>(b7);
    let b8 = bias_of(split, min(ob * 32u + 8u, last)); var a8_0 = vec4<f32>(b8); var a8_1 = vec4<f32>(b8); var a8_2 = vec4<f32>(b8); var a8_3 = vec4<f32>(b8);
    let b9 = bias_of(split, min(ob * 32u + 9u, last)); var a9_0 = vec4<f32>(b9); var a9_1 = vec4<f32>(b9); var a9_2 = vec4<f32>(b9); var a9_3 = vec4<f32>(b9);
    let b10 = bias_of(split, min(ob * 32u + 10u, last)); var a10_0 = vec4<f32>(b10); var a10_1 = vec4<f32>(b10); var a10_2 = vec4<f32>(b10); var a10_3 = vec4<f32>(b10);
    let b11 = bias_of(split, min(ob * 32u + 11u, last)); var a11_0 = vec4<f32>(b11); var a11_1 = vec4<f32>(b11); var a11_2 = vec4<f32>(b11); var a11_3 = vec4<f32>(b11);
    let b12 = bias_of(split, min(ob * 32u + 12u, last)); var a12_0 = vec4<f32>(b12); var a12_1 = vec4<f32>(b12); var a12_2 = vec4<f32>(b12); var a12_3 = vec4<f32>(b12);
    let b13 = bias_of(split, min(ob * 32u + 13u, last)); var a13_0 = vec4<f32>(b13); var a13_1 = vec4<f32>(b13); var a13_2 = vec4<f32>(b13); var a13_3 = vec4<f32>(b13);
    let b14 = bias_of(split, min(ob * 32u + 14u, last)); var a14_0 = vec4<f32>(b14); var a14_1 = vec4<f32>(b14); var a14_2 = vec4<f32>(b14); var a14_3 = vec4<f32>(b14);
    let b15 = bias_of(split, min(ob * 32u + 15u, last)); var a15_0 = vec4<f32>(b15); var a15_1 = vec4<f32>(b15); var a15_2 = vec4<f32>(b15); var a15_3 = vec4<f32>(b15);
    let b16 = bias_of(split, min(ob * 32u + 16u, last)); var a16_0 = vec4<f32>(b16); var a16_1 = vec4<f32>(b16); var a16_2 = vec4<f32>(b16); var a16_3 = vec4<f32>(b16);
    let b17 = bias_of(split, min(ob * 32u + 17u, last)); var a17_0 = vec4<f32>(b17); var a17_1 = vec4<f32>(b17); var a17_2 = vec4<f32>(b17); var a17_3 = vec4<f32>(b17);
    let b18 = bias_of(split, min(ob * 32u + 18u, last)); var a18_0 = vec4<f32>(b18); var a18_1 = vec4<f32>(b18); var a18_2 = vec4<f32>(b18); var a18_3 = vec4<f32>(b18);
    let b19 = bias_of(split, min(ob * 32u + 19u, last)); var a19_0 = vec4<f32>(b19); var a19_1 = vec4<f32>(b19); var a19_2 = vec4<f32>(b19); var a19_3 = vec4<f32>(b19);
    let b20 = bias_of(split, min(ob * 32u + 20u, last)); var a20_0 = vec4<f32>(b20); var a20_1 = vec4<f32>(b20); var a20_2 = vec4<f32>(b20); var a20_3 = vec4<f32>(b20);
    let b21 = bias_of(split, min(ob * 32u + 21u, last)); var a21_0 = vec4<f32>(b21); var a21_1 = vec4<f32>(b21); var a21_2 = vec4<f32>(b21); var a21_3 = vec4<f32>(b21);
    let b22 = bias_of(split, min(ob * 32u + 22u, last)); var a22_0 = vec4<f32>(b22); var a22_1 = vec4<f32>(b22); var a22_2 = vec4<f32>(b22); var a22_3 = vec4<f32>(b22);
    let b23 = bias_of(split, min(ob * 32u + 23u, last)); var a23_0 = vec4<f32>(b23); var a23_1 = vec4<f32>(b23); var a23_2 = vec4<f32>(b23); var a23_3 = vec4<f32>(b23);
    let b24 = bias_of(split, min(ob * 32u + 24u, last)); var a24_0 = vec4<f32>(b24); var a24_1 = vec4<f32>(b24); var a24_2 = vec4<f32>(b24); var a24_3 = vec4<f32>(b24);
    let b25 = bias_of(split, min(ob * 32u + 25u, last)); var a25_0 = vec4<f32>(b25); var a25_1 = vec4<f32>(b25); var a25_2 = vec4<f32>(b25); var a25_3 = vec4<f32>(b25);
    let b26 = bias_of(split, min(ob * 32u + 26u, last)); var a26_0 = vec4<f32>(b26); var a26_1 = vec4<f32>(b26); var a26_2 = vec4<f32>(b26); var a26_3 = vec4<f32>(b26);
    let b27 = bias_of(split, min(ob * 32u + 27u, last)); var a27_0 = vec4<f32>(b27); var a27_1 = vec4<f32>(b27); var a27_2 = vec4<f32>(b27); var a27_3 = vec4<f32>(b27);
    let b28 = bias_of(split, min(ob * 32u + 28u, last)); var a28_0 = vec4<f32>(b28); var a28_1 = vec4<f32>(b28); var a28_2 = vec4<f32>(b28); var a28_3 = vec4<f32>(b28);
    let b29 = bias_of(split, min(ob * 32u + 29u, last)); var a29_0 = vec4<f32>(b29); var a29_1 = vec4<f32>(b29); var a29_2 = vec4<f32>(b29); var a29_3 = vec4<f32>(b29);
    let b30 = bias_of(split, min(ob * 32u + 30u, last)); var a30_0 = vec4<f32>(b30); var a30_1 = vec4<f32>(b30); var a30_2 = vec4<f32>(b30); var a30_3 = vec4<f32>(b30);
    let b31 = bias_of(split, min(ob * 32u + 31u, last)); var a31_0 = vec4<f32>(b31); var a31_1 = vec4<f32>(b31); var a31_2 = vec4<f32>(b31); var a31_3 = vec4<f32>(b31);
    for (var ci = split * p.chunk; ci < ci_end; ci++) {
        let base = (n * p.c_in + ci) * plane;
        let v0 = (mine0 * p.c_in + ci) * 3u; let v0a = wpk[v0]; let v0b = wpk[v0 + 1u]; let v0c = wpk[v0 + 2u];
        let k0_0 = v0a.x; let k0_1 = v0a.y; let k0_2 = v0a.z; let k0_3 = v0a.w; let k0_4 = v0b.x; let k0_5 = v0b.y; let k0_6 = v0b.z; let k0_7 = v0b.w; let k0_8 = v0c.x;
        let v1 = (mine1 * p.c_in + ci) * 3u; let v1a = wpk[v1]; let v1b = wpk[v1 + 1u]; let v1c = wpk[v1 + 2u];
        let k1_0 = v1a.x; let k1_1 = v1a.y; let k1_2 = v1a.z; let k1_3 = v1a.w; let k1_4 = v1b.x; let k1_5 = v1b.y; let k1_6 = v1b.z; let k1_7 = v1b.w; let k1_8 = v1c.x;
        let v2 = (mine2 * p.c_in + ci) * 3u; let v2a = wpk[v2]; let v2b = wpk[v2 + 1u]; let v2c = wpk[v2 + 2u];
        let k2_0 = v2a.x; let k2_1 = v2a.y; let k2_2 = v2a.z; let k2_3 = v2a.w; let k2_4 = v2b.x; let k2_5 = v2b.y; let k2_6 = v2b.z; let k2_7 = v2b.w; let k2_8 = v2c.x;
        let v3 = (mine3 * p.c_in + ci) * 3u; let v3a = wpk[v3]; let v3b = wpk[v3 + 1u]; let v3c = wpk[v3 + 2u];
        let k3_0 = v3a.x; let k3_1 = v3a.y; let k3_2 = v3a.z; let k3_3 = v3a.w; let k3_4 = v3b.x; let k3_5 = v3b.y; let k3_6 = v3b.z; let k3_7 = v3b.w; let k3_8 = v3c.x;
        // Input rows h0 - 1 .. h0 + 4: each as its left, middle and right 4-pixel windows.
        let x0 = load_row32(base, i32(h0) + -1, w0, in_range, left_lane, right_lane); let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]); let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]); let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row32(base, i32(h0) + 0, w0, in_range, left_lane, right_lane); let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]); let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]); let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row32(base, i32(h0) + 1, w0, in_range, left_lane, right_lane); let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]); let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]); let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row32(base, i32(h0) + 2, w0, in_range, left_lane, right_lane); let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]); let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]); let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let x4 = load_row32(base, i32(h0) + 3, w0, in_range, left_lane, right_lane); let l4 = vec4<f32>(x4[0], x4[1], x4[2], x4[3]); let m4 = vec4<f32>(x4[1], x4[2], x4[3], x4[4]); let r4 = vec4<f32>(x4[2], x4[3], x4[4], x4[5]);
        let x5 = load_row32(base, i32(h0) + 4, w0, in_range, left_lane, right_lane); let l5 = vec4<f32>(x5[0], x5[1], x5[2], x5[3]); let m5 = vec4<f32>(x5[1], x5[2], x5[3], x5[4]); let r5 = vec4<f32>(x5[2], x5[3], x5[4], x5[5]);
        // Channel k, kernel row ky: its three taps broadcast from lane k % 8, then the 4 output rows.
        let w0_00 = subgroupBroadcast(k0_0, 0u); let w0_01 = subgroupBroadcast(k0_1, 0u); let w0_02 = subgroupBroadcast(k0_2, 0u); let w0_10 = subgroupBroadcast(k0_3, 0u); let w0_11 = subgroupBroadcast(k0_4, 0u); let w0_12 = subgroupBroadcast(k0_5, 0u); let w0_20 = subgroupBroadcast(k0_6, 0u); let w0_21 = subgroupBroadcast(k0_7, 0u); let w0_22 = subgroupBroadcast(k0_8, 0u);
        a0_0 += w0_00 * l0 + w0_01 * m0 + w0_02 * r0 + w0_10 * l1 + w0_11 * m1 + w0_12 * r1 + w0_20 * l2 + w0_21 * m2 + w0_22 * r2; a0_1 += w0_00 * l1 + w0_01 * m1 + w0_02 * r1 + w0_10 * l2 + w0_11 * m2 + w0_12 * r2 + w0_20 * l3 + w0_21 * m3 + w0_22 * r3; a0_2 += w0_00 * l2 + w0_01 * m2 + w0_02 * r2 + w0_10 * l3 + w0_11 * m3 + w0_12 * r3 + w0_20 * l4 + w0_21 * m4 + w0_22 * r4; a0_3 += w0_00 * l3 + w0_01 * m3 + w0_02 * r3 + w0_10 * l4 + w0_11 * m4 + w0_12 * r4 + w0_20 * l5 + w0_21 * m5 + w0_22 * r5;
        let w1_00 = subgroupBroadcast(k0_0, 1u); let w1_01 = subgroupBroadcast(k0_1, 1u); let w1_02 = subgroupBroadcast(k0_2, 1u); let w1_10 = subgroupBroadcast(k0_3, 1u); let w1_11 = subgroupBroadcast(k0_4, 1u); let w1_12 = subgroupBroadcast(k0_5, 1u); let w1_20 = subgroupBroadcast(k0_6, 1u); let w1_21 = subgroupBroadcast(k0_7, 1u); let w1_22 = subgroupBroadcast(k0_8, 1u);
        a1_0 += w1_00 * l0 + w1_01 * m0 + w1_02 * r0 + w1_10 * l1 + w1_11 * m1 + w1_12 * r1 + w1_20 * l2 + w1_21 * m2 + w1_22 * r2; a1_1 += w1_00 * l1 + w1_01 * m1 + w1_02 * r1 + w1_10 * l2 + w1_11 * m2 + w1_12 * r2 + w1_20 * l3 + w1_21 * m3 + w1_22 * r3; a1_2 += w1_00 * l2 + w1_01 * m2 + w1_02 * r2 + w1_10 * l3 + w1_11 * m3 + w1_12 * r3 + w1_20 * l4 + w1_21 * m4 + w1_22 * r4; a1_3 += w1_00 * l3 + w1_01 * m3 + w1_02 * r3 + w1_10 * l4 + w1_11 * m4 + w1_12 * r4 + w1_20 * l5 + w1_21 * m5 + w1_22 * r5;
        let w2_00 = subgroupBroadcast(k0_0, 2u); let w2_01 = subgroupBroadcast(k0_1, 2u); let w2_02 = subgroupBroadcast(k0_2, 2u); let w2_10 = subgroupBroadcast(k0_3, 2u); let w2_11 = subgroupBroadcast(k0_4, 2u); let w2_12 = subgroupBroadcast(k0_5, 2u); let w2_20 = subgroupBroadcast(k0_6, 2u); let w2_21 = subgroupBroadcast(k0_7, 2u); let w2_22 = subgroupBroadcast(k0_8, 2u);
        a2_0 += w2_00 * l0 + w2_01 * m0 + w2_02 * r0 + w2_10 * l1 + w2_11 * m1 + w2_12 * r1 + w2_20 * l2 + w2_21 * m2 + w2_22 * r2; a2_1 += w2_00 * l1 + w2_01 * m1 + w2_02 * r1 + w2_10 * l2 + w2_11 * m2 + w2_12 * r2 + w2_20 * l3 + w2_21 * m3 + w2_22 * r3; a2_2 += w2_00 * l2 + w2_01 * m2 + w2_02 * r2 + w2_10 * l3 + w2_11 * m3 + w2_12 * r3 + w2_20 * l4 + w2_21 * m4 + w2_22 * r4; a2_3 += w2_00 * l3 + w2_01 * m3 + w2_02 * r3 + w2_10 * l4 + w2_11 * m4 + w2_12 * r4 + w2_20 * l5 + w2_21 * m5 + w2_22 * r5;
        let w3_00 = subgroupBroadcast(k0_0, 3u); let w3_01 = subgroupBroadcast(k0_1, 3u); let w3_02 = subgroupBroadcast(k0_2, 3u); let w3_10 = subgroupBroadcast(k0_3, 3u); let w3_11 = subgroupBroadcast(k0_4, 3u); let w3_12 = subgroupBroadcast(k0_5, 3u); let w3_20 = subgroupBroadcast(k0_6, 3u); let w3_21 = subgroupBroadcast(k0_7, 3u); let w3_22 = subgroupBroadcast(k0_8, 3u);
        a3_0 += w3_00 * l0 + w3_01 * m0 + w3_02 * r0 + w3_10 * l1 + w3_11 * m1 + w3_12 * r1 + w3_20 * l2 + w3_21 * m2 + w3_22 * r2; a3_1 += w3_00 * l1 + w3_01 * m1 + w3_02 * r1 + w3_10 * l2 + w3_11 * m2 + w3_12 * r2 + w3_20 * l3 + w3_21 * m3 + w3_22 * r3; a3_2 += w3_00 * l2 + w3_01 * m2 + w3_02 * r2 + w3_10 * l3 + w3_11 * m3 + w3_12 * r3 + w3_20 * l4 + w3_21 * m4 + w3_22 * r4; a3_3 += w3_00 * l3 + w3_01 * m3 + w3_02 * r3 + w3_10 * l4 + w3_11 * m4 + w3_12 * r4 + w3_20 * l5 + w3_21 * m5 + w3_22 * r5;
        let w4_00 = subgroupBroadcast(k0_0, 4u); let w4_01 = subgroupBroadcast(k0_1, 4u); let w4_02 = subgroupBroadcast(k0_2, 4u); let w4_10 = subgroupBroadcast(k0_3, 4u); let w4_11 = subgroupBroadcast(k0_4, 4u); let w4_12 = subgroupBroadcast(k0_5, 4u); let w4_20 = subgroupBroadcast(k0_6, 4u); let w4_21 = subgroupBroadcast(k0_7, 4u); let w4_22 = subgroupBroadcast(k0_8, 4u);
        a4_0 += w4_00 * l0 + w4_01 * m0 + w4_02 * r0 + w4_10 * l1 + w4_11 * m1 + w4_12 * r1 + w4_20 * l2 + w4_21 * m2 + w4_22 * r2; a4_1 += w4_00 * l1 + w4_01 * m1 + w4_02 * r1 + w4_10 * l2 + w4_11 * m2 + w4_12 * r2 + w4_20 * l3 + w4_21 * m3 + w4_22 * r3; a4_2 += w4_00 * l2 + w4_01 * m2 + w4_02 * r2 + w4_10 * l3 + w4_11 * m3 + w4_12 * r3 + w4_20 * l4 + w4_21 * m4 + w4_22 * r4; a4_3 += w4_00 * l3 + w4_01 * m3 + w4_02 * r3 + w4_10 * l4 + w4_11 * m4 + w4_12 * r4 + w4_20 * l5 + w4_21 * m5 + w4_22 * r5;
        let w5_00 = subgroupBroadcast(k0_0, 5u); let w5_01 = subgroupBroadcast(k0_1, 5u); let w5_02 = subgroupBroadcast(k0_2, 5u); let w5_10 = subgroupBroadcast(k0_3, 5u); let w5_11 = subgroupBroadcast(k0_4, 5u); let w5_12 = subgroupBroadcast(k0_5, 5u); let w5_20 = subgroupBroadcast(k0_6, 5u); let w5_21 = subgroupBroadcast(k0_7, 5u); let w5_22 = subgroupBroadcast(k0_8, 5u);
        a5_0 += w5_00 * l0 + w5_01 * m0 + w5_02 * r0 + w5_10 * l1 + w5_11 * m1 + w5_12 * r1 + w5_20 * l2 + w5_21 * m2 + w5_22 * r2; a5_1 += w5_00 * l1 + w5_01 * m1 + w5_02 * r1 + w5_10 * l2 + w5_11 * m2 + w5_12 * r2 + w5_20 * l3 + w5_21 * m3 + w5_22 * r3; a5_2 += w5_00 * l2 + w5_01 * m2 + w5_02 * r2 + w5_10 * l3 + w5_11 * m3 + w5_12 * r3 + w5_20 * l4 + w5_21 * m4 + w5_22 * r4; a5_3 += w5_00 * l3 + w5_01 * m3 + w5_02 * r3 + w5_10 * l4 + w5_11 * m4 + w5_12 * r4 + w5_20 * l5 + w5_21 * m5 + w5_22 * r5;
        let w6_00 = subgroupBroadcast(k0_0, 6u); let w6_01 = subgroupBroadcast(k0_1, 6u); let w6_02 = subgroupBroadcast(k0_2, 6u); let w6_10 = subgroupBroadcast(k0_3, 6u); let w6_11 = subgroupBroadcast(k0_4, 6u); let w6_12 = subgroupBroadcast(k0_5, 6u); let w6_20 = subgroupBroadcast(k0_6, 6u); let w6_21 = subgroupBroadcast(k0_7, 6u); let w6_22 = subgroupBroadcast(k0_8, 6u);
        a6_0 += w6_00 * l0 + w6_01 * m0 + w6_02 * r0 + w6_10 * l1 + w6_11 * m1 + w6_12 * r1 + w6_20 * l2 + w6_21 * m2 + w6_22 * r2; a6_1 += w6_00 * l1 + w6_01 * m1 + w6_02 * r1 + w6_10 * l2 + w6_11 * m2 + w6_12 * r2 + w6_20 * l3 + w6_21 * m3 + w6_22 * r3; a6_2 += w6_00 * l2 + w6_01 * m2 + w6_02 * r2 + w6_10 * l3 + w6_11 * m3 + w6_12 * r3 + w6_20 * l4 + w6_21 * m4 + w6_22 * r4; a6_3 += w6_00 * l3 + w6_01 * m3 + w6_02 * r3 + w6_10 * l4 + w6_11 * m4 + w6_12 * r4 + w6_20 * l5 + w6_21 * m5 + w6_22 * r5;
        let w7_00 = subgroupBroadcast(k0_0, 7u); let w7_01 = subgroupBroadcast(k0_1, 7u); let w7_02 = subgroupBroadcast(k0_2, 7u); let w7_10 = subgroupBroadcast(k0_3, 7u); let w7_11 = subgroupBroadcast(k0_4, 7u); let w7_12 = subgroupBroadcast(k0_5, 7u); let w7_20 = subgroupBroadcast(k0_6, 7u); let w7_21 = subgroupBroadcast(k0_7, 7u); let w7_22 = subgroupBroadcast(k0_8, 7u);
        a7_0 += w7_00 * l0 + w7_01 * m0 + w7_02 * r0 + w7_10 * l1 + w7_11 * m1 + w7_12 * r1 + w7_20 * l2 + w7_21 * m2 + w7_22 * r2; a7_1 += w7_00 * l1 + w7_01 * m1 + w7_02 * r1 + w7_10 * l2 + w7_11 * m2 + w7_12 * r2 + w7_20 * l3 + w7_21 * m3 + w7_22 * r3; a7_2 += w7_00 * l2 + w7_01 * m2 + w7_02 * r2 + w7_10 * l3 + w7_11 * m3 + w7_12 * r3 + w7_20 * l4 + w7_21 * m4 + w7_22 * r4; a7_3 += w7_00 * l3 + w7_01 * m3 + w7_02 * r3 + w7_10 * l4 + w7_11 * m4 + w7_12 * r4 + w7_20 * l5 + w7_21 * m5 + w7_22 * r5;
        let w8_00 = subgroupBroadcast(k1_0, 0u); let w8_01 = subgroupBroadcast(k1_1, 0u); let w8_02 = subgroupBroadcast(k1_2, 0u); let w8_10 = subgroupBroadcast(k1_3, 0u); let w8_11 = subgroupBroadcast(k1_4, 0u); let w8_12 = subgroupBroadcast(k1_5, 0u); let w8_20 = subgroupBroadcast(k1_6, 0u); let w8_21 = subgroupBroadcast(k1_7, 0u); let w8_22 = subgroupBroadcast(k1_8, 0u);
        a8_0 += w8_00 * l0 + w8_01 * m0 + w8_02 * r0 + w8_10 * l1 + w8_11 * m1 + w8_12 * r1 + w8_20 * l2 + w8_21 * m2 + w8_22 * r2; a8_1 += w8_00 * l1 + w8_01 * m1 + w8_02 * r1 + w8_10 * l2 + w8_11 * m2 + w8_12 * r2 + w8_20 * l3 + w8_21 * m3 + w8_22 * r3; a8_2 += w8_00 * l2 + w8_01 * m2 + w8_02 * r2 + w8_10 * l3 + w8_11 * m3 + w8_12 * r3 + w8_20 * l4 + w8_21 * m4 + w8_22 * r4; a8_3 += w8_00 * l3 + w8_01 * m3 + w8_02 * r3 + w8_10 * l4 + w8_11 * m4 + w8_12 * r4 + w8_20 * l5 + w8_21 * m5 + w8_22 * r5;
        let w9_00 = subgroupBroadcast(k1_0, 1u); let w9_01 = subgroupBroadcast(k1_1, 1u); let w9_02 = subgroupBroadcast(k1_2, 1u); let w9_10 = subgroupBroadcast(k1_3, 1u); let w9_11 = subgroupBroadcast(k1_4, 1u); let w9_12 = subgroupBroadcast(k1_5, 1u); let w9_20 = subgroupBroadcast(k1_6, 1u); let w9_21 = subgroupBroadcast(k1_7, 1u); let w9_22 = subgroupBroadcast(k1_8, 1u);
        a9_0 += w9_00 * l0 + w9_01 * m0 + w9_02 * r0 + w9_10 * l1 + w9_11 * m1 + w9_12 * r1 + w9_20 * l2 + w9_21 * m2 + w9_22 * r2; a9_1 += w9_00 * l1 + w9_01 * m1 + w9_02 * r1 + w9_10 * l2 + w9_11 * m2 + w9_12 * r2 + w9_20 * l3 + w9_21 * m3 + w9_22 * r3; a9_2 += w9_00 * l2 + w9_01 * m2 + w9_02 * r2 + w9_10 * l3 + w9_11 * m3 + w9_12 * r3 + w9_20 * l4 + w9_21 * m4 + w9_22 * r4; a9_3 += w9_00 * l3 + w9_01 * m3 + w9_02 * r3 + w9_10 * l4 + w9_11 * m4 + w9_12 * r4 + w9_20 * l5 + w9_21 * m5 + w9_22 * r5;
        let w10_00 = subgroupBroadcast(k1_0, 2u); let w10_01 = subgroupBroadcast(k1_1, 2u); let w10_02 = subgroupBroadcast(k1_2, 2u); let w10_10 = subgroupBroadcast(k1_3, 2u); let w10_11 = subgroupBroadcast(k1_4, 2u); let w10_12 = subgroupBroadcast(k1_5, 2u); let w10_20 = subgroupBroadcast(k1_6, 2u); let w10_21 = subgroupBroadcast(k1_7, 2u); let w10_22 = subgroupBroadcast(k1_8, 2u);
        a10_0 += w10_00 * l0 + w10_01 * m0 + w10_02 * r0 + w10_10 * l1 + w10_11 * m1 + w10_12 * r1 + w10_20 * l2 + w10_21 * m2 + w10_22 * r2; a10_1 += w10_00 * l1 + w10_01 * m1 + w10_02 * r1 + w10_10 * l2 + w10_11 * m2 + w10_12 * r2 + w10_20 * l3 + w10_21 * m3 + w10_22 * r3; a10_2 += w10_00 * l2 + w10_01 * m2 + w10_02 * r2 + w10_10 * l3 + w10_11 * m3 + w10_12 * r3 + w10_20 * l4 + w10_21 * m4 + w10_22 * r4; a10_3 += w10_00 * l3 + w10_01 * m3 + w10_02 * r3 + w10_10 * l4 + w10_11 * m4 + w10_12 * r4 + w10_20 * l5 + w10_21 * m5 + w10_22 * r5;
        let w11_00 = subgroupBroadcast(k1_0, 3u); let w11_01 = subgroupBroadcast(k1_1, 3u); let w11_02 = subgroupBroadcast(k1_2, 3u); let w11_10 = subgroupBroadcast(k1_3, 3u); let w11_11 = subgroupBroadcast(k1_4, 3u); let w11_12 = subgroupBroadcast(k1_5, 3u); let w11_20 = subgroupBroadcast(k1_6, 3u); let w11_21 = subgroupBroadcast(k1_7, 3u); let w11_22 = subgroupBroadcast(k1_8, 3u);
        a11_0 += w11_00 * l0 + w11_01 * m0 + w11_02 * r0 + w11_10 * l1 + w11_11 * m1 + w11_12 * r1 + w11_20 * l2 + w11_21 * m2 + w11_22 * r2; a11_1 += w11_00 * l1 + w11_01 * m1 + w11_02 * r1 + w11_10 * l2 + w11_11 * m2 + w11_12 * r2 + w11_20 * l3 + w11_21 * m3 + w11_22 * r3; a11_2 += w11_00 * l2 + w11_01 * m2 + w11_02 * r2 + w11_10 * l3 + w11_11 * m3 + w11_12 * r3 + w11_20 * l4 + w11_21 * m4 + w11_22 * r4; a11_3 += w11_00 * l3 + w11_01 * m3 + w11_02 * r3 + w11_10 * l4 + w11_11 * m4 + w11_12 * r4 + w11_20 * l5 + w11_21 * m5 + w11_22 * r5;
        let w12_00 = subgroupBroadcast(k1_0, 4u); let w12_01 = subgroupBroadcast(k1_1, 4u); let w12_02 = subgroupBroadcast(k1_2, 4u); let w12_10 = subgroupBroadcast(k1_3, 4u); let w12_11 = subgroupBroadcast(k1_4, 4u); let w12_12 = subgroupBroadcast(k1_5, 4u); let w12_20 = subgroupBroadcast(k1_6, 4u); let w12_21 = subgroupBroadcast(k1_7, 4u); let w12_22 = subgroupBroadcast(k1_8, 4u);
        a12_0 += w12_00 * l0 + w12_01 * m0 + w12_02 * r0 + w12_10 * l1 + w12_11 * m1 + w12_12 * r1 + w12_20 * l2 + w12_21 * m2 + w12_22 * r2; a12_1 += w12_00 * l1 + w12_01 * m1 + w12_02 * r1 + w12_10 * l2 + w12_11 * m2 + w12_12 * r2 + w12_20 * l3 + w12_21 * m3 + w12_22 * r3; a12_2 += w12_00 * l2 + w12_01 * m2 + w12_02 * r2 + w12_10 * l3 + w12_11 * m3 + w12_12 * r3 + w12_20 * l4 + w12_21 * m4 + w12_22 * r4; a12_3 += w12_00 * l3 + w12_01 * m3 + w12_02 * r3 + w12_10 * l4 + w12_11 * m4 + w12_12 * r4 + w12_20 * l5 + w12_21 * m5 + w12_22 * r5;
        let w13_00 = subgroupBroadcast(k1_0, 5u); let w13_01 = subgroupBroadcast(k1_1, 5u); let w13_02 = subgroupBroadcast(k1_2, 5u); let w13_10 = subgroupBroadcast(k1_3, 5u); let w13_11 = subgroupBroadcast(k1_4, 5u); let w13_12 = subgroupBroadcast(k1_5, 5u); let w13_20 = subgroupBroadcast(k1_6, 5u); let w13_21 = subgroupBroadcast(k1_7, 5u); let w13_22 = subgroupBroadcast(k1_8, 5u);
        a13_0 += w13_00 * l0 + w13_01 * m0 + w13_02 * r0 + w13_10 * l1 + w13_11 * m1 + w13_12 * r1 + w13_20 * l2 + w13_21 * m2 + w13_22 * r2; a13_1 += w13_00 * l1 + w13_01 * m1 + w13_02 * r1 + w13_10 * l2 + w13_11 * m2 + w13_12 * r2 + w13_20 * l3 + w13_21 * m3 + w13_22 * r3; a13_2 += w13_00 * l2 + w13_01 * m2 + w13_02 * r2 + w13_10 * l3 + w13_11 * m3 + w13_12 * r3 + w13_20 * l4 + w13_21 * m4 + w13_22 * r4; a13_3 += w13_00 * l3 + w13_01 * m3 + w13_02 * r3 + w13_10 * l4 + w13_11 * m4 + w13_12 * r4 + w13_20 * l5 + w13_21 * m5 + w13_22 * r5;
        let w14_00 = subgroupBroadcast(k1_0, 6u); let w14_01 = subgroupBroadcast(k1_1, 6u); let w14_02 = subgroupBroadcast(k1_2, 6u); let w14_10 = subgroupBroadcast(k1_3, 6u); let w14_11 = subgroupBroadcast(k1_4, 6u); let w14_12 = subgroupBroadcast(k1_5, 6u); let w14_20 = subgroupBroadcast(k1_6, 6u); let w14_21 = subgroupBroadcast(k1_7, 6u); let w14_22 = subgroupBroadcast(k1_8, 6u);
        a14_0 += w14_00 * l0 + w14_01 * m0 + w14_02 * r0 + w14_10 * l1 + w14_11 * m1 + w14_12 * r1 + w14_20 * l2 + w14_21 * m2 + w14_22 * r2; a14_1 += w14_00 * l1 + w14_01 * m1 + w14_02 * r1 + w14_10 * l2 + w14_11 * m2 + w14_12 * r2 + w14_20 * l3 + w14_21 * m3 + w14_22 * r3; a14_2 += w14_00 * l2 + w14_01 * m2 + w14_02 * r2 + w14_10 * l3 + w14_11 * m3 + w14_12 * r3 + w14_20 * l4 + w14_21 * m4 + w14_22 * r4; a14_3 += w14_00 * l3 + w14_01 * m3 + w14_02 * r3 + w14_10 * l4 + w14_11 * m4 + w14_12 * r4 + w14_20 * l5 + w14_21 * m5 + w14_22 * r5;
        let w15_00 = subgroupBroadcast(k1_0, 7u); let w15_01 = subgroupBroadcast(k1_1, 7u); let w15_02 = subgroupBroadcast(k1_2, 7u); let w15_10 = subgroupBroadcast(k1_3, 7u); let w15_11 = subgroupBroadcast(k1_4, 7u); let w15_12 = subgroupBroadcast(k1_5, 7u); let w15_20 = subgroupBroadcast(k1_6, 7u); let w15_21 = subgroupBroadcast(k1_7, 7u); let w15_22 = subgroupBroadcast(k1_8, 7u);
        a15_0 += w15_00 * l0 + w15_01 * m0 + w15_02 * r0 + w15_10 * l1 + w15_11 * m1 + w15_12 * r1 + w15_20 * l2 + w15_21 * m2 + w15_22 * r2; a15_1 += w15_00 * l1 + w15_01 * m1 + w15_02 * r1 + w15_10 * l2 + w15_11 * m2 + w15_12 * r2 + w15_20 * l3 + w15_21 * m3 + w15_22 * r3; a15_2 += w15_00 * l2 + w15_01 * m2 + w15_02 * r2 + w15_10 * l3 + w15_11 * m3 + w15_12 * r3 + w15_20 * l4 + w15_21 * m4 + w15_22 * r4; a15_3 += w15_00 * l3 + w15_01 * m3 + w15_02 * r3 + w15_10 * l4 + w15_11 * m4 + w15_12 * r4 + w15_20 * l5 + w15_21 * m5 + w15_22 * r5;
        let w16_00 = subgroupBroadcast(k2_0, 0u); let w16_01 = subgroupBroadcast(k2_1, 0u); let w16_02 = subgroupBroadcast(k2_2, 0u); let w16_10 = subgroupBroadcast(k2_3, 0u); let w16_11 = subgroupBroadcast(k2_4, 0u); let w16_12 = subgroupBroadcast(k2_5, 0u); let w16_20 = subgroupBroadcast(k2_6, 0u); let w16_21 = subgroupBroadcast(k2_7, 0u); let w16_22 = subgroupBroadcast(k2_8, 0u);
        a16_0 += w16_00 * l0 + w16_01 * m0 + w16_02 * r0 + w16_10 * l1 + w16_11 * m1 + w16_12 * r1 + w16_20 * l2 + w16_21 * m2 + w16_22 * r2; a16_1 += w16_00 * l1 + w16_01 * m1 + w16_02 * r1 + w16_10 * l2 + w16_11 * m2 + w16_12 * r2 + w16_20 * l3 + w16_21 * m3 + w16_22 * r3; a16_2 += w16_00 * l2 + w16_01 * m2 + w16_02 * r2 + w16_10 * l3 + w16_11 * m3 + w16_12 * r3 + w16_20 * l4 + w16_21 * m4 + w16_22 * r4; a16_3 += w16_00 * l3 + w16_01 * m3 + w16_02 * r3 + w16_10 * l4 + w16_11 * m4 + w16_12 * r4 + w16_20 * l5 + w16_21 * m5 + w16_22 * r5;
        let w17_00 = subgroupBroadcast(k2_0, 1u); let w17_01 = subgroupBroadcast(k2_1, 1u); let w17_02 = subgroupBroadcast(k2_2, 1u); let w17_10 = subgroupBroadcast(k2_3, 1u); let w17_11 = subgroupBroadcast(k2_4, 1u); let w17_12 = subgroupBroadcast(k2_5, 1u); let w17_20 = subgroupBroadcast(k2_6, 1u); let w17_21 = subgroupBroadcast(k2_7, 1u); let w17_22 = subgroupBroadcast(k2_8, 1u);
        a17_0 += w17_00 * l0 + w17_01 * m0 + w17_02 * r0 + w17_10 * l1 + w17_11 * m1 + w17_12 * r1 + w17_20 * l2 + w17_21 * m2 + w17_22 * r2; a17_1 += w17_00 * l1 + w17_01 * m1 + w17_02 * r1 + w17_10 * l2 + w17_11 * m2 + w17_12 * r2 + w17_20 * l3 + w17_21 * m3 + w17_22 * r3; a17_2 += w17_00 * l2 + w17_01 * m2 + w17_02 * r2 + w17_10 * l3 + w17_11 * m3 + w17_12 * r3 + w17_20 * l4 + w17_21 * m4 + w17_22 * r4; a17_3 += w17_00 * l3 + w17_01 * m3 + w17_02 * r3 + w17_10 * l4 + w17_11 * m4 + w17_12 * r4 + w17_20 * l5 + w17_21 * m5 + w17_22 * r5;
        let w18_00 = subgroupBroadcast(k2_0, 2u); let w18_01 = subgroupBroadcast(k2_1, 2u); let w18_02 = subgroupBroadcast(k2_2, 2u); let w18_10 = subgroupBroadcast(k2_3, 2u); let w18_11 = subgroupBroadcast(k2_4, 2u); let w18_12 = subgroupBroadcast(k2_5, 2u); let w18_20 = subgroupBroadcast(k2_6, 2u); let w18_21 = subgroupBroadcast(k2_7, 2u); let w18_22 = subgroupBroadcast(k2_8, 2u);
        a18_0 += w18_00 * l0 + w18_01 * m0 + w18_02 * r0 + w18_10 * l1 + w18_11 * m1 + w18_12 * r1 + w18_20 * l2 + w18_21 * m2 + w18_22 * r2; a18_1 += w18_00 * l1 + w18_01 * m1 + w18_02 * r1 + w18_10 * l2 + w18_11 * m2 + w18_12 * r2 + w18_20 * l3 + w18_21 * m3 + w18_22 * r3; a18_2 += w18_00 * l2 + w18_01 * m2 + w18_02 * r2 + w18_10 * l3 + w18_11 * m3 + w18_12 * r3 + w18_20 * l4 + w18_21 * m4 + w18_22 * r4; a18_3 += w18_00 * l3 + w18_01 * m3 + w18_02 * r3 + w18_10 * l4 + w18_11 * m4 + w18_12 * r4 + w18_20 * l5 + w18_21 * m5 + w18_22 * r5;
        let w19_00 = subgroupBroadcast(k2_0, 3u); let w19_01 = subgroupBroadcast(k2_1, 3u); let w19_02 = subgroupBroadcast(k2_2, 3u); let w19_10 = subgroupBroadcast(k2_3, 3u); let w19_11 = subgroupBroadcast(k2_4, 3u); let w19_12 = subgroupBroadcast(k2_5, 3u); let w19_20 = subgroupBroadcast(k2_6, 3u); let w19_21 = subgroupBroadcast(k2_7, 3u); let w19_22 = subgroupBroadcast(k2_8, 3u);
        a19_0 += w19_00 * l0 + w19_01 * m0 + w19_02 * r0 + w19_10 * l1 + w19_11 * m1 + w19_12 * r1 + w19_20 * l2 + w19_21 * m2 + w19_22 * r2; a19_1 += w19_00 * l1 + w19_01 * m1 + w19_02 * r1 + w19_10 * l2 + w19_11 * m2 + w19_12 * r2 + w19_20 * l3 + w19_21 * m3 + w19_22 * r3; a19_2 += w19_00 * l2 + w19_01 * m2 + w19_02 * r2 + w19_10 * l3 + w19_11 * m3 + w19_12 * r3 + w19_20 * l4 + w19_21 * m4 + w19_22 * r4; a19_3 += w19_00 * l3 + w19_01 * m3 + w19_02 * r3 + w19_10 * l4 + w19_11 * m4 + w19_12 * r4 + w19_20 * l5 + w19_21 * m5 + w19_22 * r5;
        let w20_00 = subgroupBroadcast(k2_0, 4u); let w20_01 = subgroupBroadcast(k2_1, 4u); let w20_02 = subgroupBroadcast(k2_2, 4u); let w20_10 = subgroupBroadcast(k2_3, 4u); let w20_11 = subgroupBroadcast(k2_4, 4u); let w20_12 = subgroupBroadcast(k2_5, 4u); let w20_20 = subgroupBroadcast(k2_6, 4u); let w20_21 = subgroupBroadcast(k2_7, 4u); let w20_22 = subgroupBroadcast(k2_8, 4u);
        a20_0 += w20_00 * l0 + w20_01 * m0 + w20_02 * r0 + w20_10 * l1 + w20_11 * m1 + w20_12 * r1 + w20_20 * l2 + w20_21 * m2 + w20_22 * r2; a20_1 += w20_00 * l1 + w20_01 * m1 + w20_02 * r1 + w20_10 * l2 + w20_11 * m2 + w20_12 * r2 + w20_20 * l3 + w20_21 * m3 + w20_22 * r3; a20_2 += w20_00 * l2 + w20_01 * m2 + w20_02 * r2 + w20_10 * l3 + w20_11 * m3 + w20_12 * r3 + w20_20 * l4 + w20_21 * m4 + w20_22 * r4; a20_3 += w20_00 * l3 + w20_01 * m3 + w20_02 * r3 + w20_10 * l4 + w20_11 * m4 + w20_12 * r4 + w20_20 * l5 + w20_21 * m5 + w20_22 * r5;
        let w21_00 = subgroupBroadcast(k2_0, 5u); let w21_01 = subgroupBroadcast(k2_1, 5u); let w21_02 = subgroupBroadcast(k2_2, 5u); let w21_10 = subgroupBroadcast(k2_3, 5u); let w21_11 = subgroupBroadcast(k2_4, 5u); let w21_12 = subgroupBroadcast(k2_5, 5u); let w21_20 = subgroupBroadcast(k2_6, 5u); let w21_21 = subgroupBroadcast(k2_7, 5u); let w21_22 = subgroupBroadcast(k2_8, 5u);
        a21_0 += w21_00 * l0 + w21_01 * m0 + w21_02 * r0 + w21_10 * l1 + w21_11 * m1 + w21_12 * r1 + w21_20 * l2 + w21_21 * m2 + w21_22 * r2; a21_1 += w21_00 * l1 + w21_01 * m1 + w21_02 * r1 + w21_10 * l2 + w21_11 * m2 + w21_12 * r2 + w21_20 * l3 + w21_21 * m3 + w21_22 * r3; a21_2 += w21_00 * l2 + w21_01 * m2 + w21_02 * r2 + w21_10 * l3 + w21_11 * m3 + w21_12 * r3 + w21_20 * l4 + w21_21 * m4 + w21_22 * r4; a21_3 += w21_00 * l3 + w21_01 * m3 + w21_02 * r3 + w21_10 * l4 + w21_11 * m4 + w21_12 * r4 + w21_20 * l5 + w21_21 * m5 + w21_22 * r5;
        let w22_00 = subgroupBroadcast(k2_0, 6u); let w22_01 = subgroupBroadcast(k2_1, 6u); let w22_02 = subgroupBroadcast(k2_2, 6u); let w22_10 = subgroupBroadcast(k2_3, 6u); let w22_11 = subgroupBroadcast(k2_4, 6u); let w22_12 = subgroupBroadcast(k2_5, 6u); let w22_20 = subgroupBroadcast(k2_6, 6u); let w22_21 = subgroupBroadcast(k2_7, 6u); let w22_22 = subgroupBroadcast(k2_8, 6u);
        a22_0 += w22_00 * l0 + w22_01 * m0 + w22_02 * r0 + w22_10 * l1 + w22_11 * m1 + w22_12 * r1 + w22_20 * l2 + w22_21 * m2 + w22_22 * r2; a22_1 += w22_00 * l1 + w22_01 * m1 + w22_02 * r1 + w22_10 * l2 + w22_11 * m2 + w22_12 * r2 + w22_20 * l3 + w22_21 * m3 + w22_22 * r3; a22_2 += w22_00 * l2 + w22_01 * m2 + w22_02 * r2 + w22_10 * l3 + w22_11 * m3 + w22_12 * r3 + w22_20 * l4 + w22_21 * m4 + w22_22 * r4; a22_3 += w22_00 * l3 + w22_01 * m3 + w22_02 * r3 + w22_10 * l4 + w22_11 * m4 + w22_12 * r4 + w22_20 * l5 + w22_21 * m5 + w22_22 * r5;
        let w23_00 = subgroupBroadcast(k2_0, 7u); let w23_01 = subgroupBroadcast(k2_1, 7u); let w23_02 = subgroupBroadcast(k2_2, 7u); let w23_10 = subgroupBroadcast(k2_3, 7u); let w23_11 = subgroupBroadcast(k2_4, 7u); let w23_12 = subgroupBroadcast(k2_5, 7u); let w23_20 = subgroupBroadcast(k2_6, 7u); let w23_21 = subgroupBroadcast(k2_7, 7u); let w23_22 = subgroupBroadcast(k2_8, 7u);
        a23_0 += w23_00 * l0 + w23_01 * m0 + w23_02 * r0 + w23_10 * l1 + w23_11 * m1 + w23_12 * r1 + w23_20 * l2 + w23_21 * m2 + w23_22 * r2; a23_1 += w23_00 * l1 + w23_01 * m1 + w23_02 * r1 + w23_10 * l2 + w23_11 * m2 + w23_12 * r2 + w23_20 * l3 + w23_21 * m3 + w23_22 * r3; a23_2 += w23_00 * l2 + w23_01 * m2 + w23_02 * r2 + w23_10 * l3 + w23_11 * m3 + w23_12 * r3 + w23_20 * l4 + w23_21 * m4 + w23_22 * r4; a23_3 += w23_00 * l3 + w23_01 * m3 + w23_02 * r3 + w23_10 * l4 + w23_11 * m4 + w23_12 * r4 + w23_20 * l5 + w23_21 * m5 + w23_22 * r5;
        let w24_00 = subgroupBroadcast(k3_0, 0u); let w24_01 = subgroupBroadcast(k3_1, 0u); let w24_02 = subgroupBroadcast(k3_2, 0u); let w24_10 = subgroupBroadcast(k3_3, 0u); let w24_11 = subgroupBroadcast(k3_4, 0u); let w24_12 = subgroupBroadcast(k3_5, 0u); let w24_20 = subgroupBroadcast(k3_6, 0u); let w24_21 = subgroupBroadcast(k3_7, 0u); let w24_22 = subgroupBroadcast(k3_8, 0u);
        a24_0 += w24_00 * l0 + w24_01 * m0 + w24_02 * r0 + w24_10 * l1 + w24_11 * m1 + w24_12 * r1 + w24_20 * l2 + w24_21 * m2 + w24_22 * r2; a24_1 += w24_00 * l1 + w24_01 * m1 + w24_02 * r1 + w24_10 * l2 + w24_11 * m2 + w24_12 * r2 + w24_20 * l3 + w24_21 * m3 + w24_22 * r3; a24_2 += w24_00 * l2 + w24_01 * m2 + w24_02 * r2 + w24_10 * l3 + w24_11 * m3 + w24_12 * r3 + w24_20 * l4 + w24_21 * m4 + w24_22 * r4; a24_3 += w24_00 * l3 + w24_01 * m3 + w24_02 * r3 + w24_10 * l4 + w24_11 * m4 + w24_12 * r4 + w24_20 * l5 + w24_21 * m5 + w24_22 * r5;
        let w25_00 = subgroupBroadcast(k3_0, 1u); let w25_01 = subgroupBroadcast(k3_1, 1u); let w25_02 = subgroupBroadcast(k3_2, 1u); let w25_10 = subgroupBroadcast(k3_3, 1u); let w25_11 = subgroupBroadcast(k3_4, 1u); let w25_12 = subgroupBroadcast(k3_5, 1u); let w25_20 = subgroupBroadcast(k3_6, 1u); let w25_21 = subgroupBroadcast(k3_7, 1u); let w25_22 = subgroupBroadcast(k3_8, 1u);
        a25_0 += w25_00 * l0 + w25_01 * m0 + w25_02 * r0 + w25_10 * l1 + w25_11 * m1 + w25_12 * r1 + w25_20 * l2 + w25_21 * m2 + w25_22 * r2; a25_1 += w25_00 * l1 + w25_01 * m1 + w25_02 * r1 + w25_10 * l2 + w25_11 * m2 + w25_12 * r2 + w25_20 * l3 + w25_21 * m3 + w25_22 * r3; a25_2 += w25_00 * l2 + w25_01 * m2 + w25_02 * r2 + w25_10 * l3 + w25_11 * m3 + w25_12 * r3 + w25_20 * l4 + w25_21 * m4 + w25_22 * r4; a25_3 += w25_00 * l3 + w25_01 * m3 + w25_02 * r3 + w25_10 * l4 + w25_11 * m4 + w25_12 * r4 + w25_20 * l5 + w25_21 * m5 + w25_22 * r5;
        let w26_00 = subgroupBroadcast(k3_0, 2u); let w26_01 = subgroupBroadcast(k3_1, 2u); let w26_02 = subgroupBroadcast(k3_2, 2u); let w26_10 = subgroupBroadcast(k3_3, 2u); let w26_11 = subgroupBroadcast(k3_4, 2u); let w26_12 = subgroupBroadcast(k3_5, 2u); let w26_20 = subgroupBroadcast(k3_6, 2u); let w26_21 = subgroupBroadcast(k3_7, 2u); let w26_22 = subgroupBroadcast(k3_8, 2u);
        a26_0 += w26_00 * l0 + w26_01 * m0 + w26_02 * r0 + w26_10 * l1 + w26_11 * m1 + w26_12 * r1 + w26_20 * l2 + w26_21 * m2 + w26_22 * r2; a26_1 += w26_00 * l1 + w26_01 * m1 + w26_02 * r1 + w26_10 * l2 + w26_11 * m2 + w26_12 * r2 + w26_20 * l3 + w26_21 * m3 + w26_22 * r3; a26_2 += w26_00 * l2 + w26_01 * m2 + w26_02 * r2 + w26_10 * l3 + w26_11 * m3 + w26_12 * r3 + w26_20 * l4 + w26_21 * m4 + w26_22 * r4; a26_3 += w26_00 * l3 + w26_01 * m3 + w26_02 * r3 + w26_10 * l4 + w26_11 * m4 + w26_12 * r4 + w26_20 * l5 + w26_21 * m5 + w26_22 * r5;
        let w27_00 = subgroupBroadcast(k3_0, 3u); let w27_01 = subgroupBroadcast(k3_1, 3u); let w27_02 = subgroupBroadcast(k3_2, 3u); let w27_10 = subgroupBroadcast(k3_3, 3u); let w27_11 = subgroupBroadcast(k3_4, 3u); let w27_12 = subgroupBroadcast(k3_5, 3u); let w27_20 = subgroupBroadcast(k3_6, 3u); let w27_21 = subgroupBroadcast(k3_7, 3u); let w27_22 = subgroupBroadcast(k3_8, 3u);
        a27_0 += w27_00 * l0 + w27_01 * m0 + w27_02 * r0 + w27_10 * l1 + w27_11 * m1 + w27_12 * r1 + w27_20 * l2 + w27_21 * m2 + w27_22 * r2; a27_1 += w27_00 * l1 + w27_01 * m1 + w27_02 * r1 + w27_10 * l2 + w27_11 * m2 + w27_12 * r2 + w27_20 * l3 + w27_21 * m3 + w27_22 * r3; a27_2 += w27_00 * l2 + w27_01 * m2 + w27_02 * r2 + w27_10 * l3 + w27_11 * m3 + w27_12 * r3 + w27_20 * l4 + w27_21 * m4 + w27_22 * r4; a27_3 += w27_00 * l3 + w27_01 * m3 + w27_02 * r3 + w27_10 * l4 + w27_11 * m4 + w27_12 * r4 + w27_20 * l5 + w27_21 * m5 + w27_22 * r5;
        let w28_00 = subgroupBroadcast(k3_0, 4u); let w28_01 = subgroupBroadcast(k3_1, 4u); let w28_02 = subgroupBroadcast(k3_2, 4u); let w28_10 = subgroupBroadcast(k3_3, 4u); let w28_11 = subgroupBroadcast(k3_4, 4u); let w28_12 = subgroupBroadcast(k3_5, 4u); let w28_20 = subgroupBroadcast(k3_6, 4u); let w28_21 = subgroupBroadcast(k3_7, 4u); let w28_22 = subgroupBroadcast(k3_8, 4u);
        a28_0 += w28_00 * l0 + w28_01 * m0 + w28_02 * r0 + w28_10 * l1 + w28_11 * m1 + w28_12 * r1 + w28_20 * l2 + w28_21 * m2 + w28_22 * r2; a28_1 += w28_00 * l1 + w28_01 * m1 + w28_02 * r1 + w28_10 * l2 + w28_11 * m2 + w28_12 * r2 + w28_20 * l3 + w28_21 * m3 + w28_22 * r3; a28_2 += w28_00 * l2 + w28_01 * m2 + w28_02 * r2 + w28_10 * l3 + w28_11 * m3 + w28_12 * r3 + w28_20 * l4 + w28_21 * m4 + w28_22 * r4; a28_3 += w28_00 * l3 + w28_01 * m3 + w28_02 * r3 + w28_10 * l4 + w28_11 * m4 + w28_12 * r4 + w28_20 * l5 + w28_21 * m5 + w28_22 * r5;
        let w29_00 = subgroupBroadcast(k3_0, 5u); let w29_01 = subgroupBroadcast(k3_1, 5u); let w29_02 = subgroupBroadcast(k3_2, 5u); let w29_10 = subgroupBroadcast(k3_3, 5u); let w29_11 = subgroupBroadcast(k3_4, 5u); let w29_12 = subgroupBroadcast(k3_5, 5u); let w29_20 = subgroupBroadcast(k3_6, 5u); let w29_21 = subgroupBroadcast(k3_7, 5u); let w29_22 = subgroupBroadcast(k3_8, 5u);
        a29_0 += w29_00 * l0 + w29_01 * m0 + w29_02 * r0 + w29_10 * l1 + w29_11 * m1 + w29_12 * r1 + w29_20 * l2 + w29_21 * m2 + w29_22 * r2; a29_1 += w29_00 * l1 + w29_01 * m1 + w29_02 * r1 + w29_10 * l2 + w29_11 * m2 + w29_12 * r2 + w29_20 * l3 + w29_21 * m3 + w29_22 * r3; a29_2 += w29_00 * l2 + w29_01 * m2 + w29_02 * r2 + w29_10 * l3 + w29_11 * m3 + w29_12 * r3 + w29_20 * l4 + w29_21 * m4 + w29_22 * r4; a29_3 += w29_00 * l3 + w29_01 * m3 + w29_02 * r3 + w29_10 * l4 + w29_11 * m4 + w29_12 * r4 + w29_20 * l5 + w29_21 * m5 + w29_22 * r5;
        let w30_00 = subgroupBroadcast(k3_0, 6u); let w30_01 = subgroupBroadcast(k3_1, 6u); let w30_02 = subgroupBroadcast(k3_2, 6u); let w30_10 = subgroupBroadcast(k3_3, 6u); let w30_11 = subgroupBroadcast(k3_4, 6u); let w30_12 = subgroupBroadcast(k3_5, 6u); let w30_20 = subgroupBroadcast(k3_6, 6u); let w30_21 = subgroupBroadcast(k3_7, 6u); let w30_22 = subgroupBroadcast(k3_8, 6u);
        a30_0 += w30_00 * l0 + w30_01 * m0 + w30_02 * r0 + w30_10 * l1 + w30_11 * m1 + w30_12 * r1 + w30_20 * l2 + w30_21 * m2 + w30_22 * r2; a30_1 += w30_00 * l1 + w30_01 * m1 + w30_02 * r1 + w30_10 * l2 + w30_11 * m2 + w30_12 * r2 + w30_20 * l3 + w30_21 * m3 + w30_22 * r3; a30_2 += w30_00 * l2 + w30_01 * m2 + w30_02 * r2 + w30_10 * l3 + w30_11 * m3 + w30_12 * r3 + w30_20 * l4 + w30_21 * m4 + w30_22 * r4; a30_3 += w30_00 * l3 + w30_01 * m3 + w30_02 * r3 + w30_10 * l4 + w30_11 * m4 + w30_12 * r4 + w30_20 * l5 + w30_21 * m5 + w30_22 * r5;
        let w31_00 = subgroupBroadcast(k3_0, 7u); let w31_01 = subgroupBroadcast(k3_1, 7u); let w31_02 = subgroupBroadcast(k3_2, 7u); let w31_10 = subgroupBroadcast(k3_3, 7u); let w31_11 = subgroupBroadcast(k3_4, 7u); let w31_12 = subgroupBroadcast(k3_5, 7u); let w31_20 = subgroupBroadcast(k3_6, 7u); let w31_21 = subgroupBroadcast(k3_7, 7u); let w31_22 = subgroupBroadcast(k3_8, 7u);
        a31_0 += w31_00 * l0 + w31_01 * m0 + w31_02 * r0 + w31_10 * l1 + w31_11 * m1 + w31_12 * r1 + w31_20 * l2 + w31_21 * m2 + w31_22 * r2; a31_1 += w31_00 * l1 + w31_01 * m1 + w31_02 * r1 + w31_10 * l2 + w31_11 * m2 + w31_12 * r2 + w31_20 * l3 + w31_21 * m3 + w31_22 * r3; a31_2 += w31_00 * l2 + w31_01 * m2 + w31_02 * r2 + w31_10 * l3 + w31_11 * m3 + w31_12 * r3 + w31_20 * l4 + w31_21 * m4 + w31_22 * r4; a31_3 += w31_00 * l3 + w31_01 * m3 + w31_02 * r3 + w31_10 * l4 + w31_11 * m4 + w31_12 * r4 + w31_20 * l5 + w31_21 * m5 + w31_22 * r5;
    }
    if (!in_range) {
        return;
    }
    if (h0 + 0u < p.h) {
        store4(n_out, ob * 32u + 0u, h0 + 0u, w0, a0_0); store4(n_out, ob * 32u + 1u, h0 + 0u, w0, a1_0); store4(n_out, ob * 32u + 2u, h0 + 0u, w0, a2_0); store4(n_out, ob * 32u + 3u, h0 + 0u, w0, a3_0);
        store4(n_out, ob * 32u + 4u, h0 + 0u, w0, a4_0); store4(n_out, ob * 32u + 5u, h0 + 0u, w0, a5_0); store4(n_out, ob * 32u + 6u, h0 + 0u, w0, a6_0); store4(n_out, ob * 32u + 7u, h0 + 0u, w0, a7_0);
        store4(n_out, ob * 32u + 8u, h0 + 0u, w0, a8_0); store4(n_out, ob * 32u + 9u, h0 + 0u, w0, a9_0); store4(n_out, ob * 32u + 10u, h0 + 0u, w0, a10_0); store4(n_out, ob * 32u + 11u, h0 + 0u, w0, a11_0);
        store4(n_out, ob * 32u + 12u, h0 + 0u, w0, a12_0); store4(n_out, ob * 32u + 13u, h0 + 0u, w0, a13_0); store4(n_out, ob * 32u + 14u, h0 + 0u, w0, a14_0); store4(n_out, ob * 32u + 15u, h0 + 0u, w0, a15_0);
        store4(n_out, ob * 32u + 16u, h0 + 0u, w0, a16_0); store4(n_out, ob * 32u + 17u, h0 + 0u, w0, a17_0); store4(n_out, ob * 32u + 18u, h0 + 0u, w0, a18_0); store4(n_out, ob * 32u + 19u, h0 + 0u, w0, a19_0);
        store4(n_out, ob * 32u + 20u, h0 + 0u, w0, a20_0); store4(n_out, ob * 32u + 21u, h0 + 0u, w0, a21_0); store4(n_out, ob * 32u + 22u, h0 + 0u, w0, a22_0); store4(n_out, ob * 32u + 23u, h0 + 0u, w0, a23_0);
        store4(n_out, ob * 32u + 24u, h0 + 0u, w0, a24_0); store4(n_out, ob * 32u + 25u, h0 + 0u, w0, a25_0); store4(n_out, ob * 32u + 26u, h0 + 0u, w0, a26_0); store4(n_out, ob * 32u + 27u, h0 + 0u, w0, a27_0);
        store4(n_out, ob * 32u + 28u, h0 + 0u, w0, a28_0); store4(n_out, ob * 32u + 29u, h0 + 0u, w0, a29_0); store4(n_out, ob * 32u + 30u, h0 + 0u, w0, a30_0); store4(n_out, ob * 32u + 31u, h0 + 0u, w0, a31_0);
    }
    if (h0 + 1u < p.h) {
        store4(n_out, ob * 32u + 0u, h0 + 1u, w0, a0_1); store4(n_out, ob * 32u + 1u, h0 + 1u, w0, a1_1); store4(n_out, ob * 32u + 2u, h0 + 1u, w0, a2_1); store4(n_out, ob * 32u + 3u, h0 + 1u, w0, a3_1);
        store4(n_out, ob * 32u + 4u, h0 + 1u, w0, a4_1); store4(n_out, ob * 32u + 5u, h0 + 1u, w0, a5_1); store4(n_out, ob * 32u + 6u, h0 + 1u, w0, a6_1); store4(n_out, ob * 32u + 7u, h0 + 1u, w0, a7_1);
        store4(n_out, ob * 32u + 8u, h0 + 1u, w0, a8_1); store4(n_out, ob * 32u + 9u, h0 + 1u, w0, a9_1); store4(n_out, ob * 32u + 10u, h0 + 1u, w0, a10_1); store4(n_out, ob * 32u + 11u, h0 + 1u, w0, a11_1);
        store4(n_out, ob * 32u + 12u, h0 + 1u, w0, a12_1); store4(n_out, ob * 32u + 13u, h0 + 1u, w0, a13_1); store4(n_out, ob * 32u + 14u, h0 + 1u, w0, a14_1); store4(n_out, ob * 32u + 15u, h0 + 1u, w0, a15_1);
        store4(n_out, ob * 32u + 16u, h0 + 1u, w0, a16_1); store4(n_out, ob * 32u + 17u, h0 + 1u, w0, a17_1); store4(n_out, ob * 32u + 18u, h0 + 1u, w0, a18_1); store4(n_out, ob * 32u + 19u, h0 + 1u, w0, a19_1);
        store4(n_out, ob * 32u + 20u, h0 + 1u, w0, a20_1); store4(n_out, ob * 32u + 21u, h0 + 1u, w0, a21_1); store4(n_out, ob * 32u + 22u, h0 + 1u, w0, a22_1); store4(n_out, ob * 32u + 23u, h0 + 1u, w0, a23_1);
        store4(n_out, ob * 32u + 24u, h0 + 1u, w0, a24_1); store4(n_out, ob * 32u + 25u, h0 + 1u, w0, a25_1); store4(n_out, ob * 32u + 26u, h0 + 1u, w0, a26_1); store4(n_out, ob * 32u + 27u, h0 + 1u, w0, a27_1);
        store4(n_out, ob * 32u + 28u, h0 + 1u, w0, a28_1); store4(n_out, ob * 32u + 29u, h0 + 1u, w0, a29_1); store4(n_out, ob * 32u + 30u, h0 + 1u, w0, a30_1); store4(n_out, ob * 32u + 31u, h0 + 1u, w0, a31_1);
    }
    if (h0 + 2u < p.h) {
        store4(n_out, ob * 32u + 0u, h0 + 2u, w0, a0_2); store4(n_out, ob * 32u + 1u, h0 + 2u, w0, a1_2); store4(n_out, ob * 32u + 2u, h0 + 2u, w0, a2_2); store4(n_out, ob * 32u + 3u, h0 + 2u, w0, a3_2);
        store4(n_out, ob * 32u + 4u, h0 + 2u, w0, a4_2); store4(n_out, ob * 32u + 5u, h0 + 2u, w0, a5_2); store4(n_out, ob * 32u + 6u, h0 + 2u, w0, a6_2); store4(n_out, ob * 32u + 7u, h0 + 2u, w0, a7_2);
        store4(n_out, ob * 32u + 8u, h0 + 2u, w0, a8_2); store4(n_out, ob * 32u + 9u, h0 + 2u, w0, a9_2); store4(n_out, ob * 32u + 10u, h0 + 2u, w0, a10_2); store4(n_out, ob * 32u + 11u, h0 + 2u, w0, a11_2);
        store4(n_out, ob * 32u + 12u, h0 + 2u, w0, a12_2); store4(n_out, ob * 32u + 13u, h0 + 2u, w0, a13_2); store4(n_out, ob * 32u + 14u, h0 + 2u, w0, a14_2); store4(n_out, ob * 32u + 15u, h0 + 2u, w0, a15_2);
        store4(n_out, ob * 32u + 16u, h0 + 2u, w0, a16_2); store4(n_out, ob * 32u + 17u, h0 + 2u, w0, a17_2); store4(n_out, ob * 32u + 18u, h0 + 2u, w0, a18_2); store4(n_out, ob * 32u + 19u, h0 + 2u, w0, a19_2);
        store4(n_out, ob * 32u + 20u, h0 + 2u, w0, a20_2); store4(n_out, ob * 32u + 21u, h0 + 2u, w0, a21_2); store4(n_out, ob * 32u + 22u, h0 + 2u, w0, a22_2); store4(n_out, ob * 32u + 23u, h0 + 2u, w0, a23_2);
        store4(n_out, ob * 32u + 24u, h0 + 2u, w0, a24_2); store4(n_out, ob * 32u + 25u, h0 + 2u, w0, a25_2); store4(n_out, ob * 32u + 26u, h0 + 2u, w0, a26_2); store4(n_out, ob * 32u + 27u, h0 + 2u, w0, a27_2);
        store4(n_out, ob * 32u + 28u, h0 + 2u, w0, a28_2); store4(n_out, ob * 32u + 29u, h0 + 2u, w0, a29_2); store4(n_out, ob * 32u + 30u, h0 + 2u, w0, a30_2); store4(n_out, ob * 32u + 31u, h0 + 2u, w0, a31_2);
    }
    if (h0 + 3u < p.h) {
        store4(n_out, ob * 32u + 0u, h0 + 3u, w0, a0_3); store4(n_out, ob * 32u + 1u, h0 + 3u, w0, a1_3); store4(n_out, ob * 32u + 2u, h0 + 3u, w0, a2_3); store4(n_out, ob * 32u + 3u, h0 + 3u, w0, a3_3);
        store4(n_out, ob * 32u + 4u, h0 + 3u, w0, a4_3); store4(n_out, ob * 32u + 5u, h0 + 3u, w0, a5_3); store4(n_out, ob * 32u + 6u, h0 + 3u, w0, a6_3); store4(n_out, ob * 32u + 7u, h0 + 3u, w0, a7_3);
        store4(n_out, ob * 32u + 8u, h0 + 3u, w0, a8_3); store4(n_out, ob * 32u + 9u, h0 + 3u, w0, a9_3); store4(n_out, ob * 32u + 10u, h0 + 3u, w0, a10_3); store4(n_out, ob * 32u + 11u, h0 + 3u, w0, a11_3);
        store4(n_out, ob * 32u + 12u, h0 + 3u, w0, a12_3); store4(n_out, ob * 32u + 13u, h0 + 3u, w0, a13_3); store4(n_out, ob * 32u + 14u, h0 + 3u, w0, a14_3); store4(n_out, ob * 32u + 15u, h0 + 3u, w0, a15_3);
        store4(n_out, ob * 32u + 16u, h0 + 3u, w0, a16_3); store4(n_out, ob * 32u + 17u, h0 + 3u, w0, a17_3); store4(n_out, ob * 32u + 18u, h0 + 3u, w0, a18_3); store4(n_out, ob * 32u + 19u, h0 + 3u, w0, a19_3);
        store4(n_out, ob * 32u + 20u, h0 + 3u, w0, a20_3); store4(n_out, ob * 32u + 21u, h0 + 3u, w0, a21_3); store4(n_out, ob * 32u + 22u, h0 + 3u, w0, a22_3); store4(n_out, ob * 32u + 23u, h0 + 3u, w0, a23_3);
        store4(n_out, ob * 32u + 24u, h0 + 3u, w0, a24_3); store4(n_out, ob * 32u + 25u, h0 + 3u, w0, a25_3); store4(n_out, ob * 32u + 26u, h0 + 3u, w0, a26_3); store4(n_out, ob * 32u + 27u, h0 + 3u, w0, a27_3);
        store4(n_out, ob * 32u + 28u, h0 + 3u, w0, a28_3); store4(n_out, ob * 32u + 29u, h0 + 3u, w0, a29_3); store4(n_out, ob * 32u + 30u, h0 + 3u, w0, a30_3); store4(n_out, ob * 32u + 31u, h0 + 3u, w0, a31_3);
    }
}

// As conv2d_forward_subgroup_aligned, 32 output channels × 4 rows per invocation.
@compute @workgroup_size(64)
fn conv2d_forward_subgroup32_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) sg_size: u32) {
    conv_block32(wid, nwg, lid, sid, sg_size);
}

// As conv2d_backward_input_subgroup_aligned, 32 output channels × 4 rows per invocation.
@compute @workgroup_size(64)
fn conv2d_backward_input_subgroup32_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32,
          @builtin(subgroup_invocation_id) sid: u32, @builtin(subgroup_size) sg_size: u32) {
    conv_block32(wid, nwg, lid, sid, sg_size);
}

// Weight gradient with subgroups (2 rows × 4 pixels per step):
//   dw[co, ci, ky, kx] = Σ_n Σ_h Σ_w dy[n, co, h, w] · x[n, ci, h+ky-1, w+kx-1].
// Bindings as conv2d_backward_weight: src = x, weight = dy, dst = the partial sums.
// The GEMM view: rows = 8 output channels, columns = 8 input channels × 9 taps, reduction over every
// pixel. A workgroup is ONE subgroup of 8 invocations (the launcher builds this kernel only where
// subgroups hold at least 8 invocations): invocation `sid` reads input channel cb·8 + sid and the dy
// of output channel ob·8 + sid, and `subgroupBroadcast` shares the dy. Every invocation does useful
// work whatever the device's subgroup size, and no index is derived from `local_invocation_index`,
// so every subgroup operation sits in subgroup-uniform control flow (the loop bounds depend on the
// workgroup id and uniforms only), as the WGSL spec requires.
//
// Split-K: the N·(H/2)·(W/4) items of the reduction are cut into `p.splits` contiguous chunks of
// `p.chunk` items, one per workgroup; workgroup (cb, ob, split) writes its 8 × 72 partial sums to
// dst[split][co][ci][tap], and `sum_splits` (reduce.wgsl) adds the splits in a fixed order —
// deterministic, no atomics. With splits = 1 dst is the weight gradient itself.
@compute @workgroup_size(8)
fn conv2d_backward_weight_subgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(subgroup_invocation_id) sid: u32) {
    weight_grad(wid, nwg, sid, false);
}

// As conv2d_backward_weight_subgroup, for W % 4 == 0 (vec4 input loads).
@compute @workgroup_size(8)
fn conv2d_backward_weight_subgroup_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                           @builtin(subgroup_invocation_id) sid: u32) {
    weight_grad(wid, nwg, sid, true);
}

// dw partial of (output channel co, input channel ci), its 9 taps.
fn store_taps(split: u32, co: u32, ci: u32, t: array<f32, 9>) {
    if (co >= p.c_out || ci >= p.c_in) {
        return;
    }
    let base = ((split * p.c_out + co) * p.c_in + ci) * 9u;
    for (var k = 0u; k < 9u; k++) {
        dst[base + k] = t[k];
    }
}

fn weight_grad(wid: vec3<u32>, nwg: vec3<u32>, sid: u32, aligned: bool) {
    let g = wid.x + wid.y * nwg.x;
    let c_blocks = (p.c_in + OB - 1u) / OB;
    let cb = g % c_blocks;
    let rest = g / c_blocks;
    let ob = rest % p.o_blocks;
    let split = rest / p.o_blocks;
    if (split >= p.splits) {
        return; // whole workgroup (folded 2-D grid padding)
    }
    let lane = sid % OB;
    let ci = cb * OB + lane;
    let mine = sid < OB && ci < p.c_in;       // this invocation's sums count
    let co = min(ob * OB + lane, p.c_out - 1u);
    let co_ok = ob * OB + lane < p.c_out;

    // Zero-initialised, and only ever indexed by constants, so it lives in registers.
    var acc: array<f32, 72>;
    let plane = p.h * p.w;
    let row_blocks = (p.h + RB - 1u) / RB;
    let per_image = row_blocks * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let h0 = (rem / p.w_blocks) * RB;
        let w0 = (rem % p.w_blocks) * PX;
        // This invocation's output channel at the 4 pixels of rows h0 and h0 + 1 (zero past the
        // row end, the last row or the channel count).
        var dy0 = vec4<f32>(0.0);
        var dy1 = vec4<f32>(0.0);
        let dbase = ((n * p.c_out + co) * p.h + h0) * p.w + w0;
        let second = h0 + 1u < p.h;
        for (var j = 0u; j < PX; j++) {
            if (co_ok && w0 + j < p.w) {
                dy0[j] = weight[dbase + j];
                if (second) {
                    dy1[j] = weight[dbase + p.w + j];
                }
            }
        }
        let xbase = (n * p.c_in + min(ci, p.c_in - 1u)) * plane;
        let x0 = load_row(xbase, i32(h0) + -1, w0, mine, aligned);
        let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]);
        let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]);
        let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row(xbase, i32(h0) + 0, w0, mine, aligned);
        let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]);
        let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]);
        let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row(xbase, i32(h0) + 1, w0, mine, aligned);
        let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]);
        let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]);
        let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row(xbase, i32(h0) + 2, w0, mine, aligned);
        let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]);
        let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]);
        let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let d0_0 = vec4<f32>(subgroupBroadcast(dy0.x, 0u), subgroupBroadcast(dy0.y, 0u), subgroupBroadcast(dy0.z, 0u), subgroupBroadcast(dy0.w, 0u));
        let d0_1 = vec4<f32>(subgroupBroadcast(dy1.x, 0u), subgroupBroadcast(dy1.y, 0u), subgroupBroadcast(dy1.z, 0u), subgroupBroadcast(dy1.w, 0u));
        acc[0] += dot(d0_0, l0) + dot(d0_1, l1);
        acc[1] += dot(d0_0, m0) + dot(d0_1, m1);
        acc[2] += dot(d0_0, r0) + dot(d0_1, r1);
        acc[3] += dot(d0_0, l1) + dot(d0_1, l2);
        acc[4] += dot(d0_0, m1) + dot(d0_1, m2);
        acc[5] += dot(d0_0, r1) + dot(d0_1, r2);
        acc[6] += dot(d0_0, l2) + dot(d0_1, l3);
        acc[7] += dot(d0_0, m2) + dot(d0_1, m3);
        acc[8] += dot(d0_0, r2) + dot(d0_1, r3);
        let d1_0 = vec4<f32>(subgroupBroadcast(dy0.x, 1u), subgroupBroadcast(dy0.y, 1u), subgroupBroadcast(dy0.z, 1u), subgroupBroadcast(dy0.w, 1u));
        let d1_1 = vec4<f32>(subgroupBroadcast(dy1.x, 1u), subgroupBroadcast(dy1.y, 1u), subgroupBroadcast(dy1.z, 1u), subgroupBroadcast(dy1.w, 1u));
        acc[9] += dot(d1_0, l0) + dot(d1_1, l1);
        acc[10] += dot(d1_0, m0) + dot(d1_1, m1);
        acc[11] += dot(d1_0, r0) + dot(d1_1, r1);
        acc[12] += dot(d1_0, l1) + dot(d1_1, l2);
        acc[13] += dot(d1_0, m1) + dot(d1_1, m2);
        acc[14] += dot(d1_0, r1) + dot(d1_1, r2);
        acc[15] += dot(d1_0, l2) + dot(d1_1, l3);
        acc[16] += dot(d1_0, m2) + dot(d1_1, m3);
        acc[17] += dot(d1_0, r2) + dot(d1_1, r3);
        let d2_0 = vec4<f32>(subgroupBroadcast(dy0.x, 2u), subgroupBroadcast(dy0.y, 2u), subgroupBroadcast(dy0.z, 2u), subgroupBroadcast(dy0.w, 2u));
        let d2_1 = vec4<f32>(subgroupBroadcast(dy1.x, 2u), subgroupBroadcast(dy1.y, 2u), subgroupBroadcast(dy1.z, 2u), subgroupBroadcast(dy1.w, 2u));
        acc[18] += dot(d2_0, l0) + dot(d2_1, l1);
        acc[19] += dot(d2_0, m0) + dot(d2_1, m1);
        acc[20] += dot(d2_0, r0) + dot(d2_1, r1);
        acc[21] += dot(d2_0, l1) + dot(d2_1, l2);
        acc[22] += dot(d2_0, m1) + dot(d2_1, m2);
        acc[23] += dot(d2_0, r1) + dot(d2_1, r2);
        acc[24] += dot(d2_0, l2) + dot(d2_1, l3);
        acc[25] += dot(d2_0, m2) + dot(d2_1, m3);
        acc[26] += dot(d2_0, r2) + dot(d2_1, r3);
        let d3_0 = vec4<f32>(subgroupBroadcast(dy0.x, 3u), subgroupBroadcast(dy0.y, 3u), subgroupBroadcast(dy0.z, 3u), subgroupBroadcast(dy0.w, 3u));
        let d3_1 = vec4<f32>(subgroupBroadcast(dy1.x, 3u), subgroupBroadcast(dy1.y, 3u), subgroupBroadcast(dy1.z, 3u), subgroupBroadcast(dy1.w, 3u));
        acc[27] += dot(d3_0, l0) + dot(d3_1, l1);
        acc[28] += dot(d3_0, m0) + dot(d3_1, m1);
        acc[29] += dot(d3_0, r0) + dot(d3_1, r1);
        acc[30] += dot(d3_0, l1) + dot(d3_1, l2);
        acc[31] += dot(d3_0, m1) + dot(d3_1, m2);
        acc[32] += dot(d3_0, r1) + dot(d3_1, r2);
        acc[33] += dot(d3_0, l2) + dot(d3_1, l3);
        acc[34] += dot(d3_0, m2) + dot(d3_1, m3);
        acc[35] += dot(d3_0, r2) + dot(d3_1, r3);
        let d4_0 = vec4<f32>(subgroupBroadcast(dy0.x, 4u), subgroupBroadcast(dy0.y, 4u), subgroupBroadcast(dy0.z, 4u), subgroupBroadcast(dy0.w, 4u));
        let d4_1 = vec4<f32>(subgroupBroadcast(dy1.x, 4u), subgroupBroadcast(dy1.y, 4u), subgroupBroadcast(dy1.z, 4u), subgroupBroadcast(dy1.w, 4u));
        acc[36] += dot(d4_0, l0) + dot(d4_1, l1);
        acc[37] += dot(d4_0, m0) + dot(d4_1, m1);
        acc[38] += dot(d4_0, r0) + dot(d4_1, r1);
        acc[39] += dot(d4_0, l1) + dot(d4_1, l2);
        acc[40] += dot(d4_0, m1) + dot(d4_1, m2);
        acc[41] += dot(d4_0, r1) + dot(d4_1, r2);
        acc[42] += dot(d4_0, l2) + dot(d4_1, l3);
        acc[43] += dot(d4_0, m2) + dot(d4_1, m3);
        acc[44] += dot(d4_0, r2) + dot(d4_1, r3);
        let d5_0 = vec4<f32>(subgroupBroadcast(dy0.x, 5u), subgroupBroadcast(dy0.y, 5u), subgroupBroadcast(dy0.z, 5u), subgroupBroadcast(dy0.w, 5u));
        let d5_1 = vec4<f32>(subgroupBroadcast(dy1.x, 5u), subgroupBroadcast(dy1.y, 5u), subgroupBroadcast(dy1.z, 5u), subgroupBroadcast(dy1.w, 5u));
        acc[45] += dot(d5_0, l0) + dot(d5_1, l1);
        acc[46] += dot(d5_0, m0) + dot(d5_1, m1);
        acc[47] += dot(d5_0, r0) + dot(d5_1, r1);
        acc[48] += dot(d5_0, l1) + dot(d5_1, l2);
        acc[49] += dot(d5_0, m1) + dot(d5_1, m2);
        acc[50] += dot(d5_0, r1) + dot(d5_1, r2);
        acc[51] += dot(d5_0, l2) + dot(d5_1, l3);
        acc[52] += dot(d5_0, m2) + dot(d5_1, m3);
        acc[53] += dot(d5_0, r2) + dot(d5_1, r3);
        let d6_0 = vec4<f32>(subgroupBroadcast(dy0.x, 6u), subgroupBroadcast(dy0.y, 6u), subgroupBroadcast(dy0.z, 6u), subgroupBroadcast(dy0.w, 6u));
        let d6_1 = vec4<f32>(subgroupBroadcast(dy1.x, 6u), subgroupBroadcast(dy1.y, 6u), subgroupBroadcast(dy1.z, 6u), subgroupBroadcast(dy1.w, 6u));
        acc[54] += dot(d6_0, l0) + dot(d6_1, l1);
        acc[55] += dot(d6_0, m0) + dot(d6_1, m1);
        acc[56] += dot(d6_0, r0) + dot(d6_1, r1);
        acc[57] += dot(d6_0, l1) + dot(d6_1, l2);
        acc[58] += dot(d6_0, m1) + dot(d6_1, m2);
        acc[59] += dot(d6_0, r1) + dot(d6_1, r2);
        acc[60] += dot(d6_0, l2) + dot(d6_1, l3);
        acc[61] += dot(d6_0, m2) + dot(d6_1, m3);
        acc[62] += dot(d6_0, r2) + dot(d6_1, r3);
        let d7_0 = vec4<f32>(subgroupBroadcast(dy0.x, 7u), subgroupBroadcast(dy0.y, 7u), subgroupBroadcast(dy0.z, 7u), subgroupBroadcast(dy0.w, 7u));
        let d7_1 = vec4<f32>(subgroupBroadcast(dy1.x, 7u), subgroupBroadcast(dy1.y, 7u), subgroupBroadcast(dy1.z, 7u), subgroupBroadcast(dy1.w, 7u));
        acc[63] += dot(d7_0, l0) + dot(d7_1, l1);
        acc[64] += dot(d7_0, m0) + dot(d7_1, m1);
        acc[65] += dot(d7_0, r0) + dot(d7_1, r1);
        acc[66] += dot(d7_0, l1) + dot(d7_1, l2);
        acc[67] += dot(d7_0, m1) + dot(d7_1, m2);
        acc[68] += dot(d7_0, r1) + dot(d7_1, r2);
        acc[69] += dot(d7_0, l2) + dot(d7_1, l3);
        acc[70] += dot(d7_0, m2) + dot(d7_1, m3);
        acc[71] += dot(d7_0, r2) + dot(d7_1, r3);
    }
    if (!(sid < OB)) {
        return; // (cannot happen in a workgroup of 8; kept so a mis-sized dispatch never writes twice)
    }
    store_taps(split, ob * OB + 0u, ci, array<f32, 9>(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7], acc[8]));
    store_taps(split, ob * OB + 1u, ci, array<f32, 9>(acc[9], acc[10], acc[11], acc[12], acc[13], acc[14], acc[15], acc[16], acc[17]));
    store_taps(split, ob * OB + 2u, ci, array<f32, 9>(acc[18], acc[19], acc[20], acc[21], acc[22], acc[23], acc[24], acc[25], acc[26]));
    store_taps(split, ob * OB + 3u, ci, array<f32, 9>(acc[27], acc[28], acc[29], acc[30], acc[31], acc[32], acc[33], acc[34], acc[35]));
    store_taps(split, ob * OB + 4u, ci, array<f32, 9>(acc[36], acc[37], acc[38], acc[39], acc[40], acc[41], acc[42], acc[43], acc[44]));
    store_taps(split, ob * OB + 5u, ci, array<f32, 9>(acc[45], acc[46], acc[47], acc[48], acc[49], acc[50], acc[51], acc[52], acc[53]));
    store_taps(split, ob * OB + 6u, ci, array<f32, 9>(acc[54], acc[55], acc[56], acc[57], acc[58], acc[59], acc[60], acc[61], acc[62]));
    store_taps(split, ob * OB + 7u, ci, array<f32, 9>(acc[63], acc[64], acc[65], acc[66], acc[67], acc[68], acc[69], acc[70], acc[71]));
}

// This invocation's dy of output channel `co` at the 4 pixels of rows h0 and h0 + 1 (zero past the
// row end, the last row or the channel count). Bound as `weight` in the weight-gradient passes.
fn dy_rows(n: u32, co: u32, h0: u32, w0: u32) -> array<vec4<f32>, 2> {
    var d: array<vec4<f32>, 2>;
    let ok = co < p.c_out;
    let dbase = ((n * p.c_out + min(co, p.c_out - 1u)) * p.h + h0) * p.w + w0;
    let second = h0 + 1u < p.h;
    for (var j = 0u; j < PX; j++) {
        if (ok && w0 + j < p.w) {
            d[0][j] = weight[dbase + j];
            if (second) {
                d[1][j] = weight[dbase + p.w + j];
            }
        }
    }
    return d;
}

// dy_rows for W % 4 == 0: two vector loads, branch-free (a missing output channel or second row
// is read clamped and multiplied by 0). On CPU drivers each guarded scalar load of dy_rows is a
// gather in masked control flow.
fn dy_rows4(n: u32, co: u32, h0: u32, w0: u32) -> array<vec4<f32>, 2> {
    let keep = select(0.0, 1.0, co < p.c_out);
    let second = h0 + 1u < p.h;
    let at = (((n * p.c_out + min(co, p.c_out - 1u)) * p.h + h0) * p.w + w0) / 4u;
    return array<vec4<f32>, 2>(dy4[at] * keep, dy4[at + select(0u, p.w / 4u, second)] * select(0.0, keep, second));
}

// The weight gradient with 16 output channels per workgroup (the `cpu` family, where a layer has
// at least 16 output channels): invocation `sid` reads the dy of channels ob·16 + sid and
// ob·16 + 8 + sid, so each loaded input row feeds twice the FMAs. Otherwise as weight_grad;
// `p.o_blocks` counts blocks of 16.
@compute @workgroup_size(8)
fn conv2d_backward_weight_subgroup16(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                     @builtin(subgroup_invocation_id) sid: u32) {
    weight_grad16(wid, nwg, sid, false);
}

// As conv2d_backward_weight_subgroup16, for W % 4 == 0 (vec4 input loads).
@compute @workgroup_size(8)
fn conv2d_backward_weight_subgroup16_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                             @builtin(subgroup_invocation_id) sid: u32) {
    weight_grad16(wid, nwg, sid, true);
}

fn weight_grad16(wid: vec3<u32>, nwg: vec3<u32>, sid: u32, aligned: bool) {
    let g = wid.x + wid.y * nwg.x;
    let c_blocks = (p.c_in + OB - 1u) / OB;
    let cb = g % c_blocks;
    let rest = g / c_blocks;
    let ob = rest % p.o_blocks;
    let split = rest / p.o_blocks;
    if (split >= p.splits) {
        return; // whole workgroup (folded 2-D grid padding)
    }
    let lane = sid % OB;
    let ci = cb * OB + lane;
    let mine = sid < OB && ci < p.c_in;       // this invocation's sums count
    // Zero-initialised, and only ever indexed by constants, so it lives in registers.
    var acc: array<f32, 144>;
    let plane = p.h * p.w;
    let row_blocks = (p.h + RB - 1u) / RB;
    let per_image = row_blocks * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let h0 = (rem / p.w_blocks) * RB;
        let w0 = (rem % p.w_blocks) * PX;
        var da: array<vec4<f32>, 2>;
        var db: array<vec4<f32>, 2>;
        if (aligned) {
            da = dy_rows4(n, ob * 16u + lane, h0, w0);
            db = dy_rows4(n, ob * 16u + OB + lane, h0, w0);
        } else {
            da = dy_rows(n, ob * 16u + lane, h0, w0);
            db = dy_rows(n, ob * 16u + OB + lane, h0, w0);
        }
        let xbase = (n * p.c_in + min(ci, p.c_in - 1u)) * plane;
        let x0 = load_row(xbase, i32(h0) + -1, w0, mine, aligned);
        let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]);
        let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]);
        let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row(xbase, i32(h0) + 0, w0, mine, aligned);
        let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]);
        let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]);
        let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row(xbase, i32(h0) + 1, w0, mine, aligned);
        let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]);
        let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]);
        let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row(xbase, i32(h0) + 2, w0, mine, aligned);
        let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]);
        let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]);
        let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let d0_0 = vec4<f32>(subgroupBroadcast(da[0].x, 0u), subgroupBroadcast(da[0].y, 0u), subgroupBroadcast(da[0].z, 0u), subgroupBroadcast(da[0].w, 0u));
        let d0_1 = vec4<f32>(subgroupBroadcast(da[1].x, 0u), subgroupBroadcast(da[1].y, 0u), subgroupBroadcast(da[1].z, 0u), subgroupBroadcast(da[1].w, 0u));
        acc[0] += dot(d0_0, l0) + dot(d0_1, l1);
        acc[1] += dot(d0_0, m0) + dot(d0_1, m1);
        acc[2] += dot(d0_0, r0) + dot(d0_1, r1);
        acc[3] += dot(d0_0, l1) + dot(d0_1, l2);
        acc[4] += dot(d0_0, m1) + dot(d0_1, m2);
        acc[5] += dot(d0_0, r1) + dot(d0_1, r2);
        acc[6] += dot(d0_0, l2) + dot(d0_1, l3);
        acc[7] += dot(d0_0, m2) + dot(d0_1, m3);
        acc[8] += dot(d0_0, r2) + dot(d0_1, r3);
        let d1_0 = vec4<f32>(subgroupBroadcast(da[0].x, 1u), subgroupBroadcast(da[0].y, 1u), subgroupBroadcast(da[0].z, 1u), subgroupBroadcast(da[0].w, 1u));
        let d1_1 = vec4<f32>(subgroupBroadcast(da[1].x, 1u), subgroupBroadcast(da[1].y, 1u), subgroupBroadcast(da[1].z, 1u), subgroupBroadcast(da[1].w, 1u));
        acc[9] += dot(d1_0, l0) + dot(d1_1, l1);
        acc[10] += dot(d1_0, m0) + dot(d1_1, m1);
        acc[11] += dot(d1_0, r0) + dot(d1_1, r1);
        acc[12] += dot(d1_0, l1) + dot(d1_1, l2);
        acc[13] += dot(d1_0, m1) + dot(d1_1, m2);
        acc[14] += dot(d1_0, r1) + dot(d1_1, r2);
        acc[15] += dot(d1_0, l2) + dot(d1_1, l3);
        acc[16] += dot(d1_0, m2) + dot(d1_1, m3);
        acc[17] += dot(d1_0, r2) + dot(d1_1, r3);
        let d2_0 = vec4<f32>(subgroupBroadcast(da[0].x, 2u), subgroupBroadcast(da[0].y, 2u), subgroupBroadcast(da[0].z, 2u), subgroupBroadcast(da[0].w, 2u));
        let d2_1 = vec4<f32>(subgroupBroadcast(da[1].x, 2u), subgroupBroadcast(da[1].y, 2u), subgroupBroadcast(da[1].z, 2u), subgroupBroadcast(da[1].w, 2u));
        acc[18] += dot(d2_0, l0) + dot(d2_1, l1);
        acc[19] += dot(d2_0, m0) + dot(d2_1, m1);
        acc[20] += dot(d2_0, r0) + dot(d2_1, r1);
        acc[21] += dot(d2_0, l1) + dot(d2_1, l2);
        acc[22] += dot(d2_0, m1) + dot(d2_1, m2);
        acc[23] += dot(d2_0, r1) + dot(d2_1, r2);
        acc[24] += dot(d2_0, l2) + dot(d2_1, l3);
        acc[25] += dot(d2_0, m2) + dot(d2_1, m3);
        acc[26] += dot(d2_0, r2) + dot(d2_1, r3);
        let d3_0 = vec4<f32>(subgroupBroadcast(da[0].x, 3u), subgroupBroadcast(da[0].y, 3u), subgroupBroadcast(da[0].z, 3u), subgroupBroadcast(da[0].w, 3u));
        let d3_1 = vec4<f32>(subgroupBroadcast(da[1].x, 3u), subgroupBroadcast(da[1].y, 3u), subgroupBroadcast(da[1].z, 3u), subgroupBroadcast(da[1].w, 3u));
        acc[27] += dot(d3_0, l0) + dot(d3_1, l1);
        acc[28] += dot(d3_0, m0) + dot(d3_1, m1);
        acc[29] += dot(d3_0, r0) + dot(d3_1, r1);
        acc[30] += dot(d3_0, l1) + dot(d3_1, l2);
        acc[31] += dot(d3_0, m1) + dot(d3_1, m2);
        acc[32] += dot(d3_0, r1) + dot(d3_1, r2);
        acc[33] += dot(d3_0, l2) + dot(d3_1, l3);
        acc[34] += dot(d3_0, m2) + dot(d3_1, m3);
        acc[35] += dot(d3_0, r2) + dot(d3_1, r3);
        let d4_0 = vec4<f32>(subgroupBroadcast(da[0].x, 4u), subgroupBroadcast(da[0].y, 4u), subgroupBroadcast(da[0].z, 4u), subgroupBroadcast(da[0].w, 4u));
        let d4_1 = vec4<f32>(subgroupBroadcast(da[1].x, 4u), subgroupBroadcast(da[1].y, 4u), subgroupBroadcast(da[1].z, 4u), subgroupBroadcast(da[1].w, 4u));
        acc[36] += dot(d4_0, l0) + dot(d4_1, l1);
        acc[37] += dot(d4_0, m0) + dot(d4_1, m1);
        acc[38] += dot(d4_0, r0) + dot(d4_1, r1);
        acc[39] += dot(d4_0, l1) + dot(d4_1, l2);
        acc[40] += dot(d4_0, m1) + dot(d4_1, m2);
        acc[41] += dot(d4_0, r1) + dot(d4_1, r2);
        acc[42] += dot(d4_0, l2) + dot(d4_1, l3);
        acc[43] += dot(d4_0, m2) + dot(d4_1, m3);
        acc[44] += dot(d4_0, r2) + dot(d4_1, r3);
        let d5_0 = vec4<f32>(subgroupBroadcast(da[0].x, 5u), subgroupBroadcast(da[0].y, 5u), subgroupBroadcast(da[0].z, 5u), subgroupBroadcast(da[0].w, 5u));
        let d5_1 = vec4<f32>(subgroupBroadcast(da[1].x, 5u), subgroupBroadcast(da[1].y, 5u), subgroupBroadcast(da[1].z, 5u), subgroupBroadcast(da[1].w, 5u));
        acc[45] += dot(d5_0, l0) + dot(d5_1, l1);
        acc[46] += dot(d5_0, m0) + dot(d5_1, m1);
        acc[47] += dot(d5_0, r0) + dot(d5_1, r1);
        acc[48] += dot(d5_0, l1) + dot(d5_1, l2);
        acc[49] += dot(d5_0, m1) + dot(d5_1, m2);
        acc[50] += dot(d5_0, r1) + dot(d5_1, r2);
        acc[51] += dot(d5_0, l2) + dot(d5_1, l3);
        acc[52] += dot(d5_0, m2) + dot(d5_1, m3);
        acc[53] += dot(d5_0, r2) + dot(d5_1, r3);
        let d6_0 = vec4<f32>(subgroupBroadcast(da[0].x, 6u), subgroupBroadcast(da[0].y, 6u), subgroupBroadcast(da[0].z, 6u), subgroupBroadcast(da[0].w, 6u));
        let d6_1 = vec4<f32>(subgroupBroadcast(da[1].x, 6u), subgroupBroadcast(da[1].y, 6u), subgroupBroadcast(da[1].z, 6u), subgroupBroadcast(da[1].w, 6u));
        acc[54] += dot(d6_0, l0) + dot(d6_1, l1);
        acc[55] += dot(d6_0, m0) + dot(d6_1, m1);
        acc[56] += dot(d6_0, r0) + dot(d6_1, r1);
        acc[57] += dot(d6_0, l1) + dot(d6_1, l2);
        acc[58] += dot(d6_0, m1) + dot(d6_1, m2);
        acc[59] += dot(d6_0, r1) + dot(d6_1, r2);
        acc[60] += dot(d6_0, l2) + dot(d6_1, l3);
        acc[61] += dot(d6_0, m2) + dot(d6_1, m3);
        acc[62] += dot(d6_0, r2) + dot(d6_1, r3);
        let d7_0 = vec4<f32>(subgroupBroadcast(da[0].x, 7u), subgroupBroadcast(da[0].y, 7u), subgroupBroadcast(da[0].z, 7u), subgroupBroadcast(da[0].w, 7u));
        let d7_1 = vec4<f32>(subgroupBroadcast(da[1].x, 7u), subgroupBroadcast(da[1].y, 7u), subgroupBroadcast(da[1].z, 7u), subgroupBroadcast(da[1].w, 7u));
        acc[63] += dot(d7_0, l0) + dot(d7_1, l1);
        acc[64] += dot(d7_0, m0) + dot(d7_1, m1);
        acc[65] += dot(d7_0, r0) + dot(d7_1, r1);
        acc[66] += dot(d7_0, l1) + dot(d7_1, l2);
        acc[67] += dot(d7_0, m1) + dot(d7_1, m2);
        acc[68] += dot(d7_0, r1) + dot(d7_1, r2);
        acc[69] += dot(d7_0, l2) + dot(d7_1, l3);
        acc[70] += dot(d7_0, m2) + dot(d7_1, m3);
        acc[71] += dot(d7_0, r2) + dot(d7_1, r3);
        let d8_0 = vec4<f32>(subgroupBroadcast(db[0].x, 0u), subgroupBroadcast(db[0].y, 0u), subgroupBroadcast(db[0].z, 0u), subgroupBroadcast(db[0].w, 0u));
        let d8_1 = vec4<f32>(subgroupBroadcast(db[1].x, 0u), subgroupBroadcast(db[1].y, 0u), subgroupBroadcast(db[1].z, 0u), subgroupBroadcast(db[1].w, 0u));
        acc[72] += dot(d8_0, l0) + dot(d8_1, l1);
        acc[73] += dot(d8_0, m0) + dot(d8_1, m1);
        acc[74] += dot(d8_0, r0) + dot(d8_1, r1);
        acc[75] += dot(d8_0, l1) + dot(d8_1, l2);
        acc[76] += dot(d8_0, m1) + dot(d8_1, m2);
        acc[77] += dot(d8_0, r1) + dot(d8_1, r2);
        acc[78] += dot(d8_0, l2) + dot(d8_1, l3);
        acc[79] += dot(d8_0, m2) + dot(d8_1, m3);
        acc[80] += dot(d8_0, r2) + dot(d8_1, r3);
        let d9_0 = vec4<f32>(subgroupBroadcast(db[0].x, 1u), subgroupBroadcast(db[0].y, 1u), subgroupBroadcast(db[0].z, 1u), subgroupBroadcast(db[0].w, 1u));
        let d9_1 = vec4<f32>(subgroupBroadcast(db[1].x, 1u), subgroupBroadcast(db[1].y, 1u), subgroupBroadcast(db[1].z, 1u), subgroupBroadcast(db[1].w, 1u));
        acc[81] += dot(d9_0, l0) + dot(d9_1, l1);
        acc[82] += dot(d9_0, m0) + dot(d9_1, m1);
        acc[83] += dot(d9_0, r0) + dot(d9_1, r1);
        acc[84] += dot(d9_0, l1) + dot(d9_1, l2);
        acc[85] += dot(d9_0, m1) + dot(d9_1, m2);
        acc[86] += dot(d9_0, r1) + dot(d9_1, r2);
        acc[87] += dot(d9_0, l2) + dot(d9_1, l3);
        acc[88] += dot(d9_0, m2) + dot(d9_1, m3);
        acc[89] += dot(d9_0, r2) + dot(d9_1, r3);
        let d10_0 = vec4<f32>(subgroupBroadcast(db[0].x, 2u), subgroupBroadcast(db[0].y, 2u), subgroupBroadcast(db[0].z, 2u), subgroupBroadcast(db[0].w, 2u));
        let d10_1 = vec4<f32>(subgroupBroadcast(db[1].x, 2u), subgroupBroadcast(db[1].y, 2u), subgroupBroadcast(db[1].z, 2u), subgroupBroadcast(db[1].w, 2u));
        acc[90] += dot(d10_0, l0) + dot(d10_1, l1);
        acc[91] += dot(d10_0, m0) + dot(d10_1, m1);
        acc[92] += dot(d10_0, r0) + dot(d10_1, r1);
        acc[93] += dot(d10_0, l1) + dot(d10_1, l2);
        acc[94] += dot(d10_0, m1) + dot(d10_1, m2);
        acc[95] += dot(d10_0, r1) + dot(d10_1, r2);
        acc[96] += dot(d10_0, l2) + dot(d10_1, l3);
        acc[97] += dot(d10_0, m2) + dot(d10_1, m3);
        acc[98] += dot(d10_0, r2) + dot(d10_1, r3);
        let d11_0 = vec4<f32>(subgroupBroadcast(db[0].x, 3u), subgroupBroadcast(db[0].y, 3u), subgroupBroadcast(db[0].z, 3u), subgroupBroadcast(db[0].w, 3u));
        let d11_1 = vec4<f32>(subgroupBroadcast(db[1].x, 3u), subgroupBroadcast(db[1].y, 3u), subgroupBroadcast(db[1].z, 3u), subgroupBroadcast(db[1].w, 3u));
        acc[99] += dot(d11_0, l0) + dot(d11_1, l1);
        acc[100] += dot(d11_0, m0) + dot(d11_1, m1);
        acc[101] += dot(d11_0, r0) + dot(d11_1, r1);
        acc[102] += dot(d11_0, l1) + dot(d11_1, l2);
        acc[103] += dot(d11_0, m1) + dot(d11_1, m2);
        acc[104] += dot(d11_0, r1) + dot(d11_1, r2);
        acc[105] += dot(d11_0, l2) + dot(d11_1, l3);
        acc[106] += dot(d11_0, m2) + dot(d11_1, m3);
        acc[107] += dot(d11_0, r2) + dot(d11_1, r3);
        let d12_0 = vec4<f32>(subgroupBroadcast(db[0].x, 4u), subgroupBroadcast(db[0].y, 4u), subgroupBroadcast(db[0].z, 4u), subgroupBroadcast(db[0].w, 4u));
        let d12_1 = vec4<f32>(subgroupBroadcast(db[1].x, 4u), subgroupBroadcast(db[1].y, 4u), subgroupBroadcast(db[1].z, 4u), subgroupBroadcast(db[1].w, 4u));
        acc[108] += dot(d12_0, l0) + dot(d12_1, l1);
        acc[109] += dot(d12_0, m0) + dot(d12_1, m1);
        acc[110] += dot(d12_0, r0) + dot(d12_1, r1);
        acc[111] += dot(d12_0, l1) + dot(d12_1, l2);
        acc[112] += dot(d12_0, m1) + dot(d12_1, m2);
        acc[113] += dot(d12_0, r1) + dot(d12_1, r2);
        acc[114] += dot(d12_0, l2) + dot(d12_1, l3);
        acc[115] += dot(d12_0, m2) + dot(d12_1, m3);
        acc[116] += dot(d12_0, r2) + dot(d12_1, r3);
        let d13_0 = vec4<f32>(subgroupBroadcast(db[0].x, 5u), subgroupBroadcast(db[0].y, 5u), subgroupBroadcast(db[0].z, 5u), subgroupBroadcast(db[0].w, 5u));
        let d13_1 = vec4<f32>(subgroupBroadcast(db[1].x, 5u), subgroupBroadcast(db[1].y, 5u), subgroupBroadcast(db[1].z, 5u), subgroupBroadcast(db[1].w, 5u));
        acc[117] += dot(d13_0, l0) + dot(d13_1, l1);
        acc[118] += dot(d13_0, m0) + dot(d13_1, m1);
        acc[119] += dot(d13_0, r0) + dot(d13_1, r1);
        acc[120] += dot(d13_0, l1) + dot(d13_1, l2);
        acc[121] += dot(d13_0, m1) + dot(d13_1, m2);
        acc[122] += dot(d13_0, r1) + dot(d13_1, r2);
        acc[123] += dot(d13_0, l2) + dot(d13_1, l3);
        acc[124] += dot(d13_0, m2) + dot(d13_1, m3);
        acc[125] += dot(d13_0, r2) + dot(d13_1, r3);
        let d14_0 = vec4<f32>(subgroupBroadcast(db[0].x, 6u), subgroupBroadcast(db[0].y, 6u), subgroupBroadcast(db[0].z, 6u), subgroupBroadcast(db[0].w, 6u));
        let d14_1 = vec4<f32>(subgroupBroadcast(db[1].x, 6u), subgroupBroadcast(db[1].y, 6u), subgroupBroadcast(db[1].z, 6u), subgroupBroadcast(db[1].w, 6u));
        acc[126] += dot(d14_0, l0) + dot(d14_1, l1);
        acc[127] += dot(d14_0, m0) + dot(d14_1, m1);
        acc[128] += dot(d14_0, r0) + dot(d14_1, r1);
        acc[129] += dot(d14_0, l1) + dot(d14_1, l2);
        acc[130] += dot(d14_0, m1) + dot(d14_1, m2);
        acc[131] += dot(d14_0, r1) + dot(d14_1, r2);
        acc[132] += dot(d14_0, l2) + dot(d14_1, l3);
        acc[133] += dot(d14_0, m2) + dot(d14_1, m3);
        acc[134] += dot(d14_0, r2) + dot(d14_1, r3);
        let d15_0 = vec4<f32>(subgroupBroadcast(db[0].x, 7u), subgroupBroadcast(db[0].y, 7u), subgroupBroadcast(db[0].z, 7u), subgroupBroadcast(db[0].w, 7u));
        let d15_1 = vec4<f32>(subgroupBroadcast(db[1].x, 7u), subgroupBroadcast(db[1].y, 7u), subgroupBroadcast(db[1].z, 7u), subgroupBroadcast(db[1].w, 7u));
        acc[135] += dot(d15_0, l0) + dot(d15_1, l1);
        acc[136] += dot(d15_0, m0) + dot(d15_1, m1);
        acc[137] += dot(d15_0, r0) + dot(d15_1, r1);
        acc[138] += dot(d15_0, l1) + dot(d15_1, l2);
        acc[139] += dot(d15_0, m1) + dot(d15_1, m2);
        acc[140] += dot(d15_0, r1) + dot(d15_1, r2);
        acc[141] += dot(d15_0, l2) + dot(d15_1, l3);
        acc[142] += dot(d15_0, m2) + dot(d15_1, m3);
        acc[143] += dot(d15_0, r2) + dot(d15_1, r3);
    }
    if (!(sid < OB)) {
        return; // (cannot happen in a workgroup of 8; kept so a mis-sized dispatch never writes twice)
    }
    store_taps(split, ob * 16u + 0u, ci, array<f32, 9>(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7], acc[8]));
    store_taps(split, ob * 16u + 1u, ci, array<f32, 9>(acc[9], acc[10], acc[11], acc[12], acc[13], acc[14], acc[15], acc[16], acc[17]));
    store_taps(split, ob * 16u + 2u, ci, array<f32, 9>(acc[18], acc[19], acc[20], acc[21], acc[22], acc[23], acc[24], acc[25], acc[26]));
    store_taps(split, ob * 16u + 3u, ci, array<f32, 9>(acc[27], acc[28], acc[29], acc[30], acc[31], acc[32], acc[33], acc[34], acc[35]));
    store_taps(split, ob * 16u + 4u, ci, array<f32, 9>(acc[36], acc[37], acc[38], acc[39], acc[40], acc[41], acc[42], acc[43], acc[44]));
    store_taps(split, ob * 16u + 5u, ci, array<f32, 9>(acc[45], acc[46], acc[47], acc[48], acc[49], acc[50], acc[51], acc[52], acc[53]));
    store_taps(split, ob * 16u + 6u, ci, array<f32, 9>(acc[54], acc[55], acc[56], acc[57], acc[58], acc[59], acc[60], acc[61], acc[62]));
    store_taps(split, ob * 16u + 7u, ci, array<f32, 9>(acc[63], acc[64], acc[65], acc[66], acc[67], acc[68], acc[69], acc[70], acc[71]));
    store_taps(split, ob * 16u + 8u, ci, array<f32, 9>(acc[72], acc[73], acc[74], acc[75], acc[76], acc[77], acc[78], acc[79], acc[80]));
    store_taps(split, ob * 16u + 9u, ci, array<f32, 9>(acc[81], acc[82], acc[83], acc[84], acc[85], acc[86], acc[87], acc[88], acc[89]));
    store_taps(split, ob * 16u + 10u, ci, array<f32, 9>(acc[90], acc[91], acc[92], acc[93], acc[94], acc[95], acc[96], acc[97], acc[98]));
    store_taps(split, ob * 16u + 11u, ci, array<f32, 9>(acc[99], acc[100], acc[101], acc[102], acc[103], acc[104], acc[105], acc[106], acc[107]));
    store_taps(split, ob * 16u + 12u, ci, array<f32, 9>(acc[108], acc[109], acc[110], acc[111], acc[112], acc[113], acc[114], acc[115], acc[116]));
    store_taps(split, ob * 16u + 13u, ci, array<f32, 9>(acc[117], acc[118], acc[119], acc[120], acc[121], acc[122], acc[123], acc[124], acc[125]));
    store_taps(split, ob * 16u + 14u, ci, array<f32, 9>(acc[126], acc[127], acc[128], acc[129], acc[130], acc[131], acc[132], acc[133], acc[134]));
    store_taps(split, ob * 16u + 15u, ci, array<f32, 9>(acc[135], acc[136], acc[137], acc[138], acc[139], acc[140], acc[141], acc[142], acc[143]));
}

// The weight gradient with 32 output channels per workgroup (the `cpu` family, where a layer has
// at least 32 output channels and W % 4 == 0): invocation `sid` reads the dy of channels
// ob·32 + k·8 + sid (k = 0..3), so each loaded input row feeds four times the FMAs of
// `weight_grad`: 288 accumulators, which a CPU driver keeps in vector registers and the stack
// alike (256–512 did not slow the transposed conv's wide kernels). `p.o_blocks` counts blocks of
// 32. Written out as `weight_grad16` is: broadcasts take constant lanes and the accumulators need
// constant indices. Each group of 9 lines is one output channel.
@compute @workgroup_size(8)
fn conv2d_backward_weight_subgroup32_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                             @builtin(subgroup_invocation_id) sid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c_blocks = (p.c_in + OB - 1u) / OB;
    let cb = g % c_blocks;
    let rest = g / c_blocks;
    let ob = rest % p.o_blocks;
    let split = rest / p.o_blocks;
    if (split >= p.splits) {
        return; // whole workgroup (folded 2-D grid padding)
    }
    let lane = sid % OB;
    let ci = cb * OB + lane;
    let mine = sid < OB && ci < p.c_in;       // this invocation's sums count
    // Zero-initialised, and only ever indexed by constants, so it lives in registers.
    var acc: array<f32, 288>;
    let plane = p.h * p.w;
    let row_blocks = (p.h + RB - 1u) / RB;
    let per_image = row_blocks * p.w_blocks;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * per_image);
    for (var item = first; item < last; item++) {
        let n = item / per_image;
        let rem = item % per_image;
        let h0 = (rem / p.w_blocks) * RB;
        let w0 = (rem % p.w_blocks) * PX;
        let xbase = (n * p.c_in + min(ci, p.c_in - 1u)) * plane;
        let x0 = load_row(xbase, i32(h0) + -1, w0, mine, true);
        let l0 = vec4<f32>(x0[0], x0[1], x0[2], x0[3]);
        let m0 = vec4<f32>(x0[1], x0[2], x0[3], x0[4]);
        let r0 = vec4<f32>(x0[2], x0[3], x0[4], x0[5]);
        let x1 = load_row(xbase, i32(h0) + 0, w0, mine, true);
        let l1 = vec4<f32>(x1[0], x1[1], x1[2], x1[3]);
        let m1 = vec4<f32>(x1[1], x1[2], x1[3], x1[4]);
        let r1 = vec4<f32>(x1[2], x1[3], x1[4], x1[5]);
        let x2 = load_row(xbase, i32(h0) + 1, w0, mine, true);
        let l2 = vec4<f32>(x2[0], x2[1], x2[2], x2[3]);
        let m2 = vec4<f32>(x2[1], x2[2], x2[3], x2[4]);
        let r2 = vec4<f32>(x2[2], x2[3], x2[4], x2[5]);
        let x3 = load_row(xbase, i32(h0) + 2, w0, mine, true);
        let l3 = vec4<f32>(x3[0], x3[1], x3[2], x3[3]);
        let m3 = vec4<f32>(x3[1], x3[2], x3[3], x3[4]);
        let r3 = vec4<f32>(x3[2], x3[3], x3[4], x3[5]);
        let dy0 = dy_rows4(n, ob * 32u + 0u + lane, h0, w0);
        let d0_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 0u), subgroupBroadcast(dy0[0].y, 0u), subgroupBroadcast(dy0[0].z, 0u), subgroupBroadcast(dy0[0].w, 0u));
        let d0_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 0u), subgroupBroadcast(dy0[1].y, 0u), subgroupBroadcast(dy0[1].z, 0u), subgroupBroadcast(dy0[1].w, 0u));
        acc[0] += dot(d0_0, l0) + dot(d0_1, l1);
        acc[1] += dot(d0_0, m0) + dot(d0_1, m1);
        acc[2] += dot(d0_0, r0) + dot(d0_1, r1);
        acc[3] += dot(d0_0, l1) + dot(d0_1, l2);
        acc[4] += dot(d0_0, m1) + dot(d0_1, m2);
        acc[5] += dot(d0_0, r1) + dot(d0_1, r2);
        acc[6] += dot(d0_0, l2) + dot(d0_1, l3);
        acc[7] += dot(d0_0, m2) + dot(d0_1, m3);
        acc[8] += dot(d0_0, r2) + dot(d0_1, r3);
        let d1_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 1u), subgroupBroadcast(dy0[0].y, 1u), subgroupBroadcast(dy0[0].z, 1u), subgroupBroadcast(dy0[0].w, 1u));
        let d1_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 1u), subgroupBroadcast(dy0[1].y, 1u), subgroupBroadcast(dy0[1].z, 1u), subgroupBroadcast(dy0[1].w, 1u));
        acc[9] += dot(d1_0, l0) + dot(d1_1, l1);
        acc[10] += dot(d1_0, m0) + dot(d1_1, m1);
        acc[11] += dot(d1_0, r0) + dot(d1_1, r1);
        acc[12] += dot(d1_0, l1) + dot(d1_1, l2);
        acc[13] += dot(d1_0, m1) + dot(d1_1, m2);
        acc[14] += dot(d1_0, r1) + dot(d1_1, r2);
        acc[15] += dot(d1_0, l2) + dot(d1_1, l3);
        acc[16] += dot(d1_0, m2) + dot(d1_1, m3);
        acc[17] += dot(d1_0, r2) + dot(d1_1, r3);
        let d2_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 2u), subgroupBroadcast(dy0[0].y, 2u), subgroupBroadcast(dy0[0].z, 2u), subgroupBroadcast(dy0[0].w, 2u));
        let d2_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 2u), subgroupBroadcast(dy0[1].y, 2u), subgroupBroadcast(dy0[1].z, 2u), subgroupBroadcast(dy0[1].w, 2u));
        acc[18] += dot(d2_0, l0) + dot(d2_1, l1);
        acc[19] += dot(d2_0, m0) + dot(d2_1, m1);
        acc[20] += dot(d2_0, r0) + dot(d2_1, r1);
        acc[21] += dot(d2_0, l1) + dot(d2_1, l2);
        acc[22] += dot(d2_0, m1) + dot(d2_1, m2);
        acc[23] += dot(d2_0, r1) + dot(d2_1, r2);
        acc[24] += dot(d2_0, l2) + dot(d2_1, l3);
        acc[25] += dot(d2_0, m2) + dot(d2_1, m3);
        acc[26] += dot(d2_0, r2) + dot(d2_1, r3);
        let d3_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 3u), subgroupBroadcast(dy0[0].y, 3u), subgroupBroadcast(dy0[0].z, 3u), subgroupBroadcast(dy0[0].w, 3u));
        let d3_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 3u), subgroupBroadcast(dy0[1].y, 3u), subgroupBroadcast(dy0[1].z, 3u), subgroupBroadcast(dy0[1].w, 3u));
        acc[27] += dot(d3_0, l0) + dot(d3_1, l1);
        acc[28] += dot(d3_0, m0) + dot(d3_1, m1);
        acc[29] += dot(d3_0, r0) + dot(d3_1, r1);
        acc[30] += dot(d3_0, l1) + dot(d3_1, l2);
        acc[31] += dot(d3_0, m1) + dot(d3_1, m2);
        acc[32] += dot(d3_0, r1) + dot(d3_1, r2);
        acc[33] += dot(d3_0, l2) + dot(d3_1, l3);
        acc[34] += dot(d3_0, m2) + dot(d3_1, m3);
        acc[35] += dot(d3_0, r2) + dot(d3_1, r3);
        let d4_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 4u), subgroupBroadcast(dy0[0].y, 4u), subgroupBroadcast(dy0[0].z, 4u), subgroupBroadcast(dy0[0].w, 4u));
        let d4_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 4u), subgroupBroadcast(dy0[1].y, 4u), subgroupBroadcast(dy0[1].z, 4u), subgroupBroadcast(dy0[1].w, 4u));
        acc[36] += dot(d4_0, l0) + dot(d4_1, l1);
        acc[37] += dot(d4_0, m0) + dot(d4_1, m1);
        acc[38] += dot(d4_0, r0) + dot(d4_1, r1);
        acc[39] += dot(d4_0, l1) + dot(d4_1, l2);
        acc[40] += dot(d4_0, m1) + dot(d4_1, m2);
        acc[41] += dot(d4_0, r1) + dot(d4_1, r2);
        acc[42] += dot(d4_0, l2) + dot(d4_1, l3);
        acc[43] += dot(d4_0, m2) + dot(d4_1, m3);
        acc[44] += dot(d4_0, r2) + dot(d4_1, r3);
        let d5_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 5u), subgroupBroadcast(dy0[0].y, 5u), subgroupBroadcast(dy0[0].z, 5u), subgroupBroadcast(dy0[0].w, 5u));
        let d5_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 5u), subgroupBroadcast(dy0[1].y, 5u), subgroupBroadcast(dy0[1].z, 5u), subgroupBroadcast(dy0[1].w, 5u));
        acc[45] += dot(d5_0, l0) + dot(d5_1, l1);
        acc[46] += dot(d5_0, m0) + dot(d5_1, m1);
        acc[47] += dot(d5_0, r0) + dot(d5_1, r1);
        acc[48] += dot(d5_0, l1) + dot(d5_1, l2);
        acc[49] += dot(d5_0, m1) + dot(d5_1, m2);
        acc[50] += dot(d5_0, r1) + dot(d5_1, r2);
        acc[51] += dot(d5_0, l2) + dot(d5_1, l3);
        acc[52] += dot(d5_0, m2) + dot(d5_1, m3);
        acc[53] += dot(d5_0, r2) + dot(d5_1, r3);
        let d6_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 6u), subgroupBroadcast(dy0[0].y, 6u), subgroupBroadcast(dy0[0].z, 6u), subgroupBroadcast(dy0[0].w, 6u));
        let d6_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 6u), subgroupBroadcast(dy0[1].y, 6u), subgroupBroadcast(dy0[1].z, 6u), subgroupBroadcast(dy0[1].w, 6u));
        acc[54] += dot(d6_0, l0) + dot(d6_1, l1);
        acc[55] += dot(d6_0, m0) + dot(d6_1, m1);
        acc[56] += dot(d6_0, r0) + dot(d6_1, r1);
        acc[57] += dot(d6_0, l1) + dot(d6_1, l2);
        acc[58] += dot(d6_0, m1) + dot(d6_1, m2);
        acc[59] += dot(d6_0, r1) + dot(d6_1, r2);
        acc[60] += dot(d6_0, l2) + dot(d6_1, l3);
        acc[61] += dot(d6_0, m2) + dot(d6_1, m3);
        acc[62] += dot(d6_0, r2) + dot(d6_1, r3);
        let d7_0 = vec4<f32>(subgroupBroadcast(dy0[0].x, 7u), subgroupBroadcast(dy0[0].y, 7u), subgroupBroadcast(dy0[0].z, 7u), subgroupBroadcast(dy0[0].w, 7u));
        let d7_1 = vec4<f32>(subgroupBroadcast(dy0[1].x, 7u), subgroupBroadcast(dy0[1].y, 7u), subgroupBroadcast(dy0[1].z, 7u), subgroupBroadcast(dy0[1].w, 7u));
        acc[63] += dot(d7_0, l0) + dot(d7_1, l1);
        acc[64] += dot(d7_0, m0) + dot(d7_1, m1);
        acc[65] += dot(d7_0, r0) + dot(d7_1, r1);
        acc[66] += dot(d7_0, l1) + dot(d7_1, l2);
        acc[67] += dot(d7_0, m1) + dot(d7_1, m2);
        acc[68] += dot(d7_0, r1) + dot(d7_1, r2);
        acc[69] += dot(d7_0, l2) + dot(d7_1, l3);
        acc[70] += dot(d7_0, m2) + dot(d7_1, m3);
        acc[71] += dot(d7_0, r2) + dot(d7_1, r3);
        let dy1 = dy_rows4(n, ob * 32u + 8u + lane, h0, w0);
        let d8_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 0u), subgroupBroadcast(dy1[0].y, 0u), subgroupBroadcast(dy1[0].z, 0u), subgroupBroadcast(dy1[0].w, 0u));
        let d8_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 0u), subgroupBroadcast(dy1[1].y, 0u), subgroupBroadcast(dy1[1].z, 0u), subgroupBroadcast(dy1[1].w, 0u));
        acc[72] += dot(d8_0, l0) + dot(d8_1, l1);
        acc[73] += dot(d8_0, m0) + dot(d8_1, m1);
        acc[74] += dot(d8_0, r0) + dot(d8_1, r1);
        acc[75] += dot(d8_0, l1) + dot(d8_1, l2);
        acc[76] += dot(d8_0, m1) + dot(d8_1, m2);
        acc[77] += dot(d8_0, r1) + dot(d8_1, r2);
        acc[78] += dot(d8_0, l2) + dot(d8_1, l3);
        acc[79] += dot(d8_0, m2) + dot(d8_1, m3);
        acc[80] += dot(d8_0, r2) + dot(d8_1, r3);
        let d9_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 1u), subgroupBroadcast(dy1[0].y, 1u), subgroupBroadcast(dy1[0].z, 1u), subgroupBroadcast(dy1[0].w, 1u));
        let d9_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 1u), subgroupBroadcast(dy1[1].y, 1u), subgroupBroadcast(dy1[1].z, 1u), subgroupBroadcast(dy1[1].w, 1u));
        acc[81] += dot(d9_0, l0) + dot(d9_1, l1);
        acc[82] += dot(d9_0, m0) + dot(d9_1, m1);
        acc[83] += dot(d9_0, r0) + dot(d9_1, r1);
        acc[84] += dot(d9_0, l1) + dot(d9_1, l2);
        acc[85] += dot(d9_0, m1) + dot(d9_1, m2);
        acc[86] += dot(d9_0, r1) + dot(d9_1, r2);
        acc[87] += dot(d9_0, l2) + dot(d9_1, l3);
        acc[88] += dot(d9_0, m2) + dot(d9_1, m3);
        acc[89] += dot(d9_0, r2) + dot(d9_1, r3);
        let d10_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 2u), subgroupBroadcast(dy1[0].y, 2u), subgroupBroadcast(dy1[0].z, 2u), subgroupBroadcast(dy1[0].w, 2u));
        let d10_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 2u), subgroupBroadcast(dy1[1].y, 2u), subgroupBroadcast(dy1[1].z, 2u), subgroupBroadcast(dy1[1].w, 2u));
        acc[90] += dot(d10_0, l0) + dot(d10_1, l1);
        acc[91] += dot(d10_0, m0) + dot(d10_1, m1);
        acc[92] += dot(d10_0, r0) + dot(d10_1, r1);
        acc[93] += dot(d10_0, l1) + dot(d10_1, l2);
        acc[94] += dot(d10_0, m1) + dot(d10_1, m2);
        acc[95] += dot(d10_0, r1) + dot(d10_1, r2);
        acc[96] += dot(d10_0, l2) + dot(d10_1, l3);
        acc[97] += dot(d10_0, m2) + dot(d10_1, m3);
        acc[98] += dot(d10_0, r2) + dot(d10_1, r3);
        let d11_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 3u), subgroupBroadcast(dy1[0].y, 3u), subgroupBroadcast(dy1[0].z, 3u), subgroupBroadcast(dy1[0].w, 3u));
        let d11_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 3u), subgroupBroadcast(dy1[1].y, 3u), subgroupBroadcast(dy1[1].z, 3u), subgroupBroadcast(dy1[1].w, 3u));
        acc[99] += dot(d11_0, l0) + dot(d11_1, l1);
        acc[100] += dot(d11_0, m0) + dot(d11_1, m1);
        acc[101] += dot(d11_0, r0) + dot(d11_1, r1);
        acc[102] += dot(d11_0, l1) + dot(d11_1, l2);
        acc[103] += dot(d11_0, m1) + dot(d11_1, m2);
        acc[104] += dot(d11_0, r1) + dot(d11_1, r2);
        acc[105] += dot(d11_0, l2) + dot(d11_1, l3);
        acc[106] += dot(d11_0, m2) + dot(d11_1, m3);
        acc[107] += dot(d11_0, r2) + dot(d11_1, r3);
        let d12_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 4u), subgroupBroadcast(dy1[0].y, 4u), subgroupBroadcast(dy1[0].z, 4u), subgroupBroadcast(dy1[0].w, 4u));
        let d12_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 4u), subgroupBroadcast(dy1[1].y, 4u), subgroupBroadcast(dy1[1].z, 4u), subgroupBroadcast(dy1[1].w, 4u));
        acc[108] += dot(d12_0, l0) + dot(d12_1, l1);
        acc[109] += dot(d12_0, m0) + dot(d12_1, m1);
        acc[110] += dot(d12_0, r0) + dot(d12_1, r1);
        acc[111] += dot(d12_0, l1) + dot(d12_1, l2);
        acc[112] += dot(d12_0, m1) + dot(d12_1, m2);
        acc[113] += dot(d12_0, r1) + dot(d12_1, r2);
        acc[114] += dot(d12_0, l2) + dot(d12_1, l3);
        acc[115] += dot(d12_0, m2) + dot(d12_1, m3);
        acc[116] += dot(d12_0, r2) + dot(d12_1, r3);
        let d13_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 5u), subgroupBroadcast(dy1[0].y, 5u), subgroupBroadcast(dy1[0].z, 5u), subgroupBroadcast(dy1[0].w, 5u));
        let d13_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 5u), subgroupBroadcast(dy1[1].y, 5u), subgroupBroadcast(dy1[1].z, 5u), subgroupBroadcast(dy1[1].w, 5u));
        acc[117] += dot(d13_0, l0) + dot(d13_1, l1);
        acc[118] += dot(d13_0, m0) + dot(d13_1, m1);
        acc[119] += dot(d13_0, r0) + dot(d13_1, r1);
        acc[120] += dot(d13_0, l1) + dot(d13_1, l2);
        acc[121] += dot(d13_0, m1) + dot(d13_1, m2);
        acc[122] += dot(d13_0, r1) + dot(d13_1, r2);
        acc[123] += dot(d13_0, l2) + dot(d13_1, l3);
        acc[124] += dot(d13_0, m2) + dot(d13_1, m3);
        acc[125] += dot(d13_0, r2) + dot(d13_1, r3);
        let d14_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 6u), subgroupBroadcast(dy1[0].y, 6u), subgroupBroadcast(dy1[0].z, 6u), subgroupBroadcast(dy1[0].w, 6u));
        let d14_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 6u), subgroupBroadcast(dy1[1].y, 6u), subgroupBroadcast(dy1[1].z, 6u), subgroupBroadcast(dy1[1].w, 6u));
        acc[126] += dot(d14_0, l0) + dot(d14_1, l1);
        acc[127] += dot(d14_0, m0) + dot(d14_1, m1);
        acc[128] += dot(d14_0, r0) + dot(d14_1, r1);
        acc[129] += dot(d14_0, l1) + dot(d14_1, l2);
        acc[130] += dot(d14_0, m1) + dot(d14_1, m2);
        acc[131] += dot(d14_0, r1) + dot(d14_1, r2);
        acc[132] += dot(d14_0, l2) + dot(d14_1, l3);
        acc[133] += dot(d14_0, m2) + dot(d14_1, m3);
        acc[134] += dot(d14_0, r2) + dot(d14_1, r3);
        let d15_0 = vec4<f32>(subgroupBroadcast(dy1[0].x, 7u), subgroupBroadcast(dy1[0].y, 7u), subgroupBroadcast(dy1[0].z, 7u), subgroupBroadcast(dy1[0].w, 7u));
        let d15_1 = vec4<f32>(subgroupBroadcast(dy1[1].x, 7u), subgroupBroadcast(dy1[1].y, 7u), subgroupBroadcast(dy1[1].z, 7u), subgroupBroadcast(dy1[1].w, 7u));
        acc[135] += dot(d15_0, l0) + dot(d15_1, l1);
        acc[136] += dot(d15_0, m0) + dot(d15_1, m1);
        acc[137] += dot(d15_0, r0) + dot(d15_1, r1);
        acc[138] += dot(d15_0, l1) + dot(d15_1, l2);
        acc[139] += dot(d15_0, m1) + dot(d15_1, m2);
        acc[140] += dot(d15_0, r1) + dot(d15_1, r2);
        acc[141] += dot(d15_0, l2) + dot(d15_1, l3);
        acc[142] += dot(d15_0, m2) + dot(d15_1, m3);
        acc[143] += dot(d15_0, r2) + dot(d15_1, r3);
        let dy2 = dy_rows4(n, ob * 32u + 16u + lane, h0, w0);
        let d16_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 0u), subgroupBroadcast(dy2[0].y, 0u), subgroupBroadcast(dy2[0].z, 0u), subgroupBroadcast(dy2[0].w, 0u));
        let d16_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 0u), subgroupBroadcast(dy2[1].y, 0u), subgroupBroadcast(dy2[1].z, 0u), subgroupBroadcast(dy2[1].w, 0u));
        acc[144] += dot(d16_0, l0) + dot(d16_1, l1);
        acc[145] += dot(d16_0, m0) + dot(d16_1, m1);
        acc[146] += dot(d16_0, r0) + dot(d16_1, r1);
        acc[147] += dot(d16_0, l1) + dot(d16_1, l2);
        acc[148] += dot(d16_0, m1) + dot(d16_1, m2);
        acc[149] += dot(d16_0, r1) + dot(d16_1, r2);
        acc[150] += dot(d16_0, l2) + dot(d16_1, l3);
        acc[151] += dot(d16_0, m2) + dot(d16_1, m3);
        acc[152] += dot(d16_0, r2) + dot(d16_1, r3);
        let d17_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 1u), subgroupBroadcast(dy2[0].y, 1u), subgroupBroadcast(dy2[0].z, 1u), subgroupBroadcast(dy2[0].w, 1u));
        let d17_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 1u), subgroupBroadcast(dy2[1].y, 1u), subgroupBroadcast(dy2[1].z, 1u), subgroupBroadcast(dy2[1].w, 1u));
        acc[153] += dot(d17_0, l0) + dot(d17_1, l1);
        acc[154] += dot(d17_0, m0) + dot(d17_1, m1);
        acc[155] += dot(d17_0, r0) + dot(d17_1, r1);
        acc[156] += dot(d17_0, l1) + dot(d17_1, l2);
        acc[157] += dot(d17_0, m1) + dot(d17_1, m2);
        acc[158] += dot(d17_0, r1) + dot(d17_1, r2);
        acc[159] += dot(d17_0, l2) + dot(d17_1, l3);
        acc[160] += dot(d17_0, m2) + dot(d17_1, m3);
        acc[161] += dot(d17_0, r2) + dot(d17_1, r3);
        let d18_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 2u), subgroupBroadcast(dy2[0].y, 2u), subgroupBroadcast(dy2[0].z, 2u), subgroupBroadcast(dy2[0].w, 2u));
        let d18_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 2u), subgroupBroadcast(dy2[1].y, 2u), subgroupBroadcast(dy2[1].z, 2u), subgroupBroadcast(dy2[1].w, 2u));
        acc[162] += dot(d18_0, l0) + dot(d18_1, l1);
        acc[163] += dot(d18_0, m0) + dot(d18_1, m1);
        acc[164] += dot(d18_0, r0) + dot(d18_1, r1);
        acc[165] += dot(d18_0, l1) + dot(d18_1, l2);
        acc[166] += dot(d18_0, m1) + dot(d18_1, m2);
        acc[167] += dot(d18_0, r1) + dot(d18_1, r2);
        acc[168] += dot(d18_0, l2) + dot(d18_1, l3);
        acc[169] += dot(d18_0, m2) + dot(d18_1, m3);
        acc[170] += dot(d18_0, r2) + dot(d18_1, r3);
        let d19_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 3u), subgroupBroadcast(dy2[0].y, 3u), subgroupBroadcast(dy2[0].z, 3u), subgroupBroadcast(dy2[0].w, 3u));
        let d19_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 3u), subgroupBroadcast(dy2[1].y, 3u), subgroupBroadcast(dy2[1].z, 3u), subgroupBroadcast(dy2[1].w, 3u));
        acc[171] += dot(d19_0, l0) + dot(d19_1, l1);
        acc[172] += dot(d19_0, m0) + dot(d19_1, m1);
        acc[173] += dot(d19_0, r0) + dot(d19_1, r1);
        acc[174] += dot(d19_0, l1) + dot(d19_1, l2);
        acc[175] += dot(d19_0, m1) + dot(d19_1, m2);
        acc[176] += dot(d19_0, r1) + dot(d19_1, r2);
        acc[177] += dot(d19_0, l2) + dot(d19_1, l3);
        acc[178] += dot(d19_0, m2) + dot(d19_1, m3);
        acc[179] += dot(d19_0, r2) + dot(d19_1, r3);
        let d20_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 4u), subgroupBroadcast(dy2[0].y, 4u), subgroupBroadcast(dy2[0].z, 4u), subgroupBroadcast(dy2[0].w, 4u));
        let d20_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 4u), subgroupBroadcast(dy2[1].y, 4u), subgroupBroadcast(dy2[1].z, 4u), subgroupBroadcast(dy2[1].w, 4u));
        acc[180] += dot(d20_0, l0) + dot(d20_1, l1);
        acc[181] += dot(d20_0, m0) + dot(d20_1, m1);
        acc[182] += dot(d20_0, r0) + dot(d20_1, r1);
        acc[183] += dot(d20_0, l1) + dot(d20_1, l2);
        acc[184] += dot(d20_0, m1) + dot(d20_1, m2);
        acc[185] += dot(d20_0, r1) + dot(d20_1, r2);
        acc[186] += dot(d20_0, l2) + dot(d20_1, l3);
        acc[187] += dot(d20_0, m2) + dot(d20_1, m3);
        acc[188] += dot(d20_0, r2) + dot(d20_1, r3);
        let d21_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 5u), subgroupBroadcast(dy2[0].y, 5u), subgroupBroadcast(dy2[0].z, 5u), subgroupBroadcast(dy2[0].w, 5u));
        let d21_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 5u), subgroupBroadcast(dy2[1].y, 5u), subgroupBroadcast(dy2[1].z, 5u), subgroupBroadcast(dy2[1].w, 5u));
        acc[189] += dot(d21_0, l0) + dot(d21_1, l1);
        acc[190] += dot(d21_0, m0) + dot(d21_1, m1);
        acc[191] += dot(d21_0, r0) + dot(d21_1, r1);
        acc[192] += dot(d21_0, l1) + dot(d21_1, l2);
        acc[193] += dot(d21_0, m1) + dot(d21_1, m2);
        acc[194] += dot(d21_0, r1) + dot(d21_1, r2);
        acc[195] += dot(d21_0, l2) + dot(d21_1, l3);
        acc[196] += dot(d21_0, m2) + dot(d21_1, m3);
        acc[197] += dot(d21_0, r2) + dot(d21_1, r3);
        let d22_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 6u), subgroupBroadcast(dy2[0].y, 6u), subgroupBroadcast(dy2[0].z, 6u), subgroupBroadcast(dy2[0].w, 6u));
        let d22_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 6u), subgroupBroadcast(dy2[1].y, 6u), subgroupBroadcast(dy2[1].z, 6u), subgroupBroadcast(dy2[1].w, 6u));
        acc[198] += dot(d22_0, l0) + dot(d22_1, l1);
        acc[199] += dot(d22_0, m0) + dot(d22_1, m1);
        acc[200] += dot(d22_0, r0) + dot(d22_1, r1);
        acc[201] += dot(d22_0, l1) + dot(d22_1, l2);
        acc[202] += dot(d22_0, m1) + dot(d22_1, m2);
        acc[203] += dot(d22_0, r1) + dot(d22_1, r2);
        acc[204] += dot(d22_0, l2) + dot(d22_1, l3);
        acc[205] += dot(d22_0, m2) + dot(d22_1, m3);
        acc[206] += dot(d22_0, r2) + dot(d22_1, r3);
        let d23_0 = vec4<f32>(subgroupBroadcast(dy2[0].x, 7u), subgroupBroadcast(dy2[0].y, 7u), subgroupBroadcast(dy2[0].z, 7u), subgroupBroadcast(dy2[0].w, 7u));
        let d23_1 = vec4<f32>(subgroupBroadcast(dy2[1].x, 7u), subgroupBroadcast(dy2[1].y, 7u), subgroupBroadcast(dy2[1].z, 7u), subgroupBroadcast(dy2[1].w, 7u));
        acc[207] += dot(d23_0, l0) + dot(d23_1, l1);
        acc[208] += dot(d23_0, m0) + dot(d23_1, m1);
        acc[209] += dot(d23_0, r0) + dot(d23_1, r1);
        acc[210] += dot(d23_0, l1) + dot(d23_1, l2);
        acc[211] += dot(d23_0, m1) + dot(d23_1, m2);
        acc[212] += dot(d23_0, r1) + dot(d23_1, r2);
        acc[213] += dot(d23_0, l2) + dot(d23_1, l3);
        acc[214] += dot(d23_0, m2) + dot(d23_1, m3);
        acc[215] += dot(d23_0, r2) + dot(d23_1, r3);
        let dy3 = dy_rows4(n, ob * 32u + 24u + lane, h0, w0);
        let d24_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 0u), subgroupBroadcast(dy3[0].y, 0u), subgroupBroadcast(dy3[0].z, 0u), subgroupBroadcast(dy3[0].w, 0u));
        let d24_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 0u), subgroupBroadcast(dy3[1].y, 0u), subgroupBroadcast(dy3[1].z, 0u), subgroupBroadcast(dy3[1].w, 0u));
        acc[216] += dot(d24_0, l0) + dot(d24_1, l1);
        acc[217] += dot(d24_0, m0) + dot(d24_1, m1);
        acc[218] += dot(d24_0, r0) + dot(d24_1, r1);
        acc[219] += dot(d24_0, l1) + dot(d24_1, l2);
        acc[220] += dot(d24_0, m1) + dot(d24_1, m2);
        acc[221] += dot(d24_0, r1) + dot(d24_1, r2);
        acc[222] += dot(d24_0, l2) + dot(d24_1, l3);
        acc[223] += dot(d24_0, m2) + dot(d24_1, m3);
        acc[224] += dot(d24_0, r2) + dot(d24_1, r3);
        let d25_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 1u), subgroupBroadcast(dy3[0].y, 1u), subgroupBroadcast(dy3[0].z, 1u), subgroupBroadcast(dy3[0].w, 1u));
        let d25_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 1u), subgroupBroadcast(dy3[1].y, 1u), subgroupBroadcast(dy3[1].z, 1u), subgroupBroadcast(dy3[1].w, 1u));
        acc[225] += dot(d25_0, l0) + dot(d25_1, l1);
        acc[226] += dot(d25_0, m0) + dot(d25_1, m1);
        acc[227] += dot(d25_0, r0) + dot(d25_1, r1);
        acc[228] += dot(d25_0, l1) + dot(d25_1, l2);
        acc[229] += dot(d25_0, m1) + dot(d25_1, m2);
        acc[230] += dot(d25_0, r1) + dot(d25_1, r2);
        acc[231] += dot(d25_0, l2) + dot(d25_1, l3);
        acc[232] += dot(d25_0, m2) + dot(d25_1, m3);
        acc[233] += dot(d25_0, r2) + dot(d25_1, r3);
        let d26_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 2u), subgroupBroadcast(dy3[0].y, 2u), subgroupBroadcast(dy3[0].z, 2u), subgroupBroadcast(dy3[0].w, 2u));
        let d26_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 2u), subgroupBroadcast(dy3[1].y, 2u), subgroupBroadcast(dy3[1].z, 2u), subgroupBroadcast(dy3[1].w, 2u));
        acc[234] += dot(d26_0, l0) + dot(d26_1, l1);
        acc[235] += dot(d26_0, m0) + dot(d26_1, m1);
        acc[236] += dot(d26_0, r0) + dot(d26_1, r1);
        acc[237] += dot(d26_0, l1) + dot(d26_1, l2);
        acc[238] += dot(d26_0, m1) + dot(d26_1, m2);
        acc[239] += dot(d26_0, r1) + dot(d26_1, r2);
        acc[240] += dot(d26_0, l2) + dot(d26_1, l3);
        acc[241] += dot(d26_0, m2) + dot(d26_1, m3);
        acc[242] += dot(d26_0, r2) + dot(d26_1, r3);
        let d27_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 3u), subgroupBroadcast(dy3[0].y, 3u), subgroupBroadcast(dy3[0].z, 3u), subgroupBroadcast(dy3[0].w, 3u));
        let d27_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 3u), subgroupBroadcast(dy3[1].y, 3u), subgroupBroadcast(dy3[1].z, 3u), subgroupBroadcast(dy3[1].w, 3u));
        acc[243] += dot(d27_0, l0) + dot(d27_1, l1);
        acc[244] += dot(d27_0, m0) + dot(d27_1, m1);
        acc[245] += dot(d27_0, r0) + dot(d27_1, r1);
        acc[246] += dot(d27_0, l1) + dot(d27_1, l2);
        acc[247] += dot(d27_0, m1) + dot(d27_1, m2);
        acc[248] += dot(d27_0, r1) + dot(d27_1, r2);
        acc[249] += dot(d27_0, l2) + dot(d27_1, l3);
        acc[250] += dot(d27_0, m2) + dot(d27_1, m3);
        acc[251] += dot(d27_0, r2) + dot(d27_1, r3);
        let d28_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 4u), subgroupBroadcast(dy3[0].y, 4u), subgroupBroadcast(dy3[0].z, 4u), subgroupBroadcast(dy3[0].w, 4u));
        let d28_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 4u), subgroupBroadcast(dy3[1].y, 4u), subgroupBroadcast(dy3[1].z, 4u), subgroupBroadcast(dy3[1].w, 4u));
        acc[252] += dot(d28_0, l0) + dot(d28_1, l1);
        acc[253] += dot(d28_0, m0) + dot(d28_1, m1);
        acc[254] += dot(d28_0, r0) + dot(d28_1, r1);
        acc[255] += dot(d28_0, l1) + dot(d28_1, l2);
        acc[256] += dot(d28_0, m1) + dot(d28_1, m2);
        acc[257] += dot(d28_0, r1) + dot(d28_1, r2);
        acc[258] += dot(d28_0, l2) + dot(d28_1, l3);
        acc[259] += dot(d28_0, m2) + dot(d28_1, m3);
        acc[260] += dot(d28_0, r2) + dot(d28_1, r3);
        let d29_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 5u), subgroupBroadcast(dy3[0].y, 5u), subgroupBroadcast(dy3[0].z, 5u), subgroupBroadcast(dy3[0].w, 5u));
        let d29_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 5u), subgroupBroadcast(dy3[1].y, 5u), subgroupBroadcast(dy3[1].z, 5u), subgroupBroadcast(dy3[1].w, 5u));
        acc[261] += dot(d29_0, l0) + dot(d29_1, l1);
        acc[262] += dot(d29_0, m0) + dot(d29_1, m1);
        acc[263] += dot(d29_0, r0) + dot(d29_1, r1);
        acc[264] += dot(d29_0, l1) + dot(d29_1, l2);
        acc[265] += dot(d29_0, m1) + dot(d29_1, m2);
        acc[266] += dot(d29_0, r1) + dot(d29_1, r2);
        acc[267] += dot(d29_0, l2) + dot(d29_1, l3);
        acc[268] += dot(d29_0, m2) + dot(d29_1, m3);
        acc[269] += dot(d29_0, r2) + dot(d29_1, r3);
        let d30_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 6u), subgroupBroadcast(dy3[0].y, 6u), subgroupBroadcast(dy3[0].z, 6u), subgroupBroadcast(dy3[0].w, 6u));
        let d30_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 6u), subgroupBroadcast(dy3[1].y, 6u), subgroupBroadcast(dy3[1].z, 6u), subgroupBroadcast(dy3[1].w, 6u));
        acc[270] += dot(d30_0, l0) + dot(d30_1, l1);
        acc[271] += dot(d30_0, m0) + dot(d30_1, m1);
        acc[272] += dot(d30_0, r0) + dot(d30_1, r1);
        acc[273] += dot(d30_0, l1) + dot(d30_1, l2);
        acc[274] += dot(d30_0, m1) + dot(d30_1, m2);
        acc[275] += dot(d30_0, r1) + dot(d30_1, r2);
        acc[276] += dot(d30_0, l2) + dot(d30_1, l3);
        acc[277] += dot(d30_0, m2) + dot(d30_1, m3);
        acc[278] += dot(d30_0, r2) + dot(d30_1, r3);
        let d31_0 = vec4<f32>(subgroupBroadcast(dy3[0].x, 7u), subgroupBroadcast(dy3[0].y, 7u), subgroupBroadcast(dy3[0].z, 7u), subgroupBroadcast(dy3[0].w, 7u));
        let d31_1 = vec4<f32>(subgroupBroadcast(dy3[1].x, 7u), subgroupBroadcast(dy3[1].y, 7u), subgroupBroadcast(dy3[1].z, 7u), subgroupBroadcast(dy3[1].w, 7u));
        acc[279] += dot(d31_0, l0) + dot(d31_1, l1);
        acc[280] += dot(d31_0, m0) + dot(d31_1, m1);
        acc[281] += dot(d31_0, r0) + dot(d31_1, r1);
        acc[282] += dot(d31_0, l1) + dot(d31_1, l2);
        acc[283] += dot(d31_0, m1) + dot(d31_1, m2);
        acc[284] += dot(d31_0, r1) + dot(d31_1, r2);
        acc[285] += dot(d31_0, l2) + dot(d31_1, l3);
        acc[286] += dot(d31_0, m2) + dot(d31_1, m3);
        acc[287] += dot(d31_0, r2) + dot(d31_1, r3);
    }
    if (!(sid < OB)) {
        return; // (cannot happen in a workgroup of 8; kept so a mis-sized dispatch never writes twice)
    }
    store_taps(split, ob * 32u + 0u, ci, array<f32, 9>(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7], acc[8]));
    store_taps(split, ob * 32u + 1u, ci, array<f32, 9>(acc[9], acc[10], acc[11], acc[12], acc[13], acc[14], acc[15], acc[16], acc[17]));
    store_taps(split, ob * 32u + 2u, ci, array<f32, 9>(acc[18], acc[19], acc[20], acc[21], acc[22], acc[23], acc[24], acc[25], acc[26]));
    store_taps(split, ob * 32u + 3u, ci, array<f32, 9>(acc[27], acc[28], acc[29], acc[30], acc[31], acc[32], acc[33], acc[34], acc[35]));
    store_taps(split, ob * 32u + 4u, ci, array<f32, 9>(acc[36], acc[37], acc[38], acc[39], acc[40], acc[41], acc[42], acc[43], acc[44]));
    store_taps(split, ob * 32u + 5u, ci, array<f32, 9>(acc[45], acc[46], acc[47], acc[48], acc[49], acc[50], acc[51], acc[52], acc[53]));
    store_taps(split, ob * 32u + 6u, ci, array<f32, 9>(acc[54], acc[55], acc[56], acc[57], acc[58], acc[59], acc[60], acc[61], acc[62]));
    store_taps(split, ob * 32u + 7u, ci, array<f32, 9>(acc[63], acc[64], acc[65], acc[66], acc[67], acc[68], acc[69], acc[70], acc[71]));
    store_taps(split, ob * 32u + 8u, ci, array<f32, 9>(acc[72], acc[73], acc[74], acc[75], acc[76], acc[77], acc[78], acc[79], acc[80]));
    store_taps(split, ob * 32u + 9u, ci, array<f32, 9>(acc[81], acc[82], acc[83], acc[84], acc[85], acc[86], acc[87], acc[88], acc[89]));
    store_taps(split, ob * 32u + 10u, ci, array<f32, 9>(acc[90], acc[91], acc[92], acc[93], acc[94], acc[95], acc[96], acc[97], acc[98]));
    store_taps(split, ob * 32u + 11u, ci, array<f32, 9>(acc[99], acc[100], acc[101], acc[102], acc[103], acc[104], acc[105], acc[106], acc[107]));
    store_taps(split, ob * 32u + 12u, ci, array<f32, 9>(acc[108], acc[109], acc[110], acc[111], acc[112], acc[113], acc[114], acc[115], acc[116]));
    store_taps(split, ob * 32u + 13u, ci, array<f32, 9>(acc[117], acc[118], acc[119], acc[120], acc[121], acc[122], acc[123], acc[124], acc[125]));
    store_taps(split, ob * 32u + 14u, ci, array<f32, 9>(acc[126], acc[127], acc[128], acc[129], acc[130], acc[131], acc[132], acc[133], acc[134]));
    store_taps(split, ob * 32u + 15u, ci, array<f32, 9>(acc[135], acc[136], acc[137], acc[138], acc[139], acc[140], acc[141], acc[142], acc[143]));
    store_taps(split, ob * 32u + 16u, ci, array<f32, 9>(acc[144], acc[145], acc[146], acc[147], acc[148], acc[149], acc[150], acc[151], acc[152]));
    store_taps(split, ob * 32u + 17u, ci, array<f32, 9>(acc[153], acc[154], acc[155], acc[156], acc[157], acc[158], acc[159], acc[160], acc[161]));
    store_taps(split, ob * 32u + 18u, ci, array<f32, 9>(acc[162], acc[163], acc[164], acc[165], acc[166], acc[167], acc[168], acc[169], acc[170]));
    store_taps(split, ob * 32u + 19u, ci, array<f32, 9>(acc[171], acc[172], acc[173], acc[174], acc[175], acc[176], acc[177], acc[178], acc[179]));
    store_taps(split, ob * 32u + 20u, ci, array<f32, 9>(acc[180], acc[181], acc[182], acc[183], acc[184], acc[185], acc[186], acc[187], acc[188]));
    store_taps(split, ob * 32u + 21u, ci, array<f32, 9>(acc[189], acc[190], acc[191], acc[192], acc[193], acc[194], acc[195], acc[196], acc[197]));
    store_taps(split, ob * 32u + 22u, ci, array<f32, 9>(acc[198], acc[199], acc[200], acc[201], acc[202], acc[203], acc[204], acc[205], acc[206]));
    store_taps(split, ob * 32u + 23u, ci, array<f32, 9>(acc[207], acc[208], acc[209], acc[210], acc[211], acc[212], acc[213], acc[214], acc[215]));
    store_taps(split, ob * 32u + 24u, ci, array<f32, 9>(acc[216], acc[217], acc[218], acc[219], acc[220], acc[221], acc[222], acc[223], acc[224]));
    store_taps(split, ob * 32u + 25u, ci, array<f32, 9>(acc[225], acc[226], acc[227], acc[228], acc[229], acc[230], acc[231], acc[232], acc[233]));
    store_taps(split, ob * 32u + 26u, ci, array<f32, 9>(acc[234], acc[235], acc[236], acc[237], acc[238], acc[239], acc[240], acc[241], acc[242]));
    store_taps(split, ob * 32u + 27u, ci, array<f32, 9>(acc[243], acc[244], acc[245], acc[246], acc[247], acc[248], acc[249], acc[250], acc[251]));
    store_taps(split, ob * 32u + 28u, ci, array<f32, 9>(acc[252], acc[253], acc[254], acc[255], acc[256], acc[257], acc[258], acc[259], acc[260]));
    store_taps(split, ob * 32u + 29u, ci, array<f32, 9>(acc[261], acc[262], acc[263], acc[264], acc[265], acc[266], acc[267], acc[268], acc[269]));
    store_taps(split, ob * 32u + 30u, ci, array<f32, 9>(acc[270], acc[271], acc[272], acc[273], acc[274], acc[275], acc[276], acc[277], acc[278]));
    store_taps(split, ob * 32u + 31u, ci, array<f32, 9>(acc[279], acc[280], acc[281], acc[282], acc[283], acc[284], acc[285], acc[286], acc[287]));
}
