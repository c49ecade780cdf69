#!/usr/bin/env python3
"""Writes the loop body of `conv2d_backward_weight_subgroup32_aligned` (shaders/conv2d_subgroup.wgsl).

The kernel is written out on purpose: `subgroupBroadcast` takes constant lanes, and the 288
accumulators need constant indices to stay out of memory on CPU drivers. This script is how the
body is produced; edit it rather than the WGSL, then paste its output between the loop's header
and its closing brace.

    python3 tools/gen_weight_grad32.py

Items of 4 dy rows instead of 2 (fewer halo loads and accumulator updates per FMA) were measured
on lavapipe on 2026-12-03 and were ~10% slower (CPU time of `lungseg bench --no-check --only
conv2d_backward_weight`), as they were for the 16-channel kernel before.
"""
rows = 2  # dy rows per item: RB in the shader
I = " " * 8
out = [
    f"{I}let n = item / per_image;",
    f"{I}let rem = item % per_image;",
    f"{I}let h0 = (rem / p.w_blocks) * RB;",
    f"{I}let w0 = (rem % p.w_blocks) * PX;",
    f"{I}let xbase = (n * p.c_in + min(ci, p.c_in - 1u)) * plane;",
]
# Input rows h0 - 1 .. h0 + rows: each as its left, middle and right 4-pixel windows.
for r in range(rows + 2):
    out.append(f"{I}let x{r} = load_row(xbase, i32(h0) + {r - 1}, w0, mine, true);")
    out.append(f"{I}let l{r} = vec4<f32>(x{r}[0], x{r}[1], x{r}[2], x{r}[3]);")
    out.append(f"{I}let m{r} = vec4<f32>(x{r}[1], x{r}[2], x{r}[3], x{r}[4]);")
    out.append(f"{I}let r{r} = vec4<f32>(x{r}[2], x{r}[3], x{r}[4], x{r}[5]);")
for k in range(32):
    q, j = divmod(k, 8)
    if j == 0:
        # dy of output channels ob·32 + 8q + lane, loaded just before its 8 channels are used.
        out.append(f"{I}let dy{q} = dy_rows4(n, ob * 32u + {8 * q}u + lane, h0, w0);")
    for t in range(rows):
        comps = ", ".join(f"subgroupBroadcast(dy{q}[{t}].{c}, {j}u)" for c in "xyzw")
        out.append(f"{I}let d{k}_{t} = vec4<f32>({comps});")
    for ky in range(3):
        for kx, win in enumerate("lmr"):
            terms = " + ".join(f"dot(d{k}_{t}, {win}{ky + t})" for t in range(rows))
            out.append(f"{I}acc[{k * 9 + ky * 3 + kx}] += {terms};")
print("\n".join(out))
