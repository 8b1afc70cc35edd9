"""Gesprekskaart: the conversation pack, built from the real release database (no mocks)."""
from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from dashboard.gesprekskaart import RegionNotFound, make_pack
from dashboard.gesprekskaart.wording import comparison_sentence, dutch_date, fill_prompt
from dashboard.gesprekskaart.minimap import minimap_svg, shape

BASE = "http://127.0.0.1:8501"
DAY = date(2026, 3, 5)
RESIDENT_ASSETS = [
    {"name": "<script>alert('x')</script> Buurthuis", "category": "plekken",
     "description": 'Koffie op dinsdag <img src=x onerror="alert(1)"> & soep'},
    {"name": "Moestuin De Vlinder", "category": "verenigingen", "description": "Iedereen mag meedoen."},
]


@pytest.fixture(scope="module")
def amsterdam(build_dir):
    return make_pack("GM0363", build_dir=build_dir, today=DAY)


def test_amsterdam_pack_shows_real_asset_figures_before_concerns(amsterdam):
    html = amsterdam.html
    assert "17,0%" in html  # vrijwilligerswerk, RIVM 2020
    assert "9,5%" in html  # mantelzorger
    assert html.index("Waar deze gemeente sterk in is") < html.index("Waar zorgen over zijn")
    assert amsterdam.title == "Gesprekskaart Amsterdam"
    assert "5 maart 2026" in html


def test_amsterdam_pack_fills_catalogue_prompts_for_both_lenses(amsterdam):
    html = amsterdam.html
    assert "Ongeveer 17,0% (geschat) van de volwassenen doet vrijwilligerswerk. Waar gebeurt dat?" in html
    assert "24,3% (geschat) van de volwassenen heeft moeite met rondkomen." in html
    assert "Wat klopt? Wat mist?" in html


def test_amsterdam_pack_names_sources_periods_and_estimates(amsterdam):
    html = amsterdam.html
    for text in ("Bron: CBS; RIVM, CBS. Licentie CC BY 4.0", "RIVM, CBS · 50090NED", "geschat", "50090NED",
                 "85618NED", "vormen zijn een benadering"):
        assert text in html
    assert "· Bron: " not in html               # it said 'Bron: CBS · Bron: RIVM, CBS'
    assert "<td>2020</td><td>2020</td>" in html  # period and boundary year of the RIVM figures


def test_the_profile_link_is_the_only_outside_address(amsterdam):
    html = amsterdam.html
    shown = html.replace("<wbr>", "")     # the printed link may break at its query
    assert set(re.findall(r"https?://[^\s\"'<>]+", shown)) == {f"{BASE}/?regio=GM0363"}
    assert '<svg class="qr"' in html and '<svg class="minimap"' in html
    for outside in ("<script", "<link", "src=", "@import", "url(", "@font-face"):
        assert outside not in html.lower()


def test_registered_crime_and_hidden_building_blocks_stay_off(amsterdam):
    assert "misdrijven" not in amsterdam.html.lower()
    assert "probleem" not in amsterdam.html.lower()


def test_buurt_with_missing_values_says_niet_beschikbaar(build_dir, release_path):
    with duckdb.connect(str(release_path), read_only=True) as con:
        code = con.execute("""select p.region_code from mart_profile p join mart_regions r using (region_code)
                              where r.level = 'buurt' and p.lens in ('asset', 'problem')
                              group by 1 order by count(p.value), 1 limit 1""").fetchone()[0]
    html = make_pack(code, build_dir=build_dir, today=DAY).html
    assert "Niet beschikbaar voor deze buurt" in html
    assert "Wat klopt? Wat mist?" in html


def test_buurt_on_a_new_boundary_explains_why_rivm_figures_are_missing(build_dir):
    html = make_pack("BU0363AA06", build_dir=build_dir, today=DAY).html
    assert "Haarlemmerbuurt-Oost" in html and "Waar deze buurt sterk in is" in html
    assert "Doet vrijwilligerswerk" in html and "buurtgrenzen zijn veranderd" in html


def test_resident_text_is_escaped(build_dir):
    html = make_pack("BU0363AA06", build_dir=build_dir, resident_assets=RESIDENT_ASSETS, today=DAY).html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Buurthuis" in html
    assert "<script" not in html and "<img" not in html
    assert "Moestuin De Vlinder" in html and "Verenigingen en initiatieven" in html


def test_optional_sections_show_better_than_expected_and_peers(build_dir):
    deviance = [{"indicator_label": "ervaren gezondheid", "verdict": "beter dan verwacht", "observed": 81.2,
                 "expected": 76.0, "unit": "%"},
                {"indicator_label": "eenzaamheid", "verdict": "zoals verwacht", "observed": 40.0, "expected": 41.0}]
    html = make_pack("BU0363AA06", build_dir=build_dir, deviance=deviance, peers=["BU0363AB11", "BU0363AC04"],
                     today=DAY).html
    assert "Beter dan verwacht" in html and "Hier: 81,2%" in html and "76,0%" in html
    assert "eenzaamheid" not in html.lower().split("beter dan verwacht")[1].split("</section>")[0]
    assert "Passeerdersgrachtbuurt (Amsterdam)" in html and "in de vergelijkbare buurten gemiddeld" in html


def test_unknown_region_is_refused(build_dir):
    with pytest.raises(RegionNotFound):
        make_pack("BU9999XX99", build_dir=build_dir)


def test_wording_helpers():
    assert dutch_date(date(2026, 11, 28)) == "28 november 2026"
    assert fill_prompt("Ongeveer {value} mensen leven van de bijstand.", 38.6, "per 1 000 inwoners") == \
        "Ongeveer 39 op de 1.000 mensen leven van de bijstand."
    assert comparison_sentence(17.0, "%", [("heel Amsterdam", 15.0), ("Nederland", 24.6)], (72.0, 27.0)) == \
        "Hoger dan in heel Amsterdam (15,0%), lager dan in Nederland (24,6%). Hoger dan in 7 van de 10 buurten in Nederland."


def test_a_prompt_names_the_level_of_its_area():
    """Every catalogue prompt that speaks of 'de buurt' / 'deze buurt' / 'hun buurt' says 'gemeente' on a gemeente's
    card and 'wijk' on a wijk's ('Is de buurt goed toegankelijk?' was asked of Westerwolde); a buurt's stays."""
    from pipelines.catalogue import load_catalogue
    prompts = [i.prompt for i in load_catalogue().indicators if i.prompt and re.search(r"\bbuurt\b", i.prompt)]
    assert len(prompts) >= 5
    for template in prompts:
        assert fill_prompt(template, 20.0, "%") == template.replace("{value}", "20,0%")[0].upper() + \
            template.replace("{value}", "20,0%")[1:]
        for noun in ("wijk", "gemeente"):
            text = fill_prompt(template, 20.0, "%", noun=noun)
            assert not re.search(r"\bbuurt\b", text) and re.search(rf"\b{noun}\b", text), (noun, text)


def test_minimap_highlights_the_target_without_namespaces():
    square = '{"type":"Polygon","coordinates":[[[4.9,52.37],[4.91,52.37],[4.91,52.38],[4.9,52.38],[4.9,52.37]]]}'
    svg = minimap_svg([shape("BU1", "target", square), shape("BU2", "neighbour", square.replace("4.91", "4.92")),
                       shape("BU3", "neighbour", None)], label="<Kaart>")
    assert svg.startswith('<svg class="minimap"') and svg.count("<path") == 3
    assert "xmlns" not in svg and "&lt;Kaart&gt;" in svg
    assert minimap_svg([shape("BU2", "neighbour", square)]) == ""



def test_no_strength_heading_over_figures_below_the_middle_of_the_buurten(build_dir, release_path):
    # a buurt whose kinderdagverblijf is farther away than in 97% of buurten and that has no asset figure on the
    # favourable side of the middle: the pack must not call its figures strengths (issue #8)
    from dashboard.gesprekskaart.lens_sections import lens_section
    from dashboard.gesprekskaart.pack_parts import Region
    from dashboard.core import queries
    from dashboard.gesprekskaart.build import catalogue_rows
    with duckdb.connect(str(release_path), read_only=True) as con:
        codes = [r[0] for r in con.execute("""
            select region_code from mart_profile where region_code like 'BU%' and lens = 'asset' and landing
              and is_default_group group by region_code
            having count(value) >= 3 and bool_and(value is null or (direction = 'higher_is_better'
                   and percentile_buurten < 50) or (direction = 'lower_is_better' and percentile_buurten > 50))
            order by region_code limit 3""").fetchall()]
    assert codes
    for code in codes:
        profile = queries.profile(code, build_dir).to_dict("records")
        section = lens_section(profile, list(catalogue_rows()), Region(code, code, "buurt"), "asset")
        assert not section.stand_out and not any(f.standout for f in section.figures)
        assert "sterk" not in section.heading and "er springt niets uit" in section.intro
        html = make_pack(code, build_dir=build_dir, today=DAY).html
        assert "sterk in is" not in html and "Wat er in deze buurt is" in html


def test_cc_by_is_claimed_only_for_sources_that_have_it(amsterdam, release_path):
    """The opkomst figure (Kiesraad counts via Centerdata/BZK) is not CC BY 4.0: its own terms are named, and
    'Licentie CC BY 4.0' is said beside the CBS/RIVM attributions only."""
    with duckdb.connect(str(release_path), read_only=True) as con:   # source: mart_sources of the release
        terms = con.execute("select attribution, licence from mart_sources where table_id = 'kiesraad_ps2023'"
                            ).fetchone()
    attribution, licence = terms
    assert not licence.startswith("CC BY")
    html = amsterdam.html
    assert "kiesraad_ps2023" in html, "the gemeente pack shows the opkomst figure"
    sources = html[html.index("Over deze cijfers"):]
    cc_by_sentence = sources[:sources.index("Licentie CC BY 4.0")]
    assert "Kiesraad" not in cc_by_sentence
    assert f"{attribution}: geen CC BY-licentie ({licence})" in sources.replace("&#x27;", "'")


def _shown_figures(html: str) -> dict[str, str]:
    """{label: the big figure's text} of every figure block of a pack."""
    blocks = re.findall(r'<div class="fig"><div class="num"><div class="val">(.*?)</div>.*?<h3>(.*?)</h3>', html)
    return {label: re.sub(r"<[^>]+>", " ", val) for val, label in blocks}


def test_a_rate_of_rounded_counts_is_never_a_bare_number_in_the_big_figure(build_dir, release_path):
    """A rate whose count CBS rounded to 0 reads '0 tot 15 per 1 000 inwoners' (its range, in its own unit, with at
    least its bound) and says the count is 0 tot 4, and a rate whose rounding
    interval is wide reads 'ongeveer …', also where the pack prints a 'per 1 000' figure big with its unit under it
    (1e Exloërmond's bijstand read a bare '0 per 1 000 inwoners'). Regions: wijken and gemeenten of the release
    with such a figure in a lens (mart_profile: value 0 with round_upper > 0, or an interval wider than 10%)."""
    from dashboard.core import queries
    from dashboard.core.format import is_rough, is_rounded_zero
    from dashboard.gesprekskaart.figures import headline
    from pipelines.catalogue import load_catalogue
    rounding = {i.id: i.rounding for i in load_catalogue().indicators}   # the catalogue's numerator_rounding
    with duckdb.connect(str(release_path), read_only=True) as con:
        rows = con.execute("""
            with odd as (select p.*, r.level from mart_profile p join mart_regions r using (region_code)
                         where p.unit like 'per %' and p.lens in ('asset', 'problem') and r.level in ('wijk', 'gemeente')
                           and p.value is not null and p.round_upper is not null
                           and (p.value = 0 or greatest(p.value - p.round_lower, p.round_upper - p.value) > 0.1 * p.value)),
                 pick as (select region_code from odd group by region_code, level
                          qualify row_number() over (partition by level, bool_or(value = 0) order by region_code) <= 2)
            select region_code from pick order by 1""").fetchall()
    checked = {"rounded 0": 0, "ongeveer": 0}
    for (code,) in rows:
        shown = _shown_figures(make_pack(code, build_dir=build_dir, today=DAY).html)
        for row in queries.profile(code, build_dir).to_dict("records"):   # the rows the pack is made of
            row["rounding"] = rounding.get(row["indicator_id"])
            if not str(row["unit"]).startswith("per ") or row["value"] is None or row["value"] != row["value"]:
                continue
            # the big figure as the pack prints it where it shows the figure (a rounded 0 is the least worrying
            # concern: a pack that shows three neutral concerns may leave it out), and the HTML where it is shown
            big = shown.get(row["label"], " ".join(headline(row)))
            if is_rounded_zero(row):
                top = re.match(r"0 tot (\d+(?:,\d+)?) per ", big)
                assert top and "het getelde aantal is 0 tot 4" in big, (code, row["label"], big)
                assert float(top.group(1).replace(",", ".")) >= row["round_upper"] > 0, (code, row["label"], big)
                checked["rounded 0"] += 1
            elif is_rough(row):
                assert big.startswith("ongeveer "), (code, row["label"], big)
                checked["ongeveer"] += 1
    assert checked["rounded 0"] and checked["ongeveer"], checked


def test_a_figure_known_per_gemeente_only_is_not_blamed_on_the_buurt_boundaries(build_dir, release_path):
    """The turnout (Kiesraad) exists per gemeente only. A buurt's pack names it as 'alleen per gemeente bekend',
    as the profile does, also for a buurt that is new since the table's boundary year (it is not missing because
    the buurt's boundaries changed)."""
    with duckdb.connect(str(release_path), read_only=True) as con:
        rows = con.execute("""
            select c.label, b.region_code, x.region_code is null as new_since from mart_catalogue_table c
            join mart_map_values b on b.indicator_id = c.indicator_id and b.region_code like 'BU%'
            join mart_map_values g on g.indicator_id = c.indicator_id
                 and g.region_code = 'GM' || substr(b.region_code, 3, 4) and g.status = 'waarde'
            left join regions x on x.region_code = b.region_code and x.boundary_year = b.boundary_year
            where c.buurten_with_value = 0 and b.status <> 'waarde'
            qualify row_number() over (partition by new_since order by b.region_code) = 1""").fetchall()
    assert {new_since for _, _, new_since in rows} == {True, False}
    for label, code, _ in rows:
        text = re.sub(r"\s+", " ", make_pack(code, build_dir=build_dir, today=DAY).html)
        assert f"{label} (alleen per gemeente bekend)" in text, code


def test_a_prompt_with_a_modelled_figure_says_geschat(build_dir):
    """The prompts carry the figure into the conversation and the wijkagenda: a RIVM/CBS model estimate says
    'geschat' there too ('13,0% van de volwassenen zorgt voor een ander.' did not); a count or register figure
    does not."""
    from dashboard.gesprekskaart.build import pack_prompts
    from pipelines.catalogue import load_catalogue

    tails = {i.modelled: set() for i in load_catalogue().indicators}
    for i in load_catalogue().indicators:
        if i.prompt and "{value}" in i.prompt:
            tails[i.modelled].add(i.prompt.split("{value}", 1)[1][:25])
    seen = 0
    for code in ("GM0363", "BU19791986", "WK059913"):   # 2020 estimates; the 2024 series on a new boundary
        for prompt in pack_prompts(code, build_dir=build_dir):
            if any(t in prompt for t in tails[True]):
                seen += 1
                assert "(geschat)" in prompt, prompt
            elif any(t in prompt for t in tails[False]):
                assert "geschat" not in prompt, prompt
    assert seen >= 3


def test_a_pack_without_any_figure_says_so_instead_of_a_licence_line(build_dir, con):
    """De Velden (Hardenberg) is new in the 2024 division: no lens figure in any source. Its pack printed 'Bron:
    CBS. Licentie CC BY 4.0' above an empty sources table; it says there are no figures and why."""
    shown = con.execute("""select count(*) from mart_profile p join mart_catalogue c using (indicator_id)
                           where p.region_code = 'BU01602810' and c.lens <> 'context' and not c.hidden
                             and p.value is not null""")
    assert shown.fetchone()[0] == 0   # the premise, from the release
    text = re.sub(r"\s+", " ", make_pack("BU01602810", build_dir=build_dir, today=DAY).html)
    sources = text[text.index('<section class="sources">'):]
    assert "Licentie" not in sources and '<table class="src">' not in sources
    assert "geen cijfers over deze buurt" in sources and "Niet beschikbaar" in sources


def test_a_modelled_figure_says_geschat_in_the_optional_sections(build_dir, release_path, monkeypatch):
    """'Beter dan verwacht' and the vergelijkbare buurten write a RIVM estimate too: each such line says 'geschat'
    (the peer lines dropped it from the label: 'Doet vrijwilligerswerk: hier 31,6%; …'). A buurt of the release
    with a modelled outcome that is beter dan verwacht; its peers as the page finds them (gesprekskaart.view) and as
    codes (make_pack looks up the average)."""
    from dashboard.gesprekskaart import view
    from pipelines.catalogue import load_catalogue
    modelled = {i.label for i in load_catalogue().indicators if i.modelled}
    with duckdb.connect(str(release_path), read_only=True) as con:
        code, gemeente = con.execute("""
            select e.region_code, r.gemeente_name from mart_expected_values e join mart_catalogue c
              on c.indicator_id = e.outcome_id and c.modelled join mart_regions r using (region_code)
            where e.verdict = 'beter dan verwacht' order by e.region_code limit 1""").fetchone()
        peer_codes = [c for (c,) in con.execute("select peer_code from mart_peer_buurten where region_code = ? "
                                                "order by rank limit 3", [code]).fetchall()]
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    deviance, peers = view.deviance_for(code), view.peers_for(code, gemeente)
    lines = list(peers["comparison"])
    assert lines and any(d["verdict"] == "beter dan verwacht" for d in deviance)
    html = make_pack(code, build_dir=build_dir, deviance=deviance, peers=peers, today=DAY).html
    by_codes = make_pack(code, build_dir=build_dir, peers=peer_codes, today=DAY).html
    section = html[html.index("Beter dan verwacht"):]
    said = re.findall(r"<li>([^<]*)</li>", by_codes) + lines
    told = [line for line in said if line.split(":")[0].replace(" (geschat)", "") in modelled]
    assert told, said
    for line in told:
        assert "(geschat)" in line, line
    assert re.search(r"Hier: [0-9,]+% \(geschat\)", section), section[:400]


def test_a_download_is_named_after_its_area_with_its_code():
    """Both 'De Purmer (gedeeltelijk)' buurten of Waterland downloaded as 'gesprekskaart-de-purmer-gedeeltelijk',
    and 'Aziëbuurt' as 'azi-buurt'."""
    from dashboard.gesprekskaart.build import Pack
    from dashboard.wijkagenda.render_html import Printed

    names = {Pack("", "Gesprekskaart De Purmer (gedeeltelijk)", code).filename for code in ("BU08520010", "BU08520401")}
    assert names == {"gesprekskaart-de-purmer-gedeeltelijk-bu08520010", "gesprekskaart-de-purmer-gedeeltelijk-bu08520401"}
    assert Pack("", "Gesprekskaart Aziëbuurt", "BU05032204").filename == "gesprekskaart-aziebuurt-bu05032204"
    assert Printed("", "Wijkagenda 't Kip", "BU17350603").filename == "wijkagenda-t-kip-bu17350603"

