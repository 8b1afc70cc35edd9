"""CSV and GeoJSON export: formula escaping, numbers stay numbers, and a round trip through parse_upload."""
from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.bewoners import TEMPLATE_CSV, assets_to_csv, assets_to_geojson, build_asset, parse_upload
from dashboard.core.escaping import escape_formula, html_escape
from dashboard.bewoners.export import CSV_COLUMNS
from dashboard.bewoners.model import CATEGORIES, asset_fields

CONTENT = ("name", "category", "buurt_code", "lon", "lat", "description", "website", "date")


def make(known, locator, **fields):
    raw = {"name": "Buurthuis", "category": "plekken", "buurt_code": "BU0363AD05", **fields}
    return build_asset(raw, known_buurt_codes=known, locator=locator)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def content(asset) -> tuple:
    return tuple(getattr(asset, name) for name in CONTENT)


@pytest.mark.parametrize("value, escaped", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+31 zes", "'+31 zes"), ("-koud", "'-koud"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=1", "''=1"), ("Buurthuis", "Buurthuis"), ("a=b", "a=b"), ("'quote", "'quote"),
])
def test_escape_formula(value, escaped):
    assert escape_formula(value) == escaped


def test_csv_escapes_formula_text_but_keeps_coordinates_numeric(known, locator):
    asset = make(known, locator, name='=HYPERLINK("http://x","klik")', description="-5 graden", buurt_code=None,
                 lon=4.8924, lat=52.3731)
    row = csv_rows(assets_to_csv([asset]))[0]
    assert list(row) == list(CSV_COLUMNS)
    assert (row["naam"], row["omschrijving"]) == ('\'=HYPERLINK("http://x","klik")', "'-5 graden")
    assert (row["lon"], row["lat"]) == ("4,8924", "52,3731")   # a decimal comma: Dutch Excel reads '52.3731' as 523731
    assert (row["buurt_bepaald_door"], row["locatie_benaderd"]) == ("coordinaten (benadering)", "ja")
    negative = dataclasses.replace(asset, lon=-0.5)  # numbers are never escaped, even negative ones
    assert csv_rows(assets_to_csv([negative]))[0]["lon"] == "-0,5"


def test_csv_round_trip_through_parse_upload(known, locator):
    template = parse_upload(TEMPLATE_CSV.read_bytes(), "template.csv", known_buurt_codes=known, locator=locator)
    tricky = make(known, locator, name="=1+1", description="<script>alert('x')</script>; \"quoted\", -min",
                  website="https://example.nl/?a=1&b=2", date="2024-02-29")
    assets = [*template.assets, tricky]
    again = parse_upload(assets_to_csv(assets), "export.csv", known_buurt_codes=known, locator=locator)
    assert again.errors == [] and again.fatal is None
    assert [content(a) for a in again.assets] == [content(a) for a in assets]
    assert set(again.ignored_columns) == set(CSV_COLUMNS[8:]) - {"buurt_bepaald_door"}
    assert [a.location_approximate for a in again.assets] == [False, False, True, False]


def test_geojson_export(known, locator):
    located = make(known, locator, buurt_code=None, lon=5.1213, lat=52.0907, name="Domtoren")
    buurt_only = make(known, locator, name="Koor", category="Cultuur en verhalen", date="2024-01-01")
    collection = json.loads(assets_to_geojson([located, buurt_only]))
    assert collection["type"] == "FeatureCollection"
    point, empty = collection["features"]
    assert point["geometry"] == {"type": "Point", "coordinates": [5.1213, 52.0907]}
    assert point["properties"]["buurtcode"].startswith("BU0344") and point["id"] == located.id
    assert empty["geometry"] is None
    assert (empty["properties"]["categorie"], empty["properties"]["datum"]) == ("cultuur", "2024-01-01")
    assert empty["properties"]["categorie_label"] == "Cultuur en verhalen"


def test_geojson_round_trip_through_parse_upload(known, locator):
    assets = [make(known, locator, buurt_code=None, lon=4.8924, lat=52.3731, name="<b>Dam</b>"),
              make(known, locator, name="=Koor", website="http://koor.nl")]
    again = parse_upload(assets_to_geojson(assets), "export.geojson", known_buurt_codes=known, locator=locator)
    assert again.errors == []
    assert [content(a) for a in again.assets] == [content(a) for a in assets]
    assert again.assets[0].location_approximate


def test_html_escape():
    assert html_escape('<script>alert("x")</script> & \'y\'') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;y&#x27;")
    assert html_escape(None) == "" and html_escape(12) == "12"


texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
formula_texts = st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(["=", "+", "-", "@", "'", "''=", ""]),
                          texts)
contents = st.fixed_dictionaries({
    "name": formula_texts, "category": st.sampled_from(list(CATEGORIES) + list(CATEGORIES.values())),
    "buurt_code": st.sampled_from(["BU0363AD05", "BU03440611", "BU00140000", None]),
    "description": st.one_of(st.none(), formula_texts),
    "website": st.one_of(st.none(), st.sampled_from(["https://buurt.nl", "http://x.nl/?q=a;b,c"])),
    "date": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
    "coords": st.one_of(st.none(), st.tuples(st.floats(4.85, 4.95), st.floats(52.35, 52.39))),
})


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(contents, min_size=1, max_size=5))
def test_any_valid_asset_survives_the_csv_round_trip(known, locator, rows):
    assets = []
    for row in rows:
        raw = dict(row)
        coords = raw.pop("coords")
        raw["lon"], raw["lat"] = coords if coords else (None, None)
        if raw["buurt_code"] is None and coords is None:
            raw["buurt_code"] = "BU0363AD05"
        try:
            assets.append(build_asset(raw, known_buurt_codes=known, locator=locator))
        except ValueError:
            continue  # e.g. a name that is only whitespace, or text that looks like an e-mail address
    if not assets:
        return
    again = parse_upload(assets_to_csv(assets), "export.csv", known_buurt_codes=known, locator=locator)
    assert again.errors == []
    def kept(asset):
        return asset_fields(asset), asset.location_approximate, asset.buurt_assigned_by
    assert [kept(a) for a in again.assets] == [kept(a) for a in assets]
