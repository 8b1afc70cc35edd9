"""Region shapes from the shipped GeoJSON into rows for the `region_shapes` table (pure apart from reading).

Each shape is stored twice, because a map of one gemeente and a map of all of the Netherlands need different
detail (benchmarks/bench_map.py measures both):
  geometry         detail: made valid, rounded to 5 decimals (about 1 m). Drawn when a map shows one gemeente.
  geometry_coarse  simplified per scale (topology-preserving) and rounded to 3 decimals (about 100 m). Drawn for
                   all of NL, where one screen pixel covers several hundred metres; keeps the all-NL buurt map
                   under 3 MB.
The bounding box and the gemeente code let the app send only the shapes in view.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

# (file, level, code property, name property, boundary year, approximate?)
SHAPE_FILES = [
    ("buurten_2024_benadering.geojson", "buurt", "buurtcode", "buurtnaam", 2024, True),
    ("wijken_2024_benadering.geojson", "wijk", "wijkcode", "wijknaam", 2024, True),
    ("gemeenten_2023.geojson", "gemeente", "gemeentecode", "gemeentenaam", 2023, False),
]
COLUMNS = ["region_code", "level", "boundary_year", "name", "approximate", "geometry", "geometry_coarse",
           "gemeente_code", "min_lon", "min_lat", "max_lon", "max_lat"]

DETAIL_TOLERANCE = 0.00005   # degrees, about 4 m: drops only collinear and near-collinear points
DETAIL_DECIMALS = 5
# Coarse tolerance per level in degrees (0.003 is about 200 m east-west, under a pixel (~0.7) of the all-NL map).
COARSE_TOLERANCE = {"buurt": 0.003, "wijk": 0.002, "gemeente": 0.002}
COARSE_DECIMALS = 3


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Valid (Multi)Polygons: repair invalid ones and drop collapsed line or point parts."""
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    return geoms


def simplify(geoms: np.ndarray, tolerance: float, decimals: int) -> np.ndarray:
    """Topology-preserving simplification, then snapping to a grid of `decimals` decimals.

    A shape that the grid would collapse (a tiny buurt at 3 decimals) keeps one more decimal instead, so every
    region stays drawable and valid.
    """
    simple = shapely.simplify(_polygonal(geoms), tolerance, preserve_topology=True)
    out = shapely.set_precision(simple, 10.0 ** -decimals)
    for extra in (1, 2):
        bad = shapely.is_empty(out) | ~shapely.is_valid(out)
        if not bad.any():
            break
        out[bad] = shapely.set_precision(simple[bad], 10.0 ** -(decimals + extra))
    bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    out[bad] = simple[bad]
    return out


def to_geojson_text(geoms: np.ndarray, decimals: int) -> list[str]:
    """GeoJSON geometry text. GEOS writes the nearest binary double in full (6.7270200000000004), so the
    snapped coordinates are written again with `decimals` decimals."""
    long_number = re.compile(r"-?\d+\.\d{%d,}" % (decimals + 1))
    return [long_number.sub(lambda m: repr(round(float(m.group()), decimals)), text)
            for text in shapely.to_geojson(geoms)]


def prepare(features: list[dict], level: str, code_prop: str, name_prop: str, year: int,
            approximate: bool) -> pd.DataFrame:
    """Rows for one level from GeoJSON features (pure)."""
    keep = [f for f in features
            if f.get("geometry") and f["properties"].get(code_prop) and f["properties"][code_prop] != "GM0998"]
    if not keep:
        return pd.DataFrame(columns=COLUMNS)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in keep])
    detail = simplify(geoms, DETAIL_TOLERANCE, DETAIL_DECIMALS)
    coarse = simplify(geoms, COARSE_TOLERANCE[level], COARSE_DECIMALS)
    bounds = shapely.bounds(detail)
    codes = [f["properties"][code_prop] for f in keep]
    return pd.DataFrame({
        "region_code": codes, "level": level, "boundary_year": year,
        "name": [f["properties"].get(name_prop) for f in keep], "approximate": approximate,
        "geometry": to_geojson_text(detail, DETAIL_DECIMALS),
        # a tiny shape may keep up to two decimals more (see simplify)
        "geometry_coarse": to_geojson_text(coarse, COARSE_DECIMALS + 2),
        "gemeente_code": [c if level == "gemeente" else f["properties"].get("gemeentecode")
                          for c, f in zip(codes, keep)],
        "min_lon": bounds[:, 0], "min_lat": bounds[:, 1], "max_lon": bounds[:, 2], "max_lat": bounds[:, 3],
    }, columns=COLUMNS)


def read_shapes(geo_dir: Path) -> pd.DataFrame:
    frames = []
    for fname, level, code_prop, name_prop, year, approximate in SHAPE_FILES:
        path = geo_dir / fname
        if path.exists():
            features = json.loads(path.read_text(encoding="utf-8"))["features"]
            frames.append(prepare(features, level, code_prop, name_prop, year, approximate))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
