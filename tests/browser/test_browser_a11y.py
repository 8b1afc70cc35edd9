"""WCAG 2.1 AA in a real browser (issue #12): axe-core on every page and main state, the main flow by keyboard
alone, a focus ring that is always visible, text alternatives for the map, and an accessible gesprekskaart.

axe reports land in test-artifacts/axe-<name>.txt, screenshots in test-artifacts/a11y_*.png.
"""
from __future__ import annotations

import re

import pytest
from browser_harness import (ARTIFACTS, assert_accessible, assert_only_local, open_app, screenshot, wait_until_idle,
                             wait_until_settled)

PAGES = {
    "start": "/",
    "profiel_gemeente": "/?regio=GM0363",
    "profiel_buurt": "/?regio=BU0363AA01",
    "kaart_gemeenten_opkomst": "/kaart?indicator=opkomst_ps&schaal=gemeente&gebied=NL",
    "kaart_buurten_utrecht": "/kaart?indicator=vrijwilligerswerk&schaal=buurt&gebied=GM0344",
    "vergelijken": "/vergelijken?regio=GM0363&vergelijk=GM0363,GM0344",
    "verbanden": "/verbanden",
    "bewonerskaart": "/bewonerskaart?regio=BU0363AA01",
    "over_de_data": "/over-de-data",
    "wijkagenda": "/wijkagenda?regio=BU0363AA01",
}
BAD_UPLOAD = ("naam;categorie;buurtcode;lon;lat;omschrijving;website;datum\n"
              ";plekken;BU0363AA01;;;Geen naam;;2024-03-01\n"
              "Bel Piet 06-12345678;onbekend;BU9999ZZ99;200;95;x;javascript:alert(1);gisteren\n")


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_or_critical_axe_violation(app_server, page, name):
    page.set_viewport_size({"width": 1400, "height": 2000})
    open_app(page, app_server, PAGES[name])
    wait_until_settled(page)   # late paints (charts, the search box, the gesprekskaart button): until it stops changing
    wait_until_idle(page)
    screenshot(page, f"a11y_{name}")
    assert_accessible(page, name)
    assert_only_local(page)
    # moderate, but a screen reader's outline: headings go down one level at a time (h1, h2, h3 ...)
    report = (ARTIFACTS / f"axe-{name}.txt").read_text(encoding="utf-8")
    assert "heading-order" not in report, report


# On a phone (390 px) a table or code line wider than the page scrolls in its own box; Tab must reach that box
# (axe 'scrollable-region-focusable', serious): the map's table (st.table's box took no focus) and the cbsodata
# recipe on 'Over de data' (a long line in st.code) failed here, and passed at 1400 px.
MOBILE_PAGES = {
    "mobiel_kaart_buurten_delft": "/kaart?indicator=vrijwilligerswerk&schaal=buurt&gebied=GM0503",
    "mobiel_over_de_data": "/over-de-data",
}


@pytest.mark.parametrize("name", list(MOBILE_PAGES))
def test_page_at_phone_width_has_no_serious_or_critical_axe_violation(app_server, page, name):
    page.set_viewport_size({"width": 390, "height": 2000})
    open_app(page, app_server, MOBILE_PAGES[name])
    for summary in page.locator('[data-testid="stExpander"] summary').all():   # the map's table is in one
        summary.click()
    wait_until_settled(page)
    wait_until_idle(page)
    screenshot(page, f"a11y_{name}")
    assert_accessible(page, name)


def test_compare_charts_keep_their_labels_whole_on_a_phone(app_server, page):
    """Vergelijken at 390 px: 'Getelde stemmen als deel van de kiesgerechtigden, Provinciale Staten 2023/2019' was one
    line wider than half the chart, cut at the left edge ('de kiesgerechtigden, ...'), the dots had a strip of ~60
    px and the axis title ran off the right edge. Every tick label and the axis title lie inside the chart, and no
    two row labels overlap."""
    page.set_viewport_size({"width": 390, "height": 2000})
    open_app(page, app_server, "/vergelijken?vergelijk=BU05032204,GM0503,WK192406", plots=2)
    wait_until_settled(page)
    charts = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
        const box = gd.getBoundingClientRect();
        const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
        return {box: [box.left, box.right], ticks: [...gd.querySelectorAll('.ytick text')].map(rect),
                title: [...gd.querySelectorAll('.xtitle')].map(rect),
                plot: rect(gd.querySelector('.nsewdrag') || gd)}; })""")
    assert len(charts) == 2, charts
    for chart in charts:
        left, right = chart["box"]
        for l, r, _, _ in chart["ticks"] + chart["title"]:
            assert left - 1 <= l and r <= right + 1, (chart["box"], l, r)
        rows = sorted(chart["ticks"], key=lambda t: t[2])
        for upper, lower in zip(rows, rows[1:]):
            assert upper[3] <= lower[2] + 1, (upper, lower)                    # no two labels overlap
        assert chart["plot"][1] - chart["plot"][0] >= 120, chart["plot"]       # room for the dots


def test_upload_with_errors_is_accessible(app_server, page, tmp_path):
    bad = tmp_path / "fouten.csv"
    bad.write_text(BAD_UPLOAD, encoding="utf-8")
    open_app(page, app_server, "/bewonerskaart?regio=BU0363AA01")
    page.get_by_role("tab", name="Bestand uploaden").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text(re.compile("niet opgeslagen|fout|klopt niet", re.I)).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    screenshot(page, "a11y_upload_fouten")
    assert_accessible(page, "bewonerskaart_upload_fouten")


def test_gesprekskaart_html_is_accessible(build_dir, page):
    from dashboard.gesprekskaart import make_pack
    html = make_pack("BU0363AA01", build_dir=build_dir).html
    assert re.search(r'<html lang="nl"', html)
    page.set_content(html, wait_until="load")
    assert page.locator("h1").count() == 1
    # every table has header cells; every picture is either described or hidden from screen readers
    assert page.evaluate("""() => [...document.querySelectorAll('table')].every(t => t.querySelector('th'))""")
    undescribed = page.evaluate("""() => [...document.querySelectorAll('img, svg')].filter(e =>
        !(e.getAttribute('alt') || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
          || e.querySelector('title') || e.getAttribute('aria-hidden') === 'true')).map(e => e.outerHTML.slice(0, 80))""")
    assert not undescribed, undescribed
    screenshot(page, "a11y_gesprekskaart_html")
    assert_accessible(page, "gesprekskaart_html")


# ----------------------------------------------------------------------------------------------- keyboard only
FOCUS_JS = """() => { const e = document.activeElement; if (!e || e === document.body) return null;
    const cs = getComputedStyle(e);
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
    return {tag: e.tagName, role: e.getAttribute('role'), label: (e.getAttribute('aria-label') || e.innerText
            || e.value || '').trim().slice(0, 80), href: e.getAttribute('href') || '', ring: ring}; }"""


def tab_to(page, matches, *, limit: int = 120, shift: bool = False) -> dict:
    """Press Tab (only) until the focused element matches; every stop on the way must show a focus ring."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        focused = page.evaluate(FOCUS_JS)
        seen.append(focused)
        if focused is None:
            continue
        assert focused["ring"], f"focus not visible on {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"not reached by Tab; stops: {[(f['tag'], f['label'][:30]) for f in seen if f][:40]}")


def test_main_flow_by_keyboard_alone(app_server, page):
    """Search a buurt, read both lenses, open the map, make a gesprekskaart: key presses only."""
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_app(page, app_server, "/")
    # the start page has two search boxes with different names: the sidebar one (on every page) comes first
    page.get_by_role("textbox", name="Zoek een gemeente, wijk of buurt", exact=True).wait_for(timeout=60_000)
    tab_to(page, lambda f: f["tag"] == "INPUT" and f["label"].strip() == "Zoek een gemeente, wijk of buurt")
    page.keyboard.type("Planciusbuurt")
    page.keyboard.press("Enter")
    page.get_by_role("button", name=re.compile("Planciusbuurt-Noord")).first.wait_for(timeout=60_000)
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "Planciusbuurt-Noord" in f["label"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"regio=BU0363AA01"), timeout=60_000)
    page.get_by_role("heading", name=re.compile("Planciusbuurt-Noord")).first.wait_for(timeout=60_000)
    wait_until_idle(page)
    # both lenses are text in reading order (Kracht first), not only colour: a screen reader reads them as is
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert 0 <= main.index("Kracht") < main.index("Zorgen")
    assert "Doet vrijwilligerswerk" in main
    # make the gesprekskaart: Tab to the button, Enter, then Tab to the HTML download and Enter
    tab_to(page, lambda f: f["tag"] == "BUTTON" and "Gesprekskaart maken" in f["label"])
    page.keyboard.press("Enter")
    download_button = page.get_by_role("button", name=re.compile(r"Download gesprekskaart \(HTML\)"))
    download_button.wait_for(timeout=120_000)
    tab_to(page, lambda f: "Download gesprekskaart (HTML)" in f["label"], shift=True)
    with page.expect_download(timeout=60_000) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".html")
    # open the map from the page menu
    tab_to(page, lambda f: f["tag"] == "A" and f["label"].split("\n")[-1].strip() == "Kaart", shift=True)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kaart"), timeout=60_000)
    page.get_by_role("heading", name="Kaart").first.wait_for(timeout=60_000)
    wait_until_idle(page)
    # the map's text alternative is reachable by keyboard: its expander opens with Enter and holds a table
    tab_to(page, lambda f: "Tabel bij de kaart" in f["label"])
    page.keyboard.press("Enter")
    table = page.get_by_role("region", name="Tabel bij de kaart").locator("table").first   # html_table: focusable
    table.wait_for(timeout=30_000)
    assert table.locator("th").count() >= 3 and "Planciusbuurt-Noord" in table.inner_text()
    screenshot(page, "a11y_keyboard_kaart")
    assert_only_local(page)
