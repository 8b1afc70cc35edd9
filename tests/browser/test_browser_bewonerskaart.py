"""The Bewonerskaart in a real browser: upload the template through the file input, see the items listed, see a
<script> name as plain text, and (once the profile shows them) find the items under 'Wat bewoners zelf noemen'.

The app runs with its own residents' store in a tmp folder (never data/user), so this module starts its own
server with the shared harness instead of the session `app_server`.
"""
from __future__ import annotations

import os
import re

import pytest
from browser_harness import assert_only_local, open_app, screenshot, start_app, stop_app, wait_until_idle

from dashboard.bewoners import TEMPLATE_CSV

BUURT = "BU0363ME01"        # Dapperbuurt-Noord, Amsterdam: the template's Repair Café is here
STORE_ENV = "BUURTBALANS_BEWONERSKAART_DB"
BAD_CSV = ("naam;categorie;buurtcode\n"
           "Speeltuin Dapperpark;plekken;BU0363ME01\n"
           "Koor;zingen;BU0363ME01\n").encode()


@pytest.fixture(scope="module")
def bewoners_app(build_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("user") / "bewonerskaart.duckdb"
    previous = os.environ.get(STORE_ENV)
    os.environ[STORE_ENV] = str(store)     # start_app passes os.environ on to the server
    try:
        server = start_app(build_dir, log_name="streamlit-bewonerskaart.log")
    finally:
        if previous is None:
            os.environ.pop(STORE_ENV, None)
        else:
            os.environ[STORE_ENV] = previous
    yield server
    stop_app(server.process)


@pytest.fixture()
def no_dialogs(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield page
    assert not dialogs, f"a script ran: {dialogs}"


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _upload(page, name: str, payload) -> None:
    _tab(page, "Bestand uploaden")
    files = payload if isinstance(payload, str) else {"name": name, "mimeType": "text/csv", "buffer": payload}
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)


LONG_WORD = "Buurtmoestuin" + "x" * 200 + " https://voorbeeld.nl/" + "pad/" * 40


def _assert_wraps(page) -> None:
    """A long word or link that residents typed wraps inside its item (it ran out of the box and off the page)."""
    item = page.locator(".bk-item").filter(has_text="Buurtmoestuinxxx").filter(visible=True).first
    item.wait_for()
    widths = item.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths


def test_upload_template_and_see_it_listed_and_in_the_profile(bewoners_app, no_dialogs):
    page = no_dialogs
    open_app(page, bewoners_app, f"/bewonerskaart?regio={BUURT}")
    page.get_by_role("heading", name="Bewonerskaart").wait_for()
    page.get_by_text("Er staat nog niets op de Bewonerskaart voor deze buurt").wait_for()
    screenshot(page, "bewonerskaart_1_leeg")

    _upload(page, "template.csv", str(TEMPLATE_CSV))
    save = page.get_by_role("button", name="3 items opslaan")
    save.wait_for(timeout=90_000)
    page.locator('[data-testid="stDataFrame"]').filter(visible=True).wait_for()
    page.wait_for_timeout(500)   # the table paints on a canvas after it is attached
    assert page.get_by_text("Geen persoonsgegevens").filter(visible=True).count() == 1
    screenshot(page, "bewonerskaart_2_upload_voorbeeld")
    save.click()
    page.get_by_text("3 items opgeslagen op de Bewonerskaart.").wait_for(timeout=60_000)

    _tab(page, "In deze buurt")
    page.get_by_text("Repair Café Dapperbuurt").wait_for()
    assert page.get_by_text("Verenigingen en initiatieven: 1").is_visible()
    assert page.get_by_text("Buurthuis De Boomgaard").count() == 0          # that one is in Utrecht
    screenshot(page, "bewonerskaart_3_lijst")

    _tab(page, "Toevoegen")
    page.get_by_label("Naam *").fill("<script>alert('x')</script> Buurthuis")
    page.get_by_label("Categorie *").click()
    page.get_by_role("option", name="Fysieke plekken").click()
    page.get_by_label("Omschrijving (als u wilt)").fill(LONG_WORD)
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Opgeslagen op de Bewonerskaart.", exact=True).wait_for(timeout=60_000)
    _tab(page, "In deze buurt")
    page.get_by_text("<script>alert('x')</script> Buurthuis").wait_for()    # shown as text, not run
    _assert_wraps(page)
    screenshot(page, "bewonerskaart_4_script_als_tekst")

    # the profile shows what residents named (dashboard/profile/sections.py -> bewoners.render_asset_summary)
    open_app(page, bewoners_app, f"/?regio={BUURT}")
    title = page.get_by_role("heading", name="Wat bewoners zelf noemen")
    title.wait_for(timeout=120_000)
    item = page.get_by_text("Repair Café Dapperbuurt")
    item.wait_for(timeout=60_000)
    title.scroll_into_view_if_needed()
    assert page.get_by_text("Verenigingen en initiatieven: 1").is_visible()
    assert page.get_by_text("<script>alert('x')</script> Buurthuis").is_visible()
    _assert_wraps(page)
    screenshot(page, "bewonerskaart_5_profiel")
    assert_only_local(page)


def test_bad_upload_shows_row_messages(bewoners_app, no_dialogs):
    page = no_dialogs
    open_app(page, bewoners_app, f"/bewonerskaart?regio={BUURT}")
    _upload(page, "bewoners.csv", BAD_CSV)
    page.get_by_text(re.compile(r"rij 3: categorie 'zingen' bestaat niet")).wait_for(timeout=90_000)
    assert page.get_by_text("1 rij met een fout. Die wordt niet opgeslagen; de rest wel.").is_visible()
    page.locator('[data-testid="stDataFrame"]').filter(visible=True).wait_for()
    page.wait_for_timeout(500)
    assert page.get_by_role("button", name="1 item opslaan").is_visible()
    screenshot(page, "bewonerskaart_6_rijfouten")
    wait_until_idle(page)
    assert_only_local(page)


def _sized_csv(mb: float) -> bytes:
    return b"naam;categorie;buurtcode\n" + b"x;plekken;BU0363ME01\n" * int(mb * 1024 * 1024 / 21)


def test_refusals_are_dutch_and_a_message_names_the_file_it_is_about(bewoners_app, no_dialogs):
    """An Excel file is refused by the server in Dutch (the widget has no type filter that would say "… files are not
    allowed"); a file over Streamlit's own limit (6 MB) is refused by the browser in English and leaves the held file
    in the uploader, so our message names that file, not the new one; a 5,5 MB file gets our Dutch size message."""
    import io
    import zipfile
    page = no_dialogs
    open_app(page, bewoners_app, f"/bewonerskaart?regio={BUURT}")
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    _tab(page, "Bestand uploaden")
    dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    dropzone.set_input_files({"name": "kaart.xlsx", "buffer": xlsx.getvalue(),
                              "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    excel = page.get_by_text("‘kaart.xlsx’ kan niet worden ingelezen:")
    excel.wait_for(timeout=90_000)
    assert page.get_by_text(re.compile(r"Hier kan alleen een CSV-bestand \(\.csv\) of een GeoJSON-bestand")).is_visible()
    assert page.get_by_text(re.compile("files are not allowed")).count() == 0

    dropzone.set_input_files({"name": "groot.csv", "mimeType": "text/csv", "buffer": _sized_csv(6.5)})
    page.get_by_text(re.compile(r"File must be 6\.0MB or smaller")).wait_for(timeout=60_000)
    wait_until_idle(page)
    # the browser kept kaart.xlsx in the uploader: the message there is still about it, by name, never about groot.csv
    assert excel.is_visible() and page.get_by_text(re.compile("‘groot.csv’")).count() == 0
    screenshot(page, "bewonerskaart_7_te_groot_engels")

    dropzone.set_input_files({"name": "middel.csv", "mimeType": "text/csv", "buffer": _sized_csv(5.5)})
    page.get_by_text("‘middel.csv’ kan niet worden ingelezen:").wait_for(timeout=90_000)
    assert page.get_by_text(re.compile("het is groter dan 5 MB")).is_visible()
    wait_until_idle(page)
    assert page.get_by_text(re.compile("‘kaart.xlsx’")).count() == 0    # its file left the uploader, so did its message
    screenshot(page, "bewonerskaart_8_te_groot_nederlands")
    assert_only_local(page)
