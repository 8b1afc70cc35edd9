"""The profile read (issue #10, 'profile query on mart_profile, warm <= 3 ms'): one region's mart_profile rows as
the columns of its frame, scanning only the columns that differ per region.

Why this shape (measured on DuckDB 2.0, one thread, as the server): a read of ~50 rows costs DuckDB ~0.4 ms per
query, ~1-1.5 ms more to bind a view (any view, also `select * from int_profile`), ~0.5-1 ms to find the region's
rows in its 120,000-row row group, and ~0.05-0.1 ms per column it scans and hands to Python: 36 columns of the
view cost ~6-7 ms before pandas saw a row. So:
- of mart_profile's 37 columns, 19 are the same for every region or follow from others: the indicator's texts and
  flags (label ... attribution: one value per indicator_id), table_title (one per table_id), is_default_group (one
  per indicator and age group), Nederland's figures nl_* (one per indicator, period, table and age group),
  region_code (the code asked for) and gemeente_code (the view's rule, queries._with_gemeente_code). They are read
  once per release into a small lookup (ProfileLookup: ~200 rows, and each region's first and last row) and taken
  per row, so a read scans 18 columns;
- the read goes to int_profile, the table mart_profile projects one to one (sql/02_mart_profile.sql: the view only
  reorders its columns and derives gemeente_code), by row id: a region's rows are stored together (in region order,
  tests/test_sql_models.py), so `rowid between first and last` replaces the scan for the code.
The lookup keeps a key only when it has one value in the release, and a region only when its rows are contiguous
(checked when it is built); otherwise, and for a code with no rows, queries.profile_rows reads the view whole.
tests/test_queries_frame.py proves the frame equal to the plain `select ... from mart_profile` for every level.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from dashboard.core import db

# read per region: the keys that order and join the rows, and every figure that is not Nederland's
PER_REGION = ("indicator_id", "age_group", "period", "boundary_year", "table_id", "value", "lower", "upper",
              "missing_reason", "percentile_buurten", "n_buurten", "round_lower", "round_upper", "gemeente_value",
              "gemeente_lower", "gemeente_upper", "gemeente_round_lower", "gemeente_round_upper")
# one value per key in a release: (key columns, the columns they determine)
LOOKUPS = {
    "indicator": (("indicator_id",), ("label", "lens", "unit", "direction", "modelled", "landing", "hidden",
                                      "in_summary", "description", "attribution")),
    "group": (("indicator_id", "age_group"), ("is_default_group",)),
    "table": (("table_id",), ("table_title",)),
    "nl": (("indicator_id", "period", "table_id", "age_group"),
           ("nl_value", "nl_lower", "nl_upper", "nl_round_lower", "nl_round_upper")),
}


class ProfileLookup:
    """The per-release values of mart_profile's constant columns (per lookup a dict key -> row and the raw
    fetchnumpy columns to take from) and each region's rows in int_profile (code -> first and last row id, for
    regions whose rows are contiguous). usable is False when some key has more than one value."""

    def __init__(self, tables: dict[str, dict], spans: list[tuple]):
        self.index: dict[str, dict] = {}
        self.columns: dict[str, dict] = {}
        self.spans = {code: (first, last) for code, first, last, n in spans if last - first + 1 == n}
        self.usable = True
        for name, (keys, _) in LOOKUPS.items():
            raw = tables[name]
            rows = list(zip(*(_values(raw[k]) for k in keys)))
            self.index[name] = {key: i for i, key in enumerate(rows)}
            self.columns[name] = raw
            self.usable &= len(self.index[name]) == len(rows)   # distinct rows, so a repeated key has 2 values

    def take(self, name: str, keys: list[tuple]) -> dict | None:
        """The lookup's columns for each key (in order), or None when a key is not in the lookup."""
        index = self.index[name]
        try:
            rows = np.array([index[k] for k in keys], dtype=np.intp)
        except KeyError:
            return None
        return {column: raw[rows] for column, raw in self.columns[name].items() if column not in LOOKUPS[name][0]}


def _values(col: np.ndarray) -> list:
    """A fetchnumpy column as Python values with None for NULL (as keys)."""
    if isinstance(col, np.ma.MaskedArray):
        return [None if m else v for v, m in zip(col.data.tolist(), np.ma.getmaskarray(col).tolist())]
    return col.tolist()


_lookups: dict[Path, ProfileLookup] = {}   # per release file; the two newest kept
_lookup_lock = threading.Lock()


def lookup(build_dir: Path | None = None) -> ProfileLookup:
    """The ProfileLookup of the current release (five grouped reads of int_profile, ~0.3 s CPU once per release
    file and process)."""
    path = db.current_path(build_dir)
    found = _lookups.get(path)
    if found is None:
        with _lookup_lock:
            found = _lookups.get(path)
            if found is None:
                tables = {name: db.numpy(f"select distinct {', '.join(keys + cols)} from int_profile",
                                         build_dir=build_dir)
                          for name, (keys, cols) in LOOKUPS.items()}
                spans = db.rows("select region_code, min(rowid), max(rowid), count(*) from int_profile "
                                "group by region_code", build_dir=build_dir)
                found = ProfileLookup(tables, spans)
                types = db.describe(f"select {', '.join(COLUMNS)} from int_profile limit 0", build_dir=build_dir)
                found.usable &= all(t in db.FAST_TYPES for t in types.values())
                if db.current_path(build_dir) == path:   # a refresh published meanwhile: read again next time
                    _lookups[path] = found
                    for old in list(_lookups)[:-2]:
                        _lookups.pop(old, None)
    return found


def read(code: str, build_dir: Path | None = None) -> dict | None:
    """The raw (fetchnumpy) columns of `select {PROFILE_COLUMNS minus gemeente_code} from mart_profile where
    region_code = ? order by {PROFILE_ORDER}`, or None when the lookup cannot give them (no rows, a NULL key, a
    key the lookup lacks, a key with two values): then read the view whole."""
    found = lookup(build_dir)
    span = found.spans.get(code)
    if not found.usable or span is None:
        return None
    raw = db.numpy(f"select {', '.join(PER_REGION)} from int_profile where rowid between ? and ?", list(span),
                   build_dir=build_dir)
    n = len(raw["indicator_id"])
    if n == 0 or any(isinstance(raw[k], np.ma.MaskedArray) and np.ma.getmaskarray(raw[k]).any()
                     for k in ("indicator_id", "age_group")):
        return None
    indicator, age = np.asarray(raw["indicator_id"]).tolist(), np.asarray(raw["age_group"]).tolist()
    group = found.take("group", list(zip(indicator, age)))
    if group is None or (isinstance(group["is_default_group"], np.ma.MaskedArray)
                         and np.ma.getmaskarray(group["is_default_group"]).any()):
        return None
    default = np.asarray(group["is_default_group"]).tolist()
    # PROFILE_ORDER (indicator_id, is_default_group desc, age_group), one row per key: text compares by code point
    # in Python as DuckDB compares UTF-8 bytes
    order = np.array(sorted(range(n), key=lambda i: (indicator[i], not default[i], age[i])), dtype=np.intp)
    raw = {name: col[order] for name, col in raw.items()}
    group = {name: col[order] for name, col in group.items()}
    indicator = [indicator[i] for i in order]
    age = [age[i] for i in order]
    period, table = _values(raw["period"]), _values(raw["table_id"])
    texts = found.take("indicator", [(i,) for i in indicator])
    titles = found.take("table", [(t,) for t in table])
    nl = found.take("nl", list(zip(indicator, period, table, age)))
    if texts is None or titles is None or nl is None:
        return None
    taken = {**texts, **group, **titles, **nl, "region_code": np.array([code] * n, dtype=object)}
    return {name: raw[name] if name in raw else taken[name] for name in COLUMNS}


COLUMNS = ("region_code", "indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden",
           "in_summary", "description", "age_group", "is_default_group", "period", "boundary_year", "table_id",
           "table_title", "attribution", "value", "lower", "upper", "missing_reason", "percentile_buurten",
           "n_buurten", "gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper",
           "round_lower", "round_upper", "gemeente_round_lower", "gemeente_round_upper", "nl_round_lower",
           "nl_round_upper")   # queries.PROFILE_COLUMNS without gemeente_code (tests/test_queries_frame.py)
