"""The context strip (profile/view.context_html) reads its three rows as plain records (issue #10, server CPU per
run): the same HTML as the pandas way it replaced (set_index and a .loc per row), for every level."""
from dashboard.profile import view


def _context_by_loc(p) -> str:
    """context_html's rows as the page took them before (set_index and a .loc per row): the reference. The HTML
    of each row is view.context_strip_html's in both, so this compares what the change was about: which rows,
    with which values and types, in which order."""
    rows = p.table.set_index("indicator_id")
    return view.context_strip_html([(ind, rows.loc[ind]) for ind in view.CONTEXT_STRIP if ind in rows.index],
                                   p.region["level"])


def test_the_context_strip_is_the_html_the_pandas_way_gave(build_dir, monkeypatch, con):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    codes = ["NL00", "GM0363", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, level, row_number() over
                                           (partition by level order by region_code) as i from mart_regions_table)
                                           where i % (case level when 'buurt' then 700 when 'wijk' then 300
                                                      else 50 end) = 1""").fetchall()]
    for code in codes:
        p = view.load_profile(code)
        assert view.context_html(p) == _context_by_loc(p), code
    assert len(codes) > 40
