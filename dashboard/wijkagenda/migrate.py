"""Versions: the tables of the wijkagenda in the user store, and the export file format.

Store migrations are numbered and only ever appended. Each runs once, in one transaction with the bump of the
version row, so a store of any older version opens in this release and a store made by a newer release is refused
(nothing is changed). The SQL is the subset DuckDB and PostgreSQL share, so the tables can move to the shared
user-store layer unchanged.
"""
from __future__ import annotations

FEATURE = "wijkagenda"
FORMAT = "buurtbalans-wijkagenda"
FORMAT_VERSION = 1

# (version, what it does, statements)
MIGRATIONS: list[tuple[int, str, tuple[str, ...]]] = [
    (1, "gesprekken en agenda's", (
        """create table if not exists wijkagenda_conversations (
               id varchar primary key,
               region varchar not null,
               body varchar not null,
               version integer not null,
               updated_at timestamp not null)""",
        """create table if not exists wijkagenda_agendas (
               id varchar primary key,
               region varchar not null,
               title varchar not null,
               body varchar not null,
               version integer not null,
               updated_at timestamp not null)""",
    )),
    (2, "logboek van wijzigingen", (
        """create table if not exists wijkagenda_changes (
               agenda_id varchar not null,
               version integer not null,
               changed_at timestamp not null,
               what varchar not null)""",
    )),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
VERSION_TABLE = "wijkagenda_schema"


class StoreTooNew(RuntimeError):
    def __init__(self, found: int):
        super().__init__(f"De opslag is gemaakt met een nieuwere versie van Buurtbalans (wijkagenda versie {found}, "
                         f"deze versie kent tot {SCHEMA_VERSION}). Werk Buurtbalans bij; er is niets veranderd.")


def pending(found: int) -> list[tuple[int, str, tuple[str, ...]]]:
    """The migrations still to run on a store at version `found` (0 = none yet)."""
    if found > SCHEMA_VERSION:
        raise StoreTooNew(found)
    return [m for m in MIGRATIONS if m[0] > found]


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
