"""What a person does on the profile page, in a real browser (async Playwright), for the browser benchmarks.

  open_profile(page, url, code, name)      load a profile link; returns seconds to a finished profile
  switch_profile(page, code, name)         pick another region in the sidebar search (same Streamlit session);
                                           returns seconds from the click to a finished profile
  timeline(page)                           the browser's performance timeline: paint, navigation, resources

A profile is *finished* when its title (st.title: the region's name) is shown, the last section ('Bronnen') is
there, the run is over (no status widget) and no element of the previous run is left stale.
"""
from __future__ import annotations

import re
import time

SEARCH_INPUT = ".st-key-zoek_regio input"  # the sidebar search box (state.region_search, key 'zoek_regio')
ERROR_SELECTOR = '[data-testid="stException"]'
DONE_JS = """([name]) => {
    const h1 = [...document.querySelectorAll('h1')].some(h => h.textContent.trim() === name);
    const sources = [...document.querySelectorAll('h3')].some(h => h.textContent.trim() === 'Bronnen');
    const running = document.querySelector('[data-testid="stStatusWidget"]');
    const stale = document.querySelector('[data-stale="true"]');
    return h1 && sources && !running && !stale;
}"""


class ProfileError(RuntimeError):
    """The profile did not finish, or it showed an exception."""


async def _finished(page, name: str, timeout_ms: float) -> None:
    await page.wait_for_function(DONE_JS, arg=[name], timeout=timeout_ms, polling=50)
    if await page.locator(ERROR_SELECTOR).count():
        raise ProfileError(f"exception shown on the profile of {name}")


async def open_profile(page, url: str, name: str, timeout_ms: float = 60_000) -> float:
    start = time.monotonic()
    await page.goto(url, wait_until="commit", timeout=timeout_ms)
    await _finished(page, name, timeout_ms)
    return time.monotonic() - start


async def switch_profile(page, code: str, name: str, timeout_ms: float = 60_000) -> float:
    box = page.locator(SEARCH_INPUT).first
    await box.fill(code, timeout=timeout_ms)
    await box.press("Enter", timeout=timeout_ms)
    hit = page.locator(f".st-key-zoek_regio_hit_{code} button")
    await hit.wait_for(timeout=timeout_ms)
    start = time.monotonic()
    await hit.click(timeout=timeout_ms)
    await page.wait_for_url(re.compile(f"regio={code}"), timeout=timeout_ms)
    await _finished(page, name, timeout_ms)
    return time.monotonic() - start


TIMELINE_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0] || {};
    const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
    const res = performance.getEntriesByType('resource').map(r => ({
        name: r.name, type: r.initiatorType, bytes: r.encodedBodySize || 0, decoded: r.decodedBodySize || 0,
        start: r.startTime, end: r.responseEnd}));
    return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, paint, res};
}"""


async def timeline(page) -> dict:
    return await page.evaluate(TIMELINE_JS)


def kind_of(url: str) -> str:
    path = url.split("?")[0]
    for ext, kind in ((".js", "js"), (".css", "css"), (".woff2", "font"), (".woff", "font"), (".ttf", "font"),
                      (".svg", "image"), (".png", "image")):
        if path.endswith(ext):
            return kind
    return "other"
