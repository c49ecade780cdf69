#!/usr/bin/env python3
"""Writes `conv_transpose2d_forward_subgroup16x2_aligned` (shaders/conv_transpose2d_subgroup.wgsl).

The `cpu` family's transposed-conv forward: per invocation 16 output channels × 4 taps × 2 input
rows × 4 pixels (128 vec4 sums), two input channels per loop trip. Written out on purpose:
`subgroupBroadcast` takes constant lanes, and the sums need constant indices to stay out of
memory on CPU drivers. Edit this script rather than the WGSL, then replace the function with its
output:

    python3 tools/gen_conv_transpose2d_forward16x2.py

Measured on lavapipe (2 cores, 2026-12-04, `lungseg bench --no-check --only
conv_transpose2d_forward --iters 7`, three alternating rounds, GFLOP/s) against the 32-channel,
one-row, one-channel-per-trip kernel it replaced (17.7–25.1): this one 31.7–35.7; the same with
one channel per trip 19.2–25.2, with four 24.3–25.9; 32 channels × 1 row with two channels per
trip 20.9–31.0; 16 channels × 1 row with two or four 26.4–32.1. Two rows halve the weight loads
and broadcasts per FMA; two channels per trip halve the read-modify-writes of the sums, which
live in memory on lavapipe (each trip adds w_c·x_c + w_c+1·x_c+1, so sums are reassociated in
pairs: a different rounding than the portable and `gpu` kernels, within the op's tolerance).
"""
OB = 16  # output channels per invocation (FORWARD_WIDE in src/kernels/conv_transpose2d.rs)
K = 2  # input channels per loop trip
Q = OB // 8  # weight vectors each invocation loads per input channel (8 lanes broadcast them)
I = " " * 8
o = [
    "fn conv_transpose2d_forward_subgroup16x2_aligned(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,",
    "                                                 @builtin(local_invocation_index) lid: u32,",
    "                                                 @builtin(subgroup_invocation_id) sid: u32) {",
    "    if (skipped(wid, nwg)) {",
    "        return; // whole workgroup",
    "    }",
    "    let b = block_of(wid, nwg, lid);",
    "    let split = split_of(wid, nwg);",
    "    let first = split * p.chunk;",
    "    let last = min(first + p.chunk, p.c_in);",
    "    let n_out = split * p.n + b.n;",
    "    let n = b.n;",
    "    let ob = b.cb;",
    "    // Block row b.i covers input rows 2·b.i and 2·b.i + 1 (`p.tiles` counts row pairs).",
    "    let i0 = 2u * b.i;",
    "    let i1 = i0 + 1u;",
    f"    // Invocation sid loads the 4 taps of output channels ob·{OB} + 8q + sid (q = 0..{Q - 1}).",
]
for q in range(Q):
    o.append(f"    let m{q} = min(ob * {OB}u + {8 * q}u + sid % CB, p.c_out - 1u);")
# a{channel}_{tap}_{row}
for c in range(OB):
    o.append(f"    let bias{c} = bias_of(split, min(ob * {OB}u + {c}u, p.c_out - 1u)); "
             + " ".join(f"var a{c}_{t}_{r} = vec4<f32>(bias{c});" for t in range(4) for r in range(2)))


def body(k):
    out = []
    for u in range(k):
        c = "c" if u == 0 else f"c + {u}u"
        out.append(f"{I}let xv{u}_0 = x_vec4(n, {c}, i0, b.j0);")
        out.append(f"{I}let xv{u}_1 = x_vec4(n, {c}, i1, b.j0);")
        for q in range(Q):
            out.append(f"{I}let wv{q}_{u} = weight4[({c}) * p.c_out + m{q}];")
    for oc in range(OB):
        q, j = divmod(oc, 8)
        for u in range(k):
            out.append(f"{I}let w{oc}_{u} = subgroupBroadcast(wv{q}_{u}, {j}u);")
        out.append(I + " ".join(f"a{oc}_{t}_{r} += " + " + ".join(f"w{oc}_{u}.{comp} * xv{u}_{r}" for u in range(k)) + ";"
                                for t, comp in enumerate("xyzw") for r in range(2)))
    return out


o.append("    var c = first;")
o.append(f"    for (; c + {K - 1}u < last; c += {K}u) {{")
o += body(K)
o.append("    }")
o.append("    // An odd channel count's last channel.")
o.append("    for (; c < last; c++) {")
o += body(1)
o.append("    }")
o += ["    if (b.skip || i0 >= p.h) {", "        return;", "    }"]
for c in range(OB):
    o.append(f"    store_pair4(n_out, ob * {OB}u + {c}u, i0, b.j0, 0u, a{c}_0_0, a{c}_1_0); "
             f"store_pair4(n_out, ob * {OB}u + {c}u, i0, b.j0, 1u, a{c}_2_0, a{c}_3_0);")
o += ["    if (i1 >= p.h) {", "        return; // odd H: the pair's second row is past the end", "    }"]
for c in range(OB):
    o.append(f"    store_pair4(n_out, ob * {OB}u + {c}u, i1, b.j0, 0u, a{c}_0_1, a{c}_1_1); "
             f"store_pair4(n_out, ob * {OB}u + {c}u, i1, b.j0, 1u, a{c}_2_1, a{c}_3_1);")
o.append("}")
print("\n".join(o))
