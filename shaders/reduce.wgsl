// Sums without float atomics, so every result is deterministic (bit-identical reruns).
//
// sum_per_channel: out[c] = Σ_n Σ_h Σ_w x[n, c, h, w] — the bias gradient of conv2d and
//   conv_transpose2d (dbias = Σ dy over N, H, W). The N·H·W values of a channel are cut into
//   `splits` chunks of `chunk` values; one workgroup per (channel, chunk) strides over its chunk
//   with 256 invocations and combines them with a tree in workgroup memory. With splits > 1 the
//   result is out[split · C + c], one partial per chunk, added up by sum_splits.
// sum_per_channel4_lanes (CPU layouts, H·W % 4 == 0): as sum_per_channel4 with workgroups of 8
//   and no barrier — every invocation writes its own partial, out[(split · 8 + lane) · C + c],
//   and sum_splits adds the 8 · splits partials. On CPU drivers a barrier switches every
//   invocation's coroutine and workgroup memory is slow: the tree made this pass run at ~1 GB/s.
// sum_splits: out[i] = Σ_{s < splits} x[s · len + i], in the order s = 0, 1, … — the second pass of
//   every split reduction (weight gradients, bias sums, split-K convolutions), then the ReLU when
//   `relu` is 1 (a split conv + ReLU: the ReLU needs the whole sum); `sum_splits_masked` keeps
//   the total only where `mask` is > 0 (a split backward-input pass that applies the backward of
//   the ReLU which produced the layer's input).

struct Params {
    n: u32,
    c: u32,
    plane: u32,  // H·W
    splits: u32, // sum_per_channel: chunks per channel; sum_splits: partials to add
    chunk: u32,  // sum_per_channel: values per chunk
    len: u32,    // sum_splits: elements of one partial (and of out)
    relu: u32,   // sum_splits: 1 = ReLU on the total (torch.relu's semantics)
    _pad1: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<f32>;
// vec4 view of x for `sum_per_channel4` (H·W % 4 == 0; `chunk` then counts vectors): a quarter of
// the memory accesses and index divisions on CPU drivers. (WGSL lets two entry points bind
// different variables at one binding; none uses both.)
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;

var<workgroup> tree: array<f32, 256>;

// The workgroup's sum of each invocation's `v`, by a pairwise tree in a fixed order (the same
// for every run); call from workgroup-uniform control flow.
fn tree_sum(lid: u32, v: f32) -> f32 {
    tree[lid] = v;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) {
            tree[lid] += tree[lid + stride];
        }
        workgroupBarrier();
    }
    return tree[0];
}

@compute @workgroup_size(256)
fn sum_per_channel(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    let in_range = split < p.splits; // uniform per workgroup: the barriers below stay uniform
    let first = split * p.chunk;
    let last = select(first, min(first + p.chunk, p.n * p.plane), in_range);
    var s = 0.0;
    for (var i = first + lid; i < last; i += WG) {
        let n = i / p.plane;
        s += x[(n * p.c + c) * p.plane + i % p.plane];
    }
    let total = tree_sum(lid, s);
    if (in_range && lid == 0u) {
        out[split * p.c + c] = total;
    }
}

// Element i of the partials added in split order 0, 1, … (the fixed order that makes reruns
// bit-identical).
fn split_total(i: u32) -> f32 {
    var total = 0.0;
    for (var s = 0u; s < p.splits; s++) {
        total += x[s * p.len + i];
    }
    return total;
}

@compute @workgroup_size(256)
fn sum_splits(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= p.len) {
        return;
    }
    let total = split_total(i);
    // As the convolutions' fused ReLU store: −0.0 and NaN pass through.
    out[i] = select(total, select(total, 0.0, total < 0.0), p.relu == 1u);
}

// sum_splits, then ReLU's backward with `mask` (the ReLU's output): the total where mask > 0, else 0.
@compute @workgroup_size(256)
fn sum_splits_masked(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= p.len) {
        return;
    }
    out[i] = select(0.0, split_total(i), mask[i] > 0.0);
}

@compute @workgroup_size(256)
fn sum_per_channel4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    let in_range = split < p.splits; // uniform per workgroup: the barriers below stay uniform
    let plane4 = p.plane / 4u;
    let first = split * p.chunk;
    let last = select(first, min(first + p.chunk, p.n * plane4), in_range);
    var s = vec4<f32>(0.0);
    for (var i = first + lid; i < last; i += WG) {
        let n = i / plane4;
        s += x4[(n * p.c + c) * plane4 + i % plane4];
    }
    let total = tree_sum(lid, (s.x + s.y) + (s.z + s.w));
    if (in_range && lid == 0u) {
        out[split * p.c + c] = total;
    }
}

const LANES: u32 = 8u;

@compute @workgroup_size(8)
fn sum_per_channel4_lanes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                          @builtin(local_invocation_index) lid: u32) {
    let g = wid.x + wid.y * nwg.x;
    let c = g % p.c;
    let split = g / p.c;
    if (split >= p.splits) {
        return;
    }
    let plane4 = p.plane / 4u;
    let first = split * p.chunk;
    let last = min(first + p.chunk, p.n * plane4);
    var s = vec4<f32>(0.0);
    for (var i = first + lid; i < last; i += LANES) {
        let n = i / plane4;
        s += x4[(n * p.c + c) * plane4 + i % plane4];
    }
    out[(split * LANES + lid) * p.c + c] = (s.x + s.y) + (s.z + s.w);
}
