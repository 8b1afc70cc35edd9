"""The features wired into 'Buurt in beeld' (and the Kaart), through AppTest on the real release: beter/slechter
dan verwacht, vergelijkbare buurten, trends, what residents name, and the gesprekskaart button.

The residents' store is a tmp DuckDB file; downloads are read back as the bytes the app serves."""
from __future__ import annotations

import base64
import json
import re

import duckdb
import numpy as np
import pytest
import shapely
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.bewoners import AssetStore, build_asset
from dashboard.core.format import fmt_value
from dashboard.profile.sections import EXPECTED_OPEN, TRENDS_OPEN
from dashboard.stats.view_peers import PEERS_OPEN
from tests.conftest import ROOT, page_text

APP = str(ROOT / "dashboard" / "app.py")
BUURT = "BU03440112"          # Oog in Al, Utrecht: RIVM values 2016 and 2020, expected values and peers
CLUB = "Speeltuinvereniging Oog in Al"
BENCH = "<img src=x onerror=alert(1)> Bankje"


@pytest.fixture()
def store_path(build_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    path = tmp_path / "user" / "bewonerskaart.duckdb"
    monkeypatch.setenv("BUURTBALANS_BEWONERSKAART_DB", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


@pytest.fixture()
def app(store_path):
    def make(page: str | None = None, **params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=180)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        return at.switch_page(page).run() if page else at
    return make


@pytest.fixture()
def served(monkeypatch) -> dict:
    """file name -> bytes of every file the app hands to the browser (download buttons)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files, original = {}, MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)
    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return files


class Here:
    """A locator that puts every point in Oog in Al (as the real one would for a point inside it)."""
    def locate(self, lon, lat):
        return BUURT


def seed(store_path) -> None:
    club = build_asset({"name": CLUB, "category": "verenigingen", "buurt_code": BUURT,
                        "description": "Speeltuin met vrijwilligers, open op woensdag."}, known_buurt_codes=[BUURT],
                       locator=None)
    bench = build_asset({"name": BENCH, "category": "plekken", "lon": 5.1035, "lat": 52.0855},
                        known_buurt_codes=[BUURT], locator=Here())
    AssetStore(store_path).add([club, bench])


def release_value(release_path, code: str, indicator: str) -> tuple[float, str]:
    with duckdb.connect(str(release_path), read_only=True) as con:
        return con.execute("select value, unit from mart_profile where region_code = ? and indicator_id = ? "
                           "and is_default_group", [code, indicator]).fetchone()


def open_trends(at) -> AppTest:
    """Open the lazy 'Ontwikkeling door de tijd' expander as a reader would (its charts compute only then)."""
    assert not [c for c in at.get("plotly_chart") if "-trend_" in c.proto.id]    # closed: nothing computed
    at.session_state[TRENDS_OPEN] = True
    return at.run()


def open_expected(at) -> AppTest:
    """Open the lazy 'Beter of slechter dan verwacht' expander as a reader would."""
    at.session_state[EXPECTED_OPEN] = True
    return at.run()


def trend_chart(at, code: str, indicator: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if re.search(f"-trend_{code}_{indicator}_", c.proto.id)]
    assert charts, f"no trend chart for {indicator}"
    return json.loads(charts[0].proto.spec)


def plain(values) -> list:
    """Plotly sends numeric arrays as {'dtype', 'bdata'} (base64); lists stay lists."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def text_of(at) -> str:
    return "\n".join([m.value for m in at.main.markdown] + [c.value for c in at.main.caption]
                     + [h.value for h in at.get("html")])


def test_buurt_profile_shows_expected_peers_trends_and_residents(app, store_path, release_path):
    seed(store_path)
    at = app(regio=BUURT)
    assert not at.exception
    heads = [s.value for s in at.main.subheader]
    assert heads == ["Beter of slechter dan verwacht?", "Vergeleken met vergelijkbare buurten",
                     "Ontwikkeling door de tijd", "Kracht en zorgen samen", "Bronnen"]
    # 'beter of slechter dan verwacht' sits below the fold: computed only once the reader opens it
    assert "op ‘Heeft moeite met rondkomen’" not in text_of(at)
    at = open_expected(at)
    assert not at.exception
    page = text_of(at)
    with duckdb.connect(str(release_path), read_only=True) as con:
        observed, expected, low, high, verdict = con.execute(
            "select observed, expected, pi_low, pi_high, verdict from mart_expected_values "
            "where region_code = ? and outcome_id = 'moeite_met_rondkomen'", [BUURT]).fetchone()
        peers = con.execute("select peer_name, peer_gemeente_name from mart_peer_buurten where region_code = ? "
                            "order by rank limit 2", [BUURT]).fetchall()
    pct = [fmt_value(v, "%") for v in (observed, expected, low, high)]
    word = "doet het" if verdict in ("beter dan verwacht", "slechter dan verwacht") else "scoort"
    assert (f"**Oog in Al** {word} {verdict} op ‘Heeft moeite met rondkomen’: geschat {pct[0]}; verwacht {pct[1]} "
            f"(95%-marge {pct[2]} – {pct[3]}).") in page
    # mart_peer_buurten, most similar first, with the median table (lazy: computed once the reader opens it)
    assert f"1. {peers[0][0]} ({peers[0][1]}); 2. {peers[1][0]} ({peers[1][1]})" in page
    assert not at.main.dataframe
    at.session_state[PEERS_OPEN] = True
    at.run()
    peers = at.main.dataframe[0].value
    assert "Vergelijkbare buurten (mediaan)" in peers.columns and "Doet vrijwilligerswerk (geschat)" in set(peers["Onderwerp"])
    # one line per series: vrijwilligerswerk 2016 -> 2020 (RIVM 50090NED), against Utrecht
    at = open_trends(at)
    assert not at.exception
    page = text_of(at)
    spec = trend_chart(at, BUURT, "vrijwilligerswerk")
    own = next(t for t in spec["data"] if t.get("name") == "Deze buurt")
    assert plain(own["x"]) == [2016, 2020] and plain(own["y"]) == [34.6, 31.6]
    assert any(t.get("name") == "Utrecht" for t in spec["data"])
    assert "2016 → 2020: van 34,6% naar 31,6%." in page
    # the residents' own items sit in the Kracht column, with counts per ABCD category
    kracht = next(c for c in at.main.columns if ">Kracht</div>" in page_text(c))
    kracht_html = "".join(h.value for h in kracht.get("html"))
    assert "Wat bewoners zelf noemen" in "".join(m.value for m in kracht.markdown)
    assert CLUB in kracht_html and "Verenigingen en initiatieven: <b>1</b>" in kracht_html
    assert "<img src=x" not in kracht_html and "&lt;img src=x" in kracht_html


def test_gemeente_profile_has_trends_and_says_why_there_are_no_peers(app):
    at = app(regio="GM0363")
    assert not at.exception
    heads = [s.value for s in at.main.subheader]
    assert "Ontwikkeling door de tijd" in heads
    assert "Beter of slechter dan verwacht?" not in heads and "Vergeleken met vergelijkbare buurten" not in heads
    assert any("rekenen we alleen voor buurten uit" in c.value and "Kies een buurt in Amsterdam" in c.value
               for c in at.main.caption)
    own = next(t for t in trend_chart(open_trends(at), "GM0363", "vrijwilligerswerk")["data"]
               if t.get("name") == "Deze gemeente")
    assert plain(own["x"]) == [2016, 2020] and plain(own["y"]) == [21.1, 17.0]
    assert "Nog niets genoemd voor deze plek." in text_of(at)


def test_a_broken_section_says_so_and_the_rest_renders(app, monkeypatch):
    from dashboard.stats import view_peers

    def broken(*args, **kwargs):
        raise RuntimeError("mart_peer_buurten is weg")
    monkeypatch.setattr(view_peers, "render_peer_benchmark", broken)
    at = app(regio=BUURT)
    assert not at.exception
    assert [i.value for i in at.main.info] == ["‘Vergelijkbare buurten’ kan nu niet worden getoond. De rest van "
                                               "deze pagina klopt wel."]
    heads = [s.value for s in at.main.subheader]
    assert "Ontwikkeling door de tijd" in heads and heads[-1] == "Bronnen"
    assert "mart_peer_buurten is weg" not in text_of(at)


def test_gesprekskaart_is_made_after_the_click_with_real_figures(app, store_path, release_path, served):
    seed(store_path)
    at = app(regio=BUURT)
    assert not at.get("download_button") and not any(str(n).startswith("gesprekskaart") for n in served)
    at.main.button(key=f"gesprekskaart_{BUURT}_maken").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download gesprekskaart (HTML)", "Download gesprekskaart (PDF)"]
    html = served["gesprekskaart-oog-in-al-bu03440112.html"].decode("utf-8")
    value, unit = release_value(release_path, BUURT, "vrijwilligerswerk")
    shown = fmt_value(value, unit)
    assert shown == "31,6%" and shown in page_text(at.main)   # the page shows it too
    assert "<h1>Oog in Al</h1>" in html or ">Oog in Al<" in html
    assert f"Ongeveer {shown} (geschat) van de volwassenen doet vrijwilligerswerk." in html
    assert "Wie doet nog niet mee, en waarom?" in html                # a prompt from the catalogue
    assert "RIVM, CBS · 50090NED" in html and CLUB in html
    assert "&lt;img src=x" in html and "<img src=x" not in html        # resident text is escaped
    # peers: the five most similar buurten and the page's median method
    with duckdb.connect(str(release_path), read_only=True) as con:
        first_peer = "{} ({})".format(*con.execute("select peer_name, peer_gemeente_name from mart_peer_buurten "
                                                   "where region_code = ? and rank = 1", [BUURT]).fetchone())
    assert first_peer in html and "in deze 5 buurten is de middelste waarde" in html
    assert "?regio=BU03440112" in html
    assert served["gesprekskaart-oog-in-al-bu03440112.pdf"][:5] == b"%PDF-"


def test_without_chromium_the_html_is_still_offered(app, served, monkeypatch):
    monkeypatch.setattr("dashboard.gesprekskaart.pdf.find_chromium", lambda: None)
    at = app(regio="GM0363")
    at.main.button(key="gesprekskaart_GM0363_maken").click().run()
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["Download gesprekskaart (HTML)"]
    assert "Chromium is niet geïnstalleerd" in at.main.info[0].value
    html = served["gesprekskaart-amsterdam-gm0363.html"].decode("utf-8")
    assert "Amsterdam" in html and "17,0%" in html                    # vrijwilligerswerk, RIVM 2020


def test_kaart_shows_residents_points_with_escaped_hover(app, store_path, release_path):
    seed(store_path)
    at = app("app_pages/kaart.py", regio=BUURT)
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    [layer] = [t for t in spec["data"] if t["type"] == "scattermap" and "customdata" in t]   # (+ its dark halo)
    names = {row[0]: row for row in layer["customdata"]}     # (title, body): one marker per place
    assert set(names) == {CLUB, "&lt;img src=x onerror=alert(1)&gt; Bankje"}
    assert "buurt is bepaald uit de coördinaten" in names["&lt;img src=x onerror=alert(1)&gt; Bankje"][1]
    assert "ergens in deze buurt" in names[CLUB][1] and "locatie bij benadering" in names[CLUB][1]
    assert layer["name"] == "Door bewoners genoemd: 2"
    assert layer["mode"] == "markers" and "text" not in layer      # no map text: it would fetch fonts
    with duckdb.connect(str(release_path), read_only=True) as con:
        shape = shapely.from_geojson(con.execute("select geometry from mart_region_shapes where region_code = ?",
                                                 [BUURT]).fetchone()[0])
    club = list(names).index(CLUB)
    assert shape.contains(shapely.Point(plain(layer["lon"])[club], plain(layer["lat"])[club]))   # placed inside its buurt
    assert any("wat bewoners zelf noemen op de Bewonerskaart (2 in dit gebied)" in c.value for c in at.main.caption)
    at.toggle(key="kaart_bewoners").set_value(False).run()
    assert not [t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if t["type"] == "scattermap"]


def test_kaart_items_in_one_buurt_without_a_place_share_one_marker_that_names_them_all(app, store_path):
    """Items with only a buurt code sit on one point inside that buurt: one marker that names each item, and a
    legend that says on how many places the items are, so no item hides under another and the count matches
    the dots."""
    seed(store_path)
    more = build_asset({"name": "Moestuin <De Kas>", "category": "plekken", "buurt_code": BUURT},
                       known_buurt_codes=[BUURT], locator=None)
    AssetStore(store_path).add([more])
    at = app("app_pages/kaart.py", regio=BUURT)
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    layer, = [t for t in spec["data"] if t["type"] == "scattermap" and "customdata" in t]
    halo, = [t for t in spec["data"] if t["type"] == "scattermap" and "customdata" not in t]
    assert layer["name"] == "Door bewoners genoemd: 3 (op 2 plekken)"
    assert len(plain(layer["lon"])) == len(plain(halo["lon"])) == 2
    shared, = [row for row in layer["customdata"] if row[0] == "2 dingen op deze plek"]
    assert f"<b>{CLUB}</b>" in shared[1] and "<b>Moestuin &lt;De Kas&gt;</b>" in shared[1]
    assert shared[1].count("locatie bij benadering") == 2
