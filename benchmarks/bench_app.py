"""Server-side render time of the profile page ('Buurt in beeld'), measured with Streamlit's AppTest.

  cold     the first render in this fresh process (empty caches), after what the server does before it listens:
           its component scan and dashboard/serve.py's configure() and warm-up (imports and the release's
           connection; run.sh starts the server that way). Printed beside it: the warm-up's own time, and the cold render without
           the warm-up (a fresh `streamlit run` process, measured in a subprocess of this script)
  unseen   a buurt not rendered before, in a warm process (median over buurten spread over NL)
  warm     the same buurt again (median of 5)
  CPU      beside each wall time: CPU seconds of this process during the render (all threads), which depend
           far less on how busy the shared machine is
  naive    the student way for one buurt: pandas over the source files (values, percentile among buurten,
           gemeente and NL) and a plotly figure serialised to JSON; printed as a ratio to 'unseen'
  RSS      this process after 10 different profiles (cold + 9 unseen; AppTest's, close to a server's with one
           session: bench_browser.py measures the real server)
  heavy    whether showing the profiles imported statsmodels or scipy (they are needed only when a reader opens
           'beter dan verwacht', the peer table or a trend, or on Verbanden)

Uses data/build/current.duckdb (run `python -m pipelines build`), or --build-dir.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, figure, header, peak_rss_mb, rss_mb, spread_buurten

APP = str(ROOT / "dashboard" / "app.py")
FIRST = "BU03440112"  # Oog in Al, Utrecht


CPU_MS: list[float] = []  # CPU time of each render (all threads of this process): barely depends on the load


def scan_components_once() -> None:
    """A server scans installed packages for Streamlit components once at start, before it is ready
    (streamlit.runtime.Runtime.__init__); AppTest does it on every new instance (~0.1-0.4 s CPU). Scan once, here,
    before the cold render, so the figures are the app's, not AppTest's."""
    from functools import lru_cache

    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    cached = lru_cache(maxsize=None)(lambda: original())
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(cached())
    cached()


def render(code: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["regio"] = code
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed = time.perf_counter() - start
    CPU_MS.append(1000 * (time.process_time() - cpu))
    assert not at.exception, at.exception
    assert at.title and at.title[0].value, f"no profile title for {code}"
    return elapsed * 1000


def naive_page(code: str) -> int:
    """The profile the naive way: read the source files with pandas each time, filter, rank, plot."""
    import pandas as pd
    import plotly.express as px

    tables = ROOT / "data" / "snapshot" / "tables"
    rivm = pd.read_parquet(tables / "50090NED" / "TypedDataSet.parquet")
    rivm = rivm[(rivm["Leeftijd"].str.strip() == "20300")]
    rivm = rivm[rivm["Marges"].str.strip() == "MW00000"] if "Marges" in rivm else rivm
    rivm = rivm.assign(code=rivm["WijkenEnBuurten"].str.strip())
    latest = rivm[rivm["Perioden"] == rivm["Perioden"].max()]
    numeric = latest.select_dtypes("number").columns
    buurten = latest[latest["code"].str.startswith("BU")]
    mine = latest[latest["code"] == code]
    gem = latest[latest["code"] == "GM" + code[2:6]]
    nl = latest[latest["code"].str.startswith("NL")]
    rows = []
    for col in numeric:
        value = mine[col].iloc[0] if len(mine) else None
        pct = (buurten[col] < value).mean() * 100 if value is not None and pd.notna(value) else None
        rows.append({"indicator": col, "value": value, "percentile": pct,
                     "gemeente": gem[col].iloc[0] if len(gem) else None, "nl": nl[col].iloc[0] if len(nl) else None})
    kwb = pd.read_parquet(tables / "85984NED" / "TypedDataSet.parquet")
    kwb = kwb[kwb["WijkenEnBuurten"].str.strip() == code]
    frame = pd.DataFrame(rows)
    fig = px.bar(frame, x="percentile", y="indicator", orientation="h", hover_data=["value", "gemeente", "nl"])
    return len(fig.to_json()) + len(kwb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--unseen", type=int, default=9, help="number of buurten not seen before (default 9)")
    parser.add_argument("--cold-only", action="store_true", help="print only the cold render's ms and CPU ms")
    parser.add_argument("--no-warm", action="store_true", help="skip dashboard/serve.py's warm-up")
    args = parser.parse_args()
    if args.build_dir:
        os.environ["BUURTBALANS_BUILD_DIR"] = str(args.build_dir)
    os.environ.setdefault("BUURTBALANS_BUILD_DIR", str(ROOT / "data" / "build"))
    build_dir = Path(os.environ["BUURTBALANS_BUILD_DIR"])
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # no 'missing ScriptRunContext' noise
    if not args.cold_only:
        header("profile page, server-side (AppTest)")
    import streamlit  # noqa: F401  (a running server has streamlit imported before the first visit)
    import streamlit.logger

    # the environment variable alone left AppTest's bare-mode 'missing ScriptRunContext' warnings: the loggers
    # took their level before the config was read
    streamlit.logger.set_log_level("error")

    scan_components_once()
    # before the app opens the release: a connection of our own with the server's memory limit would share it
    unseen_codes = spread_buurten(build_dir, args.unseen, exclude=(FIRST,))
    warm_ms = warm_cpu_ms = 0.0
    if not args.no_warm:
        from dashboard import serve
        serve.configure()   # the server's environment (allocator, DuckDB memory limit), as run.sh sets it
        start, cpu = time.perf_counter(), time.process_time()
        serve.warm()
        warm_ms, warm_cpu_ms = 1000 * (time.perf_counter() - start), 1000 * (time.process_time() - cpu)

    cold = render(FIRST)
    cold_cpu = CPU_MS[-1]
    if args.cold_only:
        print(json.dumps({"cold": cold, "cpu": cold_cpu}))
        return
    fresh = json.loads(subprocess.run([sys.executable, __file__, "--cold-only", "--no-warm", "--build-dir",
                                       str(build_dir)], capture_output=True, text=True, check=True,
                                      timeout=600).stdout.strip().splitlines()[-1])
    warm = statistics.median(render(FIRST) for _ in range(5))
    warm_cpu = statistics.median(CPU_MS[-5:])
    unseen = [render(code) for code in unseen_codes]
    unseen_cpu = statistics.median(CPU_MS[-len(unseen):])
    heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("statsmodels", "scipy")})
    rss, peak = rss_mb(os.getpid()), peak_rss_mb(os.getpid())
    naive = statistics.median(_timed(naive_page, code) for code in unseen_codes[:3])
    figure("profile page: cold (first render after start)", cold, "ms", 1000,
           note=f"CPU {cold_cpu:.0f} ms; the start-up warm-up before it took {warm_ms:.0f} ms (CPU "
                f"{warm_cpu_ms:.0f} ms); without the warm-up {fresh['cold']:.0f} ms (CPU {fresh['cpu']:.0f} ms)")
    figure(f"profile page: unseen buurt (median of {len(unseen)})", statistics.median(unseen), "ms", 300,
           note=f"CPU {unseen_cpu:.0f} ms; max {max(unseen):.0f} ms; naive pandas+plotly {naive:.0f} ms = "
                f"{naive / statistics.median(unseen):.1f}x the app")
    figure("profile page: warm, same buurt (median of 5)", warm, "ms", 150, note=f"CPU {warm_cpu:.0f} ms")
    figure(f"process RSS after {1 + len(unseen)} profiles (AppTest process)", rss, "MB", 300,
           note=f"peak {peak:.0f} MB")
    figure("heavy modules imported to show them (statsmodels, scipy)", len(heavy), "", 0,
           note=", ".join(heavy) or "none")


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return 1000 * (time.perf_counter() - start)


if __name__ == "__main__":
    main()
