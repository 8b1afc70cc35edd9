"""Bewonerskaart assets in the user store (dashboard/userstore): DuckDB by default, PostgreSQL when configured.

Every change is one transaction together with its audit rows (who, when, before, after). Edits carry the row
version the form showed, so a stale save is refused (StaleAssetError, with the current asset) instead of
silently undoing someone else's change. Deletes are soft and can be undone (restore). An identity key
(normalised name, category, buurt) is unique among live assets, so the same item is never stored twice, also
when two sessions save the same upload at once. Caps: MAX_PER_BUURT live assets per buurt.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from dashboard import userstore
from dashboard.userstore import (ConstraintError, ReleaseDatabaseError, RowMissingError, StaleVersionError,
                                 UserStore, UserStoreError)
from dashboard.userstore.read_cache import ReadCache

from .asset_rows import COLUMNS, LIVE, SELECT, audit_values, from_row, to_row
from .export import assets_to_csv, assets_to_geojson
from .geo import BuurtCodes
from .model import CATEGORIES, FIELD_LABELS, Asset, AssetValidationError, Locator
from .schema import FEATURE
from .validation import edited_asset

DEFAULT_STORE_PATH = userstore.DEFAULT_STORE_PATH
STORE_PATH_ENV = userstore.LEGACY_PATH_ENV
MAX_PER_BUURT = 1_000
MAX_PER_BUURT_TEXT = "1.000"
ENTITY = "asset"

__all__ = ["AssetNotFoundError", "AssetStore", "AssetStoreError", "ReleaseDatabaseError", "StaleAssetError",
           "default_store_path", "MAX_PER_BUURT"]


class AssetNotFoundError(RowMissingError):
    """No (live) asset with this id."""


class AssetStoreError(UserStoreError):
    """Saving failed; nothing of the batch was stored. str() is a Dutch sentence for the page."""


class StaleAssetError(StaleVersionError):
    """The asset changed since the form was opened; `current` is the Asset as stored now."""


def default_store_path() -> Path:
    """The DuckDB file used when no PostgreSQL URL is configured."""
    target = userstore.configured_target()
    return DEFAULT_STORE_PATH if target.startswith(("postgresql://", "postgres://")) else Path(target)


class AssetStore:
    """Bewonerskaart assets in the user store.

    Parameters
    ----------
    target : a DuckDB file path, a postgresql:// URL, or a UserStore; default the configured user store.
    known_buurt_codes, locator : used by update() to validate a changed buurt code or coordinates.
    release_db_path : the CBS release database, refused as store path (also through a symlink).
    max_per_buurt : cap on live assets per buurt.
    """

    def __init__(self, target: str | os.PathLike | UserStore | None = None, *,
                 known_buurt_codes: BuurtCodes | Iterable[str] | None = None, locator: Locator | None = None,
                 release_db_path: str | os.PathLike | None = None, max_per_buurt: int = MAX_PER_BUURT):
        self.users = target if isinstance(target, UserStore) else UserStore(target, release_db_path=release_db_path)
        self.path = self.users.path
        self._known = BuurtCodes.coerce(known_buurt_codes) if known_buurt_codes is not None else None
        self._locator = locator
        self.max_per_buurt = max_per_buurt
        self.users.ensure(FEATURE)
        self._reads = ReadCache(self.users)

    def close(self) -> None:
        """Free a DuckDB file for other processes now (it is freed after a short idle time anyway)."""
        close = getattr(self.users.backend, "close_idle", None)
        if close is not None:
            close()

    # ------------------------------------------------------------------------------------------- writing
    def add(self, assets: Iterable[Asset], *, actor: str = "onbekend") -> int:
        """Store all assets in one transaction: either all of them are saved or none. Returns the count.
        Raises AssetStoreError (Dutch) when one is already stored, breaks a rule, or a buurt would exceed
        its cap."""
        assets = list(assets)
        if not assets:
            return 0
        try:
            self.users.write(lambda tx: self._insert(tx, assets, actor))
        except ConstraintError as err:
            what = "een item staat al op de Bewonerskaart" if err.unique else "de opslag weigert een item"
            raise AssetStoreError(f"Opslaan is niet gelukt ({what}); er is niets opgeslagen.") from err
        return len(assets)

    def add_new(self, assets: Iterable[Asset], *, actor: str = "onbekend") -> tuple[int, int]:
        """Store the assets that are not on the map yet (by identity key), in one transaction; returns
        (saved, skipped). Two sessions saving the same upload at once store it once."""
        assets = list(assets)
        for _attempt in range(3):
            try:
                return self.users.write(lambda tx: self._insert_new(tx, assets, actor))
            except ConstraintError as err:
                if not err.unique:
                    raise AssetStoreError("Opslaan is niet gelukt (de opslag weigert een item); er is niets "
                                          "opgeslagen.") from err
                # another session stored some of them between our check and our insert: check again
        raise AssetStoreError("Opslaan is niet gelukt; er is niets opgeslagen. Probeer het opnieuw.")

    def existing_identity_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these identity keys a live asset has."""
        keys = sorted(set(keys))
        return self.users.read(lambda tx: _existing_keys(tx, keys))

    def _insert_new(self, tx: userstore.Tx, assets: list[Asset], actor: str) -> tuple[int, int]:
        existing = _existing_keys(tx, sorted({a.identity_key for a in assets}))
        new, seen = [], set(existing)
        for asset in assets:
            if asset.identity_key not in seen:
                seen.add(asset.identity_key)
                new.append(asset)
        self._insert(tx, new, actor)
        return len(new), len(assets) - len(new)

    def _insert(self, tx: userstore.Tx, assets: list[Asset], actor: str) -> None:
        if not assets:
            return
        self._check_caps(tx, assets)
        columns = (*COLUMNS, "identity_key")
        tx.executemany(f"insert into assets ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                       [(*to_row(replace(a, version=1)), a.identity_key) for a in assets])
        userstore.record_many(tx, feature=FEATURE, entity=ENTITY, action="create", actor=actor,
                              changes=[(a.id, None, audit_values(a)) for a in assets])

    def _check_caps(self, tx: userstore.Tx, assets: list[Asset]) -> None:
        adding: dict[str, int] = {}
        for asset in assets:
            adding[asset.buurt_code] = adding.get(asset.buurt_code, 0) + 1
        codes = sorted(adding)
        over = []
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            counts = dict(tx.execute(f"select buurt_code, count(*) from assets where {LIVE} and buurt_code in "
                                     f"({', '.join('?' * len(chunk))}) group by buurt_code", chunk))
            over += [code for code in chunk if int(counts.get(code, 0)) + adding[code] > self.max_per_buurt]
        if over:
            raise AssetStoreError(f"Buurt {over[0]}{' en andere' if len(over) > 1 else ''} zou meer dan "
                                  f"{self.max_per_buurt:,} items krijgen; dat is het maximum per buurt. Er is "
                                  "niets opgeslagen.".replace(",", "."))

    def update(self, asset_id: str, *, expected_version: int | None = None, actor: str = "onbekend",
               **fields: object) -> Asset:
        """Change fields (name, category, buurt_code, lon, lat, description, website, date); validated as on
        upload. New coordinates re-assign the buurt unless it was given explicitly. With expected_version
        (the version the form showed), a newer stored version refuses the save (StaleAssetError, with the
        current asset). Raises AssetValidationError (Dutch problems) or AssetNotFoundError."""
        unknown = sorted(set(fields) - set(FIELD_LABELS))
        if unknown:
            raise AssetValidationError([f"veld '{name}' bestaat niet" for name in unknown])

        def change(tx: userstore.Tx) -> Asset:
            current = self._get(tx, asset_id)
            if expected_version is not None and current.version != expected_version:
                raise StaleAssetError(asset_id, expected_version, current.version, current)
            updated = edited_asset(current, fields, known=self._known, locator=self._locator)
            values = dict(zip(COLUMNS[1:-1], to_row(updated)[1:-1]))
            values["identity_key"] = updated.identity_key
            try:
                version = userstore.update_versioned(tx, "assets", asset_id, current.version, values,
                                                     current=lambda t: self._get(t, asset_id))
            except StaleVersionError as err:
                raise StaleAssetError(asset_id, current.version, err.current_version, err.current) from err
            updated = replace(updated, version=version)
            userstore.record(tx, feature=FEATURE, entity=ENTITY, entity_id=asset_id, action="update", actor=actor,
                             before=audit_values(current), after=audit_values(updated))
            return updated
        try:
            return self.users.write(change)
        except ConstraintError as err:
            if err.unique:
                raise AssetValidationError(["er staat al een item met deze naam en categorie in deze buurt"]) \
                    from err
            raise AssetStoreError("Opslaan is niet gelukt (de opslag weigert deze waarden); er is niets "
                                  "veranderd.") from err

    def delete(self, asset_id: str, *, actor: str = "onbekend", expected_version: int | None = None) -> bool:
        """Soft-delete one asset (restore() undoes it); False when there was no live asset with this id."""
        def drop(tx: userstore.Tx) -> bool:
            try:
                current = self._get(tx, asset_id)
            except AssetNotFoundError:
                return False
            if expected_version is not None and current.version != expected_version:
                raise StaleAssetError(asset_id, expected_version, current.version, current)
            userstore.update_versioned(tx, "assets", asset_id, current.version, {
                "deleted_at": userstore.utc_naive_now(), "deleted_by": actor, "identity_key": None})
            userstore.record(tx, feature=FEATURE, entity=ENTITY, entity_id=asset_id, action="delete", actor=actor,
                             before=audit_values(current), after=None)
            return True
        return self.users.write(drop)

    def restore(self, asset_id: str, *, actor: str = "onbekend") -> Asset:
        """Undo a delete. Raises AssetNotFoundError (no deleted asset with this id) or AssetStoreError when an
        item with the same name, category and buurt was added since."""
        def undo(tx: userstore.Tx) -> Asset:
            rows = tx.execute(f"{SELECT} where id = ? and deleted_at is not null", [asset_id])
            if not rows:
                raise AssetNotFoundError(asset_id)
            asset = from_row(rows[0])
            self._check_caps(tx, [asset])
            version = userstore.update_versioned(tx, "assets", asset_id, asset.version, {
                "deleted_at": None, "deleted_by": None, "identity_key": asset.identity_key})
            asset = replace(asset, version=version)
            userstore.record(tx, feature=FEATURE, entity=ENTITY, entity_id=asset_id, action="restore",
                             actor=actor, before=None, after=audit_values(asset))
            return asset
        try:
            return self.users.write(undo)
        except ConstraintError as err:
            raise AssetStoreError("Terugzetten kan niet: er staat intussen een item met dezelfde naam en "
                                  "categorie in deze buurt.") from err

    # ------------------------------------------------------------------------------------------- reading
    def _get(self, tx: userstore.Tx, asset_id: str) -> Asset:
        rows = tx.execute(f"{SELECT} where id = ? and {LIVE}", [asset_id])
        if not rows:
            raise AssetNotFoundError(asset_id)
        return from_row(rows[0])

    def get(self, asset_id: str) -> Asset:
        return self.users.read(lambda tx: self._get(tx, asset_id))

    def id_taken(self, asset_id: str) -> bool:
        """Is there an asset with this id, deleted or not? (A new one with that id cannot be added.)"""
        return bool(self.users.read(lambda tx: tx.execute("select 1 from assets where id = ?", [asset_id])))

    @staticmethod
    def _where(buurt_code: str | None, gemeente_code: str | None) -> tuple[str, list]:
        return userstore.where_clause({"buurt_code": buurt_code, "gemeente_code": gemeente_code}, LIVE)

    def list(self, buurt_code: str | None = None, gemeente_code: str | None = None, *, limit: int | None = None,
             offset: int = 0) -> list[Asset]:
        """Live assets, optionally of one buurt and/or gemeente, oldest first; a page with limit/offset."""
        where, params = self._where(buurt_code, gemeente_code)
        sql = SELECT + where + " order by created_at, name, id"
        if limit is not None:
            sql += " limit ? offset ?"
            params += [int(limit), int(offset)]
        return self.users.read(lambda tx: [from_row(row) for row in tx.execute(sql, params)])

    def list_unchanged(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> list[Asset]:
        """list(), from memory while the store is unchanged (userstore.read_cache): for pages that show the
        same assets on every visit, such as a profile. A buurt or gemeente without a live asset (most of them) is
        answered from the places that have one, read once per change of the store, instead of a read per place
        (~1.7 ms CPU for every buurt profile new to the server; issue #10)."""
        if self.users.change_token() is not None:   # else every read goes to the store: no shortcut to keep
            buurten, gemeenten = self._reads.get(("places with live assets",), self._live_places)
            if (buurt_code is not None and buurt_code not in buurten) or \
                    (gemeente_code is not None and gemeente_code not in gemeenten):
                return []
        return list(self._reads.get((buurt_code, gemeente_code), lambda: tuple(self.list(buurt_code, gemeente_code))))

    def _live_places(self) -> tuple[frozenset, frozenset]:
        """The buurt codes and the gemeente codes that have a live asset."""
        rows = self.users.read(lambda tx: tx.execute(f"select distinct buurt_code, gemeente_code from assets "
                                                     f"where {LIVE}"))
        return frozenset(r[0] for r in rows), frozenset(r[1] for r in rows)

    def iter_all(self, buurt_code: str | None = None, gemeente_code: str | None = None, *,
                 page: int = 1_000) -> Iterator[Asset]:
        """All live assets, read a page at a time (keyset paging: no page is read twice or skipped)."""
        where, params = self._where(buurt_code, gemeente_code)
        after: tuple | None = None
        while True:
            extra, extra_params = "", []
            if after is not None:
                extra = " and (created_at > ? or (created_at = ? and (name > ? or (name = ? and id > ?))))"
                extra_params = [after[0], after[0], after[1], after[1], after[2]]
            rows = self.users.read(lambda tx: tx.execute(
                SELECT + where + extra + " order by created_at, name, id limit ?", [*params, *extra_params, page]))
            for row in rows:
                yield from_row(row)
            if len(rows) < page:
                return
            last = rows[-1]
            after = (last[13], last[1], last[0])

    def count(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> int:
        where, params = self._where(buurt_code, gemeente_code)
        return int(self.users.read(lambda tx: tx.execute("select count(*) from assets" + where, params))[0][0])

    def deleted(self, buurt_code: str, *, limit: int = 50) -> list[tuple[Asset, datetime, str]]:
        """Soft-deleted assets of a buurt, newest delete first: (asset, deleted_at UTC, deleted_by)."""
        rows = self.users.read(lambda tx: tx.execute(
            f"select {', '.join(COLUMNS)}, deleted_at, deleted_by from assets where buurt_code = ? and "
            "deleted_at is not null order by deleted_at desc, id limit ?", [buurt_code, int(limit)]))
        return [(from_row(r[:len(COLUMNS)]), r[-2].replace(tzinfo=timezone.utc), r[-1]) for r in rows]

    def history(self, asset_id: str | None = None, *, limit: int = 100) -> list[userstore.AuditEntry]:
        return self.users.read(lambda tx: userstore.history(tx, feature=FEATURE, entity_id=asset_id, limit=limit))

    def counts_per_category(self, buurt_code: str) -> dict[str, int]:
        """Number of live assets per category in one buurt; all six categories, zeros included."""
        found = dict(self.users.read(lambda tx: tx.execute(
            f"select category, count(*) from assets where buurt_code = ? and {LIVE} group by category",
            [buurt_code])))
        return {key: int(found.get(key, 0)) for key in CATEGORIES}

    def export_csv(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> bytes:
        return assets_to_csv(self.iter_all(buurt_code, gemeente_code))

    def export_geojson(self, buurt_code: str | None = None, gemeente_code: str | None = None) -> bytes:
        return assets_to_geojson(self.iter_all(buurt_code, gemeente_code))


def _existing_keys(tx: userstore.Tx, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found |= {r[0] for r in tx.execute(
            f"select identity_key from assets where identity_key in ({', '.join('?' * len(chunk))})", chunk)}
    return found


