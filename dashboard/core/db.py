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


def current_path(build_dir: Path | None = None) -> Path:
    return release.current_release(build_dir or paths.build_dir())


def connection(build_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor on the current release (a new cursor per call: one DuckDB connection is not thread-safe)."""
    path = current_path(build_dir)
    with _lock:
        con = _connections.get(path)
        if con is None:
            for old in list(_connections):  # an older release: close it, the link moved on
                _connections.pop(old).close()
            con = _connections[path] = duckdb.connect(str(path), read_only=True)
        return con.cursor()


def query(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> pd.DataFrame:
    cur = connection(build_dir)
    try:
        return cur.execute(sql, params or []).fetchdf()
    finally:
        cur.close()


def release_key(build_dir: Path | None = None) -> str:
    """Changes when a refresh publishes a new release; pass it to st.cache_data functions as a cache key."""
    return current_path(build_dir).name
