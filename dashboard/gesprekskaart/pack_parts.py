"""The parts of a gesprekskaart's content as plain frozen dataclasses (content.py fills them, render_html.py
draws them)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    gemeente_name: str | None = None
    wijk_name: str | None = None
    inwoners: float | None = None

    @property
    def noun(self) -> str:
        return {"land": "land"}.get(self.level, self.level)

    @property
    def plural(self) -> str:
        return {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}.get(self.level, "gebieden")


@dataclass(frozen=True)
class Figure:
    indicator_id: str
    label: str
    lens: str
    unit: str
    direction: str
    description: str
    value: float
    value_text: str
    modelled: bool
    period: str
    boundary_year: int | None
    table_id: str
    table_title: str
    attribution: str
    gemeente_value: float | None
    nl_value: float | None
    comparison: str
    standout: bool
    score: float
    prompt: str | None
    # the big figure and the small line under it ('13,2' + 'per 1 000 inwoners'; a rounded 0 '0 tot 15 per 1 000 inwoners' +
    # 'CBS rondt af op tientallen: 0 tot 4; hoogstens …'); see figures.headline
    headline: str = ""
    headline_note: str = ""
    # the gemeente's and Nederland's figure as written beside it, each at its own decimals (format.shown_decimals)
    gemeente_text: str = ""
    nl_text: str = ""


@dataclass(frozen=True)
class LensSection:
    heading: str
    intro: str
    figures: tuple[Figure, ...]
    others: tuple[Figure, ...]  # the rest of the lens, shown compactly (asset lens only)
    missing: tuple[tuple[str, str], ...]  # (label, reason)
    stand_out: bool


@dataclass(frozen=True)
class Deviation:
    label: str
    sentence: str


@dataclass(frozen=True)
class PeerSection:
    names: tuple[str, ...]
    comparison: tuple[str, ...]


@dataclass(frozen=True)
class ResidentAsset:
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class SourceGroup:
    labels: tuple[str, ...]
    table_id: str
    table_title: str
    period: str
    boundary_year: int | None
    attribution: str
    licence: str
    modelled: bool


@dataclass(frozen=True)
class PackContent:
    region: Region
    date_text: str
    strengths: LensSection
    concerns: LensSection
    prompts: dict[str, tuple[str, ...]]
    sources: tuple[SourceGroup, ...]
    profile_url: str
    deviations: tuple[Deviation, ...] = ()
    peers: PeerSection | None = None
    resident_assets: tuple[ResidentAsset, ...] = ()
    resident_assets_more: int = 0
