"""Release invariants over the whole built database (issue #8): rules that hold for every row, not examples.

- no share outside 0-100 %, no rate outside 0-1 000 per 1 000 (values and their bounds);
- every "landelijke 40% laagste inkomens" measure has NL = 40.0 and says "40%" in its label;
- every value the app shows carries its table, period and boundary year;
- a ratio below its catalogue minimum denominator has no value, and says why ('too_few');
- a rounded 0 keeps its bound (round_lower 0, round_upper > 0; lower/upper stay the source's 95 % margins, empty
  for a ratio of counts) and is never the only "lowest" number;
- the KWB 2024 snapshot (zeros turned into empty upstream) says "0 of onbekend", never a plain "niet beschikbaar";
- Nederland never gets "andere buurtindeling": a table without a national row says so;
- every indicator with values has the source's own definition next to ours;
- no value that division_identity refused (the code named another area then) reaches mart_profile, the buurt
  percentiles, the model input (mart_buurt_wide), 'beter dan verwacht' or the peers.
"""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import queries
from dashboard.core.charts import indicator_html
from dashboard.core.format import NO_NATIONAL, is_rounded_zero, rounded_zero_text
from dashboard.profile.table import profile_table
from pipelines.cache import read_table_cache
from pipelines.catalogue import RATIO_CAP, load_catalogue
from tests.conftest import SNAPSHOT_TABLES


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_no_share_or_rate_outside_its_possible_range(con):
    for unit, cap in RATIO_CAP.items():
        bad = con.execute("""
            select v.indicator_id, v.region_code, v.period, v.value, v.lower, v.upper
            from indicator_values v join indicators i using (indicator_id)
            where i.unit = ? and (v.value < 0 or v.value > ? or v.lower < 0 or v.upper > ?
                                  or v.round_lower < 0 or v.round_upper > ?)
            limit 5""", [unit, cap, cap, cap]).fetchall()
        assert bad == [], (unit, bad)
    # and the views the app reads agree (no view recomputes a ratio past the cap)
    assert con.execute("""select count(*) from mart_profile where (unit = '%' and value > 100)
                          or (unit = 'per 1 000 inwoners' and value > 1000)""").fetchone()[0] == 0


def test_national_lowest_40_measures_are_40_in_nl_and_say_so(con, catalogue):
    measures = [i for i in catalogue.indicators if i.national_lowest_40]
    assert {"huishoudens_laagste_40pct", "personen_laagste_inkomens"} <= {i.id for i in measures}
    checked = 0
    for ind in measures:
        assert "40%" in ind.label, ind.id
        nl = con.execute("select period, value from indicator_values where indicator_id = ? and region_code = 'NL00'"
                         " and value is not null", [ind.id]).fetchall()
        for period, value in nl:
            assert value == pytest.approx(40.0, abs=0.05), (ind.id, period, value)
            checked += 1
    assert checked >= 2
    # and the release stores them as flagged in the catalogue view the dashboard reads
    flagged = {r[0] for r in con.execute("select indicator_id from mart_catalogue where national_lowest_40").fetchall()}
    assert flagged == {i.id for i in measures}


def test_every_shown_value_carries_table_period_and_boundary_year(con):
    for view in ("mart_profile", "mart_map_values", "mart_indicator_series"):
        n = con.execute(f"""select count(*) from {view} where value is not null
                            and (table_id is null or period is null or boundary_year is null)""").fetchone()[0]
        assert n == 0, view
    assert con.execute("""select count(*) from mart_profile where value is not null
                          and (table_title is null or attribution is null)""").fetchone()[0] == 0


def test_ratios_below_their_minimum_denominator_have_no_value(con, catalogue):
    # Source: the shipped KWB 2023 download file, counts a_inw (inwoners, rounded to 5) and a_soz_ww (WW, tens)
    raw = read_table_cache(SNAPSHOT_TABLES / "85618NED").data.set_index("gwb_code_10")
    src = catalogue.indicator("ww_per_1000").sources[0]
    small = raw[(raw["a_inw"] > 0) & (raw["a_inw"] < src.min_denominator) & raw["a_soz_ww"].notna()].index
    assert len(small) > 100
    got = con.execute("""select region_code, value, missing_reason from indicator_values
                         where indicator_id = 'ww_per_1000' and table_id = '85618NED'""").fetchdf()
    got = got.set_index("region_code").loc[list(small)]
    assert got["value"].isna().all() and (got["missing_reason"] == "too_few").all()
    big = raw[(raw["a_inw"] >= src.min_denominator) & raw["a_soz_ww"].notna()].head(50)
    values = con.execute("select region_code, value from indicator_values where indicator_id = 'ww_per_1000' "
                         "and table_id = '85618NED'").fetchdf().set_index("region_code")["value"]
    expected = 1000 * big["a_soz_ww"].astype(float) / big["a_inw"].astype(float)
    assert values.loc[big.index].to_numpy() == pytest.approx(expected.to_numpy())


def test_a_rounded_zero_keeps_its_bound_and_is_not_an_exact_zero(con, catalogue, build_dir):
    rounded = [i.id for i in catalogue.indicators if i.rounding]
    rows = con.execute(f"""select indicator_id, value, lower, upper, round_lower, round_upper from indicator_values
                           where value = 0 and indicator_id in ({','.join('?' * len(rounded))})""", rounded).fetchdf()
    assert len(rows) > 1000  # thousands of buurten have 0 (= 0 to 4) bijstandsuitkeringen
    assert (rows["round_lower"] == 0).all() and (rows["round_upper"] > 0).all()
    assert rows["lower"].isna().all() and rows["upper"].isna().all()   # not a 95 % interval
    # the profile of such a buurt shows its range ("0 tot 15 per 1 000 inwoners") and no position among buurten
    code = con.execute("""select region_code from mart_profile where indicator_id = 'bijstand_per_1000' and value = 0
                          and region_code like 'BU%' order by region_code limit 1""").fetchone()[0]
    row = table_for(code, build_dir).set_index("indicator_id").loc["bijstand_per_1000"].to_dict()
    assert is_rounded_zero(row) and rounded_zero_text(row).startswith("0 tot ") and rounded_zero_text(row).endswith(
        " per 1 000 inwoners (CBS rondt af op tientallen: het getelde aantal is 0 tot 4)")
    html = indicator_html(row | {"indicator_id": "bijstand_per_1000"}, "buurt")
    assert "het getelde aantal is 0 tot 4" in html and "bb-bar" not in html and "laagste" not in html


def table_for(code: str, build_dir, level: str = "buurt"):
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                                      queries.area_coverage(gemeente, build_dir), queries.catalogue(build_dir),
                                      queries.sources(build_dir), level=level)


def test_kwb_2024_empty_cells_are_zero_or_unknown(con):
    reasons = dict(con.execute("""select coalesce(missing_reason, 'waarde'), count(*) from indicator_values v
                                  join mart_catalogue c using (indicator_id)
                                  where table_id = '85984NED' and c.unit not in ('klasse 1-5', 'postcode',
                                  'personen', 'x 1 000 euro') group by 1""").fetchall())
    assert reasons.get("zero_or_unknown", 0) > 400 and "not_available" not in reasons
    assert con.execute("select count(*) from indicator_values where table_id = '85984NED' and value = 0"
                       ).fetchone()[0] == 0  # the extract has no zeros at all (PROVENANCE entry 8)


def test_an_empty_cell_of_a_figure_that_is_never_0_is_not_0_of_onbekend(con):
    """KWB 2024's extract turned 0 into empty, so an empty cell reads '0 of onbekend'. A class 1-5, a postcode,
    an average household size or an average WOZ value or income is never 0: there the empty cell is 'niet
    beschikbaar' (Warande Midden, Lelystad, 0 inwoners, read 'Stedelijkheid 0 of onbekend'). Units from the
    release's catalogue; the empty cells from the snapshot (85984NED)."""
    from pipelines.transform import NEVER_ZERO_UNITS
    rows = con.execute("""select c.unit, v.missing_reason, count(*) from indicator_values v
                          join mart_catalogue c using (indicator_id)
                          where v.table_id = '85984NED' and v.value is null group by all""").fetchall()
    never = {(unit, reason): n for unit, reason, n in rows if unit in NEVER_ZERO_UNITS}
    assert {"klasse 1-5", "x 1 000 euro"} <= {unit for unit, _ in never}          # the case is in the snapshot
    assert not [k for k in never if k[1] == "zero_or_unknown"], never
    assert any(reason == "zero_or_unknown" for unit, reason, _ in rows if unit not in NEVER_ZERO_UNITS)
    reason = con.execute("""select missing_reason from mart_profile where region_code = 'BU09951161'
                            and indicator_id = 'stedelijkheid' and table_id = '85984NED'""").fetchone()
    assert reason == ("not_available",), reason


def test_nederland_never_gets_a_division_reason(build_dir):
    # KWB 2024 (85984NED) has no NL row in the snapshot: koopwoningen and aandeel_65plus have no landcijfer
    table = table_for("NL00", build_dir, "land").set_index("indicator_id")
    texts = table["missing_text"].dropna()
    assert not texts.str.contains("indeling").any()
    assert table.loc["koopwoningen", "missing_text"] == NO_NATIONAL


def test_every_indicator_with_values_has_the_source_definition(con):
    missing = con.execute("""
        select distinct d.indicator_id, d.table_id from mart_definitions d
        where d.role = 'waarde' and (d.source_description is null or d.source_title is null)
          and exists (select 1 from indicator_values v where v.indicator_id = d.indicator_id
                      and v.table_id = d.table_id and v.value is not null)""").fetchall()
    assert missing == []
    ours = con.execute("select description from mart_definitions where indicator_id = 'huishoudens_laagste_40pct'"
                       " and table_id = '85618NED'").fetchone()[0]
    theirs = con.execute("select source_description from mart_definitions where indicator_id = "
                         "'huishoudens_laagste_40pct' and table_id = '85618NED'").fetchone()[0]
    assert "40%" in ours and "landelijke 40% huishoudens met het laagste" in theirs


def test_missing_reasons_are_ones_the_app_can_word(con):
    from dashboard.core.format import MISSING_TEXT
    reasons = {r[0] for r in con.execute("select distinct missing_reason from indicator_values").fetchall()}
    assert reasons <= set(MISSING_TEXT)
    assert pd.notna(MISSING_TEXT["too_few"])


def test_no_refused_cross_division_value_reaches_profile_percentiles_models_or_peers(con):
    refused = con.execute("select distinct region_code, boundary_year from mart_division_refused").fetchdf()
    assert len(refused) > 100  # the snapshot has real redivisions (RIVM 2020, KWB 2023)
    con.register("refused", refused)
    # no value and no percentile on an older division for a refused code
    assert con.execute("""select count(*) from int_values v join refused r using (region_code, boundary_year)
                          where v.value is not null or v.percentile_buurten is not null""").fetchone()[0] == 0
    assert con.execute("""select count(*) from mart_profile p join refused r using (region_code, boundary_year)
                          where p.value is not null""").fetchone()[0] == 0
    # the model input: each mart_buurt_wide column holds one period; a refused code has no value in a column whose
    # values come from its refused boundary year
    columns = con.execute("""select distinct indicator_id, boundary_year from int_values v
        where region_code like 'BU%' and value is not null and is_default_group
          and period = (select max(period) from int_values w where w.indicator_id = v.indicator_id
                        and w.region_code like 'BU%' and w.value is not null and w.is_default_group)""").fetchall()
    wide = con.execute("select * from mart_buurt_wide").fetchdf().set_index("region_code")
    checked = 0
    for indicator_id, year in columns:
        codes = refused.loc[refused["boundary_year"] == year, "region_code"]
        codes = [c for c in codes if c in wide.index]
        if indicator_id in wide.columns and codes:
            assert wide.loc[codes, indicator_id].isna().all(), indicator_id
            checked += 1
    assert checked >= 5
    # models and peers use only buurten with every variable: none whose variable was refused
    for model, outcome, variables in con.execute("select model, outcome_id, variables from mart_stats_models"
                                                 ).fetchall():
        years = {y for i, y in columns if i in variables.split(",") + [outcome]}
        bad = set(refused.loc[refused["boundary_year"].isin(years), "region_code"])
        used = ({r[0] for r in con.execute("select region_code from mart_expected_values where outcome_id = ?",
                                           [outcome]).fetchall()} if model == "expected" else
                {r[0] for r in con.execute("select region_code from mart_peer_buurten union "
                                           "select peer_code from mart_peer_buurten").fetchall()})
        assert not used & bad, (model, outcome, sorted(used & bad)[:5])


def test_a_kwb_2024_empty_cell_reads_zero_or_unknown_on_the_profile(con, build_dir):
    from dashboard.core.format import ZERO_OR_UNKNOWN, ZERO_OR_UNKNOWN_WHY
    from dashboard.profile import summary
    # Source: data/snapshot/tables/85984NED (KWB 2024 extract with 0 turned into empty, PROVENANCE entry 8)
    raw = read_table_cache(SNAPSHOT_TABLES / "85984NED").data
    empty = set(raw.loc[raw["AfstandTotHuisartsenpraktijk_110"].isna(), "WijkenEnBuurten"].str.strip())
    code = con.execute("""select region_code from mart_profile where indicator_id = 'afstand_huisarts'
                          and table_id = '85984NED' and value is null and region_code like 'BU%'
                          order by region_code limit 1""").fetchone()[0]
    assert code in empty
    table = table_for(code, build_dir)
    assert table.set_index("indicator_id").loc["afstand_huisarts", "missing_text"] == ZERO_OR_UNKNOWN
    assert ZERO_OR_UNKNOWN_WHY in summary.summarize(table, "buurt")[-1]


def test_the_map_tells_a_rounded_zero_as_its_range(build_dir):
    from dashboard.kaart import colour_classes, map_queries
    indicator = map_queries.load_indicators(build_dir).set_index("indicator_id").loc["bijstand_per_1000"].to_dict()
    values = map_queries.load_values("bijstand_per_1000", "buurt", build_dir)
    frame = colour_classes.map_frame(values, indicator)
    zeros = frame[frame["value"] == 0]
    assert len(zeros) > 1000 and zeros["value_text"].str.match(
        r"0 tot \d+(,\d)? per 1 000 inwoners \(CBS rondt af op tientallen: het getelde aantal is 0 tot 4\)$").all()
