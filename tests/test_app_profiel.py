"""'Buurt in beeld' through Streamlit's AppTest on a real release."""
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.profile.sections import EXPECTED_OPEN
from dashboard.profile.view import MORE_OPEN
from tests.conftest import ROOT, page_bodies, page_text, snapshot_of

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture()
def app(release_app):
    return release_app


def html(at) -> str:
    return page_text(at.main)


def column_html(at, index: int) -> str:
    return page_text(at.main.columns[index])


def kracht_zorgen_columns(at):
    """The two lens columns: the first pair of columns whose heading is 'Kracht'."""
    cols = at.main.columns
    for i, col in enumerate(cols[:-1]):
        text = page_text(col)
        if ">Kracht</div>" in text:
            return text, page_text(cols[i + 1])
    raise AssertionError("no Kracht column")


def test_gemeente_profile_shows_both_lenses_with_real_values(app, con):
    # Amsterdam's 17.0 among today's buurten with a 2020 value whose code names the same area
    lower, total = con.execute("""select count(*) filter (where value < 17.0), count(*) from mart_indicator_series
                                  where indicator_id = 'vrijwilligerswerk' and period = '2020' and age_group = '18+'
                                  and region_code like 'BU%' and value is not null""").fetchone()
    at = app(regio="GM0363")
    assert not at.exception
    assert at.title[0].value == "Amsterdam"
    kracht, zorgen = kracht_zorgen_columns(at)
    assert "Doet vrijwilligerswerk" in kracht and "17,0%" in kracht and "Nederland 24,6%" in kracht
    assert "Heeft moeite met rondkomen" in zorgen and "24,3%" in zorgen
    assert "Doet vrijwilligerswerk" not in zorgen
    assert "geschat" in kracht and "tabel 50090NED · indeling 2020" in kracht
    # fewer than 90% of all buurten have a vrijwilligerswerk figure: the base is named, and the gemeente
    # figure is said to be compared with buurten
    assert f"hoger dan {int(100 * lower / total)}% van de " in kracht
    assert " buurten met een cijfer" in kracht
    captions = " ".join(c.value for c in at.main.caption)
    assert "zet het cijfer van de hele gemeente naast de cijfers van losse buurten" in captions


def test_asset_lens_is_left_and_summary_names_it_first(app):
    at = app(regio="GM0363")
    kracht, _ = kracht_zorgen_columns(at)
    assert kracht  # the left column of the pair
    texts = [m.value for m in at.main.markdown]
    first_kracht = next(i for i, t in enumerate(texts) if t.startswith("**Kracht.**"))
    first_zorgen = next(i for i, t in enumerate(texts) if t.startswith("**Zorgen.**"))
    assert first_kracht < first_zorgen


def test_context_strip_and_sources(app):
    at = app(regio="GM0363")
    page = html(at)
    assert "931.298" in page and "4.950" in page and "zeer sterk stedelijk" in page
    assert "Kerncijfers wijken en buurten 2024 (85984NED)" in page
    assert "**Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)** (50090NED)" in page


def test_registered_crime_only_behind_the_expander(app):
    at = app(regio="GM0363")
    kracht, zorgen = kracht_zorgen_columns(at)
    assert "misdrijven" not in (kracht + zorgen).lower()
    more = at.main.expander[0]
    assert more.label == "Meer cijfers (o.a. geregistreerde misdrijven)"
    assert not more.markdown   # closed: built only when the reader opens it
    at.session_state[MORE_OPEN] = True
    at.run()
    more = at.main.expander[0]
    assert "Geregistreerde misdrijven per 1 000 inwoners" in "\n".join(m.value for m in more.markdown)
    assert "**Wie wonen hier, en wat voor plek is het?**" in [m.value for m in more.markdown]


def test_chosen_indicator_behind_the_expander_opens_it(app):
    """A link to a figure in 'Meer cijfers' (?indicator=) shows it at once, highlighted, in the open expander."""
    at = app(regio="GM0363", indicator="misdrijven_per_1000")
    more = at.main.expander[0]
    assert more.label == "Meer cijfers (o.a. geregistreerde misdrijven)"
    text = "\n".join(m.value for m in more.markdown)
    assert 'id="ind-misdrijven_per_1000"' in text and "bb-chosen" in text


def test_buurt_with_missing_values_keeps_every_topic(app):
    at = app(regio="BU0363AA01")
    assert not at.exception
    kracht, zorgen = kracht_zorgen_columns(at)
    assert "Doet vrijwilligerswerk" in kracht and "niet beschikbaar (andere buurtindeling in 2020)" in kracht
    assert "0,3 km" in kracht and "lager is beter" in kracht
    assert "Amsterdam 0,6 km" in kracht                     # the gemeente value beside the buurt's
    assert "Jongeren tot 23 jaar met jeugdzorg" in zorgen and "niet beschikbaar" in zorgen


def test_buurt_outside_amsterdam_says_education_is_not_in_the_data(app):
    at = app(regio="BU03440911")
    assert not at.exception
    _, zorgen = kracht_zorgen_columns(at)
    assert "Inwoners met een lage opleiding" in zorgen and "niet in de meegeleverde gegevens" in zorgen


def test_quadrant_highlights_the_buurt(app):
    at = app(regio="BU0363AA01")
    charts = [c for c in at.get("plotly_chart") if c.key == "quadrant"]   # the others are trend charts
    assert len(charts) == 1
    assert any(" heeft Planciusbuurt-Noord " in m.value for m in at.main.markdown)
    assert any("geen cijfers over herkomst of migratieachtergrond" in c.value for c in at.main.caption)


def test_quadrant_sentence_says_about_average_near_zero_and_hover_uses_commas(build_dir):
    """A side within 0.1 of the average buurt is 'ongeveer evenveel', never 'meer' or 'minder' on a sign alone;
    the chart's hover writes the scores with a decimal comma (real scores of the release)."""
    from dashboard.core import queries
    from dashboard.profile import quadrant
    from dashboard.profile.view import quadrant_sentence
    scores = queries.buurt_scores(build_dir).dropna(subset=["strength_score", "need_score"])
    near = scores[(scores["strength_score"].abs() < 0.1) & (scores["need_score"].abs() >= 0.1)].iloc[0]
    region = {"level": "buurt", "region_code": near["region_code"], "name": near["name"],
              "gemeente_name": near["gemeente_name"]}
    sentence = quadrant_sentence(scores[scores["gemeente_code"] == near["gemeente_code"]], region)
    side = "meer zorgen" if near["need_score"] > 0 else "minder zorgen"
    assert f"heeft {near['name']} ongeveer evenveel kracht en {side}." in sentence
    figure = quadrant.quadrant(scores[scores["gemeente_code"] == near["gemeente_code"]])
    assert figure.layout.separators == ",."   # tick labels -0,5 (Dutch decimal comma)
    hover = " ".join(figure.data[0].hovertext)
    assert re.search(r"kracht [+-]\d+,\d\d · zorgen [+-]\d+,\d\d", hover) and not re.search(r"[+-]\d+\.\d\d", hover)


def test_quadrant_figure_is_the_one_plotly_validates(build_dir):
    """The quadrant is handed to plotly without its per-property validation (quadrant.quadrant_of, for speed):
    plotly's validating constructor must give the same figure, for a gemeente, a buurt in focus and a wijk's
    buurten, in every 20th gemeente of the release; the dots are the buurten with both scores, in order."""
    import json
    from html import escape as html_escape

    import plotly.graph_objects as go
    import plotly.io as pio

    from dashboard.core import queries
    from dashboard.profile import quadrant

    def spec(figure) -> dict:
        return json.loads(pio.to_json(figure.to_dict(), validate=False))   # what st.plotly_chart sends
    scores = queries.buurt_scores(build_dir)
    for i, (code, area) in enumerate(scores.groupby("gemeente_code", sort=True)):
        if i % 20:
            continue
        both = area.dropna(subset=["strength_score", "need_score"])
        wijk = set(area.loc[area["wijk_code"] == area["wijk_code"].iloc[0], "region_code"])
        for kwargs in ({}, {"focus": both["region_code"].iloc[len(both) // 2]}, {"highlight": wijk}):
            figure = quadrant.quadrant(area, area_name=code, **kwargs)
            assert spec(figure) == spec(go.Figure(figure.to_dict())), (code, kwargs)
            drawn = [h.split("</b>")[0].removeprefix("<b>") for trace in figure.data for h in trace.hovertext]
            assert sorted(drawn) == sorted(html_escape(str(n)) for n in both["name"]), (code, kwargs)


def test_gemeente_scores_are_the_gemeente_rows(release_app, build_dir):
    """view.gemeente_scores (rows found once per release) is scores[scores.gemeente_code == code] for every
    gemeente, and empty for a code without buurten."""
    import pandas as pd

    from dashboard.core import queries
    from dashboard.profile import view

    scores = queries.buurt_scores(build_dir)
    for code in scores["gemeente_code"].dropna().unique():
        pd.testing.assert_frame_equal(view.gemeente_scores(code), scores[scores["gemeente_code"] == code])
    assert view.gemeente_scores("GM9999").empty


@pytest.mark.parametrize("garbage", ["XX123", "BU0363AA99", "<script>alert(1)</script>", "gm0363' or 1=1"])
def test_unknown_code_in_url_is_friendly(app, garbage):
    at = app(regio=garbage)
    assert not at.exception
    assert "Regio niet gevonden" in at.main.warning[0].value
    assert "<script>" not in at.main.warning[0].value


def test_unknown_name_in_url_is_shown_back_with_its_apostrophe(app):
    """''t Zandt kwartier' read back as 't Zandt kwartier' (safe_text stripped every sign but - and .)."""
    at = app(regio="'t Zandt kwartier")
    assert not at.exception
    assert "De link vraagt om ‘'t Zandt kwartier’" in at.main.warning[0].value


@pytest.mark.parametrize("garbage", ["🏠", "<>", "«»"])
def test_a_link_of_signs_only_is_not_quoted_back_as_empty_quotes(app, garbage):
    """Nothing of the value can be shown back (no letter or digit): the message says so instead of 'om ‘’'."""
    at = app(regio=garbage)
    assert not at.exception
    warning = at.main.warning[0].value
    assert "Regio niet gevonden" in warning and "‘’" not in warning and "geen letters of cijfers" in warning


def test_unknown_code_suggests_nearby_regions(app):
    at = app(regio="BU0363AA99")
    labels = [b.label for b in at.main.button]
    assert "Amsterdam (gemeente)" in labels and "Haarlemmerbuurt (wijk, Amsterdam)" in labels
    at.main.button(key="notfound_GM0363").click().run()
    assert at.query_params["regio"] == ["GM0363"] or at.query_params["regio"] == "GM0363"
    assert at.title[0].value == "Amsterdam"


def test_lowercase_code_is_accepted(app):
    at = app(regio="gm0344")
    assert not at.exception and at.title[0].value == "Utrecht"


def test_start_page_without_region_and_search_in_sidebar(app):
    at = app()
    assert not at.exception
    assert at.title[0].value == "Buurt in beeld"
    at.sidebar.text_input(key="zoek_regio").input("'s-Hertogenbosch").run()
    hit = at.sidebar.button(key="zoek_regio_hit_GM0796")
    assert hit.label == "'s-Hertogenbosch (gemeente)"
    hit.click().run()
    assert not at.exception and at.title[0].value == "'s-Hertogenbosch"


def test_chosen_indicator_is_highlighted(app):
    at = app(regio="GM0363", indicator="mantelzorger")
    kracht, _ = kracht_zorgen_columns(at)
    assert 'class="bb-row bb-chosen" id="ind-mantelzorger"' in kracht
    at = app(regio="GM0363", indicator="not_an_indicator")
    assert not at.exception and "bb-chosen" not in html(at)


def test_first_start_builds_the_database(tmp_path, monkeypatch):
    """No database yet: app.py builds one from the shipped snapshot, then shows the page. The snapshot here holds
    two of the shipped tables (KWB 2024, and 50150NED for a problem-lens figure, which the build checks for), so
    the first start goes through every build step at a fraction of a full build's cost."""
    monkeypatch.setenv("BUURTBALANS_SNAPSHOT_DIR", str(snapshot_of(tmp_path / "snapshot", "85984NED", "50150NED")))
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("BUURTBALANS_CACHE_DIR", str(tmp_path / "no-live-cache"))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["regio"] = "GM0363"
    at.run()
    assert not at.exception
    assert (tmp_path / "build" / "current.duckdb").exists()
    assert at.title[0].value == "Amsterdam"
    st.cache_resource.clear()


def test_refused_cross_division_values_are_not_shown_and_the_profile_says_why(app, con):
    """BU06060701 (Schiedam): the 2020 RIVM estimates for this code disagree between the 2020 and 2024
    divisions, so the 50090NED figures are refused (mart_division_identity) and the profile explains it."""
    ident = con.execute("""select estimate_then, estimate_now from mart_division_identity
                           where region_code = 'BU06060701' and boundary_year = 2020 and not accepted""").fetchone()
    at = app(regio="BU06060701")
    assert not at.exception
    note = "\n".join(i.value for i in at.main.info)
    assert "Cijfers uit de indeling van 2020 tonen we hier niet" in note and "50090NED" in note
    assert f"{ident[0]:.1f}%".replace(".", ",") in note and f"{ident[1]:.1f}%".replace(".", ",") in note
    block = next(part for body in page_bodies(at.main) for part in body.split("\n\n")   # a lens is one element
                 if 'id="ind-vrijwilligerswerk"' in part)
    assert "niet getoond: in de indeling van 2020 was dit mogelijk een ander gebied" in block
    assert "hoger dan" not in block and "bb-bar" not in block  # no value, no position among buurten
    # 'beter dan verwacht' (opened: it computes only then) says why there is no verdict for an outcome from the
    # refused division
    at.session_state[EXPECTED_OPEN] = True
    at.run()
    assert "het cijfer komt uit de indeling van 2020, en daarin was dit mogelijk een ander gebied" in html(at)


def test_accepted_buurt_has_no_division_note(app):
    at = app(regio="BU03440112")  # Oog in Al, Utrecht: same codes in 2020, 2023 and 2024
    assert not any("tonen we hier niet" in i.value for i in at.main.info)


def test_precomputed_profile_reads_equal_the_full_scans(build_dir, con):
    """queries.profile ranks a value with the precomputed distinct buurt values (mart_buurt_value_counts,
    sql/09_mart_profile_extras.sql); it must give exactly what the join over every buurt value gives, for every
    level and for a buurt whose older figures were refused. The other precomputed reads equal their views."""
    from pandas.testing import assert_frame_equal

    from dashboard.core import queries

    codes = ["NL00", "GM0363", "GM0344", "BU03440112", "BU06060701", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select min(region_code) from mart_regions where level = 'wijk'
                                           union all select max(region_code) from mart_regions
                                           where level = 'buurt'""").fetchall()]
    # and buurten spread over the country (profile() places values with binary searches in arrays read once
    # per release: ties, rounded zeros and figures only some buurten have must count as the join counts them)
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (order by region_code) as i from mart_regions where level = 'buurt')
                                           where i % 1000 = 0""").fetchall()]
    for code in codes:
        assert_frame_equal(queries.profile(code, build_dir), queries.profile_scan(code, build_dir), check_exact=True)
    for gemeente in ("GM0363", None):
        where = "" if gemeente is None else f"where substr(region_code, 3, 4) = '{gemeente[2:6]}'"
        scan = con.execute(f"""select indicator_id, count(value) as n_values from mart_indicator_series {where}
                               group by indicator_id order by indicator_id""").fetchdf()
        assert_frame_equal(queries.area_coverage(gemeente, build_dir), scan, check_exact=True)
    assert_frame_equal(queries.catalogue(build_dir),
                       con.execute("select * from mart_catalogue order by indicator_id").fetchdf(), check_exact=True)
    scores = con.execute("""select s.region_code, r.name, r.wijk_code, r.wijk_name, r.gemeente_code, r.gemeente_name,
                                   s.need_score, s.strength_score, s.n_problem, s.n_asset
                            from mart_buurt_scores s join mart_regions r using (region_code)
                            where r.level = 'buurt' order by s.region_code""").fetchdf()
    assert_frame_equal(queries.buurt_scores(build_dir), scores, rtol=1e-12)


def test_short_reads_of_a_profile_equal_the_full_reads(build_dir, con):
    """Two reads the profile takes a shortcut for must give what the full read gives: the division note (one
    indexed look-up first; the join over every value only for a code with a refused older division) and the
    gemeente figures a buurt or wijk borrows for indicators that exist only per gemeente (gemeente_values instead
    of the gemeente's whole profile)."""
    from pandas.testing import assert_frame_equal

    from dashboard.core import queries
    from dashboard.divisions import note
    from dashboard.profile.table import profile_table

    refused = [c for (c,) in con.execute("""select distinct region_code from mart_division_identity
                                            where not accepted order by 1 limit 3""").fetchall()]
    accepted = [c for (c,) in con.execute("""select distinct region_code from mart_division_identity
                                             where accepted order by 1 limit 2""").fetchall()]
    assert refused and accepted
    spread = [c for (c,) in con.execute("""select region_code from (select region_code, row_number() over
                                           (order by region_code) as i from mart_regions_table) where i % 200 = 1
                                           union (select distinct region_code from mart_division_identity
                                                  where not accepted order by region_code limit 12 offset 100)
                                           order by 1""").fetchall()]
    refused += [c for c in spread if c in note.refused_codes(build_dir) and c not in refused]
    for code in refused + accepted + ["BU03440112", "GM0363"] + spread:
        full = con.execute(note._REFUSED_SQL, [code]).fetchdf()
        short = note.refused_joins(code, build_dir)
        assert list(short.columns) == list(full.columns)
        if full.empty:
            assert short.empty
        else:
            assert code in refused
            assert_frame_equal(short, full, check_exact=True)
    cat, src = queries.catalogue(build_dir), queries.sources(build_dir)
    borrowed = 0
    for code, gemeente, level in con.execute("""select region_code, gemeente_code, level from mart_regions
                                                where level in ('buurt', 'wijk') and gemeente_code in ('GM0363', 'GM0344')
                                                order by region_code limit 12""").fetchall() + [
                                                (refused[0], con.execute("select gemeente_code from mart_regions where region_code = ?",
                                                                         [refused[0]]).fetchone()[0], "buurt")]:
        args = (queries.profile(code, build_dir), queries.map_status(code, build_dir),
                queries.area_coverage(gemeente, build_dir), cat, src)
        full = profile_table(*args, level=level, gemeente_profile=queries.profile(gemeente, build_dir))
        short = profile_table(*args, level=level, gemeente_profile=queries.gemeente_values(gemeente, build_dir))
        assert_frame_equal(short, full, check_exact=True)
        borrowed += int((short["missing_text"] == "alleen per gemeente bekend").sum())
    assert borrowed > 0  # the borrowed gemeente figures were compared, not only empty context


def test_a_wijk_of_one_buurt_is_not_called_an_average_of_a_larger_area(app, con):
    """528 wijken hold one buurt (mart_regions). Their page said 'Een gemiddelde over een groot gebied ligt meestal
    dichter bij het midden dan een losse buurt', which is false for them; a wijk of several buurten keeps it."""
    one, many = con.execute("""
        select min(w) filter (where n = 1), min(w) filter (where n > 3) from (
            select wijk_code w, count(*) n from mart_regions where level = 'buurt' group by 1)""").fetchone()
    at = app(regio=one)
    assert not at.exception
    text = html(at) + "\n".join(c.value for c in at.main.caption)
    assert "deze wijk bestaat uit één buurt" in text and "dichter bij het midden" not in text
    at = app(regio=many)
    text = html(at) + "\n".join(c.value for c in at.main.caption)
    assert "dichter bij het midden" in text and "bestaat uit één buurt" not in text


def test_an_expected_share_and_its_margin_are_never_below_0_percent(app, con):
    """Buitengebied Pannerden (BU02990601), 'Heeft moeite met rondkomen': the linear model's 95% margin starts
    below 0 ('95%-marge -0,3% – 13,5%'), an impossible share. The margin is shown from 0%; the verdict, from the
    observed figure against the model's margin, is as it was."""
    from dashboard.core.format import fmt_value, indicator_decimals
    low, high, verdict = con.execute("""select pi_low, pi_high, verdict from mart_expected_values
        where region_code = 'BU02990601' and outcome_id = 'moeite_met_rondkomen'""").fetchone()
    assert low < 0 < high   # the premise, from the release
    at = app(regio="BU02990601")
    at.session_state[EXPECTED_OPEN] = True
    at.run()
    assert not at.exception
    d = indicator_decimals("moeite_met_rondkomen")
    text = html(at)
    assert f"(95%-marge {fmt_value(0.0, '%', d)} – {fmt_value(high, '%', d)})" in text
    assert f"scoort {verdict} op ‘Heeft moeite met rondkomen’" in text
    assert not re.search(r"marge -\d", text)


def test_quadrant_table_says_about_average_near_zero_as_the_sentence_does(build_dir):
    """The quadrant's text table read '+0,04 (meer)' and '+0,02 (meer)' (Zevenaar) where the sentence above it says
    'ongeveer evenveel' within 0.1 of the average buurt; the table now follows the same rule (real scores)."""
    from dashboard.core import queries
    from dashboard.profile import quadrant
    scores = queries.buurt_scores(build_dir)
    zevenaar = scores[scores["gemeente_code"] == "GM0299"]
    table = quadrant.quadrant_table(zevenaar).set_index("Buurt")
    by_name = zevenaar.set_index("name")
    near = by_name[by_name["strength_score"].abs() < quadrant.NEAR_AVERAGE]
    assert len(near), "no buurt near the average in Zevenaar"
    for name, row in near.iterrows():
        assert table.at[name, "Kracht (0 = gemiddelde buurt)"].endswith("(ongeveer gemiddeld)"), name
    far = by_name[by_name["strength_score"] >= quadrant.NEAR_AVERAGE]
    assert all(table.at[n, "Kracht (0 = gemiddelde buurt)"].endswith("(meer)") for n in far.index)


def test_a_shared_profile_is_left_as_it_was_made_by_the_pages_that_show_it(app):
    """load_profile gives ONE object per release and region, shared by every session (st.cache_resource, no copy
    per read): showing it (the profile page, 'Meer cijfers' open, Vergelijken) leaves its table, region and
    sources exactly as they were made, and the pages read that same object."""
    import copy

    from pandas.testing import assert_frame_equal

    from dashboard.profile import view
    made = {}
    for code in ("GM0363", "BU03440112"):
        p = view.load_profile(code)
        made[code] = (p, p.table.copy(deep=True), copy.deepcopy(p.region), p.sources.copy(deep=True))
    assert not app(regio="GM0363", indicator="misdrijven_per_1000").exception
    assert not app(regio="BU03440112").exception
    assert not app("app_pages/vergelijken.py", vergelijk="BU03440112,GM0363").exception
    for code, (p, table, region, sources) in made.items():
        assert view.load_profile(code) is p
        assert_frame_equal(p.table, table, check_exact=True)
        assert p.region.keys() == region.keys()
        assert all(p.region[k] == v or (v != v and p.region[k] != p.region[k]) for k, v in region.items())
        assert_frame_equal(p.sources, sources, check_exact=True)


def test_quadrant_table_tells_two_buurten_of_one_name_apart(build_dir):
    """Heerde's quadrant table listed 'Verspreide huizen bosgebied' and 'Verspreide huizen Lage Land' twice each,
    so the row of the chosen buurt could not be found; a name that occurs twice carries the code."""
    from dashboard.core import queries
    from dashboard.profile import quadrant
    scores = queries.buurt_scores(build_dir)
    heerde = scores[scores["gemeente_code"] == "GM0246"]
    twice = heerde["name"].value_counts()
    assert (twice > 1).sum() >= 2                                                # the case
    table = quadrant.quadrant_table(heerde)
    assert table["Buurt"].is_unique
    for code, name in zip(heerde["region_code"], heerde["name"]):
        assert (f"{name} ({code})" if twice[name] > 1 else name) in set(table["Buurt"])


def test_a_link_to_a_former_gemeente_says_it_is_not_one_now(app):
    at = app(regio="GM1685")
    assert not at.exception
    warning = at.main.warning[0].value
    assert warning.startswith("**Regio niet gevonden.** De link vraagt om GM1685. Landerd was een gemeente in de "
                              "indeling van 2020 (code GM1685)")
    assert warning.count("Zoek") == 1
    # no 'Bedoelt u' with the gemeenten of nearby codes (GM1680 Aa en Hunze, GM1681 Borger-Odoorn): unrelated
    assert not [b for b in at.main.button if b.key and b.key.startswith("notfound_")]


def test_the_sources_name_the_division_each_table_has(app, con):
    """A buurt's 'Bronnen' said 'buurtindeling 2023' of the Kiesraad counts, which have gemeenten only: a table
    without buurten (mart_sources.buurten_total = 0) names the gemeente-indeling; a buurt table its buurtindeling."""
    gemeente_only = [t for (t,) in con.execute("select table_id from mart_sources where buurten_total = 0").fetchall()]
    assert "kiesraad_ps2023" in gemeente_only
    at = app(regio="BU19010501")   # Reeuwijkse Poort, Bodegraven-Reeuwijk
    assert not at.exception
    lines = [line for m in at.main.markdown for line in m.value.splitlines() if "· periode hier:" in line]
    kiesraad = next(line for line in lines if "(kiesraad_ps2023)" in line)
    assert "· gemeente-indeling 2023 ·" in kiesraad and "buurtindeling" not in kiesraad, kiesraad
    kwb = next(line for line in lines if "(85984NED)" in line)
    assert "· buurtindeling 2024 ·" in kwb, kwb
