"""AssetStore on a real DuckDB file in a temporary folder."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from test_bewoners_geo import real_locator
from test_bewoners_upload import csv_files

from dashboard.bewoners import (CATEGORIES, TEMPLATE_CSV, AssetNotFoundError, AssetStore, AssetStoreError,
                              AssetValidationError, BuurtCodes, ReleaseDatabaseError, build_asset, parse_upload)
from dashboard.bewoners.model import ASSIGNED_BY_COORDINATES, ASSIGNED_EXPLICIT


@pytest.fixture(scope="module")
def locator():
    return real_locator()


@pytest.fixture(scope="module")
def known(locator) -> BuurtCodes:
    return BuurtCodes(locator.known_codes)


@pytest.fixture()
def store(tmp_path, known, locator) -> AssetStore:
    return AssetStore(tmp_path / "user" / "bewonerskaart.duckdb", known_buurt_codes=known, locator=locator)


@pytest.fixture()
def make(known, locator):
    def asset(name: str = "Buurthuis", category: str = "plekken", buurt_code: str | None = "BU0363AD05", **fields):
        raw = {"name": name, "category": category, "buurt_code": buurt_code, **fields}
        return build_asset(raw, known_buurt_codes=known, locator=locator)
    return asset


@pytest.fixture()
def template_assets(known, locator):
    return parse_upload(TEMPLATE_CSV.read_bytes(), "template.csv", known_buurt_codes=known, locator=locator).assets


def test_add_and_list_round_trip_every_field(store, template_assets):
    assert store.add(template_assets) == 3
    assert store.list() == template_assets


def test_list_filters_by_buurt_and_gemeente(store, template_assets):
    store.add(template_assets)
    assert [a.name for a in store.list(buurt_code="BU0363ME01")] == ["Repair Café Dapperbuurt"]
    assert [a.name for a in store.list(gemeente_code="GM0014")] == ["Weekmarkt op de Vismarkt"]
    assert store.list(buurt_code="BU0363ME01", gemeente_code="GM0344") == []


def test_form_assets_have_id_created_at_and_source(make):
    asset = make()
    assert len(asset.id) == 36 and asset.created_at.tzinfo is not None and asset.source == "formulier"


def test_update_validates_and_persists(store, make):
    asset = make(description="oud")
    store.add([asset])
    updated = store.update(asset.id, name="Buurthuis De Boomgaard", category="Instellingen", description=None,
                           website="https://www.example.nl", date="2024-05-01")
    assert store.get(asset.id) == updated
    assert (updated.category, updated.description, updated.date.isoformat()) == ("instellingen", None, "2024-05-01")
    assert (updated.created_at, updated.source) == (asset.created_at, asset.source)


def test_update_refuses_invalid_fields_and_keeps_the_asset(store, make):
    asset = make()
    store.add([asset])
    with pytest.raises(AssetValidationError) as err:
        store.update(asset.id, category="sport", website="javascript:alert(1)")
    assert err.value.problems[0].startswith("categorie 'sport' bestaat niet")
    assert "website" in err.value.problems[1]
    with pytest.raises(AssetValidationError, match="bestaat niet"):
        store.update(asset.id, colour="rood")
    assert store.get(asset.id) == asset


def test_update_coordinates_relocates_a_located_asset(store, make):
    asset = make(buurt_code=None, lon=4.8924, lat=52.3731)
    assert asset.buurt_assigned_by == ASSIGNED_BY_COORDINATES
    store.add([asset])
    moved = store.update(asset.id, lon=5.1213, lat=52.0907)
    assert moved.buurt_code.startswith("BU0344") and moved.location_approximate
    renamed = store.update(asset.id, name="Domplein")
    assert (renamed.buurt_code, renamed.buurt_assigned_by) == (moved.buurt_code, ASSIGNED_BY_COORDINATES)


def test_update_buurt_code_is_checked(store, make):
    asset = make()
    store.add([asset])
    with pytest.raises(AssetValidationError, match="BU0363ZZ99' bestaat niet"):
        store.update(asset.id, buurt_code="BU0363ZZ99")
    assert store.update(asset.id, buurt_code="bu03440611").buurt_assigned_by == ASSIGNED_EXPLICIT


def test_update_without_code_list_can_edit_text_but_not_the_buurt(tmp_path, make):
    store = AssetStore(tmp_path / "bewonerskaart.duckdb")
    asset = make()
    store.add([asset])
    assert store.update(asset.id, name="Nieuw").name == "Nieuw"
    with pytest.raises(AssetValidationError, match="kan niet worden gecontroleerd"):
        store.update(asset.id, buurt_code="BU03440611")


def test_delete(store, make):
    keep, drop = make("Blijft"), make("Weg")
    store.add([keep, drop])
    assert store.delete(drop.id) is True
    assert store.delete(drop.id) is False
    assert store.list() == [keep]
    with pytest.raises(AssetNotFoundError):
        store.get(drop.id)
    with pytest.raises(AssetNotFoundError):
        store.update(drop.id, name="x")


def test_counts_per_category_include_zeros(store, make):
    store.add([make(category="plekken"), make(category="plekken"), make(category="cultuur"),
               make(category="bewoners", buurt_code="BU03440611")])
    assert store.counts_per_category("BU0363AD05") == {
        "bewoners": 0, "verenigingen": 0, "instellingen": 0, "plekken": 2, "economie": 0, "cultuur": 1}
    assert list(store.counts_per_category("BU0014AAAA")) == list(CATEGORIES)
    assert set(store.counts_per_category("BU0014AAAA").values()) == {0}


def test_a_failing_batch_stores_nothing(store, make):
    existing = make("Bestaat al")
    store.add([existing])
    first, second = make("Eerste"), make("Tweede")
    clash = dataclasses.replace(make("Botst"), id=first.id)  # the batch's own second row breaks the primary key
    with pytest.raises(AssetStoreError, match="er is niets opgeslagen"):
        store.add([first, clash, second])
    with pytest.raises(AssetStoreError):
        store.add([second, dataclasses.replace(make("Ook botsend"), id=existing.id)])
    assert store.list() == [existing]


def test_the_database_refuses_what_validation_would_refuse(store, make):
    broken = dataclasses.replace(make("Goed"), category="sport")
    with pytest.raises(AssetStoreError):
        store.add([make("Eerst goed"), broken])
    assert store.list() == []


def test_the_file_is_free_between_calls(store, make):
    store.add([make()])
    assert not Path(f"{store.path}.wal").exists()
    other_process = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                     "print(con.execute('select count(*) from assets').fetchone()[0])")
    done = subprocess.run([sys.executable, "-c", other_process, str(store.path)], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "1", done.stderr
    assert len(store.list()) == 1


def test_exports_come_from_the_store(store, template_assets):
    store.add(template_assets)
    assert store.export_csv().decode("utf-8-sig").count("\r\n") == 4
    assert b'"FeatureCollection"' in store.export_geojson(gemeente_code="GM0014")


def test_release_database_paths_are_refused(tmp_path):
    build = tmp_path / "data" / "build"
    build.mkdir(parents=True)
    release = build / "buurtbalans-20240101T000000.duckdb"
    duckdb.connect(str(release)).close()
    (tmp_path / "current.duckdb").symlink_to(release)
    refused = [release, build / "bewonerskaart.duckdb", tmp_path / "current.duckdb",
               tmp_path / "elders" / "buurtbalans-1.duckdb"]
    for path in refused:
        with pytest.raises(ReleaseDatabaseError):
            AssetStore(path)
    with pytest.raises(ReleaseDatabaseError):
        AssetStore(tmp_path / "release.duckdb", release_db_path=tmp_path / "release.duckdb")
    assert not (build / "bewonerskaart.duckdb").exists() and not (tmp_path / "elders").exists()


def test_a_file_with_cbs_tables_is_refused(tmp_path):
    path = tmp_path / "kopie.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table raw_85984NED as select 1 as x; create view mart_buurt as select * from raw_85984NED")
    with pytest.raises(ReleaseDatabaseError, match="bevat CBS-tabellen"):
        AssetStore(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 2


def test_default_path_is_under_data_user(monkeypatch, tmp_path):
    from dashboard.bewoners.store import DEFAULT_STORE_PATH, STORE_PATH_ENV, default_store_path

    assert DEFAULT_STORE_PATH.parts[-3:] == ("data", "user", "bewonerskaart.duckdb")
    monkeypatch.setenv(STORE_PATH_ENV, str(tmp_path / "elders.duckdb"))
    assert default_store_path() == tmp_path / "elders.duckdb"


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*")}


@settings(max_examples=20, deadline=None)
@given(file=csv_files())
def test_storing_an_upload_writes_only_the_store_file(known, locator, file):
    raw, filename = file
    result = parse_upload(raw, filename, known_buurt_codes=known, locator=locator)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "andere").mkdir()
        (root / "andere" / "release.duckdb").write_bytes(b"niet aankomen")
        before = snapshot(root)
        store = AssetStore(root / "user" / "bewonerskaart.duckdb", known_buurt_codes=known, locator=locator)
        store.add(result.assets)
        assert store.list() == sorted(result.assets, key=lambda a: (a.created_at, a.name, a.id))
        after = snapshot(root)
        new = set(after) - set(before)
        assert new == {"user", os.path.join("user", "bewonerskaart.duckdb")}
        assert {k: after[k] for k in before} == before
