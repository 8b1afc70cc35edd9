"""A user store made by the release before the wijkagenda (Bewonerskaart assets, the userstore ledger and audit
log) opens after the change with nothing lost; a store migrated by a newer release is refused untouched."""
from __future__ import annotations

import duckdb
import pytest

from dashboard import userstore
from dashboard.bewoners import AssetStore, build_asset
from dashboard.wijkagenda.migrate import FEATURE
from dashboard.wijkagenda.store import AgendaStore

ROWS = [{"name": "Repair Café Dapperbuurt", "category": "verenigingen", "buurt_code": "BU0363ME01"},
        {"name": "Buurthuis De Boomgaard", "category": "plekken", "buurt_code": "BU03440121",
         "description": "Koffie op dinsdag", "date": "2024-03-01"}]


def dump(path) -> dict[str, list]:
    """Every table of the file with all its rows, sorted."""
    with duckdb.connect(str(path)) as con:  # same config as the store's own (idle) connection
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'main' order by 1").fetchall()]
        return {n: sorted(map(repr, con.execute(f"select * from {n}").fetchall())) for n in names}


@pytest.fixture()
def old_store(tmp_path):
    """The user store as the current release leaves it: assets, and the userstore ledger with its audit log."""
    path = tmp_path / "user" / "bewonerskaart.duckdb"
    known = {row["buurt_code"] for row in ROWS}
    AssetStore(path, known_buurt_codes=known).add([build_asset(r, known_buurt_codes=known, locator=None)
                                                   for r in ROWS])
    userstore.UserStore(path)   # ledger + audit log, as any page that opened the shared store made them
    return path


def test_an_older_user_store_opens_with_nothing_lost(old_store):
    before = dump(old_store)
    assert "wijkagenda_agendas" not in before and len(before["assets"]) == 2
    store = AgendaStore(old_store)
    after = dump(old_store)
    for table, rows in before.items():
        if table != "userstore_migrations":
            assert after[table] == rows, table                      # every old row, unchanged
    assert set(before["userstore_migrations"]) <= set(after["userstore_migrations"])
    with duckdb.connect(str(old_store)) as con:
        assert con.execute("select version from userstore_migrations where feature = ?", [FEATURE]).fetchall() \
            == [(1,)]
    assert store.agendas() == []
    with duckdb.connect(str(old_store)) as con:
        assert sorted(r[0] for r in con.execute("select name from assets").fetchall()) == sorted(r["name"] for r in ROWS)
    AgendaStore(old_store)                                          # opening again migrates nothing
    assert dump(old_store)["userstore_migrations"] == after["userstore_migrations"]


def test_a_store_from_a_newer_release_is_refused_untouched(old_store):
    AgendaStore(old_store)
    with duckdb.connect(str(old_store)) as con:
        con.execute("insert into userstore_migrations values (?, 2, 'van later', now())", [FEATURE])
    before = dump(old_store)
    with pytest.raises(userstore.StoreTooNewError) as err:
        AgendaStore(userstore.UserStore(old_store))
    assert "nieuwere versie" in str(err.value)
    assert dump(old_store) == before


def test_a_store_from_before_the_user_store_opens_in_the_wijkagenda_first(tmp_path):
    """tests/data/bewonerskaart-before-userstore.duckdb.gz (written by d278b06, see tests/data/README.md) opened
    by the Wijkagenda before any other page: its assets stay as they were, and the Bewonerskaart still opens it."""
    import gzip
    from pathlib import Path

    path = tmp_path / "bewonerskaart.duckdb"
    path.write_bytes(gzip.decompress((Path(__file__).parent / "data" /
                                      "bewonerskaart-before-userstore.duckdb.gz").read_bytes()))
    before = dump(path)
    AgendaStore(path).create_agenda({"id": "ag1", "title": "Onze buurt", "region": "BU0363AD05",
                                     "created": "2026-11-21", "conversations": [], "priorities": []})
    after = dump(path)
    assert after["assets"] == before["assets"]
    assert AgendaStore(path).agenda("ag1")[1] == 1
    store = AssetStore(path, known_buurt_codes={"BU0363AD05"})
    assert len(store.list()) == len(before["assets"]) == 4
    store.close()
