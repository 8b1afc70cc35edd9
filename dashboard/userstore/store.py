"""UserStore: the one entry point features use, whichever backend is configured.

Where the store lives:
- `BUURTBALANS_USER_DB=postgresql://user@host/db` (or `...?host=/socket/dir&port=5432`): PostgreSQL, for
  several app instances behind a load balancer;
- `BUURTBALANS_USER_DB=/path/file.duckdb`, or the older `BUURTBALANS_BEWONERSKAART_DB`: that DuckDB file;
- otherwise the default DuckDB file data/user/bewonerskaart.duckdb (the Bewonerskaart's file since the
  start, now shared by every feature that stores what users give).
A DuckDB path that is, or looks like, the CBS release database is refused: a refresh must never touch
the user store, and the user store must never write into a release.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .backends import Backend, DuckDBBackend, Tx, backend_for
from .errors import UserStoreError
from .migrations import migrate
from .rows import AUDIT_FEATURE

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STORE_PATH = REPO_ROOT / "data" / "user" / "bewonerskaart.duckdb"
USER_DB_ENV = "BUURTBALANS_USER_DB"
LEGACY_PATH_ENV = "BUURTBALANS_BEWONERSKAART_DB"
RELEASE_PREFIXES = ("raw_", "stg_", "mart_")


class ReleaseDatabaseError(UserStoreError, ValueError):
    """The path points at (or looks like) the CBS release database, which the user store must never touch."""


def configured_target() -> str:
    """The configured store: a postgresql:// URL or a DuckDB file path."""
    return os.environ.get(USER_DB_ENV) or os.environ.get(LEGACY_PATH_ENV) or str(DEFAULT_STORE_PATH)


class UserStore:
    """A backend plus its migrations. Features call `ensure(feature)` once (it applies that feature's pending
    migrations), then do their work in `write(fn)` / `read(fn)`: fn(tx) runs in one transaction, retried on
    a conflict, and any failure becomes a UserStoreError with a Dutch message."""

    def __init__(self, target: str | os.PathLike | Backend | None = None, *,
                 release_db_path: str | os.PathLike | None = None):
        if isinstance(target, Backend):
            self.backend = target
        else:
            text = str(target) if target is not None else configured_target()
            if not text.startswith(("postgresql://", "postgres://")):
                refuse_release_path(Path(text), release_db_path)
            self.backend = backend_for(text)
        if isinstance(self.backend, DuckDBBackend) and self.backend.path.exists():
            self._refuse_release_content()
        self._ensured: set[str] = set()
        self._lock = threading.Lock()
        self.ensure(AUDIT_FEATURE)

    @property
    def dialect(self) -> str:
        return self.backend.dialect

    def change_token(self) -> object | None:
        """Differs whenever the store may have changed (Backend.change_token); None when unknown."""
        return self.backend.change_token()

    @property
    def path(self) -> Path | None:
        return self.backend.path if isinstance(self.backend, DuckDBBackend) else None

    def ensure(self, feature: str) -> None:
        """Apply the pending migrations of `feature` (once per UserStore object)."""
        with self._lock:
            if feature not in self._ensured:
                migrate(self.backend, feature)
                self._ensured.add(feature)

    def write(self, fn: Callable[[Tx], T]) -> T:
        return self.backend.run(fn)

    def read(self, fn: Callable[[Tx], T]) -> T:
        return self.backend.run(fn, read_only=True)

    def _refuse_release_content(self) -> None:
        names = self.read(lambda tx: [row[0] for row in tx.execute(
            "select table_name from information_schema.tables where table_schema = 'main'")])
        foreign = [n for n in names if n.startswith(RELEASE_PREFIXES)]
        if foreign:
            self.backend.close_idle()
            raise ReleaseDatabaseError(f"{self.backend.description} bevat CBS-tabellen ({foreign[0]}, ...); de "
                                       "bewonersgegevens staan in een eigen bestand")


def refuse_release_path(path: Path, release_db_path: str | os.PathLike | None = None) -> None:
    """Refuse the release database by location (data/build, $BUURTBALANS_BUILD_DIR), by its file names
    (current.duckdb, buurtbalans-<stamp>.duckdb, see pipelines/release.py) or as the path the caller gave."""
    resolved = path.resolve()
    parts = [part.lower() for part in resolved.parts]
    build_env = os.environ.get("BUURTBALANS_BUILD_DIR")
    build_dirs = [Path(build_env).resolve()] if build_env else []
    reasons = [
        any(a == "data" and b == "build" for a, b in zip(parts, parts[1:])),
        any(d == resolved or d in resolved.parents for d in build_dirs),
        any(name == "current.duckdb" or name.startswith("buurtbalans-") for name in (path.name, resolved.name)),
        release_db_path is not None and resolved == Path(release_db_path).resolve(),
    ]
    if any(reasons):
        raise ReleaseDatabaseError(f"{path} lijkt de CBS-database; de bewonersgegevens staan in een eigen "
                                   f"bestand, bijvoorbeeld {DEFAULT_STORE_PATH}")


_SHARED: dict[str, UserStore] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(target: str | None = None) -> UserStore:
    """One UserStore per configured target in this process (the dashboard's sessions share it)."""
    key = target or configured_target()
    with _SHARED_LOCK:
        store = _SHARED.get(key)
        if store is None:
            store = _SHARED[key] = UserStore(key)
        return store
