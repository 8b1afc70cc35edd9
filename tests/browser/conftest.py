"""A real browser against the real app: shared fixtures for every tests/browser/test_browser_*.py.

    app_server   `streamlit run dashboard/app.py` on a free port against a release built from the shipped
                 snapshot (the session `build_dir`, passed as BUURTBALANS_BUILD_DIR); ready when
                 /_stcore/health says ok. Its log goes to test-artifacts/streamlit-server.log.
    browser      Debian's /usr/bin/chromium driven by Playwright (never `playwright install`).
    page         a fresh page that records the host of EVERY request. A request to any host other than
                 127.0.0.1/localhost is refused and fails the test: the app must work with no internet.

Helpers (open_app, wait_for_map, screenshot, pixel_stats, ...) live in browser_harness.py. The tests are
skipped, with the reason, only when /usr/bin/chromium is missing (CI: `apt-get install -y chromium`).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from browser_harness import (CHROMIUM, SKIP_REASON, TEST_CHROMIUM_ARGS, failure_context, new_page, start_app,
                             stop_app)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser test (Playwright on Debian chromium)")


@pytest.hookimpl(tryfirst=True)   # before xdist names the groups, also when this file is given on the command line
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            # `make test` runs the suite on 2 pytest-xdist workers with --dist loadgroup: each module is a group
            # (one work unit, queued longest first by tests/conftest.py), so both workers can run browser modules
            # and neither is left with one long browser queue. The shared `app_server` and `browser` are session
            # fixtures, i.e. one per worker: a worker starts its server once, for the first module that needs it,
            # and every later module on that worker reuses it (at most one Chromium per worker).
            item.add_marker(pytest.mark.xdist_group(f"browser-{item.module.__name__}"))
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def app_server(build_dir):
    server = start_app(build_dir)
    yield server
    stop_app(server.process)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=TEST_CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep what the browser showed when a browser test fails: its own item attribute for the `page` fixture."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report


@pytest.fixture()
def page(browser, request):
    page = new_page(browser)
    yield page
    if getattr(request.node, "failed_call", False):
        # a CI log has no screenshots: print the URL, the visible text and the server log's tail with the failure
        print(failure_context(page, request.node.name))
    outside = page.requests.outside
    page.context.close()
    assert not outside, f"requests left 127.0.0.1: {outside[:5]}"
