"""The residents' own DuckDB file for Bewonerskaart assets: kept apart from the CBS release database.

A connection is opened per operation and closed again, because DuckDB locks the file per process and the
dashboard (or a second process) must find it free between calls.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from .export import assets_to_csv, assets_to_geojson
from .model import (ASSIGNED_BY_COORDINATES, CATEGORIES, FIELD_LABELS, Asset, AssetValidationError, BuurtCodes,
                    Locator, asset_fields, build_asset)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STORE_PATH = REPO_ROOT / "data" / "user" / "bewonerskaart.duckdb"
STORE_PATH_ENV = "BUURTBALANS_BEWONERSKAART_DB"
# Object name prefixes of the CBS release database (raw_ -> stg_ -> mart_ layers).
RELEASE_PREFIXES = ("raw_", "stg_", "mart_")

_COLUMNS = ("id", "name", "category", "buurt_code", "gemeente_code", "lon", "lat", "description", "website",
            "asset_date", "location_approximate", "buurt_assigned_by", "source", "created_at")
_CATEGORY_LIST = ", ".join(f"'{key}'" for key in CATEGORIES)
_SCHEMA = f"""
create table if not exists assets (
    id varchar primary key,
    name varchar not null check (length(name) between 1 and 200),
    category varchar not null check (category in ({_CATEGORY_LIST})),
    buurt_code varchar not null check (regexp_full_match(buurt_code, 'BU[0-9]{{4}}[0-9A-Z]{{4}}')),
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


class ReleaseDatabaseError(ValueError):
    """The path points at (or looks like) the CBS release database, which the asset store must never touch."""


class AssetNotFoundError(KeyError):
    """No asset with this id."""


class AssetStoreError(RuntimeError):
    """Saving failed; nothing of the batch was stored."""


def default_store_path() -> Path:
    return Path(os.environ.get(STORE_PATH_ENV) or DEFAULT_STORE_PATH)


class AssetStore:
    """Bewonerskaart assets in their own DuckDB file.

    Parameters
    ----------
    path : the user store file; default data/user/bewonerskaart.duckdb (or $BUURTBALANS_BEWONERSKAART_DB).
    known_buurt_codes, locator : used by update() to validate a changed buurt code or coordinates.
    release_db_path : the CBS release database, refused as store path (also through a symlink).
    """

    def __init__(self, path: str | os.PathLike | None = None, *,
                 known_buurt_codes: BuurtCodes | Iterable[str] | None = None, locator: Locator | None = None,
                 release_db_path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self._known = BuurtCodes.coerce(known_buurt_codes) if known_buurt_codes is not None else None
        self._locator = locator
        _refuse_release_path(self.path, release_db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._refuse_release_content()
        with self._connect() as con:
            con.execute(_SCHEMA)

    @contextmanager
    def _connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def _refuse_release_content(self) -> None:
        with self._connect(read_only=True) as con:
            names = [row[0] for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'").fetchall()]
        foreign = [n for n in names if n.startswith(RELEASE_PREFIXES)]
        if foreign:
            raise ReleaseDatabaseError(f"{self.path} bevat CBS-tabellen ({foreign[0]}, ...); de Bewonerskaart "
                                       "gebruikt een eigen bestand")

    def add(self, assets: Iterable[Asset]) -> int:
        """Store all assets in one transaction: either all of them are saved or none. Returns the count."""
        rows = [_to_row(asset) for asset in assets]
        if not rows:
            return 0
        batch = pa.table({column: [row[i] for row in rows] for i, column in enumerate(_COLUMNS)},
                         schema=_ARROW_SCHEMA)
        with self._connect() as con:
            con.begin()
            try:
                con.register("asset_batch", batch)
                con.execute(f"insert into assets ({', '.join(_COLUMNS)}) select * from asset_batch")
                con.commit()
            except duckdb.Error as err:
                con.rollback()
                raise AssetStoreError(f"opslaan mislukt, er is niets opgeslagen: {err}") from err
            finally:
                con.unregister("asset_batch")
        return len(rows)

    def list(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> list[Asset]:
        """Assets, optionally of one buurt and/or gemeente, oldest first."""
        where, params = [], []
        if buurt_code is not None:
            where.append("buurt_code = ?")
            params.append(buurt_code)
        if gemeente_code is not None:
            where.append("gemeente_code = ?")
            params.append(gemeente_code)
        sql = f"select {', '.join(_COLUMNS)} from assets"
        sql += f" where {' and '.join(where)}" if where else ""
        with self._connect() as con:
            rows = con.execute(sql + " order by created_at, name, id", params).fetchall()
        return [_from_row(row) for row in rows]

    def get(self, asset_id: str) -> Asset:
        with self._connect() as con:
            row = con.execute(f"select {', '.join(_COLUMNS)} from assets where id = ?", [asset_id]).fetchone()
        if row is None:
            raise AssetNotFoundError(f"er is geen item met id {asset_id}")
        return _from_row(row)

    def update(self, asset_id: str, **fields: object) -> Asset:
        """Change fields (name, category, buurt_code, lon, lat, description, website, date); validated as
        on upload. New coordinates re-assign the buurt unless it was given explicitly. Raises
        AssetValidationError (Dutch problems) or AssetNotFoundError."""
        unknown = sorted(set(fields) - set(FIELD_LABELS))
        if unknown:
            raise AssetValidationError([f"veld '{name}' bestaat niet" for name in unknown])
        current = self.get(asset_id)
        raw = {**asset_fields(current), **fields}
        code_given = "buurt_code" in fields
        relocate = ("lon" in fields or "lat" in fields) and not code_given \
            and current.buurt_assigned_by == ASSIGNED_BY_COORDINATES
        if relocate:
            raw["buurt_code"] = None
        known = self._known.codes if self._known is not None else frozenset()
        new_code = str(raw.get("buurt_code") or "").strip().upper()
        if code_given and new_code and new_code != current.buurt_code and self._known is None:
            raise AssetValidationError(["de buurtcode kan niet worden gecontroleerd (geen lijst met buurtcodes)"])
        updated = build_asset(raw, known_buurt_codes=known | {current.buurt_code}, locator=self._locator,
                              source=current.source, asset_id=current.id, created_at=current.created_at)
        if not code_given and not relocate:  # the buurt stays, and so does how it was assigned
            updated = replace(updated, location_approximate=current.location_approximate,
                              buurt_assigned_by=current.buurt_assigned_by)
        values = _to_row(updated)
        assignments = ", ".join(f"{column} = ?" for column in _COLUMNS[1:])
        with self._connect() as con:
            con.execute(f"update assets set {assignments} where id = ?", [*values[1:], asset_id])
        return updated

    def delete(self, asset_id: str) -> bool:
        """Delete one asset; False when there was none with this id."""
        with self._connect() as con:
            deleted = con.execute("delete from assets where id = ? returning id", [asset_id]).fetchall()
        return bool(deleted)

    def counts_per_category(self, buurt_code: str) -> dict[str, int]:
        """Number of assets per category in one buurt; all six categories, zeros included."""
        with self._connect() as con:
            rows = con.execute("select category, count(*) from assets where buurt_code = ? group by category",
                               [buurt_code]).fetchall()
        found = dict(rows)
        return {key: int(found.get(key, 0)) for key in CATEGORIES}

    def export_csv(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> bytes:
        return assets_to_csv(self.list(buurt_code, gemeente_code))

    def export_geojson(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> bytes:
        return assets_to_geojson(self.list(buurt_code, gemeente_code))


def _refuse_release_path(path: Path, release_db_path: str | os.PathLike | None) -> None:
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
        raise ReleaseDatabaseError(f"{path} lijkt de CBS-database; de Bewonerskaart gebruikt een eigen bestand, "
                                   f"bijvoorbeeld {DEFAULT_STORE_PATH}")


_ARROW_SCHEMA = pa.schema([
    ("id", pa.string()), ("name", pa.string()), ("category", pa.string()), ("buurt_code", pa.string()),
    ("gemeente_code", pa.string()), ("lon", pa.float64()), ("lat", pa.float64()), ("description", pa.string()),
    ("website", pa.string()), ("asset_date", pa.date32()), ("location_approximate", pa.bool_()),
    ("buurt_assigned_by", pa.string()), ("source", pa.string()), ("created_at", pa.timestamp("us")),
])


def _to_row(asset: Asset) -> tuple:
    created = asset.created_at.astimezone(timezone.utc).replace(tzinfo=None)  # stored as naive UTC
    return (asset.id, asset.name, asset.category, asset.buurt_code, asset.gemeente_code, asset.lon, asset.lat,
            asset.description, asset.website, asset.date, asset.location_approximate, asset.buurt_assigned_by,
            asset.source, created)


def _from_row(row: tuple) -> Asset:
    (asset_id, name, category, buurt_code, _gemeente, lon, lat, description, website, asset_date,
     approximate, assigned_by, source, created) = row
    created_at = created.replace(tzinfo=timezone.utc) if isinstance(created, datetime) else created
    return Asset(id=asset_id, name=name, category=category, buurt_code=buurt_code, lon=lon, lat=lat,
                 description=description, website=website, date=asset_date, location_approximate=approximate,
                 buurt_assigned_by=assigned_by, source=source, created_at=created_at)
