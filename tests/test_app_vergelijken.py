"""'Vergelijken' through AppTest: charts per lens, the table, and downloads that equal the table."""
from functools import partial

import io

import pandas as pd
import pytest

from tests.conftest import ROOT

PAGE = "app_pages/vergelijken.py"


@pytest.fixture()
def app(release_app):
    return partial(release_app, PAGE)


def test_two_gemeenten_side_by_side(app):
    at = app(vergelijk="GM0363,GM0344")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    assert [s.value for s in at.main.header][:2] == ["Kracht", "Zorgen"]
    table = at.main.dataframe[0].value
    assert list(table.columns) == ["Kant", "Onderwerp", "Amsterdam (GM0363)", "Utrecht (GM0344)", "Eenheid",
                                   "Periode", "Geschat", "Bron", "Toelichting"]
    row = table.set_index("Onderwerp").loc["Doet vrijwilligerswerk"]
    assert row["Amsterdam (GM0363)"] == pytest.approx(17.0) and row["Kant"] == "Kracht"
    assert table["Kant"].iloc[0] == "Kracht" and set(table["Kant"]) == {"Kracht", "Zorgen"}
    assert "misdrijven" not in " ".join(table["Onderwerp"]).lower()


@pytest.fixture()
def served(monkeypatch) -> dict:
    """file name -> bytes of every file the app hands to the browser (download buttons) during the test."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files, original = {}, MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)
    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


def test_downloads_hold_exactly_the_shown_table(app, served):
    at = app(vergelijk="BU0363AA01,GM0363,GM0344")
    shown = at.main.dataframe[0].value
    names = [b.label for b in at.get("download_button")]
    assert names == ["Download als CSV", "Download als Parquet"]
    name = "buurtbalans-vergelijking-bu0363aa01-gm0363-gm0344"
    csv = pd.read_csv(io.BytesIO(served[f"{name}.csv"]), sep=";", decimal=",", encoding="utf-8-sig")
    parquet = pd.read_parquet(io.BytesIO(served[f"{name}.parquet"]))
    for back in (csv, parquet):
        assert list(back.columns) == list(shown.columns) and len(back) == len(shown)
        pd.testing.assert_series_equal(back["Amsterdam (GM0363)"], shown["Amsterdam (GM0363)"],
                                       check_dtype=False)
    pd.testing.assert_frame_equal(parquet, shown)
    assert shown["Planciusbuurt-Noord (BU0363AA01)"].isna().sum() > 0   # missing stays empty, not 0


def test_a_rounded_zero_is_explained_beside_the_numbers(app, con):
    """A 0 computed from a count CBS rounded to 0 stays 0 in the number column (the CSV stays numeric), and the
    row's Toelichting says it means 0 to 4 with the rate's upper bound (a buurt of the release with such a 0)."""
    code, name, label = con.execute("""select p.region_code, r.name, p.label from mart_profile p
        join mart_regions r using (region_code) join indicators i using (indicator_id)
        where p.region_code like 'BU%' and p.is_default_group and p.landing and p.value = 0 and i.rounding > 0
          and p.round_upper > 0 and p.lens in ('asset', 'problem') order by p.region_code limit 1""").fetchone()
    at = app(vergelijk=f"{code},GM{code[2:6]}")
    table = at.main.dataframe[0].value.set_index("Onderwerp")
    assert table.loc[label, f"{name} ({code})"] == 0
    note = table.loc[label, "Toelichting"]
    assert note.startswith(f"{name}: 0 = 0 tot ") and "per 1 000 inwoners" in note and "aantal is 0 tot 4" in note
    assert (table["Toelichting"] == "").sum() > 0   # rows without a rounded 0 have no note
    assert any("zie de kolom Toelichting" in c.value for c in at.main.caption)
    # no dot for the rounded 0 (a dot at 0 called it the lowest of all buurten, which thousands share), the gemeente
    # keeps its dot, and the caption says why the buurt has none
    import base64
    import json

    import numpy as np
    dots = {}
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("mode") == "markers":
                xs = trace["x"]   # plotly.py sends numpy as a base64 typed array
                xs = np.frombuffer(base64.b64decode(xs["bdata"]), dtype=xs["dtype"]) if isinstance(xs, dict) else xs
                for y, x, hover in zip(trace["y"], xs, trace["hovertext"]):
                    if x is not None and x == x:   # a NaN x draws no dot
                        dots[(trace["name"], y.replace("<br>", " "))] = (x, hover)
    gemeente = [n for (n, y) in dots if y == label and n != name]
    assert (name, label) not in dots and gemeente, sorted(k for k in dots if k[1] == label)
    assert len(dots) > 20 and not any("hoger dan 0%" in h for _, h in dots.values())
    captions = " ".join(c.value for c in at.main.caption)
    why = captions.split("Geen stip bij een afgerond 0 (", 1)[1].split(")", 1)[0]
    assert why.startswith(f"{name}: ") and f"‘{label}’" in why and "0 tot 4 geteld" in captions


def test_a_buurt_can_be_compared_with_its_most_similar_buurten(app, con):
    peers = con.execute("select peer_name || ' (' || peer_code || ')' from mart_peer_buurten "
                        "where region_code = 'BU03440112' order by rank limit 3").fetchall()
    at = app(vergelijk="BU03440112,GM0344")
    assert not at.exception
    offer = at.main.button(key="vergelijk_peers")
    assert offer.label == "Vergelijk Oog in Al met de 3 buurten die er het meest op lijken"
    offer.click().run()
    assert not at.exception
    cols = list(at.main.dataframe[0].value.columns)
    # mart_peer_buurten of Oog in Al, most similar first
    assert cols[2:6] == ["Oog in Al (BU03440112)", *(name for (name,) in peers)]   # most similar first
    assert any("buurten die het meest op Oog in Al lijken" in c.value for c in at.main.caption)


def test_defaults_to_chosen_region_and_its_gemeente(app):
    at = app(regio="BU0363AA01")
    assert not at.exception
    cols = list(at.main.dataframe[0].value.columns)
    assert "Planciusbuurt-Noord (BU0363AA01)" in cols and "Amsterdam (GM0363)" in cols


def test_garbage_codes_are_left_out_with_a_notice(app):
    at = app(vergelijk="GM0363,XX99,<b>hoi</b>,GM0344")
    assert not at.exception
    assert "Niet gevonden en weggelaten" in at.main.warning[0].value and "<b>" not in at.main.warning[0].value
    assert len(at.get("plotly_chart")) == 2


def test_a_former_gemeente_is_named_as_one(app, con):
    """GM1685 (Landerd, a gemeente in the 2020 division, merged since) in a compare link read only 'Niet gevonden
    en weggelaten: GM1685', where the profile and the search say what it was (search.former_note)."""
    name, year = con.execute("select name, boundary_year from mart_former_gemeenten where region_code = 'GM1685'"
                             ).fetchone()
    at = app(vergelijk="gm1685,GM0363,GM0344")
    assert not at.exception and len(at.get("plotly_chart")) == 2
    warning = at.main.warning[0].value
    assert "Niet gevonden en weggelaten: gm1685." in warning
    assert f"{name} was een gemeente in de indeling van {year} (code GM1685), maar is dat nu niet meer" in warning


def test_add_and_remove_regions(app):
    at = app(vergelijk="GM0363")
    assert "Kies minstens twee plekken" in at.main.info[0].value
    at.main.text_input(key="zoek_vergelijk").input("utrecht").run()
    at.main.button(key="zoek_vergelijk_hit_GM0344").click().run()
    assert not at.exception and len(at.get("plotly_chart")) == 2
    at.main.button(key="weg_GM0344").click().run()
    assert "Kies minstens twee plekken" in at.main.info[0].value


def test_hover_names_the_base_of_each_figure(app):
    """Every dot's hover says what the figure is counted over, in the catalogue's own words: the shares of
    50090NED are 'Deel van de volwassenen ...' (pipelines/catalogue.toml), so '% van de volwassenen'."""
    import json
    import tomllib

    at = app(vergelijk="GM0363,GM0344")
    catalogue = {i["id"]: i for i in tomllib.loads((ROOT / "pipelines" / "catalogue.toml").read_text())["indicator"]}
    seen = 0
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("mode") != "markers":
                continue
            for shown, hover in zip(trace["y"], trace["hovertext"]):
                seen += 1
                label = shown.replace("<br>", " ")   # a long label is drawn on lines of its own (charts.LABEL_CHARS)
                found = [i for i in catalogue.values() if i["label"] == label]
                assert found, label
                unit, description = found[0]["unit"], found[0]["description"]
                base = hover.split("<br>", 1)[1]
                assert base.startswith(f"{label}, in {unit}"), hover
                if unit == "%" and description.startswith("Deel van de volwassenen"):
                    assert base == f"{label}, in % van de volwassenen", hover
    assert seen >= 20


def test_a_link_with_more_than_four_places_names_what_is_left_out(app):
    """?vergelijk= with five gemeenten (one twice), incl. the Waddeneiland Ameland and 's-Hertogenbosch: four are
    compared and the fifth is named as left out (it was dropped silently)."""
    at = app(vergelijk="GM0363,GM0363,GM0344,GM0796,GM1900,GM0060")
    assert not at.exception
    table = at.main.dataframe[0].value
    assert [c for c in table.columns if "(GM" in c] == ["Amsterdam (GM0363)", "Utrecht (GM0344)",
                                                        "'s-Hertogenbosch (GM0796)", "Súdwest-Fryslân (GM1900)"]
    warning = " ".join(w.value for w in at.main.warning)
    assert "hoogstens 4 plekken" in warning and "Ameland" in warning and "Amsterdam" not in warning
    at = app(vergelijk=",".join(["GM0363", "GM0344"] + ["x"] * 20))
    assert not at.exception
    assert "de laatste 10 delen van de link zijn niet gelezen" in " ".join(w.value for w in at.main.warning)


def test_a_wijk_or_gemeente_among_buurten_and_a_row_without_dots_are_explained(app, con):
    """Schiermonnikoog (gemeente) beside 1e Exloërmond (wijk): their dots place an area's average among buurt
    figures, which the caption says; the opkomst (a gemeente-only figure: no buurt has it in mart_map_values) has a
    figure in the table but no dot, and the caption names it. Two buurten get neither note."""
    (buurt_values,) = con.execute("select count(*) from mart_map_values where indicator_id = 'opkomst_ps' "
                                  "and level = 'buurt' and value is not null").fetchone()
    (label,) = con.execute("select label from mart_catalogue where indicator_id = 'opkomst_ps'").fetchone()
    assert buurt_values == 0
    at = app(vergelijk="GM0088,WK168179")
    assert not at.exception
    table = at.main.dataframe[0].value.set_index("Onderwerp")
    assert table.loc[label, "Schiermonnikoog (GM0088)"] > 0
    captions = " ".join(c.value for c in at.main.caption)
    assert "bij Schiermonnikoog en 1e Exloërmond staat het cijfer van het hele gebied" in captions
    assert f"Zonder stip: ‘{label}’" in captions
    at = app(vergelijk="BU00880000,BU03440111")
    assert not at.exception
    captions = " ".join(c.value for c in at.main.caption)
    assert "hele gebied" not in captions and "Zonder stip" not in captions


def test_the_table_writes_each_figure_as_the_app_does(app, con):
    """The numbers stay numbers (CSV, Parquet, sorting), but each is shown with a decimal comma and its unit's
    precision: a gemeente whose distance to the huisarts is a whole number of km (mart_profile) reads '1,0' beside
    '0,9', where the browser's own format showed '1' beside '0.9'. Missing stays '–'."""
    import pyarrow as pa
    code, value = con.execute("""select region_code, value from mart_profile
        where indicator_id = 'afstand_huisarts' and is_default_group and region_code like 'GM%' and value = round(value)
        order by region_code limit 1""").fetchone()
    at = app(vergelijk=f"{code},BU00930418")
    assert not at.exception
    element = at.main.dataframe[0]
    numbers = element.value.set_index("Onderwerp")
    shown = pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()
    shown.index = numbers.index
    column = next(c for c in numbers.columns if c.endswith(f"({code})"))
    assert numbers.at["Afstand tot huisarts", column] == pytest.approx(value)      # still a number
    assert shown.at["Afstand tot huisarts", column] == f"{int(value)},0"
    assert shown.at["Doet vrijwilligerswerk", column] in ("–",) or "," in shown.at["Doet vrijwilligerswerk", column]
    other = next(c for c in numbers.columns if c.endswith("(BU00930418)"))
    assert numbers[other].isna().any() and (shown.loc[numbers[other].isna(), other] == "–").all()


def test_a_row_of_figures_from_different_years_says_which_is_which(app, con):
    """KWB 2024 has no row for Nederland: a buurt's 2024 distance beside Nederland's 2023 one is one row whose
    Periode reads '2023 / 2024'; the Toelichting names each place's year (and table), so every number keeps its
    period. And the Kracht rows all come before the Zorgen rows (the gemeente-only turnout came after Zorgen)."""
    code, name = con.execute("""select region_code, name from mart_regions where level = 'buurt' and inwoners >= 1000
                                order by region_code limit 1""").fetchone()
    at = app(vergelijk=f"{code},NL00")
    assert not at.exception
    table = at.main.dataframe[0].value
    assert list(table["Kant"]) == sorted(table["Kant"], key=["Kracht", "Zorgen"].index)
    places = {f"{name} ({code})": code, "Nederland (NL00)": "NL00"}
    mixed = table[table["Periode"].str.contains(" / ")]
    assert len(mixed) >= 3   # the KWB distances at least
    for _, row in mixed.iterrows():
        for column, place in places.items():
            period, table_id = con.execute("""select period, table_id from mart_profile where region_code = ?
                                              and label = ? and is_default_group""", [place, row["Onderwerp"]]).fetchone()
            assert f"{column.split(' (')[0]}: {period} ({table_id})" in row["Toelichting"], row["Onderwerp"]
    single = table[~table["Periode"].str.contains(" / ")]
    assert not single["Toelichting"].str.contains(r": 20\d\d \(").any()   # one period: no per-place year
    assert any("welk jaar bij welke plek hoort" in c.value for c in at.main.caption)


def test_the_caption_names_what_the_table_writes_for_no_figure(app):
    """Buitengebied West (Leeuwarden, about 5 inwoners) beside its gemeente: most of its cells have no figure. The
    table writes those as '–' (compare.shown_table), so the caption must say '–', not 'Leeg = geen cijfer'."""
    import pyarrow as pa
    at = app(vergelijk="BU00804110,GM0080")
    assert not at.exception
    element = at.main.dataframe[0]
    shown = pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()
    column = list(element.value.columns).index("Buitengebied West (BU00804110)")
    missing = element.value["Buitengebied West (BU00804110)"].isna().to_numpy()
    assert missing.sum() > 10 and set(shown.iloc[missing, column]) == {"–"}
    caption = " ".join(c.value for c in at.main.caption)
    assert "– = geen cijfer voor die plek" in caption and "Leeg = geen cijfer" not in caption
