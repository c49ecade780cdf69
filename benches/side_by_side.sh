#!/usr/bin/env bash
# Side-by-side speed of two lungseg builds and PyTorch on this machine, alternating so that drift
# on a shared machine hits all of them alike: kernel benches of both builds, then training /
# inference steps of U-Net and SegNet (256², batch 2, 4 classes) for both builds and PyTorch.
# JSON lines with a "build" and "rep" field go to OUT/kernels.jsonl and OUT/models.jsonl.
#   bash benches/side_by_side.sh OLD_BINARY NEW_BINARY OUT [ROUNDS]
# Stop any other work on the machine first (numbers are ratios measured together, not absolutes).
set -euo pipefail
old=$1 new=$2 out=$3 rounds=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
tag() { sed "s/^{/{\"build\":\"$1\",\"rep\":$2,/"; }
for rep in $(seq "$rounds"); do
    for b in old new; do
        bin=$old; [ "$b" = new ] && bin=$new
        "$bin" bench --no-check --iters 5 2>/dev/null | tag "$b" "$rep" >> "$out/kernels.jsonl"
    done
    for m in unet segnet; do
        for b in old new; do
            bin=$old; [ "$b" = new ] && bin=$new
            "$bin" bench --model "$m" --steps 3 2>/dev/null | tag "$b" "$rep" >> "$out/models.jsonl"
        done
        python3 "$here/pytorch_reference.py" --model "$m" --classes 4 --batch 2 --size 256 --steps 5 2>/dev/null \
            | tag pytorch "$rep" >> "$out/models.jsonl"
    done
done
