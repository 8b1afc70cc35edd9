"""One-off conversion of ../shared/cbs-snapshot into data/snapshot/ in the extract cache format.

Run once by a maintainer (``python -m pipelines.tools.convert_snapshot ../shared/cbs-snapshot``); the result is
committed, so a fresh clone never needs ../shared. What this does to each file is recorded in
data/snapshot/README.md. No value is changed: rows and columns are selected, files reshaped to the OData
TypedDataSet shape, and metadata that the snapshot lacks is reconstructed and marked as such.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

from pipelines.cache import write_table_cache
from pipelines.catalogue import load_catalogue

RECONSTRUCTED = "Gereconstrueerd uit de kolomnaam bij het maken van de snapshot; de originele DataProperties zat niet in de bron."


def _split_camel(stem: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", stem).capitalize()


def _reconstructed_properties(columns: list[str], dims: dict[str, str], unit: str) -> list[dict]:
    props: list[dict] = []
    for i, (key, kind) in enumerate(dims.items()):
        props.append({"ID": i, "Position": i, "Type": kind, "Key": key, "Title": key, "Description": RECONSTRUCTED})
    for j, key in enumerate(columns, start=len(props)):
        stem = key.rsplit("_", 1)[0]
        props.append({"ID": j, "Position": j, "Type": "Topic", "Key": key, "Title": _split_camel(stem),
                      "Description": RECONSTRUCTED, "Unit": unit, "Decimals": 1, "Datatype": "Double"})
    return props


def _table_infos(table_id: str, title: str, period: str, note: str) -> list[dict]:
    return [{"ID": 0, "Identifier": table_id, "Title": title, "Period": period, "Modified": None,
             "Catalog": "reconstructed", "ShortDescription": note}]


# The figures were fetched from CBS by upstream projects, not by us: record the date of the upstream commit
# that holds them as the fetch time, instead of the conversion time that write_table_cache stamps.
UPSTREAM_DATES = {"85984NED": "2026-07-21", "85618NED": "2025-04-03", "50090NED": "2022-06-17",
                  "50150NED": "2026-07-21", "47022NED": "2026-07-21", "85163NED": "2023-04-25"}


def _stamp_upstream_dates(tables: Path) -> None:
    for table_id, date in UPSTREAM_DATES.items():
        path = tables / table_id / "fetch.json"
        fetch = json.loads(path.read_text(encoding="utf-8"))
        fetch.update(fetched_at=date, fetched_at_meaning="date of the upstream commit holding these figures")
        path.write_text(json.dumps(fetch, ensure_ascii=False, indent=1), encoding="utf-8")


def convert(shared: Path, out: Path) -> None:
    cat = load_catalogue()
    if out.exists():
        shutil.rmtree(out / "tables", ignore_errors=True)
    tables = out / "tables"

    # --- 85984NED KWB 2024: real DataProperties/TableInfos; data from a third-party extract -------------------
    src = shared / "kwb_2024/85984NED_kwb2024_buurten_wijken_gemeenten_17var.parquet"
    k24 = pd.read_parquet(src)
    code_list = k24[["WijkenEnBuurten", "Naam"]].rename(columns={"WijkenEnBuurten": "Key", "Naam": "Title"})
    data = k24.drop(columns=["Naam", "GemeenteCode", "WijkCode"]).rename(
        columns={"Gemeentenaam": "Gemeentenaam_1", "SoortRegio": "SoortRegio_2"})
    odata = shared / "odata/85984NED"
    write_table_cache(
        tables / "85984NED", data,
        data_properties=json.loads((odata / "DataProperties.json").read_text()),
        table_infos=json.loads((odata / "TableInfos.json").read_text()),
        code_lists={"WijkenEnBuurten": code_list.to_dict("records"), "CategoryGroups": []},
        fetch={"method": "snapshot-conversion", "source_files": [str(src.relative_to(shared))],
               "column_naming": "odata",
               "note": "Data from a third-party extract (loukanton/woonikveilig) of an older 85984NED state than the "
                       "DataProperties: key suffixes differ (GemiddeldInkomenPerInwoner_78 vs _83). Keys resolve by stem."})

    # --- 85618NED KWB 2023: the CBS download file (short names) ----------------------------------------------
    src = shared / "kwb_2023/kwb-2023_nl_43var.parquet"
    k23 = pd.read_parquet(src)
    needed = {s.download_name for ind in cat.indicators for s in ind.sources if s.table == "85618NED"
              for s in [s] if s.download_name} | {
        n for ind in cat.indicators for s in ind.sources if s.table == "85618NED"
        for n in ([s.numerator_download] if s.numerator_download else []) + list(s.denominator_download)}
    keep = ["gwb_code_10", "recs", "gm_naam"] + sorted(needed)
    write_table_cache(
        tables / "85618NED", k23[keep],
        data_properties=None,
        table_infos=_table_infos("85618NED", cat.tables["85618NED"].title, "2023",
                                 "CBS downloadbestand kwb-2023.xlsx, stand maart 2025"),
        code_lists={},
        fetch={"method": "snapshot-conversion", "source_files": [str(src.relative_to(shared))],
               "column_naming": "kwb_download", "region_column": "gwb_code_10",
               "note": "CBS download-file short names; only the columns the catalogue uses are kept "
                       "(herkomst columns are deliberately not shipped)."})

    # --- 50090NED RIVM 2016 + 2020 ------------------------------------------------------------------------------
    srcs = [shared / "rivm_gezondheid_wijk_buurt_2016/50090NED_gezondheid_wijk_buurt_2016.parquet",
            shared / "rivm_gezondheid_wijk_buurt_2020/50090NED_gezondheid_wijk_buurt_2020.parquet"]
    rivm = pd.concat([pd.read_parquet(p) for p in srcs], ignore_index=True)
    rivm = rivm[rivm["Leeftijd"].isin(["20300", "80200"])]
    stems = {s.stem for ind in cat.indicators for s in ind.sources if s.table == "50090NED"}
    value_cols = [c for c in rivm.columns if c.rsplit("_", 1)[0] in stems]
    dims = ["ID", "Leeftijd", "Marges", "WijkenEnBuurten", "Perioden", "Gemeentenaam_1", "SoortRegio_2", "Codering_3"]
    rivm = rivm[dims + value_cols].sort_values(["Perioden", "Leeftijd", "ID"]).reset_index(drop=True)
    names = rivm[rivm["SoortRegio_2"].isin(["Land", "Gemeente"])][["WijkenEnBuurten", "Gemeentenaam_1"]]
    write_table_cache(
        tables / "50090NED", rivm,
        data_properties=_reconstructed_properties(
            value_cols, {"Leeftijd": "Dimension", "Marges": "Dimension", "WijkenEnBuurten": "GeoDimension",
                         "Perioden": "TimeDimension"}, "%"),
        table_infos=_table_infos("50090NED", cat.tables["50090NED"].title, "2016, 2020",
                                 "RIVM/CBS Gezondheidsmonitor; alleen schattingen (Marges MW00000) in de snapshot"),
        code_lists={
            "WijkenEnBuurten": names.drop_duplicates("WijkenEnBuurten").rename(
                columns={"WijkenEnBuurten": "Key", "Gemeentenaam_1": "Title"}).to_dict("records"),
            "Leeftijd": [{"Key": "20300", "Title": "18 jaar of ouder"}, {"Key": "80200", "Title": "65 jaar of ouder"}],
            "Marges": [{"Key": "MW00000", "Title": "Waarde"}],
            "Perioden": [{"Key": "2016JJ00", "Title": "2016"}, {"Key": "2020JJ00", "Title": "2020"}],
        },
        fetch={"method": "snapshot-conversion", "source_files": [str(p.relative_to(shared)) for p in srcs],
               "column_naming": "odata",
               "note": "Age groups 18+ and 65+; estimates only (no margins in the source files)."})

    # --- 50150NED RIVM trend 2012-2024 -----------------------------------------------------------------------------
    src = shared / "rivm_gezondheid_buurt_trend_2012_2024/50150NED_goed_ervaren_gezondheid_18plus_2012_2024.parquet"
    t = pd.read_parquet(src)
    trend = pd.DataFrame({
        "WijkenEnBuurten": t["WijkenEnBuurten"], "Leeftijd": "20300", "Marges": "MW00000",
        "Perioden": t["Jaar"].astype(str) + "JJ00", "SoortRegio_2": t["SoortRegio"],
        "GoedErvarenGezondheid_4": t["GoedErvarenGezondheid_4"]})
    periods = sorted(trend["Perioden"].unique())
    write_table_cache(
        tables / "50150NED", trend,
        data_properties=_reconstructed_properties(
            ["GoedErvarenGezondheid_4"], {"Leeftijd": "Dimension", "Marges": "Dimension",
                                          "WijkenEnBuurten": "GeoDimension", "Perioden": "TimeDimension"}, "%"),
        table_infos=_table_infos("50150NED", cat.tables["50150NED"].title, "2012-2024",
                                 "One indicator only (goed ervaren gezondheid, 18+), third-party extract"),
        code_lists={"Leeftijd": [{"Key": "20300", "Title": "18 jaar of ouder"}],
                    "Marges": [{"Key": "MW00000", "Title": "Waarde"}],
                    "Perioden": [{"Key": p, "Title": p[:4]} for p in periods]},
        fetch={"method": "snapshot-conversion", "source_files": [str(src.relative_to(shared))],
               "column_naming": "odata", "note": "Reshaped from long format; values unchanged."})

    # --- 47022NED police, yearly totals ------------------------------------------------------------------------------
    src = shared / "politie_misdrijven_buurt_2021_2025/47022NED_geregistreerde_misdrijven_totaal_per_jaar.parquet"
    c = pd.read_parquet(src)
    crime = pd.DataFrame({
        "WijkenEnBuurten": c["WijkenEnBuurten"], "SoortMisdrijf": "0.0.0", "Perioden": c["Jaar"].astype(str) + "JJ00",
        "SoortRegio_2": c["SoortRegio"], "GeregistreerdeMisdrijven_1": c["GeregistreerdeMisdrijven_totaal"]})
    write_table_cache(
        tables / "47022NED", crime,
        data_properties=_reconstructed_properties(
            ["GeregistreerdeMisdrijven_1"], {"SoortMisdrijf": "Dimension", "WijkenEnBuurten": "GeoDimension",
                                             "Perioden": "TimeDimension"}, "aantal"),
        table_infos=_table_infos("47022NED", cat.tables["47022NED"].title, "2021-2025",
                                 "Yearly sums of monthly counts, summed upstream; all offence types (0.0.0)"),
        code_lists={"SoortMisdrijf": [{"Key": "0.0.0", "Title": "Totaal misdrijven"}],
                    "Perioden": [{"Key": p, "Title": p[:4]} for p in sorted(crime["Perioden"].unique())]},
        fetch={"method": "snapshot-conversion", "source_files": [str(src.relative_to(shared))],
               "column_naming": "odata",
               "note": "Upstream summed months to calendar years; the key GeregistreerdeMisdrijven_1 replaces the "
                       "extract's column name GeregistreerdeMisdrijven_totaal."})

    # --- 85163NED SES-WOA 2019, Amsterdam only (StatLine CSV export) ------------------------------------------------
    src = shared / "ses_woa_2019_amsterdam/SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv"
    s = pd.read_csv(src, sep=";", dtype=str, encoding="utf-8-sig")
    num = lambda col: pd.to_numeric(s[col].str.strip().replace({".": None}), errors="raise")  # noqa: E731
    ses = pd.DataFrame({
        "WijkenEnBuurten": s["Regiocode (gemeente, wijk, buurt) (code)"],
        "Perioden": s["Perioden"].str.strip() + "JJ00",
        "OpleidingsniveauLaag_1": num("Opleidingsniveau/Laag/Waarde (%)"),
        "OpleidingsniveauMiddelbaar_2": num("Opleidingsniveau/Middelbaar/Waarde (%)"),
        "OpleidingsniveauHoog_3": num("Opleidingsniveau/Hoog/Waarde (%)")})
    write_table_cache(
        tables / "85163NED", ses,
        data_properties=_reconstructed_properties(
            ["OpleidingsniveauLaag_1", "OpleidingsniveauMiddelbaar_2", "OpleidingsniveauHoog_3"],
            {"WijkenEnBuurten": "GeoDimension", "Perioden": "TimeDimension"}, "%"),
        table_infos=_table_infos("85163NED", cat.tables["85163NED"].title, "2019",
                                 "StatLine CSV export, gemeente Amsterdam only"),
        code_lists={"WijkenEnBuurten": pd.DataFrame({"Key": s["Regiocode (gemeente, wijk, buurt) (code)"],
                                                     "Title": s["Wijken en buurten"]}).to_dict("records"),
                    "Perioden": [{"Key": "2019JJ00", "Title": "2019"}]},
        fetch={"method": "snapshot-conversion", "source_files": [str(src.relative_to(shared))],
               "column_naming": "odata",
               "note": "Keys reconstructed from the StatLine column titles (Opleidingsniveau/Laag/Waarde -> "
                       "OpleidingsniveauLaag); padded codes kept as exported."})

    _stamp_upstream_dates(tables)

    # --- geometry: copied as is (already simplified, 5 decimals) ------------------------------------------------------
    geo = out / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    for name, target in [
        ("boundaries/buurten_2024_gegeneraliseerd_reconstructed_wgs84.geojson", "buurten_2024_benadering.geojson"),
        ("boundaries/wijken_2024_dissolved_from_buurten_wgs84.geojson", "wijken_2024_benadering.geojson"),
        ("boundaries/gemeenten_2023_simplified_with_kwb.geojson", "gemeenten_2023.geojson"),
    ]:
        gj = json.loads((shared / name).read_text())
        for f in gj["features"]:  # keep codes and names only; the statistics come from the tables
            p = f["properties"]
            f["properties"] = {k: p[k] for k in p if k in
                               ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "jaar")}
        (geo / target).write_text(json.dumps(gj, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(__file__).resolve().parents[2] / "data" / "snapshot")
