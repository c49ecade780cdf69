// Exponential moving average of the parameters (Polyak–Ruppert averaging with an exponential
// window, as timm's ModelEmaV2 or torch.optim.swa_utils' EMA): after every optimizer step, over
// elements [offset, offset + len) of two flat buffers of equal length,
//   avg ← avg + (1 − decay) · (x − avg)        ( = decay · avg + (1 − decay) · x )
// Written as a correction of avg so that a value that stopped moving (x = avg) stays exactly
// itself: the other form rounds decay · avg + (1 − decay) · avg and drifts by an ulp per step.
// There is no backward: the average is not trained, only read for validation and inference.

struct Params {
    len: u32,
    offset: u32,
    decay: f32,
    _pad: u32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> avg: array<f32>;

@compute @workgroup_size(256)
fn ema_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
    let k = (wid.x + wid.y * nwg.x) * WG + lid;
    if (k >= p.len) {
        return;
    }
    let i = p.offset + k;
    let a = avg[i];
    avg[i] = a + (1.0 - p.decay) * (x[i] - a);
}
