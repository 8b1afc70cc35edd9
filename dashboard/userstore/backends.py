"""Two interchangeable backends behind one small interface: an embedded DuckDB file (default) and PostgreSQL.

A feature never talks to duckdb or psycopg directly. It gets a `Tx` inside `UserStore.write(fn)` or
`UserStore.read(fn)` and runs SQL written once, with `?` placeholders, in the subset both databases speak
(varchar, integer, bigint, double, boolean, date, timestamp, `returning`, `on conflict do nothing`). Where the
dialects differ (a regular-expression check), a migration may give one statement per dialect.

Every transaction is retried on a write conflict or a short lock; what still fails becomes a UserStoreError
with a Dutch message (errors.py), never a raw driver exception.
"""
from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from .errors import (ConstraintError, StoreBusyError, StoreDamagedError, StoreUnavailableError, UserStoreError)

T = TypeVar("T")
RETRIES = 12          # attempts for a conflicting or locked transaction (about 5 s in all, with jitter)
POOL_SIZE = 8       # idle PostgreSQL connections kept per process
IDLE_SECONDS = 0.5   # a DuckDB file is closed (free for other processes) after this long unused
IDENTIFIER_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def identifier(name: str) -> str:
    """A table or column name, checked, so names built into SQL text can never carry SQL."""
    if not IDENTIFIER_RE.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


class Tx:
    """One open transaction. `execute` returns all rows (a list of tuples; empty for statements without rows)."""

    dialect: str = ""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            self.execute(sql, row)


class Backend:
    """Opens transactions; subclasses map their driver's errors onto errors.py."""

    dialect: str = ""
    description: str = ""

    def change_token(self) -> object | None:
        """A value that differs whenever the store's content may have changed since it was last taken, for
        read_cache.ReadCache; None when this backend cannot tell (every read then goes to the store)."""
        return None

    @contextmanager
    def _transaction(self, read_only: bool) -> Iterator[Tx]:
        raise NotImplementedError
        yield  # pragma: no cover

    def _classify(self, err: Exception) -> tuple[bool, UserStoreError | None]:
        """(retry?, the UserStoreError to raise instead) for a driver error; (False, None) re-raises it."""
        raise NotImplementedError

    def run(self, fn: Callable[[Tx], T], *, read_only: bool = False) -> T:
        """Run fn(tx) in one transaction: committed when fn returns, rolled back when it raises. Conflicts and
        locks are retried with a random back-off; fn must therefore have no side effects outside tx."""
        last: UserStoreError | None = None
        for attempt in range(RETRIES):
            try:
                with self._transaction(read_only) as tx:
                    return fn(tx)
            except UserStoreError:
                raise
            except Exception as err:  # noqa: BLE001 - sorted by _classify; unknown errors are re-raised
                retry, mapped = self._classify(err)
                if mapped is None:
                    raise
                if not retry:
                    raise mapped from err
                last = mapped
                time.sleep(min(0.02 * 2 ** attempt, 0.8) * (0.5 + random.random()))
        assert last is not None
        raise last


# ----------------------------------------------------------------------------------------------- DuckDB
class _DuckTx(Tx):
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.con.execute(sql, list(params))
        return cursor.fetchall() if cursor.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.con.executemany(sql, [list(row) for row in rows])


class DuckDBBackend(Backend):
    """The embedded default: one DuckDB file, a connection per transaction (closed again, so another process
    finds the file free between calls). Writers in one process are serialised by a lock, because DuckDB's
    optimistic concurrency would otherwise make busy sessions retry each other."""

    dialect = "duckdb"
    _locks: dict[str, threading.Lock] = {}
    _writes: dict[str, int] = {}   # write transactions per file in this process (for change_token)

    def __init__(self, path: str | os.PathLike, *, idle_seconds: float = IDLE_SECONDS):
        self.path = Path(path)
        self.description = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._key = str(self.path.resolve())
        self._write_lock = self._locks.setdefault(self._key, threading.Lock())
        self.idle_seconds = idle_seconds
        self._state = threading.Lock()
        self._anchor: duckdb.DuckDBPyConnection | None = None
        self._users = 0
        self._timer: threading.Timer | None = None

    # Opening the file costs tens of milliseconds; a burst of transactions shares one open database (an
    # "anchor" connection, a cursor per transaction), which is closed after idle_seconds without use.
    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._state:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._anchor is None:
                self._anchor = duckdb.connect(str(self.path))
            self._users += 1
            return self._anchor.cursor()

    def _release(self) -> None:
        with self._state:
            self._users -= 1
            if self._users == 0 and self._anchor is not None:
                self._timer = threading.Timer(self.idle_seconds, self.close_idle)
                self._timer.daemon = True
                self._timer.start()

    def close_idle(self) -> None:
        """Close the shared connection if no transaction uses it (frees the file for other processes)."""
        with self._state:
            if self._users == 0 and self._anchor is not None:
                self._anchor.close()
                self._anchor = None

    def change_token(self) -> object | None:
        """Writes in this process count per file (every backend on the same file shares the count); what another
        process writes changes the file or its write-ahead log (size, modification or change time, inode): it can
        only write while this process has the file closed, and opening it alone takes longer than the clock's
        coarsest tick, so a change never hides behind an unchanged time and size."""
        try:
            main = os.stat(self.path)
        except FileNotFoundError:
            return None
        try:
            wal = os.stat(f"{self.path}.wal")
            log = (wal.st_ino, wal.st_size, wal.st_mtime_ns, wal.st_ctime_ns)
        except FileNotFoundError:
            log = None
        return (self._writes.get(self._key, 0), main.st_ino, main.st_size, main.st_mtime_ns, main.st_ctime_ns, log)

    @contextmanager
    def _transaction(self, read_only: bool) -> Iterator[Tx]:
        lock = None if read_only else self._write_lock
        if lock is not None:
            lock.acquire()
        try:
            con = self._acquire()
            try:
                con.begin()
                try:
                    yield _DuckTx(con)
                except BaseException:
                    con.rollback()
                    raise
                con.commit()
            finally:
                con.close()
                self._release()
        finally:
            if lock is not None:
                self._writes[self._key] = self._writes.get(self._key, 0) + 1   # under the file's write lock
                lock.release()

    def _classify(self, err: Exception) -> tuple[bool, UserStoreError | None]:
        text = str(err)
        if isinstance(err, duckdb.ConstraintException):
            return False, ConstraintError(text, unique="unique" in text.lower() or "primary key" in text.lower()
                                          or "duplicate key" in text.lower())
        if isinstance(err, duckdb.TransactionException) or "Conflict on" in text:
            return True, StoreBusyError(text)
        if isinstance(err, duckdb.IOException) and "lock" in text.lower():
            return True, StoreBusyError(text)
        if isinstance(err, (duckdb.IOException, duckdb.SerializationException, duckdb.InvalidInputException)) \
                and ("database" in text.lower() or "file" in text.lower() or "checksum" in text.lower()):
            return False, StoreDamagedError(text)
        if isinstance(err, duckdb.InternalException | duckdb.FatalException):
            return False, StoreDamagedError(text)
        return False, None


# ----------------------------------------------------------------------------------------------- PostgreSQL
class _PgTx(Tx):
    dialect = "postgresql"

    def __init__(self, con):
        self.con = con

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.con.cursor() as cur:
            cur.execute(self._sql(sql), list(params))
            return cur.fetchall() if cur.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.con.cursor() as cur:
                cur.executemany(self._sql(sql), [list(row) for row in rows])


class PostgresBackend(Backend):
    """PostgreSQL (BUURTBALANS_USER_DB=postgresql://...), so several app instances share one store.
    A few idle connections are kept for reuse (isolation 'read committed'; row versions make stale saves fail anyway)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 5):
        import psycopg  # imported here: the laptop default never needs it

        self._psycopg = psycopg
        self.url = url
        self.description = re.sub(r"//[^@/]*@", "//…@", url)  # never show a password
        self.connect_timeout = connect_timeout
        self._idle: list = []
        self._pool_lock = threading.Lock()

    def _take(self):
        with self._pool_lock:
            while self._idle:
                con = self._idle.pop()
                if not con.closed and not con.broken:
                    return con
        return self._psycopg.connect(self.url, connect_timeout=self.connect_timeout)

    def _give_back(self, con) -> None:
        from psycopg.pq import TransactionStatus

        with self._pool_lock:
            if not con.closed and not con.broken and len(self._idle) < POOL_SIZE \
                    and con.info.transaction_status == TransactionStatus.IDLE:
                self._idle.append(con)
                return
        con.close()

    @contextmanager
    def _transaction(self, read_only: bool) -> Iterator[Tx]:
        con = self._take()
        ok = False
        try:
            con.read_only = read_only
            try:
                yield _PgTx(con)
            except BaseException:
                if not con.closed and not con.broken:
                    con.rollback()
                raise
            con.commit()
            ok = True
        finally:
            if ok:
                self._give_back(con)
            else:
                con.close()

    def _classify(self, err: Exception) -> tuple[bool, UserStoreError | None]:
        errors = self._psycopg.errors
        text = str(err)
        if isinstance(err, errors.UniqueViolation):
            return False, ConstraintError(text, unique=True)
        if isinstance(err, self._psycopg.IntegrityError):
            return False, ConstraintError(text, unique=False)
        if isinstance(err, (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)):
            return True, StoreBusyError(text)
        if isinstance(err, self._psycopg.OperationalError):
            return True, StoreUnavailableError(text)
        return False, None


def backend_for(target: str | os.PathLike) -> Backend:
    """`postgresql://...` (or postgres://) -> PostgresBackend; anything else is a DuckDB file path."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(text)
    return DuckDBBackend(text)
