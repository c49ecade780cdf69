//! Launchers for `shaders/conv_transpose2d.wgsl`: 2×2 stride-2 transposed convolution.
//! x (N, C_in, H, W) → y (N, C_out, 2H, 2W); weight (C_in, C_out, 2, 2) as PyTorch.

use super::{expect_shape, launch, nchw, u32_of};
use crate::encoder::Encoder;
use crate::error::{shape_err, Result};
use crate::gpu::Gpu;
use crate::tensor::Tensor;

const WG: usize = 64;
/// Channel block of the portable kernels (`CB` in conv_transpose2d.wgsl).
const CB: usize = 4;
/// Channel block of the subgroup kernels (`CB` in conv_transpose2d_subgroup.wgsl).
const CB_SUBGROUP: usize = 8;
const PX: usize = 4;
/// Channels per invocation of the `cpu` family's wide `_aligned` kernels (the numbers in their
/// entry-point names): output channels of the forward pass and input channels of backward-input
/// (both over two rows of the input plane), input channels of the weight gradient. Used where a
/// layer has at least that many.
const FORWARD_WIDE: usize = 16;
const BACKWARD_INPUT_WIDE: usize = 32;
const WEIGHT_WIDE: usize = 64;

/// Whether the `cpu` family's wide kernels apply to a subgroup, W % 4 == 0 pass (the match arm
/// says so) with `channels` in the blocked dimension.
fn wide(gpu: &Gpu, channels: usize, width: usize) -> bool {
    gpu.kernel_family() == super::KernelFamily::Cpu && channels >= width
}

/// Mirror of `struct Params` in `shaders/conv_transpose2d.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ConvTranspose2dParams {
    pub n: u32,
    pub c_in: u32,
    pub c_out: u32,
    pub h: u32,
    pub w: u32,
    pub w_blocks: u32,
    pub blocks: u32,
    pub tiles: u32,
    pub has_bias: u32,
    pub c_blocks: u32,
    pub splits: u32,
    pub chunk: u32,
}

/// Checks x against weight and returns (params, [N, C_in, H, W], C_out); `blocks` are blocks of
/// the channels the pass writes.
fn params(gpu: &Gpu, op: &'static str, x_shape: [usize; 4], weight: &Tensor, writes: usize) -> Result<ConvTranspose2dParams> {
    let cb = if gpu.uses_subgroups() { CB_SUBGROUP } else { CB };
    let [n, c_in, h, w] = x_shape;
    let [wc_in, c_out, kh, kw] = nchw(op, "weight", weight)?;
    if wc_in != c_in || kh != 2 || kw != 2 || n * c_in * h * w * c_out == 0 {
        return Err(shape_err(
            op,
            "weight must be (C_in, C_out, 2, 2) with C_in matching x, no empty dimension",
            &[&x_shape, weight.shape()],
        ));
    }
    let w_blocks = w.div_ceil(PX);
    Ok(ConvTranspose2dParams {
        n: u32_of(op, "N", n)?,
        c_in: u32_of(op, "C_in", c_in)?,
        c_out: u32_of(op, "C_out", c_out)?,
        h: u32_of(op, "H", h)?,
        w: u32_of(op, "W", w)?,
        w_blocks: w_blocks as u32,
        blocks: writes.div_ceil(cb) as u32,
        tiles: tiles(op, h, w_blocks)?,
        has_bias: 0,
        c_blocks: c_in.div_ceil(cb) as u32,
        // Set by the pass: split-K of forward / backward-input, or the weight gradient's split.
        splits: 1,
        chunk: 0,
    })
}

/// Workgroups of WG invocations, one per 4-pixel block of `rows` rows (`p.tiles`): one row per
/// invocation, or row pairs for the `cpu` family's two-row kernels.
fn tiles(op: &'static str, rows: usize, w_blocks: usize) -> Result<u32> {
    u32_of(op, "tiles", (rows * w_blocks).div_ceil(WG))
}

/// `y = conv_transpose2d(x, weight) + bias`.
pub fn conv_transpose2d_forward(
    gpu: &Gpu,
    enc: &mut Encoder,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    y: &Tensor,
) -> Result<()> {
    let cap = super::max_read_splits(gpu, y);
    super::for_images(gpu, "conv_transpose2d_forward", &[x, y], |_, v| forward(gpu, enc, &v[0], weight, bias, &v[1], cap))
}

/// Records a forward or backward-input pass of `groups` workgroups into `out`, split over its
/// `reads` channels where `kernels::split_reads` says so (`p.splits`, `p.chunk`).
#[allow(clippy::too_many_arguments)]
fn launch_pass(
    gpu: &Gpu,
    enc: &mut Encoder,
    entry: &'static str,
    mut p: ConvTranspose2dParams,
    reads: usize,
    storage: &[(u32, &Tensor)],
    out: &Tensor,
    max_splits: u64,
) -> Result<()> {
    let groups = p.n as u64 * p.blocks as u64 * p.tiles as u64;
    (p.splits, p.chunk) = super::split_reads(gpu, p.blocks as u64 * p.tiles as u64, reads, max_splits);
    super::split_into(gpu, enc, entry, out, p.splits, super::Epilogue::None, |enc, dst| {
        let mut bindings = storage.to_vec();
        bindings.push((5, dst));
        launch(gpu, enc, entry, &p, &bindings, groups * p.splits as u64)
    })
}

fn forward(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>, y: &Tensor, max_splits: u64) -> Result<()> {
    const OP: &str = "conv_transpose2d_forward";
    let xs = nchw(OP, "x", x)?;
    let c_out = weight.shape().get(1).copied().unwrap_or(0);
    let mut p = params(gpu, OP, xs, weight, c_out)?;
    expect_shape(OP, "y", y, &[xs[0], c_out, 2 * xs[2], 2 * xs[3]])?;
    if let Some(b) = bias {
        expect_shape(OP, "bias", b, &[c_out])?;
    }
    p.has_bias = bias.is_some() as u32;
    // The `_aligned` subgroup entries read x and write y as vectors (W % 4 == 0, every real layer).
    let entry = match (gpu.uses_subgroups(), xs[3].is_multiple_of(4)) {
        (true, true) if wide(gpu, c_out, FORWARD_WIDE) => {
            p.blocks = c_out.div_ceil(FORWARD_WIDE) as u32;
            // Two input rows per invocation: the tiles cover row pairs.
            p.tiles = tiles(OP, xs[2].div_ceil(2), p.w_blocks as usize)?;
            "conv_transpose2d_forward_subgroup16x2_aligned"
        }
        (true, true) => "conv_transpose2d_forward_subgroup_aligned",
        (true, false) => "conv_transpose2d_forward_subgroup",
        (false, _) => OP,
    };
    launch_pass(gpu, enc, entry, p, xs[1], &[(1, x), (2, weight), (3, bias.unwrap_or(weight))], y, max_splits)
}

/// `dx[n,c,i,j] = Σ_o Σ_ab weight[c,o,a,b] · dy[n,o,2i+a,2j+b]`.
pub fn conv_transpose2d_backward_input(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, weight: &Tensor, dx: &Tensor) -> Result<()> {
    let cap = super::max_read_splits(gpu, dx);
    super::for_images(gpu, "conv_transpose2d_backward_input", &[dy, dx], |_, v| backward_input(gpu, enc, &v[0], weight, &v[1], cap))
}

fn backward_input(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, weight: &Tensor, dx: &Tensor, max_splits: u64) -> Result<()> {
    const OP: &str = "conv_transpose2d_backward_input";
    let xs = nchw(OP, "dx", dx)?;
    let mut p = params(gpu, OP, xs, weight, xs[1])?;
    expect_shape(OP, "dy", dy, &[xs[0], p.c_out as usize, 2 * xs[2], 2 * xs[3]])?;
    let entry = match (gpu.uses_subgroups(), xs[3].is_multiple_of(4)) {
        (true, true) if wide(gpu, xs[1], BACKWARD_INPUT_WIDE) => {
            p.blocks = xs[1].div_ceil(BACKWARD_INPUT_WIDE) as u32;
            // Two dx rows per invocation: the tiles cover row pairs.
            p.tiles = tiles(OP, xs[2].div_ceil(2), p.w_blocks as usize)?;
            "conv_transpose2d_backward_input_subgroup32x2_aligned"
        }
        (true, true) => "conv_transpose2d_backward_input_subgroup_aligned",
        (true, false) => "conv_transpose2d_backward_input_subgroup",
        (false, _) => OP,
    };
    launch_pass(gpu, enc, entry, p, p.c_out as usize, &[(2, weight), (4, dy)], dx, max_splits)
}

/// `dweight[c,o,a,b] = Σ_{n,i,j} x[n,c,i,j] · dy[n,o,2i+a,2j+b]` (overwrites).
///
/// The N·H·W reduction is split across workgroups as the kernel family asks
/// (`kernels::plan_splits`); `sum_splits` adds the partials in a fixed order.
pub fn conv_transpose2d_backward_weight(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<()> {
    super::reduce_images(gpu, enc, "conv_transpose2d_backward_weight", &[x, dy], dweight, |enc, v, out| {
        backward_weight(gpu, enc, &v[0], &v[1], out)
    })
}

fn backward_weight(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<()> {
    let plan = backward_weight_plan(gpu, x, dy, dweight)?;
    let p = plan.params;
    super::split_into(gpu, enc, plan.entry, dweight, p.splits, super::Epilogue::None, |enc, dst| {
        launch(gpu, enc, plan.entry, &p, &[(1, x), (4, dy), (5, dst)], plan.workgroups)
    })
}

/// How [`conv_transpose2d_backward_weight`] lays out these shapes on this device.
pub struct WeightGradPlan {
    pub entry: &'static str,
    pub params: ConvTranspose2dParams,
    pub workgroups: u64,
}

/// The layout [`conv_transpose2d_backward_weight`] uses for these shapes on this device.
pub fn backward_weight_plan(gpu: &Gpu, x: &Tensor, dy: &Tensor, dweight: &Tensor) -> Result<WeightGradPlan> {
    const OP: &str = "conv_transpose2d_backward_weight";
    let xs = nchw(OP, "x", x)?;
    let c_out = dweight.shape().get(1).copied().unwrap_or(0);
    let mut p = params(gpu, OP, xs, dweight, c_out)?;
    expect_shape(OP, "dy", dy, &[xs[0], c_out, 2 * xs[2], 2 * xs[3]])?;
    let items = p.n as u64 * p.h as u64 * p.w_blocks as u64;
    // The subgroup kernel is one subgroup of 8 per workgroup walking its items one at a time:
    // right for CPU drivers, but it would leave most lanes of a 32- or 64-wide GPU subgroup idle,
    // so the `gpu` family takes the portable kernel, whose 64 invocations stride over the items
    // (64 per step of its loop).
    let subgroup_kernel = gpu.uses_subgroups() && gpu.kernel_family() == super::KernelFamily::Cpu;
    let (entry, per_step) = match (subgroup_kernel, xs[3].is_multiple_of(4)) {
        (true, true) if wide(gpu, xs[1], WEIGHT_WIDE) => {
            p.c_blocks = xs[1].div_ceil(WEIGHT_WIDE) as u32;
            ("conv_transpose2d_backward_weight_subgroup64_aligned", 1)
        }
        (true, true) => ("conv_transpose2d_backward_weight_subgroup_aligned", 1),
        (true, false) => ("conv_transpose2d_backward_weight_subgroup", 1),
        (false, _) => (OP, WG as u64),
    };
    if !subgroup_kernel {
        // `params` sized the channel blocks for the device's forward kernels; the portable
        // weight-gradient kernel blocks channels by CB.
        p.blocks = c_out.div_ceil(CB) as u32;
        p.c_blocks = xs[1].div_ceil(CB) as u32;
    }
    let base = p.c_blocks as u64 * p.blocks as u64;
    let max_splits = (gpu.max_binding_bytes() / 4 / dweight.len().max(1) as u64).max(1);
    let (splits, chunk) = super::plan_splits(gpu, base, items, per_step, max_splits);
    p.chunk = u32_of(OP, "items per split", chunk as usize)?;
    p.splits = splits;
    Ok(WeightGradPlan { entry, params: p, workgroups: base * p.splits as u64 })
}

/// `dbias[o] = Σ_{n,h,w} dy[n,o,h,w]`.
pub fn conv_transpose2d_backward_bias(gpu: &Gpu, enc: &mut Encoder, dy: &Tensor, dbias: &Tensor) -> Result<()> {
    super::reduce::sum_per_channel(gpu, enc, dy, dbias)
}
