//! Comparing GPU results with the CPU references: one tolerance type, one comparison, one table of
//! per-op tolerances.
//!
//! An element passes when `|got − want| ≤ atol + rtol·|want|`, plus — for the long sums (weight
//! and bias gradients) — `ulps·ε·Σ|terms|`: rounding in a sum scales with the magnitude of what is
//! added, not with the result, which cancels (`compare_sums`). A NaN or infinity in `got` where
//! `want` is finite always fails — outputs are poisoned with NaN before every dispatch in checks,
//! so an element a kernel forgot to write shows up here.

/// f32's machine epsilon (2⁻²³): the unit of `Tolerance::sum_ulps`.
pub const F32_EPS: f64 = f32::EPSILON as f64;

/// Absolute + relative tolerance, and for sums a bound in units of the summed magnitudes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub atol: f64,
    pub rtol: f64,
    /// Allowed error in multiples of `F32_EPS · Σ|terms|` of each element (0: not a sum check).
    pub sum_ulps: f64,
}

impl Tolerance {
    pub const fn new(atol: f64, rtol: f64) -> Self {
        Self { atol, rtol, sum_ulps: 0.0 }
    }
    /// For a sum: `ulps · F32_EPS · Σ|terms|` per element (see [`compare_sums`]).
    pub const fn summed(ulps: f64) -> Self {
        Self { atol: 0.0, rtol: 0.0, sum_ulps: ulps }
    }
    /// Whether `got` is within this tolerance of `want` (a NaN or infinity never is).
    pub fn accepts(&self, got: f64, want: f64) -> bool {
        got.is_finite() && (got - want).abs() <= self.atol + self.rtol * want.abs()
    }
    /// Exact equality (integer outputs: indices, counts, argmax).
    pub const EXACT: Tolerance = Tolerance::new(0.0, 0.0);
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sum_ulps > 0.0 && self.atol == 0.0 && self.rtol == 0.0 {
            write!(f, "{} ulp of Σ|terms|", self.sum_ulps)
        } else if self.atol == 0.0 && self.rtol == 0.0 {
            write!(f, "exact")
        } else {
            write!(f, "atol {:.0e} + rtol {:.0e}", self.atol, self.rtol)
        }
    }
}

/// The per-op tolerance table (also printed in README.md). Values are for f32 kernels against
/// f64 references; the reasons are next to each entry. Never loosen one without saying why.
pub fn tolerance(entry: &str) -> Tolerance {
    match entry {
        // Pure data movement or selection: bit-exact.
        "relu_forward"
        | "relu_backward"
        | "max_pool2d_forward"
        | "max_pool2d_backward"
        | "max_unpool2d_forward"
        | "max_unpool2d_backward"
        | "concat_forward"
        | "concat_backward"
        | "argmax_channels"
        | "confusion_accumulate" => Tolerance::EXACT,
        // One f32 addition: one rounding.
        "add_assign" => Tolerance::new(0.0, 1e-7),
        // One multiply by a constant scale 1/(1-p): one rounding.
        "dropout_forward" | "dropout_backward" => Tolerance::new(0.0, 1e-6),
        // Sums of up to C_in·9 (forward/backward-input) products of O(1) values in f32.
        // (conv2d_relu_forward: the same sums, then an exact ReLU.)
        "conv2d_forward"
        | "conv2d_relu_forward"
        | "conv2d_backward_input"
        | "conv2d_relu_backward_input"
        | "conv_transpose2d_forward"
        | "conv_transpose2d_backward_input" => Tolerance::new(1e-4, 1e-4),
        // Sums over N·H·W (up to 131,072) terms whose signs cancel: the result can be far smaller
        // than what was added, so the bound is in units of the summed magnitudes (compare_sums):
        // 8 ulp of Σ|terms| (f32 rounding of a sum computed in chunks, splits and a fixed-order
        // finish stays within a few ulp of it: measured ≤ 0.73 ulp with the cpu family, 1.06 gpu,
        // 1.28 portable on the hostile shapes, ≤ 0.22 at the paper's sizes). It replaced an
        // absolute 1e-3 (+ 1e-4 relative): 10–100× looser than rounding explains on the small
        // hostile sums (Σ|terms| ~ 10–100), and at the paper's sizes (errors up to 6.6e-4 on
        // sums of ~10⁵ magnitudes) within 1.5× of failing correct kernels.
        "conv2d_backward_weight"
        | "conv_transpose2d_backward_weight"
        | "sum_per_channel"
        | "conv2d_backward_bias"
        | "conv_transpose2d_backward_bias" => Tolerance::summed(8.0),
        // Batch statistics over N·H·W, then a normalisation: relative error of the mean/variance
        // feeds every output.
        "batch_norm_stats"
        | "batch_norm_normalize"
        | "batch_norm_infer"
        | "batch_norm_backward_reduce"
        | "batch_norm_relu_backward_reduce"
        | "batch_norm_backward_input" => Tolerance::new(1e-4, 1e-4),
        // Per pixel: C exps of max-subtracted logits (each within a few ulp in WGSL), their sum and
        // one division; probabilities are in [0, 1].
        "softmax_channels" => Tolerance::new(1e-6, 1e-5),
        // Frozen statistics: one rsqrt per channel and one product per element.
        "batch_norm_frozen_backward_input" => Tolerance::new(1e-6, 1e-5),
        // exp/log in f32 and a sum over every pixel.
        "cross_entropy_loss" | "cross_entropy_backward" => Tolerance::new(1e-6, 1e-4),
        // Soft Dice over the batch: per pixel a softmax (exp/log in f32), then three sums per class
        // over every pixel (up to 131,072 in the paper-size check; a tree per workgroup and a
        // fixed-order finish keep the relative error of each sum near log2(count)·eps) and one
        // division. The loss 1 − mean(dice) can be near 0 (a good fit or one class), so an
        // absolute floor; dice values are in (0, 1].
        "soft_dice_loss" => Tolerance::new(1e-6, 1e-5),
        // Compared in units of the largest element (check::compare_scaled: the gradient of a
        // batch-level loss is O(1/pixels)). p·(g − Σ p·g) per element cancels where one
        // probability is near 1, so the error is absolute, in units of |g| (≈ 4–8× the largest
        // gradient element); and the exps behind p carry 3 + 2·|x| ulp (Vulkan's precision for
        // exp), ~2.5e-6 relative for the |z − max z| ≈ 20 these logits reach. Measured: ≤ 1e-6.
        // The accumulating entry adds one f32 addition to a prior gradient of the same scale.
        "soft_dice_backward" => Tolerance::new(4e-6, 1e-5),
        // K multiply-adds x ← x·a + b with |a| < 1 (selftest: a = 0.99, b = 0.01, |x| ≤ ~4): each
        // step's rounding (≤ 2 ε·max|x|, fused or not) decays by a, so the error stays below
        // 2 ε·max|x| / (1 − a) ≈ 2.4e-5·max|x| however long the chain.
        "peak_multiply_add" => Tolerance::new(1e-4, 1e-4),
        // Whole models (tests/models.rs): f32 rounding compounds through ~10–20 layers of sums
        // over up to 64·9 terms, batch statistics and a softmax; values are O(1e-3..1).
        "model_loss" => Tolerance::new(1e-5, 1e-4),
        "model_gradient" => Tolerance::new(1e-4, 1e-3),
        "model_running_stats" => Tolerance::new(1e-5, 1e-4),
        "model_adam_params" => Tolerance::new(1e-5, 1e-4),
        // Element-wise, a handful of f32 operations including a sqrt and a division.
        "adam_step" => Tolerance::new(1e-7, 1e-5),
        // One subtraction, one multiply-add: a few roundings of values of the parameters' size.
        "ema_update" => Tolerance::new(1e-7, 1e-6),
        _ => Tolerance::new(1e-5, 1e-5),
    }
}

/// The outcome of comparing one output.
#[derive(Clone, Debug)]
pub struct CheckRow {
    pub op: String,
    pub entry: String,
    pub shape: String,
    pub max_abs: f64,
    pub max_rel: f64,
    /// Number of elements outside tolerance (NaN counts as outside).
    pub failures: usize,
    pub elements: usize,
    pub tolerance: Tolerance,
}

impl CheckRow {
    pub fn passed(&self) -> bool {
        self.failures == 0
    }
}

impl std::fmt::Display for CheckRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<18} {:<34} {:<22} {:>10.3e} {:>10.3e}  {:<22} {}",
            self.op,
            self.entry,
            self.shape,
            self.max_abs,
            self.max_rel,
            self.tolerance.to_string(),
            if self.passed() { "pass".to_string() } else { format!("FAIL ({}/{})", self.failures, self.elements) }
        )
    }
}

/// Compares `got` (from the GPU) with `want` (from the reference) under `tol`.
pub fn compare(op: &str, entry: &str, shape: &[usize], got: &[f64], want: &[f64], tol: Tolerance) -> CheckRow {
    debug_assert!(tol.sum_ulps == 0.0, "{entry}: a tolerance in units of Σ|terms| needs compare_sums");
    compare_each(op, entry, shape, got, want, tol, |_, w| (tol.atol + tol.rtol * w.abs(), w.abs()))
}

/// [`compare`] for sums: element i may be off by `tol.atol + tol.rtol·|want_i| + tol.sum_ulps ·
/// F32_EPS · magnitude_i`, where `magnitude_i = Σ|terms|` of that sum (the reference run on the
/// absolute values of its inputs). `max_rel` reports the largest error in those units (ulp of
/// Σ|terms|), the figure the tolerance bounds.
pub fn compare_sums(op: &str, entry: &str, shape: &[usize], got: &[f64], want: &[f64], magnitude: &[f64], tol: Tolerance) -> CheckRow {
    // A magnitude list of the wrong length fails like a wrong-length result.
    let got = if magnitude.len() == want.len() { got } else { &[] };
    compare_each(op, entry, shape, got, want, tol, |i, w| {
        let unit = F32_EPS * magnitude[i];
        (tol.atol + tol.rtol * w.abs() + tol.sum_ulps * unit, unit)
    })
}

/// The element loop of [`compare`] and [`compare_sums`]: `bound(i, want_i)` gives element i's
/// allowed error and the unit `max_rel` is reported in (no relative error where the unit is 0).
fn compare_each(
    op: &str,
    entry: &str,
    shape: &[usize],
    got: &[f64],
    want: &[f64],
    tol: Tolerance,
    bound: impl Fn(usize, f64) -> (f64, f64),
) -> CheckRow {
    let mut row = CheckRow {
        op: op.into(),
        entry: entry.into(),
        shape: format!("{:?}", shape),
        max_abs: 0.0,
        max_rel: 0.0,
        failures: 0,
        elements: want.len(),
        tolerance: tol,
    };
    if got.len() != want.len() {
        row.failures = want.len().max(1);
        row.max_abs = f64::INFINITY;
        return row;
    }
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        let (allowed, unit) = bound(i, w);
        let ok = if w.is_finite() { err.is_finite() && err <= allowed } else { g == w || (g.is_nan() && w.is_nan()) };
        if !ok {
            row.failures += 1;
        }
        let err = if err.is_nan() { f64::INFINITY } else { err };
        row.max_abs = row.max_abs.max(err);
        if unit > 0.0 {
            row.max_rel = row.max_rel.max(err / unit);
        }
    }
    row
}

/// [`compare`] in units of the largest expected element: both `got` and `want` are divided by
/// `max |want|` (when that is not 0) before the comparison. For outputs whose scale depends on the
/// problem size — the gradient of a loss over the whole batch is O(1/pixels) — so that one
/// tolerance means the same on a single pixel and on 131,072; `max_abs` is reported in those units.
pub fn compare_scaled(op: &str, entry: &str, shape: &[usize], got: &[f64], want: &[f64], tol: Tolerance) -> CheckRow {
    let scale = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    let k = if scale > 0.0 && scale.is_finite() { 1.0 / scale } else { 1.0 };
    let g: Vec<f64> = got.iter().map(|v| v * k).collect();
    let w: Vec<f64> = want.iter().map(|v| v * k).collect();
    let mut row = compare(op, entry, shape, &g, &w, tol);
    row.shape = format!("{} ÷{scale:.1e}", row.shape);
    row
}

/// Header line matching [`CheckRow`]'s `Display`.
pub fn header() -> String {
    format!("{:<18} {:<34} {:<22} {:>10} {:>10}  {:<22} {}", "op", "entry point", "shape", "max abs", "max rel", "tolerance", "result")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_from_an_unwritten_poisoned_element_fails() {
        let r = compare("op", "e", &[3], &[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0], Tolerance::new(1.0, 1.0));
        assert_eq!(r.failures, 1);
        assert!(!r.passed());
    }

    #[test]
    fn sums_are_judged_in_ulp_of_their_summed_magnitudes() {
        let t = Tolerance::summed(8.0);
        // A sum of magnitude 100 that cancels to 0.5: 8 ulp of 100 is 9.5e-5.
        let m = [100.0];
        assert!(compare_sums("op", "e", &[1], &[0.5 + 9e-5], &[0.5], &m, t).passed());
        assert!(!compare_sums("op", "e", &[1], &[0.5 + 1e-4], &[0.5], &m, t).passed());
        // One dropped term of 0.01 among magnitudes of 100 is far outside.
        assert!(!compare_sums("op", "e", &[1], &[0.49], &[0.5], &m, t).passed());
        // A sum of exact zeros must come out exactly 0; NaN never passes.
        assert!(!compare_sums("op", "e", &[1], &[1e-30], &[0.0], &[0.0], t).passed());
        assert!(!compare_sums("op", "e", &[1], &[f64::NAN], &[0.5], &m, t).passed());
        let r = compare_sums("op", "e", &[1], &[0.5 + 4.0 * F32_EPS * 100.0], &[0.5], &m, t);
        assert!((r.max_rel - 4.0).abs() < 1e-6, "max_rel reports ulp of Σ|terms|: {}", r.max_rel);
        assert!(!compare_sums("op", "e", &[2], &[0.5], &[0.5, 0.5], &[1.0, 1.0], t).passed(), "length mismatch fails");
        assert!(!compare_sums("op", "e", &[1], &[0.5], &[0.5], &[], t).passed(), "magnitudes of the wrong length fail");
    }

    #[test]
    fn tolerance_is_atol_plus_rtol_times_want() {
        let t = Tolerance::new(0.1, 0.01);
        assert!(compare("op", "e", &[1], &[100.0 + 1.1 - 1e-9], &[100.0], t).passed());
        assert!(!compare("op", "e", &[1], &[100.0 + 1.1 + 1e-9], &[100.0], t).passed());
        assert!(!compare("op", "e", &[1], &[1.0], &[1.0, 2.0], t).passed(), "length mismatch fails");
    }
}
