"""The Bewonerskaart forms' values as an asset (plain logic, tested without a browser): a new asset from the add
form, and the fields the edit form changed."""
from __future__ import annotations

from datetime import date

from .model import Asset, asset_fields
from .validation import build_asset


def form_asset(values: dict, buurt_code: str | None, *, known_buurt_codes, locator,
               asset_id: str | None = None) -> Asset:
    """An asset from the add form: in `buurt_code`, or (buurt_code None) placed by its lon/lat; `asset_id`: the
    form instance's (view_add), or a new one. Raises AssetValidationError with Dutch messages."""
    raw = {k: values.get(k) for k in ("name", "category", "description", "website")}
    day = values.get("date")
    raw["date"] = day.isoformat() if isinstance(day, date) else day
    if buurt_code is None:
        raw["lon"], raw["lat"] = values.get("lon"), values.get("lat")
    else:
        raw["buurt_code"] = buurt_code
    return build_asset(raw, known_buurt_codes=known_buurt_codes, locator=locator, asset_id=asset_id)


def changed_fields(asset: Asset, values: dict) -> dict:
    """The edit form's values that differ from the stored asset (store.update validates them)."""
    current = asset_fields(asset)
    changed = {}
    for key, value in values.items():
        value = value.isoformat() if isinstance(value, date) else value
        value = (value.strip() or None) if isinstance(value, str) else value
        old = current.get(key)
        if key in ("lon", "lat") and value is not None and old is not None:
            try:
                if float(str(value).replace(",", ".")) == old:
                    continue
            except ValueError:
                pass
        if (None if old is None else str(old)) != (None if value is None else str(value)):
            changed[key] = value
    return changed
