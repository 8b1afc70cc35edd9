"""A full `python -m pipelines refresh` with the real cbsodata client against the local OData replay server
builds the same database as the shipped snapshot."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines import release
from tests.conftest import except_all_counts

# `make test` runs on 2 xdist workers: the replayed refresh (a session fixture, also used by
# tests/test_refresh_keeps_user_store.py) is made once on the worker of this group
pytestmark = pytest.mark.xdist_group("replayed_refresh")

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_TABLES = ROOT / "data" / "snapshot" / "tables"
# Columns the catalogue marks `in_snapshot = false` come through the replay empty (the shipped files have no values
# for them), so the refreshed database has them as missing; every value is compared.
COMPARED = {
    "indicator_values": "select * from indicator_values where value is not null",
    "current regions": "select * from int_current_regions",
    "profile": """select region_code, indicator_id, age_group, period, value, lower, upper, missing_reason,
                  percentile_buurten, gemeente_value, nl_value from mart_profile where value is not null""",
}


@pytest.fixture(scope="module")
def refreshed(replayed_refresh):
    """The one replayed refresh of tests/conftest.py (shared with tests/test_refresh_keeps_user_store.py)."""
    r = replayed_refresh
    return r.data, r.tables, r.stdout, r.requested


def test_refresh_fetched_every_table_through_the_odata_feed(refreshed, release_path):
    tmp, tables, stdout, requested = refreshed
    for table in tables:
        assert any(f"/ODataFeed/odata/{table}/TypedDataSet" in p for p in requested), table
        assert (tmp / "cache" / table / "fetch.json").exists()
    with duckdb.connect(str(release_path), read_only=True) as con:  # the snapshot release: same indicators
        loaded = con.execute("select count(distinct indicator_id) from indicator_values where value is not null")
        assert "Ververst:" in stdout and f"indicatoren met waarden: {loaded.fetchone()[0]}" in stdout


def _qualified(query: str, database: str) -> str:
    """COMPARED's query as a subquery on one attached database (its tables and views named with the database)."""
    return "(" + re.sub(r"\bfrom (\w+)", rf"from {database}.\1", query) + ")"


@pytest.mark.parametrize("what", sorted(COMPARED))
def test_refreshed_database_equals_the_snapshot_database(refreshed, release_path, what):
    """Equal as multisets of rows: the same row count and nothing left over by EXCEPT ALL either way (doubles
    exactly), counted in DuckDB (tests/conftest.py except_all_counts, straight from both databases) instead of
    fetching a million rows twice."""
    tmp, *_ = refreshed
    live = release.current_release(tmp / "build")
    with duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{live}' as live (read_only)")
        con.execute(f"attach '{release_path}' as shipped (read_only)")
        side = {name: _qualified(COMPARED[what], name) for name in ("live", "shipped")}
        count = {name: con.execute(f"select count(*) from {rows}").fetchone()[0] for name, rows in side.items()}
        only_live, only_shipped = except_all_counts(con, side["live"], side["shipped"])
        sample = con.execute(f"select * from {side['live']} except all select * from {side['shipped']} limit 5"
                             ).fetchall() if only_live else []
    assert count["live"] == count["shipped"] > 0
    assert (only_live, only_shipped) == (0, 0), f"{only_live} rows only after the refresh (e.g. {sample}), " \
                                                f"{only_shipped} only in the shipped release"


def test_refreshed_sources_say_they_came_from_cbsodata(refreshed):
    tmp, tables, *_ = refreshed
    with duckdb.connect(str(release.current_release(tmp / "build")), read_only=True) as con:
        methods = dict(con.execute("select table_id, method from sources where catalog like '%cbs.nl'").fetchall())
    assert set(methods) == set(tables)   # the file sources (Kiesraad) are read from the shipped files
    assert set(methods.values()) == {"cbsodata.download_data"}
