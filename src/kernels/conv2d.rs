//! Launchers for `shaders/conv2d.wgsl`: stride-1 'same' convolution with 3×3 or 1×1 kernels.
//! Layouts follow PyTorch: x (N, C_in, H, W), weight (C_out, C_in, K, K), bias (C_out).

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

const WG: usize = 64;
const OB: usize = 8;
const PX: usize = 4;
/// Output rows per invocation of the subgroup forward / backward-input kernels (RB in the shader).
const SUBGROUP_ROWS: usize = 2;

/// Mirror of `struct Params` in `shaders/conv2d.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Conv2dParams {
    pub n: u32,
    pub c_in: u32,
    pub c_out: u32,
    pub h: u32,
    pub w: u32,
    pub k: u32,
    pub w_blocks: u32,
    pub o_blocks: u32,
    pub tiles: u32,
    pub w_stride_out: u32,
    pub w_stride_in: u32,
    pub flip: u32,
    pub has_bias: u32,
    pub splits: u32,
    pub chunk: u32,
    pub relu: u32,
}

/// Shapes of one convolution layer, checked once.
struct Geometry {
    n: usize,
    c_in: usize,
    c_out: usize,
    h: usize,
    w: usize,
    k: usize,
}

fn geometry(op: &'static str, x: &Tensor, weight: &Tensor) -> Result<Geometry> {
    let [n, c_in, h, w] = nchw(op, "x", x)?;
    let [c_out, wc_in, kh, kw] = nchw(op, "weight", weight)?;
    if wc_in != c_in || kh != kw || !(kh == 3 || kh == 1) {
        return Err(shape_err(
            op,
            "weight must be (C_out, C_in, 3, 3) or (C_out, C_in, 1, 1) with C_in matching x",
            &[x.shape(), weight.shape()],
        ));
    }
    if n == 0 || c_in == 0 || c_out == 0 || h == 0 || w == 0 {
        return Err(shape_err(op, "empty dimension", &[x.shape(), weight.shape()]));
    }
    Ok(Geometry { n, c_in, c_out, h, w, k: kh })
}

/// Which kernel runs a layer's forward / backward-input pass: chosen from the kernel family (at
/// pipeline creation) and the layer's shape.
struct Variant {
    /// `shaders/conv2d_subgroup.wgsl` (3×3 kernels on devices with subgroups ≥ 8); otherwise the
    /// portable `shaders/conv2d.wgsl`.
    subgroup: bool,
    /// vec4 input loads, when W % 4 == 0. (Every subgroup entry binds the input a second time as
    /// `src4`; the unaligned ones never read it.)
    aligned: bool,
    /// Output channels per invocation of the subgroup kernels: 8, or in the `cpu` family 16
    /// (`conv_block16`, where the pass writes ≥ 16 channels) or 32 (`conv_block32`, ≥ 32
    /// channels, W % 4 == 0 and a plane of at least 64 blocks of 4 × 4 pixels) — on CPU drivers
    /// more FMAs per loaded value.
    channels: usize,
    /// A 1×1 kernel: the `*_1x1` entry points of `shaders/conv2d.wgsl` (no subgroups, every
    /// family), which treat the plane as flat and skip the 3×3 body's padding and taps.
    pointwise: bool,
}

/// Output channels per invocation of the 16-channel subgroup kernels.
const OB_WIDE: usize = 16;
/// Output channels and rows per invocation of the 32-channel subgroup kernels (`conv_block32`).
const OB_WIDEST: usize = 32;
const WIDEST_ROWS: usize = 4;

fn variant(gpu: &Gpu, g: &Geometry, writes: usize) -> Variant {
    let subgroup = gpu.uses_subgroups() && g.k == 3;
    let aligned = subgroup && g.w.is_multiple_of(4);
    let cpu = subgroup && gpu.kernel_family() == super::KernelFamily::Cpu;
    // conv_block32 covers 4 rows × 4 pixels per invocation: on a plane with fewer than 64 such
    // blocks (under 32 × 32) most of each 64-invocation workgroup would idle — and a CPU driver
    // still runs the idle invocations' loops — so small planes keep conv_block16's 2 rows.
    let fills_workgroup = g.h.div_ceil(WIDEST_ROWS) * g.w.div_ceil(PX) >= WG;
    let channels = match () {
        _ if cpu && aligned && writes >= OB_WIDEST && fills_workgroup => OB_WIDEST,
        _ if cpu && writes >= OB_WIDE => OB_WIDE,
        _ => OB,
    };
    Variant { subgroup, aligned, channels, pointwise: g.k == 1 }
}

impl Variant {
    fn entry(&self, forward: bool) -> &'static str {
        if self.pointwise {
            return if forward { "conv2d_forward_1x1" } else { "conv2d_backward_input_1x1" };
        }
        match (self.subgroup, self.channels, self.aligned, forward) {
            (false, _, _, true) => "conv2d_forward",
            (false, _, _, false) => "conv2d_backward_input",
            (true, OB_WIDEST, _, true) => "conv2d_forward_subgroup32_aligned",
            (true, OB_WIDEST, _, false) => "conv2d_backward_input_subgroup32_aligned",
            (true, OB_WIDE, false, true) => "conv2d_forward_subgroup16",
            (true, OB_WIDE, false, false) => "conv2d_backward_input_subgroup16",
            (true, OB_WIDE, true, true) => "conv2d_forward_subgroup16_aligned",
            (true, OB_WIDE, true, false) => "conv2d_backward_input_subgroup16_aligned",
            (true, _, false, true) => "conv2d_forward_subgroup",
            (true, _, false, false) => "conv2d_backward_input_subgroup",
            (true, _, true, true) => "conv2d_forward_subgroup_aligned",
            (true, _, true, false) => "conv2d_backward_input_subgroup_aligned",
        }
    }

    /// Output rows per invocation (RB in the shader; 4 in `conv_block32`).
    fn rows(&self) -> usize {
        if self.channels == OB_WIDEST {
            WIDEST_ROWS
        } else {
            SUBGROUP_ROWS
        }
    }
}

/// Workgroups of a forward / backward-input pass. The subgroup kernels cover 2 or 4 rows per
/// invocation (`Variant::rows`), so their `tiles` count differs from the portable kernel's; the
/// wide ones cover 16 or 32 channels per block.
fn groups_for(v: &Variant, g: &Geometry, p: &mut Conv2dParams) -> u64 {
    if v.pointwise {
        // 4-pixel blocks of the flat plane.
        p.tiles = ((g.h * g.w).div_ceil(PX)).div_ceil(WG) as u32;
    }
    if v.subgroup {
        p.tiles = (g.h.div_ceil(v.rows()) * p.w_blocks as usize).div_ceil(WG) as u32;
        p.o_blocks = (p.c_out as usize).div_ceil(v.channels) as u32;
    }
    g.n as u64 * p.o_blocks as u64 * p.tiles as u64
}

fn params(op: &'static str, g: &Geometry, reads: usize, writes: usize) -> Result<Conv2dParams> {
    let w_blocks = g.w.div_ceil(PX);
    Ok(Conv2dParams {
        n: u32_of(op, "N", g.n)?,
        c_in: u32_of(op, "channels read", reads)?,
        c_out: u32_of(op, "channels written", writes)?,
        h: u32_of(op, "H", g.h)?,
        w: u32_of(op, "W", g.w)?,
        k: g.k as u32,
        w_blocks: w_blocks as u32,
        o_blocks: writes.div_ceil(OB) as u32,
        tiles: u32_of(op, "tiles", (g.h * w_blocks).div_ceil(WG))?,
        // Forward / backward-input: one chunk of every read channel unless `launch_pass` splits.
        splits: 1,
        chunk: u32_of(op, "channels read", reads)?,
        ..Default::default()
    })
}

/// Records a forward (`forward`) or backward-input pass of `groups` workgroups into `out`, reading
/// `read` (x or dy) with `weight` and `bias` (the weight again where there is none), split over its
/// read channels where `kernels::split_reads` says so; the store's epilogue — the fused ReLU
/// (`p.relu` = 1), or ReLU's backward with `mask` (`p.relu` = 2, backward-input) — then moves from
/// the partials' store to `sum_splits`, after the whole sum. The 32-channel kernels read the
/// weights packed just before ([`pack_weights`]) and store through their vec4 binding.
#[allow(clippy::too_many_arguments)]
fn launch_pass(
    gpu: &Gpu,
    enc: &mut Encoder,
    v: &Variant,
    forward: bool,
    mut p: Conv2dParams,
    (read, weight, bias, mask): (&Tensor, &Tensor, &Tensor, Option<&Tensor>),
    out: &Tensor,
    groups: u64,
    max_splits: u64,
) -> Result<()> {
    let entry = v.entry(forward);
    let op = if forward { "conv2d_forward" } else { "conv2d_backward_input" };
    let packed = if v.channels == OB_WIDEST { Some(pack_weights(gpu, enc, op, &p, weight)?) } else { None };
    let (splits, chunk) = super::split_reads(gpu, groups / p.n.max(1) as u64, p.c_in as usize, max_splits);
    if let Some(m) = mask {
        expect_shape(op, "mask", m, out.shape())?;
        p.relu = 2;
    }
    let epilogue = match (splits > 1, p.relu, mask) {
        (true, 1, _) => super::Epilogue::Relu,
        (true, 2, Some(m)) => super::Epilogue::Mask(m),
        _ => super::Epilogue::None,
    };
    if splits > 1 {
        p.splits = splits;
        p.chunk = chunk;
        p.relu = 0;
    }
    let groups = groups * splits as u64;
    // Every entry declares the mask (binding 9); without one it reads nothing there, and the read
    // tensor (bound read-only already) fills the slot.
    let m = mask.filter(|_| p.relu == 2).unwrap_or(read);
    super::split_into(gpu, enc, entry, out, splits, epilogue, |enc, dst| match &packed {
        Some(packed) => launch(gpu, enc, entry, &p, &[(1, read), (3, bias), (5, read), (7, packed), (8, dst), (9, m)], groups),
        None if v.subgroup => launch(gpu, enc, entry, &p, &[(1, read), (2, weight), (3, bias), (4, dst), (5, read), (9, m)], groups),
        None => launch(gpu, enc, entry, &p, &[(1, read), (2, weight), (3, bias), (4, dst), (9, m)], groups),
    })
}

/// Records `conv2d_pack_weights` for the pass `p` describes (forward, or backward-input with its
/// flipped taps): the weights as the 32-channel kernels read them, [written][read][12] in the
/// packed-weights scratch. Weights change every step, so every pass packs its own: 3 MiB for the
/// widest layer at the paper's width (SegNet's 256 → 256), a small fraction of the pass it feeds.
fn pack_weights(gpu: &Gpu, enc: &mut Encoder, op: &'static str, p: &Conv2dParams, weight: &Tensor) -> Result<Tensor> {
    let pairs = p.c_out as usize * p.c_in as usize;
    let packed = super::packed_weights(gpu, op, pairs * 12)?;
    launch(gpu, enc, "conv2d_pack_weights", p, &[(2, weight), (4, &packed)], pairs.div_ceil(WG) as u64)?;
    Ok(packed)
}

/// `y = conv2d(x, weight) + bias`, y of shape (N, C_out, H, W).
pub fn conv2d_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, y: &Tensor) -> Result<()> {
    let cap = super::max_read_splits(gpu, y);
    super::for_images(gpu, "conv2d_forward", &[x, y], |_, v| forward(gpu, enc, &v[0], weight, bias, &v[1], false, cap))
}

/// `y = relu(conv2d(x, weight) + bias)` in one pass: the ReLU is applied as the convolution
/// stores its output (torch.relu's semantics), so the pre-activation is never written. Its
/// backward is [`super::relu::relu_backward`] with `y` as the mask (y > 0 exactly where the
/// pre-activation is), then the convolution's backward passes.
pub fn conv2d_relu_forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, y: &Tensor) -> Result<()> {
    let cap = super::max_read_splits(gpu, y);
    super::for_images(gpu, "conv2d_forward", &[x, y], |_, v| forward(gpu, enc, &v[0], weight, bias, &v[1], true, cap))
}

#[allow(clippy::too_many_arguments)]
fn forward(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    y: &Tensor,
    relu: bool,
    max_splits: u64,
) -> Result<()> {
    const OP: &str = "conv2d_forward";
    let g = geometry(OP, x, weight)?;
    expect_shape(OP, "y", y, &[g.n, g.c_out, g.h, g.w])?;
    if let Some(b) = bias {
        expect_shape(OP, "bias", b, &[g.c_out])?;
    }
    let mut p = params(OP, &g, g.c_in, g.c_out)?;
    p.w_stride_out = (g.c_in * g.k * g.k) as u32;
    p.w_stride_in = (g.k * g.k) as u32;
    p.has_bias = bias.is_some() as u32;
    p.relu = relu as u32;
    let b = bias.unwrap_or(weight);
    let v = variant(gpu, &g, g.c_out);
    let groups = groups_for(&v, &g, &mut p);
    launch_pass(gpu, enc, &v, true, p, (x, weight, b, None), y, groups, max_splits)
}

/// `dx = conv2d_transpose-of-the-forward(dy)`, the gradient with respect to the input.
pub fn conv2d_backward_input(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, weight: &Tensor, dx: &Tensor) -> Result<()> {
    let cap = super::max_read_splits(gpu, dx);
    super::for_images(gpu, "conv2d_backward_input", &[dy, dx], |_, v| backward_input(gpu, enc, &v[0], weight, &v[1], None, cap))
}

/// [`conv2d_backward_input`] of a layer whose input `x` is a ReLU's output, with that ReLU's
/// backward applied as dx is stored: `dx` where `x > 0`, else 0 (torch.relu's gradient) — the
/// gradient with respect to the ReLU's input, without a ReLU pass of its own over the tensor.
pub fn conv2d_relu_backward_input(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, weight: &Tensor, x: &Tensor, dx: &Tensor) -> Result<()> {
    let cap = super::max_read_splits(gpu, dx);
    super::for_images(gpu, "conv2d_backward_input", &[dy, dx, x], |_, v| backward_input(gpu, enc, &v[0], weight, &v[1], Some(&v[2]), cap))
}

fn backward_input(
    gpu: &Gpu,
    enc: &mut Encoder,
    dy: &Tensor,
    weight: &Tensor,
    dx: &Tensor,
    mask: Option<&Tensor>,
    max_splits: u64,
) -> Result<()> {
    const OP: &str = "conv2d_backward_input";
    let g = geometry(OP, dx, weight)?;
    expect_shape(OP, "dy", dy, &[g.n, g.c_out, g.h, g.w])?;
    let mut p = params(OP, &g, g.c_out, g.c_in)?;
    // Reading channel `co` of dy and writing channel `ci` of dx uses weight[co, ci, flipped tap].
    p.w_stride_out = (g.k * g.k) as u32;
    p.w_stride_in = (g.c_in * g.k * g.k) as u32;
    p.flip = 1;
    let v = variant(gpu, &g, g.c_in);
    let groups = groups_for(&v, &g, &mut p);
    launch_pass(gpu, enc, &v, false, p, (dy, weight, weight, mask), dx, groups, max_splits)
}

/// `dweight[co, ci, ky, kx] = Σ dy[n, co, h, w] · x[n, ci, h+ky-pad, w+kx-pad]` (overwrites dweight).
///
/// The N·H·W reduction is split across workgroups as the kernel family asks
/// (`kernels::plan_splits`): each split writes a partial weight gradient into scratch and
/// `sum_splits` adds them in a fixed order, so reruns are bit-identical.
pub fn conv2d_backward_weight(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<()> {
    super::reduce_images(gpu, enc, "conv2d_backward_weight", &[x, dy], dweight, |enc, v, out| backward_weight(gpu, enc, &v[0], &v[1], out))
}

fn backward_weight(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<()> {
    let plan = backward_weight_plan(gpu, x, dy, dweight)?;
    let (entry, p) = (plan.entry, plan.params);
    super::split_into(gpu, enc, entry, dweight, p.splits, super::Epilogue::None, |enc, dst| {
        // The subgroup entry points also read x as vec4 (binding 5), the 16- and 32-channel ones
        // dy as vec4 too (binding 6); the portable ones bind both.
        match entry {
            // The portable 3×3 and 1×1 entries (one body per kernel size for the scalar and the
            // aligned form: x and dy as scalars, or as vec4 where W or H·W % 4 == 0) and the
            // 16-channel subgroup ones.
            "conv2d_backward_weight"
            | "conv2d_backward_weight_aligned"
            | "conv2d_backward_weight_1x1"
            | "conv2d_backward_weight_1x1_aligned"
            | "conv2d_backward_weight_subgroup16"
            | "conv2d_backward_weight_subgroup16_aligned" => {
                launch(gpu, enc, entry, &p, &[(1, x), (2, dy), (4, dst), (5, x), (6, dy)], plan.workgroups)
            }
            // Aligned only: dy as vec4 alone.
            "conv2d_backward_weight_subgroup32_aligned" => {
                launch(gpu, enc, entry, &p, &[(1, x), (4, dst), (5, x), (6, dy)], plan.workgroups)
            }
            _ => launch(gpu, enc, entry, &p, &[(1, x), (2, dy), (4, dst), (5, x)], plan.workgroups),
        }
    })
}

/// How [`conv2d_backward_weight`] lays out one layer: the entry point, its parameters (with the
/// split count) and the workgroups of the main pass — for the launcher and for benchmarks.
pub struct WeightGradPlan {
    pub entry: &'static str,
    pub params: Conv2dParams,
    pub workgroups: u64,
    pub workgroup_size: u32,
}

/// The layout [`conv2d_backward_weight`] uses for these shapes on this device.
pub fn backward_weight_plan(gpu: &Gpu, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<WeightGradPlan> {
    const OP: &str = "conv2d_backward_weight";
    let g = geometry(OP, x, dweight)?;
    expect_shape(OP, "dy", dy, &[g.n, g.c_out, g.h, g.w])?;
    let mut p = params(OP, &g, g.c_in, g.c_out)?;
    // Partials of one split: the whole weight gradient; scratch holds one per split.
    let max_splits = (gpu.max_binding_bytes() / 4 / dweight.len().max(1) as u64).max(1);
    // The one-subgroup-per-workgroup kernel (Cpu family, 3×3): 8 input × 8 output channels per
    // workgroup, one item = 2 rows × 4 pixels. Otherwise the 64-invocation kernel: 1 input × 8
    // output channels per workgroup, whose invocations stride over 1 row × 4 pixel items (64 items
    // per step of its loop).
    // With at least 16 output channels it takes 16 per workgroup (`weight_grad16`), with at least
    // 32 and W % 4 == 0 32 (`conv2d_backward_weight_subgroup32_aligned`): more FMAs per loaded
    // input row. (Items of 4 rows were tried for the aligned 16-channel kernel on lavapipe: no
    // faster.)
    let subgroup_kernel = gpu.kernel_family() == super::KernelFamily::Cpu && gpu.uses_subgroups() && g.k == 3;
    let (entry, base, items, per_step, workgroup_size) = if subgroup_kernel {
        let aligned = g.w.is_multiple_of(4);
        let channels = match () {
            _ if aligned && g.c_out >= OB_WIDEST => OB_WIDEST,
            _ if g.c_out >= OB_WIDE => OB_WIDE,
            _ => OB,
        };
        let entry = match (channels, aligned) {
            (OB_WIDEST, _) => "conv2d_backward_weight_subgroup32_aligned",
            (OB_WIDE, false) => "conv2d_backward_weight_subgroup16",
            (OB_WIDE, true) => "conv2d_backward_weight_subgroup16_aligned",
            (_, false) => "conv2d_backward_weight_subgroup",
            (_, true) => "conv2d_backward_weight_subgroup_aligned",
        };
        p.o_blocks = g.c_out.div_ceil(channels) as u32;
        let items = (g.n * g.h.div_ceil(SUBGROUP_ROWS) * p.w_blocks as usize) as u64;
        (entry, p.o_blocks as u64 * g.c_in.div_ceil(OB) as u64, items, 1, 8)
    } else if g.k == 1 {
        // The 1×1 kernel: items are 4-pixel blocks of the flat plane.
        let items = (g.n * (g.h * g.w).div_ceil(PX)) as u64;
        let entry = if (g.h * g.w).is_multiple_of(PX) { "conv2d_backward_weight_1x1_aligned" } else { "conv2d_backward_weight_1x1" };
        (entry, p.o_blocks as u64 * g.c_in as u64, items, WG as u64, WG as u32)
    } else {
        // 3×3 only (geometry admits 1 or 3, and 1 took the branch above): the kernel writes 9 taps.
        debug_assert_eq!(g.k, 3);
        let entry = if g.w.is_multiple_of(4) { "conv2d_backward_weight_aligned" } else { OP };
        (entry, p.o_blocks as u64 * g.c_in as u64, (g.n * g.h * p.w_blocks as usize) as u64, WG as u64, WG as u32)
    };
    let (splits, chunk) = super::plan_splits(gpu, base, items, per_step, max_splits);
    p.chunk = u32_of(OP, "items per split", chunk as usize)?;
    p.splits = splits;
    Ok(WeightGradPlan { entry, params: p, workgroups: base * p.splits as u64, workgroup_size })
}

/// `dbias[co] = Σ_{n,h,w} dy[n, co, h, w]` (overwrites dbias).
pub fn conv2d_backward_bias(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, dbias: &Tensor) -> Result<()> {
    super::reduce::sum_per_channel(gpu, enc, dy, dbias)
}
