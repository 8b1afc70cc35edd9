"""Benchmark of the Kaart page: bytes sent, time to build a figure, and browser time to a painted map.

    .venv/bin/python benchmarks/bench_map.py              # against the current release (data/build)
    .venv/bin/python benchmarks/bench_map.py --no-browser # only the server-side figures

Targets: a gemeente map near instant; the all-NL buurt map (~14,500 polygons) <= 3 MB and <= 5 s to paint;
first paint <= 3 s after the server is ready. The browser is Debian's chromium with software WebGL, so paint
times are an upper bound for a machine with a GPU. The load average is printed: on a busy machine every wall
time grows with it, so the CPU seconds of the server and of the browser (chromium and its driver) are printed
as well. Each browser time includes loading the Streamlit page itself.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "browser")]

from common import figure, header  # noqa: E402

import plotly.io as pio  # noqa: E402

from dashboard.kaart import choropleth, colour_classes, map_geometry, map_queries  # noqa: E402
from pipelines import paths  # noqa: E402

CASES = [("all-NL buurten", "ervaren_gezondheid_goed", "buurt", map_queries.NL),
         ("all-NL wijken", "ervaren_gezondheid_goed", "wijk", map_queries.NL),
         ("all-NL gemeenten", "ervaren_gezondheid_goed", "gemeente", map_queries.NL),
         ("Utrecht buurten", "ervaren_gezondheid_goed", "buurt", "GM0344"),
         ("Amsterdam buurten", "vrijwilligerswerk", "buurt", "GM0363")]


# Baselines served by the same harness in the same run: an empty Streamlit page (what Streamlit itself costs) and
# the naive all-NL buurt map (pandas over the source files + Plotly Express, benchmarks/naive_map_app.py).
EMPTY_APP, NAIVE_MAP_APP = "benchmarks/empty_app.py", "benchmarks/naive_map_app.py"
BROWSER_TARGETS = {"first paint after ready: /kaart (NL gemeenten)": 3, "all-NL buurt map paint": 4,
                   "all-NL buurt map paint, cached": 2.5}
# How often MapLibre was given each map source's shapes (its worker's 'loadData' message, type 'LD' in MapLibre 5):
# 1 = the map was tiled and drawn once; 2 = Plotly redrew it when Streamlit handed it a copy of the figure.
COUNT_LOADS_JS = """(() => {
    window.__mapLoads = 0;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (m) { if (m && m.type === 'LD') window.__mapLoads++; return post.apply(this, arguments); };
})();"""
SOURCES_JS = """() => Object.keys(document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map.getStyle().sources)
    .filter(id => id.startsWith('source-')).length"""


def figure_case(indicator_id: str, level: str, area: str, build_dir: Path) -> dict:
    meta = map_queries.load_indicators(build_dir).set_index("indicator_id").loc[indicator_id].to_dict() | {"id": indicator_id}
    t0 = time.perf_counter()
    shapes = map_queries.load_shapes(level, area, build_dir)
    values = map_queries.load_values(indicator_id, level, build_dir)
    t1 = time.perf_counter()
    geojson = map_geometry.geojson_for(level, area, shapes)
    frame = colour_classes.map_frame(values, meta, shapes["region_code"])
    t2 = time.perf_counter()
    figure = choropleth.build_figure(frame, geojson, meta, level=level, detail=area != map_queries.NL,
                               view=map_geometry.view_for(map_geometry.area_bounds(shapes, area)))
    t3 = time.perf_counter()
    spec = pio.to_json(figure.to_dict(), validate=False)  # what st.plotly_chart does on every run
    t4 = time.perf_counter()
    return {"bytes": len(spec), "polygons": sum(len(t.locations) for t in figure.data), "query_s": t1 - t0,
            "prepare_s": t2 - t1, "figure_s": t3 - t2, "serialise_s": t4 - t3}


def browser_cpu_since(before: dict[str, float], name: str, out: dict) -> None:
    """Add the browser's CPU seconds since `before` (cpu_seconds_by_kind of this process) to `out`: in total,
    in the page's renderer (JavaScript, layout, paint: Streamlit, Plotly, MapLibre and ours) and in the GPU
    process (GL emulated in software: this machine has no GPU, a user's machine usually has one)."""
    from browser_harness import cpu_seconds_by_kind

    after = cpu_seconds_by_kind(os.getpid())
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    out[name + " [cpu: browser]"] = sum(delta.values())
    out[name + " [cpu: renderer]"] = delta.get("renderer", 0.0)
    out[name + " [cpu: gpu process, software GL]"] = delta.get("gpu-process", 0.0)


def baseline_times(build_dir: Path, browser) -> dict:
    """The empty Streamlit page's first paint after ready, and the naive all-NL buurt map's paint (a warm-up
    visit first, so the bundle is cached and the timed visit compares with 'all-NL buurt map paint')."""
    from browser_harness import (cpu_seconds, cpu_seconds_by_kind, new_page, start_app, stop_app, wait_for_map,
                                 wait_until_idle)

    out = {}
    server = start_app(build_dir, script=EMPTY_APP, log_name="bench-empty-server.log")
    try:
        page = new_page(browser)
        cpu = cpu_seconds_by_kind(os.getpid())
        page.goto(server.url("/"), wait_until="commit")
        page.get_by_role("heading", name="Buurtbalans").wait_for(timeout=300_000)
        wait_until_idle(page, timeout=300_000)
        out["first paint after ready: empty Streamlit page"] = time.monotonic() - server.ready_at
        browser_cpu_since(cpu, "first paint after ready: empty Streamlit page", out)
        page.context.close()
    finally:
        stop_app(server.process)
    server = start_app(build_dir, script=NAIVE_MAP_APP, log_name="bench-naive-server.log")
    try:
        page = new_page(browser)
        for name in ("naive map: warm-up visit", "naive all-NL buurt map paint (pandas + plotly express)"):
            cpu = cpu_seconds(server.process.pid), cpu_seconds_by_kind(os.getpid())
            start = time.monotonic()
            page.goto(server.url("/"), wait_until="commit")
            wait_until_idle(page, plots=1, timeout=300_000)
            wait_for_map(page, timeout=300_000)
            out[name] = time.monotonic() - start
        out[name + " [cpu: server]"] = cpu_seconds(server.process.pid) - cpu[0]
        browser_cpu_since(cpu[1], name, out)
        out["naive map: requests outside 127.0.0.1"] = len(page.requests.outside)
        page.context.close()
    finally:
        stop_app(server.process)
    del out["naive map: warm-up visit"]
    return out


def browser_times(build_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from browser_harness import (CHROMIUM, CHROMIUM_ARGS, cpu_seconds, cpu_seconds_by_kind, new_page, start_app,
                                 stop_app, wait_for_map, wait_until_idle)

    out = {}
    server = start_app(build_dir, log_name="bench-server.log")
    try:
        out["server start -> ready"] = server.ready_at - server.started_at
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = new_page(browser)
            page.add_init_script(COUNT_LOADS_JS)
            received = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
            runs = [("first paint after ready: /kaart (NL gemeenten)", "/kaart", True),
                    ("gemeente map paint: Utrecht buurten", "/kaart?indicator=ervaren_gezondheid_goed&gebied=GM0344&schaal=buurt", False),
                    ("all-NL buurt map paint", "/kaart?indicator=ervaren_gezondheid_goed&gebied=NL&schaal=buurt", False),
                    ("all-NL buurt map paint, cached", "/kaart?indicator=ervaren_gezondheid_goed&gebied=NL&schaal=buurt", False)]
            for name, path, from_ready in runs:
                received.clear()
                cpu = cpu_seconds(server.process.pid), cpu_seconds_by_kind(os.getpid())
                start = time.monotonic()
                page.goto(server.url(path), wait_until="commit")
                wait_until_idle(page, plots=1, timeout=300_000)
                wait_for_map(page, timeout=300_000)
                out[name] = time.monotonic() - (server.ready_at if from_ready else start)
                out[name + " [websocket bytes]"] = sum(received)
                out[name + " [cpu: server]"] = cpu_seconds(server.process.pid) - cpu[0]
                browser_cpu_since(cpu[1], name, out)
                if "all-NL buurt" in name:
                    page.wait_for_timeout(3000)   # a second draw starts only after the first has finished
                    out[name + " [shapes loaded per source]"] = page.evaluate("window.__mapLoads") / page.evaluate(SOURCES_JS)
            outside = page.requests.outside
            page.context.close()
            out |= baseline_times(build_dir, browser)
            browser.close()
        out["requests outside 127.0.0.1"] = len(outside)
    finally:
        stop_app(server.process)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=paths.build_dir())
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    header("Kaart: figure sizes and build times, then paint in headless Chromium")
    print(f"{'map':<20}{'polygons':>9}{'figure JSON':>14}{'query':>8}{'prepare':>9}{'figure':>8}{'to_json':>9}")
    for name, indicator_id, level, area in CASES:
        figure_case(indicator_id, level, area, args.build_dir)  # warm imports and DuckDB
        r = figure_case(indicator_id, level, area, args.build_dir)
        print(f"{name:<20}{r['polygons']:>9,}{r['bytes'] / 1e6:>11.2f} MB{r['query_s']:>7.2f}s{r['prepare_s']:>8.2f}s"
              f"{r['figure_s']:>7.2f}s{r['serialise_s']:>8.2f}s")
    if not args.no_browser:
        times = browser_times(args.build_dir)
        for name, value in times.items():
            if "bytes" in name:
                figure(name, value / 1e6, "MB", 3 if "all-NL buurt" in name else None)
            elif "per source" in name:
                figure(name, value, "x", 1)
            elif "outside" in name:
                figure(name, value, "", 0)
            else:
                figure(name, value, "s", BROWSER_TARGETS.get(name))
        ours, empty = times["first paint after ready: /kaart (NL gemeenten)"], times[
            "first paint after ready: empty Streamlit page"]
        print(f"  first paint: Streamlit itself (empty page) {empty:.1f} s of our {ours:.1f} s; "
              f"ours on top: {ours - empty:.1f} s")
        for kind in ("renderer", "gpu process, software GL"):
            a = times[f"first paint after ready: /kaart (NL gemeenten) [cpu: {kind}]"]
            b = times[f"first paint after ready: empty Streamlit page [cpu: {kind}]"]
            print(f"  first paint, browser CPU in the {kind}: empty page {b:.1f} s, /kaart {a:.1f} s")
        naive = times["naive all-NL buurt map paint (pandas + plotly express)"]
        for name in ("all-NL buurt map paint", "all-NL buurt map paint, cached"):
            print(f"  {name}: {times[name]:.1f} s; the naive way {naive:.1f} s in the same run "
                  f"(naive / ours = {naive / times[name]:.1f}; above 1 = ours is faster)")


if __name__ == "__main__":
    main()
