"""pipelines.shapes: detail and coarse shapes per scale in the real release, and prepare() on small input."""
from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from pipelines.shapes import COARSE_TOLERANCE, prepare

CONTRACT = ["region_code", "level", "boundary_year", "name", "approximate", "geometry", "geometry_coarse",
            "gemeente_code", "min_lon", "min_lat", "max_lon", "max_lat"]


@pytest.fixture(scope="module")
def shapes(release_path):
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as con:
        return con.execute("select * from mart_region_shapes").fetchdf()


def test_mart_region_shapes_contract(shapes):
    assert list(shapes.columns) == CONTRACT
    assert shapes.groupby("level").size().to_dict() == {"buurt": 14566, "gemeente": 342, "wijk": 3393}
    assert shapes.loc[shapes["level"] != "gemeente", "approximate"].all()


def test_almost_every_current_region_has_a_shape(con):
    missing = con.execute("""select r.level, count(*) from int_current_regions r
                             anti join mart_region_shapes s using (region_code)
                             where r.level <> 'land' group by all""").fetchall()
    assert sum(n for _, n in missing) < 20        # 8 current buurten lack a reconstructed shape


@pytest.mark.parametrize("level", ["buurt", "wijk", "gemeente"])
def test_detail_and_coarse_are_valid_and_coarse_is_smaller(shapes, level):
    part = shapes[shapes["level"] == level]
    detail = shapely.from_geojson(part["geometry"].to_numpy())
    coarse = shapely.from_geojson(part["geometry_coarse"].to_numpy())
    for geoms in (detail, coarse):
        assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
        assert set(shapely.get_type_id(geoms)) <= {3, 6}                   # Polygon, MultiPolygon
    assert part["geometry_coarse"].str.len().sum() < 0.7 * part["geometry"].str.len().sum()
    assert shapely.get_num_coordinates(coarse).sum() < shapely.get_num_coordinates(detail).sum()
    # simplified, not distorted at the all-NL zoom, where one pixel is about 0.009 degrees: outlines move by
    # less than a pixel (spikes narrower than the 3-decimal grid may go), and cover nearly the same ground
    plain = (shapely.get_type_id(detail) == 3) & (shapely.get_num_interior_rings(detail) == 0)
    moved_edge = shapely.hausdorff_distance(detail[plain], coarse[plain])
    assert np.quantile(moved_edge, 0.95) < 2 * COARSE_TOLERANCE[level] < 0.009
    moved = shapely.area(shapely.symmetric_difference(detail, coarse))
    assert moved.sum() / shapely.area(detail).sum() < 0.15


def test_coordinates_are_rounded(shapes):
    def decimals(text):
        return max(len(d) for d in re.findall(r"\.(\d+)", text))
    buurt = shapes[shapes["level"] == "buurt"]
    assert buurt["geometry"].map(decimals).max() <= 5
    coarse = buurt["geometry_coarse"].map(decimals)
    assert coarse.max() <= 5 and (coarse <= 3).mean() > 0.99     # a handful of tiny buurten keep a decimal more


def test_gemeente_code_and_bounding_box(shapes):
    buurt = shapes[shapes["level"] == "buurt"]
    assert (buurt["gemeente_code"] == "GM" + buurt["region_code"].str[2:6]).mean() > 0.99
    bounds = shapely.bounds(shapely.from_geojson(buurt["geometry"].to_numpy()))
    box = buurt[["min_lon", "min_lat", "max_lon", "max_lat"]].to_numpy()
    assert np.allclose(bounds, box)
    assert buurt["min_lon"].between(3.2, 7.3).all() and buurt["min_lat"].between(50.7, 53.6).all()


def test_prepare_repairs_skips_and_keeps_tiny_shapes():
    bow_tie = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.01, 52.01], [5.01, 52.0], [5.0, 52.01],
                                                   [5.0, 52.0]]]}
    tiny = {"type": "Polygon", "coordinates": [[[5.1, 52.1], [5.1003, 52.1], [5.1003, 52.1002], [5.1, 52.1]]]}
    features = [
        {"properties": {"buurtcode": "BU00010001", "buurtnaam": "Strik", "gemeentecode": "GM0001"}, "geometry": bow_tie},
        {"properties": {"buurtcode": "BU00010002", "buurtnaam": "Klein", "gemeentecode": "GM0001"}, "geometry": tiny},
        {"properties": {"buurtcode": "BU00010003", "buurtnaam": "Leeg"}, "geometry": None},
        {"properties": {"buurtcode": "GM0998", "buurtnaam": "Buitenland"}, "geometry": tiny},
    ]
    rows = prepare(features, "buurt", "buurtcode", "buurtnaam", 2024, True)
    assert list(rows["region_code"]) == ["BU00010001", "BU00010002"]
    for column in ("geometry", "geometry_coarse"):
        geoms = shapely.from_geojson(rows[column].to_numpy())
        assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    assert list(rows["gemeente_code"]) == ["GM0001", "GM0001"]
