"""The plain-language summary (asset lens first, direction-aware) and the cbsodata recipes, on real rows."""
import pandas as pd
import pytest

from dashboard.profile.table import profile_table
from dashboard.core import queries
from dashboard.profile import summary
from dashboard.core.format import fmt_number


def table_for(code, build_dir):
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                                      queries.area_coverage(gemeente, build_dir), queries.catalogue(build_dir),
                                      queries.sources(build_dir))


@pytest.fixture(scope="module")
def buurt(build_dir):
    return table_for("BU0363AA01", build_dir)


def test_asset_lens_comes_first(buurt):
    paragraphs = summary.summarize(buurt, "buurt")
    assert paragraphs[0].startswith("**Kracht.**") and paragraphs[1].startswith("**Zorgen.**")


def test_distance_wording_is_direction_aware(buurt):
    # Supermarket at 0,3 km: a low value is good, so it is told as "dichterbij", never "hoger dan".
    row = buurt.set_index("indicator_id").loc["afstand_supermarkt"].to_dict() | {"indicator_id": "afstand_supermarkt"}
    text = summary.sentence(row, "buurt")
    # KWB distances are the average over all inhabitants (DataProperties AfstandTotGroteSupermarkt)
    assert text.startswith("In deze buurt wonen de inwoners gemiddeld 0,3 km van de grote supermarkt, dichterbij dan in 9")
    assert summary.favourable_share(row) > 90 and summary.unfavourable_share(row) < 5


def test_strengths_are_favourable_and_concerns_unfavourable(buurt):
    kracht, zorgen = summary.summarize(buurt, "buurt")[:2]
    assert "dichterbij dan in 99% van de buurten (2023)" in kracht        # kinderdagverblijf 0,1 km
    # WW per 1 000 covers fewer than 90% of the buurten (no rate below 200 inwoners): the base is named
    ww = buurt.set_index("indicator_id").loc["ww_per_1000"]
    assert ww["n_total"] < 0.9 * ww["n_buurten_all"]
    # the rate comes from counts CBS rounded (WW to tens, inwoners to fives): it reads 'ongeveer' with its rounding
    # interval, and 'meer dan in X%' counts only the buurten below the interval's lowest value (n_lower_sure)
    share = int(100 * ww["n_lower_sure"] / ww["n_total"])
    assert ww["n_lower_sure"] < ww["n_lower"]
    assert (f"krijgen ongeveer 29 (14 tot 41) van elke 1.000 inwoners een WW-uitkering, meer dan in {share}% van de "
            f"{fmt_number(ww['n_total'])} buurten met een cijfer (aantallen afgerond door CBS, 2023)") in zorgen


def test_modelled_figures_say_geschat(build_dir):
    text = " ".join(summary.summarize(table_for("GM0363", build_dir), "gemeente"))
    assert "(geschat, 2020)" in text
    # a gemeente figure ranked among buurten says so, once
    assert text.count("zet het cijfer van de hele gemeente naast de cijfers van losse buurten") == 1


def test_higher_is_better_problem_is_told_from_its_unfavourable_side():
    row = {"indicator_id": "ervaren_gezondheid_goed", "label": "Ervaart gezondheid als goed", "unit": "%",
           "direction": "higher_is_better", "modelled": True, "period": "2020", "value": 61.0,
           "n_lower": 50, "n_higher": 900, "n_total": 1000}
    assert summary.unfavourable_share(row) == 90
    assert "minder dan in 90% van de buurten (geschat, 2020)" in summary.sentence(row, "buurt")


def test_missing_topics_are_counted_and_explained(buurt):
    last = summary.summarize(buurt, "buurt")[-1]
    shown = buurt[buurt["lens"].isin(["asset", "problem"]) & buurt["landing"].astype(bool)]
    assert last.startswith(f"Over {int(shown['value'].isna().sum())} onderwerpen is er geen cijfer")
    assert "oudere buurtindeling" in last


def test_tiny_buurt_explains_privacy(build_dir):
    paragraphs = summary.summarize(table_for("BU03440911", build_dir), "buurt")
    assert "geen cijfers over kracht die in deze samenvatting meetellen" in paragraphs[0]
    assert "privacy" in paragraphs[-1]


def test_a_wijk_of_few_inwoners_explains_privacy_as_a_buurt_does(build_dir, con):
    """A wijk has its inwoners rounded and its figures suppressed as a buurt does: Sloegebied (Vlissingen, a wijk
    of 0 inwoners) read 'Over 28 onderwerpen is er geen cijfer' without the buurt's 'Hier wonen weinig mensen:
    minder dan 3 (...). Dan publiceert CBS veel cijfers niet'. Every such wijk (fewer than 200) says it now."""
    codes = [c for (c,) in con.execute("""select region_code from mart_regions where level = 'wijk'
                                          and inwoners < ? order by region_code""", [summary.SMALL_BUURT]).fetchall()]
    assert len(codes) > 20
    for code in codes[::max(1, len(codes) // 12)]:
        paragraphs = summary.summarize(table_for(code, build_dir), "wijk")
        assert "Hier wonen weinig mensen: " in paragraphs[-1] and "privacy" in paragraphs[-1], (code, paragraphs)
        assert "weinig mensen: 0." not in paragraphs[-1], code


def test_no_deficit_words():
    assert not any("probleemwijk" in p for p in summary.PHRASES.values())


# ------------------------------------------------------------------------------------------------------------
# Property test over ALL buurten (issue #8): the summary never calls a figure below the middle of the buurten a
# strength, never ranks a rounded 0, never tells an impossible value, and names its base when coverage is low.
# The ranks and medians here are computed in SQL straight from int_values, independently of queries.profile.
# ------------------------------------------------------------------------------------------------------------
ALL_BUURTEN_SQL = """
with p as (
    select region_code, indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary, period,
           table_id, age_group, boundary_year, value, upper, missing_reason
    from int_profile where region_code like 'BU%' and is_default_group and lens in ('asset', 'problem')),
keys as (select distinct indicator_id, period, table_id, age_group, boundary_year from p where value is not null),
b as (select v.indicator_id, v.period, v.table_id, v.age_group, v.boundary_year, v.value
      from int_values v join keys using (indicator_id, period, table_id, age_group, boundary_year)
      where v.region_code like 'BU%' and v.value is not null),
dist as (select indicator_id, period, table_id, age_group, boundary_year, value, count(*) as n_eq
         from b group by all),
cum as (select *, sum(n_eq) over (partition by indicator_id, period, table_id, age_group, boundary_year
                                  order by value) - n_eq as n_lower,
               sum(n_eq) over (partition by indicator_id, period, table_id, age_group, boundary_year) as n_total
        from dist),
medians as (select indicator_id, period, table_id, age_group, boundary_year, median(value) as median_buurten
            from b group by all)
select p.*, i.rounding, cum.n_lower, cum.n_total - cum.n_lower - cum.n_eq as n_higher, cum.n_total,
       m.median_buurten, (select count(*) from int_current_regions where level = 'buurt') as n_buurten_all
from p semi join (select region_code from int_current_regions where level = 'buurt') r using (region_code)
join indicators i using (indicator_id)
left join cum using (indicator_id, period, table_id, age_group, boundary_year, value)
left join medians m using (indicator_id, period, table_id, age_group, boundary_year)
"""


@pytest.fixture(scope="module")
def all_buurten(release_path):
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as con:
        return con.execute(ALL_BUURTEN_SQL).fetchdf()


@pytest.fixture(scope="module")
def all_items(all_buurten):
    return summary.summary_items(all_buurten, "buurt", by="region_code")


def test_no_strength_below_the_middle_of_all_buurten(all_buurten, all_items):
    assert all_buurten["region_code"].nunique() > 14_000
    told = pd.concat([all_items["strengths"], all_items["best"]])
    assert len(all_items["strengths"]) > 10_000 and not told.empty
    told = told.merge(all_buurten[["region_code", "indicator_id", "median_buurten"]], on=["region_code", "indicator_id"],
                      suffixes=("", "_sql"))
    hib = told["direction"] == "higher_is_better"
    below = (hib & (told["value"] < told["median_buurten"])) | (~hib & (told["value"] > told["median_buurten"]))
    assert not below.any(), told.loc[below, ["region_code", "indicator_id", "value", "median_buurten"]].head()
    strong = all_items["strengths"].merge(all_buurten[["region_code", "indicator_id", "median_buurten"]],
                                          on=["region_code", "indicator_id"])
    hib = strong["direction"] == "higher_is_better"
    assert ((hib & (strong["value"] > strong["median_buurten"]))
            | (~hib & (strong["value"] < strong["median_buurten"]))).all()


def test_one_region_path_chooses_what_the_grouped_path_chooses(all_buurten, all_items):
    """The profile uses summary_items without `by` (one region, no grouping); the checks above run on the grouped
    path. Both must choose the same rows for every region."""
    codes = sorted(all_buurten["region_code"].unique())[::150]
    assert len(codes) > 90
    for code in codes:
        one = summary.summary_items(all_buurten[all_buurten["region_code"] == code], "buurt")
        for key in ("strengths", "best", "concerns"):
            grouped = all_items[key]
            expected = list(grouped.loc[grouped["region_code"] == code, "indicator_id"])
            assert list(one[key]["indicator_id"]) == expected, (code, key)


def test_concerns_are_on_the_unfavourable_side_and_no_rounded_zero_is_ranked(all_buurten, all_items):
    concerns = all_items["concerns"].merge(all_buurten[["region_code", "indicator_id", "median_buurten"]],
                                           on=["region_code", "indicator_id"])
    hib = concerns["direction"] == "higher_is_better"
    assert ((hib & (concerns["value"] < concerns["median_buurten"]))
            | (~hib & (concerns["value"] > concerns["median_buurten"]))).all()
    for frame in (all_items["strengths"], all_items["best"], all_items["concerns"]):
        assert not ((frame["rounding"] > 0) & (frame["value"] == 0)).any()
    rounded = all_buurten[(all_buurten["rounding"] > 0) & (all_buurten["value"] == 0)]
    assert len(rounded) > 1000  # thousands of buurten have a rounded 0 (bijstand, WW, AO): none of them is told


def _numbers(text: str, pattern: str) -> list[float]:
    import re
    return [float(m.replace(".", "").replace(",", ".")) for m in re.findall(pattern, text)]


def test_every_told_sentence_is_possible_and_names_its_base(all_items):
    told = pd.concat([all_items["strengths"], all_items["best"], all_items["concerns"]])
    n = 0
    for row in told.to_dict("records"):
        text = summary.sentence(row, "buurt")
        assert "nan" not in text and "–" not in text, text
        assert all(v <= 100 for v in _numbers(text, r"(\d[\d.]*(?:,\d+)?)%")), text
        assert all(v <= 1000 for v in _numbers(text, r"krijgen (\d[\d.]*(?:,\d+)?) van elke 1\.000")), text
        if row["n_total"] < 0.9 * row["n_buurten_all"]:
            assert "buurten met een cijfer" in text, text
        n += 1
    assert n > 20_000


@pytest.mark.parametrize("code", ["BU0363AA01", "BU03440911", "BU00140000"])
def test_summarize_tells_exactly_what_summary_items_chose(build_dir, code):
    table = table_for(code, build_dir)
    items = summary.summary_items(table, "buurt")
    paragraphs = summary.summarize(table, "buurt")
    for row in pd.concat([items["strengths"], items["best"]]).to_dict("records"):
        assert summary.sentence(row, "buurt", "X")[2:] in paragraphs[0]  # the sentence without its opener
    if items["strengths"].empty and items["best"].empty and not items["assets"].empty:
        assert "niet op" in paragraphs[0] and "sterk" not in paragraphs[0]


def test_nothing_stands_out_is_said_and_no_weak_figure_is_called_strongest():
    rows = pd.DataFrame([
        {"indicator_id": "afstand_kinderdagverblijf", "label": "Afstand tot kinderdagverblijf", "lens": "asset",
         "unit": "km", "direction": "lower_is_better", "modelled": False, "landing": True, "hidden": False,
         "in_summary": True, "period": "2023", "value": 4.2, "n_lower": 12_000, "n_higher": 100, "n_total": 13_000},
        {"indicator_id": "vrijwilligerswerk", "label": "Doet vrijwilligerswerk", "lens": "asset", "unit": "%",
         "direction": "higher_is_better", "modelled": True, "landing": True, "hidden": False, "in_summary": True,
         "period": "2020", "value": 20.0, "n_lower": 3_000, "n_higher": 10_000, "n_total": 13_100}])
    kracht = summary.summarize(rows, "buurt")[0]
    assert "sterkste" not in kracht and "kinderdagverblijf" not in kracht and "niet op" in kracht


def test_the_lowest_figure_names_its_base_when_buurten_lack_one(build_dir):
    """BU04730403 has the lowest 2024 density with a figure (1 per km²); 720 buurten have none because the KWB
    extract blanked their zeros (0 inwoners). 'geen van de buurten heeft een lagere waarde' was false of them: the
    bar now names the buurten with a figure. A buurt in the middle keeps the short base (coverage above 90%)."""
    from dashboard.core.charts import bar_label
    lowest = table_for("BU04730403", build_dir).set_index("indicator_id").loc["bevolkingsdichtheid"]
    assert lowest["n_lower"] == 0 and lowest["n_total"] < lowest["n_buurten_all"]
    label = bar_label(lowest.to_dict(), "buurt", lowest["scope_note"])   # as indicator_html calls it (NaN)
    assert label == f"geen van de {fmt_number(lowest['n_total'])} buurten met een cijfer heeft een lagere waarde"
    middle = table_for("BU0363AA01", build_dir).set_index("indicator_id").loc["bevolkingsdichtheid"]
    assert bar_label(middle.to_dict(), "buurt").startswith("hoger dan ") and "met een cijfer" not in bar_label(
        middle.to_dict(), "buurt")


def test_a_buurt_the_source_does_not_list_gets_its_gemeentes_figure_beside_the_reason(build_dir):
    """BU00140110 (Groningen) is new since 2020: RIVM's 50090NED has no row for it, so its profile had no
    mart_profile row to join the gemeente's figure to, and the missing figure stood alone, where a listed buurt
    without a value shows 'cijfer van de gemeente …'. The gemeente's figure of the same period, table and division
    is now beside the reason; the reason itself is unchanged."""
    from dashboard.core.charts import indicator_html
    code = "BU00140110"
    base = table_for(code, build_dir)
    gemeente = queries.gemeente_values("GM0014", build_dir)
    region = queries.region(code, build_dir)
    table = profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                          queries.area_coverage("GM0014", build_dir), queries.catalogue(build_dir),
                          queries.sources(build_dir), gemeente_profile=gemeente)
    row = table.set_index("indicator_id").loc["vrijwilligerswerk"]
    assert pd.isna(row["value"]) and row["missing_text"] == base.set_index("indicator_id").loc[
        "vrijwilligerswerk", "missing_text"]
    own = gemeente[(gemeente["indicator_id"] == "vrijwilligerswerk") & (gemeente["table_id"] == row["table_id"])
                   & (gemeente["period"] == row["period"])]
    assert len(own) == 1 and row["gemeente_value"] == own["value"].iloc[0]
    html = indicator_html(row.to_dict() | {"indicator_id": "vrijwilligerswerk"}, "buurt", region["gemeente_name"])
    assert f"cijfer van de gemeente {region['gemeente_name']}: " in html
    assert queries.profile(code, build_dir).query("indicator_id == 'vrijwilligerswerk'").empty
    # every filled figure is the gemeente's own of that row's period, table and division
    for ind, r in table.set_index("indicator_id").iterrows():
        if pd.isna(r["value"]) and pd.notna(r["gemeente_value"]) and r["missing_text"] != "alleen per gemeente bekend":
            match = gemeente[(gemeente["indicator_id"] == ind) & (gemeente["period"] == r["period"])
                             & (gemeente["table_id"] == r["table_id"])]
            assert match["value"].tolist() == [r["gemeente_value"]], ind
