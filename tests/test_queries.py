"""queries.py on a real release built from the snapshot, and profile/table.profile_table on its output."""
import pandas as pd
import pytest

from dashboard.profile.table import profile_table
from dashboard.core import queries
from dashboard.core.format import NOT_IN_DATA


@pytest.fixture(scope="module")
def catalogue(build_dir):
    return queries.catalogue(build_dir)


@pytest.fixture(scope="module")
def sources(build_dir):
    return queries.sources(build_dir)


def table_for(code, build_dir, catalogue, sources):
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                                      queries.area_coverage(gemeente, build_dir), catalogue, sources)


def test_region_and_unknown_region(build_dir):
    assert queries.region("GM0363", build_dir)["name"] == "Amsterdam"
    assert queries.region("GM9999", build_dir) is None


def test_user_input_is_a_parameter_not_sql(build_dir):
    assert queries.region("x' or '1'='1", build_dir) is None
    assert queries.profile("'; drop table regions; --", build_dir).empty


def test_profile_amsterdam_has_real_values(build_dir):
    prof = queries.profile("GM0363", build_dir)
    default = prof[prof["is_default_group"]].set_index("indicator_id")
    assert default.loc["vrijwilligerswerk", "value"] == pytest.approx(17.0)
    assert default.loc["vrijwilligerswerk", "nl_value"] == pytest.approx(24.6)
    assert default.loc["vrijwilligerswerk", "table_id"] == "50090NED"


def test_share_lower_equals_contract_percentile_for_a_buurt(build_dir):
    prof = queries.profile("BU0363AA01", build_dir).dropna(subset=["value"])
    share = 100 * prof["n_lower"] / prof["n_total"]
    assert (share - prof["percentile_buurten"]).abs().max() < 0.1
    assert (prof["n_total"] == prof["n_buurten"]).all()


def test_map_status_lists_every_indicator(build_dir, catalogue):
    status = queries.map_status("BU0363AA01", build_dir).set_index("indicator_id")
    # every indicator with rows in this release (one whose column the snapshot lacks has none: profile says why)
    assert set(status.index) == set(catalogue.loc[catalogue["periods"].notna(), "indicator_id"])
    assert status.loc["vrijwilligerswerk", "status"] == "andere_indeling"   # code not in the 2020 division


def test_area_coverage_education_only_amsterdam(build_dir):
    utrecht = queries.area_coverage("GM0344", build_dir).set_index("indicator_id")["n_values"]
    amsterdam = queries.area_coverage("GM0363", build_dir).set_index("indicator_id")["n_values"]
    assert utrecht.get("opleiding_laag", 0) == 0 and amsterdam["opleiding_laag"] > 0


def test_profile_table_never_hides_a_topic_and_never_shows_hidden(build_dir, catalogue, sources):
    table = table_for("BU0363AA01", build_dir, catalogue, sources)
    visible = set(catalogue.loc[~catalogue["hidden"], "indicator_id"])
    assert set(table["indicator_id"]) == visible
    assert "misdrijven_aantal" not in set(table["indicator_id"])
    row = table.set_index("indicator_id").loc["vrijwilligerswerk"]
    assert pd.isna(row["value"]) and "andere buurtindeling in 2020" in row["missing_text"]


def test_a_gemeente_newer_than_the_source_division_says_so(build_dir, catalogue, sources, con):
    """A gemeente formed after a table's boundary year (in the snapshot: Voorne aan Zee, 2023, in the RIVM 2020
    tables) has no value anywhere in it. That is the other division, not 'niet in de meegeleverde gegevens'
    (which suggests a refresh could fill it); its buurten say the same."""
    gemeente, indicator = con.execute("""select m.region_code, m.indicator_id from mart_map_values m
        where m.level = 'gemeente' and m.status = 'andere_indeling' and not exists (
            select 1 from mart_map_values b where b.gemeente_code = m.region_code
              and b.indicator_id = m.indicator_id and b.status = 'waarde')
        order by all limit 1""").fetchone()
    buurt = con.execute("select min(region_code) from mart_regions where level = 'buurt' and gemeente_code = ?",
                        [gemeente]).fetchone()[0]
    for code, level in ((gemeente, "gemeente"), (buurt, "buurt")):
        region = queries.region(code, build_dir)
        table = profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                              queries.area_coverage(region["gemeente_code"], build_dir), catalogue, sources,
                              level).set_index("indicator_id")
        assert table.loc[indicator, "missing_text"].startswith("niet beschikbaar (andere"), (code, indicator)


def test_profile_table_outside_amsterdam_education_is_not_in_the_data(build_dir, catalogue, sources):
    table = table_for("BU03440911", build_dir, catalogue, sources).set_index("indicator_id")
    assert table.loc["opleiding_laag", "missing_text"] == NOT_IN_DATA
    assert table.loc["vrijwilligerswerk", "missing_text"] == "niet beschikbaar"


def test_profile_table_keeps_catalogue_order_and_other_age_groups(build_dir, catalogue, sources):
    table = table_for("GM0363", build_dir, catalogue, sources)
    assert list(table["indicator_id"][:2]) == ["vrijwilligerswerk", "mantelzorger"]
    row = table.set_index("indicator_id").loc["vrijwilligerswerk"]
    assert row["other_groups"] == "65-plussers: 19,5%" and row["age_group"] == "18+"


def test_buurt_scores_and_sources(build_dir, sources):
    scores = queries.buurt_scores(build_dir)
    assert scores["region_code"].str.startswith("BU").all()
    assert (scores["gemeente_code"] == "GM0363").sum() > 400
    assert {"50090NED", "85984NED"} <= set(sources["table_id"])


def test_release_file_is_the_current_database(build_dir):
    assert queries.release_file(build_dir).suffix == ".duckdb"
    assert queries.release_file(build_dir).exists()


def test_indicator_html_shows_margin_badge_source_and_bar():
    from dashboard.core import charts
    row = {"indicator_id": "vrijwilligerswerk", "label": "Doet vrijwilligerswerk", "lens": "asset", "unit": "%",
           "direction": "higher_is_better", "modelled": True, "value": 31.0, "lower": 28.4, "upper": 33.7,
           "gemeente_value": 25.0, "nl_value": 24.6, "n_lower": 800, "n_higher": 190, "n_total": 1000,
           "share_lower": 80.0, "age_group": "18+", "other_groups": "", "period": "2020", "table_id": "50090NED",
           "boundary_year": 2020, "missing_text": None, "scope_note": None}
    block = charts.indicator_html(pd.Series(row), "buurt", "Utrecht")
    assert "31,0%" in block and "Utrecht 25,0%" in block and "Nederland 24,6%" in block
    assert "marge 28,4% – 33,7%" in block and ">geschat<" in block
    assert "hoger dan 80% van de buurten" in block and "2020 · tabel 50090NED · indeling 2020" in block


def test_cached_reads_follow_the_release(build_dir, monkeypatch):
    """A refresh publishes a new file, release_key changes, and the next read is fresh (no restart)."""
    import streamlit as st

    from dashboard.core import db
    from dashboard.core import state
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    st.cache_data.clear()
    assert state.cached("region", "GM0363")["name"] == "Amsterdam"
    monkeypatch.setattr(queries, "region", lambda code: {"name": "nieuwe versie"})
    assert state.cached("region", "GM0363")["name"] == "Amsterdam"            # same release: from the cache
    monkeypatch.setattr(db, "release_key", lambda build_dir=None: "buurtbalans-later.duckdb")
    assert state.cached("region", "GM0363")["name"] == "nieuwe versie"        # new release: read again
    st.cache_data.clear()
