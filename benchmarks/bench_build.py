"""Data-foundation benchmark: the build and the profile query. Prints figures beside targets; asserts nothing.

  - wall time and peak RSS of `python -m pipelines build` from the shipped snapshot (a fresh process each time),
    with the shapes cache warm (the usual rebuild) and empty (a fresh clone); and the build's own phase timings
  - one profile query against mart_profile (cold = first query on a new connection, warm = median)
  - the same question answered the naive way (pandas reading the source files and filtering), as a ratio

    .venv/bin/python benchmarks/bench_build.py [--runs N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, figure, header

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from pipelines import release  # noqa: E402

REGION = "BU03440112"  # Oog in Al, Utrecht
# The app's read (dashboard/core/queries.py): one region's rows by region_code, a zone-map read of int_profile
# (stored in region order, sql/02_mart_profile.sql).
PROFILE_SQL = "select * from mart_profile where region_code = ?"   # the plain read, beside the app's
PHASES = ("import sys, json; from pathlib import Path; from pipelines.build import build; "
          "s = build(build_dir=Path(sys.argv[1])); print(json.dumps(s.timings))")


def run_child(args: list[str], env: dict) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS MB, stdout, CPU seconds) of one child process, measured with wait4 on that child
    only. CPU seconds (user + system) barely depend on how busy the machine is; wall time does."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def bench_build(build_dir: Path, runs: int) -> None:
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(build_dir / "none")}
    cli = [sys.executable, "-m", "pipelines", "build"]
    with tempfile.TemporaryDirectory() as shapes:
        wall, rss, _, cpu = run_child(cli, {**env, "BUURTBALANS_SHAPES_CACHE": shapes})
    figure("build, empty shapes cache (fresh clone): wall", wall, "s", note=f"CPU {cpu:.1f} s")
    figure("build, empty shapes cache (fresh clone): peak RSS", rss, "MB", 400)
    results = [run_child(cli, env) for _ in range(runs)]
    figure(f"build from the snapshot: wall (median of {runs})", statistics.median(r[0] for r in results), "s", 5,
           note=f"CPU {statistics.median(r[3] for r in results):.1f} s")
    figure(f"build from the snapshot: peak RSS (max of {runs})", max(r[1] for r in results), "MB", 400)
    _, _, out, _ = run_child([sys.executable, "-c", PHASES, str(build_dir)], env)
    timings = json.loads(out.strip().splitlines()[-1])
    print("  build phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))


def naive_profile() -> pd.DataFrame:
    """What you'd write without the database: read each source file, filter, pick the latest period."""
    tables = ROOT / "data" / "snapshot" / "tables"
    rivm = pd.read_parquet(tables / "50090NED" / "TypedDataSet.parquet")
    rivm = rivm[(rivm.WijkenEnBuurten == REGION) & (rivm.Leeftijd == "20300")].sort_values("Perioden").tail(1)
    kwb23 = pd.read_parquet(tables / "85618NED" / "TypedDataSet.parquet")
    kwb23 = kwb23[kwb23.gwb_code_10 == REGION]
    kwb24 = pd.read_parquet(tables / "85984NED" / "TypedDataSet.parquet")
    kwb24 = kwb24[kwb24.WijkenEnBuurten == REGION]
    return pd.concat([rivm.T, kwb23.T, kwb24.T])


def bench_query(build_dir: Path) -> None:
    # the app's read (queries.profile_rows, the frame as profile() makes it) on a connection set up as the server's
    # (dashboard/serve.py: DuckDB memory limit and one thread per query)
    os.environ.setdefault("BUURTBALANS_DB_MEMORY_LIMIT", "48MB")
    from dashboard.core import db, queries

    path = release.current_release(build_dir)
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set threads = 1")   # as the server's connection (dashboard/core/db.py: one thread per query)
    start = time.perf_counter()
    rows = len(db.frame(queries.profile_rows(REGION, build_dir)))
    cold = (time.perf_counter() - start) * 1000
    warm, rows_only, fetchdf, cpu, rows_cpu = [], [], [], [], []
    for code in [REGION, "GM0363", "BU05990119", "WK034411", REGION] * 4:
        start, start_cpu = time.perf_counter(), time.process_time()
        db.frame(queries.profile_rows(code, build_dir))
        warm.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        start, start_cpu = time.perf_counter(), time.process_time()
        con.execute(PROFILE_SQL, [code]).fetchall()
        rows_only.append((time.perf_counter() - start) * 1000)
        rows_cpu.append((time.process_time() - start_cpu) * 1000)
        start = time.perf_counter()
        con.execute(PROFILE_SQL, [code]).fetchdf()
        fetchdf.append((time.perf_counter() - start) * 1000)
    naive = []
    for _ in range(5):
        start = time.perf_counter()
        naive_profile()
        naive.append((time.perf_counter() - start) * 1000)
    warm_ms, naive_ms = statistics.median(warm), statistics.median(naive)
    figure(f"profile query on mart_profile ({rows} rows), cold", cold, "ms")
    figure("profile query on mart_profile, warm (median of 20)", warm_ms, "ms", 3,
           note=f"CPU {statistics.median(cpu):.1f} ms; the frame as the app builds it (queries.profile_rows); "
                f"naive pandas over 3 source files: {naive_ms:.0f} ms = {naive_ms / warm_ms:.0f}x slower "
                "(and it has no gemeente/NL/percentile)")
    figure("  DuckDB alone (select * ... as Python rows, no DataFrame)", statistics.median(rows_only), "ms",
           note=f"CPU {statistics.median(rows_cpu):.1f} ms; the rest is building the pandas DataFrame of 37 columns")
    figure("  select * ... as DuckDB's fetchdf frame", statistics.median(fetchdf), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds with a warm shapes cache (default 3)")
    args = parser.parse_args()
    header("build and profile query")
    with tempfile.TemporaryDirectory() as tmp:
        bench_build(Path(tmp), args.runs)
        bench_query(Path(tmp))


if __name__ == "__main__":
    main()
