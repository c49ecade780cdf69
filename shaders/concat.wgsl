// Channel concatenation for U-Net skips, as writes at a channel offset.
// A concatenation [a, b] → y of C_a + C_b channels is two concat_forward dispatches, one per part
// (offset 0 and offset C_a); its backward is one concat_backward per part, which reads that
// part's channels of dy. With `accumulate = 1` the backward adds into the part's gradient instead
// of overwriting it (a skip tensor also receives a gradient from the encoder path).

struct Params {
    n: u32,
    c_part: u32,  // channels of the part
    c_whole: u32, // channels of the concatenation
    offset: u32,  // first channel of the part inside the whole
    plane: u32,   // H·W
    accumulate: u32,
    _pad0: u32,
    _pad1: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
// vec4 views of the same bindings for the `*4` entry points, used when H·W is a multiple of 4 (as
// at every real layer): 4 values per invocation, one memory access per vector on CPU drivers.
// (WGSL lets two entry points bind different variables at one binding; none uses both.)
@group(0) @binding(1) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst4: array<vec4<f32>>;

// Index in the whole tensor of element e of the part.
fn whole_index(e: u32) -> u32 {
    let q = e % p.plane;
    let c = (e / p.plane) % p.c_part;
    let n = e / (p.plane * p.c_part);
    return (n * p.c_whole + p.offset + c) * p.plane + q;
}

// whole[:, offset .. offset + c_part] = part
@compute @workgroup_size(256)
fn concat_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * WG + lid;
    if (e < p.n * p.c_part * p.plane) {
        dst[whole_index(e)] = src[e];
    }
}

// dpart (=|+=) dwhole[:, offset .. offset + c_part]
@compute @workgroup_size(256)
fn concat_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let e = (wid.x + wid.y * nwg.x) * WG + lid;
    if (e < p.n * p.c_part * p.plane) {
        let g = src[whole_index(e)];
        if (p.accumulate == 1u) {
            dst[e] += g;
        } else {
            dst[e] = g;
        }
    }
}

// The same over vec4s: element e4 of the part (4·e4 .. 4·e4 + 3 stay in one plane when
// H·W % 4 == 0, so whole_index(4·e4) / 4 is the whole's vec4).
@compute @workgroup_size(256)
fn concat_forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
    let e4 = (wid.x + wid.y * nwg.x) * WG + lid;
    if (e4 < p.n * p.c_part * (p.plane / 4u)) {
        dst4[whole_index(e4 * 4u) / 4u] = src4[e4];
    }
}

@compute @workgroup_size(256)
fn concat_backward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
    let e4 = (wid.x + wid.y * nwg.x) * WG + lid;
    if (e4 < p.n * p.c_part * (p.plane / 4u)) {
        let g = src4[whole_index(e4 * 4u) / 4u];
        if (p.accumulate == 1u) {
            dst4[e4] += g;
        } else {
            dst4[e4] = g;
        }
    }
}
