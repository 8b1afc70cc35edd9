"""What a person does on the profile page, in a real browser (async Playwright), for the browser benchmarks.

  open_profile(page, url, code, name)      load a profile link; returns seconds to a finished profile
  switch_profile(page, code, name)         pick another region in the sidebar search (same Streamlit session);
                                           returns seconds from the click to a finished profile
  timeline(page)                           the browser's performance timeline: paint, navigation, resources
  open_profile_traced(page, url, name)     open_profile, and where its time went (link_breakdown's dict)

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


FINISHED_AT_JS = """([name]) => {
    const done = (""" + DONE_JS + """)([name]);
    if (done && window.__bbFinished === undefined) window.__bbFinished = performance.now();
    return done;
}"""
CHART_DRAWN_JS = "() => !!document.querySelector('.js-plotly-plot .main-svg')"


async def open_profile_traced(page, url: str, name: str, timeout_ms: float = 60_000) -> dict:
    """open_profile with the Chrome DevTools protocol listening: where a link's time goes, in seconds from the
    navigation's start (the page's performance clock):
      boot      the page's HTML and Streamlit's code (from the cache) until the websocket is open
      server    websocket open to the last message before the profile is finished: the script run and its messages
      drawing   that last message to the finished profile (DONE_JS): the browser turning messages into the page
      finished  the total; chart: when the quadrant's plotly chart has drawn (after finished: it is below the fold)
      lazy      the element code loaded after the websocket opened: [(file, decoded bytes)]
    """
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    events: dict[str, list] = {"doc": [], "open": [], "frames": []}
    cdp.on("Network.requestWillBeSent",
           lambda e: events["doc"].append(e["timestamp"]) if e.get("type") == "Document" else None)
    cdp.on("Network.webSocketHandshakeResponseReceived", lambda e: events["open"].append(e["timestamp"]))
    cdp.on("Network.webSocketFrameReceived", lambda e: events["frames"].append(e["timestamp"]))
    try:
        start = time.monotonic()
        await page.goto(url, wait_until="commit", timeout=timeout_ms)
        await page.wait_for_function(FINISHED_AT_JS, arg=[name], timeout=timeout_ms, polling=20)
        wall = time.monotonic() - start
        if await page.locator(ERROR_SELECTOR).count():
            raise ProfileError(f"exception shown on the profile of {name}")
        chart = None
        try:
            await page.wait_for_function(CHART_DRAWN_JS, timeout=timeout_ms, polling=20)
            chart = await page.evaluate("() => performance.now()") / 1000
        except Exception:  # noqa: BLE001 - a profile without a chart (Nederland) still has its breakdown
            pass
        finished = await page.evaluate("() => window.__bbFinished") / 1000
        tl = await timeline(page)
    finally:
        await cdp.detach()
    zero = events["doc"][-1] if events["doc"] else None   # the navigation's request ~ the page clock's 0
    opened = (events["open"][-1] - zero) if zero and events["open"] else None
    last = max((t - zero for t in events["frames"] if t - zero <= finished), default=None) if zero else None
    lazy = [(r["name"].split("?")[0].rsplit("/", 1)[-1], r["decoded"]) for r in tl["res"]
            if opened is not None and r["start"] / 1000 >= opened and kind_of(r["name"]) == "js"]
    return {"wall": wall, "finished": finished, "boot": opened, "server": (last - opened) if last and opened else None,
            "drawing": (finished - last) if last else None, "chart": chart, "lazy": lazy}


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
