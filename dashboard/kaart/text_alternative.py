"""The map as text (WCAG 2.1 AA, issue #12): one sentence and a table that say what the colours say.

Pure: takes the map_frame() of dashboard.kaart.colour_classes (one row per region in view: region_code, name, value,
value_text, status, period, boundary_year) and returns text. The page shows the sentence under the map and the
table in an expander, so a keyboard or screen-reader user gets the same information as a sighted mouse user.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from dashboard.kaart.colour_classes import rounded_zero_range
from dashboard.core.format import ZERO_OR_UNKNOWN
from dashboard.core.names import distinct
from dashboard.kaart.map_text import LEVELS, division, row_status_text

MAX_ROWS = 1_000


def _n(k: int) -> str:
    return f"{k:,}".replace(",", ".")

   # an all-NL buurt table (14,500 rows) would cost the browser more than the map: ask to narrow


def _end(with_value: pd.DataFrame, which: str, level: str) -> str:
    """'0,3 km (Lombok-West)', or with a tie '0,3 km (Lombok-West en 4 andere buurten)' ('en 1 andere buurt'):
    areas that share the lowest (highest) figure are counted, so no single one is called the lowest when others have
    the same figure. Rounded 0s ('afgerond_nul', '0 tot 15 per 1 000 inwoners') are not in `with_value`: sentence() counts them
    apart."""
    extreme = getattr(with_value["value"], which)()
    tied = with_value[with_value["value"].eq(extreme)]
    first = tied.iloc[0]
    word = level if len(tied) == 2 else LEVELS.get(level, level)   # 'en 1 andere buurt', 'en 4 andere buurten'
    others = f" en {_n(len(tied) - 1)} andere {word}" if len(tied) > 1 else ""
    return f"{first['value_text']} ({first['shown_name']}{others})"


def _why_missing(frame: pd.DataFrame) -> str:
    """' (waarvan 12 met te weinig inwoners en 3 met 0 of onbekend)': the reasons the source rows give."""
    if "missing_reason" not in frame:
        return ""
    missing = frame.loc[frame["status"].eq("ontbreekt"), "missing_reason"]
    reasons = missing.value_counts()
    named = (("too_few", "met te weinig inwoners voor een cijfer"), ("zero_or_unknown", f"met ‘{ZERO_OR_UNKNOWN}’"))
    if len(reasons) == 1 and reasons.index[0] in dict(named) and reasons.iloc[0] == len(missing):
        # one reason for all: '17 zonder cijfer, alle met …'; one area: '1 zonder cijfer, met …' (not 'alle')
        return f", {'alle ' if len(missing) > 1 else ''}{dict(named)[reasons.index[0]]}"
    words = [f"{_n(int(reasons[r]))} {w}" for r, w in named if r in reasons]
    return f" (waarvan {' en '.join(words)})" if words else ""


def scope(n: int, level: str, area_name: str, centre: str | None = None) -> str:
    """What the map shows: '99 buurten in Amsterdam', or on a gemeente map of one gemeente, which also draws the
    gemeenten around it (map_queries.load_shapes), 'Son en Breugel en de 16 gemeenten eromheen' (never '17
    gemeenten in Son en Breugel')."""
    if centre is None:
        return f"{_n(n)} {level if n == 1 else LEVELS.get(level, level)} in {area_name}"
    others = n - 1
    if others <= 0:
        return area_name
    return f"{area_name} en " + ("de gemeente eromheen" if others == 1 else f"de {_n(others)} gemeenten eromheen")


def sentence(frame: pd.DataFrame, indicator: Mapping, level: str, area_name: str, centre: str | None = None) -> str:
    """'Kaart van <label> voor de 99 buurten in Amsterdam: 80 met een cijfer, van 9,1% (X) tot 31,0% (Y); ...'.
    `centre`: the chosen gemeente's code on a gemeente map of one gemeente and its neighbours."""
    n = len(frame)
    label = str(indicator["label"])
    centre = centre if level == "gemeente" and centre in set(frame["region_code"]) else None
    head = f"Kaart van ‘{label}’ voor {scope(n, level, area_name, centre)}"
    frame = frame.assign(shown_name=distinct(frame["name"], frame["region_code"]))   # two buurten of one name
    with_value = frame[frame["status"].eq("waarde") & frame["value"].notna()]
    parts = []
    if len(with_value):
        periods = sorted({str(p) for p in with_value["period"].dropna()}) if "period" in with_value else []
        head_part = f"{_n(len(with_value))} met een cijfer" + (f" ({', '.join(periods)})" if periods else "")
        if len(with_value) == 1:   # one area: its figure, not 'van X (A) tot X (A)'
            only = with_value.iloc[0]
            parts.append(f"{head_part}: {only['value_text']} ({only['shown_name']})")
        elif with_value["value"].min() == with_value["value"].max():
            parts.append(f"{head_part}, allemaal {with_value.iloc[0]['value_text']}")
        else:
            parts.append(f"{head_part}, van {_end(with_value, 'min', level)} tot {_end(with_value, 'max', level)}")
    elif not frame["status"].eq("afgerond_nul").any():
        parts.append("geen enkel gebied met een cijfer")
    zeros = frame[frame["status"].eq("afgerond_nul")]
    if len(zeros):   # counted apart: a rounded 0 is 0 tot 4, not the lowest figure
        parts.append(f"{_n(len(zeros))} met een afgerond 0 ({rounded_zero_range(indicator)}; CBS rondt het aantal "
                     "af), zonder kleur van de schaal")
    for status, word in (("geheim", "geheim"), ("ontbreekt", "zonder cijfer"),
                         ("andere_indeling", f"met een andere {division(level)} (geen cijfer)")):
        k = int(frame["status"].eq(status).sum())
        if k:
            parts.append(f"{_n(k)} {word}" + (_why_missing(frame) if status == "ontbreekt" else ""))
    return head + ": " + "; ".join(parts) + "."


def table(frame: pd.DataFrame, indicator: Mapping, level: str) -> pd.DataFrame:
    """Every region in view with its figure or why it has none, sorted by name (what the map colours show)."""
    year = frame["boundary_year"] if "boundary_year" in frame else pd.Series(None, index=frame.index)
    reasons = frame["missing_reason"] if "missing_reason" in frame else pd.Series(None, index=frame.index)
    figure = [v if s in ("waarde", "afgerond_nul") and v else
              row_status_text(s, r if isinstance(r, str) else None, level, int(y) if pd.notna(y) else "")
              if s in ("geheim", "ontbreekt", "andere_indeling") else "–"
              for v, s, r, y in zip(frame["value_text"], frame["status"], reasons, year)]
    out = pd.DataFrame({"Gebied": frame["name"].astype(str), "Code": frame["region_code"].astype(str),
                        str(indicator["label"]): figure,
                        "Periode": frame["period"].astype("string").fillna("") if "period" in frame else ""})
    return out.sort_values(["Gebied", "Code"], kind="stable").reset_index(drop=True)
