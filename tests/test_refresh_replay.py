"""A full `python -m pipelines refresh` with the real cbsodata client against the local OData replay server
builds the same database as the shipped snapshot."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import release
from tests.replay_server import ReplayServer

# `make test` runs on 2 xdist workers: keep this module on one worker, so the replayed refresh is made once
pytestmark = pytest.mark.xdist_group("test_refresh_replay")

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT_TABLES = ROOT / "data" / "snapshot" / "tables"
# Columns the catalogue marks `in_snapshot = false` come through the replay empty (the shipped files have no values
# for them), so the refreshed database has them as missing; every value is compared.
COMPARED = {
    "indicator_values": "select * from indicator_values where value is not null order by all",
    "current regions": "select * from int_current_regions order by all",
    "profile": """select region_code, indicator_id, age_group, period, value, lower, upper, missing_reason,
                  percentile_buurten, gemeente_value, nl_value from mart_profile where value is not null
                  order by all""",
}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refresh")
    tables = sorted(p.name for p in SNAPSHOT_TABLES.iterdir() if (p / "fetch.json").exists())
    # file sources (catalog = "file", Kiesraad) are shipped, never fetched: the otherwise empty snapshot keeps them
    shutil.copytree(SNAPSHOT_TABLES.parent / "files", tmp / "no-snapshot" / "files")
    with ReplayServer(SNAPSHOT_TABLES) as server:
        env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(tmp / "build"), "BUURTBALANS_CACHE_DIR": str(tmp / "cache"),
               # an empty snapshot: everything must come through cbsodata
               "BUURTBALANS_SNAPSHOT_DIR": str(tmp / "no-snapshot")}
        args = [sys.executable, "-m", "pipelines", "refresh", "--catalog-url", server.host, "--http",
                "--no-progress", "--timeout", "120"]
        for table in tables:
            args += ["--table", table]
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
        requested = [r.path for r in server.requests]
    assert proc.returncode == 0, proc.stderr
    return tmp, tables, proc.stdout, requested


def test_refresh_fetched_every_table_through_the_odata_feed(refreshed, release_path):
    tmp, tables, stdout, requested = refreshed
    for table in tables:
        assert any(f"/ODataFeed/odata/{table}/TypedDataSet" in p for p in requested), table
        assert (tmp / "cache" / table / "fetch.json").exists()
    with duckdb.connect(str(release_path), read_only=True) as con:  # the snapshot release: same indicators
        loaded = con.execute("select count(distinct indicator_id) from indicator_values where value is not null")
        assert "Ververst:" in stdout and f"indicatoren met waarden: {loaded.fetchone()[0]}" in stdout


@pytest.mark.parametrize("what", sorted(COMPARED))
def test_refreshed_database_equals_the_snapshot_database(refreshed, release_path, what):
    tmp, *_ = refreshed
    live = release.current_release(tmp / "build")
    with duckdb.connect(str(live), read_only=True) as a, duckdb.connect(str(release_path), read_only=True) as b:
        got = a.execute(COMPARED[what]).fetchall()
        expected = b.execute(COMPARED[what]).fetchall()
    assert len(got) == len(expected) > 0
    assert got == expected


def test_refreshed_sources_say_they_came_from_cbsodata(refreshed):
    tmp, tables, *_ = refreshed
    with duckdb.connect(str(release.current_release(tmp / "build")), read_only=True) as con:
        methods = dict(con.execute("select table_id, method from sources where catalog like '%cbs.nl'").fetchall())
    assert set(methods) == set(tables)   # the file sources (Kiesraad) are read from the shipped files
    assert set(methods.values()) == {"cbsodata.download_data"}
