"""Pure transforms from a cached CBS table to Buurtbalans' long form. No I/O here.

Output of `table_to_long`, one row per (region, period, indicator, age group):
    region_code, boundary_year, period, indicator_id, age_group, is_default_group,
    value, lower, upper, missing_reason, table_id, series, round_lower, round_upper
`missing_reason` is NULL when there is a value, 'suppressed' for CBS's "." (secret/unreliable),
'not_available' for an empty cell, 'zero_or_unknown' for an empty cell of a snapshot file whose maker turned 0
into empty (fetch.json `zeros_as_null`; not for a unit that is never 0, NEVER_ZERO_UNITS), and 'too_few' for a ratio whose denominator is below the catalogue's
`min_denominator` or whose value is impossible (a share above 100 %, a rate above 1 000 per 1 000: rounded counts).
lower/upper are only the source's own 95 % margins (RIVM). round_lower/round_upper are a ratio's rounding
interval: the lowest and highest ratio the counts CBS rounded allow (pipelines/values.py). A ratio whose rounded
numerator is 0 keeps the value 0 with round_lower = 0 and round_upper = the largest rate the rounded 0 allows (a
count of 0 to rounding/2), so it is never read as an exact zero.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.cache import TableCache
from pipelines.catalogue import Catalogue, Indicator, Table
from pipelines.values import SchemaError, guarded_ratio, shipped_without, source_values

LONG_COLUMNS = ["region_code", "boundary_year", "period", "indicator_id", "age_group", "is_default_group",
                "value", "lower", "upper", "missing_reason", "table_id", "series", "round_lower", "round_upper"]
KEY_COLUMNS = ["region_code", "period", "age_group", "is_default_group"]
LEVEL_BY_PREFIX = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
NL_CODE = "NL00"
# Units whose figure is never 0: a class 1-5, a postcode, an average household size or an average in euros (WOZ,
# income). An empty cell of a `zeros_as_null` file was no 0 there, so it stays 'not_available', never '0 of
# onbekend' (Warande Midden, Lelystad: 'Stedelijkheid 0 of onbekend').
NEVER_ZERO_UNITS = frozenset({"klasse 1-5", "postcode", "personen", "x 1 000 euro"})


def strip_padding(df: pd.DataFrame) -> pd.DataFrame:
    """CBS pads codes and names with spaces ("BU03630000  "); strip every text column."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("str").str.strip()  # pandas' Arrow-backed str: compact, NaN stays NaN
    return out


def normalise_region_code(code: str) -> str:
    code = str(code).strip()
    return NL_CODE if code.startswith("NL") else code



def _dimension_columns(cache: TableCache) -> tuple[str, str | None]:
    if cache.column_naming == "kwb_download":
        return cache.fetch.get("region_column", "gwb_code_10"), None
    region = next((p["Key"] for p in cache.data_properties or [] if p.get("Type") == "GeoDimension"), None)
    if region is None:
        region = "WijkenEnBuurten" if "WijkenEnBuurten" in cache.data.columns else None
    if region is None or region not in cache.data.columns:
        raise SchemaError(f"tabel {cache.table_id}: geen regiokolom (WijkenEnBuurten) gevonden")
    return region, "Perioden" if "Perioden" in cache.data.columns else None



@dataclass
class WideTable:
    """One table reshaped once: its output rows' keys (KEY_COLUMNS) and, per catalogue indicator that uses the
    table, its value, lower, upper, missing reason, round_lower and round_upper on those rows. The long form is one row per key row and
    indicator (wide_to_long here; pipelines/load.py lets DuckDB unpivot it)."""
    table: Table
    keys: pd.DataFrame
    indicators: list[tuple[str, str]] = field(default_factory=list)  # (indicator_id, series)
    columns: list[tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series, np.ndarray, np.ndarray]] = \
        field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.keys) * len(self.indicators)


def _prepared(cache: TableCache, table: Table) -> tuple[pd.DataFrame, list[str]]:
    """The table's rows after the catalogue's filters, with _region and _period; the key columns of a row."""
    data = strip_padding(cache.data)
    if data.empty:
        raise SchemaError(f"tabel {table.id}: geen rijen")
    region_col, period_col = _dimension_columns(cache)
    for dim, code in table.fixed.items():
        data = data[data[dim] == code]
    if table.age_dimension:
        data = data[data[table.age_dimension].isin(list(table.age_groups))]
    if period_col and table.aggregate_months:
        data = _months_to_years(data, period_col, region_col)
    keys = ["_region", "_period"] + ([table.age_dimension] if table.age_dimension else [])
    if table.margin_dimension:
        data = data[data[table.margin_dimension].isin(list(table.margin_codes.values()))]
    # region code, level and period once per table (vectorised), not once per indicator
    region = data[region_col].astype("string").str.strip()
    data = data.assign(_region=region.where(~region.str.startswith("NL"), NL_CODE).astype("str"))
    data = data[data["_region"].str[:2].isin(list(LEVEL_BY_PREFIX))]
    data["_period"] = data[period_col].astype("str").str[:4] if period_col else str(table.period)
    if data.duplicated(keys + ([table.margin_dimension] if table.margin_dimension else [])).any():
        raise SchemaError(f"tabel {table.id}: dubbele rijen voor dezelfde regio en periode")
    return data, keys


def _margin_rows(table: Table, data: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, dict]:
    """For a table with margins: the estimate rows, and per bound the rows holding it with, for each estimate
    row, the position of its bound among them (-1: none) - matched on the key columns."""
    margin = data[table.margin_dimension]
    estimate = (margin == table.margin_codes["estimate"]).to_numpy()
    est_index = pd.MultiIndex.from_frame(data.loc[estimate, keys])
    bounds = {}
    for bound in ("lower", "upper"):
        rows = (margin == table.margin_codes.get(bound)).to_numpy()
        bounds[bound] = rows, pd.MultiIndex.from_frame(data.loc[rows, keys]).get_indexer(est_index)
    return estimate, bounds


def _take(values: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """values[pos], NaN where pos is -1 (no such row)."""
    out = np.full(len(pos), np.nan)
    found = pos >= 0
    out[found] = values[pos[found]]
    return out


def table_to_wide(cache: TableCache, table: Table, catalogue: Catalogue) -> WideTable:
    """Reshape one cached table for every catalogue indicator that uses it (the guards of pipelines/values.py)."""
    data, keys = _prepared(cache, table)
    rows, bounds = (_margin_rows(table, data, keys) if table.margin_dimension
                    else (np.ones(len(data), dtype=bool), None))
    kept = data.loc[rows, keys].reset_index(drop=True)
    if table.age_dimension:
        first_age = next(iter(table.age_groups))
        age = kept[table.age_dimension].map(table.age_groups).astype("str")
        default = kept[table.age_dimension] == first_age
    else:
        age, default = "totaal", True
    # text keys stay pandas' compact Arrow-backed str (not one Python object per cell)
    wide = WideTable(table, pd.DataFrame({"region_code": kept["_region"].astype("str"),
                                          "period": kept["_period"].astype("str"), "age_group": age,
                                          "is_default_group": default}))
    for ind in catalogue.indicators:
        for source in ind.sources:
            if source.table != table.id or shipped_without(cache, source):
                continue
            values, reason, round_lower, round_upper = source_values(cache, data, source, ind.unit)
            if cache.fetch.get("zeros_as_null") and ind.unit not in NEVER_ZERO_UNITS:
                reason = reason.mask(reason == "not_available", "zero_or_unknown")
            if bounds is None:
                lower = upper = np.full(int(rows.sum()), np.nan)
            else:
                v = values.to_numpy()
                lower, upper = (_take(v[bound_rows], pos) for bound_rows, pos in (bounds["lower"], bounds["upper"]))
            wide.indicators.append((ind.id, catalogue.series_of(ind.id, table)))  # breaks: catalogue [series.*]
            wide.columns.append((values.to_numpy()[rows], lower, upper, reason[rows].reset_index(drop=True),
                                 round_lower.to_numpy()[rows], round_upper.to_numpy()[rows]))
    return wide


def wide_to_long(wide: WideTable, only: set[str] | None = None) -> pd.DataFrame:
    """The long form (LONG_COLUMNS), indicator after indicator, of all indicators or of those in `only`."""
    frames = []
    for (ind_id, series), (value, lower, upper, reason, round_lower, round_upper) in zip(wide.indicators,
                                                                                        wide.columns):
        if only is not None and ind_id not in only:
            continue
        k = wide.keys
        frames.append(pd.DataFrame({
            "region_code": k["region_code"], "boundary_year": wide.table.boundary_year, "period": k["period"],
            "indicator_id": ind_id, "age_group": k["age_group"], "is_default_group": k["is_default_group"],
            "value": value, "lower": lower, "upper": upper, "missing_reason": reason,
            "table_id": wide.table.id, "series": series, "round_lower": round_lower, "round_upper": round_upper}))
    if not frames:
        return pd.DataFrame(columns=LONG_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LONG_COLUMNS]


def table_to_long(cache: TableCache, table: Table, catalogue: Catalogue) -> pd.DataFrame:
    """Reshape one cached table into long form for every catalogue indicator that uses it."""
    return wide_to_long(table_to_wide(cache, table, catalogue))


def _months_to_years(data: pd.DataFrame, period_col: str, region_col: str) -> pd.DataFrame:
    """Sum monthly counts to calendar years; a year counts only when all 12 months are present."""
    periods = data[period_col].astype(str)
    if not periods.str.contains("MM").any():
        return data
    monthly = data[periods.str.contains("MM")].copy()
    monthly["_year"] = monthly[period_col].str[:4]
    group = [c for c in monthly.columns if c not in (period_col,) and not pd.api.types.is_numeric_dtype(monthly[c])]
    numeric = [c for c in monthly.columns if c not in group and c != "ID"]
    agg = monthly.groupby(group, dropna=False)[numeric].agg(["sum", "count"])
    complete = agg.xs("count", axis=1, level=1).min(axis=1) == 12
    out = agg.xs("sum", axis=1, level=1)[complete].reset_index()
    out[period_col] = out.pop("_year") + "JJ00"
    return out


RATIO_ON = ["region_code", "boundary_year", "period", "age_group"]


def ratio_indicator(long: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """An indicator defined as ratio_of=[num, den]: matched on region, boundary year, period and age group."""
    num_id, den_id = ind.ratio_of
    num = long[long["indicator_id"] == num_id]
    den = long[long["indicator_id"] == den_id][RATIO_ON + ["value", "missing_reason", "table_id"]]
    return ratio_from_matched(num.merge(den, on=RATIO_ON, suffixes=("", "_den")), ind)


def ratio_from_matched(merged: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The ratio's long rows from its numerator rows matched to their denominator (value_den, missing_reason_den,
    table_id_den beside the numerator's own columns)."""
    reason = merged["missing_reason"].where(merged["missing_reason"].notna(), merged["missing_reason_den"])
    value, reason, round_lower, round_upper = guarded_ratio(
        merged["value"], merged["value_den"].where(merged["value_den"] > 0), reason, scale=ind.scale, unit=ind.unit,
        rounding=ind.numerator_rounding, min_denominator=ind.min_denominator,
        den_rounding=ind.denominator_rounding, region=merged["region_code"])
    out = merged[RATIO_ON + ["is_default_group", "series"]].copy()
    out["indicator_id"], out["value"] = ind.id, value
    out["lower"] = out["upper"] = np.nan
    out["missing_reason"] = reason
    out["round_lower"], out["round_upper"] = round_lower, round_upper
    out["table_id"] = merged["table_id"] + "+" + merged["table_id_den"]
    return out[LONG_COLUMNS]


def regions_from_table(cache: TableCache, table: Table) -> pd.DataFrame:
    """Every region a table covers, on its own boundary year, with its name where the table gives one.
    Vectorised on the distinct codes (a RIVM table repeats each code for every age group and margin)."""
    region_col, _ = _dimension_columns(cache)
    data = cache.data[cache.data[region_col].notna()]
    codes = data[region_col].astype("str").str.strip()
    codes = codes.where(~codes.str.startswith("NL"), NL_CODE)
    first = ~codes.duplicated()  # the first row of each code, as drop_duplicates("region_code") keeps
    data, codes = data[first], codes[first]
    level = codes.str[:2].map(LEVEL_BY_PREFIX)
    names = pd.Series(None, index=codes.index, dtype=object)
    for col in ("Gemeentenaam_1", "gm_naam"):  # gemeente names given in-table for gemeente/land rows
        if col in data.columns:
            given = data[col].astype("str").str.strip().astype(object).where(data[col].notna())
            names = names.where(~level.isin(["gemeente", "land"]), given)
    frame = pd.DataFrame({"region_code": codes, "name": names, "level": level.astype("str")})
    code_list = cache.code_lists.get(region_col) or []
    # a Title equal to the code is no name (the replayed KWB download file has no names for wijken/buurten)
    titles = {normalise_region_code(r["Key"]): str(r["Title"]).strip() for r in code_list
              if r.get("Title") and str(r["Title"]).strip() != str(r["Key"]).strip()}
    frame["name"] = frame["region_code"].map(titles).where(lambda s: s.notna(), frame["name"])
    frame = frame[frame["level"].notna()]
    # CBS code rule: GMxxxx / WKxxxxyy / BUxxxxyyzz carry the gemeente number in characters 3-6, a buurt its wijk
    # in characters 3-8
    code = frame["region_code"].str
    frame["gemeente_code"] = ("GM" + code[2:6]).where(frame["level"] != "land")
    frame["wijk_code"] = ("WK" + code[2:8]).where(frame["level"] == "buurt")
    frame["boundary_year"] = table.boundary_year
    frame.loc[frame["level"] == "land", "name"] = "Nederland"
    return frame[["region_code", "boundary_year", "level", "name", "gemeente_code", "wijk_code"]]
