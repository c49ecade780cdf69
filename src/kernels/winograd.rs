//! Launcher for `shaders/winograd.wgsl`: the 3×3 'same' convolution (stride 1) by Winograd
//! F(2×2, 3×3) — 2.25× fewer multiplies than the direct kernels — for the forward and
//! backward-input passes of layers that read and write at least [`MIN_CHANNELS`] channels, in the
//! `cpu` kernel family (where the direct kernels are bound by arithmetic). `conv2d` calls it where
//! [`applies`] says so; the results agree with the direct kernels within the convolution's
//! tolerance, and every pass sums in a fixed order (deterministic).

use super::{launch, u32_of, Scratch};
use crate::encoder::Encoder;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/winograd.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct WinogradParams {
    pub first: u32,
    pub i_ch: u32,
    pub o_ch: u32,
    pub h: u32,
    pub w: u32,
    pub tiles_h: u32,
    pub quads_w: u32,
    pub quads: u32,
    pub o_blocks: u32,
    pub q_groups: u32,
    pub w_stride_out: u32,
    pub w_stride_in: u32,
    pub flip: u32,
    pub has_bias: u32,
    pub relu: u32,
    pub _pad: u32,
}

/// Fewest channels read and written for which the transforms pay for themselves (ncnn's Vulkan
/// backend uses the same threshold): below it the direct kernels run.
pub const MIN_CHANNELS: usize = 16;
/// Invocations per workgroup of every entry point.
const WG: u64 = 64;
/// Quads (4 tiles) and written channels per invocation of `winograd_gemm`.
const GEMM_QUADS: u64 = 2;
const GEMM_CHANNELS: usize = 32;
/// Largest transformed-tile or product buffer of one pass: the batch is processed in passes of
/// as many images as fit, which bounds the memory the transforms add (two such buffers).
const PASS_BYTES: u64 = 64 << 20;

/// Quads of 2×2 tiles covering one H × W plane: ceil(H/2) tile rows of ceil(ceil(W/2)/4) quads.
fn quads_per_image(h: usize, w: usize) -> usize {
    h.div_ceil(2) * w.div_ceil(2).div_ceil(4)
}

/// Bytes of the transformed tiles (or products) of one image with `channels` channels: 16
/// transformed values per tile, vectors of 4 tiles.
fn bytes_per_image(channels: usize, h: usize, w: usize) -> u64 {
    16 * channels as u64 * quads_per_image(h, w) as u64 * 16
}

/// Largest transformed-tile or product buffer one pass may bind on this device.
fn pass_limit(gpu: &Gpu) -> u64 {
    gpu.max_binding_bytes().min(PASS_BYTES)
}

/// Whether a 3×3 pass reading `reads` and writing `writes` channels of H × W planes runs on the
/// Winograd kernels on this device: the `cpu` family with subgroups, [`Gpu::winograd`] on, at
/// least [`MIN_CHANNELS`] both ways, and one image's transformed tiles within one pass.
pub fn applies(gpu: &Gpu, reads: usize, writes: usize, h: usize, w: usize) -> bool {
    gpu.winograd()
        && gpu.uses_subgroups()
        && gpu.kernel_family() == super::KernelFamily::Cpu
        && reads >= MIN_CHANNELS
        && writes >= MIN_CHANNELS
        && bytes_per_image(reads.max(writes), h, w) <= pass_limit(gpu)
}

/// One 3×3 'same' convolution pass by Winograd: `dst` (N, O, H, W) from `src` (N, I, H, W).
/// Forward: `weight` is (O, I, 3, 3), `flip` false; backward-input: `weight` is the layer's
/// (I, O, 3, 3) read transposed and flipped (`flip` true), `bias` None. The caller has checked
/// the shapes and that [`applies`] holds.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv3x3(
    gpu: &Gpu,
    enc: &mut Encoder,
    src: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    dst: &Tensor,
    flip: bool,
    relu: bool,
) -> Result<()> {
    const OP: &str = "conv2d (Winograd)";
    let (n, i_ch, h, w) = (src.shape()[0], src.shape()[1], src.shape()[2], src.shape()[3]);
    let o_ch = dst.shape()[1];
    let layer_c_in = if flip { o_ch } else { i_ch };
    let per_image = quads_per_image(h, w);
    let images_per_pass = ((pass_limit(gpu) / bytes_per_image(i_ch.max(o_ch), h, w)) as usize).clamp(1, n);
    let mut p = WinogradParams {
        i_ch: u32_of(OP, "channels read", i_ch)?,
        o_ch: u32_of(OP, "channels written", o_ch)?,
        h: u32_of(OP, "H", h)?,
        w: u32_of(OP, "W", w)?,
        tiles_h: h.div_ceil(2) as u32,
        quads_w: w.div_ceil(2).div_ceil(4) as u32,
        o_blocks: o_ch.div_ceil(GEMM_CHANNELS) as u32,
        // Weight index = o · stride_out + i · stride_in + tap, as conv2d's launcher.
        w_stride_out: if flip { 9 } else { (layer_c_in * 9) as u32 },
        w_stride_in: if flip { (layer_c_in * 9) as u32 } else { 9 },
        flip: flip as u32,
        has_bias: bias.is_some() as u32,
        relu: relu as u32,
        ..Default::default()
    };

    let filters = super::scratch_in(gpu, Scratch::WinogradFilters, OP, 16 * o_ch * i_ch)?;
    launch(gpu, enc, "winograd_weights", &p, &[(1, weight), (5, &filters)], ((o_ch * i_ch) as u64).div_ceil(WG))?;

    let most = images_per_pass * per_image;
    let tiles = super::scratch_in(gpu, Scratch::WinogradTiles, OP, 16 * i_ch * most * 4)?;
    let products = super::scratch_in(gpu, Scratch::WinogradProducts, OP, 16 * o_ch * most * 4)?;
    let aligned = w.is_multiple_of(4);
    for first in (0..n).step_by(images_per_pass) {
        let images = images_per_pass.min(n - first);
        let quads = images * per_image;
        p.first = first as u32;
        p.quads = u32_of(OP, "tile quads per pass", quads)?;
        p.q_groups = (quads as u64).div_ceil(WG * GEMM_QUADS) as u32;
        // Views exactly as long as this pass uses, so every binding covers what its pass reads.
        let v = tiles.view(0, &[16 * i_ch * quads * 4])?;
        let m = products.view(0, &[16 * o_ch * quads * 4])?;
        let entry = if aligned { "winograd_input_aligned" } else { "winograd_input" };
        launch(gpu, enc, entry, &p, &[(1, src), (2, src), (6, &v)], (i_ch as u64 * quads as u64).div_ceil(WG))?;
        let gemm_groups = p.o_blocks as u64 * p.q_groups as u64 * 16;
        launch(gpu, enc, "winograd_gemm", &p, &[(3, &filters), (4, &v), (6, &m)], gemm_groups)?;
        launch(gpu, enc, "winograd_output", &p, &[(1, bias.unwrap_or(weight)), (4, &m), (5, dst)], (o_ch as u64 * quads as u64).div_ceil(WG))?;
    }
    Ok(())
}
