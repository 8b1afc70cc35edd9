"""A refresh through the wire loses nothing: snapshot -> replay server -> cbsodata -> extract -> transform gives the
same long values as transforming the shipped snapshot directly, for every table kind.

This pins the round trip that `python -m pipelines refresh --catalog-url <replay> --http` relies on, including the
switch of 85618NED from download-file names to OData keys.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.extract import fetch_table, table_stems
from pipelines.transform import table_to_long
from tests.replay_server import SNAPSHOT_TABLES, ReplayServer

# `make test` runs on 2 xdist workers: keep this module on one worker, so the replay server is made once
pytestmark = pytest.mark.xdist_group("test_replay_refresh_cache")

CAT = load_catalogue()
REGIONS = ("NL", "GM0363", "WK0363", "GM0014")  # Amsterdam and Groningen, their wijken, and the country
COMPARED = ["region_code", "period", "indicator_id", "age_group", "value", "lower", "upper"]
SNAPSHOT_IDS = sorted(p.name for p in SNAPSHOT_TABLES.iterdir() if (p / "fetch.json").exists())


@pytest.fixture(scope="module")
def replay():
    with ReplayServer(regions=REGIONS) as server:
        yield server


def _long(cache_folder: Path, table_id: str) -> pd.DataFrame:
    long = table_to_long(read_table_cache(cache_folder), CAT.tables[table_id], CAT)
    long = long[long["region_code"].str.startswith(REGIONS)]
    return long[COMPARED].sort_values(COMPARED[:4]).reset_index(drop=True)


@pytest.mark.parametrize("table_id", SNAPSHOT_IDS)
def test_refreshed_table_transforms_to_the_snapshot_values(replay: ReplayServer, tmp_path: Path,
                                                           table_id: str) -> None:
    folder = fetch_table(CAT.tables[table_id], tmp_path, catalog_url=replay.host, use_https=False, timeout=10,
                         retries=0, progress=False, stems=table_stems(CAT, table_id))
    refreshed, shipped = _long(folder, table_id), _long(SNAPSHOT_TABLES / table_id, table_id)
    assert len(shipped) > 0
    # columns the catalogue marks `in_snapshot = false` come through the wire empty: no value, nothing invented
    unshipped = ~refreshed["indicator_id"].isin(shipped["indicator_id"])
    assert refreshed.loc[unshipped, "value"].isna().all()
    refreshed = refreshed[~unshipped].reset_index(drop=True)
    pd.testing.assert_frame_equal(refreshed, shipped, check_dtype=False)
