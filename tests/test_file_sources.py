"""Opkomst (issue #12 §3): the Kiesraad file source, its area rule, and the figures end to end.

Expected figures are read from the shipped source files (data/snapshot/files/kiesraad_ps/, PROVENANCE entry 15:
TotalCounted / Cast per gemeente, NL = the sum), never typed in.
"""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.format import fmt_value
from pipelines import file_sources
from pipelines.catalogue import load_catalogue
from tests.conftest import ROOT, page_bodies

FILES = ROOT / "data" / "snapshot" / "files" / "kiesraad_ps"


def share(year: int, code: str | None = None) -> float:
    """Counted votes as % of eligible voters, from the source file (NL: sum over all gemeenten)."""
    raw = pd.read_parquet(FILES / f"ps{year}_tellingen_gemeente.parquet")
    if code:
        raw = raw[raw["gwb_code_10"] == code]
    return 100 * raw["TotalCounted"].sum() / raw["Cast"].sum()


def test_source_files_hold_the_provenance_figures():
    # PROVENANCE entry 15 states these rounded figures; the tests below use the computed ones
    assert round(share(2023), 1) == 58.3 and round(share(2019), 1) == 55.8
    assert round(share(2023, "GM0363"), 1) == 51.2


def test_catalogue_declares_opkomst_like_any_indicator():
    cat = load_catalogue()
    ind = cat.indicator("opkomst_ps")
    assert ind.lens == "asset" and ind.unit == "%" and not ind.hidden
    assert ind.label == "Getelde stemmen als deel van de kiesgerechtigden, Provinciale Staten 2023/2019"
    assert cat.attribution(ind) == "Bron: Kiesraad (via Centerdata/BZK)"
    assert {t.id for t in file_sources.file_tables(cat)} == {"kiesraad_ps2023", "kiesraad_ps2019"}


def test_area_rule_same_code_same_name_no_redivision():
    current = {"GM0363": "Amsterdam", "GM0373": "Bergen (NH.)", "GM0164": "Hengelo (O.)", "GM0344": "Utrecht"}
    codes = pd.Series(["GM0363", "GM0373", "GM0164", "GM0457", "GM0344"])
    names = pd.Series(["Amsterdam", "Bergen (NH)", "Hengelo", "Weesp", "Utrecht stad"])
    why = file_sources.area_refusals(codes, names, current, area_changed=("GM0363",))
    assert why.isna().tolist() == [False, True, True, False, False]
    assert "gebied veranderd" in why[0] and "bestaat niet meer" in why[3] and "andere naam" in why[4]


def test_release_values_and_refusals(con):
    rows = con.execute("""select region_code, period, value from mart_indicator_series
                          where indicator_id = 'opkomst_ps'""").fetchdf()
    got = {(r.region_code, r.period): r.value for r in rows.itertuples()}
    assert got[("NL00", "2023")] == pytest.approx(share(2023))
    assert got[("NL00", "2019")] == pytest.approx(share(2019))
    assert got[("GM0363", "2023")] == pytest.approx(share(2023, "GM0363"))
    # Amsterdam took in Weesp in 2022: its 2019 figure describes another area and is refused
    assert ("GM0363", "2019") not in got and ("GM0344", "2019") in got
    assert not any(code.startswith(("BU", "WK")) for code, _ in got)
    raw2019 = pd.read_parquet(FILES / "ps2019_tellingen_gemeente.parquet")
    current = set(con.execute("select region_code from mart_regions where level = 'gemeente'").fetchdf()["region_code"])
    joined = {c for c, p in got if p == "2019" and c != "NL00"}
    assert joined < set(raw2019["gwb_code_10"]) & current
    note = con.execute("select note from mart_sources where table_id = 'kiesraad_ps2019'").fetchone()[0]
    assert f"{len(joined)} gemeenten met hetzelfde gebied gekoppeld, {len(raw2019) - len(joined)} geweigerd" in note
    attribution = con.execute("select distinct attribution from mart_profile where indicator_id = 'opkomst_ps'")
    assert attribution.fetchall() == [("Bron: Kiesraad (via Centerdata/BZK)",)]


def test_map_shows_amsterdam_and_nl(build_dir):
    from dashboard.kaart import map_queries
    values = map_queries.load_values("opkomst_ps", "gemeente", build_dir).set_index("region_code")
    assert values.loc["GM0363", "value"] == pytest.approx(share(2023, "GM0363"))
    assert values.loc["GM0363", "period"] == "2023" and (values["status"] == "waarde").sum() == 342


@pytest.fixture()
def app(release_app):
    return release_app


def _opkomst_block(at) -> str:
    blocks = [part for body in page_bodies(at.main) for part in body.split("\n\n")   # a lens's blocks are one element
              if 'id="ind-opkomst_ps"' in part]
    assert len(blocks) == 1
    return blocks[0]


def test_profile_gemeente_shows_its_figure_and_nl(app):
    at = app(regio="GM0363")
    assert not at.exception
    block = _opkomst_block(at)
    assert fmt_value(share(2023, "GM0363"), "%") in block and f"Nederland {fmt_value(share(2023), '%')}" in block
    assert "tabel kiesraad_ps2023" in block and "indeling 2023" in block


def test_profile_buurt_shows_the_gemeente_figure_as_context(app):
    at = app(regio="BU0363AA01")
    assert not at.exception
    block = _opkomst_block(at)
    assert "alleen per gemeente bekend" in block
    assert f"cijfer van de gemeente Amsterdam: {fmt_value(share(2023, 'GM0363'), '%')}" in block
    assert "2023" in block and "kiesraad_ps2023" in block
