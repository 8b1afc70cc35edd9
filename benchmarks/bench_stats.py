"""Timings of dashboard.stats on all Dutch buurten.

Usage
-----
    .venv/bin/python benchmarks/bench_stats.py                 # frame built from data/snapshot
    .venv/bin/python benchmarks/bench_stats.py --release FILE  # mart_buurt_wide from a built DuckDB release
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from common import median_ms  # noqa: E402
from dashboard.stats import PeerIndex, fit_expected, fit_relation  # noqa: E402


def _load(release: str | None):
    if release:
        import duckdb

        with duckdb.connect(release, read_only=True) as con:
            return con.execute("select * from mart_buurt_wide").fetchdf().set_index("region_code")
    from stats_data import real_wide

    return real_wide()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", help="DuckDB release file with mart_buurt_wide")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    wide = _load(args.release)
    print(f"frame: {len(wide)} buurten x {wide.shape[1]} columns")

    dev = fit_expected(wide)
    print(f"deviance fit, all NL ({dev.n} buurten, context {', '.join(dev.context)}): "
          f"median {median_ms(lambda: fit_expected(wide), args.repeats):.1f} ms over {args.repeats} (target ≤ 200)")
    ms = median_ms(lambda: fit_relation(wide, "moeite_met_rondkomen", "ervaren_gezondheid_goed",
                                         controls=("aandeel_65plus", "bevolkingsdichtheid"), weights="inwoners"),
                    args.repeats)
    print(f"relation fit (WLS + HC3, 2 controls): median {ms:.1f} ms")

    build_ms = median_ms(lambda: PeerIndex.build(wide), 5)
    index = PeerIndex.build(wide)
    print(f"peer index build ({len(index.codes)} buurten, {index.n_excluded} left out, "
          f"variables {', '.join(index.variables)}): median {build_ms:.1f} ms")
    codes = list(index.codes[:: max(1, len(index.codes) // 200)])
    times = []
    for code in codes:
        start = time.perf_counter()
        index.peers(code, 10)
        times.append(time.perf_counter() - start)
    print(f"peers of one buurt (k=10): median {1000 * statistics.median(times):.2f} ms over {len(codes)} buurten "
          f"(target ≤ 50)")
    start = time.perf_counter()
    table = index.all_peers(10)
    print(f"peers of all buurten (k=10, {len(table)} rows): {time.perf_counter() - start:.2f} s total")


if __name__ == "__main__":
    main()
