"""Timings of the statistics as the app uses them, on a built release.

Usage
-----
    .venv/bin/python benchmarks/bench_stats_app.py                  # the current release in data/build
    .venv/bin/python benchmarks/bench_stats_app.py --build-dir DIR  # another build folder

Measures: the precompute step of the build (peers for all buurten + 'beter dan verwacht'), the all-NL relation
fit, one buurt's peers (precomputed lookup vs a live k-d tree query), one buurt's trend panels and figures.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")  # st.cache_data outside a Streamlit run

import duckdb  # noqa: E402

from dashboard.stats import queries as q  # noqa: E402
from dashboard.stats import trend_panels  # noqa: E402
from common import median_ms  # noqa: E402
from dashboard.stats import PeerIndex, fit_expected, fit_relation  # noqa: E402
from pipelines import paths, precompute, release  # noqa: E402
from pipelines.models import SQL_DIR  # noqa: E402

BUURT, GEMEENTE = "BU03440111", "GM0344"


def precompute_seconds(path: Path) -> dict[str, float]:
    """fill_stats_tables on an in-memory copy of its inputs (what the build adds)."""
    con = duckdb.connect()
    con.execute(f"attach '{path}' as rel (read_only)")
    for table in ("regions", "int_current_regions", "indicators"):
        con.execute(f"create table {table} as select * from rel.{table}")
    con.execute("create table mart_buurt_wide as select * from rel.mart_buurt_wide")
    con.execute((SQL_DIR / "07_mart_stats.sql").read_text(encoding="utf-8"))
    start = time.perf_counter()
    timings = precompute.fill_stats_tables(con)
    timings["precompute_total"] = time.perf_counter() - start
    con.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    build_dir = args.build_dir or paths.build_dir()
    path = release.current_release(build_dir)
    print(f"release: {path}")
    for name, seconds in precompute_seconds(path).items():
        print(f"  {name:<24} {seconds:7.2f} s")

    start = time.perf_counter()
    wide = q.buurt_wide(build_dir)
    print(f"  read mart_buurt_wide      {time.perf_counter() - start:7.2f} s  ({len(wide)} buurten)")
    r = args.repeats
    x, y = "huishoudens_laagste_40pct", "ervaren_gezondheid_goed"
    print(f"  fit_relation all NL (OLS) {median_ms(lambda: fit_relation(wide, x, y), r):7.1f} ms")
    print(f"  fit_relation all NL (WLS) {median_ms(lambda: fit_relation(wide, x, y, weights='inwoners'), r):7.1f} ms")
    print(f"  fit_relation + 5 controls {median_ms(lambda: fit_relation(wide, x, y, controls=['aandeel_65plus', 'aandeel_0_15', 'bevolkingsdichtheid', 'eenpersoonshuishoudens', 'woz_waarde']), r):7.1f} ms")  # noqa: E501
    print(f"  fit_expected all NL       {median_ms(lambda: fit_expected(wide, y), r):7.1f} ms")
    print(f"  peers one buurt (table)   {median_ms(lambda: q.peers(BUURT, build_dir), r):7.1f} ms")
    index = PeerIndex.build(wide)
    print(f"  peers one buurt (live)    {median_ms(lambda: index.peers(BUURT), r):7.1f} ms  (index build excluded)")
    long = q.series((BUURT, GEMEENTE), build_dir)
    cat, names = q.indicators(build_dir), q.region_names(BUURT, build_dir)
    panels = trend_panels.trend_panels(long, cat, BUURT, reference_code=GEMEENTE, reference_name="Utrecht", names=names)
    print(f"  trend panels one buurt    {median_ms(lambda: trend_panels.trend_panels(long, cat, BUURT, reference_code=GEMEENTE, reference_name='Utrecht', names=names), r):7.1f} ms  ({len(panels)} panels)")  # noqa: E501
    print(f"  trend figures one buurt   {median_ms(lambda: [trend_panels.trend_figure(p) for p in panels], r):7.1f} ms")


if __name__ == "__main__":
    main()
