"""The need x strength quadrant of a gemeente's buurten (mart_buurt_scores) and its text alternative."""
from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.charts import FONT, HIGHLIGHT, MUTED


def _signed(score: float) -> str:
    """'+0,62': a quadrant score with its sign and a Dutch decimal comma."""
    return f"{score:+.2f}".replace(".", ",")


def quadrant(scores: pd.DataFrame, *, focus: str | None = None, highlight: set[str] | None = None,
             area_name: str = "") -> go.Figure:
    """Need x capacity: strength_score (x) against need_score (y), one dot per buurt.

    scores: region_code, name, strength_score, need_score, n_asset, n_problem. `focus` is drawn large and
    labelled; buurten in `highlight` (e.g. the buurten of a wijk) are coloured, the rest muted.
    """
    data = scores.dropna(subset=["strength_score", "need_score"]).copy()
    highlight = set(highlight or data["region_code"])
    data["group"] = ["focus" if c == focus else "area" if c in highlight else "rest" for c in data["region_code"]]

    def span(col: str) -> list[float]:  # tight around the data, but always showing both sides of 0
        lo, hi = (float(data[col].min()), float(data[col].max())) if len(data) else (-1.0, 1.0)
        pad = 0.08 * (max(hi, 1.0) - min(lo, -1.0))
        return [min(lo, -1.0) - pad, max(hi, 1.0) + pad]
    xr, yr = span("strength_score"), span("need_score")
    traces: list[go.Scatter] = []
    notes: list[dict] = []   # traces, annotations and lines go into one go.Figure(data, layout): add_trace and
    # update_layout validate again and dispatch change callbacks (about a third of the figure's time)
    where = f" in {area_name}" if area_name else ""
    if focus is not None and focus in set(data["region_code"]):      # one buurt among its gemeente
        styles = {"area": (MUTED, 8, "Andere buurten" + where), "focus": (HIGHLIGHT, 18, "Deze buurt")}
    elif len(highlight) < len(data):                                  # a wijk: its buurten among the gemeente
        styles = {"rest": (MUTED, 7, "Andere buurten" + where), "area": ("#0072b2", 10, "Buurten in deze wijk")}
    else:
        styles = {"area": ("#0072b2", 8, "Buurten" + where)}
    for group in ("rest", "area", "focus"):
        part = data[data["group"] == group]
        if part.empty or group not in styles:
            continue
        colour, size, name = styles[group]
        hover = [f"<b>{html.escape(str(r.name))}</b><br>kracht {_signed(r.strength_score)} · "
                 f"zorgen {_signed(r.need_score)}<br>op basis van {r.n_asset} kracht- en {r.n_problem} zorgcijfers"
                 for r in part.itertuples()]
        traces.append(go.Scatter(   # numpy arrays: plotly takes them as they are (a Series is inspected first)
            x=part["strength_score"].to_numpy(), y=part["need_score"].to_numpy(), mode="markers", name=name, hovertext=hover,
            hoverinfo="text", marker=dict(color=colour, size=size, symbol="diamond" if group == "focus" else "circle",
                                          line=dict(width=1.5 if group == "focus" else 0.5,
                                                    color="#1f2328" if group == "focus" else "white"))))
        if group == "focus":
            r = part.iloc[0]
            notes.append(dict(x=r["strength_score"], y=r["need_score"], text=f"<b>{html.escape(str(r['name']))}</b>",
                              showarrow=True, arrowhead=0, ay=-40,
                              ax=-50 if r["strength_score"] > sum(xr) / 2 else 50, bgcolor="white",
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
        shapes=lines, annotations=notes, height=460, margin=dict(l=10, r=10, t=10, b=10), font=FONT, plot_bgcolor="white",
        separators=",.",   # Dutch ticks: -0,5
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        xaxis=dict(title="Kracht → (0 = gemiddelde buurt in Nederland)", range=xr, zeroline=False,
                   gridcolor="#eef0f2"),
        yaxis=dict(title="Zorgen → (0 = gemiddelde buurt)", range=yr, zeroline=False,
                   gridcolor="#eef0f2")))


def quadrant_table(scores: pd.DataFrame) -> pd.DataFrame:
    """The quadrant as text (WCAG: a text alternative for the chart): every buurt with its two scores, sorted by
    name; buurten with too few figures say so instead of a number."""
    def side(value: float, more: str, less: str) -> str:
        return "te weinig cijfers" if pd.isna(value) else f"{_signed(value)} ({more if value >= 0 else less})"
    out = pd.DataFrame({
        "Buurt": scores["name"].astype(str),
        "Kracht (0 = gemiddelde buurt)": [side(v, "meer", "minder") for v in scores["strength_score"]],
        "Zorgen (0 = gemiddelde buurt)": [side(v, "meer", "minder") for v in scores["need_score"]]})
    return out.sort_values("Buurt", kind="stable").reset_index(drop=True)
