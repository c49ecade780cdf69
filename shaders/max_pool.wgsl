// Max-pooling 2×2, stride 2, with indices, and max-unpooling by those indices (SegNet).
//
// Conventions (PyTorch's max_pool2d(return_indices=True) / max_unpool2d):
//   * output size floor(H/2) × floor(W/2): an odd trailing row / column is dropped;
//   * index = h·W + w of the chosen input element within its (n, c) plane;
//   * ties: the first maximum in window order (0,0), (0,1), (1,0), (1,1) wins (strict `>`), which
//     matters because lung-masked CT is exactly 0 outside the lungs.
// Backward passes are gathers — each invocation owns one output element — so there are no float
// atomics and results are deterministic. Unpooling therefore assumes each index lies inside its
// own 2×2 window, which max_pool2d_forward guarantees.

struct Params {
    n: u32,
    c: u32,
    h: u32,  // full-resolution height (pool input / unpool output)
    w: u32,  // full-resolution width
    oh: u32, // pooled height = h / 2
    ow: u32, // pooled width = w / 2
    _pad0: u32,
    _pad1: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

fn flat(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.x + wid.y * nwg.x) * WG + lid;
}

// Pooled element o = ((n·C + c)·oh + i)·ow + j → y, index.
@compute @workgroup_size(256)
fn max_pool2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
    let o = flat(wid, nwg, lid);
    if (o >= p.n * p.c * p.oh * p.ow) {
        return;
    }
    let j = o % p.ow;
    let i = (o / p.ow) % p.oh;
    let plane = o / (p.oh * p.ow);
    let base = plane * p.h * p.w;
    var best_idx = (2u * i) * p.w + 2u * j;
    var best = src[base + best_idx];
    for (var k = 1u; k < 4u; k++) {
        let idx = (2u * i + k / 2u) * p.w + 2u * j + k % 2u;
        let v = src[base + idx];
        if (v > best) {
            best = v;
            best_idx = idx;
        }
    }
    dst[o] = best;
    indices[o] = best_idx;
}

// For full-resolution element e = ((n·C + c)·h + row)·w + col: the pooled value src[n, c, row/2,
// col/2] if that window's index points at (row, col), else 0. This one gather is both the pool
// backward (src = dy of the pooled output) and the unpool forward (src = pooled values).
fn gather_window(e: u32) -> f32 {
    let col = e % p.w;
    let row = (e / p.w) % p.h;
    let plane = e / (p.h * p.w);
    if (row / 2u < p.oh && col / 2u < p.ow) {
        let o = (plane * p.oh + row / 2u) * p.ow + col / 2u;
        if (indices[o] == row * p.w + col) {
            return src[o];
        }
    }
    return 0.0;
}

// dx[n, c, h, w] = dy[n, c, h/2, w/2] if that window chose (h, w), else 0.
@compute @workgroup_size(256)
fn max_pool2d_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
    let e = flat(wid, nwg, lid);
    if (e < p.n * p.c * p.h * p.w) {
        dst[e] = gather_window(e);
    }
}

// Unpool: y[n, c, h, w] = x[n, c, h/2, w/2] if that window's index is (h, w), else 0; y has the
// full resolution (h, w) recorded by the pooling layer.
@compute @workgroup_size(256)
fn max_unpool2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let e = flat(wid, nwg, lid);
    if (e < p.n * p.c * p.h * p.w) {
        dst[e] = gather_window(e);
    }
}

// Unpool backward: dx[n, c, i, j] = dy[n, c, index[n, c, i, j]].
@compute @workgroup_size(256)
fn max_unpool2d_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
    let o = flat(wid, nwg, lid);
    if (o >= p.n * p.c * p.oh * p.ow) {
        return;
    }
    let plane = o / (p.oh * p.ow);
    dst[o] = src[plane * p.h * p.w + min(indices[o], p.h * p.w - 1u)];
}
