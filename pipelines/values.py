"""Values of one source column, parsed and guarded (pure; no I/O): numbers with their missing reason, and the
catalogue's guards on ratios of rounded counts. pipelines/transform.py shapes them into rows.

`missing_reason` is None when there is a value, 'suppressed' for CBS's "." (secret/unreliable), 'not_available'
for an empty cell, 'too_few' for a ratio whose denominator is below the catalogue's `min_denominator` or whose
value is impossible (a share above 100 %, a rate above 1 000 per 1 000: rounded counts).
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


def source_values(cache: TableCache, data: pd.DataFrame, source: Source, unit: str
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
