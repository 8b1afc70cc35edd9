"""The memory of a process and all its descendants together, sampled while it runs (Linux /proc).

The build forks helper processes (the read, a second read, the shapes, a division's decisions) that hold memory at
the same time; wait4's ru_maxrss reports only the largest single process. PSS (proportional set size) shares pages a
fork still has in common with its parent between them, so the sum is not inflated by copy-on-write."""
from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    kids = []
    for task in (PROC / str(pid) / "task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _pss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_bytes(pid: int) -> tuple[int, int]:
    """(summed PSS in bytes, number of processes) of pid and its descendants now."""
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return sum(_pss_bytes(p) for p in seen), len(seen)


class TreeMemory:
    """Sample pid's tree every `interval` seconds in a thread until stop(); `peak` (bytes) and `processes` at it."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval, self.peak, self.processes = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = (PROC / str(os.getpid()) / "smaps_rollup").exists()

    def __enter__(self) -> TreeMemory:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            total, n = tree_pss_bytes(self.pid)
            if total > self.peak:
                self.peak, self.processes = total, n
            self._stop.wait(self.interval)
