"""Pure transforms on real rows of the shipped snapshot."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.cache import read_table_cache
from pipelines.catalogue import load_catalogue
from pipelines.transform import normalise_region_code, regions_from_table, strip_padding, table_to_long
from pipelines.values import SchemaError, key_stem, parse_values, resolve_column

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "tables"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def rivm():
    return read_table_cache(SNAPSHOT / "50090NED")


def test_key_stem_drops_only_the_numeric_suffix():
    assert key_stem("Vrijwilligerswerk_33") == "Vrijwilligerswerk"
    assert key_stem("k_65JaarOfOuder_12") == "k_65JaarOfOuder"
    assert key_stem("WijkenEnBuurten") == "WijkenEnBuurten"


def test_strip_padding_on_cbs_style_codes():
    df = pd.DataFrame({"WijkenEnBuurten": ["BU03630000  ", "GM0363    ", None], "x": [1.0, 2.0, 3.0]})
    out = strip_padding(df)
    assert out["WijkenEnBuurten"].tolist()[:2] == ["BU03630000", "GM0363"]
    assert pd.isna(out["WijkenEnBuurten"].iloc[2])


def test_parse_values_keeps_the_missing_reason():
    values, reason = parse_values(pd.Series(["12.5", ".", "", None, " 3 "], dtype=object))
    assert values.iloc[0] == 12.5 and values.iloc[4] == 3.0
    assert reason.tolist() == [None, "suppressed", "not_available", "not_available", None]


def test_parse_values_refuses_text_in_a_number_column():
    with pytest.raises(SchemaError, match="onverwachte waarde"):
        parse_values(pd.Series(["12", "veel"], dtype=object))


def test_renamed_suffix_resolves_by_stem(rivm):
    renamed = rivm.data.rename(columns={"Vrijwilligerswerk_33": "Vrijwilligerswerk_31"})
    props = [dict(p, Key="Vrijwilligerswerk_31") if p["Key"] == "Vrijwilligerswerk_33" else p
             for p in rivm.data_properties]
    cache = type(rivm)(rivm.table_id, renamed, props, rivm.table_infos, rivm.code_lists, rivm.fetch)
    assert resolve_column(cache, "Vrijwilligerswerk", download=False) == "Vrijwilligerswerk_31"


def test_a_stem_that_disappeared_is_a_readable_schema_error(rivm):
    with pytest.raises(SchemaError, match="Mantelzorg.*DataProperties"):
        resolve_column(rivm, "Mantelzorg", download=False)


def test_rivm_long_form_keeps_both_age_groups_with_18plus_default(rivm, catalogue):
    long = table_to_long(rivm, catalogue.tables["50090NED"], catalogue)
    ams = long[(long.region_code == "GM0363") & (long.indicator_id == "vrijwilligerswerk") & (long.period == "2020")]
    assert set(ams.age_group) == {"18+", "65+"}
    assert ams.loc[ams.is_default_group, "value"].tolist() == [17.0]
    nl = long[(long.region_code == "NL00") & (long.indicator_id == "ervaren_gezondheid_goed")]
    assert dict(zip(nl[nl.is_default_group].period, nl[nl.is_default_group].value)) == {"2016": 75.2, "2020": 78.4}


def test_download_file_and_ratio_sources(catalogue):
    cache = read_table_cache(SNAPSHOT / "85618NED")
    long = table_to_long(cache, catalogue.tables["85618NED"], catalogue)
    raw = cache.data.set_index("gwb_code_10").loc["GM0363"]
    got = long[(long.region_code == "GM0363")].set_index("indicator_id")["value"]
    assert got["huishoudens_laagste_40pct"] == raw["p_hh_li"]  # p_hh_li = landelijke 40% laagste huishoudensinkomens
    assert "huishoudens_laag_inkomen" not in got.index  # p_hh_lkk (lage-inkomensgrens) is not in the shipped file
    assert got["bijstand_per_1000"] == pytest.approx(1000 * raw["a_soz_wb"] / raw["a_inw"])
    assert long[long.region_code == "NL00"].set_index("indicator_id").loc["inwoners", "value"] == 17_811_291


def test_duplicate_rows_are_refused(rivm, catalogue):
    doubled = type(rivm)(rivm.table_id, pd.concat([rivm.data, rivm.data.head(3)]), rivm.data_properties,
                         rivm.table_infos, rivm.code_lists, rivm.fetch)
    with pytest.raises(SchemaError, match="dubbele rijen"):
        table_to_long(doubled, catalogue.tables["50090NED"], catalogue)


def test_margins_become_lower_and_upper(rivm, catalogue):
    sample = rivm.data[(rivm.data.WijkenEnBuurten == "GM0363") & (rivm.data.Perioden == "2020JJ00")]
    lower = sample.assign(Marges="MOG0095", Vrijwilligerswerk_33=sample.Vrijwilligerswerk_33 - 1.5)
    upper = sample.assign(Marges="MBG0095", Vrijwilligerswerk_33=sample.Vrijwilligerswerk_33 + 2.0)
    cache = type(rivm)(rivm.table_id, pd.concat([sample, lower, upper]), rivm.data_properties,
                       rivm.table_infos, rivm.code_lists, rivm.fetch)
    long = table_to_long(cache, catalogue.tables["50090NED"], catalogue)
    row = long[(long.indicator_id == "vrijwilligerswerk") & long.is_default_group].iloc[0]
    assert (row.value, row.lower, row.upper) == (17.0, 15.5, 19.0)


def _cbs_code_rule(code: str) -> tuple[str | None, str | None, str | None]:
    """(level, gemeente code, wijk code) of a region code, one code at a time: the oracle for the vectorised
    regions_from_table. GMxxxx / WKxxxxyy / BUxxxxyyzz carry the gemeente in characters 3-6."""
    level = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(code[:2])
    return (level, None if level in (None, "land") else "GM" + code[2:6],
            "WK" + code[2:8] if level == "buurt" else None)


@pytest.mark.parametrize("table_id", ["85984NED", "50090NED", "47022NED"])
def test_regions_follow_the_cbs_code_rules_row_by_row(catalogue, table_id):
    """regions_from_table works on whole columns; every row obeys the code rule checked one code at a time,
    once per code, and codes of no known level are left out."""
    cache = read_table_cache(SNAPSHOT / table_id)
    regions = regions_from_table(cache, catalogue.tables[table_id])
    codes = {normalise_region_code(c) for c in cache.data["WijkenEnBuurten"].dropna()}
    expected = {c for c in codes if _cbs_code_rule(c)[0] is not None}
    assert regions["region_code"].is_unique and set(regions["region_code"]) == expected
    for row in regions.itertuples():
        got = tuple(v if isinstance(v, str) else None for v in (row.level, row.gemeente_code, row.wijk_code))
        assert got == _cbs_code_rule(row.region_code), row
    assert (regions.loc[regions["level"] == "land", "name"] == "Nederland").all()


def test_hierarchy_from_codes(catalogue):
    regions = regions_from_table(read_table_cache(SNAPSHOT / "85984NED"), catalogue.tables["85984NED"])
    regions = regions.set_index("region_code")
    assert tuple(regions.loc["BU0363AA01", ["level", "gemeente_code", "wijk_code"]]) == ("buurt", "GM0363", "WK0363AA")
    assert regions.loc["WK0363AA", "level"] == "wijk" and pd.isna(regions.loc["WK0363AA", "wijk_code"])
    rivm = regions_from_table(read_table_cache(SNAPSHOT / "50090NED"), catalogue.tables["50090NED"])
    nl = rivm.set_index("region_code").loc["NL00"]   # KWB 2024 has no NL row; RIVM's "NL01  " becomes NL00
    assert nl["level"] == "land" and nl["name"] == "Nederland" and pd.isna(nl["gemeente_code"])


def test_regions_carry_names_and_boundary_year(catalogue):
    cache = read_table_cache(SNAPSHOT / "85984NED")
    regions = regions_from_table(cache, catalogue.tables["85984NED"]).set_index("region_code")
    assert regions.loc["BU0363AA01", "name"] == "Planciusbuurt-Noord"
    assert regions.loc["BU0363AA01", "boundary_year"] == 2024
    assert regions.loc["GM0363", "level"] == "gemeente"
