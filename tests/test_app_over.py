"""'Over de data' through AppTest: catalogue, sources, boundary joins, recipes and the database download."""
from functools import partial

import pytest

from dashboard.core.escaping import md_escape


@pytest.fixture()
def over(release_app):
    return partial(release_app, "app_pages/over_de_data.py")


def test_catalogue_and_sources_are_complete(over, con):
    at = over()
    assert not at.exception
    catalogue, sources = at.main.dataframe[0].value, at.main.dataframe[1].value
    assert len(catalogue) == con.execute("select count(*) from mart_catalogue").fetchone()[0]
    row = catalogue.set_index("Code").loc["vrijwilligerswerk"]
    assert row["Kant"] == "Kracht" and row["Geschat"].startswith("ja") and row["Brontabel(len)"] == "50090NED"
    assert catalogue.set_index("Code").loc["misdrijven_per_1000", "Getoond"] == "achter 'Meer cijfers'"
    assert set(sources["Tabel"]) == {r[0] for r in con.execute("select table_id from mart_sources").fetchall()}
    assert {"Licentie", "Naamsvermelding", "Opgehaald"} <= set(sources.columns)


def test_boundary_joins_missing_values_and_shapes_are_explained(over, con):
    at = over()
    text = "\n".join(m.value for m in at.main.markdown)
    joined, total = con.execute("select buurten_joined, buurten_total from mart_sources "
                                "where table_id = '50090NED'").fetchone()
    assert f"{joined:,}".replace(",", ".") + " van de " + f"{total:,}".replace(",", ".") in text
    assert "**Geheim**" in text and "Niet in de meegeleverde gegevens" in text
    assert "**benadering**" in text
    assert "migratieachtergrond" in text
    assert "'Afgerond 0 (0 tot 4)'" in " ".join(text.split())      # the map's own class for a rounded 0


def test_cbsodata_recipe_follows_the_chosen_indicator_and_region(over):
    at = over(regio="BU0363AA01", indicator="vrijwilligerswerk")
    code = at.main.code[0].value
    assert 'cbsodata.options.catalog_url = "dataderden.cbs.nl"' in code
    assert 'cbsodata.get_data(\n    "50090NED"' in code and "BU0363AA01" in code
    at.main.selectbox[0].select("bijstand_per_1000").run()
    assert '"85618NED"' in at.main.code[0].value


def test_a_link_with_an_unknown_indicator_says_so(over):
    at = over(indicator="ervaren_gezondheid")            # not a catalogue id (the id is ervaren_gezondheid_goed)
    assert not at.exception
    notes = [i.value for i in at.main.info if "De link vraagt" in i.value]
    assert len(notes) == 1 and f"‘{md_escape('ervaren_gezondheid')}’ voor het onderwerp" in notes[0]
    assert '"50090NED"' in at.main.code[0].value          # the default: vrijwilligerswerk
    assert not [i for i in over(indicator="vrijwilligerswerk").main.info if "De link vraagt" in i.value]


def test_database_download_is_lazy(over, release_path):
    at = over()
    button = at.get("download_button")[-1]  # the database download is the last one on the page
    assert button.label == "Download de database (DuckDB)"
    text = "\n".join(m.value for m in at.main.markdown)
    assert release_path.name in text and " MB)" in text


def test_division_joins_are_counted_per_table_with_refused_codes_for_download(over, con):
    at = over()
    text = "\n".join(m.value for m in at.main.markdown)
    assert "Zelfde code, zelfde gebied?" in [s.value for s in at.main.subheader]
    assert "Tegenbewijs" in text
    table = next(d.value for d in at.main.dataframe if "Geweigerd" in d.value.columns)
    expected = con.execute("""select table_id, level, refused, names_compared from mart_division_joins
                              where boundary_year <> current_division""").fetchall()
    got = table.set_index(["Tabel", "Niveau"])
    for table_id, level, refused, names in expected:
        row = got.loc[(table_id, {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}[level])]
        assert row["Geweigerd"] == refused
        assert (row["Namen vergeleken"] == "–") == (names == 0)
    n_refused = con.execute("select count(*) from mart_division_refused").fetchone()[0]
    labels = [b.label for b in at.get("download_button")]
    assert f"Download de {n_refused:,} geweigerde koppelingen (CSV)".replace(",", ".") in labels


def test_source_definitions_stand_beside_ours(over, con):
    at = over()
    assert not at.exception
    definitions = next(d.value for d in at.main.dataframe if "Omschrijving bij de bron" in d.value.columns)
    assert len(definitions) == con.execute("select count(*) from mart_definitions").fetchone()[0]
    row = definitions[(definitions["Kolom"] == "p_hh_li")].iloc[0]
    assert row["Onderwerp"] == "Huishoudens in de landelijke 40% laagste inkomens"
    assert "landelijke 40% huishoudens met het laagste" in row["Omschrijving bij de bron"]
    assert row["Herkomst"].startswith("DataProperties 85984NED")
    text = "\n".join(m.value for m in at.main.markdown)
    assert "te weinig inwoners voor een betrouwbaar cijfer" in text and "0 of onbekend" in text


def test_a_table_without_buurten_is_not_counted_as_0_van_de_0_buurtcodes(over, con):
    """The Kiesraad counts have gemeenten only (mart_sources.buurten_total = 0): the boundary list says so instead
    of '0 van de 0 buurtcodes bestaan ook in 2024'."""
    gemeente_only = [t for (t,) in con.execute("select table_id from mart_sources where buurten_total = 0").fetchall()]
    assert "kiesraad_ps2023" in gemeente_only
    text = "\n".join(m.value for m in over().main.markdown)
    assert "0 van de 0 buurtcodes" not in text
    for table_id in gemeente_only:
        assert f"({table_id}, indeling " in text and "alleen cijfers per gemeente, geen buurten" in text


def test_refused_codes_download_opens_in_a_dutch_spreadsheet(release_path):
    """The refused joins' CSV was comma-separated with a decimal point, no BOM and 'True'/'False': a Dutch Excel
    put each row in one cell and read RIVM's estimate 80.2 as 802. Now as every other download: ';', decimal
    comma, UTF-8 with BOM, 'ja'/'nee'; read back it holds the release's own numbers."""
    import io

    import duckdb
    import pandas as pd

    from dashboard.divisions import about
    with duckdb.connect(str(release_path), read_only=True) as con:
        frame = con.execute("select * from mart_division_refused order by table_id, region_code").df()
    data = about.refused_csv(frame)
    assert data.startswith("\ufeff".encode("utf-8"))
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[:3] == ["tabel", "indeling", "code"] and "," not in header
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"code": str})
    assert len(back) == len(frame) and set(back["namen_vergeleken"]) <= {"ja", "nee"}
    estimates = frame["estimate_then"].notna()
    assert estimates.sum() > 0 and any(v != round(v) for v in frame.loc[estimates, "estimate_then"])   # the case
    assert back["schatting_oude_indeling"].tolist() == pytest.approx(frame["estimate_then"].tolist(), nan_ok=True)
