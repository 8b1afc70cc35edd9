"""Rebuilding or refreshing the CBS release never touches the residents' own Bewonerskaart file.

The folders mirror the real layout (data/user beside data/build and data/cache), and both the build and the
refresh run with BUURTBALANS_BEWONERSKAART_DB pointing at the store, so any code that reached for it, or that
cleaned up beside the build folder, would change its bytes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.bewoners import AssetStore, build_asset
from pipelines import release
from pipelines.build import build
from tests.conftest import ROOT, SNAPSHOT_TABLES

HAS_REFRESH = (ROOT / "pipelines" / "extract.py").exists() and (ROOT / "tests" / "replay_server.py").exists()
ROWS = [{"name": "Repair Café Dapperbuurt", "category": "verenigingen", "buurt_code": "BU0363ME01"},
        {"name": "Buurthuis De Boomgaard", "category": "plekken", "buurt_code": "BU03440121",
         "lon": 5.1, "lat": 52.09, "description": "Koffie op dinsdag", "date": "2024-03-01"}]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir())}


@pytest.fixture()
def layout(tmp_path, monkeypatch):
    data = tmp_path / "data"
    store_path = data / "user" / "bewonerskaart.duckdb"
    known = {row["buurt_code"] for row in ROWS}
    store = AssetStore(store_path, known_buurt_codes=known)
    store.add([build_asset(row, known_buurt_codes=known, locator=None) for row in ROWS])
    store.close()  # the file is otherwise closed after a short idle time; the checksum needs it closed now
    env = {"BUURTBALANS_BEWONERSKAART_DB": str(store_path), "BUURTBALANS_BUILD_DIR": str(data / "build"),
           "BUURTBALANS_CACHE_DIR": str(data / "cache")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return data, store_path, env


def test_build_and_refresh_leave_the_user_store_byte_identical(layout):
    data, store_path, env = layout
    before, user_files = sha256(store_path), snapshot(store_path.parent)

    build(roots=[SNAPSHOT_TABLES], build_dir=data / "build")
    first = release.current_release(data / "build")
    assert sha256(store_path) == before

    if HAS_REFRESH:
        from tests.replay_server import ReplayServer
        with ReplayServer() as server:
            done = subprocess.run(
                [sys.executable, "-m", "pipelines", "refresh", "--catalog-url", server.host, "--http",
                 "--table", "85163NED", "--no-progress", "--timeout", "30", "--retries", "0"],
                cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Ververst: 85163NED" in done.stdout
        assert release.current_release(data / "build") != first            # a new release was published
        assert (data / "cache" / "85163NED").is_dir()

    assert sha256(store_path) == before
    assert snapshot(store_path.parent) == user_files                       # no new .wal or other files either
    assert [a.name for a in AssetStore(store_path).list()] == [row["name"] for row in ROWS]
    AssetStore(store_path).close()
