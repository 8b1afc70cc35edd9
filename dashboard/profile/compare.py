"""'Vergelijken': two to four profiles side by side as one table and chart rows (pure)."""
from __future__ import annotations

import pandas as pd

from dashboard.core.charts import share_text
from dashboard.core.format import (as_number, is_rough, is_rounded_zero, rough_range, rounded_zero_text,
                                   shown_decimals, unit_number, value_text)
from dashboard.profile.table import LENS_TITLE

COMPARE_META = ("Kant", "Onderwerp", "Eenheid", "Periode", "Geschat", "Bron", "Toelichting")


def compare_table(profiles: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, chart rows) for 'Vergelijken'. The table is exactly what is shown and downloaded: one row per
    Kracht/Zorgen indicator (landing only), each value rounded to the decimals it is shown with
    (format.shown_decimals: the indicator's, fewer where a rounding interval is wide; per cell in
    table.attrs['decimals']), one column per region 'Naam (CODE)', and a Toelichting that says what a 0 from a
    count CBS rounded means per region ('0 tot 15 per 1 000 inwoners (… 0 tot 4)': the number column keeps its 0, so the CSV stays
    numeric; when a row's figures are from different periods, each place's period and table). Kracht rows come
    first. Chart rows: indicator_id, label, lens and per region pos_<code> (% of buurten with a
    lower value; none for a rounded 0), zero_<code> (a rounded 0) and text_<code> (formatted value or why it is
    missing)."""
    base = profiles[0].table
    keep = base[base["lens"].isin(["asset", "problem"]) & base["landing"].astype(bool)][
        ["indicator_id", "label", "lens", "unit", "modelled"]]
    # Kracht first, then Zorgen, each in the profile's order (a gemeente-only figure comes last in its lens)
    keep = keep.sort_values("lens", key=lambda s: s.map({"asset": 0, "problem": 1}), kind="stable")
    table = pd.DataFrame({"Kant": keep["lens"].map(LENS_TITLE), "Onderwerp": keep["label"], "Eenheid": keep["unit"],
                          "Geschat": keep["modelled"].map({True: "ja", False: "nee"})})
    chart = keep[["indicator_id", "label", "lens"]].copy()
    periods, tables, notes, each, decimals = {}, {}, {}, {}, {}
    for p in profiles:
        rows = p.table.set_index("indicator_id").loc[keep["indicator_id"]]
        records = [r for _, r in rows.reset_index().iterrows()]   # with indicator_id: the figure's precision
        code = p.region["region_code"]
        shown = [shown_decimals(r) for r in records]
        decimals[f"{p.region['name']} ({code})"] = shown
        table[f"{p.region['name']} ({code})"] = [round(float(v), 1 if d is None else d) if pd.notna(v)
                                                 else float("nan") for v, d in zip(rows["value"].astype(float), shown)]
        # a rounded 0 (0 tot 4 counted) gets no dot, as it gets no bar on the profile: thousands of buurten share
        # it, and placing it would call it the lowest figure (compare_notes says why the dot is missing)
        zero = [bool(pd.notna(r["value"]) and is_rounded_zero(r)) for r in records]
        chart[f"pos_{code}"] = [float("nan") if z else float(s) for z, s in zip(zero, rows["share_lower"].astype(float))]
        chart[f"zero_{code}"] = zero
        chart[f"text_{code}"] = [value_text(r) + _place(r) if pd.notna(r["value"]) else str(r["missing_text"])
                                 for r in records]
        for ind, r in zip(rows.index, records):
            if pd.notna(r["value"]) and is_rounded_zero(r):   # the number column keeps 0; this says what it means
                notes.setdefault(ind, []).append(f"{p.region['name']}: 0 = {rounded_zero_text(r)}")
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
    table = table.reset_index(drop=True)
    table.attrs["decimals"] = decimals
    return table, chart.reset_index(drop=True)


def _place(r) -> str:
    """' (hoger dan 24% van de buurten)'; for a rough value the share its whole rounding interval supports
    (' (door de afronding hoger dan 20% tot 95% van de buurten)'); '' when the figure is not placed."""
    if pd.isna(r["share_lower"]) or is_rounded_zero(r):
        return ""
    n, low, high = (as_number(r.get(c)) for c in ("n_total", "n_lower_sure", "n_higher_sure"))
    if is_rough(r) and n and low is not None and high is not None:
        return (f" (door de afronding hoger dan {share_text(100 * low / n)}% tot "
                f"{share_text(100 * (n - high) / n)}% van de buurten)")
    return f" (hoger dan {share_text(r['share_lower'])}% van de buurten)"


def shown_table(table: pd.DataFrame):
    """The compare table as the page shows it: the same numbers (so sorting, the CSV and the Parquet stay numeric),
    each written as the rest of the app writes it, with a decimal comma, at the decimals compare_table rounded each
    cell to (table.attrs['decimals']: '1,0' km beside '0,9', '56' % koopwoningen, '25,6' %), '–' for no figure.
    The browser's own number format dropped a whole value's decimal ('1' beside '0.9') and followed the browser's
    language. A table without those decimals keeps the unit's rule (format.unit_number)."""
    values = [c for c in table.columns if c not in COMPARE_META]
    styler = table.style
    shown = table.attrs.get("decimals") or {}
    for unit, rows in table.groupby("Eenheid", sort=False).groups.items():
        for column in values:
            by_decimals: dict = {}
            for i in rows:
                d = shown[column][table.index.get_loc(i)] if column in shown else None
                by_decimals.setdefault(d, []).append(i)
            for d, cells in by_decimals.items():
                styler = styler.format(lambda v, u=str(unit), d=d: unit_number(v, u, d), na_rep="–",
                                       subset=pd.IndexSlice[cells, [column]])
    return styler
