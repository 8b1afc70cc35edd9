"""The profile page in headless Chromium: first paint, where the bytes and time go, and server memory.

  first paint      a fresh server, the first visit right after /_stcore/health said ok: first-contentful-paint of
                   the start page, and the time to a finished profile from a profile link
  profile link     where that link's time goes (browser_flow.open_profile_traced): the page's boot until the
                   websocket is open, the server's run (websocket open to its last message), the drawing after it,
                   the element code loaded on demand, the quadrant chart (below the fold) drawn; then links to
                   LINKS more buurten (each new to the server): median time and the page's renderer CPU per link
  timeline         the browser's performance timeline of that first visit: bytes per kind, the largest files
                   (Streamlit's own bundle vs what is ours), DOMContentLoaded and load
  10 profiles      one browser session picks 10 different buurten in the sidebar search; the server's RSS after it
                   (target <= 300 MB), and the median time per switch

Loopback only: the server listens on 127.0.0.1 and every request elsewhere is aborted and counted.

    .venv/bin/python benchmarks/bench_browser.py [--build-dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from common import figure, header, region_names, rss_mb, spread_buurten

from browser_flow import SEARCH_INPUT, kind_of, open_profile_traced, switch_profile, timeline  # noqa: E402
from browser_harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, cpu_seconds, start_app, stop_app  # noqa: E402

FIRST = "BU03440112"
LINKS = 3


async def process_cpu(browser_cdp) -> dict[str, float]:
    """CPU seconds per kind of Chromium process (browser, renderer, GPU, utility), from the DevTools protocol."""
    out: dict[str, float] = {}
    for p in (await browser_cdp.send("SystemInfo.getProcessInfo"))["processInfo"]:
        out[p["type"]] = out.get(p["type"], 0.0) + p["cpuTime"]
    return out


async def new_context(browser, outside: list[str]):
    context = await browser.new_context(viewport={"width": 1400, "height": 1100}, locale="nl-NL")

    async def route(r):
        from urllib.parse import urlparse
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob", "about") or url.hostname in LOCAL_HOSTS:
            await r.continue_()
        else:
            outside.append(r.request.url)
            await r.abort("internetdisconnected")

    await context.route("**/*", route)
    return context


async def run(build_dir: Path) -> None:
    from playwright.async_api import async_playwright

    ten = spread_buurten(build_dir, 10, exclude=(FIRST,))
    links = spread_buurten(build_dir, LINKS, offset=5, exclude=(FIRST, *ten))
    names = region_names(build_dir, [FIRST, *ten, *links])
    outside: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        server = start_app(build_dir, log_name="bench-browser-server.log")
        try:
            context = await new_context(browser, outside)
            page = await context.new_page()
            ready = server.ready_at
            await page.goto(server.url("/"), wait_until="commit")
            await page.locator(SEARCH_INPUT).first.wait_for(timeout=120_000)
            start_page = time.monotonic() - ready
            tl = await timeline(page)
            fcp = tl["paint"].get("first-contentful-paint")
            figure("first visit after ready: start page usable (search box)", start_page, "s", 3)
            if fcp is not None:
                figure("first visit after ready: first-contentful-paint", fcp / 1000, "s", 3)
            report_timeline(tl)
            link = await open_profile_traced(page, server.url(f"/?regio={FIRST}"), names[FIRST], 120_000)
            figure("profile link (same browser, bundle cached): finished profile", link["wall"], "s", 1.5)
            report_link(link)
            switches, server_cpu = [], []
            for code in ten:
                cpu = cpu_seconds(server.process.pid)
                switches.append(await switch_profile(page, code, names[code], 120_000))
                server_cpu.append(cpu_seconds(server.process.pid) - cpu)
            figure(f"switch profile in one session (median of {len(switches)})", statistics.median(switches), "s",
                   1.5, note=f"max {max(switches):.2f} s; server CPU per switch (search + profile) median "
                             f"{statistics.median(server_cpu):.2f} s")
            figure(f"server RSS after {len(ten) + 1} profiles in one session", rss_mb(server.process.pid), "MB",
                   300)
            walls, renderer = [], []
            browser_cdp = await browser.new_browser_cdp_session()
            for code in links:   # from the start page, as the first link
                await page.goto(server.url("/"), wait_until="commit")
                await page.locator(SEARCH_INPUT).first.wait_for(timeout=120_000)
                cpu = await process_cpu(browser_cdp)
                walls.append((await open_profile_traced(page, server.url(f"/?regio={code}"), names[code],
                                                        120_000))["wall"])
                renderer.append((await process_cpu(browser_cdp)).get("renderer", 0.0) - cpu.get("renderer", 0.0))
            figure(f"profile link to a buurt new to the server (median of {len(links)})", statistics.median(walls),
                   "s", 1.5, note=f"the page's renderer CPU per link, until its chart has drawn (median) "
                             f"{statistics.median(renderer):.2f} s")
            await context.close()
        finally:
            stop_app(server.process)
            await browser.close()
    figure("requests that tried to leave 127.0.0.1", len(outside), "", 0)


def report_link(link: dict) -> None:
    """Where the first link's time went (seconds from the navigation's start; browser_flow.open_profile_traced)."""
    def s(x):
        return "?" if x is None else f"{x:.2f} s"
    print(f"  link: boot to websocket open {s(link['boot'])}, server run (websocket open to last message) "
          f"{s(link['server'])}, drawing after it {s(link['drawing'])}: finished at {s(link['finished'])}; "
          f"quadrant chart drawn at {s(link['chart'])}")
    lazy = sorted(link["lazy"], key=lambda r: -r[1])
    print(f"  link: {len(lazy)} element code files loaded on demand, {sum(b for _, b in lazy) / 1e6:.2f} MB decoded: "
          + ", ".join(f"{n.split('.')[0]} {b / 1e3:.0f} kB" for n, b in lazy[:6]))


def report_timeline(tl: dict) -> None:
    res = tl["res"]
    by_kind: dict[str, list] = {}
    for r in res:
        by_kind.setdefault(kind_of(r["name"]), []).append(r)
    print(f"  timeline: DOMContentLoaded {tl['dcl'] / 1000:.2f} s, load {tl['load'] / 1000:.2f} s, "
          f"{len(res)} resources, last byte at {max((r['end'] for r in res), default=0) / 1000:.2f} s")
    for kind, rows in sorted(by_kind.items(), key=lambda kv: -sum(r["decoded"] for r in kv[1])):
        print(f"    {kind:<6} {len(rows):>3} files {sum(r['bytes'] for r in rows) / 1e6:6.2f} MB on the wire "
              f"{sum(r['decoded'] for r in rows) / 1e6:6.2f} MB decoded")
    for r in sorted(res, key=lambda r: -r["decoded"])[:6]:
        ours = "ours" if "/app/static/" in r["name"] or "/component/" in r["name"] else "streamlit"
        print(f"    {r['decoded'] / 1e6:6.2f} MB  {r['end'] - r['start']:6.0f} ms  {ours:<9} "
              f"{r['name'].split('?')[0].rsplit('/', 1)[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args()
    from pipelines import paths

    header("profile page in headless Chromium")
    asyncio.run(run(args.build_dir or paths.build_dir()))


if __name__ == "__main__":
    main()
