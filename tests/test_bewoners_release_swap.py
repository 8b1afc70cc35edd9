"""A refresh publishes new releases while sessions read the Bewonerskaart's buurt list: no raw error reaches the
page (the old connection is closed under a running query; release_query retries on the new file)."""
from __future__ import annotations

import os
import threading

from dashboard.bewoners import sections
from pipelines import release

SQL = "select count(*) as n from mart_regions where level = 'buurt'"


def test_reads_survive_release_swaps(serving_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(serving_copy))
    first = tmp_path / "bron.duckdb"             # outside the build dir: publish() prunes old releases there
    os.link(release.current_release(serving_copy), first)
    expected = int(sections.release_query(SQL)["n"][0])
    errors, counts = [], []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                counts.append(int(sections.release_query(SQL)["n"][0]))
            except Exception as err:  # noqa: BLE001 - any error is a failure of this test
                errors.append(repr(err))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for n in range(12):                      # a new file name each time, as a refresh writes (hard links: fast)
        fresh = serving_copy / f"{release.PREFIX}swap{n:02d}.duckdb"
        os.link(first, fresh)
        release.publish(fresh, serving_copy, keep=3)
        seen = len(counts)
        for _ in range(200):                 # let the readers meet this release before the next swap
            if len(counts) > seen:
                break
            threading.Event().wait(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == [] and len(counts) >= 12 and set(counts) == {expected}


def test_a_release_that_stays_unreadable_gives_a_dutch_message(tmp_path, monkeypatch):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(tmp_path))
    broken = tmp_path / f"{release.PREFIX}kapot.duckdb"
    broken.write_bytes(b"dit is geen database")
    release.publish(broken, tmp_path)
    try:
        sections.release_query(SQL, attempts=2)
    except sections.ReleaseUnavailableError as err:
        assert str(err).startswith("De CBS-gegevens worden net vernieuwd")
    else:
        raise AssertionError("an unreadable release must raise ReleaseUnavailableError")
