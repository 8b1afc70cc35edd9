"""The Bewonerskaart's tables in the user store, as numbered migrations (see dashboard/userstore).

v1 is the schema the store had before migrations existed (`create table if not exists`, so a store file made
by an older release is adopted as it is). v2 and v3 add what a shared server needs: a row version, soft deletes
and an identity key (normalised name, category, buurt) that is unique among the assets that are not deleted, so the
same upload saved from two sessions is stored once. Existing duplicates keep their rows; only the oldest of
each gets the key.
"""
from __future__ import annotations

from dashboard import userstore

from .model import CATEGORIES, identity_key_of

FEATURE = "bewoners"
_CATEGORY_LIST = ", ".join(f"'{key}'" for key in CATEGORIES)
_V1 = """
create table if not exists assets (
    id varchar primary key,
    name varchar not null check (length(name) between 1 and 200),
    category varchar not null check (category in ({categories})),
    buurt_code varchar not null check ({code_check}),
    gemeente_code varchar not null,
    lon double,
    lat double,
    description varchar check (length(description) <= 1000),
    website varchar check (length(website) <= 1000),
    asset_date date,
    location_approximate boolean not null,
    buurt_assigned_by varchar not null,
    source varchar not null,
    created_at timestamp not null,
    check ((lon is null) = (lat is null))
)
"""
userstore.register(FEATURE, 1, "assets", {
    "duckdb": _V1.format(categories=_CATEGORY_LIST,
                         code_check="regexp_full_match(buurt_code, 'BU[0-9]{4}[0-9A-Z]{4}')"),
    "postgresql": _V1.format(categories=_CATEGORY_LIST, code_check="buurt_code ~ '^BU[0-9]{4}[0-9A-Z]{4}$'")
        .replace(" double,", " double precision,"),
})


def _v2(tx: userstore.Tx) -> None:
    for column in ("version integer not null default 1", "deleted_at timestamp", "deleted_by varchar",
                   "identity_key varchar"):
        tx.execute(f"alter table assets add column {column}")
    rows = tx.execute("select id, name, category, buurt_code from assets order by created_at, id")
    seen: set[str] = set()
    keys = []
    for asset_id, name, category, buurt_code in rows:
        key = identity_key_of(name, category, buurt_code)
        if key not in seen:
            seen.add(key)
            keys.append([key, asset_id])
    tx.executemany("update assets set identity_key = ? where id = ?", keys)


userstore.register(FEATURE, 2, "row version, soft delete, identity key", _v2)
# Its own transaction: DuckDB cannot create an index in the transaction that filled the column.
userstore.register(FEATURE, 3, "unique identity among live assets; indexes per buurt and gemeente", """
create unique index assets_identity on assets (identity_key);
create index assets_buurt on assets (buurt_code);
create index assets_gemeente on assets (gemeente_code);
""")
