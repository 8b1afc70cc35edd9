"""Trend lines per buurt and indicator: one line per series, never mixing series, with boundary-change flags.

A series (catalogue `series`) is a set of tables that may be joined into one line, such as the yearly KWB
tables. Re-estimates in another series (RIVM 50150NED vs 50090NED) always get their own line. When the buurt
division (boundary_year) changes inside a series, the point is flagged: the same code may cover another area.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dashboard.core.format import fmt_number
from .uncertainty import HIGHER, LOWER, difference_verdict

BOUNDARY_NOTE = "let op: andere buurtindeling"
LONG_COLUMNS = ("region_code", "boundary_year", "period", "indicator_id", "value", "lower", "upper", "table_id",
                "series")


def period_label(period: str) -> str:
    """Short label for a period code: '2020JJ00' and '2020' become '2020'; other codes are kept."""
    text = str(period).strip()
    return text[:4] if re.fullmatch(r"\d{4}(JJ00)?", text) else text


def series_for(values_long: pd.DataFrame, region_code: str, indicator_id: str, *,
               age_group: str | None = None) -> dict[str, pd.DataFrame]:
    """Points of one buurt and indicator, split by series.

    Parameters
    ----------
    values_long : DataFrame with columns region_code, boundary_year, period, indicator_id, value, lower, upper,
        table_id, series
    region_code, indicator_id : the buurt and the indicator
    age_group : when `values_long` has an `age_group` column (mart_indicator_series), keep this group; None
        keeps the default group (`is_default_group`), so 18+ and 65+ never share a line

    Returns
    -------
    dict series -> DataFrame sorted by period (as text, so new periods need no code change), with the input
    columns plus `label` (short period), `boundary_changed` (division differs from the previous point),
    `comparable` (not boundary_changed) and `note` (Dutch warning or ""). If a series has two rows for one
    period, the newest division is kept. Missing values are dropped.
    """
    missing = [c for c in LONG_COLUMNS if c not in values_long.columns]
    if missing:
        raise ValueError(f"Deze kolommen ontbreken: {', '.join(missing)}")
    sel = values_long[(values_long["region_code"] == region_code) & (values_long["indicator_id"] == indicator_id)
                      & values_long["value"].notna()]
    if "age_group" in sel.columns:
        if age_group is not None:
            sel = sel[sel["age_group"].astype(str) == str(age_group)]
        elif "is_default_group" in sel.columns:
            sel = sel[sel["is_default_group"].fillna(False).astype(bool)]
    out: dict[str, pd.DataFrame] = {}
    for series, group in sel.groupby("series", sort=True):
        g = (group.assign(period=group["period"].astype(str))
             .sort_values(["period", "boundary_year"]).drop_duplicates("period", keep="last")
             .reset_index(drop=True))
        prev = g["boundary_year"].shift()
        changed = (prev.notna() & (g["boundary_year"] != prev)).to_numpy(dtype=bool)
        out[str(series)] = g.assign(label=g["period"].map(period_label), boundary_changed=changed,
                                    comparable=~changed, note=np.where(changed, BOUNDARY_NOTE, ""))
    return out


def is_comparable(points: pd.DataFrame) -> bool:
    """True when all points of one series share the same buurt division."""
    return bool(points["comparable"].all())


def format_value(value: float, unit: str = "%", decimals: int = 1) -> str:
    """'29,0%' for percentages, '1,2 km' for other units, the bare number when unit is empty."""
    number = fmt_number(float(value), decimals)
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}".strip()


def change_summary(points: pd.DataFrame, unit: str = "%", decimals: int = 1) -> str:
    """Dutch (B1) summary of the change from the first to the last point of one series.

    Examples: "2016 → 2020: van 29,0% naar 24,3%"; with a division change in between, "(let op: andere
    buurtindeling)" is added; when both ends have a 95% interval, whether the change is clear is added.
    """
    if points.empty:
        return "Geen gegevens voor deze buurt."
    first, last = points.iloc[0], points.iloc[-1]
    if len(points) == 1:
        return f"{first['label']}: {format_value(first['value'], unit, decimals)} (nog maar één meting)"
    text = (f"{first['label']} → {last['label']}: van {format_value(first['value'], unit, decimals)} "
            f"naar {format_value(last['value'], unit, decimals)}")
    if not points["comparable"].iloc[1:].all():
        text += f" ({BOUNDARY_NOTE})"
    verdict = difference_verdict(last["value"], last.get("lower"), last.get("upper"), first["value"],
                                 first.get("lower"), first.get("upper"))
    if verdict == HIGHER:
        text += "; een duidelijke stijging"
    elif verdict == LOWER:
        text += "; een duidelijke daling"
    elif verdict.startswith("niet"):
        text += "; geen duidelijk verschil (binnen de marges)"
    return text
