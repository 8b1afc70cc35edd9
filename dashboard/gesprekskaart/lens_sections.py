"""The strengths (asset lens) and concerns (problem lens) of a gesprekskaart: which figures, in which order,
under which heading, what is missing and why, and the prompts for the conversation."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dashboard.core.format import MISSING_TEXT, STAND_IN, STANDOUT_SHARE, as_number

from .figures import make_figure
from .pack_parts import Figure, LensSection, Region

MAX_STRENGTHS = 4
MAX_CONCERNS = 3
MAX_PROMPTS = 2
NEUTRAL_SHOWN = 3
STANDOUT_TENS = STANDOUT_SHARE // 10   # '6 van de 10 buurten'
# Same survey question in two RIVM series: show the newer series only when the main one has no value.
SAME_QUESTION = STAND_IN
MISSING_REASONS = {"suppressed": "niet gepubliceerd: te weinig mensen of te onzeker",
                   "geheim": "niet gepubliceerd: te weinig mensen of te onzeker",
                   "andere_indeling": "de {noun}grenzen zijn veranderd sinds de meting",
                   "too_few": MISSING_TEXT["too_few"], "zero_or_unknown": MISSING_TEXT["zero_or_unknown"],
                   "alleen_gemeente": "alleen per gemeente bekend"}   # = dashboard.profile.table.GEMEENTE_ONLY
NO_FIGURE = "geen cijfer"
GENERAL_PROMPTS = {"asset": "Wie of wat maakt deze {noun} sterk, en staat niet in de cijfers?",
                   "problem": "Wat zou je als eerste samen willen oppakken?"}
NO_DATA_PROMPTS = {"asset": "Waar ben je trots op in deze {noun}?", "problem": "Waar maak je je zorgen over?"}


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
    figures = [make_figure(r, level=region.level, gemeente_name=region.gemeente_name, inwoners=region.inwoners,
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
    # the intro names the rule that chose the figures (figures.standing, the summary's rule): literally true
    # beside every row, whatever the rows say about the gemeente and Nederland
    if region.level == "buurt":
        buurten, it, none = "buurten", "het hier", "Geen van deze cijfers is hier"
    else:   # an area's figure set beside buurt figures says so
        whole = "heel Nederland" if region.level == "land" else f"de hele {noun}"
        buurten, it, none = "losse buurten", f"het cijfer van {whole}", f"Geen cijfer van {whole} is"
    six = f"{STANDOUT_TENS} van de 10 {buurten}"
    if concern:
        heading = "Waar zorgen over zijn"
        intro = ((f"Deze zorgen spelen hier meer dan in minstens {six}." if region.level == "buurt" else
                  f"Bij deze zorgen is {it} ongunstiger dan in minstens {six}.")
                 + " Het zijn gemiddelden: ze zeggen niets over één persoon." if stand_out else
                 f"{none} ongunstiger dan in {six}. Toch kunnen ze voor sommige mensen zwaar wegen.")
    else:
        # "sterk" only for figures on the good side of the middle of the buurten; else a plain heading
        heading = f"Waar deze {noun} sterk in is" if stand_out else f"Wat er in deze {noun} is"
        intro = (f"Op deze punten is {it} gunstiger dan in minstens {six}." if stand_out else
                 f"{none} gunstiger dan in {six}: er springt niets uit. Ze laten wel zien wat er in deze {noun} is.")
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
