"""Validating a Bewonerskaart asset: the checks every way in (form, upload, update) shares.

build_asset turns raw field values into an Asset (dashboard.bewoners.model) or raises AssetValidationError with
every problem at once; edited_asset does the same for a changed stored asset. Messages are Dutch (B1) because
they go straight to the resident who typed the value.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import urlsplit

from .geo import BuurtCodes
from .model import (ASSIGNED_BY_COORDINATES, ASSIGNED_EXPLICIT, CATEGORIES, SOURCE_FORM, Asset,
                    AssetValidationError, Locator, asset_fields, new_asset_id, utc_now)
from .privacy import find_personal_data

MAX_NAME_CHARS = 200
MAX_FIELD_CHARS = 1_000
# Rough bounding box of the Netherlands in WGS84 degrees.
NL_LON = (3.2, 7.3)
NL_LAT = (50.7, 53.6)

BUURT_CODE_RE = re.compile(r"BU\d{4}[0-9A-Z]{4}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Unicode direction controls (embeddings, overrides, isolates: U+202A-U+202E, U+2066-U+2069) are invisible, and one
# left open turns the text after it around wherever it shares a line ('23 deelnemers' read 'srednemleed 32'). Right-to-
# left text (Arabic, Hebrew) shows right without them, so they are dropped; marks (LRM, RLM) turn nothing around.
_DIRECTION_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_direction_controls(text: str) -> str:
    return _DIRECTION_CONTROLS_RE.sub("", text)
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# An asset's date: these years, on every way in (form, upload, update). The form's date boxes span every date the box
# can hold (date.min..date.max), so a typed year outside this range gets this Dutch message on save, not the
# browser's English 'Date set outside allowed range'.
FIRST_YEAR, LAST_YEAR = 1900, 2100
DATE_HELP = f"Een datum tussen {FIRST_YEAR} en {LAST_YEAR}."
_CATEGORY_LOOKUP = {**{k: k for k in CATEGORIES}, **{v.lower(): k for k, v in CATEGORIES.items()}}
CATEGORY_CHOICES = ", ".join(CATEGORIES)


def parse_category(value: object) -> str:
    """Return the category key for a key or Dutch label (case-insensitive)."""
    if value is not None and not isinstance(value, str):
        raise AssetValidationError([f"categorie moet tekst zijn; kies uit {CATEGORY_CHOICES}"])
    text = value.strip().lower() if value else ""
    if not text:
        raise AssetValidationError([f"categorie ontbreekt; kies uit {CATEGORY_CHOICES}"])
    key = _CATEGORY_LOOKUP.get(" ".join(text.split()))
    if key is None:
        raise AssetValidationError([f"categorie '{_clip(value)}' bestaat niet; kies uit {CATEGORY_CHOICES}"])
    return key


def contains_personal_data(text: str, *, url: bool = False) -> str | None:
    """Name the kind of personal data found in free text (or, url=True, a web address), or None.
    Linear time in the text length (see privacy.py)."""
    return find_personal_data(text, url=url)


def build_asset(raw: Mapping[str, object], *, known_buurt_codes: BuurtCodes | Iterable[str],
                locator: Locator | None, source: str = SOURCE_FORM, asset_id: str | None = None,
                created_at: datetime | None = None) -> Asset:
    """Validate raw field values (strings, numbers or None, keyed by FIELD_LABELS keys) into an Asset.

    A buurt code given explicitly wins over coordinates; without one, the locator assigns the buurt and the
    asset is marked approximate. `raw["buurt_assigned_by"]` (from an export) keeps that mark on re-import.

    Raises AssetValidationError listing every problem, so a resident can fix a row in one go.
    """
    problems: list[str] = []

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AssetValidationError as err:
            problems.extend(err.problems)
            return None

    name = check(_text, raw.get("name"), "naam", MAX_NAME_CHARS, free_text=True, required=True)
    category = check(parse_category, raw.get("category"))
    description = check(_text, raw.get("description"), "omschrijving", MAX_FIELD_CHARS, free_text=True)
    website = check(_website, raw.get("website"))
    asset_date = check(_date, raw.get("date"))
    problems_before_location = len(problems)
    coords = check(_coordinates, raw.get("lon"), raw.get("lat"))
    buurt_code = check(_buurt_code, raw.get("buurt_code"), BuurtCodes.coerce(known_buurt_codes))
    location_checked = len(problems) == problems_before_location
    assigned_by, approximate = ASSIGNED_EXPLICIT, False
    if buurt_code is None and coords is not None and location_checked:
        if locator is None:
            problems.append("de buurt kan niet uit de coördinaten worden bepaald; vul een buurtcode in")
        else:
            buurt_code = locator.locate(*coords)
            assigned_by, approximate = ASSIGNED_BY_COORDINATES, True
            if buurt_code is None:
                problems.append(f"de coördinaten (lon {coords[0]}, lat {coords[1]}) liggen niet in een "
                                "bekende buurt; controleer ze of vul een buurtcode in")
    elif buurt_code is None and location_checked:
        problems.append("buurtcode of coördinaten ontbreken; vul een buurtcode in (bijvoorbeeld "
                        "BU03630000) of lon en lat")
    elif coords is not None and _said_located(raw) and locator is not None \
            and locator.locate(*coords) == buurt_code:
        # An export says this code came from the coordinates, and it still does: keep it marked approximate.
        assigned_by, approximate = ASSIGNED_BY_COORDINATES, True
    if problems:
        raise AssetValidationError(problems)
    lon, lat = coords if coords is not None else (None, None)
    return Asset(id=asset_id or new_asset_id(), name=name, category=category, buurt_code=buurt_code,
                 lon=lon, lat=lat, description=description, website=website, date=asset_date,
                 location_approximate=approximate, buurt_assigned_by=assigned_by, source=source,
                 created_at=created_at or utc_now())


def edited_asset(current: Asset, fields: Mapping[str, object], *, known: BuurtCodes | None,
                 locator: Locator | None) -> Asset:
    """The stored asset with some fields changed, validated as on upload (AssetStore.update saves it). New
    coordinates re-assign the buurt unless it was given explicitly; a new buurt code needs `known`."""
    raw = {**asset_fields(current), **fields}
    code_given = "buurt_code" in fields
    relocate = ("lon" in fields or "lat" in fields) and not code_given \
        and current.buurt_assigned_by == ASSIGNED_BY_COORDINATES
    if relocate:
        raw["buurt_code"] = None
    codes = known.codes if known is not None else frozenset()
    new_code = str(raw.get("buurt_code") or "").strip().upper()
    if code_given and new_code and new_code != current.buurt_code and known is None:
        raise AssetValidationError(["de buurtcode kan niet worden gecontroleerd (geen lijst met buurtcodes)"])
    updated = build_asset(raw, known_buurt_codes=codes | {current.buurt_code}, locator=locator,
                          source=current.source, asset_id=current.id, created_at=current.created_at)
    if not code_given and not relocate:  # the buurt stays, and so does how it was assigned
        updated = replace(updated, location_approximate=current.location_approximate,
                          buurt_assigned_by=current.buurt_assigned_by)
    return replace(updated, version=current.version)


def _said_located(raw: Mapping[str, object]) -> bool:
    said = raw.get("buurt_assigned_by")
    return isinstance(said, str) and said.strip().lower() == ASSIGNED_BY_COORDINATES


def _clip(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _as_text(value: object, label: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise AssetValidationError([f"{label} moet tekst zijn"])
    return value if isinstance(value, str) else str(value)


def _text(value: object, label: str, max_chars: int = MAX_FIELD_CHARS, *, free_text: bool = False,
          required: bool = False, url: bool = False) -> str | None:
    text = _as_text(value, label)
    text = without_direction_controls(text).strip() if text is not None else None
    if not text:
        if required:
            raise AssetValidationError([f"{label} ontbreekt"])
        return None
    if len(text) > max_chars:
        raise AssetValidationError([f"{label} is te lang ({len(text)} tekens, maximaal {max_chars})"])
    if _CONTROL_RE.search(text):
        raise AssetValidationError([f"{label} bevat onzichtbare stuurtekens; haal die weg"])
    found = contains_personal_data(text, url=url) if free_text else None
    if found:
        raise AssetValidationError([f"{label} bevat {found}; Buurtbalans slaat geen persoonsgegevens op. "
                                    "Haal het weg en probeer opnieuw"])
    return text


def _website(value: object) -> str | None:
    text = _text(value, "website", free_text=True, url=True)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme.lower() not in ("http", "https") or "." not in host or " " in text:
        hint = f" (bijvoorbeeld https://{_clip(text)})" if parts is not None and not parts.scheme else ""
        raise AssetValidationError([f"website '{_clip(text)}' klopt niet; een website begint met "
                                    f"http:// of https://{hint}"])
    return text


def _date(value: object) -> date | None:
    text = _text(value, "datum")
    if text is None:
        return None
    parsed = None
    try:
        if _ISO_DATE_RE.fullmatch(text):
            parsed = date.fromisoformat(text)
    except ValueError:
        pass
    if parsed is None:
        raise AssetValidationError([f"datum '{_clip(text)}' klopt niet; schrijf de datum als jjjj-mm-dd, "
                                    "bijvoorbeeld 2024-05-01"])
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise AssetValidationError([f"datum '{_clip(text)}' ligt buiten de jaren {FIRST_YEAR} tot en met "
                                    f"{LAST_YEAR}; kies een datum in die jaren"])
    return parsed


def _number(value: object, label: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if abs(value) < 1e300 else math.inf  # float(10**400) would raise
    elif isinstance(value, str):
        text = value.strip()
        if "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")  # decimal comma from a Dutch spreadsheet
        if len(text) > 40 or not _NUMBER_RE.fullmatch(text):
            raise AssetValidationError([f"{label} '{_clip(value)}' is geen getal"])
        number = float(text)
    else:
        raise AssetValidationError([f"{label} moet een getal zijn"])
    if not math.isfinite(number):
        raise AssetValidationError([f"{label} '{_clip(value)}' is geen getal"])
    return number


def _coordinates(lon_value: object, lat_value: object) -> tuple[float, float] | None:
    lon = _number(lon_value, "lon")
    lat = _number(lat_value, "lat")
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise AssetValidationError(["lon en lat horen bij elkaar; vul ze allebei in of laat ze allebei leeg"])
    if NL_LON[0] <= lon <= NL_LON[1] and NL_LAT[0] <= lat <= NL_LAT[1]:
        return lon, lat
    message = f"de coördinaten (lon {lon}, lat {lat}) liggen buiten Nederland"
    if NL_LON[0] <= lat <= NL_LON[1] and NL_LAT[0] <= lon <= NL_LAT[1]:
        message += "; lon en lat lijken omgewisseld"
    elif abs(lon) > 1000 or abs(lat) > 1000:
        message += "; dit lijken RD-coördinaten. Gebruik graden (WGS84), bijvoorbeeld lon 4.8924 en lat 52.3731"
    else:
        message += "; gebruik graden (WGS84), bijvoorbeeld lon 4.8924 en lat 52.3731"
    raise AssetValidationError([message])


def _buurt_code(value: object, known: BuurtCodes) -> str | None:
    text = _text(value, "buurtcode")
    if text is None:
        return None
    code = text.upper().replace(" ", "")
    if not BUURT_CODE_RE.fullmatch(code):
        raise AssetValidationError([f"buurtcode '{_clip(text)}' klopt niet; een buurtcode is BU met 8 tekens "
                                    "erachter, bijvoorbeeld BU03630000 of BU0363AA01"])
    if code not in known:
        raise AssetValidationError([f"buurtcode '{code}' bestaat niet; {known.hint(code)}"])
    return code
