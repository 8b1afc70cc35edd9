"""BuurtLocator on the shipped (approximate, reconstructed) 2024 buurt shapes."""
from __future__ import annotations

from dashboard.bewoners.geo import BuurtLocator


def test_every_buurt_is_indexed(locator, buurt_shapes):
    assert len(locator) == len(buurt_shapes["features"])
    assert "BU0363AD05" in locator.known_codes


def test_dam_lies_in_an_amsterdam_buurt(locator):
    assert locator.locate(4.8924, 52.3731).startswith("BU0363")


def test_domtoren_lies_in_a_utrecht_buurt(locator):
    assert locator.locate(5.1213, 52.0907).startswith("BU0344")


def test_groningen_vismarkt(locator):
    assert locator.locate(6.5636, 53.2183).startswith("BU0014")


def test_north_sea_lies_in_no_buurt(locator):
    assert locator.locate(4.0, 53.0) is None


def test_a_point_in_a_shape_gets_that_shapes_code(locator, buurt_shapes):
    from shapely.geometry import shape

    for feature in buurt_shapes["features"][::1500]:
        point = shape(feature["geometry"]).representative_point()
        assert locator.locate(point.x, point.y) == feature["properties"]["buurtcode"]


def test_a_gap_between_shapes_goes_to_the_nearest_buurt_within_tolerance(buurt_shapes):
    feature = next(f for f in buurt_shapes["features"] if f["properties"]["buurtcode"] == "BU03440611")
    from shapely.geometry import shape

    domplein = shape(feature["geometry"])
    minx, miny, maxx, maxy = domplein.bounds
    just_outside = (maxx + 0.0005, (miny + maxy) / 2)
    alone = {"type": "FeatureCollection", "features": [feature]}
    assert BuurtLocator.from_geojson(alone).locate(*just_outside) == "BU03440611"
    assert BuurtLocator.from_geojson(alone, tolerance_deg=0).locate(*just_outside) is None


def test_custom_code_property_and_features_without_code_are_skipped():
    square = {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52.1], [5, 52]]]}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "BU99990001"}, "geometry": square},
        {"type": "Feature", "properties": {}, "geometry": square},
        {"type": "Feature", "properties": {"code": "BU99990002"}, "geometry": None},
    ]}
    locator = BuurtLocator.from_geojson(collection, code_prop="code")
    assert len(locator) == 1
    assert locator.locate(5.05, 52.05) == "BU99990001"
