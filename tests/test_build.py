"""Known real values survive the whole path snapshot -> transform -> DuckDB -> mart_* views."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"


def series(con, region, indicator, age="totaal"):
    rows = con.execute("""select period, value from mart_indicator_series
                          where region_code = ? and indicator_id = ? and age_group = ? order by period""",
                       [region, indicator, age]).fetchall()
    return dict(rows)


def profile(con, region, indicator):
    return con.execute("""select * from mart_profile where region_code = ? and indicator_id = ?
                          and is_default_group""", [region, indicator]).fetchdf().iloc[0]


def test_nl_ervaren_gezondheid_2016_and_2020(con):
    assert series(con, "NL00", "ervaren_gezondheid_goed", "18+") == {"2016": 75.2, "2020": 78.4}


@pytest.mark.parametrize("indicator, expected", [
    ("eenzaam", 53.2), ("mantelzorger", 9.5), ("vrijwilligerswerk", 17.0), ("moeite_met_rondkomen", 24.3)])
def test_amsterdam_rivm_2020_18plus(con, indicator, expected):
    row = profile(con, "GM0363", indicator)
    assert (row.period, row.age_group, row.value) == ("2020", "18+", expected)
    assert row.modelled and row.table_id == "50090NED" and row.boundary_year == 2020


def test_amsterdam_moeite_met_rondkomen_2016(con):
    assert series(con, "GM0363", "moeite_met_rondkomen", "18+")["2016"] == 29.0


def test_inhabitants_kwb_2024_amsterdam_and_2023_nl(con):
    assert series(con, "GM0363", "inwoners")["2024"] == 931_298
    assert series(con, "NL00", "inwoners")["2023"] == 17_811_291
    assert series(con, "GM0344", "inwoners")["2023"] == 367_947


def test_50150_trend_is_its_own_series(con):
    rows = con.execute("""select period, value, series from mart_indicator_series where region_code = 'GM0363'
                          and indicator_id = 'goed_ervaren_gezondheid_trend' order by period""").fetchall()
    assert [(p, v) for p, v, _ in rows] == [("2012", 74.7), ("2016", 74.2), ("2020", 78.4), ("2022", 67.1),
                                            ("2024", 72.3)]
    assert {s for *_, s in rows} == {"rivm-50150"}


def test_crime_count_and_rate_use_the_same_year_and_division(con):
    assert series(con, "GM0363", "misdrijven_aantal")["2024"] == 82_331
    rate = series(con, "GM0363", "misdrijven_per_1000")
    assert rate == {"2024": pytest.approx(1000 * 82_331 / 931_298)}


def test_amsterdam_education_2019(con):
    assert series(con, "GM0363", "opleiding_laag")["2019"] == 20.8


def test_profile_compares_with_gemeente_and_nl(con):
    raw = pd.read_parquet(SNAPSHOT / "50090NED" / "TypedDataSet.parquet")
    raw = raw[(raw.Perioden == "2020JJ00") & (raw.Leeftijd == "20300")].set_index("WijkenEnBuurten")
    row = profile(con, "BU03440112", "vrijwilligerswerk")  # Oog in Al, Utrecht: same code in 2020 and 2024
    assert row.value == raw.loc["BU03440112", "Vrijwilligerswerk_33"]
    assert row.gemeente_code == "GM0344" and row.gemeente_value == raw.loc["GM0344", "Vrijwilligerswerk_33"]
    assert row.nl_value == 24.6
    # the base: today's buurten whose 2020 code names the same area (mart_division_identity accepted it)
    same_area = {r[0] for r in con.execute("""select region_code from mart_division_identity
                                              where boundary_year = 2020 and level = 'buurt' and accepted""").fetchall()}
    buurten = raw[(raw.SoortRegio_2 == "Buurt") & raw.index.isin(same_area)]["Vrijwilligerswerk_33"].dropna()
    share_below = (buurten < row.value).sum() / (len(buurten) - 1)
    assert row.percentile_buurten == pytest.approx(100 * share_below, abs=0.1)
    assert row.n_buurten == len(buurten)


def test_amsterdam_buurten_have_no_2020_buurt_figures_because_codes_changed(con):
    row = profile(con, "BU0363AA01", "inwoners")
    assert row.value > 0 and row.boundary_year == 2024
    assert con.execute("""select count(*) from mart_profile where region_code = 'BU0363AA01'
                          and table_id = '50090NED'""").fetchone()[0] == 0


def test_every_current_buurt_is_in_the_database(con):
    counts = dict(con.execute("select level, count(*) from mart_regions group by 1").fetchall())
    assert counts == {"buurt": 14_574, "wijk": 3_393, "gemeente": 342, "land": 1}


def test_boundary_joins_are_counted_not_dropped(con):
    rivm = con.execute("select * from mart_sources where table_id = '50090NED'").fetchdf().iloc[0]
    assert rivm.buurten_total == 13_808
    assert rivm.buurten_joined + rivm.buurten_not_joined == rivm.buurten_total
    assert 12_000 < rivm.buurten_joined < 12_500
    # buurten from 2020 that do not exist in 2024 keep their values on their own boundary year
    kept = con.execute("""select count(distinct region_code) from indicator_values where table_id = '50090NED'
                          and boundary_year = 2020 and region_code like 'BU%'""").fetchone()[0]
    assert kept == 13_808


def test_map_marks_other_division_instead_of_dropping(con):
    statuses = dict(con.execute("""select status, count(*) from mart_map_values where level = 'buurt'
                                   and indicator_id = 'vrijwilligerswerk' group by 1""").fetchall())
    assert statuses["andere_indeling"] > 1_000 and statuses["waarde"] > 10_000
    assert sum(statuses.values()) == 14_574


def test_missing_values_keep_their_reason(con):
    reasons = dict(con.execute("""select coalesce(missing_reason, 'value'), count(*) from indicator_values
                                  group by 1""").fetchall())
    assert reasons["value"] > 1_000_000 and reasons["not_available"] > 0
    assert con.execute("""select count(*) from indicator_values where value is null
                          and missing_reason is null""").fetchone()[0] == 0


def test_sources_carry_title_period_licence_and_fetch_time(con):
    sources = con.execute("select * from mart_sources").fetchdf().set_index("table_id")
    assert sources.loc["85984NED", "title"] == "Kerncijfers wijken en buurten 2024"
    assert sources.loc["85984NED", "modified"].startswith("2025-03-27")
    cbs = sources[sources["catalog"].str.endswith("cbs.nl")]   # file sources (Kiesraad) carry their own licence
    assert cbs["licence"].str.contains("CC BY 4.0").all() and sources["licence"].str.len().gt(5).all()
    assert sources["fetched_at"].notna().all() and sources["attribution"].str.startswith("Bron:").all()


def test_summary_scores_use_both_lenses_and_no_context(con):
    row = con.execute("select * from mart_buurt_scores where region_code = 'BU0363AA01'").fetchdf().iloc[0]
    assert row.n_problem >= 5 and row.n_asset >= 5
    used = {r[0] for r in con.execute("select indicator_id from indicators where in_summary").fetchall()}
    lenses = {r[0] for r in con.execute("select distinct lens from indicators where in_summary").fetchall()}
    assert lenses == {"problem", "asset"} and "misdrijven_per_1000" not in used


def test_summary_scores_need_three_figures_per_side(con):
    """An average of one or two z-scores is that figure, not a summary: a side with fewer than 3 figures has no
    score (the quadrant leaves the buurt out and says so). The snapshot has buurten with 1-2 figures on a side."""
    few, scored_few, unscored_enough = con.execute("""
        select count(*) filter (where n_problem between 1 and 2 or n_asset between 1 and 2),
               count(*) filter (where (n_problem < 3 and need_score is not null)
                                   or (n_asset < 3 and strength_score is not null)),
               count(*) filter (where (n_problem >= 3 and need_score is null)
                                   or (n_asset >= 3 and strength_score is null))
        from mart_buurt_scores""").fetchone()
    assert few > 0 and scored_few == 0 and unscored_enough == 0


def test_wide_view_has_one_row_per_buurt(buurt_wide):
    assert len(buurt_wide) == 14_574 and buurt_wide.index.is_unique
    assert buurt_wide.loc["BU0363AA01", "inwoners"] > 0


def test_wide_view_never_mixes_periods_in_a_column(con):
    mixed = con.execute("""
        with wide as (select region_code, vrijwilligerswerk, afstand_huisarts from mart_buurt_wide),
        v2020 as (select region_code, value from indicator_values where indicator_id = 'vrijwilligerswerk'
                  and period = '2020' and age_group = '18+'),
        v2024 as (select region_code, value from indicator_values where indicator_id = 'afstand_huisarts'
                  and period = '2024')
        select count(*) filter (where w.vrijwilligerswerk is not null and w.vrijwilligerswerk is distinct from a.value),
               count(*) filter (where w.afstand_huisarts is not null and w.afstand_huisarts is distinct from b.value),
               count(w.vrijwilligerswerk)
        from wide w left join v2020 a using (region_code) left join v2024 b using (region_code)""").fetchone()
    assert mixed[:2] == (0, 0) and mixed[2] > 10_000


def test_a_value_stored_twice_fails_the_build_check(release_path, tmp_path):
    """check_unique_values (run beside the last models, pipelines/models_beside_stats.py) passes on the built
    release and names the duplicate when one value's key is stored twice."""
    import shutil

    import duckdb

    from pipelines.load import BuildError
    from pipelines.models import check_unique_values
    copy = tmp_path / "release.duckdb"
    shutil.copy(release_path, copy)
    with duckdb.connect(str(copy)) as c:
        check_unique_values(c)
        c.execute("insert into indicator_values_all select * from indicator_values_all where region_code = 'GM0363' "
                  "and indicator_id = 'inwoners' and age_group = 'totaal' limit 1")
        with pytest.raises(BuildError, match="1 dubbele waarden"):
            check_unique_values(c)


def test_the_duplicate_check_fits_a_small_memory_limit(release_path, tmp_path):
    """check_unique_values groups the keys' hashes (an aggregate that spills) instead of counting them distinct
    (which ran out of the build's 140 MB limit on the ten-year build's 3.6 million keys): on the snapshot's 1.6
    million it passes at a 40 MB limit, where `count(distinct hash(...))` runs out of memory. On a copy of the
    session release: DuckDB refuses a second configuration for a file this process already has open (the shared
    `con` fixture, when it ran first on this worker)."""
    import shutil

    import duckdb

    from pipelines.models import check_unique_values
    copy = shutil.copyfile(release_path, tmp_path / "release.duckdb")
    with duckdb.connect(str(copy), read_only=True, config={"memory_limit": "40MB"}) as c:
        check_unique_values(c)
