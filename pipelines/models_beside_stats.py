"""The SQL models with the precomputed statistics beside them (README "Build wall time").

The statistics that read mart_buurt_wide (vergelijkbare buurten, beter dan verwacht; owner: pipelines/precompute.py)
start as soon as the wide view exists (after int_profile, the largest statement): a thread reads their input on a
cursor of its own (a second connection to the same database), computes their rows (pandas, numpy and the k-d tree)
and, once sql/07_mart_stats.sql has declared their tables, writes them, all while the remaining models run on the
build's connection. DuckDB's statements release the GIL and leave a core idle in their serial parts
(int_map_values runs on one thread), so the thread's work costs the build little wall time; before, the read (~0.5 s)
and the write (~0.5 s) ran on the build's connection, between the models and after them.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import duckdb

from pipelines import precompute
from pipelines.catalogue import Catalogue
from pipelines.load import release_raw
from pipelines.models import run_models


def run_models_and_stats(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, timings: dict[str, float],
                         stats_memory_limit: str | None = None,
                         checks: Callable[[duckdb.DuckDBPyConnection], Any] | None = None) -> Any:
    """Run the SQL models and write the statistics' rows beside them, then release the raw values. timings gets
    'sql' (the models), the statistics' own ('precompute_read', '_peers', '_expected', '_insert', measured in the
    thread) and 'precompute_wait' (how long the build waited for the thread after the models).
    stats_memory_limit: DuckDB's memory limit from the moment the thread starts (its Python memory is beside
    DuckDB's), None to keep it. checks: run in the thread on its cursor after the write (they may read only what
    sql/01-07 make; 'checks_beside' in timings); returns their result (their exception is raised here)."""
    clock = time.perf_counter()
    tables_declared = threading.Event()
    models_ok = []  # [True] once the tables are declared; empty when a model failed (the thread writes nothing)

    def stats(cursor: duckdb.DuckDBPyConnection) -> tuple[dict[str, float], Any]:
        own, checked = {}, None
        with cursor:
            start = time.perf_counter()
            inputs = precompute.wide_frame(cursor), precompute.indicator_meta(cursor)
            own["precompute_read"] = time.perf_counter() - start
            rows, computed = precompute.compute_rows(*inputs)
            own.update(computed)
            del inputs
            tables_declared.wait()
            if models_ok:
                start = time.perf_counter()
                precompute.insert_stats(cursor, rows)
                own["precompute_insert"] = time.perf_counter() - start
                if checks is not None:
                    start = time.perf_counter()
                    checked = checks(cursor)
                    own["checks_beside"] = time.perf_counter() - start
        return own, checked

    with ThreadPoolExecutor(max_workers=1) as pool:
        futures: list[Future] = []

        def start_stats() -> None:
            if stats_memory_limit:
                con.execute(f"set memory_limit = '{stats_memory_limit}'")
            futures.append(pool.submit(stats, con.cursor()))

        def tables_ready() -> None:
            models_ok.append(True)
            tables_declared.set()

        try:
            run_models(con, catalogue, wide_ready=start_stats, stats_tables_ready=tables_ready)
            timings["sql"] = time.perf_counter() - clock
            clock = time.perf_counter()
            own_timings, checked = futures[0].result()
        finally:
            tables_declared.set()  # a failed model: the thread stops waiting and writes nothing
            wait(futures)  # the thread is done before the connection is closed
    release_raw(con)
    timings.update(own_timings)
    timings["precompute_wait"] = time.perf_counter() - clock
    return checked
