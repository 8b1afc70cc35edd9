"""Versions: the wijkagenda's tables in the shared user store (dashboard.userstore migrations), and the export
file format.

Store migrations are numbered and only ever appended (never edit a released one: add version 2, 3, ...).
The userstore ledger runs each once, in its own transaction, so a store of any older release opens in this
one with nothing lost, and a store a newer release migrated further is refused. The SQL is the subset DuckDB
and PostgreSQL share. Each document is one row: its JSON body, a row version and a soft-delete mark.
"""
from __future__ import annotations

from dashboard import userstore

FEATURE = "wijkagenda"
FORMAT = "buurtbalans-wijkagenda"
FORMAT_VERSION = 1

userstore.register(FEATURE, 1, "gesprekken en wijkagenda's", """
create table if not exists wijkagenda_conversations (
    id varchar primary key,
    region varchar not null,
    body varchar not null,
    version integer not null default 1,
    deleted_at timestamp,
    created_at timestamp not null,
    updated_at timestamp not null
);
create table if not exists wijkagenda_agendas (
    id varchar primary key,
    region varchar not null,
    title varchar not null,
    body varchar not null,
    version integer not null default 1,
    deleted_at timestamp,
    created_at timestamp not null,
    updated_at timestamp not null
);
""")


def upgrade_bundle(data: dict) -> dict:
    """An export file of any known format version, in the current shape; ValueError (Dutch) otherwise."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("het versienummer van het bestand ontbreekt of klopt niet")
    if version > FORMAT_VERSION:
        raise ValueError(f"dit bestand is gemaakt met een nieuwere versie van Buurtbalans (bestandsversie {version}); "
                         "werk Buurtbalans bij")
    # Later format versions add their upgrade steps here, oldest first (version n -> n + 1).
    return data
