// Winograd F(2×2, 3×3) for the 3×3 'same' convolution (stride 1, zero padding 1) — forward and
// backward-input — on adapters with subgroups of at least 8 invocations (the `cpu` kernel family:
// lavapipe and other CPU drivers, for layers that read and write at least 16 channels).
//
// Why: the direct kernels (conv2d_subgroup.wgsl) already run near what this driver reaches for a
// 3×3 convolution; the remaining factor is in doing less arithmetic. Each 2×2 output tile is
//   Y = Aᵀ [ Σ_i (G g_{o,i} Gᵀ) ⊙ (Bᵀ d_i B) ] A
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), where d_i is the tile's
// 4×4 input patch of channel i and g_{o,i} the 3×3 filter: 16 products per tile and channel pair
// instead of 36, i.e. 2.25× fewer multiplies. ncnn's Vulkan backend uses the same scheme for 3×3
// stride-1 convolutions with ≥ 16 channels.
//
// Four passes, all in a fixed order (deterministic, no atomics):
//   winograd_weights  U[ξ][o][i] = (G g_{o,i} Gᵀ)[ξ]          (16 × O × I, once per call)
//   winograd_input    V[ξ][i][t] = (Bᵀ d_{i,t} B)[ξ]           (tiles t of the images of this pass)
//   winograd_gemm     M[ξ][o][t] = Σ_i U[ξ][o][i] · V[ξ][i][t] (16 independent matrix products)
//   winograd_output   y[o][tile t] = Aᵀ M[·][o][t] A (+ bias, + ReLU when fused)
// The backward-input pass is the same convolution of dy with the flipped, transposed filter
// (g'_{ci,co}[ky][kx] = w[co][ci][2-ky][2-kx]), which winograd_weights builds with `flip`.
//
// Tiles are handled in quads of 4 horizontally adjacent tiles (one vec4 per transformed value: the
// transforms run on 4 tiles at once, and every V / M access is a 16-byte vector). Quad q of the
// pass: image q / (tiles_h · quads_w), tile row (q / quads_w) % tiles_h, tiles 4·(q % quads_w) + j.
// Tiles past the plane's edge read zeros (padding) and are never stored.
//
// No `enable subgroups;` directive: naga 30 rejects it as not yet implemented and instead gates
// subgroup built-ins on the device's SUBGROUP capability (as conv2d_subgroup.wgsl).

struct Params {
    first: u32,        // first image of this pass (index into the whole batch of src / dst)
    i_ch: u32,         // channels read: C_in forward, C_out backward-input
    o_ch: u32,         // channels written
    h: u32,
    w: u32,
    tiles_h: u32,      // ceil(H / 2)
    quads_w: u32,      // ceil(ceil(W / 2) / 4): quads of tiles per tile row
    quads: u32,        // quads of this pass (its images · tiles_h · quads_w)
    o_blocks: u32,     // winograd_gemm: blocks of 32 written channels
    q_groups: u32,     // winograd_gemm: workgroups along the quads (2 quads per invocation)
    w_stride_out: u32, // weight index = o · w_stride_out + i · w_stride_in + tap
    w_stride_in: u32,
    flip: u32,         // 1: tap 8 − t (backward-input)
    has_bias: u32,
    relu: u32,         // 1: ReLU in the store (the fused conv + ReLU epilogue)
    _pad: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
// winograd_weights: the layer's weight (C_out, C_in, 3, 3). winograd_input: the input (N, I, H, W).
// winograd_output: the bias (or anything, when has_bias = 0).
@group(0) @binding(1) var<storage, read> src: array<f32>;
// The same buffer as `src`, 4 floats at a time (winograd_input_aligned, W % 4 == 0).
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
// U (winograd_gemm): U[(ξ · o_ch + o) · i_ch + i].
@group(0) @binding(3) var<storage, read> u: array<f32>;
// V (winograd_gemm) or M (winograd_output), as vectors of 4 tiles.
@group(0) @binding(4) var<storage, read> v4: array<vec4<f32>>;
// winograd_weights: U. winograd_output: the output (N, O, H, W).
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;
// winograd_input: V. winograd_gemm: M.
@group(0) @binding(6) var<storage, read_write> dst4: array<vec4<f32>>;

fn linear(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.x + wid.y * nwg.x) * WG + lid;
}

// ---------------------------------------------------------------------------------------------
// U = G g Gᵀ, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]. One invocation per (o, i).
@compute @workgroup_size(64)
fn winograd_weights(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let k = linear(wid, nwg, lid);
    if (k >= p.o_ch * p.i_ch) {
        return;
    }
    let o = k / p.i_ch;
    let i = k % p.i_ch;
    let base = o * p.w_stride_out + i * p.w_stride_in;
    var g: array<f32, 9>;
    for (var t = 0u; t < 9u; t++) {
        g[t] = src[base + select(t, 8u - t, p.flip == 1u)];
    }
    // Rows: r_a = Σ_ky G[a][ky] g[ky][·].
    var r: array<vec3<f32>, 4>;
    let g0 = vec3<f32>(g[0], g[1], g[2]);
    let g1 = vec3<f32>(g[3], g[4], g[5]);
    let g2 = vec3<f32>(g[6], g[7], g[8]);
    r[0] = g0;
    r[1] = 0.5 * (g0 + g1 + g2);
    r[2] = 0.5 * (g0 - g1 + g2);
    r[3] = g2;
    // Columns: U[a][b] = Σ_kx r_a[kx] G[b][kx], stored at U[ξ = 4a + b][o][i].
    let plane = p.o_ch * p.i_ch;
    for (var a = 0u; a < 4u; a++) {
        let x = r[a];
        let row = vec4<f32>(x.x, 0.5 * (x.x + x.y + x.z), 0.5 * (x.x - x.y + x.z), x.z);
        for (var b = 0u; b < 4u; b++) {
            dst[(a * 4u + b) * plane + k] = row[b];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// V = Bᵀ d B, Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], for the 4 tiles of a
// quad at once. One invocation per (i, quad).

// Input row `row` of channel plane `base`, columns c0 .. c0 + 9 (zero outside the plane).
// Branch-free as conv2d_subgroup.wgsl's load_row: clamped addresses multiplied by 0.
fn input_row(base: u32, row: i32, c0: i32, aligned: bool) -> array<f32, 10> {
    var v: array<f32, 10>;
    let row_ok = row >= 0 && row < i32(p.h);
    let rbase = base + u32(clamp(row, 0, i32(p.h) - 1)) * p.w;
    let last = i32(p.w) - 1;
    let keep_row = select(0.0, 1.0, row_ok);
    if (aligned) {
        // c0 + 1 = 8·qx is a multiple of 4, and so is the row's start: two vector loads for the
        // 8 interior columns, scalar loads for the two halo columns.
        let m0 = c0 + 1;
        let m1 = c0 + 5;
        let a = src4[(rbase + u32(min(m0, last - 3))) / 4u] * select(0.0, keep_row, m0 <= last);
        let b = src4[(rbase + u32(min(m1, last - 3))) / 4u] * select(0.0, keep_row, m1 <= last);
        v[1] = a.x;
        v[2] = a.y;
        v[3] = a.z;
        v[4] = a.w;
        v[5] = b.x;
        v[6] = b.y;
        v[7] = b.z;
        v[8] = b.w;
        v[0] = src[rbase + u32(clamp(c0, 0, last))] * select(0.0, keep_row, c0 >= 0);
        v[9] = src[rbase + u32(clamp(c0 + 9, 0, last))] * select(0.0, keep_row, c0 + 9 <= last);
    } else {
        for (var j = 0; j < 10; j++) {
            let c = c0 + j;
            v[j] = src[rbase + u32(clamp(c, 0, last))] * select(0.0, keep_row, c >= 0 && c <= last);
        }
    }
    return v;
}

// Row `row` of the 4 quads' patches as 4 vectors over the tiles: column b of tile j is input
// column c0 + 2j + b.
fn patch_row(base: u32, row: i32, c0: i32, aligned: bool) -> array<vec4<f32>, 4> {
    let x = input_row(base, row, c0, aligned);
    var d: array<vec4<f32>, 4>;
    d[0] = vec4<f32>(x[0], x[2], x[4], x[6]);
    d[1] = vec4<f32>(x[1], x[3], x[5], x[7]);
    d[2] = vec4<f32>(x[2], x[4], x[6], x[8]);
    d[3] = vec4<f32>(x[3], x[5], x[7], x[9]);
    return d;
}

fn input_transform(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, aligned: bool) {
    let k = linear(wid, nwg, lid);
    if (k >= p.i_ch * p.quads) {
        return;
    }
    let i = k / p.quads;
    let q = k % p.quads;
    let per_image = p.tiles_h * p.quads_w;
    let n = p.first + q / per_image;
    let ty = (q / p.quads_w) % p.tiles_h;
    let qx = q % p.quads_w;
    let base = (n * p.i_ch + i) * p.h * p.w;
    let r0 = i32(ty * 2u) - 1;
    let c0 = i32(qx * 8u) - 1;
    let d0 = patch_row(base, r0, c0, aligned);
    let d1 = patch_row(base, r0 + 1, c0, aligned);
    let d2 = patch_row(base, r0 + 2, c0, aligned);
    let d3 = patch_row(base, r0 + 3, c0, aligned);
    // Rows of Bᵀ d.
    var t: array<array<vec4<f32>, 4>, 4>;
    for (var b = 0u; b < 4u; b++) {
        t[0][b] = d0[b] - d2[b];
        t[1][b] = d1[b] + d2[b];
        t[2][b] = d2[b] - d1[b];
        t[3][b] = d1[b] - d3[b];
    }
    // (Bᵀ d) B, row by row; V[ξ = 4a + b] of channel i and quad q.
    let plane = p.i_ch * p.quads;
    let at = i * p.quads + q;
    for (var a = 0u; a < 4u; a++) {
        let x = t[a];
        dst4[(a * 4u + 0u) * plane + at] = x[0] - x[2];
        dst4[(a * 4u + 1u) * plane + at] = x[1] + x[2];
        dst4[(a * 4u + 2u) * plane + at] = x[2] - x[1];
        dst4[(a * 4u + 3u) * plane + at] = x[1] - x[3];
    }
}

@compute @workgroup_size(64)
fn winograd_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
    input_transform(wid, nwg, lid, false);
}

// As winograd_input, for W % 4 == 0 (vec4 input loads).
@compute @workgroup_size(64)
fn winograd_input_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    input_transform(wid, nwg, lid, true);
}

// ---------------------------------------------------------------------------------------------
// M[ξ][o][q] = Σ_i U[ξ][o][i] · V[ξ][i][q]: 16 independent products (O × I) · (I × quads).
// Each invocation: 2 quads (8 tiles) × 32 written channels, input channels 4 at a time. As in
// conv2d_subgroup.wgsl, invocation `sid` loads the U of channels ob·32 + 8r + sid (r = 0..3) and
// `subgroupBroadcast` hands them to the subgroup: on CPU drivers every storage load inside a loop
// is one load per invocation, so U costs 4 loads per input channel instead of 32. Every
// invocation does useful work whatever the device's subgroup size (≥ 8), and no index is derived
// from `local_invocation_index` before the broadcasts: they sit in subgroup-uniform control flow
// (the loop bounds are uniforms), as the WGSL spec requires. Workgroups take the 32-channel blocks
// fastest, so the blocks that share a range of V run back to back (it stays in cache). Products of
// one channel and quad are summed in input-channel order.

fn store_product(xi: u32, o: u32, q: u32, v: vec4<f32>) {
    if (o < p.o_ch && q < p.quads) {
        dst4[(xi * p.o_ch + o) * p.quads + q] = v;
    }
}

@compute @workgroup_size(64)
fn winograd_gemm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32,
                 @builtin(subgroup_invocation_id) sid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let ob = g % p.o_blocks;
    let rest = g / p.o_blocks;
    let qg = rest % p.q_groups;
    let xi = rest / p.q_groups;
    if (xi >= 16u) {
        return; // whole workgroup: subgroup operations below stay uniform
    }
    let q0 = (qg * WG + lid) * 2u;
    let qc0 = min(q0, p.quads - 1u);
    let qc1 = min(q0 + 1u, p.quads - 1u);
    let last = p.o_ch - 1u;
    let urow0 = (xi * p.o_ch + min(ob * 32u + 0u + sid % 8u, last)) * p.i_ch;
    let urow1 = (xi * p.o_ch + min(ob * 32u + 8u + sid % 8u, last)) * p.i_ch;
    let urow2 = (xi * p.o_ch + min(ob * 32u + 16u + sid % 8u, last)) * p.i_ch;
    let urow3 = (xi * p.o_ch + min(ob * 32u + 24u + sid % 8u, last)) * p.i_ch;
    var a0_0 = vec4<f32>(0.0);
    var a0_1 = vec4<f32>(0.0);
    var a1_0 = vec4<f32>(0.0);
    var a1_1 = vec4<f32>(0.0);
    var a2_0 = vec4<f32>(0.0);
    var a2_1 = vec4<f32>(0.0);
    var a3_0 = vec4<f32>(0.0);
    var a3_1 = vec4<f32>(0.0);
    var a4_0 = vec4<f32>(0.0);
    var a4_1 = vec4<f32>(0.0);
    var a5_0 = vec4<f32>(0.0);
    var a5_1 = vec4<f32>(0.0);
    var a6_0 = vec4<f32>(0.0);
    var a6_1 = vec4<f32>(0.0);
    var a7_0 = vec4<f32>(0.0);
    var a7_1 = vec4<f32>(0.0);
    var a8_0 = vec4<f32>(0.0);
    var a8_1 = vec4<f32>(0.0);
    var a9_0 = vec4<f32>(0.0);
    var a9_1 = vec4<f32>(0.0);
    var a10_0 = vec4<f32>(0.0);
    var a10_1 = vec4<f32>(0.0);
    var a11_0 = vec4<f32>(0.0);
    var a11_1 = vec4<f32>(0.0);
    var a12_0 = vec4<f32>(0.0);
    var a12_1 = vec4<f32>(0.0);
    var a13_0 = vec4<f32>(0.0);
    var a13_1 = vec4<f32>(0.0);
    var a14_0 = vec4<f32>(0.0);
    var a14_1 = vec4<f32>(0.0);
    var a15_0 = vec4<f32>(0.0);
    var a15_1 = vec4<f32>(0.0);
    var a16_0 = vec4<f32>(0.0);
    var a16_1 = vec4<f32>(0.0);
    var a17_0 = vec4<f32>(0.0);
    var a17_1 = vec4<f32>(0.0);
    var a18_0 = vec4<f32>(0.0);
    var a18_1 = vec4<f32>(0.0);
    var a19_0 = vec4<f32>(0.0);
    var a19_1 = vec4<f32>(0.0);
    var a20_0 = vec4<f32>(0.0);
    var a20_1 = vec4<f32>(0.0);
    var a21_0 = vec4<f32>(0.0);
    var a21_1 = vec4<f32>(0.0);
    var a22_0 = vec4<f32>(0.0);
    var a22_1 = vec4<f32>(0.0);
    var a23_0 = vec4<f32>(0.0);
    var a23_1 = vec4<f32>(0.0);
    var a24_0 = vec4<f32>(0.0);
    var a24_1 = vec4<f32>(0.0);
    var a25_0 = vec4<f32>(0.0);
    var a25_1 = vec4<f32>(0.0);
    var a26_0 = vec4<f32>(0.0);
    var a26_1 = vec4<f32>(0.0);
    var a27_0 = vec4<f32>(0.0);
    var a27_1 = vec4<f32>(0.0);
    var a28_0 = vec4<f32>(0.0);
    var a28_1 = vec4<f32>(0.0);
    var a29_0 = vec4<f32>(0.0);
    var a29_1 = vec4<f32>(0.0);
    var a30_0 = vec4<f32>(0.0);
    var a30_1 = vec4<f32>(0.0);
    var a31_0 = vec4<f32>(0.0);
    var a31_1 = vec4<f32>(0.0);
    for (var i = 0u; i < p.i_ch; i += 4u) {
        // Input channel i + 0 (past the last one its U reads as 0, so the clamped V adds nothing).
        let i0 = min(i + 0u, p.i_ch - 1u);
        let keep0 = select(0.0, 1.0, i + 0u < p.i_ch);
        let v0_0 = v4[(xi * p.i_ch + i0) * p.quads + qc0];
        let v0_1 = v4[(xi * p.i_ch + i0) * p.quads + qc1];
        let u0_0 = u[urow0 + i0] * keep0;
        let u0_1 = u[urow1 + i0] * keep0;
        let u0_2 = u[urow2 + i0] * keep0;
        let u0_3 = u[urow3 + i0] * keep0;
        // Input channel i + 1 (past the last one its U reads as 0, so the clamped V adds nothing).
        let i1 = min(i + 1u, p.i_ch - 1u);
        let keep1 = select(0.0, 1.0, i + 1u < p.i_ch);
        let v1_0 = v4[(xi * p.i_ch + i1) * p.quads + qc0];
        let v1_1 = v4[(xi * p.i_ch + i1) * p.quads + qc1];
        let u1_0 = u[urow0 + i1] * keep1;
        let u1_1 = u[urow1 + i1] * keep1;
        let u1_2 = u[urow2 + i1] * keep1;
        let u1_3 = u[urow3 + i1] * keep1;
        // Input channel i + 2 (past the last one its U reads as 0, so the clamped V adds nothing).
        let i2 = min(i + 2u, p.i_ch - 1u);
        let keep2 = select(0.0, 1.0, i + 2u < p.i_ch);
        let v2_0 = v4[(xi * p.i_ch + i2) * p.quads + qc0];
        let v2_1 = v4[(xi * p.i_ch + i2) * p.quads + qc1];
        let u2_0 = u[urow0 + i2] * keep2;
        let u2_1 = u[urow1 + i2] * keep2;
        let u2_2 = u[urow2 + i2] * keep2;
        let u2_3 = u[urow3 + i2] * keep2;
        // Input channel i + 3 (past the last one its U reads as 0, so the clamped V adds nothing).
        let i3 = min(i + 3u, p.i_ch - 1u);
        let keep3 = select(0.0, 1.0, i + 3u < p.i_ch);
        let v3_0 = v4[(xi * p.i_ch + i3) * p.quads + qc0];
        let v3_1 = v4[(xi * p.i_ch + i3) * p.quads + qc1];
        let u3_0 = u[urow0 + i3] * keep3;
        let u3_1 = u[urow1 + i3] * keep3;
        let u3_2 = u[urow2 + i3] * keep3;
        let u3_3 = u[urow3 + i3] * keep3;
        let w0_0 = subgroupBroadcast(u0_0, 0u);
        let w0_1 = subgroupBroadcast(u1_0, 0u);
        let w0_2 = subgroupBroadcast(u2_0, 0u);
        let w0_3 = subgroupBroadcast(u3_0, 0u);
        a0_0 += w0_0 * v0_0 + w0_1 * v1_0 + w0_2 * v2_0 + w0_3 * v3_0;
        a0_1 += w0_0 * v0_1 + w0_1 * v1_1 + w0_2 * v2_1 + w0_3 * v3_1;
        let w1_0 = subgroupBroadcast(u0_0, 1u);
        let w1_1 = subgroupBroadcast(u1_0, 1u);
        let w1_2 = subgroupBroadcast(u2_0, 1u);
        let w1_3 = subgroupBroadcast(u3_0, 1u);
        a1_0 += w1_0 * v0_0 + w1_1 * v1_0 + w1_2 * v2_0 + w1_3 * v3_0;
        a1_1 += w1_0 * v0_1 + w1_1 * v1_1 + w1_2 * v2_1 + w1_3 * v3_1;
        let w2_0 = subgroupBroadcast(u0_0, 2u);
        let w2_1 = subgroupBroadcast(u1_0, 2u);
        let w2_2 = subgroupBroadcast(u2_0, 2u);
        let w2_3 = subgroupBroadcast(u3_0, 2u);
        a2_0 += w2_0 * v0_0 + w2_1 * v1_0 + w2_2 * v2_0 + w2_3 * v3_0;
        a2_1 += w2_0 * v0_1 + w2_1 * v1_1 + w2_2 * v2_1 + w2_3 * v3_1;
        let w3_0 = subgroupBroadcast(u0_0, 3u);
        let w3_1 = subgroupBroadcast(u1_0, 3u);
        let w3_2 = subgroupBroadcast(u2_0, 3u);
        let w3_3 = subgroupBroadcast(u3_0, 3u);
        a3_0 += w3_0 * v0_0 + w3_1 * v1_0 + w3_2 * v2_0 + w3_3 * v3_0;
        a3_1 += w3_0 * v0_1 + w3_1 * v1_1 + w3_2 * v2_1 + w3_3 * v3_1;
        let w4_0 = subgroupBroadcast(u0_0, 4u);
        let w4_1 = subgroupBroadcast(u1_0, 4u);
        let w4_2 = subgroupBroadcast(u2_0, 4u);
        let w4_3 = subgroupBroadcast(u3_0, 4u);
        a4_0 += w4_0 * v0_0 + w4_1 * v1_0 + w4_2 * v2_0 + w4_3 * v3_0;
        a4_1 += w4_0 * v0_1 + w4_1 * v1_1 + w4_2 * v2_1 + w4_3 * v3_1;
        let w5_0 = subgroupBroadcast(u0_0, 5u);
        let w5_1 = subgroupBroadcast(u1_0, 5u);
        let w5_2 = subgroupBroadcast(u2_0, 5u);
        let w5_3 = subgroupBroadcast(u3_0, 5u);
        a5_0 += w5_0 * v0_0 + w5_1 * v1_0 + w5_2 * v2_0 + w5_3 * v3_0;
        a5_1 += w5_0 * v0_1 + w5_1 * v1_1 + w5_2 * v2_1 + w5_3 * v3_1;
        let w6_0 = subgroupBroadcast(u0_0, 6u);
        let w6_1 = subgroupBroadcast(u1_0, 6u);
        let w6_2 = subgroupBroadcast(u2_0, 6u);
        let w6_3 = subgroupBroadcast(u3_0, 6u);
        a6_0 += w6_0 * v0_0 + w6_1 * v1_0 + w6_2 * v2_0 + w6_3 * v3_0;
        a6_1 += w6_0 * v0_1 + w6_1 * v1_1 + w6_2 * v2_1 + w6_3 * v3_1;
        let w7_0 = subgroupBroadcast(u0_0, 7u);
        let w7_1 = subgroupBroadcast(u1_0, 7u);
        let w7_2 = subgroupBroadcast(u2_0, 7u);
        let w7_3 = subgroupBroadcast(u3_0, 7u);
        a7_0 += w7_0 * v0_0 + w7_1 * v1_0 + w7_2 * v2_0 + w7_3 * v3_0;
        a7_1 += w7_0 * v0_1 + w7_1 * v1_1 + w7_2 * v2_1 + w7_3 * v3_1;
        let w8_0 = subgroupBroadcast(u0_1, 0u);
        let w8_1 = subgroupBroadcast(u1_1, 0u);
        let w8_2 = subgroupBroadcast(u2_1, 0u);
        let w8_3 = subgroupBroadcast(u3_1, 0u);
        a8_0 += w8_0 * v0_0 + w8_1 * v1_0 + w8_2 * v2_0 + w8_3 * v3_0;
        a8_1 += w8_0 * v0_1 + w8_1 * v1_1 + w8_2 * v2_1 + w8_3 * v3_1;
        let w9_0 = subgroupBroadcast(u0_1, 1u);
        let w9_1 = subgroupBroadcast(u1_1, 1u);
        let w9_2 = subgroupBroadcast(u2_1, 1u);
        let w9_3 = subgroupBroadcast(u3_1, 1u);
        a9_0 += w9_0 * v0_0 + w9_1 * v1_0 + w9_2 * v2_0 + w9_3 * v3_0;
        a9_1 += w9_0 * v0_1 + w9_1 * v1_1 + w9_2 * v2_1 + w9_3 * v3_1;
        let w10_0 = subgroupBroadcast(u0_1, 2u);
        let w10_1 = subgroupBroadcast(u1_1, 2u);
        let w10_2 = subgroupBroadcast(u2_1, 2u);
        let w10_3 = subgroupBroadcast(u3_1, 2u);
        a10_0 += w10_0 * v0_0 + w10_1 * v1_0 + w10_2 * v2_0 + w10_3 * v3_0;
        a10_1 += w10_0 * v0_1 + w10_1 * v1_1 + w10_2 * v2_1 + w10_3 * v3_1;
        let w11_0 = subgroupBroadcast(u0_1, 3u);
        let w11_1 = subgroupBroadcast(u1_1, 3u);
        let w11_2 = subgroupBroadcast(u2_1, 3u);
        let w11_3 = subgroupBroadcast(u3_1, 3u);
        a11_0 += w11_0 * v0_0 + w11_1 * v1_0 + w11_2 * v2_0 + w11_3 * v3_0;
        a11_1 += w11_0 * v0_1 + w11_1 * v1_1 + w11_2 * v2_1 + w11_3 * v3_1;
        let w12_0 = subgroupBroadcast(u0_1, 4u);
        let w12_1 = subgroupBroadcast(u1_1, 4u);
        let w12_2 = subgroupBroadcast(u2_1, 4u);
        let w12_3 = subgroupBroadcast(u3_1, 4u);
        a12_0 += w12_0 * v0_0 + w12_1 * v1_0 + w12_2 * v2_0 + w12_3 * v3_0;
        a12_1 += w12_0 * v0_1 + w12_1 * v1_1 + w12_2 * v2_1 + w12_3 * v3_1;
        let w13_0 = subgroupBroadcast(u0_1, 5u);
        let w13_1 = subgroupBroadcast(u1_1, 5u);
        let w13_2 = subgroupBroadcast(u2_1, 5u);
        let w13_3 = subgroupBroadcast(u3_1, 5u);
        a13_0 += w13_0 * v0_0 + w13_1 * v1_0 + w13_2 * v2_0 + w13_3 * v3_0;
        a13_1 += w13_0 * v0_1 + w13_1 * v1_1 + w13_2 * v2_1 + w13_3 * v3_1;
        let w14_0 = subgroupBroadcast(u0_1, 6u);
        let w14_1 = subgroupBroadcast(u1_1, 6u);
        let w14_2 = subgroupBroadcast(u2_1, 6u);
        let w14_3 = subgroupBroadcast(u3_1, 6u);
        a14_0 += w14_0 * v0_0 + w14_1 * v1_0 + w14_2 * v2_0 + w14_3 * v3_0;
        a14_1 += w14_0 * v0_1 + w14_1 * v1_1 + w14_2 * v2_1 + w14_3 * v3_1;
        let w15_0 = subgroupBroadcast(u0_1, 7u);
        let w15_1 = subgroupBroadcast(u1_1, 7u);
        let w15_2 = subgroupBroadcast(u2_1, 7u);
        let w15_3 = subgroupBroadcast(u3_1, 7u);
        a15_0 += w15_0 * v0_0 + w15_1 * v1_0 + w15_2 * v2_0 + w15_3 * v3_0;
        a15_1 += w15_0 * v0_1 + w15_1 * v1_1 + w15_2 * v2_1 + w15_3 * v3_1;
        let w16_0 = subgroupBroadcast(u0_2, 0u);
        let w16_1 = subgroupBroadcast(u1_2, 0u);
        let w16_2 = subgroupBroadcast(u2_2, 0u);
        let w16_3 = subgroupBroadcast(u3_2, 0u);
        a16_0 += w16_0 * v0_0 + w16_1 * v1_0 + w16_2 * v2_0 + w16_3 * v3_0;
        a16_1 += w16_0 * v0_1 + w16_1 * v1_1 + w16_2 * v2_1 + w16_3 * v3_1;
        let w17_0 = subgroupBroadcast(u0_2, 1u);
        let w17_1 = subgroupBroadcast(u1_2, 1u);
        let w17_2 = subgroupBroadcast(u2_2, 1u);
        let w17_3 = subgroupBroadcast(u3_2, 1u);
        a17_0 += w17_0 * v0_0 + w17_1 * v1_0 + w17_2 * v2_0 + w17_3 * v3_0;
        a17_1 += w17_0 * v0_1 + w17_1 * v1_1 + w17_2 * v2_1 + w17_3 * v3_1;
        let w18_0 = subgroupBroadcast(u0_2, 2u);
        let w18_1 = subgroupBroadcast(u1_2, 2u);
        let w18_2 = subgroupBroadcast(u2_2, 2u);
        let w18_3 = subgroupBroadcast(u3_2, 2u);
        a18_0 += w18_0 * v0_0 + w18_1 * v1_0 + w18_2 * v2_0 + w18_3 * v3_0;
        a18_1 += w18_0 * v0_1 + w18_1 * v1_1 + w18_2 * v2_1 + w18_3 * v3_1;
        let w19_0 = subgroupBroadcast(u0_2, 3u);
        let w19_1 = subgroupBroadcast(u1_2, 3u);
        let w19_2 = subgroupBroadcast(u2_2, 3u);
        let w19_3 = subgroupBroadcast(u3_2, 3u);
        a19_0 += w19_0 * v0_0 + w19_1 * v1_0 + w19_2 * v2_0 + w19_3 * v3_0;
        a19_1 += w19_0 * v0_1 + w19_1 * v1_1 + w19_2 * v2_1 + w19_3 * v3_1;
        let w20_0 = subgroupBroadcast(u0_2, 4u);
        let w20_1 = subgroupBroadcast(u1_2, 4u);
        let w20_2 = subgroupBroadcast(u2_2, 4u);
        let w20_3 = subgroupBroadcast(u3_2, 4u);
        a20_0 += w20_0 * v0_0 + w20_1 * v1_0 + w20_2 * v2_0 + w20_3 * v3_0;
        a20_1 += w20_0 * v0_1 + w20_1 * v1_1 + w20_2 * v2_1 + w20_3 * v3_1;
        let w21_0 = subgroupBroadcast(u0_2, 5u);
        let w21_1 = subgroupBroadcast(u1_2, 5u);
        let w21_2 = subgroupBroadcast(u2_2, 5u);
        let w21_3 = subgroupBroadcast(u3_2, 5u);
        a21_0 += w21_0 * v0_0 + w21_1 * v1_0 + w21_2 * v2_0 + w21_3 * v3_0;
        a21_1 += w21_0 * v0_1 + w21_1 * v1_1 + w21_2 * v2_1 + w21_3 * v3_1;
        let w22_0 = subgroupBroadcast(u0_2, 6u);
        let w22_1 = subgroupBroadcast(u1_2, 6u);
        let w22_2 = subgroupBroadcast(u2_2, 6u);
        let w22_3 = subgroupBroadcast(u3_2, 6u);
        a22_0 += w22_0 * v0_0 + w22_1 * v1_0 + w22_2 * v2_0 + w22_3 * v3_0;
        a22_1 += w22_0 * v0_1 + w22_1 * v1_1 + w22_2 * v2_1 + w22_3 * v3_1;
        let w23_0 = subgroupBroadcast(u0_2, 7u);
        let w23_1 = subgroupBroadcast(u1_2, 7u);
        let w23_2 = subgroupBroadcast(u2_2, 7u);
        let w23_3 = subgroupBroadcast(u3_2, 7u);
        a23_0 += w23_0 * v0_0 + w23_1 * v1_0 + w23_2 * v2_0 + w23_3 * v3_0;
        a23_1 += w23_0 * v0_1 + w23_1 * v1_1 + w23_2 * v2_1 + w23_3 * v3_1;
        let w24_0 = subgroupBroadcast(u0_3, 0u);
        let w24_1 = subgroupBroadcast(u1_3, 0u);
        let w24_2 = subgroupBroadcast(u2_3, 0u);
        let w24_3 = subgroupBroadcast(u3_3, 0u);
        a24_0 += w24_0 * v0_0 + w24_1 * v1_0 + w24_2 * v2_0 + w24_3 * v3_0;
        a24_1 += w24_0 * v0_1 + w24_1 * v1_1 + w24_2 * v2_1 + w24_3 * v3_1;
        let w25_0 = subgroupBroadcast(u0_3, 1u);
        let w25_1 = subgroupBroadcast(u1_3, 1u);
        let w25_2 = subgroupBroadcast(u2_3, 1u);
        let w25_3 = subgroupBroadcast(u3_3, 1u);
        a25_0 += w25_0 * v0_0 + w25_1 * v1_0 + w25_2 * v2_0 + w25_3 * v3_0;
        a25_1 += w25_0 * v0_1 + w25_1 * v1_1 + w25_2 * v2_1 + w25_3 * v3_1;
        let w26_0 = subgroupBroadcast(u0_3, 2u);
        let w26_1 = subgroupBroadcast(u1_3, 2u);
        let w26_2 = subgroupBroadcast(u2_3, 2u);
        let w26_3 = subgroupBroadcast(u3_3, 2u);
        a26_0 += w26_0 * v0_0 + w26_1 * v1_0 + w26_2 * v2_0 + w26_3 * v3_0;
        a26_1 += w26_0 * v0_1 + w26_1 * v1_1 + w26_2 * v2_1 + w26_3 * v3_1;
        let w27_0 = subgroupBroadcast(u0_3, 3u);
        let w27_1 = subgroupBroadcast(u1_3, 3u);
        let w27_2 = subgroupBroadcast(u2_3, 3u);
        let w27_3 = subgroupBroadcast(u3_3, 3u);
        a27_0 += w27_0 * v0_0 + w27_1 * v1_0 + w27_2 * v2_0 + w27_3 * v3_0;
        a27_1 += w27_0 * v0_1 + w27_1 * v1_1 + w27_2 * v2_1 + w27_3 * v3_1;
        let w28_0 = subgroupBroadcast(u0_3, 4u);
        let w28_1 = subgroupBroadcast(u1_3, 4u);
        let w28_2 = subgroupBroadcast(u2_3, 4u);
        let w28_3 = subgroupBroadcast(u3_3, 4u);
        a28_0 += w28_0 * v0_0 + w28_1 * v1_0 + w28_2 * v2_0 + w28_3 * v3_0;
        a28_1 += w28_0 * v0_1 + w28_1 * v1_1 + w28_2 * v2_1 + w28_3 * v3_1;
        let w29_0 = subgroupBroadcast(u0_3, 5u);
        let w29_1 = subgroupBroadcast(u1_3, 5u);
        let w29_2 = subgroupBroadcast(u2_3, 5u);
        let w29_3 = subgroupBroadcast(u3_3, 5u);
        a29_0 += w29_0 * v0_0 + w29_1 * v1_0 + w29_2 * v2_0 + w29_3 * v3_0;
        a29_1 += w29_0 * v0_1 + w29_1 * v1_1 + w29_2 * v2_1 + w29_3 * v3_1;
        let w30_0 = subgroupBroadcast(u0_3, 6u);
        let w30_1 = subgroupBroadcast(u1_3, 6u);
        let w30_2 = subgroupBroadcast(u2_3, 6u);
        let w30_3 = subgroupBroadcast(u3_3, 6u);
        a30_0 += w30_0 * v0_0 + w30_1 * v1_0 + w30_2 * v2_0 + w30_3 * v3_0;
        a30_1 += w30_0 * v0_1 + w30_1 * v1_1 + w30_2 * v2_1 + w30_3 * v3_1;
        let w31_0 = subgroupBroadcast(u0_3, 7u);
        let w31_1 = subgroupBroadcast(u1_3, 7u);
        let w31_2 = subgroupBroadcast(u2_3, 7u);
        let w31_3 = subgroupBroadcast(u3_3, 7u);
        a31_0 += w31_0 * v0_0 + w31_1 * v1_0 + w31_2 * v2_0 + w31_3 * v3_0;
        a31_1 += w31_0 * v0_1 + w31_1 * v1_1 + w31_2 * v2_1 + w31_3 * v3_1;
    }
    store_product(xi, ob * 32u + 0u, q0 + 0u, a0_0);
    store_product(xi, ob * 32u + 0u, q0 + 1u, a0_1);
    store_product(xi, ob * 32u + 1u, q0 + 0u, a1_0);
    store_product(xi, ob * 32u + 1u, q0 + 1u, a1_1);
    store_product(xi, ob * 32u + 2u, q0 + 0u, a2_0);
    store_product(xi, ob * 32u + 2u, q0 + 1u, a2_1);
    store_product(xi, ob * 32u + 3u, q0 + 0u, a3_0);
    store_product(xi, ob * 32u + 3u, q0 + 1u, a3_1);
    store_product(xi, ob * 32u + 4u, q0 + 0u, a4_0);
    store_product(xi, ob * 32u + 4u, q0 + 1u, a4_1);
    store_product(xi, ob * 32u + 5u, q0 + 0u, a5_0);
    store_product(xi, ob * 32u + 5u, q0 + 1u, a5_1);
    store_product(xi, ob * 32u + 6u, q0 + 0u, a6_0);
    store_product(xi, ob * 32u + 6u, q0 + 1u, a6_1);
    store_product(xi, ob * 32u + 7u, q0 + 0u, a7_0);
    store_product(xi, ob * 32u + 7u, q0 + 1u, a7_1);
    store_product(xi, ob * 32u + 8u, q0 + 0u, a8_0);
    store_product(xi, ob * 32u + 8u, q0 + 1u, a8_1);
    store_product(xi, ob * 32u + 9u, q0 + 0u, a9_0);
    store_product(xi, ob * 32u + 9u, q0 + 1u, a9_1);
    store_product(xi, ob * 32u + 10u, q0 + 0u, a10_0);
    store_product(xi, ob * 32u + 10u, q0 + 1u, a10_1);
    store_product(xi, ob * 32u + 11u, q0 + 0u, a11_0);
    store_product(xi, ob * 32u + 11u, q0 + 1u, a11_1);
    store_product(xi, ob * 32u + 12u, q0 + 0u, a12_0);
    store_product(xi, ob * 32u + 12u, q0 + 1u, a12_1);
    store_product(xi, ob * 32u + 13u, q0 + 0u, a13_0);
    store_product(xi, ob * 32u + 13u, q0 + 1u, a13_1);
    store_product(xi, ob * 32u + 14u, q0 + 0u, a14_0);
    store_product(xi, ob * 32u + 14u, q0 + 1u, a14_1);
    store_product(xi, ob * 32u + 15u, q0 + 0u, a15_0);
    store_product(xi, ob * 32u + 15u, q0 + 1u, a15_1);
    store_product(xi, ob * 32u + 16u, q0 + 0u, a16_0);
    store_product(xi, ob * 32u + 16u, q0 + 1u, a16_1);
    store_product(xi, ob * 32u + 17u, q0 + 0u, a17_0);
    store_product(xi, ob * 32u + 17u, q0 + 1u, a17_1);
    store_product(xi, ob * 32u + 18u, q0 + 0u, a18_0);
    store_product(xi, ob * 32u + 18u, q0 + 1u, a18_1);
    store_product(xi, ob * 32u + 19u, q0 + 0u, a19_0);
    store_product(xi, ob * 32u + 19u, q0 + 1u, a19_1);
    store_product(xi, ob * 32u + 20u, q0 + 0u, a20_0);
    store_product(xi, ob * 32u + 20u, q0 + 1u, a20_1);
    store_product(xi, ob * 32u + 21u, q0 + 0u, a21_0);
    store_product(xi, ob * 32u + 21u, q0 + 1u, a21_1);
    store_product(xi, ob * 32u + 22u, q0 + 0u, a22_0);
    store_product(xi, ob * 32u + 22u, q0 + 1u, a22_1);
    store_product(xi, ob * 32u + 23u, q0 + 0u, a23_0);
    store_product(xi, ob * 32u + 23u, q0 + 1u, a23_1);
    store_product(xi, ob * 32u + 24u, q0 + 0u, a24_0);
    store_product(xi, ob * 32u + 24u, q0 + 1u, a24_1);
    store_product(xi, ob * 32u + 25u, q0 + 0u, a25_0);
    store_product(xi, ob * 32u + 25u, q0 + 1u, a25_1);
    store_product(xi, ob * 32u + 26u, q0 + 0u, a26_0);
    store_product(xi, ob * 32u + 26u, q0 + 1u, a26_1);
    store_product(xi, ob * 32u + 27u, q0 + 0u, a27_0);
    store_product(xi, ob * 32u + 27u, q0 + 1u, a27_1);
    store_product(xi, ob * 32u + 28u, q0 + 0u, a28_0);
    store_product(xi, ob * 32u + 28u, q0 + 1u, a28_1);
    store_product(xi, ob * 32u + 29u, q0 + 0u, a29_0);
    store_product(xi, ob * 32u + 29u, q0 + 1u, a29_1);
    store_product(xi, ob * 32u + 30u, q0 + 0u, a30_0);
    store_product(xi, ob * 32u + 30u, q0 + 1u, a30_1);
    store_product(xi, ob * 32u + 31u, q0 + 0u, a31_0);
    store_product(xi, ob * 32u + 31u, q0 + 1u, a31_1);
}

// ---------------------------------------------------------------------------------------------
// y = Aᵀ M A, Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], for the 4 tiles of a quad at once, plus the
// bias, then the ReLU when fused. One invocation per (o, quad).
@compute @workgroup_size(64)
fn winograd_output(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let k = linear(wid, nwg, lid);
    if (k >= p.o_ch * p.quads) {
        return;
    }
    let o = k / p.quads;
    let q = k % p.quads;
    let plane = p.o_ch * p.quads;
    var m: array<vec4<f32>, 16>;
    for (var xi = 0u; xi < 16u; xi++) {
        m[xi] = v4[xi * plane + k];
    }
    // Rows of Aᵀ M.
    var s: array<array<vec4<f32>, 4>, 2>;
    for (var b = 0u; b < 4u; b++) {
        s[0][b] = m[b] + m[4u + b] + m[8u + b];
        s[1][b] = m[4u + b] - m[8u + b] - m[12u + b];
    }
    let bias = select(0.0, src[o], p.has_bias == 1u);
    let per_image = p.tiles_h * p.quads_w;
    let n = p.first + q / per_image;
    let ty = (q / p.quads_w) % p.tiles_h;
    let qx = q % p.quads_w;
    let out = (n * p.o_ch + o) * p.h * p.w;
    for (var r = 0u; r < 2u; r++) {
        let row = ty * 2u + r;
        if (row >= p.h) {
            break;
        }
        let x = s[r];
        var y0 = x[0] + x[1] + x[2] + bias; // column 0 of each tile
        var y1 = x[1] - x[2] - x[3] + bias; // column 1
        if (p.relu == 1u) {
            // torch.relu's semantics (−0.0 and NaN pass through), as conv2d_subgroup.wgsl's store.
            y0 = select(y0, vec4<f32>(0.0), y0 < vec4<f32>(0.0));
            y1 = select(y1, vec4<f32>(0.0), y1 < vec4<f32>(0.0));
        }
        let rbase = out + row * p.w;
        for (var j = 0u; j < 4u; j++) {
            let c = (qx * 4u + j) * 2u;
            if (c < p.w) {
                dst[rbase + c] = y0[j];
            }
            if (c + 1u < p.w) {
                dst[rbase + c + 1u] = y1[j];
            }
        }
    }
}
