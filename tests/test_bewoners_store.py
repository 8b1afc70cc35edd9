"""AssetStore on both user-store backends: a real DuckDB file in a temporary folder and a throwaway PostgreSQL
(the `user_store_target` fixture), with the same tests: adding, reading, editing, exporting, and where the store
file lives. The shared-server behaviour (versions, soft deletes, many sessions) is in test_bewoners_store_shared.py.
"""
from __future__ import annotations

import dataclasses
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings

from dashboard import userstore
from dashboard.bewoners import (CATEGORIES, AssetNotFoundError, AssetStore, AssetStoreError, AssetValidationError,
                                ReleaseDatabaseError, parse_upload)
from dashboard.bewoners.model import ASSIGNED_BY_COORDINATES, ASSIGNED_EXPLICIT
from tests.bewoners_strategies import csv_files

# `make test` runs on 2 xdist workers: keep the store tests on one worker, so the store is made once
pytestmark = pytest.mark.xdist_group("test_bewoners_store")


@pytest.fixture()
def duck_store(tmp_path, known, locator) -> AssetStore:
    return AssetStore(tmp_path / "user" / "bewonerskaart.duckdb", known_buurt_codes=known, locator=locator)


def test_add_and_list_round_trip_every_field(asset_store, template_assets):
    assert asset_store.add(template_assets) == 3
    assert asset_store.list() == template_assets


def test_list_filters_by_buurt_and_gemeente(asset_store, template_assets):
    asset_store.add(template_assets)
    assert [a.name for a in asset_store.list(buurt_code="BU0363ME01")] == ["Repair Café Dapperbuurt"]
    assert [a.name for a in asset_store.list(gemeente_code="GM0014")] == ["Weekmarkt op de Vismarkt"]
    assert asset_store.list(buurt_code="BU0363ME01", gemeente_code="GM0344") == []


def test_form_assets_have_id_created_at_and_source(make_asset):
    asset = make_asset()
    assert len(asset.id) == 36 and asset.created_at.tzinfo is not None and asset.source == "formulier"


def test_update_validates_and_persists(asset_store, make_asset):
    asset = make_asset(description="oud")
    asset_store.add([asset])
    updated = asset_store.update(asset.id, name="Buurthuis De Boomgaard", category="Instellingen", description=None,
                                 website="https://www.example.nl", date="2024-05-01")
    assert asset_store.get(asset.id) == updated
    assert (updated.category, updated.description, updated.date.isoformat()) == ("instellingen", None, "2024-05-01")
    assert (updated.created_at, updated.source) == (asset.created_at, asset.source)


def test_update_refuses_invalid_fields_and_keeps_the_asset(asset_store, make_asset):
    asset = make_asset()
    asset_store.add([asset])
    with pytest.raises(AssetValidationError) as err:
        asset_store.update(asset.id, category="sport", website="javascript:alert(1)")
    assert err.value.problems[0].startswith("categorie 'sport' bestaat niet")
    assert "website" in err.value.problems[1]
    with pytest.raises(AssetValidationError, match="bestaat niet"):
        asset_store.update(asset.id, colour="rood")
    assert asset_store.get(asset.id) == asset


def test_update_coordinates_relocates_a_located_asset(asset_store, make_asset):
    asset = make_asset(buurt_code=None, lon=4.8924, lat=52.3731)
    assert asset.buurt_assigned_by == ASSIGNED_BY_COORDINATES
    asset_store.add([asset])
    moved = asset_store.update(asset.id, lon=5.1213, lat=52.0907)
    assert moved.buurt_code.startswith("BU0344") and moved.location_approximate
    renamed = asset_store.update(asset.id, name="Domplein")
    assert (renamed.buurt_code, renamed.buurt_assigned_by) == (moved.buurt_code, ASSIGNED_BY_COORDINATES)


def test_update_buurt_code_is_checked(asset_store, make_asset):
    asset = make_asset()
    asset_store.add([asset])
    with pytest.raises(AssetValidationError, match="BU0363ZZ99' bestaat niet"):
        asset_store.update(asset.id, buurt_code="BU0363ZZ99")
    assert asset_store.update(asset.id, buurt_code="bu03440611").buurt_assigned_by == ASSIGNED_EXPLICIT


def test_update_without_code_list_can_edit_text_but_not_the_buurt(user_store_target, make_asset):
    store = AssetStore(user_store_target)
    asset = make_asset()
    store.add([asset])
    assert store.update(asset.id, name="Nieuw").name == "Nieuw"
    with pytest.raises(AssetValidationError, match="kan niet worden gecontroleerd"):
        store.update(asset.id, buurt_code="BU03440611")


def test_delete(asset_store, make_asset):
    keep, drop = make_asset("Blijft"), make_asset("Weg")
    asset_store.add([keep, drop])
    assert asset_store.delete(drop.id) is True
    assert asset_store.delete(drop.id) is False
    assert asset_store.list() == [keep]
    with pytest.raises(AssetNotFoundError):
        asset_store.get(drop.id)
    with pytest.raises(AssetNotFoundError):
        asset_store.update(drop.id, name="x")


def test_counts_per_category_include_zeros(asset_store, make_asset):
    asset_store.add([make_asset(category="plekken"), make_asset("Speeltuin", category="plekken"),
                     make_asset(category="cultuur"), make_asset(category="bewoners", buurt_code="BU03440611")])
    assert asset_store.counts_per_category("BU0363AD05") == {
        "bewoners": 0, "verenigingen": 0, "instellingen": 0, "plekken": 2, "economie": 0, "cultuur": 1}
    assert list(asset_store.counts_per_category("BU0014AAAA")) == list(CATEGORIES)
    assert set(asset_store.counts_per_category("BU0014AAAA").values()) == {0}


def test_a_failing_batch_stores_nothing(asset_store, make_asset):
    existing = make_asset("Bestaat al")
    asset_store.add([existing])
    first, second = make_asset("Eerste"), make_asset("Tweede")
    clash = dataclasses.replace(make_asset("Botst"), id=first.id)  # the batch's own second row breaks the primary key
    with pytest.raises(AssetStoreError, match="er is niets opgeslagen"):
        asset_store.add([first, clash, second])
    with pytest.raises(AssetStoreError):
        asset_store.add([second, dataclasses.replace(make_asset("Ook botsend"), id=existing.id)])
    assert asset_store.list() == [existing]


def test_the_database_refuses_what_validation_would_refuse(asset_store, make_asset):
    broken = dataclasses.replace(make_asset("Goed"), category="sport")
    with pytest.raises(AssetStoreError):
        asset_store.add([make_asset("Eerst goed"), broken])
    assert asset_store.list() == []


def test_the_file_is_free_between_calls(duck_store, make_asset):
    store = duck_store
    store.add([make_asset()])
    store.close()  # also happens by itself after userstore.backends.IDLE_SECONDS without use
    assert not Path(f"{store.path}.wal").exists()
    other_process = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                     "print(con.execute('select count(*) from assets').fetchone()[0])")
    done = subprocess.run([sys.executable, "-c", other_process, str(store.path)], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "1", done.stderr
    assert len(store.list()) == 1
    time.sleep(userstore.backends.IDLE_SECONDS + 1.0)  # closed by itself after the idle time
    done = subprocess.run([sys.executable, "-c", other_process, str(store.path)], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "1", done.stderr


def test_exports_come_from_the_store(asset_store, template_assets):
    asset_store.add(template_assets)
    assert asset_store.export_csv().decode("utf-8-sig").count("\r\n") == 4
    assert b'"FeatureCollection"' in asset_store.export_geojson(gemeente_code="GM0014")


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
        store.add_new(result.assets)
        store.close()
        kept = {a.identity_key: a for a in reversed(result.assets)}  # the first of each identity is stored
        assert store.list() == sorted(kept.values(), key=lambda a: (a.created_at, a.name, a.id))
        store.close()
        after = snapshot(root)
        new = set(after) - set(before)
        assert new == {"user", os.path.join("user", "bewonerskaart.duckdb")}
        assert {k: after[k] for k in before} == before



def test_a_store_file_from_before_the_user_store_opens_with_nothing_lost(tmp_path, known):
    """tests/data/bewonerskaart-before-userstore.duckdb.gz was written by the store code of d278b06."""
    path = tmp_path / "bewonerskaart.duckdb"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "data" /
                                      "bewonerskaart-before-userstore.duckdb.gz").read_bytes()))
    with duckdb.connect(str(path), read_only=True) as con:
        before = con.execute("select * from assets order by id").fetchall()
    store = AssetStore(path, known_buurt_codes=known)
    assert sorted((a.name, a.description) for a in store.list()) == sorted((r[1], r[7]) for r in before)
    assert {a.version for a in store.list()} == {1} and len(before) == 4
    store.close()
    with duckdb.connect(str(path), read_only=True) as con:
        after = con.execute("select * exclude (version, deleted_at, deleted_by, identity_key) from assets "
                            "order by id").fetchall()
        ledger = con.execute("select feature, version from userstore_migrations order by all").fetchall()
    assert after == before
    assert ledger == [("bewoners", 1), ("bewoners", 2), ("bewoners", 3), ("userstore", 1)]
    duplicate = [a for a in store.list() if a.name == "buurthuis"][0]   # kept, though it breaks the new rule
    assert store.delete(duplicate.id)
    with pytest.raises(AssetStoreError, match="Terugzetten kan niet"):   # once gone, the rule holds for it too
        store.restore(duplicate.id)
    assert [a.name for a, _, _ in store.deleted("BU0363AD05")] == ["buurthuis"]
