"""Rates from counts CBS rounded carry their rounding interval and never look exact (real shipped data).

The KWB 2023 download file (data/snapshot/tables/85618NED, entry of data/snapshot/README.md) has, per region,
uitkeringen rounded to tens (a_soz_ww, a_soz_wb, a_soz_ao: every value ends on 0) and inwoners rounded to fives for
wijken and buurten (a_inw; the gemeente and NL counts are exact). The build computes each ratio's rounding interval
(round_lower, round_upper); the profile shows a wide one as 'ongeveer … (… tot …)' and makes no claim it does not
support. Expected bounds are recomputed here from the source file's counts, never hard-coded.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.core import queries
from dashboard.core.charts import indicator_html
from dashboard.core.format import fmt_number, is_rough, value_parts, value_text
from dashboard.profile import summary
from dashboard.profile.compare import compare_table
from dashboard.profile.table import profile_table
from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.paths import ROOT

KWB_2023 = "85618NED"


@pytest.fixture(scope="module")
def kwb_counts() -> pd.DataFrame:
    """The source's own counts per region code (the shipped KWB 2023 download file)."""
    data = read_table_cache(ROOT / "data" / "snapshot" / "tables" / KWB_2023).data
    data = data.assign(code=data["gwb_code_10"].astype(str).str.strip())
    data["code"] = data["code"].where(~data["code"].str.startswith("NL"), "NL00")
    return data.set_index("code")[["a_inw", "a_soz_ww", "a_soz_wb", "a_soz_ao"]].apply(pd.to_numeric)


def expected_interval(count: float, inwoners: float, small_area: bool) -> tuple[float, float]:
    """The lowest and highest rate per 1 000 the rounded counts allow: a count rounded to tens is count - 5 to
    count + 4 (0 is 0 to 4); inwoners of a wijk or buurt rounded to fives are inwoners - 2 to inwoners + 2."""
    low, high = max(count - 5, 0), count + 4
    d = 2 if small_area else 0
    return 1000 * low / (inwoners + d), 1000 * high / (inwoners - d)


def table_for(code, build_dir):
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                         queries.area_coverage(gemeente, build_dir), queries.catalogue(build_dir),
                         queries.sources(build_dir), level=region["level"])


def rough_ww_buurt(con) -> str:
    """A buurt whose WW rate (KWB 2023) has a rounding interval reaching beyond 10 % of the value."""
    return con.execute("""select region_code from mart_profile where indicator_id = 'ww_per_1000'
                          and region_code like 'BU%' and table_id = ? and value > 0
                          and round_upper - value > 0.3 * value order by region_code limit 1""",
                       [KWB_2023]).fetchone()[0]


def test_every_level_carries_the_interval_of_its_own_counts(con, kwb_counts):
    code = rough_ww_buurt(con)
    gm, nl = "GM" + code[2:6], "NL00"
    rows = con.execute("""select region_code, value, lower, upper, round_lower, round_upper,
                                 gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
                          from mart_profile where indicator_id = 'ww_per_1000' and region_code in (?, ?, ?)""",
                       [code, gm, nl]).fetchdf().set_index("region_code")
    for region, small in ((code, True), (gm, False), (nl, False)):
        src = kwb_counts.loc[region]
        low, high = expected_interval(src["a_soz_ww"], src["a_inw"], small)
        row = rows.loc[region]
        assert row["value"] == pytest.approx(1000 * src["a_soz_ww"] / src["a_inw"])
        assert (row["round_lower"], row["round_upper"]) == pytest.approx((low, high)), region
        assert pd.isna(row["lower"]) and pd.isna(row["upper"])   # lower/upper: only a source's 95 % margins
    # the buurt row carries its gemeente's and Nederland's interval beside its own
    assert rows.loc[code, "gemeente_round_lower"] == pytest.approx(rows.loc[gm, "round_lower"])
    assert rows.loc[code, "nl_round_upper"] == pytest.approx(rows.loc[nl, "round_upper"])
    # the trend and map views carry the same interval
    series = con.execute("""select round_lower, round_upper from mart_indicator_series where region_code = ?
                            and indicator_id = 'ww_per_1000' and table_id = ?""", [code, KWB_2023]).fetchone()
    mapped = con.execute("""select round_lower, round_upper from mart_map_values where region_code = ?
                            and indicator_id = 'ww_per_1000'""", [code]).fetchone()
    assert series == pytest.approx(tuple(rows.loc[code, ["round_lower", "round_upper"]]))
    assert mapped == pytest.approx(series)


def test_a_rounded_zero_keeps_its_bound_in_the_rounding_columns(con, kwb_counts, build_dir):
    code, value, lower, upper, r_low, r_high = con.execute(
        """select region_code, value, lower, upper, round_lower, round_upper from mart_profile
           where indicator_id = 'bijstand_per_1000' and region_code like 'BU%' and table_id = ? and value = 0
           order by region_code limit 1""", [KWB_2023]).fetchone()
    src = kwb_counts.loc[code]
    assert src["a_soz_wb"] == 0 and (r_low, r_high) == pytest.approx(expected_interval(0, src["a_inw"], True))
    assert lower is None and upper is None
    row = table_for(code, build_dir).set_index("indicator_id").loc["bijstand_per_1000"]
    shown = value_text(row)    # the range in the rate's unit, reaching at least its bound, and the count's meaning
    top = float(shown.removeprefix("0 tot ").split(" ")[0].replace(",", "."))
    assert shown.startswith("0 tot ") and top >= r_high and shown.endswith(
        " per 1 000 inwoners (CBS rondt af op tientallen: het getelde aantal is 0 tot 4)"), shown


def test_a_rough_rate_is_shown_without_false_precision(con, kwb_counts, build_dir):
    code = rough_ww_buurt(con)
    src = kwb_counts.loc[code]
    low, high = expected_interval(src["a_soz_ww"], src["a_inw"], True)
    table = table_for(code, build_dir)
    row = table.set_index("indicator_id").loc["ww_per_1000"].to_dict() | {"indicator_id": "ww_per_1000"}
    value = 1000 * src["a_soz_ww"] / src["a_inw"]
    shown = f"ongeveer {fmt_number(value, 0)} per 1 000 inwoners ({math.floor(low)} tot {math.ceil(high)})"
    assert is_rough(row) and value_text(row) == shown
    assert value_parts(row)[1].startswith("CBS rondt de aantallen af waaruit dit cijfer is berekend (op tientallen)")
    html = indicator_html(row, "buurt")
    assert "ongeveer" in html and fmt_number(value, 1) not in html and "door de afronding hoger dan" in html
    assert "CBS rondt de aantallen af" in html
    assert "bb-span" in html and "bb-mark" not in html   # the bar shades the interval's stretch, no exact mark
    # Vergelijken: the number column keeps the value (numeric CSV); the Toelichting says it is rough
    profile = type("P", (), {"table": table, "region": {"region_code": code, "name": "X"}})()
    compared, chart = compare_table([profile])
    note = compared.set_index("Onderwerp").loc[row["label"], "Toelichting"]
    assert note == f"X: ongeveer {math.floor(low)} tot {math.ceil(high)} (CBS rondt de aantallen af)"   # not "tussen … tot"
    assert chart.set_index("indicator_id").loc["ww_per_1000", f"text_{code}"].startswith(shown)


def withheld_concern(con) -> tuple[str, str]:
    """A buurt and uitkering whose published rate is higher than in >= 60 % of the buurten (a concern by its point
    value), while the lowest rate its rounded counts allow is higher than in fewer than 60 %."""
    return con.execute(f"""
        with mine as (
            select region_code, indicator_id, period, table_id, value, round_lower from mart_profile
            where region_code like 'BU%' and is_default_group and value > 0
              and indicator_id in ('ww_per_1000', 'bijstand_per_1000', 'ao_per_1000')),
        placed as (
            select m.region_code, m.indicator_id, sum(c.n_equal) filter (where c.value < m.value) as n_low,
                   coalesce(sum(c.n_equal) filter (where c.value < m.round_lower), 0) as n_sure,
                   sum(c.n_equal) as n
            from mine m join mart_buurt_value_counts c using (indicator_id, period, table_id)
            group by all)
        select region_code, indicator_id from placed
        where 100 * n_low / n >= {summary.MIDDLE} and 100 * n_sure / n < {summary.MIDDLE - 10}
        order by region_code, indicator_id limit 1""").fetchone()


def test_a_concern_the_rounding_interval_does_not_support_is_withheld(con, build_dir):
    code, indicator = withheld_concern(con)
    table = table_for(code, build_dir)
    row = table.set_index("indicator_id").loc[indicator]
    assert 100 * row["n_higher"] / row["n_total"] < summary.MIDDLE <= 100 * row["n_lower"] / row["n_total"]
    assert 100 * row["n_lower_sure"] / row["n_total"] < summary.MIDDLE
    items = summary.pick(table.to_dict("records"), n_each=10)
    assert indicator not in {r["indicator_id"] for r in items["concerns"]}
    # the grouped (vectorised) path decides the same
    grouped = summary.summary_items(table.assign(region_code=code), by="region_code", n_each=10)
    assert indicator not in set(grouped["concerns"]["indicator_id"])
    # and the sentence about it never says 'meer dan in X%' beyond what the interval supports
    sentence = summary.sentence(row.to_dict() | {"indicator_id": indicator})
    assert f"meer dan in {int(100 * row['n_lower'] / row['n_total'])}%" not in sentence


def test_catalogue_declares_the_rounding_of_every_ratio_of_counts():
    for ind in load_catalogue().indicators:
        for source in ind.sources:
            if source.is_ratio and source.table.endswith("NED"):   # KWB: the counts are rounded
                assert source.numerator_rounding and source.denominator_rounding, (ind.id, source.table)


def test_gesprekskaart_shows_the_range_and_no_unsupported_comparison(con, build_dir):
    """A buurt whose WW rate differs from its gemeente's by more than the pack's 5 % 'stands out' threshold, but
    whose rounding interval holds the gemeente's figure: the pack (HTML; the PDF prints this HTML) shows the range
    and says 'door de afronding niet duidelijk anders', never 'hoger/lager dan in heel …' for that figure."""
    from dashboard.gesprekskaart import make_pack
    from dashboard.gesprekskaart.figures import make_figure
    from dashboard.gesprekskaart.wording import UNCLEAR
    code, gemeente = con.execute("""
        select p.region_code, r.name from mart_profile p join mart_regions r on r.region_code = p.gemeente_code
        where p.indicator_id = 'ww_per_1000' and p.region_code like 'BU%' and p.value > 0
          and p.gemeente_value between p.round_lower and p.round_upper
          and abs(p.value - p.gemeente_value) > 0.2 * p.gemeente_value
          and p.round_upper - p.value > 0.3 * p.value
        order by p.region_code limit 1""").fetchone()
    row = next(r for r in queries.profile(code, build_dir).to_dict("records") if r["indicator_id"] == "ww_per_1000")
    row["rounding"] = 10
    figure = make_figure(row, level="buurt", gemeente_name=gemeente, prompt="Ongeveer {value} mensen hebben WW.",
                         concern=True)
    assert figure.value_text == value_text(row) and figure.value_text.startswith("ongeveer ")
    assert figure.comparison.startswith(f"{UNCLEAR[0].upper()}{UNCLEAR[1:]} dan in heel {gemeente}")
    assert not figure.standout or "Hoger dan in heel" not in figure.comparison
    assert figure.prompt.startswith("Ongeveer ") and " tot " in figure.prompt and " op de 1.000" in figure.prompt
    html = make_pack(code, build_dir=build_dir).html
    assert fmt_number(row["value"], 1) + " per 1 000" not in html


def test_quadrant_scores_count_a_rough_rate_at_the_end_nearest_the_average(con):
    """mart_buurt_scores: a WW rate whose rounding interval holds the average buurt adds a z of 0 to the need
    score (its published value alone would add more)."""
    frame = con.execute("""
        select l.region_code, l.indicator_id, i.direction, l.value, l.round_lower, l.round_upper,
               avg(l.value) over w as mean, stddev_samp(l.value) over w as sd
        from mart_profile l join indicators i using (indicator_id)
        join mart_regions r on r.region_code = l.region_code and r.level = 'buurt'
        where i.in_summary and l.is_default_group and l.value is not null and i.lens = 'problem'
        window w as (partition by l.indicator_id, l.period, l.table_id)""").fetchdf()
    near = frame["value"].where(frame["round_lower"].isna(),
                                frame["mean"].clip(lower=frame["round_lower"], upper=frame["round_upper"]))
    sign = frame["direction"].map({"higher_is_better": -1}).fillna(1)
    frame["z"] = sign * (near - frame["mean"]) / frame["sd"]
    frame["z_point"] = sign * (frame["value"] - frame["mean"]) / frame["sd"]
    ww = frame[(frame["indicator_id"] == "ww_per_1000") & (frame["round_lower"] <= frame["mean"])
               & (frame["round_upper"] >= frame["mean"]) & ((frame["value"] - frame["mean"]).abs() > 0.5 * frame["sd"])]
    code = sorted(ww["region_code"])[0]
    mine = frame[frame["region_code"] == code]
    need, n = con.execute("select need_score, n_problem from mart_buurt_scores where region_code = ?",
                          [code]).fetchone()
    assert n == len(mine) >= 3
    assert need == pytest.approx(mine["z"].mean())
    assert need != pytest.approx(mine["z_point"].mean())


def test_wijkagenda_follow_up_sees_no_change_inside_the_rounding(con, build_dir):
    """Volgen: a frozen WW baseline and a newer figure whose rounding intervals overlap is 'geen duidelijk
    verschil', not 'hoger'/'lager' (the newer row: a real buurt row of the same release with a different value)."""
    from dashboard.wijkagenda import data, follow
    from datetime import date
    code = rough_ww_buurt(con)
    baseline = data.freeze(code, "ww_per_1000", date(2026, 1, 5), build_dir)
    other = con.execute("""select value, round_lower, round_upper from mart_profile where indicator_id = 'ww_per_1000'
                           and region_code like 'BU%' and value > ? and round_lower < ? order by value limit 1""",
                        [baseline["value"] * 1.2, baseline["round_upper"]]).fetchone()
    latest = {"period": str(int(baseline["period"]) + 1), "value": other[0], "round_lower": other[1],
              "round_upper": other[2], "boundary_year": baseline["boundary_year"], "table_id": baseline["table_id"]}
    result = follow.follow_up(baseline, latest)
    assert result.status == follow.NO_CLEAR_DIFFERENCE and "afronding" in result.sentence
    assert result.baseline_text.startswith("ongeveer ")


def test_an_agenda_frozen_before_the_rounding_columns_keeps_its_rounded_0_bound(con):
    """A baseline frozen by an earlier release kept a rounded 0's bound in `upper`: it still reads '0 tot 15 per
    1 000 inwoners (...)' (format.rounding_bounds reads it for a rounded 0 only)."""
    bound = con.execute("""select round_upper from mart_profile where indicator_id = 'bijstand_per_1000'
                           and value = 0 and region_code like 'BU%' order by region_code limit 1""").fetchone()[0]
    old = {"value": 0.0, "unit": "per 1 000 inwoners", "rounding": 10, "lower": 0.0, "upper": bound}
    assert value_text(old) == value_text({**old, "lower": None, "upper": None, "round_lower": 0.0,
                                          "round_upper": bound})
    assert value_text(old).startswith("0 tot ") and value_text(old) != value_text({**old, "upper": None})


def test_every_rounding_interval_holds_its_value_and_only_ratios_of_rounded_counts_have_one(con):
    """Over the whole release: round_lower <= value <= round_upper, only on indicators the catalogue says are
    ratios of rounded counts, and never beside a 95 % margin (lower/upper) on the same row."""
    rounded = {i.id for i in load_catalogue().indicators
               if any(s.numerator_rounding or s.denominator_rounding for s in i.sources)
               or i.numerator_rounding or i.denominator_rounding}
    bad, ids, both = con.execute("""
        select count(*) filter (where not (round_lower <= value + 1e-9 and value <= round_upper + 1e-9)),
               list(distinct indicator_id), count(*) filter (where lower is not null or upper is not null)
        from indicator_values where round_upper is not null""").fetchone()
    assert bad == 0 and both == 0
    assert set(ids) <= rounded and {"ww_per_1000", "bijstand_per_1000", "aandeel_65plus"} <= set(ids)


def test_a_rough_gemeente_figure_beside_a_buurt_reads_ongeveer(con, build_dir):
    """A small gemeente's WW rate is rough too (uitkeringen are rounded to tens at every level): beside its buurt's
    figure it reads 'ongeveer …', not with a decimal."""
    code, name = con.execute("""select p.region_code, r.name from mart_profile p
        join mart_regions r on r.region_code = p.gemeente_code
        where p.indicator_id = 'ww_per_1000' and p.region_code like 'BU%' and p.value is not null
          and p.gemeente_round_upper - p.gemeente_value > 0.1 * p.gemeente_value
        order by p.region_code limit 1""").fetchone()
    row = table_for(code, build_dir).set_index("indicator_id").loc["ww_per_1000"].to_dict()
    html = indicator_html(row | {"indicator_id": "ww_per_1000"}, "buurt", name)
    assert f"{name} ongeveer " in html and f"{name} {fmt_number(row['gemeente_value'], 1)}" not in html
