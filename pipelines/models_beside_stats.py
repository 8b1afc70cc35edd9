"""The SQL models with the precomputed statistics beside them (README "Build wall time").

The statistics that read mart_buurt_wide (vergelijkbare buurten, beter dan verwacht; owner: pipelines/precompute.py)
get their input as soon as the wide view exists (after int_profile, the largest statement), and their rows are
computed in a thread while the remaining models run: pandas, numpy and the k-d tree beside DuckDB's statements,
which release the GIL and leave a core idle in their serial parts (int_map_values). The thread never touches
DuckDB; the caller writes the rows into sql/07_mart_stats.sql's tables (precompute.insert_stats).
"""
from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

import duckdb
import pandas as pd

from pipelines import precompute
from pipelines.catalogue import Catalogue
from pipelines.load import release_raw
from pipelines.models import run_models


def run_models_and_stats(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, timings: dict[str, float],
                         stats_memory_limit: str | None = None) -> dict[str, pd.DataFrame]:
    """Run the SQL models, release the raw values, and return the statistics' rows (table -> frame). timings gets
    'precompute_read', 'sql', the statistics' own and 'precompute_wait' (how long the models waited for them).
    stats_memory_limit: DuckDB's memory limit from the moment the thread starts (its Python memory is beside
    DuckDB's), None to keep it."""
    clock = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:
        stats: list[Future] = []

        def start_stats() -> None:
            start = time.perf_counter()
            inputs = precompute.wide_frame(con), precompute.indicator_meta(con)
            timings["precompute_read"] = time.perf_counter() - start
            if stats_memory_limit:
                con.execute(f"set memory_limit = '{stats_memory_limit}'")
            stats.append(pool.submit(precompute.compute_rows, *inputs))

        try:
            run_models(con, catalogue, wide_ready=start_stats)
            release_raw(con)
            timings["sql"] = time.perf_counter() - clock
            clock = time.perf_counter()
            rows, own_timings = stats[0].result()
        finally:
            wait(stats)  # a failed model: the thread is done before the connection is closed
            stats.clear()  # the future holds the rows too: the caller frees them once written
    timings.update(own_timings)
    timings["precompute_wait"] = time.perf_counter() - clock
    return rows
