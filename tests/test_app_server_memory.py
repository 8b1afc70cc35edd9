"""The server's DuckDB memory limit (dashboard/serve.py sets BUURTBALANS_DB_MEMORY_LIMIT; dashboard/core/db.py):
every read still returns all of its rows, also one that needs more memory than the limit."""
from pandas.testing import assert_frame_equal

from dashboard.core import db


def test_a_read_larger_than_the_limit_runs_again_under_the_large_limit(serving_copy, buurt_wide, monkeypatch):
    # 16 MB: far below what the wide buurt table needs (it is built by a pivot over every buurt value)
    monkeypatch.setenv("BUURTBALANS_DB_MEMORY_LIMIT", "16MB")
    raised = []
    large_limit = db._large_limit
    monkeypatch.setattr(db, "_large_limit", lambda path, cur, step: (raised.append(step), large_limit(path, cur, step)))
    wide = db.query("select * from mart_buurt_wide", build_dir=serving_copy).set_index("region_code")
    assert raised == [1, -1]   # it ran out of memory once, then ran under the large limit
    assert_frame_equal(wide.sort_index(), buurt_wide.sort_index(), check_exact=True)   # the view has no order
    limit, threads = db.query("select current_setting('memory_limit') as m, current_setting('threads') as t",
                              build_dir=serving_copy).iloc[0]
    assert threads == 1 and limit.endswith("MiB") and float(limit.split()[0]) < 16   # the small limit again


def test_a_setting_that_is_not_a_size_is_ignored(serving_copy, monkeypatch):
    monkeypatch.setenv("BUURTBALANS_DB_MEMORY_LIMIT", "64MB'; drop table regions; --")   # it would go into SQL
    assert db._memory_limit() is None
    limit = db.query("select current_setting('memory_limit') as m", build_dir=serving_copy).iloc[0]["m"]
    assert not limit.endswith("MiB")   # DuckDB's default (80% of RAM), not 64 MB
