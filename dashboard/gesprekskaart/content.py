"""Choose and word what goes on a gesprekskaart, from profile rows (pure: no I/O, no HTML).

The pack starts from what a place has: asset figures that stand out come first, with a plain-Dutch meaning
(figures.py, lens_sections.py). Concerns follow in neutral words ("hoger dan", never a label for the place). All
text here is plain text; render_html escapes every string, including text that came from the database or from
residents. This module adds the optional sections (beter dan verwacht, peers, resident assets), the sources and
puts the pack together (pack_content).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from dashboard.core.format import as_number, fmt_number, indicator_decimals

from .lens_sections import MAX_STRENGTHS, lens_prompts, lens_section
from .pack_parts import Deviation, Figure, PackContent, PeerSection, Region, ResidentAsset, SourceGroup
from .wording import dutch_date, fmt

MAX_RESIDENT_ASSETS = 6
# With two or more of the optional sections (beter dan verwacht, peers, resident assets) the pack is compact,
# so that it stays within two A4 pages: one strength fewer and half the resident assets.
COMPACT_STRENGTHS, COMPACT_OTHERS, COMPACT_RESIDENT_ASSETS = 3, 5, 3
MAX_DEVIATIONS = 2
MAX_DESCRIPTION = 70  # characters of a resident's description


def deviation_items(items, units: Mapping[str, str] | None = None, plural: str = "buurten",
                    modelled: Iterable[str] = ()) -> tuple[Deviation, ...]:
    """'Beter dan verwacht' items (dict or list of dicts, e.g. from stats.deviance); other verdicts are left out. The
    figure of an indicator in `modelled` (a RIVM estimate) says so: 'Hier: 17,0% (geschat).'"""
    modelled = set(modelled)
    if not items:
        return ()
    out = []
    for item in [items] if isinstance(items, Mapping) else items:
        verdict = str(item.get("verdict") or item.get("flag") or "")
        if verdict != "beter dan verwacht":
            continue
        label = str(item.get("indicator_label") or item.get("outcome_label") or item.get("label") or "dit cijfer")
        unit = item.get("unit") or (units or {}).get(item.get("indicator_id"), "")
        decimals = indicator_decimals(item.get("indicator_id") or item.get("outcome_id"))
        obs, exp = (_as_text(item.get(k), unit, decimals) for k in ("observed", "expected"))
        if obs and (item.get("indicator_id") or item.get("outcome_id")) in modelled:
            obs += " (geschat)"
        sentence = f"Hier: {obs}. Bij {plural} zoals deze verwacht je ongeveer {exp}." if obs and exp else ""
        out.append(Deviation(label=label[0].upper() + label[1:], sentence=sentence))
    return tuple(out[:MAX_DEVIATIONS])


def _as_text(value, unit: str, decimals: int | None = None) -> str:
    number = as_number(value)
    if number is None:
        return "" if value is None else str(value)
    return fmt(number, unit, decimals) if unit else fmt_number(number, decimals)


def peer_section(names: Sequence[str], comparison: Sequence[str] = ()) -> PeerSection | None:
    names = tuple(str(n) for n in names if str(n).strip())
    return PeerSection(names=names, comparison=tuple(str(c) for c in comparison)) if names else None


def resident_asset_items(items, categories: Mapping[str, str] | None = None, limit: int = MAX_RESIDENT_ASSETS
                    ) -> tuple[tuple[ResidentAsset, ...], int]:
    """Resident-named assets as plain text (dicts or objects with name/category/description), at most `limit`."""
    out = []
    for item in items or ():
        get = item.get if isinstance(item, Mapping) else (lambda k, i=item: getattr(i, k, None))
        name = str(get("name") or "").strip()
        if not name:
            continue
        category = str(get("category") or "").strip()
        out.append(ResidentAsset(name=name, category=(categories or {}).get(category, category),
                                 description=_clip(str(get("description") or "").strip())))
    return tuple(out[:limit]), max(0, len(out) - limit)


def _clip(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + " …"


def source_groups(figures: Iterable[Figure], licences: Mapping[str, str]) -> tuple[SourceGroup, ...]:
    groups: dict[tuple, list[Figure]] = {}
    for f in figures:
        groups.setdefault((f.table_id, f.period, f.boundary_year), []).append(f)
    return tuple(SourceGroup(labels=tuple(dict.fromkeys(f.label for f in fs)), table_id=fs[0].table_id,
                             table_title=fs[0].table_title,
                             period=fs[0].period, boundary_year=fs[0].boundary_year,
                             attribution=fs[0].attribution,
                             licence=licences.get(fs[0].table_id.split("+")[0], "CC BY 4.0"),
                             modelled=any(f.modelled for f in fs))
                 for fs in groups.values())


def pack_content(region: Region, profile: Sequence[Mapping], catalogue: Sequence[Mapping], *, today: date,
                 profile_url: str, status: Mapping[str, str] | None = None, licences: Mapping[str, str] | None = None,
                 scoped_tables: Mapping[str, str] | None = None, deviance=None, peers: PeerSection | None = None,
                 resident_assets=None, categories: Mapping[str, str] | None = None, compact: bool = False
                 ) -> PackContent:
    """Everything the gesprekskaart says about one region, as plain text."""
    strengths = lens_section(profile, catalogue, region, "asset", status=status, scoped_tables=scoped_tables,
                             limit=COMPACT_STRENGTHS if compact else MAX_STRENGTHS,
                             others_limit=COMPACT_OTHERS if compact else None)
    concerns = lens_section(profile, catalogue, region, "problem", status=status, scoped_tables=scoped_tables)
    assets, more = resident_asset_items(resident_assets, categories,
                                        COMPACT_RESIDENT_ASSETS if compact else MAX_RESIDENT_ASSETS)
    shown = (*strengths.figures, *strengths.others, *concerns.figures)
    order = {row["indicator_id"]: i for i, row in enumerate(catalogue)}
    return PackContent(
        region=region, date_text=dutch_date(today), strengths=strengths, concerns=concerns,
        prompts={"asset": lens_prompts(strengths, "asset", region.noun, order),
                 "problem": lens_prompts(concerns, "problem", region.noun, order)},
        sources=source_groups(shown, licences or {}), profile_url=profile_url,
        deviations=deviation_items(deviance, {c["indicator_id"]: c["unit"] for c in catalogue}, region.plural,
                                   {c["indicator_id"] for c in catalogue if c.get("modelled")}),
        peers=peers, resident_assets=assets, resident_assets_more=more)
