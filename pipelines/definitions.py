"""The source's own title and definition of every column an indicator reads (pure; no I/O).

Buurtbalans writes its own B1 label and description per indicator. Next to them the release keeps what the source
itself says, so a reader can check that our words match the source ("Over de data"). Where it comes from, in order:

1. the table's own DataProperties (Title, Description), when they are real (a live refresh, or the real KWB 2024
   metadata in the snapshot);
2. for a CBS download file (no DataProperties): the DataProperties of another table of the same series with the
   same key stem (KWB 2023 download column `p_hh_li` -> stem k_40HuishoudensMetLaagsteInkomen in 85984NED);
3. the catalogue's `source_title` / `source_definition` (the RIVM, Politie and SES snapshot files have only
   reconstructed DataProperties).
"""
from __future__ import annotations

import pandas as pd

from pipelines.cache import TableCache
from pipelines.catalogue import Catalogue

DEFINITION_COLUMNS = ["indicator_id", "table_id", "column", "role", "source_title", "source_description", "origin"]
RECONSTRUCTED = "Gereconstrueerd"


def _stem(key: str) -> str:
    head, _, tail = key.rpartition("_")
    return head if head and tail.isdigit() else key


def real_properties(cache: TableCache | None) -> dict[str, dict]:
    """Stem -> DataProperties entry, only for entries that are not reconstructed."""
    if cache is None or not cache.data_properties:
        return {}
    return {_stem(p["Key"]): p for p in cache.data_properties
            if p.get("Key") and str(p.get("Description") or "").strip()
            and not str(p.get("Description")).startswith(RECONSTRUCTED)}


def _clean(text) -> str:
    return " ".join(str(text or "").split())


def source_definitions(catalogue: Catalogue, caches: dict[str, TableCache]) -> pd.DataFrame:
    """One row per (indicator, table, column): the source's title and definition, and where they come from."""
    props = {t: real_properties(c) for t, c in caches.items()}
    rows = []
    for ind in catalogue.indicators:
        for src in ind.sources:
            table = catalogue.tables[src.table]
            siblings = [t for t, tab in catalogue.tables.items() if tab.series == table.series and t != src.table]
            download = caches.get(src.table) is not None and caches[src.table].column_naming == "kwb_download"
            parts = ([("waarde", src.stem, src.download_name)] if src.stem else
                     [("teller", src.numerator, src.numerator_download)]
                     + [("noemer", d, dd) for d, dd in zip(src.denominator, src.denominator_download
                                                            or (None,) * len(src.denominator))])
            for role, stem, download_name in parts:
                column = download_name if download and download_name else stem
                title, description, origin = None, None, None
                if stem in props.get(src.table, {}):
                    p = props[src.table][stem]
                    title, description, origin = p.get("Title"), p.get("Description"), f"DataProperties {src.table}"
                else:
                    sib = next((t for t in siblings if stem in props.get(t, {})), None)
                    if sib is not None:
                        p = props[sib][stem]
                        title, description = p.get("Title"), p.get("Description")
                        origin = (f"DataProperties {sib} (zelfde reeks, zelfde onderwerp {stem}); "
                                  f"{'het downloadbestand' if download else 'deze tabel'} heeft geen eigen toelichting")
                    elif src.source_definition and role == "waarde":
                        title, description = src.source_title, src.source_definition
                        origin = "toelichting van de bron, overgenomen in de catalogus"
                rows.append({"indicator_id": ind.id, "table_id": src.table, "column": column, "role": role,
                             "source_title": _clean(title) or None, "source_description": _clean(description) or None,
                             "origin": origin})
    return pd.DataFrame(rows, columns=DEFINITION_COLUMNS)
