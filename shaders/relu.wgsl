// ReLU with PyTorch's semantics, bit for bit. Forward y = 0 where x < 0, else x (so −0.0 stays
// −0.0 and NaN stays NaN, as torch.relu); backward dx = dy where x > 0, else 0 (the gradient at
// exactly 0 is 0, as in PyTorch). Element-wise over a flat tensor of `len` values.
// The `*4` entry points take 4 consecutive values per invocation through vec4 views of the same
// bindings (used when `len` is a multiple of 4, as at every real layer): a CPU driver such as
// lavapipe makes one memory access per invocation and vector, so they move ~4× fewer accesses.
// WGSL lets two entry points bind different variables at one binding; none uses both.

struct Params {
    len: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;

fn index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(256)
fn relu_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
    let i = index(wid, nwg, lid);
    if (i < p.len) {
        out[i] = select(x[i], 0.0, x[i] < 0.0);
    }
}

@compute @workgroup_size(256)
fn relu_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let i = index(wid, nwg, lid);
    if (i < p.len) {
        out[i] = select(0.0, dy[i], x[i] > 0.0);
    }
}

@compute @workgroup_size(256)
fn relu_forward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
    let i = index(wid, nwg, lid);
    if (i < p.len / 4u) {
        let v = x4[i];
        out4[i] = select(v, vec4<f32>(0.0), v < vec4<f32>(0.0));
    }
}

@compute @workgroup_size(256)
fn relu_backward4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) lid: u32) {
    let i = index(wid, nwg, lid);
    if (i < p.len / 4u) {
        out4[i] = select(vec4<f32>(0.0), dy4[i], x4[i] > vec4<f32>(0.0));
    }
}
