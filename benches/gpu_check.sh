#!/usr/bin/env bash
# One prepared device check for a lent GPU machine (no network, minutes of device time): run it
# from the repository root there, with the release binary built elsewhere and, where the machine
# has no Vulkan loader, a folder holding a copy of libvulkan.so.1:
#
#     bash benches/gpu_check.sh [BINARY] [DIR_WITH_libvulkan.so.1] > $OUT/gpu_check.jsonl
#
# Prints, in order of importance (so a run cut short by its time limit still reports the most):
# the adapter and the family `auto` picks; selftest on every kernel family (correctness first);
# the kernel benchmarks of the `gpu` family and of `cpu` for comparison (JSON rows with
# workgroups); U-Net batch 2 and SegNet batch 4 training steps with --profile (each entry
# point's share of a step); and, last, the paper preset's SegNet binary 5-fold cross-validation
# timed. Every section is prefixed by a `# section` line; nothing stops at a failure.
set -u
BIN="${1:-target/release/lungseg}"
LOADER_DIR="${2:-}"
if [ -n "$LOADER_DIR" ] && [ -e "$LOADER_DIR/libvulkan.so.1" ]; then
    export LD_LIBRARY_PATH="$LOADER_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's driver ships its Vulkan manifest outside the loader's default search path there.
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
section() { echo "# $1 ($(date +%T))"; }

section "info"
"$BIN" info
for family in gpu cpu portable; do
    section "selftest --kernels $family"
    "$BIN" selftest --kernels "$family" --paper-sizes | tail -3
done
for family in gpu cpu; do
    section "bench --kernels $family"
    "$BIN" bench --kernels "$family" --iters 10
done
section "bench --model unet (batch 2) --profile"
"$BIN" bench --kernels gpu --model unet --classes 2 --batch 2 --size 256 --steps 10 --profile
section "bench --model segnet (batch 4) --profile"
"$BIN" bench --kernels gpu --model segnet --classes 2 --batch 4 --size 256 --steps 10 --profile
section "cv --preset paper --model segnet --task binary (5 folds x 160 epochs)"
start=$(date +%s)
"$BIN" cv --kernels gpu --preset paper --model segnet --task binary --class-weights sqrt-median --out /tmp/gpu-check-cv | tail -12
echo "{\"cv_paper_segnet_binary_seconds\":$(( $(date +%s) - start ))}"
