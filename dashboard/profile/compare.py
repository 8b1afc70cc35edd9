"""'Vergelijken': two to four profiles side by side as one table and chart rows (pure)."""
from __future__ import annotations

import pandas as pd

from dashboard.core.charts import share_text
from dashboard.core.format import is_rounded_zero, rounded_zero_parts, value_text
from dashboard.profile.table import LENS_TITLE

COMPARE_META = ("Kant", "Onderwerp", "Eenheid", "Periode", "Geschat", "Bron", "Toelichting")


def compare_table(profiles: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, chart rows) for 'Vergelijken'. The table is exactly what is shown and downloaded: one row per
    Kracht/Zorgen indicator (landing only), values rounded to one decimal, one column per region
    'Naam (CODE)', and a Toelichting that says what a 0 from a count CBS rounded means per region ('0 tot 4; hoogstens
    …': the number column keeps its 0, so the CSV stays numeric). Chart rows: indicator_id, label, lens and per region pos_<code> (% of buurten with a
    lower value) and text_<code> (formatted value or why it is missing)."""
    base = profiles[0].table
    keep = base[base["lens"].isin(["asset", "problem"]) & base["landing"].astype(bool)][
        ["indicator_id", "label", "lens", "unit", "modelled"]]
    table = pd.DataFrame({"Kant": keep["lens"].map(LENS_TITLE), "Onderwerp": keep["label"], "Eenheid": keep["unit"],
                          "Geschat": keep["modelled"].map({True: "ja", False: "nee"})})
    chart = keep[["indicator_id", "label", "lens"]].copy()
    periods, tables, notes = {}, {}, {}
    for p in profiles:
        rows = p.table.set_index("indicator_id").loc[keep["indicator_id"]]
        code = p.region["region_code"]
        table[f"{p.region['name']} ({code})"] = rows["value"].astype(float).round(1).to_numpy()
        chart[f"pos_{code}"] = rows["share_lower"].astype(float).to_numpy()
        chart[f"text_{code}"] = [value_text(r) + (f" (hoger dan {share_text(r['share_lower'])}% "
                                 "van de buurten)" if pd.notna(r["share_lower"]) else "")
                                 if pd.notna(r["value"]) else str(r["missing_text"]) for _, r in rows.iterrows()]
        for ind, r in rows.iterrows():
            if pd.notna(r["value"]) and is_rounded_zero(r):   # the number column keeps 0; this says what it means
                notes.setdefault(ind, []).append(f"{p.region['name']}: 0 = {rounded_zero_parts(r)[1]}")
            if pd.notna(r["period"]) and pd.notna(r["value"]):
                periods.setdefault(ind, set()).add(str(r["period"]))
            if pd.notna(r["table_id"]):
                tables.setdefault(ind, set()).add(f"{r['table_id']} (indeling {int(r['boundary_year'])})")
    table["Periode"] = [" / ".join(sorted(periods.get(i, []))) for i in keep["indicator_id"]]
    table["Bron"] = [", ".join(sorted(tables.get(i, []))) for i in keep["indicator_id"]]
    table["Toelichting"] = ["; ".join(notes.get(i, [])) for i in keep["indicator_id"]]
    values = [c for c in table.columns if c not in COMPARE_META]
    table = table[["Kant", "Onderwerp", *values, "Eenheid", "Periode", "Geschat", "Bron", "Toelichting"]]
    return table.reset_index(drop=True), chart.reset_index(drop=True)
