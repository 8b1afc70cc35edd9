"""A figure keeps its source's precision: a whole distance reads '1,0 km' beside '1,3 km', never '1 km' (the
catalogue's `decimals`; format.UNIT_DECIMALS is the rule for a figure without an indicator), checked against the
source's own DataProperties and on a real profile; a rate of rounded counts is never finer than its rounding
interval (tests/test_indicator_precision.py has the other indicators and views)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from dashboard.core.format import UNIT_DECIMALS, fmt_number, fmt_value
from tests.conftest import page_text

ROOT = Path(__file__).resolve().parents[1]
# The one snapshot table that ships its DataProperties (CBS's column metadata, with `Decimals`).
DATA_PROPERTIES = ROOT / "data" / "snapshot" / "tables" / "85984NED" / "DataProperties.json"


def test_each_listed_unit_has_the_decimals_its_sources_publish(con):
    """Every catalogue indicator with a unit in UNIT_DECIMALS: each source stem's `Decimals` in the KWB 2024
    DataProperties equals the unit's decimals (a unit whose sources differ must not be listed)."""
    decimals = {re.sub(r"_\d+$", "", p["Key"]): p.get("Decimals") for p in json.loads(DATA_PROPERTIES.read_text())}
    rows = con.execute("select indicator_id, unit, columns from mart_catalogue where list_contains(?, unit)",
                       [list(UNIT_DECIMALS)]).fetchall()
    assert {unit for _, unit, _ in rows} == set(UNIT_DECIMALS)
    for indicator, unit, columns in rows:
        stems = {c["stem"] for c in json.loads(columns)}
        assert stems and all(decimals[s] == UNIT_DECIMALS[unit] for s in stems), (indicator, unit, stems)


def test_a_whole_distance_keeps_its_decimal_on_the_profile(release_app, con):
    """A real buurt whose distance to the huisarts is a whole number of km (KWB 2024): its block and the
    gemeente's figure beside it read with one decimal, as every other distance does."""
    code, value, gemeente = con.execute("""
        select region_code, value, gemeente_value from mart_profile
        where indicator_id = 'afstand_huisarts' and is_default_group and region_code like 'BU%'
          and value = round(value) and value > 0 and gemeente_value is not null
        order by region_code limit 1""").fetchone()
    at = release_app(regio=code)
    assert not at.exception
    html = page_text(at.main)
    assert fmt_value(value, "km") == f"{int(value)},0 km"
    assert f">{fmt_value(value, 'km')}<" in html and f">{int(value)} km<" not in html
    assert fmt_value(gemeente, "km") in html


def _kwb_2023_counts(code: str) -> tuple[float, float]:
    """(arbeidsongeschiktheidsuitkeringen, inwoners) of one region in the shipped KWB 2023 download file: the counts
    CBS rounded (uitkeringen to tens; inwoners of wijken and buurten to fives, of gemeenten exact)."""
    from pipelines.cache import read_table_cache
    data = read_table_cache(ROOT / "data" / "snapshot" / "tables" / "85618NED").data
    row = data[data["gwb_code_10"].astype(str).str.strip() == code].iloc[0]
    return float(row["a_soz_ao"]), float(row["a_inw"])


def test_a_rate_of_rounded_counts_shows_no_decimal_its_interval_does_not_support(con):
    """ao_per_1000 of a real buurt whose rounded counts allow a range 1 or more per 1 000 wide but within 10 % of
    the value (so not 'ongeveer'): shown without a decimal ('54', never '54,2'); of a real gemeente (exact inwoners,
    a range narrower than 1): with the catalogue's one decimal. The ranges are recomputed from the source's own
    counts: a count rounded to tens lies within 5 of it, inwoners of a buurt within 2."""
    from dashboard.core.format import value_text
    cols = "region_code, indicator_id, unit, value, round_lower, round_upper"
    buurt = con.execute(f"""select {cols} from mart_profile where indicator_id = 'ao_per_1000' and is_default_group
        and region_code like 'BU%' and round(value, 1) <> round(value)
        and greatest(value - round_lower, round_upper - value) <= 0.1 * value
        order by region_code limit 1""").fetchone()
    gemeente = con.execute(f"""select {cols} from mart_profile where indicator_id = 'ao_per_1000' and is_default_group
        and region_code like 'GM%' order by region_code limit 1""").fetchone()
    for found, small in ((buurt, True), (gemeente, False)):
        row = dict(zip(cols.split(", "), found)) | {"rounding": 10}
        count, inwoners = _kwb_2023_counts(row["region_code"])
        d = 2 if small else 0
        low, high = 1000 * (count - 5) / (inwoners + d), 1000 * (count + 4) / (inwoners - d)
        assert (high - low >= 1) == small, (row, low, high)
        shown = f"{fmt_number(row['value'], 0 if small else 1)} per 1 000 inwoners"
        assert value_text(row) == shown
        assert ("," in shown) != small
