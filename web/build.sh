#!/usr/bin/env bash
# Builds the page: the wasm module (web/src) and its JavaScript bindings into web/pkg, with the
# shipped model and MedSeg slices beside them. Then serve web/ with any static server:
#   bash web/build.sh --serve        # http://127.0.0.1:8000/ (python3 -m http.server)
# Needs the wasm32-unknown-unknown target (added here when rustup is present).
set -euo pipefail
cd "$(dirname "$0")"
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
# Built crates are kept in a cache outside the checkout (override with LUNGSEG_WEB_TARGET), so a
# fresh clone on the same machine — CI's — reuses wgpu, naga and the bindings generator and only
# rebuilds lungseg itself.
export CARGO_TARGET_DIR="${LUNGSEG_WEB_TARGET:-${XDG_CACHE_HOME:-$HOME/.cache}/lungseg/web-target}"
cargo build --release --locked -p lungseg-web --target wasm32-unknown-unknown
cargo build --release --locked -p lungseg-bindgen
rm -rf pkg
mkdir -p pkg/medseg/im pkg/medseg/mask
"$CARGO_TARGET_DIR/release/lungseg-bindgen" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/lungseg_web.wasm" pkg
cp ../assets/medseg/im/256/*.png pkg/medseg/im/
cp ../assets/medseg/mask/multi/256/*.png pkg/medseg/mask/
cp ../assets/medseg/nifti/tr_mask.nii.gz pkg/medseg/
cp ../assets/model/unet-multi-quick.safetensors pkg/model.safetensors
echo "web/pkg: $(du -sh pkg/lungseg_web_bg.wasm | cut -f1) wasm module, model and 100 slices"
if [ "${1:-}" = "--serve" ]; then
    echo "serving web/ on http://127.0.0.1:${PORT:-8000}/ (WebGPU: a current Chrome or Edge; Firefox 141+ on Windows)"
    exec python3 -m http.server --bind 127.0.0.1 --directory . "${PORT:-8000}"
fi
