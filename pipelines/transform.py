"""Pure transforms from a cached CBS table to Buurtbalans' long form. No I/O here.

Output of `table_to_long`, one row per (region, period, indicator, age group):
    region_code, boundary_year, period, indicator_id, age_group, is_default_group,
    value, lower, upper, missing_reason, table_id, series
`missing_reason` is NULL when there is a value, 'suppressed' for CBS's "." (secret/unreliable),
'not_available' for an empty cell, 'zero_or_unknown' for an empty cell of a snapshot file whose maker turned 0
into empty (fetch.json `zeros_as_null`), and 'too_few' for a ratio whose denominator is below the catalogue's
`min_denominator` or whose value is impossible (a share above 100 %, a rate above 1 000 per 1 000: rounded counts).
A ratio whose rounded numerator is 0 keeps the value 0 with lower = 0 and upper = the largest rate the rounded 0
allows (a count of 0 to rounding/2), so it is never read as an exact zero.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.cache import TableCache
from pipelines.catalogue import RATIO_CAP, Catalogue, Indicator, Source, Table

LONG_COLUMNS = ["region_code", "boundary_year", "period", "indicator_id", "age_group", "is_default_group",
                "value", "lower", "upper", "missing_reason", "table_id", "series"]
LEVEL_BY_PREFIX = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
NL_CODE = "NL00"
_SUFFIX = re.compile(r"_\d+$")


class SchemaError(ValueError):
    """A table does not have the shape the catalogue expects (a CBS schema change)."""


def key_stem(key: str) -> str:
    """`Vrijwilligerswerk_33` -> `Vrijwilligerswerk`; CBS renumbers suffixes between table versions."""
    return _SUFFIX.sub("", key)


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


def parse_values(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers and a missing reason: "." -> suppressed, empty/None -> not_available."""
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
        reason = pd.Series(np.where(values.isna(), "not_available", None), index=raw.index, dtype=object)
        return values, reason
    text = raw.astype("string").str.strip()
    suppressed = text.isin([".", "x", "?"])
    values = pd.to_numeric(text.where(~suppressed & (text != "")), errors="coerce").astype("float64")
    bad = values.isna() & ~suppressed & text.notna() & (text != "")
    if bad.any():
        raise SchemaError(f"onverwachte waarde '{text[bad].iloc[0]}' in een cijferkolom")
    reason = pd.Series(np.where(suppressed, "suppressed", np.where(values.isna(), "not_available", None)),
                       index=raw.index, dtype=object)
    return values, reason


def resolve_column(cache: TableCache, name: str, *, download: bool) -> str:
    """Find the data column for a stem (OData) or a download-file short name."""
    columns = list(cache.data.columns)
    if download:
        if name in columns:
            return name
        raise SchemaError(f"tabel {cache.table_id}: kolom '{name}' ontbreekt in het downloadbestand")
    props = {key_stem(p["Key"]) for p in cache.data_properties or [] if p.get("Key")}
    if name not in props:
        raise SchemaError(f"tabel {cache.table_id}: onderwerp '{name}' staat niet (meer) in DataProperties "
                          f"(CBS heeft de tabel gewijzigd?)")
    matches = [c for c in columns if key_stem(c) == name]
    if len(matches) != 1:
        raise SchemaError(f"tabel {cache.table_id}: onderwerp '{name}' heeft {len(matches)} kolommen in de gegevens")
    return matches[0]


def rounded_zero_bound(rounding: int | None) -> int:
    """The largest true count behind a count that CBS rounded to 0 (rounding to 10: 0 to 4; to 5: 0 to 2)."""
    return (int(rounding) - 1) // 2 if rounding else 0


def guarded_ratio(num: pd.Series, den: pd.Series, reason: pd.Series, *, scale: float, unit: str,
                  rounding: int | None, min_denominator: float | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """scale * num / den with the catalogue's guards for rounded counts: (value, missing reason, upper bound).

    - denominator below `min_denominator`: no value, reason 'too_few';
    - a value above the unit's cap (share > 100 %, rate > 1 000 per 1 000): no value, reason 'too_few';
    - a rounded numerator of 0: value 0, upper = the rate of the largest count that rounds to 0.
    """
    den = den.where(den != 0)
    values = (num / den * scale).astype("float64")
    too_few = den.notna() & (den < (min_denominator or 0))
    cap = RATIO_CAP.get(unit)
    if cap is not None:
        too_few |= values > cap
    values = values.mask(too_few)
    reason = reason.where(values.isna(), None).where(~(values.isna() & reason.isna()), "not_available")
    reason = reason.mask(too_few, "too_few")
    upper = pd.Series(np.nan, index=num.index)
    bound = rounded_zero_bound(rounding)
    if bound:
        upper = upper.mask((num == 0) & values.notna(), bound / den * scale)
    return values, reason, upper


def _source_values(cache: TableCache, data: pd.DataFrame, source: Source, unit: str
                   ) -> tuple[pd.Series, pd.Series, pd.Series]:
    download = cache.column_naming == "kwb_download"
    if not source.is_ratio:
        col = resolve_column(cache, source.download_name if download else source.stem, download=download)
        values, reason = parse_values(data[col])
        return values, reason, pd.Series(np.nan, index=data.index)
    num_name = source.numerator_download if download else source.numerator
    den_names = source.denominator_download if download else source.denominator
    num, num_reason = parse_values(data[resolve_column(cache, num_name, download=download)])
    den = pd.Series(0.0, index=data.index)
    den_reason = pd.Series(None, index=data.index, dtype=object)
    for name in den_names:
        v, r = parse_values(data[resolve_column(cache, name, download=download)])
        den = den + v
        den_reason = den_reason.where(den_reason.notna(), r)
    reason = num_reason.where(num_reason.notna(), den_reason)
    return guarded_ratio(num, den, reason, scale=source.scale, unit=unit, rounding=source.numerator_rounding,
                         min_denominator=source.min_denominator)


def shipped_without(cache: TableCache, source: Source) -> bool:
    """A source the catalogue marks `in_snapshot = false` whose column the shipped snapshot file lacks: it gives
    no rows (the indicator then says 'niet in de meegeleverde gegevens'); a live cache must have the column."""
    if source.in_snapshot or cache.fetch.get("method") != "snapshot-conversion":
        return False
    download = cache.column_naming == "kwb_download"
    names = ([source.download_name] if source.stem else [source.numerator_download, *source.denominator_download]) \
        if download else source.stems()
    try:
        for name in names:
            resolve_column(cache, name, download=download)
    except SchemaError:
        return True
    return False


def _dimension_columns(cache: TableCache) -> tuple[str, str | None]:
    if cache.column_naming == "kwb_download":
        return cache.fetch.get("region_column", "gwb_code_10"), None
    region = next((p["Key"] for p in cache.data_properties or [] if p.get("Type") == "GeoDimension"), None)
    if region is None:
        region = "WijkenEnBuurten" if "WijkenEnBuurten" in cache.data.columns else None
    if region is None or region not in cache.data.columns:
        raise SchemaError(f"tabel {cache.table_id}: geen regiokolom (WijkenEnBuurten) gevonden")
    return region, "Perioden" if "Perioden" in cache.data.columns else None


def table_to_long(cache: TableCache, table: Table, catalogue: Catalogue) -> pd.DataFrame:
    """Reshape one cached table into long form for every catalogue indicator that uses it."""
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
    frames = []
    for ind in catalogue.indicators:
        for source in ind.sources:
            if source.table == table.id and not shipped_without(cache, source):
                frames.append(_indicator_long(cache, table, ind, source, data, keys, region_col, period_col)
                              .assign(series=catalogue.series_of(ind.id, table)))  # breaks: catalogue [series.*]
    if not frames:
        return pd.DataFrame(columns=LONG_COLUMNS)
    return pd.concat(frames, ignore_index=True)[LONG_COLUMNS]


def _indicator_long(cache, table: Table, ind: Indicator, source: Source, data: pd.DataFrame, keys: list[str],
                    region_col: str, period_col: str | None) -> pd.DataFrame:
    values, reason, bound = _source_values(cache, data, source, ind.unit)
    if cache.fetch.get("zeros_as_null"):
        reason = reason.mask(reason == "not_available", "zero_or_unknown")
    frame = data[keys].copy()
    frame["value"], frame["missing_reason"] = values, reason
    if table.margin_dimension:
        codes = table.margin_codes
        margin = data[table.margin_dimension]
        est = frame[margin == codes["estimate"]].set_index(keys)
        for bound in ("lower", "upper"):
            part = frame[margin == codes.get(bound)].set_index(keys)["value"]
            est[bound] = part.reindex(est.index)
        frame = est.reset_index()
    else:
        frame["upper"] = bound
        frame["lower"] = np.where(bound.notna(), 0.0, np.nan)
    out = pd.DataFrame({
        "region_code": frame["_region"],
        "boundary_year": table.boundary_year,
        "period": frame["_period"],
        "indicator_id": ind.id,
        "value": frame["value"], "lower": frame["lower"], "upper": frame["upper"],
        "missing_reason": frame["missing_reason"], "table_id": table.id, "series": table.series,
    })
    if table.age_dimension:
        first_age = next(iter(table.age_groups))
        out["age_group"] = frame[table.age_dimension].map(table.age_groups).values
        out["is_default_group"] = (frame[table.age_dimension] == first_age).values
    else:
        out["age_group"], out["is_default_group"] = "totaal", True
    return out


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


def ratio_indicator(long: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """An indicator defined as ratio_of=[num, den]: matched on region, boundary year, period and age group."""
    num_id, den_id = ind.ratio_of
    on = ["region_code", "boundary_year", "period", "age_group"]
    num = long[long["indicator_id"] == num_id]
    den = long[long["indicator_id"] == den_id][on + ["value", "missing_reason", "table_id"]]
    merged = num.merge(den, on=on, suffixes=("", "_den"))
    reason = merged["missing_reason"].where(merged["missing_reason"].notna(), merged["missing_reason_den"])
    value, reason, upper = guarded_ratio(merged["value"], merged["value_den"].where(merged["value_den"] > 0),
                                         reason, scale=ind.scale, unit=ind.unit, rounding=ind.numerator_rounding,
                                         min_denominator=ind.min_denominator)
    out = merged[on + ["is_default_group", "series"]].copy()
    out["indicator_id"], out["value"] = ind.id, value
    out["upper"], out["lower"] = upper, np.where(upper.notna(), 0.0, np.nan)
    out["missing_reason"] = reason
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
