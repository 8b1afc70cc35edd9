"""The cbsodata recipe under "Over de data" (dashboard/core/cbsodata_recipe.py), on the shipped catalogue."""
import pytest

from dashboard.core import queries
from dashboard.core.cbsodata_recipe import cbsodata_snippet
from pipelines.catalogue import load_catalogue


@pytest.mark.parametrize("indicator_id", ["vrijwilligerswerk", "bijstand_per_1000", "misdrijven_aantal", "inwoners"])
def test_cbsodata_snippet_is_valid_python(build_dir, indicator_id):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    code = cbsodata_snippet(cat.loc[indicator_id].to_dict(), load_catalogue().tables, "BU0363AA01",
                                    set(queries.sources(build_dir)["table_id"]))
    compile(code, indicator_id, "exec")
    assert "substringof('BU0363AA01', WijkenEnBuurten)" in code


def test_cbsodata_snippet_uses_the_right_catalog(build_dir):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    tables = load_catalogue().tables
    rivm = cbsodata_snippet(cat.loc["vrijwilligerswerk"].to_dict(), tables)
    assert 'catalog_url = "dataderden.cbs.nl"' in rivm and '"50090NED"' in rivm and "Leeftijd eq '20300'" in rivm
    kwb = cbsodata_snippet(cat.loc["bijstand_per_1000"].to_dict(), tables)
    assert 'catalog_url = "opendata.cbs.nl"' in kwb and "1000 * data[kolom1] / (data[kolom2])" in kwb
    derived = cbsodata_snippet(cat.loc["misdrijven_per_1000"].to_dict(), tables)
    assert derived.startswith("# Dit cijfer is afgeleid: misdrijven_aantal / inwoners")


def test_education_snippet_prefers_a_table_in_this_release(build_dir):
    cat = queries.catalogue(build_dir).set_index("indicator_id", drop=False)
    code = cbsodata_snippet(cat.loc["opleiding_laag"].to_dict(), load_catalogue().tables, "GM0363",
                                    set(queries.sources(build_dir)["table_id"]))
    assert '"85163NED"' in code
