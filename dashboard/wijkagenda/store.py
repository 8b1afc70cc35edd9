"""Conversations and agendas in the shared user store (dashboard.userstore), never in the CBS release.

Each document is one row: its JSON body and a row version. A save names the version it started from and is
refused (userstore.StaleVersionError, a Dutch message) when another session saved in between, so no change is
lost silently. Every write is one transaction with its audit-log rows, so an import of an agenda with its
conversations is stored whole or not at all. Deletes are soft (deleted_at).
"""
from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

from dashboard import userstore
from dashboard.userstore import RowMissingError, StaleVersionError, Tx, UserStoreError

from . import model
from .migrate import FEATURE

__all__ = ["AgendaStore", "AlreadyThere", "RowMissingError", "StaleVersionError", "UserStoreError"]


class AlreadyThere(UserStoreError):
    """An import or a new document whose id is already in the store; nothing was saved."""


def _dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)


class AgendaStore:
    """The wijkagenda's documents. `target`: a UserStore, a DuckDB path or postgresql:// URL, or None for the
    configured shared store (data/user/bewonerskaart.duckdb by default). `actor` names the session in the log."""

    def __init__(self, target: userstore.UserStore | str | os.PathLike | None = None, *, actor: str = "app"):
        if isinstance(target, userstore.UserStore):
            self.users = target
        elif target is None:
            self.users = userstore.shared_store()
        else:
            self.users = userstore.UserStore(target)
        self.users.ensure(FEATURE)
        self.actor = actor

    def close(self) -> None:
        """Free a DuckDB file for other processes now (it is freed after a short idle time anyway)."""
        close = getattr(self.users.backend, "close_idle", None)
        if close is not None:
            close()

    def _log(self, tx: Tx, entity: str, key: str, action: str, before: dict | None, after: dict | None) -> None:
        userstore.record(tx, feature=FEATURE, entity=entity, entity_id=key, action=action, actor=self.actor,
                         before=before, after=after)

    # ------------------------------------------------------------------------------------------- agendas
    def agendas(self, region: str | None = None) -> list[dict]:
        """[{id, title, region, version, updated_at}] newest first; all regions when region is None."""
        where, params = userstore.where_clause({"region": region or None}, "deleted_at is null")
        rows = self.users.read(lambda tx: tx.execute(
            f"select id, title, region, version, updated_at from wijkagenda_agendas{where} "
            f"order by updated_at desc, id", params))
        return [dict(zip(("id", "title", "region", "version", "updated_at"), r)) for r in rows]

    def agenda(self, agenda_id: str) -> tuple[dict, int]:
        """(the agenda document, its version); RowMissingError when there is none."""
        rows = self.users.read(lambda tx: tx.execute(
            "select body, version from wijkagenda_agendas where id = ? and deleted_at is null", [agenda_id]))
        if not rows:
            raise RowMissingError(agenda_id)
        return json.loads(rows[0][0]), int(rows[0][1])

    def _insert_agenda(self, tx: Tx, doc: dict, action: str) -> None:
        if tx.execute("select 1 from wijkagenda_agendas where id = ?", [doc["id"]]):
            raise AlreadyThere("Deze agenda staat al in de opslag. Er is niets opgeslagen; open de agenda die er al "
                               "is.")
        now = userstore.utc_naive_now()
        tx.execute("insert into wijkagenda_agendas (id, region, title, body, version, created_at, updated_at) "
                   "values (?, ?, ?, ?, 1, ?, ?)", [doc["id"], doc["region"], doc["title"], _dump(doc), now, now])
        self._log(tx, "agenda", doc["id"], action, None, doc)

    def create_agenda(self, doc: dict) -> int:
        doc = model.agenda(doc)
        self.users.write(lambda tx: self._insert_agenda(tx, doc, "create"))
        return 1

    def save_agenda(self, doc: dict, expected_version: int) -> int:
        """Store a changed agenda if nobody saved since `expected_version`; returns the new version.

        Raises StaleVersionError (nothing saved; Dutch message), RowMissingError, or model.ValidationError."""
        doc = model.agenda(doc)

        def update(tx: Tx) -> int:
            before = tx.execute("select body from wijkagenda_agendas where id = ? and deleted_at is null",
                                [doc["id"]])
            if not before:
                raise RowMissingError(doc["id"])
            version = userstore.update_versioned(
                tx, "wijkagenda_agendas", doc["id"], expected_version,
                {"body": _dump(doc), "title": doc["title"], "updated_at": userstore.utc_naive_now()})
            self._log(tx, "agenda", doc["id"], "update", json.loads(before[0][0]), doc)
            return version
        return self.users.write(update)

    def delete_agenda(self, agenda_id: str, expected_version: int) -> None:
        """Soft delete (restore_agenda undoes it); refused when someone saved since `expected_version`. The log
        keeps the body as it was."""
        self._soft_delete("wijkagenda_agendas", "agenda", agenda_id, expected_version)

    def restore_agenda(self, agenda_id: str, expected_version: int) -> int:
        """Undo a soft delete; refused (StaleVersionError) when the row changed since the list was shown."""
        return self._restore("wijkagenda_agendas", "agenda", agenda_id, expected_version)

    # ------------------------------------------------------------------------------------------- bin
    def _restore(self, table: str, entity: str, key: str, expected_version: int) -> int:
        def undo(tx: Tx) -> int:
            rows = tx.execute(f"select body from {table} where id = ? and deleted_at is not null", [key])
            if not rows:
                raise RowMissingError(key)
            version = userstore.update_versioned(tx, table, key, expected_version,
                                                 {"deleted_at": None, "updated_at": userstore.utc_naive_now()})
            self._log(tx, entity, key, "restore", None, json.loads(rows[0][0]))
            return version
        return self.users.write(undo)

    def _soft_delete(self, table: str, entity: str, key: str, expected_version: int) -> None:
        def delete(tx: Tx) -> None:
            rows = tx.execute(f"select body from {table} where id = ? and deleted_at is null", [key])
            if not rows:
                raise RowMissingError(key)
            userstore.update_versioned(tx, table, key, expected_version, {"deleted_at": userstore.utc_naive_now()})
            self._log(tx, entity, key, "delete", json.loads(rows[0][0]), None)
        self.users.write(delete)

    def in_bin(self, kind: str, key: str) -> bool:
        """Is this agenda or conversation ('agenda'|'conversation') deleted and not restored?"""
        table = {"agenda": "wijkagenda_agendas", "conversation": "wijkagenda_conversations"}[kind]
        return bool(self.users.read(lambda tx: tx.execute(
            f"select 1 from {table} where id = ? and deleted_at is not null", [key])))

    def deleted(self, region: str, limit: int = 50) -> list[dict]:
        """The bin of one region: [{kind ('agenda'|'conversation'), id, title, version, deleted_at, body}], most
        recently deleted first (at most `limit` of each kind)."""
        def read(tx: Tx) -> list[dict]:
            out = []
            for kind, table in (("agenda", "wijkagenda_agendas"), ("conversation", "wijkagenda_conversations")):
                rows = tx.execute(f"select id, body, version, deleted_at from {table} where region = ? and "
                                  f"deleted_at is not null order by deleted_at desc, id limit ?", [region, int(limit)])
                for key, body, version, when in rows:
                    doc = json.loads(body)
                    title = doc["title"] if kind == "agenda" else \
                        f"Gesprek van {_day(doc['date'])} ({doc['organiser']})"   # '2 december 2026', as elsewhere
                    out.append({"kind": kind, "id": key, "title": title, "version": int(version),
                                "deleted_at": when, "body": doc})
            return sorted(out, key=lambda d: (d["deleted_at"], d["id"]), reverse=True)
        return self.users.read(read)

    def history(self, agenda_id: str) -> list[userstore.AuditEntry]:
        return self.users.read(lambda tx: userstore.history(tx, feature=FEATURE, entity_id=agenda_id))

    # ------------------------------------------------------------------------------------------- conversations
    def conversations(self, region: str | None = None, ids: list[str] | None = None) -> list[tuple[dict, int]]:
        """[(conversation, version)], newest date first; of one region (its first buurt/wijk), or these ids."""
        if ids is not None:
            if not ids:
                return []
            where, _ = userstore.where_clause({}, "deleted_at is null", f"id in ({', '.join('?' * len(ids))})")
            params = list(ids)
        else:
            where, params = userstore.where_clause({"region": region or None}, "deleted_at is null")
        rows = self.users.read(lambda tx: tx.execute(
            f"select body, version from wijkagenda_conversations{where}", params))
        docs = [(json.loads(body), int(version)) for body, version in rows]
        return sorted(docs, key=lambda d: (d[0]["date"], d[0]["id"]), reverse=True)

    def conversation(self, conversation_id: str) -> tuple[dict, int]:
        found = self.conversations(ids=[conversation_id])
        if not found:
            raise RowMissingError(conversation_id)
        return found[0]

    def agenda_id_taken(self, agenda_id: str) -> bool:
        """Is there an agenda with this id, in the bin or not? (A new one with that id is refused.)"""
        return bool(self.users.read(lambda tx: tx.execute(
            "select 1 from wijkagenda_agendas where id = ?", [agenda_id])))

    def conversation_id_taken(self, conversation_id: str) -> bool:
        """Is there a conversation with this id, in the bin or not? (A new one with that id is refused.)"""
        return bool(self.users.read(lambda tx: tx.execute(
            "select 1 from wijkagenda_conversations where id = ?", [conversation_id])))

    def _insert_conversation(self, tx: Tx, doc: dict, action: str) -> None:
        if tx.execute("select 1 from wijkagenda_conversations where id = ?", [doc["id"]]):
            from dashboard.gesprekskaart.wording import dutch_date   # '2 december 2026', not '2026-12-02'
            raise AlreadyThere(f"Het gesprek van {dutch_date(date.fromisoformat(doc['date']))} "
                               f"({doc['organiser']}) staat al in de opslag; dit bestand is hier dus al eens "
                               "ingelezen of gemaakt. Er is niets opgeslagen; open de wijkagenda die er al is.")
        now = userstore.utc_naive_now()
        tx.execute("insert into wijkagenda_conversations (id, region, body, version, created_at, updated_at) "
                   "values (?, ?, ?, 1, ?, ?)", [doc["id"], doc["regions"][0], _dump(doc), now, now])
        self._log(tx, "conversation", doc["id"], action, None, doc)

    def save_conversation(self, doc: dict, expected_version: int | None = None) -> int:
        """Create (expected_version None) or update a conversation record; StaleVersionError when someone saved
        first. Returns the new version."""
        doc = model.conversation(doc)
        if expected_version is None:
            self.users.write(lambda tx: self._insert_conversation(tx, doc, "create"))
            return 1

        def update(tx: Tx) -> int:
            before = tx.execute("select body from wijkagenda_conversations where id = ? and deleted_at is null",
                                [doc["id"]])
            if not before:
                raise RowMissingError(doc["id"])
            version = userstore.update_versioned(
                tx, "wijkagenda_conversations", doc["id"], expected_version,
                {"body": _dump(doc), "region": doc["regions"][0], "updated_at": userstore.utc_naive_now()})
            self._log(tx, "conversation", doc["id"], "update", json.loads(before[0][0]), doc)
            return version
        return self.users.write(update)

    def delete_conversation(self, conversation_id: str, expected_version: int) -> None:
        """Soft delete (restore_conversation undoes it); links to its notes stay in the agenda and show again
        after a restore."""
        self._soft_delete("wijkagenda_conversations", "conversation", conversation_id, expected_version)

    def restore_conversation(self, conversation_id: str, expected_version: int) -> int:
        return self._restore("wijkagenda_conversations", "conversation", conversation_id, expected_version)

    # ------------------------------------------------------------------------------------------- import
    def import_bundle(self, agenda: dict, conversations: list[dict]) -> str:
        """Store an imported agenda with its conversations in one transaction (all or nothing).

        Raises AlreadyThere when the agenda or one of its conversations is already in the store."""
        agenda = model.agenda(agenda)
        conversations = [model.conversation(c) for c in conversations]

        def insert(tx: Tx) -> str:
            for doc in conversations:
                self._insert_conversation(tx, doc, "create")
            self._insert_agenda(tx, agenda, "create")
            return agenda["id"]
        return self.users.write(insert)

    def counts(self) -> dict[str, Any]:
        """Rows per table, deleted ones included (for tests)."""
        return self.users.read(lambda tx: {t: tx.execute(f"select count(*) from {t}")[0][0]
                                           for t in ("wijkagenda_agendas", "wijkagenda_conversations")})


def _day(iso: str) -> str:
    """'2026-12-02' -> '2 december 2026' (the page's way of writing a date; the bin wrote the ISO form)."""
    from datetime import date

    from dashboard.gesprekskaart.wording import dutch_date
    try:
        return dutch_date(date.fromisoformat(iso))
    except (TypeError, ValueError):
        return str(iso)
