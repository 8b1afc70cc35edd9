"""Find newer CBS tables of the catalogue's series and propose them for the local catalogue overlay.

`python -m pipelines refresh --discover` asks the CBS catalogue (``cbsodata.get_table_list``) which tables exist,
picks those whose title matches a ``[discover.*]`` family of catalogue.toml and that are newer (a later division
year) than every table of that family in the catalogue, reads each one's DataProperties and maps it by key stem, the
way the catalogue does: an indicator is proposed for a new table only when every stem it needs resolves to exactly
one key there (directly, or through a rename the catalogue declares). Nothing is guessed: a stem that does not
resolve, a key that only looks like it, and an indicator across a declared break are reported instead.
`--apply` writes the proposals to the overlay file (catalogue.overlay_path()), which load_catalogue() adds to the
shipped catalogue, so a new KWB year or RIVM wave is fetched by the next refresh without a project release.
"""
from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import cbsodata

from pipelines import catalogue as cat_module
from pipelines.catalogue import Catalogue, Family, Source, Table
from pipelines.extract import _OPTIONS_LOCK, ExtractError, catalog_location, resolve_stems, stem_of


@dataclass
class Candidate:
    id: str
    title: str
    family: Family
    year: int
    modified: str | None


@dataclass
class Proposal:
    candidate: Candidate
    table: dict                                                 # a [tables.<id>] entry for the overlay
    sources: list[dict] = field(default_factory=list)           # [[source]] entries (with `indicator`)
    not_added: list[str] = field(default_factory=list)          # readable reasons, one per indicator
    unknown_keys: list[str] = field(default_factory=list)       # keys that look like a missing stem

    @property
    def indicators(self) -> list[str]:
        return list(dict.fromkeys(s["indicator"] for s in self.sources))


# --------------------------------------------------------------------------------------------------------------
# Talking to CBS (cbsodata only)
# --------------------------------------------------------------------------------------------------------------

def _request_kwargs(host: str, timeout: float) -> dict:
    kwargs: dict = {"timeout": timeout}
    if re.match(r"^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", host):
        kwargs["proxies"] = {}
    return kwargs


def _with_scheme(host: str, https: bool, call):
    with _OPTIONS_LOCK:
        old = cbsodata.options.use_https
        cbsodata.options.use_https = https
        try:
            return call()
        finally:
            cbsodata.options.use_https = old


def list_tables(host: str, *, https: bool, timeout: float = 60) -> list[dict]:
    """The table list of one CBS catalog host (Identifier, Title, Modified, ...)."""
    try:
        return _with_scheme(host, https, lambda: cbsodata.get_table_list(
            catalog_url=host, **_request_kwargs(host, timeout)))
    except Exception as exc:  # noqa: BLE001 - one readable line
        raise ExtractError(f"Catalogus {host}: tabellenlijst niet op te halen ({type(exc).__name__})") from exc


def data_properties(table_id: str, host: str, *, https: bool, timeout: float = 60) -> list[dict]:
    try:
        return _with_scheme(host, https, lambda: cbsodata.get_meta(
            table_id, "DataProperties", catalog_url=host, **_request_kwargs(host, timeout)))
    except Exception as exc:  # noqa: BLE001
        raise ExtractError(f"Tabel {table_id} ({host}): DataProperties niet op te halen "
                           f"({type(exc).__name__})") from exc


# --------------------------------------------------------------------------------------------------------------
# Pure: which tables are newer, and how they map
# --------------------------------------------------------------------------------------------------------------

def family_tables(cat: Catalogue, family: Family) -> list[Table]:
    """Catalogue tables of one family, newest division first."""
    pattern = re.compile(family.title_pattern)
    return sorted((t for t in cat.tables.values() if pattern.search(t.title)), key=lambda t: -t.boundary_year)


def find_newer(cat: Catalogue, listing: list[dict]) -> list[Candidate]:
    """Tables in the CBS listing that belong to a family and are newer than all its catalogue tables."""
    out = []
    for family in cat.families.values():
        known = family_tables(cat, family)
        newest = max((t.boundary_year for t in known), default=0)
        pattern = re.compile(family.title_pattern)
        seen: set[str] = set()
        for entry in listing:
            table_id, title = str(entry.get("Identifier", "")), str(entry.get("Title", "")).strip()
            match = pattern.search(title)
            if not match or table_id in cat.tables or table_id in seen:
                continue
            seen.add(table_id)
            year = int(match.group("year"))
            if year > newest:
                out.append(Candidate(table_id, title, family, year, entry.get("Modified")))
    return sorted(out, key=lambda c: (c.family.name, c.year, c.id))


def _table_entry(template: Table, candidate: Candidate) -> dict:
    entry: dict = {"title": candidate.title, "catalog": candidate.family.catalog,
                   "boundary_year": candidate.year, "series": candidate.family.series.format(id=candidate.id),
                   "attribution": template.attribution, "licence": template.licence, "column_naming": "odata",
                   "in_snapshot": False, "discovered": date.today().isoformat()}
    if template.period is not None:
        entry["period"] = str(candidate.year)
    if template.filter:
        entry["filter"] = template.filter
    dims = {k: v for k, v in (("age", template.age_dimension), ("margins", template.margin_dimension)) if v}
    if template.fixed:
        dims["fixed"] = dict(template.fixed)
    if dims:
        entry["dimensions"] = dims
    if template.age_groups:
        entry["age_groups"] = dict(template.age_groups)
    if template.margin_codes:
        entry["margin_codes"] = dict(template.margin_codes)
    return entry


def _newest_sources(cat: Catalogue, tables: list[Table]) -> list[tuple[str, Source, Table]]:
    """Per indicator, its source on the newest family table that has one."""
    order = {t.id: i for i, t in enumerate(tables)}
    out = []
    for ind in cat.indicators:
        own = sorted((s for s in ind.sources if s.table in order), key=lambda s: order[s.table])
        if own:
            out.append((ind.id, own[0], cat.tables[own[0].table]))
    return out


def _source_entry(indicator_id: str, source: Source, table_id: str, renames: dict[str, str]) -> dict:
    entry: dict = {"indicator": indicator_id, "table": table_id}
    if source.stem:
        entry["stem"] = renames.get(source.stem, source.stem)
    else:
        entry["numerator"] = renames.get(source.numerator, source.numerator)
        entry["denominator"] = [renames.get(d, d) for d in source.denominator]
        entry["scale"] = source.scale
        for rule in ("numerator_rounding", "denominator_rounding", "min_denominator"):  # the template's rounding rules carry over
            if getattr(source, rule, None) is not None:
                entry[rule] = getattr(source, rule)
    return entry


def propose(cat: Catalogue, candidate: Candidate, properties: list[dict]) -> Proposal:
    """Map one new table by key stem; report (never guess) what does not map."""
    tables = family_tables(cat, candidate.family)
    proposal = Proposal(candidate, _table_entry(tables[0], candidate))
    topic_keys = [p["Key"] for p in properties if p.get("Type") == "Topic" and p.get("Key")]
    used = {stem for ind in cat.indicators for s in ind.sources for stem in s.stems()}
    unknown: dict[str, None] = {}
    for ind_id, source, template in _newest_sources(cat, tables):
        changes = [c for c in cat.changes if c.series == template.series and ind_id in c.indicators
                   and str(template.period or "") < c.period <= str(candidate.year)]
        if breaks := [c for c in changes if c.kind == "break"]:
            proposal.not_added.append(f"{ind_id}: breuk vanaf {breaks[0].period} ({breaks[0].note}) - niet "
                                      f"automatisch toegevoegd")
            continue
        renames = {old: new for c in changes if c.kind == "rename" for old, new in c.stems.items()}
        stems = [renames.get(s, s) for s in source.stems()]
        resolved = resolve_stems(properties, stems)
        missing = [s for s in stems if s not in resolved]
        if not missing:
            proposal.sources.append(_source_entry(ind_id, source, candidate.id, renames))
            continue
        for stem in missing:
            same = [k for k in topic_keys if stem_of(k) == stem]
            near = [k for k in topic_keys if stem_of(k) not in used
                    and difflib.SequenceMatcher(None, stem.lower(), stem_of(k).lower()).ratio() >= 0.75]
            unknown.update(dict.fromkeys(near))
            why = (f"stam '{stem}' is dubbelzinnig ({', '.join(same)})" if same else
                   f"stam '{stem}' ontbreekt" + (f"; onbekende sleutel {' of '.join(near)} niet geladen"
                                                 if near else ""))
            proposal.not_added.append(f"{ind_id}: {why}")
    proposal.unknown_keys = list(unknown)
    return proposal


def report_lines(proposals: list[Proposal]) -> list[str]:
    if not proposals:
        return ["Geen nieuwere tabellen gevonden voor de series in de catalogus."]
    lines = []
    for p in proposals:
        c = p.candidate
        lines.append(f"{c.id}  {c.title}  (serie {p.table['series']}, indeling {c.year}, gewijzigd "
                     f"{c.modified or 'onbekend'})")
        lines.append(f"  + {len(p.indicators)} indicatoren: {', '.join(p.indicators) or 'geen'}")
        lines += [f"  - niet toegevoegd: {why}" for why in p.not_added]
        if p.unknown_keys:
            lines.append(f"  ! onbekende sleutels (niet geladen): {', '.join(p.unknown_keys)}")
    return lines


# --------------------------------------------------------------------------------------------------------------
# The overlay file
# --------------------------------------------------------------------------------------------------------------

def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def write_overlay(path: Path, proposals: list[Proposal]) -> Path:
    """Add the proposals to the overlay file (existing entries kept), atomically."""
    path = Path(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    tables: dict = dict(raw.get("tables", {}))
    sources: list = [s for s in raw.get("source", ()) if s.get("table") not in {p.candidate.id for p in proposals}]
    for p in proposals:
        tables[p.candidate.id] = p.table
        sources += p.sources
    text = ["# Local catalogue overlay: tables found by `python -m pipelines refresh --discover --apply`.",
            "# Read by pipelines/catalogue.py on top of pipelines/catalogue.toml (which always wins). Safe to delete.",
            ""]
    for table_id, entry in tables.items():
        text.append(f"[tables.{_key(table_id)}]")
        text += [f"{_key(k)} = {_toml_value(v)}" for k, v in entry.items()]
        text.append("")
    for src in sources:
        text.append("[[source]]")
        text += [f"{_key(k)} = {_toml_value(v)}" for k, v in src.items()]
        text.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(text), encoding="utf-8")
    try:
        cat_module.load_catalogue(overlay=tmp)  # what is written must load (raises CatalogueError otherwise)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------------------

def discover(cat: Catalogue, *, catalog_url: str | None, use_https: bool, timeout: float) -> list[Proposal]:
    """Ask each catalog host for its tables, and map every newer table of a family."""
    hosts: dict[str, bool] = {}
    for family in cat.families.values():
        probe = Table(id="-", title="-", catalog=family.catalog, boundary_year=0, series="-", attribution="",
                      licence="")
        host, https = catalog_location(probe, catalog_url)
        hosts[host] = use_https if https is None else https
    listing = [entry for host, https in hosts.items() for entry in list_tables(host, https=https, timeout=timeout)]
    proposals = []
    for candidate in find_newer(cat, listing):
        probe = Table(id=candidate.id, title=candidate.title, catalog=candidate.family.catalog, boundary_year=0,
                      series="-", attribution="", licence="")
        host, https = catalog_location(probe, catalog_url)
        properties = data_properties(candidate.id, host, https=use_https if https is None else https,
                                     timeout=timeout)
        proposals.append(propose(cat, candidate, properties))
    return proposals
