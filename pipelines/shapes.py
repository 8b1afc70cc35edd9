"""Region shapes from the shipped GeoJSON into rows for the `region_shapes` table (pure apart from reading)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

# (file, level, code property, name property, boundary year, approximate?)
SHAPE_FILES = [
    ("buurten_2024_benadering.geojson", "buurt", "buurtcode", "buurtnaam", 2024, True),
    ("wijken_2024_benadering.geojson", "wijk", "wijkcode", "wijknaam", 2024, True),
    ("gemeenten_2023.geojson", "gemeente", "gemeentecode", "gemeentenaam", 2023, False),
]


def read_shapes(geo_dir: Path) -> pd.DataFrame:
    rows = []
    for fname, level, code_prop, name_prop, year, approximate in SHAPE_FILES:
        path = geo_dir / fname
        if not path.exists():
            continue
        for feat in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = feat["properties"].get(code_prop)
            if not code or not feat.get("geometry") or code == "GM0998":
                continue
            rows.append({"region_code": code, "level": level, "boundary_year": year,
                         "name": feat["properties"].get(name_prop), "approximate": approximate,
                         "geometry": json.dumps(feat["geometry"], separators=(",", ":"))})
    return pd.DataFrame(rows, columns=["region_code", "level", "boundary_year", "name", "approximate", "geometry"])
