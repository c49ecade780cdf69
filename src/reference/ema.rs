//! CPU reference for one update of the exponential moving average of parameters, in f64.

/// `avg ← decay · avg + (1 − decay) · x`, element by element.
pub fn ema_update(x: &[f64], avg: &mut [f64], decay: f64) {
    for (a, &xi) in avg.iter_mut().zip(x) {
        *a = decay * *a + (1.0 - decay) * xi;
    }
}
