"""The indicator catalogue (catalogue.toml) as typed, validated objects, shared by the ETL and the dashboard."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
# Tables found by `pipelines refresh --discover --apply` (local, not in git); see pipelines/discover.py.
OVERLAY_ENV = "BUURTBALANS_CATALOGUE_OVERLAY"
DEFAULT_OVERLAY = CATALOGUE_PATH.parents[1] / "data" / "catalogue.local.toml"
CHANGE_KINDS = ("rename", "break")
LENSES = ("problem", "asset", "context")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
CATALOG_HOSTS = {"opendata": "opendata.cbs.nl", "dataderden": "dataderden.cbs.nl",
                 "file": "bestand in data/snapshot/files (geen CBS-tabel; pipelines/file_sources.py)"}
# Never part of this product's indicators or composite scores (product principle), checked on load.
FORBIDDEN_STEMS = ("herkomst", "migratie", "westers", "nietwesters", "buiteneuropa", "europaexclusief",
                   "a_nl_all", "a_eur_al", "a_neu_al", "a_marok", "a_tur", "a_sur", "a_antaru", "a_ov_nw", "a_west")


class CatalogueError(ValueError):
    """The catalogue file is inconsistent."""


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    catalog: str
    boundary_year: int
    series: str
    attribution: str
    licence: str
    column_naming: str = "odata"
    period: str | None = None
    filter: str | None = None
    age_dimension: str | None = None
    margin_dimension: str | None = None
    age_groups: dict[str, str] = field(default_factory=dict)
    margin_codes: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    aggregate_months: bool = False
    in_snapshot: bool = True
    snapshot_scope: str | None = None
    # catalog = "file" (pipelines/file_sources.py): a shipped file instead of a CBS table
    file: str | None = None
    file_columns: dict[str, str] = field(default_factory=dict)
    area_changed: tuple[str, ...] = ()

    @property
    def catalog_host(self) -> str:
        return CATALOG_HOSTS[self.catalog]


@dataclass(frozen=True)
class Source:
    table: str
    stem: str | None = None
    download_name: str | None = None
    numerator: str | None = None
    numerator_download: str | None = None
    denominator: tuple[str, ...] = ()
    denominator_download: tuple[str, ...] = ()
    scale: float = 1.0
    numerator_rounding: int | None = None   # CBS rounds the numerator count to this multiple (0 = exact)
    denominator_rounding: int = 0           # ... and each denominator count (inwoners of wijken/buurten: 5)
    min_denominator: float | None = None    # below it: no value, "te weinig inwoners voor een betrouwbaar cijfer"
    in_snapshot: bool = True                # false: the shipped snapshot file lacks this column
    source_title: str | None = None         # the source's own title/definition where no real DataProperties exist
    source_definition: str | None = None

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None

    def stems(self) -> list[str]:
        return [self.stem] if self.stem else [self.numerator, *self.denominator]


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    lens: str
    unit: str
    direction: str
    description: str
    decimals: int = 0        # the decimals every shown figure has (catalogue.toml `decimals`; required there)
    sources: tuple[Source, ...] = ()
    modelled: bool = False
    prompt: str | None = None
    landing: bool = True
    hidden: bool = False
    ratio_of: tuple[str, str] | None = None
    scale: float = 1.0
    in_summary: bool = True
    numerator_rounding: int | None = None   # for ratio_of indicators, as on a ratio Source
    min_denominator: float | None = None
    denominator_rounding: int = 0

    @property
    def rounding(self) -> int:
        """The rounding of the count behind a rounded 0 of this indicator (0 when its values are exact)."""
        values = [s.numerator_rounding for s in self.sources] + [self.numerator_rounding]
        return max((int(v) for v in values if v), default=0)

    @property
    def national_lowest_40(self) -> bool:
        """A CBS 'landelijke 40% laagste inkomens' measure: NL is 40 by construction."""
        return any((s.stem or "").startswith("k_40") and "Laagste" in (s.stem or "") for s in self.sources)


@dataclass(frozen=True)
class SeriesChange:
    """A change CBS made between two tables of one series, from `period` on. A rename (same definition, new key)
    keeps the line; a break (new definition) ends the series: values from `period` on get their own series."""
    series: str
    period: str
    kind: str
    note: str
    indicators: tuple[str, ...] = ()
    stems: dict[str, str] = field(default_factory=dict)   # old stem -> new stem (renames), or the stems concerned


@dataclass(frozen=True)
class Family:
    """How `refresh --discover` recognises newer tables of a series in the CBS catalogue (by title)."""
    name: str
    title_pattern: str
    catalog: str
    series: str          # series of a new table; "{id}" gives each new table its own series (re-estimates)


@dataclass(frozen=True)
class Catalogue:
    tables: dict[str, Table]
    indicators: tuple[Indicator, ...]
    changes: tuple[SeriesChange, ...] = ()
    families: dict[str, Family] = field(default_factory=dict)
    overlay_tables: tuple[str, ...] = ()

    def series_of(self, indicator_id: str, table: Table) -> str:
        """The trend series of one indicator's values from one table: the table's series, split at every
        declared break of that series that concerns the indicator (a rename never splits)."""
        series = table.series
        for change in self.changes:
            if (change.kind == "break" and change.series == table.series and indicator_id in change.indicators
                    and str(table.period or "") >= change.period):
                series = f"{table.series}-vanaf-{change.period}"
        return series

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(f"Onbekende indicator '{indicator_id}'")

    def attribution(self, indicator: Indicator) -> str:
        tables = [s.table for s in indicator.sources] or [
            s.table for part in indicator.ratio_of or () for s in self.indicator(part).sources]
        return " / ".join(dict.fromkeys(self.tables[t].attribution for t in tables))


def _table(table_id: str, raw: dict) -> Table:
    dims = raw.get("dimensions", {})
    return Table(
        id=table_id, title=raw["title"], catalog=raw["catalog"], boundary_year=int(raw["boundary_year"]),
        series=raw["series"], attribution=raw["attribution"], licence=raw["licence"],
        column_naming=raw.get("column_naming", "odata"), period=raw.get("period"), filter=raw.get("filter"),
        age_dimension=dims.get("age"), margin_dimension=dims.get("margins"),
        age_groups={str(k): v for k, v in raw.get("age_groups", {}).items()},
        margin_codes=dict(raw.get("margin_codes", {})), fixed=dict(dims.get("fixed", {})),
        aggregate_months=bool(raw.get("aggregate_months", False)), in_snapshot=raw.get("in_snapshot", True),
        snapshot_scope=raw.get("snapshot_scope"), file=raw.get("file"),
        file_columns=dict(raw.get("file_columns", {})), area_changed=tuple(raw.get("area_changed", ())))


def _source(raw: dict) -> Source:
    return Source(
        table=raw["table"], stem=raw.get("stem"), download_name=raw.get("download_name"),
        numerator=raw.get("numerator"), numerator_download=raw.get("numerator_download"),
        denominator=tuple(raw.get("denominator", ())), denominator_download=tuple(raw.get("denominator_download", ())),
        scale=float(raw.get("scale", 1.0)), numerator_rounding=raw.get("numerator_rounding"),
        denominator_rounding=int(raw.get("denominator_rounding", 0)),
        min_denominator=raw.get("min_denominator"), in_snapshot=bool(raw.get("in_snapshot", True)),
        source_title=raw.get("source_title"), source_definition=raw.get("source_definition"))


MAX_DECIMALS = 3   # no source this product reads publishes more
RATIO_CAP = {"%": 100.0, "per 1 000 inwoners": 1000.0}  # no share above 100 %, no rate above 1 000 per 1 000


def _validate(cat: Catalogue) -> None:
    ids = [i.id for i in cat.indicators]
    if len(ids) != len(set(ids)):
        raise CatalogueError("Dubbele indicator-id in de catalogus")
    for ind in cat.indicators:
        if ind.lens not in LENSES:
            raise CatalogueError(f"{ind.id}: lens '{ind.lens}' is niet een van {LENSES}")
        if ind.direction not in DIRECTIONS:
            raise CatalogueError(f"{ind.id}: direction '{ind.direction}' is niet een van {DIRECTIONS}")
        if not ind.unit or not ind.description or not ind.label:
            raise CatalogueError(f"{ind.id}: label, unit en description zijn verplicht")
        if not isinstance(ind.decimals, int) or isinstance(ind.decimals, bool) or not 0 <= ind.decimals <= MAX_DECIMALS:
            raise CatalogueError(f"{ind.id}: decimals moet een geheel getal van 0 tot {MAX_DECIMALS} zijn")
        if bool(ind.sources) == bool(ind.ratio_of):
            raise CatalogueError(f"{ind.id}: geef óf sources óf ratio_of")
        if ind.ratio_of and (ind.numerator_rounding is None or ind.min_denominator is None):
            raise CatalogueError(f"{ind.id}: een afgeleide verhouding noemt numerator_rounding en min_denominator")
        if ind.national_lowest_40 and "40%" not in ind.label:
            raise CatalogueError(f"{ind.id}: een maat van de landelijke 40% laagste inkomens zegt '40%' in het label")
        for part in ind.ratio_of or ():
            if part not in ids:
                raise CatalogueError(f"{ind.id}: ratio_of verwijst naar onbekende indicator '{part}'")
        for s in ind.sources:
            if s.table not in cat.tables:
                raise CatalogueError(f"{ind.id}: onbekende tabel '{s.table}'")
            if bool(s.stem) == bool(s.numerator):
                raise CatalogueError(f"{ind.id}/{s.table}: geef óf stem óf numerator")
            if s.is_ratio and (s.numerator_rounding is None or s.min_denominator is None):
                raise CatalogueError(f"{ind.id}/{s.table}: een verhouding noemt numerator_rounding en min_denominator")
            names = [n.lower() for n in s.stems() + [s.download_name or "", s.numerator_download or "",
                                                      *s.denominator_download]]
            if any(f in n for n in names for f in FORBIDDEN_STEMS):
                raise CatalogueError(f"{ind.id}: herkomst/migratieachtergrond hoort niet in Buurtbalans")


def overlay_path() -> Path:
    return Path(os.environ[OVERLAY_ENV]) if os.environ.get(OVERLAY_ENV) else DEFAULT_OVERLAY


def _changes(raw: dict) -> tuple[SeriesChange, ...]:
    out = []
    for name, series in raw.get("series", {}).items():
        for c in series.get("change", ()):
            if c["kind"] not in CHANGE_KINDS:
                raise CatalogueError(f"serie {name}: soort wijziging '{c['kind']}' is niet een van {CHANGE_KINDS}")
            out.append(SeriesChange(series=name, period=str(c["period"]), kind=c["kind"], note=c["note"],
                                    indicators=tuple(c.get("indicators", ())), stems=dict(c.get("stems", {}))))
    return tuple(out)


def _families(raw: dict) -> dict[str, Family]:
    return {name: Family(name=name, title_pattern=d["title_pattern"], catalog=d["catalog"], series=d["series"])
            for name, d in raw.get("discover", {}).items()}


def _merge_overlay(raw: dict, overlay: dict) -> tuple[str, ...]:
    """Add the overlay's tables and sources to the raw catalogue; the shipped catalogue always wins."""
    added = tuple(t for t in overlay.get("tables", {}) if t not in raw["tables"])
    for table_id in added:
        raw["tables"][table_id] = overlay["tables"][table_id]
    by_id = {i["id"]: i for i in raw["indicator"]}
    for src in overlay.get("source", ()):
        ind = by_id.get(src.get("indicator"))
        if ind is not None and src.get("table") in added:
            ind.setdefault("source", []).append({k: v for k, v in src.items() if k != "indicator"})
    return added


def load_catalogue(path: Path = CATALOGUE_PATH, overlay: Path | None = None) -> Catalogue:
    """The catalogue; with the default path, tables in the local overlay (overlay_path()) are added."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    overlay = overlay or (overlay_path() if Path(path) == CATALOGUE_PATH else None)
    added: tuple[str, ...] = ()
    if overlay is not None and Path(overlay).exists():
        added = _merge_overlay(raw, tomllib.loads(Path(overlay).read_text(encoding="utf-8")))
    tables = {tid: _table(tid, t) for tid, t in raw["tables"].items()}
    indicators = tuple(
        Indicator(
            id=i["id"], label=i["label"], lens=i["lens"], unit=i["unit"], direction=i["direction"],
            description=i["description"], decimals=i.get("decimals", -1),
            sources=tuple(_source(s) for s in i.get("source", ())),
            modelled=bool(i.get("modelled", False)), prompt=i.get("prompt"), landing=i.get("landing", True),
            hidden=i.get("hidden", False), ratio_of=tuple(i["ratio_of"]) if "ratio_of" in i else None,
            scale=float(i.get("scale", 1.0)),
            in_summary=i.get("in_summary", i["lens"] != "context") and not i.get("hidden", False),
            numerator_rounding=i.get("numerator_rounding"), min_denominator=i.get("min_denominator"),
            denominator_rounding=int(i.get("denominator_rounding", 0)))
        for i in raw["indicator"])
    cat = Catalogue(tables=tables, indicators=indicators, changes=_changes(raw), families=_families(raw),
                    overlay_tables=added)
    _validate(cat)
    ids = {i.id for i in indicators}
    for change in cat.changes:
        if unknown := [i for i in change.indicators if i not in ids]:
            raise CatalogueError(f"serie {change.series}: wijziging {change.period} noemt onbekende indicator {unknown}")
    return cat
