"""Charts (pure: data in, plotly figure or HTML out). Colours are colour-blind safe and never red/green verdicts."""
from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

KRACHT = "#00695c"      # asset lens (dark teal)
ZORGEN = "#5e3c99"      # problem lens (purple): a concern is not an alarm
LENS_COLOUR = {"asset": KRACHT, "problem": ZORGEN, "context": "#4b5563"}
MUTED = "#b8bec6"
HIGHLIGHT = "#d95f02"
# Okabe-Ito, darkened where needed for contrast on white; with a distinct symbol each (not colour alone).
REGION_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7")
REGION_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=14, color="#1f2328")


def percentile_bar_html(share_lower: float | None, colour: str, label: str) -> str:
    """A small horizontal bar: the position of a value among all buurten (0 = lowest, 100 = highest)."""
    if share_lower is None or pd.isna(share_lower):
        return ""
    pos = max(0.0, min(100.0, float(share_lower)))
    text = html.escape(label)
    return (f'<div class="bb-bar" role="img" aria-label="{text}">'
            f'<div class="bb-fill" style="width:{pos:.1f}%;background:{colour}33"></div>'
            f'<div class="bb-mark" style="left:calc({pos:.1f}% - 2px);background:{colour}"></div></div>'
            f'<div class="bb-bartext">{text}</div>')


def quadrant(scores: pd.DataFrame, *, focus: str | None = None, highlight: set[str] | None = None,
             area_name: str = "") -> go.Figure:
    """Need x capacity: strength_score (x) against need_score (y), one dot per buurt.

    scores: region_code, name, strength_score, need_score, n_asset, n_problem. `focus` is drawn large and
    labelled; buurten in `highlight` (e.g. the buurten of a wijk) are coloured, the rest muted.
    """
    data = scores.dropna(subset=["strength_score", "need_score"]).copy()
    highlight = set(highlight or data["region_code"])
    data["group"] = ["focus" if c == focus else "area" if c in highlight else "rest" for c in data["region_code"]]
    fig = go.Figure()
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
        hover = [f"<b>{html.escape(str(r.name))}</b><br>kracht {r.strength_score:+.2f} · zorgen {r.need_score:+.2f}"
                 f"<br>op basis van {r.n_asset} kracht- en {r.n_problem} zorgcijfers" for r in part.itertuples()]
        fig.add_trace(go.Scatter(
            x=part["strength_score"], y=part["need_score"], mode="markers", name=name, hovertext=hover,
            hoverinfo="text", marker=dict(color=colour, size=size, symbol="diamond" if group == "focus" else "circle",
                                          line=dict(width=1.5 if group == "focus" else 0.5,
                                                    color="#1f2328" if group == "focus" else "white"))))
        if group == "focus":
            r = part.iloc[0]
            fig.add_annotation(x=r["strength_score"], y=r["need_score"], text=f"<b>{html.escape(str(r['name']))}</b>",
                               showarrow=True, arrowhead=0, ax=40, ay=-40, bgcolor="white", bordercolor=HIGHLIGHT,
                               borderpad=3, font=dict(size=14, color="#1f2328"))
    def span(col: str) -> list[float]:  # tight around the data, but always showing both sides of 0
        lo, hi = (float(data[col].min()), float(data[col].max())) if len(data) else (-1.0, 1.0)
        pad = 0.08 * (max(hi, 1.0) - min(lo, -1.0))
        return [min(lo, -1.0) - pad, max(hi, 1.0) + pad]
    xr, yr = span("strength_score"), span("need_score")
    fig.add_hline(y=0, line=dict(color="#6b7280", width=1))
    fig.add_vline(x=0, line=dict(color="#6b7280", width=1))
    corner = dict(showarrow=False, font=dict(size=12, color="#4b5563"), xref="x", yref="y")
    for x, y, text, xa, ya in ((xr[1], yr[1], "meer kracht,<br>meer zorgen", "right", "top"),
                               (xr[0], yr[1], "minder kracht,<br>meer zorgen", "left", "top"),
                               (xr[1], yr[0], "meer kracht,<br>minder zorgen", "right", "bottom"),
                               (xr[0], yr[0], "minder kracht,<br>minder zorgen", "left", "bottom")):
        fig.add_annotation(x=x, y=y, text=text, xanchor=xa, yanchor=ya, align=xa, **corner)
    fig.update_layout(
        height=460, margin=dict(l=10, r=10, t=10, b=10), font=FONT, plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        xaxis=dict(title="Kracht → (0 = gemiddelde buurt in Nederland)", range=xr, zeroline=False,
                   gridcolor="#eef0f2"),
        yaxis=dict(title="Zorgen → (0 = gemiddelde buurt)", range=yr, zeroline=False,
                   gridcolor="#eef0f2"))
    return fig


def compare_dumbbell(rows: pd.DataFrame, regions: list[tuple[str, str]], lens: str) -> go.Figure:
    """Per indicator (rows), each chosen region's position among all buurten (0-100), joined by a line.

    rows: indicator_id, label, lens, plus per region code the columns `pos_<code>` (share of buurten with a
    lower value, or NaN) and `text_<code>` (formatted value). regions: [(code, display name)].
    """
    part = rows[rows["lens"] == lens].iloc[::-1]
    fig = go.Figure()
    labels = list(part["label"])
    for label, (_, r) in zip(labels, part.iterrows()):
        xs = [r[f"pos_{c}"] for c, _ in regions if pd.notna(r[f"pos_{c}"])]
        if len(xs) >= 2:
            fig.add_trace(go.Scatter(x=[min(xs), max(xs)], y=[label, label], mode="lines", showlegend=False,
                                     hoverinfo="skip", line=dict(color="#c9ced4", width=4)))
    for i, (code, name) in enumerate(regions):
        fig.add_trace(go.Scatter(
            x=part[f"pos_{code}"], y=labels, mode="markers", name=name,
            marker=dict(color=REGION_COLOURS[i % 4], symbol=REGION_SYMBOLS[i % 4], size=13,
                        line=dict(width=1, color="white")),
            hovertext=[f"{html.escape(name)}: {t}" for t in part[f"text_{code}"]], hoverinfo="text"))
    fig.update_layout(
        height=90 + 34 * max(1, len(labels)), margin=dict(l=10, r=10, t=10, b=10), font=FONT,
        plot_bgcolor="white", legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        xaxis=dict(title="positie tussen alle buurten (0 = laagste waarde, 100 = hoogste)", range=[-2, 102],
                   gridcolor="#eef0f2", tickvals=[0, 25, 50, 75, 100]),
        yaxis=dict(automargin=True, categoryorder="array", categoryarray=labels))
    return fig
