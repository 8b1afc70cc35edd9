"""Volgen: a frozen baseline beside the latest value of the same series in the current release. Pure.

The rules are the profile's (dashboard.stats.uncertainty): with margins on both figures, a difference inside them
is "geen duidelijk verschil". A modelled estimate (geschat) without a margin cannot say whether it moved more than
chance would, and says so. A register figure without a margin (KWB) is compared as published, after rounding;
a rate of counts CBS rounded is "geen duidelijk verschil" when the rounding intervals of the two figures overlap.
A change of boundary division is always named; a newer value is never compared across series.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.core.counts import count_row, level_of
from dashboard.core.format import MISSING_TEXT, fmt_value, shown_decimals, value_text
from dashboard.stats.uncertainty import HIGHER, LOWER, NO_MARGIN, NOT_DIFFERENT, difference_verdict

NO_NEWER = "nog geen nieuwer cijfer"
NO_CLEAR_DIFFERENCE = "geen duidelijk verschil"
GONE = "niet meer in de huidige gegevens"
REVISED = "cijfer herzien"
NOT_PUBLISHED = "nieuwer cijfer niet gepubliceerd"
UNCERTAIN = "verschil, maar onzeker"
SAME = "gelijk gebleven"
OTHER_AREA = "niet te vergelijken: mogelijk ander gebied"
MISSING_REASONS = {**MISSING_TEXT, "andere_indeling": "de buurtgrenzen zijn veranderd"}


@dataclass(frozen=True)
class FollowUp:
    indicator_id: str
    label: str
    baseline_text: str          # "17,0% (2016)"
    latest_text: str            # "19,2% (2020)" or "–"
    status: str                 # one of the constants above, or "duidelijk hoger" / "duidelijk lager"
    sentence: str               # one plain Dutch sentence for the page and the print
    moved: bool                 # a newer figure than the baseline exists
    notes: tuple[str, ...] = field(default_factory=tuple)


def _num(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _figure(value: float | None, unit: str, row: Mapping, rounding: object, indicator_id: object) -> dict:
    return {"value": value, "unit": unit, "upper": _num(row.get("upper")), "rounding": rounding,
            "round_lower": _num(row.get("round_lower")), "round_upper": _num(row.get("round_upper")),
            "indicator_id": indicator_id}


def _shown(value: float | None, unit: str, row: Mapping, rounding: object = None, indicator_id: object = None) -> str:
    """The figure as the profile shows it (format.value_text, at the indicator's decimals): a 0 from a count CBS
    rounded is '0 tot 15 per 1 000 inwoners (... 0 tot 4)', a rate with a wide rounding interval 'ongeveer 29 per 1 000
    inwoners (14 tot 41)'."""
    return value_text(_figure(value, unit, row, rounding, indicator_id))


def _with_period(value: float | None, unit: str, period: object, row: Mapping, rounding: object = None,
                 indicator_id: object = None) -> str:
    return f"{_shown(value, unit, row, rounding, indicator_id)} ({period})" if value is not None else f"– ({period})"


def _same_as_shown(new: float, base: float, unit: str, latest: Mapping, baseline: Mapping, rounding: object,
                   indicator_id: object) -> bool:
    """Do the two figures read the same at the precision both are shown with (the coarser of their
    format.shown_decimals: '56%' and '56%' koopwoningen are the same, never '56,0%' beside '56,4%')?"""
    shown = [shown_decimals(_figure(v, unit, r, rounding, indicator_id)) for v, r in ((new, latest), (base, baseline))]
    known = [d for d in shown if d is not None]
    decimals = min(known) if known else None
    return fmt_value(new, unit, decimals) == fmt_value(base, unit, decimals)


def _rounding_overlaps(baseline: Mapping, latest: Mapping) -> bool:
    """Both figures have a rounding interval and the two overlap: the rounded counts allow no change."""
    bounds = [(_num(r.get("round_lower")), _num(r.get("round_upper"))) for r in (baseline, latest)]
    if any(lo is None or hi is None for lo, hi in bounds):
        return False
    return bounds[0][0] <= bounds[1][1] and bounds[1][0] <= bounds[0][1]


def _direction_note(direction: str, status: str) -> str | None:
    if direction not in ("higher_is_better", "lower_is_better") or status not in (HIGHER, LOWER):
        return None
    good = (status == HIGHER) == (direction == "higher_is_better")
    return "Dat is de gunstige kant op." if good else "Dat is de ongunstige kant op."


def with_count_rounding(row: Mapping, indicator_id: object, region_code: object) -> dict:
    """A count CBS rounds in wijken and buurten (inwoners to 5) with its rounding interval, so it reads 'ongeveer 5
    (3 tot 7)' and not a false exact '5', and two such counts whose intervals overlap are not 'hoger' or 'lager'
    (core.counts; the catalogue declares the rounding). Baselines frozen before this carry no interval: it is
    added when they are read, never stored."""
    return count_row(dict(row), str(indicator_id or ""), level_of(region_code))


def baseline_text(baseline: Mapping) -> str:
    """A frozen baseline's figure as the agenda and its print show it (format.value_text, with a count's rounding)."""
    return value_text(with_count_rounding(baseline, baseline.get("indicator_id"), baseline.get("region_code")))


def follow_up(baseline: Mapping, latest: Mapping | None) -> FollowUp:
    """Compare a frozen baseline (model._baseline) with the newest row of its series (or None when the release
    has none): value, lower, upper, period, boundary_year, table_id, missing_reason."""
    ind, place = baseline.get("indicator_id"), baseline.get("region_code")
    baseline = with_count_rounding(baseline, ind, place)
    latest = None if latest is None else with_count_rounding(latest, ind, place)
    unit, label = str(baseline.get("unit") or ""), str(baseline.get("label") or baseline.get("indicator_id"))
    base = _num(baseline.get("value"))
    rounding = baseline.get("rounding")
    base_shown = _shown(base, unit, baseline, rounding, ind)
    base_text = _with_period(base, unit, baseline.get("period"), baseline, rounding, ind)
    notes: list[str] = []
    if baseline.get("modelled"):
        notes.append("Geschat (RIVM-model), geen telling.")

    def result(status: str, sentence: str, latest_text: str = "–", moved: bool = False) -> FollowUp:
        return FollowUp(str(baseline.get("indicator_id")), label, base_text, latest_text, status, sentence, moved,
                        tuple(notes))

    if latest is None:
        return result(GONE, f"{label}: de huidige gegevens hebben dit cijfer niet meer voor deze plek. Het "
                            f"beginpunt blijft {base_text}.")
    period, new = str(latest.get("period")), _num(latest.get("value"))
    old_year, new_year = baseline.get("boundary_year"), latest.get("boundary_year")
    other_division = new_year is not None and old_year is not None and int(new_year) != int(old_year)
    if other_division and latest.get("same_area") is False:
        # the release's own check says this code names another area now: a change would compare two places
        reason = str(latest.get("area_reason") or "").strip()
        newest = _with_period(new, unit, period, latest, rounding, ind)
        return result(OTHER_AREA, f"{label}: het is niet zeker dat het beginpunt ({baseline.get('period')}, "
                                  f"indeling {old_year}) over hetzelfde gebied gaat als deze code in de indeling van "
                                  f"{new_year}. Daarom vergelijken we de cijfers niet."
                                  + (f" {reason}" if reason else "") + f" Het nieuwste cijfer is {newest}.",
                      newest, moved=True)
    if other_division and latest.get("same_area"):
        notes.append(f"De buurtindeling is veranderd tussen {old_year} en {new_year}, maar deze code duidt volgens de "
                     "controle van Buurtbalans nog hetzelfde gebied aan.")
    elif other_division:
        notes.append(f"Let op: andere buurtindeling. Het beginpunt hoort bij de indeling van {old_year}, het nieuwe "
                     f"cijfer bij {new_year}. Zijn de grenzen veranderd, dan gaat het over een (deels) ander gebied.")
    if latest.get("table_id") and latest.get("table_id") != baseline.get("table_id"):
        notes.append(f"Het nieuwe cijfer komt uit tabel {latest.get('table_id')} (het beginpunt uit "
                     f"{baseline.get('table_id')}).")
    latest_text = _with_period(new, unit, period, latest, rounding, ind)
    new_shown = _shown(new, unit, latest, rounding, ind)
    same = (lambda: _same_as_shown(new, base, unit, latest, baseline, rounding, ind))  # noqa: E731
    if period == str(baseline.get("period")):
        if new is not None and base is not None and not same():
            return result(REVISED, f"{label}: er is nog geen nieuwer cijfer, maar het cijfer over {period} is "
                                   f"herzien: was {base_shown}, nu {new_shown}.", latest_text)
        return result(NO_NEWER, f"{label}: {NO_NEWER}. Het laatste cijfer is nog dat van {period}.", latest_text)
    if period < str(baseline.get("period")):
        return result(GONE, f"{label}: het beginpunt ({baseline.get('period')}) staat niet meer in de gegevens; "
                            f"het nieuwste cijfer is van {period}.", latest_text)
    if new is None:
        reason = MISSING_REASONS.get(latest.get("missing_reason"), "niet beschikbaar")
        return result(NOT_PUBLISHED, f"{label}: er is een nieuwer cijfer over {period}, maar niet voor deze plek "
                                     f"({reason}).", latest_text, moved=True)
    if base is None:
        return result(NOT_PUBLISHED, f"{label}: nu {latest_text}; bij het beginpunt was er geen waarde.",
                      latest_text, moved=True)
    verdict = difference_verdict(new, _num(latest.get("lower")), _num(latest.get("upper")), base,
                                 _num(baseline.get("lower")), _num(baseline.get("upper")))
    change = f"van {base_shown} ({baseline.get('period')}) naar {new_shown} ({period})"
    if verdict == NO_MARGIN and baseline.get("modelled"):
        status = UNCERTAIN if not same() else SAME
        sentence = (f"{label}: {change}. Dit is een schatting zonder marge in de gegevens, dus of dit meer is dan "
                    "toeval, is niet te zeggen.")
        return result(status, sentence, latest_text, moved=True)
    if verdict == NO_MARGIN and _rounding_overlaps(baseline, latest):
        return result(NO_CLEAR_DIFFERENCE, f"{label}: {change}. CBS rondt de aantallen af; met die afronding kunnen "
                                           f"beide cijfers even hoog zijn: {NO_CLEAR_DIFFERENCE}.",
                      latest_text, moved=True)
    if verdict == NO_MARGIN:  # a published register figure: compare as shown
        if same():
            return result(SAME, f"{label}: {SAME} ({new_shown} in {period}).", latest_text, moved=True)
        verdict = HIGHER if new > base else LOWER
        word = "hoger" if verdict == HIGHER else "lager"
    elif verdict == NOT_DIFFERENT:
        return result(NO_CLEAR_DIFFERENCE, f"{label}: {change}. Dat valt binnen de marges: {NO_CLEAR_DIFFERENCE}.",
                      latest_text, moved=True)
    else:
        word = "duidelijk hoger" if verdict == HIGHER else "duidelijk lager"
    note = _direction_note(str(baseline.get("direction")), verdict)
    sentence = f"{label}: {change}, {word}." + (f" {note}" if note else "")
    return result(word, sentence, latest_text, moved=True)


def summary(items: list[FollowUp]) -> str:
    """One line for the top of the follow-up: which followed figures have a newer value. A newer period without a
    value for this place is said apart: it is not 'een nieuwer cijfer' (Tafelberger Heide's inwoners, 2024)."""
    if not items:
        return "Er worden nog geen cijfers gevolgd."
    figures = [i for i in items if i.moved and i.status != NOT_PUBLISHED]
    empty = [i for i in items if i.moved and i.status == NOT_PUBLISHED]
    if len(items) == 1 and not figures:
        text = "Voor het gevolgde cijfer is er nog geen nieuwer cijfer dan het beginpunt."
    elif not figures:
        text = f"Voor geen van de {len(items)} gevolgde cijfers is er een nieuwer cijfer dan het beginpunt."
    else:
        verb = "heeft" if len(figures) == 1 else "hebben"
        text = (f"{len(figures)} van de {len(items)} gevolgde cijfers {verb} een nieuwer cijfer dan het beginpunt: "
                f"{', '.join(i.label for i in figures)}.")
    if empty:
        text += (f" Voor {', '.join(i.label for i in empty)} is er een nieuwere periode, maar zonder cijfer voor "
                 "deze plek.")
    return text
