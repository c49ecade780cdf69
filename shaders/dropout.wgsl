// Inverted dropout with a counter-based random stream: element i is kept when
// hash(i, seed) ≥ threshold, where threshold = round(p · 2³²), and kept values are scaled by
// 1 / (1 − p). The mask is never stored: the backward pass recomputes it from (i, seed), so
// forward and backward agree bit for bit and no mask buffer is needed.
//
// hash: PCG-RXS-M-XS 32 (O'Neill 2014) applied as pcg(i + pcg(seed_lo ^ pcg(seed_hi))). The same
// function is in src/reference/dropout.rs.

struct Params {
    len: u32,
    seed_lo: u32,
    seed_hi: u32,
    threshold: u32,
    scale: f32,
    first: u32, // index of element 0 of this binding in the whole tensor (a chunk of a tensor
                // past the binding limit keeps the whole tensor's mask)
    _pad1: u32,
    _pad2: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
// vec4 views for the `*4` entry points (len % 4 == 0): one memory access per 4 values on CPU
// drivers; the mask of each element is the same function of its index.
@group(0) @binding(1) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst4: array<vec4<f32>>;

fn pcg(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn kept_scale(i: u32) -> f32 {
    let r = pcg(i + pcg(p.seed_lo ^ pcg(p.seed_hi)));
    return select(0.0, p.scale, r >= p.threshold);
}

// y = x · mask(i) / (1 − p)
@compute @workgroup_size(256)
fn dropout_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i < p.len) {
        dst[i] = src[i] * kept_scale(p.first + i);
    }
}

// dx = dy · mask(i) / (1 − p), the same mask as the forward pass with the same seed.
@compute @workgroup_size(256)
fn dropout_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i < p.len) {
        dst[i] = src[i] * kept_scale(p.first + i);
    }
}

fn kept_scale4(i4: u32) -> vec4<f32> {
    let i = p.first + 4u * i4;
    return vec4<f32>(kept_scale(i), kept_scale(i + 1u), kept_scale(i + 2u), kept_scale(i + 3u));
}

@compute @workgroup_size(256)
fn dropout_forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i < p.len / 4u) {
        dst4[i] = src4[i] * kept_scale4(i);
    }
}

@compute @workgroup_size(256)
fn dropout_backward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i < p.len / 4u) {
        dst4[i] = src4[i] * kept_scale4(i);
    }
}
