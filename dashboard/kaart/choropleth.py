"""The choropleth figure of one indicator (the Kaart page): traces per status class, colour bar, hatching.

Drawn with Plotly's MapLibre `choroplethmap` on map_style "white-bg": no tiles and no CDN, so a map works with
no internet (RECIPES.md). Each status class is its own trace with its own slice of the shapes, so no shape is
sent twice and each legend entry carries its count. A trace's shapes go as one data: URL (map_geometry.data_url),
which Plotly parses once per page and compares as a string, so the map is drawn once, not again when Streamlit
hands Plotly a fresh copy of the same figure. Inside a trace the features get short integer ids (0, 1, ...)
instead of region codes, which saves about 0.4 MB on the all-NL buurt map; a click is mapped back to a region
through the trace's `meta` (its status) and the point index (`selected_region`).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.format import fmt_number

from .colour_classes import STATUS_ORDER, bucket_labels, member_mask, palette, scale_title
from .map_geometry import SharedGeoJSON, data_url, dot_grid, hatch_lines, view_for
from .map_text import row_status_text, status_label

# Fill, edge colour, edge width. Greys only, never a colour of the scale; 'ontbreekt' is white with a dark edge.
# A rounded 0 ('afgerond_nul') is light pink with dark dots (in one gemeente): neither a colour of the viridis or
# cividis scale nor one of the greys, and a pattern, so it is not told by colour alone.
_ROUNDED_FILL, _DOT = "#f3cfe0", "#6b2148"
STATUS_STYLE = {"afgerond_nul": (_ROUNDED_FILL, "#ffffff", 0.6),
                "geheim": ("#d4d4d4", "#ffffff", 0.6), "ontbreekt": ("#ffffff", "#555555", 1.0),
                "andere_indeling": ("#a8a8a8", "#ffffff", 0.6)}
# Plotly draws a choropleth legend swatch as a horizontal gradient of the colour scale (fill only, no edge).
# These scales paint every shape in the fill colour (z = 0.5) but give the swatch an edge ('ontbreekt') or
# stripes ('andere_indeling', like the hatching on the map).
_EDGE, _STRIPE = "#555555", "#666666"
SWATCH_SCALES = {
    "afgerond_nul": [p for i in range(5) for p in ([i / 5, _ROUNDED_FILL], [i / 5 + 0.12, _ROUNDED_FILL],
                                                   [i / 5 + 0.12, _DOT], [i / 5 + 0.16, _DOT],
                                                   [i / 5 + 0.16, _ROUNDED_FILL], [(i + 1) / 5, _ROUNDED_FILL])],
    "geheim": [[0, "#d4d4d4"], [1, "#d4d4d4"]],
    "ontbreekt": [[0, _EDGE], [0.1, _EDGE], [0.1, "#ffffff"], [0.9, "#ffffff"], [0.9, _EDGE], [1, _EDGE]],
    "andere_indeling": [[0, "#a8a8a8"], [0.2, "#a8a8a8"], [0.2, _STRIPE], [0.32, _STRIPE], [0.32, "#a8a8a8"],
                        [0.68, "#a8a8a8"], [0.68, _STRIPE], [0.8, _STRIPE], [0.8, "#a8a8a8"], [1, "#a8a8a8"]],
}
# What Streamlit's theme (streamlit_config.toml) gave the map, set here because the page draws it with theme=None.
THEME = {"font": dict(family='"Source Sans", sans-serif', size=12, color="#808495"), "legend_text": "#262730",
         "hover_edge": "rgba(31, 35, 40, 0.2)"}
HATCH_COLOUR = "#666666"
DOT_COLOUR = _DOT
APPROXIMATE_NOTE = "Grenzen: benadering (nagebouwd), niet de officiële grenzen"


def _stepped(colours: list[str]) -> list:
    """One flat step per bucket (z = bucket, zmin -0.5, zmax k - 0.5)."""
    k = len(colours) or 1
    return [p for i, c in enumerate(colours or ["#ffffff"]) for p in ([i / k, c], [(i + 1) / k, c])]


def hover_parts(texts: list[str]) -> tuple[str, np.ndarray | None, str]:
    """(head, per-shape part or None, foot): what all hover texts share goes into the template once, only what
    differs is sent per shape ('0 tot 1' + '5' + ' per 1 000 inwoners (…)'). On the all-NL
    buurt map this keeps thousands of copies of the same words out of the figure."""
    if len(set(texts)) <= 1:
        return (texts[0] if texts else ""), None, ""
    head = os.path.commonprefix(texts)
    foot = os.path.commonprefix([t[len(head):][::-1] for t in texts])[::-1]
    return head, np.asarray([t[len(head):len(t) - len(foot)] for t in texts], dtype=object), foot


def drawable(frame: pd.DataFrame, geojson: Mapping) -> pd.DataFrame:
    """The rows that have a shape, in trace order (a few current buurten have no reconstructed shape)."""
    return frame[member_mask(frame["region_code"], {f["id"] for f in geojson["features"]})]


def build_figure(frame: pd.DataFrame, geojson: Mapping, indicator: Mapping, *, level: str = "buurt",
                 view: dict | None = None, detail: bool = False, height: int = 620, message: str | None = None,
                 highlight: str | None = None) -> go.Figure:
    """One choroplethmap trace per status class (legend entry with its count) and a stepped colour bar.

    detail: one gemeente is in view, so shapes get white edges and 'andere indeling' is hatched; on a map of
    all of NL edges would only wash out the colours.
    """
    features = {f["id"]: f["geometry"] for f in geojson["features"]}
    rows = drawable(frame, geojson)
    view = view or view_for(None)
    period = str(rows["period"].iloc[0]) if len(rows) else ""
    year = rows["boundary_year"].dropna().astype(int).iloc[0] if rows["boundary_year"].notna().any() else ""
    table = str(rows["table_id"].dropna().iloc[0]) if "table_id" in rows and rows["table_id"].notna().any() else ""
    tail = (f"periode {period}" + (f" · tabel {table}" if table else "") + (f" · indeling {year}" if year else "")
            + (" · geschat met een model" if indicator.get("modelled") else ""))
    k = frame.attrs.get("n_buckets", 0)
    texts = getattr(geojson, "texts", None) or {c: json.dumps(g) for c, g in features.items()}
    fig = go.Figure()
    for status, first, part in trace_parts(rows):
        common = dict(
            # plain lists, not numpy arrays: Plotly.js compares typed arrays (plotly.py sends numpy as base64) as
            # changed on every update even with a datarevision, and then redraws the whole map
            geojson=data_url([texts[c] for c in part["region_code"]]), locations=list(range(len(part))), text=part["name"].to_numpy(dtype=object), meta=status,
            legendgroup=status, showlegend=first,
            name=f"{status_label(status, level, indicator)}: {fmt_number(int((rows['status'] == status).sum()))}")
        if status == "waarde":
            fig.add_trace(go.Choroplethmap(
                **common, z=part["bucket"].astype(int).tolist(), customdata=part["value_text"].to_numpy(dtype=object),
                zmin=-0.5, zmax=k - 0.5, colorscale=_stepped(palette(k, indicator.get("direction", "neutral"))),
                marker=dict(line=dict(color="#ffffff", width=0.5 if detail else 0)),
                hovertemplate=f"<b>%{{text}}</b><br>{indicator['label']}: %{{customdata}}<br>{tail}<extra></extra>",
                colorbar=dict(title=dict(text=scale_title(indicator), side="top", font=dict(size=14)), tickvals=list(range(k)),
                              ticktext=bucket_labels(frame, indicator["unit"]), thickness=16, len=0.55,
                              y=0.98, yanchor="top", x=0.99, xanchor="right", bgcolor="rgba(255,255,255,0.85)",
                              outlinewidth=0)))
        else:
            _, edge, width = STATUS_STYLE[status]
            reasons = part["missing_reason"] if "missing_reason" in part else [None] * len(part)
            said = (list(part["value_text"]) if status == "afgerond_nul" else
                    [row_status_text(status, r, level, year) for r in reasons])
            head, varying, foot = hover_parts(said)
            fig.add_trace(go.Choroplethmap(
                **common, z=[0.5] * len(part), zmin=0, zmax=1, colorscale=SWATCH_SCALES[status],
                showscale=False, customdata=varying,
                marker=dict(line=dict(color=edge, width=width if detail or status == "ontbreekt" else 0)),
                hovertemplate=(f"<b>%{{text}}</b><br>{indicator['label']}: {head}"
                               f"{'%{customdata}' if varying is not None else ''}{foot}<br>{tail}<extra></extra>")))
    layers = []
    gone = [features[c] for c in rows.loc[rows["status"] == "andere_indeling", "region_code"]]
    lines = hatch_lines(gone, spacing=0.15 * 2 ** (11 - view["zoom"]) / 45) if detail else None
    if lines:
        layers.append(dict(sourcetype="geojson", source=lines, type="line", color=HATCH_COLOUR, line=dict(width=1)))
    zeros = [features[c] for c in rows.loc[rows["status"] == "afgerond_nul", "region_code"]]
    dots = dot_grid(zeros, spacing=0.1 * 2 ** (11 - view["zoom"]) / 45) if detail else None
    if dots:
        layers.append(dict(sourcetype="geojson", source=dots, type="circle", color=DOT_COLOUR, circle=dict(radius=1.6)))
    if highlight in features:
        layers.append(dict(sourcetype="geojson", source=SharedGeoJSON(features[highlight]), type="line",
                           color="#111111", line=dict(width=3)))
    notes = [dict(text=APPROXIMATE_NOTE if level != "gemeente" else "Grenzen: gemeenten 2023", x=0.005, y=0.005,
                  xref="paper", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                  font=dict(size=12, color="#333333"), bgcolor="rgba(255,255,255,0.85)")]
    if message:  # on the map itself too, so a screenshot or a shared image never looks like an empty map
        notes.append(dict(text=message.split(". ")[0] + ".", x=0.5, y=0.995, xref="paper", yref="paper",
                          yanchor="top", showarrow=False, font=dict(size=14, color="#1f2328"),
                          bgcolor="rgba(255,255,255,0.92)", borderpad=6, bordercolor="#888888", borderwidth=1))
    fig.update_layout(
        # Drawn once: datarevision and uirevision tell Plotly that a fresh copy of the same figure (Streamlit hands it
        # one right after the first plot) changes neither data nor view, and a click and hover mode of our own keep
        # Streamlit from changing the layout (with the plain lists and data: URLs above, and no template: the page
        # draws the map with theme=None and THEME carries Streamlit's look). Without this the map was tiled and
        # drawn twice (README, "Where the Kaart's browser time goes").
        datarevision=revision(rows, layers), uirevision="kaart", clickmode="event+select", hovermode="closest",
        font=THEME["font"], paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        map=dict(style="white-bg", layers=layers, **view), height=height, margin=dict(l=0, r=0, t=0, b=0, pad=8),
        separators=",.", annotations=notes, dragmode="pan",
        hoverlabel=dict(bgcolor="white", bordercolor=THEME["hover_edge"], font=THEME["font"] | dict(size=14)),
        legend=dict(title=dict(text="Kleur op de kaart", side="top", font=THEME["font"]),
                    font=THEME["font"] | dict(size=13, color=THEME["legend_text"]), x=0.01, y=0.99, xanchor="left",
                    yanchor="top", valign="top", bgcolor="rgba(255,255,255,0.85)", bordercolor="rgba(0,0,0,0)",
                    borderwidth=0, itemclick=False, itemdoubleclick=False))
    fig.layout.template = None  # a template is a new object on every copy, and Plotly then redraws everything
    return fig


def revision(rows: pd.DataFrame, layers: list) -> str:
    """A short digest of what a map shows (areas, classes, texts, extra layers): Plotly's layout.datarevision."""
    digest = hashlib.blake2b(pd.util.hash_pandas_object(
        rows[[c for c in ("region_code", "status", "bucket", "value_text", "missing_reason") if c in rows]],
        index=False).to_numpy().tobytes(), digest_size=8)
    digest.update(repr([(layer["type"], len(str(layer["source"]))) for layer in layers]).encode())
    return digest.hexdigest()


def selected_region(frame: pd.DataFrame, geojson: Mapping, figure: go.Figure, points: list[dict]) -> str | None:
    """The region code of the first clicked point in Streamlit's selection event, or None."""
    parts = [(status, part) for status, _, part in trace_parts(drawable(frame, geojson))]
    for point in points or []:
        curve, index = point.get("curve_number"), point.get("point_index")
        if curve is None or index is None or not 0 <= curve < min(len(figure.data), len(parts)):
            continue
        status, part = parts[curve]
        if figure.data[curve].meta == status and 0 <= index < len(part):
            return str(part["region_code"].iloc[index])
    return None


def trace_parts(rows: pd.DataFrame):
    """(status, first of its status, rows) per trace, in trace order: one trace per status class, and 'ontbreekt'
    split by the source's reason (one hover text per trace, none per shape; the legend entry is on the first)."""
    for status in STATUS_ORDER:
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        if status != "ontbreekt" or "missing_reason" not in part:
            yield status, True, part
            continue
        for i, (_, sub) in enumerate(part.groupby(part["missing_reason"].fillna(""), sort=True)):
            yield status, i == 0, sub

