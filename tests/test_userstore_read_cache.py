"""Reads served from memory while the user store is unchanged (dashboard/userstore/read_cache.py), on both
backends: what a page shows on every visit (a buurt's resident assets) must still show every write at once, by
this app instance, another store object in it, or another process; on DuckDB an unchanged store is not opened
again (opening the file costs ~40 ms CPU per visit)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dashboard.bewoners import AssetStore

# the store tests share one worker (and one PostgreSQL cluster) under `make test`
pytestmark = pytest.mark.xdist_group("test_bewoners_store")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUURT = "BU0363AD05"
OTHER_PROCESS = """
import sys
from dashboard.bewoners import AssetStore, BuurtCodes, build_asset
store = AssetStore(sys.argv[1])
if sys.argv[2] == "add":
    store.add([build_asset({"name": sys.argv[3], "category": "plekken", "buurt_code": sys.argv[4]},
                           known_buurt_codes=BuurtCodes([sys.argv[4]]), locator=None)], actor="ander proces")
else:
    [asset] = [a for a in store.list(buurt_code=sys.argv[4]) if a.name == sys.argv[3]]
    store.delete(asset.id, actor="ander proces")
store.close()
"""


def other_process(target: str, action: str, name: str) -> None:
    done = subprocess.run([sys.executable, "-c", OTHER_PROCESS, target, action, name, BUURT], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0, done.stderr[-2000:]


def names(assets) -> list[str]:
    return [a.name for a in assets]


def test_every_write_of_this_instance_is_seen_at_once(asset_store, user_store_target, make_asset):
    asset_store.add([make_asset("Buurthuis")])
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
    other = AssetStore(user_store_target)                       # another session's store object, same store
    other.add([make_asset("Moestuin")])
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis", "Moestuin"]
    [garden] = [a for a in other.list(buurt_code=BUURT) if a.name == "Moestuin"]
    other.update(garden.id, expected_version=garden.version, description="achter de school")
    assert [a.description for a in asset_store.list_unchanged(buurt_code=BUURT)] == [None, "achter de school"]
    other.delete(garden.id)
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
    assert asset_store.list_unchanged(buurt_code=BUURT) == asset_store.list(buurt_code=BUURT)
    assert names(asset_store.list_unchanged(gemeente_code="GM0363")) == ["Buurthuis"]
    assert asset_store.list_unchanged(buurt_code="BU03630000") == []


def test_what_another_process_writes_is_seen_on_the_next_read(asset_store, user_store_target, make_asset):
    asset_store.add([make_asset("Buurthuis")])
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
    asset_store.close()                        # as after the idle time: the file is free for the other process
    other_process(user_store_target, "add", "Speeltuin")
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis", "Speeltuin"]
    asset_store.close()
    other_process(user_store_target, "delete", "Buurthuis")
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Speeltuin"]


def test_an_unchanged_duckdb_store_is_not_opened_again(tmp_path, make_asset):
    store = AssetStore(str(tmp_path / "bewonerskaart.duckdb"))
    store.add([make_asset("Buurthuis")])
    store.close()
    assert names(store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]      # read from the file
    store.close()
    assert names(store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
    assert store.users.backend._anchor is None, "the unchanged store was opened again"
    store.add([make_asset("Moestuin")])
    store.close()
    assert names(store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis", "Moestuin"]


def test_a_place_without_assets_is_empty_until_its_first_asset_is_written(asset_store, user_store_target,
                                                                         make_asset):
    """list_unchanged answers a buurt or gemeente without a live asset from the places that have one (read once
    per change of the store): the first asset written there, by any store object, and the delete of its last
    one are seen at once."""
    assert asset_store.list_unchanged(buurt_code=BUURT) == []
    assert asset_store.list_unchanged(gemeente_code="GM0363") == []
    other = AssetStore(user_store_target)
    other.add([make_asset("Buurthuis")])
    assert names(asset_store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
    assert names(asset_store.list_unchanged(gemeente_code="GM0363")) == ["Buurthuis"]
    assert names(asset_store.list_unchanged(buurt_code=BUURT, gemeente_code="GM0363")) == ["Buurthuis"]
    assert asset_store.list_unchanged(buurt_code=BUURT, gemeente_code="GM0344") == []
    assert asset_store.list_unchanged(buurt_code="BU03630000") == []
    [built] = other.list(buurt_code=BUURT)
    other.delete(built.id)
    assert asset_store.list_unchanged(buurt_code=BUURT) == []
    assert asset_store.list_unchanged(gemeente_code="GM0363") == []


def test_a_buurt_without_assets_does_not_open_an_unchanged_duckdb_store(tmp_path, make_asset):
    store = AssetStore(str(tmp_path / "bewonerskaart.duckdb"))
    store.add([make_asset("Buurthuis")])
    store.close()
    assert store.list_unchanged(buurt_code="BU03630000") == []   # the places with assets are read
    store.close()
    assert store.list_unchanged(buurt_code="BU03630001") == []   # another buurt without assets: from memory
    assert store.users.backend._anchor is None, "the unchanged store was opened for a buurt without assets"
    assert names(store.list_unchanged(buurt_code=BUURT)) == ["Buurthuis"]
