"""The SQL models of a release (pipelines/sql/*.sql, then the wide view built from the catalogue) and the
release's validation, run on the connection of the build."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.catalogue import Catalogue
from pipelines.load import BuildError

SQL_DIR = Path(__file__).with_name("sql")


# the wide view (it reads only int_values and int_current_regions) is made right after this file, and
# run_models' wide_ready is called there
WIDE_AFTER = "02_mart_profile.sql"
# the statistics' tables (peer_buurten, expected_values, stats_models) exist after this file: stats_tables_ready
STATS_TABLES_AFTER = "07_mart_stats.sql"


def run_models(con: duckdb.DuckDBPyConnection, catalogue: Catalogue,
               wide_ready: Callable[[], None] | None = None,
               stats_tables_ready: Callable[[], None] | None = None) -> None:
    """The SQL models in file order, with the wide view (mart_buurt_wide) after WIDE_AFTER. wide_ready, when
    given, is called as soon as the wide view exists, and stats_tables_ready as soon as STATS_TABLES_AFTER has
    declared the statistics' tables: the build computes the statistics from the wide view and writes them in a
    thread beside the remaining models (pipelines/models_beside_stats.py)."""
    for sql_file in sorted(SQL_DIR.glob("*.sql")):
        con.execute(sql_file.read_text(encoding="utf-8"))
        if sql_file.name == WIDE_AFTER:
            con.execute(_wide_view_sql(catalogue))
            if wide_ready is not None:
                wide_ready()
        if sql_file.name == STATS_TABLES_AFTER and stats_tables_ready is not None:
            stats_tables_ready()


def _wide_view_sql(catalogue: Catalogue) -> str:
    ids = [i.id for i in catalogue.indicators]
    # each indicator gets a small number k (its position in the catalogue), so that the pivot's 44 filters compare
    # integers instead of indicator ids on each of the ~535,000 values (a third of the cost)
    positions = ", ".join(f"('{i}', {k})" for k, i in enumerate(ids, start=1))
    cols = ",\n    ".join(f"max(value) filter (where k = {k}) as {i}" for k, i in enumerate(ids, start=1))
    return f"""
-- int_wide_sources / mart_buurt_wide_sources: per indicator the ONE period, table and boundary year the
-- statistics use: the most recent period with current-buurt values (of two tables with that period, the one
-- with the most buurten), with the number of buurten that have a value in it.
-- Contract (mart_buurt_wide_sources): indicator_id, period, table_id, boundary_year, n_buurten
create or replace table int_wide_sources as
with counted as (
    select indicator_id, period, table_id, boundary_year, count(*) as n_buurten
    from int_values
    where value is not null and is_default_group and region_code like 'BU%'
    group by all
)
select * from counted
qualify row_number() over (partition by indicator_id order by period desc, n_buurten desc, table_id) = 1;

create or replace view mart_buurt_wide_sources as select * from int_wide_sources order by indicator_id;

-- mart_buurt_wide: one row per current buurt, one column per indicator, default age group. Every column holds
-- the values of ONE period and table (int_wide_sources): a buurt without a value there is NULL, never an older
-- figure, so the statistics (relations, beter dan verwacht, vergelijkbare buurten) never mix years.
create or replace view mart_buurt_wide as
with positions as (select * from (values {positions}) p(indicator_id, k)),
vals as (
    select v.region_code, p.k, v.value
    from int_values v
    join int_wide_sources using (indicator_id, period, table_id, boundary_year)
    join positions p using (indicator_id)
    where v.is_default_group and v.region_code like 'BU%'
),
pivoted as (
    select region_code,
    {cols}
    from vals group by region_code
)
select r.region_code, r.name, r.gemeente_code, r.wijk_code, p.* exclude (region_code)
from int_current_regions r
left join pivoted p on p.region_code = r.region_code
where r.level = 'buurt';
"""


def validate(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, unique_checked: bool = False) -> None:
    """The release's checks; unique_checked: check_unique_values already ran (the build runs it beside the models,
    pipelines/models_beside_stats.py)."""
    checks = {
        "buurten in de huidige indeling": "select count(*) from mart_regions where level = 'buurt'",
        "waarden in de probleemlens": "select count(*) from mart_profile where lens = 'problem' and value is not null",
        "waarden in de krachtlens": "select count(*) from mart_profile where lens = 'asset' and value is not null",
        "bronnen": "select count(*) from sources",
    }
    for what, sql in checks.items():
        if con.execute(sql).fetchone()[0] == 0:
            raise BuildError(f"controle mislukt: geen {what}")
    if not unique_checked:
        check_unique_values(con)
    for view in ("mart_regions", "mart_profile", "mart_indicator_series", "mart_map_values",
                 "mart_buurt_scores", "mart_buurt_wide", "mart_buurt_wide_sources", "mart_region_shapes",
                 "mart_sources", "mart_catalogue", "mart_division_identity", "mart_division_joins",
                 "mart_division_refused"):
        con.execute(f"describe {view}").fetchall()  # binds the view (catches a broken contract) without running it


def check_unique_values(con: duckdb.DuckDBPyConnection) -> None:
    """No two values with one key in indicator_values (sql/01_int_values.sql): one 64-bit hash per key instead of
    grouping six text columns; only when two keys share a hash (a duplicate, or a collision) is the exact count
    run, so a collision cannot fail a build. The hashes are grouped, not counted distinct: a grouped aggregate
    spills past the memory limit, `count(distinct ...)` does not (the ten-year build's 3.6 million keys ran out of
    the 140 MB limit in it; at a 40 MB limit the snapshot's 1.6 million do; 0.28 against 0.24 s CPU)."""
    keys = "region_code, boundary_year, period, indicator_id, age_group, table_id"
    # fetchall: a result left unfinished would block the connection's next statement (DuckDB 2)
    shared = con.execute(f"""select count(*) from (select hash({keys}) as h from indicator_values
                                                   group by h having count(*) > 1)""").fetchall()[0][0]
    dup = 0 if not shared else con.execute(f"""select count(*) from (select 1 from indicator_values
                                                  group by {keys} having count(*) > 1)""").fetchall()[0][0]
    if dup:
        raise BuildError(f"controle mislukt: {dup} dubbele waarden")
