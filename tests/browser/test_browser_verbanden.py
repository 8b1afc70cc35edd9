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
