"""Trend panels (pure, no Streamlit): one small line chart per indicator series of a region, with the
reference region, the notes on a changed division or name, the margin verdict and the sources."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.charts import FONT, LENS_COLOUR
from dashboard.core.format import shown_decimals, value_text
from dashboard.stats.charts import REFERENCE
from dashboard.stats.indicator_order import ordered
from dashboard.stats.trend import BOUNDARY_NOTE, change_summary, series_for
from dashboard.stats.uncertainty import NO_MARGIN, NO_VALUE, NOT_DIFFERENT, difference_verdict, error_bar_columns

BOUNDARY_TEXT = "andere {division}: niet zonder meer vergelijkbaar"
DIVISION = {"buurt": "buurtindeling", "wijk": "wijkindeling", "gemeente": "gemeentelijke indeling"}
OWN_LABEL = {"buurt": "Deze buurt", "wijk": "Deze wijk", "gemeente": "Deze gemeente", "land": "Nederland"}


def _verdict_text(verdict: str, period: str, reference: str) -> str | None:
    """'2020: duidelijk hoger dan Utrecht'; None when there is no margin or value to judge by."""
    if verdict in (NO_MARGIN, NO_VALUE):
        return None
    word = "van" if verdict == NOT_DIFFERENT else "dan"
    return f"{period}: {verdict} {word} {reference} (getoetst met de marges)"



@dataclass
class TrendPanel:
    indicator_id: str
    label: str
    lens: str
    unit: str
    modelled: bool
    series: str
    points: pd.DataFrame                 # series_for() points plus error_plus / error_minus / has_margin
    reference: pd.DataFrame | None       # the same series for the reference region (gemeente or Nederland)
    reference_name: str | None
    summary: str
    source: str
    notes: list[str] = field(default_factory=list)
    verdict: str | None = None
    own_label: str = "Deze buurt"
    rounding: float = 0   # catalogue rounding of the counts behind the figure (format.value_text)


def trend_panels(long: pd.DataFrame, catalogue: pd.DataFrame, region_code: str, *,
                 reference_code: str | None = None, reference_name: str | None = None,
                 names: pd.DataFrame | None = None, lenses: Sequence[str] = ("asset", "problem"),
                 level: str = "buurt") -> list[TrendPanel]:
    """One panel per (visible indicator, series) with at least two periods for `region_code`.

    long: mart_indicator_series rows of the region (and of the reference). names: mart_region_names of the region
    (a code whose name changed in a boundary year is flagged). level: of the region; Nederland has no division
    to change. Periods come from the data, so a period added to a table later shows up without a code change.
    """
    cat = ordered(catalogue[~catalogue["hidden"].astype(bool) & catalogue["lens"].isin(list(lenses))])
    renamed = {} if names is None else {int(r.boundary_year): str(r.name) for r in names.itertuples()
                                        if bool(r.name_changed)}
    panels = []
    by_indicator = dict(tuple(long.groupby("indicator_id", sort=False)))
    # series_for costs a few ms of pandas per call: skip indicators with fewer than two periods for this region
    mine = long[(long["region_code"] == region_code) & long["value"].notna()]
    periods = mine.groupby("indicator_id")["period"].nunique()
    for ind in cat.itertuples():
        if periods.get(ind.indicator_id, 0) < 2:
            continue
        rows = by_indicator[ind.indicator_id]
        own = {k: v for k, v in series_for(rows, region_code, ind.indicator_id).items() if len(v) >= 2}
        ref = series_for(rows, reference_code, ind.indicator_id) if reference_code and own else {}
        for series, pts in own.items():
            pts = error_bar_columns(pts)
            if level == "land":
                pts = pts.assign(boundary_changed=False, comparable=True)
            notes = []
            changed = pts.loc[pts["boundary_changed"], "label"].tolist()
            if changed:
                division = DIVISION.get(level, "indeling")
                notes.append(f"Vanaf {', '.join(changed)} {BOUNDARY_TEXT.format(division=division)} met de jaren "
                             "ervoor.")
            for year in sorted({int(y) for y in pts["boundary_year"]}):
                if year in renamed:
                    notes.append(f"In de indeling van {year} had deze code een andere naam (‘{renamed[year]}’): "
                                 "mogelijk een ander gebied.")
            ref_pts = ref.get(series)
            verdict = None
            last = pts.iloc[-1]
            if ref_pts is not None:
                match = ref_pts[ref_pts["period"] == last["period"]]
                if not match.empty:
                    r = match.iloc[0]
                    verdict = _verdict_text(difference_verdict(last["value"], last["lower"], last["upper"],
                                                               r["value"], r["lower"], r["upper"]),
                                            str(last["label"]), str(reference_name))
            unit = "" if ind.unit in ("aantal", "klasse 1-5") else ind.unit
            tables = dict.fromkeys(f"tabel {t} (indeling {int(b)})" for t, b in zip(pts["table_id"],
                                                                                     pts["boundary_year"]))
            panels.append(TrendPanel(
                indicator_id=ind.indicator_id, label=ind.label, lens=ind.lens, unit=ind.unit,
                modelled=bool(ind.modelled), series=str(series), points=pts, reference=ref_pts,
                reference_name=reference_name, summary=_summary(pts, unit, ind.indicator_id),
                source=", ".join(tables), notes=notes, verdict=verdict,
                own_label=OWN_LABEL.get(level, "Deze plek"), rounding=_rounding(ind)))
    return panels


def _rounding(ind) -> float:
    value = getattr(ind, "rounding", 0)
    return 0 if value is None or value != value else float(value)


def hover_texts(points: pd.DataFrame, panel: TrendPanel) -> list[str]:
    """Each point as format.value_text shows it: a rate of rounded counts reads 'ongeveer 29 per 1 000 inwoners
    (14 tot 41)', a rounded 0 '0 tot 15 per 1 000 inwoners (…)', else the value with its unit."""
    cols = [c for c in ("value", "round_lower", "round_upper", "upper") if c in points]
    return [value_text({**dict(zip(cols, values)), "unit": panel.unit, "rounding": panel.rounding,
                        "indicator_id": panel.indicator_id})
            for values in zip(*(points[c].tolist() for c in cols))]


def _summary(pts: pd.DataFrame, unit: str, indicator_id: str) -> str:
    """trend.change_summary without its short boundary note (the panel explains a change of division itself), at
    the indicator's decimals, fewer where a point's rounding interval is wide (format.shown_decimals; one precision
    for both ends of the sentence)."""
    cols = [c for c in ("value", "round_lower", "round_upper") if c in pts]
    shown = [shown_decimals({**dict(zip(cols, values)), "indicator_id": indicator_id})
             for values in zip(*(pts[c].tolist() for c in cols))]
    decimals = min((d for d in shown if d is not None), default=1)
    return change_summary(pts, unit, decimals).replace(f" ({BOUNDARY_NOTE})", "")


# The y-axis of a small trend chart spans at least this much (the unit's scale), around the points and their
# margins: Plotly's own range zoomed into the points, so Veldwijk's (Ermelo) mantelzorg going from 15,5% to 15,3%
# (RIVM estimates, a change well inside their uncertainty) was drawn as a line falling across the whole panel.
MIN_SPAN = {"%": 10.0, "per 1 000 inwoners": 20.0, "km": 1.0}
MIN_SPAN_SHARE = 0.2   # other units: a fifth of the largest value shown


def y_range(panel: TrendPanel) -> list[float] | None:
    """[low, high] of the y-axis: the points, the reference and their error bars, widened about their middle to
    the unit's minimum span; never below 0 for a figure that is not negative, never above 100 for a share."""
    frames = [error_bar_columns(f) for f in (panel.points, panel.reference) if f is not None and len(f)]
    lows = [f["value"] - f["error_minus"].fillna(0) for f in frames]
    highs = [f["value"] + f["error_plus"].fillna(0) for f in frames]
    values = pd.concat(lows + highs).dropna().astype(float)
    if values.empty:
        return None
    low, high = float(values.min()), float(values.max())
    span = MIN_SPAN.get(panel.unit, MIN_SPAN_SHARE * max(abs(low), abs(high)))
    if high - low >= span or span == 0:
        return None   # Plotly's own range already shows the change at its size
    middle = (low + high) / 2
    low, high = middle - span / 2, middle + span / 2
    if low < 0 <= float(values.min()):
        low, high = 0.0, span
    if panel.unit == "%" and high > 100:
        low, high = 100.0 - span, 100.0
    return [low, high]


def _x(labels: pd.Series) -> tuple[list, bool]:
    numeric = labels.astype(str).str.fullmatch(r"\d{4}").all()
    return ([int(v) for v in labels] if numeric else list(labels.astype(str))), bool(numeric)


def trend_figure(panel: TrendPanel) -> go.Figure:
    """Small line chart of one series: points with 95% error bars where the source gives them, a solid line
    between comparable points, a dotted one across a change of buurtindeling, and the reference dashed."""
    colour = LENS_COLOUR.get(panel.lens, "#4b5563")
    pts = panel.points
    xs, numeric = _x(pts["label"])
    fig = go.Figure()
    if panel.reference is not None and len(panel.reference):
        ref = error_bar_columns(panel.reference)
        rx, _ = _x(ref["label"])
        fig.add_trace(go.Scatter(
            x=rx, y=ref["value"], mode="lines+markers", name=str(panel.reference_name),
            line=dict(color=REFERENCE, width=1.5, dash="dash"), marker=dict(size=5, color=REFERENCE),
            error_y=dict(type="data", array=ref["error_plus"], arrayminus=ref["error_minus"], color=REFERENCE,
                         thickness=1, width=3, visible=bool(ref["has_margin"].any())),
            customdata=hover_texts(ref, panel),
            hovertemplate="%{x}: %{customdata}<extra>" + str(panel.reference_name) + "</extra>"))
    values = pts["value"].tolist()
    segments = {True: ([], []), False: ([], [])}  # comparable -> (x, y) with None between segments
    for i in range(1, len(pts)):
        sx, sy = segments[bool(pts["comparable"].iloc[i])]
        sx += [xs[i - 1], xs[i], None]
        sy += [values[i - 1], values[i], None]
    for comparable, (sx, sy) in segments.items():
        if sx:
            fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color=colour, width=2.5, dash="solid" if comparable else "dot")))
    if numeric:
        for i in np.flatnonzero(~pts["comparable"].to_numpy(dtype=bool)):
            fig.add_vline(x=(xs[i - 1] + xs[i]) / 2, line=dict(color="#9ca3af", width=1, dash="dot"),
                          annotation_text="andere indeling", annotation_position="bottom",
                          annotation_font=dict(size=11, color="#4b5563"))
    fig.add_trace(go.Scatter(
        x=xs, y=pts["value"], mode="markers", name=panel.own_label, marker=dict(size=8, color=colour),
        error_y=dict(type="data", array=pts["error_plus"], arrayminus=pts["error_minus"], color=colour,
                     thickness=1.5, width=4, visible=bool(pts["has_margin"].any())),
        customdata=hover_texts(pts, panel),
        hovertemplate="%{x}: %{customdata}<extra>" + panel.own_label.lower() + "</extra>"))
    fig.update_layout(height=230, margin=dict(l=5, r=5, t=28, b=5), font={**FONT, "size": 12}, separators=",.",
                      plot_bgcolor="white", showlegend=panel.reference is not None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=11)),
                      xaxis=dict(gridcolor="#eef0f2", tickvals=xs if numeric else None, tickformat="d"),
                      yaxis=dict(gridcolor="#eef0f2", title=None, range=y_range(panel)))
    return fig
