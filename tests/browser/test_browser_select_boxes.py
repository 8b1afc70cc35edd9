"""Select boxes show their whole chosen option: an <input> cannot wrap, so a long label ended in '…' at 390 px
(and beside another box at 1300 px). At 1300 px no box may cut its value; on a phone every box that cuts it has
the whole text right under it (core.whole_choice), and that line is hidden on wider screens."""
from __future__ import annotations

import pytest

from browser_harness import assert_only_local, open_app, screenshot

# each page with its longest option chosen (the Kiesraad turnout: 78 characters; Verbanden's longest axis labels)
PAGES = {"kaart": "/kaart?indicator=opkomst_ps",
         "verbanden": "/verbanden?gebied=GM0858&x=personen_laagste_inkomens&y=goed_ervaren_gezondheid_trend",
         "over": "/over-de-data?indicator=opkomst_ps"}

# a box far down the page (Over de data) is drawn after the run is over: wait for the long option to be there
LONG_CHOSEN_JS = """() => [...document.querySelectorAll('[data-testid="stSelectbox"] input')].some(i => i.value.length > 60)"""
BOXES_JS = """() => [...document.querySelectorAll('[data-testid="stSelectbox"]')].filter(s => s.offsetParent).map(s => {
    const input = s.querySelector('input');
    const next = s.closest('[data-testid="stElementContainer"]').nextElementSibling;
    const line = next && next.querySelector('.bb-whole-choice');
    return {label: input.getAttribute('aria-label'), value: input.value, cut: input.scrollWidth > input.clientWidth + 1,
            line: line && line.offsetParent ? line.innerText : null}; })"""


@pytest.mark.parametrize("name", list(PAGES))
def test_a_chosen_option_is_whole_on_a_laptop_and_a_phone(app_server, page, name):
    page.set_viewport_size({"width": 1300, "height": 1000})
    open_app(page, app_server, PAGES[name])
    page.wait_for_function(LONG_CHOSEN_JS, timeout=60_000)    # the case: a long option is chosen
    boxes = page.evaluate(BOXES_JS)
    for box in boxes:
        assert not box["cut"], box
        assert box["line"] is None, box                       # the phone's line is hidden here
    page.set_viewport_size({"width": 390, "height": 1400})
    open_app(page, app_server, PAGES[name])
    page.wait_for_function(LONG_CHOSEN_JS, timeout=60_000)
    page.locator(".bb-whole-choice").first.wait_for(timeout=30_000)   # drawn after its box
    boxes = page.evaluate(BOXES_JS)
    screenshot(page, f"select_boxes_{name}_390")
    assert any(b["cut"] for b in boxes), boxes                # a phone cuts it ...
    for box in boxes:
        if box["cut"]:                                        # ... and then says it whole under the box
            assert box["line"] == f"Gekozen: {box['value']}", box
    assert_only_local(page)
