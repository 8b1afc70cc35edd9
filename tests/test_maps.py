"""The Kaart map modules (dashboard/kaart) on the real release built from the snapshot: statuses, colour direction,
traces, payload."""
from __future__ import annotations

import json
import re

import plotly.io as pio
import pytest

from dashboard.kaart import choropleth, colour_classes, map_geometry, map_queries, map_text, map_url
from dashboard.core.escaping import md_escape
from dashboard.core.format import fmt_number


@pytest.fixture(scope="module")
def indicators(build_dir):
    frame = map_queries.load_indicators(build_dir)
    return {r["indicator_id"]: r | {"id": r["indicator_id"]} for r in frame.to_dict("records")}


@pytest.fixture(scope="module")
def draw(build_dir, indicators):
    """draw(indicator, level, area) -> (frame, geojson, figure), built the way the Kaart page builds them."""
    def _draw(indicator_id, level, area, **kwargs):
        shapes = map_queries.load_shapes(level, area, build_dir)
        geojson = map_geometry.geojson_for(level, area, shapes)
        meta = indicators[indicator_id]
        frame = colour_classes.map_frame(map_queries.load_values(indicator_id, level, build_dir), meta, shapes["region_code"], **kwargs)
        view = map_geometry.view_for(map_geometry.area_bounds(shapes, area))
        message = None if map_text.has_figures(frame) else map_text.no_values_message(frame, meta, level)
        figure = choropleth.build_figure(frame, geojson, meta, level=level, view=view, detail=area != map_queries.NL,
                                   message=message)
        return frame, geojson, figure
    return _draw


def test_vrijwilligerswerk_buurt_statuses(build_dir):
    counts = map_queries.load_values("vrijwilligerswerk", "buurt", build_dir)["status"].value_counts()
    assert counts["andere_indeling"] > 0 and counts["waarde"] > 10_000
    assert set(counts.index) <= set(colour_classes.STATUS_ORDER)


def test_local_source_is_missing_elsewhere_not_another_division(build_dir):
    # the shipped education table covers Amsterdam only: Utrecht's buurten are 'ontbreekt'
    values = map_queries.load_values("opleiding_laag", "buurt", build_dir)
    assert set(values.loc[values["gemeente_code"] == "GM0344", "status"]) == {"ontbreekt"}
    assert (values.loc[values["gemeente_code"] == "GM0363", "status"] == "andere_indeling").any()


def test_a_long_unit_is_named_once_in_the_colour_bar(draw):
    """Amsterdam's buurten, WW per 1 000 inwoners: each class of the colour bar read '1,7 – 6,6 per 1 000
    inwoners', and at 390 px the bar covered half the map. The classes give the numbers, the bar's title the unit
    once; a short unit ('%', 'km') stays on each class."""
    frame, _, figure = draw("ww_per_1000", "buurt", "GM0363")
    bar = next(t for t in figure.data if t.meta == "waarde").colorbar
    assert bar.title.text.startswith("per 1 000 inwoners<br>") and "donkerder" in bar.title.text
    assert bar.ticktext and all(re.fullmatch(r"[\d.,]+ – [\d.,]+", t) for t in bar.ticktext), bar.ticktext
    frame, _, figure = draw("afstand_huisarts", "buurt", "GM0363")
    bar = next(t for t in figure.data if t.meta == "waarde").colorbar
    assert bar.title.text == "donkerder = gunstiger" and all(t.endswith(" km") for t in bar.ticktext), bar.ticktext


@pytest.mark.parametrize("indicator_id", ["afstand_huisarts", "moeite_met_rondkomen"])
def test_lower_is_better_puts_the_lowest_value_in_the_darkest_bucket(draw, indicator_id):
    frame, _, _ = draw(indicator_id, "buurt", map_queries.NL)
    top = frame.attrs["n_buckets"] - 1
    valued = frame[frame["status"] == "waarde"]
    assert valued.loc[valued["value"].idxmin(), "bucket"] == top
    assert valued.loc[valued["value"].idxmax(), "bucket"] == 0
    assert colour_classes.scale_title({"direction": "lower_is_better"}) == "donkerder = gunstiger"


@pytest.mark.parametrize("indicator_id", ["vrijwilligerswerk", "inwoners"])
def test_higher_is_better_and_neutral_put_the_highest_value_darkest(draw, indicator_id):
    frame, _, _ = draw(indicator_id, "gemeente", map_queries.NL)
    valued = frame[frame["status"] == "waarde"]
    assert valued.loc[valued["value"].idxmax(), "bucket"] == frame.attrs["n_buckets"] - 1
    assert valued["bucket"].min() == 0


def test_palette_is_light_to_dark_and_not_red_green():
    for direction in ("higher_is_better", "neutral"):
        colours = colour_classes.palette(5, direction)
        grey = [sum(int(c) for c in c.strip("rgb()").split(",")) for c in colours]
        assert grey == sorted(grey, reverse=True)                        # darker = higher bucket
    assert colour_classes.scale_title({"direction": "neutral"}).startswith("donkerder = hoger")


def test_one_trace_per_status_with_counts_in_the_legend(draw):
    frame, geojson, figure = draw("vrijwilligerswerk", "buurt", map_queries.NL)
    rows = choropleth.drawable(frame, geojson)
    counts = rows["status"].value_counts()
    assert [t.meta for t in figure.data] == [s for s in colour_classes.STATUS_ORDER if s in counts]
    for trace in figure.data:
        n = counts[trace.meta]
        assert trace.name.endswith(f": {fmt_number(n)}") and len(trace.locations) == n
        shapes = map_geometry.url_collection(trace.geojson)["features"]    # only this trace's shapes, ids 0..n-1
        assert [f["id"] for f in shapes] == list(trace.locations) == list(range(n))
    assert figure.data[0].name == f"Met cijfer: {fmt_number(counts['waarde'])}"
    assert "Andere buurtindeling" in figure.data[-1].name


def test_hover_has_name_value_period_and_estimate(draw):
    frame, _, figure = draw("vrijwilligerswerk", "buurt", "GM0344")
    hover = figure.data[0].hovertemplate
    assert "%{text}" in hover and "%{customdata}" in hover and "Doet vrijwilligerswerk" in hover
    assert "periode 2020" in hover and "geschat" in hover
    assert frame.loc[frame["status"] == "waarde", "value_text"].str.endswith("%").all()
    _, _, distance = draw("afstand_huisarts", "buurt", "GM0344")
    assert "geschat" not in distance.data[0].hovertemplate


def test_figure_needs_no_internet(draw):
    _, _, figure = draw("vrijwilligerswerk", "buurt", "GM0344")
    text = pio.to_json(figure, validate=False)
    assert "cdn.plot.ly" not in text and "topojson" not in text.lower() and "http" not in text
    assert {t.type for t in figure.data} == {"choroplethmap"}
    assert figure.layout.map.style == "white-bg"
    assert not figure.layout.map.layers or all(layer.sourcetype == "geojson" for layer in figure.layout.map.layers)


def test_payload_all_nl_buurten_under_3_mb_and_gemeente_small(draw):
    _, _, nl = draw("ervaren_gezondheid_goed", "buurt", map_queries.NL)
    _, _, utrecht = draw("ervaren_gezondheid_goed", "buurt", "GM0344")
    nl_bytes = len(pio.to_json(nl.to_dict(), validate=False))
    assert sum(len(t.locations) for t in nl.data) > 14_000
    assert nl_bytes <= 3_000_000, nl_bytes
    assert len(pio.to_json(utrecht.to_dict(), validate=False)) < 150_000


def test_gemeente_view_sends_only_its_buurten_in_detail(build_dir):
    shapes = map_queries.load_shapes("buurt", "GM0344", build_dir)
    assert len(shapes) > 50 and set(shapes["gemeente_code"]) == {"GM0344"}
    neighbours = map_queries.load_shapes("gemeente", "GM0344", build_dir)
    assert "GM0344" in set(neighbours["region_code"]) and 3 < len(neighbours) < 60


def test_no_values_still_draws_the_shapes_with_a_message(draw):
    frame, _, figure = draw("vrijwilligerswerk", "buurt", "GM0363")   # Amsterdam changed its buurt codes
    assert set(frame["status"]) == {"andere_indeling"}
    assert figure.data and len(figure.data[0].locations) > 400
    assert any("Geen cijfers" in a.text for a in figure.layout.annotations)
    assert figure.layout.map.layers and figure.layout.map.layers[0].type == "line"          # the hatching
    assert "buurtindeling van 2020" in map_text.no_values_message(frame, {"label": "x"}, "buurt")


def test_no_values_message_points_to_the_gemeente_level_only_when_it_has_a_figure(draw, build_dir):
    """Amsterdam changed its buurt codes after 2020, but the gemeente has a RIVM 2020 figure; Voorne aan Zee
    (GM1992) was formed in 2023, so the 2020 source has no figure for it on any level."""
    for area, has in (("GM0363", True), ("GM1992", False)):
        assert map_queries.gemeenten_have_figures("vrijwilligerswerk", area, build_dir) is has
        for level in ("buurt", "wijk"):
            frame, _, _ = draw("vrijwilligerswerk", level, area)
            assert not map_text.has_figures(frame)
            text = map_text.no_values_message(frame, {"label": "x"}, level, has)
            assert ("Kies het niveau gemeenten" in text) is has
            assert ("Ook per gemeente is er hier geen cijfer" in text) is not has
    assert map_queries.gemeenten_have_figures("vrijwilligerswerk", map_queries.NL, build_dir)
    frame, _, _ = draw("vrijwilligerswerk", "gemeente", "GM1992")
    assert map_text.has_figures(frame)   # its neighbours have a figure: the map shows them, no message


def test_a_figure_known_per_gemeente_only_sends_the_buurt_and_wijk_map_to_the_gemeenten(draw, indicators, con,
                                                                                         build_dir):
    """The turnout (Kiesraad) exists per gemeente only: its buurt and wijk maps have no figure, and the message
    says the figure exists per gemeente only and points to the gemeente level (it said 'De bron heeft hier geen
    cijfers.' and nothing to choose). A figure with buurt figures keeps its own reason."""
    only = [i for i, r in indicators.items() if r["buurten_with_value"] == 0
            and map_queries.gemeenten_have_figures(i, map_queries.NL, build_dir)]
    assert only, "no gemeente-only figure in the release"
    area = con.execute("""select region_code from mart_map_values where level = 'gemeente' and status = 'waarde'
                          and indicator_id = ? order by region_code limit 1""", [only[0]]).fetchone()[0]
    for level in ("buurt", "wijk"):
        frame, _, _ = draw(only[0], level, area)
        assert not map_text.has_figures(frame)
        text = map_text.no_values_message(frame, indicators[only[0]], level, True)
        assert "alleen per gemeente" in text and "Kies het niveau gemeenten" in text, text
    frame, _, _ = draw("vrijwilligerswerk", "buurt", "GM0363")
    assert "alleen per gemeente" not in map_text.no_values_message(frame, indicators["vrijwilligerswerk"], "buurt",
                                                                    True)


def test_a_table_of_gemeenten_only_says_nothing_about_the_buurt_division(con):
    """The Kiesraad tables have gemeenten only: a buurt or wijk new since their year is 'ontbreekt' for the
    turnout, not 'andere_indeling' (the Kaart's legend said 'Andere buurtindeling: 4' in Hardenberg and 'deze
    buurten hadden toen een andere code'). A table with buurten keeps 'andere_indeling' where its codes differ."""
    rows = dict(con.execute("""select m.status, count(*) from mart_map_values m join mart_sources s using (table_id)
                               where coalesce(s.buurten_total, 0) = 0 and m.level in ('buurt', 'wijk')
                               group by 1""").fetchall())
    assert rows.get("ontbreekt", 0) > 10_000 and "andere_indeling" not in rows, rows
    kept = con.execute("""select count(*) from mart_map_values m join mart_sources s using (table_id)
                          where s.buurten_total > 0 and m.level = 'buurt' and m.status = 'andere_indeling'""")
    assert kept.fetchone()[0] > 1_000


def test_a_gemeente_only_figure_on_a_buurt_map_names_no_buurt_division(release_app, con):
    """The turnout (Kiesraad, gemeenten only) on a buurt or wijk map said 'buurtindeling 2023' under the map: a
    division the table does not have. It names the gemeente division and says there are gemeente figures only."""
    table, year = con.execute("""select distinct table_id, boundary_year from mart_map_values
                                 where indicator_id = 'opkomst_ps' and level = 'gemeente'""").fetchone()
    for level in ("buurt", "wijk"):
        at = release_app("app_pages/kaart.py", run_first=False, indicator="opkomst_ps", schaal=level,
                         gebied="GM0160")
        assert not at.exception
        captions = " ".join(c.value for c in at.main.caption)
        assert f"tabel {table} · 2023 · gemeente-indeling {year} (alleen cijfers per gemeente)." in captions
        assert "buurtindeling" not in captions and "wijkindeling" not in captions


def test_shapes_are_labelled_approximate(draw):
    _, _, figure = draw("afstand_huisarts", "wijk", "GM0344")
    assert any("benadering" in a.text for a in figure.layout.annotations)


def test_click_maps_back_to_the_region(draw, build_dir):
    frame, geojson, figure = draw("afstand_huisarts", "buurt", "GM0344")
    rows = choropleth.drawable(frame, geojson)
    code = choropleth.selected_region(frame, geojson, figure, [{"curve_number": 0, "point_index": 7}])
    assert code == rows[rows["status"] == figure.data[0].meta]["region_code"].iloc[7]
    detail = {f["id"]: f["geometry"] for f in geojson["features"]}
    assert map_geometry.url_collection(figure.data[0].geojson)["features"][7]["geometry"] == detail[code]
    assert choropleth.selected_region(frame, geojson, figure, [{"curve_number": 9, "point_index": 0}]) is None


def test_discrete_measure_gets_one_class_per_value(draw, indicators):
    frame, _, _ = draw("stedelijkheid", "gemeente", map_queries.NL)
    assert colour_classes.bucket_labels(frame, indicators["stedelijkheid"]["unit"]) == ["1", "2", "3", "4", "5"]


def test_relative_colours_use_only_the_regions_in_view(draw):
    national, _, _ = draw("afstand_huisarts", "buurt", "GM0344")
    local, _, _ = draw("afstand_huisarts", "buurt", "GM0344", relative_to_view=True)
    assert local.loc[local["status"] == "waarde", "bucket"].nunique() == local.attrs["n_buckets"]
    assert local.attrs["edges"] != national.attrs["edges"]


def test_url_choice():
    ids, areas = ["eenzaam", "vrijwilligerswerk"], ["NL", "GM0363", "GM0344"]
    assert map_url.url_choice({}, ids, areas) == {"indicator": "vrijwilligerswerk", "schaal": "gemeente", "gebied": "NL"}
    assert map_url.url_choice({"regio": "BU0363AA01"}, ids, areas) == {
        "indicator": "vrijwilligerswerk", "schaal": "buurt", "gebied": "GM0363"}
    assert map_url.url_choice({"indicator": "eenzaam", "schaal": "wijk", "gebied": "GM0344"}, ids, areas) == {
        "indicator": "eenzaam", "schaal": "wijk", "gebied": "GM0344"}
    assert map_url.url_choice({"indicator": "<script>", "schaal": "x", "gebied": "GM9999"}, ids, areas) == {
        "indicator": "vrijwilligerswerk", "schaal": "gemeente", "gebied": "NL"}


def test_view_fits_the_area():
    nl = map_geometry.view_for(None)
    amsterdam = map_geometry.view_for((4.73, 52.28, 5.07, 52.43))
    assert 5.5 < nl["zoom"] < 7.5 and 9 < amsterdam["zoom"] < 12
    assert abs(amsterdam["center"]["lon"] - 4.9) < 0.01


def test_geojson_for_is_standard_geojson(build_dir):
    shapes = map_queries.load_shapes("wijk", "GM0344", build_dir)
    collection = json.loads(json.dumps(map_geometry.geojson_for("wijk", "GM0344", shapes)))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == len(shapes)
    assert {f["geometry"]["type"] for f in collection["features"]} <= {"Polygon", "MultiPolygon"}


def test_geheim_and_ontbreekt_stand_apart_from_low_values(build_dir, indicators):
    # the shipped snapshot has no suppressed figures, so three Utrecht buurten are made 'geheim' here
    shapes = map_queries.load_shapes("buurt", "GM0344", build_dir)
    values = map_queries.load_values("vrijwilligerswerk", "buurt", build_dir)
    secret = values.index[values["gemeente_code"].eq("GM0344") & values["status"].eq("waarde")][:3]
    values.loc[secret, ["status", "value"]] = ["geheim", None]
    meta = indicators["vrijwilligerswerk"]
    frame = colour_classes.map_frame(values, meta, shapes["region_code"])
    figure = choropleth.build_figure(frame, map_geometry.geojson_for("buurt", "GM0344", shapes), meta, detail=True)
    by_status = {t.meta: t for t in figure.data}
    assert by_status["geheim"].name == "Geheim: 3"
    fills = {s: by_status[s].colorscale[len(by_status[s].colorscale) // 2][1] for s in ("geheim", "ontbreekt")}
    assert fills == {"geheim": "#d4d4d4", "ontbreekt": "#ffffff"}
    assert by_status["ontbreekt"].marker.line.color == "#555555"             # white with a dark edge
    assert not set(fills.values()) & set(colour_classes.palette(5, "higher_is_better"))
    assert "geheim" in by_status["geheim"].hovertemplate


# ----------------------------------------------------------------------------------------------- text alternative
def test_text_alternative_says_what_the_colours_say(draw, indicators):
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw("vrijwilligerswerk", "wijk", "GM0344")
    meta = indicators["vrijwilligerswerk"]
    sentence = ta.sentence(frame, meta, "wijk", "Utrecht")
    shown = frame[frame["status"] == "waarde"]
    low, high = shown.loc[shown["value"].idxmin()], shown.loc[shown["value"].idxmax()]
    assert f"voor {len(frame)} wijken in Utrecht" in sentence and f"{len(shown)} met een cijfer" in sentence
    assert f"van {low['value_text']} ({low['name']}) tot {high['value_text']} ({high['name']})" in sentence
    table = ta.table(frame, meta, "wijk")
    assert len(table) == len(frame) and list(table["Gebied"]) == sorted(table["Gebied"])
    assert set(table[meta["label"]]) >= set(shown["value_text"])


@pytest.mark.parametrize("indicator_id, level, area", [
    ("afstand_huisarts", "buurt", "GM0344"),   # distances rounded to 0.1 km: several Utrecht buurten share one
    ("afstand_huisarts", "buurt", "GM0093"),   # Terschelling: two buurten share the lowest ('en 1 andere buurt')
])
def test_text_alternative_counts_areas_that_share_the_lowest_or_highest_figure(draw, indicators, indicator_id,
                                                                                level, area):
    """A tie at an end of the range is counted ('X en 4 andere wijken'), never one area named as the lowest.
    (Rounded 0s, which used to tie at the low end, are counted apart: test_a_rounded_zero_is_its_own_class...)"""
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw(indicator_id, level, area)
    sentence = ta.sentence(frame, indicators[indicator_id], level, "X")
    shown = frame[frame["status"] == "waarde"]
    low = shown[shown["value"] == shown["value"].min()]
    high = shown[shown["value"] == shown["value"].max()]
    assert len(low) > 1, "the real data of this case has a tie at the low end"
    for tied in (low, high):
        if len(tied) > 1:   # one other is singular ('en 1 andere buurt'), more are plural
            word = level if len(tied) == 2 else map_text.LEVELS[level]
            assert f" en {len(tied) - 1} andere {word})" in sentence
        else:
            assert f"{tied.iloc[0]['value_text']} ({tied.iloc[0]['name']})" in sentence


def test_text_alternative_says_one_area_in_the_singular(draw, indicators, con):
    """Zeewolde has one wijk (mart_regions): 'voor 1 wijk in', not 'voor 1 wijken in'."""
    from dashboard.kaart import text_alternative as ta
    (n,) = con.execute("select count(*) from mart_regions where level = 'wijk' and gemeente_code = 'GM0050'").fetchone()
    assert n == 1
    frame, _, _ = draw("afstand_huisarts", "wijk", "GM0050")
    sentence = ta.sentence(frame, indicators["afstand_huisarts"], "wijk", "Zeewolde")
    assert "voor 1 wijk in Zeewolde" in sentence and "1 wijken" not in sentence


def test_a_gemeente_map_of_one_gemeente_names_it_and_the_gemeenten_around_it(release_app, con):
    """A gemeente map of one gemeente draws its neighbours too (map_queries.load_shapes): its text says 'Son en
    Breugel en de N gemeenten eromheen', never 'N + 1 gemeenten in Son en Breugel', and the colour toggle compares
    with the gemeenten around it, not 'binnen deze gemeente'. The page is read as a user gets it."""
    (code, name), = con.execute("select region_code, name from mart_regions where level = 'gemeente' "
                                "and name = 'Son en Breugel'").fetchall()
    n = len(map_queries.load_shapes("gemeente", code))
    assert n > 2, "a gemeente with neighbours"
    at = release_app("app_pages/kaart.py", run_first=False, indicator="vrijwilligerswerk", schaal="gemeente",
                     gebied=code)
    assert not at.exception
    texts = " ".join(m.value for m in at.main.markdown)
    assert f"voor {name} en de {n - 1} gemeenten eromheen:" in texts
    assert f"gemeenten in {name}" not in texts
    toggle = at.toggle(key="kaart_relatief")
    assert "eromheen" in toggle.label and "binnen deze gemeente" not in toggle.label
    at = release_app("app_pages/kaart.py", run_first=False, indicator="vrijwilligerswerk", schaal="wijk",
                     gebied=code)
    assert f"wijken in {name}" in " ".join(m.value for m in at.main.markdown)
    assert "binnen deze gemeente" in at.toggle(key="kaart_relatief").label


def test_text_alternative_names_every_grey_class(draw, indicators):
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw("vrijwilligerswerk", "buurt", "GM0363")   # RIVM 2020 division: Amsterdam renumbered
    n_other = int((frame["status"] == "andere_indeling").sum())
    assert n_other > 0
    assert f"{n_other} met een andere buurtindeling" in ta.sentence(frame, indicators["vrijwilligerswerk"], "buurt", "X")
    table = ta.table(frame, indicators["vrijwilligerswerk"], "buurt")
    assert table[indicators["vrijwilligerswerk"]["label"]].str.contains("andere code").sum() == n_other


def test_opkomst_on_the_map_matches_the_kiesraad_file(draw):
    # expected: TotalCounted / Cast from data/snapshot/files/kiesraad_ps/ps2023_tellingen_gemeente.parquet
    import pandas as pd
    from tests.conftest import ROOT
    raw = pd.read_parquet(ROOT / "data/snapshot/files/kiesraad_ps/ps2023_tellingen_gemeente.parquet")
    ams = raw[raw["gwb_code_10"] == "GM0363"].iloc[0]
    frame, _, figure = draw("opkomst_ps", "gemeente", "GM0363")
    row = frame.set_index("region_code").loc["GM0363"]
    assert row["value"] == pytest.approx(100 * ams["TotalCounted"] / ams["Cast"])
    assert row["value_text"].replace("%", "") in pio.to_json(figure, validate=False)   # in the hover text


def test_a_kaart_link_with_values_it_cannot_show_says_so_and_shows_the_defaults(release_app):
    """A shared link with a renamed indicator, a level and an area that do not exist: the page names each one
    (escaped, bounded) and shows the defaults instead of silently drawing something else."""
    at = release_app("app_pages/kaart.py", run_first=False, indicator="mantelzorg", schaal="provincie",
                     gebied="GM9999<b>")
    assert not at.exception
    notes = [i.value for i in at.main.info]
    for field, raw in (("het onderwerp", "mantelzorg"), ("het niveau", "provincie"), ("het gebied", "GM9999<b>")):
        assert any(f"‘{md_escape(raw)}’ voor {field}" in n and "standaardkeuze" in n for n in notes), (field, notes)
    assert at.selectbox(key="kaart_indicator").value == map_url.DEFAULT_INDICATOR
    assert at.selectbox(key="kaart_gebied").value == map_queries.NL
    at.selectbox(key="kaart_indicator").select("mantelzorger").run()   # the page writes a valid URL: no more notes
    assert not at.exception and not [i for i in at.main.info if "De link vraagt" in i.value]


def test_a_valid_kaart_link_gets_no_note(release_app):
    at = release_app("app_pages/kaart.py", run_first=False, indicator="mantelzorger", schaal="buurt", gebied="gm0344")
    assert not at.exception
    assert not [i for i in at.main.info if "De link vraagt" in i.value]
    assert at.selectbox(key="kaart_indicator").value == "mantelzorger"
    assert at.selectbox(key="kaart_gebied").value == "GM0344"


def test_kaart_text_of_all_gemeenten_is_plain_dutch(release_app, draw):
    """The map of all gemeenten says 'in heel Nederland' mid-sentence (not the menu label 'Heel Nederland') and
    spells 'gemeente-indeling' with its hyphen in the sentence, the caption and the legend."""
    frame, _, figure = draw("vrijwilligerswerk", "gemeente", map_queries.NL)
    assert (frame["status"] == "andere_indeling").any(), "RIVM 2020 gemeenten that merged since: grey on this map"
    at = release_app("app_pages/kaart.py", run_first=False, indicator="vrijwilligerswerk", schaal="gemeente",
                     gebied="NL")
    assert not at.exception
    texts = " ".join([m.value for m in at.main.markdown] + [c.value for c in at.main.caption])
    assert "gemeenten in heel Nederland:" in texts and "in Heel Nederland" not in texts
    assert "met een andere gemeente-indeling" in texts and "gemeenteindeling" not in texts
    assert "Andere gemeente-indeling" in " ".join(t.name for t in figure.data if t.name)


def test_a_code_refused_as_another_area_is_not_said_to_have_had_another_code(draw, indicators, con):
    """BU07620400 (Deurne) exists in 2020 and 2024 but named another area (mart_division_refused): the map's grey
    class, hover and table must not say only that it 'had another code' then; they name the other area too."""
    from dashboard.kaart import text_alternative as ta
    refused = {c for (c,) in con.execute("select region_code from mart_division_refused where table_id = '50090NED' "
                                         "and level = 'buurt' and gemeente_code = 'GM0762'").fetchall()}
    assert "BU07620400" in refused
    frame, _, _ = draw("vrijwilligerswerk", "buurt", "GM0762")
    grey = frame[frame["region_code"].isin(refused)]
    assert len(grey) and set(grey["status"]) == {"andere_indeling"}
    table = ta.table(frame, indicators["vrijwilligerswerk"], "buurt").set_index("Code")
    for code in grey["region_code"]:
        assert "ander gebied" in table.at[code, indicators["vrijwilligerswerk"]["label"]]
    assert "ander gebied" in map_text.legend_explanation(frame, "buurt")
    assert "ander gebied" in map_text.status_text("andere_indeling", "buurt", 2020)


# ------------------------------------------------------------------------------------------------ rounded zeros
def _rounded_zero_wijken(gemeente: str) -> set[str]:
    """Wijken of `gemeente` whose bijstand count CBS rounded to 0, read from the snapshot file itself
    (data/snapshot/tables/85618NED/TypedDataSet.parquet, KWB 2023 download: a_soz_wb, a_inw), with the catalogue's
    minimum denominator (below it the app shows no rate at all)."""
    import pandas as pd
    from pipelines.catalogue import load_catalogue
    from tests.conftest import ROOT
    source = next(s for s in load_catalogue().indicator("bijstand_per_1000").sources if s.table == "85618NED")
    raw = pd.read_parquet(ROOT / "data/snapshot/tables/85618NED/TypedDataSet.parquet")
    code = raw["gwb_code_10"].str.strip()
    rows = raw[code.str.startswith("WK" + gemeente[2:]) & raw["a_soz_wb"].eq(0) & (raw["a_inw"] >= source.min_denominator)]
    return set(rows["gwb_code_10"].str.strip())


def test_a_rounded_zero_is_its_own_class_not_the_most_favourable_one(draw, indicators):
    """De Friese Meren (GM1940): wijken with 0 bijstandsuitkeringen after CBS rounded to tens (0 tot 4). They were
    painted in the darkest, most favourable class of a problem measure; now they are their own dotted pink class
    with a legend entry, take no part in the class breaks, and the hover and text alternative say '0 tot 5 per 1 000
    inwoners (... het getelde aantal is 0 tot 4)': the range in the figure's unit, not a count under a rate's label."""
    from dashboard.kaart import text_alternative as ta
    meta = indicators["bijstand_per_1000"]
    assert meta["rounding"] == 10 and meta["direction"] == "lower_is_better"    # tens: a 0 is 0 tot 4
    expected = _rounded_zero_wijken("GM1940")
    frame, _, figure = draw("bijstand_per_1000", "wijk", "GM1940")
    zeros = frame[frame["status"] == "afgerond_nul"]
    assert len(expected) >= 10 and set(zeros["region_code"]) == expected & set(frame["region_code"])
    assert zeros["bucket"].isna().all() and not frame.loc[frame["status"] == "waarde", "value"].eq(0).any()
    assert frame.attrs["edges"][0] > 0                    # breaks over real figures: the lowest class starts above 0
    by_status = {t.meta: t for t in figure.data}
    assert by_status["afgerond_nul"].name == f"Afgerond 0 (0 tot 4): {len(zeros)}"
    fill = by_status["afgerond_nul"].colorscale[0][1]
    assert fill not in colour_classes.palette(5, "lower_is_better") + [choropleth.STATUS_STYLE[s][0] for s in
                                                                         ("geheim", "ontbreekt", "andere_indeling")]
    assert any(layer.type == "circle" for layer in figure.layout.map.layers)     # dotted: not by colour alone
    trace = by_status["afgerond_nul"]      # the hover text per shape, as Plotly fills in the template
    hover = [trace.hovertemplate.replace("%{customdata}", str(c)) for c in trace.customdata]
    assert all(re.search(r": 0 tot \d+(,\d)? per 1 000 inwoners \(CBS rondt af op tientallen: het getelde aantal is "
                         r"0 tot 4\)<br>", h) for h in hover), hover[:3]
    assert sorted(h.split(": ", 1)[1].split("<br>")[0] for h in hover) == sorted(zeros["value_text"])
    sentence = ta.sentence(frame, meta, "wijk", "De Friese Meren")
    assert f"{len(zeros)} met een afgerond 0 (0 tot 4" in sentence
    table = ta.table(frame, meta, "wijk").set_index("Code")
    shown = table.loc[sorted(expected & set(frame["region_code"])), meta["label"]]
    assert shown.str.match(r"0 tot \d+(,\d)? per 1 000 inwoners \(").all(), shown.head()
    assert "afgerond 0" in map_text.legend_explanation(frame, "wijk", indicator=meta)
    # Amsterdam: five wijken with a rounded 0 are counted apart, none is named as the lowest figure
    frame, _, _ = draw("bijstand_per_1000", "wijk", "GM0363")
    zeros = frame[frame["status"] == "afgerond_nul"]
    sentence = ta.sentence(frame, meta, "wijk", "Amsterdam")
    assert len(zeros) >= 2 and f"{len(zeros)} met een afgerond 0" in sentence
    assert not any(f"({name}" in sentence for name in zeros["name"])


@pytest.mark.parametrize("relative", [False, True])
def test_a_map_with_only_rounded_zeros_has_figures_not_a_no_figures_message(draw, indicators, relative):
    """Ameland (GM0060), a Waddeneiland of one wijk: its bijstand count is a rounded 0. The map says so; it does not
    say 'geen cijfers', and colouring within the gemeente (no figure to class) still draws."""
    assert _rounded_zero_wijken("GM0060")
    frame, _, figure = draw("bijstand_per_1000", "wijk", "GM0060", relative_to_view=relative)
    assert set(frame["status"]) == {"afgerond_nul"} and map_text.has_figures(frame)
    assert [t.name for t in figure.data] == ["Afgerond 0 (0 tot 4): 1"]
    assert not figure.layout.annotations[1:]            # no 'Geen cijfers' note on the map


def test_one_area_without_a_figure_is_not_alle(draw, indicators):
    """Amsterdam, WW per wijk: one wijk has too few inhabitants for a rate; the sentence said '1 zonder cijfer,
    alle met te weinig inwoners voor een cijfer'."""
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw("ww_per_1000", "wijk", "GM0363")
    missing = frame[frame["status"] == "ontbreekt"]
    assert len(missing) == 1 and set(missing["missing_reason"]) == {"too_few"}   # the case
    said = ta.sentence(frame, indicators["ww_per_1000"], "wijk", "Amsterdam")
    assert "1 zonder cijfer, met te weinig inwoners voor een cijfer" in said and "alle" not in said, said


def test_an_area_without_a_figure_says_why_as_the_profile_does(draw, indicators):
    """De Friese Meren, bijstand per wijk: wijken with fewer inhabitants than the catalogue's minimum have a count
    in the source, but no rate ('te weinig inwoners'); the map's hover, table and sentence said 'de bron heeft hier
    geen cijfer'. Expected wijken read from the snapshot file (85618NED: a_inw below the minimum)."""
    import pandas as pd
    from dashboard.core.format import TOO_FEW, ZERO_OR_UNKNOWN
    from dashboard.kaart import text_alternative as ta
    from pipelines.catalogue import load_catalogue
    from tests.conftest import ROOT
    source = next(s for s in load_catalogue().indicator("bijstand_per_1000").sources if s.table == "85618NED")
    raw = pd.read_parquet(ROOT / "data/snapshot/tables/85618NED/TypedDataSet.parquet")
    code = raw["gwb_code_10"].str.strip()
    few = set(code[code.str.startswith("WK1940") & (raw["a_inw"] < source.min_denominator)])
    meta = indicators["bijstand_per_1000"]
    frame, _, figure = draw("bijstand_per_1000", "wijk", "GM1940")
    few &= set(frame["region_code"])
    assert len(few) >= 3
    table = ta.table(frame, meta, "wijk").set_index("Code")[meta["label"]]
    assert all(TOO_FEW in table[c] for c in few)
    assert not any(TOO_FEW in table[c] for c in set(table.index) - few)
    grey = {t.meta: t for t in figure.data}["ontbreekt"]
    hover = list(grey.customdata) if grey.customdata is not None else [grey.hovertemplate] * len(grey.locations)
    assert sum(TOO_FEW in h for h in hover) == len(few)
    missing = int((frame["status"] == "ontbreekt").sum())
    said = ta.sentence(frame, meta, "wijk", "De Friese Meren")
    assert (f"{missing} zonder cijfer, alle met te weinig inwoners" in said if missing == len(few)
            else f"waarvan {len(few)} met te weinig inwoners" in said)
    # KWB 2024 (entry 8 of the snapshot) turned 0 into empty: an empty inwoners cell is '0 of onbekend', as on the
    # profile, not 'de bron heeft hier geen cijfer' (85984NED: AantalInwoners_5 empty for Amsterdam buurten)
    raw = pd.read_parquet(ROOT / "data/snapshot/tables/85984NED/TypedDataSet.parquet")
    code = raw["WijkenEnBuurten"].str.strip()
    empty = set(code[code.str.startswith("BU0363") & raw["AantalInwoners_5"].isna()])
    frame, _, _ = draw("inwoners", "buurt", "GM0363")
    empty &= set(frame["region_code"])
    assert empty
    table = ta.table(frame, indicators["inwoners"], "buurt").set_index("Code")[indicators["inwoners"]["label"]]
    assert all(table[c].startswith(ZERO_OR_UNKNOWN) for c in empty)


def test_one_area_with_a_figure_is_named_once(draw, indicators):
    """Vlieland (GM0096, a Waddeneiland of two buurten), bijstand: one buurt has a figure. The sentence gives it
    once, not 'van 8,2 (Oost-Vlieland) tot 8,2 (Oost-Vlieland)'."""
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw("bijstand_per_1000", "buurt", "GM0096")
    shown = frame[frame["status"] == "waarde"]
    assert len(shown) == 1
    sentence = ta.sentence(frame, indicators["bijstand_per_1000"], "buurt", "Vlieland")
    assert f"1 met een cijfer (2023): {shown.iloc[0]['value_text']} ({shown.iloc[0]['name']})" in sentence
    assert sentence.count(shown.iloc[0]["name"]) == 1 and ", van " not in sentence


def test_a_hand_typed_kaart_link_in_other_case_is_understood(release_app):
    """'s-Hertogenbosch, WW per buurt, typed as ?indicator=WW_per_1000&schaal=BUURTEN&gebied=gm0796: the page shows
    that map (no 'De link vraagt om …' note, which used to say 'BUURTEN' is no level) with its rounded 0s."""
    at = release_app("app_pages/kaart.py", run_first=False, indicator=" WW_per_1000", schaal="BUURTEN",
                     gebied="gm0796")
    assert not at.exception
    assert not [i for i in at.main.info if "De link vraagt" in i.value]
    assert at.selectbox(key="kaart_indicator").value == "ww_per_1000"
    assert at.selectbox(key="kaart_gebied").value == "GM0796"
    assert "afgerond 0" in " ".join(c.value for c in at.main.caption)


def test_the_map_says_a_rate_of_rounded_counts_as_the_profile_does(draw, indicators, con):
    """Oost-Vlieland (BU00960000, Waddeneiland), bijstand: CBS rounded the count to tens (snapshot 85618NED a_soz_wb
    = 10, so 5 to 14 people). The map's hover, table and sentence said '8,2 per 1 000 inwoners'; they now give the
    profile's own text (format.value_text over the same mart row): 'ongeveer 8 per 1 000 inwoners (4 tot 12)'."""
    import pandas as pd
    from dashboard.core.format import value_text
    from dashboard.kaart import text_alternative as ta
    from tests.conftest import ROOT
    raw = pd.read_parquet(ROOT / "data/snapshot/tables/85618NED/TypedDataSet.parquet")
    assert raw.loc[raw["gwb_code_10"].str.strip() == "BU00960000", "a_soz_wb"].iloc[0] == 10
    profile = con.execute("select * from mart_profile where region_code = 'BU00960000' "
                          "and indicator_id = 'bijstand_per_1000' and is_default_group").df().iloc[0].to_dict()
    expected = value_text(profile | {"rounding": indicators["bijstand_per_1000"]["rounding"]})
    assert expected.startswith("ongeveer ") and " tot " in expected
    frame, _, figure = draw("bijstand_per_1000", "buurt", "GM0096")
    row = frame.set_index("region_code").loc["BU00960000"]
    assert row["value_text"] == expected
    assert expected in list({t.meta: t for t in figure.data}["waarde"].customdata)
    meta = indicators["bijstand_per_1000"]
    assert ta.table(frame, meta, "buurt").set_index("Code").at["BU00960000", meta["label"]] == expected
    assert expected in ta.sentence(frame, meta, "buurt", "Vlieland")


def test_hover_texts_per_shape_carry_only_what_differs(draw):
    """All-NL buurt map of bijstand: the per-shape hover text was the whole sentence for every rounded 0 and every
    'geen cijfer' (3.7 MB figure). What all shapes share is in the template once; 'geen cijfer' is one trace per
    reason, with one legend entry and its total; a click on any trace still maps back to its region."""
    frame, geojson, figure = draw("bijstand_per_1000", "buurt", map_queries.NL)
    assert len(pio.to_json(figure.to_dict(), validate=False)) <= 3_300_000
    zero = {t.meta: t for t in figure.data}["afgerond_nul"]
    assert "per 1 000 inwoners (CBS rondt af op tientallen: het getelde aantal is 0 tot 4)" in zero.hovertemplate
    assert "0 tot " in zero.hovertemplate and "%{customdata}" in zero.hovertemplate
    assert all(len(c) <= 6 for c in zero.customdata)                        # '10,4' per shape
    grey = [t for t in figure.data if t.meta == "ontbreekt"]
    assert len(grey) >= 2 and [t.showlegend for t in grey].count(True) == 1
    assert all(t.customdata is None for t in grey)
    assert grey[0].name == f"Geen cijfer: {fmt_number(int((choropleth.drawable(frame, geojson)['status'] == 'ontbreekt').sum()))}"
    rows = choropleth.drawable(frame, geojson)
    for curve, trace in enumerate(figure.data):
        code = choropleth.selected_region(frame, geojson, figure, [{"curve_number": curve, "point_index": 0}])
        assert rows.set_index("region_code").at[code, "status"] == trace.meta


@pytest.mark.parametrize("indicator_id, level, area", [("vrijwilligerswerk", "wijk", "GM1900"),
                                                       ("bijstand_per_1000", "buurt", "GM0088"),
                                                       ("opkomst_ps", "gemeente", map_queries.NL)])
def test_the_map_names_its_table_period_and_boundary_year(release_app, con, draw, indicator_id, level, area):
    """Every figure carries its table, period and boundary year: the page says them under the map and the hover
    has them (the map said only the period). Expected values read from mart_map_values; 'geschat' only for a
    modelled indicator (mart_catalogue.modelled). Súdwest-Fryslân, Schiermonnikoog, all gemeenten."""
    table, period, year, attribution = con.execute(
        """select distinct v.table_id, v.period, v.boundary_year, s.attribution from mart_map_values v
           join mart_sources s using (table_id) where v.indicator_id = ? and v.level = ? and v.status = 'waarde'""",
        [indicator_id, level]).fetchone()
    modelled = con.execute("select modelled from mart_catalogue where indicator_id = ?", [indicator_id]).fetchone()[0]
    at = release_app("app_pages/kaart.py", run_first=False, indicator=indicator_id, schaal=level, gebied=area)
    assert not at.exception
    captions = " ".join(c.value for c in at.main.caption)
    assert f"{attribution}, tabel {table} · {period} · {map_text.division(level)} {year}." in captions
    assert ("Geschat met een model" in captions) == bool(modelled)
    _, _, figure = draw(indicator_id, level, area)
    hover = figure.data[0].hovertemplate
    assert f"periode {period} · tabel {table} · indeling {year}" in hover


def test_the_map_is_drawn_once_when_streamlit_hands_plotly_a_copy(draw):
    """What keeps Plotly.react from tiling and drawing the whole map again when Streamlit passes it a fresh copy of
    the same figure (bench_map.py counted every all-NL buurt map drawn twice): shapes as a string (a data: URL,
    compared as text), data arrays as plain JSON lists (Plotly.js takes typed arrays, plotly.py's base64 for numpy,
    as changed even with a datarevision), no template, and a datarevision that follows what the map shows."""
    frame, geojson, figure = draw("bijstand_per_1000", "buurt", map_queries.NL)
    spec = json.loads(pio.to_json(figure, validate=False))
    assert "template" not in spec["layout"] and spec["layout"]["uirevision"]
    for trace in spec["data"]:
        assert trace["geojson"].startswith("data:application/json,")
        assert all(isinstance(trace[k], list) for k in ("locations", "z", "text") if k in trace)
    assert "bdata" not in json.dumps(spec["data"])
    again = draw("bijstand_per_1000", "buurt", map_queries.NL)[2]
    other = draw("vrijwilligerswerk", "buurt", map_queries.NL)[2]
    assert again.layout.datarevision == figure.layout.datarevision != other.layout.datarevision
    # the shapes are the ones of the map's own table, each once
    sent = [f["geometry"] for t in figure.data for f in map_geometry.url_collection(t.geojson)["features"]]
    assert len(sent) == len(choropleth.drawable(frame, geojson))


def test_two_buurten_of_one_name_are_told_apart(draw, indicators, release_app):
    """Heerde has two buurten named 'Verspreide huizen bosgebied' (BU02460009, 20 inwoners, and BU02460109). The
    map's sentence named the lowest as 'Verspreide huizen bosgebied', and the list to open a profile offered the
    name twice: both now carry the code where a name occurs twice in view (core/names.py); others keep the name."""
    from dashboard.kaart import text_alternative as ta
    frame, _, _ = draw("vrijwilligerswerk", "buurt", "GM0246")
    twice = frame["name"].value_counts()
    assert twice.get("Verspreide huizen bosgebied") == 2                       # the case, from the release
    lowest = frame.loc[frame["value"].idxmin()]
    assert lowest["name"] == "Verspreide huizen bosgebied"
    said = ta.sentence(frame, indicators["vrijwilligerswerk"], "buurt", "Heerde")
    assert f"(Verspreide huizen bosgebied ({lowest['region_code']}))" in said, said
    highest = frame.loc[frame["value"].idxmax()]
    assert twice[highest["name"]] == 1 and f"({highest['name']})" in said      # a unique name stays as it is
    at = release_app("app_pages/kaart.py", indicator="vrijwilligerswerk", schaal="buurt", gebied="GM0246")
    assert not at.exception
    options = at.selectbox(key="kaart_profiel").options
    dup = [o for o in options if o.startswith("Verspreide huizen bosgebied")]
    assert len(dup) == 2 and all("(BU0246" in o for o in dup), dup
    assert len(set(options)) == len(options)


def test_a_former_gemeente_in_a_map_link_is_named_as_one(release_app, con):
    """/kaart?gebied=GM1685 (Landerd, a gemeente in 2020, merged since): the note said only 'staat niet in de keuzes
    hier'; it now says what the code was (state.link_value_note), and the map shows heel Nederland."""
    name, year = con.execute("select name, boundary_year from mart_former_gemeenten where region_code = 'GM1685'"
                             ).fetchone()
    at = release_app("app_pages/kaart.py", run_first=False, gebied="gm1685")
    assert not at.exception
    notes = [i.value for i in at.main.info if "De link vraagt" in i.value]
    assert len(notes) == 1 and f"{name} was een gemeente in de indeling van {year} (code GM1685)" in notes[0]
    assert at.selectbox(key="kaart_gebied").value == "NL"
