"""Published CBS/RIVM figures, end to end: from the shipped snapshot file to the release and to the profile.

Every figure below names the table, column, region and period it comes from. The expected value is read from the
snapshot file itself (data/snapshot/tables/<table>/TypedDataSet.parquet, independently of the pipeline code); where
the upstream provenance (../shared/cbs-snapshot/PROVENANCE.md) documents the published number, the test also checks
that the snapshot holds exactly that number. Then the figure must arrive unchanged in mart_indicator_series (with
its table, period and boundary year) and, for the period the profile shows, in the profile table of the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pytest

from dashboard.core import queries
from dashboard.profile.table import profile_table
from tests.conftest import SNAPSHOT_TABLES

RIVM_18 = {"Leeftijd": "20300", "Marges": "MW00000"}
RIVM_65 = {"Leeftijd": "80200", "Marges": "MW00000"}


@dataclass(frozen=True)
class Figure:
    table: str            # snapshot folder = CBS table id
    column: str           # the column in the snapshot file (OData key or download short name)
    raw_region: str       # region code as written in the file (RIVM writes NL01 for Nederland)
    period: str           # our period ("2020"); the file's Perioden is <period>JJ00 where it has one
    indicator: str        # our indicator id
    published: float | None = None  # the number PROVENANCE.md documents, where it does
    age: str = "18+"
    filters: tuple = ()   # extra (column, value) filters in the file
    denominator: str | None = None  # for a ratio we compute: the file's denominator column
    scale: float = 1.0

    @property
    def region(self) -> str:
        return "NL00" if self.raw_region.startswith("NL") else self.raw_region


def rivm(column, region, period, indicator, published=None, age="18+"):
    filters = tuple((RIVM_18 if age == "18+" else RIVM_65).items())
    return Figure("50090NED", column, region, period, indicator, published, age, filters)


def kwb23(column, region, indicator, published=None, denominator=None, scale=1.0):
    return Figure("85618NED", column, region, "2023", indicator, published, "totaal", (), denominator, scale)


def kwb24(column, region, indicator, published=None):
    return Figure("85984NED", column, region, "2024", indicator, published, "totaal")


FIGURES = [
    # RIVM 50090NED "Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)", Perioden 2020JJ00, 18+, MW00000.
    # PROVENANCE entry 3: NL01 ErvarenGezondheidGoedZeerGoed 78.4; GM0363 Eenzaam 53.2, Mantelzorger 9.5,
    # Vrijwilligerswerk 17.0, MoeiteMetRondkomen 24.3.
    rivm("ErvarenGezondheidGoedZeerGoed_4", "NL01", "2020", "ervaren_gezondheid_goed", 78.4),
    rivm("Eenzaam_28", "GM0363", "2020", "eenzaam", 53.2),
    rivm("Mantelzorger_32", "GM0363", "2020", "mantelzorger", 9.5),
    rivm("Vrijwilligerswerk_33", "GM0363", "2020", "vrijwilligerswerk", 17.0),
    rivm("MoeiteMetRondkomen_38", "GM0363", "2020", "moeite_met_rondkomen", 24.3),
    # same table, other figures of Nederland, Utrecht (GM0344) and Groningen (GM0014), 2020
    rivm("HeelVeelStressInAfgelopen4Weken_26", "NL01", "2020", "veel_stress"),  # "(heel) veel stress", ~18 % in NL
    rivm("MatigVeelRegieOverEigenLeven_27", "NL01", "2020", "regie_eigen_leven"),
    rivm("Vrijwilligerswerk_33", "NL01", "2020", "vrijwilligerswerk"),
    rivm("Mantelzorger_32", "NL01", "2020", "mantelzorger"),
    rivm("Eenzaam_28", "NL01", "2020", "eenzaam"),
    rivm("ErnstigZeerErnstigEenzaam_29", "NL01", "2020", "ernstig_eenzaam"),
    rivm("HoogRisicoOpAngstOfDepressie_25", "NL01", "2020", "angst_depressie_hoog"),
    rivm("WekelijkseSporters_6", "NL01", "2020", "wekelijks_sporten"),
    rivm("VoldoetAanBeweegrichtlijn_5", "NL01", "2020", "voldoet_beweegrichtlijn"),
    rivm("BeperktVanwegeGezondheid_17", "NL01", "2020", "beperkt_door_gezondheid"),
    rivm("MoeiteMetRondkomen_38", "GM0344", "2020", "moeite_met_rondkomen"),
    rivm("Vrijwilligerswerk_33", "GM0344", "2020", "vrijwilligerswerk"),
    rivm("HeelVeelStressInAfgelopen4Weken_26", "GM0344", "2020", "veel_stress"),
    rivm("Eenzaam_28", "GM0014", "2020", "eenzaam"),
    rivm("ErvarenGezondheidGoedZeerGoed_4", "GM0014", "2020", "ervaren_gezondheid_goed"),
    rivm("Eenzaam_28", "GM0363", "2020", "eenzaam", age="65+"),  # the 65+ age group (Leeftijd 80200)
    # RIVM 50090NED wave 2016 (PROVENANCE entry 11): NL01 18+ 2016 ErvarenGezondheidGoedZeerGoed 75.2, Eenzaam 43.4,
    # MoeiteMetRondkomen 19.2; GM0363 MoeiteMetRondkomen 2016 29.0.
    rivm("ErvarenGezondheidGoedZeerGoed_4", "NL01", "2016", "ervaren_gezondheid_goed", 75.2),
    rivm("Eenzaam_28", "NL01", "2016", "eenzaam", 43.4),
    rivm("MoeiteMetRondkomen_38", "NL01", "2016", "moeite_met_rondkomen", 19.2),
    rivm("MoeiteMetRondkomen_38", "GM0363", "2016", "moeite_met_rondkomen", 29.0),
    # RIVM 50150NED (indeling 2024), GoedErvarenGezondheid_4, 18+ (PROVENANCE entry 12): GM0363 2012 74.7,
    # 2016 74.2, 2020 78.4, 2022 67.1, 2024 72.3.
    *[Figure("50150NED", "GoedErvarenGezondheid_4", "GM0363", year, "goed_ervaren_gezondheid_trend", value,
             "18+", tuple(RIVM_18.items()))
      for year, value in (("2012", 74.7), ("2016", 74.2), ("2020", 78.4), ("2022", 67.1), ("2024", 72.3))],
    # KWB 2023 download file kwb-2023.xlsx (85618NED), PROVENANCE entry 9: NL00 a_inw 17,811,291; GM0363 918,117;
    # Rotterdam 663,900; 's-Gravenhage 562,839; Utrecht 367,947 (entry 10 too).
    kwb23("a_inw", "NL00", "inwoners", 17_811_291),
    kwb23("a_inw", "GM0363", "inwoners", 918_117),
    kwb23("a_inw", "GM0599", "inwoners", 663_900),
    kwb23("a_inw", "GM0518", "inwoners", 562_839),
    kwb23("a_inw", "GM0344", "inwoners", 367_947),
    # p_hh_li: households in the national lowest 40 % of household income (issue #8: NL 40.0, Utrecht 45.8,
    # Groningen 58.9); p_ink_li: income recipients in the national lowest 40 % of personal income (NL 40.0).
    kwb23("p_hh_li", "NL00", "huishoudens_laagste_40pct", 40.0),
    kwb23("p_hh_li", "GM0344", "huishoudens_laagste_40pct", 45.8),
    kwb23("p_hh_li", "GM0014", "huishoudens_laagste_40pct", 58.9),
    kwb23("p_ink_li", "NL00", "personen_laagste_inkomens", 40.0),
    kwb23("p_ink_li", "GM0344", "personen_laagste_inkomens"),
    kwb23("p_jz_tn", "NL00", "jeugdzorg"),          # % jongeren tot 23 jaar met jeugdzorg in natura
    kwb23("p_jz_tn", "GM0363", "jeugdzorg"),
    kwb23("p_wmo_t", "NL00", "wmo_per_1000"),        # Wmo-cliënten per 1 000 inwoners (CBS's own rate)
    kwb23("p_wmo_t", "GM0363", "wmo_per_1000"),
    kwb23("g_afs_hp", "GM0344", "afstand_huisarts"),  # average over all inhabitants, km
    kwb23("g_afs_kv", "NL00", "afstand_kinderdagverblijf"),
    # ratios we compute from the same file: 1000 * a_soz_wb / a_inw and 100 * a_1p_hh / a_hh
    kwb23("a_soz_wb", "GM0363", "bijstand_per_1000", denominator="a_inw", scale=1000),
    kwb23("a_soz_ww", "NL00", "ww_per_1000", denominator="a_inw", scale=1000),
    kwb23("a_1p_hh", "GM0344", "eenpersoonshuishoudens", denominator="a_hh", scale=100),
    # KWB 2024 (85984NED), PROVENANCE entries 2 and 8: GM0363 Amsterdam AantalInwoners 931,298
    kwb24("AantalInwoners_5", "GM0363", "inwoners", 931_298),
    kwb24("Koopwoningen_47", "GM0344", "koopwoningen"),
    kwb24("GemiddeldeWOZWaardeVanWoningen_39", "GM0014", "woz_waarde"),
    # Politie 47022NED, total of all offence types, year sums (PROVENANCE entry 13): GM0363 2024 = 82,331
    Figure("47022NED", "GeregistreerdeMisdrijven_1", "GM0363", "2024", "misdrijven_aantal", 82_331, "totaal"),
    # CBS 85163NED SES-WOA, Amsterdam 2019 (PROVENANCE entry 14): opleiding laag 20.8, middelbaar 29.8, hoog 49.5
    Figure("85163NED", "OpleidingsniveauLaag_1", "GM0363", "2019", "opleiding_laag", 20.8, "totaal"),
    Figure("85163NED", "OpleidingsniveauMiddelbaar_2", "GM0363", "2019", "opleiding_middelbaar", 29.8, "totaal"),
    Figure("85163NED", "OpleidingsniveauHoog_3", "GM0363", "2019", "opleiding_hoog", 49.5, "totaal"),
]


@lru_cache(maxsize=None)
def snapshot(table: str) -> pd.DataFrame:
    data = pd.read_parquet(SNAPSHOT_TABLES / table / "TypedDataSet.parquet")
    for col in data.columns:
        if pd.api.types.is_string_dtype(data[col]):
            data[col] = data[col].astype(str).str.strip()
    return data


def raw_value(f: Figure) -> float:
    data = snapshot(f.table)
    region_col = "gwb_code_10" if "gwb_code_10" in data.columns else "WijkenEnBuurten"
    rows = data[data[region_col] == f.raw_region]
    if "Perioden" in rows.columns:
        rows = rows[rows["Perioden"] == f"{f.period}JJ00"]
    for col, value in f.filters:
        rows = rows[rows[col] == value]
    assert len(rows) == 1, f
    value = float(rows.iloc[0][f.column])
    if f.denominator:
        value = f.scale * value / float(rows.iloc[0][f.denominator])
    return value


def test_at_least_forty_published_figures_across_tables_regions_and_years():
    assert len(FIGURES) >= 40
    assert len({f.table for f in FIGURES}) >= 6 and len({f.region for f in FIGURES}) >= 5
    assert len({f.period for f in FIGURES}) >= 5 and len({f.indicator for f in FIGURES}) >= 25


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f"{f.table}-{f.indicator}-{f.region}-{f.period}-{f.age}")
def test_figure_reaches_the_release_unchanged(figure, con):
    expected = raw_value(figure)
    if figure.published is not None:
        assert expected == pytest.approx(figure.published)  # the snapshot holds the published number
    rows = con.execute("""select value, table_id, boundary_year from mart_indicator_series
                          where region_code = ? and indicator_id = ? and period = ? and age_group = ?
                            and table_id = ?""",
                       [figure.region, figure.indicator, figure.period, figure.age, figure.table]).fetchall()
    assert len(rows) == 1, figure
    value, table_id, boundary_year = rows[0]
    assert value == pytest.approx(expected) and table_id == figure.table and boundary_year is not None


@pytest.fixture(scope="module")
def profiles(build_dir):
    out = {}
    for code in sorted({f.region for f in FIGURES}):
        region = queries.region(code, build_dir)
        gemeente = region["gemeente_code"] if isinstance(region["gemeente_code"], str) else None
        out[code] = profile_table(
            queries.profile(code, build_dir), queries.map_status(code, build_dir),
            queries.area_coverage(gemeente, build_dir), queries.catalogue(build_dir), queries.sources(build_dir),
            level=region["level"]).set_index("indicator_id")
    return out


def test_figures_of_the_shown_period_are_what_the_profile_shows(profiles):
    shown = 0
    for f in FIGURES:
        if f.age != "18+" and f.age != "totaal" or f.indicator not in profiles[f.region].index:
            continue
        row = profiles[f.region].loc[f.indicator]
        if str(row["period"]) != f.period or row["table_id"] != f.table:
            continue  # the profile shows a newer period or another table of this indicator
        assert row["value"] == pytest.approx(raw_value(f)), f
        assert pd.notna(row["boundary_year"]) and isinstance(row["table_title"], str) and row["table_title"]
        shown += 1
    assert shown >= 25
