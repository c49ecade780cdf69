// Per-channel sum of an NCHW tensor: out[c] = Σ_n Σ_h Σ_w x[n, c, h, w].
// The bias gradient of conv2d and conv_transpose2d (dbias = Σ dy over N, H, W).
//
// One workgroup per channel; its 256 invocations stride over the N·H·W values (any count, far
// past 65,536) and combine with a tree in workgroup memory. No float atomics, so the result is
// deterministic.

struct Params {
    n: u32,
    c: u32,
    plane: u32, // H·W
    _pad: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> tree: array<f32, 256>;

@compute @workgroup_size(256)
fn sum_per_channel(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let c = wid.x + wid.y * nwg.x;
    let in_range = c < p.c;
    let count = select(0u, p.n * p.plane, in_range);
    var s = 0.0;
    for (var i = lid; i < count; i += WG) {
        let n = i / p.plane;
        s += x[(n * p.c + c) * p.plane + i % p.plane];
    }
    tree[lid] = s;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) {
            tree[lid] += tree[lid + stride];
        }
        workgroupBarrier();
    }
    if (in_range && lid == 0u) {
        out[c] = tree[0];
    }
}
