"""Load: N concurrent headless browser sessions, each opening 5 different profiles, against ONE server.

Each session is its own browser context (own cookies, own Streamlit session). It opens its first profile from a
link (page load + websocket + script run) and then picks 4 more buurten in the sidebar search, as a person would.
Time to a finished profile: from the navigation or click until the profile's title and its last section are
shown and the run is over (benchmarks/browser_flow.py). Targets: p95 <= 1.5 s, 0 errors. The server's RSS is
printed at the end.

Bounded: N sessions (default 20, at most 40) x 5 profiles, every wait has a timeout, and the whole run is
cancelled after --max-seconds (default 300). Loopback only: the server listens on 127.0.0.1 and any request to
another host is aborted and counted as an error.

    .venv/bin/python benchmarks/bench_load.py [--sessions 20] [--ramp 0.25] [--build-dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from common import figure, header, percentile, peak_rss_mb, region_names, rss_mb, spread_buurten

from browser_flow import open_profile, switch_profile  # noqa: E402
from browser_harness import CHROMIUM, CHROMIUM_ARGS, cpu_seconds, start_app, stop_app  # noqa: E402
from bench_browser import new_context  # noqa: E402

PROFILES_PER_SESSION = 5
MAX_SESSIONS = 40


async def session(browser, server, codes: list[str], names: dict[str, str], delay: float, timeout_ms: float,
                  times: list[tuple[str, float]], errors: list[str], outside: list[str]) -> None:
    await asyncio.sleep(delay)
    context = await new_context(browser, outside)
    try:
        page = await context.new_page()
        for i, code in enumerate(codes):
            try:
                if i == 0:
                    seconds = await open_profile(page, server.url(f"/?regio={code}"), names[code], timeout_ms)
                    times.append(("link", seconds))
                else:
                    times.append(("switch", await switch_profile(page, code, names[code], timeout_ms)))
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, the run goes on
                errors.append(f"{code}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
                return
    finally:
        await context.close()


async def run(build_dir: Path, sessions: int, ramp: float, max_seconds: float) -> None:
    from playwright.async_api import async_playwright

    codes = spread_buurten(build_dir, sessions * PROFILES_PER_SESSION)
    names = region_names(build_dir, codes)
    plans = [codes[i::sessions][:PROFILES_PER_SESSION] for i in range(sessions)]  # 5 different per session
    times: list[tuple[str, float]] = []
    errors: list[str] = []
    outside: list[str] = []
    server = start_app(build_dir, log_name="bench-load-server.log")
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            cpu0, rss0 = cpu_seconds(server.process.pid), rss_mb(server.process.pid)
            start = time.monotonic()
            tasks = [session(browser, server, plan, names, i * ramp, 60_000, times, errors, outside)
                     for i, plan in enumerate(plans)]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=max_seconds)
            except asyncio.TimeoutError:
                errors.append(f"run cancelled after {max_seconds:.0f} s")
            wall = time.monotonic() - start
            await browser.close()
        cpu = cpu_seconds(server.process.pid) - cpu0
        rss, peak = rss_mb(server.process.pid), peak_rss_mb(server.process.pid)
    finally:
        stop_app(server.process)
    expected = sessions * PROFILES_PER_SESSION
    all_s = [s for _, s in times]
    links = [s for kind, s in times if kind == "link"]
    switches = [s for kind, s in times if kind == "switch"]
    print(f"  {sessions} sessions x {PROFILES_PER_SESSION} profiles, ramp {ramp:g} s: {len(times)}/{expected} "
          f"finished in {wall:.1f} s; server CPU {cpu:.1f} s ({1000 * cpu / max(len(times), 1):.0f} ms per profile)")
    if all_s:
        figure("load: time to a finished profile, p95 (all)", percentile(all_s, 95), "s", 1.5,
               note=f"median {statistics.median(all_s):.2f} s, max {max(all_s):.2f} s")
    if links:
        figure("load: first profile from a link (page load), p95", percentile(links, 95), "s",
               note=f"median {statistics.median(links):.2f} s")
    if switches:
        figure("load: next profiles via search (same session), p95", percentile(switches, 95), "s",
               note=f"median {statistics.median(switches):.2f} s")
    figure("load: errors (profiles not finished + requests leaving 127.0.0.1)",
           expected - len(times) + len(outside), "", 0)
    for e in errors[:5]:
        print(f"    error: {e}")
    figure("load: server RSS after the run", rss, "MB", note=f"peak {peak:.0f} MB; at start {rss0:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--ramp", type=float, default=0.25, help="seconds between session starts")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1..{MAX_SESSIONS}")
    from pipelines import paths

    header(f"load: {args.sessions} concurrent browser sessions x {PROFILES_PER_SESSION} profiles, one server")
    asyncio.run(run(args.build_dir or paths.build_dir(), args.sessions, args.ramp, min(args.max_seconds, 900)))


if __name__ == "__main__":
    main()
