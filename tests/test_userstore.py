"""The generic user store (dashboard/userstore): one suite, run against DuckDB and a throwaway PostgreSQL."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from dashboard import userstore
from dashboard.userstore import (ConstraintError, RowMissingError, StaleVersionError, StoreTooNewError,
                                 UserStore, history, record, register, update_versioned)
from dashboard.userstore.migrations import REGISTRY
from tests.conftest import run_in_threads


def feature_name() -> str:
    return "t" + uuid.uuid4().hex[:10]


def notes_feature(versions: int = 1) -> str:
    """A throwaway feature with a versioned, soft-deletable table (the pattern the docstring teaches)."""
    feature = feature_name()
    register(feature, 1, "notes", f"""
    create table {feature}_notes (
        id varchar primary key,
        body varchar not null check (length(body) <= 200),
        version integer not null default 1,
        deleted_at timestamp
    );
    create unique index {feature}_notes_body on {feature}_notes (body);
    """)
    if versions >= 2:
        register(feature, 2, "notes get a colour", f"alter table {feature}_notes add column colour varchar")
    return feature


@pytest.fixture()
def store(user_store_target) -> UserStore:
    return UserStore(user_store_target)


def test_migrations_run_once_in_order_and_are_recorded(store):
    feature = notes_feature(versions=2)
    store.ensure(feature)
    store.write(lambda tx: tx.execute(f"insert into {feature}_notes (id, body, colour) values (?, ?, ?)",
                                      ["a", "hallo", "groen"]))
    again = UserStore(store.backend)
    again.ensure(feature)                      # nothing pending: the row and the ledger stay as they were
    ledger = again.read(lambda tx: tx.execute(
        "select version, description from userstore_migrations where feature = ? order by version", [feature]))
    assert ledger == [(1, "notes"), (2, "notes get a colour")]
    assert again.read(lambda tx: tx.execute(f"select id, body, colour from {feature}_notes")) == [
        ("a", "hallo", "groen")]


def test_an_older_store_gains_new_migrations_and_keeps_its_rows(store):
    feature = notes_feature(versions=1)
    store.ensure(feature)
    store.write(lambda tx: tx.execute(f"insert into {feature}_notes (id, body) values ('a', 'oud')"))
    register(feature, 2, "notes get a colour", f"alter table {feature}_notes add column colour varchar")
    newer = UserStore(store.backend)           # a newer release opens the same store
    newer.ensure(feature)
    assert newer.read(lambda tx: tx.execute(f"select id, body, colour, version from {feature}_notes")) == [
        ("a", "oud", None, 1)]


def test_a_store_from_a_newer_release_is_refused(store):
    feature = notes_feature(versions=2)
    store.ensure(feature)
    del REGISTRY[feature][2]                   # this code knows only version 1
    with pytest.raises(StoreTooNewError, match="nieuwere versie"):
        UserStore(store.backend).ensure(feature)


def test_dialect_specific_statements(store):
    feature = feature_name()
    register(feature, 1, "code check", {
        "duckdb": f"create table {feature}_codes (code varchar check (regexp_full_match(code, 'BU[0-9]{{8}}')))",
        "postgresql": f"create table {feature}_codes (code varchar check (code ~ '^BU[0-9]{{8}}$'))"})
    store.ensure(feature)
    store.write(lambda tx: tx.execute(f"insert into {feature}_codes values ('BU03630000')"))
    with pytest.raises(ConstraintError) as err:
        store.write(lambda tx: tx.execute(f"insert into {feature}_codes values ('BU0363%')"))
    assert not err.value.unique and "niets opgeslagen" in str(err.value)


def test_uniqueness_is_a_store_rule_and_a_failed_transaction_keeps_nothing(store):
    feature = notes_feature()
    store.ensure(feature)

    def two(tx):
        tx.execute(f"insert into {feature}_notes (id, body) values ('a', 'zelfde')")
        tx.execute(f"insert into {feature}_notes (id, body) values ('b', 'zelfde')")
    with pytest.raises(ConstraintError) as err:
        store.write(two)
    assert err.value.unique and str(err.value) == "Dit staat al in de opslag."
    assert store.read(lambda tx: tx.execute(f"select count(*) from {feature}_notes")) == [(0,)]


def test_a_stale_version_is_refused_and_names_the_current_one(store):
    feature = notes_feature()
    store.ensure(feature)
    store.write(lambda tx: tx.execute(f"insert into {feature}_notes (id, body) values ('a', 'eerst')"))
    assert store.write(lambda tx: update_versioned(tx, f"{feature}_notes", "a", 1, {"body": "sessie 1"})) == 2
    with pytest.raises(StaleVersionError) as err:
        store.write(lambda tx: update_versioned(
            tx, f"{feature}_notes", "a", 1, {"body": "sessie 2"},
            current=lambda t: t.execute(f"select body from {feature}_notes where id = 'a'")[0][0]))
    assert (err.value.current_version, err.value.current) == (2, "sessie 1")
    assert "niet opgeslagen" in str(err.value)
    with pytest.raises(RowMissingError):
        store.write(lambda tx: update_versioned(tx, f"{feature}_notes", "zz", 1, {"body": "x"}))
    with pytest.raises(ValueError):
        store.write(lambda tx: update_versioned(tx, f"{feature}_notes; drop table x", "a", 2, {"body": "x"}))


def test_audit_rows_commit_with_the_change_or_not_at_all(store):
    feature = notes_feature()
    store.ensure(feature)

    def add(tx, body):
        tx.execute(f"insert into {feature}_notes (id, body) values (?, ?)", [body, body])
        record(tx, feature=feature, entity="note", entity_id=body, action="create", actor="sessie:ab12",
               before=None, after={"body": body, "at": datetime(2024, 5, 1, 12, 0)})
        if body == "fout":
            raise RuntimeError("halverwege mis")
    store.write(lambda tx: add(tx, "goed"))
    with pytest.raises(RuntimeError):
        store.write(lambda tx: add(tx, "fout"))
    entries = store.read(lambda tx: history(tx, feature=feature))
    assert [(e.entity_id, e.action, e.actor, e.before, e.after) for e in entries] == [
        ("goed", "create", "sessie:ab12", None, {"at": "2024-05-01T12:00:00", "body": "goed"})]


def test_ten_sessions_editing_one_row_lose_no_change(store):
    """10 threads each add 10 marks to one row with versioned updates, re-reading after a stale refusal."""
    feature = notes_feature()
    store.ensure(feature)
    store.write(lambda tx: tx.execute(f"insert into {feature}_notes (id, body) values ('a', '')"))
    stale = []

    def session(n: int):
        for i in range(10):
            while True:
                version, body = store.read(lambda tx: tx.execute(
                    f"select version, body from {feature}_notes where id = 'a'")[0])
                try:
                    store.write(lambda tx: update_versioned(tx, f"{feature}_notes", "a", version,
                                                            {"body": body + "x"}))
                    break
                except StaleVersionError:
                    stale.append(n)
    run_in_threads(session, 10)
    assert store.read(lambda tx: tx.execute(f"select version, length(body) from {feature}_notes")) == [(101, 100)]


def test_the_configured_target(monkeypatch, tmp_path):
    monkeypatch.delenv(userstore.USER_DB_ENV, raising=False)
    monkeypatch.delenv(userstore.LEGACY_PATH_ENV, raising=False)
    assert userstore.configured_target() == str(userstore.DEFAULT_STORE_PATH)
    monkeypatch.setenv(userstore.LEGACY_PATH_ENV, str(tmp_path / "oud.duckdb"))
    assert userstore.configured_target() == str(tmp_path / "oud.duckdb")
    monkeypatch.setenv(userstore.USER_DB_ENV, "postgresql://buurt@db.example/buurtbalans")
    assert userstore.configured_target() == "postgresql://buurt@db.example/buurtbalans"
    assert userstore.backend_for("postgresql://u:geheim@db/x").description == "postgresql://…@db/x"


def test_where_clause_skips_missing_filters_and_keeps_values_out_of_the_sql():
    from dashboard.userstore import where_clause

    assert where_clause({"a": None}) == ("", [])
    assert where_clause({"a": None}, "deleted_at is null") == (" where deleted_at is null", [])
    assert where_clause({"buurt_code": "x' or 1=1 --", "b": None, "c": 0}, "deleted_at is null") == \
        (" where deleted_at is null and buurt_code = ? and c = ?", ["x' or 1=1 --", 0])
    with pytest.raises(ValueError):
        where_clause({"a = 1 or b": 1})


def test_a_stored_time_is_said_on_a_dutch_clock():
    """The store writes naive UTC (utc_naive_now); pages said '08:16 UTC'. Winter is UTC+1, summer UTC+2, and a
    late-evening change belongs to the next Dutch day."""
    assert userstore.dutch_time_text(datetime(2026, 12, 2, 8, 16)) == "02-12-2026 09:16"
    assert userstore.dutch_time_text(datetime(2026, 7, 1, 10, 0)) == "01-07-2026 12:00"
    assert userstore.dutch_time_text(datetime(2026, 12, 31, 23, 30)) == "01-01-2027 00:30"
    assert userstore.dutch_time(datetime(2026, 3, 29, 1, 30)).hour == 3          # the spring clock change
