"""Choropleth maps of one indicator (the Kaart page). Queries at the top, pure functions below.

Drawn with Plotly's MapLibre `choroplethmap` on map_style "white-bg": no tiles and no CDN, so a map works with
no internet (RECIPES.md). Each status class is its own trace with its own slice of the shapes, so no shape is
sent twice and each legend entry carries its count. Inside a trace the features get short integer ids
(0, 1, ...) instead of region codes, which saves about 0.4 MB on the all-NL buurt map; a click is mapped back
to a region through the trace's `meta` (its status) and the point index (`selected_region`).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

from dashboard.core import db
from dashboard.core.format import fmt_number, fmt_value, is_rounded_zero, rounded_zero_text

LEVELS = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
NL = "NL"
DEFAULT_INDICATOR = "vrijwilligerswerk"
STATUS_ORDER = ["waarde", "geheim", "ontbreekt", "andere_indeling"]
# Fill, edge colour, edge width. Greys only, never a colour of the scale; 'ontbreekt' is white with a dark edge.
STATUS_STYLE = {"geheim": ("#d4d4d4", "#ffffff", 0.6), "ontbreekt": ("#ffffff", "#555555", 1.0),
                "andere_indeling": ("#a8a8a8", "#ffffff", 0.6)}
# Plotly draws a choropleth legend swatch as a horizontal gradient of the colour scale (fill only, no edge).
# These scales paint every shape in the fill colour (z = 0.5) but give the swatch an edge ('ontbreekt') or
# stripes ('andere_indeling', like the hatching on the map).
_EDGE, _STRIPE = "#555555", "#666666"
SWATCH_SCALES = {
    "geheim": [[0, "#d4d4d4"], [1, "#d4d4d4"]],
    "ontbreekt": [[0, _EDGE], [0.1, _EDGE], [0.1, "#ffffff"], [0.9, "#ffffff"], [0.9, _EDGE], [1, _EDGE]],
    "andere_indeling": [[0, "#a8a8a8"], [0.2, "#a8a8a8"], [0.2, _STRIPE], [0.32, _STRIPE], [0.32, "#a8a8a8"],
                        [0.68, "#a8a8a8"], [0.68, _STRIPE], [0.8, _STRIPE], [0.8, "#a8a8a8"], [1, "#a8a8a8"]],
}
HATCH_COLOUR = "#666666"
N_CLASSES = 5
NL_BOUNDS = (3.36, 50.75, 7.23, 53.56)  # west, south, east, north of the Netherlands
APPROXIMATE_NOTE = "Grenzen: benadering (nagebouwd), niet de officiële grenzen"


def status_label(status: str, level: str) -> str:
    other = {"gemeente": "Andere gemeente-indeling"}.get(level, f"Andere {level}indeling")
    return {"waarde": "Met cijfer", "geheim": "Geheim", "ontbreekt": "Geen cijfer",
            "andere_indeling": other}[status]


def status_text(status: str, level: str, year) -> str:
    return {"geheim": "geheim (te weinig mensen of niet betrouwbaar)",
            "ontbreekt": "geen cijfer (de bron heeft hier geen cijfer)",
            "andere_indeling": f"geen cijfer: de bron gebruikt de {level}indeling van {year}, "
                               f"en deze {level} had toen een andere code"}[status]


# --- queries (the only input/output) -------------------------------------------------------------------------

def load_indicators(build_dir: Path | None = None) -> pd.DataFrame:
    return db.query("""select indicator_id, label, unit, direction, modelled, description, lens, rounding
                       from mart_catalogue where not hidden order by label""", build_dir=build_dir)


def load_gemeenten(build_dir: Path | None = None) -> pd.DataFrame:
    return db.query("select region_code, name from mart_regions where level = 'gemeente' order by name",
                    build_dir=build_dir)


def load_values(indicator_id: str, level: str, build_dir: Path | None = None) -> pd.DataFrame:
    """Every region of `level` in NL for one indicator (the reference for the colour classes)."""
    return db.query("""select region_code, name, gemeente_code, period, boundary_year, value, upper, status
                       from mart_map_values where indicator_id = ? and level = ? order by region_code""",
                    [indicator_id, level], build_dir=build_dir)


def load_shapes(level: str, area: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The shapes in view: coarse ones for all of NL; detailed ones in one gemeente (on a gemeente map: the
    gemeente and its neighbours)."""
    cols = "s.region_code, s.name, s.gemeente_code, s.min_lon, s.min_lat, s.max_lon, s.max_lat"
    if area == NL:
        return db.query(f"select {cols}, s.geometry_coarse as geometry from mart_region_shapes s "
                        "where level = ? order by region_code", [level], build_dir=build_dir)
    if level != "gemeente":
        return db.query(f"select {cols}, s.geometry from mart_region_shapes s where level = ? "
                        "and gemeente_code = ? order by region_code", [level, area], build_dir=build_dir)
    return db.query(f"""
        with box as (select *, greatest(max_lon - min_lon, max_lat - min_lat) as pad
                     from mart_region_shapes where region_code = ?)
        select {cols}, s.geometry from mart_region_shapes s, box b
        where s.level = 'gemeente' and s.max_lon >= b.min_lon - b.pad and s.min_lon <= b.max_lon + b.pad
          and s.max_lat >= b.min_lat - b.pad / 2 and s.min_lat <= b.max_lat + b.pad / 2
        order by s.region_code""", [area], build_dir=build_dir)


# --- shapes ----------------------------------------------------------------------------------------------------

class SharedGeoJSON(dict):
    """A GeoJSON dict that Plotly does not deep-copy. Plotly copies every trace property in add_trace and in
    to_dict (which st.plotly_chart calls): for 14,500 buurt shapes that is 5-10 s of copying small lists.
    A map never changes its geojson after building it, so sharing it is safe."""

    def __deepcopy__(self, memo):
        return self


def geojson_for(level: str, area: str, shapes: pd.DataFrame | None = None) -> dict:
    """A FeatureCollection of the shapes in view (feature id = region code)."""
    shapes = load_shapes(level, area) if shapes is None else shapes
    # One json.loads of the joined text is much faster than one per shape.
    body = ",".join(f'{{"type":"Feature","id":{json.dumps(code)},"geometry":{geom}}}'
                    for code, geom in zip(shapes["region_code"], shapes["geometry"]))
    return SharedGeoJSON(json.loads(f'{{"type":"FeatureCollection","features":[{body}]}}'))


def area_bounds(shapes: pd.DataFrame, area: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) to fit: the gemeente with room for its neighbours on a gemeente map, else
    all shapes in view; None (all of NL) for NL."""
    if area == NL or shapes.empty:
        return None
    own = shapes[shapes["region_code"] == area]
    box = own if len(own) else shapes
    west, south, east, north = box["min_lon"].min(), box["min_lat"].min(), box["max_lon"].max(), box["max_lat"].max()
    pad = 0.45 * max(east - west, north - south) if len(own) else 0.0
    return (west - pad, south - pad / 2, east + pad, north + pad / 2)


def view_for(bounds: tuple[float, float, float, float] | None, width: int = 700, height: int = 600) -> dict:
    """Center and zoom that fit lon/lat bounds in a map of width x height pixels (MapLibre, 512 px tiles)."""
    west, south, east, north = (float(b) for b in bounds or NL_BOUNDS)
    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    zoom_x = math.log2(width * 360 / (512 * max(east - west, 1e-4)))
    zoom_y = math.log2(height * 2 * math.pi / (512 * max(merc(north) - merc(south), 1e-6)))
    return {"center": {"lat": (south + north) / 2, "lon": (west + east) / 2},
            "zoom": round(min(zoom_x, zoom_y) - 0.25, 2)}


def hatch_lines(geometries: list[dict], spacing: float) -> dict | None:
    """Diagonal lines clipped to the shapes: a MapLibre line layer that makes 'andere indeling' hatched."""
    if not geometries:
        return None
    region = shapely.union_all(shapely.from_geojson([json.dumps(g) for g in geometries]))
    west, south, east, north = region.bounds
    height = north - south
    starts = np.arange(west - height, east + spacing, spacing)
    lines = shapely.multilinestrings([[(x, south), (x + height, north)] for x in starts])
    clipped = shapely.set_precision(shapely.intersection(lines, region), 1e-5)
    return None if clipped.is_empty else SharedGeoJSON(json.loads(shapely.to_geojson(clipped)))


# --- values and colours ----------------------------------------------------------------------------------------

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
    frame = (values if codes is None else values[_member(values["region_code"], set(codes))]).copy()
    reference = frame if relative_to_view else values
    edges, discrete = class_edges(reference.loc[reference["status"] == "waarde", "value"], n_classes)
    k = len(edges) if discrete else len(edges) - 1
    has_value = frame["status"].eq("waarde") & frame["value"].notna()
    frame.loc[frame["status"].eq("waarde") & ~has_value, "status"] = "ontbreekt"
    value = frame["value"].where(has_value)
    if discrete:
        raw = value.map({e: i for i, e in enumerate(edges)})
    else:
        raw = pd.Series(np.searchsorted(np.asarray(edges[1:-1]), value.to_numpy(), side="right"),
                        index=frame.index, dtype="float64").where(has_value).clip(upper=k - 1)
    flip = indicator.get("direction") == "lower_is_better"
    frame["bucket"] = ((k - 1 - raw) if flip else raw).astype("Int64")
    frame["value_text"] = [(rounded_zero_text({"value": v, "rounding": indicator.get("rounding"), "upper": u,
                                               "unit": indicator["unit"]})
                            if is_rounded_zero({"value": v, "rounding": indicator.get("rounding")})
                            else fmt_value(v, indicator["unit"])) if ok else ""
                           for v, u, ok in zip(frame["value"], frame.get("upper", frame["value"] * np.nan), has_value)]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    frame = (frame.assign(_o=frame["status"].map(order)).sort_values(["_o", "region_code"], kind="stable")
             .drop(columns="_o").reset_index(drop=True))
    frame.attrs.update(edges=edges, n_buckets=max(k, 0), discrete=discrete, flip=flip)
    return frame


def bucket_labels(frame: pd.DataFrame, unit: str) -> list[str]:
    """Text per bucket (list index = bucket), e.g. '12,0 – 15,3%'."""
    edges, flip = frame.attrs["edges"], frame.attrs["flip"]
    if frame.attrs["discrete"]:
        labels = [fmt_value(e, unit) for e in edges]
    else:
        labels = [f"{fmt_value(lo, unit)} – {fmt_value(hi, unit)}".replace("% –", " –").replace(f" {unit} –", " –")
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
    if indicator.get("direction") == "neutral":
        return "donkerder = hoger<br>(geen oordeel)"
    return "donkerder = gunstiger"


def _stepped(colours: list[str]) -> list:
    """One flat step per bucket (z = bucket, zmin -0.5, zmax k - 0.5)."""
    k = len(colours) or 1
    return [p for i, c in enumerate(colours or ["#ffffff"]) for p in ([i / k, c], [(i + 1) / k, c])]


# --- figure ----------------------------------------------------------------------------------------------------

def _member(codes: pd.Series, allowed: set) -> np.ndarray:
    # Series.isin on pyarrow strings is slow (0.5 s for 14,500 codes); a set lookup takes milliseconds.
    return np.fromiter((c in allowed for c in codes), dtype=bool, count=len(codes))


def drawable(frame: pd.DataFrame, geojson: Mapping) -> pd.DataFrame:
    """The rows that have a shape, in trace order (a few current buurten have no reconstructed shape)."""
    return frame[_member(frame["region_code"], {f["id"] for f in geojson["features"]})]


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
    tail = f"periode {period}" + (" · geschat met een model" if indicator.get("modelled") else "")
    k = frame.attrs.get("n_buckets", 0)
    fig = go.Figure()
    for status in STATUS_ORDER:
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        common = dict(
            geojson=SharedGeoJSON(type="FeatureCollection",
                                  features=[{"id": i, "geometry": features[c]} for i, c in enumerate(part["region_code"])]),
            locations=np.arange(len(part)), text=part["name"].to_numpy(dtype=object), meta=status,
            showlegend=True, name=f"{status_label(status, level)}: {fmt_number(len(part))}")
        if status == "waarde":
            fig.add_trace(go.Choroplethmap(
                **common, z=part["bucket"].to_numpy(dtype="int8"), customdata=part["value_text"].to_numpy(dtype=object),
                zmin=-0.5, zmax=k - 0.5, colorscale=_stepped(palette(k, indicator.get("direction", "neutral"))),
                marker=dict(line=dict(color="#ffffff", width=0.5 if detail else 0)),
                hovertemplate=f"<b>%{{text}}</b><br>{indicator['label']}: %{{customdata}}<br>{tail}<extra></extra>",
                colorbar=dict(title=dict(text=scale_title(indicator), side="top"), tickvals=list(range(k)),
                              ticktext=bucket_labels(frame, indicator["unit"]), thickness=16, len=0.55,
                              y=0.98, yanchor="top", x=0.99, xanchor="right", bgcolor="rgba(255,255,255,0.85)",
                              outlinewidth=0)))
        else:
            _, edge, width = STATUS_STYLE[status]
            fig.add_trace(go.Choroplethmap(
                **common, z=np.full(len(part), 0.5), zmin=0, zmax=1, colorscale=SWATCH_SCALES[status],
                showscale=False,
                marker=dict(line=dict(color=edge, width=width if detail or status == "ontbreekt" else 0)),
                hovertemplate=(f"<b>%{{text}}</b><br>{indicator['label']}: {status_text(status, level, year)}"
                               f"<br>{tail}<extra></extra>")))
    layers = []
    gone = [features[c] for c in rows.loc[rows["status"] == "andere_indeling", "region_code"]]
    lines = hatch_lines(gone, spacing=0.15 * 2 ** (11 - view["zoom"]) / 45) if detail else None
    if lines:
        layers.append(dict(sourcetype="geojson", source=lines, type="line", color=HATCH_COLOUR, line=dict(width=1)))
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
        map=dict(style="white-bg", layers=layers, **view), height=height, margin=dict(l=0, r=0, t=0, b=0),
        separators=",.", annotations=notes, dragmode="pan", hoverlabel=dict(bgcolor="white", font_size=14),
        legend=dict(title=dict(text="Kleur op de kaart"), font=dict(size=13), x=0.01, y=0.99, xanchor="left", yanchor="top",
                    bgcolor="rgba(255,255,255,0.85)", itemclick=False, itemdoubleclick=False))
    return fig


def selected_region(frame: pd.DataFrame, geojson: Mapping, figure: go.Figure, points: list[dict]) -> str | None:
    """The region code of the first clicked point in Streamlit's selection event, or None."""
    rows = drawable(frame, geojson)
    for point in points or []:
        curve, index = point.get("curve_number"), point.get("point_index")
        if curve is None or index is None or not 0 <= curve < len(figure.data):
            continue
        part = rows[rows["status"] == figure.data[curve].meta]
        if 0 <= index < len(part):
            return str(part["region_code"].iloc[index])
    return None


# --- page text and URL -----------------------------------------------------------------------------------------

def url_choice(params: Mapping, indicators: Iterable[str], areas: Iterable[str]) -> dict:
    """indicator, schaal and gebied from the URL; a ?regio= alone opens the map around that region."""
    indicators, areas = list(indicators), set(areas)
    regio = str(params.get("regio") or "").strip().upper()
    regio_level = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(regio[:2])
    indicator = params.get("indicator")
    schaal = params.get("schaal")
    gebied = str(params.get("gebied") or "").strip().upper()
    return {"indicator": indicator if indicator in indicators else
            (DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else indicators[0]),
            "schaal": schaal if schaal in LEVELS else (regio_level or "gemeente"),
            "gebied": gebied if gebied in areas else
            ("GM" + regio[2:6] if regio_level and "GM" + regio[2:6] in areas else NL)}


def no_values_message(frame: pd.DataFrame, indicator: Mapping, level: str) -> str:
    counts = frame["status"].value_counts()
    main = counts.index[0] if len(counts) else "ontbreekt"
    year = frame["boundary_year"].dropna().astype(int).iloc[0] if frame["boundary_year"].notna().any() else ""
    why = {"andere_indeling": f"De bron gebruikt de {level}indeling van {year}. Die {LEVELS[level]} hadden "
                              "toen andere codes. Kies een hoger niveau of een ander onderwerp.",
           "geheim": "De cijfers zijn geheim: te weinig mensen of niet betrouwbaar.",
           "ontbreekt": "De bron heeft hier geen cijfers."}.get(main, "")
    return f"Geen cijfers voor ‘{indicator['label']}’ in dit gebied op {level}niveau. {why}"


def legend_explanation(frame: pd.DataFrame, level: str, detail: bool = True) -> str:
    """The caption under the map: what the grey shapes mean (only those on this map), and the approximation."""
    year = frame["boundary_year"].dropna().astype(int).iloc[0] if frame["boundary_year"].notna().any() else ""
    present = set(frame["status"])
    parts = {"geheim": "Lichtgrijs = geheim (te weinig mensen of niet betrouwbaar).",
             "ontbreekt": "Wit met rand = geen cijfer.",
             "andere_indeling": f"{'Gearceerd grijs' if detail else 'Grijs'} = andere {level}indeling: de bron gebruikt de indeling van "
                                f"{year}, deze {LEVELS[level]} hadden toen een andere code."}
    text = [parts[s] for s in STATUS_ORDER if s in present and s in parts]
    if level != "gemeente":
        text.append("De grenzen van wijken en buurten zijn een benadering (nagebouwd), niet de officiële grenzen.")
    return " ".join(text + ["Klik op een gebied om het profiel te openen."])
