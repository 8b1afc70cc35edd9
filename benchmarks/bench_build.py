"""Data-foundation benchmark: prints figures, asserts nothing (targets in README).

  - wall time and peak RSS of `python -m pipelines build` from the shipped snapshot (a fresh process)
  - the time of one profile query against mart_profile (cold = first query on a new connection, warm = median)
  - the same question answered the naive way (pandas reading the source files and filtering), as a ratio
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipelines import release  # noqa: E402

REGION = "BU03440112"  # Oog in Al, Utrecht
PROFILE_SQL = "select * from mart_profile where region_code = ? and is_default_group"


def bench_build(build_dir: Path) -> None:
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(build_dir / "none")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines", "build"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"build: wall {wall:.1f} s (target <= 15 s), peak RSS {peak_mb:.0f} MB (target <= 500 MB)")


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
    path = release.current_release(build_dir)
    con = duckdb.connect(str(path), read_only=True)
    start = time.perf_counter()
    rows = len(con.execute(PROFILE_SQL, [REGION]).fetchdf())
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for code in [REGION, "GM0363", "BU05990119", "WK034411", REGION] * 4:
        start = time.perf_counter()
        con.execute(PROFILE_SQL, [code]).fetchdf()
        warm.append((time.perf_counter() - start) * 1000)
    naive = []
    for _ in range(5):
        start = time.perf_counter()
        naive_profile()
        naive.append((time.perf_counter() - start) * 1000)
    warm_ms, naive_ms = statistics.median(warm), statistics.median(naive)
    print(f"profile query ({rows} rows): cold {cold:.1f} ms, warm median {warm_ms:.1f} ms (target <= 20 ms)")
    print(f"naive pandas (read 3 source files, filter): median {naive_ms:.0f} ms "
          f"-> mart_profile is {naive_ms / warm_ms:.0f}x faster (and the naive way has no gemeente/NL/percentile)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bench_build(Path(tmp))
        bench_query(Path(tmp))
    print(f"machine load average: {os.getloadavg()[0]:.1f} (figures are inflated when the machine is busy)")
