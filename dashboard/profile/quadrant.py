"""The need x strength quadrant of a gemeente's buurten (mart_buurt_scores) and its text alternative."""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.charts import FONT, HIGHLIGHT, MUTED
from dashboard.core.names import distinct


NEAR_AVERAGE = 0.1  # a side within 0.1 standard deviation of the average buurt is "about as much", not more or less


def compared(score: float, more: str, less: str, near: str) -> str:
    """`near` within NEAR_AVERAGE of 0, else `more` or `less` by its sign (no 'meer' for +0,02)."""
    return near if abs(score) < NEAR_AVERAGE else (more if score > 0 else less)


def _signed(score: float) -> str:
    """'+0,62': a quadrant score with its sign and a Dutch decimal comma."""
    return f"{score:+.2f}".replace(".", ",")


@dataclass(frozen=True)
class Points:
    """The buurten of one area that have both scores, ready to draw (pure data; share it read-only).

    codes, names, hover: lists in the order of `scores`; x, y: float arrays (strength_score, need_score)."""
    codes: list[str]
    names: list[str]
    hover: list[str]
    x: np.ndarray
    y: np.ndarray


def points(scores: pd.DataFrame) -> Points:
    """scores (region_code, name, strength_score, need_score, n_asset, n_problem) -> the Points of its buurten
    with both scores. A gemeente's points are the same for each of its buurten: cache them per area. Read as plain
    lists (table.records): a gemeente has a few dozen buurten, and a dropna and five Series cost more than the
    rest (~1 ms)."""
    from dashboard.profile.table import records
    rows = [r for r in records(scores, ["region_code", "name", "strength_score", "need_score", "n_asset",
                                        "n_problem"])
            if not pd.isna(r["strength_score"]) and not pd.isna(r["need_score"])]
    names = [str(r["name"]) for r in rows]
    hover = [f"<b>{html.escape(name)}</b><br>kracht {_signed(r['strength_score'])} · zorgen "
             f"{_signed(r['need_score'])}<br>op basis van {r['n_asset']} kracht- en {r['n_problem']} zorgcijfers"
             for name, r in zip(names, rows)]
    return Points(codes=[r["region_code"] for r in rows], names=names, hover=hover,
                  x=np.array([r["strength_score"] for r in rows], dtype="float64"),
                  y=np.array([r["need_score"] for r in rows], dtype="float64"))


def quadrant(scores: pd.DataFrame, *, focus: str | None = None, highlight: set[str] | None = None,
             area_name: str = "") -> go.Figure:
    """Need x capacity: strength_score (x) against need_score (y), one dot per buurt.

    scores: region_code, name, strength_score, need_score, n_asset, n_problem. `focus` is drawn large and
    labelled; buurten in `highlight` (e.g. the buurten of a wijk) are coloured, the rest muted.
    """
    return quadrant_of(points(scores), focus=focus, highlight=highlight, area_name=area_name)


def quadrant_of(pts: Points, *, focus: str | None = None, highlight: set[str] | None = None,
                area_name: str = "") -> go.Figure:
    """quadrant() from an area's Points. The figure is written as plain data and handed to plotly without its
    per-property validation (`_validate=False`), which was ~60% of the figure's CPU (~25 -> ~4 ms): every value
    here is a literal or an array of floats, and tests/test_app_profiel.py checks that plotly's validating
    constructor gives the same figure (JSON) for every level."""
    codes = pts.codes
    highlight = set(highlight or codes)
    group = np.array(["focus" if c == focus else "area" if c in highlight else "rest" for c in codes], dtype=object)

    def span(values: np.ndarray) -> list[float]:  # tight around the data, but always showing both sides of 0
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (-1.0, 1.0)
        pad = 0.08 * (max(hi, 1.0) - min(lo, -1.0))
        return [min(lo, -1.0) - pad, max(hi, 1.0) + pad]
    xr, yr = span(pts.x), span(pts.y)
    traces: list[dict] = []
    notes: list[dict] = []
    where = f" in {area_name}" if area_name else ""
    if focus is not None and focus in set(codes):                      # one buurt among its gemeente
        styles = {"area": (MUTED, 8, "Andere buurten" + where), "focus": (HIGHLIGHT, 18, "Deze buurt")}
    elif len(highlight) < len(codes):                                   # a wijk: its buurten among the gemeente
        styles = {"rest": (MUTED, 7, "Andere buurten" + where), "area": ("#0072b2", 10, "Buurten in deze wijk")}
    else:
        styles = {"area": ("#0072b2", 8, "Buurten" + where)}
    for name_of_group in ("rest", "area", "focus"):
        mask = group == name_of_group
        if not mask.any() or name_of_group not in styles:
            continue
        index = np.flatnonzero(mask)
        colour, size, name = styles[name_of_group]
        is_focus = name_of_group == "focus"
        traces.append(dict(
            type="scatter", x=pts.x[index], y=pts.y[index], mode="markers", name=name,
            hovertext=[pts.hover[i] for i in index], hoverinfo="text",
            marker=dict(color=colour, size=size, symbol="diamond" if is_focus else "circle",
                        line=dict(width=1.5 if is_focus else 0.5, color="#1f2328" if is_focus else "white"))))
        if is_focus:
            i = index[0]
            notes.append(dict(x=pts.x[i], y=pts.y[i], text=f"<b>{html.escape(pts.names[i])}</b>",
                              showarrow=True, arrowhead=0, ay=-40,
                              ax=-50 if pts.x[i] > sum(xr) / 2 else 50, bgcolor="white",
                              bordercolor=HIGHLIGHT, borderpad=3, font=dict(size=14, color="#1f2328")))
    axis_line = dict(color="#6b7280", width=1)   # = add_hline(y=0) and add_vline(x=0)
    lines = [dict(type="line", x0=0, x1=1, xref="x domain", y0=0, y1=0, yref="y", line=axis_line),
             dict(type="line", x0=0, x1=0, xref="x", y0=0, y1=1, yref="y domain", line=axis_line)]
    corner = dict(showarrow=False, font=dict(size=12, color="#4b5563"), xref="x", yref="y")
    for x, y, text, xa, ya in ((xr[1], yr[1], "meer kracht,<br>meer zorgen", "right", "top"),
                               (xr[0], yr[1], "minder kracht,<br>meer zorgen", "left", "top"),
                               (xr[1], yr[0], "meer kracht,<br>minder zorgen", "right", "bottom"),
                               (xr[0], yr[0], "minder kracht,<br>minder zorgen", "left", "bottom")):
        notes.append(dict(x=x, y=y, text=text, xanchor=xa, yanchor=ya, align=xa, **corner))
    return go.Figure(data=traces, layout=dict(
        shapes=lines, annotations=notes, height=460, margin=dict(l=10, r=10, t=10, b=10), font=dict(FONT),
        plot_bgcolor="white", separators=",.",   # Dutch ticks: -0,5
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        xaxis=dict(title=dict(text="Kracht → (0 = gemiddelde buurt in Nederland)"), range=xr, zeroline=False,
                   gridcolor="#eef0f2"),
        yaxis=dict(title=dict(text="Zorgen → (0 = gemiddelde buurt)"), range=yr, zeroline=False,
                   gridcolor="#eef0f2")), _validate=False)


def quadrant_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The quadrant as text (WCAG: a text alternative for the chart): every buurt with its two scores, sorted by
    name; buurten with too few figures say so instead of a number."""
    def side(value: float, more: str, less: str) -> str:
        return "te weinig cijfers" if pd.isna(value) else \
            f"{_signed(value)} ({compared(value, more, less, 'ongeveer gemiddeld')})"
    out = pd.DataFrame({
        "Buurt": distinct(scores["name"], scores["region_code"]),   # two buurten of one name: with their codes
        "Kracht (0 = gemiddelde buurt)": [side(v, "meer", "minder") for v in scores["strength_score"]],
        "Zorgen (0 = gemiddelde buurt)": [side(v, "meer", "minder") for v in scores["need_score"]]})
    return out.sort_values("Buurt", kind="stable").reset_index(drop=True)
