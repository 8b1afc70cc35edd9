"""Versioned schema migrations: a registry any feature adds to, applied in order, each in its own transaction.

A migration is (feature, version, description, statements). `statements` is SQL text (several statements
separated by ';' on their own), a dict {dialect: SQL} where DuckDB and PostgreSQL differ, or a callable
fn(tx) for data migrations. Versions of one feature are 1, 2, 3, ... and are never edited once released:
a change is a new version. The table `userstore_migrations` records what ran, so an older store opens in a
newer release and is brought up to date with nothing lost; a store that a newer release has migrated
further than this code knows is refused (StoreTooNewError) instead of being half understood.
"""
from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from .backends import Backend, Tx
from .errors import StoreTooNewError

Statements = str | Mapping[str, str] | Callable[[Tx], None]


@dataclass(frozen=True)
class Migration:
    feature: str
    version: int
    description: str
    statements: Statements

    def apply(self, tx: Tx) -> None:
        if callable(self.statements):
            self.statements(tx)
            return
        sql = self.statements if isinstance(self.statements, str) else self.statements[tx.dialect]
        for statement in split_statements(sql):
            tx.execute(statement)


REGISTRY: dict[str, dict[int, Migration]] = {}
_REGISTRY_LOCK = threading.Lock()

_LEDGER = """
create table if not exists userstore_migrations (
    feature varchar not null,
    version integer not null,
    description varchar not null,
    applied_at timestamp not null,
    primary key (feature, version)
)
"""


def register(feature: str, version: int, description: str, statements: Statements) -> Migration:
    """Add a migration to the registry (at import time of the feature's store module). Registering the same
    (feature, version) twice with the same description is harmless (module reloads); a different one is a bug."""
    migration = Migration(feature, version, description, statements)
    with _REGISTRY_LOCK:
        versions = REGISTRY.setdefault(feature, {})
        existing = versions.get(version)
        if existing is not None and existing.description != description:
            raise ValueError(f"migration {feature} v{version} registered twice: {existing.description!r} "
                             f"and {description!r}")
        versions[version] = migration
    return migration


def split_statements(sql: str) -> list[str]:
    """Split on ';' at the end of a line (statements here hold no ';' inside literals at line ends)."""
    parts, current = [], []
    for line in sql.splitlines():
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    parts.append("\n".join(current))
    return [p.strip() for p in parts if p.strip()]


def applied_versions(tx: Tx, feature: str) -> set[int]:
    return {int(row[0]) for row in tx.execute(
        "select version from userstore_migrations where feature = ?", [feature])}


def migrate(backend: Backend, feature: str) -> list[int]:
    """Apply the pending migrations of one feature, in version order. Returns the versions applied now.
    Concurrent openers are safe: PostgreSQL takes a transaction-scoped advisory lock per feature, DuckDB
    serialises writers (one process holds the file), and every migration re-checks the ledger in its
    own transaction."""
    known = REGISTRY.get(feature, {})
    if sorted(known) != list(range(1, len(known) + 1)):
        raise ValueError(f"migrations of {feature} must be numbered 1, 2, 3, ...: {sorted(known)}")
    done_now: list[int] = []
    backend.run(lambda tx: tx.execute(_LEDGER))

    def pending(tx: Tx) -> list[int]:
        applied = applied_versions(tx, feature)
        if applied and known and max(applied) > max(known):
            raise StoreTooNewError(feature, max(applied), max(known))
        return sorted(set(known) - applied)

    for version in backend.run(pending, read_only=True):
        migration = known[version]

        def step(tx: Tx, migration: Migration = migration) -> bool:
            if tx.dialect == "postgresql":
                tx.execute("select pg_advisory_xact_lock(?)", [zlib.crc32(feature.encode())])
            if migration.version in applied_versions(tx, feature):
                return False
            migration.apply(tx)
            tx.execute("insert into userstore_migrations (feature, version, description, applied_at) "
                       "values (?, ?, ?, ?)", [feature, migration.version, migration.description,
                                                datetime.now(timezone.utc).replace(tzinfo=None)])
            return True

        if backend.run(step):
            done_now.append(version)
    return done_now
