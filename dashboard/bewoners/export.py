"""Write assets as CSV or GeoJSON, and escape text for display. Pure: assets in, bytes or str out.

The CSV is meant to be opened in a spreadsheet, so text cells that a spreadsheet would run as a formula get a
leading ' (CSV injection). Coordinates stay plain numbers. parse_upload reads the CSV back to the same assets.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from dashboard.core.escaping import escape_formula

from .model import Asset

# The first eight columns are the upload template's; the rest is information parse_upload ignores.
CSV_COLUMNS = ("naam", "categorie", "buurtcode", "lon", "lat", "omschrijving", "website", "datum",
               "id", "categorie_label", "gemeentecode", "buurt_bepaald_door", "locatie_benaderd", "bron",
               "aangemaakt_op")


def asset_record(asset: Asset) -> dict[str, object]:
    """One asset as a flat record with the export column names; text is not escaped here."""
    return {
        "naam": asset.name, "categorie": asset.category, "buurtcode": asset.buurt_code,
        "lon": asset.lon, "lat": asset.lat, "omschrijving": asset.description, "website": asset.website,
        "datum": asset.date.isoformat() if asset.date else None, "id": asset.id,
        "categorie_label": asset.category_label, "gemeentecode": asset.gemeente_code,
        "buurt_bepaald_door": asset.buurt_assigned_by,
        "locatie_benaderd": "ja" if asset.location_approximate else "nee", "bron": asset.source,
        "aangemaakt_op": asset.created_at.isoformat(timespec="seconds"),
    }


def assets_to_csv(assets: Iterable[Asset], *, delimiter: str = ";") -> bytes:
    """CSV (UTF-8 with BOM, so Excel shows accents; ';' between fields and a decimal comma, as Dutch Excel
    expects) with formula escaping."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for asset in assets:
        record = asset_record(asset)
        writer.writerow([_csv_cell(record[column]) for column in CSV_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # shortest exact form with a decimal comma: with ';' between the fields, a Dutch Excel reads '52.3731' as
        # 523731 (the point is its thousands separator); parse_upload reads the comma back. Never formula-escaped.
        return repr(value).replace(".", ",")
    return escape_formula(str(value))


def assets_to_geojson(assets: Iterable[Asset]) -> bytes:
    """GeoJSON FeatureCollection: a Point per asset with coordinates, geometry null for buurt-only assets."""
    features = []
    for asset in assets:
        record = asset_record(asset)
        geometry = {"type": "Point", "coordinates": [asset.lon, asset.lat]} if asset.has_coordinates else None
        properties = {k: v for k, v in record.items() if k not in ("lon", "lat")}
        features.append({"type": "Feature", "id": asset.id, "geometry": geometry, "properties": properties})
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
