"""Headless Chromium with WebGPU, driven over the DevTools protocol, for lungseg's browser checks
(web/check.py, tests/tint/tint_check.py).

A page's asynchronous GPU work does not finish under --dump-dom / --virtual-time-budget, so the
page is driven live: open it, evaluate expressions (awaiting promises), take screenshots. Serves a
folder on 127.0.0.1 only. Needs `chromium` and the websocket-client package.
"""
import base64
import http.server
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request


class BrowserError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """`with Browser(folder) as b:` serves `folder` on 127.0.0.1 and starts headless Chromium."""

    def __init__(self, folder, width=1280, height=900):
        self.folder, self.size = folder, (width, height)

    def __enter__(self):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not chromium:
            raise BrowserError("chromium not found: apt-get install chromium (Debian)")
        try:
            import websocket  # websocket-client
        except ImportError:
            raise BrowserError("the websocket-client Python package is missing: pip install websocket-client")
        folder = self.folder

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=folder, **k)

            def log_message(self, *a):
                pass

        Quiet.extensions_map = {**Quiet.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.profile = tempfile.mkdtemp(prefix="lungseg-chromium-")
        debug_port = free_port()
        # The flags that keep Chromium off the (closed) network and give it WebGPU without a GPU
        # (SwiftShader, CPU-backed).
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--enable-unsafe-webgpu", "--disable-gpu-sandbox",
             "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--window-size={self.size[0]},{self.size[1]}", f"--user-data-dir={self.profile}",
             f"--remote-debugging-port={debug_port}", "--remote-allow-origins=*", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tabs = None
        for _ in range(150):
            try:
                tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{debug_port}/json"))
                break
            except Exception:
                time.sleep(0.2)
        if not tabs:
            self.__exit__(None, None, None)
            raise BrowserError("chromium did not open its DevTools port")
        page = [t for t in tabs if t["type"] == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
        self.next_id = 0
        self.console = []
        self.call("Runtime.enable")
        return self

    def __exit__(self, *exc):
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        self.server.shutdown()
        shutil.rmtree(self.profile, ignore_errors=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def call(self, method, timeout=600, **params):
        self.next_id += 1
        self.ws.settimeout(timeout)
        try:
            return self._call(method, params)
        except BrowserError:
            raise
        except Exception as e:  # a timeout or a closed connection: the browser gave no answer
            raise BrowserError(f"{method}: no answer from the browser ({type(e).__name__}: {e})")

    def _call(self, method, params):
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == "Runtime.consoleAPICalled":
                args = msg["params"].get("args", [])
                self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
            elif msg.get("method") == "Runtime.exceptionThrown":
                d = msg["params"]["exceptionDetails"]
                self.console.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def open(self, path):
        self.call("Page.navigate", url=self.url(path))

    def evaluate(self, expression, timeout=600):
        """The value of `expression` (a promise is awaited); raises BrowserError on an exception."""
        r = self.call("Runtime.evaluate", timeout=timeout, expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise BrowserError(d.get("exception", {}).get("description") or d.get("text", "exception"))
        return r.get("result", {}).get("value")

    def wait_for(self, expression, timeout=120):
        """Polls until `expression` is truthy; returns its value."""
        start = time.time()
        while time.time() - start < timeout:
            v = self.evaluate(expression)
            if v:
                return v
            time.sleep(0.25)
        raise BrowserError(f"no answer from the page within {timeout:.0f} s: {expression}")

    def screenshot(self, path, full_page=False):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
