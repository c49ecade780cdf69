//! Figures of a run, as the paper's: training and validation loss / accuracy curves from
//! `log.csv` (SVG, Fig. 4), a dataset sample (CT and labels, Fig. 1), the label-accumulation heat
//! map over all slices (Fig. 2), and ground truth beside prediction for every test image (PNG).

use crate::config::TrainConfig;
use crate::data::{self, Slice};
use crate::error::{Error, Result};
use crate::evaluate;
use crate::gpu::Gpu;
use crate::pipeline;
use crate::run_dir::{read_json, RunDir};
use crate::step;
use std::fmt::Write as _;
use std::path::Path;

fn fig_err(path: &Path, detail: impl Into<String>) -> Error {
    Error::InvalidArgument { op: "figures", detail: format!("{}: {}", path.display(), detail.into()) }
}

/// One series of (iteration, value).
pub type Series = Vec<(f64, f64)>;

/// Reads `log.csv`: (train loss, val loss, train accuracy, val accuracy) by iteration.
pub fn read_log(path: &Path) -> Result<(Series, Series, Series, Series)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading the training log", path, e))?;
    let (mut tl, mut vl, mut ta, mut va) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num =
            |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| fig_err(path, format!("line {}: malformed", n + 1)));
        let (it, loss, acc) = (num(2)?, num(3)?, num(4)?);
        match f[0] {
            "train" => {
                tl.push((it, loss));
                ta.push((it, acc));
            }
            "val" => {
                vl.push((it, loss));
                va.push((it, acc));
            }
            other => return Err(fig_err(path, format!("line {}: unknown kind {other:?}", n + 1))),
        }
    }
    Ok((tl, vl, ta, va))
}

/// A line chart of the given series (name, colour, points) as SVG.
pub fn line_chart(title: &str, y_label: &str, series: &[(&str, &str, &Series)]) -> String {
    let (w, h, left, bottom, top, right) = (720.0, 400.0, 60.0, 40.0, 30.0, 20.0);
    let pts = series.iter().flat_map(|s| s.2.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        if y.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let y0 = y0.min(0.0);
    let (sx, sy) = ((w - left - right) / (x1 - x0).max(1e-9), (h - top - bottom) / (y1 - y0).max(1e-9));
    let px = |x: f64| left + (x - x0) * sx;
    let py = |y: f64| h - bottom - (y - y0) * sy;
    let mut s =
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n");
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(s, "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{title}</text>", w / 2.0);
    let _ = writeln!(s, "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>", h - bottom, w - right, h - bottom);
    let _ = writeln!(s, "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"black\"/>", h - bottom);
    for k in 0..=4 {
        let yv = y0 + (y1 - y0) * k as f64 / 4.0;
        let xv = x0 + (x1 - x0) * k as f64 / 4.0;
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{yv:.3}</text>", left - 4.0, py(yv) + 4.0);
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{xv:.0}</text>", px(xv), h - bottom + 16.0);
    }
    let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">iteration</text>", w / 2.0, h - 6.0);
    let _ =
        writeln!(s, "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">{y_label}</text>", h / 2.0, h / 2.0);
    for (i, (name, colour, pts)) in series.iter().enumerate() {
        let path: Vec<String> = pts.iter().filter(|p| p.1.is_finite()).map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
        let _ = writeln!(s, "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>", path.join(" "));
        let _ = writeln!(s, "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{name}</text>", w - right - 110.0, top + 16.0 * (i as f64 + 1.0));
    }
    s.push_str("</svg>\n");
    s
}

/// Side-by-side panels (each h × w RGB) with a 4-pixel white gap.
fn side_by_side(h: usize, w: usize, panels: &[Vec<u8>]) -> (usize, Vec<u8>) {
    let gap = 4;
    let total_w = panels.len() * w + (panels.len() - 1) * gap;
    let mut out = vec![255u8; h * total_w * 3];
    for (k, p) in panels.iter().enumerate() {
        for r in 0..h {
            let dst = (r * total_w + k * (w + gap)) * 3;
            out[dst..dst + w * 3].copy_from_slice(&p[r * w * 3..(r + 1) * w * 3]);
        }
    }
    (total_w, out)
}

/// Writes every figure of `run_dir` into `out`; returns the files written.
pub fn write_figures(gpu: &Gpu, run_dir: &Path, out: &Path) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating the figures folder", out, e))?;
    let mut written = Vec::new();
    let (tl, vl, ta, va) = read_log(&run_dir.join("log.csv"))?;
    for (file, title, label, a, b) in [
        ("loss.svg", "Training and validation loss", "loss", &tl, &vl),
        ("accuracy.svg", "Training and validation accuracy", "pixel accuracy", &ta, &va),
    ] {
        let svg = line_chart(title, label, &[("training", "#1f77b4", a), ("validation", "#d62728", b)]);
        let p = out.join(file);
        std::fs::write(&p, svg).map_err(|e| Error::io("writing a figure", &p, e))?;
        written.push(p);
    }

    let cfg: TrainConfig = read_json(&RunDir::new(run_dir).config())?;
    let task = cfg.task;
    let prep = pipeline::prepare(&cfg)?;
    let (h, w) = (cfg.size, cfg.size);
    // Dataset sample: CT beside CT + labels for the four slices with the most infection.
    let mut by_infection: Vec<&Slice> = prep.slices.iter().collect();
    by_infection.sort_by_key(|s| std::cmp::Reverse(s.labels.iter().filter(|&&l| l > 0).count()));
    let mut rows = Vec::new();
    for s in by_infection.iter().take(4) {
        let grey: Vec<u8> = s.image.iter().flat_map(|&v| [(v.clamp(0.0, 1.0) * 255.0) as u8; 3]).collect();
        rows.push(side_by_side(h, w, &[grey, crate::predict::overlay(&s.image, &s.labels, task)]));
    }
    let width = rows[0].0;
    let p = out.join("dataset_sample.png");
    data::write_png_rgb(&p, h * rows.len(), width, &rows.iter().flat_map(|r| r.1.iter().copied()).collect::<Vec<_>>())?;
    written.push(p);

    // Label accumulation heat map: share of slices in which each pixel is infected (black → red → yellow).
    let mut acc = vec![0u32; h * w];
    for s in &prep.slices {
        for (a, &l) in acc.iter_mut().zip(&s.labels) {
            *a += (l > 0) as u32;
        }
    }
    let max = acc.iter().copied().max().unwrap_or(1).max(1) as f32;
    let heat: Vec<u8> = acc
        .iter()
        .flat_map(|&a| {
            let t = a as f32 / max;
            [(255.0 * (2.0 * t).min(1.0)) as u8, (255.0 * (2.0 * t - 1.0).clamp(0.0, 1.0)) as u8, 0]
        })
        .collect();
    let p = out.join("label_heatmap.png");
    data::write_png_rgb(&p, h, w, &heat)?;
    written.push(p);

    // Ground truth beside prediction for the test images, where the run's weights are here (a run
    // copied back without its checkpoints still gets the figures above). The prediction is the
    // run's as `eval` scores it: its best checkpoint, or with `--snapshots` their mean.
    if !RunDir::new(run_dir).best().exists() {
        return Ok(written);
    }
    let ensemble = evaluate::Ensemble::load(gpu, run_dir, None, false)?;
    let dir = out.join("test_overlays");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating the overlays folder", &dir, e))?;
    for &i in &prep.split.test {
        let s = &prep.slices[i];
        let pred = if let [trained] = &ensemble.members[..] {
            let x = trained.preprocessor.image(&s.image, h, w);
            let xt = gpu.upload_f32("figures", &x, &[1, 1, h, w])?;
            step::predict_classes(gpu, &step::infer(gpu, &trained.model, &xt)?)?
        } else {
            ensemble.classes(gpu, &[&s.image])?
        };
        let (tw, img) =
            side_by_side(h, w, &[crate::predict::overlay(&s.image, &s.labels, task), crate::predict::overlay(&s.image, &pred, task)]);
        let p = dir.join(format!("{}_truth_vs_prediction.png", s.name));
        data::write_png_rgb(&p, h, tw, &img)?;
        written.push(p);
    }
    Ok(written)
}
