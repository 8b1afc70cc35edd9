"""parse_upload, property-based: whatever the file (random bytes, odd CSV, arbitrary GeoJSON), a clear answer and
well-formed assets, never an exception. Strategies in tests/bewoners_strategies.py; the real 2024 buurt shapes."""
from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.bewoners import BuurtCodes, parse_upload
from dashboard.bewoners.model import ASSIGNED_BY_COORDINATES, CATEGORIES
from dashboard.bewoners.validation import MAX_FIELD_CHARS, MAX_NAME_CHARS, NL_LAT, NL_LON
from tests.bewoners_strategies import COLUMNS, csv_files, geojson_documents

HEADER = ";".join(COLUMNS)


def assert_well_formed(result, known: BuurtCodes) -> None:
    if result.fatal is not None:
        assert isinstance(result.fatal, str) and result.fatal.strip()
        assert not result.assets and not result.errors
        return
    assert result.assets or result.errors
    for error in result.errors:
        assert re.match(r"(rij|object) \d+: \S", error.message)
    for asset in result.assets:
        assert asset.category in CATEGORIES
        assert asset.buurt_code in known
        assert 1 <= len(asset.name) <= MAX_NAME_CHARS and asset.name == asset.name.strip()
        for text in (asset.description, asset.website):
            assert text is None or 1 <= len(text) <= MAX_FIELD_CHARS
        assert asset.website is None or asset.website.lower().startswith(("http://", "https://"))
        assert (asset.lon is None) == (asset.lat is None)
        if asset.lon is not None:
            assert NL_LON[0] <= asset.lon <= NL_LON[1] and NL_LAT[0] <= asset.lat <= NL_LAT[1]
        if asset.location_approximate:
            assert asset.lon is not None and asset.buurt_assigned_by == ASSIGNED_BY_COORDINATES
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", asset.name + (asset.description or ""))


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=2_000), st.binary(max_size=500).map(lambda b: HEADER.encode() + b"\n" + b)),
       filename=st.sampled_from(["a.csv", "a.geojson", "a.json", "a.txt", "a.xlsx", ""]))
def test_random_bytes_never_crash(locator, known, raw, filename):
    assert_well_formed(parse_upload(raw, filename, known_buurt_codes=known, locator=locator), known)


@settings(max_examples=400, deadline=None)
@given(file=csv_files())
def test_random_csv_files_give_valid_assets_or_clear_errors(locator, known, file):
    raw, filename = file
    assert_well_formed(parse_upload(raw, filename, known_buurt_codes=known, locator=locator), known)


@settings(max_examples=300, deadline=None)
@given(document=geojson_documents, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_random_geojson_gives_valid_assets_or_clear_errors(locator, known, document, encoding):
    raw = json.dumps(document, allow_nan=True).encode(encoding, errors="replace")
    assert_well_formed(parse_upload(raw, "kaart.geojson", known_buurt_codes=known, locator=locator), known)
