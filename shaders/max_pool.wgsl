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
//
// One workgroup per row (of the pooled or of the full-resolution tensor, whichever the pass
// writes); its invocations stride along the row. Plane and row come from the workgroup id, so no
// invocation divides per element (integer division is scalarised on CPU drivers).

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

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// (plane, row) of a workgroup that owns one row of a tensor with `rows` rows per plane.
fn plane_row(wid: vec3<u32>, nwg: vec3<u32>, rows: u32) -> vec2<u32> {
    let g = wid.x + wid.y * nwg.x;
    return vec2<u32>(g / rows, g % rows);
}

// Pooled row i of plane `plane`: y and index for every column j.
@compute @workgroup_size(64)
fn max_pool2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.oh);
    if (pr.x >= p.n * p.c) {
        return;
    }
    let base = pr.x * p.h * p.w;
    let top = (2u * pr.y) * p.w;
    let out = (pr.x * p.oh + pr.y) * p.ow;
    for (var j = lid; j < p.ow; j += WG) {
        var best_idx = top + 2u * j;
        var best = src[base + best_idx];
        for (var k = 1u; k < 4u; k++) {
            let idx = top + (k / 2u) * p.w + 2u * j + k % 2u;
            let v = src[base + idx];
            if (v > best) {
                best = v;
                best_idx = idx;
            }
        }
        dst[out + j] = best;
        indices[out + j] = best_idx;
    }
}

// For full-resolution row `row` of plane `plane`: at each column, the pooled value src[plane,
// row/2, col/2] if that window's index points at (row, col), else 0. This one gather is both the
// pool backward (src = dy of the pooled output) and the unpool forward (src = pooled values).
fn gather_row(plane: u32, row: u32, lid: u32) {
    let out = (plane * p.h + row) * p.w;
    let pooled_row = row / 2u < p.oh;
    let prow = (plane * p.oh + min(row / 2u, p.oh - 1u)) * p.ow;
    for (var col = lid; col < p.w; col += WG) {
        var v = 0.0;
        if (pooled_row && col / 2u < p.ow) {
            let o = prow + col / 2u;
            if (indices[o] == row * p.w + col) {
                v = src[o];
            }
        }
        dst[out + col] = v;
    }
}

// dx[n, c, h, w] = dy[n, c, h/2, w/2] if that window chose (h, w), else 0.
@compute @workgroup_size(64)
fn max_pool2d_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.h);
    if (pr.x < p.n * p.c) {
        gather_row(pr.x, pr.y, lid);
    }
}

// Unpool: y[n, c, h, w] = x[n, c, h/2, w/2] if that window's index is (h, w), else 0; y has the
// full resolution (h, w) recorded by the pooling layer.
@compute @workgroup_size(64)
fn max_unpool2d_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.h);
    if (pr.x < p.n * p.c) {
        gather_row(pr.x, pr.y, lid);
    }
}

// Unpool backward: dx[n, c, i, j] = dy[n, c, index[n, c, i, j]].
@compute @workgroup_size(64)
fn max_unpool2d_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.oh);
    if (pr.x >= p.n * p.c) {
        return;
    }
    let base = pr.x * p.h * p.w;
    let out = (pr.x * p.oh + pr.y) * p.ow;
    for (var j = lid; j < p.ow; j += WG) {
        dst[out + j] = src[base + min(indices[out + j], p.h * p.w - 1u)];
    }
}
