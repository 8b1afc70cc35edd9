"""Shared helpers for benchmarks/bench_*.py: one way to print a figure beside its target and the load average.

Every line a benchmark prints has the same shape:

    <figure name> ........  <value> <unit>   target <= <target>   [ok|OVER]   (load 1.3)   [ratio]

so `make bench` output can be read (and grepped) as one table. The load average is printed on every line because
this machine is shared: a busy machine inflates every wall time.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests" / "browser"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def load() -> float:
    return os.getloadavg()[0]


def figure(name: str, value: float, unit: str, target: float | None = None, *, note: str = "",
           lower_is_better: bool = True) -> bool:
    """Print one figure; returns True when it meets its target (or has none)."""
    fmt = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    ok = target is None or (value <= target if lower_is_better else value >= target)
    goal = "" if target is None else f"target {'<=' if lower_is_better else '>='} {target:g} {unit}"
    verdict = "" if target is None else ("ok" if ok else "OVER")
    print(f"{name:<58} {fmt:>9} {unit:<4} {goal:<22} {verdict:<5} (load {load():.1f}){'  ' + note if note else ''}",
          flush=True)
    return ok


def load_arguments(description: str, *, think: float, think_help: str, min_think: float,
                   max_sessions: int, extra=None):
    """The load benchmarks' shared options (bench_load.py, bench_load_server.py), checked: --sessions 1..max,
    --ramp, --think, --runs burst/paced, --max-seconds (at most 900), --build-dir. `extra(parser)` adds more.
    Returns (args, runs)."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--ramp", type=float, default=0.25, help="burst: seconds between session starts")
    parser.add_argument("--think", type=float, default=think, help=think_help)
    parser.add_argument("--runs", default="burst,paced", help="burst, paced or both (comma-separated)")
    parser.add_argument("--max-seconds", type=float, default=300, help="per run (at most 900)")
    parser.add_argument("--build-dir", type=Path, default=None)
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    if not 1 <= args.sessions <= max_sessions:
        parser.error(f"--sessions must be 1..{max_sessions}")
    if not min_think <= args.think <= 120:
        parser.error(f"--think must be {min_think:g}..120 s")
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    if not runs or set(runs) - {"burst", "paced"}:
        parser.error("--runs takes burst, paced or both")
    args.max_seconds = min(args.max_seconds, 900)
    return args, runs


def header(title: str) -> None:
    print(f"\n== {title}  ({os.cpu_count()} CPUs, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())})",
          flush=True)


def median_ms(fn, repeats: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def rss_mb(pid: int) -> float:
    """Resident set size of one process now (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of one process so far, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def region_names(build_dir: Path, codes: list[str]) -> dict[str, str]:
    """code -> name from mart_regions of the current release (what a finished profile shows as its title)."""
    import duckdb

    from pipelines import release

    with duckdb.connect(str(release.current_release(build_dir)), read_only=True) as con:
        rows = con.execute("select region_code, name from mart_regions where region_code in "
                           f"({', '.join('?' for _ in codes)})", codes).fetchall()
    return dict(rows)


def spread_buurten(build_dir: Path, n: int, *, offset: int = 0, exclude: tuple[str, ...] = ()) -> list[str]:
    """n current buurten with inwoners spread evenly over NL (every k-th by code), with distinct names;
    `offset` shifts the sample so two calls give different buurten."""
    import duckdb

    from pipelines import release

    with duckdb.connect(str(release.current_release(build_dir)), read_only=True) as con:
        rows = con.execute("select region_code, name from mart_regions where level = 'buurt' and inwoners > 0 "
                           "order by region_code").fetchall()
    step = max(1, len(rows) // max(n, 1))
    out, seen = [], set()
    for code, name in rows[(step // 2 + offset) % step::step] + rows:
        if len(out) == n:
            break
        if code not in exclude and name not in seen:
            out.append(code)
            seen.add(name)
    return out
