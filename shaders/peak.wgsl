// The arithmetic ceiling: chains of multiply-adds, x ← x·a + b, with no memory traffic inside
// the loop. `lungseg bench` times it beside the real kernels (row `peak_multiply_add`), so that
// their GFLOP/s read as a share of what this adapter's arithmetic can do at all; selftest checks
// the chains against the closed form.
//
// Each invocation runs 16 independent chains (four vec4): on a CPU driver that is 16 of the 8-wide
// vector registers — enough chains in flight to hide the latency of a multiply followed by an add —
// and on a GPU 16 registers a thread, with thousands of threads to hide it. `x·a + b` is written as
// a multiply and an add, as every other kernel's arithmetic is; a driver may fuse them (lavapipe
// does not, see README "Training speed").

struct Params {
    len: u32,   // invocations (16 values each)
    iters: u32, // multiply-adds per chain
    a: f32,
    b: f32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(64)
fn peak_multiply_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    // Invocations past the end compute on the last one's values and store nothing: the loop stays
    // free of masked control flow.
    let j = min(i, p.len - 1u) * 4u;
    var x0 = src[j];
    var x1 = src[j + 1u];
    var x2 = src[j + 2u];
    var x3 = src[j + 3u];
    let a = p.a;
    let b = p.b;
    // Eight steps per trip through the loop, through `let`s: on CPU drivers every assignment to a
    // `var` inside a loop is a masked (blended) store, and the trip's exit test a reduction over
    // the lanes — at one step per trip those, not the arithmetic, set the rate.
    for (var k = 0u; k < p.iters / 8u; k++) {
        let y0 = x0 * a + b; let y1 = x1 * a + b; let y2 = x2 * a + b; let y3 = x3 * a + b;
        let z0 = y0 * a + b; let z1 = y1 * a + b; let z2 = y2 * a + b; let z3 = y3 * a + b;
        let u0 = z0 * a + b; let u1 = z1 * a + b; let u2 = z2 * a + b; let u3 = z3 * a + b;
        let v0 = u0 * a + b; let v1 = u1 * a + b; let v2 = u2 * a + b; let v3 = u3 * a + b;
        let s0 = v0 * a + b; let s1 = v1 * a + b; let s2 = v2 * a + b; let s3 = v3 * a + b;
        let t0 = s0 * a + b; let t1 = s1 * a + b; let t2 = s2 * a + b; let t3 = s3 * a + b;
        let q0 = t0 * a + b; let q1 = t1 * a + b; let q2 = t2 * a + b; let q3 = t3 * a + b;
        x0 = q0 * a + b; x1 = q1 * a + b; x2 = q2 * a + b; x3 = q3 * a + b;
    }
    for (var k = p.iters / 8u * 8u; k < p.iters; k++) {
        x0 = x0 * a + b;
        x1 = x1 * a + b;
        x2 = x2 * a + b;
        x3 = x3 * a + b;
    }
    if (i < p.len) {
        dst[j] = x0;
        dst[j + 1u] = x1;
        dst[j + 2u] = x2;
        dst[j + 3u] = x3;
    }
}
