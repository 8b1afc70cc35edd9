"""Build a release database from cached tables: transform, load, validate, publish atomically."""
from __future__ import annotations

import contextlib
import ctypes
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
import pyarrow as pa

from pipelines import division_identity, name_corrections, paths, release
from pipelines.catalogue import Catalogue, load_catalogue
from pipelines.child import start_in_child, start_in_child_stages
from pipelines.code_stamp import code_stamp
from pipelines.definitions import source_definitions
from pipelines.load import attach_raw, collect, locate_caches, part_tables, raw_part_path, read_part
from pipelines.models import check_unique_values, validate
from pipelines.models_beside_stats import run_models_and_stats

# DuckDB settings of the build (peak memory): operators past the limit spill to a temp file beside the release
# instead of growing. The result does not depend on them: tests/test_build_settings.py builds with DuckDB's
# defaults and compares every mart_* view (EXCEPT ALL both ways). BUURTBALANS_BUILD_MEMORY overrides the limit.
# DuckDB fills its limit with cached blocks and working memory in every large statement, so the limit is most of
# the build's peak above the process's own ~200 MB. 160 MB: int_profile and int_map_values are written in ranges of
# region codes (sql/02, sql/04), which keeps each statement's working memory under it (README "Speed").
DUCKDB_CONFIG = {"memory_limit": os.environ.get("BUURTBALANS_BUILD_MEMORY", "160MB")}
# While the statistics are computed beside the last SQL models (_write), their Python memory (scipy's k-d tree
# module ~25 MB, the frames) is beside DuckDB's: DuckDB's limit is this much lower from then on, so the build's peak
# RSS stays where it was (README "Build wall time"). Only with the build's own limit, not with one set by hand.
STATS_MEMORY_LIMIT = None if "BUURTBALANS_BUILD_MEMORY" in os.environ else "140MB"
CURRENT_DIVISION = 2024
SHAPES_MODULE = Path(__file__).with_name("shapes.py")  # its code is part of the prepared shapes' cache key
RAW_PREFIX = ".raw-"  # the build's raw values (pipelines/load.py), deleted when the build ends


def release_freed_memory() -> None:
    """Hand memory that pandas and pyarrow have freed back to the OS. Without it the build's peak RSS is the
    DuckDB memory limit on top of every freed but kept heap page of the read (README "Speed": ~80 MB)."""
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc only; elsewhere the OS keeps what it keeps
    except (OSError, AttributeError):
        pass


def _pause_point(name: str) -> None:
    """Fault-injection hook for the atomicity tests: with BUURTBALANS_PAUSE_AT=<name> the build announces the
    point on stdout and sleeps there, so a test can SIGKILL it at a known moment."""
    if os.environ.get("BUURTBALANS_PAUSE_AT") == name:
        print(f"PAUSED AT {name}", flush=True)
        time.sleep(600)


@dataclass
class BuildSummary:
    release: Path
    rows_per_table: dict[str, int] = field(default_factory=dict)
    regions_per_level: dict[str, int] = field(default_factory=dict)
    indicators_loaded: int = 0
    indicators_without_values: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    finer_than_declared: list[str] = field(default_factory=list)
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
        if self.finer_than_declared:
            out.append("  meer decimalen dan de catalogus noemt (pas 'decimals' aan; getoond wordt afgerond): "
                       + ", ".join(self.finer_than_declared))
        if self.division_joins is not None:
            for r in self.division_joins.itertuples():
                if r.boundary_year != CURRENT_DIVISION and r.level == "buurt":
                    out.append(f"  {r.table_id} (indeling {r.boundary_year}): {r.in_current:,} van {r.codes:,} "
                               f"buurtcodes bestaan ook in {CURRENT_DIVISION}; daarvan {r.accepted:,} hetzelfde "
                               f"gebied, {r.refused:,} geweigerd (ander gebied of geen bewijs); "
                               f"{r.not_in_current:,} niet (andere buurtindeling)")
        return out


@contextlib.contextmanager
def _system_arrow_pool():
    """Arrow allocates from the C library's heap during the build (not its default mimalloc pool, which keeps
    freed pages), so release_freed_memory() can give them back between the phases."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def cached_shapes(geo_dir: Path) -> Path:
    """Prepared shapes (simplified per scale) only change when the shape files or shapes.py change, so they are
    kept under a key of both (paths.shapes_cache_dir()); a refresh of the statistics reuses them. Returns the
    cached file (shapely and pipelines/shapes.py are imported only to make it)."""
    digest = hashlib.sha256(SHAPES_MODULE.read_bytes())
    for path in sorted(geo_dir.glob("*.geojson")):
        digest.update(path.name.encode() + path.read_bytes())
    cache = paths.shapes_cache_dir() / f"{digest.hexdigest()[:20]}.parquet"
    if cache.exists():
        return cache
    from pipelines.shapes import read_shapes  # shapely: only when the shapes change
    shapes = read_shapes(geo_dir)
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("*.parquet"):
        if old != cache:  # a parallel build (test workers) may have just written this very key
            old.unlink(missing_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    shapes.to_parquet(tmp, index=False)
    os.replace(tmp, cache)
    return cache


def load_shapes(con: duckdb.DuckDBPyConnection, shapes_path: Path) -> None:
    """The table region_shapes, read by DuckDB straight from the prepared-shapes file (cached_shapes; no pandas
    copy)."""
    path = str(shapes_path).replace("'", "''")
    con.execute(f"create table region_shapes as select * from read_parquet('{path}')")


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
            or ind.min_denominator or None, "decimals": ind.decimals})
    return pd.DataFrame(rows)


def finer_than_declared(con: duckdb.DuckDBPyConnection, declared: dict[str, int]) -> list[str]:
    """'indicator (tabel): n waarden' for each indicator read from a source column whose values in one table have
    more decimals than `declared` (catalogue `decimals`): the source publishes a precision the catalogue does not
    say, and every view would show it rounded. A ratio we compute has full precision and is not listed."""
    if not declared:
        return []
    frame = pd.DataFrame({"indicator_id": list(declared), "decimals": list(declared.values())})
    con.register("declared_frame", frame)
    try:
        rows = con.execute("""
            select v.indicator_id, v.table_id, count(*)
            from indicator_values v join declared_frame d using (indicator_id)
            where v.value is not null and abs(v.value * pow(10, d.decimals) - round(v.value * pow(10, d.decimals)))
                  > 1e-6 * greatest(1, abs(v.value * pow(10, d.decimals)))
            group by all order by all""").fetchall()
    finally:
        con.unregister("declared_frame")
    return [f"{ind} ({table}): {n:,} waarden" for ind, table, n in rows]


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


def build(*, roots: list[Path] | None = None, build_dir: Path | None = None, catalogue: Catalogue | None = None,
          geo_dir: Path | None = None, publish: bool = True, duckdb_config: dict | None = None,
          read_in_child: bool = True) -> BuildSummary:
    """Build a new release from the caches in `roots` (default: live cache, then the shipped snapshot).
    duckdb_config: DuckDB settings of the build (default DUCKDB_CONFIG; {} = DuckDB's own defaults).
    read_in_child: read the tables (and prepare a fresh clone's shapes) in a forked child (pipelines/child.py).
    False for a build inside a process with other threads, such as the dashboard's server: a fork copies only the
    calling thread, and a lock another thread held at that moment would stay locked in the child."""
    catalogue = catalogue or load_catalogue()
    roots = roots or [paths.cache_dir(), paths.snapshot_dir() / "tables"]
    build_dir = build_dir or paths.build_dir()
    geo_dir = geo_dir or paths.snapshot_dir() / "geo"
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".build.lock", "w") as lock, _system_arrow_pool():
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; readers are never blocked
        release.remove_unpublished(build_dir)
        for stale in build_dir.glob(f"{RAW_PREFIX}*"):  # the raw values of a killed build
            stale.unlink(missing_ok=True)
        located = locate_caches(catalogue, roots)
        target = release.new_release_path(build_dir)
        raw_path = build_dir / f"{RAW_PREFIX}{target.name}"
        summary = BuildSummary(release=target)
        config = DUCKDB_CONFIG if duckdb_config is None else duckdb_config
        con = None
        # one table at a time: read, reshape, into the raw values' own database file (pipelines/load.py), in a
        # child process: what pandas, pyarrow and DuckDB's allocator keep after the read goes with it
        # (README "Speed": the SQL models then run ~80 MB lower). The child sends the read's results first and the
        # division decisions after: the small tables are written here while it decides (README "Build wall time").
        # The shapes (prepared in a child of their own on a fresh clone: shapely and the GeoJSON are its memory) are
        # written to the release while the read runs; both children are forked before DuckDB is opened here.
        read = (catalogue, located, raw_path, config, read_in_child)
        clock = time.perf_counter()
        stages = start_in_child_stages(_read_stages, *read) if read_in_child else _read_stages(*read)
        wait_shapes, stop_shapes = (start_in_child(cached_shapes, geo_dir) if read_in_child
                                    else ((lambda: cached_shapes(geo_dir)), (lambda: None)))
        try:
            # the release file is written from here on; until publish() nothing points at it, and a failed or
            # killed build leaves only an unpublished file that the next build removes
            shapes_clock = time.perf_counter()
            shapes_path = wait_shapes()
            con = duckdb.connect(str(target), config=config)
            con.execute("set enable_progress_bar = false")
            load_shapes(con, shapes_path)
            summary.timings["shapes"] = time.perf_counter() - shapes_clock  # beside the read
            (regions, corrections, sources, own_codes, raw_view, definitions,
             summary.missing_tables) = next(stages)
            summary.timings["read+transform"] = time.perf_counter() - clock
            _pause_point("after_transform")
            attach_raw(con, raw_path, raw_view)
            _load(con, catalogue, regions, corrections, sources, summary, definitions, own_codes)
            del regions, corrections, sources, own_codes, definitions
            clock = time.perf_counter()
            identity, summary.timings["division_identity"] = next(stages)
            summary.timings["division_identity_wait"] = time.perf_counter() - clock
            _write(con, catalogue, identity, summary,
                   stats_memory_limit=STATS_MEMORY_LIMIT if duckdb_config is None else None)
        except BaseException:
            if con is not None:
                con.close()
            target.unlink(missing_ok=True)
            Path(str(target) + ".wal").unlink(missing_ok=True)
            raise
        finally:
            stop_shapes()  # a failed build: the children stop
            stages.close()
            for path in (raw_path, raw_part_path(raw_path)):
                path.unlink(missing_ok=True)
                Path(str(path) + ".wal").unlink(missing_ok=True)
        con.close()
        _pause_point("before_publish")
        if publish:
            release.publish(target, build_dir)
        return summary


def _read_stages(catalogue: Catalogue, located: dict[str, Path | None], raw_path: Path, config: dict,
                 fork: bool = False):
    """The read phase, in two steps (a generator; the build runs it in a child process, pipelines/child.py
    in_child_stages): every table into the raw values at raw_path (pipelines/load.py), on a DuckDB instance of
    its own, then the division decisions on the values' evidence (in the read's child process too: the evidence
    and the pandas work on it never reach the process that runs the SQL models, ~167,000 rows). Yields first what
    the small tables need: the regions with corrected names, the name corrections, collect()'s sources, own codes
    and raw view, the source definitions made from the tables' metadata and the tables that are missing; then
    the division decisions and their seconds."""
    # fork: the largest tables are read in a second process beside the others (load.read_part; README "Build
    # wall time"), started before this process opens DuckDB (a fork copies only the calling thread)
    part, stop_part = None, None
    if fork and (tables := part_tables(located)):
        wait_part, stop_part = start_in_child(read_part, catalogue, tables, raw_part_path(raw_path), config)
        part = (tables, wait_part)
    try:
        with duckdb.connect(config=config) as read_con:
            read_con.execute("set enable_progress_bar = false")
            evidence, regions, sources, metadata, own_codes, raw_view = collect(
                catalogue, located, paths.snapshot_dir() / "files", CURRENT_DIVISION, read_con, raw_path, part)
    finally:
        if stop_part is not None:
            stop_part()  # this process failed before it waited: the second one stops
    missing = [t for t in catalogue.tables if t not in metadata]
    regions, corrections = name_corrections.apply(regions, name_corrections.load())
    yield regions, corrections, sources, own_codes, raw_view, source_definitions(catalogue, metadata), missing
    clock = time.perf_counter()
    # fork: the largest older division is decided in a second process beside the others (README "Build wall time")
    identity = division_identity.identity(regions, evidence, CURRENT_DIVISION,
                                          beside=start_in_child if fork else None)
    yield identity, time.perf_counter() - clock


def _create_tables(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f"create table {name} as select * from frame")
        con.unregister("frame")


def _load(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, regions: pd.DataFrame, corrections: pd.DataFrame,
          sources: pd.DataFrame, summary: BuildSummary, definitions: pd.DataFrame | None = None,
          own_codes: dict[str, list[str]] | None = None) -> None:
    """The small tables of the read's first step (_read_stages), written while the child decides the divisions:
    every one but division_identity (_write)."""
    joins = boundary_joins(regions, sources, own_codes or {})
    summary.boundary_joins = joins
    build_info = pd.DataFrame([{"built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                "current_division": CURRENT_DIVISION, "code_stamp": code_stamp(),
                                "live_tables": ", ".join(sources.loc[sources["method"] != "snapshot-conversion",
                                                                     "table_id"]) or None}])
    clock = time.perf_counter()
    _create_tables(con, {"regions": regions, "sources": sources,
                         "indicators": indicators_frame(catalogue), "boundary_joins": joins,
                         "build_info": build_info, "name_corrections": corrections,
                         "indicator_definitions": definitions if definitions is not None else
                         source_definitions(catalogue, {})})
    # the map's shapes carry the same source names (pipelines/name_corrections.py)
    con.execute("""update region_shapes set name = c.name from name_corrections c
                   where region_shapes.region_code = c.region_code and region_shapes.name = c.source_spelling""")
    summary.timings["load"] = time.perf_counter() - clock


def _write(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, identity: pd.DataFrame, summary: BuildSummary,
           stats_memory_limit: str | None = None) -> None:
    """Everything after the small tables (_load) once the division decisions are made (_read_stages): their
    table, the SQL models, the precomputed statistics and the validation. stats_memory_limit: DuckDB's memory limit
    while the statistics are computed beside the models and after (STATS_MEMORY_LIMIT), None to keep it."""
    _create_tables(con, {"division_identity": identity})
    del identity  # in DuckDB now; free the pandas copies before the SQL models run
    release_freed_memory()
    _pause_point("after_load")
    declared = {i.id: i.decimals for i in catalogue.indicators if i.sources and all(s.stem for s in i.sources)}

    def checks(cursor: duckdb.DuckDBPyConnection) -> list[str]:
        # what reads only indicator_values (sql/01) runs in the statistics' thread beside the last models
        check_unique_values(cursor)
        return finer_than_declared(cursor, declared)

    finer = run_models_and_stats(con, catalogue, summary.timings, stats_memory_limit, checks)
    release_freed_memory()
    _pause_point("after_sql")
    clock = time.perf_counter()
    validate(con, catalogue, unique_checked=True)
    summary.timings["validate"] = time.perf_counter() - clock
    summary.rows_per_table = dict(con.execute(
        "select table_id, count(*) from indicator_values group by 1 order by 1").fetchall())
    summary.regions_per_level = dict(con.execute(
        "select level, count(*) from int_current_regions group by 1 order by 1").fetchall())
    with_values = {r[0] for r in con.execute(
        "select distinct indicator_id from indicator_values where value is not null").fetchall()}
    summary.indicators_loaded = len(with_values)
    summary.indicators_without_values = [i.id for i in catalogue.indicators if i.id not in with_values]
    summary.finer_than_declared = finer
    summary.division_joins = con.execute("select * from mart_division_joins").fetchdf()
    con.execute("checkpoint")
