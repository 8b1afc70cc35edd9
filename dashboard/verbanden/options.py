"""Which indicators the page 'Verbanden' offers: only those with buurt values in the chosen area.

Every part of the page works on buurten (mart_buurt_wide). An indicator the release has only per gemeente (opkomst
from the Kiesraad) or not at all in one gemeente has no buurt values there, so offering it only leads to
"Te weinig buurten (0)". The counts are read from the release's buurt table for the area, not from a list.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

# fit_relation needs n >= k + 3 buurten with a value, k = 2 (intercept and x): fewer can never give a line.
MIN_BUURTEN = 5


def buurt_counts(wide: pd.DataFrame, ids: Iterable[str], scope_codes: pd.Index | None) -> dict[str, int]:
    """Per indicator, the buurten in scope (None = all of NL) with a value in the release's buurt table
    (0 for an indicator that has no buurt column at all)."""
    frame = wide if scope_codes is None else wide.loc[wide.index.intersection(scope_codes)]
    return {i: int(pd.to_numeric(frame[i], errors="coerce").notna().sum()) if i in frame.columns else 0 for i in ids}


def offered(options: Mapping[str, str], counts: Mapping[str, int], minimum: int = MIN_BUURTEN) -> dict[str, str]:
    """The options (id -> label) with at least `minimum` buurten with a value, in their order."""
    return {i: label for i, label in options.items() if counts.get(i, 0) >= minimum}


def left_out_text(options: Mapping[str, str], kept: Mapping[str, str], counts: Mapping[str, int],
                  scope_label: str) -> str | None:
    """One Dutch sentence naming the indicators left out and why, or None when nothing is left out."""
    gone = [i for i in options if i not in kept]
    if not gone:
        return None
    names = ", ".join(f"{options[i].split(' · ', 1)[-1]} ({'geen' if counts.get(i, 0) == 0 else counts[i]} "
                      f"{'buurt' if counts.get(i, 0) == 1 else 'buurten'})" for i in gone)
    return (f"Niet te kiezen, want er zijn in {scope_label} te weinig buurten met een cijfer (minder dan "
            f"{MIN_BUURTEN}): {names}. Sommige cijfers bestaan alleen per gemeente.")
