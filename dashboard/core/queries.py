"""Plain reads of the mart_* views (no Streamlit). Every function takes an optional build_dir.

User input only ever reaches SQL as a bound parameter. Pages cache these through state.cached(), which keys
the cache with db.release_key(), so a refreshed database is picked up without a restart.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.core import db, profile_read

PROFILE_COLUMNS = """region_code, indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary,
    description, age_group, is_default_group, period, boundary_year, table_id, table_title, attribution, value,
    lower, upper, missing_reason, percentile_buurten, n_buurten, gemeente_code, gemeente_value, gemeente_lower,
    gemeente_upper, nl_value, nl_lower, nl_upper, round_lower, round_upper, gemeente_round_lower,
    gemeente_round_upper, nl_round_lower, nl_round_upper"""


def regions(build_dir: Path | None = None) -> pd.DataFrame:
    """Every region the app can show (mart_regions), gemeenten first."""
    return db.query("""select * from mart_regions_table
                       order by case level when 'land' then 0 when 'gemeente' then 1 when 'wijk' then 2 else 3 end,
                                region_code""", build_dir=build_dir)


def former_gemeenten(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_former_gemeenten: gemeenten of an older boundary year whose code no current region has."""
    return db.query("select region_code, name, boundary_year from mart_former_gemeenten order by region_code",
                    build_dir=build_dir)


def region(code: str, build_dir: Path | None = None) -> dict | None:
    """One mart_regions row as a dict, or None when the code does not exist."""
    df = db.query("select * from mart_regions_table where region_code = ?", [code], build_dir=build_dir)
    return None if df.empty else df.iloc[0].to_dict()


def region_record(code: str, build_dir: Path | None = None) -> dict | None:
    """The mart_regions row of one code as a plain dict (None for NULL), or None when the code does not exist: an
    indexed read of the materialised copy (mart_regions_table, sorted by code) without a one-row frame
    (state.region_row, read once per code by every page)."""
    found = db.dicts("select * from mart_regions_table where region_code = ?", [code], build_dir=build_dir)
    return found[0] if found else None


def _profile_sql(counts: str, source: str, where: str, regions_view: str) -> str:
    """One region's mart_profile rows joined to per-indicator counts of the buurten below / above / in total."""
    return f"""
        with mine as (select {PROFILE_COLUMNS} from mart_profile where region_code = ?),
        dist as (
            select m.indicator_id, m.age_group, {counts}
            from mine m join {source} b
              on b.indicator_id = m.indicator_id and b.period = m.period and b.age_group = m.age_group
             and b.table_id = m.table_id and b.boundary_year = m.boundary_year
            where {where}
            group by m.indicator_id, m.age_group
        )
        select mine.*, dist.n_lower, dist.n_higher, dist.n_total, dist.n_lower_sure, dist.n_higher_sure,
               (select count(*) from {regions_view} where level = 'buurt') as n_buurten_all
        from mine left join dist using (indicator_id, age_group)
        order by indicator_id, is_default_group desc, age_group"""


def profile(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """mart_profile rows of one region, each with its position among all buurten.

    Besides the contract columns: n_lower / n_higher / n_total count the buurten with a value for the same
    indicator, period, table, age group and boundary year that are strictly lower / higher, so both
    "hoger dan X%" and "lager dan Y%" are exact, also with ties. For a buurt, 100 * n_lower / n_total is
    mart_profile.percentile_buurten (up to rounding); for a gemeente or wijk it places the area's value among
    the buurten. One zone-map read of the region's rows (int_profile is stored in region order); the counts come from
    the release's distinct buurt values with their counts (mart_buurt_value_counts, sql/09_mart_profile_extras.sql:
    about 83,000 rows), read once per release into sorted arrays (BuurtValueCounts), so placing a value is a
    binary search instead of a join over those rows in every profile read (~45 ms of CPU). profile_scan() is
    the same frame counted by a join over every buurt value; tests/test_app_profiel.py checks the two are equal.
    n_lower_sure / n_higher_sure count the buurten strictly below the lowest / above the highest value the
    rounding interval allows (round_lower / round_upper; the value itself where there is none): the shares any
    claim ("meer dan in X% van de buurten", a strength, a concern) may use.
    """
    path = db.current_path(build_dir)
    counts = buurt_value_counts(path, build_dir)
    mine = profile_rows(code, build_dir)
    # grouped per (indicator, age group) as the join's GROUP BY does (mart_profile has one row per such pair)
    sums: dict[tuple, list[int]] = {}
    for key in zip(mine["indicator_id"].tolist(), mine["age_group"].tolist(), mine["period"].tolist(),
                   mine["table_id"].tolist(), mine["boundary_year"].tolist(), mine["value"].tolist(),
                   mine["round_lower"].tolist(), mine["round_upper"].tolist()):
        placed = counts.place(*key[:5], key[5])
        if placed is not None:   # a rounding interval's ends are placed too; without one, the value's place holds
            low, high = (placed if pd.isna(end) else counts.place(*key[:5], end) for end in key[6:8])
            total = sums.setdefault(key[:2], [0, 0, 0, 0, 0])
            for i, n in enumerate((*placed, low[0], high[1])):
                total[i] += n
    pairs = list(zip(mine["indicator_id"].tolist(), mine["age_group"].tolist()))
    for i, name in enumerate(("n_lower", "n_higher", "n_total", "n_lower_sure", "n_higher_sure")):
        column = [sums[p][i] if p in sums else None for p in pairs]
        # as DuckDB's fetchdf: int64, or Int64 with a NULL (made from the values: pd.array's inference was
        # ~60-100 us a column)
        mine[name] = profile_read._from_values(column, "BIGINT")
    mine["n_buurten_all"] = profile_read._from_values([counts.n_buurten_all] * len(pairs), "BIGINT")
    return db.frame(mine)


PROFILE_ORDER = "indicator_id, is_default_group desc, age_group"


def profile_rows(code: str, build_dir: Path | None = None) -> dict:
    """The mart_profile rows of one region in PROFILE_ORDER as columns (db.columns: the frame is made once, with
    what profile() adds); db.frame(profile_rows(code)) equals the fetchdf of
    `select {PROFILE_COLUMNS} from mart_profile where region_code = ? order by {PROFILE_ORDER}`
    (tests/test_queries_frame.py). One zone-map read of int_profile (stored in region order). Two things cost more
    in DuckDB than here, for ~50 rows: its sort operator (~1-1.5 ms CPU; the rows are ordered in Python, on the same
    keys: text compares by code point as DuckDB compares UTF-8 bytes, one row per key) and gemeente_code, which the
    view derives per row with string functions (~0.5-1 ms): it is the region's own gemeente code, derived here by
    the view's rule (sql/02_mart_profile.sql)."""
    cols = profile_read.read(code, build_dir)   # the per-region columns scanned, the constant ones looked up
    if cols is not None:   # every row is the region's (profile_read checks it)
        return _with_gemeente_code(cols, code)
    rest = [c.strip() for c in PROFILE_COLUMNS.split(",") if c.strip() != "gemeente_code"]
    cols = db.columns(f"select {', '.join(rest)} from mart_profile where region_code = ?", [code],
                      build_dir=build_dir, order=_profile_order)
    if cols is None:   # a key with a NULL, or a column of a type db.columns does not build: the general read
        frame = db.query(f"select {PROFILE_COLUMNS} from mart_profile where region_code = ? order by {PROFILE_ORDER}",
                         [code], build_dir=build_dir)
        return {name: column.array for name, column in frame.items()}
    return _with_gemeente_code(cols)


def _with_gemeente_code(cols: dict, code: str | None = None) -> dict:
    """cols with gemeente_code at its place in the contract, derived by the view's rule (sql/02_mart_profile.sql).
    code: the region code of every row, when the caller knows it (then it is derived once, not per row)."""
    def rule(c: str) -> str | None:
        return None if c.startswith("NL") else "GM" + c[2:6]
    if code is not None:
        gemeente = np.array([rule(code)] * len(cols["region_code"]), dtype=object)
    else:
        gemeente = np.array([rule(c) for c in cols["region_code"].tolist()], dtype=object)
    out = {}
    for name in cols:
        out[name] = cols[name]
        if name == "n_buurten":   # the contract's place of gemeente_code
            out["gemeente_code"] = db.text_column(gemeente)
    return out


def _profile_order(raw: dict) -> list[int] | None:
    """The permutation that puts raw (fetchnumpy) profile rows in PROFILE_ORDER; None when a key is NULL."""
    keys = [raw["indicator_id"], raw["is_default_group"], raw["age_group"]]
    if any(isinstance(k, np.ma.MaskedArray) and np.ma.getmaskarray(k).any() for k in keys):
        return None
    rows = list(zip(keys[0].tolist(), [not d for d in keys[1].tolist()], keys[2].tolist()))
    return sorted(range(len(rows)), key=rows.__getitem__)


class BuurtValueCounts:
    """mart_buurt_value_counts of one release as sorted arrays per (indicator, age group, period, table,
    boundary year): place(...) -> (buurten strictly lower, strictly higher, with a value), or None when no
    buurt has a value for that key or the value is missing (NULL keys never match, as in SQL)."""

    def __init__(self, groups: list[tuple], n_buurten_all: int):
        """groups: (indicator_id, age_group, period, table_id, boundary_year, [values ascending], [n_equal])."""
        import numpy as np

        self.n_buurten_all = int(n_buurten_all)
        self._arrays: dict[tuple, tuple] = {}
        for *key, values, n_equal in groups:
            if not any(k is None for k in key):   # a NULL key never matches in SQL either
                self._arrays[tuple(key)] = (np.array(values, dtype="float64"),
                                            np.concatenate(([0], np.cumsum(np.array(n_equal, dtype="int64")))))

    def place(self, indicator_id, age_group, period, table_id, boundary_year, value) -> tuple[int, int, int] | None:
        if value is None or value != value:
            return None
        found = self._arrays.get((indicator_id, age_group, period, table_id, boundary_year))
        if found is None:
            return None
        values, cum = found
        total = int(cum[-1])
        lower = int(cum[values.searchsorted(value, "left")])
        return lower, total - int(cum[values.searchsorted(value, "right")]), total


_value_counts: dict[Path, BuurtValueCounts] = {}   # per release file; the two newest kept
_value_counts_lock = threading.Lock()


def buurt_value_counts(path: Path, build_dir: Path | None = None) -> BuurtValueCounts:
    """The BuurtValueCounts of the release file `path` (read once per file and process, ~2 MB; dashboard/serve.py
    reads it before the server listens). Under a lock: sessions that arrive together read it once, not each
    (a fresh server under a burst of 20 sessions read it ~20 times: ~9% of the run's server CPU, py-spy)."""
    counts = _value_counts.get(path)
    if counts is None:
        with _value_counts_lock:
            counts = _value_counts.get(path)
            if counts is None:
                counts = _read_value_counts(path, build_dir)
    return counts


def _read_value_counts(path: Path, build_dir: Path | None) -> BuurtValueCounts:
    groups = db.rows("""select indicator_id, age_group, period, table_id, boundary_year,
                               list(value order by value), list(n_equal order by value)
                        from mart_buurt_value_counts where value is not null
                        group by all""", build_dir=build_dir)
    n_all = db.rows("select count(*) from mart_regions_table where level = 'buurt'", build_dir=build_dir)[0][0]
    counts = BuurtValueCounts(groups, n_all)
    if db.current_path(build_dir) == path:   # a refresh published meanwhile: read again next time
        _value_counts[path] = counts
        for old in list(_value_counts)[:-2]:
            _value_counts.pop(old, None)
    return counts


def profile_scan(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The same frame as profile(), counted the naive way: a join over every buurt value of the release
    (kept as the reference the precomputed lookup is tested against, and for benchmarks/bench_app.py)."""
    counts = """count(*) filter (where b.value < m.value) as n_lower,
                count(*) filter (where b.value > m.value) as n_higher,
                count(*) as n_total,
                count(*) filter (where b.value < coalesce(m.round_lower, m.value)) as n_lower_sure,
                count(*) filter (where b.value > coalesce(m.round_upper, m.value)) as n_higher_sure"""
    return db.query(_profile_sql(counts, "mart_indicator_series",
                                 "m.value is not null and b.value is not null and b.region_code like 'BU%'",
                                 "mart_regions"), [code], build_dir=build_dir)


def gemeente_values(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The mart_profile rows of one gemeente with a value in the default age group, with the columns a buurt or
    wijk profile borrows for figures that exist only per gemeente (table.gemeente_context). One zone-map read,
    without profile()'s placing among the buurten, which that context does not show."""
    # profile_read's scan by row id and per-release lookups, keeping the rows of the WHERE below (~2 ms CPU less
    # than the view's read: binding mart_profile's 37 columns); the view's read when that path cannot answer
    cols = profile_read.read(code, build_dir, GEMEENTE_VALUES, _default_with_value)
    if cols is not None:
        return db.frame(cols)
    return db.query(f"select {', '.join(GEMEENTE_VALUES)} from mart_profile where region_code = ? "
                    f"and is_default_group and value is not null order by {PROFILE_ORDER}", [code],
                    build_dir=build_dir)


GEMEENTE_VALUES = ("indicator_id", "age_group", "is_default_group", "period", "boundary_year", "table_id",
                   "table_title", "value", "lower", "upper", "nl_value", "nl_lower", "nl_upper")


def _default_with_value(columns: dict) -> list[int]:
    """The rows `is_default_group and value is not null` keeps (profile_read.read's keep)."""
    return [i for i, (default, value) in enumerate(zip(columns["is_default_group"], columns["value"]))
            if default and value is not None]


def map_status(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """mart_map_values of one region: every indicator with its most recent period and a status
    (waarde / geheim / ontbreekt / andere_indeling), also for indicators mart_profile has no row for."""
    return db.query("""select indicator_id, period, boundary_year, table_id, value, lower, upper, status
                       from mart_map_values where region_code = ? order by indicator_id""", [code],
                    build_dir=build_dir)


def area_coverage(gemeente_code: str | None, build_dir: Path | None = None) -> pd.DataFrame:
    """Per indicator, how many values exist anywhere in this gemeente (the gemeente itself, its wijken and
    buurten, any period or boundary year). Zero means: not in the supplied data for this area.
    With gemeente_code None (Nederland) all regions count."""
    area = "NL" if gemeente_code is None else gemeente_code[2:6]   # precomputed: mart_area_coverage (sql/09)
    ids, counts = area_coverages(build_dir).get(area, ((), ()))
    return db.frame({"indicator_id": profile_read._from_values(ids, "VARCHAR"),
                     "n_values": profile_read._from_values(counts, "BIGINT")})


AREA_COVERAGE_SQL = "select indicator_id, n_values from mart_area_coverage where area = ? order by indicator_id"
_coverages: dict[Path, dict] = {}   # per release file; the two newest kept


def area_coverages(build_dir: Path | None = None) -> dict[str, tuple[tuple, tuple]]:
    """mart_area_coverage of the current release as area -> (indicator ids, n_values) in indicator order, read
    once per release file and process (~14,000 rows): area_coverage gives the frame of AREA_COVERAGE_SQL from it.
    A read per gemeente was ~2.5 ms of CPU, in nearly every profile of a burst over buurten of many gemeenten
    (benchmarks/bench_load_server.py; tests/test_server_reads.py compares the two for every area)."""
    path = db.current_path(build_dir)
    found = _coverages.get(path)
    if found is None:
        rows = db.rows("select area, indicator_id, n_values from mart_area_coverage order by area, indicator_id",
                       build_dir=build_dir)
        grouped: dict[str, list] = {}
        for area, indicator, n in rows:
            grouped.setdefault(area, []).append((indicator, n))
        found = {area: tuple(zip(*pairs)) for area, pairs in grouped.items()}
        if db.current_path(build_dir) == path:   # a refresh published meanwhile: read again next time
            _coverages[path] = found
            for old in list(_coverages)[:-2]:
                _coverages.pop(old, None)
    return found


def buurt_scores(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_buurt_scores of every current buurt with its name, wijk and gemeente."""
    return db.query("select * from mart_buurt_scores_named order by region_code", build_dir=build_dir)


def indicator_series(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """Every period of every indicator for one region (mart_indicator_series), for trend charts."""
    return db.query("select * from mart_indicator_series where region_code = ? order by indicator_id, period",
                    [code], build_dir=build_dir)


def catalogue(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_catalogue: every indicator with description, tables, periods, unit, direction and lens."""
    return db.query("select * from mart_catalogue_table order by indicator_id", build_dir=build_dir)


def sources(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_sources: every table in the release with licence, attribution, fetch time and boundary joins."""
    return db.query("select * from mart_sources order by table_id", build_dir=build_dir)


def definitions(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_definitions: per indicator and source column the source's own title and definition next to ours."""
    return db.query("select * from mart_definitions order by indicator_id, table_id, role desc, \"column\"",
                    build_dir=build_dir)


def release_file(build_dir: Path | None = None) -> Path:
    """The DuckDB file the app reads now (the target of current.duckdb)."""
    return db.current_path(build_dir)


def name_corrections(build_dir: Path | None = None) -> pd.DataFrame:
    """The region names shown instead of a source's broken spelling (mart_name_corrections)."""
    return db.query("select * from mart_name_corrections", build_dir=build_dir)
