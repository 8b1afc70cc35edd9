"""A local replay of CBS's OData v3 feed, serving table cache folders so the real cbsodata client can fetch them.

The server speaks the shape CBS uses (service document, ``{"odata.metadata", "value"}`` bodies, padded codes,
paged TypedDataSet with ``odata.nextLink``) and can inject faults, so tests exercise extract against the wire
format instead of mocks::

    with ReplayServer(faults={"85163NED/TypedDataSet": [Fault.status(500)]}) as server:
        fetch_table(table, tmp_path, catalog_url=server.host, use_https=False)
        assert server.statuses("TypedDataSet") == [500, 200]

Cache folders that differ from the live feed are brought back into the OData shape on load: download-file tables
(``column_naming = "kwb_download"``) get OData keys through the catalogue, data keys whose suffix differs from
DataProperties are renamed by stem, and properties of columns the snapshot does not carry are left out.
"""
from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlsplit

import pandas as pd

from pipelines.catalogue import Catalogue, load_catalogue

SNAPSHOT_TABLES = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"
PAGE_SIZE = 5000
GEO_WIDTH = 10        # CBS region keys are CHAR(10): "GM0363    "
DIMENSION_WIDTH = 8   # other dimension keys, e.g. SoortMisdrijf "0.0.0   "
DIMENSION_TYPES = ("Dimension", "GeoDimension", "GeoDetail", "TimeDimension")
GEO_TYPES = ("GeoDimension", "GeoDetail")
KWB_FIXED_COLUMNS = {"gwb_code_10": "WijkenEnBuurten", "gm_naam": "Gemeentenaam_1", "recs": "SoortRegio_2"}
FEEDS = ("ODataFeed", "ODataApi")
MAINTENANCE_PAGE = b"<!DOCTYPE html><html><head><title>Onderhoud</title></head><body>Even geduld.</body></html>"


class ReplayError(RuntimeError):
    """A cache folder cannot be served in the OData shape."""


class FilterError(ValueError):
    """A $filter the replay does not understand; answered with HTTP 400, as CBS does."""


# --------------------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Fault:
    """One injected misbehaviour. ``times=None`` applies to every matching request; a number is consumed."""

    kind: str
    args: tuple = ()
    times: int | None = 1

    @classmethod
    def status(cls, code: int, times: int | None = 1) -> Fault:
        return cls("status", (code,), times)

    @classmethod
    def sleep(cls, seconds: float, times: int | None = 1) -> Fault:
        return cls("sleep", (seconds,), times)

    @classmethod
    def truncate(cls, keep: float = 0.5, times: int | None = 1) -> Fault:
        """Send only the first ``keep`` fraction of the body, with a matching Content-Length."""
        return cls("truncate", (keep,), times)

    @classmethod
    def html(cls, times: int | None = 1) -> Fault:
        """A 200 response with an HTML maintenance page, as a captive proxy or CBS outage page gives."""
        return cls("html", (), times)

    @classmethod
    def drop_property(cls, key: str) -> Fault:
        return cls("drop_property", (key,), None)

    @classmethod
    def drop_column(cls, key: str) -> Fault:
        return cls("drop_column", (key,), None)

    @classmethod
    def rename_key(cls, old: str, new: str) -> Fault:
        """Rename a key in DataProperties and TypedDataSet alike, as a new table version does."""
        return cls("rename_key", (old, new), None)

    @classmethod
    def set_value(cls, column: str, value: Any, where: Mapping[str, str] | None = None) -> Fault:
        """Replace ``column`` by ``value`` in TypedDataSet rows whose (unpadded) codes match ``where``."""
        return cls("set_value", (column, value, dict(where or {})), None)

    @classmethod
    def empty_dataset(cls) -> Fault:
        return cls("empty_dataset", (), None)

    @classmethod
    def duplicate_rows(cls, count: int = 1) -> Fault:
        return cls("duplicate_rows", (count,), None)

    @classmethod
    def dead_next_link(cls) -> Fault:
        return cls("dead_next_link", (), None)

    @classmethod
    def drop_next_link(cls) -> Fault:
        """Answer TypedDataSet with its first page only and no odata.nextLink: a silently short table."""
        return cls("drop_next_link", (), None)

    @classmethod
    def drop_service_entry(cls, name: str) -> Fault:
        return cls("drop_service_entry", (name,), None)


@dataclass(frozen=True)
class RecordedRequest:
    path: str      # unquoted path and query, e.g. "/ODataFeed/odata/85163NED/TypedDataSet?$format=json"
    status: int


# --------------------------------------------------------------------------------------------------------------
# Cache folder -> OData table model
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableModel:
    id: str
    row_texts: list[str]   # each TypedDataSet row as the JSON object the feed sends, encoded once per model
    properties: list[dict]
    table_infos: list[dict]
    code_lists: dict[str, list[dict]]
    category_groups: list[dict] = field(default_factory=list)

    @cached_property
    def rows(self) -> list[dict]:
        """The rows as dicts, decoded only when a $filter, a content fault or UntypedDataSet needs them."""
        return json.loads("[" + ",".join(self.row_texts) + "]")


class RowTexts(list):
    """A page's rows as pre-encoded JSON objects: serve_json writes them as they are."""


def serve_json(body: Any) -> bytes:
    """The response body as UTF-8 JSON; a body whose "value" is RowTexts gets those rows verbatim (a page of a
    refresh is then a string join instead of re-encoding 5000 dicts float by float)."""
    value = body.get("value") if isinstance(body, dict) else None
    if not isinstance(value, RowTexts):
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    rest = json.dumps({k: v for k, v in body.items() if k != "value"}, ensure_ascii=False)
    return ('{"value": [' + ",".join(value) + "]" + (", " + rest[1:] if rest != "{}" else "}")).encode("utf-8")


def stem_of(key: str) -> str:
    return re.sub(r"_\d+$", "", key)


def _split_camel(stem: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", stem).capitalize()


def _read_json(path: Path, default: Any = None) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _topic(key: str, position: int, title: str, unit: str, datatype: str) -> dict:
    return {"odata.type": "Cbs.OData.Topic", "ID": position, "Position": position, "ParentID": None,
            "Type": "Topic", "Key": key, "Title": title, "Description": "Synthesised by the replay server.",
            "Datatype": datatype, "Unit": unit, "Decimals": 0 if datatype == "Long" else 1}


def _datatype(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "Long"
    return "Double" if pd.api.types.is_numeric_dtype(series) else "String"


def _download_names(catalogue: Catalogue, table_id: str) -> dict[str, tuple[str, str, str]]:
    """download-file short name -> (OData stem, title, unit), from the catalogue's sources of one table."""
    names: dict[str, tuple[str, str, str]] = {}
    for ind in catalogue.indicators:
        for src in (s for s in ind.sources if s.table == table_id):
            pairs = [(src.download_name, src.stem, ind.label, ind.unit),
                     (src.numerator_download, src.numerator, None, "aantal"),
                     *((d, s, None, "aantal") for d, s in zip(src.denominator_download, src.denominator, strict=False))]
            for short, stem, label, unit in pairs:
                if short and stem:
                    names.setdefault(short, (stem, label or _split_camel(stem), unit))
    return names


def _kwb_as_odata(table_id: str, data: pd.DataFrame, catalogue: Catalogue):
    """Give a CBS download-file table the OData keys a live 85618NED has: a_inw -> AantalInwoners_<n>."""
    names = _download_names(catalogue, table_id)
    unknown = [c for c in data.columns if c not in KWB_FIXED_COLUMNS and c not in names]
    if unknown:
        raise ReplayError(f"{table_id}: no catalogue stem for download columns {unknown}")
    props = [{"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Position": 0, "ParentID": None, "Type": "GeoDetail",
              "Key": "WijkenEnBuurten", "Title": "Wijken en buurten", "Description": ""},
             _topic("Gemeentenaam_1", 1, "Gemeentenaam", "", "String"),
             _topic("SoortRegio_2", 2, "Soort regio", "", "String")]
    renames = dict(KWB_FIXED_COLUMNS)
    for n, col in enumerate((c for c in data.columns if c not in KWB_FIXED_COLUMNS), start=3):
        stem, title, unit = names[col]
        renames[col] = f"{stem}_{n}"
        props.append(_topic(renames[col], n, title, unit, _datatype(data[col])))
    data = data.rename(columns=renames)[[p["Key"] for p in props]]
    regions = [{"Key": code, "Title": name if code[:2] in ("GM", "NL") else code}
               for code, name in zip(data["WijkenEnBuurten"], data["Gemeentenaam_1"], strict=True)]
    return data, props, {"WijkenEnBuurten": regions}


def _align_with_properties(data: pd.DataFrame, props: list[dict]) -> tuple[pd.DataFrame, list[dict]]:
    """Make data keys and DataProperties agree, as they do in one live table version."""
    keys = {p["Key"] for p in props if p.get("Key")}
    free = [p["Key"] for p in props if p.get("Type") == "Topic" and p["Key"] not in data.columns]
    renames, extra = {}, []
    for col in data.columns:
        if col == "ID" or col in keys:
            continue
        candidates = [k for k in free if stem_of(k) == stem_of(col)]
        if len(candidates) == 1:
            renames[col] = candidates[0]   # e.g. an older extract's _78 against the current _83
        else:
            extra.append(col)
    data = data.rename(columns=renames)
    props = [p for p in props if p.get("Type") == "TopicGroup" or p.get("Key") in data.columns]
    next_id = max((p.get("ID", 0) for p in props), default=-1) + 1
    for i, col in enumerate(extra):
        props.append(_topic(col, next_id + i, _split_camel(stem_of(col)), "", _datatype(data[col])))
    return data, props


def _cbs_types(data: pd.DataFrame, props: list[dict]) -> pd.DataFrame:
    """Serve Long topics as JSON integers, as CBS does, even where the cache holds them as floats."""
    for p in props:
        key = p.get("Key")
        if p.get("Datatype") in ("Long", "Integer", "Short") and key in data and data[key].dtype.kind == "f":
            values = data[key].dropna()
            if (values == values.round()).all():
                data[key] = data[key].astype("Int64")
    return data


def _pad_codes(data: pd.DataFrame, props: list[dict], code_lists: dict[str, list[dict]]):
    """Pad dimension keys and text topics with spaces to a fixed width, the way CBS's CHAR columns come out."""
    for p in props:
        key, kind = p.get("Key"), p.get("Type")
        if key not in data or not (kind in DIMENSION_TYPES or pd.api.types.is_string_dtype(data[key])):
            continue
        text = data[key].astype("str").where(data[key].notna(), None).str.rstrip()
        longest = int(text.str.len().fillna(0).max() or 0)
        floor = GEO_WIDTH if kind in GEO_TYPES else DIMENSION_WIDTH if kind in DIMENSION_TYPES else 0
        width = max(floor, longest)
        data[key] = text.str.ljust(width)
        if kind in DIMENSION_TYPES:
            # CBS lists every code its data uses; a snapshot code list may hold only some (50090NED: NL and
            # gemeenten), so the rest is served with the code as title
            listed = list(code_lists.get(key) or [])
            have = {str(c["Key"]).rstrip() for c in listed}
            listed += [c for c in _code_list(text) if c["Key"] not in have]
            code_lists[key] = [{**c, "Key": str(c["Key"]).rstrip().ljust(width)} for c in listed]
    return data, code_lists


def _code_list(codes: pd.Series) -> list[dict]:
    return [{"Key": c, "Title": c} for c in dict.fromkeys(codes.dropna())]


def _keep_regions(data: pd.DataFrame, props: list[dict], code_lists: dict, prefixes: tuple[str, ...]):
    geo = next((p["Key"] for p in props if p.get("Type") in GEO_TYPES and p["Key"] in data), None)
    if not prefixes or geo is None:
        return data
    data = data[data[geo].astype("str").str.strip().str.startswith(prefixes)].reset_index(drop=True)
    if geo in code_lists:
        code_lists[geo] = [c for c in code_lists[geo] if str(c["Key"]).strip().startswith(prefixes)]
    return data


def _add_unshipped_columns(table_id: str, data: pd.DataFrame, props: list[dict], full_props: list[dict],
                           catalogue: Catalogue) -> tuple[pd.DataFrame, list[dict]]:
    """Columns the catalogue reads from this table but marks `in_snapshot = false`: live CBS has them, the
    shipped file has no values, so they are served empty (null), under their real key where DataProperties
    names it. A refresh through the replay then resolves every catalogue stem, as against CBS."""
    stems = [stem for ind in catalogue.indicators for src in ind.sources
             if src.table == table_id and not src.in_snapshot for stem in src.stems()]
    have = {stem_of(c) for c in data.columns}
    known = {stem_of(p["Key"]): p for p in full_props if p.get("Type") == "Topic" and p.get("Key")}
    next_id = max((p.get("ID", 0) for p in props), default=-1) + 1
    for stem in dict.fromkeys(stems):
        if stem in have:
            continue
        prop = known.get(stem) or _topic(f"{stem}_{next_id}", next_id, _split_camel(stem), "", "Double")
        props = [*props, prop]
        data[prop["Key"]] = pd.Series([None] * len(data), dtype="float64")
        have.add(stem)
        next_id += 1
    return data, props


def load_table_model(folder: Path, regions: tuple[str, ...] = ()) -> TableModel:
    """Read one cache folder into the shape the live feed serves (cached until a file in it changes)."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(Path(folder).iterdir()))
    return _load_table_model(Path(folder), tuple(regions), stamp)


@lru_cache(maxsize=32)
def _load_table_model(folder: Path, regions: tuple[str, ...], _stamp: tuple) -> TableModel:
    # Shared by every server in the process, so it is never mutated: faults work on copies of the rows.
    fetch = _read_json(folder / "fetch.json", {})
    data = pd.read_parquet(folder / "TypedDataSet.parquet")
    skip = {"fetch", "TableInfos", "DataProperties", "CategoryGroups"}
    code_lists = {p.stem: _read_json(p) for p in sorted(folder.glob("*.json")) if p.stem not in skip}
    if fetch.get("column_naming") == "kwb_download":
        data, props, code_lists = _kwb_as_odata(folder.name, data, load_catalogue())
        full_props = props
    else:
        full_props = _read_json(folder / "DataProperties.json", [])
        data, props = _align_with_properties(data, full_props)
    data, props = _add_unshipped_columns(folder.name, data, props, full_props, load_catalogue())
    data = _keep_regions(data, props, code_lists, regions)
    if "ID" not in data:
        data.insert(0, "ID", range(len(data)))
    data, code_lists = _pad_codes(_cbs_types(data, props), props, code_lists)
    # one JSON object per line (strings are escaped, so a newline only ends a row); the client parses each number
    # to the same float as before, when the rows were decoded and re-encoded per page
    text = data.to_json(orient="records", lines=True, double_precision=15)
    row_texts = text.rstrip("\n").split("\n") if len(data) else []
    return TableModel(folder.name, row_texts, props, _read_json(folder / "TableInfos.json", []), code_lists,
                      _read_json(folder / "CategoryGroups.json", []))


# --------------------------------------------------------------------------------------------------------------
# $filter: the subset CBS users write (eq/ne, and/or, parentheses), compared with trailing spaces ignored
# --------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|'(?P<text>(?:[^']|'')*)'|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


def parse_filter(expression: str) -> Callable[[dict], bool]:
    """Compile a simple OData ``$filter`` into a row predicate. Raises FilterError on anything else."""
    tokens, pos = [], 0
    while pos < len(expression.rstrip()):
        m = _TOKEN.match(expression, pos)
        if not m:
            raise FilterError(f"unsupported $filter near {expression[pos:]!r}")
        tokens.append(("text", m["text"].replace("''", "'")) if m["text"] is not None else
                      ("sym", m["paren"] or m["word"]))
        pos = m.end()
    predicate, rest = _parse_or(tokens)
    if rest:
        raise FilterError(f"unexpected {rest[0][1]!r} in $filter")
    return predicate


def _parse_or(tokens):
    left, tokens = _parse_and(tokens)
    while tokens and tokens[0] == ("sym", "or"):
        right, tokens = _parse_and(tokens[1:])
        left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
    return left, tokens


def _parse_and(tokens):
    left, tokens = _parse_atom(tokens)
    while tokens and tokens[0] == ("sym", "and"):
        right, tokens = _parse_atom(tokens[1:])
        left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
    return left, tokens


def _parse_atom(tokens):
    if tokens and tokens[0] == ("sym", "("):
        inner, tokens = _parse_or(tokens[1:])
        if not tokens or tokens[0] != ("sym", ")"):
            raise FilterError("missing ')' in $filter")
        return inner, tokens[1:]
    if len(tokens) < 3 or tokens[1] not in (("sym", "eq"), ("sym", "ne")) or tokens[2][0] != "text":
        raise FilterError(f"expected \"<Key> eq '<code>'\" in $filter, got {tokens[:3]}")
    column, negate, literal = tokens[0][1], tokens[1][1] == "ne", tokens[2][1].rstrip()

    def compare(row: dict) -> bool:
        if column not in row:
            raise FilterError(f"unknown property {column!r} in $filter")
        return (str(row[column] or "").rstrip() == literal) != negate
    return compare, tokens[3:]


# --------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------

class ReplayServer:
    """Serve ``root/<TABLE_ID>`` cache folders as CBS OData on 127.0.0.1 at a random free port.

    faults:    path substring -> faults for matching requests (see ``Fault``); finite ones are consumed in order.
    regions:   keep only rows whose region code starts with one of these prefixes (small, fast test tables).
    page_size: TypedDataSet rows per page; further pages are linked by ``odata.nextLink``.
    """

    def __init__(self, root: Path = SNAPSHOT_TABLES, *, faults: Mapping[str, Sequence[Fault]] | None = None,
                 regions: Sequence[str] = (), page_size: int = PAGE_SIZE) -> None:
        self.root = Path(root)
        self.regions = tuple(regions)
        self.page_size = page_size
        self.requests: list[RecordedRequest] = []
        self._faults = {key: [Fault(f.kind, f.args, f.times) for f in queue] for key, queue in (faults or {}).items()}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._filtered: dict[tuple[str, str], list[dict]] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.replay = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def host(self) -> str:
        """What cbsodata calls the catalog URL: host and port, without a scheme."""
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers that sleep for a timeout fault
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def paths(self, containing: str = "") -> list[str]:
        return [r.path for r in self.requests if containing in r.path]

    def statuses(self, containing: str = "") -> list[int]:
        return [r.status for r in self.requests if containing in r.path]

    # -- used by the handler -----------------------------------------------------------------------------------

    def take_faults(self, target: str) -> list[Fault]:
        """Faults for one request: every persistent one of a matching key, plus the next finite one (consumed)."""
        chosen: list[Fault] = []
        with self._lock:
            for key, queue in self._faults.items():
                if key not in target:
                    continue
                chosen += [f for f in queue if f.times is None]
                finite = next((f for f in queue if f.times is not None), None)
                if finite is not None:
                    chosen.append(finite)
                    finite.times -= 1
                    if finite.times <= 0:
                        queue.remove(finite)
        return chosen

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(path, status))

    def model(self, table_id: str) -> TableModel | None:
        folder = self.root / table_id
        if not (folder / "TypedDataSet.parquet").exists():
            return None
        return load_table_model(folder, self.regions)

    def filtered_rows(self, model: TableModel, expression: str | None) -> list[int] | range:
        """Positions in model.rows / model.row_texts of the rows a $filter keeps (all rows without one)."""
        if not expression:
            return range(len(model.row_texts))
        key = (model.id, expression)
        if key not in self._filtered:
            predicate = parse_filter(expression)
            self._filtered[key] = [i for i, row in enumerate(model.rows) if predicate(row)]
        return self._filtered[key]

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    server_version = "BuurtbalansReplay/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence per-request stderr lines
        pass

    @property
    def replay(self) -> ReplayServer:
        return self.server.replay  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        path, _, query = self.path.partition("?")
        target = unquote(path) + ("?" + unquote_plus(query) if query else "")
        faults = self.replay.take_faults(target)
        for fault in (f for f in faults if f.kind == "sleep"):
            self.replay.wait(fault.args[0])
        status_fault = next((f for f in faults if f.kind == "status"), None)
        if status_fault:
            return self._send_error(target, status_fault.args[0], "Injected fault")
        if any(f.kind == "html" for f in faults):
            return self._send(target, 200, MAINTENANCE_PAGE, "text/html; charset=utf-8")
        try:
            status, body = self._route(urlsplit(self.path), faults)
        except FilterError as exc:
            return self._send_error(target, 400, str(exc))
        except Exception as exc:  # noqa: BLE001 - a broken cache folder is the server's fault: 500, like CBS
            return self._send_error(target, 500, f"{type(exc).__name__}: {exc}")
        if status != 200:
            return self._send_error(target, status, body)
        payload = serve_json(body)
        truncate = next((f for f in faults if f.kind == "truncate"), None)
        if truncate:
            payload = payload[: int(len(payload) * truncate.args[0])]
        self._send(target, 200, payload, "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")

    def _route(self, url, faults: list[Fault]) -> tuple[int, Any]:
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if query.get("$format") != "json":
            return 400, "The replay server only serves $format=json"
        parts = [p for p in url.path.split("/") if p]
        if parts[:2] == ["ODataCatalog", "Tables"]:
            return 200, self._catalog()
        if len(parts) not in (3, 4) or parts[0] not in FEEDS or parts[1].lower() != "odata":
            return 404, f"No resource at {url.path}"
        model = self.replay.model(parts[2])
        if model is None:
            return 404, f"Table '{parts[2]}' does not exist"
        base = f"{self.replay.base_url}/{parts[0]}/odata/{model.id}"
        if len(parts) == 3:
            return 200, _apply(faults, "service", self._service_document(model, base))
        name = parts[3]
        if name in ("TypedDataSet", "UntypedDataSet"):
            return 200, self._data_page(model, name, base, query, faults)
        value = {"TableInfos": model.table_infos, "DataProperties": model.properties,
                 "CategoryGroups": model.category_groups, **model.code_lists}.get(name)
        if value is None:
            return 404, f"Table '{model.id}' has no '{name}'"
        return 200, _apply(faults, name, {"odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{name}",
                                          "value": value})

    def _service_document(self, model: TableModel, base: str) -> dict:
        names = ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups",
                 *(p["Key"] for p in model.properties if p.get("Type") in DIMENSION_TYPES)]
        return {"odata.metadata": f"{base}/$metadata", "value": [{"name": n, "url": f"{base}/{n}"} for n in names]}

    def _data_page(self, model: TableModel, name: str, base: str, query: dict, faults: list[Fault]) -> dict:
        expression = query.get("$filter")
        rows = self.replay.filtered_rows(model, expression)
        skip = int(query.get("$skip") or 0)
        positions = rows[skip: skip + self.replay.page_size]
        if name == "TypedDataSet" and not _content_faults(faults):   # served as encoded once
            page: list = RowTexts(model.row_texts[i] for i in positions)
        else:
            page = [model.rows[i] for i in positions]
        body: dict = {"odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{name}", "value": page}
        if skip + self.replay.page_size < len(rows):
            link = f"{base}/{name}?$format=json&$skip={skip + self.replay.page_size}"
            body["odata.nextLink"] = link + (f"&$filter={quote(expression, safe='')}" if expression else "")
        body = _apply(faults, "TypedDataSet", body, first_page=skip == 0)
        if name == "UntypedDataSet":
            body["value"] = [{k: "." if v is None else str(v) for k, v in r.items()} for r in body["value"]]
        if any(f.kind == "drop_next_link" for f in faults):
            body.pop("odata.nextLink", None)
        if any(f.kind == "dead_next_link" for f in faults) and skip == 0:
            body["odata.nextLink"] = f"{base}/{name}Verlopen?$format=json&$skiptoken=1"
        return body

    def _catalog(self) -> dict:
        tables = []
        for folder in sorted(p for p in self.replay.root.iterdir() if (p / "TableInfos.json").exists()):
            info = (_read_json(folder / "TableInfos.json") or [{}])[0]
            tables.append({"Identifier": folder.name, "Title": info.get("Title", folder.name),
                           "ShortTitle": info.get("ShortTitle", ""), "Period": info.get("Period", ""),
                           "Modified": info.get("Modified"), "Catalog": info.get("Catalog", "CBS")})
        return {"odata.metadata": f"{self.replay.base_url}/ODataCatalog/$metadata#Tables", "value": tables}

    def _send_error(self, target: str, status: int, message: str) -> None:
        body = {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}
        self._send(target, status, json.dumps(body).encode("utf-8"), "application/json;charset=utf-8")

    def _send(self, target: str, status: int, payload: bytes, content_type: str) -> None:
        self.replay.record(target, status)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing left to tell it


def _content_faults(faults: list[Fault]) -> list[Fault]:
    """The faults that change a response's rows (the others change its status, timing or length)."""
    return [f for f in faults if f.kind not in ("status", "sleep", "truncate", "html", "dead_next_link",
                                                "drop_next_link")]


def _apply(faults: list[Fault], resource: str, body: dict, first_page: bool = True) -> dict:
    """Apply content faults to one response body, copying rows so the shared table model stays intact."""
    content = _content_faults(faults)
    if not content:
        return body
    rows = [dict(r) for r in body["value"]]
    for fault in content:
        rows = _mutate(fault, resource, rows, first_page)
    return {**body, "value": rows}


def _mutate(fault: Fault, resource: str, rows: list[dict], first_page: bool) -> list[dict]:
    kind, args = fault.kind, fault.args
    if resource == "service" and kind == "drop_service_entry":
        return [r for r in rows if r["name"] != args[0]]
    if resource == "DataProperties" and kind == "drop_property":
        return [r for r in rows if r.get("Key") != args[0]]
    if resource == "DataProperties" and kind == "rename_key":
        return [{**r, "Key": args[1]} if r.get("Key") == args[0] else r for r in rows]
    if resource != "TypedDataSet":
        return rows
    if kind == "rename_key":
        return [{(args[1] if k == args[0] else k): v for k, v in r.items()} for r in rows]
    if kind == "drop_column":
        return [{k: v for k, v in r.items() if k != args[0]} for r in rows]
    if kind == "set_value":
        column, value, where = args
        for r in rows:
            if all(str(r.get(k, "")).rstrip() == v for k, v in where.items()):
                r[column] = value
        return rows
    if kind == "empty_dataset":
        return []
    if kind == "duplicate_rows" and first_page:
        return rows + [dict(r) for r in rows[: args[0]]]
    return rows


# --------------------------------------------------------------------------------------------------------------
# Test tables: newer KWB years and RIVM waves, made from the shipped ones under other ids and periods
# --------------------------------------------------------------------------------------------------------------

TEST_MARK = "TESTGEGEVENS: voor een test gemaakt uit de meegeleverde {source}; geen echte cijfers."
AMSTERDAM = ("NL", "GM0363", "WK0363", "BU0363")
COUNT_STEMS = ("PersonenPerSoortUitkering", "Opleidingsniveau", "BasisonderwijsVmboMbo1", "HavoVwoMbo24", "HboWo",
               "Eenpersoonshuishoudens", "HuishoudensTotaal", "AantalInwoners", "k_0Tot15Jaar", "k_65JaarOfOuder")


def _test_values(stem: str, base: pd.DataFrame, inwoners: pd.Series, factor: float) -> pd.Series:
    """The shipped 85984NED column of the same stem times a year factor; a stem the shipped file lacks gets a
    deterministic made-up share of the inwoners (counts) or a made-up level (other topics)."""
    column = next((c for c in base.columns if stem_of(c) == stem), None)
    seed = zlib.crc32(stem.encode()) % 20
    if column is not None:
        values = base[column].astype("float64") * factor
    elif stem.startswith(COUNT_STEMS):
        values = inwoners * (0.05 + seed / 100) * factor
    else:
        values = pd.Series(10.0 + seed, index=base.index) * factor
    return values.round(0) if stem.startswith(COUNT_STEMS) else values.round(1)


def write_test_kwb_table(root: Path, table_id: str, year: int, stems: Sequence[str], *,
                         keys: Mapping[str, str] | None = None, regions: Sequence[str] = AMSTERDAM,
                         modified: str | None = None) -> Path:
    """A 'Kerncijfers wijken en buurten <year>' cache folder for tests, built from the shipped 85984NED: one topic
    per stem (key ``<stem>_<n>``, or ``keys[stem]`` to serve a key the catalogue does not know), values drifting
    1 % a year, and TableInfos that say it is test data."""
    from pipelines.cache import write_table_cache

    shipped = SNAPSHOT_TABLES / "85984NED"
    base = pd.read_parquet(shipped / "TypedDataSet.parquet")
    if regions:
        base = base[base["WijkenEnBuurten"].str.strip().str.startswith(tuple(regions))].reset_index(drop=True)
    factor = 1 + (year - 2024) / 100
    inwoners = base["AantalInwoners_5"].astype("float64")
    data = pd.DataFrame({"WijkenEnBuurten": base["WijkenEnBuurten"].str.strip()})
    props = [{"ID": 0, "Position": 0, "Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"}]
    for n, stem in enumerate(dict.fromkeys(stems), start=1):
        key = (keys or {}).get(stem, f"{stem}_{n}")
        data[key] = _test_values(stem, base, inwoners, factor)
        props.append(_topic(key, n, _split_camel(stem), "", "Double"))
    names = {c["Key"].strip(): c["Title"] for c in _read_json(shipped / "WijkenEnBuurten.json", [])}
    code_list = [{"Key": code, "Title": names.get(code, code)} for code in data["WijkenEnBuurten"]]
    infos = [{"ID": 0, "Identifier": table_id, "Title": f"Kerncijfers wijken en buurten {year}",
              "ShortTitle": f"Kerncijfers wijken en buurten {year}", "Period": str(year),
              "Modified": modified or f"{year + 1}-03-01T02:00:00", "Catalog": "CBS",
              "ShortDescription": TEST_MARK.format(source="85984NED")}]
    return write_table_cache(Path(root) / table_id, data, data_properties=props, table_infos=infos,
                             code_lists={"WijkenEnBuurten": code_list},
                             fetch={"method": "test-data", "column_naming": "odata"})


def write_test_rivm_wave(root: Path, table_id: str, title: str, periods: Mapping[str, str], *,
                         regions: Sequence[str] = AMSTERDAM) -> Path:
    """A newer 'Gezondheid per wijk en buurt' wave for tests: the shipped 50090NED rows of ``regions`` with its
    periods relabelled (``{"2016JJ00": "2022JJ00", ...}``), marked as test data."""
    from pipelines.cache import read_table_cache, write_table_cache

    shipped = read_table_cache(SNAPSHOT_TABLES / "50090NED")
    data = shipped.data[shipped.data["WijkenEnBuurten"].str.strip().str.startswith(tuple(regions))].copy()
    data["Perioden"] = data["Perioden"].str.strip().map(lambda p: periods.get(p, p))
    codes = {k: v for k, v in shipped.code_lists.items()}
    codes["Perioden"] = [{"Key": new, "Title": new[:4]} for new in dict.fromkeys(periods.values())]
    codes["WijkenEnBuurten"] = [{"Key": c, "Title": c} for c in dict.fromkeys(data["WijkenEnBuurten"].str.strip())]
    infos = [{"ID": 0, "Identifier": table_id, "Title": title, "Period": ", ".join(p[:4] for p in periods.values()),
              "Modified": "2026-11-01T02:00:00", "Catalog": "RIVM",
              "ShortDescription": TEST_MARK.format(source="50090NED")}]
    return write_table_cache(Path(root) / table_id, data.reset_index(drop=True),
                             data_properties=shipped.data_properties, table_infos=infos, code_lists=codes,
                             fetch={"method": "test-data", "column_naming": "odata"})
