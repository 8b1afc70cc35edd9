"""How a Bewonerskaart asset is kept in the user store's `assets` table: its columns, the row of an Asset and
back, and what the audit log keeps of it (schema.py creates the table, store.py reads and writes it).
"""
from __future__ import annotations

from datetime import datetime, timezone

from .model import Asset, asset_fields

# The columns of an asset, in the order of to_row() and from_row().
COLUMNS = ("id", "name", "category", "buurt_code", "gemeente_code", "lon", "lat", "description", "website",
           "asset_date", "location_approximate", "buurt_assigned_by", "source", "created_at", "version")
SELECT = f"select {', '.join(COLUMNS)} from assets"
LIVE = "deleted_at is null"


def audit_values(asset: Asset) -> dict[str, object]:
    """What the audit log keeps of an asset: every stored field."""
    return {**asset_fields(asset), "id": asset.id, "location_approximate": asset.location_approximate,
            "buurt_assigned_by": asset.buurt_assigned_by, "source": asset.source, "version": asset.version}


def to_row(asset: Asset) -> tuple:
    created = asset.created_at.astimezone(timezone.utc).replace(tzinfo=None)  # stored as naive UTC
    return (asset.id, asset.name, asset.category, asset.buurt_code, asset.gemeente_code, asset.lon, asset.lat,
            asset.description, asset.website, asset.date, asset.location_approximate, asset.buurt_assigned_by,
            asset.source, created, asset.version)


def from_row(row: tuple) -> Asset:
    (asset_id, name, category, buurt_code, _gemeente, lon, lat, description, website, asset_date,
     approximate, assigned_by, source, created, version) = row
    created_at = created.replace(tzinfo=timezone.utc) if isinstance(created, datetime) else created
    return Asset(id=asset_id, name=name, category=category, buurt_code=buurt_code, lon=lon, lat=lat,
                 description=description, website=website, date=asset_date, location_approximate=approximate,
                 buurt_assigned_by=assigned_by, source=source, created_at=created_at, version=int(version))
