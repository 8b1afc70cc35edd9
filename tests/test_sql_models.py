"""The build's SQL models that were rewritten for speed (issue #10) give exactly what the straightforward query
they replace gives, on the session release built from the shipped snapshot.

- mart_catalogue (int_catalogue_table, sql/06_mart_about.sql) counts per indicator from the distinct
  (indicator, period) and (indicator, buurt) pairs; the plain way is string_agg(distinct) and count(distinct)
  over every value.
- mart_buurt_wide (pipelines/models.py) pivots with integer filters grouped by region code; the plain way filters
  on the indicator id and groups by every region column.
"""
from __future__ import annotations

import duckdb
import pytest

from pipelines.catalogue import load_catalogue
from tests.conftest import except_all_counts

PLAIN_CATALOGUE = """
with coverage as (
    select indicator_id, string_agg(distinct period, ', ' order by period) as periods,
           count(distinct region_code) filter (where value is not null and region_code like 'BU%') as buurten_with_value
    from r.indicator_values group by indicator_id
)
select i.*, c.periods, coalesce(c.buurten_with_value, 0) as buurten_with_value
from r.indicators i left join coverage c using (indicator_id)"""


def plain_wide() -> str:
    cols = ",\n    ".join(f"max(value) filter (where indicator_id = '{i.id}') as {i.id}"
                           for i in load_catalogue().indicators)
    return f"""
with vals as (
    select v.region_code, v.indicator_id, v.value
    from r.int_values v join r.int_wide_sources using (indicator_id, period, table_id, boundary_year)
    where v.is_default_group and v.region_code like 'BU%'
)
select c.region_code, c.name, c.gemeente_code, c.wijk_code,
    {cols}
from r.int_current_regions c
left join vals l on l.region_code = c.region_code
where c.level = 'buurt'
group by all"""


@pytest.fixture(scope="module")
def mem(release_path):
    connection = duckdb.connect()
    connection.execute("set enable_progress_bar = false")
    connection.execute(f"attach '{release_path}' as r (read_only)")
    yield connection
    connection.close()


@pytest.mark.parametrize("view, plain", [("mart_catalogue", PLAIN_CATALOGUE), ("mart_buurt_wide", None)])
def test_rewritten_model_equals_the_plain_query(mem, view, plain):
    mem.execute(f"create or replace temp table fast as select * from r.{view}")
    mem.execute(f"create or replace temp table slow as {plain or plain_wide()}")
    fast_cols = mem.execute("select column_name, column_type from (describe fast)").fetchall()
    assert fast_cols == mem.execute("select column_name, column_type from (describe slow)").fetchall()
    n = mem.execute("select count(*) from fast").fetchone()[0]
    assert n > 0 and except_all_counts(mem, "fast", "slow") == (0, 0)



def test_map_values_are_stored_in_region_order(mem):
    """int_map_values (sql/04_mart_map.sql) is written without a sort, in the order its grid walks the regions;
    one region's statuses are a zone-map read only while the stored rows stay in region_code order."""
    rows, regions, out_of_order = mem.execute("""
        select count(*), count(distinct region_code), count(*) filter (where region_code < previous)
        from (select region_code, lag(region_code) over (order by rowid) as previous from r.int_map_values)""").fetchone()
    assert rows > regions > 10_000 and out_of_order == 0


def test_profile_ranges_hold_every_key(mem):
    """int_profile (sql/02_mart_profile.sql) is written in ranges of region codes, each sorted (the order is pinned
    in tests/test_release_layout.py): together they hold one row per (region, indicator, age group) of int_values,
    none lost or doubled at a range's edge."""
    rows, keys = mem.execute("""
        select (select count(*) from r.int_profile),
               (select count(*) from (select distinct region_code, indicator_id, age_group
                                      from r.int_values semi join r.indicators using (indicator_id)))""").fetchone()
    assert rows == keys > 800_000
