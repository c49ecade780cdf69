#!/usr/bin/env bash
# One prepared device check for a lent GPU machine (no network, minutes of device time): run it
# from the repository root there, with the release binary built elsewhere and, where the machine
# has no Vulkan loader, a folder holding either a copy of libvulkan.so.1 or Debian packages:
#
#     bash benches/gpu_check.sh [BINARY] [LOADER_DIR] [CV_SECONDS] [CV_RUNS]
#
# BUDGET (environment, default 570 s): the whole script stops its sections at this many seconds
# from its start, so that under a lent machine's 600-second command limit the cross-validations'
# summaries and packed logs still come back.
# CV_RUNS: the paper-preset cross-validations to run, as MODEL:TASK words (default
# "segnet:binary"; all four: "segnet:binary unet:binary segnet:multi unet:multi"), one after
# another within CV_SECONDS in all (and within BUDGET), into /tmp/gpu-check-cv/MODEL-TASK and
# packed after each one; one cut short keeps its finished folds (`lungseg cv` skips them when
# rerun with the same --out on the same machine). On the H200 SegNet binary took 388 s (README,
# "On a discrete GPU"): a 10-minute command holds one after the shorter sections.
#
# On the lent NVIDIA machine a carried libvulkan.so.1 alone finds no adapter: NVIDIA's ICD
# (libGLX_nvidia.so.0) needs the GL dispatch libraries as well. Carry Debian's packages instead —
# here, `apt-get download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2` into
# LOADER_DIR — and the script, run as root, unpacks every LOADER_DIR/*.deb into / first.
#
# Prints, in order of importance (so a run cut short still reports the most): the adapter and the
# family `auto` picks; selftest of every kernel family (the `gpu` one at the paper's sizes too);
# the kernel benchmarks of the `gpu` family and of `cpu`'s convolutions for comparison (JSON rows
# with workgroups); U-Net batch 2 and SegNet batch 4 training steps with --profile (each entry
# point's share of a step); and, last, the paper preset's 5-fold cross-validations (CV_RUNS),
# timed, for at most CV_SECONDS (default 600; their per-epoch logs say how far they got). Every
# section is prefixed by a `# section (time)` line and has its own time limit; nothing stops at a
# failure. Where $OUT is set (the lent machine's result folder) the cross-validations' run folders
# without checkpoints are packed into $OUT/cv_logs.tar.gz (`lungseg report --runs DIR` renders
# them beside the paper's Table 7).
set -u
BIN="${1:-target/release/lungseg}"
LOADER_DIR="${2:-}"
CV_SECONDS="${3:-600}"
CV_RUNS="${4:-segnet:binary}"
if [ -n "$LOADER_DIR" ] && [ "$(id -u)" = 0 ] && ls "$LOADER_DIR"/*.deb >/dev/null 2>&1; then
    for deb in "$LOADER_DIR"/*.deb; do dpkg -x "$deb" /; done
    ldconfig
fi
if [ -n "$LOADER_DIR" ] && [ -e "$LOADER_DIR/libvulkan.so.1" ]; then
    export LD_LIBRARY_PATH="$LOADER_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's driver ships its Vulkan manifest outside the loader's default search path there.
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
DEADLINE=$(( $(date +%s) + ${BUDGET:-570} ))
section() { echo "# $1 ($(date +%T))"; }
# `within S`: S seconds, or what is left of BUDGET where that is less.
within() { local l=$(( DEADLINE - $(date +%s) )); echo $(( $1 < l ? $1 : l )); }
# `timeout` so that a hung driver or a slow section cannot eat the whole lease: each section gets
# its own limit or what is left of BUDGET, whichever is less.
limit() {
    local s; s=$(within "$1"); shift
    [ "$s" -gt 0 ] || { echo "# skipped: BUDGET spent"; return; }
    timeout --kill-after=5 "$s" "$@"; local rc=$?; [ "$rc" = 0 ] || echo "# exit status $rc"
}
# The cross-validations' run folders without checkpoints, for `lungseg report`.
pack() { [ -n "${OUT:-}" ] && [ -d /tmp/gpu-check-cv ] && tar czf "$OUT/cv_logs.tar.gz" --exclude="*.safetensors" -C /tmp gpu-check-cv 2>/dev/null; true; }

section "info"
limit 30 "$BIN" info
section "selftest --kernels gpu --paper-sizes"
limit 120 "$BIN" selftest --kernels gpu --paper-sizes | grep -v ' pass$'
for family in cpu portable; do
    section "selftest --kernels $family"
    limit 60 "$BIN" selftest --kernels "$family" | grep -v ' pass$'
done
section "bench --kernels gpu"
limit 90 "$BIN" bench --kernels gpu --no-check --iters 10
section "bench --kernels cpu --only conv"
limit 60 "$BIN" bench --kernels cpu --no-check --only conv --iters 10
section "bench --model unet (batch 2) --profile"
limit 60 "$BIN" bench --kernels gpu --model unet --classes 2 --batch 2 --size 256 --steps 20 --profile
section "bench --model segnet (batch 4) --profile"
limit 60 "$BIN" bench --kernels gpu --model segnet --classes 2 --batch 4 --size 256 --steps 20 --profile
section "cv --preset paper: ${CV_RUNS} (5 folds x 160 epochs each, at most ${CV_SECONDS} s in all)"
mkdir -p /tmp/gpu-check-cv
start=$(date +%s)
for run in $CV_RUNS; do
    case "$run" in
        unet:binary | unet:multi | segnet:binary | segnet:multi) ;;
        *) echo "# CV_RUNS: \"$run\" is not MODEL:TASK (unet|segnet : binary|multi)"; continue ;;
    esac
    model="${run%%:*}"; task="${run##*:}"
    budget=$(within $(( CV_SECONDS - ($(date +%s) - start) )))
    [ "$budget" -gt 0 ] || { echo "# no time left for $model $task"; continue; }
    s=$(date +%s)
    timeout --kill-after=5 "$budget" "$BIN" cv --kernels gpu --preset paper --model "$model" --task "$task" \
        --out "/tmp/gpu-check-cv/$model-$task" > "/tmp/gpu-check-cv/$model-$task.log" 2>&1
    echo "{\"cv_paper\":\"$model-$task\",\"exit\":$?,\"seconds\":$(( $(date +%s) - s ))}"
    pack
done
echo "{\"cv_paper_all_seconds\":$(( $(date +%s) - start ))}"
for run in $CV_RUNS; do
    model="${run%%:*}"; task="${run##*:}"
    [ -e "/tmp/gpu-check-cv/$model-$task.log" ] || continue
    echo "## $model $task"
    grep -v '^epoch' "/tmp/gpu-check-cv/$model-$task.log" | tail -8
    for log in "/tmp/gpu-check-cv/$model-$task"/fold*/log.csv; do
        [ -e "$log" ] && echo "$log: $(grep -c '^val' "$log") validation rows"
    done
done
pack
section "done"
