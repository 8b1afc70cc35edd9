"""Ten KWB years from the cache (issue 13): wall time, CPU and peak RSS of `python -m pipelines build`.

The catalogue's KWB tables that are not shipped (2016-2022, 2025) are written to a temporary cache as test tables
for all of the Netherlands (made from the shipped 85984NED by tests/replay_server.write_test_kwb_table, marked as
test data), so the build reads ten KWB years: eight from the cache, 2023 and 2024 from the snapshot. The same
build from the snapshot alone is measured beside it. Prints figures beside the targets; asserts nothing.

    .venv/bin/python benchmarks/bench_ten_years.py [--runs N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import run_child
from common import ROOT, figure, header

import duckdb  # noqa: E402

from pipelines import release  # noqa: E402
from pipelines.catalogue import load_catalogue  # noqa: E402
from pipelines.discover import family_tables  # noqa: E402
from pipelines.extract import table_stems  # noqa: E402
from tests.replay_server import SNAPSHOT_TABLES, write_test_kwb_table  # noqa: E402


# issue 10: the snapshot build <= 5 s / <= 400 MB; ten KWB years grow linearly: <= 60 s / <= 1 GB
TARGETS = {"snapshot": (5, 400), "ten": (60, 1024)}


def measure(label: str, env: dict, runs: int, target: tuple[float, float]) -> None:
    results = [run_child([sys.executable, "-m", "pipelines", "build"], env) for _ in range(runs)]
    figure(f"{label}: wall (median of {runs})", statistics.median(r[0] for r in results), "s", target[0],
           note=f"CPU {statistics.median(r[3] for r in results):.1f} s")
    figure(f"{label}: peak RSS (max of {runs})", max(r[1] for r in results), "MB", target[1],
           note="largest process")
    figure(f"{label}: peak memory (max of {runs})", max(r[4] for r in results), "MB", target[1],
           note="all its processes, PSS")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    cat = load_catalogue(overlay=Path("/nonexistent"))
    kwb = family_tables(cat, cat.families["kwb"])
    header(f"Ten KWB years from the cache ({len(kwb)} tables: {min(t.boundary_year for t in kwb)}-"
           f"{max(t.boundary_year for t in kwb)})")
    with tempfile.TemporaryDirectory() as tmp:
        cache, build_dir = Path(tmp) / "cache", Path(tmp) / "build"
        for table in kwb:
            if not (SNAPSHOT_TABLES / table.id / "fetch.json").exists():
                write_test_kwb_table(cache, table.id, table.boundary_year, table_stems(cat, table.id), regions=())
        base = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir),
                "BUURTBALANS_CATALOGUE_OVERLAY": str(Path(tmp) / "no-overlay.toml")}
        measure("build, snapshot only (2 KWB years)", {**base, "BUURTBALANS_CACHE_DIR": str(Path(tmp) / "none")},
                runs, TARGETS["snapshot"])
        measure("build, ten KWB years (8 from the cache)", {**base, "BUURTBALANS_CACHE_DIR": str(cache)}, runs,
                TARGETS["ten"])
        with duckdb.connect(str(release.current_release(build_dir)), read_only=True) as con:
            values, years = con.execute("select count(*), count(distinct period) from indicator_values "
                                        "where series = 'kwb'").fetchone()
            size = release.current_release(build_dir).stat().st_size / 2**20
        figure("KWB values in the release", values, "rows", note=f"{years} KWB periods")
        figure("release database size", size, "MB")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
