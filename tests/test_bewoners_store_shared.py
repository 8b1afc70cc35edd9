"""AssetStore on a shared server, on both user-store backends: soft deletes that can be undone, stale edits
refused with the current values, one item stored once (also by two sessions at once), a cap per buurt, paging,
and ten sessions editing one buurt at once."""
from __future__ import annotations


import pytest

from dashboard.bewoners import AssetNotFoundError, AssetStore, AssetStoreError, AssetValidationError, StaleAssetError
from tests.conftest import run_in_threads

# `make test` runs on 2 xdist workers: keep the store tests on one worker, so the store is made once
pytestmark = pytest.mark.xdist_group("test_bewoners_store")



def test_delete_is_soft_logged_and_undoable(asset_store, make_asset):
    asset = make_asset("Moestuin", description="achter de school")
    asset_store.add([asset], actor="redacteur:anna")
    assert asset_store.delete(asset.id, actor="redacteur:bram") is True
    assert asset_store.list() == [] and asset_store.counts_per_category(asset.buurt_code)["plekken"] == 0
    [(gone, when, who)] = asset_store.deleted(asset.buurt_code)
    assert (gone.name, who) == ("Moestuin", "redacteur:bram") and when.tzinfo is not None
    back = asset_store.restore(asset.id, actor="redacteur:anna")
    assert asset_store.list() == [back] and (back.name, back.description) == ("Moestuin", "achter de school")
    log = [(e.action, e.actor, (e.before or {}).get("name"), (e.after or {}).get("name"))
           for e in reversed(asset_store.history(asset.id))]
    assert log == [("create", "redacteur:anna", None, "Moestuin"), ("delete", "redacteur:bram", "Moestuin", None),
                   ("restore", "redacteur:anna", None, "Moestuin")]
    with pytest.raises(AssetNotFoundError):
        asset_store.restore(asset.id)


def test_restore_is_refused_when_the_same_item_came_back(asset_store, make_asset):
    first = make_asset("Moestuin")
    asset_store.add([first])
    asset_store.delete(first.id)
    asset_store.add([make_asset("moestuin ")])             # re-added while the first was deleted: allowed
    with pytest.raises(AssetStoreError, match="Terugzetten kan niet"):
        asset_store.restore(first.id)
    assert [a.name for a in asset_store.list()] == ["moestuin"]


def test_a_stale_edit_is_refused_with_the_current_values(asset_store, make_asset):
    asset = make_asset("Bieb", description="open op maandag")
    asset_store.add([asset])
    mine = asset_store.get(asset.id)
    other = asset_store.update(asset.id, expected_version=mine.version, actor="sessie:1", description="open op dinsdag")
    assert other.version == mine.version + 1
    with pytest.raises(StaleAssetError) as err:
        asset_store.update(asset.id, expected_version=mine.version, actor="sessie:2", name="Bibliotheek")
    assert err.value.current.description == "open op dinsdag" and err.value.current.name == "Bieb"
    assert "Iemand anders heeft dit item gewijzigd" in str(err.value)
    with pytest.raises(StaleAssetError):
        asset_store.delete(asset.id, expected_version=mine.version)
    assert asset_store.get(asset.id) == other
    before, after = asset_store.history(asset.id)[0].before, asset_store.history(asset.id)[0].after
    assert (before["description"], after["description"], after["version"]) == (
        "open op maandag", "open op dinsdag", 2)


def test_the_same_item_is_stored_once(asset_store, make_asset):
    asset_store.add([make_asset("Speeltuin")])
    with pytest.raises(AssetStoreError, match="staat al op de Bewonerskaart"):
        asset_store.add([make_asset("Boekenkast"), make_asset("  speeltuin")])
    saved = asset_store.add_new([make_asset("Boekenkast"), make_asset("  SPEELTUIN"), make_asset("boekenkast")])
    assert saved == (1, 2)
    assert sorted(a.name for a in asset_store.list()) == ["Boekenkast", "Speeltuin"]
    other = make_asset("Kinderboerderij")
    asset_store.add([other])
    with pytest.raises(AssetValidationError, match="er staat al een item met deze naam"):
        asset_store.update(other.id, name="speeltuin")


def test_one_upload_saved_by_two_sessions_at_once_is_stored_once(asset_store, template_assets):
    results = []
    run_in_threads(lambda _: results.append(asset_store.add_new(template_assets, actor="sessie")), 4)
    assert sorted(results) == [(0, 3), (0, 3), (0, 3), (3, 0)]
    assert len(asset_store.list()) == 3


def test_items_per_buurt_are_capped(user_store_target, known, make_asset):
    store = AssetStore(user_store_target, known_buurt_codes=known, max_per_buurt=3)
    store.add([make_asset(f"Item {i}") for i in range(3)])
    with pytest.raises(AssetStoreError, match="meer dan 3 items krijgen"):
        store.add([make_asset("Een te veel"), make_asset("Elders", buurt_code="BU03440611")])
    assert store.count() == 3
    store.delete(store.list()[0].id)
    assert store.add([make_asset("Nu past het")]) == 1


def test_paging_and_streamed_reading_see_every_item_once(asset_store, make_asset):
    asset_store.add([make_asset(f"Item {i:03d}") for i in range(25)])
    pages = [asset_store.list("BU0363AD05", limit=10, offset=start) for start in (0, 10, 20)]
    assert [len(p) for p in pages] == [10, 10, 5] and asset_store.count("BU0363AD05") == 25
    assert [a.id for p in pages for a in p] == [a.id for a in asset_store.iter_all("BU0363AD05", page=7)]


def test_ten_sessions_editing_one_buurt_lose_no_change(asset_store, make_asset):
    """10 sessions at once: each adds its own item and appends its mark to three shared items, re-reading
    the item after a stale refusal (what the page asks of a person). Every mark and item must be there."""
    shared = [make_asset(f"Gedeeld {i}", description="") for i in range(3)]
    asset_store.add(shared)
    stale: list[int] = []

    def session(n: int) -> None:
        asset_store.add([make_asset(f"Sessie {n}")], actor=f"sessie:{n}")
        for asset in shared:
            while True:
                current = asset_store.get(asset.id)
                try:
                    asset_store.update(asset.id, expected_version=current.version, actor=f"sessie:{n}",
                                       description=f"{current.description or ''}[{n}]")
                    break
                except StaleAssetError:
                    stale.append(n)
    run_in_threads(session, 10)
    for asset in shared:
        now = asset_store.get(asset.id)
        assert sorted(now.description.strip("[]").split("][")) == sorted(str(n) for n in range(10))
        assert now.version == 11
    assert asset_store.count("BU0363AD05") == 13
    assert len([e for e in asset_store.history(limit=1000) if e.action == "update"]) == 30
