"""What the profile page derives from a region's profile (indicator blocks, sources list, summary) is made once per
shared Profile and kept on it (profile/blocks.derived, issue #10: server CPU per profile), instead of a Streamlit
cache call per use: the same parts as made afresh, one object for every run, bounded per profile."""
from dashboard.profile import blocks, summary, view


def test_the_parts_are_made_once_per_profile_and_equal_to_fresh_ones(build_dir, monkeypatch, con):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    wijk = con.execute("select min(region_code) from mart_regions_table where level = 'wijk' and region_code like 'WK0363%'")
    for code in ("NL00", "GM0363", wijk.fetchone()[0], "BU0363AA01"):
        p = view.load_profile(code)
        assert p.region is not None and len(p.table) > 20, code
        assert view.load_profile(code) is p   # one shared object per release and region
        fresh = view.Profile(region=p.region, table=p.table, sources=p.sources)
        parts = blocks.indicator_blocks(p, None)
        assert blocks.indicator_blocks(p, None) is parts   # kept: made once
        assert parts == blocks._indicator_blocks(fresh, None)
        assert blocks.sources_markdown(p) is blocks.sources_markdown(p) == blocks._sources_markdown(fresh)
        told = view.summary_of(p)
        assert view.summary_of(p) is told
        assert told == summary.summarize(fresh.table, fresh.region["level"], n_buurten=view.buurten_in_wijk(fresh))
        # a chosen indicator marks its block: other parts than without one
        chosen = str(p.table["indicator_id"].iloc[0])
        assert blocks.indicator_blocks(p, chosen) == blocks._indicator_blocks(fresh, chosen) != parts


def test_what_a_profile_keeps_is_bounded_and_a_profile_without_the_dict_computes():
    p = view.Profile(region={}, table=None, sources=None)
    made = []
    for i in range(3 * blocks.DERIVED_ENTRIES):   # e.g. ?indicator= with ever new text: computed, not all kept
        assert blocks.derived(p, ("blocks", str(i)), lambda: made.append(i) or i) == i
    assert len(p.derived) == blocks.DERIVED_ENTRIES and len(made) == 3 * blocks.DERIVED_ENTRIES

    class Bare:   # a profile-like object without the dict: made every time, nothing kept
        pass
    assert [blocks.derived(Bare(), ("x",), lambda: len(made)) for _ in range(2)] == [len(made)] * 2


def test_the_peers_explanation_is_the_models_text_read_once_per_release(build_dir, monkeypatch, con):
    from dashboard.core import db
    from dashboard.stats import view_peers
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    want = con.execute("select explanation from mart_stats_models where model = 'peers'").fetchone()[0]
    release = db.release_key()
    assert view_peers._peers_explanation(release) == want
    view_peers._explanations[release] = "kept"   # read once: the kept answer is given again
    assert view_peers._peers_explanation(release) == "kept"
    view_peers._explanations.pop(release)
    assert view_peers._peers_explanation(release) == want
