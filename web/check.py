"""The browser check (web/check.sh runs it after building web/pkg): open the page in headless
Chromium (WebGPU on SwiftShader here) and fail unless
  * every kernel check passes on the browser's adapter (the rows `lungseg selftest` prints),
  * the page's prediction of a shipped slice matches the native CLI's (`lungseg predict
    --probabilities`) within the tolerance below,
  * a few training steps in the tab lower the loss.
Prints one JSON line (adapter, counts, losses, times) and saves a screenshot of each view.

Usage: python3 web/check.py LUNGSEG_BINARY [--screenshots DIR] [--kernels auto|portable|...]
"""
import argparse
import base64
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Browser, BrowserError  # noqa: E402

WEB = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(WEB)
# Whole-network agreement of softmax probabilities between two adapters (SwiftShader in the
# browser, the native adapter here): every kernel is within its own tolerance (1e-4 relative for
# the convolutions), and a U-Net chains ~20 of them; the probabilities are in [0, 1].
PROB_TOL = 1e-3
# Training steps in the tab: 4 slices (the seeded split trains on 3 of them, one batch, no
# augmentation), the same batch every step, so the loss must fall.
TRAIN = {"task": "multi", "size": 64, "width": 8, "epochs": 6, "batch": 4, "lr": 0.002, "augment": False}


def read_npy_f32(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(f"{path}: not a .npy file")
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode("latin1")
    if "'<f4'" not in header:
        raise ValueError(f"{path}: expected little-endian f32, header {header}")
    body = data[10 + header_len:]
    return struct.unpack(f"<{len(body) // 4}f", body)


def native_probabilities(lungseg, slice_no):
    image = os.path.join(ROOT, "assets", "medseg", "im", "256", f"i{slice_no:03d}.png")
    model = os.path.join(ROOT, "assets", "model", "unet-multi-quick.safetensors")
    with tempfile.TemporaryDirectory(prefix="lungseg-native-") as out:
        subprocess.run([lungseg, "predict", "--checkpoint", model, "--input", image, "--output", out, "--probabilities"],
                       check=True, stdout=subprocess.DEVNULL)
        return read_npy_f32(os.path.join(out, f"i{slice_no:03d}_prob.npy"))


def native_selftest_rows(lungseg):
    """(op, entry) of every row `lungseg selftest` prints natively (passed or failed)."""
    r = subprocess.run([lungseg, "selftest", "--kernels", "portable"], capture_output=True, text=True)
    return [tuple(line.split()[:2]) for line in r.stdout.splitlines() if re.search(r"\s(pass|FAIL \(\d+/\d+\))$", line)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lungseg")
    ap.add_argument("--screenshots")
    ap.add_argument("--kernels", default="auto")
    args = ap.parse_args()
    failures = []
    result = {"kernels_requested": args.kernels}
    try:
        with Browser(WEB) as b:
            b.open(f"index.html?kernels={args.kernels}")
            b.wait_for("window.lungseg !== undefined", timeout=60)
            started = b.evaluate("window.lungseg.ready.then(r => JSON.stringify(r))", timeout=300)
            started = json.loads(started)
            result["adapter"] = started["info"]["adapter"]
            result["kernels"] = started["info"]["kernels"]
            result["open_ms"] = round(started["openMs"])
            # The comparison slice: the first of the shipped model's test split (never trained on).
            slice_no = started["split"]["test"][0] + 1
            result["slice"] = f"i{slice_no:03d}.png"
            native = native_probabilities(args.lungseg, slice_no)

            st = json.loads(b.evaluate("window.lungseg.runSelftest().then(r => JSON.stringify(r))", timeout=1200))
            result.update(selftest_checks=st["checks"], selftest_rows=st["rows"], selftest_failed=st["failed"],
                          selftest_s=round(st["ms"] / 1000, 1),
                          slowest_check={"check": max(st["times"], key=lambda t: t["ms"])["check"],
                                         "ms": round(max(t["ms"] for t in st["times"]))})
            if st["failed"] or not st["rows"]:
                failures.append(f"{st['failed']} of {st['rows']} kernel check rows failed in the browser")
            want_rows = len(native_selftest_rows(args.lungseg))
            if st["rows"] != want_rows:
                failures.append(f"the browser ran {st['rows']} kernel check rows, `lungseg selftest` {want_rows}")
            if args.screenshots:
                b.evaluate("document.querySelector('[data-view=selftest]').click()")
                b.screenshot(os.path.join(args.screenshots, "selftest.png"))

            pred = json.loads(b.evaluate(
                f"window.lungseg.predictShipped({slice_no}).then(r => JSON.stringify({{summary: r.summary, ms: r.ms}}))"))
            result["predict_ms"] = round(pred["ms"])
            result["share_of_lung"] = [round(v, 4) for v in pred["summary"]["share_of_lung"]]
            raw = base64.b64decode(b.evaluate("window.lungseg.lastProbabilities()"))
            page = struct.unpack(f"<{len(raw) // 4}f", raw)
            if len(page) != len(native):
                failures.append(f"the page returned {len(page)} probabilities, the CLI {len(native)}")
            else:
                # Counted element by element: a NaN on either side is a failure (max() would skip it).
                outside = sum(1 for a, c in zip(page, native) if not abs(a - c) <= PROB_TOL)
                finite = [abs(a - c) for a, c in zip(page, native) if math.isfinite(a) and math.isfinite(c)]
                result["prediction_max_abs_diff"] = max(finite) if finite else None
                if outside:
                    failures.append(f"{outside} of {len(page)} page probabilities differ from the CLI's by more than {PROB_TOL} (or are NaN)")
            result["dice_vs_radiologist"] = [None if d is None else round(d, 3) for d in pred["summary"]["dice"]]
            if args.screenshots:
                b.evaluate("document.querySelector('[data-view=segment]').click()")
                b.screenshot(os.path.join(args.screenshots, "segment.png"))

            # The volume path: a gzip-compressed NIfTI parsed and windowed in the tab (the shipped
            # mask volume stands in for a CT here; only the path is checked, not the segmentation).
            vol = json.loads(b.evaluate(
                "window.lungseg.predictNiftiUrl('pkg/medseg/tr_mask.nii.gz', 49).then(r => JSON.stringify(r))"))
            result["nifti_slice_ms"] = round(vol["ms"])
            if vol["depth"] != 100 or (vol["summary"]["height"], vol["summary"]["width"]) != (512, 512):
                failures.append(f"the NIfTI volume opened as {vol['depth']} slices of "
                                f"{vol['summary']['height']}×{vol['summary']['width']}, expected 100 of 512×512")

            tr = json.loads(b.evaluate(
                f"window.lungseg.train({json.dumps(TRAIN)}, {{slices: 4}}).then(r => JSON.stringify(r))", timeout=1200))
            losses = tr["losses"]
            result["losses"] = [round(v, 4) for v in losses]
            result["train_step_ms"] = round(sum(tr["stepMs"]) / max(1, len(tr["stepMs"])))
            if len(losses) < 2 or not losses[-1] < losses[0]:
                failures.append(f"training in the tab did not lower the loss: {losses}")
            if args.screenshots:
                b.evaluate("document.querySelector('[data-view=train]').click()")
                b.screenshot(os.path.join(args.screenshots, "train.png"))
            errors = [m for m in b.console if m.startswith(("exception", "lungseg panicked", "lungseg device error"))]
            if errors:
                failures.append(f"page exceptions: {errors[:3]}")
    except BrowserError as e:
        failures.append(f"browser: {e}")
    result["ok"] = not failures
    result["failures"] = failures
    print(json.dumps(result))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
