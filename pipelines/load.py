"""Load the cached tables into the build's raw values (indicator_values), one table at a time.

Each table is read, reshaped ONCE into a wide frame (pipelines/transform.py: the keys of a row once, per
indicator its value, bounds and a small missing-reason code) and handed to DuckDB, which unpivots it into long
rows with the table's constants. Only the long rows Python still needs (ratio inputs and the evidence of
pipelines/division_identity.py) are made in pandas. Peak memory: one table's raw rows and wide frame.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines import division_identity, file_sources
from pipelines.cache import CacheError, TableCache, read_table_cache
from pipelines.catalogue import Catalogue
from pipelines.transform import (LONG_COLUMNS, SchemaError, WideTable, ratio_indicator, regions_from_table,
                                 table_to_wide, wide_to_long)

# the build's raw values: a temporary table (memory, spilling past the limit); sql/01_int_values.sql writes them
# once to the release as indicator_values_all (views indicator_values and int_values)
VALUES_DDL = """create temp table raw_values (
    region_code varchar, boundary_year bigint, period varchar, indicator_id varchar, age_group varchar,
    is_default_group boolean, value double, lower double, upper double, missing_reason varchar,
    table_id varchar, series varchar)"""
# the wide frame's missing-reason codes: 0 = a value, i + 1 = REASONS[i]
REASONS = ("suppressed", "not_available", "zero_or_unknown", "too_few")


class BuildError(RuntimeError):
    """The new release failed validation; the previous one keeps serving."""


def locate_caches(catalogue: Catalogue, roots: list[Path]) -> dict[str, Path | None]:
    """The first root holding a table wins (a live cache overrides the shipped snapshot)."""
    found = {}
    for table_id in catalogue.tables:
        found[table_id] = next((r / table_id for r in roots if (r / table_id / "fetch.json").exists()), None)
    return found


def kept_indicators(catalogue: Catalogue) -> set[str]:
    """The indicators whose long rows the build still needs in Python after loading: ratio inputs and the
    evidence of pipelines/division_identity.py. Everything else goes to DuckDB table by table."""
    ratio_inputs = {i for ind in catalogue.indicators if ind.ratio_of for i in ind.ratio_of}
    return ratio_inputs | division_identity.EVIDENCE_INDICATORS


def _sql_text(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def reason_codes(reason: pd.Series) -> np.ndarray:
    codes = pd.Categorical(reason, categories=REASONS).codes
    unknown = (codes < 0) & reason.notna().to_numpy()
    if unknown.any():
        raise SchemaError(f"onbekende reden voor een ontbrekende waarde: {reason[unknown].iloc[0]}")
    return (codes + 1).astype(np.int8)


def insert_wide(con: duckdb.DuckDBPyConnection, wide: WideTable) -> None:
    """raw_values rows of one table: DuckDB unpivots the wide frame (every row, value or not)."""
    if not wide.indicators:
        return
    frame = {c: wide.keys[c] for c in wide.keys.columns}
    for k, (value, lower, upper, reason) in enumerate(wide.columns):
        frame[f"v{k}"], frame[f"l{k}"], frame[f"u{k}"] = value, lower, upper
        frame[f"r{k}"] = reason_codes(reason)
    groups = ", ".join(f"(v{k}, l{k}, u{k}, r{k}) as {_sql_text(i)}" for k, (i, _) in enumerate(wide.indicators))
    series = {s for _, s in wide.indicators}
    series_sql = (_sql_text(series.pop()) if len(series) == 1 else
                  "case indicator_id " + " ".join(f"when {_sql_text(i)} then {_sql_text(s)}"
                                                  for i, s in wide.indicators) + " end")
    reason_sql = "case reason " + " ".join(f"when {n + 1} then {_sql_text(r)}" for n, r in enumerate(REASONS)) + " end"
    con.register("wide_frame", pd.DataFrame(frame))
    try:
        con.execute(f"""insert into raw_values
            select region_code, {int(wide.table.boundary_year)}, period, indicator_id, age_group, is_default_group,
                   value, lower, upper, {reason_sql}, {_sql_text(wide.table.id)}, {series_sql}
            from wide_frame unpivot include nulls ((value, lower, upper, reason) for indicator_id in ({groups}))""")
    finally:
        con.unregister("wide_frame")


def append_long(con: duckdb.DuckDBPyConnection, long: pd.DataFrame) -> None:
    con.register("long_frame", long[LONG_COLUMNS])
    try:
        con.execute("insert into raw_values select * from long_frame")
    finally:
        con.unregister("long_frame")


def _source_row(table_id: str, cache: TableCache, catalogue: Catalogue, rows: int) -> dict:
    table = catalogue.tables[table_id]
    info = (cache.table_infos or [{}])[0]
    return {
        "table_id": table_id, "title": info.get("Title") or table.title, "catalog": table.catalog_host,
        "period": info.get("Period") or table.period, "modified": info.get("Modified"),
        "licence": table.licence, "attribution": table.attribution, "boundary_year": table.boundary_year,
        "series": table.series, "fetched_at": cache.fetch.get("fetched_at"), "method": cache.fetch.get("method"),
        "note": cache.fetch.get("note"), "snapshot_scope": table.snapshot_scope,
        "rows": rows, "source_files": json.dumps(cache.fetch.get("source_files", []))}


def collect(catalogue: Catalogue, located: dict[str, Path | None], files_dir: Path, current_division: int,
            con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, TableCache]]:
    """Load every located table (then the catalog = "file" tables, whose area rule needs today's gemeenten)
    into raw_values, then the ratio indicators. Returns the kept rows (kept_indicators), the regions, the
    sources and every table's metadata (TableCache without rows: pipelines/definitions.py reads it)."""
    con.execute(VALUES_DDL)
    keep = kept_indicators(catalogue)
    kept, regions, sources, metadata = [], [], [], {}

    def load(table_id: str, cache: TableCache) -> None:
        table = catalogue.tables[table_id]
        try:
            wide = table_to_wide(cache, table, catalogue)
        except (SchemaError, KeyError) as exc:
            raise BuildError(f"tabel {table_id}: {exc}") from exc
        insert_wide(con, wide)
        kept.append(wide_to_long(wide, only=keep))
        regions.append((table, regions_from_table(cache, table)))
        sources.append(_source_row(table_id, cache, catalogue, wide.n_rows))
        metadata[table_id] = TableCache(table_id, pd.DataFrame(), cache.data_properties, cache.table_infos, {},
                                        cache.fetch)

    try:
        # every table's metadata first: a damaged cache fails the build before anything is written
        for path in located.values():
            if path is not None:
                read_table_cache(path, with_data=False)
        for table_id, path in located.items():
            if path is not None:
                load(table_id, read_table_cache(path))
                pa.default_memory_pool().release_unused()  # the raw table's Arrow strings are garbage now
        current = file_sources.current_gemeenten(regions, current_division)
        for table_id, cache in file_sources.load_file_tables(catalogue, files_dir, current, current_division).items():
            load(table_id, cache)
    except CacheError as exc:
        raise BuildError(str(exc)) from exc
    values = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=LONG_COLUMNS)
    for ind in catalogue.indicators:
        if ind.ratio_of:
            ratio = ratio_indicator(values, ind)
            append_long(con, ratio)
            values = pd.concat([values, ratio[ratio["indicator_id"].isin(keep)]], ignore_index=True)
    regs = pd.concat([r for _, r in regions], ignore_index=True)
    regs = (regs.sort_values("name", na_position="last")
                .drop_duplicates(["region_code", "boundary_year"]).sort_values(["boundary_year", "region_code"]))
    return values, regs, pd.DataFrame(sources), metadata
