"""The Kaart's Dutch text: names of the status classes, the message when nothing has a figure, the caption."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard.core.format import TOO_FEW, ZERO_OR_UNKNOWN

from .colour_classes import STATUS_ORDER, rounded_zero_range

LEVELS = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}


def division(level: str) -> str:
    """'buurtindeling', 'wijkindeling', 'gemeente-indeling' (Dutch spelling: a hyphen between two vowels)."""
    return "gemeente-indeling" if level == "gemeente" else f"{level}indeling"


def status_label(status: str, level: str, indicator: Mapping | None = None) -> str:
    if status == "afgerond_nul":
        return f"Afgerond 0 ({rounded_zero_range(indicator or {})})"
    other = f"Andere {division(level)}"
    return {"waarde": "Met cijfer", "geheim": "Geheim", "ontbreekt": "Geen cijfer",
            "andere_indeling": other}[status]


def source_line(frame: pd.DataFrame, indicator: Mapping, level: str) -> str:
    """'Bron: CBS, tabel 85618NED · 2023 · wijkindeling 2023.' (+ 'Geschat met een model.'): where the figures on
    the map come from. mart_map_values holds one table, period and boundary year per indicator and level; should a
    map ever mix them, each is named."""
    def named(column: str) -> list[str]:
        if column not in frame:
            return []
        return sorted({str(int(v)) if column == "boundary_year" else str(v) for v in frame[column].dropna()})
    tables, periods, years = named("table_id"), named("period"), named("boundary_year")
    if not tables:
        return ""
    who = named("attribution")
    head = (" en ".join(who) + ", " if who else "Bron: ") + ("tabel " if len(tables) == 1 else "tabellen ")
    # a figure no buurt has (the Kiesraad turnout, gemeenten only) has no buurt or wijk division to name
    only_gemeenten = level != "gemeente" and indicator.get("buurten_with_value") == 0
    text = (head + ", ".join(tables) + (" · " + ", ".join(periods) if periods else "")
            + (f" · {division('gemeente' if only_gemeenten else level)} " + ", ".join(years) if years else "")
            + (" (alleen cijfers per gemeente)" if only_gemeenten else "") + ".")
    return text + (" Geschat met een model (RIVM/CBS), geen telling." if indicator.get("modelled") else "")


def has_figures(frame: pd.DataFrame) -> bool:
    """Something on the map has a figure (a rounded 0 is a figure: 0 tot 4, not 'geen cijfer')."""
    return bool(frame["status"].isin(["waarde", "afgerond_nul"]).any())


# Why an area on the map has no figure although the source has a row for it (mart_map_values.missing_reason),
# in the profile's words (core.format): too few inhabitants for a rate, or an empty cell of the KWB 2024 file.
MISSING_WHY = {"too_few": f"geen cijfer: {TOO_FEW}", "zero_or_unknown": f"{ZERO_OR_UNKNOWN} (in de meegeleverde "
               "cijfers van 2024 is een 0 leeg gemaakt)"}


def row_status_text(status: str, reason, level: str, year) -> str:
    """status_text, or for 'ontbreekt' the source row's own reason when it has one."""
    return MISSING_WHY.get(reason, status_text(status, level, year)) if status == "ontbreekt" else \
        status_text(status, level, year)


def status_text(status: str, level: str, year) -> str:
    return {"geheim": "geheim (te weinig mensen of niet betrouwbaar)",
            "ontbreekt": "geen cijfer (de bron heeft hier geen cijfer)",
            "andere_indeling": f"geen cijfer: de bron gebruikt de {division(level)} van {year}, "
                               f"en deze {level} had toen een andere code of ging toen mogelijk over een ander "
                               "gebied"}[status]


def no_values_message(frame: pd.DataFrame, indicator: Mapping, level: str,
                      gemeenten_have_figures: bool = False) -> str:
    """Why the map has no figure at all. It points to the gemeente level only when that level has a figure in
    this area (gemeenten_have_figures); a gemeente formed after the source's year has none there either. A figure
    no buurt has (indicator's buurten_with_value 0, from mart_catalogue) exists per gemeente only."""
    counts = frame["status"].value_counts()
    main = counts.index[0] if len(counts) else "ontbreekt"
    year = frame["boundary_year"].dropna().astype(int).iloc[0] if frame["boundary_year"].notna().any() else ""
    if level != "gemeente" and gemeenten_have_figures:
        choose = "Kies het niveau gemeenten of een ander onderwerp."
    elif level != "gemeente":
        choose = "Ook per gemeente is er hier geen cijfer. Kies een ander onderwerp."
    else:
        choose = "Kies een ander onderwerp."
    why = {"andere_indeling": f"De bron gebruikt de {division(level)} van {year}. Die {LEVELS[level]} hadden "
                              f"toen andere codes, of hun code ging toen mogelijk over een ander gebied. {choose}",
           "geheim": "De cijfers zijn geheim: te weinig mensen of niet betrouwbaar.",
           "ontbreekt": f"De bron heeft hier geen cijfers. {choose}"}.get(main, "")
    if level != "gemeente" and gemeenten_have_figures and indicator.get("buurten_with_value") == 0:
        # no buurt anywhere has it (the Kiesraad turnout): not a matter of this area or its division
        why = f"Dit cijfer bestaat alleen per gemeente. {choose}"
    return f"Geen cijfers voor ‘{indicator['label']}’ in dit gebied op {level}niveau. {why}"


def legend_explanation(frame: pd.DataFrame, level: str, detail: bool = True,
                       indicator: Mapping | None = None) -> str:
    """The caption under the map: what the grey shapes mean (only those on this map), and the approximation."""
    year = frame["boundary_year"].dropna().astype(int).iloc[0] if frame["boundary_year"].notna().any() else ""
    present = set(frame["status"])
    parts = {"afgerond_nul": f"{'Roze met stippen' if detail else 'Roze'} = afgerond 0: CBS rondt het aantal af, "
                             f"dus 0 betekent hier {rounded_zero_range(indicator or {})}, niet precies 0. Deze "
                             f"{LEVELS[level]} hebben geen kleur van de schaal en tellen niet mee voor de "
                             "kleurgrenzen.",
             "geheim": "Lichtgrijs = geheim (te weinig mensen of niet betrouwbaar).",
             "ontbreekt": "Wit met rand = geen cijfer.",
             "andere_indeling": f"{'Gearceerd grijs' if detail else 'Grijs'} = andere {division(level)}: de bron "
                                f"gebruikt de indeling van {year}, deze {LEVELS[level]} hadden toen een andere code, "
                                "of hun code ging toen mogelijk over een ander gebied."}
    text = [parts[s] for s in STATUS_ORDER if s in present and s in parts]
    if level != "gemeente":
        text.append("De grenzen van wijken en buurten zijn een benadering (nagebouwd), niet de officiële grenzen.")
    return " ".join(text + ["Klik op een gebied om het profiel te openen."])