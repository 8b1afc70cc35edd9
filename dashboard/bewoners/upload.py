"""Read a residents' CSV or GeoJSON upload into assets, row by row. Pure: bytes in, UploadResult out.

Valid rows are kept and invalid rows reported, so one typo does not throw away a whole file. Problems with
the file as a whole (size, encoding, personal-data columns, missing columns) are `fatal` instead.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from dashboard.core.escaping import FORMULA_CHARS
from dashboard.core.filetype import wrong_type
from dashboard.core.textfile import TextFileError, decode_upload

from .geo import BuurtCodes
from .model import Asset, AssetValidationError, Locator, utc_now
from .validation import build_asset

MAX_FILE_BYTES = 5 * 1024 * 1024
FILE_SUFFIXES = (".csv", ".txt", "", ".geojson", ".json")
FILE_TYPES = "een CSV-bestand (.csv) of een GeoJSON-bestand (.geojson of .json)"
FILE_HINT = "Bewaar een spreadsheet in Excel met 'Opslaan als' > 'CSV UTF-8'."
MAX_ROWS = 5_000
MAX_ROWS_TEXT = "5.000"
EXPECTED_COLUMNS = ("naam, categorie, buurtcode óf lon en lat; "
                    "en als u wilt: omschrijving, website, datum (jjjj-mm-dd)")
# File column (normalised) -> canonical field name.
COLUMN_ALIASES: dict[str, str] = {
    "naam": "name", "name": "name", "categorie": "category", "category": "category",
    "buurtcode": "buurt_code", "buurt_code": "buurt_code", "lon": "lon", "lng": "lon", "longitude": "lon",
    "lengtegraad": "lon", "lat": "lat", "latitude": "lat", "breedtegraad": "lat",
    "omschrijving": "description", "beschrijving": "description", "description": "description",
    "website": "website", "url": "website", "datum": "date", "date": "date",
    "buurt_bepaald_door": "buurt_assigned_by",  # written by export.py, keeps the 'approximate' mark
}
# Column names that suggest personal data: whole words, and fragments that are telling on their own.
PERSONAL_WORDS = {"tel", "telnr", "gsm", "bsn", "adres", "address", "huisnummer", "dob", "ssn", "sofinummer",
                  "leeftijd", "age", "iban"}
PERSONAL_FRAGMENTS = ("mail", "telefoon", "phone", "mobiel", "mobile", "geboorte", "birth", "burgerservice",
                      "woonadres", "huisadres", "thuisadres", "priveadres", "privéadres", "contactpersoon",
                      "voornaam", "achternaam", "rekeningnummer", "paspoort", "passport")


@dataclass
class RowError:
    """A problem in one row (CSV, header = rij 1) or object (GeoJSON, first feature = object 1)."""

    row: int
    reason: str
    where: str = "rij"

    @property
    def message(self) -> str:
        return f"{self.where} {self.row}: {self.reason}"

    def __str__(self) -> str:
        return self.message


@dataclass
class UploadResult:
    assets: list[Asset] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fatal: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None


class _Fatal(Exception):
    """The file as a whole cannot be read; the message is shown to the resident."""


def parse_upload(raw: bytes, filename: str, *, known_buurt_codes: BuurtCodes | Iterable[str],
                 locator: Locator | None) -> UploadResult:
    """Parse an uploaded .csv or .geojson/.json file. Never raises for bad input: see UploadResult."""
    result = UploadResult()
    try:
        if len(raw) <= MAX_FILE_BYTES and (reason := wrong_type(raw, filename, suffixes=FILE_SUFFIXES,
                                                                allowed=FILE_TYPES, hint=FILE_HINT)):
            raise _Fatal(reason)
        text, result.encoding = _decode(raw)
        suffix = PurePath(filename or "").suffix.lower()
        if suffix in (".geojson", ".json"):
            records, where = _geojson_records(text, result), "object"
        elif suffix in (".csv", ".txt", ""):
            records, where = _csv_records(text, result), "rij"
        else:  # not reached: wrong_type refused every other suffix
            raise _Fatal(f"kies {FILE_TYPES}")
        known = BuurtCodes.coerce(known_buurt_codes)
        source, created_at = f"upload:{_clean_filename(filename)}", utc_now()
        for row, fields, problem in records:
            if problem:
                result.errors.append(RowError(row, problem, where))
                continue
            try:
                result.assets.append(build_asset(fields, known_buurt_codes=known, locator=locator,
                                                 source=source, created_at=created_at))
            except AssetValidationError as err:
                result.errors.extend(RowError(row, p, where) for p in err.problems)
    except _Fatal as err:
        return UploadResult(fatal=str(err), encoding=result.encoding)
    if not result.assets and not result.errors:
        result.fatal = "het bestand bevat geen rijen met gegevens"
    return result


def _decode(raw: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's "Unicode-tekst"), else Windows-1252;
    refuse binary files (core.textfile)."""
    try:
        return decode_upload(raw, max_bytes=MAX_FILE_BYTES, cp1252=True, utf16=True, binary_share=0.05,
                             hint="Sla het op als 'CSV UTF-8' (of als GeoJSON) en probeer opnieuw")
    except TextFileError as err:
        raise _Fatal(str(err)) from None


def normalise_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff").strip().lower())


def personal_data_column(columns: Iterable[str]) -> str | None:
    """The first column whose name suggests personal data, or None."""
    for column in columns:
        norm = normalise_column(column)
        words = set(re.split(r"[^0-9a-zà-ÿ]+", norm))
        if words & {"web", "website", "internet", "url"}:
            words.discard("adres")  # "website adres" is not a person's address
        if words & PERSONAL_WORDS or any(fragment in norm for fragment in PERSONAL_FRAGMENTS):
            return column
    return None


def unescape_formula(value: str) -> str:
    """Undo export.escape_formula: drop one leading ' that protects a formula-like value."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_CHARS):
        return value[1:]
    return value


def _clean_filename(filename: str) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:200] or "bestand"


def _refuse_personal_columns(columns: Iterable[str]) -> None:
    personal = personal_data_column(columns)
    if personal is not None:
        raise _Fatal(f"kolom '{personal.strip()[:60]}' lijkt persoonsgegevens te bevatten; Buurtbalans slaat "
                     "geen persoonsgegevens op. Haal de kolom weg en probeer opnieuw.")


def _map_columns(columns: list[str], result: UploadResult) -> dict[int, str]:
    """Column index -> canonical field; refuses personal-data columns and files without the needed columns."""
    _refuse_personal_columns(columns)
    mapping: dict[int, str] = {}
    for index, column in enumerate(columns):
        canonical = COLUMN_ALIASES.get(normalise_column(column))
        if canonical is None:
            if column.strip():
                result.ignored_columns.append(column.strip()[:60])
        elif canonical in mapping.values():
            raise _Fatal(f"kolom '{column.strip()}' staat er twee keer in; laat er één over")
        else:
            mapping[index] = canonical
    present = set(mapping.values())
    missing = [label for key, label in (("name", "naam"), ("category", "categorie")) if key not in present]
    if "buurt_code" not in present and not {"lon", "lat"} <= present:
        missing.append("buurtcode (of lon en lat)")
    if missing:
        which = f"kolom {missing[0]} ontbreekt" if len(missing) == 1 else \
            f"kolommen {', '.join(missing[:-1])} en {missing[-1]} ontbreken"
        raise _Fatal(f"{which}. Verwachte kolommen: {EXPECTED_COLUMNS}. Gebruik het voorbeeldbestand als begin.")
    return mapping


# ';' (Dutch Excel's CSV), ',' (English CSV) and a tab (Excel's 'Tekst (tab is scheidingsteken)'; a tab file was
# read as one column and refused with 'kolommen naam, categorie en buurtcode ontbreken', which it had)
DELIMITERS = (";", ",", "\t")


def _delimiter_name(delimiter: str) -> str:
    return "een tab" if delimiter == "\t" else f"een '{delimiter}'"


def _sniff_delimiter(first_line: str) -> str:
    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(normalise_column(c) in COLUMN_ALIASES for c in cells), len(cells)
    return max(DELIMITERS, key=score)


def _csv_records(text: str, result: UploadResult) -> list[tuple[int, dict, str | None]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _sniff_delimiter(first)
    if re.fullmatch(r"sep=[;,\t]", first.strip(" \r\n").lower()):  # Excel's "sep=;" hint line, hidden in Excel
        delimiter = first.strip(" \r\n")[-1]
        text = text[text.index(first) + len(first):]
    # Fields longer than the csv default (128 KB) must reach validation to get a row error, not a crash.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES + 1))
    rows = _nonempty_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = next(rows, (0, []))[1]
    if not header:
        raise _Fatal("het bestand is leeg")
    mapping = _map_columns(header, result)
    records = []
    for count, (row_number, cells) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise _Fatal(f"het bestand heeft meer dan {MAX_ROWS_TEXT} rijen; splits het in kleinere bestanden")
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            records.append((row_number, {}, f"deze rij heeft meer waarden ({len(cells)}) dan er kolommen zijn "
                            f"({len(header)}); staat er {_delimiter_name(delimiter)} in een tekst zonder "
                            "aanhalingstekens?"))
            continue
        fields = {canonical: unescape_formula(cells[i]) if i < len(cells) else None
                  for i, canonical in mapping.items()}
        records.append((row_number, fields, None))
    return records


def _nonempty_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every row with content. Blank rows are skipped but counted, so
    the numbers match what a spreadsheet shows (header = rij 1 when it is the first line)."""
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                yield number, cells
    except csv.Error as err:
        raise _Fatal(f"het bestand is geen geldige CSV (bij regel {reader.line_num}): {err}") from None


def _geojson_records(text: str, result: UploadResult) -> list[tuple[int, dict, str | None]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _Fatal(f"het bestand is geen geldige GeoJSON (regel {err.lineno}, teken {err.colno})") from None
    except (ValueError, RecursionError):
        raise _Fatal("het bestand is geen geldige GeoJSON") from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise _Fatal("het bestand is geen GeoJSON FeatureCollection; verwacht wordt "
                     '{"type": "FeatureCollection", "features": [...]}')
    features = data["features"]
    if len(features) > MAX_ROWS:
        raise _Fatal(f"het bestand heeft meer dan {MAX_ROWS_TEXT} objecten; splits het in kleinere bestanden")
    keys = {k for f in features if isinstance(f, dict) and isinstance(f.get("properties"), dict)
            for k in f["properties"] if isinstance(k, str)}
    _refuse_personal_columns(sorted(keys))
    result.ignored_columns.extend(sorted(k[:60] for k in keys if normalise_column(k) not in COLUMN_ALIASES))
    return [(number, *_feature_fields(feature)) for number, feature in enumerate(features, start=1)]


def _feature_fields(feature: object) -> tuple[dict, str | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {}, "dit is geen GeoJSON Feature"
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        return {}, "de properties van dit object zijn geen lijst van namen en waarden"
    fields = {}
    for key, value in properties.items():
        canonical = COLUMN_ALIASES.get(normalise_column(key))
        if canonical is not None:
            fields[canonical] = value  # GeoJSON is not for spreadsheets: export.py does not escape it
    geometry = feature.get("geometry")
    if geometry is None:
        return fields, None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return {}, f"alleen punten (Point) kunnen worden ingelezen, geen '{str(kind)[:30]}'"
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3) \
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates):
        return {}, "de coördinaten van dit punt kloppen niet; verwacht wordt [lon, lat]"
    fields["lon"], fields["lat"] = coordinates[0], coordinates[1]
    return fields, None
