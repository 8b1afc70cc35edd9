"""Optimistic row versions and the audit log, shared by every feature that keeps rows in the user store.

Row versions: a table that residents edit has `version integer not null default 1`. A form remembers the
version it showed; `update_versioned` changes the row only if it still has that version (and adds 1), in the
same statement, so two sessions can never both win: the later, stale save raises StaleVersionError and the
page shows what is stored now. Both databases make this single `update ... where version = ?` atomic.

Audit log: `record(tx, ...)` writes one row per change (when, which editor or session, what action, the row
before and after as JSON) in the same transaction as the change itself, so the log and the data can never
disagree, also after a crash. Deletes are soft (`deleted_at`), so "undo" is a restore, also logged.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .backends import Tx, identifier
from .errors import RowMissingError, StaleVersionError
from .migrations import register

AUDIT_FEATURE = "userstore"

register(AUDIT_FEATURE, 1, "audit log", """
create table if not exists userstore_audit (
    id varchar primary key,
    changed_at timestamp not null,
    feature varchar not null,
    entity varchar not null,
    entity_id varchar not null,
    action varchar not null,
    actor varchar not null,
    before_json varchar,
    after_json varchar
);
create index if not exists userstore_audit_entity on userstore_audit (feature, entity_id);
""")

ACTIONS = ("create", "update", "delete", "restore")
try:
    _DUTCH_ZONE: ZoneInfo | None = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:   # no system tz database (and no tzdata package): times are said in UTC
    _DUTCH_ZONE = None


def utc_naive_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def dutch_time(at: datetime) -> datetime:
    """A stored moment (naive UTC, as utc_naive_now writes it, or aware) on a Dutch clock (CET/CEST), as a person
    reads it: a history said '08:16 UTC' of a change made at 09:16 in Monnickendam."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
    return aware.astimezone(_DUTCH_ZONE) if _DUTCH_ZONE is not None else aware.astimezone(timezone.utc)


def dutch_time_text(at: datetime) -> str:
    """'02-12-2026 09:16' (Dutch time); '... UTC' only where the machine has no time-zone data."""
    shown = dutch_time(at)
    return f"{shown:%d-%m-%Y %H:%M}" + ("" if _DUTCH_ZONE is not None else " UTC")


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def to_json(values: Mapping[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(dict(values), default=_json_default, ensure_ascii=False,
                                                  sort_keys=True)


def record(tx: Tx, *, feature: str, entity: str, entity_id: str, action: str, actor: str,
           before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    """Write one audit row inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    tx.execute("insert into userstore_audit (id, changed_at, feature, entity, entity_id, action, actor, before_json, "
               "after_json) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               [str(uuid.uuid4()), utc_naive_now(), feature, entity, entity_id, action, actor or "onbekend",
                to_json(before), to_json(after)])


def record_many(tx: Tx, *, feature: str, entity: str, action: str, actor: str,
                changes: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> None:
    """Audit rows for a batch (entity_id, before, after), in one executemany."""
    now = utc_naive_now()
    tx.executemany("insert into userstore_audit (id, changed_at, feature, entity, entity_id, action, actor, before_json, "
                   "after_json) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [[str(uuid.uuid4()), now, feature, entity, key, action, actor or "onbekend", to_json(b),
                     to_json(a)] for key, b, a in changes])


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    feature: str
    entity: str
    entity_id: str
    action: str
    actor: str
    before: dict | None
    after: dict | None


def where_clause(equal: Mapping[str, Any], *always: str) -> tuple[str, list]:
    """(' where a = ? and b = ?', [a, b]) for the `equal` columns whose value is not None, after the fixed
    conditions `always` (e.g. 'deleted_at is null'); ('', []) when there is no condition. Column names are checked
    as identifiers, values always go as parameters."""
    parts, params = list(always), []
    for column, value in equal.items():
        if value is not None:
            parts.append(f"{identifier(column)} = ?")
            params.append(value)
    return (" where " + " and ".join(parts), params) if parts else ("", [])


def history(tx: Tx, *, feature: str | None = None, entity_id: str | None = None, limit: int = 200,
            offset: int = 0) -> list[AuditEntry]:
    """Audit entries, newest first."""
    where, params = where_clause({"feature": feature, "entity_id": entity_id})
    sql = "select changed_at, feature, entity, entity_id, action, actor, before_json, after_json from userstore_audit"
    sql += where
    rows = tx.execute(sql + " order by changed_at desc, id limit ? offset ?", [*params, int(limit), int(offset)])
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]) if r[6] else None,
                       json.loads(r[7]) if r[7] else None) for r in rows]


def update_versioned(tx: Tx, table: str, key: str, expected_version: int, values: Mapping[str, Any], *,
                     key_column: str = "id", current: Any = None) -> int:
    """Set `values` on row `key` if its version is still `expected_version`; returns the new version.
    Raises StaleVersionError (with the current version) or RowMissingError. `current` (optional) is a
    callable(tx) -> the current row for the error, so the page can show it."""
    table, key_column = identifier(table), identifier(key_column)
    sets = ", ".join(f"{identifier(column)} = ?" for column in values)
    sets = f"{sets}, version = version + 1" if sets else "version = version + 1"
    rows = tx.execute(f"update {table} set {sets} where {key_column} = ? and version = ? returning version",
                      [*values.values(), key, int(expected_version)])
    if rows:
        return int(rows[0][0])
    found = tx.execute(f"select version from {table} where {key_column} = ?", [key])
    if not found:
        raise RowMissingError(key)
    raise StaleVersionError(key, int(expected_version), int(found[0][0]),
                            current(tx) if callable(current) else None)
