"""The profile page ('Buurt in beeld') in a real browser: Kracht beside Zorgen with real values, and search."""
from __future__ import annotations

import re

from browser_harness import assert_only_local, open_app, screenshot, wait_until_idle

COLUMN = '[data-testid="stColumn"]'


def _lens_column(page, title: str):
    return page.locator(COLUMN).filter(has=page.get_by_text(title, exact=True)).first


def test_amsterdam_profile_shows_kracht_and_zorgen(app_server, page):
    page.set_viewport_size({"width": 1400, "height": 2400})
    open_app(page, app_server, "/?regio=GM0363")
    page.get_by_role("heading", name="Amsterdam").first.wait_for(timeout=60_000)
    kracht, zorgen = _lens_column(page, "Kracht"), _lens_column(page, "Zorgen")
    kracht.wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot(page, "profiel_amsterdam")
    kracht_text, zorgen_text = kracht.inner_text(), zorgen.inner_text()
    # vrijwilligerswerk in Amsterdam, RIVM 2020 estimate for adults: 17,0%
    assert re.search(r"Doet vrijwilligerswerk\s+geschat\s+17,0%", kracht_text), kracht_text[:300]
    assert re.search(r"\d+,\d%", zorgen_text) and "Heeft moeite met rondkomen" in zorgen_text, zorgen_text[:300]
    assert kracht.bounding_box()["x"] < zorgen.bounding_box()["x"]          # Kracht first, side by side
    assert_only_local(page)


def test_search_box_opens_a_buurt(app_server, page):
    open_app(page, app_server, "/?regio=GM0363")
    search = page.get_by_role("textbox", name="Zoek een gemeente, wijk of buurt")
    search.fill("Planciusbuurt")
    search.press("Enter")
    hit = page.get_by_role("button", name=re.compile("Planciusbuurt-Noord"))
    hit.first.click(timeout=60_000)
    page.wait_for_url(re.compile(r"regio=BU0363AA01"), timeout=60_000)
    page.get_by_role("heading", name=re.compile("Planciusbuurt-Noord")).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot(page, "profiel_planciusbuurt_via_search")
    assert_only_local(page)
