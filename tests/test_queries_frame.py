"""db.columns / db.frame: the profile's frame built from fetchnumpy equals DuckDB's own fetchdf (values and dtypes),
on a real release and for every NULL pattern of the four types it builds."""
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dashboard.core import db, profile_read, queries

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


def _sample(con, every: int) -> list[str]:
    return [c for (c,) in con.execute(f"""select region_code from (select region_code, row_number() over
                                          (order by region_code) as i from mart_regions) where i % {every} = 5""")
            .fetchall()]


def test_the_lookup_read_equals_the_view_and_is_the_one_used(build_dir, con):
    # profile_read scans the per-region columns of int_profile by row id and takes the other columns from its
    # per-release lookup: the frame equals the ordered plain read of the view, for every level, and it is really
    # the path taken (read() gives columns), not the whole-view read it falls back to
    codes = ["NL00", "GM0363", "WK0363SE", "BU0363AA01", "BU06060701"] + _sample(con, 97)
    sql = (f"select {queries.PROFILE_COLUMNS} from mart_profile where region_code = ? "
           f"order by {queries.PROFILE_ORDER}")
    for code in codes:
        cols = profile_read.read(code, build_dir)
        assert cols is not None, code
        built = db.frame(queries._with_gemeente_code(cols))
        same(built, con.execute(sql, [code]).fetchdf())
    assert profile_read.read("XX0000", build_dir) is None   # no rows: the view's read gives the empty frame


def test_the_lookup_holds_every_region_and_what_the_build_joins(build_dir, con):
    found = profile_read.lookup(build_dir)
    assert found.usable
    # every region with profile rows has them together (int_profile is stored in region order)
    assert set(found.spans) == {c for (c,) in con.execute("select distinct region_code from mart_profile").fetchall()}
    # each looked-up column, taken by its keys for every distinct key of the view, equals the view's own value
    for name, (keys, columns, _) in profile_read.LOOKUPS.items():
        raw = con.execute(f"select distinct {', '.join(keys + columns)} from mart_profile").fetchnumpy()
        taken = found.take(name, list(zip(*(profile_read._values(raw[k]) for k in keys))), missing=name != "indicator")
        for column in columns:
            want, got = profile_read._values(raw[column]), profile_read._values(taken[column])
            if column == "table_title":   # coalesce(title, table_id): the lookup holds the sources' title
                got = [t if g is None else g for t, g in zip(profile_read._values(raw["table_id"]), got)]
            assert [None if w != w else w for w in want] == [None if g != g else g for g in got], (name, column)


def test_the_scanned_view_is_mart_profile_rows_on_its_columns(con):
    # the read scans mart_profile_scan (sql/09_mart_profile_extras.sql), a narrower view on the same table: each of
    # its rows, row id included, is a row of mart_profile_rows, with the same types
    cols = ", ".join(("row_id",) + profile_read.PER_REGION)
    scan = f"select {cols} from mart_profile_scan"
    rows = f"select {cols} from mart_profile_rows"
    assert con.execute(f"select count(*) from ({scan} except all {rows})").fetchone()[0] == 0
    assert con.execute(f"select count(*) from ({rows} except all {scan})").fetchone()[0] == 0
    assert con.execute(f"{scan} limit 0").description == con.execute(f"{rows} limit 0").description
    assert "mart_profile_scan" in profile_read.SQL


def test_a_key_with_two_rows_or_scattered_rows_is_not_looked_up(build_dir, con):
    tables = {name: con.execute(sql).fetchnumpy() for name, (_, _, sql) in profile_read.LOOKUPS.items()}
    types = profile_read.lookup(build_dir).types
    spans = [("BU1", 0, 9, 10), ("BU2", 10, 30, 11)]   # BU2's 11 rows lie among 21 row ids
    found = profile_read.ProfileLookup(tables, spans, types)
    assert found.usable and set(found.spans) == {"BU1"}
    tables["table"] = {k: np.ma.concatenate([v, v[:1]]) for k, v in tables["table"].items()}   # a table_id twice
    assert not profile_read.ProfileLookup(tables, spans, types).usable
    assert not profile_read.ProfileLookup(tables, spans, {**types, "value": "DECIMAL(9,2)"}).usable


def test_a_row_whose_indicator_the_catalogue_lacks_is_not_joined(build_dir, con):
    # int_profile joins the catalogue with an inner join: a row without its indicator gives no looked-up row
    found = profile_read.lookup(build_dir)
    key = con.execute("select indicator_id, period, table_id, age_group from mart_profile limit 1").fetchone()
    assert found.joined([key]) is not None
    assert found.joined([key, ("no such indicator",) + key[1:]]) is None


def test_gemeente_values_equal_the_views_read_for_every_gemeente(build_dir, con):
    # queries.gemeente_values keeps the rows of its WHERE from profile_read's scan: the frame (values and dtypes of
    # the rows kept) equals DuckDB's fetchdf of the view's query, for every gemeente, Nederland and a wijk and buurt
    sql = (f"select {', '.join(queries.GEMEENTE_VALUES)} from mart_profile where region_code = ? "
           f"and is_default_group and value is not null order by {queries.PROFILE_ORDER}")
    codes = [c for (c,) in con.execute("select region_code from mart_regions_table where level = 'gemeente'")
             .fetchall()] + ["NL00", "WK0363AA", "BU0363AA01"]
    assert len(codes) > 300
    fewer = 0
    for code in codes:
        assert profile_read.read(code, build_dir, queries.GEMEENTE_VALUES, queries._default_with_value) is not None
        got, want = queries.gemeente_values(code, build_dir), con.execute(sql, [code]).fetchdf()
        same(got, want)
        fewer += len(want) < len(profile_read.read(code, build_dir)["value"])
    assert fewer == len(codes)   # the WHERE leaves rows out everywhere: the filter itself is compared
