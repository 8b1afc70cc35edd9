"""Conversations and agendas in the user store (the Bewonerskaart's own DuckDB file), never in the CBS release.

Each document is one row: its JSON body and a row version. A save names the version it started from and is
refused (StaleEdit, a Dutch message) when another session saved in between, so no change is lost silently.
Every write is one transaction, so an import of an agenda with its conversations is stored whole or not at all.

The seam: all SQL runs through `self._run(fn)`, where fn gets a transaction with `execute(sql, params) -> rows`
(the same shape as the shared user-store layer), and the tables come from migrate.MIGRATIONS.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from dashboard.bewoners.store import RELEASE_PREFIXES, ReleaseDatabaseError, _refuse_release_path, default_store_path

from . import migrate, model

T = TypeVar("T")
_LOCKS: dict[str, threading.Lock] = {}


class StaleEdit(RuntimeError):
    """Another session saved this document after it was opened; nothing was saved."""

    def __init__(self, what: str, expected: int, current: int):
        super().__init__(f"Iemand anders heeft {what} gewijzigd nadat u die opende (u begon bij versie {expected}, "
                         f"nu is het versie {current}). Uw wijziging is niet opgeslagen, zodat de andere wijziging "
                         "niet verloren gaat. Laad de nieuwste versie en doe uw wijziging opnieuw.")
        self.expected, self.current = expected, current


class NotFound(KeyError):
    def __str__(self) -> str:
        return "Dit staat niet (meer) in de opslag."


class AlreadyThere(RuntimeError):
    """An import whose agenda or conversations already exist."""


class _Tx:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def execute(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        cursor = self.con.execute(sql, list(params))
        return cursor.fetchall() if cursor.description else []


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


class AgendaStore:
    """The wijkagenda's documents in the user store file (default: the Bewonerskaart file, data/user/...)."""

    def __init__(self, path: str | os.PathLike | None = None, *, release_db_path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        _refuse_release_path(self.path, release_db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _LOCKS.setdefault(str(self.path.resolve()), threading.Lock())
        self.schema_version = self._run(self._migrate)

    # ------------------------------------------------------------------------------------------- plumbing
    @contextmanager
    def _transaction(self) -> Iterator[_Tx]:
        with self._lock:
            con = duckdb.connect(str(self.path))
            try:
                con.begin()
                try:
                    yield _Tx(con)
                except BaseException:
                    con.rollback()
                    raise
                con.commit()
            finally:
                con.close()

    def _run(self, fn: Callable[[_Tx], T]) -> T:
        with self._transaction() as tx:
            return fn(tx)

    def _migrate(self, tx: _Tx) -> int:
        names = [r[0] for r in tx.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'main'")]
        if any(n.startswith(RELEASE_PREFIXES) for n in names):
            raise ReleaseDatabaseError(f"{self.path} bevat CBS-tabellen; de wijkagenda hoort in de eigen opslag")
        tx.execute(f"create table if not exists {migrate.VERSION_TABLE} (version integer not null, "
                   "applied_at timestamp not null)")
        found = tx.execute(f"select coalesce(max(version), 0) from {migrate.VERSION_TABLE}")[0][0]
        for version, _what, statements in migrate.pending(found):
            for sql in statements:
                tx.execute(sql)
            tx.execute(f"insert into {migrate.VERSION_TABLE} values (?, ?)", [version, _now()])
        return migrate.SCHEMA_VERSION

    # ------------------------------------------------------------------------------------------- agendas
    def agendas(self, region: str | None = None) -> list[dict]:
        """[{id, title, region, version, updated_at}] newest first; all regions when region is None."""
        where, params = ("where region = ?", [region]) if region else ("", [])
        rows = self._run(lambda tx: tx.execute(
            f"select id, title, region, version, updated_at from wijkagenda_agendas {where} "
            "order by updated_at desc, id", params))
        return [dict(zip(("id", "title", "region", "version", "updated_at"), r)) for r in rows]

    def agenda(self, agenda_id: str) -> tuple[dict, int]:
        """(the agenda document, its version); NotFound when there is none."""
        rows = self._run(lambda tx: tx.execute("select body, version from wijkagenda_agendas where id = ?",
                                               [agenda_id]))
        if not rows:
            raise NotFound(agenda_id)
        return json.loads(rows[0][0]), int(rows[0][1])

    def create_agenda(self, doc: dict) -> int:
        doc = model.agenda(doc)

        def insert(tx: _Tx) -> int:
            if tx.execute("select 1 from wijkagenda_agendas where id = ?", [doc["id"]]):
                raise AlreadyThere("Deze agenda bestaat al.")
            tx.execute("insert into wijkagenda_agendas values (?, ?, ?, ?, 1, ?)",
                       [doc["id"], doc["region"], doc["title"], _dump(doc), _now()])
            self._log(tx, doc["id"], 1, "aangemaakt")
            return 1
        return self._run(insert)

    def save_agenda(self, doc: dict, expected_version: int, what: str = "gewijzigd") -> int:
        """Store a changed agenda if nobody saved since `expected_version`; returns the new version.

        Raises StaleEdit (nothing saved), NotFound, or model.ValidationError."""
        doc = model.agenda(doc)

        def update(tx: _Tx) -> int:
            rows = tx.execute("update wijkagenda_agendas set body = ?, title = ?, version = version + 1, "
                              "updated_at = ? where id = ? and version = ? returning version",
                              [_dump(doc), doc["title"], _now(), doc["id"], int(expected_version)])
            if not rows:
                current = tx.execute("select version from wijkagenda_agendas where id = ?", [doc["id"]])
                if not current:
                    raise NotFound(doc["id"])
                raise StaleEdit("deze agenda", int(expected_version), int(current[0][0]))
            self._log(tx, doc["id"], int(rows[0][0]), what[:200])
            return int(rows[0][0])
        return self._run(update)

    def delete_agenda(self, agenda_id: str, expected_version: int) -> None:
        def delete(tx: _Tx) -> None:
            rows = tx.execute("delete from wijkagenda_agendas where id = ? and version = ? returning id",
                              [agenda_id, int(expected_version)])
            if not rows:
                current = tx.execute("select version from wijkagenda_agendas where id = ?", [agenda_id])
                if not current:
                    raise NotFound(agenda_id)
                raise StaleEdit("deze agenda", int(expected_version), int(current[0][0]))
            self._log(tx, agenda_id, int(expected_version) + 1, "verwijderd")
        self._run(delete)

    def changes(self, agenda_id: str) -> list[tuple[int, datetime, str]]:
        return [tuple(r) for r in self._run(lambda tx: tx.execute(
            "select version, changed_at, what from wijkagenda_changes where agenda_id = ? order by version",
            [agenda_id]))]

    @staticmethod
    def _log(tx: _Tx, agenda_id: str, version: int, what: str) -> None:
        tx.execute("insert into wijkagenda_changes values (?, ?, ?, ?)", [agenda_id, version, _now(), what])

    # ------------------------------------------------------------------------------------------- conversations
    def conversations(self, region: str | None = None, ids: list[str] | None = None) -> list[tuple[dict, int]]:
        """[(conversation, version)], newest date first; of one region (its first buurt/wijk), or these ids."""
        if ids is not None:
            if not ids:
                return []
            where, params = f"where id in ({', '.join('?' * len(ids))})", list(ids)
        elif region:
            where, params = "where region = ?", [region]
        else:
            where, params = "", []
        rows = self._run(lambda tx: tx.execute(f"select body, version from wijkagenda_conversations {where}",
                                               params))
        docs = [(json.loads(body), int(version)) for body, version in rows]
        return sorted(docs, key=lambda d: (d[0]["date"], d[0]["id"]), reverse=True)

    def conversation(self, conversation_id: str) -> tuple[dict, int]:
        found = self.conversations(ids=[conversation_id])
        if not found:
            raise NotFound(conversation_id)
        return found[0]

    def save_conversation(self, doc: dict, expected_version: int | None = None) -> int:
        """Create (expected_version None) or update a conversation record; StaleEdit when someone saved first."""
        doc = model.conversation(doc)

        def save(tx: _Tx) -> int:
            if expected_version is None:
                if tx.execute("select 1 from wijkagenda_conversations where id = ?", [doc["id"]]):
                    raise AlreadyThere("Dit gesprek bestaat al.")
                tx.execute("insert into wijkagenda_conversations values (?, ?, ?, 1, ?)",
                           [doc["id"], doc["regions"][0], _dump(doc), _now()])
                return 1
            rows = tx.execute("update wijkagenda_conversations set body = ?, region = ?, version = version + 1, "
                              "updated_at = ? where id = ? and version = ? returning version",
                              [_dump(doc), doc["regions"][0], _now(), doc["id"], int(expected_version)])
            if not rows:
                current = tx.execute("select version from wijkagenda_conversations where id = ?", [doc["id"]])
                if not current:
                    raise NotFound(doc["id"])
                raise StaleEdit("dit gesprek", int(expected_version), int(current[0][0]))
            return int(rows[0][0])
        return self._run(save)

    # ------------------------------------------------------------------------------------------- import
    def import_bundle(self, agenda: dict, conversations: list[dict]) -> str:
        """Store an imported agenda with its conversations in one transaction (all or nothing).

        Raises AlreadyThere when the agenda or one of its conversations is already in the store."""
        agenda = model.agenda(agenda)
        conversations = [model.conversation(c) for c in conversations]

        def insert(tx: _Tx) -> str:
            if tx.execute("select 1 from wijkagenda_agendas where id = ?", [agenda["id"]]):
                raise AlreadyThere("Deze agenda staat al in de opslag. Er is niets ingelezen; open de agenda die er "
                                   "al is, of verwijder die eerst.")
            for doc in conversations:
                if tx.execute("select 1 from wijkagenda_conversations where id = ?", [doc["id"]]):
                    raise AlreadyThere(f"Het gesprek van {doc['date']} staat al in de opslag. Er is niets ingelezen.")
                tx.execute("insert into wijkagenda_conversations values (?, ?, ?, 1, ?)",
                           [doc["id"], doc["regions"][0], _dump(doc), _now()])
            tx.execute("insert into wijkagenda_agendas values (?, ?, ?, ?, 1, ?)",
                       [agenda["id"], agenda["region"], agenda["title"], _dump(agenda), _now()])
            self._log(tx, agenda["id"], 1, "ingelezen uit een bestand")
            return agenda["id"]
        return self._run(insert)

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests and the page's footer)."""
        def count(tx: _Tx) -> dict[str, Any]:
            return {t: tx.execute(f"select count(*) from {t}")[0][0]
                    for t in ("wijkagenda_agendas", "wijkagenda_conversations", "wijkagenda_changes")}
        return self._run(count)
