"""Build a release database from cached tables: transform, load, validate, publish atomically."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import division_identity, file_sources, paths, precompute, release
from pipelines.cache import CacheError, TableCache, read_table_cache
from pipelines.catalogue import Catalogue, load_catalogue
from pipelines.definitions import source_definitions
from pipelines import shapes as shapes_module
from pipelines.shapes import read_shapes
from pipelines.transform import LONG_COLUMNS, SchemaError, ratio_indicator, regions_from_table, table_to_long

SQL_DIR = Path(__file__).with_name("sql")
# DuckDB settings of the build (peak memory): operators past the limit spill to a temp file beside the release
# instead of growing. The result does not depend on them: tests/test_build_settings.py builds with DuckDB's
# defaults and compares every mart_* view (EXCEPT ALL both ways). BUURTBALANS_BUILD_MEMORY overrides the limit.
DUCKDB_CONFIG = {"memory_limit": os.environ.get("BUURTBALANS_BUILD_MEMORY", "300MB")}
CURRENT_DIVISION = 2024


def _pause_point(name: str) -> None:
    """Fault-injection hook for the atomicity tests: with BUURTBALANS_PAUSE_AT=<name> the build announces the
    point on stdout and sleeps there, so a test can SIGKILL it at a known moment."""
    if os.environ.get("BUURTBALANS_PAUSE_AT") == name:
        print(f"PAUSED AT {name}", flush=True)
        time.sleep(600)


class BuildError(RuntimeError):
    """The new release failed validation; the previous one keeps serving."""


@dataclass
class BuildSummary:
    release: Path
    rows_per_table: dict[str, int] = field(default_factory=dict)
    regions_per_level: dict[str, int] = field(default_factory=dict)
    indicators_loaded: int = 0
    indicators_without_values: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    boundary_joins: pd.DataFrame | None = None
    division_joins: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"Database: {self.release}"]
        out += [f"  tabel {t}: {n:,} waarden" for t, n in self.rows_per_table.items()]
        out.append("  regio's (huidige indeling): " + ", ".join(f"{lvl} {n:,}" for lvl, n in self.regions_per_level.items()))
        out.append(f"  indicatoren met waarden: {self.indicators_loaded}")
        if self.indicators_without_values:
            out.append("  zonder waarden (niet in de gegevens): " + ", ".join(self.indicators_without_values))
        if self.missing_tables:
            out.append("  tabellen niet aanwezig (live verversen vult ze): " + ", ".join(self.missing_tables))
        if self.division_joins is not None:
            for r in self.division_joins.itertuples():
                if r.boundary_year != CURRENT_DIVISION and r.level == "buurt":
                    out.append(f"  {r.table_id} (indeling {r.boundary_year}): {r.in_current:,} van {r.codes:,} "
                               f"buurtcodes bestaan ook in {CURRENT_DIVISION}; daarvan {r.accepted:,} hetzelfde "
                               f"gebied, {r.refused:,} geweigerd (ander gebied of geen bewijs); "
                               f"{r.not_in_current:,} niet (andere buurtindeling)")
        return out


def cached_shapes(geo_dir: Path) -> pd.DataFrame:
    """Prepared shapes (simplified per scale) only change when the shape files or shapes.py change, so they are
    kept under a key of both (paths.shapes_cache_dir()); a refresh of the statistics reuses them."""
    digest = hashlib.sha256(Path(shapes_module.__file__).read_bytes())
    for path in sorted(geo_dir.glob("*.geojson")):
        digest.update(path.name.encode() + path.read_bytes())
    cache = paths.shapes_cache_dir() / f"{digest.hexdigest()[:20]}.parquet"
    if cache.exists():
        return pd.read_parquet(cache)
    shapes = read_shapes(geo_dir)
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("*.parquet"):
        if old != cache:  # a parallel build (test workers) may have just written this very key
            old.unlink(missing_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    shapes.to_parquet(tmp, index=False)
    os.replace(tmp, cache)
    return shapes


def locate_caches(catalogue: Catalogue, roots: list[Path]) -> dict[str, Path | None]:
    """The first root holding a table wins (a live cache overrides the shipped snapshot)."""
    found = {}
    for table_id in catalogue.tables:
        found[table_id] = next((r / table_id for r in roots if (r / table_id / "fetch.json").exists()), None)
    return found


VALUES_DDL = """create table indicator_values (
    region_code varchar, boundary_year bigint, period varchar, indicator_id varchar, age_group varchar,
    is_default_group boolean, value double, lower double, upper double, missing_reason varchar,
    table_id varchar, series varchar)"""


def kept_indicators(catalogue: Catalogue) -> set[str]:
    """The indicators whose long rows the build still needs in Python after loading: ratio inputs and the
    evidence of pipelines/division_identity.py. Everything else goes to DuckDB table by table."""
    ratio_inputs = {i for ind in catalogue.indicators if ind.ratio_of for i in ind.ratio_of}
    return ratio_inputs | division_identity.EVIDENCE_INDICATORS


def collect(catalogue: Catalogue, caches: dict[str, TableCache],
            con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stream every cached table's long values into DuckDB's indicator_values, one table at a time (peak memory:
    one table's long frame, never all of them; each raw table is dropped from `caches` once it is loaded), then
    the ratio indicators. Returns the kept rows (kept_indicators), the regions and the sources."""
    con.execute(VALUES_DDL)
    keep = kept_indicators(catalogue)
    kept, regions, sources = [], [], []
    for table_id in list(caches):
        cache = caches.pop(table_id)  # the raw table is freed as soon as its long rows are in DuckDB
        table = catalogue.tables[table_id]
        try:
            long = table_to_long(cache, table, catalogue)
        except (SchemaError, KeyError) as exc:
            raise BuildError(f"tabel {table_id}: {exc}") from exc
        _append_values(con, long)
        kept.append(long[long["indicator_id"].isin(keep)])
        regions.append(regions_from_table(cache, table))
        info = (cache.table_infos or [{}])[0]
        sources.append({
            "table_id": table_id, "title": info.get("Title") or table.title, "catalog": table.catalog_host,
            "period": info.get("Period") or table.period, "modified": info.get("Modified"),
            "licence": table.licence, "attribution": table.attribution, "boundary_year": table.boundary_year,
            "series": table.series, "fetched_at": cache.fetch.get("fetched_at"), "method": cache.fetch.get("method"),
            "note": cache.fetch.get("note"), "snapshot_scope": table.snapshot_scope,
            "rows": len(long), "source_files": json.dumps(cache.fetch.get("source_files", []))})
        del long, cache
    values = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=LONG_COLUMNS)
    for ind in catalogue.indicators:
        if ind.ratio_of:
            ratio = ratio_indicator(values, ind)
            _append_values(con, ratio)
            values = pd.concat([values, ratio[ratio["indicator_id"].isin(keep)]], ignore_index=True)
    regs = pd.concat(regions, ignore_index=True)
    regs = (regs.sort_values("name", na_position="last")
                .drop_duplicates(["region_code", "boundary_year"]).sort_values(["boundary_year", "region_code"]))
    return values, regs, pd.DataFrame(sources)


def _append_values(con: duckdb.DuckDBPyConnection, long: pd.DataFrame) -> None:
    con.register("long_frame", long[LONG_COLUMNS])
    con.execute("insert into indicator_values select * from long_frame")
    con.unregister("long_frame")


def indicators_frame(catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for ind in catalogue.indicators:
        rows.append({
            "indicator_id": ind.id, "label": ind.label, "lens": ind.lens, "unit": ind.unit,
            "direction": ind.direction, "description": ind.description, "modelled": ind.modelled,
            "prompt": ind.prompt, "landing": ind.landing, "hidden": ind.hidden, "in_summary": ind.in_summary,
            "attribution": catalogue.attribution(ind),
            "tables": ", ".join(dict.fromkeys(s.table for s in ind.sources)) or "afgeleid: " + " / ".join(ind.ratio_of),
            "columns": json.dumps([{"table": s.table, "stem": s.stem, "download_name": s.download_name,
                                    "numerator": s.numerator, "denominator": list(s.denominator), "scale": s.scale}
                                   for s in ind.sources], ensure_ascii=False),
            "ratio_of": " / ".join(ind.ratio_of) if ind.ratio_of else None, "scale": ind.scale,
            "rounding": ind.rounding, "national_lowest_40": ind.national_lowest_40,
            "min_denominator": max((s.min_denominator or 0 for s in ind.sources), default=0)
            or ind.min_denominator or None})
    return pd.DataFrame(rows)


def boundary_joins(regions: pd.DataFrame, sources: pd.DataFrame, own_codes: dict[str, list[str]]) -> pd.DataFrame:
    """Per table, on the table's OWN buurt codes (those it has rows for): how many exist in the current
    division, and how many names were compared and differ. Whether a code that exists today also names the same
    area is decided by pipelines/division_identity.py (mart_division_joins)."""
    current = regions[regions["boundary_year"] == CURRENT_DIVISION].set_index("region_code")["name"]
    rows = []
    for s in sources.itertuples():
        codes = pd.Index(own_codes.get(s.table_id, []), dtype=object)
        names = regions[(regions["boundary_year"] == s.boundary_year) & (regions["level"] == "buurt")]
        own = pd.DataFrame({"region_code": codes}).merge(names[["region_code", "name"]].drop_duplicates(
            "region_code"), on="region_code", how="left")
        joined = own["region_code"].isin(current.index)
        both = own[joined & own["name"].notna()]
        name_diff = (both["name"].str.casefold() != both["region_code"].map(current).str.casefold()).sum()
        rows.append({"table_id": s.table_id, "boundary_year": s.boundary_year, "buurten_total": len(own),
                     "buurten_joined": int(joined.sum()), "buurten_not_joined": int((~joined).sum()),
                     "names_compared": len(both), "names_differ": int(name_diff)})
    return pd.DataFrame(rows)


def _wide_view_sql(catalogue: Catalogue) -> str:
    ids = [i.id for i in catalogue.indicators]
    cols = ",\n    ".join(f"max(value) filter (where indicator_id = '{i}') as {i}" for i in ids)
    return f"""
-- int_wide_sources / mart_buurt_wide_sources: per indicator the ONE period, table and boundary year the
-- statistics use: the most recent period with current-buurt values (of two tables with that period, the one
-- with the most buurten), with the number of buurten that have a value in it.
-- Contract (mart_buurt_wide_sources): indicator_id, period, table_id, boundary_year, n_buurten
create or replace table int_wide_sources as
with counted as (
    select indicator_id, period, table_id, boundary_year, count(*) as n_buurten
    from int_values
    where value is not null and is_default_group and region_code like 'BU%'
    group by all
)
select * from counted
qualify row_number() over (partition by indicator_id order by period desc, n_buurten desc, table_id) = 1;

create or replace view mart_buurt_wide_sources as select * from int_wide_sources order by indicator_id;

-- mart_buurt_wide: one row per current buurt, one column per indicator, default age group. Every column holds
-- the values of ONE period and table (int_wide_sources): a buurt without a value there is NULL, never an older
-- figure, so the statistics (relations, beter dan verwacht, vergelijkbare buurten) never mix years.
create or replace view mart_buurt_wide as
with vals as (
    select v.region_code, v.indicator_id, v.value
    from int_values v join int_wide_sources using (indicator_id, period, table_id, boundary_year)
    where v.is_default_group and v.region_code like 'BU%'
)
select r.region_code, r.name, r.gemeente_code, r.wijk_code,
    {cols}
from int_current_regions r
left join vals l on l.region_code = r.region_code
where r.level = 'buurt'
group by all;
"""


def validate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    checks = {
        "buurten in de huidige indeling": "select count(*) from mart_regions where level = 'buurt'",
        "waarden in de probleemlens": "select count(*) from mart_profile where lens = 'problem' and value is not null",
        "waarden in de krachtlens": "select count(*) from mart_profile where lens = 'asset' and value is not null",
        "bronnen": "select count(*) from sources",
    }
    for what, sql in checks.items():
        if con.execute(sql).fetchone()[0] == 0:
            raise BuildError(f"controle mislukt: geen {what}")
    dup = con.execute("""select count(*) from (select 1 from indicator_values group by region_code, boundary_year,
                         period, indicator_id, age_group, table_id having count(*) > 1)""").fetchone()[0]
    if dup:
        raise BuildError(f"controle mislukt: {dup} dubbele waarden")
    for view in ("mart_regions", "mart_profile", "mart_indicator_series", "mart_map_values",
                 "mart_buurt_scores", "mart_buurt_wide", "mart_buurt_wide_sources", "mart_region_shapes",
                 "mart_sources", "mart_catalogue", "mart_division_identity", "mart_division_joins",
                 "mart_division_refused"):
        con.execute(f"describe {view}").fetchall()  # binds the view (catches a broken contract) without running it


def build(*, roots: list[Path] | None = None, build_dir: Path | None = None, catalogue: Catalogue | None = None,
          geo_dir: Path | None = None, publish: bool = True, duckdb_config: dict | None = None) -> BuildSummary:
    """Build a new release from the caches in `roots` (default: live cache, then the shipped snapshot).
    duckdb_config: DuckDB settings of the build (default DUCKDB_CONFIG; {} = DuckDB's own defaults)."""
    catalogue = catalogue or load_catalogue()
    roots = roots or [paths.cache_dir(), paths.snapshot_dir() / "tables"]
    build_dir = build_dir or paths.build_dir()
    geo_dir = geo_dir or paths.snapshot_dir() / "geo"
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; readers are never blocked
        release.remove_unpublished(build_dir)
        located = locate_caches(catalogue, roots)
        target = release.new_release_path(build_dir)
        clock = time.perf_counter()
        try:
            caches = {t: read_table_cache(p) for t, p in located.items() if p is not None}
            # catalog = "file" tables (Kiesraad): read from data/snapshot/files by pipelines/file_sources.py
            caches.update(file_sources.load_file_tables(
                catalogue, paths.snapshot_dir() / "files",
                file_sources.current_gemeenten(caches, catalogue, CURRENT_DIVISION), CURRENT_DIVISION))
        except CacheError as exc:
            raise BuildError(str(exc)) from exc
        summary = BuildSummary(release=target, missing_tables=[t for t in catalogue.tables if t not in caches])
        summary.timings["read"] = time.perf_counter() - clock
        # the release file is written from the first table on; until publish() nothing points at it, and a
        # failed or killed build leaves only an unpublished file that the next build removes
        con = duckdb.connect(str(target), config=DUCKDB_CONFIG if duckdb_config is None else duckdb_config)
        try:
            con.execute("set enable_progress_bar = false")
            clock = time.perf_counter()
            definitions = source_definitions(catalogue, caches)
            kept, regions, sources = collect(catalogue, caches, con)  # empties `caches` table by table
            summary.timings["transform"] = time.perf_counter() - clock
            _pause_point("after_transform")
            clock = time.perf_counter()
            shapes = cached_shapes(geo_dir)
            summary.timings["shapes"] = time.perf_counter() - clock
            _write(con, catalogue, kept, regions, sources, shapes, summary, definitions)
        except BaseException:
            con.close()
            target.unlink(missing_ok=True)
            Path(str(target) + ".wal").unlink(missing_ok=True)
            raise
        con.close()
        _pause_point("before_publish")
        if publish:
            release.publish(target, build_dir)
        return summary


def _write(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, kept: pd.DataFrame, regions: pd.DataFrame,
           sources: pd.DataFrame, shapes: pd.DataFrame, summary: BuildSummary,
           definitions: pd.DataFrame | None = None) -> None:
    """Everything after the values are in DuckDB: the division decisions, the small tables, the SQL models, the
    precomputed statistics and the validation. kept: the long rows of kept_indicators()."""
    own_codes = dict(con.execute("""select table_id, list(distinct region_code) from indicator_values
                                    where region_code like 'BU%' group by table_id""").fetchall())
    joins = boundary_joins(regions, sources, own_codes)
    clock = time.perf_counter()
    identity = division_identity.identity(regions, kept, CURRENT_DIVISION)
    summary.timings["division_identity"] = time.perf_counter() - clock
    del kept
    build_info = pd.DataFrame([{"built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                "current_division": CURRENT_DIVISION,
                                "live_tables": ", ".join(sources.loc[sources["method"] != "snapshot-conversion",
                                                                     "table_id"]) or None}])
    clock = time.perf_counter()
    frames = {"regions": regions, "sources": sources,
              "indicators": indicators_frame(catalogue), "boundary_joins": joins,
              "region_shapes": shapes, "build_info": build_info, "division_identity": identity,
              "indicator_definitions": definitions if definitions is not None else
              source_definitions(catalogue, {})}
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")
    summary.timings["load"] = time.perf_counter() - clock
    del frames, identity  # in DuckDB now; free the pandas copies before the SQL models run
    _pause_point("after_load")
    clock = time.perf_counter()
    for sql_file in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql_file.read_text(encoding="utf-8"))
    con.execute(_wide_view_sql(catalogue))
    summary.timings["sql"] = time.perf_counter() - clock
    # Statistics that read mart_buurt_wide (vergelijkbare buurten, beter dan verwacht) fill the tables of
    # sql/07_mart_stats.sql here (owner: pipelines/precompute.py).
    summary.timings.update(precompute.fill_stats_tables(con))
    _pause_point("after_sql")
    clock = time.perf_counter()
    validate(con, catalogue)
    summary.timings["validate"] = time.perf_counter() - clock
    summary.rows_per_table = dict(con.execute(
        "select table_id, count(*) from indicator_values group by 1 order by 1").fetchall())
    summary.regions_per_level = dict(con.execute(
        "select level, count(*) from int_current_regions group by 1 order by 1").fetchall())
    with_values = {r[0] for r in con.execute(
        "select distinct indicator_id from indicator_values where value is not null").fetchall()}
    summary.indicators_loaded = len(with_values)
    summary.indicators_without_values = [i.id for i in catalogue.indicators if i.id not in with_values]
    summary.boundary_joins = joins
    summary.division_joins = con.execute("select * from mart_division_joins").fetchdf()
    con.execute("checkpoint")
