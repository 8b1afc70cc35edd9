"""A cbsodata recipe per indicator (pure): Python that fetches the same figures from CBS, shown under "Over de data"."""
from __future__ import annotations

import json

from dashboard.core.format import fmt_value

def _dimensions(table) -> list[str]:
    """The table's dimension columns to keep in `select` (the region, periods, age, margins, fixed ones)."""
    dims = ["WijkenEnBuurten"]
    if table is None or not table.period:
        dims.append("Perioden")
    if table is not None:
        dims += [d for d in (table.age_dimension, table.margin_dimension) if d] + list(table.fixed)
    return dims


def cbsodata_snippet(indicator: dict, tables: dict, region_code: str = "GM0363",
                     in_release: set[str] | frozenset[str] = frozenset()) -> str:
    """Python that fetches the same figures from CBS. `indicator`: a mart_catalogue row (columns is JSON);
    `tables`: table id -> pipelines.catalogue.Table (catalog, filter, dimensions, margin codes);
    `in_release`: tables in this release, preferred over tables only a live refresh brings."""
    sources = json.loads(indicator.get("columns") or "[]")
    if not sources:
        parts = [p.strip() for p in str(indicator.get("ratio_of") or "").split("/")]
        return (f"# Dit cijfer is afgeleid: {parts[0]} / {parts[-1]} x {fmt_value(indicator.get('scale') or 1, 'aantal')},"
                " per regio en jaar.\n# Haal beide onderdelen op (zie die onderwerpen) en deel ze op elkaar.\n")
    present = [s for s in sources if s["table"] in in_release]
    source = (present or sources)[-1]  # the newest table, preferably one this release has
    table = tables.get(source["table"])
    host = table.catalog_host if table is not None else "opendata.cbs.nl"
    numerator = source.get("numerator")
    stems = list(dict.fromkeys([numerator, *source.get("denominator", [])] if numerator else [source["stem"]]))
    kolom = {stem: f"kolom{i + 1}" for i, stem in enumerate(stems)}
    filters = [f"substringof('{region_code}', WijkenEnBuurten)"]
    if table is not None and table.filter:
        filters.append(f"({table.filter})" if " or " in table.filter and table.filter[0] != "(" else table.filter)
    note = "  # RIVM- en Politietabellen staan op dataderden" if "dataderden" in host else ""
    lines = ["import cbsodata", "import pandas as pd", "", f'cbsodata.options.catalog_url = "{host}"{note}', "",
             f'keys = [p["Key"] for p in cbsodata.get_meta("{source["table"]}", "DataProperties")]',
             "# Kolomnamen krijgen per tabelversie een ander nummer (Vrijwilligerswerk_31, _33 ...): zoek ze op."]
    lines += [f'{kolom[stem]} = next(k for k in keys if k.rsplit("_", 1)[0] == "{stem}")' for stem in stems]
    dims = ", ".join(f'"{d}"' for d in _dimensions(table))
    lines += ["", "data = pd.DataFrame(cbsodata.get_data(", f'    "{source["table"]}",',
              f'    filters="{" and ".join(filters)}",',
              f"    select=[{dims}, {', '.join(kolom.values())}],", "))"]
    if numerator:
        below = " + ".join(f"data[{kolom[d]}]" for d in source.get("denominator", []))
        lines.append(f'data["{indicator["indicator_id"]}"] = {source.get("scale") or 1:g} * data[{kolom[numerator]}]'
                     f" / ({below})")
    if table is not None and table.margin_codes:
        codes = table.margin_codes
        lines.append(f"# Marges: {codes.get('estimate')} is de schatting, {codes.get('lower')} en "
                     f"{codes.get('upper')} de onder- en bovengrens (95%).")
    if table is not None and table.aggregate_months:
        lines.append("# CBS geeft maanden: tel ze per jaar op voor een jaarcijfer.")
    lines.append("print(data)")
    return "\n".join(lines) + "\n"
