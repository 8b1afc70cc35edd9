"""One region's profile as a display table (pure: frames in, a frame out; no Streamlit, no I/O).

profile_table(...) is what the profile page, the gesprekskaart, Vergelijken and the tests read: one row per visible
indicator with the region's value, its gemeente and NL, its place among buurten, its source and why it is missing.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np
import pandas as pd

from dashboard.core.charts import age_text
from dashboard.core.format import MISSING_TEXT, NOT_IN_DATA, other_division_text, value_text
from dashboard.divisions import note as division_note

LENS_TITLE = {"asset": "Kracht", "problem": "Zorgen"}
GEMEENTE_ONLY = "alleen per gemeente bekend"
GEMEENTE_CONTEXT = ["gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper",
                    "period", "boundary_year", "table_id", "table_title"]


@lru_cache(maxsize=1)
def catalogue_order() -> dict[str, int]:
    """Indicator id -> position in pipelines/catalogue.toml (the order the profile shows them in)."""
    from pipelines.catalogue import load_catalogue
    return {ind.id: i for i, ind in enumerate(load_catalogue().indicators)}


def _missing_text(row, level: str = "buurt") -> str:
    if row.get("missing_reason") == "other_area":  # the code named another area then (division_identity)
        return division_note.missing_text(row.get("boundary_year"))
    if row.get("status") == "andere_indeling" and level != "land":
        # before "not in the shipped data": a gemeente formed after the source's boundary year (Voorne aan Zee,
        # 2023, in the RIVM 2020 tables) has no value anywhere in it, and a refresh would not change that
        return other_division_text(level, row["boundary_year"] if pd.notna(row.get("boundary_year")) else None)
    if row["n_values"] == 0:
        return NOT_IN_DATA
    if isinstance(row.get("missing_reason"), str):
        return MISSING_TEXT.get(row["missing_reason"], MISSING_TEXT[None])
    if row.get("status") == "geheim":
        return MISSING_TEXT["suppressed"]
    if level == "land" or row.get("status") == "geen_landcijfer":
        return MISSING_TEXT["geen_landcijfer"]  # the table has no row for Nederland: no division involved
    return MISSING_TEXT[None]


def gemeente_context(out: pd.DataFrame, gemeente_profile: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """For a buurt or wijk: an indicator that exists only per gemeente (no buurt has a value, e.g. opkomst)
    shows its gemeente's figure as context (gemeente_value, with that row's period and source), and says so."""
    columns = {c: out[c].tolist() for c in out.columns}
    _gemeente_context(columns, gemeente_profile, catalogue)
    return pd.DataFrame({c: pd.Series(v, dtype=out[c].dtype) for c, v in columns.items()})


def _only_per_gemeente(catalogue: pd.DataFrame) -> set:
    """The indicators no buurt has a value for (buurten_with_value 0 or NULL)."""
    return set(catalogue.loc[catalogue["buurten_with_value"].fillna(0) == 0, "indicator_id"]) \
        if "buurten_with_value" in catalogue else set()


def _gemeente_context(columns: dict[str, list], gemeente_profile: pd.DataFrame, catalogue: pd.DataFrame) -> None:
    """gemeente_context on the table's columns as lists (changed in place)."""
    only_gm = per_frame(catalogue, _only_per_gemeente)
    gm: dict[str, dict] = {}
    for row in records(gemeente_profile, ["indicator_id", "is_default_group", "value", *CONTEXT_SOURCE]):
        if bool(row["is_default_group"]) and not _isna(row["value"]):
            gm.setdefault(row["indicator_id"], row)
    for i, (ind, value) in enumerate(zip(columns["indicator_id"], columns["value"])):
        if _isna(value) and ind in only_gm and ind in gm:
            for col in GEMEENTE_CONTEXT:   # the gemeente's own value/lower/upper become gemeente_*
                columns[col][i] = gm[ind].get(col.replace("gemeente_", "") if col.startswith("gemeente_") else col)
            columns["missing_text"][i] = GEMEENTE_ONLY
        elif _isna(value) and ind in gm and _isna(columns["gemeente_value"][i]) and all(
                _same(columns[c][i], gm[ind][c]) for c in ("period", "boundary_year", "table_id")):
            # a buurt the source does not list at all (new since its boundary year, or left out of a survey wave)
            # has no row of its own, so nothing joined its gemeente's figure, where a listed buurt without a value
            # has it: the gemeente's figure of the same period, table and division is shown beside the reason
            for col in ("gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper"):
                if _isna(columns[col][i]):
                    columns[col][i] = gm[ind].get(col.removeprefix("gemeente_"))


CONTEXT_SOURCE = ["value", "lower", "upper", "nl_value", "nl_lower", "nl_upper", "period", "boundary_year",
                  "table_id", "table_title"]


def _same(a, b) -> bool:
    """Equal keys of two reads (a year may be 2020 in one and 2020.0 in the other); a missing key is never equal."""
    if _isna(a) or _isna(b):
        return False
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _isna(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def records(frame: pd.DataFrame, cols: list[str] | None = None) -> list[dict]:
    """`frame` (or those of its `cols` it has) as plain dicts: a profile has ~40 rows, and pandas' per-operation
    cost (a boolean mask, a take, a sort: ~0.5 ms each) is most of the time when the profile works on frames."""
    cols = list(frame.columns) if cols is None else [c for c in cols if c in frame]
    return [dict(zip(cols, values)) for values in zip(*_column_lists(frame, cols))]


def _column_lists(frame: pd.DataFrame, cols: list[str]) -> list[list]:
    """[frame[c].tolist() for c in cols], the same lists, read from the columns' arrays: frame[c] builds a Series
    (~30 us each), which for ~40 rows was most of the cost (a profile read ~115 columns per page run: ~4 ms)."""
    if frame.columns.is_unique and hasattr(frame, "_get_column_array"):
        position = {c: i for i, c in enumerate(frame.columns)}
        return [_array_list(frame._get_column_array(position[c])) for c in cols]
    return [frame[c].tolist() for c in cols]   # a pandas without it, or a column name twice


def _array_list(array) -> list:
    """array.tolist(). A text column (pandas' str dtype, held by pyarrow) is read with pyarrow's to_pylist and
    its NULLs given the dtype's NA (NaN), as tolist gives them: tolist goes through an object ndarray and a mask
    (~25 us a column; the profile's records read ~60 text columns per page run)."""
    data = getattr(array, "_pa_array", None)
    if isinstance(array.dtype, pd.StringDtype) and data is not None:
        values = data.to_pylist()
        if data.null_count:
            na = array.dtype.na_value
            values = [na if v is None else v for v in values]
        return values
    return array.tolist()


_derived: dict[tuple, tuple] = {}   # (id(frame), make) -> (frame, make(frame)); see per_frame
_derived_lock = threading.Lock()


def per_frame(frame: pd.DataFrame, make):
    """make(frame), made once while `frame` is the same object: for the shared, read-only frames of a release
    (state.shared: the catalogue, the sources), whose records, lookups and dtypes every profile used to derive
    again (~2 ms of CPU per profile). The frame is kept with what was made from it, so its id is not reused
    while the entry exists; the last 16 entries are kept."""
    key = (id(frame), make)
    hit = _derived.get(key)
    if hit is not None and hit[0] is frame:
        return hit[1]
    made = make(frame)
    with _derived_lock:
        _derived[key] = (frame, made)
        for old in list(_derived)[:-16]:
            _derived.pop(old, None)
    return made


META_COLS = ["indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden", "in_summary",
             "description", "attribution"]
VALUE_COLS = ["age_group", "period", "boundary_year", "table_id", "table_title", "value", "lower", "upper",
              "missing_reason", "gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower",
              "nl_upper", "n_lower", "n_higher", "n_total"]
# the rounding interval (queries.PROFILE_COLUMNS) and the buurten surely below / above it, where the profile has them
ROUND_COLS = ["round_lower", "round_upper", "gemeente_round_lower", "gemeente_round_upper", "nl_round_lower",
              "nl_round_upper", "n_lower_sure", "n_higher_sure"]


def _joined_dtype(dtype, any_missing: bool):
    """The dtype a column of the right-hand frame of a left merge gets: integers and booleans with a missing
    row become float64 / object, as pandas does."""
    if any_missing and dtype.kind in "iu" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return "float64"
    if any_missing and dtype.kind == "b" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return "object"
    return dtype


def profile_table(profile: pd.DataFrame, status: pd.DataFrame, coverage: pd.DataFrame,
                  catalogue: pd.DataFrame, sources: pd.DataFrame, level: str = "buurt",
                  gemeente_profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator that is not hidden, in catalogue order: the region's value in the default age
    group, with gemeente/NL values, share_lower (% of buurten with a lower value), other age groups as text,
    source (table_id, table_title, period, boundary_year, attribution, scope_note when the shipped table covers
    only part of NL) and missing_text (None when there is
    a value; else 'niet beschikbaar', 'geheim …', or 'niet in de meegeleverde gegevens' when no region in
    this gemeente has the figure at all). Inputs: queries.profile/map_status/area_coverage/catalogue/sources.

    Built from plain lists (one pass per input) and turned into a frame once: on ~40 rows pandas' per-operation
    cost (merges, masks, takes: ~0.5-2 ms each) was ~75 ms of CPU per profile. The frame is the one the merges
    made before: the same columns, order and dtypes (a left merge's missing rows make integers float64).
    """
    meta_cols, cat, meta_dtypes = per_frame(catalogue, _visible_catalogue)
    value_cols = VALUE_COLS + [c for c in ("n_buurten_all", *ROUND_COLS) if c in profile]
    default: dict[str, dict] = {}
    others: dict[str, list[str]] = {}
    for row in records(profile, ["indicator_id", "is_default_group", "unit", *value_cols]):
        if bool(row["is_default_group"]):
            default.setdefault(row["indicator_id"], row)
        elif not _isna(row["value"]):
            others.setdefault(row["indicator_id"], []).append(
                f"{age_text(row['age_group']) or row['age_group']}: {value_text(row)}")
    map_cols = ["period", "boundary_year", "table_id", "status"]
    states = {r["indicator_id"]: r for r in records(status, ["indicator_id", *map_cols])}
    n_values = dict(zip(coverage["indicator_id"].tolist(), coverage["n_values"].tolist()))
    ids = [r["indicator_id"] for r in cat]
    columns: dict[str, list] = {c: [r[c] for r in cat] for c in meta_cols}
    dtypes: dict = dict(meta_dtypes)
    profile_dtypes, status_dtypes = _dtypes(profile), _dtypes(status)
    any_not_default = any(i not in default for i in ids)
    for c in value_cols:
        columns[c] = [default[i][c] if i in default else None for i in ids]
        dtypes[c] = _joined_dtype(profile_dtypes[c], any_not_default)
    status_dtype = _joined_dtype(status_dtypes["status"], any(i not in states for i in ids))
    for c in ("period", "boundary_year", "table_id"):   # the region's own source, else the map's latest
        fallback = _joined_dtype(status_dtypes[c], any(i not in states for i in ids))
        if dtypes[c] != fallback and any(_isna(v) for v in columns[c]):
            dtypes[c] = _common_dtype(dtypes[c], fallback, columns[c], [states.get(i, {}).get(c) for i in ids])
        columns[c] = [v if not _isna(v) else states[i][c] if i in states else None
                      for v, i in zip(columns[c], ids)]
    columns["status"] = [states[i]["status"] if i in states else None for i in ids]
    dtypes["status"] = status_dtype
    for c, dtype in dtypes.items():   # the values as the frame holds them (a float64 year is 2024.0)
        if isinstance(dtype, str) and dtype == "float64":
            columns[c] = [float("nan") if _isna(v) else float(v) for v in columns[c]]
    titles, scope = per_frame(sources, _source_lookups)
    columns["table_title"] = [t if isinstance(t, str) and t != tid else
                              " + ".join(titles.get(p, p) for p in str(tid).split("+")) if isinstance(tid, str)
                              else "" for t, tid in zip(columns["table_title"], columns["table_id"])]
    dtypes["table_title"] = None
    columns["scope_note"] = [scope.get(t, float("nan")) for t in columns["table_id"]]
    dtypes["scope_note"] = None
    columns["n_values"] = [int(n_values[i]) if i in n_values and not _isna(n_values[i]) else 0 for i in ids]
    dtypes["n_values"] = "int64"
    columns["share_lower"] = [100 * lo / n if not _isna(n) and n else None
                              for lo, n in zip(columns["n_lower"], columns["n_total"])]
    dtypes["share_lower"] = None
    columns["other_groups"] = ["; ".join(others.get(i, ())) for i in ids]
    dtypes["other_groups"] = None
    rows = [dict(zip(columns, values)) for values in zip(*columns.values())]
    columns["missing_text"] = [_missing_text(r, level) if _isna(r["value"]) else None for r in rows]
    dtypes["missing_text"] = pd.Series(columns["missing_text"]).dtype   # inferred before the gemeente's context
    if gemeente_profile is not None and not gemeente_profile.empty:
        _gemeente_context(columns, gemeente_profile, catalogue)
    order = catalogue_order()
    keys = [order.get(i, len(order)) for i in ids]
    rank = sorted(range(len(ids)), key=lambda k: keys[k])
    return table_frame({c: [columns[c][k] for k in rank] for c in columns}, dtypes)


def table_frame(columns: dict[str, list], dtypes: dict):
    """pd.DataFrame({c: pd.Series(columns[c], dtype=dtypes[c]) for c in columns}), the same frame made from the
    columns' arrays at once (db.frame): a frame of ~50 Series aligned on their index was ~3 ms of CPU per
    profile (tests/test_queries.py compares the two for every level)."""
    from dashboard.core import db
    return db.frame({c: _column_array(values, dtypes[c]) for c, values in columns.items()})


_TEXT = pd.StringDtype(na_value=float("nan"))   # pandas' str dtype (what fetchdf gives text columns)


def _column_array(values: list, dtype):
    """pd.Series(values, dtype=dtype)'s array, for the dtypes a profile table has built without a Series (~50 us
    each): a numpy float64 or object column, or pandas' str dtype (db.text_column: NaN and None are NA). Any other
    dtype, an inferred one (None) or values that do not fit go through pd.Series."""
    if isinstance(dtype, np.dtype) and dtype.kind in "fO":
        try:
            if dtype.kind == "f":
                return np.array(values, dtype=dtype)   # None becomes NaN, as in a Series
            array = np.empty(len(values), dtype=object)
            array[:] = values
            return array
        except (TypeError, ValueError):
            pass
    elif dtype == _TEXT and all(isinstance(v, str) or v is None or (isinstance(v, float) and v != v)
                                for v in values):
        from dashboard.core import db
        return db.text_column(np.array(values, dtype=object)) if values and not all(
            v is None or isinstance(v, float) for v in values) else pd.Series(values, dtype=dtype)._values
    return pd.Series(values, dtype=dtype, copy=False)._values


def _visible_catalogue(catalogue: pd.DataFrame) -> tuple[list[str], list[dict], dict]:
    """The catalogue's columns the table takes, its indicators that are not hidden (as records) and their
    dtypes: the same for every profile of a release (per_frame)."""
    meta_cols = META_COLS + [c for c in ("rounding",) if c in catalogue]
    cat = [r for r in records(catalogue, meta_cols) if not bool(r["hidden"])]
    return meta_cols, cat, {c: dtype for c, dtype in _dtypes(catalogue).items() if c in meta_cols}


def _source_lookups(sources: pd.DataFrame) -> tuple[dict, dict]:
    """table_id -> title, and table_id -> snapshot_scope for the tables that have one (per_frame)."""
    titles = dict(zip(sources["table_id"].tolist(), sources["title"].tolist()))
    scopes = sources.dropna(subset=["snapshot_scope"]) if "snapshot_scope" in sources else sources.iloc[:0]
    return titles, dict(zip(scopes["table_id"].tolist(), scopes["snapshot_scope"].tolist()))


def _dtypes(frame: pd.DataFrame) -> dict:
    """{column: dtype} without a Series per column (frame[c].dtype is ~30 us each)."""
    return dict(zip(frame.columns, frame.dtypes.tolist()))


def _common_dtype(own, fallback, values: list, fallback_values: list):
    """The dtype Series.where gives when the region's own column is filled from the map's."""
    return pd.Series(values, dtype=own).where(pd.Series(values, dtype=own).notna(),
                                              pd.Series(fallback_values, dtype=fallback)).dtype
