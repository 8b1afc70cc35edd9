"""Load: N concurrent headless browser sessions, each opening 5 different profiles, against ONE server.

Each session is its own browser context (own cookies, own Streamlit session). It opens its first profile from a
link (page load + websocket + script run) and then picks 4 more buurten in the sidebar search, as a person would.
Time to a finished profile: from the navigation or click until the profile's title and its last section are
shown and the run is over (benchmarks/browser_flow.py). Targets: p95 <= 1.5 s, 0 errors. The server's RSS is
printed at the end.

Two runs, each on a fresh server, with the same definition of a finished profile:
  burst   (the target's figure) the sessions start --ramp s apart and each opens its next profile the moment
          the previous one is finished: 100 profiles asked for within a few seconds
  paced   (a second, realistic figure, never instead of the burst) people read a profile before they open the
          next: a think time drawn uniformly from 0.5-1.5 x --think s between profiles, and the sessions arrive
          spread over the first --think s. Time to a finished profile is measured the same way.
Beside each: the server's CPU per profile, the browsers' CPU per profile (Chromium and Playwright's driver: the
client shares the cores with the server), p50/p95, errors, server RSS; and for the burst the queue it implies.

Chromium composites without its (software-emulated) GPU by default (--gpu-compositing restores it): see main().

Bounded: N sessions (default 20, at most 40) x 5 profiles, every wait has a timeout, and each run is
cancelled after --max-seconds (default 300). Loopback only: the server listens on 127.0.0.1 and any request to
another host is aborted and counted as an error.

    .venv/bin/python benchmarks/bench_load.py [--sessions 20] [--ramp 0.25] [--think 20] [--runs burst,paced]
                                              [--build-dir DIR]
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
from pathlib import Path

from common import figure, header, load_arguments, percentile, peak_rss_mb, region_names, rss_mb, spread_buurten

from browser_flow import open_profile, switch_profile  # noqa: E402
from browser_harness import CHROMIUM, CHROMIUM_ARGS, TEST_CHROMIUM_ARGS, cpu_seconds, start_app, stop_app  # noqa: E402
from bench_browser import new_context  # noqa: E402

PROFILES_PER_SESSION = 5
MAX_SESSIONS = 40
TARGET_P95 = 1.5
WAIT_S = 60   # the longest wait for one profile before it counts as an error


def client_cpu_seconds(root_pid: int, server_pid: int) -> dict[str, float]:
    """CPU seconds of every process under this one except the server, by kind: 'renderer' (Chromium's page
    processes: JavaScript, layout, paint; with those that have exited, which their parent, the zygote, has reaped),
    'gpu' (Chromium's GPU process: compositing, in software on a machine without a GPU) and 'other' (Chromium's
    browser and utility processes, Playwright's driver and this script, which drive the sessions)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                f = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                kind = re.search(rb"(?:^|[\0 ])--type=([\w-]+)", (entry / "cmdline").read_bytes())
            except OSError:
                continue
            stats[int(entry.name)] = (int(f[1]), sum(int(x) for x in f[11:15]),   # ppid, utime+stime+cutime+cstime
                                      kind.group(1).decode() if kind else "other")
    out = {"renderer": 0.0, "gpu": 0.0, "other": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, _) in stats.items():
            if ppid == parent and pid != server_pid and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    for pid in tree:
        if pid in stats:
            _, ticks, kind = stats[pid]
            key = {"renderer": "renderer", "zygote": "renderer", "gpu-process": "gpu"}.get(kind, "other")
            out[key] += ticks / tick
    return out


async def session(browser, server, codes: list[str], names: dict[str, str], delay: float, timeout_ms: float,
                  times: list[tuple[str, float]], errors: list[str], outside: list[str],
                  think: tuple[float, random.Random] | None = None) -> None:
    await asyncio.sleep(delay)
    context = await new_context(browser, outside)
    try:
        page = await context.new_page()
        for i, code in enumerate(codes):
            if i and think:   # reading the previous profile (paced run only)
                mean, rng = think
                await asyncio.sleep(rng.uniform(0.5 * mean, 1.5 * mean))
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


async def run(build_dir: Path, sessions: int, ramp: float, max_seconds: float, think: float | None,
              browser_args: list[str]) -> None:
    """One run on a fresh server: burst (think None) or paced (think = mean seconds between profiles)."""
    from playwright.async_api import async_playwright

    codes = spread_buurten(build_dir, sessions * PROFILES_PER_SESSION)
    names = region_names(build_dir, codes)
    plans = [codes[i::sessions][:PROFILES_PER_SESSION] for i in range(sessions)]  # 5 different per session
    times: list[tuple[str, float]] = []
    errors: list[str] = []
    outside: list[str] = []
    label = "burst" if think is None else "paced"
    server = start_app(build_dir, log_name=f"bench-load-{label}-server.log")
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=browser_args)
            cpu0, rss0 = cpu_seconds(server.process.pid), rss_mb(server.process.pid)
            client0 = client_cpu_seconds(os.getpid(), server.process.pid)
            start = time.monotonic()
            if think is None:
                tasks = [session(browser, server, plan, names, i * ramp, 1000 * WAIT_S, times, errors, outside)
                         for i, plan in enumerate(plans)]
            else:   # arrivals spread over one think time; a seeded think time per session (repeatable)
                tasks = [session(browser, server, plan, names, i * think / sessions, 1000 * WAIT_S, times, errors,
                                 outside, (think, random.Random(i))) for i, plan in enumerate(plans)]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=max_seconds)
            except asyncio.TimeoutError:
                errors.append(f"run cancelled after {max_seconds:.0f} s")
            wall = time.monotonic() - start
            client1 = client_cpu_seconds(os.getpid(), server.process.pid)
            client = {k: client1[k] - client0[k] for k in client1}
            await browser.close()
        cpu = cpu_seconds(server.process.pid) - cpu0
        rss, peak = rss_mb(server.process.pid), peak_rss_mb(server.process.pid)
    finally:
        stop_app(server.process)
    report(label, sessions, ramp, think, times, errors, outside, wall, cpu, client, rss, peak, rss0)


def report(label: str, sessions: int, ramp: float, think: float | None, times, errors, outside, wall: float,
           cpu: float, client: dict[str, float], rss: float, peak: float, rss0: float) -> None:
    expected = sessions * PROFILES_PER_SESSION
    done = max(len(times), 1)
    all_s = [s for _, s in times]
    links = [s for kind, s in times if kind == "link"]
    switches = [s for kind, s in times if kind == "switch"]
    pacing = (f"ramp {ramp:g} s, no pause between profiles" if think is None else
              f"arrivals over {think:g} s, think time {0.5 * think:g}-{1.5 * think:g} s between profiles")
    print(f"  [{label}] {sessions} sessions x {PROFILES_PER_SESSION} profiles, {pacing}: {len(times)}/{expected} "
          f"finished in {wall:.1f} s; server CPU {cpu:.1f} s ({1000 * cpu / done:.0f} ms per profile); "
          f"browsers CPU {sum(client.values()):.1f} s ({1000 * sum(client.values()) / done:.0f} ms per profile: "
          + ", ".join(f"{k} {1000 * v / done:.0f}" for k, v in client.items()) + ")")
    title = "burst (target)" if think is None else "paced (realistic, not the target)"
    if all_s:
        figure(f"load {title}: time to a finished profile, p95", percentile(all_s, 95), "s",
               TARGET_P95 if think is None else None,
               note=f"p50 {statistics.median(all_s):.2f} s, max {max(all_s):.2f} s")
    else:
        print(f"load {title}: time to a finished profile, p95: none finished within the {WAIT_S:.0f} s wait "
              f"(OVER; load {os.getloadavg()[0]:.1f})")
    if links:
        figure(f"load {label}: first profile from a link (page load), p95", percentile(links, 95), "s",
               note=f"p50 {statistics.median(links):.2f} s")
    if switches:
        figure(f"load {label}: next profiles via search (same session), p95", percentile(switches, 95), "s",
               note=f"p50 {statistics.median(switches):.2f} s")
    figure(f"load {label}: server CPU per finished profile", 1000 * cpu / done, "ms")
    figure(f"load {label}: errors (not finished + requests leaving 127.0.0.1)", expected - len(times) + len(outside),
           "", 0)
    for e in errors[:5]:
        print(f"    error: {e}")
    figure(f"load {label}: server RSS after the run", rss, "MB", note=f"peak {peak:.0f} MB; at start {rss0:.0f} MB")
    if think is None and times:
        # One Streamlit process runs its Python on about one core (the GIL). When every session clicks at once,
        # the last click waits for the others' server CPU before its own: the p95 cannot be lower than this.
        per = cpu / done
        print(f"    burst arithmetic: {sessions} profiles asked for at once x {1000 * per:.0f} ms server CPU each, "
              f"on one Python process (~1 core): the last waits >= {sessions * per:.1f} s, the median "
              f">= {sessions * per / 2:.1f} s, before any browser time; p95 <= {TARGET_P95:g} s needs <= "
              f"{1000 * TARGET_P95 / sessions:.0f} ms per profile (or more server processes and cores)")


def main() -> None:
    args, runs = load_arguments(__doc__.splitlines()[0], think=20, min_think=1, max_sessions=MAX_SESSIONS,
                                think_help="paced: mean seconds a person reads a profile",
                                extra=lambda parser: parser.add_argument(
                                    "--gpu-compositing", action="store_true",
                                    help="composite pages through SwiftShader's emulated GPU, as runs before "
                                         "2026-12 did"))
    from pipelines import paths

    # The browsers share the 2 cores with the server here, and this machine has no GPU: with GPU compositing
    # Chromium's GPU process emulates it in software, ~1 s CPU per profile switch (0.12 s without), which a
    # reader's own computer does on its own GPU. Off by default, as in the browser tests (TEST_CHROMIUM_ARGS).
    browser_args = CHROMIUM_ARGS if args.gpu_compositing else TEST_CHROMIUM_ARGS
    header(f"load: {args.sessions} concurrent browser sessions x {PROFILES_PER_SESSION} profiles, one server; "
           f"compositing {'on the emulated GPU' if args.gpu_compositing else 'in software, no GPU process work'}")
    for r in runs:
        asyncio.run(run(args.build_dir or paths.build_dir(), args.sessions, args.ramp, args.max_seconds,
                        None if r == "burst" else args.think, browser_args))


if __name__ == "__main__":
    main()
