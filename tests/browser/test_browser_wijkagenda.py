"""From the gesprekskaart to a wijkagenda and back to the figures, in a real browser.

The app starts on a release built from two tables of the shipped snapshot: KWB 85984NED (the 2024 regions and
names, the distance to a GP) and RIVM 50150NED WITHOUT its newest wave (2024), so the agenda freezes the 2022 figure
as its baseline. The flow follows one figure of each table and the refresh replaces only 50150NED: the other shipped
tables (older KWB years, the 2020/2022 RIVM tables, police, Kiesraad) take no part in what is checked here, and
leaving them out makes both builds of the flow (the fixture's and the refresh's) a third of a full build's cost. The flow: make the gesprekskaart, record the conversation,
build an agenda with two priorities (a Bewonerskaart item, figures, a budget line), print it (PDF text checked
with pdftotext), then `python -m pipelines refresh --table 50150NED` against the local OData replay server brings
the 2024 wave; the user store stays byte-identical, and the Volgen tab shows what moved. The agenda, the
conversation, a priority and a budget line are made with a double click: each is stored once. Every request must stay
on 127.0.0.1. Screenshots and the PDF as PNG land in test-artifacts/wijkagenda_*.png.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from browser_harness import ARTIFACTS, assert_only_local, open_app, screenshot, start_app, stop_app, wait_until_idle

from dashboard.bewoners import AssetStore, build_asset
from dashboard.core.format import fmt_value
from dashboard.gesprekskaart.build import pack_prompts
from pipelines import release
from pipelines.build import build
from tests.conftest import ROOT, SNAPSHOT_TABLES

BUURT = "BU03440121"                      # Lombok-Oost, Utrecht
ASSET = "Buurthuis De Boomgaard"
WAVE_TABLE, NEW_WAVE = "50150NED", "2024JJ00"
FOLLOWED = "goed_ervaren_gezondheid_trend"   # from 50150NED
KEPT_TABLES = ("85984NED",)                # the regions, their names and afstand_huisarts (2024)
TALL = {"width": 1300, "height": 4200}


def _trimmed_snapshot(folder: Path) -> Path:
    """data/snapshot's KEPT_TABLES, and 50150NED as it was before its 2024 wave (rows and period code list without
    2024)."""
    tables = folder / "tables"
    tables.mkdir(parents=True)
    (folder / "geo").symlink_to(SNAPSHOT_TABLES.parent / "geo")
    for name in KEPT_TABLES:
        (tables / name).symlink_to(SNAPSHOT_TABLES / name)
    target = tables / WAVE_TABLE
    target.mkdir()
    for item in (SNAPSHOT_TABLES / WAVE_TABLE).iterdir():
        if item.name == "TypedDataSet.parquet":
            frame = pd.read_parquet(item)
            frame[frame["Perioden"] != NEW_WAVE].to_parquet(target / item.name, index=False)
        elif item.name == "Perioden.json":
            periods = json.loads(item.read_text())
            (target / item.name).write_text(json.dumps([p for p in periods if p["Key"] != NEW_WAVE]))
        else:
            (target / item.name).symlink_to(item)
    return folder


@pytest.fixture(scope="module")
def agenda_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wijkagenda")
    snapshot = _trimmed_snapshot(tmp / "snapshot")
    env = {"BUURTBALANS_BUILD_DIR": str(tmp / "build"), "BUURTBALANS_CACHE_DIR": str(tmp / "cache"),
           "BUURTBALANS_SNAPSHOT_DIR": str(snapshot),
           "BUURTBALANS_USER_DB": str(tmp / "user" / "bewonerskaart.duckdb"),
           "BUURTBALANS_BEWONERSKAART_DB": str(tmp / "user" / "bewonerskaart.duckdb")}
    build(roots=[snapshot / "tables"], build_dir=tmp / "build")
    known = {BUURT}
    assets = AssetStore(env["BUURTBALANS_USER_DB"], known_buurt_codes=known)
    assets.add([build_asset({"name": ASSET, "category": "plekken", "buurt_code": BUURT}, known_buurt_codes=known,
                            locator=None)])
    assets.close()                               # the app's process opens the file next
    server = start_app(tmp / "build", log_name="streamlit-wijkagenda.log", env=env)
    yield server, tmp, env
    stop_app(server.process)


def _figure(build_dir: Path, indicator: str) -> tuple[float, str, str]:
    """(value, period, unit) of the buurt's figure in the current release (mart_profile)."""
    with duckdb.connect(str(release.current_release(build_dir)), read_only=True) as con:
        return con.execute("select value, period, unit from mart_profile where region_code = ? and indicator_id = ? "
                           "and is_default_group", [BUURT, indicator]).fetchone()


def _idle(page) -> None:
    time.sleep(0.3)
    wait_until_idle(page)


def _count_once_drawn(locator) -> int:
    """How many elements match, once the first is drawn and the page has settled (under load the success message
    shows before the tab below it is drawn again)."""
    locator.first.wait_for(timeout=30_000)
    time.sleep(0.5)
    wait_until_idle(locator.page)
    return locator.count()


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    _idle(page)


def _pick(scope, label: str, option: str) -> None:
    box = scope.locator('[data-testid="stMultiSelect"]').filter(has_text=label).first
    box.locator("input").click()
    box.locator("input").fill(option[:25])
    scope.page.locator('[role="option"]').filter(has_text=option).first.click()
    scope.page.keyboard.press("Escape")


def _user_files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _make_gesprekskaart(page, server) -> None:
    open_app(page, server, f"/?regio={BUURT}", timeout=180_000)
    page.get_by_role("button", name="Gesprekskaart maken").click(timeout=180_000)
    page.get_by_role("button", name="Download gesprekskaart (PDF)").wait_for(timeout=120_000)


def _record_conversation(page, prompts: list[str]) -> None:
    _tab(page, "Gesprek vastleggen")
    form = page.locator('[data-testid="stForm"]').filter(has_text="Gesprek opslaan")
    assert form.get_by_text(prompts[0]).first.is_visible()      # the gesprekskaart's own first prompt
    form.get_by_label("Georganiseerd door (organisatie)").fill("Buurthuis De Boomgaard")
    form.get_by_label("Aantal deelnemers", exact=True).fill("23")
    form.get_by_label("Dit klopt").first.fill("De huisarts is dichtbij.\nEr is veel groen.")
    form.get_by_label("Idee").first.fill("Wandelgroep op dinsdag vanuit het buurthuis.")
    _pick(form, "Hoort bij deze items van de Bewonerskaart", ASSET)
    form.get_by_label("Thema's met stippen (één per regel: thema: aantal stippen)").fill(
        "Bewegen en ontmoeten: 14\nRondkomen: 9")
    form.get_by_role("button", name="Gesprek opslaan").dblclick()       # a double click saves it once
    page.get_by_text("is opgeslagen: 3 notities en 2 thema's").wait_for(timeout=30_000)
    recorded = page.locator('[data-testid="stExpander"]').filter(has_text="Buurthuis De Boomgaard · 23 deelnemers")
    assert _count_once_drawn(recorded) == 1


def _add_priority(page, title: str, why: str, indicator: str, assets: bool, double: bool = False) -> None:
    form = page.locator('[data-testid="stForm"]').filter(has_text="Prioriteit toevoegen").last
    form.get_by_label("Titel in de woorden van bewoners").fill(title)
    if assets:
        _pick(form, "Wat de buurt al heeft", ASSET)
    _pick(form, "Waarom", why)
    _pick(form, "Cijfers om te volgen", indicator)
    form.get_by_label("Wie werkt eraan? (organisaties en initiatieven, één per regel)").fill("Buurthuis De Boomgaard")
    button = form.get_by_role("button", name="Prioriteit toevoegen")
    button.dblclick() if double else button.click()
    page.get_by_text("De prioriteit is toegevoegd").wait_for(timeout=30_000)
    assert _count_once_drawn(page.locator('[data-testid="stExpander"]').filter(has_text=title)) == 1   # added once


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_gesprekskaart_to_agenda_to_follow_up(agenda_app, page):
    server, tmp, env = agenda_app
    started = time.monotonic()
    marks: dict[str, float] = {}

    def mark(step: str) -> None:
        marks[step] = round(time.monotonic() - started - sum(marks.values()), 1)
    old_value, old_period, unit = _figure(tmp / "build", FOLLOWED)
    assert old_period == "2022"                                  # the trimmed snapshot stops at 2022
    page.set_viewport_size(TALL)
    _make_gesprekskaart(page, server)
    mark("gesprekskaart")

    open_app(page, server, f"/wijkagenda?regio={BUURT}")
    page.get_by_role("button", name="Wijkagenda maken").dblclick()        # one agenda, not two
    page.get_by_text("De wijkagenda is gemaakt").or_(page.get_by_text("Er is al een wijkagenda")).first.wait_for(
        timeout=30_000)
    _idle(page)
    assert page.get_by_text("Welke agenda?").count() == 0                     # the choice shows only for several
    _record_conversation(page, pack_prompts(BUURT, build_dir=tmp / "build"))
    mark("gesprek")

    _tab(page, "Wijkagenda")
    _add_priority(page, "Samen meer bewegen", "Wandelgroep", "Ervaart gezondheid als goed (reeks", assets=True,
                  double=True)
    block = page.locator('[data-testid="stExpander"]').filter(has_text="Samen meer bewegen").first
    budget = block.locator('[data-testid="stForm"]').filter(has_text="Budgetregel toevoegen")
    budget.get_by_label("Waarvoor").fill("Wandelcoach een jaar")
    budget.get_by_label("Bedrag (€)").fill("2500")
    budget.get_by_role("button", name="Budgetregel toevoegen").dblclick()
    page.get_by_text("De budgetregel van € 2.500 is toegevoegd.").wait_for(timeout=30_000)
    assert _count_once_drawn(block.get_by_text("Wandelcoach een jaar")) == 1       # one line, not two
    _add_priority(page, "De huisarts blijft dichtbij", "De huisarts is dichtbij", "Afstand tot huisarts",
                  assets=False)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert text.index("Wat de buurt al heeft: " + ASSET) < text.index("Waarom")     # assets first
    assert f"{fmt_value(old_value, unit)} (2022, tabel 50150NED, indeling 2024)" in text
    screenshot(page, "wijkagenda_1_agenda")
    mark("agenda")

    _tab(page, "Volgen")
    page.get_by_text("Voor geen van de 2 gevolgde cijfers is er een nieuwer cijfer").wait_for(timeout=30_000)
    _tab(page, "Afdrukken en delen")
    page.get_by_role("button", name="Agenda afdrukken").click()
    pdf_button = page.get_by_role("button", name="Download agenda (PDF)")
    pdf_button.wait_for(timeout=90_000)
    with page.expect_download() as download:
        pdf_button.click()
    pdf_path = ARTIFACTS / "wijkagenda.pdf"
    download.value.save_as(pdf_path)
    pdf = _pdf_text(pdf_path)
    for expected in ("Samen meer bewegen", "De huisarts blijft dichtbij", ASSET, "€ 2.500", "Wijkbudget",
                     "Aangevraagd", "Wandelgroep op dinsdag", fmt_value(old_value, unit), "nog geen nieuwer",
                     "Bewegen en ontmoeten 14"):
        assert expected in pdf, expected
    pages = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True).stdout
    n_pages = int(pages.split("Pages:")[1].split()[0])
    assert 1 <= n_pages <= 3
    page.get_by_text(f"De PDF telt {n_pages} A4'tje").wait_for(timeout=30_000)   # the page says the real count
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf_path), str(ARTIFACTS / "wijkagenda_pdf")], check=True)

    mark("afdrukken")
    # A newer wave arrives: refresh 50150NED from the local replay server (the real cbsodata client).
    from tests.replay_server import ReplayServer
    time.sleep(1.5)                                  # the store's idle connection is closed by now
    user_before = _user_files(tmp / "user")
    with ReplayServer(SNAPSHOT_TABLES) as replay:
        done = subprocess.run([sys.executable, "-m", "pipelines", "refresh", "--catalog-url", replay.host, "--http",
                               "--table", WAVE_TABLE, "--no-progress", "--timeout", "60", "--retries", "0"],
                              cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _user_files(tmp / "user") == user_before              # the user store is byte-identical
    mark("verversen")
    new_value, new_period, _ = _figure(tmp / "build", FOLLOWED)
    assert new_period == "2024"

    page.reload()
    page.get_by_role("heading", name="Wijkagenda").first.wait_for(timeout=60_000)
    _idle(page)
    _tab(page, "Volgen")
    page.get_by_text("1 van de 2 gevolgde cijfers heeft een nieuwer cijfer").wait_for(timeout=30_000)
    moved = (f"van {fmt_value(old_value, unit)} (2022) naar {fmt_value(new_value, unit)} (2024)")
    assert page.get_by_text(moved).count() >= 1
    assert page.get_by_text("Afstand tot huisarts: nog geen nieuwer cijfer").count() >= 1
    screenshot(page, "wijkagenda_2_volgen_na_verversen")
    assert not page.locator('[data-testid="stException"]').count()
    assert_only_local(page)
    mark("volgen")
    print(f"wijkagenda browser flow: {time.monotonic() - started:.0f} s after the fixture's build; steps {marks}")
