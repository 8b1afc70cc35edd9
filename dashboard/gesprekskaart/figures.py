"""One figure of a gesprekskaart from a profile row: its wording and whether it stands out on the good side.

Honesty rules (issue #8): a figure on the unfavourable side of the middle of all buurten is never a strength
(a kinderdagverblijf farther away than in 99% of buurten is not "sterk"); a count that CBS rounded to 0 reads
"minder dan 5" and is never ranked among buurten; a gemeente or wijk is not ranked among buurten; the share of
buurten names its base when the figure covers fewer than 90% of them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from dashboard.core.format import (FULL_COVERAGE, as_number, fmt_number, is_rough, is_rounded_zero, range_overlaps,
                                   rough_number, rough_range, reference_row, rounded_zero_parts, rounding_bounds,
                                   shown_decimals, value_parts, value_text)
from dashboard.stats.uncertainty import NOT_DIFFERENT, difference_verdict

from .pack_parts import Figure
from .wording import comparison_sentence, fill_prompt, fmt

STANDOUT_REL = 0.05  # a figure "stands out" against the gemeente/NL from 5% (relative) difference


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
    if n:   # a rounding interval: only the buurten below / above all of it (queries.profile n_*_sure)
        below = _count(row, "n_lower_sure", "n_lower")
        above = _count(row, "n_higher_sure", "n_higher")
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
    # a ratio of counts CBS rounded: compared by its whole rounding interval (README "Rates from rounded counts")
    unclear = [place for place, ref, key in refs
               if range_overlaps(row, ref, as_number(row.get(f"{key}_round_lower")),
                                 as_number(row.get(f"{key}_round_upper")))]
    placed = True
    if pct is not None and rounding_bounds(row) is not None and as_number(row.get("n_total")):
        pct, placed = _sure_percentile(row)
    scope = (scoped_tables or {}).get(row["table_id"])
    n, n_all = as_number(row.get("n_total")), as_number(row.get("n_buurten_all"))
    covered = (f"buurten met een cijfer ({fmt_number(n)} van de {fmt_number(n_all)})"
               if n and n_all and n < FULL_COVERAGE * n_all else "buurten in Nederland")
    shown = shown_decimals(row)   # the figure's decimals; each reference at its own (its rounding interval)
    ref_decimals = {key: shown_decimals(reference_row(row, key))
                    for key, ref in (("gemeente", gem), ("nl", nl)) if ref is not None}
    refs_shown = [(place, ref, ref_decimals[key]) for place, ref, key in refs]
    comparison = comparison_sentence(value, unit, refs_shown, pct, f"buurten met een cijfer ({scope})" if scope
                                     else covered, unclear=unclear, placed=placed, decimals=shown)
    better = 1 if row["direction"] == "higher_is_better" else -1
    standout, score = _standing({**row, "percentile_buurten": pct},
                                value, [r for r in refs if r[0] not in unclear], -better if concern else better)
    by = as_number(row.get("boundary_year"))
    big, small = headline(row)
    return Figure(
        indicator_id=row["indicator_id"], label=row["label"], lens=row["lens"], unit=unit,
        direction=row["direction"], description=row.get("description") or "", value=value,
        value_text=value_text(row) if rounded or is_rough(row) else fmt(value, unit, shown),
        modelled=bool(row.get("modelled")),
        period=str(row.get("period") or ""),
        boundary_year=int(by) if by is not None else None, table_id=row["table_id"],
        table_title=row.get("table_title") or row["table_id"], attribution=row.get("attribution") or "",
        gemeente_value=gem, nl_value=nl, comparison=comparison, standout=standout, score=score,
        prompt=fill_prompt(prompt, value, unit, level if level in ("wijk", "gemeente") else "buurt",
                           span=rough_range(row) if rounded and rounding_bounds(row) or is_rough(row) else None,
                           decimals=shown, modelled=bool(row.get("modelled"))),
        headline=big, headline_note=small,
        gemeente_text=fmt(gem, unit, ref_decimals["gemeente"]) if gem is not None else "",
        nl_text=fmt(nl, unit, ref_decimals["nl"]) if nl is not None else "")


def headline(row: Mapping) -> tuple[str, str]:
    """The figure as the pack shows it big, and the small line under it, by the same rules as format.value_parts:
    ('13,2', 'per 1 000 inwoners'); a rounded 0 ('minder dan 5', 'CBS rondt af op tientallen: 0 tot 4; hoogstens
    11,0 per 1 000 inwoners'), never a bare '0'; a rough rate ('ongeveer 55 (40 tot 67)', 'per 1 000 inwoners');
    a share or distance ('41,0%', '') or rough ('ongeveer 10% (5 tot 15%)', '')."""
    unit = str(row.get("unit") or "")
    per = unit.startswith("per ")
    if is_rounded_zero(row):
        return rounded_zero_parts(row)
    if is_rough(row):
        return (rough_number(row), unit) if per else (value_parts(row)[0], "")
    value, decimals = float(row["value"]), shown_decimals(row)
    return (fmt_number(value, decimals), unit) if per else (fmt(value, unit, decimals), "")


def _count(row: Mapping, sure: str, plain: str) -> float:
    value = as_number(row.get(sure))
    return value if value is not None else as_number(row.get(plain)) or 0


def _sure_percentile(row: Mapping) -> tuple[float | None, bool]:
    """The buurt percentile a ratio's rounding interval supports: the share of buurten below all of it when that
    is the larger side, else 100 - the share above all of it; (None, False) when neither reaches past the middle
    (the interval spans it: not placed)."""
    n = as_number(row.get("n_total"))
    below = 100 * _count(row, "n_lower_sure", "n_lower") / n
    above = 100 * _count(row, "n_higher_sure", "n_higher") / n
    if below > 50:
        return below, True
    if above > 50:
        return 100 - above, True
    return (None, False) if is_rough(row) else (as_number(row.get("percentile_buurten")), True)
