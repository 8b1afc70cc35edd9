"""AssetStore on both user-store backends: a real DuckDB file in a temporary folder and a throwaway PostgreSQL
(the `user_store_target` fixture), with the same tests."""
from __future__ import annotations

import dataclasses
import gzip
import threading
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings

from dashboard.bewoners import (CATEGORIES, TEMPLATE_CSV, AssetNotFoundError, AssetStore, AssetStoreError, StaleAssetError,
                              AssetValidationError, ReleaseDatabaseError, build_asset, parse_upload)
from dashboard import userstore
from tests.bewoners_strategies import csv_files
from dashboard.bewoners.model import ASSIGNED_BY_COORDINATES, ASSIGNED_EXPLICIT

# `make test` runs on 2 xdist workers: keep this module on one worker, so the store is made once
pytestmark = pytest.mark.xdist_group("test_bewoners_store")


@pytest.fixture()
def store(user_store_target, known, locator) -> AssetStore:
    return AssetStore(user_store_target, known_buurt_codes=known, locator=locator)


@pytest.fixture()
def duck_store(tmp_path, known, locator) -> AssetStore:
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


def test_update_without_code_list_can_edit_text_but_not_the_buurt(user_store_target, make):
    store = AssetStore(user_store_target)
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
    store.add([make(category="plekken"), make("Speeltuin", category="plekken"), make(category="cultuur"),
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


def test_the_file_is_free_between_calls(duck_store, make):
    store = duck_store
    store.add([make()])
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
        store.add_new(result.assets)
        store.close()
        kept = {a.identity_key: a for a in reversed(result.assets)}  # the first of each identity is stored
        assert store.list() == sorted(kept.values(), key=lambda a: (a.created_at, a.name, a.id))
        store.close()
        after = snapshot(root)
        new = set(after) - set(before)
        assert new == {"user", os.path.join("user", "bewonerskaart.duckdb")}
        assert {k: after[k] for k in before} == before


# ----------------------------------------------------------------------------------------------- shared server
def test_delete_is_soft_logged_and_undoable(store, make):
    asset = make("Moestuin", description="achter de school")
    store.add([asset], actor="redacteur:anna")
    assert store.delete(asset.id, actor="redacteur:bram") is True
    assert store.list() == [] and store.counts_per_category(asset.buurt_code)["plekken"] == 0
    [(gone, when, who)] = store.deleted(asset.buurt_code)
    assert (gone.name, who) == ("Moestuin", "redacteur:bram") and when.tzinfo is not None
    back = store.restore(asset.id, actor="redacteur:anna")
    assert store.list() == [back] and (back.name, back.description) == ("Moestuin", "achter de school")
    log = [(e.action, e.actor, (e.before or {}).get("name"), (e.after or {}).get("name"))
           for e in reversed(store.history(asset.id))]
    assert log == [("create", "redacteur:anna", None, "Moestuin"), ("delete", "redacteur:bram", "Moestuin", None),
                   ("restore", "redacteur:anna", None, "Moestuin")]
    with pytest.raises(AssetNotFoundError):
        store.restore(asset.id)


def test_restore_is_refused_when_the_same_item_came_back(store, make):
    first = make("Moestuin")
    store.add([first])
    store.delete(first.id)
    store.add([make("moestuin ")])             # re-added while the first was deleted: allowed
    with pytest.raises(AssetStoreError, match="Terugzetten kan niet"):
        store.restore(first.id)
    assert [a.name for a in store.list()] == ["moestuin"]


def test_a_stale_edit_is_refused_with_the_current_values(store, make):
    asset = make("Bieb", description="open op maandag")
    store.add([asset])
    mine = store.get(asset.id)
    other = store.update(asset.id, expected_version=mine.version, actor="sessie:1", description="open op dinsdag")
    assert other.version == mine.version + 1
    with pytest.raises(StaleAssetError) as err:
        store.update(asset.id, expected_version=mine.version, actor="sessie:2", name="Bibliotheek")
    assert err.value.current.description == "open op dinsdag" and err.value.current.name == "Bieb"
    assert "Iemand anders heeft dit item gewijzigd" in str(err.value)
    with pytest.raises(StaleAssetError):
        store.delete(asset.id, expected_version=mine.version)
    assert store.get(asset.id) == other
    before, after = store.history(asset.id)[0].before, store.history(asset.id)[0].after
    assert (before["description"], after["description"], after["version"]) == (
        "open op maandag", "open op dinsdag", 2)


def test_the_same_item_is_stored_once(store, make):
    store.add([make("Speeltuin")])
    with pytest.raises(AssetStoreError, match="staat al op de Bewonerskaart"):
        store.add([make("Boekenkast"), make("  speeltuin")])
    assert store.add_new([make("Boekenkast"), make("  SPEELTUIN"), make("boekenkast")]) == (1, 2)
    assert sorted(a.name for a in store.list()) == ["Boekenkast", "Speeltuin"]
    other = make("Kinderboerderij")
    store.add([other])
    with pytest.raises(AssetValidationError, match="er staat al een item met deze naam"):
        store.update(other.id, name="speeltuin")


def test_one_upload_saved_by_two_sessions_at_once_is_stored_once(store, template_assets):
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.add_new(template_assets, actor="sessie")))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(0, 3), (0, 3), (0, 3), (3, 0)]
    assert len(store.list()) == 3


def test_items_per_buurt_are_capped(user_store_target, known, make):
    store = AssetStore(user_store_target, known_buurt_codes=known, max_per_buurt=3)
    store.add([make(f"Item {i}") for i in range(3)])
    with pytest.raises(AssetStoreError, match="meer dan 3 items krijgen"):
        store.add([make("Een te veel"), make("Elders", buurt_code="BU03440611")])
    assert store.count() == 3
    store.delete(store.list()[0].id)
    assert store.add([make("Nu past het")]) == 1


def test_paging_and_streamed_reading_see_every_item_once(store, make):
    store.add([make(f"Item {i:03d}") for i in range(25)])
    pages = [store.list("BU0363AD05", limit=10, offset=start) for start in (0, 10, 20)]
    assert [len(p) for p in pages] == [10, 10, 5] and store.count("BU0363AD05") == 25
    assert [a.id for p in pages for a in p] == [a.id for a in store.iter_all("BU0363AD05", page=7)]


def test_ten_sessions_editing_one_buurt_lose_no_change(store, make):
    """10 sessions at once: each adds its own item and appends its mark to three shared items, re-reading
    the item after a stale refusal (what the page asks of a person). Every mark and item must be there."""
    shared = [make(f"Gedeeld {i}", description="") for i in range(3)]
    store.add(shared)
    stale: list[int] = []

    def session(n: int) -> None:
        store.add([make(f"Sessie {n}")], actor=f"sessie:{n}")
        for asset in shared:
            while True:
                current = store.get(asset.id)
                try:
                    store.update(asset.id, expected_version=current.version, actor=f"sessie:{n}",
                                 description=f"{current.description or ''}[{n}]")
                    break
                except StaleAssetError:
                    stale.append(n)
    threads = [threading.Thread(target=session, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for asset in shared:
        now = store.get(asset.id)
        assert sorted(now.description.strip("[]").split("][")) == sorted(str(n) for n in range(10))
        assert now.version == 11
    assert store.count("BU0363AD05") == 13
    assert len([e for e in store.history(limit=1000) if e.action == "update"]) == 30


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
