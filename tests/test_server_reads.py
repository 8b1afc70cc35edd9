"""The server's cheaper per-run reads (issue #10, server CPU per profile): each must give exactly what the general
path gives, on the real release, and follow a refresh.

- db.current_path: one readlink per call; a new target of current.duckdb is resolved again (release.current_release)
- queries.region_record / state.region_row: a region's row read as a plain record, equal to the one-row frame's row
- queries.buurt_value_counts: read once per release file, also when sessions ask at the same moment
"""
import math
import os
import threading

import pytest

from dashboard.core import db, queries
from pipelines import release


def test_current_path_follows_every_publish_and_says_when_there_is_none(tmp_path):
    folder = tmp_path / "build"
    folder.mkdir()
    with pytest.raises(release.NoReleaseError):
        db.current_path(folder)
    files = [folder / f"{release.PREFIX}{name}.duckdb" for name in ("a", "b", "c")]
    for f in files:   # current_path only resolves the link: it never opens the file
        f.write_bytes(b"")
        release.publish(f, folder, keep=3)
        assert db.current_path(folder) == release.current_release(folder) == f.resolve()
        assert db.current_path(folder) == f.resolve()   # and again, from what it remembered
    release.publish(files[0], folder, keep=3)            # back to an earlier target: resolved again
    assert db.current_path(folder) == files[0].resolve()
    # reached through a linked folder, the file is named as release.current_release names it (its real path)
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    assert db.current_path(linked) == release.current_release(linked) == files[0].resolve()
    files[0].unlink()   # a link to a file that is gone: no release, as before
    os.replace(folder / release.CURRENT, folder / "old-link")
    with pytest.raises(release.NoReleaseError):
        db.current_path(folder)


def test_current_path_is_the_release_the_app_reads(build_dir):
    assert db.current_path(build_dir) == release.current_release(build_dir)
    assert db.release_key(build_dir) == release.current_release(build_dir).name


def _frame_row(code, build_dir):
    hit = db.query("select * from mart_regions_table where region_code = ?", [code], build_dir=build_dir)
    return None if hit.empty else {k: float("nan") if v is None else v for k, v in hit.iloc[0].to_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        type(a[k]) is type(b[k]) and (a[k] is b[k] or a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k]) and
                                                        math.isnan(b[k]))) for k in a)


def test_a_region_record_equals_the_one_row_frames_row_for_every_level(build_dir, con):
    """state.region_row's record (NULL as NaN) is the row the one-row frame gave: the same keys, values and
    Python types, for Nederland, gemeenten, wijken and buurten spread over the country (NULL names, postcodes)."""
    codes = ["NL00", "GM0363", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (partition by level order by region_code) as i from mart_regions_table)
                                           where i % 97 = 1""").fetchall()]
    levels = set()
    for code in codes:
        record = queries.region_record(code, build_dir)
        row = {k: float("nan") if v is None else v for k, v in record.items()}
        assert _same(row, _frame_row(code, build_dir)), code
        levels.add(row["level"])
    assert levels == {"land", "gemeente", "wijk", "buurt"}
    assert queries.region_record("NL00", build_dir)["gemeente_code"] is None   # a NULL is among those compared
    assert queries.region_record("GM9999", build_dir) is None and _frame_row("GM9999", build_dir) is None


def test_region_row_reads_the_record_with_its_label(build_dir, monkeypatch):
    import streamlit as st

    from dashboard.core import search, state
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    st.cache_data.clear()
    row = state.region_row("BU0363AA01")
    frame_row = _frame_row("BU0363AA01", build_dir)
    assert _same({k: v for k, v in row.items() if k != "label"}, frame_row)
    assert row["label"] == search.display_label(frame_row)
    assert state.region_row("BU0363ZZ99") is None and state.region_row(None) is None
    st.cache_data.clear()


def test_the_buurten_values_are_read_once_per_release_also_when_sessions_ask_together(build_dir, monkeypatch):
    path = db.current_path(build_dir)
    queries._value_counts.pop(path, None)
    reads = []
    real = queries._read_value_counts
    monkeypatch.setattr(queries, "_read_value_counts", lambda p, b: reads.append(p) or real(p, b))
    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait()
        got.append(queries.buurt_value_counts(path, build_dir))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert reads == [path] and len(got) == 8 and all(g is got[0] for g in got)
    assert got[0].n_buurten_all > 10_000


def test_query_gives_fetchdfs_frame_for_every_mart_view(con):
    """db.query builds its frame from fetchnumpy when it can: for up to 300 real rows of every mart_* view (taken
    once into an in-memory table, so both reads see the same rows in the same order) it equals fetchdf's frame,
    values and dtypes; a view with another column type goes to fetchdf itself."""
    import duckdb
    from pandas.testing import assert_frame_equal

    views = [v for (v,) in con.execute("select table_name from information_schema.tables "
                                       "where table_name like 'mart_%' order by 1").fetchall()]
    assert len(views) > 10
    built = 0
    for view in views:
        rows = con.sql(f"select * from {view} limit 300").to_arrow_table()
        mem = duckdb.connect()
        mem.execute("set threads = 1")
        mem.register("rows_arrow", rows)
        mem.execute("create table t as select * from rows_arrow")
        ours = db._frame_of(mem.execute("select * from t"))
        theirs = mem.execute("select * from t").fetchdf()
        assert_frame_equal(ours, theirs, check_exact=True, obj=view)
        assert list(ours.dtypes) == list(theirs.dtypes), view
        built += db._columns(mem.execute("select * from t")) is not None
        mem.close()
    assert built >= 5   # the fast path is taken for real views, not only the fallback


def _same_records(a: list[dict], b: list[dict]) -> bool:
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))


def test_the_profile_blocks_read_the_same_records_as_to_dict(build_dir, monkeypatch, con):
    """profile/blocks.py reads a profile table's rows (and the sources) with plain_records instead of
    DataFrame.to_dict('records'): the same dicts, values and Python types, for every level and buurten spread
    over the country, so the blocks' HTML is what it was."""
    import streamlit as st

    from dashboard.profile import view
    from dashboard.profile.blocks import plain_records
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    st.cache_data.clear()
    codes = ["NL00", "GM0363", "WK036300", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (order by region_code) as i from mart_regions_table
                                           where level = 'buurt') where i % 1500 = 1""").fetchall()]
    for code in codes:
        p = view.load_profile(code)
        assert len(p.table) > 20, code
        assert _same_records(plain_records(p.table), p.table.to_dict("records")), code
    assert _same_records(plain_records(p.sources), p.sources.to_dict("records"))
    st.cache_data.clear()


def _sentence_by_masks(area, region):
    """The quadrant sentence as the page made it before (pandas masks over the area): the reference."""
    from dashboard.profile.view import _compared
    if region["level"] != "buurt":
        n = int(area[["strength_score", "need_score"]].notna().all(axis=1).sum())
        return f"De {n} buurten van {region['gemeente_name']} op kracht en zorgen." if region["level"] == "gemeente" \
            else f"De buurten van wijk {region['name']} (gekleurd) tussen de andere buurten van {region['gemeente_name']}."
    me = area[area["region_code"] == region["region_code"]]
    if me.empty or me[["strength_score", "need_score"]].isna().any(axis=None):
        return "Voor deze buurt zijn te weinig cijfers om hem hier te tonen."
    s, n = me.iloc[0]["strength_score"], me.iloc[0]["need_score"]
    return (f"Vergeleken met de gemiddelde buurt in Nederland heeft {region['name']} {_compared(s, 'kracht')} en "
            f"{_compared(n, 'zorgen')}.")


def test_the_quadrant_sentence_from_the_cached_dots_is_the_one_from_masks(build_dir):
    """The sentence above the quadrant and the count of buurten left out, read from a gemeente's cached dots
    (quadrant.points), equal what the pandas masks gave: every buurt of gemeenten with and without buurten
    lacking a score, a buurt of another gemeente, a gemeente and a wijk."""
    from dashboard.profile import quadrant
    from dashboard.profile.view import quadrant_sentence
    scores = queries.buurt_scores(build_dir)
    incomplete = scores[scores[["strength_score", "need_score"]].isna().any(axis=1)]["gemeente_code"]
    gemeenten = ["GM0363", "GM0344", *incomplete.drop_duplicates().head(3)]
    assert len(gemeenten) == 5
    for gm in gemeenten:
        area = scores[scores["gemeente_code"] == gm]
        dots = quadrant.points(area)
        assert len(area) - len(dots.codes) == int(area[["strength_score", "need_score"]].isna().any(axis=1).sum())
        regions = [{"level": "buurt", "region_code": c, "name": n, "gemeente_name": g}
                   for c, n, g in zip(area["region_code"], area["name"], area["gemeente_name"])]
        regions += [{"level": "buurt", "region_code": "BU0000XX00", "name": "elders", "gemeente_name": "x"},
                    {"level": "gemeente", "region_code": gm, "name": "g", "gemeente_name": "G"},
                    {"level": "wijk", "region_code": str(area["wijk_code"].iloc[0]), "name": "w", "gemeente_name": "G"}]
        for region in regions:
            expected = _sentence_by_masks(area, region)
            assert quadrant_sentence(area, region, dots) == expected == quadrant_sentence(area, region), region


def test_the_page_icon_is_a_png_data_url_that_streamlit_passes_on_as_it_is():
    """The favicon (two blocks, Kracht beside Zorgen) is made once as a PNG data URL: Streamlit returns such a URL
    unchanged instead of encoding an image again in every run, and a data URL is no request off the machine."""
    import base64
    import io

    from PIL import Image
    from streamlit.commands.page_config import _get_favicon_string

    from dashboard.core.favicon import page_icon_url
    url = page_icon_url()
    assert url.startswith("data:image/png;base64,")
    img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert img.size == (64, 64) and img.getpixel((10, 40))[:3] == (0x00, 0x69, 0x5C)
    assert img.getpixel((50, 50))[:3] == (0x5E, 0x3C, 0x99) and img.getpixel((32, 2))[3] == 0
    assert _get_favicon_string(url) == url


def test_records_reads_the_same_lists_as_the_columns_series(build_dir):
    """table.records reads each column through its array instead of building a Series per column: the same lists
    (values and Python types, NULLs included) for the frames a profile reads, of every level."""
    from dashboard.profile.table import _column_lists
    frames = [queries.profile(c, build_dir) for c in ("NL00", "GM0363", "BU0363AA01")]
    frames += [queries.map_status("BU0363AA01", build_dir), queries.catalogue(build_dir), queries.sources(build_dir),
               queries.gemeente_values("GM0363", build_dir)]
    for frame in frames:
        cols = list(frame.columns)
        theirs = [frame[c].tolist() for c in cols]
        assert _same_records([dict(zip(cols, v)) for v in zip(*_column_lists(frame, cols))],
                             [dict(zip(cols, v)) for v in zip(*theirs)])


def _profile_tables(build_dir, codes):
    from dashboard.profile.table import profile_table
    catalogue, sources = queries.catalogue(build_dir), queries.sources(build_dir)
    for code in codes:
        region = queries.region_record(code, build_dir)
        assert region is not None, code
        gemeente = region["gemeente_code"]
        below = region["level"] in ("buurt", "wijk") and gemeente
        yield profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                            queries.area_coverage(gemeente, build_dir), catalogue, sources, level=region["level"],
                            gemeente_profile=queries.gemeente_values(gemeente, build_dir) if below else None)


def test_the_profile_table_is_the_frame_pandas_builds_from_its_columns(build_dir, con, monkeypatch):
    """profile_table makes its frame from the columns' arrays at once (table.table_frame) instead of a frame of
    Series aligned on their index: the same frame (values, dtypes, index) as pd.DataFrame({c: pd.Series(values,
    dtype)}) for every level and buurten spread over the country, with and without their gemeente's context."""
    import pandas as pd
    from pandas.testing import assert_frame_equal

    from dashboard.profile import table
    made = []
    real = table.table_frame

    def recording(columns, dtypes):
        made.append((columns, dtypes, real(columns, dtypes)))
        return made[-1][2]
    monkeypatch.setattr(table, "table_frame", recording)
    codes = ["GM0363", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, level, row_number() over
                                           (partition by level order by region_code) as i from mart_regions_table)
                                           where i % (case level when 'buurt' then 1000 when 'wijk' then 400
                                                      else 60 end) = 1""").fetchall()]
    tables = list(_profile_tables(build_dir, codes))
    assert len(made) == len(tables) == len(codes)
    kinds = set()
    for (columns, dtypes, frame), shown in zip(made, tables):
        assert frame is shown
        expected = pd.DataFrame({c: pd.Series(values, dtype=dtypes[c]) for c, values in columns.items()})
        assert_frame_equal(frame, expected, check_exact=True)
        assert list(frame.dtypes) == list(expected.dtypes)
        kinds |= {str(d) for d in frame.dtypes}
    assert {"str", "float64", "object", "bool"} <= kinds   # inferred, text, numbers and flags all compared


def test_what_a_profile_derives_from_a_shared_frame_is_made_again_for_another_frame(build_dir):
    """table.per_frame keeps what the profile table derives from the release's shared catalogue and sources per
    frame object: the same object gives what was made from it, another frame (a changed copy) its own."""
    from dashboard.profile.table import _visible_catalogue, per_frame
    catalogue = queries.catalogue(build_dir)
    first = per_frame(catalogue, _visible_catalogue)
    assert per_frame(catalogue, _visible_catalogue) is first
    changed = catalogue.copy()
    shown = changed.index[~changed["hidden"].astype(bool)]
    changed.loc[shown[:3], "hidden"] = True
    again = per_frame(changed, _visible_catalogue)
    hidden = set(changed.loc[shown[:3], "indicator_id"])
    assert [r["indicator_id"] for r in again[1]] == [r["indicator_id"] for r in first[1]
                                                      if r["indicator_id"] not in hidden]
    assert per_frame(catalogue, _visible_catalogue) is first


def test_area_coverage_from_the_release_lookup_is_the_frame_of_its_read(build_dir, con):
    """queries.area_coverage gives each area's rows from mart_area_coverage read once per release file: the same
    frame (values, order, dtypes) as the read per area, for every area in the release (Nederland too) and for a
    gemeente code the release does not have."""
    from pandas.testing import assert_frame_equal
    areas = [a for (a,) in con.execute("select distinct area from mart_area_coverage order by 1").fetchall()]
    assert "NL" in areas and len(areas) > 300
    for code in [None if a == "NL" else "GM" + a for a in areas] + ["GM9999"]:
        area = "NL" if code is None else code[2:6]
        ours = queries.area_coverage(code, build_dir)
        theirs = db.query(queries.AREA_COVERAGE_SQL, [area], build_dir=build_dir)
        assert_frame_equal(ours, theirs, check_exact=True, obj=str(code))
        assert list(ours.dtypes) == list(theirs.dtypes), code
    assert queries.area_coverage("GM9999", build_dir).empty
