"""'Vergelijken': what the compare chart's dots cannot say by themselves, as one caption addition (pure)."""
from __future__ import annotations

import pandas as pd

from dashboard.profile.compare import COMPARE_META


def chart_notes(table: pd.DataFrame, chart: pd.DataFrame, regions: list) -> str:
    """What the compare chart's dots cannot say by themselves (compare_table's table and chart rows, aligned): a
    wijk's, gemeente's or Nederland's figure placed among buurt figures (an average over a large area sits nearer
    the middle), and a row without dots although a place has a figure, because there are no buurt figures to place
    it among (the opkomst, per gemeente only): it is in the table."""
    notes = []
    wide = [str(r["name"]) for r in regions if r.get("level") in ("wijk", "gemeente", "land")]
    if wide:
        names = wide[0] if len(wide) == 1 else ", ".join(wide[:-1]) + " en " + wide[-1]
        notes.append(f" Let op: bij {names} staat het cijfer van het hele gebied tussen de cijfers van losse "
                     "buurten. Een gemiddelde over een groot gebied ligt meestal dichter bij het midden dan een "
                     "losse buurt.")
    values = table[[c for c in table.columns if c not in COMPARE_META]]
    positions = chart[[f"pos_{r['region_code']}" for r in regions]]
    unplaced = chart.loc[values.notna().any(axis=1).to_numpy() & positions.isna().all(axis=1).to_numpy(), "label"]
    if len(unplaced):
        notes.append(" Zonder stip: " + ", ".join(f"‘{u}’" for u in unplaced) + ". Daarvan zijn er geen "
                     "buurtcijfers om het tussen te zetten; het cijfer staat in de tabel.")
    rounded = [f"{r['name']}: " + ", ".join(f"‘{label}’" for label in labels)
               for r in regions if (labels := _rounded_zeros(chart, r))]
    if rounded:
        notes.append(" Geen stip bij een afgerond 0 (" + "; ".join(rounded) + "): CBS rondt het aantal af, dus het "
                     "is 0 tot 4 geteld. Veel buurten hebben zo'n 0, en het is niet het laagste cijfer. Zie de "
                     "kolom Toelichting.")
    return "".join(notes)


def _rounded_zeros(chart: pd.DataFrame, region) -> list[str]:
    """The labels of the rows where this region's figure is a rounded 0 (compare_table's zero_<code>)."""
    return list(chart.loc[chart[f"zero_{region['region_code']}"].astype(bool), "label"])
