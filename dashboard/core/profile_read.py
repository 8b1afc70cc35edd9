"""The profile read (issue #10, 'profile query on mart_profile, warm <= 3 ms'): one region's mart_profile rows as
the columns of its frame, scanning only the columns that differ per region.

Why this shape (measured on DuckDB 2.0, one thread, as the server): a read of ~50 rows costs DuckDB ~0.4 ms per
query, ~0.4-1.5 ms more to bind a view, ~0.5-1 ms to find the region's rows in its 120,000-row row group, and
~0.05-0.1 ms per column it binds, scans and hands to Python: the 36 columns of mart_profile cost ~6-7 ms before
pandas saw a row. So:
- 18 of mart_profile's 37 columns are what int_profile joins to each row (sql/02_mart_profile.sql): the
  indicator's texts and flags (label ... attribution, from the catalogue), table_title (coalesce(title, table_id)
  from the sources) and Nederland's figures nl_* (the NL00 value of the same indicator, period, table and age
  group); gemeente_code follows the view's rule (queries._with_gemeente_code). The joined columns are read once
  per release (ProfileLookup: mart_catalogue_table, mart_sources and mart_profile_nl_figures, the NL rows the
  build joins; ~120 rows) and taken per row, so a read scans 20 columns;
- the read goes to mart_profile_scan (int_profile's per-region columns with the row ids of mart_profile_rows;
  sql/09_mart_profile_extras.sql) by row id: a region's rows are stored together (in region order,
  tests/test_sql_models.py), so `row_id between first and last` (mart_profile_spans) replaces the scan for the code;
  the rows read must all be the region's and as many as the span says. Like every read of the dashboard it goes
  through a mart_* view; a view binds every column it lists, so this one lists only the 20 columns read (through
  the 37 of mart_profile_rows, with their casts, the read cost ~0.4-0.6 ms CPU more);
- the rows come as Python tuples (fetchall costs less than fetchnumpy's masked arrays) and get fetchdf's dtypes.
The lookup is used only when each key has one row and each column mart_profile's type, a region's row ids
only when its rows are contiguous (checked when it is built); otherwise, and for a code with no rows, an indicator
the catalogue lacks or a release without those views, queries.profile_rows reads mart_profile whole.
tests/test_queries_frame.py proves the frame equal to the plain `select ... from mart_profile` for every level and
a sample of regions.

Tried and not kept (2026-12-02, quiet copy of a release, one thread): a packed read, one row per region in a table of
its own, read by row id. Its 20 columns as one JSON text (`to_json(struct_pack(c := list(c order by row_id), ...))`)
read and parsed in 0.69 ms instead of 2.3 ms for this read's SQL, but cost 3.4-4.0 s more build CPU (a JSON array
per row: 7.9 s); as one LIST(STRUCT) column it read slower (6.6 ms: each nested value becomes a Python object).
"""
from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dashboard.core import db

# read per region: the keys that order and join the rows, and every figure that is not Nederland's
PER_REGION = ("region_code", "indicator_id", "age_group", "is_default_group", "period", "boundary_year", "table_id",
              "value", "lower", "upper", "missing_reason", "percentile_buurten", "n_buurten", "round_lower",
              "round_upper",
              "gemeente_value", "gemeente_lower", "gemeente_upper", "gemeente_round_lower", "gemeente_round_upper")
# what int_profile joins to each row (sql/02_mart_profile.sql), read from the small marts it comes from:
# name -> (key columns, the columns they give, the read). indicators: an inner join (every row has its indicator);
# sources: table_title = coalesce(title, table_id) of a left join; Nederland: a left join on four keys (no match,
# or a NULL key, gives NULL figures)
LOOKUPS = {
    "indicator": (("indicator_id",), ("label", "lens", "unit", "direction", "modelled", "landing", "hidden",
                                      "in_summary", "description", "attribution"),
                  "select indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary, "
                  "description, attribution from mart_catalogue_table"),
    "table": (("table_id",), ("table_title",), "select table_id, title as table_title from mart_sources"),
    "nl": (("indicator_id", "period", "table_id", "age_group"),
           ("nl_value", "nl_lower", "nl_upper", "nl_round_lower", "nl_round_upper"),
           "select indicator_id, period, table_id, age_group, value as nl_value, lower as nl_lower, upper as nl_upper, "
           "round_lower as nl_round_lower, round_upper as nl_round_upper from mart_profile_nl_figures"),
}


_UNSET = object()


class ProfileLookup:
    """Per release: the lookups' columns (per lookup a dict key -> row and the columns to take rows from, a last
    row of NULLs for a left join without a match) and each region's rows in int_profile (code -> first and last
    row id, for regions whose rows are contiguous). usable is False when a key has more than one row, or a column
    has another type than in mart_profile (lookup() also checks mart_profile_scan's)."""

    def __init__(self, tables: dict[str, dict], spans: list[tuple], types: dict[str, str],
                 lookup_types: dict[str, dict[str, str]] | None = None):
        self.index: dict[str, dict] = {}
        self.columns: dict[str, dict] = {}
        self.spans = {code: (first, last, n) for code, first, last, n in spans if last - first + 1 == n}
        self.types = types
        self.usable = all(t in db.FAST_TYPES for t in types.values())
        for name, (keys, columns, _) in LOOKUPS.items():
            raw = tables[name]
            rows = list(zip(*(_values(raw[k]) for k in keys)))
            self.index[name] = {key: i for i, key in enumerate(rows)}
            self.usable &= len(self.index[name]) == len(rows)   # a key with two rows: the join repeats rows
            self.columns[name] = {c: _prepared(np.ma.concatenate([raw[c], np.ma.masked_all(1, raw[c].dtype)]))
                                  for c in columns}
            if lookup_types is not None:
                self.usable &= all(lookup_types[name][c] == types.get(c) for c in columns)
        self._joined: dict[tuple, tuple | None] = {}   # (indicator, period, table, age group) -> join()

    @classmethod
    def empty(cls) -> "ProfileLookup":
        """A lookup that is never used (every read takes the view's)."""
        found = cls.__new__(cls)
        found.index, found.columns, found.spans, found.types, found.usable = {}, {}, {}, {}, False
        found._joined = {}
        return found

    def join(self, key: tuple) -> tuple | None:
        """What int_profile joins to a row with key (indicator_id, period, table_id, age_group): its row in the
        indicator lookup (None when the catalogue lacks it: an inner join), in Nederland's (the row of NULLs when
        there is no match or a NULL key part: a left join) and its table_title (coalesce(title, table_id))."""
        indicator = self.index["indicator"].get(key[:1])
        if indicator is None:
            return None
        nl = self.index["nl"]
        table = self.index["table"]
        title_row = len(table) if key[2] is None else table.get(key[2:3], len(table))
        title = self.columns["table"]["table_title"][title_row]
        return (indicator, len(nl) if None in key else nl.get(key, len(nl)), key[2] if title is None else title)

    def joined(self, keys: list[tuple]) -> tuple | None:
        """join() for each key, as the rows to take from the indicator and Nederland lookups and the titles;
        None when a key's indicator is not in the catalogue. Remembered per key: a release has a few hundred."""
        cache = self._joined
        found = [cache.get(k, _UNSET) for k in keys]
        if any(f is _UNSET for f in found):
            if len(cache) > 100_000:   # bounded whatever the release holds
                cache.clear()
            found = [self.join(k) if f is _UNSET else f for k, f in zip(keys, found)]
            cache.update(zip(keys, found))
        if any(f is None for f in found):
            return None
        indicator, nl, titles = zip(*found)
        return np.array(indicator, dtype=np.intp), np.array(nl, dtype=np.intp), titles

    def taken(self, name: str, rows: np.ndarray) -> dict:
        """The lookup's columns at rows as the arrays fetchdf gives them."""
        return {column: _final(values[rows]) for column, values in self.columns[name].items()}

    def take(self, name: str, keys: list[tuple], missing: bool = False) -> dict | None:
        """The lookup's columns for each key (in order). A key not in the lookup, or with a NULL part, takes the
        row of NULLs when missing is True (a left join), else the answer is None."""
        index, null_row = self.index[name], len(self.index[name])
        if missing:
            rows = [null_row if None in k else index.get(k, null_row) for k in keys]
        else:
            try:
                rows = [index[k] for k in keys]
            except KeyError:
                return None
        rows = np.array(rows, dtype=np.intp)
        return {column: values[rows] for column, values in self.columns[name].items()}


def _prepared(col: np.ndarray) -> np.ndarray:
    """A lookup's fetchnumpy column ready to take rows from: text as an object array with None for NULL, doubles
    with NaN (fetchdf's rule whatever rows are taken); integers and booleans with a NULL stay masked."""
    if not isinstance(col, np.ma.MaskedArray):
        return col
    mask = np.ma.getmaskarray(col)
    if not mask.any():
        return col.data
    if col.dtype == object:
        values = col.data.copy()
        values[mask] = None
        return values
    return col.filled(np.nan) if col.dtype.kind == "f" else col


def _values(col: np.ndarray) -> list:
    """A fetchnumpy column as Python values with None for NULL (as keys)."""
    if isinstance(col, np.ma.MaskedArray):
        return [None if m else v for v, m in zip(col.data.tolist(), np.ma.getmaskarray(col).tolist())]
    return col.tolist()


_lookups: dict[Path, ProfileLookup] = {}   # per release file; the two newest kept
_lookup_lock = threading.Lock()


def lookup(build_dir: Path | None = None) -> ProfileLookup:
    """The ProfileLookup of the current release (~50 ms CPU once per release file and process: four small
    reads)."""
    path = db.current_path(build_dir)
    found = _lookups.get(path)
    if found is None:
        with _lookup_lock:
            found = _lookups.get(path)
            if found is None:
                try:
                    tables = {name: db.numpy(sql, build_dir=build_dir) for name, (_, _, sql) in LOOKUPS.items()}
                    lookup_types = {name: db.describe(sql, build_dir=build_dir)
                                    for name, (_, _, sql) in LOOKUPS.items()}
                    spans = db.rows("select region_code, first_row, last_row, n_rows from mart_profile_spans",
                                    build_dir=build_dir)
                    types = db.describe(f"select {', '.join(COLUMNS)} from mart_profile limit 0", build_dir=build_dir)
                    scanned = db.describe(f"select {', '.join(PER_REGION)} from mart_profile_scan limit 0",
                                          build_dir=build_dir)
                    found = ProfileLookup(tables, spans, types, lookup_types)
                    found.usable &= all(scanned.get(c) == types.get(c) for c in PER_REGION)
                except duckdb.CatalogException:   # a release built before these tables: the view's read
                    found = ProfileLookup.empty()
                if db.current_path(build_dir) == path:   # a refresh published meanwhile: read again next time
                    _lookups[path] = found
                    for old in list(_lookups)[:-2]:
                        _lookups.pop(old, None)
    return found


def read(code: str, build_dir: Path | None = None, names: tuple[str, ...] = (), keep=None) -> dict | None:
    """The columns of `select {PROFILE_COLUMNS minus gemeente_code} from mart_profile where region_code = ?
    order by {PROFILE_ORDER}` with the dtypes fetchdf gives them (db.convert), or None when the lookup cannot give
    them (no rows, a NULL key, an indicator the catalogue lacks, a key with two rows): then read the view whole.
    names: only these columns (all when empty); keep(columns) -> the row positions to keep (a WHERE: the dtypes
    are those of the rows kept, as fetchdf gives them for that query)."""
    found = lookup(build_dir)
    span = found.spans.get(code)
    if not found.usable or span is None:
        return None
    # as Python rows: fetchnumpy's masked arrays cost ~0.8 ms more CPU for these 18 columns than fetchall
    rows = db.rows(SQL, list(span[:2]), build_dir=build_dir)
    if not rows:
        return None
    if len(rows) != span[2] or any(r[0] != code for r in rows):   # the span is not this region's rows (any more)
        return None
    indicator, age, default = [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]
    if None in indicator or None in age or None in default:
        return None
    # PROFILE_ORDER (indicator_id, is_default_group desc, age_group), one row per key: text compares by code point
    # in Python as DuckDB compares UTF-8 bytes
    order = sorted(range(len(rows)), key=lambda i: (indicator[i], not default[i], age[i]))
    rows = [rows[i] for i in order]
    columns = dict(zip(PER_REGION, zip(*rows)))
    indicator, age, period, table = (columns[k] for k in ("indicator_id", "age_group", "period", "table_id"))
    joined = found.joined(list(zip(indicator, period, table, age)))
    if joined is None:
        return None
    if keep is not None:   # the rows the query's WHERE keeps, joined as int_profile joined them
        kept = keep(columns)
        columns = {name: tuple(values[i] for i in kept) for name, values in columns.items()}
        joined = (joined[0][kept], joined[1][kept], [joined[2][i] for i in kept])
    taken = found.taken("indicator", joined[0])
    taken.update(found.taken("nl", joined[1]))
    taken["table_title"] = db.text_column(np.array(joined[2], dtype=object))
    out = {}
    for name in names or COLUMNS:
        out[name] = taken[name] if name in taken else _from_values(columns[name], found.types[name])
    return out


def _final(col: np.ndarray):
    """A lookup column taken for some rows as the array fetchdf gives (db.convert)."""
    if col.dtype == object:
        return db.text_column(col)
    return db.convert({"c": col})["c"] if isinstance(col, np.ma.MaskedArray) else col


def _from_values(values: tuple, kind: str):
    """Python values of one DuckDB column (None for NULL) as the array fetchdf gives (db.convert's rules)."""
    if kind == "VARCHAR":
        return db.text_column(np.array(values, dtype=object))
    if kind == "DOUBLE":
        return np.array(values, dtype=np.float64)   # None becomes NaN
    dtype = np.int64 if kind == "BIGINT" else np.bool_
    if None not in values:
        return np.array(values, dtype=dtype)
    mask = np.array([v is None for v in values])
    data = np.array([0 if v is None else v for v in values], dtype=dtype)
    return (pd.arrays.IntegerArray if kind == "BIGINT" else pd.arrays.BooleanArray)(data, mask)


SQL = f"select {', '.join(PER_REGION)} from mart_profile_scan where row_id between ? and ?"
COLUMNS = ("region_code", "indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden",
           "in_summary", "description", "age_group", "is_default_group", "period", "boundary_year", "table_id",
           "table_title", "attribution", "value", "lower", "upper", "missing_reason", "percentile_buurten",
           "n_buurten", "gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper",
           "round_lower", "round_upper", "gemeente_round_lower", "gemeente_round_upper", "nl_round_lower",
           "nl_round_upper")   # queries.PROFILE_COLUMNS without gemeente_code (tests/test_queries_frame.py)
