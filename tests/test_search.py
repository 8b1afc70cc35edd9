"""Region search: folding, ranking and suggestions (pure, on mart_regions-shaped frames)."""
import re

import pandas as pd
import pytest

from dashboard.core import queries, search
from dashboard.core.escaping import md_escape

ROWS = [
    # region_code, level, name, gemeente_name, wijk_name, inwoners
    ("GM0796", "gemeente", "'s-Hertogenbosch", "'s-Hertogenbosch", None, 160757),
    ("WK079609", "wijk", "Noord", "'s-Hertogenbosch", None, 20000),
    ("GM0363", "gemeente", "Amsterdam", "Amsterdam", None, 931298),
    ("WK0363AA", "wijk", "Haarlemmerbuurt", "Amsterdam", None, 12000),
    ("BU0363AA01", "buurt", "Planciusbuurt-Noord", "Amsterdam", "Haarlemmerbuurt", 345),
    ("BU0363AA02", "buurt", "Westelijke eilanden", "Amsterdam", "Haarlemmerbuurt", 2000),
    ("WK0363TC", "wijk", "Amsterdamse Poort e.o.", "Amsterdam", None, 5000),
    ("BU19000101", "buurt", "Amsterdam", "Súdwest-Fryslân", "Wijk 01", 10),
    ("GM1900", "gemeente", "Súdwest-Fryslân", "Súdwest-Fryslân", None, 90000),
    ("GM0518", "gemeente", "'s-Gravenhage", "'s-Gravenhage", None, 560000),
]


@pytest.fixture(scope="module")
def regions() -> pd.DataFrame:
    df = pd.DataFrame(ROWS, columns=["region_code", "level", "name", "gemeente_name", "wijk_name", "inwoners"])
    df["search_key"] = search.fold_series(df["name"] + " " + df["region_code"])  # as mart_regions builds it
    return search.prepare(df)


def codes(matches):
    return [m.region_code for m in matches]


def test_fold_removes_accents_case_and_punctuation():
    assert search.fold("'s-Hertogenbosch") == "s hertogenbosch"
    assert search.fold("Súdwest-Fryslân") == "sudwest fryslan"
    assert search.fold(None) == ""


def test_apostrophe_and_hyphen_do_not_matter(regions):
    assert codes(search.search(regions, "'s-Hertogenbosch"))[0] == "GM0796"
    assert codes(search.search(regions, "s hertogenbosch"))[0] == "GM0796"
    assert codes(search.search(regions, "fryslan"))[0] == "GM1900"


def test_code_prefix_finds_all_buurten_with_that_prefix(regions):
    assert set(codes(search.search(regions, "bu0363"))) == {"BU0363AA01", "BU0363AA02"}


def test_exact_code_ranks_first(regions):
    hits = search.search(regions, "bu0363aa01")
    assert hits[0].region_code == "BU0363AA01" and hits[0].rank == search.EXACT_CODE


def test_exact_name_before_prefix_and_gemeente_before_buurt_on_ties(regions):
    # "Amsterdam" is a gemeente and a (tiny) buurt elsewhere: both exact, the gemeente wins the tie;
    # "Amsterdamse Poort" only starts with the query and comes after both.
    assert codes(search.search(regions, "amsterdam"))[:3] == ["GM0363", "BU19000101", "WK0363TC"]


def test_name_prefix_before_contains(regions):
    hits = search.search(regions, "noord")
    assert codes(hits)[0] == "WK079609"          # name is exactly "Noord"
    assert "BU0363AA01" in codes(hits)           # "Planciusbuurt-Noord" contains the word


def test_words_may_come_from_the_wijk_or_gemeente(regions):
    assert codes(search.search(regions, "planciusbuurt amsterdam")) == ["BU0363AA01"]


def test_labels_show_wijk_and_gemeente(regions):
    labels = {m.region_code: m.label for m in search.search(regions, "bu0363aa")}
    assert labels["BU0363AA01"] == "Planciusbuurt-Noord (Haarlemmerbuurt, Amsterdam)"
    assert search.search(regions, "gm0363")[0].label == "Amsterdam (gemeente)"
    assert search.search(regions, "WK0363AA")[0].label == "Haarlemmerbuurt (wijk, Amsterdam)"


def test_common_name_alias(regions):
    assert codes(search.search(regions, "Den Haag"))[0] == "GM0518"


def test_empty_query_gives_nothing(regions):
    assert search.search(regions, "  ") == []
    assert search.suggestions(regions, "") == []


def test_misspelling_gets_close_suggestions(regions):
    assert search.search(regions, "Amsterdm") == []
    assert codes(search.suggestions(regions, "Amsterdm"))[0] in {"GM0363", "BU19000101"}


def test_unknown_code_suggests_its_gemeente_wijk_and_siblings(regions):
    found = codes(search.suggest_for_code(regions, "BU0363AA99"))
    assert found[:2] == ["GM0363", "WK0363AA"] and "BU0363AA01" in found


def test_search_on_the_real_regions(con):
    real = search.prepare(con.execute("select * from mart_regions").fetchdf())
    assert search.search(real, "'s-Hertogenbosch")[0].region_code == "GM0796"
    assert all(m.region_code.startswith("BU0363") for m in search.search(real, "bu0363"))
    assert search.search(real, "Planciusbuurt")[0].label == "Planciusbuurt-Noord (Haarlemmerbuurt, Amsterdam)"


# ----------------------------------------------------------------------------------------------- postcode (#12)
def _kwb_postcodes() -> "pd.DataFrame":
    """Buurt -> most common postcode, straight from the shipped KWB 2024 file (the source, not the release)."""
    from tests.conftest import ROOT
    raw = pd.read_parquet(ROOT / "data/snapshot/tables/85984NED/TypedDataSet.parquet")
    col = next(c for c in raw.columns if c.startswith("MeestVoorkomendePostcode"))
    out = pd.DataFrame({"code": raw["WijkenEnBuurten"].str.strip(), "pc": raw[col].astype("string").str.strip()})
    return out[out["code"].str.startswith("BU") & out["pc"].str.fullmatch(r"\d{4}").fillna(False)]


@pytest.fixture(scope="module")
def real_index(release_path):
    import duckdb
    with duckdb.connect(str(release_path), read_only=True) as c:
        return search.prepare(c.execute("select * from mart_regions").fetchdf())


@pytest.mark.parametrize("query", ["3533", "3533 AB", "3533AB", " 3533ab "])
def test_postcode_finds_the_buurten_whose_most_common_postcode_it_is(real_index, query):
    kwb = _kwb_postcodes()
    expected = set(kwb.loc[kwb["pc"] == "3533", "code"])
    assert expected                                             # Utrecht, Oog in Al and neighbours
    hits = search.search(real_index, query)
    assert {m.region_code for m in hits} == expected
    assert all(m.postcode == "3533" and m.level == "buurt" and "postcode 3533" in m.label for m in hits)


def test_every_shipped_postcode_is_searchable(real_index):
    kwb = _kwb_postcodes().sample(200, random_state=12)
    for code, pc in zip(kwb["code"], kwb["pc"]):
        found = {m.region_code for m in search.search(real_index, pc, limit=100)}
        assert code in found, (code, pc)


@pytest.mark.parametrize("query", ["35", "353", "0533", "35333", "ABCD12", "3533 ABC", "3" * 10_000,
                                   "x" * 10_000, "3533 AB" * 2000, "'; drop table regions; --",
                                   "<script>alert(1)</script>", "<b>3533</b>", "%", "_", "\x00", "٣٥٣٣"])
def test_malformed_postcodes_and_hostile_input_find_nothing(real_index, query):
    assert search.search(real_index, query) == []
    tips = search.suggestions(real_index, query)                # "Bedoelt u" may offer a name, never a postcode hit
    assert all(t.postcode is None for t in tips)
    if len(query) > search.MAX_QUERY_CHARS or query.strip().isdigit():
        assert tips == []


def test_query_is_bounded_in_the_function(real_index):
    # 40,000 pasted characters are refused before any scan; a long query counts only its first words.
    assert search.bounded("a " * 20_000) == ""
    assert search.bounded("een twee drie vier vijf zes zeven acht") == "een twee drie vier vijf zes"
    assert len(search.bounded("x" * search.MAX_QUERY_CHARS)) == search.MAX_QUERY_CHARS
    # words after the sixth do not count: "qqq" matches nothing, yet the buurt is found
    assert search.search(real_index, "Planciusbuurt Noord Amsterdam Haarlemmerbuurt noord noord qqq qqq")[0] \
        .region_code.startswith("BU0363")


def test_postcode_needs_the_column(regions):
    assert search.search(regions, "3533") == []   # a frame without mart_regions.postcode: nothing, no error


# ----------------------------------------------------------------------------------------------- the widget
@pytest.fixture(scope="module")
def start_page(build_dir):
    import os
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    from tests.conftest import ROOT
    old = os.environ.get("BUURTBALANS_BUILD_DIR")
    os.environ["BUURTBALANS_BUILD_DIR"] = str(build_dir)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    yield at
    if old is None:
        os.environ.pop("BUURTBALANS_BUILD_DIR", None)
    else:
        os.environ["BUURTBALANS_BUILD_DIR"] = old


def _captions(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("query", ["35", "ABCD12", "3533 ABC", "'; drop table regions; --", "<img src=x onerror=1>"])
def test_widget_says_niet_gevonden_for_malformed_input(start_page, query):
    at = start_page
    at.sidebar.text_input(key="zoek_regio").input(query).run()
    assert not at.exception
    assert "Niet gevonden" in _captions(at)
    notice = next(line for line in _captions(at).splitlines() if line.startswith("Niet gevonden"))
    # the query is shown back as typed, escaped for markdown and HTML: '<img ...>' shows as text, never as a tag
    assert notice.startswith(f"Niet gevonden: ‘{md_escape(query)}’.")
    assert not re.search(r"(?<!\\)[<>]", notice)   # every < and > escaped


def test_widget_shows_an_apostrophe_back_as_typed(start_page):
    """''t Zandtq' read back as 't Zandtq': the apostrophe of Dutch names was stripped with the markup."""
    at = start_page
    at.sidebar.text_input(key="zoek_regio").input("'t Zandtq").run()
    assert not at.exception
    assert "Niet gevonden: ‘'t Zandtq’." in _captions(at)


@pytest.mark.parametrize("query", ["🏠", "<>", "«»"])
def test_widget_does_not_quote_back_an_empty_query(start_page, query):
    """A query of signs only (nothing of it can be shown back) read 'Niet gevonden: ‘’.'; it says what to type."""
    at = start_page
    at.sidebar.text_input(key="zoek_regio").input(query).run()
    assert not at.exception
    notice = next(line for line in _captions(at).splitlines() if line.startswith("Niet gevonden"))
    assert "‘’" not in notice and "geen letters of cijfers" in notice


def test_widget_finds_buurten_by_postcode_and_says_how(start_page):
    at = start_page
    assert at.sidebar.text_input(key="zoek_regio").max_chars == search.MAX_QUERY_CHARS
    at.sidebar.text_input(key="zoek_regio").input("3533 AB").run()
    assert not at.exception
    assert "meest voorkomende postcode van de buurt" in _captions(at)
    labels = [b.label for b in at.sidebar.button if b.key and b.key.startswith("zoek_regio_hit_")]
    assert labels and all("postcode 3533" in lb for lb in labels)


@pytest.mark.parametrize("query", ["Bonaire", "Saba", "Sint Eustatius", "caribisch nederland"])
def test_widget_says_the_caribbean_netherlands_is_not_in_the_data(start_page, con, query):
    """'Bonaire' gave near spellings (Zonnemaire, Borne) without saying the Caribbean Netherlands is not in the
    release. The release has no region of that name (the premise, from mart_regions); the widget says so."""
    assert con.execute("select count(*) from mart_regions where search_key like ?",
                       [f"%{search.fold(query)}%"]).fetchone()[0] == 0
    at = start_page
    at.sidebar.text_input(key="zoek_regio").input(query).run()
    assert not at.exception
    assert search.CARIBBEAN_NOTE in _captions(at)


def test_caribbean_note_only_while_no_region_has_the_name(regions):
    frame = regions[["region_code", "level", "name", "gemeente_name", "wijk_name", "inwoners", "search_key"]]
    assert search.outside_note(frame, "Bonaire") == search.CARIBBEAN_NOTE
    with_it = pd.concat([frame, frame.head(1).assign(region_code="GM9003", name="Bonaire")], ignore_index=True)
    assert search.outside_note(with_it, "bonaire") == "" and search.outside_note(frame, "Borne") == ""


def test_former_gemeenten_are_the_older_divisions_gemeenten_no_current_region_has(build_dir, con):
    """mart_former_gemeenten: every gemeente code of an older boundary year that no current region has (Landerd,
    Haaren, Weesp ... merged or split since 2020), none that still exists."""
    former = queries.former_gemeenten(build_dir)
    older = {r[0] for r in con.execute("select distinct region_code from regions where level = 'gemeente' and "
                                       "boundary_year < 2024").fetchall()}
    current = {r[0] for r in con.execute("select region_code from mart_regions").fetchall()}
    assert set(former["region_code"]) == older - current and "GM1685" in set(former["region_code"])
    assert former.set_index("region_code").loc["GM1685", "name"] == "Landerd"


def test_a_former_gemeente_is_named_as_one_where_no_current_region_has_its_name(build_dir):
    former, index = queries.former_gemeenten(build_dir), search.prepare(queries.regions(build_dir))
    note = search.former_note(former, index, "landerd")
    assert note.startswith("Landerd was een gemeente in de indeling van 2020 (code GM1685), maar is dat nu niet meer")
    assert search.former_note(former, index, " GM1685 ") == note and search.former_note(former, index, "gm 1685") == note
    for row in former.itertuples():   # a current buurt or wijk of the same name answers the search itself
        has_name = (index["_name_f"] == search.fold(row.name)).any()
        assert (search.former_note(former, index, row.name) == "") == has_name, row.name
    assert search.former_note(former, index, "Amsterdam") == "" and search.former_note(former, index, "") == ""
    assert search.former_note(former, index, "x" * 500) == ""


def test_widget_says_a_former_gemeente_is_not_one_now(start_page):
    """'Landerd' (since 2022 part of another gemeente) gave near spellings without a word on why."""
    at = start_page
    at.sidebar.text_input(key="zoek_regio").input("Landerd").run()
    assert not at.exception
    assert "Landerd was een gemeente in de indeling van 2020" in _captions(at)
