"""Helpers for the real-browser tests (fixtures in conftest.py) and benchmarks/bench_map.py.

Start the app, open a page in Debian's chromium with every request recorded (anything not on 127.0.0.1 is
refused and counted), wait for a Streamlit run to finish, tell when MapLibre has painted, measure a screenshot.
"""
from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Software WebGL: MapLibre needs WebGL and a headless machine has no GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-dev-shm-usage"]
# The test browser also composites the page in software: SwiftShader still draws MapLibre's WebGL canvas, but
# the GPU process no longer emulates GL for every page layer and screenshot (test_browser_kaart.py: Chromium
# 123 -> 80 CPU-s, GPU process 60 -> 16). Benchmarks keep CHROMIUM_ARGS, so their figures stay comparable.
TEST_CHROMIUM_ARGS = CHROMIUM_ARGS + ["--disable-gpu-compositing"]
SKIP_REASON = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run browser tests"


@dataclass
class AppServer:
    base_url: str
    process: subprocess.Popen
    log_path: Path
    started_at: float   # time.monotonic() when the process was started
    ready_at: float     # ... when /_stcore/health first answered ok

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(build_dir: Path, *, log_name: str = "streamlit-server.log", timeout: float = 90,
              script: str = "dashboard/app.py", env: dict[str, str] | None = None) -> AppServer:
    """Start the app as run.sh does (python -m dashboard.serve), or another Streamlit `script` (e.g. a benchmark's
    baseline page) with `streamlit run`, in its own process group;
    stop it with stop_app (only this process is signalled). env: variables for the server's process on top of
    this one's (a user store of its own), without touching this process's environment."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    env = {**os.environ, **(env or {}), "BUURTBALANS_BUILD_DIR": str(build_dir), "PYTHONUNBUFFERED": "1"}
    log_path = ARTIFACTS / log_name
    log = open(log_path, "w")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", *(("dashboard.serve",) if script == "dashboard/app.py" else ("streamlit", "run", script)),
         "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit stopped early; see {log_path}")
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read().strip() == b"ok":
                break
        except OSError:
            pass
        if time.monotonic() - started > timeout:
            stop_app(process)
            raise TimeoutError(f"streamlit not ready after {timeout} s; see {log_path}")
        time.sleep(0.1)
    return AppServer(base, process, log_path, started, time.monotonic())


def stop_app(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the group this fixture created, by its id
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class RequestLog:
    hosts: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def record(self, url: str) -> bool:
        """True when the request may go ahead (local, or data:/blob: that never leave the machine)."""
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about"):
            return True
        self.hosts.append(parsed.hostname or "")
        if parsed.hostname in LOCAL_HOSTS:
            return True
        self.outside.append(url)
        return False


def new_page(browser, *, width: int = 1400, height: int = 1100):
    """A page in a fresh context; page.requests (a RequestLog) sees every request of the context."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    requests = RequestLog()

    def route(r):
        if requests.record(r.request.url):
            r.continue_()
        else:
            r.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.requests = requests
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    return page


def assert_only_local(page) -> None:
    assert page.requests.hosts, "no requests were recorded"
    assert set(page.requests.hosts) <= LOCAL_HOSTS, f"requests left 127.0.0.1: {page.requests.outside[:5]}"


def wait_until_idle(page, *, plots: int = 0, timeout: float = 90_000, rendered: bool = True) -> None:
    """The script run is over: at least `plots` Plotly charts are present and the running-man widget is gone;
    with `rendered` (the default) also every lazily loaded element in view has replaced its skeleton. A check of
    what the script sent (a heading, Streamlit's own dialogs, the URL) needs only the run to be over:
    rendered=False spares it the drawing of charts and maps (Verbanden's scatter: up to 14 s on a busy machine)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    if plots:
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {plots}", timeout=timeout)
    # the app's own run state (the status widget appears only after a delay, so its absence proves little)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    if not rendered:
        return
    # the run is over, but element code that Streamlit loads lazily (widgets, charts, the st.html that carries the
    # app's CSS) shows a skeleton until it arrives: checks (axe's contrast, screenshots) need the rendered page
    page.wait_for_function(SKELETONS_IN_VIEW_GONE_JS, timeout=timeout, polling=100)


SKELETONS_IN_VIEW_GONE_JS = """() => ![...document.querySelectorAll('[data-testid="stSkeleton"]')].some(el => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth;
})"""


PLOTS_DRAWN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].every(
    gd => gd.querySelector('.main-svg'))"""

# Resolves once the page's DOM has not changed for `quiet` ms (or after `longest` ms, whatever it does).
DOM_QUIET_JS = """([quiet, longest]) => new Promise(resolve => {
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quiet); });
    const cap = setTimeout(() => done(false), longest);
    let timer = setTimeout(done, quiet);
    function done(settled = true) { observer.disconnect(); clearTimeout(timer); clearTimeout(cap); resolve(settled); }
    observer.observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                                characterData: true});
})"""


def wait_until_settled(page, *, quiet: float = 400, longest: float = 15_000, timeout: float = 90_000) -> bool:
    """After the run is over (wait_until_idle): every Plotly chart has drawn its SVG and the page has stopped
    changing (no DOM mutation for `quiet` ms), so a check of the whole page (axe, a screenshot) sees its final
    state. Replaces a fixed pause: a quick page goes on at once, a slow one is waited for. True when the page went
    quiet, False when it still changed after `longest` ms (the check then runs on the page as it is)."""
    page.wait_for_function(PLOTS_DRAWN_JS, timeout=timeout, polling=100)
    return bool(page.evaluate(DOM_QUIET_JS, [quiet, longest]))


def open_app(page, server: AppServer, path: str, *, plots: int = 0, timeout: float = 90_000,
             rendered: bool = True) -> None:
    page.goto(server.url(path), wait_until="domcontentloaded", timeout=timeout)
    wait_until_idle(page, plots=plots, timeout=timeout, rendered=rendered)


MAP_PAINTED_JS = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = sub && sub.map;
    if (!map || !map.loaded() || map.isMoving()) return false;
    const layers = map.getStyle().layers.filter(l => l.type === 'fill');
    return layers.length > 0 && map.queryRenderedFeatures({layers: layers.map(l => l.id)}).length > 0;
}"""


def map_painted(page) -> bool:
    """MapLibre has loaded its style and drawn at least one polygon (the choroplethmap's fill layers)."""
    return bool(page.evaluate(MAP_PAINTED_JS))


def wait_for_map(page, timeout: float = 60_000) -> None:
    page.wait_for_function(MAP_PAINTED_JS, timeout=timeout, polling=100)


def screenshot(target, name: str) -> Path:
    """Save a PNG of a page or a locator in test-artifacts/ (a tall viewport instead of full_page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path


def failure_context(page, name: str, *, server_log: str = "streamlit-server.log", chars: int = 3000) -> str:
    """What a failed browser test saw: URL, the main area's text, a screenshot path, the server log's tail."""
    parts = [f"--- browser state at failure of {name}"]
    try:
        parts.append(f"url: {page.url}")
        parts.append(f"screenshot: {screenshot(page, 'FAILED_' + name[:80])}")
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state", timeout=5_000)
        parts.append(f"script state: {state}")
        parts.append("main text:\n" + page.locator('[data-testid="stMain"]').inner_text(timeout=5_000)[:chars])
    except Exception as exc:  # the page may be gone; say so and keep the rest
        parts.append(f"(page not readable: {exc!r})")
    log = ARTIFACTS / server_log
    if log.exists():
        parts.append("server log tail:\n" + log.read_text(errors="replace")[-chars:])
    return "\n".join(parts)


def pixel_stats(png: Path | bytes) -> dict:
    """How much was drawn: grey-level standard deviation, and the share of coloured (not grey) pixels."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    rgb = np.asarray(image, dtype="int16")
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return {"std": float(rgb.mean(axis=2).std()), "coloured": float((spread > 40).mean()),
            "non_white": float((rgb.min(axis=2) < 235).mean())}


def _process_tree_ticks(root_pid: int) -> dict[int, int]:
    """pid -> user + system CPU ticks of a process and all its live descendants (Linux /proc)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in stats.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: stats[pid][1] for pid in tree if pid in stats}


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc): a load-independent measure
    of work, next to wall time, for benchmarks on a shared machine."""
    return sum(_process_tree_ticks(root_pid).values()) / os.sysconf("SC_CLK_TCK")


def cpu_seconds_by_kind(root_pid: int) -> dict[str, float]:
    """cpu_seconds split by Chromium process kind (its --type= argument): 'renderer' runs the page's JavaScript,
    layout and paint (Streamlit, Plotly, MapLibre, ours), 'gpu-process' emulates GL in software on a machine
    without a GPU (SwiftShader), 'utility' (network and the like); everything else (the browser process,
    Playwright's driver, Python) is 'other'."""
    out: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for pid, used in _process_tree_ticks(root_pid).items():
        try:  # Chromium's children rewrite their command line with spaces instead of NUL separators
            found = re.search(rb"(?:^|[\0 ])--type=([\w-]+)", (Path("/proc") / str(pid) / "cmdline").read_bytes())
        except OSError:
            continue
        kind = found.group(1).decode() if found else "other"
        out[kind] = out.get(kind, 0.0) + used / ticks
    return out


# ----------------------------------------------------------------------------------------------- accessibility
# axe-core (via axe-playwright-python, pinned in requirements.txt) on WCAG 2.0/2.1 A and AA plus best practices.
# A test fails on any violation of impact "serious" or "critical". Exclusions are per rule AND selector, only for
# markup that Streamlit itself renders and this project cannot change; each says why. None are needed today.
AXE_EXCLUDE: dict[str, list[str]] = {}
BLOCKING = ("serious", "critical")


def axe_violations(page, name: str) -> list[dict]:
    """Run axe on the page; write test-artifacts/axe-<name>.txt; return the serious/critical violations (with
    excluded rule+selector pairs removed)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"resultTypes": ["violations"]})
    found = []
    lines = []
    for v in result.response["violations"]:
        nodes = [n for n in v["nodes"] if not any(sel in " ".join(map(str, n["target"]))
                                                  for sel in AXE_EXCLUDE.get(v["id"], []))]
        lines.append(f"{v['impact']:9s} {v['id']} ({len(nodes)} of {len(v['nodes'])} nodes): {v['help']}")
        lines += [f"    {n['target']} {(n.get('failureSummary') or '')[:300]!r}" for n in nodes[:10]]
        if v["impact"] in BLOCKING and nodes:
            found.append({**v, "nodes": nodes})
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.txt").write_text("\n".join(lines) or "no violations\n", encoding="utf-8")
    return found


def assert_accessible(page, name: str) -> None:
    """No serious or critical axe violation on the page (report in test-artifacts/axe-<name>.txt)."""
    bad = axe_violations(page, name)
    assert not bad, "axe: " + "; ".join(f"{v['impact']} {v['id']}: {v['help']} at "
                                        f"{[n['target'] for n in v['nodes'][:3]]}" for v in bad)
