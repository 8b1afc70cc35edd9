"""Gesprekskaart as PDF: printed by headless Chromium, at most two A4 pages, looked at as PNG.

The PDF and PNG files stay in test-artifacts/ to look at by eye.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from dashboard.gesprekskaart import PdfUnavailable, find_chromium, html_to_pdf, make_pack, pack_pdf, page_count

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium ontbreekt (apt-get install -y chromium)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="pdftoppm ontbreekt (apt-get install -y poppler-utils)")

# Every optional section filled: the longest pack a region can get.
FULL = dict(
    deviance={"indicator_label": "ervaren gezondheid", "verdict": "beter dan verwacht", "observed": 81.2,
              "expected": 76.0, "unit": "%"},
    peers=["BU0363AB11", "BU0363AC04", "BU0363AD01", "BU0363AE02", "BU0363AF01"],
    resident_assets=[{"name": f"Buurtkamer {i} <script>", "category": "plekken",
                      "description": "Koffie op dinsdag en donderdag. Iedereen is welkom, ook voor hulp bij "
                                     "formulieren of een praatje."} for i in range(9)],
)


@needs_chromium
@needs_poppler
@pytest.mark.parametrize("code, optional", [("BU0363AA06", FULL), ("WK0363AA", FULL), ("GM0363", FULL),
                                            ("BU03440244", {}), ("BU02630006", FULL)])
def test_pack_prints_to_one_or_two_a4_pages(build_dir, code, optional):
    # BU02630006 with every optional section only fits in the densest layout: pack_pdf must get there.
    pack, pdf = pack_pdf(code, build_dir=build_dir, today=date(2026, 3, 5), **optional)
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / f"gesprekskaart-{code}{'-vol' if optional else ''}"
    stem.with_suffix(".pdf").write_bytes(pdf)
    stem.with_suffix(".html").write_text(pack.html, encoding="utf-8")
    assert pdf.startswith(b"%PDF")
    assert 1 <= page_count(pdf) <= 2
    for old in ARTIFACTS.glob(f"{stem.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(stem.with_suffix(".pdf")), str(stem)], check=True, timeout=60)
    pages = sorted(ARTIFACTS.glob(f"{stem.name}-*.png"))
    assert pages and pages[0].stat().st_size > 10_000


@needs_chromium
def test_pdf_is_a4(build_dir):
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("pdfinfo ontbreekt (apt-get install -y poppler-utils)")
    pdf = html_to_pdf(make_pack("WK0363AA", build_dir=build_dir).html)
    info = subprocess.run([pdfinfo, "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert re.search(r"Page size:\s+59[45][.0-9]* x 84[12][.0-9]* pts \(A4\)", info)


@needs_chromium
def test_plain_buurt_wijk_and_gemeente_fit_without_densifying(build_dir):
    for code in ("BU0363AA06", "WK0363AA", "GM0363"):
        assert page_count(html_to_pdf(make_pack(code, build_dir=build_dir).html)) <= 2


def test_missing_chromium_gives_a_dutch_reason():
    with pytest.raises(PdfUnavailable, match="HTML"):
        html_to_pdf("<p>hallo</p>", chromium="/nonexistent/chromium")


# A resident's asset named by its web address and an organisation with a long compound name: valid input
# (dashboard.bewoners.validation allows 200 characters, the wijkagenda 120 for an organisation).
LONG_NAME = "https://www.buurtinitiatief-voorbeeld.nl/activiteiten/moestuin-koffieochtend-en-repaircafe-op-dinsdag"
LONG_ORG = "Buurtcoöperatieledenvergaderingvoorbereidingscommissiewerkgroepondersteuningsteam" * 1


def _page_width_overflow(html: str) -> int:
    """How many CSS pixels the printed document is wider than the A4 text width (180 mm) in Chromium. In a thread
    of its own: Playwright's sync API refuses to run where an earlier test of this worker left an asyncio loop
    running, which depends on the order xdist gives the tests."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_measure_overflow, html).result(timeout=300)


def _measure_overflow(html: str) -> int:
    from playwright.sync_api import sync_playwright
    width = round(180 / 25.4 * 96)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})
            page.emulate_media(media="print")
            page.set_content(html, wait_until="load")
            return int(page.evaluate("document.documentElement.scrollWidth")) - width
        finally:
            browser.close()


@needs_chromium
def test_a_long_word_or_link_wraps_instead_of_shrinking_the_printed_page(build_dir):
    """Chromium shrinks a whole printed page to fit its widest line, so one long link or compound word in what
    users typed made every letter of a gesprekskaart or wijkagenda tiny. The gesprekskaart of Schiermonnikoog
    with such a resident asset, and a wijkagenda of it with such an organisation, fit the A4 text width."""
    from dashboard.wijkagenda import data, model, render_html
    pack = make_pack("GM0088", build_dir=build_dir, today=date(2026, 12, 1),
                     resident_assets=[{"name": LONG_NAME, "category": "plekken", "description": LONG_ORG}])
    assert LONG_NAME in pack.html
    assert _page_width_overflow(pack.html) <= 0
    day = date(2026, 12, 1)
    agenda = model.agenda({
        "id": "ag1", "title": "Samen verder", "region": "GM0088", "region_name": "Schiermonnikoog",
        "created": day.isoformat(), "conversations": [],
        "priorities": [{"id": "p1", "title": LONG_ORG, "organisations": [LONG_ORG],
                        "assets": [{"id": "a1", "name": LONG_NAME, "category": "plekken"}],
                        "indicators": [data.freeze("GM0088", "afstand_huisarts", day, build_dir)]}]})
    printed = render_html.render_agenda(agenda, [], {}, today=day)
    assert LONG_ORG in printed.html
    assert _page_width_overflow(printed.html) <= 0


@needs_chromium
@needs_poppler
def test_the_profile_link_under_the_qr_code_breaks_at_its_query(build_dir):
    """The printed link broke inside a word ('http://127.0.0.1:8615/?regi' / 'o=BU09940008', Euverem): it breaks
    at the query now, and anywhere else only when a part is wider than the box."""
    pack, pdf = pack_pdf("BU09940008", build_dir=build_dir, base_url="http://127.0.0.1:8615", today=date(2026, 12, 2))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    lines = [line.strip() for line in text.decode().splitlines()]
    start = lines.index("Scan voor het hele profiel:")
    assert lines[start + 1:start + 3] in (["http://127.0.0.1:8615/?", "regio=BU09940008"],
                                          ["http://127.0.0.1:8615/", "?regio=BU09940008"]), lines[start:]

