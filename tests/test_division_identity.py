"""The cross-division identity rule (pipelines/division_identity.py) on the real snapshot, and the release
invariant: no refused cross-division value reaches mart_profile, percentiles, the map, models or peers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.child import start_in_child
from pipelines.division_identity import EVIDENCE_INDICATORS, THRESHOLDS, continuous, decide, identity, normalise_name

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"


@pytest.fixture(scope="module")
def ident(release_path):
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as c:
        return c.execute("select * from mart_division_identity").fetchdf()


def _one(ident, code, year):
    return ident[(ident.region_code == code) & (ident.boundary_year == year)].iloc[0]


def test_deurne_2023_code_is_refused_on_population_and_density(ident):
    kwb23 = pd.read_parquet(SNAPSHOT / "85618NED" / "TypedDataSet.parquet")
    kwb24 = pd.read_parquet(SNAPSHOT / "85984NED" / "TypedDataSet.parquet")
    code = "BU07620400"  # PROVENANCE "Known traps": Deurne, 695 -> 1,770 inwoners, density 101 -> 970
    r23 = kwb23[kwb23.iloc[:, 0].astype(str).str.strip() == code].iloc[0]
    r24 = kwb24[kwb24["WijkenEnBuurten"].astype(str).str.strip() == code].iloc[0]
    row = _one(ident, code, 2023)
    assert not row.accepted and row.rule == "inwoners_veranderd"
    assert row.population_then == r23["a_inw"] and row.population_now == r24["AantalInwoners_5"]
    assert row.density_then == r23["ste_oad"] and row.density_now == r24["Omgevingsadressendichtheid_121"]
    assert "mensen" in row.reason and "adressendichtheid" in row.reason


def test_schiedam_2020_code_is_refused_because_the_two_estimates_disagree(ident):
    rivm20 = pd.read_parquet(SNAPSHOT / "50090NED" / "TypedDataSet.parquet")
    rivm20 = rivm20[(rivm20.Perioden.str.startswith("2020")) & (rivm20.Leeftijd == "20300")
                    & (rivm20.Marges == "MW00000")].set_index("WijkenEnBuurten")
    code = "BU06060701"  # PROVENANCE "Known traps": 85.6 (50090NED 2020) vs 70.8 (50150NED 2020)
    row = _one(ident, code, 2020)
    assert row.estimate_then == rivm20.loc[code, "ErvarenGezondheidGoedZeerGoed_4"]
    assert abs(row.estimate_then - row.estimate_now) > THRESHOLDS.estimate_tolerance
    assert not row.accepted and row.rule == "schattingen_verschillen"


def test_every_decision_follows_the_documented_rule(ident):
    """Re-deciding each stored row gives the stored verdict, and every accepted code of a renumbered
    gemeente has positive evidence."""
    records = ident.astype(object).where(ident.notna(), None).to_dict("records")
    for r in records[::7]:  # a seventh of ~34,000 rows keeps this fast
        if r["rule"] == "buurten_geweigerd":
            continue
        assert decide(r, 2024)[:2] == (r["accepted"], r["rule"])
    changed = ident[(ident.level == "buurt") & ~ident.code_set_unchanged.astype(bool) & ident.accepted]
    assert set(changed.rule) <= {"inwoners_gelijk", "schattingen_gelijk", "naam_gelijk"}
    ok_est = changed[changed.rule == "schattingen_gelijk"]
    assert ((ok_est.estimate_then - ok_est.estimate_now).abs() <= THRESHOLDS.estimate_tolerance).all()


def test_refusals_are_counted_and_most_codes_still_join(con):
    joins = con.execute("select * from mart_division_joins").fetchdf().set_index(["table_id", "level"])
    raw = pd.read_parquet(SNAPSHOT / "50090NED" / "TypedDataSet.parquet", columns=["WijkenEnBuurten"])
    rivm = joins.loc[("50090NED", "buurt")]
    assert rivm.codes == raw["WijkenEnBuurten"].str.strip().str.startswith("BU").pipe(
        lambda s: raw.loc[s, "WijkenEnBuurten"].str.strip().nunique())
    for (_, _), r in joins.iterrows():
        assert r.accepted + r.refused == r.in_current and r.in_current + r.not_in_current == r.codes
    assert 0 < rivm.refused < 0.1 * rivm.in_current  # evidence refuses some, not most, of the RIVM data
    assert 0 < joins.loc[("85618NED", "buurt"), "refused"] < 200
    listed = con.execute("""select table_id, count(*) from mart_division_refused where level = 'buurt'
                            group by 1""").fetchall()
    assert dict(listed) == {t: int(joins.loc[(t, "buurt"), "refused"]) for t, _ in listed}
    # names are compared only where both divisions have one: never for the nameless 2020/2023 buurten
    assert joins.loc[("50090NED", "buurt"), "names_compared"] == 0
    assert joins.loc[("85618NED", "gemeente"), "names_compared"] == joins.loc[("85618NED", "gemeente"), "in_current"]


def test_no_refused_value_reaches_profile_percentiles_map_models_or_peers(con):
    refused = con.execute("""select distinct d.region_code, d.boundary_year from mart_division_identity d
                             where not d.accepted""").fetchdf()
    assert len(refused) > 100
    con.register("refused", refused)
    leaks = con.execute("""
        select
          (select count(*) from mart_profile p join refused r using (region_code, boundary_year)
            where p.value is not null or p.percentile_buurten is not null),
          (select count(*) from mart_indicator_series s join refused r using (region_code, boundary_year)
            where s.value is not null or s.percentile_buurten is not null),
          (select count(*) from mart_map_values m join refused r using (region_code, boundary_year)
            where m.value is not null or (m.status <> 'andere_indeling' and exists (
                select 1 from indicator_values v where v.region_code = m.region_code
                and v.table_id = m.table_id and v.indicator_id = m.indicator_id)))""").fetchone()
    assert leaks == (0, 0, 0)
    # the model input: every column from an older division is NULL for the codes refused on that division
    wide_src = con.execute("select indicator_id, boundary_year from mart_buurt_wide_sources").fetchall()
    for ind, year in wide_src:
        codes = refused.loc[refused.boundary_year == year, "region_code"].tolist()
        if codes:
            n = con.execute(f"select count({ind}) from mart_buurt_wide where list_contains(?, region_code)",
                            [codes]).fetchone()[0]
            assert n == 0, ind
    # beter dan verwacht: a refused buurt has no observed value for an outcome of a refused division
    bad = con.execute("""select count(*) from mart_expected_values e
                         join mart_buurt_wide_sources w on w.indicator_id = e.outcome_id
                         join refused r on r.region_code = e.region_code and r.boundary_year = w.boundary_year
                         where e.observed is not null or e.verdict is not null""").fetchone()[0]
    assert bad == 0
    # peers: a buurt without a peer variable (refused) is neither given peers nor used as one
    variables = con.execute("select variables from mart_stats_models where model = 'peers'").fetchone()[0].split(",")
    years = {y for i, y in wide_src if i in variables and y != 2024}
    codes = refused.loc[refused.boundary_year.isin(years) & refused.region_code.str.startswith("BU"), "region_code"]
    if len(codes):
        n = con.execute("""select count(*) from mart_peer_buurten
                           where list_contains(?, region_code) or list_contains(?, peer_code)""",
                        [codes.tolist(), codes.tolist()]).fetchone()[0]
        assert n == 0


def test_accepted_old_division_values_reach_the_profile_unchanged(con):
    raw = pd.read_parquet(SNAPSHOT / "50090NED" / "TypedDataSet.parquet")
    raw = raw[(raw.Perioden.str.startswith("2020")) & (raw.Leeftijd == "20300")].set_index("WijkenEnBuurten")
    code = "BU03440112"  # Oog in Al, Utrecht: Utrecht kept its buurt codes
    row = con.execute("""select value, missing_reason from mart_profile where region_code = ?
                         and indicator_id = 'vrijwilligerswerk' and is_default_group""", [code]).fetchone()
    assert row == (raw.loc[code, "Vrijwilligerswerk_33"], None)


def test_the_model_input_has_one_period_per_variable(con, buurt_wide):
    sources = con.execute("select * from mart_buurt_wide_sources").fetchdf()
    assert sources["indicator_id"].is_unique
    for r in sources.itertuples():
        assert buurt_wide[r.indicator_id].notna().sum() == r.n_buurten, r.indicator_id


def test_names_decide_where_both_divisions_have_one(release_path):
    """A division with names: equal names join (also 'Hengelo (O.)' vs 'Hengelo'), another name refuses."""
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as c:
        now = c.execute("""select region_code, boundary_year, level, name from regions
                           where boundary_year = 2024 and region_code like '%0344%'""").fetchdf()
    old = now.assign(boundary_year=2022)
    renamed = old.index[old.level == "buurt"][0]
    old.loc[renamed, "name"] = "Een heel andere naam"
    out = identity(pd.concat([now, old]), pd.DataFrame(columns=["region_code", "boundary_year", "period",
                                                                 "indicator_id", "is_default_group", "value"]), 2024)
    out = out.set_index("region_code")
    assert out.loc[old.at[renamed, "region_code"], "rule"] == "andere_naam"
    assert not out.loc[old.at[renamed, "region_code"], "accepted"]
    others = out.drop(old.at[renamed, "region_code"])
    assert others[others.level == "buurt"].accepted.all() and normalise_name("Hengelo (O.)") == "hengelo"


@pytest.mark.parametrize("then, now, expected", [(695, 1770, False), (1575, 1555, True), (0, None, True),
                                                 (700, None, None), (10, 55, True)])
def test_population_continuity_thresholds(then, now, expected):
    assert continuous(then, now, THRESHOLDS.population_abs, THRESHOLDS.population_ratio,
                      null_is_small=True) is expected


def test_a_newer_division_is_judged_the_same_way(release_path):
    """A KWB year on a NEWER division than the app's (a live refresh can bring one) compares its oldest period
    with today's nearest: the 2023 division relabelled as 2025 gives the same verdicts as before."""
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as c:
        regions = c.execute("select region_code, boundary_year, level, name from regions").fetchdf()
        values = c.execute("""select region_code, boundary_year, period, indicator_id, is_default_group, value
                              from indicator_values where indicator_id in ('inwoners', 'omgevingsadressendichtheid')
                              """).fetchdf()
        stored = c.execute("select region_code, accepted, rule from mart_division_identity "
                           "where boundary_year = 2023").fetchdf().set_index("region_code")
    newer = values["boundary_year"] == 2023
    values.loc[newer, "boundary_year"], values.loc[newer, "period"] = 2025, "2025"
    regions.loc[regions["boundary_year"] == 2023, "boundary_year"] = 2025
    out = identity(regions, values, 2024)
    out = out[out.boundary_year == 2025].set_index("region_code")
    assert len(out) == len(stored)
    assert (out["rule"] == stored.loc[out.index, "rule"]).all()
    assert out.loc["BU07620400", "population_periods"] == "2025-2024" and not out.loc["BU07620400", "accepted"]


def test_deciding_the_largest_division_in_a_second_process_gives_the_same_rows(release_path):
    """The build decides the older division with the most regions in a second process (beside=start_in_child):
    the same rows, values and order as one process, on the release's regions and evidence."""
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as c:
        regions = c.execute("select region_code, boundary_year, level, name from regions").fetchdf()
        values = c.execute("""select region_code, boundary_year, period, indicator_id, is_default_group, value
                              from indicator_values where is_default_group and list_contains(?, indicator_id)""",
                           [sorted(EVIDENCE_INDICATORS)]).fetchdf()
    one = identity(regions, values, 2024)
    assert one["boundary_year"].nunique() > 1  # there is a division to decide apart
    pd.testing.assert_frame_equal(identity(regions, values, 2024, beside=start_in_child), one)
