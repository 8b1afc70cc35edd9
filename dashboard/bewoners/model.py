"""What a Bewonerskaart asset is: its categories, fields and identity (validation.py checks the values).

The error that validation raises lives here, so the store and the upload can catch it without validating.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
import datetime as dt
from typing import Protocol

# The six ABCD asset categories: key -> Dutch label. Order is the display order.
CATEGORIES: dict[str, str] = {
    "bewoners": "Bewoners en hun talenten",
    "verenigingen": "Verenigingen en initiatieven",
    "instellingen": "Instellingen",
    "plekken": "Fysieke plekken",
    "economie": "Lokale economie",
    "cultuur": "Cultuur en verhalen",
}

ASSIGNED_EXPLICIT = "opgegeven"
ASSIGNED_BY_COORDINATES = "coordinaten (benadering)"
SOURCE_FORM = "formulier"

# Canonical field names (as used by build_asset and AssetStore.update) -> Dutch label for messages.
FIELD_LABELS: dict[str, str] = {
    "name": "naam", "category": "categorie", "buurt_code": "buurtcode", "lon": "lon", "lat": "lat",
    "description": "omschrijving", "website": "website", "date": "datum",
}


class Locator(Protocol):
    def locate(self, lon: float, lat: float) -> str | None: ...


class AssetValidationError(ValueError):
    """One or more fields of an asset are not valid; `problems` holds one Dutch sentence per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Asset:
    id: str
    name: str
    category: str
    buurt_code: str
    lon: float | None
    lat: float | None
    description: str | None
    website: str | None
    date: dt.date | None
    location_approximate: bool
    buurt_assigned_by: str
    source: str
    created_at: dt.datetime
    version: int = 1

    @property
    def identity_key(self) -> str:
        """Normalised name, category and buurt: two assets with the same key are the same thing."""
        return identity_key_of(self.name, self.category, self.buurt_code)

    @property
    def gemeente_code(self) -> str:
        return "GM" + self.buurt_code[2:6]

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    @property
    def has_coordinates(self) -> bool:
        return self.lon is not None and self.lat is not None


def identity_key_of(name: str, category: str, buurt_code: str) -> str:
    return f"{' '.join(str(name).casefold().split())}|{category}|{buurt_code}"


def new_asset_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def asset_fields(asset: Asset) -> dict[str, object]:
    """The editable fields of an asset, in the form build_asset accepts."""
    return {"name": asset.name, "category": asset.category, "buurt_code": asset.buurt_code,
            "lon": asset.lon, "lat": asset.lat, "description": asset.description,
            "website": asset.website, "date": asset.date.isoformat() if asset.date else None}

