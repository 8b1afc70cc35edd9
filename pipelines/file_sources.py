"""File sources: catalogue tables that are shipped files, not CBS OData tables (`catalog = "file"`).

Today one kind: the Kiesraad vote counts per gemeente of the Provinciale Staten elections of 2019 and 2023 (via
Centerdata/BZK), in data/snapshot/files/kiesraad_ps/. `load_file_tables` turns each such file into the same
TableCache a cbsodata fetch gives, so transform and build treat it like any other table:
  - the region column (`file_columns.region`, GMxxxx codes) becomes `WijkenEnBuurten`, the name column `gm_naam`;
  - DataProperties *describe* the file's numeric columns (Key = the column name, no suffix), so the catalogue's
    stems resolve exactly as for a CBS table; nothing is renamed or recomputed;
  - an NL00 row is the sum of every gemeente in the file (counts add up; ratios are computed afterwards).

The area rule (pure, `area_refusals`): a gemeente of an older division joins today's gemeente with the same code
only where the AREA is the same, i.e.
  1. the code still exists in the current division, and
  2. the name is the same (compared without case, punctuation and a province suffix: "Bergen (NH)" =
     "Bergen (NH.)", "Hengelo" = "Hengelo (O.)"), and
  3. the gemeente took in no (part of a) dissolved gemeente since: the table's `area_changed` list in the
     catalogue (a redivision keeps the absorbing gemeente's code and name, e.g. Weesp -> Amsterdam in 2022).
Refused rows are left out of the table (their figure describes another area) and counted in the source's note.
A refresh never fetches these tables (there is nothing at CBS to fetch); every build reads the shipped file.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipelines.cache import CacheError, TableCache
from pipelines.catalogue import Catalogue, Table

_PROVINCE_SUFFIX = re.compile(r"\s*\((?:[a-z]{1,2}\.?)\)\s*$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def file_tables(catalogue: Catalogue) -> list[Table]:
    return [t for t in catalogue.tables.values() if t.catalog == "file"]


def name_key(name: object) -> str:
    """'Bergen (NH.)' -> 'bergen'; "'s-Gravenhage" -> 's gravenhage'."""
    text = _PROVINCE_SUFFIX.sub("", str(name or "").strip().lower())
    return _NON_ALNUM.sub(" ", text).strip()


def current_gemeenten(regions: list[tuple[Table, pd.DataFrame]], division: int) -> dict[str, str]:
    """Gemeente code -> name in the current division, from the CBS tables of that boundary year.
    regions: (table, transform.regions_from_table of it) per cached table, in the build's table order."""
    out: dict[str, str] = {}
    for table, regs in regions:
        if table.boundary_year != division or table.catalog == "file":
            continue
        gm = regs[(regs["level"] == "gemeente") & regs["name"].notna()]
        out.update({c: n for c, n in zip(gm["region_code"], gm["name"]) if c not in out})
    return out


def area_refusals(codes: pd.Series, names: pd.Series, current: dict[str, str],
                  area_changed: tuple[str, ...]) -> pd.Series:
    """Per row: None when the gemeente joins (same area), else the Dutch reason it does not."""
    reasons = []
    for code, name in zip(codes, names):
        if code not in current:
            reasons.append("code bestaat niet meer (opgeheven of samengevoegd)")
        elif code in area_changed:
            reasons.append("gebied veranderd (nam een opgeheven gemeente of een deel daarvan op)")
        elif name_key(name) != name_key(current[code]):
            reasons.append(f"andere naam ({name} / {current[code]})")
        else:
            reasons.append(None)
    return pd.Series(reasons, index=codes.index, dtype=object)


def _table_cache(table: Table, raw: pd.DataFrame, current: dict[str, str], current_division: int,
                 source_file: str) -> TableCache:
    cols = table.file_columns
    region_col, name_col = cols.get("region", "gwb_code_10"), cols.get("name", "GemeenteNaam")
    missing = [c for c in (region_col, name_col) if c not in raw.columns]
    if missing:
        raise CacheError(f"Bestand {source_file}: kolom {', '.join(missing)} ontbreekt")
    data = raw.rename(columns={region_col: "WijkenEnBuurten", name_col: "gm_naam"})
    data["WijkenEnBuurten"] = data["WijkenEnBuurten"].astype("str").str.strip()
    if not data["WijkenEnBuurten"].str.fullmatch(r"GM\d{4}").all():
        raise CacheError(f"Bestand {source_file}: regiocodes die geen gemeentecode (GMxxxx) zijn")
    if data["WijkenEnBuurten"].duplicated().any():
        raise CacheError(f"Bestand {source_file}: een gemeente staat er meer dan eens in")
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    total = {c: data[c].sum() for c in numeric}
    nl = pd.DataFrame([{"WijkenEnBuurten": "NL00", "gm_naam": "Nederland", **total}])
    n_file = len(data)
    note = f"{n_file} gemeenten in het bestand; Nederland = de som van die {n_file} gemeenten."
    refused = pd.Series(None, index=data.index, dtype=object)
    if table.boundary_year != current_division:
        refused = area_refusals(data["WijkenEnBuurten"], data["gm_naam"], current, table.area_changed)
        counts = refused.dropna().str.replace(r" \(.*", "", regex=True).value_counts()
        note += (f" Indeling {table.boundary_year} naar {current_division}: {int(refused.isna().sum())} gemeenten "
                 f"met hetzelfde gebied gekoppeld, {int(refused.notna().sum())} geweigerd"
                 + (" (" + "; ".join(f"{n}× {why}" for why, n in counts.items()) + ")" if len(counts) else "")
                 + (": " + ", ".join(sorted(data.loc[refused.notna(), "gm_naam"].astype(str))) if len(counts) else "")
                 + ".")
    in_file = set(data["WijkenEnBuurten"])
    absent = sorted(n for c, n in current.items() if c not in in_file)
    if absent:
        note += f" Geen cijfer in dit bestand voor {len(absent)} gemeenten van nu: {', '.join(absent)}."
    kept = data[refused.isna()]
    out = pd.concat([nl, kept[["WijkenEnBuurten", "gm_naam", *numeric]]], ignore_index=True)
    props = [{"Key": "WijkenEnBuurten", "Type": "GeoDimension", "Title": "Gemeente"}] + [
        {"Key": c, "Type": "Topic", "Title": cols.get(c, c),
         "Description": f"{cols[c]}: kolom '{c}' van {source_file} ({table.attribution})"} if c in cols else
        {"Key": c, "Type": "Topic", "Title": c, "Description": ""} for c in numeric]
    created = raw["CreationDate"].astype("str").str[:10].max() if "CreationDate" in raw.columns else None
    fetch = {"table_id": table.id, "method": "snapshot-conversion", "fetched_at": created,
             "fetched_at_meaning": "latest CreationDate (Kiesraad count) in the file",
             "column_naming": "odata", "source_files": [source_file], "note": note,
             "refused": {c: r for c, r in zip(data["WijkenEnBuurten"], refused) if r is not None},
             "converted_by": "pipelines/file_sources.py (at every build)"}
    infos = [{"Identifier": table.id, "Title": table.title, "Period": table.period, "Modified": None,
              "Source": table.attribution}]
    return TableCache(table.id, out, props, infos, {}, fetch)


def load_file_tables(catalogue: Catalogue, files_dir: Path, current: dict[str, str],
                     current_division: int) -> dict[str, TableCache]:
    """Every `catalog = "file"` table as a TableCache; a missing file is skipped (the build reports the table
    as missing), a malformed one is a CacheError."""
    out = {}
    for table in file_tables(catalogue):
        path = Path(files_dir) / str(table.file)
        if not table.file or not path.exists():
            continue
        try:
            raw = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise CacheError(f"Bestand {table.file}: niet te lezen ({exc.__class__.__name__})") from exc
        out[table.id] = _table_cache(table, raw, current, current_division, f"files/{table.file}")
    return out
