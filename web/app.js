// The page: three views over one lungseg Engine (web/src/lib.rs). Everything heavy runs on the
// tab's WebGPU device; each call into the engine is short, so the page stays responsive.
// `window.lungseg` exposes the same operations to web/check.py (headless Chromium).
import init, { Engine } from './pkg/lungseg_web.js';

const $ = (id) => document.getElementById(id);
const SLICES = 100;
const sliceName = (i) => String(i).padStart(3, '0');
const status = (text, error = false) => { $('status').textContent = text; $('status').classList.toggle('error', error); };
const fetchBytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};

let engine = null;
let modelSplit = { train: [], val: [], test: [] };
const sliceRole = (i) => (modelSplit.test.includes(i) ? 'test' : modelSplit.val.includes(i) ? 'val' : 'train');
let adapterText = '';
let modelInfo = null;
let lastPrediction = null;
let shown = new Set([1, 2, 3]);

// ---------------------------------------------------------------- views
for (const b of document.querySelectorAll('nav button')) {
  b.onclick = () => {
    document.querySelectorAll('nav button').forEach((x) => x.classList.toggle('active', x === b));
    document.querySelectorAll('.view').forEach((v) => v.classList.toggle('active', v.id === b.dataset.view));
  };
}

// ---------------------------------------------------------------- segment
function drawPrediction(p, canvas) {
  const w = p.width(), h = p.height();
  canvas.width = w; canvas.height = h;
  const rgba = p.overlay_rgba(Uint8Array.from(shown));
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), w, h), 0, 0);
}

function showPrediction(p, ms) {
  lastPrediction = p;
  drawPrediction(p, $('overlay'));
  const s = JSON.parse(p.summary());
  const body = $('shares').querySelector('tbody');
  body.innerHTML = '';
  s.classes.forEach((c, k) => {
    if (k === 0) return;
    const tr = document.createElement('tr');
    const col = c.colour ? `rgb(${c.colour.join(',')})` : 'transparent';
    tr.innerHTML = `<td><input type="checkbox" ${shown.has(k) ? 'checked' : ''}></td>
      <td><span class="swatch" style="background:${col}"></span>${c.name}</td>
      <td class="num">${(100 * s.share_of_lung[k]).toFixed(2)} %</td><td class="num">${s.class_pixels[k]}</td>`;
    tr.querySelector('input').onchange = (e) => {
      e.target.checked ? shown.add(k) : shown.delete(k);
      drawPrediction(lastPrediction, $('overlay'));
    };
    body.appendChild(tr);
  });
  $('predict-time').textContent = `${s.name}: ${s.width}×${s.height}, ${s.lung_pixels} lung pixels; computed in ${ms.toFixed(0)} ms on this tab's GPU`;
  return s;
}

async function predictBytes(bytes, name) {
  const t0 = performance.now();
  const p = await engine.predict_png(bytes, name);
  return { p, ms: performance.now() - t0 };
}

// The radiologist's 4-class mask of a shipped slice (grey levels 0, 85, 170, 255 = C0..C3).
async function groundTruth(index) {
  const blob = new Blob([await fetchBytes(`pkg/medseg/mask/tr_mask_z${sliceName(index)}.png`)], { type: 'image/png' });
  const bmp = await createImageBitmap(blob);
  const c = new OffscreenCanvas(bmp.width, bmp.height), g = c.getContext('2d');
  g.drawImage(bmp, 0, 0);
  const px = g.getImageData(0, 0, bmp.width, bmp.height).data;
  const classes = new Uint8Array(bmp.width * bmp.height);
  for (let i = 0; i < classes.length; i++) classes[i] = Math.round(px[4 * i] / 85);
  return classes;
}

// Dice of each class between the prediction and the radiologist's mask (binary models: infection
// = any of C1..C3).
function diceScores(pred, truth, classCount) {
  const t = classCount === 2 ? truth.map((v) => (v > 0 ? 1 : 0)) : truth;
  const out = [];
  for (let k = 1; k < classCount; k++) {
    let inter = 0, a = 0, b = 0;
    for (let i = 0; i < pred.length; i++) {
      const p = pred[i] === k, q = t[i] === k;
      inter += p && q; a += p; b += q;
    }
    out.push(a + b === 0 ? null : (2 * inter) / (a + b));
  }
  return out;
}

// The radiologist's mask over the CT, in the classes' colours (as lungseg's overlay).
function drawTruth(p, truth, summary) {
  const c = $('truth'), w = summary.width, h = summary.height;
  c.width = w; c.height = h;
  const ct = p.overlay_rgba(new Uint8Array(0)); // the CT alone
  const colours = summary.classes.map((k) => k.colour);
  for (let i = 0; i < w * h; i++) {
    const k = summary.classes.length === 2 ? (truth[i] > 0 ? 1 : 0) : truth[i];
    const col = colours[k];
    if (col) for (let j = 0; j < 3; j++) ct[4 * i + j] = (ct[4 * i + j] + col[j]) >> 1;
  }
  c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(ct.buffer, ct.byteOffset, ct.length), w, h), 0, 0);
  $('truth-figure').classList.remove('hidden');
}

// Each prediction request gets a number; a result that arrives after a newer request started is
// dropped (dragging the slice slider fires many).
let request = 0;
const stale = (mine) => mine !== request;

async function predictShipped(index) {
  const mine = ++request;
  const name = `i${sliceName(index)}.png`;
  const [{ p, ms }, truth] = await Promise.all([predictBytes(await fetchBytes(`pkg/medseg/im/${name}`), name), groundTruth(index)]);
  if (stale(mine)) return null;
  const summary = showPrediction(p, ms);
  drawTruth(p, truth, summary);
  const dice = diceScores(p.classes(), truth, summary.classes.length);
  summary.dice = dice;
  $('shares').querySelectorAll('tbody tr').forEach((tr, k) => {
    const td = document.createElement('td');
    td.className = 'num';
    td.textContent = dice[k] === null ? '—' : dice[k].toFixed(3);
    tr.appendChild(td);
  });
  const role = sliceRole(index - 1);
  $('predict-time').textContent += `. Dice against the radiologist's mask of this slice in the last column — a slice the model ${role === 'test' ? 'never saw (test split)' : `was trained or validated on (${role} split)`}.`;
  return { summary, prediction: p, ms };
}

async function predictVolumeSlice(z) {
  const mine = ++request;
  const t0 = performance.now();
  const p = await engine.predict_slice(z);
  if (stale(mine)) return;
  $('slice-z-label').textContent = `${z + 1} / ${$('slice-z').max * 1 + 1}`;
  showPrediction(p, performance.now() - t0);
}

$('predict-shipped').onclick = () => predictShipped(+$('shipped-slice').value).catch((e) => status(String(e), true));
$('ct-file').onchange = async () => {
  const f = $('ct-file').files[0];
  if (!f) return;
  $('truth-figure').classList.add('hidden');
  try {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (/\.nii(\.gz)?$/i.test(f.name)) {
      const lf = $('lung-file').files[0];
      const lungs = lf ? new Uint8Array(await lf.arrayBuffer()) : undefined;
      const depth = engine.open_nifti(bytes, f.name, lungs, lf ? lf.name : undefined);
      $('volume-controls').classList.remove('hidden');
      $('slice-z').max = depth - 1;
      $('slice-z').value = Math.floor(depth / 2);
      $('slice-z').oninput = () => predictVolumeSlice(+$('slice-z').value).catch((e) => status(String(e), true));
      await predictVolumeSlice(Math.floor(depth / 2));
      if (!lf) status('No lung mask given: every pixel of the volume counts as lung in the shares.');
    } else {
      $('volume-controls').classList.add('hidden');
      const mine = ++request;
      const { p, ms } = await predictBytes(bytes, f.name);
      if (!stale(mine)) showPrediction(p, ms);
    }
  } catch (e) { status(String(e), true); }
};

// ---------------------------------------------------------------- kernel checks
async function runSelftest() {
  const n = engine.check_count();
  const body = $('selftest-table').querySelector('tbody');
  body.innerHTML = '';
  $('selftest-progress').max = n;
  let rows = 0, failed = 0;
  const times = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const result = JSON.parse(await engine.run_check(i));
    times.push({ check: engine.check_label(i), ms: performance.now() - t });
    for (const r of result) {
      rows++;
      if (!r.passed) failed++;
      const tr = document.createElement('tr');
      tr.innerHTML = `<td>${r.op}</td><td>${r.entry}</td><td>${r.shape}</td><td class="num">${r.max_abs === null ? '∞' : r.max_abs.toExponential(2)}</td>
        <td>${r.tolerance}</td><td class="num">${r.failures}</td><td class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'pass' : 'FAIL'}</td>`;
      body.appendChild(tr);
    }
    $('selftest-progress').value = i + 1;
    $('selftest-summary').textContent = `${i + 1} / ${n} checks, ${rows - failed} of ${rows} rows passed`;
  }
  const ms = performance.now() - t0;
  $('selftest-summary').textContent = `${rows - failed} of ${rows} rows passed (${n} checks, ${(ms / 1000).toFixed(1)} s) on ${adapterText}, kernels ${JSON.parse(engine.info()).kernels}`;
  return { rows, failed, checks: n, ms, times };
}
$('run-selftest').onclick = () => runSelftest().catch((e) => status(String(e), true));

// ---------------------------------------------------------------- training
let stopRequested = false;
async function shippedTrainingData(count) {
  const images = [], masks = [];
  for (let i = 1; i <= count; i++) {
    images.push(await fetchBytes(`pkg/medseg/im/i${sliceName(i)}.png`));
    masks.push(await fetchBytes(`pkg/medseg/mask/tr_mask_z${sliceName(i)}.png`));
  }
  return { images, masks };
}

function drawLoss(losses, epochsDone) {
  const c = $('loss-curve'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (!losses.length) return;
  const max = Math.max(...losses), min = Math.min(0, ...losses);
  const x = (i) => 40 + (i / Math.max(1, losses.length - 1)) * (c.width - 60);
  const y = (v) => c.height - 30 - ((v - min) / (max - min || 1)) * (c.height - 50);
  g.strokeStyle = '#999'; g.beginPath(); g.moveTo(40, 10); g.lineTo(40, c.height - 30); g.lineTo(c.width - 10, c.height - 30); g.stroke();
  g.fillStyle = '#333'; g.font = '12px sans-serif';
  g.fillText(max.toFixed(3), 2, y(max) + 4); g.fillText(min.toFixed(2), 2, y(min));
  g.fillText(`iteration ${losses.length} · epoch ${epochsDone}`, c.width - 200, c.height - 10);
  g.strokeStyle = '#c0392b'; g.lineWidth = 2; g.beginPath();
  losses.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
  g.stroke();
}

async function train(options, { slices = SLICES, maxSteps = Infinity } = {}) {
  stopRequested = false;
  $('start-training').disabled = true; $('stop-training').disabled = false;
  try {
    $('train-status').textContent = `downloading ${slices} slices…`;
    const { images, masks } = await shippedTrainingData(slices);
    const run = JSON.parse(engine.start_training(images, masks, JSON.stringify(options)));
    // The form shows what runs (a caller such as web/check.py may pass other options).
    const c = run.config;
    Object.entries({ 't-task': c.task, 't-size': c.size, 't-width': c.width, 't-epochs': c.epochs, 't-batch': c.batch, 't-lr': Number(c.lr.toPrecision(3)) })
      .forEach(([id, v]) => { $(id).value = v; });
    const total = run.config.epochs * run.iterations_per_epoch;
    $('train-progress').max = Math.min(total, maxSteps);
    const losses = [], stepMs = [];
    let last = null;
    while (!stopRequested && losses.length < maxSteps) {
      const t = performance.now();
      const r = JSON.parse(await engine.train_step());
      if (r.done && r.loss === undefined) break;
      stepMs.push(performance.now() - t);
      losses.push(r.loss); last = r;
      $('train-progress').value = losses.length;
      $('train-status').textContent = `epoch ${r.epoch}/${run.config.epochs}, iteration ${r.iteration}/${total}: loss ${r.loss.toFixed(4)}, ` +
        `pixel accuracy ${(100 * r.accuracy).toFixed(1)} % · ${(stepMs.reduce((a, b) => a + b) / stepMs.length).toFixed(0)} ms per step ` +
        `(${run.parameters} parameters, ${run.train} training slices at ${run.config.size}²)`;
      drawLoss(losses, r.epoch);
      if (r.done) break;
    }
    // The trained network on a slice of the shipped model's test split (the same seeded split
    // when all 100 slices train with seed 1).
    const name = `i${sliceName(modelSplit.test[0] + 1)}.png`;
    const p = await engine.predict_png_with_trained(await fetchBytes(`pkg/medseg/im/${name}`), name);
    drawPrediction(p, $('train-overlay'));
    return { losses, stepMs, run, last };
  } finally {
    $('start-training').disabled = false; $('stop-training').disabled = true;
  }
}
$('start-training').onclick = () => train({
  task: $('t-task').value, size: +$('t-size').value, width: +$('t-width').value, epochs: +$('t-epochs').value,
  batch: +$('t-batch').value, lr: +$('t-lr').value,
}).catch((e) => status(String(e), true));
$('stop-training').onclick = () => { stopRequested = true; };

// ---------------------------------------------------------------- start
async function start() {
  await init();
  const kernels = new URLSearchParams(location.search).get('kernels') || 'auto';
  // What the browser says of its adapter (wgpu's adapter name is empty on the web).
  const a = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!a) throw new Error('this browser offers no WebGPU adapter (Chrome or Edge 113+, Safari 26, Firefox 141+ on Windows)');
  const ai = a.info;
  const adapter = [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' ') +
    (ai.isFallbackAdapter ? ' (software)' : '') + (ai.subgroupMinSize ? `, subgroups ${ai.subgroupMinSize}–${ai.subgroupMaxSize}` : '');
  const t0 = performance.now();
  engine = await Engine.open(kernels);
  const info = { ...JSON.parse(engine.info()), adapter };
  adapterText = adapter;
  const openMs = performance.now() - t0;
  modelInfo = JSON.parse(engine.load_model(await fetchBytes('pkg/model.safetensors'), 'model.safetensors'));
  const c = modelInfo.config;
  $('model-info').textContent = `Shipped model: ${c.model} ${c.task} (${modelInfo.classes.map((k) => k.name).join(', ')}), ` +
    `${c.size}×${c.size} input, width ${c.width} — trained with lungseg's own commands (assets/README.md).`;
  modelSplit = JSON.parse(engine.model_split(SLICES));
  for (let i = 1; i <= SLICES; i++) $('shipped-slice').add(new Option(`i${sliceName(i)}.png (${sliceRole(i - 1)})`, i));
  // Start on a slice the model never saw in training.
  const first = modelSplit.test[0] + 1;
  $('shipped-slice').value = first;
  status(`WebGPU: ${info.adapter}; kernels ${info.kernels}; largest storage binding ${(info.max_storage_buffer_binding_size / 2 ** 20).toFixed(0)} MiB. Ready.`);
  await predictShipped(first);
  return { info, openMs, split: modelSplit };
}

// Opens a NIfTI volume fetched from `url` and segments slice z (the drop path, for web/check.py).
async function predictNiftiUrl(url, z) {
  const depth = engine.open_nifti(await fetchBytes(url), url.split('/').pop(), undefined, undefined);
  const t0 = performance.now();
  const p = await engine.predict_slice(z);
  return { depth, ms: performance.now() - t0, summary: JSON.parse(p.summary()) };
}

const ready = start().catch((e) => { status(`lungseg could not start: ${e}`, true); throw e; });
window.lungseg = {
  ready, runSelftest, train, predictShipped, predictNiftiUrl,
  engine: () => engine,
  // Probabilities of the last prediction as base64 little-endian f32 (for web/check.py).
  lastProbabilities: () => {
    const f = lastPrediction.probabilities();
    let s = '';
    const b = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
    return btoa(s);
  },
};
