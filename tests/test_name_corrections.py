"""Region names a source spells with a broken character (pipelines/name_corrections.toml) on the shipped data."""
import json
from functools import partial

import pandas as pd
import pytest

from dashboard.core import search
from pipelines import name_corrections
from tests.conftest import SNAPSHOT_TABLES

# characters that appear when UTF-8 or Latin-1 text is read in another code page ('é' as 'Ã©', 'è' as 'Þ'),
# and the replacement character of an undecodable byte; no Dutch region name has them
MOJIBAKE = "ÞÃÂÐ¦\ufffd"


@pytest.fixture(scope="module")
def declared() -> pd.DataFrame:
    return name_corrections.load()


def source_titles(table_id: str) -> dict[str, str]:
    """Code -> name in a shipped table's own region code list (CBS WijkenEnBuurten Title)."""
    rows = json.loads((SNAPSHOT_TABLES / table_id / "WijkenEnBuurten.json").read_text(encoding="utf-8"))
    return {r["Key"].strip(): r["Title"].strip() for r in rows}


def test_each_correction_replaces_a_spelling_the_source_really_has(declared):
    titles = source_titles("85984NED")
    for r in declared.itertuples():
        assert titles[r.region_code] == r.source_spelling        # the shipped CBS code list, character for character
        assert any(c in r.source_spelling for c in MOJIBAKE) and not any(c in r.name for c in MOJIBAKE)


def test_no_shown_region_name_has_a_broken_character(con):
    for view in ("mart_regions", "mart_region_shapes", "mart_region_names"):
        broken = con.execute(f"select region_code, name from {view} where regexp_matches(name, ?)",
                             [f"[{MOJIBAKE}]"]).fetchall()
        assert broken == [], f"{view}: {broken}"


def test_the_release_shows_searches_and_reports_the_declared_name(con, declared):
    for r in declared.itertuples():
        shown = con.execute("select name, search_key from mart_regions where region_code = ?", [r.region_code]).fetchone()
        assert shown[0] == r.name and search.fold(r.name) in shown[1]
        assert con.execute("select name from mart_region_shapes where region_code = ?",
                           [r.region_code]).fetchone()[0] == r.name
        regions = con.execute("select * from mart_regions").fetchdf()
        assert r.region_code in [m.region_code for m in search.search(search.prepare(regions), r.name)]
    applied = con.execute("select region_code, applied from mart_name_corrections").fetchall()
    assert applied == [(c, True) for c in sorted(declared["region_code"])]


def test_a_repaired_source_or_another_code_keeps_its_own_name(declared):
    r = declared.iloc[0]
    regions = pd.DataFrame({"region_code": [r.region_code, r.region_code, "BU99999999"],
                            "name": [r.source_spelling + " (hersteld)", "Iets anders", r.source_spelling]})
    out, report = name_corrections.apply(regions, declared)
    assert out["name"].tolist() == regions["name"].tolist()
    assert not report["applied"].any()


def test_a_correction_without_evidence_is_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[correction]]\nregion_code = "BU1"\nsource_spelling = "AÞ"\nname = "Aè"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="why"):
        name_corrections.load(path)


def test_over_de_data_names_the_correction_and_why(release_app, declared):
    at = release_app("app_pages/over_de_data.py")
    assert not at.exception
    text = "\n".join(m.value for m in at.main.markdown)
    for r in declared.itertuples():
        assert f"**{r.name}** ({r.region_code}): in de bron '{r.source_spelling}'" in text
