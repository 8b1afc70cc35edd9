"""What a person types into the Wijkagenda's forms, as a real browser sends it (the AppTests set values, so they
cannot see what a browser's own widgets do to typed text).

The app runs on the session release with its own user store in a tmp folder (never data/user), so this module
starts its own server with the shared harness, as the Bewonerskaart's module does.
"""
from __future__ import annotations

import re
import time

import pytest
from browser_harness import assert_only_local, open_app, screenshot, start_app, stop_app, wait_until_idle

from dashboard.wijkagenda.store import AgendaStore

WIJK = "WK170907"            # Wijk 07 Fijnaart, Moerdijk
STORE_ENVS = ("BUURTBALANS_USER_DB", "BUURTBALANS_BEWONERSKAART_DB")


@pytest.fixture(scope="module")
def agenda_input_app(build_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("user") / "bewonerskaart.duckdb"
    server = start_app(build_dir, log_name="streamlit-wijkagenda-input.log", env=dict.fromkeys(STORE_ENVS, str(store)))
    yield server, store
    stop_app(server.process)


def _idle(page) -> None:
    time.sleep(0.3)
    wait_until_idle(page)


def _budget(store) -> list[float]:
    agendas = AgendaStore(store).agendas()
    doc, _ = AgendaStore(store).agenda(agendas[0]["id"])
    return [line["amount"] for p in doc["priorities"] for line in p["budget"]]


def test_numbers_typed_the_dutch_way_are_stored_as_meant(agenda_input_app, page):
    """'Bedrag (€)' was the browser's number box: '1234,56' typed in Chromium (nl-NL) was stored as € 123.456, and
    '1.234,56' as € 1,23. What was read is said back in the message."""
    server, store = agenda_input_app
    open_app(page, server, f"/wijkagenda?regio={WIJK}", timeout=180_000)
    page.get_by_role("button", name="Wijkagenda maken").click()
    page.get_by_text("De wijkagenda is gemaakt").wait_for(timeout=30_000)
    # 'Aantal deelnemers' was a number box too: '1.200' was stored as 1 (and '12,5' became 125)
    form = page.locator('[data-testid="stForm"]').filter(has_text="Gesprek opslaan").first
    form.get_by_label("Georganiseerd door (organisatie)").fill("Opbouwwerk Fijnaart")
    form.get_by_label("Aantal deelnemers", exact=True).press_sequentially("1.200")
    form.get_by_label("Dit klopt").first.fill("Het dorpshuis is de huiskamer van Fijnaart.")
    form.get_by_role("button", name="Gesprek opslaan").click()
    page.get_by_text("is opgeslagen: 1 notitie").wait_for(timeout=30_000)
    assert [c["participants"] for c, _ in AgendaStore(store).conversations()] == [1200]
    page.get_by_role("tab", name="Wijkagenda").click()
    _idle(page)
    page.get_by_label("Titel in de woorden van bewoners").last.fill("Samen meer bewegen")
    page.get_by_role("button", name="Prioriteit toevoegen").click()
    page.get_by_text("De prioriteit is toegevoegd").wait_for(timeout=30_000)
    _idle(page)
    said = []
    for n, typed in enumerate(("1234,56", "1.250")):
        form = page.locator('[data-testid="stForm"]').filter(has_text="Budgetregel toevoegen").first
        form.get_by_label("Waarvoor").fill(f"Regel {n + 1}")
        form.get_by_label("Bedrag (€)").press_sequentially(typed)     # typed key by key, as a person does
        form.get_by_role("button", name="Budgetregel toevoegen").click()
        page.get_by_text(re.compile(rf"^Regel {n + 1} · ")).wait_for(timeout=30_000)   # the line is listed
        _idle(page)
        said.append(page.get_by_text(re.compile(r"^De budgetregel.* is toegevoegd\.$")).inner_text())
    assert _budget(store) == [1234.56, 1250.0]
    assert said == ["De budgetregel van € 1.234,56 is toegevoegd.", "De budgetregel van € 1.250 is toegevoegd."]
    assert page.get_by_text("Budget (totaal € 2.484,56):").is_visible()
    screenshot(page, "wijkagenda_input_budget")
    assert_only_local(page)
