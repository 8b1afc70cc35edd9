"""Load the cached tables into the build's raw values (indicator_values), one table at a time.

Each table is read, reshaped ONCE into a wide frame (pipelines/transform.py: the keys of a row once, per
indicator its value, bounds and a small missing-reason code) and handed to DuckDB, which unpivots it into long
rows with the table's constants. Ratio indicators are matched in DuckDB and guarded in Python; the evidence of
pipelines/division_identity.py is read back from DuckDB. Peak memory: one table's raw rows and wide frame.
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
from pipelines.transform import (LONG_COLUMNS, SchemaError, WideTable, ratio_from_matched, regions_from_table,
                                 table_to_wide)

# The build's raw values: per table a wide table (raw.wide_<n>) and the ratio indicators' long rows
# (raw.raw_ratio) in the in-memory database `raw`, compressed as each table is checkpointed into it (DuckDB keeps
# uncompressed in-memory tables in 256 KB blocks per column: ~100 MB for the snapshot, ~15 MB compressed); the
# temporary view raw_values unpivots them all. sql/01_int_values.sql writes it to the release once
# (indicator_values_all; views indicator_values and int_values); release_raw() drops them.
RAW_DB = "raw"
VALUES_DDL = f"""create table {RAW_DB}.raw_ratio (
    region_code varchar, boundary_year bigint, period varchar, indicator_id varchar, age_group varchar,
    is_default_group boolean, value double, lower double, upper double, missing_reason varchar,
    table_id varchar, series varchar, round_lower double, round_upper double)"""
# the wide frame's missing-reason codes: 0 = a value, i + 1 = REASONS[i]
REASONS = ("suppressed", "not_available", "zero_or_unknown", "too_few")
_REASON_INDEX = pd.Index(REASONS)
# The largest tables, read in a second process beside the others (read_part, collect's `part`; README "Build wall
# time"), into a file of their own (raw_part_path) attached as RAW_PART_DB.
PART_TABLES = ("50090NED", "85618NED")
RAW_PART_DB = "raw_part"
NULL_COLUMN = "no_bound"  # a wide table's one all-NULL column, read for every bound no row has (store_wide)


class BuildError(RuntimeError):
    """The new release failed validation; the previous one keeps serving."""


def raw_part_path(raw_path: Path) -> Path:
    """The second process's raw values beside raw_path (the same prefix: a killed build's are removed too)."""
    return raw_path.with_name(raw_path.name + ".part")


def locate_caches(catalogue: Catalogue, roots: list[Path]) -> dict[str, Path | None]:
    """The first root holding a table wins (a live cache overrides the shipped snapshot)."""
    found = {}
    for table_id in catalogue.tables:
        found[table_id] = next((r / table_id for r in roots if (r / table_id / "fetch.json").exists()), None)
    return found


def ratio_rows(con: duckdb.DuckDBPyConnection, ind) -> pd.DataFrame:
    """The long rows of a ratio_of indicator: its numerator's rows matched in DuckDB to the denominator's on
    region, boundary year, period and age group; the guards in Python (transform.ratio_from_matched)."""
    num_id, den_id = ind.ratio_of
    matched = con.execute("""
        select n.*, d.value as value_den, d.missing_reason as missing_reason_den, d.table_id as table_id_den
        from raw_values n join raw_values d using (region_code, boundary_year, period, age_group)
        where n.indicator_id = ? and d.indicator_id = ?""", [num_id, den_id]).fetchdf()
    return ratio_from_matched(matched, ind)


def evidence_values(con: duckdb.DuckDBPyConnection, table_order: list[str]) -> pd.DataFrame:
    """The rows pipelines/division_identity.py reads (its indicators, default age group), in table order."""
    return con.execute("""
        select region_code, boundary_year, period, indicator_id, is_default_group, value from raw_values
        where is_default_group and list_contains(?, indicator_id)
        order by list_position(?, table_id) nulls last""",
                       [sorted(division_identity.EVIDENCE_INDICATORS), table_order]).fetchdf()


def _sql_text(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def reason_codes(reason: pd.Series) -> np.ndarray:
    """0 where there is a value, i + 1 for REASONS[i]; only the rows with a reason (~15 %) are looked up."""
    reasons = np.asarray(reason, dtype=object)
    present = pd.notna(reasons)
    codes = np.zeros(len(reasons), dtype=np.int8)
    if present.any():
        found = _REASON_INDEX.get_indexer(reasons[present])
        if (found < 0).any():
            raise SchemaError(f"onbekende reden voor een ontbrekende waarde: {reasons[present][found < 0][0]}")
        codes[present] = found + 1
    return codes


def store_wide(con: duckdb.DuckDBPyConnection, wide: WideTable, name: str, db: str = RAW_DB) -> str | None:
    """Store one table's wide frame as the table `db`.`name` (db: RAW_DB, or RAW_PART_DB for the tables read in
    the second process, collect()); returns the select that unpivots it into
    indicator_values rows (every key row for every indicator, value or not), or None without indicators."""
    if not wide.indicators:
        return None
    frame = {c: wide.keys[c] for c in wide.keys.columns}
    groups = []
    for k, (value, lower, upper, reason, round_lower, round_upper) in enumerate(wide.columns):
        frame[f"v{k}"] = value
        frame[f"r{k}"] = reason_codes(reason)
        # bounds (lower/upper: the source's margins; a/b: the rounding interval, pipelines/values.py) that are
        # empty on every row (most of them: only RIVM has margins, only ratios of rounded counts an interval) are
        # not stored: the unpivot reads the one empty column NULL_COLUMN in their place (same NULLs, about half
        # the columns to hand over, compress and read back)
        bounds = {}
        for prefix, bound in (("l", lower), ("u", upper), ("a", round_lower), ("b", round_upper)):
            bounds[prefix] = NULL_COLUMN if pd.isna(bound).all() else f"{prefix}{k}"
            if bounds[prefix] != NULL_COLUMN:
                frame[f"{prefix}{k}"] = bound
        groups.append(f"(v{k}, {bounds['l']}, {bounds['u']}, r{k}, {bounds['a']}, {bounds['b']})")
    frame[NULL_COLUMN] = np.full(len(wide.keys), np.nan)
    con.register("wide_frame", pd.DataFrame(frame))
    try:
        con.execute(f"create table {db}.{name} as select * from wide_frame")
    finally:
        con.unregister("wide_frame")
    con.execute(f"checkpoint {db}")  # compresses the new table
    groups = ", ".join(f"{group} as {_sql_text(i)}" for group, (i, _) in zip(groups, wide.indicators))
    series = {s for _, s in wide.indicators}
    series_sql = (_sql_text(series.pop()) if len(series) == 1 else
                  "case indicator_id " + " ".join(f"when {_sql_text(i)} then {_sql_text(s)}"
                                                  for i, s in wide.indicators) + " end")
    reason_sql = "case reason " + " ".join(f"when {n + 1} then {_sql_text(r)}" for n, r in enumerate(REASONS)) + " end"
    return f"""select cast(region_code as varchar) as region_code, cast({int(wide.table.boundary_year)} as bigint) as boundary_year,
               cast(period as varchar) as period, cast(indicator_id as varchar) as indicator_id,
               cast(age_group as varchar) as age_group, cast(is_default_group as boolean) as is_default_group,
               cast(value as double) as value, cast(lower as double) as lower, cast(upper as double) as upper,
               cast({reason_sql} as varchar) as missing_reason, cast({_sql_text(wide.table.id)} as varchar) as table_id,
               cast({series_sql} as varchar) as series,
               cast(round_lower as double) as round_lower, cast(round_upper as double) as round_upper
        from {db}.{name} unpivot include nulls ((value, lower, upper, reason, round_lower, round_upper)
                                                    for indicator_id in ({groups}))"""


def append_long(con: duckdb.DuckDBPyConnection, long: pd.DataFrame) -> None:
    con.register("long_frame", long[LONG_COLUMNS])
    try:
        con.execute(f"insert into {RAW_DB}.raw_ratio select * from long_frame")
    finally:
        con.unregister("long_frame")


def attach_raw(con: duckdb.DuckDBPyConnection, raw_path: Path, view_sql: str) -> None:
    """The raw values that collect() wrote to raw_path (and raw_part_path(raw_path) where the view reads the
    second process's tables), read-only on the release's connection as raw_values."""
    con.execute(f"attach {_sql_text(raw_path)} as {RAW_DB} (read_only)")
    if f"{RAW_PART_DB}." in view_sql:
        con.execute(f"attach {_sql_text(raw_part_path(raw_path))} as {RAW_PART_DB} (read_only)")
    con.execute(view_sql)


def release_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the raw values once sql/01_int_values.sql has written them."""
    con.execute("drop view if exists raw_values")
    con.execute(f"detach database if exists {RAW_DB}")
    con.execute(f"detach database if exists {RAW_PART_DB}")


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


def _load_table(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, table_id: str, cache: TableCache, db: str,
                name: str) -> dict:
    """One table into the raw values (`db`.`name`, store_wide) and what collect() keeps of it."""
    table = catalogue.tables[table_id]
    try:
        wide = table_to_wide(cache, table, catalogue)
    except (SchemaError, KeyError) as exc:
        raise BuildError(f"tabel {table_id}: {exc}") from exc
    select = store_wide(con, wide, name, db)
    codes = None
    if select is not None:
        codes = wide.keys["region_code"]
        codes = codes[codes.str.startswith("BU")].unique().tolist()  # not Arrow scalars one by one
    return {"table_id": table_id, "select": select, "own_codes": codes, "regions": regions_from_table(cache, table),
            "source": _source_row(table_id, cache, catalogue, wide.n_rows),
            "metadata": TableCache(table_id, pd.DataFrame(), cache.data_properties, cache.table_infos, {}, cache.fetch)}


def part_tables(located: dict[str, Path | None]) -> dict[str, Path]:
    """The located PART_TABLES (read_part)."""
    return {t: p for t, p in located.items() if p is not None and t in PART_TABLES}


def read_part(catalogue: Catalogue, located: dict[str, Path], part_path: Path, config: dict) -> list[dict]:
    """The tables of `located` into the raw values' second file part_path (database RAW_PART_DB), on a DuckDB
    instance of its own: collect() runs this in a second process beside its own tables (README "Build wall
    time"). Returns _load_table's result per table, in order."""
    out = []
    with duckdb.connect(config=config) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach {_sql_text(part_path)} as {RAW_PART_DB}")
        for k, (table_id, path) in enumerate(located.items()):
            out.append(_load_table(con, catalogue, table_id, read_table_cache(path), RAW_PART_DB, f"wide_{k}"))
            pa.default_memory_pool().release_unused()
        con.execute(f"detach {RAW_PART_DB}")
    return out


def collect(catalogue: Catalogue, located: dict[str, Path | None], files_dir: Path, current_division: int,
            con: duckdb.DuckDBPyConnection, raw_path: Path, part: tuple | None = None
            ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, TableCache], dict[str, list[str]], str]:
    """Load every located table (then the catalog = "file" tables, whose area rule needs today's gemeenten)
    into raw_values (the database file raw_path, attached as `raw`), then the ratio indicators. Returns the
    division evidence (evidence_values), the regions, the sources, every table's metadata (TableCache without
    rows: pipelines/definitions.py reads it), per table its own buurt codes (those it has values for) and the
    statement that makes the view raw_values on another connection (attach_raw).
    part: (tables, wait) when the caller started read_part(tables) in a second process (build._read_stages: before
    this process opens DuckDB, whose threads a fork would not copy); wait() gives its results. Those tables are
    then not read here; the results are the same, in the same table order."""
    con.execute(f"attach {_sql_text(raw_path)} as {RAW_DB}")
    con.execute(VALUES_DDL)
    regions, sources, metadata, selects, own_codes = [], [], {}, [], {}

    def keep(result: dict) -> None:
        if result["select"] is not None:
            selects.append(result["select"])
            own_codes[result["table_id"]] = result["own_codes"]
        regions.append((catalogue.tables[result["table_id"]], result["regions"]))
        sources.append(result["source"])
        metadata[result["table_id"]] = result["metadata"]

    part, wait_part = part or ({}, None)
    try:
        # every table's metadata first: a damaged cache fails the build before anything is written
        for path in located.values():
            if path is not None:
                read_table_cache(path, with_data=False)
        results = {}
        for table_id, path in located.items():
            if path is not None and table_id not in part:
                results[table_id] = _load_table(con, catalogue, table_id, read_table_cache(path), RAW_DB,
                                                f"wide_{len(results)}")
                pa.default_memory_pool().release_unused()  # the raw table's Arrow strings are garbage now
        if part:
            results.update(zip(part, wait_part()))
            con.execute(f"attach {_sql_text(raw_part_path(raw_path))} as {RAW_PART_DB} (read_only)")
        for table_id in located:  # in table order, as if one process had read them all
            if table_id in results:
                keep(results.pop(table_id))
        current = file_sources.current_gemeenten(regions, current_division)
        for k, (table_id, cache) in enumerate(
                file_sources.load_file_tables(catalogue, files_dir, current, current_division).items()):
            keep(_load_table(con, catalogue, table_id, cache, RAW_DB, f"file_{k}"))
    except CacheError as exc:
        raise BuildError(str(exc)) from exc
    ratio_select = f"select * from {RAW_DB}.raw_ratio"
    view_sql = "create temp view raw_values as " + "\nunion all\n".join(selects + [ratio_select])
    con.execute(view_sql)
    for ind in catalogue.indicators:
        if ind.ratio_of:  # in catalogue order: a ratio may divide an earlier ratio
            append_long(con, ratio_rows(con, ind))
    con.execute(f"checkpoint {RAW_DB}")
    evidence = evidence_values(con, list(metadata))
    regs = pd.concat([r for _, r in regions], ignore_index=True)
    regs = (regs.sort_values("name", na_position="last")
                .drop_duplicates(["region_code", "boundary_year"]).sort_values(["boundary_year", "region_code"]))
    return evidence, regs, pd.DataFrame(sources), metadata, own_codes, view_sql
