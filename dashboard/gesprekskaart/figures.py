"""One figure of a gesprekskaart from a profile row: its wording and whether it stands out.

One rule with the profile's summary (README "Trustworthy numbers"): a figure stands out, as a strength (asset
lens) or a concern (problem lens), when it is more (less) favourable than at least format.STANDOUT_SHARE % (60) of
the buurten with a figure, by its whole rounding interval (format.favourable_shares). The comparison with the
gemeente and Nederland is worded by wording.comparison_sentence and does not decide it, so the section's intro
("gunstiger dan in minstens 6 van de 10 buurten") and the rows never disagree.

Honesty rules (issue #8): a figure on the unfavourable side of the middle of all buurten is never a strength; a count
that CBS rounded to 0 reads "0 tot 15 per 1 000 inwoners" and is never ranked among buurten; a gemeente's, wijk's or Nederland's
figure placed among buurten says "losse buurten"; the share of buurten names its base when the figure covers fewer
than 90% of them; a difference inside the rounding interval or the estimate's margin is not "hoger" or "lager".
"""
from __future__ import annotations

from collections.abc import Mapping

from dashboard.core.format import (FULL_COVERAGE, STAND_IN, STANDOUT_SHARE, as_number, favourable_shares,
                                   few_inwoners_note, fmt_number,
                                   is_rough, is_rounded_zero, range_overlaps, rough_number, rough_range, reference_row,
                                   rounded_zero_parts, rounding_bounds, shown_decimals, sure_shares, value_parts,
                                   value_text)
from dashboard.stats.uncertainty import NOT_DIFFERENT, difference_verdict

from .pack_parts import Figure
from .wording import comparison_sentence, fill_prompt, fmt, model_margin


def standing(row: Mapping, concern: bool = False) -> tuple[bool, float]:
    """(stands out, score 0..1): the share of buurten the figure is more favourable than (a concern: less
    favourable), over 100; it stands out from STANDOUT_SHARE. A figure outside the summary (in_summary False), a
    neutral one and one without a place among the buurten (a rounded 0, a gemeente-only figure) never does."""
    shares = favourable_shares(row)
    counted = row.get("in_summary", True) or row.get("indicator_id") in STAND_IN   # lens_sections shows a stand-in
    if shares is None or not counted:                                             # only without the main figure
        return False, 0.0
    share = shares[1] if concern else shares[0]
    return share >= STANDOUT_SHARE, share / 100


def _about(row: Mapping, value: float, ref: float, key: str, level: str) -> bool:
    """Is the difference with a reference inside the estimate's margin? The source's 95% intervals where both
    have them (stats.uncertainty); else, for a modelled share without one, the stated model_margin."""
    lower, upper = as_number(row.get("lower")), as_number(row.get("upper"))
    if lower is not None and upper is not None:
        ref_lower, ref_upper = as_number(row.get(f"{key}_lower")), as_number(row.get(f"{key}_upper"))
        verdict = difference_verdict(value, lower, upper, ref, ref_lower, ref_upper,
                                     ref_is_exact=ref_lower is None or ref_upper is None)
        return verdict == NOT_DIFFERENT
    margin = model_margin(level)
    return bool(row.get("modelled")) and row.get("unit") == "%" and margin is not None and abs(value - ref) < margin


def make_figure(row: Mapping, *, level: str, gemeente_name: str | None, prompt: str | None,
                scoped_tables: Mapping[str, str] | None = None, concern: bool = False,
                inwoners: float | None = None) -> Figure:
    value, unit = float(row["value"]), row["unit"]
    refs = []
    gem = as_number(row.get("gemeente_value"))
    if level not in ("gemeente", "land") and gem is not None:
        refs.append((f"heel {gemeente_name}" if gemeente_name else "de gemeente", gem, "gemeente"))
    nl = as_number(row.get("nl_value"))
    if nl is not None and level != "land":
        refs.append(("Nederland", nl, "nl"))
    # a ratio of counts CBS rounded: compared by its whole rounding interval (README "Rates from rounded counts")
    unclear = [place for place, ref, key in refs
               if range_overlaps(row, ref, as_number(row.get(f"{key}_round_lower")),
                                 as_number(row.get(f"{key}_round_upper")))]
    about = [place for place, ref, key in refs if place not in unclear and _about(row, value, ref, key, level)]
    placement = sure_shares(row)   # never for a count that CBS rounded to 0
    scope = (scoped_tables or {}).get(row["table_id"])
    n, n_all = as_number(row.get("n_total")), as_number(row.get("n_buurten_all"))
    covered = (f"buurten met een cijfer ({fmt_number(n)} van de {fmt_number(n_all)})"
               if n and n_all and n < FULL_COVERAGE * n_all else "buurten in Nederland")
    if scope:
        covered = f"buurten met een cijfer ({scope})"
    if level != "buurt":   # an area's figure set beside buurt figures says so
        covered = f"losse {covered}"
    shown = shown_decimals(row)   # the figure's decimals; each reference at its own (its rounding interval)
    ref_decimals = {key: shown_decimals(reference_row(row, key))
                    for key, ref in (("gemeente", gem), ("nl", nl)) if ref is not None}
    refs_shown = [(place, ref, ref_decimals[key]) for place, ref, key in refs]
    comparison = comparison_sentence(value, unit, refs_shown, placement, covered, unclear=unclear,
                                     placed=not is_rough(row), decimals=shown, about=about)
    standout, score = standing(row, concern)
    rounded = is_rounded_zero(row)
    by = as_number(row.get("boundary_year"))
    big, small = headline(row)
    few = few_inwoners_note(unit, inwoners, level)   # 'bij maar 25 inwoners': a few people move such a rate much
    if few:
        small = f"{small}; {few}" if small else few
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
    ('13,2', 'per 1 000 inwoners'); a rounded 0 ('0 tot 12 per 1 000 inwoners', 'CBS rondt af op tientallen: het getelde
    aantal is 0 tot 4'), never a bare '0'; a rough rate ('ongeveer 55 (40 tot 67)', 'per 1 000 inwoners');
    a share or distance ('41,0%', '') or rough ('ongeveer 10% (5 tot 15%)', '')."""
    unit = str(row.get("unit") or "")
    per = unit.startswith("per ")
    if is_rounded_zero(row):
        return rounded_zero_parts(row)
    if is_rough(row):
        return (rough_number(row), unit) if per else (value_parts(row)[0], "")
    value, decimals = float(row["value"]), shown_decimals(row)
    return (fmt_number(value, decimals), unit) if per else (fmt(value, unit, decimals), "")
