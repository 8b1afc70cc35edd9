"""The user store: everything users give (Bewonerskaart assets, wijkagenda conversations, ...), kept apart
from the CBS release, behind one interface with two backends (an embedded DuckDB file by default, PostgreSQL
when BUURTBALANS_USER_DB=postgresql://... is set).

How a feature registers its tables
----------------------------------
1. In the feature's store module, at import time, register numbered migrations::

       from dashboard import userstore

       userstore.register("agenda", 1, "conversations", '''
       create table if not exists agenda_items (
           id varchar primary key,
           buurt_code varchar not null,
           title varchar not null check (length(title) between 1 and 200),
           version integer not null default 1,          -- optimistic row version (rows.update_versioned)
           deleted_at timestamp,                         -- soft delete; undo = set it back to null
           deleted_by varchar,
           created_at timestamp not null
       );
       create index if not exists agenda_items_buurt on agenda_items (buurt_code);
       ''')

   Use table names prefixed with the feature (`agenda_...`), the SQL subset both backends speak (varchar,
   integer, bigint, double, boolean, date, timestamp; `?` placeholders), and one statement per line-ending
   ';'. Where the dialects differ, pass {"duckdb": ..., "postgresql": ...}; for a data migration pass a
   callable fn(tx). Never edit a released migration: add version 2, 3, ... (`alter table ... add column`).

2. Open the store and apply the feature's migrations once::

       store = userstore.shared_store()      # or UserStore(path_or_url) in tests
       store.ensure("agenda")

3. Work in transactions; log every change in the same transaction::

       def save(tx):
           tx.execute("insert into agenda_items (...) values (?, ?, ...)", [...])
           userstore.record(tx, feature="agenda", entity="agenda_item", entity_id=item_id,
                            action="create", actor=actor, before=None, after=values)
       store.write(save)

   `userstore.update_versioned(tx, "agenda_items", item_id, form_version, changed)` refuses a stale save
   (StaleVersionError, Dutch message, with the current version). Every error a page can meet is a
   UserStoreError whose str() is a short Dutch sentence: show it with st.error, never a traceback.

Tests: tests/test_userstore.py runs one suite against both backends (a throwaway PostgreSQL cluster
from tests/conftest.py `user_store_target`); a feature's store tests can use the same fixture.
"""
from .backends import Backend, DuckDBBackend, PostgresBackend, Tx, backend_for, identifier
from .errors import (ConstraintError, RowMissingError, StaleVersionError, StoreBusyError, StoreDamagedError,
                     StoreTooNewError, StoreUnavailableError, UserStoreError)
from .migrations import REGISTRY, Migration, migrate, register
from .rows import AuditEntry, dutch_time, dutch_time_text, history, record, record_many, update_versioned, utc_naive_now, where_clause
from .store import (DEFAULT_STORE_PATH, LEGACY_PATH_ENV, USER_DB_ENV, ReleaseDatabaseError, UserStore,
                    configured_target, refuse_release_path, shared_store)

__all__ = [
    "AuditEntry", "Backend", "ConstraintError", "DEFAULT_STORE_PATH", "DuckDBBackend", "LEGACY_PATH_ENV",
    "Migration", "PostgresBackend", "REGISTRY", "ReleaseDatabaseError", "RowMissingError", "StaleVersionError",
    "StoreBusyError", "StoreDamagedError", "StoreTooNewError", "StoreUnavailableError", "Tx", "USER_DB_ENV",
    "UserStore", "UserStoreError", "backend_for", "configured_target", "dutch_time", "dutch_time_text", "history", "identifier", "migrate",
    "record", "record_many", "refuse_release_path", "register", "shared_store", "update_versioned",
    "utc_naive_now", "where_clause",
]
