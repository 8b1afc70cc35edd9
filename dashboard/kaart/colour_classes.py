"""A map's colour classes: the buckets of the values in view, their labels and the colour-blind safe palette."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from dashboard.core.counts import count_rounding, count_text, level_of
from dashboard.core.format import declared_decimals, fmt_value, is_rounded_zero, rounded_zero_counts, value_text


# 'afgerond_nul': a rate whose count CBS rounded to 0 (0 tot 4 uitkeringen). It is not an exact 0, so it gets
# its own class instead of the lowest (for a problem measure: the most favourable) colour, and it takes no part in
# the class breaks: counting those areas as zeros would pull the lowest edge down to 0 and call them 'lowest'.
STATUS_ORDER = ["waarde", "afgerond_nul", "geheim", "ontbreekt", "andere_indeling"]
N_CLASSES = 5


def class_edges(values: Iterable[float], n_classes: int = N_CLASSES) -> tuple[list[float], bool]:
    """(edges, discrete). Up to `n_classes` equally full classes (quantile edges); a measure with few distinct
    values (a 1-5 class) is discrete: one class per value, the edges are the values."""
    v = pd.Series(values, dtype="float64").dropna().to_numpy()
    distinct = np.unique(v)
    if distinct.size <= n_classes:
        return list(distinct), True
    return list(np.unique(np.quantile(v, np.linspace(0, 1, n_classes + 1)))), False


def map_frame(values: pd.DataFrame, indicator: Mapping, codes: Iterable[str] | None = None, *,
              relative_to_view: bool = False, n_classes: int = N_CLASSES) -> pd.DataFrame:
    """One row per region in view with status, value_text and colour `bucket`.

    bucket runs 0 .. n-1 and the highest bucket gets the darkest colour: the most favourable values by the
    indicator's direction, or for a neutral indicator the highest values. Classes come from all regions of the
    level in NL, so a colour means the same in every gemeente, unless `relative_to_view`.
    """
    frame = (values if codes is None else values[member_mask(values["region_code"], set(codes))]).copy()
    reference = frame if relative_to_view else values
    classed = reference["status"].eq("waarde") & ~rounded_zero_mask(reference, indicator)
    edges, discrete = class_edges(reference.loc[classed, "value"], n_classes)
    k = len(edges) if discrete else len(edges) - 1
    shown = frame["status"].eq("waarde") & frame["value"].notna()
    frame.loc[frame["status"].eq("waarde") & ~shown, "status"] = "ontbreekt"
    frame.loc[shown & rounded_zero_mask(frame, indicator), "status"] = "afgerond_nul"
    has_value = frame["status"].eq("waarde")
    value = frame["value"].where(has_value)
    if discrete:
        raw = value.map({e: i for i, e in enumerate(edges)})
    else:
        raw = pd.Series(np.searchsorted(np.asarray(edges[1:-1]), value.to_numpy(), side="right"),
                        index=frame.index, dtype="float64").where(has_value).clip(upper=k - 1)
    flip = indicator.get("direction") == "lower_is_better"
    frame["bucket"] = ((k - 1 - raw) if flip else raw).astype("Int64")
    # format.value_text, the one formatter of a shown figure: '0 tot 15 per 1 000 inwoners (… 0 tot 4)' for a rounded
    # 0, 'ongeveer 29 per 1 000 inwoners (14 tot 41)' where the counts CBS rounded leave a wide interval
    # (a count CBS rounds, inwoners of a wijk or buurt to 5, through counts.count_text: 'ongeveer 5 (3 tot 7)')
    nan = frame["value"] * np.nan
    rounding, unit = indicator.get("rounding"), indicator["unit"]
    indicator_id = str(indicator.get("id") or indicator.get("indicator_id") or "")
    counted = indicator_id if count_rounding(indicator_id) else ""

    def text(v, lo, hi, code, ok, zero) -> str:
        if counted and ok:
            return count_text(v, counted, level_of(code))
        if ok or zero:
            return value_text({"value": v, "unit": unit, "rounding": rounding, "round_lower": lo, "round_upper": hi,
                               "indicator_id": indicator_id})
        return ""
    frame["value_text"] = [text(*row) for row in zip(frame["value"], frame.get("round_lower", nan),
                                                     frame.get("round_upper", nan), frame["region_code"], has_value,
                                                     frame["status"].eq("afgerond_nul"))]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    frame = (frame.assign(_o=frame["status"].map(order)).sort_values(["_o", "region_code"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    frame.attrs.update(edges=edges, n_buckets=max(k, 0), discrete=discrete, flip=flip,
                       decimals=declared_decimals({"indicator_id": indicator_id}))
    return frame


def rounded_zero_mask(frame: pd.DataFrame, indicator: Mapping) -> pd.Series:
    """Rows whose value is a rate computed from a count that CBS rounded to 0 (format.is_rounded_zero)."""
    if not is_rounded_zero({"value": 0, "rounding": indicator.get("rounding")}):
        return pd.Series(False, index=frame.index)
    return frame["value"].eq(0).fillna(False).astype(bool)


def rounded_zero_range(indicator: Mapping) -> str:
    """'0 tot 4' for an indicator whose counts CBS rounds to tens (format.rounded_zero_counts)."""
    return rounded_zero_counts(indicator.get("rounding"))


# Units short enough to repeat on every class of the colour bar; a longer one ('per 1 000 inwoners') is named once,
# in its title (scale_title): on a phone the bar's labels with it covered half the map.
SHORT_UNITS = ("%", "km", "aantal", "klasse 1-5")


def bucket_labels(frame: pd.DataFrame, unit: str) -> list[str]:
    """Text per bucket (list index = bucket), e.g. '12,0 – 15,3%', at the indicator's decimals ('50 – 62%'
    koopwoningen; map_frame's attrs). A long unit is left to the bar's title: '1,7 – 6,6'."""
    edges, flip, d = frame.attrs["edges"], frame.attrs["flip"], frame.attrs.get("decimals")
    if unit not in SHORT_UNITS:
        unit = "aantal"   # the number alone (fmt_value writes no unit for 'aantal')
    if frame.attrs["discrete"]:
        labels = [fmt_value(e, unit, d) for e in edges]
    else:
        labels = [f"{fmt_value(lo, unit, d)} – {fmt_value(hi, unit, d)}".replace("% –", " –")
                  .replace(f" {unit} –", " –")
                  for lo, hi in zip(edges[:-1], edges[1:])]
    return labels[::-1] if flip else labels


def palette(k: int, direction: str) -> list[str]:
    """k colours from light to dark: viridis for good/bad measures, cividis for neutral context. Both are
    colour-blind safe and keep their order in grey; no red-green."""
    if k <= 0:
        return []
    scale = "Cividis" if direction == "neutral" else "Viridis"
    return sample_colorscale(scale, list(np.linspace(0.98, 0.0, k)) if k > 1 else [0.45])


def scale_title(indicator: Mapping) -> str:
    """'donkerder = gunstiger', after the unit when the class labels leave it out ('per 1 000 inwoners<br>…')."""
    unit = str(indicator.get("unit") or "")
    head = f"{unit}<br>" if unit and unit not in SHORT_UNITS else ""
    if indicator.get("direction") == "neutral":
        return head + "donkerder = hoger<br>(geen oordeel)"
    return head + "donkerder = gunstiger"


def member_mask(codes: pd.Series, allowed: set) -> np.ndarray:
    # Series.isin on pyarrow strings is slow (0.5 s for 14,500 codes); a set lookup takes milliseconds.
    return np.fromiter((c in allowed for c in codes), dtype=bool, count=len(codes))

