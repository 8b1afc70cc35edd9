"""'Over de data' section: cross-division joins, accepted and refused per table on its own codes.

The rule and its thresholds live in pipelines/division_identity.py (read here, so the text never drifts from
the code); the counts come from mart_division_joins and the refused codes from mart_division_refused.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.core import db
from dashboard.core.downloads import to_csv_bytes
from dashboard.core.format import fmt_number
from pipelines.division_identity import THRESHOLDS

LEVEL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
RULE = {"andere_naam": "andere naam", "schattingen_verschillen": "schattingen verschillen te veel",
        "inwoners_veranderd": "inwoners en adressendichtheid lopen niet door",
        "geen_bewijs": "opnieuw ingedeeld, geen bewijs", "buurten_geweigerd": "een buurt van de wijk geweigerd"}
REFUSED_COLUMNS = {"table_id": "tabel", "boundary_year": "indeling", "region_code": "code", "level": "niveau",
                   "name_now": "naam_nu", "gemeente_name": "gemeente", "rule": "regel", "reason": "waarom",
                   "names_compared": "namen_vergeleken", "name_then": "naam_toen",
                   "population_then": "inwoners_toen", "population_now": "inwoners_nu",
                   "population_periods": "jaren_inwoners", "density_then": "adressendichtheid_toen",
                   "density_now": "adressendichtheid_nu", "estimate_then": "schatting_oude_indeling",
                   "estimate_now": "schatting_nieuwe_indeling", "estimate_period": "jaar_schatting"}


def joins(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_division_joins with the table title, older divisions only."""
    return db.query("""select j.*, s.title from mart_division_joins j left join mart_sources s using (table_id)
                       where j.boundary_year <> j.current_division
                       order by j.table_id, case j.level when 'gemeente' then 1 when 'wijk' then 2 else 3 end""",
                    build_dir=build_dir)


def refused(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_division_refused: every refused join, per table on its own codes."""
    return db.query("select * from mart_division_refused order by table_id, region_code", build_dir=build_dir)


def joins_table(frame: pd.DataFrame) -> pd.DataFrame:
    """What the page shows: one row per table and level. 'Namen vergeleken' only where names were compared."""
    return pd.DataFrame({
        "Tabel": frame["table_id"], "Indeling": frame["boundary_year"].astype(int),
        "Niveau": frame["level"].map(LEVEL), "Codes": frame["codes"].astype(int),
        "Ook nu": frame["in_current"].astype(int), "Zelfde gebied": frame["accepted"].astype(int),
        "Geweigerd": frame["refused"].astype(int), "Niet meer": frame["not_in_current"].astype(int),
        "Namen vergeleken": [f"{fmt_number(n)} ({fmt_number(d)} anders)" if n else "–"
                             for n, d in zip(frame["names_compared"], frame["names_differ"])]})


def refused_csv(frame: pd.DataFrame) -> bytes:
    """The refused codes as CSV for a Dutch spreadsheet, as every other download (downloads.to_csv_bytes: ';'
    between fields, decimal comma, UTF-8 with BOM, formulas escaped), with Dutch column names and values. Written
    with ',' and '.', a Dutch Excel put each row in one cell and read an estimate of 80.2 as 802."""
    out = frame[list(REFUSED_COLUMNS)].rename(columns=REFUSED_COLUMNS)
    out["regel"] = out["regel"].map(RULE).fillna(out["regel"])
    out["namen_vergeleken"] = out["namen_vergeleken"].map({True: "ja", False: "nee"})   # not 'True'/'False'
    return to_csv_bytes(out)


def _factor(x: float) -> str:
    """1.5 -> '1,5'; 1.25 -> '1,25' (no rounding away a threshold's digits)."""
    return f"{x:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def rule_text() -> str:
    t = THRESHOLDS
    return (
        "Gemeenten delen hun buurten soms opnieuw in. Een buurtcode kan dan een ander stuk van de gemeente "
        "aanduiden dan vroeger. Een cijfer uit een oudere indeling koppelen we daarom alleen aan een buurt van "
        "nu als er bewijs is dat het om hetzelfde gebied gaat:\n"
        "- **Naam**: hebben beide indelingen een naam, dan moet die gelijk zijn. Voor buurten en wijken van 2020 "
        "en 2023 hebben de meegeleverde gegevens geen namen; daar beslissen de regels hieronder.\n"
        "- **Zelfde buurtcodes**: heeft een gemeente in beide indelingen precies dezelfde buurtcodes, dan is er "
        "niet opnieuw ingedeeld en tellen de codes als hetzelfde gebied.\n"
        "- **Anders ingedeeld**: veranderden de codes van de gemeente, dan koppelen we een code alleen als het "
        "aantal inwoners én de adressendichtheid doorlopen, of als twee schattingen van hetzelfde jaar overeenkomen.\n"
        "- **Tegenbewijs** weigert altijd: loopt het aantal inwoners niet door en de adressendichtheid ook niet "
        "(of die is onbekend), of andersom; of verschillen de twee RIVM-schattingen van ‘goed ervaren "
        "gezondheid’ voor 2020 (tabel 50090NED, indeling 2020, en tabel 50150NED, indeling 2024) meer dan "
        f"{fmt_number(t.estimate_tolerance)} procentpunt.\n\n"
        f"‘Doorlopen’ betekent: inwoners hoogstens {fmt_number(t.population_abs)} meer of minder, of hoogstens "
        f"{_factor(t.population_ratio)} keer zoveel; adressendichtheid hoogstens "
        f"{fmt_number(t.density_abs)} adressen per km² verschil, of hoogstens {_factor(t.density_ratio)} "
        "keer zoveel. Een geweigerd cijfer tonen we niet bij de buurt van nu en het telt nergens mee: niet in "
        "de vergelijking met andere buurten, niet in de samenvatting, niet in ‘beter dan verwacht’, niet bij "
        "vergelijkbare buurten en niet in de ontwikkeling door de tijd. Per tabel, geteld op de eigen codes van "
        "die tabel:")


@st.cache_data(max_entries=4, ttl=timedelta(hours=6), show_spinner=False)
def _cached(release: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return joins(), refused()


def render_division_joins() -> None:
    """The section on 'Over de data' (called from dashboard/app_pages/over_de_data.py)."""
    frame, refusals = _cached(db.release_key())
    st.subheader("Zelfde code, zelfde gebied?")
    st.markdown(rule_text())
    if frame.empty:
        st.caption("Alle tabellen in deze versie gebruiken de indeling van nu.")
        return
    shown = joins_table(frame)
    counts = [c for c in shown.columns if c not in ("Tabel", "Indeling", "Niveau", "Namen vergeleken")]
    st.dataframe(shown, hide_index=True, key="division_joins",
                 column_config={c: st.column_config.NumberColumn(c, format="localized") for c in counts})
    st.caption("Codes: de codes in de tabel zelf. Ook nu: die code bestaat ook in de indeling van nu; daarvan is "
               "een deel gekoppeld (zelfde gebied) en een deel geweigerd. Niet meer: de code bestaat nu niet meer. "
               "‘Namen vergeleken’ staat alleen waar beide indelingen een naam hebben; elders is een streepje.")
    st.download_button(f"Download de {fmt_number(len(refusals))} geweigerde koppelingen (CSV)", refused_csv(refusals),
                       file_name="buurtbalans-geweigerde-koppelingen.csv", mime="text/csv",
                       icon=":material/download:", key="division_refused_csv")
