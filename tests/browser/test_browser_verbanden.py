"""Verbanden in a real browser: the regression table shows every cell whole, on a laptop and on a phone."""
from __future__ import annotations

import pytest

from browser_harness import assert_accessible, assert_only_local, open_app, screenshot

CELLS_JS = """() => [...document.querySelectorAll('[aria-label="Regressietabel"] td, [aria-label="Regressietabel"] th')]
    .map(c => [c.innerText, c.scrollWidth, c.clientWidth])"""


@pytest.mark.parametrize("width", [1300, 390])
def test_the_regression_table_is_whole(app_server, page, width):
    """st.dataframe never wraps a cell: 'Onderdeel' read 'Weggelaten: buurten met een ont' at 1300 px and less at
    390 px. Every cell must show all its text (a table wider than a phone scrolls in a region Tab reaches)."""
    page.set_viewport_size({"width": width, "height": 3000})
    open_app(page, app_server, "/verbanden?gebied=GM0858&x=huishoudens_laagste_40pct&y=ervaren_gezondheid_goed",
             plots=1)
    cells = page.evaluate(CELLS_JS)
    screenshot(page.locator('[aria-label="Regressietabel"]'), f"verbanden_regressietabel_{width}")
    texts = [t for t, _, _ in cells]
    for whole in ("Weggelaten: buurten met een ontbrekende waarde", "Aantal buurten in de berekening (n)",
                  "Uitkomst (y): Ervaart gezondheid als goed", "Huishoudens in de landelijke 40% laagste inkomens (x)"):
        assert whole in texts, texts
    for text, scroll, client in cells:
        assert scroll <= client + 1, (text, scroll, client)
    if width == 390:
        assert_accessible(page, "verbanden_390")
    assert_only_local(page)


TITLES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => {
    const box = gd.getBoundingClientRect();
    return [...gd.querySelectorAll('.xtitle, .ytitle')].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                box: [box.left, box.right, box.top, box.bottom]}; }); })"""


@pytest.mark.parametrize("width", [1300, 390])
def test_the_axis_titles_are_whole(app_server, page, width):
    """An axis title is one SVG line: at 390 px 'Inkomensontvangers in de landelijke 40% laagste inkomens (%)'
    ran past both edges of the scatter. Every title must lie inside its chart (long ones wrap:
    stats.charts.wrap_title)."""
    page.set_viewport_size({"width": width, "height": 2400})
    open_app(page, app_server, "/verbanden?gebied=GM0858&x=personen_laagste_inkomens&y=goed_ervaren_gezondheid_trend",
             plots=1)
    titles = page.evaluate(TITLES_JS)
    screenshot(page.locator(".js-plotly-plot").first, f"verbanden_scatter_{width}")
    assert len(titles) == 2, titles   # the scatter's x and y
    assert any("Inkomensontvangers" in t["text"] and "(%)" in t["text"] for t in titles), titles
    for t in titles:
        left, right, top, bottom = t["box"]
        assert left - 1 <= t["left"] and t["right"] <= right + 1 and t["right"] <= width, t
        assert top - 1 <= t["top"] and t["bottom"] <= bottom + 1, t
    assert_only_local(page)
