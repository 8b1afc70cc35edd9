"""The shapes of a map as GeoJSON, the view that fits them, and the hatching of 'andere indeling'."""
from __future__ import annotations

import json
import math
import urllib.parse

import numpy as np
import pandas as pd
import shapely

from .map_queries import NL, load_shapes

NL_BOUNDS = (3.36, 50.75, 7.23, 53.56)  # west, south, east, north of the Netherlands


class SharedGeoJSON(dict):
    """A GeoJSON dict that Plotly does not deep-copy. Plotly copies every trace property in add_trace and in
    to_dict (which st.plotly_chart calls): for 14,500 buurt shapes that is 5-10 s of copying small lists.
    A map never changes its geojson after building it, so sharing it is safe."""

    def __deepcopy__(self, memo):
        return self


def geojson_for(level: str, area: str, shapes: pd.DataFrame | None = None) -> dict:
    """A FeatureCollection of the shapes in view (feature id = region code); `.texts` keeps each geometry's GeoJSON
    text (region code -> text) for data_url."""
    shapes = load_shapes(level, area) if shapes is None else shapes
    # One json.loads of the joined text is much faster than one per shape.
    body = ",".join(f'{{"type":"Feature","id":{json.dumps(code)},"geometry":{geom}}}'
                    for code, geom in zip(shapes["region_code"], shapes["geometry"]))
    collection = SharedGeoJSON(json.loads(f'{{"type":"FeatureCollection","features":[{body}]}}'))
    collection.texts = dict(zip(shapes["region_code"], shapes["geometry"]))
    return collection


_URL_SAFE = '{}[]":,.-'  # all a GeoJSON of numbers and fixed words needs; anything else is percent-encoded


def data_url(geometries: list[str]) -> str:
    """A FeatureCollection of these GeoJSON geometry texts (feature ids 0, 1, ...) as a `data:` URL. Its features
    leave out `"type":"Feature"` (Plotly reads only `id` and `geometry` and makes its own features for MapLibre).

    A choroplethmap trace whose geojson is a string is fetched and parsed once per page and compared as a string
    when Streamlit hands Plotly the same figure again; a geojson object counts as changed whenever the figure
    object is new (no `datarevision` covers it), and Streamlit makes a fresh copy right after the first plot, so
    the map was parsed, tiled and drawn twice (bench_map.py). A data: URL never leaves the browser."""
    body = ",".join(f'{{"id":{i},"geometry":{g}}}' for i, g in enumerate(geometries))
    return "data:application/json," + urllib.parse.quote(f'{{"type":"FeatureCollection","features":[{body}]}}',
                                                        safe=_URL_SAFE)


def url_collection(url: str) -> dict:
    """The FeatureCollection inside a data_url (for tests and checks)."""
    return json.loads(urllib.parse.unquote(url.split(",", 1)[1]))


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



def dot_grid(geometries: list[dict], spacing: float) -> dict | None:
    """A grid of points inside the shapes (every other row shifted): a MapLibre circle layer that dots a class."""
    if not geometries:
        return None
    region = shapely.union_all(shapely.from_geojson([json.dumps(g) for g in geometries]))
    west, south, east, north = region.bounds
    xs, ys = np.meshgrid(np.arange(west, east + spacing, spacing), np.arange(south, north + spacing, spacing * 0.7))
    xs = xs + (np.arange(len(ys))[:, None] % 2) * spacing / 2
    points = shapely.points(xs.ravel(), ys.ravel())
    inside = points[shapely.contains_xy(region, xs.ravel(), ys.ravel())]
    if not len(inside):
        return None
    grid = shapely.set_precision(shapely.multipoints(inside), 1e-5)
    return SharedGeoJSON(json.loads(shapely.to_geojson(grid)))
