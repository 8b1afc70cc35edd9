"""How a gesprekskaart words a figure: number formats, the Dutch date, the prompt with its figure filled in, and
the comparison with the gemeente, Nederland and the other buurten ("Hoger dan in 7 van de 10 buurten.")."""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

from dashboard.core.format import fmt_number, fmt_value

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def fmt(value: float, unit: str, decimals: int | None = None) -> str:
    """fmt_value at the figure's decimals (format.shown_decimals: '1,0 km' beside '0,9 km', '56%' koopwoningen)."""
    return fmt_value(value, unit, decimals)


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def prompt_value(value: float, unit: str, template: str, decimals: int | None = None) -> str:
    """The figure as it reads inside a sentence: 'per 1 000 inwoners' becomes '39 op de 1.000' (whole people)."""
    if unit.startswith("per ") and unit in template:
        return fmt_number(value, decimals)
    if unit == "per 1 000 inwoners":
        return f"{fmt_number(round(value))} op de 1.000"
    return fmt(value, unit, decimals)


# 'buurt' as the area the card is about, in the catalogue's prompts: 'deze buurt', 'de buurt', 'de hele buurt',
# 'hun buurt' (tests/test_gesprekskaart.py runs every prompt through it)
PLACE_WORD = re.compile(r"\b(deze|de hele|de|hun) buurt\b")


def fill_prompt(template: str | None, value: float, unit: str, noun: str = "buurt", span: str | None = None,
                decimals: int | None = None, modelled: bool = False) -> str | None:
    """The catalogue prompt with the figure filled in; 'buurt' after de/deze/hun/de hele follows the level ('Is de
    gemeente goed toegankelijk?', 'deze wijk'; PLACE_WORD).
    `span` ('14 tot 41', format.rough_range) replaces the figure of a ratio whose counts CBS rounded to a wide
    interval or to 0: 'Ongeveer 14 tot 41 op de 1.000 mensen hebben een WW-uitkering.' A `modelled` figure (a
    RIVM/CBS estimate) says so: '13,0% (geschat) van de volwassenen geeft mantelzorg.'"""
    if not template:
        return None
    shown = prompt_value(value, unit, template, decimals)
    if span is not None:
        shown = f"{span} op de 1.000" if unit == "per 1 000 inwoners" and unit not in template else span
    if modelled:
        shown += " (geschat)"
    text = PLACE_WORD.sub(lambda m: f"{m.group(1)} {noun}", template.replace("{value}", shown))
    return text[0].upper() + text[1:]


def _words(unit: str) -> tuple[str, str, str]:
    return ("verder weg", "dichterbij", "even ver") if unit == "km" else ("hoger", "lager", "even hoog")


def short_value(value: float, unit: str, decimals: int | None = None) -> str:
    """The figure without a long unit ('38,6' for per 1 000 inwoners), for use in brackets."""
    return fmt_number(value, decimals) if unit.startswith("per ") else fmt(value, unit, decimals)


UNCLEAR = "door de afronding niet duidelijk anders"
ABOUT = "ongeveer"   # 'ongeveer even hoog als': inside the estimate's margin, or less than SAME_REL apart
SAME_REL = 0.02      # two exact figures less than 2 % (relative) apart are 'ongeveer even hoog'
# RIVM's small-area estimates (geschat) come without a margin in the shipped tables. A difference smaller than this
# many percentage points is 'ongeveer even hoog', never 'hoger' or 'lager': two RIVM estimates of the same figure
# for the same area and year (50090NED and 50150NED, ervaren gezondheid 2020) differ by up to 3,5 points in 99 of
# 100 buurten and up to 1,2 in 99 of 100 gemeenten (tests/test_text_rules.py measures it on the release). A wijk
# takes the buurt margin (no wijk pairs to measure). The true uncertainty of an estimate is larger still.
MODEL_MARGIN = {"buurt": 3.5, "wijk": 3.5, "gemeente": 1.5}


def model_margin(level: str) -> float | None:
    """The stated margin (percentage points) of a modelled estimate without its own interval at `level`."""
    return MODEL_MARGIN.get(level)


def placement_sentence(below: float, above: float, unit: str, scope: str, placed: bool = True) -> str:
    """'Hoger dan in 7 van de 10 buurten in Nederland.': the larger of the shares of buurten surely below / above
    the figure (format.sure_shares), rounded down to tens, so the sentence is literally true: 'k van de 10' means
    at least k0 %, 'bijna alle' at least 95 %. Below half on both sides: 'ongeveer in het midden', or for a rough
    rate whose rounding interval spans the middle (`placed` False) that it cannot be placed. The profile's
    summary says the same share as 'meer dan in X%' (summary.comparison)."""
    higher, lower, _ = _words(unit)
    word, share = (higher, below) if below >= above else (lower, above)
    tens = math.floor(share / 10 + 1e-9)
    if tens < 5:
        return (f"Ongeveer in het midden van alle {scope}." if placed else
                f"Door de afronding niet precies te plaatsen tussen de {scope}.")
    many = "alle" if share >= 100 else "bijna alle" if share >= 95 else f"{tens} van de 10"
    return f"{word.capitalize()} dan in {many} {scope}."


def comparison_sentence(value: float, unit: str, refs: Sequence[tuple], placement: tuple[float, float] | None,
                        scope: str = "buurten in Nederland", unclear: Sequence[str] = (), placed: bool = True,
                        decimals: int | None = None, about: Sequence[str] = ()) -> str:
    """'Hoger dan in heel Amsterdam (15,0%) en in Nederland (24,6%). Hoger dan in 7 van de 10 buurten.'
    One rule per reference (place, value[, decimals]), written at its own decimals, else at the figure's:
    - 'even hoog als' when both read the same as shown;
    - 'door de afronding niet duidelijk anders dan' for a place in `unclear` (the figure's rounding interval
      overlaps the reference);
    - 'ongeveer even hoog als' for a place in `about` (the difference lies inside the estimate's margin:
      model_margin, or the source's 95% interval) and when the two are less than SAME_REL apart;
    - else 'hoger' / 'lager' ('verder weg' / 'dichterbij' for km).
    `placement`: (% of buurten surely below, % surely above), worded by placement_sentence; `placed` False: a
    rough rate whose rounding interval spans the middle of the buurten."""
    higher, lower, same = _words(unit)
    parts: list[tuple[str, str]] = []
    for place, ref, *own in refs:
        d = own[0] if own and own[0] is not None else decimals
        if place in unclear:
            parts.append((UNCLEAR, f"dan in {place} ({short_value(ref, unit, d)})"))
        elif fmt(ref, unit, d) == fmt(value, unit, d):
            parts.append((same, f"als in {place} ({short_value(ref, unit, d)})"))
        elif place in about or (ref and abs(value - ref) / abs(ref) < SAME_REL):
            parts.append((f"{ABOUT} {same}", f"als in {place} ({short_value(ref, unit, d)})"))
        else:
            parts.append((higher if value > ref else lower, f"dan in {place} ({short_value(ref, unit, d)})"))
    sentences = []
    if parts:
        if len({w for w, _ in parts}) == 1:
            text = f"{parts[0][0]} " + " en ".join(p for _, p in parts)
        else:
            text = ", ".join(f"{w} {p}" for w, p in parts)
        sentences.append(text[0].upper() + text[1:] + ".")
    if placement is not None:
        sentences.append(placement_sentence(*placement, unit, scope, placed))
    return " ".join(sentences)


def file_name(title: str, code: str, fallback: str) -> str:
    """A safe file name without extension that names its area: 'gesprekskaart-de-purmer-gedeeltelijk-bu08520401'.
    The code tells two buurten of one name apart (30 pairs; both downloads had one name), and letters keep their
    base ('Aziëbuurt' -> 'aziebuurt', not 'azi-buurt')."""
    import unicodedata
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", f"{plain} {code.lower()}").strip("-")
    return slug or fallback

