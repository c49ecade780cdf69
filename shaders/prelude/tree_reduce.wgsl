// Prelude `tree_reduce`, concatenated in front of the shaders whose first line names it (batch
// norm, cross-entropy); validated by naga (tests/shaders.rs) and Tint (tests/tint.rs) as part of
// each. A workgroup of TREE = 256 invocations sums two values each into tree_a[0], tree_b[0].

const TREE: u32 = 256u;

var<workgroup> tree_a: array<f32, 256>;
var<workgroup> tree_b: array<f32, 256>;

// Sums tree_a and tree_b over the workgroup in a fixed pairwise order; the totals end in element 0.
// Every invocation of the workgroup calls it (it holds barriers).
fn reduce_pair(lid: u32) {
    workgroupBarrier();
    for (var stride = TREE / 2u; stride > 0u; stride /= 2u) {
        if (lid < stride) {
            tree_a[lid] += tree_a[lid + stride];
            tree_b[lid] += tree_b[lid + stride];
        }
        workgroupBarrier();
    }
}

