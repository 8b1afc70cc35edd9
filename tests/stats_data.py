"""Real-data frames for the stats tests, built straight from the shipped snapshot.

`real_wide()` mimics the `mart_buurt_wide` contract (one row per 2024 buurt, columns = indicator ids, latest
period per indicator, 18+ for the RIVM tables, plus `name` and `gemeente_code`; `inwoners` is an indicator).
`real_long()` mimics the long values table used by trend charts. Once the DuckDB fixture `buurt_wide` exists,
the stats tests can swap `real_wide()` for it without other changes.

Indicators defined with `ratio_of` (parts from different tables) are left out: none of the stats tests need them.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.catalogue import Catalogue, Source, Table, load_catalogue

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"
BASE_TABLE = "85984NED"  # the 2024 division defines which buurten exist
DEFAULT_AGE = "20300"    # 18+


def _strip(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip()


def _buurt_rows(table: Table) -> pd.DataFrame:
    """Buurt rows of one shipped table, reduced to the default age group and the point estimate."""
    df = pd.read_parquet(SNAPSHOT / table.id / "TypedDataSet.parquet")
    code_col = "gwb_code_10" if table.column_naming == "kwb_download" else "WijkenEnBuurten"
    df = df.assign(region_code=_strip(df[code_col]))
    df = df[df["region_code"].str.startswith("BU")]
    if table.age_dimension:
        df = df[_strip(df[table.age_dimension]) == DEFAULT_AGE]
    if table.margin_dimension:
        df = df[_strip(df[table.margin_dimension]) == table.margin_codes["estimate"]]
    if "Perioden" in df.columns:
        df = df.assign(period=_strip(df["Perioden"]).str[:4])
    else:
        df = df.assign(period=table.period)
    return df


def _column(df: pd.DataFrame, table: Table, stem: str | None, download: str | None) -> pd.Series:
    if table.column_naming == "kwb_download":
        return df[download].astype("float64")
    # OData keys carry a version suffix (Vrijwilligerswerk_33): resolve by stem, never by a fixed suffix.
    matches = [c for c in df.columns if re.fullmatch(rf"{re.escape(stem)}_\d+", c)]
    if len(matches) != 1:
        raise KeyError(f"{table.id}: stem {stem} matches {matches}")
    return df[matches[0]].astype("float64")


def _source_values(df: pd.DataFrame, table: Table, src: Source) -> pd.Series:
    if not src.is_ratio:
        return _column(df, table, src.stem, src.download_name)
    num = _column(df, table, src.numerator, src.numerator_download)
    dens = [_column(df, table, d, dd) for d, dd in
            zip(src.denominator, src.denominator_download or (None,) * len(src.denominator))]
    den = sum(dens)
    return (src.scale * num / den.where(den > 0)).astype("float64")


@lru_cache(maxsize=1)
def _long_frame() -> pd.DataFrame:
    cat: Catalogue = load_catalogue()
    frames = {tid: _buurt_rows(t) for tid, t in cat.tables.items()
              if t.in_snapshot and (SNAPSHOT / tid / "TypedDataSet.parquet").exists() and not t.fixed}
    parts = []
    for ind in cat.indicators:
        for src in ind.sources:
            if src.table not in frames or not src.in_snapshot:  # the shipped file lacks this column
                continue
            table, df = cat.tables[src.table], frames[src.table]
            parts.append(pd.DataFrame({
                "region_code": df["region_code"].to_numpy(), "boundary_year": table.boundary_year,
                "period": df["period"].to_numpy(), "indicator_id": ind.id,
                "value": _source_values(df, table, src).to_numpy(), "lower": np.nan, "upper": np.nan,
                "table_id": table.id, "series": table.series}))
    long = pd.concat(parts, ignore_index=True)
    return long[long["value"].notna()].reset_index(drop=True)


def real_long() -> pd.DataFrame:
    """Long values (region_code, boundary_year, period, indicator_id, value, lower, upper, table_id, series)."""
    return _long_frame().copy()


@lru_cache(maxsize=1)
def _wide_frame() -> pd.DataFrame:
    long = _long_frame()
    # Latest period per indicator and buurt; on a tie the newer division wins.
    latest = (long.sort_values(["period", "boundary_year"])
              .drop_duplicates(["region_code", "indicator_id"], keep="last"))
    wide = latest.pivot(index="region_code", columns="indicator_id", values="value")
    base = _buurt_rows(load_catalogue().tables[BASE_TABLE])["region_code"].drop_duplicates()
    wide = wide.reindex(pd.Index(base, name="region_code"))
    wide.columns.name = None
    names = json.loads((SNAPSHOT / BASE_TABLE / "WijkenEnBuurten.json").read_text(encoding="utf-8"))
    name_by_code = {r["Key"].strip(): r["Title"].strip() for r in names}
    wide.insert(0, "name", pd.Series(wide.index.map(name_by_code), index=wide.index, dtype="str"))
    wide.insert(1, "gemeente_code", pd.Series("GM" + wide.index.str[2:6], index=wide.index, dtype="str"))
    return wide


def real_wide() -> pd.DataFrame:
    """One row per 2024 buurt: index region_code, columns name, gemeente_code and indicator ids."""
    return _wide_frame().copy()


def wide_for(request) -> pd.DataFrame:
    """The `buurt_wide` fixture (mart_buurt_wide) when tests/conftest.py provides it, else `real_wide()`."""
    import pytest

    try:
        return request.getfixturevalue("buurt_wide")
    except pytest.FixtureLookupError:
        return real_wide()
