"""Read access to the current release database (the mart_* views). The app reads DuckDB only.

Why this shape (RECIPES.md): DuckDB caches database instances per path inside a process, and the ETL swaps
`current.duckdb` to a new versioned file on refresh. So we resolve the symlink on every call and keep one
read-only connection per resolved file; a refresh is picked up on the next rerun without restarting, and a
running refresh never blocks us.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines import paths, release

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_in_use: dict[Path, int] = {}   # queries running on each file's connection
_newest: list[Path] = []        # the file the link pointed at on the latest call
_large: dict[Path, int] = {}    # queries running under LARGE_MEMORY_LIMIT on each file's connection

# The server's footprint (issue #10): DuckDB keeps every block it read cached up to its memory limit (by default 80%
# of RAM), so a long-running server grows towards the size of the release. The server (dashboard/serve.py) sets
# BUURTBALANS_DB_MEMORY_LIMIT: the app's pages read a few rows at a time, and a small limit keeps those cached
# enough; a query that still runs out of memory runs again once under LARGE_MEMORY_LIMIT. With the limit, one
# thread per query: the server's sessions already run side by side, and a profile's reads are too small to split.
# Applied with SET after connecting, not as connect() config: a connection with another config to the same file in
# the same process (a test's, a benchmark's) would be refused.
LARGE_MEMORY_LIMIT = "4GB"


def _memory_limit() -> str | None:
    """BUURTBALANS_DB_MEMORY_LIMIT when it is a size like '64MB' (it goes into SQL text), else None."""
    limit = os.environ.get("BUURTBALANS_DB_MEMORY_LIMIT", "").strip()
    return limit if re.fullmatch(r"\d{1,6}(\.\d{1,3})? ?[KMGT]i?B", limit) else None


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=True)
    limit = _memory_limit()
    if limit:
        con.execute(f"set memory_limit = '{limit}'")
        con.execute("set threads = 1")
    return con


_resolved: dict[tuple[str, str], Path] = {}   # (the link, what it points at) -> the release file it resolves to


def current_path(build_dir: Path | None = None) -> Path:
    """The release file current.duckdb points at now (release.current_release), read on every call.

    A page run asks ~35 times (every cached read's key, every query). release.current_release checks the link and
    resolves every part of its path (~8 system calls); here one readlink tells whether the link still points where
    it did, and only a new target (a refresh published) is resolved again: under 20 concurrent sessions those calls
    were ~3% of the server's Python time (py-spy, benchmarks/bench_load_server.py)."""
    directory = build_dir or paths.build_dir()
    link = os.path.join(directory, release.CURRENT)
    try:
        target = os.readlink(link)
    except OSError:   # no link yet (NoReleaseError) or a plain file: the general rule decides
        return release.current_release(Path(directory))
    found = _resolved.get((link, target))
    if found is None:
        found = release.current_release(Path(directory))   # raises NoReleaseError when the target is missing
        _resolved[(link, target)] = found
        for old in list(_resolved)[:-8]:
            _resolved.pop(old, None)
    return found


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
            con = _connections[path] = _connect(path)
        _newest[:] = [path]
        _in_use[path] = _in_use.get(path, 0) + 1
        _close_idle_old_connections()
        return path, con.cursor()


def _release(path: Path) -> None:
    with _lock:
        _in_use[path] = _in_use.get(path, 1) - 1
        _close_idle_old_connections()


def _large_limit(path: Path, cur: duckdb.DuckDBPyConnection, step: int) -> None:
    """Raise the file's memory limit while at least one query needs it (step +1), lower it after the last (-1)."""
    with _lock:
        before = _large.get(path, 0)
        _large[path] = before + step
        if before == 0 and step > 0:
            cur.execute(f"set memory_limit = '{LARGE_MEMORY_LIMIT}'")
        elif before + step == 0:
            cur.execute(f"set memory_limit = '{_memory_limit()}'")


def query(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> pd.DataFrame:
    """The result as DuckDB's fetchdf gives it. Built from fetchnumpy (columns(): the same frame, values and
    dtypes) when every column is VARCHAR, BOOLEAN, BIGINT or DOUBLE: for the few dozen rows a page reads,
    fetchdf's per-column conversion costs ~2-4 ms of CPU more per read (a profile makes several)."""
    return _run(sql, params, build_dir, _frame_of)


def _frame_of(result) -> pd.DataFrame:
    cols = _columns(result)   # None before fetching anything when a column has another type
    return result.fetchdf() if cols is None else frame(cols)


def columns(sql: str, params: list | tuple | None = None, build_dir: Path | None = None,
            order: Callable[[dict], list[int] | None] | None = None) -> dict | None:
    """query()'s frame as its columns, before the frame is made: {name: array} with the dtypes fetchdf gives,
    so that frame(columns(...)) equals query(...) (tests/test_queries_frame.py). Built from fetchnumpy, which
    costs a fraction of fetchdf's per-column conversion (a 50-row profile of 37 columns: ~1.5 instead of
    ~7 ms CPU). order(raw numpy columns) may return the rows' order (a permutation: for a few rows cheaper than
    DuckDB's sort operator) or None to give up. None when a column has a type other than VARCHAR, BOOLEAN,
    BIGINT or DOUBLE, or order gave up (use query())."""
    return _run(sql, params, build_dir, lambda result: _columns(result, order))


_column_index: dict[tuple, pd.Index] = {}


def frame(cols: dict) -> pd.DataFrame:
    """The frame of columns(...) (and of any columns a reader added with the same dtype rules)."""
    arrays = list(cols.values())
    if arrays and len({len(a) for a in arrays}) == 1 and len(set(cols)) == len(cols):
        names = tuple(cols)
        columns = _column_index.get(names)
        if columns is None:   # an Index is immutable: frames of the same columns share one (~0.3 ms each)
            columns = _column_index[names] = pd.Index(list(names))
            for old in list(_column_index)[:-64]:
                _column_index.pop(old, None)
        try:   # the same frame as pd.DataFrame(cols, copy=False) without its per-column checks: ~half the CPU
            return pd.DataFrame._from_arrays(arrays, columns=columns, index=pd.RangeIndex(len(arrays[0])),
                                             verify_integrity=False)
        except (AttributeError, TypeError):   # a pandas without this constructor
            pass
    return pd.DataFrame(cols, copy=False)


def text_column(values: np.ndarray):
    """A text column (an object array, None for NULL) with the dtype fetchdf gives it: pandas' str dtype, unless
    there is no row or every value is NULL (then the object array itself)."""
    if len(values) and any(v is not None for v in values):
        # pd.array(values, dtype=_STRINGS) builds the same array through pandas' inference: ~3x the CPU per column
        return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string(), from_pandas=True), dtype=_STRINGS)
    return values


FAST_TYPES = {"VARCHAR", "BOOLEAN", "BIGINT", "DOUBLE"}
_STRINGS = pd.StringDtype(na_value=np.nan)   # pandas 3's default str dtype, which fetchdf's text columns get


def _columns(result, order=None) -> dict | None:
    names = [d[0] for d in result.description]
    if len(set(names)) != len(names) or any(str(d[1]) not in FAST_TYPES for d in result.description):
        return None
    raw = result.fetchnumpy()
    if order is not None:
        permutation = order(raw)
        if permutation is None:
            return None
        raw = {name: col[permutation] for name, col in raw.items()}
    return convert(raw)


def numpy(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> dict:
    """query() as DuckDB's fetchnumpy columns (NULLs masked); convert() gives them fetchdf's dtypes."""
    return _run(sql, params, build_dir, lambda result: result.fetchnumpy())


def describe(sql: str, build_dir: Path | None = None) -> dict[str, str]:
    """The columns of a query's result: {name: DuckDB type}."""
    return _run(sql, None, build_dir, lambda result: {d[0]: str(d[1]) for d in result.description})


def convert(raw: dict) -> dict:
    """fetchnumpy columns (VARCHAR, BOOLEAN, BIGINT or DOUBLE) as the arrays fetchdf gives them."""
    out = {}
    for name, col in raw.items():
        # what fetchdf does per type: NULL doubles become NaN, integers and booleans with a NULL become pandas'
        # nullable Int64 / boolean, text becomes pandas' str dtype unless every value is NULL (or there is no row)
        if isinstance(col, np.ma.MaskedArray):
            mask = np.ma.getmaskarray(col)
            if not mask.any():
                col = col.data
            elif col.dtype.kind == "f":
                col = col.filled(np.nan)
            elif col.dtype.kind == "i":
                col = pd.arrays.IntegerArray(col.data.copy(), mask)
            elif col.dtype.kind == "b":
                col = pd.arrays.BooleanArray(col.data.copy(), mask)
            else:
                col = col.data.copy()
                col[mask] = None
        out[name] = text_column(col) if col.dtype == object else col
    return out


def dicts(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> list[dict]:
    """query() as plain dicts {column: value} (None for NULL), without a pandas frame: for a row or two read
    as a record (a one-row frame and its row cost ~1-1.5 ms of CPU more than the read itself)."""
    def fetch(result):
        names = [d[0] for d in result.description]
        return [dict(zip(names, values)) for values in result.fetchall()]
    return _run(sql, params, build_dir, fetch)


def rows(sql: str, params: list | tuple | None = None, build_dir: Path | None = None) -> list[tuple]:
    """query() as plain tuples, without a pandas frame (for reads whose result is not shown as a table)."""
    return _run(sql, params, build_dir, lambda result: result.fetchall())


def _run(sql: str, params, build_dir: Path | None, fetch):
    path, cur = _acquire(build_dir)
    try:
        try:
            return fetch(cur.execute(sql, params or []))
        except duckdb.OutOfMemoryException:
            if not _memory_limit():
                raise
            _large_limit(path, cur, +1)
            try:
                return fetch(cur.execute(sql, params or []))
            finally:
                _large_limit(path, cur, -1)
    finally:
        cur.close()
        _release(path)


def release_key(build_dir: Path | None = None) -> str:
    """Changes when a refresh publishes a new release; pass it to st.cache_data functions as a cache key."""
    return current_path(build_dir).name
