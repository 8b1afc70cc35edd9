"""A build killed at any point leaves the previous release serving, unchanged; readers never see an error.

The serving release is always a copy of the session release (the whole snapshot). The builds that are killed or
that replace it read one shipped table (ONE_TABLE, `one_table_snapshot`): such a build runs every step the full
build runs (read, transform, shapes, load, SQL models, statistics, validation, publish, with the same pause points)
for about a seventh of its CPU (3.7 s against 25 s). Where a killed build stops, that the serving release is never
written to, what the next build cleans up and that readers see no error across the swap do not depend on how many
tables a build reads; the data itself is tested against the full release elsewhere."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines import release
from pipelines.build import build
from tests.conftest import copy_release, sha256_file, snapshot_of

ROOT = Path(__file__).resolve().parents[1]
ONE_TABLE = "50150NED"   # RIVM 2012-2024 on the 2024 division: the smallest shipped table a release validates with
# what the readers below read: a figure of ONE_TABLE, so the serving release and the rebuilt one both hold it
READ = ("select value from mart_profile where region_code = 'GM0363' "
        "and indicator_id = 'goed_ervaren_gezondheid_trend' and is_default_group")


@pytest.fixture(scope="module")
def one_table_snapshot(tmp_path_factory) -> Path:
    """A snapshot folder (BUURTBALANS_SNAPSHOT_DIR) with only ONE_TABLE beside the shipped shapes and file sources."""
    return snapshot_of(tmp_path_factory.mktemp("one-table-snapshot") / "snapshot", ONE_TABLE)


def _fingerprint(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*), sum(value) from indicator_values").fetchone()


def kill_build_at(build_dir: Path, point: str, snapshot: Path) -> None:
    """Start `python -m pipelines build` on build_dir from `snapshot` (no live cache), wait until it pauses at
    `point`, SIGKILL it."""
    env = {**os.environ, "BUURTBALANS_BUILD_DIR": str(build_dir), "BUURTBALANS_PAUSE_AT": point,
           "BUURTBALANS_CACHE_DIR": str(build_dir / "no-cache"), "BUURTBALANS_SNAPSHOT_DIR": str(snapshot)}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "build"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"PAUSED AT {point}", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()


@pytest.mark.parametrize("point", ["after_transform", "after_load", "before_publish"])
def test_killed_build_leaves_previous_release_untouched(serving_copy, one_table_snapshot, point):
    before = release.current_release(serving_copy)
    digest = sha256_file(before)
    kill_build_at(serving_copy, point, one_table_snapshot)
    assert release.current_release(serving_copy) == before
    assert sha256_file(before) == digest
    assert _fingerprint(before)[0] > 1_000_000
    # the next build starts by removing what the killed one left (release.remove_unpublished, under the lock)
    release.remove_unpublished(serving_copy)
    assert sorted(serving_copy.glob("buurtbalans-*.duckdb")) == [before]


@dataclass
class KilledThenRebuilt:
    folder: Path
    first: Path                  # the release serving before the killed build
    digest: str                  # its sha256 then
    serving_after_kill: Path
    files_after_cleanup: list[Path]
    reads: int                   # reads of the current release by 3 threads during the next build
    errors: list[str]


@pytest.fixture(scope="module")
def killed_then_rebuilt(tmp_path_factory, release_path, one_table_snapshot) -> KilledThenRebuilt:
    """A build killed after its SQL step, then the next build of the same folder, with three reader threads
    querying the current release throughout that build and its swap (one rebuild serves both tests below)."""
    folder = copy_release(release_path, tmp_path_factory.mktemp("killed-then-rebuilt") / "build")
    first = release.current_release(folder)
    digest = sha256_file(first)
    with duckdb.connect(str(first), read_only=True) as con:
        expected = con.execute(READ).fetchone()   # 50150NED's own figure for Amsterdam, as the session release has it
    assert expected is not None and expected[0] is not None
    kill_build_at(folder, "after_sql", one_table_snapshot)
    serving_after_kill = release.current_release(folder)
    release.remove_unpublished(folder)  # what the next build does first, under the lock
    files_after_cleanup = sorted(folder.glob("buurtbalans-*.duckdb"))

    errors, reads = [], [0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                con, _ = release.connect_current(folder)
                with con:
                    value = con.execute(READ).fetchone()
                assert value == expected
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - we count every kind of failure
                errors.append(repr(exc))
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        build(roots=[one_table_snapshot / "tables"], build_dir=folder)
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return KilledThenRebuilt(folder, first, digest, serving_after_kill, files_after_cleanup, reads[0], errors)


# both tests read the one module fixture: keep them on one xdist worker, so it is made once
@pytest.mark.xdist_group("killed_then_rebuilt")
def test_build_killed_after_sql_leaves_previous_release_untouched_and_the_next_one_publishes(killed_then_rebuilt):
    k = killed_then_rebuilt
    assert k.serving_after_kill == k.first
    assert sha256_file(k.first) == k.digest      # kept (publish keeps the newest two) and never written to
    assert _fingerprint(k.first)[0] > 1_000_000
    assert k.files_after_cleanup == [k.first]
    # the next build publishes normally
    assert release.current_release(k.folder) != k.first
    assert len(list(k.folder.glob("buurtbalans-*.duckdb"))) == 2


def test_failed_validation_keeps_previous_release(serving_copy, tmp_path):
    before = release.current_release(serving_copy)
    empty = tmp_path / "empty-tables"
    empty.mkdir()
    with pytest.raises(Exception):
        build(roots=[empty], build_dir=serving_copy)
    assert release.current_release(serving_copy) == before
    assert len(list(serving_copy.glob("buurtbalans-*.duckdb"))) == 1


@pytest.mark.xdist_group("killed_then_rebuilt")
def test_reader_loop_sees_no_error_during_a_rebuild(killed_then_rebuilt):
    k = killed_then_rebuilt
    assert k.errors == []
    assert k.reads > 10
    assert release.current_release(k.folder) != k.first


def test_a_table_that_cannot_be_read_fails_the_build_with_its_own_message(serving_copy, tmp_path):
    """The tables are read in a child process (pipelines/child.py in_child): its error reaches the caller as the
    same BuildError, naming the table, and the child's raw values file is gone with the failed build."""
    import pandas as pd

    from pipelines.load import BuildError
    before = release.current_release(serving_copy)
    damaged = tmp_path / "tables" / ONE_TABLE
    shutil.copytree(ROOT / "data" / "snapshot" / "tables" / ONE_TABLE, damaged)
    rows = pd.read_parquet(damaged / "TypedDataSet.parquet")
    rows.drop(columns=["Perioden"]).to_parquet(damaged / "TypedDataSet.parquet")  # the period column is gone
    with pytest.raises(BuildError, match=f"tabel {ONE_TABLE}"):
        build(roots=[damaged.parent], build_dir=serving_copy)
    assert release.current_release(serving_copy) == before
    assert sorted(p.name for p in serving_copy.iterdir() if p.name.startswith(".raw-")) == []
