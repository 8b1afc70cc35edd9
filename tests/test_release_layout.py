"""The physical layout of the release's large materialised models (pipelines/sql/*.sql, issue #10).

A one-region read of a table written in region order touches one block that DuckDB finds by its zone maps (the
min/max of each row group and segment); the same read of unordered rows decompresses a vector per row. These
tests pin the order the SQL models promise (their speed is measured in benchmarks/, never here).
"""
from __future__ import annotations

import pytest

IN_REGION_ORDER = ("int_profile", "int_map_values", "int_current_regions", "int_regions_table",
                   "int_buurt_scores_named")


@pytest.mark.parametrize("table", IN_REGION_ORDER)
def test_table_is_stored_in_region_order(con, table):
    # rowid is the physical position of a row in a table that was written once (never updated or deleted)
    n, out_of_order = con.execute(f"""
        select count(*), count(*) filter (where region_code < previous)
        from (select region_code, lag(region_code) over (order by rowid) as previous from {table})""").fetchone()
    assert n > 0 and out_of_order == 0


def test_map_values_have_no_region_index(con):
    # region order replaces the ART index (which cost ~1 s of CPU to build and read slower than the zone maps)
    indexes = {r[0] for r in con.execute("select table_name from duckdb_indexes()").fetchall()}
    assert "int_map_values" not in indexes
