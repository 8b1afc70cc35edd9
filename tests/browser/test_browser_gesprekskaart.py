"""The integrated profile in a real browser: upload the template on the Bewonerskaart, open the buurt's profile,
see what residents name beside the figures, make the gesprekskaart and download its HTML and PDF, and see the
residents' points on the Kaart. Every request must stay on 127.0.0.1.

Screenshots and the PDF rendered to PNG land in test-artifacts/ (gesprekskaart_*.png) to look at.
The app runs with its own residents' store in a tmp folder, so this module starts its own server.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from browser_harness import (ARTIFACTS, assert_only_local, open_app, screenshot, start_app, stop_app, wait_for_map,
                             wait_until_idle)

from dashboard.bewoners import TEMPLATE_CSV

BUURT = "BU03440121"                 # Lombok-Oost, Utrecht: the template's Buurthuis De Boomgaard is here
ASSET = "Buurthuis De Boomgaard"
STORE_ENV = "BUURTBALANS_BEWONERSKAART_DB"
TALL = {"width": 1400, "height": 8200}   # Streamlit scrolls an inner container: a tall viewport shows it all


@pytest.fixture(scope="module")
def pack_app(build_dir, tmp_path_factory):
    store = tmp_path_factory.mktemp("user") / "bewonerskaart.duckdb"
    previous = os.environ.get(STORE_ENV)
    os.environ[STORE_ENV] = str(store)     # start_app passes os.environ on to the server
    try:
        server = start_app(build_dir, log_name="streamlit-gesprekskaart.log")
    finally:
        if previous is None:
            os.environ.pop(STORE_ENV, None)
        else:
            os.environ[STORE_ENV] = previous
    yield server
    stop_app(server.process)


def _upload_template(page, server) -> None:
    open_app(page, server, f"/bewonerskaart?regio={BUURT}")
    page.get_by_role("tab", name="Bestand uploaden").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(TEMPLATE_CSV))
    page.get_by_role("button", name="3 items opslaan").click(timeout=90_000)
    page.get_by_text("3 items opgeslagen op de Bewonerskaart.").wait_for(timeout=60_000)


def _kracht_column(page):
    return page.locator('[data-testid="stColumn"]').filter(has=page.get_by_text("Kracht", exact=True)).first


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_profile_pack_html_and_pdf(pack_app, page):
    _upload_template(page, pack_app)

    page.set_viewport_size(TALL)
    open_app(page, pack_app, f"/?regio={BUURT}", plots=1, timeout=180_000)  # the quadrant; trend charts draw only when opened
    page.get_by_role("heading", name="Lombok-Oost").first.wait_for(timeout=60_000)
    kracht = _kracht_column(page)
    kracht.get_by_text("Wat bewoners zelf noemen").wait_for(timeout=60_000)
    assert kracht.get_by_text(ASSET).is_visible()
    for heading in ("Beter of slechter dan verwacht?", "Vergeleken met vergelijkbare buurten",
                    "Ontwikkeling door de tijd", "Kracht en zorgen samen", "Bronnen"):
        assert page.get_by_role("heading", name=heading).first.is_visible(), heading
    wait_until_idle(page)
    screenshot(page, "gesprekskaart_1_profiel_lombok_oost")
    volunteering = re.search(r"Doet vrijwilligerswerk\s+geschat\s+(\d+,\d%)", kracht.inner_text()).group(1)

    page.get_by_role("button", name="Gesprekskaart maken").click()
    html_button = page.get_by_role("button", name="Download gesprekskaart (HTML)")
    html_button.wait_for(timeout=120_000)
    pdf_button = page.get_by_role("button", name="Download gesprekskaart (PDF)")
    screenshot(page.locator('[data-testid="stMain"]').first, "gesprekskaart_2_knoppen")

    with page.expect_download() as got:
        html_button.click()
    html_path = ARTIFACTS / "gesprekskaart-lombok-oost-bu03440121.html"
    got.value.save_as(html_path)
    html = html_path.read_text(encoding="utf-8")
    assert got.value.suggested_filename == "gesprekskaart-lombok-oost-bu03440121.html"
    assert "Lombok-Oost" in html and ASSET in html and "RIVM, CBS · 50090NED" in html
    assert f"Ongeveer {volunteering} (geschat) van de volwassenen doet vrijwilligerswerk." in html
    assert "Wie doet nog niet mee, en waarom?" in html
    assert not re.search(r"""(src|href)=["']https?://(?!127\.0\.0\.1)""", html.split("Scan voor")[0])  # self-contained

    with page.expect_download() as got:
        pdf_button.click()
    pdf_path = ARTIFACTS / "gesprekskaart-lombok-oost-bu03440121.pdf"
    got.value.save_as(pdf_path)
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    text = re.sub(r"\s+", " ", _pdf_text(pdf_path))
    assert "Lombok-Oost" in text and ASSET in text and volunteering in text and "RIVM, CBS" in text
    assert "Wie doet nog niet mee, en waarom?" in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf_path), str(ARTIFACTS / "gesprekskaart_pdf")],
                       check=True)
        assert (ARTIFACTS / "gesprekskaart_pdf-1.png").exists()
    assert_only_local(page)


def test_gemeente_profile_full_height(pack_app, page):
    page.set_viewport_size(TALL)
    open_app(page, pack_app, "/?regio=GM0344", plots=1, timeout=180_000)  # the quadrant; trend charts draw only when opened
    page.get_by_role("heading", name="Utrecht").first.wait_for(timeout=60_000)
    assert page.get_by_text("rekenen we alleen voor buurten uit").first.is_visible()
    wait_until_idle(page)
    screenshot(page, "gesprekskaart_3_profiel_utrecht")
    assert_only_local(page)


def test_kaart_shows_residents_points_offline(pack_app, page):
    # the template (uploaded by the first test, or here when run alone) has one item in Utrecht
    open_app(page, pack_app, "/kaart?indicator=vrijwilligerswerk&gebied=GM0344&schaal=buurt", plots=1)
    if page.get_by_text("Oranje stippen = ").count() == 0:
        _upload_template(page, pack_app)
        open_app(page, pack_app, "/kaart?indicator=vrijwilligerswerk&gebied=GM0344&schaal=buurt", plots=1)
    wait_for_map(page)
    page.get_by_text(re.compile(r"Oranje stippen = .*\(1 in dit gebied\)")).first.wait_for()
    legend = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
    assert "Door bewoners genoemd: 1" in legend
    circles = page.evaluate("""() => {
        const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
        const layers = map.getStyle().layers.filter(l => l.type === 'circle').map(l => l.id);
        return map.queryRenderedFeatures({layers}).length;
    }""")
    assert circles == 2                                  # the point and its dark halo
    # hover the point (projected by MapLibre itself): name, category and 'locatie bij benadering'
    box = page.locator(".js-plotly-plot").bounding_box()
    x, y = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const trace = gd._fullData.find(t => t.type === 'scattermap' && t.customdata);
        const p = gd._fullLayout.map._subplot.map.project([trace.lon[0], trace.lat[0]]);
        return [p.x, p.y];
    }""")
    page.mouse.move(box["x"] + x, box["y"] + y)
    hover = page.locator(".hoverlayer .hovertext").first
    hover.wait_for(timeout=15_000)
    assert ASSET in hover.text_content() and "Fysieke plekken" in hover.text_content()
    assert "locatie bij benadering" in hover.text_content()
    screenshot(page, "gesprekskaart_4_kaart_utrecht_bewoners")
    assert_only_local(page)
