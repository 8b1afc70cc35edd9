"""Choose and word what goes on a gesprekskaart, from profile rows (pure: no I/O, no HTML).

The pack starts from what a place has: asset figures that stand out come first, with a plain-Dutch meaning.
Concerns follow in neutral words ("hoger dan", never a label for the place). All text here is plain text;
render_html escapes every string, including text that came from the database or from residents.

Honesty rules (issue #8): a figure on the unfavourable side of the middle of all buurten is never a strength
(a kinderdagverblijf farther away than in 99% of buurten is not "sterk"); a count that CBS rounded to 0 reads
"minder dan 5" and is never ranked among buurten; a gemeente or wijk is not ranked among buurten; the share of
buurten names its base when the figure covers fewer than 90% of them.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dashboard.core.format import (FULL_COVERAGE, MISSING_TEXT, fmt_number, fmt_value, is_rounded_zero,
                                   rounded_zero_text)
from dashboard.stats.uncertainty import NOT_DIFFERENT, difference_verdict

MAX_STRENGTHS = 4
MAX_CONCERNS = 3
MAX_PROMPTS = 2
NEUTRAL_SHOWN = 3
MAX_RESIDENT_ASSETS = 6
# With two or more of the optional sections (beter dan verwacht, peers, resident assets) the pack is compact,
# so that it stays within two A4 pages: one strength fewer and half the resident assets.
COMPACT_STRENGTHS, COMPACT_OTHERS, COMPACT_RESIDENT_ASSETS = 3, 5, 3
MAX_DEVIATIONS = 2
MAX_DESCRIPTION = 70  # characters of a resident's description
STANDOUT_REL = 0.05  # a figure "stands out" against the gemeente/NL from 5% (relative) difference
# Same survey question in two RIVM series: show the newer series only when the main one has no value.
SAME_QUESTION = {"goed_ervaren_gezondheid_trend": "ervaren_gezondheid_goed"}
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
MISSING_REASONS = {"suppressed": "niet gepubliceerd: te weinig mensen of te onzeker",
                   "geheim": "niet gepubliceerd: te weinig mensen of te onzeker",
                   "andere_indeling": "de {noun}grenzen zijn veranderd sinds de meting",
                   "too_few": MISSING_TEXT["too_few"], "zero_or_unknown": MISSING_TEXT["zero_or_unknown"]}
NO_FIGURE = "geen cijfer"
GENERAL_PROMPTS = {"asset": "Wie of wat maakt deze {noun} sterk, en staat niet in de cijfers?",
                   "problem": "Wat zou je als eerste samen willen oppakken?"}
NO_DATA_PROMPTS = {"asset": "Waar ben je trots op in deze {noun}?", "problem": "Waar maak je je zorgen over?"}


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


def fmt(value: float, unit: str) -> str:
    """fmt_value, with one decimal for distances so '1,0 km' sits beside '0,9 km'."""
    return fmt_value(value, unit, 1 if unit == "km" else None)


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def as_number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def prompt_value(value: float, unit: str, template: str) -> str:
    """The figure as it reads inside a sentence: 'per 1 000 inwoners' becomes '39 op de 1.000'."""
    if unit.startswith("per ") and unit in template:
        return fmt_number(value)
    if unit == "per 1 000 inwoners":
        return f"{fmt_number(round(value))} op de 1.000"
    return fmt(value, unit)


def fill_prompt(template: str | None, value: float, unit: str, noun: str = "buurt") -> str | None:
    """The catalogue prompt with the figure filled in; 'deze buurt' follows the level (deze wijk, deze gemeente)."""
    if not template:
        return None
    text = template.replace("{value}", prompt_value(value, unit, template)).replace("deze buurt", f"deze {noun}")
    return text[0].upper() + text[1:]


def _words(unit: str) -> tuple[str, str, str]:
    return ("verder weg", "dichterbij", "even ver") if unit == "km" else ("hoger", "lager", "even hoog")


def short_value(value: float, unit: str) -> str:
    """The figure without a long unit ('38,6' for per 1 000 inwoners), for use in brackets."""
    return fmt_number(value) if unit.startswith("per ") else fmt(value, unit)


def comparison_sentence(value: float, unit: str, refs: Sequence[tuple[str, float]], percentile: float | None,
                        scope: str = "buurten in Nederland") -> str:
    """'Hoger dan in heel Amsterdam (15,0%) en in Nederland (24,6%). Hoger dan in 7 van de 10 buurten.'"""
    higher, lower, same = _words(unit)
    parts: list[tuple[str, str]] = []
    for place, ref in refs:
        if fmt(ref, unit) == fmt(value, unit) or (ref and abs(value - ref) / abs(ref) < 0.02):
            parts.append((same, f"als in {place} ({short_value(ref, unit)})"))
        else:
            parts.append((higher if value > ref else lower, f"dan in {place} ({short_value(ref, unit)})"))
    sentences = []
    if parts:
        if len({w for w, _ in parts}) == 1:
            text = f"{parts[0][0]} " + " en ".join(p for _, p in parts)
        else:
            text = ", ".join(f"{w} {p}" for w, p in parts)
        sentences.append(text[0].upper() + text[1:] + ".")
    if percentile is not None and not math.isnan(percentile):
        above = round(percentile / 10)
        word, count = (higher, above) if above > 5 else (lower, 10 - above)
        share = "bijna alle" if count == 10 else f"{count} van de 10"
        sentences.append(f"Ongeveer in het midden van alle {scope}." if above == 5 else
                         f"{word.capitalize()} dan in {share} {scope}.")
    return " ".join(sentences)


def _standing(row: Mapping, value: float, refs: Sequence[tuple[str, float, str]], good_side: int
              ) -> tuple[bool, float]:
    """Does the figure lean to `good_side` (+1 higher, -1 lower), and how strongly (0..1)?

    Each comparison (better half of buurten, the gemeente, Nederland) gives a score around 0.5; the figure
    stands out when one comparison is clearly on the good side and together they lean that way (mean > 0.5).
    A difference inside the 95% margins (RIVM estimates, when given) does not count.
    """
    scores, clear = [], False
    pct = as_number(row.get("percentile_buurten"))
    if pct is not None:
        side_pct = pct if good_side > 0 else 100 - pct
        scores.append(side_pct / 100)
        clear |= side_pct > 50
    side = side_of_middle(row, good_side)
    if side is not None and side <= 50:
        return False, min(0.5, sum(scores) / len(scores)) if scores else 0.0  # not on the good side of the middle
    for _, ref, key in refs:
        if not ref:
            continue
        rel = good_side * (value - ref) / abs(ref)
        scores.append(0.5 + max(-0.5, min(0.5, rel)))
        margin = difference_verdict(value, as_number(row.get("lower")), as_number(row.get("upper")), ref,
                                    as_number(row.get(f"{key}_lower")), as_number(row.get(f"{key}_upper")))
        clear |= (rel >= STANDOUT_REL and fmt(ref, row["unit"]) != fmt(value, row["unit"])
                  and margin != NOT_DIFFERENT)
    score = sum(scores) / len(scores) if scores else 0.0
    return clear and score > 0.5, score


def side_of_middle(row: Mapping, good_side: int) -> float | None:
    """% of buurten this figure is strictly better than (good_side +1: higher is better, -1: lower is better), from
    n_lower / n_higher / n_total (any level) or the buurt percentile; None when unknown or a rounded 0."""
    if is_rounded_zero(row):
        return None
    n = as_number(row.get("n_total"))
    if n:
        below, above = as_number(row.get("n_lower")) or 0, as_number(row.get("n_higher")) or 0
        return 100 * (below if good_side > 0 else above) / n
    pct = as_number(row.get("percentile_buurten"))
    return None if pct is None else (pct if good_side > 0 else 100 - pct)


def make_figure(row: Mapping, *, level: str, gemeente_name: str | None, prompt: str | None,
                scoped_tables: Mapping[str, str] | None = None, concern: bool = False) -> Figure:
    value, unit = float(row["value"]), row["unit"]
    refs = []
    gem = as_number(row.get("gemeente_value"))
    if level not in ("gemeente", "land") and gem is not None:
        refs.append((f"heel {gemeente_name}" if gemeente_name else "de gemeente", gem, "gemeente"))
    nl = as_number(row.get("nl_value"))
    if nl is not None and level != "land":
        refs.append(("Nederland", nl, "nl"))
    # only a buurt is ranked among buurten, and never with a count that CBS rounded to 0
    rounded = is_rounded_zero(row)
    pct = as_number(row.get("percentile_buurten")) if level == "buurt" and not rounded else None
    scope = (scoped_tables or {}).get(row["table_id"])
    n, n_all = as_number(row.get("n_total")), as_number(row.get("n_buurten_all"))
    covered = (f"buurten met een cijfer ({fmt_number(n)} van de {fmt_number(n_all)})"
               if n and n_all and n < FULL_COVERAGE * n_all else "buurten in Nederland")
    comparison = comparison_sentence(value, unit, [r[:2] for r in refs], pct, f"buurten met een cijfer ({scope})" if scope
                                     else covered)
    better = 1 if row["direction"] == "higher_is_better" else -1
    standout, score = _standing({**row, "percentile_buurten": pct}, value, refs, -better if concern else better)
    by = as_number(row.get("boundary_year"))
    return Figure(
        indicator_id=row["indicator_id"], label=row["label"], lens=row["lens"], unit=unit,
        direction=row["direction"], description=row.get("description") or "", value=value,
        value_text=rounded_zero_text(row) if rounded else fmt(value, unit), modelled=bool(row.get("modelled")),
        period=str(row.get("period") or ""),
        boundary_year=int(by) if by is not None else None, table_id=row["table_id"],
        table_title=row.get("table_title") or row["table_id"], attribution=row.get("attribution") or "",
        gemeente_value=gem, nl_value=nl, comparison=comparison, standout=standout, score=score,
        prompt=fill_prompt(prompt, value, unit, level if level in ("wijk", "gemeente") else "buurt"))


def _lens_rows(profile: Iterable[Mapping], lens: str) -> list[Mapping]:
    rows = [r for r in profile if r["lens"] == lens and r.get("is_default_group", True)
            and r.get("landing", True) and not r.get("hidden", False)]
    with_value = {r["indicator_id"] for r in rows if as_number(r.get("value")) is not None}
    return [r for r in rows if not (r["indicator_id"] in SAME_QUESTION and SAME_QUESTION[r["indicator_id"]] in with_value)]


def _missing(catalogue: Iterable[Mapping], lens: str, figures: Iterable[Figure], rows: Iterable[Mapping],
             status: Mapping[str, str], level: str = "buurt") -> tuple[tuple[str, str], ...]:
    shown = {f.indicator_id for f in figures}
    shown |= {v for k, v in SAME_QUESTION.items() if k in shown} | {k for k, v in SAME_QUESTION.items() if v in shown}
    reason_of = {r["indicator_id"]: r.get("missing_reason") for r in rows}
    out = []
    noun = {"wijk": "wijk", "gemeente": "gemeente"}.get(level, "buurt")
    for ind in catalogue:
        if (ind["lens"] != lens or not ind.get("landing", True) or ind.get("hidden") or ind["indicator_id"] in shown
                or ind["indicator_id"] in SAME_QUESTION):
            continue
        own = reason_of.get(ind["indicator_id"])  # the value's own reason (too_few, ...) before the map status
        code = own if own in MISSING_REASONS else status.get(ind["indicator_id"]) or own
        out.append((ind["label"], MISSING_REASONS.get(code, NO_FIGURE).format(noun=noun)))
    return tuple(out)


def lens_section(profile: Sequence[Mapping], catalogue: Sequence[Mapping], region: Region, lens: str, *,
                 status: Mapping[str, str] | None = None, scoped_tables: Mapping[str, str] | None = None,
                 limit: int | None = None, others_limit: int | None = None) -> LensSection:
    """The asset lens (strengths) or the problem lens (concerns) of one region."""
    prompts = {c["indicator_id"]: c.get("prompt") for c in catalogue}
    order = {c["indicator_id"]: i for i, c in enumerate(catalogue)}
    concern = lens == "problem"
    rounding = {c["indicator_id"]: c.get("rounding") for c in catalogue}
    rows = [{**r, "rounding": r.get("rounding", rounding.get(r["indicator_id"]))} for r in _lens_rows(profile, lens)]
    figures = [make_figure(r, level=region.level, gemeente_name=region.gemeente_name,
                           prompt=prompts.get(r["indicator_id"]), scoped_tables=scoped_tables, concern=concern)
               for r in rows if as_number(r.get("value")) is not None]
    figures.sort(key=lambda f: (not f.standout, -f.score, order.get(f.indicator_id, 99)))
    limit = limit or (MAX_CONCERNS if concern else MAX_STRENGTHS)
    chosen = [f for f in figures if f.standout][:limit]
    stand_out = bool(chosen)
    if not chosen:
        chosen = figures[:NEUTRAL_SHOWN]
    others = () if concern else tuple(sorted((f for f in figures if f not in chosen),
                                             key=lambda f: order.get(f.indicator_id, 99))[:others_limit])
    noun = region.noun
    if concern:
        heading = "Waar zorgen over zijn"
        intro = ("Deze zorgen spelen hier vaker dan gemiddeld. Het zijn gemiddelden: ze zeggen niets over één persoon."
                 if stand_out else
                 "Geen van deze cijfers is hier duidelijk hoger dan elders. Toch kunnen ze voor sommige mensen "
                 "zwaar wegen.")
    else:
        # "sterk" only for figures on the good side of the middle of the buurten; else a plain heading
        heading = f"Waar deze {noun} sterk in is" if stand_out else f"Wat er in deze {noun} is"
        intro = (f"Op deze punten doet de {noun} het beter dan gemiddeld." if stand_out else
                 f"Geen van deze cijfers is hier duidelijk gunstiger dan gemiddeld: er springt niets uit. Ze "
                 f"laten wel zien wat er in deze {noun} is.")
    if not figures:
        intro = f"Voor deze {noun} zijn nog geen cijfers beschikbaar. Wat weet jij zelf?"
    missing = _missing(catalogue, lens, figures, rows, status or {}, region.level)
    return LensSection(heading, intro, tuple(chosen), others, missing, stand_out)


def lens_prompts(section: LensSection, lens: str, noun: str, catalogue_order: Mapping[str, int]) -> tuple[str, ...]:
    """Prompts for up to two figures shown first, then other figures in catalogue order (people before
    places), then one open question."""
    first = [f for f in section.figures if f.prompt][:MAX_PROMPTS - 1]
    rest = sorted((f for f in (*section.figures, *section.others) if f.prompt and f not in first),
                  key=lambda f: catalogue_order.get(f.indicator_id, 99))
    filled = [f.prompt for f in (first + rest)[:MAX_PROMPTS]] or [NO_DATA_PROMPTS[lens].format(noun=noun)]
    return tuple(dict.fromkeys(filled + [GENERAL_PROMPTS[lens].format(noun=noun)]))


def deviation_items(items, units: Mapping[str, str] | None = None, plural: str = "buurten") -> tuple[Deviation, ...]:
    """'Beter dan verwacht' items (dict or list of dicts, e.g. from stats.deviance); other verdicts are left out."""
    if not items:
        return ()
    out = []
    for item in [items] if isinstance(items, Mapping) else items:
        verdict = str(item.get("verdict") or item.get("flag") or "")
        if verdict != "beter dan verwacht":
            continue
        label = str(item.get("indicator_label") or item.get("outcome_label") or item.get("label") or "dit cijfer")
        unit = item.get("unit") or (units or {}).get(item.get("indicator_id"), "")
        obs, exp = (_as_text(item.get(k), unit) for k in ("observed", "expected"))
        sentence = f"Hier: {obs}. Bij {plural} zoals deze verwacht je ongeveer {exp}." if obs and exp else ""
        out.append(Deviation(label=label[0].upper() + label[1:], sentence=sentence))
    return tuple(out[:MAX_DEVIATIONS])


def _as_text(value, unit: str) -> str:
    number = as_number(value)
    if number is None:
        return "" if value is None else str(value)
    return fmt(number, unit) if unit else fmt_number(number)


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
        deviations=deviation_items(deviance, {c["indicator_id"]: c["unit"] for c in catalogue}, region.plural),
        peers=peers, resident_assets=assets, resident_assets_more=more)
