"""Values of one source column, parsed and guarded (pure; no I/O): numbers with their missing reason, and the
catalogue's guards on ratios of rounded counts. pipelines/transform.py shapes them into rows.

`missing_reason` is None when there is a value, 'suppressed' for CBS's "." (secret/unreliable), 'not_available'
for an empty cell, 'too_few' for a ratio whose denominator is below the catalogue's `min_denominator` or whose
value is impossible (a share above 100 %, a rate above 1 000 per 1 000: rounded counts).

A ratio of counts CBS rounded gets its rounding interval (round_lower, round_upper): the lowest and highest
ratio the rounded counts allow. It is not a confidence interval: lower/upper stay the source's own 95 % margins.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.cache import TableCache
from pipelines.catalogue import RATIO_CAP, Source

_SUFFIX = re.compile(r"_\d+$")


class SchemaError(ValueError):
    """A table does not have the shape the catalogue expects (a CBS schema change)."""


def key_stem(key: str) -> str:
    """`Vrijwilligerswerk_33` -> `Vrijwilligerswerk`; CBS renumbers suffixes between table versions."""
    return _SUFFIX.sub("", key)


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


# CBS rounds counts of persons and households (inwoners, 65+, huishoudens: a rounding of 5) for wijken and buurten
# only: in the shipped KWB 2023/2024 files every wijk and buurt count ends on 0 or 5, but only ~20 % of the gemeente
# counts do, and the NL count is exact (85618NED a_inw 17,811,291). Larger roundings (uitkeringen to 10) hold at
# every level: every gemeente and NL count of a_soz_wb/ao/ww ends on 0.
SMALL_AREA_ROUNDING = 5
SMALL_AREA_PREFIXES = ("WK", "BU")


def rounding_by_row(rounding: int | None, region: pd.Series | None) -> pd.Series | int:
    """The rounding that applies to each row's count: 0 where the count is exact (a small-area rounding on a
    gemeente or NL row)."""
    r = int(rounding or 0)
    if r == 0 or r > SMALL_AREA_ROUNDING or region is None:
        return r
    small = region.astype("str").str[:2].isin(SMALL_AREA_PREFIXES).to_numpy()
    return pd.Series(np.where(small, r, 0), index=region.index)


def count_bounds(count: pd.Series, rounding) -> tuple[pd.Series, pd.Series]:
    """The smallest and largest true count that CBS rounds to `count` (to the nearest multiple, a half up):
    rounding to 10: 10 -> 5 to 14, 0 -> 0 to 4; to 5: 10 -> 8 to 12, 0 -> 0 to 2. An exact count is its own bound."""
    half = pd.Series(rounding, index=count.index, dtype="float64") / 2
    low = np.ceil(count - half).clip(lower=0)
    high = np.ceil(count + half) - 1
    exact = half == 0
    return low.where(~exact, count), high.where(~exact, count)


def rounding_interval(num: pd.Series, den_parts: list[pd.Series], values: pd.Series, *, scale: float, unit: str,
                      num_rounding, den_rounding) -> tuple[pd.Series, pd.Series]:
    """The lowest and highest ratio the rounded counts allow (NaN where the ratio has no value or both counts are
    exact): scale * (smallest numerator) / (largest denominator) to scale * (largest numerator) / (smallest
    denominator), each count read as every true count that rounds to it, capped at the unit's cap (100 %)."""
    num_lo, num_hi = count_bounds(num, num_rounding)
    den_lo = pd.Series(0.0, index=num.index)
    den_hi = pd.Series(0.0, index=num.index)
    for part in den_parts:
        lo, hi = count_bounds(part, den_rounding)
        den_lo, den_hi = den_lo + lo, den_hi + hi
    lower = (num_lo / den_hi.where(den_hi > 0) * scale).astype("float64")
    upper = (num_hi / den_lo.where(den_lo > 0) * scale).astype("float64")
    cap = RATIO_CAP.get(unit)
    if cap is not None:
        upper = upper.clip(upper=cap)
    rounded = (pd.Series(num_rounding, index=num.index) > 0) | (pd.Series(den_rounding, index=num.index) > 0)
    keep = values.notna() & rounded
    return lower.where(keep), upper.where(keep)


def guarded_ratio(num: pd.Series, den: pd.Series, reason: pd.Series, *, scale: float, unit: str,
                  rounding: int | None, min_denominator: float | None, den_rounding: int | None = None,
                  region: pd.Series | None = None, den_parts: list[pd.Series] | None = None
                  ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """scale * num / den with the catalogue's guards for rounded counts: (value, missing reason, round_lower,
    round_upper).

    - denominator below `min_denominator`: no value, reason 'too_few';
    - a value above the unit's cap (share > 100 %, rate > 1 000 per 1 000): no value, reason 'too_few';
    - round_lower/round_upper: the rounding interval, the lowest and highest ratio that the counts CBS rounded
      (numerator to `rounding`, each denominator part to `den_rounding`; a small-area rounding only on wijk and
      buurt rows of `region`) allow. A rounded numerator of 0 keeps the value 0 with round_lower 0.
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
    round_lower, round_upper = rounding_interval(
        num, den_parts if den_parts is not None else [den], values, scale=scale, unit=unit,
        num_rounding=rounding_by_row(rounding, region), den_rounding=rounding_by_row(den_rounding, region))
    return values, reason, round_lower, round_upper


def source_values(cache: TableCache, data: pd.DataFrame, source: Source, unit: str
                   ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(value, missing reason, round_lower, round_upper) of one source column or ratio on the table's rows
    (`data` has the region code in `_region`)."""
    download = cache.column_naming == "kwb_download"
    if not source.is_ratio:
        col = resolve_column(cache, source.download_name if download else source.stem, download=download)
        values, reason = parse_values(data[col])
        none = pd.Series(np.nan, index=data.index)
        return values, reason, none, none
    num_name = source.numerator_download if download else source.numerator
    den_names = source.denominator_download if download else source.denominator
    num, num_reason = parse_values(data[resolve_column(cache, num_name, download=download)])
    den = pd.Series(0.0, index=data.index)
    den_reason = pd.Series(None, index=data.index, dtype=object)
    parts = []
    for name in den_names:
        v, r = parse_values(data[resolve_column(cache, name, download=download)])
        den = den + v
        parts.append(v)
        den_reason = den_reason.where(den_reason.notna(), r)
    reason = num_reason.where(num_reason.notna(), den_reason)
    return guarded_ratio(num, den, reason, scale=source.scale, unit=unit, rounding=source.numerator_rounding,
                         min_denominator=source.min_denominator, den_rounding=source.denominator_rounding,
                         region=data.get("_region"), den_parts=parts)


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
