#!/usr/bin/env bash
# The browser check, as CI runs it (README's test command): build web/pkg, then drive the page in
# headless Chromium (WebGPU on SwiftShader) — every kernel check, a prediction against the native
# CLI's, a few training steps. Prints one JSON line; screenshots land in target/web-screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
bash web/build.sh
cargo build --quiet --bin lungseg
mkdir -p target/web-screenshots
python3 web/check.py target/debug/lungseg --screenshots target/web-screenshots "$@"
