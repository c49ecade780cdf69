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
// Vector views of the same bindings for the `*4` entry points (W % 4 == 0, so a 4-pixel block of
// a full row and the 2 windows over it start on 16- and 8-byte boundaries): a quarter of the
// accesses, which is what these passes cost on CPU drivers. (WGSL lets two entry points bind
// different variables at one binding; none uses both.)
@group(0) @binding(1) var<storage, read> src2: array<vec2<f32>>;
@group(0) @binding(1) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> indices2: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> dst2: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst4: array<vec4<f32>>;

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

// max_pool2d_forward for W % 4 == 0: each invocation takes a 2 × 4 block of the full rows (two
// vector loads) and writes its 2 windows' maxima and indices, same window order and ties.
@compute @workgroup_size(64)
fn max_pool2d_forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.oh);
    if (pr.x >= p.n * p.c) {
        return;
    }
    let top = (2u * pr.y) * p.w;
    let base4 = (pr.x * p.h * p.w + top) / 4u;
    let out2 = ((pr.x * p.oh + pr.y) * p.ow) / 2u;
    for (var j = lid; j < p.ow / 2u; j += WG) {
        let a = src4[base4 + j];
        let b = src4[base4 + p.w / 4u + j];
        let left = window_max(vec4<f32>(a.x, a.y, b.x, b.y), top + 4u * j);
        let right = window_max(vec4<f32>(a.z, a.w, b.z, b.w), top + 4u * j + 2u);
        dst2[out2 + j] = vec2<f32>(left.best, right.best);
        indices2[out2 + j] = vec2<u32>(left.idx, right.idx);
    }
}

struct WindowMax {
    best: f32,
    idx: u32,
}

// The maximum of one window's values v (order (0,0), (0,1), (1,0), (1,1); the first maximum wins)
// and its index, given the index of its top-left value.
fn window_max(v: vec4<f32>, top_left: u32) -> WindowMax {
    var best = v.x;
    var idx = top_left;
    if (v.y > best) {
        best = v.y;
        idx = top_left + 1u;
    }
    if (v.z > best) {
        best = v.z;
        idx = top_left + p.w;
    }
    if (v.w > best) {
        best = v.w;
        idx = top_left + p.w + 1u;
    }
    return WindowMax(best, idx);
}

// gather_row for W % 4 == 0: each invocation writes 4 pixels (one vector) from the 2 windows
// over them (vector loads of their values and indices).
fn gather_row4(plane: u32, row: u32, lid: u32) {
    let out4 = ((plane * p.h + row) * p.w) / 4u;
    let keep = select(0.0, 1.0, row / 2u < p.oh);
    let prow2 = ((plane * p.oh + min(row / 2u, p.oh - 1u)) * p.ow) / 2u;
    let at = row * p.w;
    for (var j = lid; j < p.w / 4u; j += WG) {
        let idx = indices2[prow2 + j];
        let v = src2[prow2 + j] * keep;
        let c = at + 4u * j;
        dst4[out4 + j] = vec4<f32>(select(0.0, v.x, idx.x == c), select(0.0, v.x, idx.x == c + 1u),
                                   select(0.0, v.y, idx.y == c + 2u), select(0.0, v.y, idx.y == c + 3u));
    }
}

// max_pool2d_backward for W % 4 == 0 (gather_row4).
@compute @workgroup_size(64)
fn max_pool2d_backward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.h);
    if (pr.x < p.n * p.c) {
        gather_row4(pr.x, pr.y, lid);
    }
}

// max_unpool2d_forward for W % 4 == 0 (gather_row4).
@compute @workgroup_size(64)
fn max_unpool2d_forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
    let pr = plane_row(wid, nwg, p.h);
    if (pr.x < p.n * p.c) {
        gather_row4(pr.x, pr.y, lid);
    }
}
