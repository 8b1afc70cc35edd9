"""Fetch CBS tables with the cbsodata client into the table cache (pipelines/cache.py).

Only ``cbsodata.download_data`` talks to CBS. It saves every part of a table as JSON in a temporary folder; this
module checks those parts and writes them to ``<cache_root>/<TABLE_ID>/`` in one atomic step, so a failed fetch
never leaves a half-written or changed cache behind. Values are kept as CBS sends them (padded codes, nulls);
cleaning them up is the transform's job.
"""
from __future__ import annotations

import difflib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cbsodata
import pandas as pd
import requests
from tqdm import tqdm

from pipelines import catalogue
from pipelines.cache import write_table_cache

CATALOG_ENV = "BUURTBALANS_CATALOG_URL"
DIMENSION_TYPES = ("Dimension", "GeoDimension", "GeoDetail", "TimeDimension")
COLUMN_TYPES = (*DIMENSION_TYPES, "Topic")
NOT_CODE_LISTS = ("TypedDataSet", "UntypedDataSet", "DataProperties", "TableInfos")
# cbsodata keeps its settings in one global object; fetches that change it must not interleave.
_OPTIONS_LOCK = threading.Lock()


class ExtractError(RuntimeError):
    """A table could not be fetched or its response is not usable. The message is one readable line."""


def stem_of(key: str) -> str:
    """The OData key without its numeric suffix: Vrijwilligerswerk_33 -> Vrijwilligerswerk."""
    return re.sub(r"_\d+$", "", key)


def resolve_stems(data_properties: list[dict], stems: Iterable[str]) -> dict[str, str]:
    """Map each stem to the one Topic key that carries it; stems that resolve to no or several keys are left out."""
    keys: dict[str, list[str]] = {}
    for prop in data_properties:
        if prop.get("Type") == "Topic" and prop.get("Key"):
            keys.setdefault(stem_of(prop["Key"]), []).append(prop["Key"])
    return {stem: keys[stem][0] for stem in stems if len(keys.get(stem, ())) == 1}


def table_stems(cat: catalogue.Catalogue, table_id: str) -> list[str]:
    """The OData stems the catalogue reads from one table, to pass as ``stems`` to ``fetch_table``."""
    stems = (stem for ind in cat.indicators for src in ind.sources if src.table == table_id for stem in src.stems())
    return list(dict.fromkeys(stems))


def catalog_location(table: catalogue.Table, catalog_url: str | None = None) -> tuple[str, bool | None]:
    """Host to fetch from (argument, then $BUURTBALANS_CATALOG_URL, then the table's catalog) and, when the
    URL names a scheme ("http://127.0.0.1:8765"), whether it uses https."""
    url = catalog_url or os.environ.get(CATALOG_ENV) or table.catalog_host
    match = re.match(r"^(https?)://", url)
    host = url[match.end():] if match else url
    return host.rstrip("/"), (match.group(1) == "https") if match else None


# --------------------------------------------------------------------------------------------------------------
# Progress: cbsodata logs "Download <url>" on the root logger for every request it makes
# --------------------------------------------------------------------------------------------------------------

class _DownloadCounter(logging.Handler):
    """Advances a progress bar per downloaded page and remembers the last URL, to name it in errors."""

    def __init__(self, bar: tqdm) -> None:
        super().__init__(logging.INFO)
        self.bar, self.count, self.last_url = bar, 0, ""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Download "):
            self.count += 1
            self.last_url = message.removeprefix("Download ")
            self.bar.update(1)


class _HideFromOtherHandlers(logging.Filter):
    """Root is lowered to INFO only so the counter sees cbsodata's lines; other handlers keep their old view."""

    def __init__(self, level: int, counter: _DownloadCounter) -> None:
        super().__init__()
        self.level, self.counter = level, counter

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.level:
            return True
        self.counter.handle(record)
        return False


@contextmanager
def _count_downloads(table_id: str, progress: bool, label: str | None = None) -> Iterator[_DownloadCounter]:
    root = logging.getLogger()
    bar = tqdm(desc=label or table_id, unit=" pages", disable=not progress, leave=True)
    counter = _DownloadCounter(bar)
    old_level = root.level
    hide = _HideFromOtherHandlers(old_level, counter)
    root.addHandler(counter)
    if old_level > logging.INFO:
        root.addFilter(hide)
        root.setLevel(logging.INFO)
    try:
        yield counter
    finally:
        root.setLevel(old_level)
        root.removeFilter(hide)
        root.removeHandler(counter)
        bar.close()


# --------------------------------------------------------------------------------------------------------------
# Download with retries
# --------------------------------------------------------------------------------------------------------------

def _http_status(exc: BaseException) -> int | None:
    # cbsodata re-raises HTTPError without the response; the original is its __cause__.
    for err in (exc, exc.__cause__):
        response = getattr(err, "response", None)
        if response is not None:
            return response.status_code
    return None


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return True
    status = _http_status(exc) if isinstance(exc, requests.HTTPError) else None
    return status is not None and (status == 429 or status >= 500)


def _one_line(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_extract_error(exc: BaseException, where: str, attempts: int, timeout: float, url: str) -> ExtractError:
    """Translate what cbsodata/requests raised into one line a maintainer can act on."""
    tried = f"na {attempts} poging{'en' if attempts != 1 else ''}"
    if isinstance(exc, json.JSONDecodeError):
        if exc.doc.lstrip()[:1] == "<":
            return ExtractError(f"{where}: HTML-pagina in plaats van JSON ontvangen bij {url}")
        return ExtractError(f"{where}: ongeldige of afgebroken JSON bij {url} ({exc.msg}, teken {exc.pos} "
                            f"van {len(exc.doc)})")
    if isinstance(exc, requests.Timeout):
        return ExtractError(f"{where}: geen antwoord binnen {timeout:g} s, {tried} ({url})")
    if isinstance(exc, requests.ConnectionError):
        return ExtractError(f"{where}: server onbereikbaar {tried} ({type(exc).__name__})")
    status = _http_status(exc)
    if status == 404 and url.split("?")[0].endswith("/"):
        return ExtractError(f"{where}: tabel bestaat niet op deze server (HTTP 404)")
    if status is not None:
        return ExtractError(f"{where}: HTTP {status} {tried} bij {url}")
    return ExtractError(f"{where}: onverwacht antwoord ({type(exc).__name__}: {_one_line(exc)})")


def _download(table: catalogue.Table, folder: Path, host: str, timeout: float) -> None:
    kwargs: dict = {"timeout": timeout}
    if re.match(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", host):
        kwargs["proxies"] = {}  # cbsodata bypasses no_proxy (Session.send), so keep a configured proxy away
    cbsodata.download_data(table.id, dir=str(folder), typed=False, filters=table.filter, catalog_url=host,
                           **kwargs)


def _download_with_retries(table: catalogue.Table, workdir: Path, host: str, *, timeout: float, retries: int,
                           backoff: float, progress: bool, label: str | None = None) -> tuple[Path, int, int]:
    """Run download_data until it succeeds or a non-transient error; returns (folder, attempts, requests).

    A retry restarts the whole table: cbsodata offers no hook to retry one page.
    """
    where = f"Tabel {table.id} ({host})"
    with _count_downloads(table.id, progress, label) as counter:
        for attempt in range(1, retries + 2):
            folder = workdir / f"attempt-{attempt}"
            try:
                _download(table, folder, host, timeout)
                return folder, attempt, counter.count
            except Exception as exc:  # noqa: BLE001 - every failure becomes an ExtractError below
                if not _is_transient(exc) or attempt > retries:
                    raise _as_extract_error(exc, where, attempt, timeout, counter.last_url) from exc
                time.sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------------------------------
# Checking and converting what cbsodata saved
# --------------------------------------------------------------------------------------------------------------

def _read_part(folder: Path, name: str) -> list[dict] | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _column(values: list) -> pd.Series:
    """Numbers stay numbers (integers as Int64); a column that mixes text such as '.' with numbers is kept as
    text, so parquet can store it and no value is silently turned into a missing one."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="Int64")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="float64")
    return pd.Series([None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values],
                     dtype="str")


def _data_frame(rows: list[dict], where: str) -> pd.DataFrame:
    columns = list(rows[0])
    for i, row in enumerate(rows):
        if list(row) != columns:
            raise ExtractError(f"{where}: rij {i} van TypedDataSet heeft andere kolommen dan rij 0")
    return pd.DataFrame({c: _column([row[c] for row in rows]) for c in columns})


def _check_columns(data: pd.DataFrame, properties: list[dict], where: str) -> None:
    expected = [p["Key"] for p in properties if p.get("Type") in COLUMN_TYPES and p.get("Key")]
    unknown = [c for c in data.columns if c != "ID" and c not in expected]
    missing = [k for k in expected if k not in data.columns]
    if unknown:
        raise ExtractError(f"{where}: kolommen in TypedDataSet zonder DataProperties: {', '.join(unknown)}")
    if missing:
        raise ExtractError(f"{where}: DataProperties noemt kolommen die TypedDataSet mist: {', '.join(missing)}")


def _check_unique(data: pd.DataFrame, properties: list[dict], where: str) -> None:
    dims = [p["Key"] for p in properties if p.get("Type") in DIMENSION_TYPES and p.get("Key") in data]
    if not dims:
        return
    keys = data[dims].apply(lambda s: s.astype("str").str.strip())  # "GM0363" and "GM0363    " are one region
    dup = keys.duplicated(keep=False)
    if dup.any():
        first = keys[dup].iloc[0]
        example = ", ".join(f"{k}={v}" for k, v in first.items())
        raise ExtractError(f"{where}: {int(keys.duplicated().sum())} dubbele rij(en) in TypedDataSet, "
                           f"bijv. {example}")


def _check_stems(properties: list[dict], stems: list[str], where: str) -> None:
    resolved = resolve_stems(properties, stems)
    topic_keys = [p["Key"] for p in properties if p.get("Type") == "Topic" and p.get("Key")]
    for stem in stems:
        if stem in resolved:
            continue
        same = [k for k in topic_keys if stem_of(k) == stem]
        if same:
            raise ExtractError(f"{where}: stam '{stem}' is dubbelzinnig ({', '.join(same)})")
        near = difflib.get_close_matches(stem, [stem_of(k) for k in topic_keys], n=2)
        hint = f"; bedoelt u {' of '.join(near)}?" if near else ""
        raise ExtractError(f"{where}: stam '{stem}' uit de catalogus bestaat niet (meer) in DataProperties{hint}")


def _check_dimension_codes(data: pd.DataFrame, properties: list[dict], code_lists: dict, where: str) -> None:
    """Every code in a dimension column must be in that dimension's own code list (e.g. a period not in Perioden
    is refused): a server that answers with codes of another table or version must not be loaded."""
    for prop in properties:
        key = prop.get("Key")
        if prop.get("Type") not in DIMENSION_TYPES or key not in data:
            continue
        listed = code_lists.get(key)
        if listed is None:
            raise ExtractError(f"{where}: codelijst '{key}' ontbreekt, dus de codes in TypedDataSet zijn niet te "
                               f"controleren")
        known = {str(c.get("Key", "")).strip() for c in listed}
        codes = data[key].dropna().astype("str").str.strip()
        unknown = sorted(set(codes.unique()) - known)
        if unknown:
            shown = ", ".join(unknown[:3]) + (f" en {len(unknown) - 3} meer" if len(unknown) > 3 else "")
            rows = int(codes.isin(unknown).sum())
            raise ExtractError(f"{where}: {rows} rij(en) met een {key}-code die niet in de codelijst {key} van "
                               f"deze tabel staat ({shown})")


def _checked_parts(folder: Path, stems: list[str], where: str):
    """The saved parts of one table, checked; raises ExtractError on the first problem."""
    rows = _read_part(folder, "TypedDataSet")
    if rows is None:
        raise ExtractError(f"{where}: het servicedocument noemt geen TypedDataSet")
    if not rows:
        raise ExtractError(f"{where}: TypedDataSet is leeg (0 rijen)")
    properties = _read_part(folder, "DataProperties")
    if not properties:
        raise ExtractError(f"{where}: DataProperties ontbreekt of is leeg")
    table_infos = _read_part(folder, "TableInfos")
    if table_infos is None:
        raise ExtractError(f"{where}: TableInfos ontbreekt")
    data = _data_frame(rows, where)
    _check_columns(data, properties, where)
    code_lists = {p.stem: _read_part(folder, p.stem) for p in sorted(folder.glob("*.json"))
                  if p.stem not in NOT_CODE_LISTS}
    _check_dimension_codes(data, properties, code_lists, where)
    _check_unique(data, properties, where)
    _check_stems(properties, stems, where)
    return data, properties, table_infos, code_lists


# --------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------

def fetch_table(table: catalogue.Table, cache_root: Path, *, catalog_url: str | None = None, use_https: bool = True,
                timeout: float = 30, retries: int = 3, progress: bool = True, stems: list[str] | None = None,
                backoff: float = 1.0, label: str | None = None) -> Path:
    """Fetch one table with cbsodata and write it to ``cache_root/<table.id>``; returns that folder.

    catalog_url  host[:port] (optionally with http:// or https://) overriding $BUURTBALANS_CATALOG_URL and the
                 table's own catalog host.
    retries      extra attempts after the first, for connection errors, timeouts, HTTP 429 and 5xx; the wait
                 doubles from ``backoff`` seconds.
    stems        catalogue stems that must resolve to exactly one DataProperties key (by stem, not suffix).
    Raises ExtractError; the cache is then left exactly as it was.
    """
    host, scheme_https = catalog_location(table, catalog_url)
    where = f"Tabel {table.id} ({host})"
    with tempfile.TemporaryDirectory(prefix=f"cbsodata-{table.id}-") as tmp, _OPTIONS_LOCK:
        old_https = cbsodata.options.use_https
        cbsodata.options.use_https = use_https if scheme_https is None else scheme_https
        try:
            folder, attempts, requests_made = _download_with_retries(
                table, Path(tmp), host, timeout=timeout, retries=retries, backoff=backoff, progress=progress,
                label=label)
        finally:
            cbsodata.options.use_https = old_https
        data, properties, table_infos, code_lists = _checked_parts(folder, list(stems or []), where)
        fetch = {"method": "cbsodata.download_data", "catalog": host, "column_naming": "odata",
                 "cbsodata_version": cbsodata.__version__, "filter": table.filter, "rows": len(data),
                 "requests": requests_made, "attempts": attempts}
        return write_table_cache(Path(cache_root) / table.id, data, data_properties=properties,
                                 table_infos=table_infos, code_lists=code_lists, fetch=fetch)


def fetch_tables(tables: Iterable[catalogue.Table], cache_root: Path, *,
                 stems_by_table: dict[str, list[str]] | None = None, **kwargs) -> dict[str, Path]:
    """Fetch several tables one after another; stops at the first ExtractError (earlier tables stay written)."""
    stems_by_table = stems_by_table or {}
    return {t.id: fetch_table(t, cache_root, stems=stems_by_table.get(t.id), **kwargs) for t in tables}
