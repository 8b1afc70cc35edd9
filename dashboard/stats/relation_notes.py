"""What a reader of a relation between buurt figures must know besides the slope (pure): which buurten are not in
it, whether the figures come from different years, and whether a figure is itself a model's estimate.

    relation_notes(res, catalogue, prov, scope_label) -> list of Dutch (B1) sentences, possibly empty
    used_headline(n_used, n_missing, scope_label) -> the result's first words, with the buurten left out if any
    left_out_note(n_missing, total, scope_label, about) -> the 'left out' sentence, or '' (also used by
        'Beter dan verwacht' on Verbanden and on the profile, whose model leaves out buurten the same way)
    estimate_note(labels, about) -> the model-estimate sentence (relations; 'Beter dan verwacht', whose outcomes
        are all RIVM estimates, with ABOUT_EXPECTED_ESTIMATE)

Rules (statistics a student can check):
- **Left out.** Buurten without every figure are left out. When more than a quarter of the buurten in scope are
  left out, the result describes only the buurten with all figures, and they need not be like the rest.
- **Different years.** Each figure comes from one period (mart_buurt_wide_sources). When x, y and the controls
  are not from one period, buurten may have changed in between: said, with each figure's period.
- **Few buurten.** Below SMALL_N buurten one unusual buurt can move the line a lot (the interval widens, but a
  reader sees a line and a verdict): said, with the number.
- **Model estimates.** RIVM's buurt figures ('geschat') are predicted per buurt by a model from characteristics of
  the residents and households in registers, such as age and income. A relation between such an estimate and
  those characteristics is partly built into the estimate, so the slope overstates what the survey would show.
  For 'Beter dan verwacht' the same holds the other way round: the distance from an expectation built on income
  and age can come from other resident characteristics the RIVM model used, not from what happens in the buurt.
"""
from __future__ import annotations

import pandas as pd

from dashboard.core.format import fmt_number

LEFT_OUT_SHARE = 0.25
SMALL_N = 20


ABOUT_RELATION = "Het verband gaat alleen over de buurten met alle cijfers."
ABOUT_EXPECTED = "De verwachting is berekend met alleen de buurten met alle cijfers."


def left_out_note(n_missing: int, total: int, scope_label: str, about: str) -> str:
    """'4.805 van de 14.574 buurten in heel Nederland (33%) doen niet mee, ...' when more than LEFT_OUT_SHARE of
    the buurten in scope are left out for a missing figure; '' otherwise. `about` says what rests on the rest."""
    if not total or n_missing <= LEFT_OUT_SHARE * total:
        return ""
    share = round(100 * n_missing / total)
    return (f"{fmt_number(n_missing)} van de {fmt_number(total)} buurten in {scope_label} ({share}%) doen niet "
            f"mee, omdat een van de cijfers ontbreekt. {about} Die lijken niet per se op de andere buurten.")


def used_headline(n_used: int, n_missing: int, scope_label: str) -> str:
    """The relation's first words: '**58 van de 70 buurten in gemeente Voorne aan Zee.** De andere 12 missen een
    cijfer.' One rule for every scope: whoever is left out is counted beside the result, not only in the table
    caption (a small gemeente's 12 of 70 was said only there); the caveat beyond LEFT_OUT_SHARE stays in
    left_out_note."""
    if not n_missing:
        return f"**{fmt_number(n_used)} buurten in {scope_label}.**"
    return (f"**{fmt_number(n_used)} van de {fmt_number(n_used + n_missing)} buurten in {scope_label}.** De andere "
            f"{fmt_number(n_missing)} {'mist' if n_missing == 1 else 'missen'} een cijfer en "
            f"{'doet' if n_missing == 1 else 'doen'} niet mee.")


def _periods(prov: pd.DataFrame, ids) -> dict[str, str]:
    rows = prov.drop_duplicates("indicator_id").set_index("indicator_id")
    return {i: str(rows.at[i, "period"]) for i in ids if i in rows.index and pd.notna(rows.at[i, "period"])}


def relation_notes(res, catalogue: pd.DataFrame, prov: pd.DataFrame, scope_label: str) -> list[str]:
    """The caveats of one fitted relation (stats.relations.RelationResult), in the order a reader needs them."""
    meta = catalogue.set_index("indicator_id")
    label = lambda i: str(meta.at[i, "label"]) if i in meta.index else i   # noqa: E731
    ids = [res.x, res.y, *res.controls]
    notes = []
    left_out = left_out_note(res.n_missing, res.n_used + res.n_missing, scope_label, ABOUT_RELATION)
    if left_out:
        notes.append(left_out)
    if res.n_used < SMALL_N:
        notes.append(f"Het verband rust op maar {res.n_used} buurten. Eén buurt die anders is dan de rest, kan de "
                     "lijn dan al flink verschuiven. Zie de lijn als een richting, niet als een vaste maat.")
    periods = _periods(prov, ids)
    if len(set(periods.values())) > 1:
        named = "; ".join(f"‘{label(i)}’ {p}" for i, p in periods.items())
        notes.append(f"De cijfers komen uit verschillende jaren ({named}). Buurten kunnen in de tussentijd "
                     "veranderd zijn.")
    modelled = [label(i) for i in ids if i in meta.index and bool(meta.at[i, "modelled"])]
    if modelled:
        notes.append(estimate_note(modelled, "Een verband met zulke kenmerken zit daardoor voor een deel al in de "
                                             "schatting zelf, en kan sterker lijken dan het is."))
    return notes


ABOUT_EXPECTED_ESTIMATE = ("De verwachting rekent ook met inkomen en leeftijd. Een buurt kan daardoor ‘beter dan "
                           "verwacht’ zijn door andere kenmerken van de bewoners die dat rekenmodel meeneemt, en "
                           "niet door wat er in de buurt gebeurt. Ga na of het past bij wat mensen in de buurt "
                           "zeggen.")


def estimate_note(labels: list[str], about: str) -> str:
    """'‘X’ is een schatting van RIVM/CBS. Het rekenmodel schat ...' + `about`: what a model estimate means for
    a relation with, or an expectation from, the residents' characteristics it was itself estimated from."""
    which = " en ".join(f"‘{name}’" for name in labels)
    return (f"{which} {'is een schatting' if len(labels) == 1 else 'zijn schattingen'} van RIVM/CBS. Het "
            f"rekenmodel schat het cijfer per buurt uit kenmerken van de bewoners, zoals leeftijd en inkomen. {about}")
