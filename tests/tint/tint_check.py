"""Compile every shaders/*.wgsl with Chrome's WGSL compiler (Tint), in headless Chromium's WebGPU.

naga (the compiler wgpu uses natively) is not the only judge of WGSL: Tint enforces the spec's
uniformity rules, e.g. that subgroup built-ins run in subgroup-uniform control flow. Shaders that
use subgroup built-ins get `enable subgroups;` prepended, as the web build must do (naga 30 refuses
the directive), and the device is requested with the `subgroups` feature.

Prints one JSON line per shader ({"shader", "ok", "errors"}) and a summary line; exits 1 if any
shader fails or the browser gives no answer. Needs `chromium` and the `websocket-client` package.
Usage: python3 tests/tint/tint_check.py SHADER_DIR [TIMEOUT_SECONDS]
"""
import glob
import json
import os
import sys
import tempfile

# The browser driver is shared with the page's check (web/check.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "web"))
from browser import Browser, BrowserError  # noqa: E402

PAGE = """<!doctype html><meta charset=utf-8><title>running</title><pre id=out></pre><script>
const SOURCES = %s;
(async () => {
  const lines = [];
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
    const hasSubgroups = adapter.features.has('subgroups');
    const device = await adapter.requestDevice({requiredFeatures: hasSubgroups ? ['subgroups'] : []});
    for (const [name, code] of Object.entries(SOURCES)) {
      const usesSubgroups = /\\bsubgroup[A-Z]|subgroup_invocation_id|subgroup_size/.test(code);
      if (usesSubgroups && !hasSubgroups) {
        lines.push(JSON.stringify({shader: name, ok: false, errors: ['adapter has no subgroups feature']}));
        continue;
      }
      const module = device.createShaderModule({code: (usesSubgroups ? 'enable subgroups;\\n' : '') + code});
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter(m => m.type === 'error')
        .map(m => `${name}:${m.lineNum - (usesSubgroups ? 1 : 0)}:${m.linePos}: ${m.message}`);
      lines.push(JSON.stringify({shader: name, ok: errors.length === 0, errors}));
    }
  } catch (e) {
    lines.push(JSON.stringify({shader: '(page)', ok: false, errors: [String(e)]}));
  }
  document.getElementById('out').textContent = lines.join('\\n');
  document.title = 'done';
})();
</script>"""


def with_prelude(shader_dir, text):
    """A shader whose first line is `// prelude: NAME [NAME...] (comment)` is compiled with
    shaders/prelude/NAME.wgsl for each name in front of it, as lungseg loads it (src/pipelines.rs)."""
    first = text.split("\n", 1)[0]
    if not first.startswith("// prelude: "):
        return text
    names = first[len("// prelude: "):].split("(")[0].split()
    return "".join(open(os.path.join(shader_dir, "prelude", n + ".wgsl")).read() for n in names) + text


def main():
    shader_dir = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 180.0
    sources = {os.path.basename(f): with_prelude(shader_dir, open(f).read()) for f in sorted(glob.glob(os.path.join(shader_dir, "*.wgsl")))}
    if not sources:
        print(f"no .wgsl files in {shader_dir}")
        return 1
    with tempfile.TemporaryDirectory(prefix="lungseg-tint-") as root:
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write(PAGE % json.dumps(sources))
        try:
            with Browser(root) as browser:
                browser.open("index.html")
                text = browser.wait_for(
                    "document.title == 'done' && document.getElementById('out').textContent", timeout=timeout)
        except BrowserError as e:
            print(e)
            return 1
    results = [json.loads(line) for line in text.splitlines() if line.strip()]
    for r in results:
        print(json.dumps(r))
    failed = [r for r in results if not r["ok"]]
    print(f"tint: {len(results) - len(failed)} of {len(sources)} shaders compiled, {len(failed)} failed")
    return 0 if results and not failed and len(results) == len(sources) else 1


if __name__ == "__main__":
    sys.exit(main())
