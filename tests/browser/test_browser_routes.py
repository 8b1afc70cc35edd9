"""Page addresses in a real browser: every page at its Dutch slug, the obvious aliases forward (query kept), and
an unknown address gets a Dutch 'Pagina niet gevonden' page instead of Streamlit's English dialog.

The slugs are read from dashboard/app.py PAGES and dashboard/core/routes.ALIASES, so a new page is checked too.
These checks read what a script run sent (its heading, Streamlit's own dialog, the URL): each page is taken as
open when the run is over (`rendered=False`), without waiting for its charts and maps to be drawn.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser_harness import open_app
from dashboard.core.routes import ALIASES

ENGLISH = "Page not found"


def _pages_table():
    """(file, title, url path) of app.PAGES, read from the source (importing app.py would run the app)."""
    import ast

    from tests.conftest import ROOT
    tree = ast.parse((ROOT / "dashboard" / "app.py").read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PAGES")
    return [(file, title, url) for file, title, _icon, url in ast.literal_eval(node.value)]


def _main_heading(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text(timeout=60_000)


def test_every_page_slug_and_alias_opens_its_page(app_server, page):
    titles = {}
    for file, _title, url in _pages_table():
        open_app(page, app_server, f"/{url}", rendered=False)
        assert ENGLISH not in page.content(), url
        titles[file] = _main_heading(page)
        assert titles[file] and titles[file] != "Pagina niet gevonden", url
    for alias, file in ALIASES.items():
        open_app(page, app_server, f"/{alias}", rendered=False)
        assert ENGLISH not in page.content(), alias
        assert _main_heading(page) == titles[file], alias


def test_alias_keeps_the_query_and_capitals_do_not_matter(app_server, page):
    open_app(page, app_server, "/profiel?regio=GM0363", rendered=False)
    page.wait_for_url(lambda url: "/profiel" not in url, timeout=60_000)   # forwarded to the root
    assert page.url.endswith("/?regio=GM0363")
    assert "Amsterdam" in _main_heading(page)
    open_app(page, app_server, "/Kaart", rendered=False)
    page.wait_for_url("**/kaart**", timeout=60_000)
    assert ENGLISH not in page.content() and _main_heading(page) == "Kaart"


@pytest.mark.parametrize("path", ["/foo", "/bestaat-niet"])
def test_unknown_address_gets_a_dutch_page_with_links(app_server, page, path):
    open_app(page, app_server, path)
    assert _main_heading(page) == "Pagina niet gevonden"
    assert ENGLISH not in page.content()
    links = page.locator("[data-testid='stMain'] a[href]:not([href^='#'])")  # not the heading's anchor
    expect(links).to_have_count(len(_pages_table()), timeout=60_000)
    links.filter(has_text="Kaart").first.click()
    page.wait_for_url("**/kaart**", timeout=60_000)
