"""A build killed at any point leaves the previous release serving, unchanged; readers never see an error."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import release
from pipelines.build import build

ROOT = Path(__file__).resolve().parents[1]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fingerprint(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*), sum(value) from indicator_values").fetchone()


@pytest.mark.parametrize("point", ["after_transform", "after_load", "after_sql", "before_publish"])
def test_killed_build_leaves_previous_release_untouched(serving_copy, point):
    before = release.current_release(serving_copy)
    digest = _sha(before)
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(serving_copy), "BUURTBALANS_PAUSE_AT": point,
           "BUURTBALANS_CACHE_DIR": str(serving_copy / "no-cache")}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "build"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"PAUSED AT {point}", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert release.current_release(serving_copy) == before
    assert _sha(before) == digest
    assert _fingerprint(before)[0] > 1_000_000
    # the next build starts by removing what the killed one left (release.remove_unpublished, under the lock)
    release.remove_unpublished(serving_copy)
    assert sorted(serving_copy.glob("buurtbalans-*.duckdb")) == [before]
    if point == "after_sql":  # and then publishes normally (one full build is enough to show that)
        build(roots=[ROOT / "data" / "snapshot" / "tables"], build_dir=serving_copy)
        assert release.current_release(serving_copy) != before
        assert len(list(serving_copy.glob("buurtbalans-*.duckdb"))) == 2


def test_failed_validation_keeps_previous_release(serving_copy, tmp_path):
    before = release.current_release(serving_copy)
    empty = tmp_path / "empty-tables"
    empty.mkdir()
    with pytest.raises(Exception):
        build(roots=[empty], build_dir=serving_copy)
    assert release.current_release(serving_copy) == before
    assert len(list(serving_copy.glob("buurtbalans-*.duckdb"))) == 1


def test_reader_loop_sees_no_error_during_a_rebuild(serving_copy):
    errors, reads = [], [0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                con, _ = release.connect_current(serving_copy)
                with con:
                    value = con.execute("""select value from mart_profile where region_code = 'GM0363'
                                           and indicator_id = 'vrijwilligerswerk' and is_default_group""").fetchone()
                assert value == (17.0,)
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - we count every kind of failure
                errors.append(repr(exc))
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        first = release.current_release(serving_copy)
        build(roots=[ROOT / "data" / "snapshot" / "tables"], build_dir=serving_copy)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert reads[0] > 10
    assert release.current_release(serving_copy) != first
