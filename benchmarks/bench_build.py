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
from tree_memory import TreeMemory

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from pipelines import release  # noqa: E402

REGION = "BU03440112"  # Oog in Al, Utrecht
# The app's read (dashboard/core/profile_read.py): one region's 18 per-region columns of int_profile by row id (stored
# in region order, sql/02_mart_profile.sql), the other 19 from a per-release lookup.
PROFILE_SQL = "select * from mart_profile where region_code = ?"   # the plain read, beside the app's
PHASES = ("import sys, json; from pathlib import Path; from pipelines.build import build; "
          "s = build(build_dir=Path(sys.argv[1])); print(json.dumps(s.timings))")


def run_child(args: list[str], env: dict) -> tuple[float, float, str, float, float]:
    """(wall seconds, peak RSS MB of the largest process, stdout, CPU seconds, peak MB of all its processes together)
    of one child process. RSS and CPU from wait4 on that child (CPU includes the descendants it waited for; seconds
    of user + system barely depend on how busy the machine is; wall time does); the tree's memory is summed PSS,
    sampled (tree_memory.py): the build's forked helpers hold memory at the same time."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as tree:
        out = proc.stdout.read()
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime, tree.peak / 2**20


def bench_build(build_dir: Path, runs: int) -> None:
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(build_dir / "none")}
    cli = [sys.executable, "-m", "pipelines", "build"]
    with tempfile.TemporaryDirectory() as shapes:
        wall, rss, _, cpu, tree = run_child(cli, {**env, "BUURTBALANS_SHAPES_CACHE": shapes})
    figure("build, empty shapes cache (fresh clone): wall", wall, "s", note=f"CPU {cpu:.1f} s")
    figure("build, empty shapes cache (fresh clone): peak RSS", rss, "MB", 400, note="largest process")
    figure("build, empty shapes cache (fresh clone): peak memory", tree, "MB", 400, note="all its processes, PSS")
    results = [run_child(cli, env) for _ in range(runs)]
    figure(f"build from the snapshot: wall (median of {runs})", statistics.median(r[0] for r in results), "s", 5,
           note=f"CPU {statistics.median(r[3] for r in results):.1f} s")
    figure(f"build from the snapshot: peak RSS (max of {runs})", max(r[1] for r in results), "MB", 400,
           note="largest process")
    figure(f"build from the snapshot: peak memory (max of {runs})", max(r[4] for r in results), "MB", 400,
           note="all its processes, PSS")
    _, _, out, _, _ = run_child([sys.executable, "-c", PHASES, str(build_dir)], env)
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
    # (dashboard/serve.py: DuckDB memory limit and one thread per query). Nothing in it is cached per region: each
    # read scans DuckDB; what is read once per release (profile_read.lookup, at server start) is timed apart.
    os.environ.setdefault("BUURTBALANS_DB_MEMORY_LIMIT", "48MB")
    from dashboard.core import db, profile_read, queries

    path = release.current_release(build_dir)
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set threads = 1")   # as the server's connection (dashboard/core/db.py: one thread per query)
    start, start_cpu = time.perf_counter(), time.process_time()
    found = profile_read.lookup(build_dir)
    lookup_ms, lookup_cpu = (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000
    start = time.perf_counter()
    rows = len(db.frame(queries.profile_rows(REGION, build_dir)))
    cold = (time.perf_counter() - start) * 1000
    scanned = len(profile_read.PER_REGION)
    looked_up = len(profile_read.COLUMNS) + 1 - scanned   # + gemeente_code, derived
    parts = {   # name -> (one read of a region code, times)
        "app": (lambda code: db.frame(queries.profile_rows(code, build_dir)), []),
        "scan": (lambda code: db.rows(profile_read.SQL, list(found.spans[code][:2]), build_dir=build_dir), []),
        "wide": (lambda code: db.rows(profile_read.SQL.replace("mart_profile_scan", "mart_profile_rows"),
                                      list(found.spans[code][:2]), build_dir=build_dir), []),
        "floor": (lambda code: db.numpy("select 1", build_dir=build_dir), []),
        "rows": (lambda code: con.execute(PROFILE_SQL, [code]).fetchall(), []),
        "fetchdf": (lambda code: con.execute(PROFILE_SQL, [code]).fetchdf(), []),
    }
    cpu = {name: [] for name in parts}
    # real regions of every level (every one has rows: an unknown code takes the general read, see profile_rows)
    for code in [REGION, "GM0363", "BU05990119", "WK034401", "NL00"] * 6:
        for name, (read, times) in parts.items():   # alternating, so the parts see the same load
            start, start_cpu = time.perf_counter(), time.process_time()
            read(code)
            times.append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    naive = []
    for _ in range(5):
        start = time.perf_counter()
        naive_profile()
        naive.append((time.perf_counter() - start) * 1000)
    med = {name: statistics.median(times) for name, (_, times) in parts.items()}
    med_cpu = {name: statistics.median(times) for name, times in cpu.items()}
    naive_ms = statistics.median(naive)
    figure(f"profile query on mart_profile ({rows} rows), cold", cold, "ms",
           note=f"first read on a new connection; the per-release lookup apart: {lookup_ms:.0f} ms "
                f"(CPU {lookup_cpu:.0f} ms, once per release, at server start)")
    figure("profile query on mart_profile, warm (median of 30)", med["app"], "ms", 3,
           note=f"CPU {med_cpu['app']:.1f} ms; the frame as the app builds it (queries.profile_rows: {scanned} "
                f"columns scanned, {looked_up} looked up or derived); naive pandas over 3 source files: "
                f"{naive_ms:.0f} ms = {naive_ms / med['app']:.0f}x slower (and it has no gemeente/NL/percentile)")
    figure(f"  its DuckDB scan ({scanned} columns by row id, as rows)", med["scan"], "ms",
           note=f"CPU {med_cpu['scan']:.1f} ms, of which DuckDB's per-query floor (select 1 through db) "
                f"{med_cpu['floor']:.1f} ms; the rest of the read is Python: lookups, dtypes, the frame; "
                f"the same scan through the 37 columns of mart_profile_rows: CPU {med_cpu['wide']:.1f} ms")
    figure("  plain view read (select * ... as Python rows)", med["rows"], "ms",
           note=f"CPU {med_cpu['rows']:.1f} ms: all 37 columns through the view, no DataFrame")
    figure("  plain view read as DuckDB's fetchdf frame", med["fetchdf"], "ms", note=f"CPU {med_cpu['fetchdf']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds with a warm shapes cache (default 3)")
    parser.add_argument("--query-only", type=Path, metavar="BUILD_DIR",
                        help="only the profile query, on the release of an existing build folder")
    args = parser.parse_args()
    header("build and profile query")
    if args.query_only:
        bench_query(args.query_only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        bench_build(Path(tmp), args.runs)
        bench_query(Path(tmp))


if __name__ == "__main__":
    main()
