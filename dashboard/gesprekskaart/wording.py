"""How a gesprekskaart words a figure: number formats, the Dutch date, the prompt with its figure filled in, and
the comparison with the gemeente, Nederland and the other buurten ("Hoger dan in 7 van de 10 buurten.")."""
from __future__ import annotations

import math
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


def fill_prompt(template: str | None, value: float, unit: str, noun: str = "buurt", span: str | None = None,
                decimals: int | None = None, modelled: bool = False) -> str | None:
    """The catalogue prompt with the figure filled in; 'deze buurt' follows the level (deze wijk, deze gemeente).
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
    text = template.replace("{value}", shown).replace("deze buurt", f"deze {noun}")
    return text[0].upper() + text[1:]


def _words(unit: str) -> tuple[str, str, str]:
    return ("verder weg", "dichterbij", "even ver") if unit == "km" else ("hoger", "lager", "even hoog")


def short_value(value: float, unit: str, decimals: int | None = None) -> str:
    """The figure without a long unit ('38,6' for per 1 000 inwoners), for use in brackets."""
    return fmt_number(value, decimals) if unit.startswith("per ") else fmt(value, unit, decimals)


UNCLEAR = "door de afronding niet duidelijk anders"


def comparison_sentence(value: float, unit: str, refs: Sequence[tuple], percentile: float | None,
                        scope: str = "buurten in Nederland", unclear: Sequence[str] = (), placed: bool = True,
                        decimals: int | None = None) -> str:
    """'Hoger dan in heel Amsterdam (15,0%) en in Nederland (24,6%). Hoger dan in 7 van de 10 buurten.'
    A reference whose place is in `unclear` (the figure's rounding interval overlaps it) is 'door de afronding niet
    duidelijk anders dan in …'; `placed` False (a rounding interval that spans the middle of the buurten) says
    that instead of a share of buurten. `decimals`: the figure's (format.shown_decimals); a reference (place,
    value[, decimals]) is written at its own decimals, else at the figure's."""
    higher, lower, same = _words(unit)
    parts: list[tuple[str, str]] = []
    for place, ref, *own in refs:
        d = own[0] if own and own[0] is not None else decimals
        if place in unclear:
            parts.append((UNCLEAR, f"dan in {place} ({short_value(ref, unit, d)})"))
        elif fmt(ref, unit, d) == fmt(value, unit, d) or (ref and abs(value - ref) / abs(ref) < 0.02):
            parts.append((same, f"als in {place} ({short_value(ref, unit, d)})"))
        else:
            parts.append((higher if value > ref else lower, f"dan in {place} ({short_value(ref, unit, d)})"))
    sentences = []
    if parts:
        if len({w for w, _ in parts}) == 1:
            text = f"{parts[0][0]} " + " en ".join(p for _, p in parts)
        else:
            text = ", ".join(f"{w} {p}" for w, p in parts)
        sentences.append(text[0].upper() + text[1:] + ".")
    if not placed:
        sentences.append(f"Door de afronding niet precies te plaatsen tussen de {scope}.")
    elif percentile is not None and not math.isnan(percentile):
        above = round(percentile / 10)
        word, count = (higher, above) if above > 5 else (lower, 10 - above)
        share = "bijna alle" if count == 10 else f"{count} van de 10"
        sentences.append(f"Ongeveer in het midden van alle {scope}." if above == 5 else
                         f"{word.capitalize()} dan in {share} {scope}.")
    return " ".join(sentences)
