"""'Vergelijken': two to four profiles side by side as one table and chart rows (pure)."""
from __future__ import annotations

import pandas as pd

from dashboard.core.charts import share_text
from dashboard.core.format import (as_number, is_rough, is_rounded_zero, rough_range, rounded_zero_parts, unit_number,
                                   value_text)
from dashboard.profile.table import LENS_TITLE

COMPARE_META = ("Kant", "Onderwerp", "Eenheid", "Periode", "Geschat", "Bron", "Toelichting")


def compare_table(profiles: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, chart rows) for 'Vergelijken'. The table is exactly what is shown and downloaded: one row per
    Kracht/Zorgen indicator (landing only), values rounded to one decimal, one column per region
    'Naam (CODE)', and a Toelichting that says what a 0 from a count CBS rounded means per region ('0 tot 4; hoogstens
    …': the number column keeps its 0, so the CSV stays numeric; when a row's figures are from different periods,
    each place's period and table). Kracht rows come first. Chart rows: indicator_id, label, lens and per region pos_<code> (% of buurten with a
    lower value) and text_<code> (formatted value or why it is missing)."""
    base = profiles[0].table
    keep = base[base["lens"].isin(["asset", "problem"]) & base["landing"].astype(bool)][
        ["indicator_id", "label", "lens", "unit", "modelled"]]
    # Kracht first, then Zorgen, each in the profile's order (a gemeente-only figure comes last in its lens)
    keep = keep.sort_values("lens", key=lambda s: s.map({"asset": 0, "problem": 1}), kind="stable")
    table = pd.DataFrame({"Kant": keep["lens"].map(LENS_TITLE), "Onderwerp": keep["label"], "Eenheid": keep["unit"],
                          "Geschat": keep["modelled"].map({True: "ja", False: "nee"})})
    chart = keep[["indicator_id", "label", "lens"]].copy()
    periods, tables, notes, each = {}, {}, {}, {}
    for p in profiles:
        rows = p.table.set_index("indicator_id").loc[keep["indicator_id"]]
        code = p.region["region_code"]
        table[f"{p.region['name']} ({code})"] = rows["value"].astype(float).round(1).to_numpy()
        chart[f"pos_{code}"] = rows["share_lower"].astype(float).to_numpy()
        chart[f"text_{code}"] = [value_text(r) + _place(r) if pd.notna(r["value"]) else str(r["missing_text"])
                                 for _, r in rows.iterrows()]
        for ind, r in rows.iterrows():
            if pd.notna(r["value"]) and is_rounded_zero(r):   # the number column keeps 0; this says what it means
                notes.setdefault(ind, []).append(f"{p.region['name']}: 0 = {rounded_zero_parts(r)[1]}")
            elif pd.notna(r["value"]) and is_rough(r):   # the number column keeps the value; this says how rough
                notes.setdefault(ind, []).append(f"{p.region['name']}: ongeveer {rough_range(r)} "
                                                 "(CBS rondt de aantallen af)")
            if pd.notna(r["period"]) and pd.notna(r["value"]):
                periods.setdefault(ind, set()).add(str(r["period"]))
                each.setdefault(ind, []).append(f"{p.region['name']}: {r['period']}"
                                                + (f" ({r['table_id']})" if pd.notna(r["table_id"]) else ""))
            if pd.notna(r["table_id"]):
                tables.setdefault(ind, set()).add(f"{r['table_id']} (indeling {int(r['boundary_year'])})")
    table["Periode"] = [" / ".join(sorted(periods.get(i, []))) for i in keep["indicator_id"]]
    table["Bron"] = [", ".join(sorted(tables.get(i, []))) for i in keep["indicator_id"]]
    # figures of one row from different years (KWB 2024 has no Nederland row: its 2023 figure stands beside a
    # buurt's 2024 one): the Toelichting says which figure is from which year, so each number keeps its period
    table["Toelichting"] = ["; ".join(notes.get(i, []) + (each[i] if len(periods.get(i, ())) > 1 else []))
                            for i in keep["indicator_id"]]
    values = [c for c in table.columns if c not in COMPARE_META]
    table = table[["Kant", "Onderwerp", *values, "Eenheid", "Periode", "Geschat", "Bron", "Toelichting"]]
    return table.reset_index(drop=True), chart.reset_index(drop=True)


def _place(r) -> str:
    """' (hoger dan 24% van de buurten)'; for a rough value the share its whole rounding interval supports
    (' (door de afronding hoger dan 20% tot 95% van de buurten)'); '' when the figure is not placed."""
    if pd.isna(r["share_lower"]):
        return ""
    n, low, high = (as_number(r.get(c)) for c in ("n_total", "n_lower_sure", "n_higher_sure"))
    if is_rough(r) and n and low is not None and high is not None:
        return (f" (door de afronding hoger dan {share_text(100 * low / n)}% tot "
                f"{share_text(100 * (n - high) / n)}% van de buurten)")
    return f" (hoger dan {share_text(r['share_lower'])}% van de buurten)"


def shown_table(table: pd.DataFrame):
    """The compare table as the page shows it: the same numbers (so sorting, the CSV and the Parquet stay numeric),
    each written as the rest of the app writes its unit, with a decimal comma: '1,0' km beside '0,9', '25,6' %,
    '136' per 1 000 (format.unit_number), '–' for no figure. The browser's own number format dropped a whole
    value's decimal ('1' beside '0.9') and followed the browser's language."""
    values = [c for c in table.columns if c not in COMPARE_META]
    styler = table.style
    for unit, rows in table.groupby("Eenheid", sort=False).groups.items():
        styler = styler.format(lambda v, u=str(unit): unit_number(v, u), na_rep="–",
                               subset=pd.IndexSlice[list(rows), values])
    return styler
