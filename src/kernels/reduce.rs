//! Launchers for `shaders/reduce.wgsl`: per-channel sums, and the fixed-order second pass of every
//! split reduction.

use super::{expect_shape, launch, nchw, u32_of, Epilogue};
use crate::encoder::Encoder;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::tensor::Tensor;

/// Mirror of `struct Params` in `shaders/reduce.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ReduceParams {
    pub n: u32,
    pub c: u32,
    pub plane: u32,
    pub splits: u32,
    pub chunk: u32,
    pub len: u32,
    pub relu: u32,
    pub _pad: u32,
}

const WG: u64 = 256;
/// Invocations per workgroup of `sum_per_channel4_lanes`, each with its own partial.
const LANES: u64 = 8;

/// `out[c] = Σ_{n,h,w} x[n,c,h,w]` into a tensor of shape (C). The N·H·W values of each channel
/// are split across workgroups as the kernel family asks (`kernels::plan_splits`), and
/// the partials added by [`sum_splits`] in a fixed order.
pub fn sum_per_channel(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, out: &Tensor) -> Result<()> {
    super::reduce_images(gpu, enc, "sum_per_channel", &[x], out, |enc, v, out| sum_per_channel_once(gpu, enc, &v[0], out))
}

fn sum_per_channel_once(gpu: &Gpu, enc: &mut Encoder, x: &Tensor, out: &Tensor) -> Result<()> {
    const OP: &str = "sum_per_channel";
    let [n, c, h, w] = nchw(OP, "x", x)?;
    super::expect_shape(OP, "out", out, &[c])?;
    // A work item is one value — or one vector of 4 where H·W % 4 == 0 (`sum_per_channel4`); a
    // workgroup's invocations take one each per step (256, or 8 in the lanes kernel).
    let vec4 = (h * w).is_multiple_of(4);
    let values = (n * h * w) as u64 / if vec4 { 4 } else { 1 };
    let max_splits = (gpu.max_binding_bytes() / 4 / c.max(1) as u64).max(1);
    // CPU layouts: 8 invocations per workgroup, each writing its own partial (no barriers), so a
    // split leaves LANES partials.
    let (entry, per_step, partials_per_split) = match () {
        _ if vec4 && super::cpu_layout(gpu) => ("sum_per_channel4_lanes", LANES, LANES),
        _ if vec4 => ("sum_per_channel4", WG, 1),
        _ => (OP, WG, 1),
    };
    let (splits, chunk) = super::plan_splits(gpu, c as u64, values, per_step, max_splits / partials_per_split);
    let p = ReduceParams {
        n: u32_of(OP, "N", n)?,
        c: u32_of(OP, "C", c)?,
        plane: u32_of(OP, "H·W", h * w)?,
        splits,
        chunk: u32_of(OP, "values per split", chunk as usize)?,
        ..Default::default()
    };
    super::split_into(gpu, enc, OP, out, splits * partials_per_split as u32, Epilogue::None, |enc, dst| {
        launch(gpu, enc, entry, &p, &[(1, x), (2, dst)], c as u64 * splits as u64)
    })
}

/// `out[i] = Σ_{s < splits} partials[s · len + i]` (len = out's element count), adding the splits
/// in the order 0, 1, … so that reruns are bit-identical; then the `epilogue`: `max(·, 0)` (a split
/// convolution with the fused ReLU) or ReLU's backward with a mask (a split backward-input pass
/// of a layer whose input a ReLU produced: the total where the mask is > 0, else 0).
pub(crate) fn sum_splits(gpu: &Gpu, enc: &mut Encoder, partials: &Tensor, out: &Tensor, splits: u32, epilogue: Epilogue) -> Result<()> {
    const OP: &str = "sum_splits";
    let len = out.len();
    if partials.len() < len * splits as usize {
        return Err(crate::error::shape_err(OP, format!("{splits} partials of {len} elements"), &[partials.shape(), out.shape()]));
    }
    let relu = matches!(epilogue, Epilogue::Relu) as u32;
    let p = ReduceParams { splits, len: u32_of(OP, "elements", len)?, relu, ..Default::default() };
    let groups = (len as u64).div_ceil(WG);
    match epilogue {
        Epilogue::Mask(mask) => {
            expect_shape(OP, "mask", mask, out.shape())?;
            launch(gpu, enc, "sum_splits_masked", &p, &[(1, partials), (2, out), (3, mask)], groups)
        }
        _ => launch(gpu, enc, OP, &p, &[(1, partials), (2, out)], groups),
    }
}
