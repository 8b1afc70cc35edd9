"""A figure keeps its unit's precision: a whole distance reads '1,0 km' beside '1,3 km', never '1 km'
(format.UNIT_DECIMALS), checked against the source's own DataProperties and on a real profile."""
from __future__ import annotations

import json
import re
from pathlib import Path

from dashboard.core.format import UNIT_DECIMALS, fmt_value

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
    html = "\n".join(m.value for m in at.main.markdown)
    assert fmt_value(value, "km") == f"{int(value)},0 km"
    assert f">{fmt_value(value, 'km')}<" in html and f">{int(value)} km<" not in html
    assert fmt_value(gemeente, "km") in html
