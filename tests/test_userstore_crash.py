"""kill -9 of a process in the middle of writing, on both backends: no half-written change survives.

A child process writes batches of 20 assets (one transaction each, with their audit rows) and edits one
shared item per batch, printing the batch number after each commit. The test kills it with SIGKILL at a
random moment, several times, reopening the store each time. Afterwards every batch is complete or absent,
every batch the child reported as committed is there, and the audit log has exactly one row per stored change.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from dashboard.bewoners import AssetStore
from tests.conftest import ROOT

BATCH = 20
BUURT = "BU0363AD05"
CHILD = r"""
import sys
from dashboard.bewoners import AssetStore, build_asset
target, run = sys.argv[1], int(sys.argv[2])
known = {"BU0363AD05"}
store = AssetStore(target, known_buurt_codes=known)
shared = [a for a in store.list() if a.name == "Gedeeld"]
if not shared:
    store.add_new([build_asset({"name": "Gedeeld", "category": "plekken", "buurt_code": "BU0363AD05"},
                               known_buurt_codes=known, locator=None)])
    shared = [a for a in store.list() if a.name == "Gedeeld"]
n = 0
while True:
    batch = [build_asset({"name": f"R{run}B{n}-{i}", "category": "plekken", "buurt_code": "BU0363AD05",
                          "description": "x" * 500}, known_buurt_codes=known, locator=None) for i in range(20)]
    store.add(batch)
    current = store.get(shared[0].id)
    store.update(current.id, expected_version=current.version, description=f"R{run}B{n}")
    print(n, flush=True)
    n += 1
"""


def run_and_kill(target: str, run: int, rng: random.Random) -> int:
    """Start the writer, let it commit a few batches, SIGKILL it mid-stream; return the last reported batch."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, target, str(run)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    reported = -1
    wanted = rng.randint(2, 6)
    deadline = time.monotonic() + 120
    while reported < wanted and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        reported = int(line)
    time.sleep(rng.uniform(0.0, 0.05))           # somewhere inside the next batch's transaction
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert reported >= 0, child.stderr.read()[-2000:]
    return reported


@pytest.mark.parametrize("kills", [3])
def test_kill_9_during_writes_leaves_no_half_written_change(user_store_target, kills):
    rng = random.Random(11)
    reported = {run: run_and_kill(user_store_target, run, rng) for run in range(kills)}
    store = AssetStore(user_store_target)
    names = [a.name for a in store.list(BUURT) if a.name != "Gedeeld"]
    batches: dict[str, int] = {}
    for name in names:
        key = name.split("-")[0]
        batches[key] = batches.get(key, 0) + 1
    assert set(batches.values()) == {BATCH}                          # no batch half stored
    for run, last in reported.items():
        assert all(f"R{run}B{n}" in batches for n in range(last + 1))   # every reported commit is there
    history = store.history(limit=100_000)
    created = [e for e in history if e.action == "create"]
    assert len(created) == len(names) + 1                            # one audit row per stored asset (+ shared)
    shared = [a for a in store.list(BUURT) if a.name == "Gedeeld"][0]
    updates = [e for e in history if e.action == "update" and e.entity_id == shared.id]
    assert shared.version == len(updates) + 1                        # every version step has its audit row
    assert shared.description == updates[0].after["description"]
    store.close()
