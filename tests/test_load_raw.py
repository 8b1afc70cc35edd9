"""The build's raw values (pipelines/load.py): DuckDB's unpivot of a stored wide table gives exactly the long rows
of the pure transform (transform.wide_to_long), for every shipped table, bounds and missing reasons included."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.load import NULL_COLUMN, RAW_DB, reason_codes, store_wide
from pipelines.transform import LONG_COLUMNS, WideTable, table_to_wide, wide_to_long
from pipelines.values import SchemaError

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"
KEYS = ["region_code", "period", "indicator_id", "age_group"]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _some_indicators(wide: WideTable) -> WideTable:
    """The table's rows with a few of its indicators (a suite-time budget): the first with source margins, the
    first with a rounding interval, the first with neither (those that the table has)."""
    picks = {}
    for k, (_, lower, _, _, round_lower, _) in enumerate(wide.columns):
        kind = ("margins" if pd.notna(lower).any() else "interval" if pd.notna(round_lower).any() else "neither")
        picks.setdefault(kind, k)
    keep = sorted(picks.values())
    return WideTable(wide.table, wide.keys, [wide.indicators[k] for k in keep], [wide.columns[k] for k in keep])


@pytest.mark.parametrize("table_id", sorted(p.name for p in SNAPSHOT.iterdir() if (p / "fetch.json").exists()))
def test_unpivot_of_the_stored_wide_table_is_the_long_form(table_id, catalogue, tmp_path):
    wide = _some_indicators(table_to_wide(read_table_cache(SNAPSHOT / table_id), catalogue.tables[table_id],
                                          catalogue))
    con = duckdb.connect()
    con.execute(f"attach '{tmp_path / 'raw.duckdb'}' as {RAW_DB}")
    select = store_wide(con, wide, "wide_0")
    want = wide_to_long(wide)[LONG_COLUMNS]
    assert wide.n_rows == len(want)
    con.register("want", want)
    # both ways, with duplicates (EXCEPT ALL); pandas' NaN and None arrive as NULL, as they do in the build
    for a, b in ((select, "select * from want"), ("select * from want", select)):
        assert con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0] == 0
    assert con.execute(f"select count(*) from ({select})").fetchone()[0] == len(want)
    # the bounds are really there where the source has them (RIVM margins, intervals of rounded counts)
    assert con.execute(f"select count(lower), count(round_lower) from ({select})").fetchone() == \
        (want["lower"].notna().sum(), want["round_lower"].notna().sum())
    # a bound that no row has is read from the one empty column, not stored per indicator
    stored = {r[0] for r in con.execute(f"select column_name from duckdb_columns() where database_name = "
                                        f"'{RAW_DB}' and table_name = 'wide_0'").fetchall()}
    for k, (_, lower, upper, _, round_lower, round_upper) in enumerate(wide.columns):
        for prefix, bound in (("l", lower), ("u", upper), ("a", round_lower), ("b", round_upper)):
            assert (f"{prefix}{k}" in stored) == bool(pd.notna(bound).any())
    assert NULL_COLUMN in stored


def test_an_unknown_missing_reason_stops_the_build():
    with pytest.raises(SchemaError, match="onbekende reden"):
        reason_codes(pd.Series([None, "suppressed", "geheim"], dtype=object))
