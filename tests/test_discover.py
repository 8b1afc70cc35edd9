"""Ten years deep and always current (issue 13), end to end with the real cbsodata client and the replay server.

The replay serves a CBS catalogue listing with the catalogue's KWB years that are not shipped (2016-2022, 2025),
a newer KWB year (2026) and a newer RIVM wave: test tables made in the test from the shipped 85984NED and 50090NED
under other ids and periods, marked TESTGEGEVENS in their TableInfos. `refresh --discover` finds the newer ones,
`--apply` adds them to a local overlay, `refresh` fetches everything and the build shows ten-year trend lines.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.stats.trend import series_for
from pipelines import release
from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.discover import family_tables
from pipelines.extract import table_stems
from tests.conftest import sha256_file, snapshot_of
from tests.replay_server import (
    SNAPSHOT_TABLES,
    TEST_MARK,
    ReplayServer,
    write_test_kwb_table,
    write_test_rivm_wave,

)

# `make test` runs on 2 xdist workers: keep this module on one worker so the ten-year replay world (module
# fixtures) is made once
pytestmark = pytest.mark.xdist_group("test_discover")

ROOT = Path(__file__).resolve().parents[1]
CAT = load_catalogue(overlay=Path("/nonexistent"))  # the shipped catalogue only
NEW_KWB, NEW_RIVM, OLD_KWB = "90026TST", "90126TST", "90015TST"
UNKNOWN_KEY = "KoopwoningenTotaal_99"  # CBS renamed Koopwoningen in the (test) 2026 table: not a catalogue stem
SHIPPED_READ = ("85618NED", "85984NED", "50090NED")
RENAMED_2023 = {"OpleidingsniveauLaag": "BasisonderwijsVmboMbo1", "OpleidingsniveauMiddelbaar": "HavoVwoMbo24",
                "OpleidingsniveauHoog": "HboWo"}


def _kwb_tables() -> list:
    family = CAT.families["kwb"]
    return [t for t in family_tables(CAT, family) if not (SNAPSHOT_TABLES / t.id / "fetch.json").exists()]


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def world(tmp_path_factory, release_path):
    tmp = tmp_path_factory.mktemp("years")
    cbs = tmp / "cbs"
    for table in _kwb_tables():  # the catalogue's own ids, test data
        write_test_kwb_table(cbs, table.id, table.boundary_year, table_stems(CAT, table.id))
    stems_2026 = [RENAMED_2023.get(s, s) for t in family_tables(CAT, CAT.families["kwb"])
                  for s in table_stems(CAT, t.id)]
    write_test_kwb_table(cbs, NEW_KWB, 2026, stems_2026, keys={"Koopwoningen": UNKNOWN_KEY})
    write_test_kwb_table(cbs, OLD_KWB, 2015, ["AantalInwoners"])  # older than the catalogue's: never proposed
    write_test_rivm_wave(cbs, NEW_RIVM, "Gezondheid per wijk en buurt; 2026/2028 (indeling 2026)",
                         {"2016JJ00": "2026JJ00", "2020JJ00": "2028JJ00"})
    build_dir = tmp / "build"
    build_dir.mkdir()
    serving = build_dir / release_path.name
    serving.write_bytes(release_path.read_bytes())
    release.publish(serving, build_dir)
    # the shipped tables whose figures the tests below read beside the test tables: KWB 2023 and 2024 (years of the
    # ten-year line, the 2024 poverty break) and RIVM 50090NED (the shipped wave beside the new one); the police,
    # SES-WOA and RIVM-trend tables take no part, and leaving them out makes the refresh's build cheaper
    snapshot = snapshot_of(tmp / "snapshot", *SHIPPED_READ)
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_CACHE_DIR": str(tmp / "cache"),
           "BUURTBALANS_CATALOGUE_OVERLAY": str(tmp / "overlay.toml"), "BUURTBALANS_SNAPSHOT_DIR": str(snapshot)}
    env.pop("BUURTBALANS_CATALOG_URL", None)
    with ReplayServer(cbs) as server:
        common = ["--catalog-url", server.host, "--http", "--no-progress"]
        before = sha256_file(release.current_release(build_dir))
        report = _cli("refresh", "--discover", *common, env=env)
        overlay_after_report = (tmp / "overlay.toml").exists()
        applied = _cli("refresh", "--discover", "--apply", *common, env=env)
        unchanged_by_discovery = sha256_file(release.current_release(build_dir)) == before
        tables = [t.id for t in _kwb_tables()] + [NEW_KWB, NEW_RIVM]
        refresh = _cli("refresh", *common, *(a for t in tables for a in ("--table", t)), env=env)
        fetched_first = len(server.paths("/TypedDataSet"))
        again = _cli("refresh", *common, *(a for t in tables for a in ("--table", t)), env=env)
        fetched_again = len(server.paths("/TypedDataSet")) - fetched_first
    assert refresh.returncode == 0, refresh.stderr
    yield {"tmp": tmp, "cbs": cbs, "report": report, "applied": applied, "refresh": refresh, "again": again,
           "overlay_after_report": overlay_after_report, "unchanged_by_discovery": unchanged_by_discovery,
           "fetched_again": fetched_again, "tables": tables,
           "release": release.current_release(build_dir), "overlay": tmp / "overlay.toml"}


def _series(world, region: str, indicator: str) -> pd.DataFrame:
    with duckdb.connect(str(world["release"]), read_only=True) as con:
        return con.execute("select * from mart_indicator_series where region_code = ? and indicator_id = ? "
                           "and value is not null order by period", [region, indicator]).fetchdf()


def _served(world, table_id: str) -> pd.DataFrame:
    data = read_table_cache(world["cbs"] / table_id).data
    return data.set_index(data["WijkenEnBuurten"].str.strip())


def test_discovery_reports_the_newer_tables_and_changes_nothing(world):
    report = world["report"]
    assert report.returncode == 0, report.stderr
    assert NEW_KWB in report.stdout and "Kerncijfers wijken en buurten 2026" in report.stdout
    assert NEW_RIVM in report.stdout and "serie rivm-90126TST" in report.stdout
    assert OLD_KWB not in report.stdout  # 2015 is older than the catalogue's KWB years
    assert "--apply" in report.stdout and not world["overlay_after_report"]
    assert world["unchanged_by_discovery"]


def test_an_unknown_key_is_reported_by_name_and_not_added(world):
    out = world["report"].stdout
    assert f"koopwoningen: stam 'Koopwoningen' ontbreekt; onbekende sleutel {UNKNOWN_KEY} niet geladen" in out
    overlay = load_catalogue(overlay=world["overlay"])
    assert NEW_KWB not in {s.table for s in overlay.indicator("koopwoningen").sources}
    fetched = read_table_cache(world["tmp"] / "cache" / NEW_KWB).data
    assert fetched[UNKNOWN_KEY].notna().any()  # CBS did send it, and the refresh fetched it ...
    assert "2026" not in set(_series(world, "GM0363", "koopwoningen")["period"])  # ... and it was not loaded


def test_apply_adds_the_tables_with_declared_renames_to_the_overlay(world):
    assert world["applied"].returncode == 0 and "Toegevoegd aan" in world["applied"].stdout
    overlay = load_catalogue(overlay=world["overlay"])
    assert set(overlay.overlay_tables) == {NEW_KWB, NEW_RIVM}
    new = overlay.tables[NEW_KWB]
    assert (new.series, new.boundary_year, new.period) == ("kwb", 2026, "2026")
    education = next(s for s in overlay.indicator("opleiding_laag").sources if s.table == NEW_KWB)
    assert education.numerator == "BasisonderwijsVmboMbo1"  # the 2023 rename, declared in the catalogue
    wave = overlay.tables[NEW_RIVM]
    assert wave.series == "rivm-90126TST" and wave.boundary_year == 2026 and wave.margin_dimension == "Marges"
    assert NEW_RIVM in {s.table for s in overlay.indicator("vrijwilligerswerk").sources}


def test_ten_year_trend_is_one_kwb_line_with_a_step_at_every_division_change(world):
    points = _series(world, "GM0363", "inwoners")
    kwb = points[points["series"] == "kwb"]
    assert list(kwb["period"]) == [str(y) for y in range(2016, 2027)]  # 2016-2025 in the catalogue, 2026 found
    for row in kwb.itertuples():  # every value is the one its own table holds
        table = read_table_cache(world["cbs"] / row.table_id) if (world["cbs"] / row.table_id).exists() else None
        if table is not None:
            served = table.data.set_index(table.data["WijkenEnBuurten"].str.strip())
            assert row.value == served.loc["GM0363", next(c for c in served.columns if c.startswith("AantalInw"))]
    lines = series_for(points, "GM0363", "inwoners")
    assert list(lines) == ["kwb"]
    line = lines["kwb"]
    # each KWB year is on its own division: the line steps (dotted) wherever boundary_year changes, never before
    expected = line["boundary_year"].ne(line["boundary_year"].shift()) & line.index.to_series().gt(0)
    assert list(line["boundary_changed"]) == list(expected)
    assert list(line["boundary_year"]) == list(range(2016, 2027))


def test_a_rename_keeps_one_line_and_a_break_ends_the_series(world):
    education = _series(world, "GM0363", "opleiding_laag")
    kwb = education[education["series"] == "kwb"]
    assert {"2020", "2021", "2022", "2026"} <= set(kwb["period"])  # old keys to 2022, renamed keys in 2026
    served = _served(world, NEW_KWB).loc["GM0363"]
    parts = {stem: served[next(c for c in served.index if c.startswith(stem))] for stem in RENAMED_2023.values()}
    expected = 100 * parts["BasisonderwijsVmboMbo1"] / sum(parts.values())
    assert kwb.loc[kwb["period"] == "2026", "value"].iloc[0] == pytest.approx(expected)
    poverty = _series(world, "GM0363", "huishoudens_laag_inkomen")
    assert set(poverty.loc[poverty["period"] >= "2024", "series"]) == {"kwb-vanaf-2024"}
    assert set(poverty.loc[poverty["period"] < "2024", "series"]) <= {"kwb"}
    assert CAT.series_of("huishoudens_laag_inkomen", CAT.tables["85618NED"]) == "kwb"
    assert CAT.series_of("opleiding_laag", CAT.tables["86165NED"]) == "kwb"


def test_the_new_rivm_wave_is_its_own_series(world):
    points = _series(world, "GM0363", "vrijwilligerswerk")
    wave = points[points["table_id"] == NEW_RIVM]
    assert set(wave["series"]) == {"rivm-90126TST"} and set(wave["period"]) == {"2026", "2028"}
    shipped = points[points["table_id"] == "50090NED"]
    assert set(shipped["series"]) == {"rivm-50090"}


def test_test_tables_say_they_are_test_data(world):
    for table_id in world["tables"]:
        info = read_table_cache(world["cbs"] / table_id).table_infos[0]
        assert info["ShortDescription"].startswith(TEST_MARK.split(":")[0])


def test_a_second_refresh_fetches_nothing_that_did_not_change(world):
    again = world["again"]
    assert again.returncode == 0, again.stderr
    assert world["fetched_again"] == 0
    assert "Niets nieuws op CBS" in again.stdout and "ongewijzigd" in again.stderr


def test_discovery_never_carries_an_indicator_across_a_declared_break():
    """Pure: with its newest source before the 2024 poverty break (85618NED, 2023), huishoudens_laag_inkomen is
    reported, not mapped, for a newer KWB year, even where the new table has the very same key."""
    import dataclasses

    from pipelines.discover import Candidate, propose

    ind = CAT.indicator("huishoudens_laag_inkomen")
    before_break = dataclasses.replace(ind, sources=tuple(s for s in ind.sources if s.table == "85618NED"))
    cat = dataclasses.replace(CAT, indicators=tuple(before_break if i.id == ind.id else i for i in CAT.indicators))
    properties = [{"Type": "Topic", "Key": "HuishoudensMetEenLaagInkomen_7"}, {"Type": "Topic",
                                                                                "Key": "AantalInwoners_5"}]
    proposal = propose(cat, Candidate(NEW_KWB, "Kerncijfers wijken en buurten 2026", cat.families["kwb"], 2026,
                                      None), properties)
    assert "huishoudens_laag_inkomen" not in proposal.indicators and "inwoners" in proposal.indicators
    assert any(line.startswith("huishoudens_laag_inkomen: breuk vanaf 2024") for line in proposal.not_added)
