"""Region search: folding, ranking and suggestions (pure, on mart_regions-shaped frames)."""
import pandas as pd
import pytest

from dashboard.core import search

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
