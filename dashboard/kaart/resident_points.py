"""What residents name (the Bewonerskaart) as a point layer on the Kaart page.

Points come from assets_views.asset_points (items with coordinates). Items with only a buurt code are put at a
point inside that buurt's (reconstructed) shape and marked 'locatie bij benadering'; so are items whose buurt
was found from their coordinates, because the buurt borders are an approximation. The layer is a Plotly
`Scattermap` with plain circle markers and no text on the map: MapLibre would fetch fonts or icons for
those, and the map must work with no internet (RECIPES.md).
"""
from __future__ import annotations

import hashlib

import pandas as pd
import plotly.graph_objects as go
import shapely

from dashboard.core import db
from dashboard.core.escaping import html_escape

LAYER_META = "bewoners"   # choropleth.selected_region ignores a clicked point of a trace whose meta is no status
COLOUR = "#f76707"        # orange: stands apart from viridis/cividis and the greys of the choropleth
HALO = "#1f2328"
APPROXIMATE = "locatie bij benadering"
WHY = {"coordinates": f"{APPROXIMATE}: de buurt is bepaald uit de coördinaten",
       "buurt": f"{APPROXIMATE}: ergens in deze buurt"}
COLUMNS = ["lon", "lat", "name", "category_label", "buurt_code", "note"]


def _escape(text: object) -> str:
    return html_escape("" if text is None else str(text))


def buurt_anchors(codes: list[str], build_dir=None) -> dict[str, tuple[float, float]]:
    """A point inside each buurt's shape (shapely point_on_surface), by code; codes without a shape are left out."""
    if not codes:
        return {}
    frame = db.query(f"select region_code, geometry from mart_region_shapes where region_code in "
                     f"({','.join('?' * len(codes))})", codes, build_dir=build_dir)
    anchors = {}
    for code, geometry in zip(frame["region_code"], frame["geometry"]):
        if isinstance(geometry, str):
            point = shapely.point_on_surface(shapely.from_geojson(geometry))
            anchors[str(code)] = (point.x, point.y)
    return anchors


def layer_points(area: str | None) -> pd.DataFrame:
    """Every item of the Bewonerskaart in the area (a gemeente code, or None for all of NL) that can be placed.

    Columns: lon, lat, name and category_label (HTML-escaped, for hover text), buurt_code and note (escaped;
    empty or 'locatie bij benadering: …')."""
    from dashboard.bewoners import sections as assets_views

    rows = []
    for a in assets_views.assets_in(area):
        if a.has_coordinates:
            rows.append((a.lon, a.lat, a, WHY["coordinates"] if a.location_approximate else ""))
        else:
            rows.append((None, None, a, WHY["buurt"]))
    anchors = buurt_anchors(sorted({a.buurt_code for lon, _, a, _ in rows if lon is None and a.buurt_code}))
    out = []
    for lon, lat, a, note in rows:
        if lon is None:
            if a.buurt_code not in anchors:
                continue
            lon, lat = anchors[a.buurt_code]
        out.append({"lon": float(lon), "lat": float(lat), "name": _escape(a.name),
                    "category_label": _escape(a.category_label), "buurt_code": a.buurt_code, "note": _escape(note)})
    return pd.DataFrame(out, columns=COLUMNS)


def places(points: pd.DataFrame) -> pd.DataFrame:
    """One row per place on the map: items at the same point (several items in one buurt without their own
    coordinates share its anchor) become one marker, so none hides under another. Columns: lon, lat, title (the
    item's name, or 'N dingen op deze plek') and body (category and note, or every item with its category and
    note on a line of its own); both HTML-escaped already (layer_points)."""
    def item(row, named: bool) -> str:
        note = f" <i>({row.note})</i>" if row.note else ""
        return (f"<b>{row.name}</b> · " if named else "") + f"{row.category_label}{note}"

    rows = []
    for (lon, lat), group in points.groupby([points["lon"].round(6), points["lat"].round(6)], sort=False):
        items = list(group.itertuples())
        if len(items) == 1:
            rows.append((lon, lat, items[0].name, item(items[0], named=False)))
        else:
            rows.append((lon, lat, f"{len(items)} dingen op deze plek",
                         "<br>".join(item(r, named=True) for r in items)))
    return pd.DataFrame(rows, columns=["lon", "lat", "title", "body"])


def halo_trace(spots: pd.DataFrame) -> go.Scattermap:
    """A dark ring under each point (Scattermap markers have no outline), so orange stands out on yellow too."""
    return go.Scattermap(lon=spots["lon"].tolist(), lat=spots["lat"].tolist(), mode="markers", meta=LAYER_META,
                         showlegend=False,
                         hoverinfo="skip", marker=dict(size=17, color=HALO))


def legend_name(n_items: int, n_places: int) -> str:
    """'Door bewoners genoemd: 4', or where items share a place 'Door bewoners genoemd: 4 (op 2 plekken)', so the
    count matches the dots a reader sees."""
    return f"Door bewoners genoemd: {n_items}" + (f" (op {n_places} plekken)" if n_places < n_items else "")


def points_trace(points: pd.DataFrame, spots: pd.DataFrame | None = None) -> go.Scattermap:
    """The layer: one orange circle per place (places()); hover shows each item's name, category and (when so)
    'locatie bij benadering'."""
    spots = places(points) if spots is None else spots
    return go.Scattermap(
        lon=spots["lon"].tolist(), lat=spots["lat"].tolist(), mode="markers", meta=LAYER_META,  # lists: see below
        name=legend_name(len(points), len(spots)), showlegend=True,
        marker=dict(size=13, color=COLOUR, opacity=0.95),
        customdata=list(zip(spots["title"], spots["body"])),
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}"
                      "<br>Bron: Bewonerskaart (ingevuld door bewoners)<extra></extra>")


def with_points(figure: go.Figure, points: pd.DataFrame) -> go.Figure:
    """A new figure with the layer on top; the (cached, shared) map figure itself is not changed. As in
    choropleth.build_figure: plain lists, no template, and a datarevision of its own, so Plotly draws the map once."""
    if points.empty:
        return figure
    spots = places(points)
    shown = go.Figure(data=[*figure.data, halo_trace(spots), points_trace(points, spots)], layout=figure.layout)
    shown.layout.template = None
    digest = hashlib.blake2b(pd.util.hash_pandas_object(points, index=False).to_numpy().tobytes(), digest_size=6)
    shown.layout.datarevision = f"{figure.layout.datarevision}-{digest.hexdigest()}"
    return shown

