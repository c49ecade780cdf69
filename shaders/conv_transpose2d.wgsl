// Transposed convolution, kernel 2×2, stride 2 (U-Net's up-convolution), with bias.
// x (N, C_in, H, W) → y (N, C_out, 2H, 2W); weight (C_in, C_out, 2, 2) as PyTorch's
// ConvTranspose2d. Each output pixel receives exactly one tap:
//   y[n, o, 2i+a, 2j+b] = bias[o] + Σ_c x[n, c, i, j] · weight[c, o, a, b]
// The weight buffer is read as vec4s: weight4[c·C_out + o] = (w[..,0,0], w[..,0,1], w[..,1,0], w[..,1,1]).
//
// Blocking: an invocation handles 4 adjacent input pixels of one row × 4 channels of the block
// chosen by its workgroup.

struct Params {
    n: u32,
    c_in: u32,
    c_out: u32,
    h: u32,        // input height (output is 2h)
    w: u32,        // input width (output is 2w)
    w_blocks: u32, // ceil(w / PX)
    blocks: u32,   // channel blocks of the written tensor: ceil(C / CB)
    tiles: u32,    // ceil(h · w_blocks / WG)
    has_bias: u32,
    c_blocks: u32, // backward-weight: ceil(c_in / CB)
    splits: u32,   // backward-weight: chunks of the N·H·W reduction; forward / backward-input:
                   // chunks of the read channels (split-K); one partial sum each
    chunk: u32,    // backward-weight: reduction items per chunk; else read channels per chunk
}

const WG: u32 = 64u;
const CB: u32 = 4u;
const PX: u32 = 4u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

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

// x[n, c, i, j0 .. j0+3] (0 past the row end).
fn x_row4(n: u32, c: u32, i: u32, j0: u32, valid: bool) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    let base = ((n * p.c_in + c) * p.h + i) * p.w;
    for (var k = 0u; k < PX; k++) {
        if (valid && j0 + k < p.w) {
            v[k] = x[base + j0 + k];
        }
    }
    return v;
}

// dy[n, o, 2i+a, 2(j0+k)+b] for k = 0..3 (0 past the row end).
fn dy_row4(n: u32, o: u32, i: u32, j0: u32, a: u32, b: u32, valid: bool) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    let base = ((n * p.c_out + o) * 2u * p.h + 2u * i + a) * 2u * p.w;
    for (var k = 0u; k < PX; k++) {
        if (valid && j0 + k < p.w) {
            v[k] = dy[base + 2u * (j0 + k) + b];
        }
    }
    return v;
}

@compute @workgroup_size(64)
fn conv_transpose2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                            @builtin(local_invocation_index) lid: u32) {
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_in);
    let n_out = split * p.n + b.n;
    if (!b.valid) {
        return;
    }
    // acc[o·4 + tap]: 4 pixels of output channel cb·4+o at tap (a, b) = (tap/2, tap%2).
    var acc: array<vec4<f32>, 16>;
    for (var o = 0u; o < CB; o++) {
        let co = min(b.cb * CB + o, p.c_out - 1u);
        var bias_v = 0.0;
        if (p.has_bias == 1u && split == 0u) {
            bias_v = bias[co];
        }
        for (var t = 0u; t < 4u; t++) {
            acc[o * 4u + t] = vec4<f32>(bias_v);
        }
    }
    for (var c = first; c < last; c++) {
        let xv = x_row4(b.n, c, b.i, b.j0, true);
        for (var o = 0u; o < CB; o++) {
            let wv = weight4[c * p.c_out + min(b.cb * CB + o, p.c_out - 1u)];
            acc[o * 4u] += wv.x * xv;
            acc[o * 4u + 1u] += wv.y * xv;
            acc[o * 4u + 2u] += wv.z * xv;
            acc[o * 4u + 3u] += wv.w * xv;
        }
    }
    let ow = 2u * p.w;
    for (var o = 0u; o < CB; o++) {
        let co = b.cb * CB + o;
        if (co >= p.c_out) {
            break;
        }
        for (var t = 0u; t < 4u; t++) {
            let row = ((n_out * p.c_out + co) * 2u * p.h + 2u * b.i + t / 2u) * ow;
            for (var k = 0u; k < PX; k++) {
                if (b.j0 + k < p.w) {
                    dst[row + 2u * (b.j0 + k) + t % 2u] = acc[o * 4u + t][k];
                }
            }
        }
    }
}

// dx[n, c, i, j] = Σ_o Σ_{a,b} weight[c, o, a, b] · dy[n, o, 2i+a, 2j+b]
@compute @workgroup_size(64)
fn conv_transpose2d_backward_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(local_invocation_index) lid: u32) {
    let b = block_of(wid, nwg, lid);
    let split = split_of(wid, nwg);
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.c_out);
    let n_out = split * p.n + b.n;
    if (!b.valid) {
        return;
    }
    var acc: array<vec4<f32>, 4>;
    for (var k = 0u; k < CB; k++) {
        acc[k] = vec4<f32>(0.0);
    }
    for (var o = first; o < last; o++) {
        let d00 = dy_row4(b.n, o, b.i, b.j0, 0u, 0u, true);
        let d01 = dy_row4(b.n, o, b.i, b.j0, 0u, 1u, true);
        let d10 = dy_row4(b.n, o, b.i, b.j0, 1u, 0u, true);
        let d11 = dy_row4(b.n, o, b.i, b.j0, 1u, 1u, true);
        for (var k = 0u; k < CB; k++) {
            let c = min(b.cb * CB + k, p.c_in - 1u);
            let wv = weight4[c * p.c_out + o];
            acc[k] += wv.x * d00 + wv.y * d01 + wv.z * d10 + wv.w * d11;
        }
    }
    for (var k = 0u; k < CB; k++) {
        let c = b.cb * CB + k;
        if (c < p.c_in) {
            let row = ((n_out * p.c_in + c) * p.h + b.i) * p.w;
            for (var q = 0u; q < PX; q++) {
                if (b.j0 + q < p.w) {
                    dst[row + b.j0 + q] = acc[k][q];
                }
            }
        }
    }
}

// dw[c, o, a, b] = Σ_{n,i,j} x[n, c, i, j] · dy[n, o, 2i+a, 2j+b] (overwrites).
// One workgroup per (4 input channels, 4 output channels, split); its invocations stride over the
// split's (n, row, 4-pixel block) items and keep 4 × 4 × 4 partial sums, added up in workgroup
// memory in a fixed order.
var<workgroup> partial: array<f32, 2048>; // 64 invocations × 32 sums

@compute @workgroup_size(64)
fn conv_transpose2d_backward_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                    @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let cb = g % p.c_blocks;
    let rest = g / p.c_blocks;
    let ob = rest % p.blocks;
    let split = rest / p.blocks;
    let in_range = split < p.splits; // uniform per workgroup
    // acc[k·4 + o]: taps (00, 01, 10, 11) of weight[cb·4+k, ob·4+o].
    var acc: array<vec4<f32>, 16>;
    for (var s = 0u; s < 16u; s++) {
        acc[s] = vec4<f32>(0.0);
    }
    // Split-K: items [first, last) of the reduction; with splits > 1 dst holds one partial per
    // split, added in a fixed order by `sum_splits` (reduce.wgsl).
    let per_image = p.h * p.w_blocks;
    let first = split * p.chunk;
    let last = select(first, min(first + p.chunk, p.n * per_image), in_range);
    for (var item = first + lid; item < last; item += WG) {
        let n = item / per_image;
        let rem = item % per_image;
        let i = rem / p.w_blocks;
        let j0 = (rem % p.w_blocks) * PX;
        var xs: array<vec4<f32>, 4>;
        for (var k = 0u; k < CB; k++) {
            let c = cb * CB + k;
            xs[k] = x_row4(n, min(c, p.c_in - 1u), i, j0, c < p.c_in);
        }
        for (var o = 0u; o < CB; o++) {
            let co = ob * CB + o;
            let ok = co < p.c_out;
            let oc = min(co, p.c_out - 1u);
            let d00 = dy_row4(n, oc, i, j0, 0u, 0u, ok);
            let d01 = dy_row4(n, oc, i, j0, 0u, 1u, ok);
            let d10 = dy_row4(n, oc, i, j0, 1u, 0u, ok);
            let d11 = dy_row4(n, oc, i, j0, 1u, 1u, ok);
            for (var k = 0u; k < CB; k++) {
                acc[k * 4u + o] += vec4<f32>(dot(xs[k], d00), dot(xs[k], d01), dot(xs[k], d10), dot(xs[k], d11));
            }
        }
    }
    // The two halves of 32 sums are written out rather than looped over, so that no loop around
    // the barriers indexes `acc` with a run-time value. (The hot loop above and these staging
    // loops still index it by loop counters with constant bounds: registers depend on the driver
    // unrolling them; on the H200 this pass ran at 0.94 TFLOP/s before this change, 1.08 after.)
    for (var s = 0u; s < 8u; s++) {
        for (var t = 0u; t < 4u; t++) {
            partial[(s * 4u + t) * WG + lid] = acc[s][t];
        }
    }
    workgroupBarrier();
    store_weight_grad(in_range && lid < 32u, lid, cb, ob, split);
    workgroupBarrier();
    for (var s = 0u; s < 8u; s++) {
        for (var t = 0u; t < 4u; t++) {
            partial[(s * 4u + t) * WG + lid] = acc[8u + s][t];
        }
    }
    workgroupBarrier();
    store_weight_grad(in_range && lid < 32u, 32u + lid, cb, ob, split);
}

// Sum q of the weight gradient (acc[q / 4][q % 4]: input channel cb·4 + q / 16, output channel
// ob·4 + (q / 4) % 4, tap q % 4): the 64 partials staged in `partial` (at row q % 32) added in
// invocation order.
fn store_weight_grad(storing: bool, q: u32, cb: u32, ob: u32, split: u32) {
    if (!storing) {
        return;
    }
    var total = 0.0;
    for (var j = 0u; j < WG; j++) {
        total += partial[(q % 32u) * WG + j];
    }
    let s = q / 4u;
    let c = cb * CB + s / 4u;
    let o = ob * CB + s % 4u;
    if (c < p.c_in && o < p.c_out) {
        dst[((split * p.c_in + c) * p.c_out + o) * 4u + q % 4u] = total;
    }
}
