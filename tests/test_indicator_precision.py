"""Every figure at its source's precision, everywhere it is shown (catalogue `decimals`, format.shown_decimals).

Precision belongs to the indicator, not the unit: koopwoningen (KWB stem Koopwoningen, DataProperties Decimals 0)
reads '56%', never '56,0%'; scholen_binnen_3km (Decimals 1) reads '6,0' beside '8,3'; inkomen_per_inwoner
(Decimals 1) '34,0' beside '34,5'; a rate we compute reads one decimal, none where the rounding interval of the
counts CBS rounded is 1 or wider. Regions are picked from the real release by their data; every expected text is
derived from the value, the source's DataProperties and the rounding interval, never written out.
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from dashboard.core import queries
from dashboard.core.format import fmt_number
from dashboard.profile.table import profile_table
from tests.conftest import page_text
from pipelines.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
DATA_PROPERTIES = ROOT / "data" / "snapshot" / "tables" / "85984NED" / "DataProperties.json"
KWB_2024 = "85984NED"
DAY = date(2026, 3, 5)


def source_decimals() -> dict[str, int]:
    """{stem: Decimals} of the KWB 2024 DataProperties (CBS's own column metadata)."""
    return {re.sub(r"_\d+$", "", p["Key"]): p["Decimals"] for p in json.loads(DATA_PROPERTIES.read_text())
            if p.get("Decimals") is not None}


def expected_decimals(indicator_id: str, low=None, high=None) -> int:
    """The decimals a figure must show: the catalogue's (checked against DataProperties below), none when the
    rounding interval of its counts is 1 unit or wider."""
    declared = load_catalogue().indicator(indicator_id).decimals
    if low is not None and high is not None and high - low >= 1:
        return 0
    return declared


def page_html(release_app, code: str) -> str:
    """The profile page of a region with 'Meer cijfers' opened (the context lens: koopwoningen, inkomen)."""
    from dashboard.profile.view import MORE_OPEN
    at = release_app(regio=code)
    at.session_state[MORE_OPEN] = True
    at.run()
    assert not at.exception
    return page_text(at.main)


def table_for(code: str, build_dir):
    """The profile table of a region as the profile page makes it (view.load_profile without Streamlit's cache)."""
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
                         queries.area_coverage(gemeente, build_dir), queries.catalogue(build_dir),
                         queries.sources(build_dir), level=region["level"])


@pytest.fixture(scope="module")
def picked(release_path) -> dict:
    """Real regions for each case, chosen by their data in the release:
    buurt: a buurt whose schools within 3 km are a whole number, with koopwoningen and its gemeente's, and a
           per-1 000 rate whose rounding interval is 1 or wider but not rough (within 10 % of the value);
    gemeente: a gemeente whose inkomen per inwoner is a whole number, with a rate whose interval is below 1."""
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as con:
        buurt = con.execute("""
            with s as (select region_code, value from mart_profile where is_default_group and value > 0
                         and indicator_id = 'scholen_binnen_3km' and value = round(value) and region_code like 'BU%'),
                 k as (select region_code, value, gemeente_value from mart_profile where is_default_group
                         and indicator_id = 'koopwoningen' and value is not null and gemeente_value is not null),
                 a as (select region_code, indicator_id, value, round_lower, round_upper from mart_profile
                         where is_default_group and indicator_id in ('ao_per_1000', 'bijstand_per_1000')
                           and round_upper - round_lower >= 1 and round(value, 1) <> round(value)
                           and greatest(value - round_lower, round_upper - value) <= 0.1 * value)
            select s.region_code, s.value, k.value, k.gemeente_value, a.indicator_id, a.value, a.round_lower,
                   a.round_upper
            from s join k using (region_code) join a using (region_code) order by 1, 5 limit 1""").fetchone()
        gemeente = con.execute("""
            with i as (select region_code, value from mart_profile where is_default_group and region_code like 'GM%'
                         and indicator_id = 'inkomen_per_inwoner' and value = round(value)),
                 a as (select region_code, value, round_lower, round_upper from mart_profile where is_default_group
                         and indicator_id = 'ao_per_1000' and round_upper - round_lower < 1 and value >= 10)
            select i.region_code, i.value, a.value, a.round_lower, a.round_upper
            from i join a using (region_code) order by 1 limit 1""").fetchone()
    assert buurt and gemeente
    return {"buurt": dict(zip(("code", "scholen", "koop", "koop_gemeente", "rate_id", "rate", "rate_low",
                                "rate_high"), buurt)),
            "gemeente": dict(zip(("code", "inkomen", "ao", "ao_low", "ao_high"), gemeente))}


def test_catalogue_decimals_are_the_sources_decimals():
    """Each indicator with a KWB 2024 stem declares the DataProperties `Decimals` of that stem (and so of its older
    KWB tables: same stem, same definition); the three the review named are among them."""
    decimals = source_decimals()
    checked = set()
    for ind in load_catalogue().indicators:
        for s in ind.sources:
            if s.table == KWB_2024 and s.stem:
                assert ind.decimals == decimals[s.stem], (ind.id, s.stem, decimals[s.stem])
                checked.add(ind.id)
    assert {"koopwoningen", "scholen_binnen_3km", "inkomen_per_inwoner"} <= checked
    assert decimals["Koopwoningen"] == 0 and decimals["ScholenBinnen3Km"] == 1


def test_no_value_of_a_stem_indicator_is_finer_than_declared(con):
    """In the built release, no published value (any table, period, level) of an indicator read from a source
    column has more decimals than the release's mart_catalogue declares, and those are the catalogue's; a ratio
    we compute is checked by the display rules instead (its value keeps full precision)."""
    cat = load_catalogue()
    declared = dict(con.execute("select indicator_id, decimals from mart_catalogue").fetchall())
    assert declared == {i.id: i.decimals for i in cat.indicators}
    stems = [i.id for i in cat.indicators if i.sources and all(s.stem for s in i.sources)]
    rows = con.execute("""
        select s.indicator_id, s.table_id, count(*) as n,
               count(*) filter (where abs(s.value * pow(10, c.decimals) - round(s.value * pow(10, c.decimals)))
                                      > 1e-6 * greatest(1, abs(s.value * pow(10, c.decimals)))) as finer
        from mart_indicator_series s join mart_catalogue c using (indicator_id)
        where s.value is not null and list_contains(?, s.indicator_id)
        group by all order by all""", [stems]).fetchall()
    assert {"koopwoningen", "scholen_binnen_3km", "inkomen_per_inwoner"} <= {r[0] for r in rows}
    assert len({r[0] for r in rows}) >= 30
    assert [r for r in rows if r[3]] == []


def block(html: str, indicator_id: str) -> str:
    """One indicator's block (charts.indicator_html) of a page."""
    found = re.search(rf'<div class="bb-row[^"]*" id="ind-{indicator_id}">(.*?)(?=<div class="bb-row|$)', html, re.S)
    assert found, indicator_id
    return found.group(1)


def test_the_profile_page_shows_each_figure_at_its_precision(release_app, picked):
    """A buurt: schools within 3 km whole ('15,0', not '15'), koopwoningen and its gemeente's without a decimal
    ('40%', not '40,0%'), a rate whose rounding interval is 1 or wider without a decimal. A gemeente: a whole
    inkomen per inwoner with its decimal, a rate with an interval below 1 with one."""
    b, g = picked["buurt"], picked["gemeente"]
    html = page_html(release_app, b["code"])
    scholen = fmt_number(b["scholen"], expected_decimals("scholen_binnen_3km"))
    assert scholen.endswith(",0") and f'<span class="bb-value">{scholen}</span>' in block(html, "scholen_binnen_3km")
    koop = block(html, "koopwoningen")
    shown = fmt_number(b["koop"], expected_decimals("koopwoningen")) + "%"
    assert f'<span class="bb-value">{shown}</span>' in koop and "," not in shown
    assert re.search(r'<span class="bb-compare">[^<]* ' + fmt_number(b["koop_gemeente"], 0) + "%", koop)
    assert not re.search(r"\d,\d%", koop)
    rate = fmt_number(b["rate"], expected_decimals(b["rate_id"], b["rate_low"], b["rate_high"]))
    assert "," not in rate and f'<span class="bb-value">{rate}</span>' in block(html, b["rate_id"])

    html = page_html(release_app, g["code"])
    inkomen = fmt_number(g["inkomen"], expected_decimals("inkomen_per_inwoner"))
    assert inkomen.endswith(",0") and f'<span class="bb-value">{inkomen}</span>' in block(html, "inkomen_per_inwoner")
    ao = fmt_number(g["ao"], expected_decimals("ao_per_1000", g["ao_low"], g["ao_high"]))
    assert "," in ao and f'<span class="bb-value">{ao}</span>' in block(html, "ao_per_1000")


def _pack_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_gesprekskaart_writes_each_figure_at_its_precision(build_dir, picked):
    """The buurt's pack prints its whole schools figure with the decimal ('15,0 Basisscholen binnen 3 km'); the
    rate whose interval is 1 or wider, as the pack makes its figure from the profile row (figures.make_figure),
    has no decimal in the big figure, the text and the prompt, and the gemeente's and Nederland's figures beside
    it keep theirs (exact inwoners: a narrow interval)."""
    from dashboard.gesprekskaart import make_pack
    from dashboard.gesprekskaart.figures import make_figure
    b = picked["buurt"]
    cat = load_catalogue()
    text = _pack_text(make_pack(b["code"], build_dir=build_dir, today=DAY).html)
    assert f" {fmt_number(b['scholen'], 1)} {cat.indicator('scholen_binnen_3km').label}" in text
    row = table_for(b["code"], build_dir).set_index("indicator_id", drop=False).loc[b["rate_id"]].to_dict()
    fig = make_figure(row, level="buurt", gemeente_name="X", prompt=cat.indicator(b["rate_id"]).prompt)
    rate = fmt_number(b["rate"], expected_decimals(b["rate_id"], b["rate_low"], b["rate_high"]))
    assert fig.headline == rate and fig.value_text == f"{rate} per 1 000 inwoners"
    assert f"Ongeveer {fmt_number(round(b['rate']))} op de 1.000" in fig.prompt
    gem = fmt_number(row["gemeente_value"], expected_decimals(b["rate_id"], row["gemeente_round_lower"],
                                                             row["gemeente_round_upper"]))
    assert f"({gem})" in fig.comparison and fig.gemeente_text == f"{gem} per 1 000 inwoners"
    assert "," in gem   # a gemeente's rate: exact inwoners, one decimal


def test_the_map_legend_and_hover_use_the_indicators_precision(build_dir, picked):
    """Gemeenten on the map: koopwoningen's legend and hover texts carry no decimal; the legend of schools and of
    inkomen per inwoner one on each edge; buurten: the picked buurt's rate hover has none (its wide interval)."""
    from dashboard.kaart import colour_classes, map_queries
    koop = map_queries.load_values("koopwoningen", "gemeente", build_dir)
    meta = {"id": "koopwoningen", "unit": "%", "direction": "neutral", "rounding": 0}
    frame = colour_classes.map_frame(koop, meta)
    labels = colour_classes.bucket_labels(frame, "%")
    assert labels and all("," not in label for label in labels), labels
    shown = frame[frame["status"] == "waarde"]
    assert len(shown) and all(t == f"{fmt_number(v, 0)}%" for t, v in zip(shown["value_text"], shown["value"]))
    scholen = map_queries.load_values("scholen_binnen_3km", "gemeente", build_dir)
    frame = colour_classes.map_frame(scholen, {"id": "scholen_binnen_3km", "unit": "aantal",
                                               "direction": "higher_is_better", "rounding": 0})
    for label in colour_classes.bucket_labels(frame, "aantal"):
        assert all(re.fullmatch(r"\d+,\d", n) for n in label.split(" – ")), label
    inkomen = map_queries.load_values("inkomen_per_inwoner", "gemeente", build_dir)
    frame = colour_classes.map_frame(inkomen, {"id": "inkomen_per_inwoner", "unit": "x 1 000 euro",
                                               "direction": "neutral", "rounding": 0})
    for label in colour_classes.bucket_labels(frame, "x 1 000 euro"):   # the long unit is in the bar's title
        assert re.fullmatch(r"\d+,\d – \d+,\d", label), label
    b = picked["buurt"]
    rates = map_queries.load_values(b["rate_id"], "buurt", build_dir)
    frame = colour_classes.map_frame(rates, {"id": b["rate_id"], "unit": "per 1 000 inwoners",
                                             "direction": "lower_is_better", "rounding": 10}, [b["code"]])
    rate = fmt_number(b["rate"], expected_decimals(b["rate_id"], b["rate_low"], b["rate_high"]))
    assert list(frame["value_text"]) == [f"{rate} per 1 000 inwoners"]


def test_vergelijken_shows_each_cell_at_its_precision(build_dir, picked):
    """Vergelijken of the buurt and the gemeente: koopwoningen without a decimal, schools with one, the buurt's
    wide-interval rate without one (the number column too), the gemeente's with one; in the table as shown and in
    the chart's hover text."""
    from dashboard.profile.compare import compare_table, shown_table
    b, g = picked["buurt"], picked["gemeente"]
    profiles = [type("P", (), {"table": table_for(c, build_dir), "region": {"region_code": c, "name": c}})()
                for c in (b["code"], g["code"])]
    table, chart = compare_table(profiles)
    html = shown_table(table).to_html()
    by_label = table.set_index("Onderwerp")
    labels = {i.id: i.label for i in load_catalogue().indicators}
    col = f"{b['code']} ({b['code']})"
    rate = fmt_number(b["rate"], 0)
    assert by_label.loc[labels[b["rate_id"]], col] == round(b["rate"]) and f">{rate}<" in html
    assert f">{fmt_number(b['scholen'], 1)}<" in html
    hover = chart.set_index("indicator_id")
    assert hover.loc[b["rate_id"], f"text_{b['code']}"].startswith(f"{rate} per 1 000 inwoners")
    assert hover.loc["scholen_binnen_3km", f"text_{b['code']}"].startswith(fmt_number(b["scholen"], 1))
    gem = hover.loc["ao_per_1000", f"text_{g['code']}"]
    assert gem.startswith(fmt_number(g["ao"], 1) + " per 1 000 inwoners"), gem


def test_the_wijkagenda_follow_up_writes_and_compares_at_the_precision(build_dir, picked):
    """Volgen: a frozen schools baseline reads '15,0 (2024)'; the same figure a year later is 'gelijk gebleven'
    in the same words; the rate's baseline has no decimal where its interval is 1 or wider."""
    from dashboard.wijkagenda import data, follow
    b = picked["buurt"]
    base = data.freeze(b["code"], "scholen_binnen_3km", DAY, build_dir)
    scholen = fmt_number(b["scholen"], 1)
    assert follow.follow_up(base, None).baseline_text == f"{scholen} ({base['period']})"
    later = {**base, "period": str(int(base["period"]) + 1)}
    result = follow.follow_up(base, later)
    assert result.status == follow.SAME and f"({scholen} in {later['period']})" in result.sentence
    koop = data.freeze(b["code"], "koopwoningen", DAY, build_dir)
    assert follow.follow_up(koop, None).baseline_text == f"{fmt_number(b['koop'], 0)}% ({koop['period']})"
    rate = data.freeze(b["code"], b["rate_id"], DAY, build_dir)
    shown = fmt_number(b["rate"], expected_decimals(b["rate_id"], b["rate_low"], b["rate_high"]))
    assert follow.follow_up(rate, None).baseline_text == f"{shown} per 1 000 inwoners ({rate['period']})"


def test_the_build_names_source_values_finer_than_the_catalogue(con, build_stdout):
    """The build reads the catalogue's decimals too: the shipped snapshot has no value finer than declared (its
    summary has no such line), and a precision the catalogue understated is named per indicator and table with
    its count (here: schools within 3 km declared whole, on the real values)."""
    from pipelines.build import finer_than_declared
    assert "meer decimalen dan de catalogus" not in build_stdout
    assert finer_than_declared(con, {"koopwoningen": 0, "inkomen_per_inwoner": 1}) == []
    counts = con.execute("""select table_id, count(*) from indicator_values where indicator_id = 'scholen_binnen_3km'
                            and value <> round(value) group by 1 order by 1""").fetchall()   # every value read
    assert len(counts) == 2 and finer_than_declared(con, {"scholen_binnen_3km": 0}) == [
        f"scholen_binnen_3km ({table}): {n:,} waarden" for table, n in counts]


def test_a_reference_figure_reads_alike_on_the_profile_and_the_gesprekskaart(build_dir, picked):
    """The gemeente's and Nederland's figures beside a region are one row (format.reference_row) for every view:
    for each of the picked buurt's figures that has a reference, the profile's reference text (charts.ref_text)
    and the gesprekskaart's carry the same number, at the same decimals."""
    from dashboard.core.charts import ref_text
    from dashboard.core.format import is_rough, reference_row
    from dashboard.gesprekskaart.figures import make_figure
    number = re.compile(r"-?[\d.]+(?:,\d+)?")
    rows = [r for r in table_for(picked["buurt"]["code"], build_dir).to_dict("records") if r.get("value") is not None
            and r["value"] == r["value"]]
    compared = 0
    for row in rows:
        fig = make_figure(row, level="buurt", gemeente_name="X", prompt=None)
        for key, text in (("gemeente", fig.gemeente_text), ("nl", fig.nl_text)):
            ref = reference_row(row, key)
            if not text or ref["value"] is None or is_rough(ref):
                continue
            assert number.match(text).group() == number.match(ref_text(row, key)).group(), (row["indicator_id"], key)
            compared += 1
    assert compared >= 20


def test_a_gemeente_figure_beside_a_missing_one_names_its_unit(release_app, release_path):
    """Verspreide huizen bosgebied (Heerde, 20 inwoners) has no WOZ value and no Wmo rate; the profile showed the
    gemeente's as 'cijfer van de gemeente Heerde: 430' and 'Heerde 35 · Nederland 70' with no unit anywhere, as
    the unit normally stands beside the big number. Every unit of the catalogue that the profile writes apart
    from its number ('x 1 000 euro', 'per 1 000 inwoners') is now named with the reference."""
    import duckdb
    from dashboard.core.format import reference_row, value_text
    code = "BU02460009"
    with duckdb.connect(str(release_path), read_only=True) as con:
        rows = con.execute("""select * from mart_profile where region_code = ? and is_default_group
                              and value is null and gemeente_value is not null""", [code]).df()
    long_units = rows[~rows["unit"].isin(["%", "km", "aantal", "klasse 1-5"])]
    assert {"x 1 000 euro", "per 1 000 inwoners"} <= set(long_units["unit"])   # the case: WOZ and the rates
    html = page_html(release_app, code)
    for row in long_units.to_dict("records"):
        shown = value_text(reference_row(row, "gemeente"))
        assert shown.endswith(row["unit"]) or f"{row['unit']} (" in shown, shown
        assert f"cijfer van de gemeente Heerde: {shown}" in block(html, row["indicator_id"]), row["indicator_id"]
