"""The plain-language summary (asset lens first, direction-aware) and the cbsodata recipes, on real rows."""
import pandas as pd
import pytest

from dashboard.profile import view as profile_view
from dashboard.core import queries
from dashboard.profile import summary
from dashboard.core.format import fmt_number
from pipelines.catalogue import load_catalogue


def table_for(code, build_dir):
    region = queries.region(code, build_dir)
    gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
    return profile_view.profile_table(queries.profile(code, build_dir), queries.map_status(code, build_dir),
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
    assert (f"krijgen 29,0 van elke 1.000 inwoners een WW-uitkering, meer dan in 99% van de "
            f"{fmt_number(ww['n_total'])} buurten met een cijfer") in zorgen


def test_modelled_figures_say_geschat(build_dir):
    text = " ".join(summary.summarize(table_for("GM0363", build_dir), "gemeente"))
    assert "(geschat, 2020)" in text and "van alle buurten" in text


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
    assert "geen cijfers over kracht" in paragraphs[0]
    assert "privacy" in paragraphs[-1]


def test_no_deficit_words():
    assert not any("probleemwijk" in p for p in summary.PHRASES.values())


@pytest.mark.parametrize("indicator_id", ["vrijwilligerswerk", "bijstand_per_1000", "misdrijven_aantal", "inwoners"])
def test_cbsodata_snippet_is_valid_python(build_dir, indicator_id):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    code = summary.cbsodata_snippet(cat.loc[indicator_id].to_dict(), load_catalogue().tables, "BU0363AA01",
                                    set(queries.sources(build_dir)["table_id"]))
    compile(code, indicator_id, "exec")
    assert "substringof('BU0363AA01', WijkenEnBuurten)" in code


def test_cbsodata_snippet_uses_the_right_catalog(build_dir):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    tables = load_catalogue().tables
    rivm = summary.cbsodata_snippet(cat.loc["vrijwilligerswerk"].to_dict(), tables)
    assert 'catalog_url = "dataderden.cbs.nl"' in rivm and '"50090NED"' in rivm and "Leeftijd eq '20300'" in rivm
    kwb = summary.cbsodata_snippet(cat.loc["bijstand_per_1000"].to_dict(), tables)
    assert 'catalog_url = "opendata.cbs.nl"' in kwb and "1000 * data[kolom1] / (data[kolom2])" in kwb
    derived = summary.cbsodata_snippet(cat.loc["misdrijven_per_1000"].to_dict(), tables)
    assert derived.startswith("# Dit cijfer is afgeleid: misdrijven_aantal / inwoners")


def test_education_snippet_prefers_a_table_in_this_release(build_dir):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    code = summary.cbsodata_snippet(cat.loc["opleiding_laag"].to_dict(), load_catalogue().tables, "GM0363",
                                    set(queries.sources(build_dir)["table_id"]))
    assert '"85163NED"' in code
