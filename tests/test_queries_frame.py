"""db.columns / db.frame: the profile's frame built from fetchnumpy equals DuckDB's own fetchdf (values and dtypes),
on a real release and for every NULL pattern of the four types it builds."""
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dashboard.core import db, queries

PROFILE_SQL = (f"select {queries.PROFILE_COLUMNS} from mart_profile where region_code = ? "
               "order by indicator_id, age_group")


def same(built: pd.DataFrame, fetched: pd.DataFrame) -> None:
    assert_frame_equal(built, fetched, check_exact=True)
    assert list(built.dtypes) == list(fetched.dtypes)   # assert_frame_equal lets str vs object pass in some cases


def test_profile_frame_equals_fetchdf_for_every_level(build_dir, con):
    # every level, an unknown code (no rows: object text columns) and buurten spread over the country; NL00 has a
    # text column that is NULL in every row (gemeente_code: object, not str), a buurt NULLs in some rows
    codes = ["NL00", "GM0363", "XX0000", "BU0363AA01", "BU06060701"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (order by region_code) as i from mart_regions)
                                           where i % 500 = 1""").fetchall()]
    for code in codes:
        same(db.frame(db.columns(PROFILE_SQL, [code], build_dir=build_dir)),
             db.query(PROFILE_SQL, [code], build_dir=build_dir))


@pytest.mark.parametrize("sql", [
    "select true as b, 1::bigint as i, 'x' as s, 1.5::double as d",
    "select * from (values (true, 1::bigint, 'a', 1.0::double), (null, null, null, null)) t(b, i, s, d)",
    "select null::boolean as b, null::bigint as i, null::varchar as s, null::double as d",
    "select 1::bigint as i, 'x' as s limit 0",
])
def test_every_null_pattern_gets_fetchdf_dtypes(con, sql):
    same(db.frame(db._columns(con.execute(sql))), con.execute(sql).fetchdf())


def test_other_types_are_left_to_fetchdf(con):
    assert db._columns(con.execute("select 1.5 as decimal_literal")) is None
    assert db._columns(con.execute("select 1::integer as i")) is None
    assert db._columns(con.execute("select 1::bigint as a, 2::bigint as a")) is None   # duplicate names


def test_profile_rows_equal_the_ordered_read_of_the_view(build_dir, con):
    # profile_rows orders the rows in Python and derives gemeente_code by the view's rule: the same frame as DuckDB's
    # ORDER BY and the view's own column, for every level, an unknown code and buurten spread over the country
    codes = ["NL00", "GM0363", "WK036300", "XX0000", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (order by region_code) as i from mart_regions)
                                           where i % 700 = 3""").fetchall()]
    sql = (f"select {queries.PROFILE_COLUMNS} from mart_profile where region_code = ? "
           f"order by {queries.PROFILE_ORDER}")
    for code in codes:
        same(db.frame(queries.profile_rows(code, build_dir)), con.execute(sql, [code]).fetchdf())
