"""Load on the server alone: N concurrent Streamlit sessions over the websocket protocol, no browser, one server.

bench_load.py measures the issue's figure with 20 real Chromiums, which on this 2-core machine share the cores
with the server and take ~7x its CPU, so it cannot tell what the server itself does under load. This client speaks
Streamlit's own protocol (the BackMsg/ForwardMsg protobufs its frontend sends and receives on /_stcore/stream): each
session is one websocket (its own Streamlit session) that asks for a profile with `rerun_script` and the profile's
query string, as the frontend does for a link, and then the next profile in the same session. A profile is
*finished* when the server reports the run over (`script_finished`) and the run's elements include the region's
name as the title and the 'Bronnen' heading, with no exception element. Nothing is drawn, so the time is what a
reader waits for the server, not for their own browser; the client's own CPU is printed beside it.

Runs (each on a fresh server): burst (sessions start --ramp s apart and ask for the next profile the moment the
previous one is finished) and paced (a think time of 0.5-1.5 x --think s between profiles, arrivals spread over
one think time). Bounded: N sessions (default 20, at most 40) x 5 profiles (--profiles, at most 50), every wait
has a timeout, each run is cancelled after --max-seconds. Loopback only (the server listens on 127.0.0.1).

`--sessions 1 --profiles 40 --runs burst` asks for 40 profiles one after another: the server's CPU per profile
without sessions competing for the GIL and the cores, which varies far less from run to run on a shared machine
than the burst's (to compare two versions of the app, paired).

    .venv/bin/python benchmarks/bench_load_server.py [--sessions 20] [--profiles 5] [--ramp 0.25] [--think 5]
                                                     [--runs burst,paced]
"""
from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from pathlib import Path

from common import figure, header, load_arguments, percentile, peak_rss_mb, region_names, rss_mb, spread_buurten

from browser_harness import cpu_seconds, start_app, stop_app  # noqa: E402

PROFILES_PER_SESSION = 5   # the figure; --profiles changes it
MAX_PROFILES = 50
MAX_SESSIONS = 40
TARGET_P95 = 1.5
WAIT_S = 60   # the longest wait for one profile before it counts as an error


class NotFinished(RuntimeError):
    """The run ended without the profile's title and sources, or showed an exception."""


async def ask_profile(ws, code: str, name: str, timeout: float) -> tuple[float, int]:
    """Ask for one profile in this session; returns (seconds to the end of its run, messages received)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ask = BackMsg()
    ask.rerun_script.query_string = f"regio={code}"
    ask.rerun_script.page_name = ""
    start = time.monotonic()
    await ws.send(ask.SerializeToString())
    headings, exception, messages = set(), False, 0
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=max(0.1, start + timeout - time.monotonic())))
        messages += 1
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "heading":
                headings.add(element.heading.body.strip())
            exception = exception or element.WhichOneof("type") == "exception"
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                continue                                    # a fragment's own run; the page's run goes on
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                headings, exception = set(), False          # the app reran itself: only the last run counts
                continue
            seconds = time.monotonic() - start
            if exception or name not in headings or "Bronnen" not in headings:
                raise NotFinished(f"{code}: run over without {'an exception-free ' if exception else ''}profile "
                                  f"(title shown: {name in headings}, sources: {'Bronnen' in headings})")
            return seconds, messages


async def session(base_url: str, codes: list[str], names: dict[str, str], delay: float, times: list[float],
                  errors: list[str], think: tuple[float, random.Random] | None) -> None:
    import websockets

    await asyncio.sleep(delay)
    url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(url, subprotocols=["streamlit"], origin=base_url, max_size=None) as ws:
        for i, code in enumerate(codes):
            if i and think:
                mean, rng = think
                await asyncio.sleep(rng.uniform(0.5 * mean, 1.5 * mean))
            try:
                seconds, _ = await ask_profile(ws, code, names[code], WAIT_S)
                times.append(seconds)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, the run goes on
                errors.append(f"{code}: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}")
                return


async def run(build_dir: Path, sessions: int, ramp: float, max_seconds: float, think: float | None,
              profiles: int = PROFILES_PER_SESSION) -> None:
    codes = spread_buurten(build_dir, sessions * profiles)
    names = region_names(build_dir, codes)
    plans = [codes[i::sessions][:profiles] for i in range(sessions)]   # different buurten in every session
    times: list[float] = []
    errors: list[str] = []
    label = "burst" if think is None else "paced"
    server = start_app(build_dir, log_name=f"bench-load-server-{label}.log")
    try:
        cpu0, rss0, client0 = cpu_seconds(server.process.pid), rss_mb(server.process.pid), time.process_time()
        start = time.monotonic()
        if think is None:
            tasks = [session(server.base_url, plan, names, i * ramp, times, errors, None)
                     for i, plan in enumerate(plans)]
        else:
            tasks = [session(server.base_url, plan, names, i * think / sessions, times, errors,
                             (think, random.Random(i))) for i, plan in enumerate(plans)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=max_seconds)
        except asyncio.TimeoutError:
            errors.append(f"run cancelled after {max_seconds:.0f} s")
        wall, client = time.monotonic() - start, time.process_time() - client0
        cpu = cpu_seconds(server.process.pid) - cpu0
        rss, peak = rss_mb(server.process.pid), peak_rss_mb(server.process.pid)
    finally:
        stop_app(server.process)
    report(label, sessions, ramp, think, times, errors, wall, cpu, client, rss, peak, rss0, profiles)


def report(label, sessions, ramp, think, times, errors, wall, cpu, client, rss, peak, rss0,
           profiles: int = PROFILES_PER_SESSION) -> None:
    expected = sessions * profiles
    done = max(len(times), 1)
    pacing = (f"ramp {ramp:g} s, no pause between profiles" if think is None else
              f"arrivals over {think:g} s, think time {0.5 * think:g}-{1.5 * think:g} s between profiles")
    print(f"  [{label}, no browser] {sessions} sessions x {profiles} profiles, {pacing}: "
          f"{len(times)}/{expected} finished in {wall:.1f} s; server CPU {cpu:.1f} s ({1000 * cpu / done:.0f} ms "
          f"per profile); this client's CPU {client:.1f} s")
    if times:
        figure(f"load {label}, server only: time to a finished run, p95", percentile(times, 95), "s",
               TARGET_P95 if think is None else None,
               note=f"p50 {statistics.median(times):.2f} s, max {max(times):.2f} s; no browser time included")
    else:
        print(f"load {label}, server only: none finished (OVER; load {os.getloadavg()[0]:.1f})")
    figure(f"load {label}, server only: server CPU per finished profile", 1000 * cpu / done, "ms")
    figure(f"load {label}, server only: errors (not finished)", expected - len(times), "", 0)
    for e in errors[:5]:
        print(f"    error: {e}")
    figure(f"load {label}, server only: server RSS after the run", rss, "MB",
           note=f"peak {peak:.0f} MB; at start {rss0:.0f} MB")


def main() -> None:
    def profiles_option(parser):
        parser.add_argument("--profiles", type=int, default=PROFILES_PER_SESSION,
                            help=f"profiles per session (1..{MAX_PROFILES})")
    args, runs = load_arguments(__doc__.splitlines()[0], think=5, min_think=0.5, max_sessions=MAX_SESSIONS,
                                think_help="paced: mean seconds between a session's profiles", extra=profiles_option)
    if not 1 <= args.profiles <= MAX_PROFILES:
        raise SystemExit(f"--profiles must be 1..{MAX_PROFILES}")
    from pipelines import paths

    header(f"load on the server alone: {args.sessions} concurrent sessions x {args.profiles} profiles over "
           "Streamlit's websocket protocol, no browser, one server")
    for r in runs:
        asyncio.run(run(args.build_dir or paths.build_dir(), args.sessions, args.ramp, args.max_seconds,
                        None if r == "burst" else args.think, args.profiles))


if __name__ == "__main__":
    main()
