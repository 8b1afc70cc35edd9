"""Read access to the current release database (the mart_* views). The app reads DuckDB only.

Why this shape (RECIPES.md): DuckDB caches database instances per path inside a process, and the ETL swaps
`current.duckdb` to a new versioned file on refresh. So we resolve the symlink on every call and keep one
read-only connection per resolved file; a refresh is picked up on the next rerun without restarting, and a
running refresh never blocks us.
"""
from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import paths, release

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_in_use: dict[Path, int] = {}   # queries running on each file's connection
_newest: list[Path] = []        # the file the link pointed at on the latest call


def current_path(build_dir: Path | None = None) -> Path:
    return release.current_release(build_dir or paths.build_dir())


def _close_idle_old_connections() -> None:
    """Close the connections of older releases that no query uses any more (call with _lock held). A query that
    started on the old file finishes there: closing a connection under a running query breaks its result set
    ('No open result set'), so an old connection stays open until its last query is done."""
    for path in list(_connections):
        if path not in _newest and not _in_use.get(path):
            _connections.pop(path).close()
            _in_use.pop(path, None)


def _acquire(build_dir: Path | None) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """A cursor on the current release (a new cursor per call: one DuckDB connection is not thread-safe),
    counted as in use until _release()."""
    path = current_path(build_dir)
    with _lock:
        con = _connections.get(path)
        if con is None:
            con = _connections[path] = duckdb.connect(str(path), read_only=True)
        _newest[:] = [path]
        _in_use[path] = _in_use.get(path, 0) + 1
        _close_idle_old_connections()
        return path, con.cursor()


def _release(path: Path) -> None:
    with _lock:
        _in_use[path] = _in_use.get(path, 1) - 1
        _close_idle_old_connections()


def query(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> pd.DataFrame:
    path, cur = _acquire(build_dir)
    try:
        return cur.execute(sql, params or []).fetchdf()
    finally:
        cur.close()
        _release(path)


def release_key(build_dir: Path | None = None) -> str:
    """Changes when a refresh publishes a new release; pass it to st.cache_data functions as a cache key."""
    return current_path(build_dir).name
