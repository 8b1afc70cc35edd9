"""The Kaart page in a real browser: polygons are painted with no outside request, and a click opens a profile."""
from __future__ import annotations

import re

from browser_harness import assert_only_local, open_app, pixel_stats, screenshot, wait_for_map, wait_until_idle

PLOT = ".js-plotly-plot"


def _legend(page) -> str:
    return " ".join(page.locator(f"{PLOT} .legendtext").all_text_contents())


def test_amsterdam_buurten_drawn_as_other_division(app_server, page):
    # RIVM 2020 uses the old Amsterdam buurt codes: every buurt is 'andere buurtindeling', never an empty map
    open_app(page, app_server, "/kaart?indicator=vrijwilligerswerk&gebied=GM0363&schaal=buurt", plots=1)
    wait_for_map(page)
    stats = pixel_stats(screenshot(page.locator(PLOT), "kaart_amsterdam_buurten_vrijwilligerswerk"))
    screenshot(page, "kaart_amsterdam_buurten_vrijwilligerswerk_page")
    assert stats["non_white"] > 0.08 and stats["std"] > 15, stats       # grey shapes and hatch lines drawn
    assert re.search(r"Andere buurtindeling: \d{3}", _legend(page))
    assert page.get_by_text("Geen cijfers voor ‘Doet vrijwilligerswerk’").first.is_visible()
    assert page.get_by_text("benadering").first.is_visible()
    assert_only_local(page)


def test_utrecht_buurten_coloured_by_value(app_server, page):
    open_app(page, app_server, "/kaart?indicator=vrijwilligerswerk&gebied=GM0344&schaal=buurt", plots=1)
    wait_for_map(page)
    stats = pixel_stats(screenshot(page.locator(PLOT), "kaart_utrecht_buurten_vrijwilligerswerk"))
    assert stats["coloured"] > 0.15, stats                                   # viridis colours, not just grey
    legend = _legend(page)
    assert re.search(r"Met cijfer: \d+", legend) and "Geen cijfer" in legend
    assert "donkerder = gunstiger" in page.locator(f"{PLOT} .cbtitle").text_content()
    assert_only_local(page)


def test_all_nl_buurten_paint(app_server, page):
    # Timing is benchmarks/bench_map.py's job; on a loaded CI machine software WebGL is slow, hence the margin.
    open_app(page, app_server, "/kaart?indicator=ervaren_gezondheid_goed&gebied=NL&schaal=buurt", plots=1,
             timeout=180_000)
    wait_for_map(page, timeout=180_000)
    stats = pixel_stats(screenshot(page.locator(PLOT), "kaart_nl_buurten_ervaren_gezondheid"))
    assert stats["coloured"] > 0.1, stats
    assert re.search(r"Met cijfer: 1\d\.\d{3}", _legend(page))               # > 10.000 buurten with a value
    assert_only_local(page)


def test_click_on_buurt_opens_profile(app_server, page):
    open_app(page, app_server, "/kaart?indicator=afstand_huisarts&gebied=GM0344&schaal=buurt", plots=1)
    wait_for_map(page)
    box = page.locator(PLOT).bounding_box()
    # pixel of the first polygon of the first trace, projected by MapLibre itself
    x, y = page.evaluate("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const ring = window.PlotlyGeoAssets[gd.data[0].geojson].features[0].geometry.coordinates;  // a data: URL
        const pts = (typeof ring[0][0][0] === 'number') ? ring[0] : ring[0][0];
        const lon = pts.reduce((s, p) => s + p[0], 0) / pts.length, lat = pts.reduce((s, p) => s + p[1], 0) / pts.length;
        const px = map.project([lon, lat]);
        const canvas = map.getCanvas().getBoundingClientRect(), plot = gd.getBoundingClientRect();
        return [px.x + canvas.left - plot.left, px.y + canvas.top - plot.top];
    }""")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"regio=BU0344"), timeout=60_000)
    page.get_by_text("Kracht", exact=True).first.wait_for(timeout=60_000)   # the profile is drawn
    wait_until_idle(page)
    screenshot(page, "kaart_click_opens_profile")
    assert "/kaart" not in page.url
    assert_only_local(page)


def test_choose_from_list_opens_profile_and_url_follows_widgets(app_server, page):
    open_app(page, app_server, "/kaart?indicator=afstand_huisarts&gebied=GM0344&schaal=buurt", plots=1)
    page.get_by_role("radio", name="Wijken").click()
    page.wait_for_url(re.compile(r"schaal=wijk"), timeout=60_000)
    wait_until_idle(page, plots=1)
    assert "Andere wijkindeling" not in _legend(page)
    picker = page.get_by_label("Open het profiel van een van deze wijken")
    picker.click()
    page.keyboard.type("Binnenstad")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"regio=WK0344"), timeout=60_000)
    page.get_by_role("heading", name=re.compile("Binnenstad")).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot(page, "kaart_list_opens_profile")
    assert_only_local(page)


def test_rounded_zeros_have_their_own_dotted_class(app_server, page):
    """De Friese Meren, bijstand per wijk: wijken whose count CBS rounded to 0 (0 tot 4) are their own class in
    the legend, dotted pink on the map, counted in the sentence under it, and the page stays axe clean."""
    from browser_harness import assert_accessible
    open_app(page, app_server, "/kaart?indicator=bijstand_per_1000&gebied=GM1940&schaal=wijk", plots=1)
    wait_for_map(page)
    png = screenshot(page.locator(PLOT), "kaart_friese_meren_wijken_bijstand_afgerond_0")
    screenshot(page, "kaart_friese_meren_wijken_bijstand_afgerond_0_page")
    legend = _legend(page)
    found = re.search(r"Afgerond 0 \(0 tot 4\): (\d+)", legend)
    assert found and int(found.group(1)) >= 10, legend
    assert page.get_by_text(f"{found.group(1)} met een afgerond 0 (0 tot 4").first.is_visible()
    assert page.get_by_text("Roze met stippen = afgerond 0").first.is_visible()
    import numpy as np
    from PIL import Image
    pink = int((np.asarray(Image.open(png).convert("RGB")) == (0xf3, 0xcf, 0xe0)).all(axis=2).sum())
    assert pink > 500, pink                                  # the class is painted on the map, not only listed
    assert_accessible(page, "kaart_afgerond_0")
    assert_only_local(page)


def test_the_level_buttons_are_whole_on_a_laptop_screen(app_server, page):
    """'Niveau' (Gemeenten | Wijken | Buurten) sat in a third column too narrow for it: its buttons overflowed to the
    left, so the first read 'emeenten' at 1300 px and was hidden under 'Waar?' at 1024 px. Each button must lie
    inside its group and the page at the common widths."""
    for width in (1024, 1300):
        page.set_viewport_size({"width": width, "height": 900})
        open_app(page, app_server, "/kaart?indicator=afstand_huisarts&gebied=GM0093&schaal=buurt", plots=1)
        boxes = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stButtonGroup"]')].map(g => {
            const r = g.getBoundingClientRect();
            return {group: [r.left, r.right], buttons: [...g.querySelectorAll('button')].map(b => {
                const q = b.getBoundingClientRect(); return [q.left, q.right, b.innerText.trim()]; })}; })""")
        assert boxes, "no segmented control on the page"
        for box in boxes:
            texts = [t for _, _, t in box["buttons"]]
            assert texts == ["Gemeenten", "Wijken", "Buurten"], texts
            for left, right, text in box["buttons"]:
                assert box["group"][0] - 1 <= left and right <= box["group"][1] + 1 and right <= width, (width, text, box)


def test_the_toggle_labels_are_whole_on_a_phone(app_server, page):
    """At 390 px the toggle 'Kleuren vergelijken binnen deze gemeente (anders: met heel Nederland)' was cut to
    '… (anders: …' (a toggle in a horizontal container keeps one line). Every label of the page's toggles must
    show all its text."""
    page.set_viewport_size({"width": 390, "height": 1200})
    open_app(page, app_server, "/kaart?indicator=vrijwilligerswerk&gebied=GM0503&schaal=buurt", plots=1)
    labels = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stCheckbox"]')].map(t => {
        const m = t.querySelector('[data-testid="stMarkdownContainer"]');
        return [m.innerText, m.scrollWidth, m.clientWidth]; })""")
    assert any(text.startswith("Kleuren vergelijken") for text, _, _ in labels), labels
    for text, scroll, client in labels:
        assert scroll <= client + 1, (text, scroll, client)
