#!/usr/bin/env python3
"""The paper's U-Net and SegNet in PyTorch on the CPU, timed like `lungseg bench --model`.

Prints one JSON line per model and mode with the same fields as lungseg, so the two can be
compared side by side on the same machine in the same session:

    python3 benches/pytorch_reference.py --model unet --classes 4 --batch 2 --size 256 --steps 3
    cargo run --release -- bench --model unet --classes 4 --batch 2 --size 256 --steps 3

Not run in CI (needs PyTorch). Threads default to 2 (`--threads`), as the CI-class machine.
Architectures mirror src/models.rs: U-Net (depth 2, 32 filters doubling, dropout 0.5 before the
last pool and after the bridge, up-conv + ReLU, concat [up, skip]); SegNet (3 stages of
[conv 64 + BN + ReLU] x 2, max-pool with indices / max-unpool, plain logits).
"""
import argparse
import json
import platform
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, classes, depth=2, width=32, dropout=0.5):
        super().__init__()
        self.enc = nn.ModuleList()
        cin = 1
        for d in range(depth):
            f = width << d
            self.enc.append(nn.Sequential(conv_relu(cin, f), conv_relu(f, f)))
            cin = f
        fb = width << depth
        self.bridge = nn.Sequential(conv_relu(cin, fb), conv_relu(fb, fb))
        self.drop = nn.Dropout(dropout)
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        c = fb
        for d in reversed(range(depth)):
            f = width << d
            self.up.append(nn.ConvTranspose2d(c, f, 2, stride=2))
            self.dec.append(nn.Sequential(conv_relu(2 * f, f), conv_relu(f, f)))
            c = f
        self.final = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        skips = []
        for i, stage in enumerate(self.enc):
            x = stage(x)
            skips.append(x)
            if i == len(self.enc) - 1:
                x = self.drop(x)
            x = F.max_pool2d(x, 2)
        x = self.drop(self.bridge(x))
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([F.relu(up(x)), skip], 1))
        return self.final(x)


class SegNet(nn.Module):
    def __init__(self, classes, depth=3, width=64):
        super().__init__()

        def block(cin, cout, bn=True):
            layers = [nn.Conv2d(cin, cout, 3, padding=1)]
            if bn:
                layers += [nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            return nn.Sequential(*layers)

        self.enc = nn.ModuleList()
        cin = 1
        for _ in range(depth):
            self.enc.append(nn.Sequential(block(cin, width), block(width, width)))
            cin = width
        self.dec = nn.ModuleList()
        for d in reversed(range(depth)):
            last = d == 0
            self.dec.append(nn.Sequential(block(width, width), block(width, classes if last else width, bn=not last)))

    def forward(self, x):
        idx, sizes = [], []
        for stage in self.enc:
            x = stage(x)
            sizes.append(x.shape[-2:])
            x, i = F.max_pool2d(x, 2, return_indices=True)
            idx.append(i)
        for stage, i, s in zip(self.dec, reversed(idx), reversed(sizes)):
            x = stage(F.max_unpool2d(x, i, 2, output_size=s))
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["unet", "segnet"], default="unet")
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = UNet(a.classes) if a.model == "unet" else SegNet(a.classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, weight_decay=1e-4)
    x = torch.randn(a.batch, 1, a.size, a.size)
    y = torch.randint(0, a.classes, (a.batch, a.size, a.size))
    w = torch.ones(a.classes)
    for mode in ["train", "infer"]:
        times, first = [], 0.0
        for i in range(a.steps + 1):
            t0 = time.perf_counter()
            if mode == "train":
                net.train()
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(net(x), y, weight=w)
                loss.backward()
                opt.step()
            else:
                net.eval()
                with torch.no_grad():
                    F.cross_entropy(net(x), y, weight=w)
            dt = time.perf_counter() - t0
            if i == 0:
                first = dt
            else:
                times.append(dt)
        med = statistics.median(times)
        print(json.dumps({
            "model": a.model, "classes": a.classes, "batch": a.batch, "size": a.size, "mode": mode,
            "median_s_per_step": round(med, 4), "first_step_s": round(first, 4),
            "images_per_s": round(a.batch / med, 4),
            "adapter": f"PyTorch {torch.__version__} CPU, {a.threads} threads ({platform.processor() or platform.machine()})",
        }))


if __name__ == "__main__":
    main()
