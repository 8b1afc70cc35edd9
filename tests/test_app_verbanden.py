"""Page 'Verbanden' through Streamlit's AppTest on the real release: what is shown equals dashboard.stats."""
from __future__ import annotations

from functools import partial

import base64
import io
import json
import re
import time
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.core.format import fmt_number
from dashboard.stats import fit_expected, fit_relation
from dashboard.stats.deviance import BETTER, WORSE
from dashboard.stats.relations import MAX_CONTROLS
from dashboard.stats.charts import fmt_estimate, fmt_sig

PAGE = "app_pages/verbanden.py"
X, Y = "huishoudens_laagste_40pct", "ervaren_gezondheid_goed"


@pytest.fixture()
def downloads(monkeypatch) -> dict[str, bytes]:
    """Capture what each download button would hand out (AppTest keeps no media files)."""
    captured: dict[str, bytes] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):
        captured[kwargs.get("key") or label] = data
        return real(label, data, *args, **kwargs)
    monkeypatch.setattr(st, "download_button", spy)
    return captured


@pytest.fixture()
def app(release_app):
    return partial(release_app, PAGE, timeout=300, run_first=False)


class _Tables(HTMLParser):
    """The tables of st.html elements (core.html_table), each as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None


def html_tables(at) -> list[pd.DataFrame]:
    """Every HTML table on the page (st.html), its cells as shown (text)."""
    parser = _Tables()
    for h in at.get("html"):
        parser.feed(h.value)
    return [pd.DataFrame(rows[1:], columns=rows[0]) for rows in parser.tables if rows]


def frame(at, column: str) -> pd.DataFrame:
    """The first table on the page with this column: a dataframe, else an HTML table (text cells)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    return found[0] if found else next(t for t in html_tables(at) if column in t)


def row(table: pd.DataFrame, name: str) -> pd.Series:
    return table[table["Onderdeel"] == name].iloc[0]


def figure(at, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def values(array) -> np.ndarray:
    """A plotly JSON array: a plain list, or plotly's typed base64 form {'dtype', 'bdata'}."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def texts(at) -> str:
    return "\n".join([m.value for m in at.main.markdown] + [c.value for c in at.main.caption]
                     + [i.value for i in at.main.info] + [w.value for w in at.main.warning])


def test_gemeente_relation_equals_fit_relation(app, buurt_wide, downloads):
    at = app(regio="GM0344")
    assert not at.exception
    assert at.radio(key="verband_soort").value == "Eén gemeente"
    assert at.selectbox(key="verband_gemeente").value == "GM0344"
    table = frame(at, "Onderdeel")
    fit = fit_relation(buurt_wide, X, Y, scope_codes=buurt_wide.index[buurt_wide["gemeente_code"] == "GM0344"])
    x_row = row(table, "Huishoudens in de landelijke 40% laagste inkomens (x)")
    est = fmt_estimate(fit.coef, fit.ci_low, fit.ci_high)
    assert (x_row["Schatting"], x_row["95%-BI laag"], x_row["95%-BI hoog"]) == est
    assert abs(float(x_row["Schatting"].replace(",", ".")) - fit.coef) < 5e-3
    assert abs(float(x_row["Schatting"].replace(",", ".")) - fit.coef) <= (fit.ci_high - fit.ci_low) / 20
    assert row(table, "Aantal buurten in de berekening (n)")["Schatting"] == str(fit.n_used) == "104"
    assert row(table, "Weggelaten: buurten met een ontbrekende waarde")["Schatting"] == str(fit.n_missing)
    assert "tabel 85618NED, 2023, indeling 2023" in x_row["Bron"]
    assert "tabel 50090NED" in row(table, "Uitkomst (y): Ervaart gezondheid als goed")["Bron"]
    page = texts(at)
    assert "Provincies zitten niet in deze gegevens" in page and "niet over mensen" in page
    assert (f"104 van de {fmt_number(fit.n_used + fit.n_missing)} buurten in gemeente Utrecht" if fit.n_missing
            else "104 buurten in gemeente Utrecht") in page
    scatter = figure(at)
    points = next(t for t in scatter["data"] if t.get("name") == "Buurten")
    assert len(values(points["x"])) == fit.n_used
    np.testing.assert_allclose(np.sort(values(points["x"])), np.sort(fit.points["x"]))
    # the download is the table as shown
    pd.testing.assert_frame_equal(csv(downloads["verband_csv"]), table.astype(str))


def test_all_nl_ols_and_wls(app, buurt_wide):
    at = app(regio="BU03440111")
    start = time.perf_counter()
    at.radio(key="verband_soort").set_value("Heel Nederland").run()
    elapsed = time.perf_counter() - start
    assert not at.exception and at.query_params["gebied"] == "NL"
    fit = fit_relation(buurt_wide, X, Y)
    table = frame(at, "Onderdeel")
    assert row(table, "Huishoudens in de landelijke 40% laagste inkomens (x)")["Schatting"] == fmt_estimate(fit.coef, fit.ci_low, fit.ci_high)[0]
    assert row(table, "Aantal buurten in de berekening (n)")["Schatting"] == fmt_number(fit.n_used)   # 9.769
    assert fit.n_used > 8_000
    assert elapsed < 120  # one run of the page with the all-NL fit, on a loaded test machine
    chosen = [t for t in figure(at)["data"] if str(t.get("name", "")).startswith("Gekozen:")]
    assert chosen and chosen[0]["customdata"][0][0] == "Welgelegen, Den Hommel"

    at.toggle(key="verband_gewogen").set_value(True).run()
    weighted = fit_relation(buurt_wide, X, Y, weights="inwoners")
    table = frame(at, "Onderdeel")
    assert row(table, "Huishoudens in de landelijke 40% laagste inkomens (x)")["Schatting"] == fmt_estimate(weighted.coef, weighted.ci_low,
                                                                                          weighted.ci_high)[0]
    assert "WLS, gewogen naar inwoners" in row(table, "R²")["Bron"]


def test_controls_give_an_added_variable_plot(app, buurt_wide):
    at = app(regio="GM0344")
    at.multiselect(key="verband_controls").select("aandeel_65plus").select("bevolkingsdichtheid").run()
    assert not at.exception
    scope = buurt_wide.index[buurt_wide["gemeente_code"] == "GM0344"]
    fit = fit_relation(buurt_wide, X, Y, controls=["aandeel_65plus", "bevolkingsdichtheid"], scope_codes=scope)
    table = frame(at, "Onderdeel")
    assert row(table, "Huishoudens in de landelijke 40% laagste inkomens (x)")["Schatting"] == fmt_estimate(fit.coef, fit.ci_low, fit.ci_high)[0]
    age = row(table, "Inwoners van 65 jaar of ouder (rekening mee gehouden)")
    term = fit.terms.iloc[2]
    assert age["Schatting"] == fmt_estimate(term["coef"], term["ci_low"], term["ci_high"])[0]
    partial = figure(at, 1)
    assert any(str(t.get("name", "")).startswith("Helling") for t in partial["data"])
    assert f"Helling {fmt_estimate(fit.coef, fit.ci_low, fit.ci_high)[0]}" in [t.get("name") for t in partial["data"]]


def test_buurt_with_a_missing_value_is_named_not_drawn(app, buurt_wide):
    code = "BU03440133"  # Bedrijventerrein Lageweide: no figure for low-income households
    assert pd.isna(buurt_wide.loc[code, X]) and pd.notna(buurt_wide.loc[code, Y])
    at = app(regio=code)
    assert not at.exception
    assert at.selectbox(key="verband_gemeente").value == "GM0344"
    assert "Bedrijventerrein Lageweide staat niet in de grafiek: er ontbreekt een cijfer (Huishoudens in de " \
           "landelijke 40% laagste inkomens)" in texts(at)
    assert not [t for t in figure(at)["data"] if str(t.get("name", "")).startswith("Gekozen:")]


def test_bright_spots_are_outside_the_interval_and_never_the_worse_ones(app, buurt_wide, downloads):
    at = app(regio="GM0344")
    scope = buurt_wide.index[buurt_wide["gemeente_code"] == "GM0344"]
    for outcome, direction in (("ervaren_gezondheid_goed", "higher_is_better"), ("eenzaam", "lower_is_better")):
        if outcome != "ervaren_gezondheid_goed":
            at.selectbox(key="verwacht_uitkomst").set_value(outcome).run()
        assert not at.exception
        res = fit_expected(buurt_wide, outcome, direction=direction, scope_codes=scope)
        better = set(res.buurten.index[res.buurten["flag"] == BETTER])
        worse = set(res.buurten.index[res.buurten["flag"] == WORSE])
        table = frame(at, "Buurt")
        assert set(table["Code"]) == better and not set(table["Code"]) & worse
        observed = table.iloc[:, 3]
        if direction == "higher_is_better":
            assert (observed > table["Marge verwachting: hoog"]).all()
        else:
            assert (observed < table["Marge verwachting: laag"]).all()
        assert "Doet vrijwilligerswerk (%, geschat)" in table.columns
        page = texts(at)
        assert "Waar kunnen we van leren?" in page and f"n = {fmt_number(res.n)}" in page
        assert WORSE not in page  # no list, nor any line, of buurten that do worse
        shown = csv(downloads["verwacht_csv"])
        assert list(shown.columns) == list(table.columns) and list(shown["Code"]) == list(table["Code"])
        assert shown.iloc[:, 3].str.replace(",", ".").astype(float).tolist() == observed.tolist()


def shown_cells(at, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(numbers, display texts) of the first dataframe with this column: what the browser writes in each cell."""
    import pyarrow as pa
    element = next(d for d in at.dataframe if column in d.value.columns)
    shown = pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()
    shown.index = element.value.index
    return element.value, shown


def test_verbanden_tables_write_each_figure_at_its_decimals(app, con):
    """Aziëbuurt (Delft): its peers' distances at 2 decimals ('0,30', where the browser's 'localized' format
    wrote '0,3' beside '0,29'); 'Beter dan verwacht' in all NL: a whole figure keeps its decimal ('3,0' km,
    '59,0%'), as everywhere in the app. The numbers stay numbers (sorting, the CSV)."""
    at = app(regio="BU05032204")
    assert not at.exception
    numbers, shown = shown_cells(at, "Afstand")
    stored = con.execute("select distance from mart_peer_buurten where region_code = 'BU05032204' order by rank"
                         ).fetchdf()["distance"]
    assert numbers["Afstand"].tolist() == stored.round(2).tolist()
    assert any(round(d, 2) * 10 == round(round(d, 2) * 10) for d in stored)          # the case: a 0,30
    assert shown["Afstand"].tolist() == [f"{d:.2f}".replace(".", ",") for d in stored.round(2)]
    at.radio(key="verband_soort").set_value("Heel Nederland").run()
    assert not at.exception
    numbers, shown = shown_cells(at, "Verwacht")
    values = [c for c in numbers.columns if c not in ("Buurt", "Gemeente", "Code")]
    whole = [(i, c) for c in values for i in numbers.index
             if pd.notna(numbers.at[i, c]) and numbers.at[i, c] == round(numbers.at[i, c])]
    assert whole, "the case: whole figures in the list"
    for i, c in whole:
        assert shown.at[i, c] == f"{int(numbers.at[i, c])},0", (c, shown.at[i, c])
    assert all(shown.at[i, c] == "–" for c in values for i in numbers.index if pd.isna(numbers.at[i, c]))


def test_bright_spots_list_no_column_that_no_buurt_has(build_dir):
    """'Beter dan verwacht' in all NL listed 'Getelde stemmen als deel van de kiesgerechtigden' beside the buurten,
    a figure that exists per gemeente only: '–' in every row and every CSV line. Every Kracht column has a value."""
    from dashboard.stats import charts, queries as stats_queries
    catalogue, buurt_wide = stats_queries.indicators(build_dir), stats_queries.buurt_wide(build_dir)
    meta = catalogue.set_index("indicator_id")
    assert "opkomst_ps" in buurt_wide.columns and buurt_wide["opkomst_ps"].isna().all()   # the case
    res = fit_expected(buurt_wide, Y, direction="higher_is_better", labels=meta["label"].to_dict())
    table = charts.bright_spots_table(res, buurt_wide, catalogue, charts.asset_ids(catalogue, buurt_wide))
    assert len(table) > 0 and not [c for c in table.columns if table[c].isna().all()]
    assert not [c for c in table.columns if c.startswith(str(meta.at["opkomst_ps", "label"]))]
    assert "Doet vrijwilligerswerk (%, geschat)" in table.columns


def test_an_empty_bright_spots_list_is_not_called_deze_buurten(app, buurt_wide):
    """Delft: no buurt lies clearly above its expected 'Ervaart gezondheid als goed'; the text above the empty list
    began 'Deze buurten doen het duidelijk beter ...'. With a list (Utrecht) it still does."""
    scope = buurt_wide.index[buurt_wide["gemeente_code"] == "GM0503"]
    res = fit_expected(buurt_wide, Y, direction="higher_is_better", scope_codes=scope)
    assert not (res.buurten["flag"] == BETTER).any()                            # the case, from the release
    at = app(regio="GM0503")
    assert not at.exception
    page = texts(at)
    assert "Deze buurten doen het" not in page and "Hier staan de buurten die het **duidelijk beter**" in page
    assert "Geen buurt ligt duidelijk (buiten de 95%-marge) boven de verwachting." in page
    at = app(regio="GM0344")
    assert "Deze buurten doen het **duidelijk beter**" in texts(at)


def test_the_model_count_has_a_thousands_separator_in_all_nl(app, buurt_wide):
    """'162 van de 9.769 buurten in heel Nederland doen het duidelijk beter dan verwacht (R² = 0,58, n = 9769)':
    the same count twice, once without its separator. Now 'n = 9.769' (fmt_number), as everywhere else."""
    res = fit_expected(buurt_wide, Y, direction="higher_is_better")
    assert res.n >= 1000                                                          # the case
    at = app(gebied="NL")
    assert not at.exception
    page = texts(at)
    assert f"n = {fmt_number(res.n)})" in page and f"n = {res.n})" not in page


def test_peer_tab_explains_and_lists_the_chosen_buurts_peers(app, con):
    at = app(regio="BU03440111")
    stored = con.execute("""select peer_name from mart_peer_buurten where region_code = 'BU03440111'
                            order by rank""").fetchdf()["peer_name"].tolist()
    assert frame(at, "Rang")["Buurt"].tolist() == stored
    variables = frame(at, "Zo meegenomen")
    assert "Inwoners" in variables["Kenmerk"].tolist() and variables["Bron"].str.contains("tabel").all()
    assert "euclidische afstand" in texts(at)


def test_without_a_region_the_page_covers_all_of_nl(app):
    at = app()
    assert not at.exception
    assert at.radio(key="verband_soort").value == "Heel Nederland"
    assert "Kies een buurt in de zijbalk" in texts(at)


@pytest.mark.parametrize("params, scope", [({"gebied": "NL"}, None), ({"regio": "GM0344"}, "GM0344"),
                                           ({"regio": "GM0096"}, "GM0096")])
def test_only_indicators_with_buurt_values_in_the_area_are_offered(app, con, params, scope):
    """Counts straight from the release (mart_buurt_wide): an indicator is offered for x, y and the controls
    only when at least 5 buurten in the area have a value; gemeente-only opkomst never is, and is named."""
    at = app(**params)
    assert not at.exception
    visible = dict(con.execute("select indicator_id, label from mart_catalogue where not hidden").fetchall())
    columns = {r[0] for r in con.execute("describe mart_buurt_wide").fetchall()}
    where = "" if scope is None else f"where gemeente_code = '{scope}'"
    counts = {i: (con.execute(f'select count("{i}") from mart_buurt_wide {where}').fetchone()[0]
                  if i in columns else 0) for i in visible}
    expected = {i for i, n in counts.items() if n >= 5}
    if len(expected) < 2:   # a gemeente of fewer than 5 buurten (Vlieland): a plain message, no empty choice
        assert "te weinig buurten cijfers om een verband te tonen" in texts(at)
        assert not [s for s in at.selectbox if s.key == "verband_x"]
        return
    offered = at.selectbox(key="verband_x").options
    assert len(offered) == len(expected)
    assert all(any(o.split(" · ", 1)[-1].removesuffix(" (geschat)") == visible[i] for o in offered) for i in expected)
    assert not any("Opkomst" in o for o in offered) and counts["opkomst_ps"] == 0
    assert at.multiselect(key="verband_controls").options == offered
    if len(expected) < len(visible):
        assert "Sommige cijfers bestaan alleen per gemeente" in texts(at)
        assert visible["opkomst_ps"].split(" (")[0] in texts(at)
    assert "Te weinig buurten" not in texts(at)


def test_a_link_with_an_axis_that_is_not_offered_says_so(app):
    """?x= names no indicator offered here: the page says so (escaped) and uses the default axis; a valid y is
    kept. Changing the area afterwards writes the URL itself, and no link note comes back."""
    at = app(x="opkomst<script>", y="ervaren_gezondheid_goed", gebied="GM0344")
    assert not at.exception
    notes = [i.value for i in at.main.info if "De link vraagt" in i.value]
    assert len(notes) == 1 and f"‘{md_escape('opkomst<script>')}’ voor de x-as" in notes[0], notes
    assert at.selectbox(key="verband_y").value == "ervaren_gezondheid_goed"
    at.radio(key="verband_soort").set_value("Heel Nederland").run()
    assert not at.exception and not [i for i in at.main.info if "De link vraagt" in i.value]


def test_counts_in_the_model_texts_have_a_thousands_separator(con):
    """'Lineair model over 9.769 buurten', '3.185 buurten doen niet mee' (as '11.271 buurten' elsewhere on the
    page), not '9769': the texts the release stores for the profile and Verbanden (mart_stats_models, written by
    dashboard.stats at build time) and their counts n / n_excluded."""
    rows = con.execute("select model, n, n_excluded, explanation from mart_stats_models").fetchall()
    assert any(n >= 1000 for _, n, _, _ in rows) and any(k >= 1000 for _, _, k, _ in rows)
    for model, n, n_excluded, text in rows:
        if model == "peers":
            assert f"{fmt_number(n_excluded)} buurten doen niet mee" in text, text
        else:
            assert f"Lineair model over {fmt_number(n)} buurten" in text, text


def test_scatter_hover_names_a_rounded_0_as_its_range(build_dir):
    """Utrecht's buurten with a bijstand count CBS rounded to 0 sit at x = 0 on the scatter; their hover says
    '0 tot 15 per 1 000 inwoners (...)', never '0,0' (catalogue rounding of bijstand_per_1000 > 0, values from mart_buurt_wide)."""
    from dashboard.core.format import value_text
    from dashboard.stats import charts, queries as stats_queries
    catalogue, buurt_wide = stats_queries.indicators(build_dir), stats_queries.buurt_wide(build_dir)
    meta = catalogue.set_index("indicator_id").loc["bijstand_per_1000"]
    assert meta["rounding"] > 0
    scope = buurt_wide.index[buurt_wide["gemeente_code"] == "GM0344"]
    res = fit_relation(buurt_wide, "bijstand_per_1000", "eenzaam", scope_codes=scope)
    trace = next(t for t in charts.scatter_figure(res, buurt_wide, catalogue).data if t.name == "Buurten")
    xs = np.asarray(trace.x, dtype=float)
    assert (xs == 0).sum() >= 1, "Utrecht has buurten with a rounded 0 for bijstand"
    shown = {str(c[2]) for c, x in zip(trace.customdata, xs) if x == 0}
    assert shown == {value_text({"value": 0.0, "unit": meta["unit"], "rounding": meta["rounding"]})}
    assert "%{customdata[2]}" in trace.hovertemplate and "%{x:" not in trace.hovertemplate


def test_scatter_band_and_line_stay_within_what_a_share_can_be(build_dir):
    """Heerde's 9 buurten with both figures: the 95% band of the line for 'Ervaart gezondheid als goed' (a share)
    reached 115% at the edge, and the y-axis showed 110. The band is clipped to 0-100% (deviance.possible, as on
    'Beter dan verwacht'), and where the line itself would leave that range it is not drawn."""
    from dashboard.stats import charts, queries as stats_queries
    catalogue, buurt_wide = stats_queries.indicators(build_dir), stats_queries.buurt_wide(build_dir)
    assert catalogue.set_index("indicator_id").at[Y, "unit"] == "%"
    scope = buurt_wide.index[buurt_wide["gemeente_code"] == "GM0246"]
    res = fit_relation(buurt_wide, X, Y, scope_codes=scope)
    assert res.line["ci_high"].max() > 100 or res.line["ci_low"].min() < 0, "the case: a band past the range"
    figure = charts.scatter_figure(res, buurt_wide, catalogue)
    for trace in figure.data:
        if trace.name in ("95%-betrouwbaarheidsband", "Lijn door de buurten"):
            ys = np.asarray(trace.y, dtype=float)
            assert np.nanmin(ys) >= 0 and np.nanmax(ys) <= 100, (trace.name, np.nanmin(ys), np.nanmax(ys))
    line = next(t for t in figure.data if t.name == "Lijn door de buurten")
    assert np.isfinite(np.asarray(line.y, dtype=float)).sum() >= 2   # the line inside the range is still drawn


def test_an_estimate_shown_as_0_is_neither_hoger_nor_lager(build_dir):
    """Heerde: the slope of 'Ervaart gezondheid als goed' on the low-income share is 0,03 with an interval of
    -0,5 tot 0,6, shown at one decimal as 0; the sentence said 'gemiddeld 0 procentpunt hoger'."""
    from dashboard.stats import charts, queries as stats_queries
    catalogue, buurt_wide = stats_queries.indicators(build_dir), stats_queries.buurt_wide(build_dir)
    res = fit_relation(buurt_wide, X, Y, scope_codes=buurt_wide.index[buurt_wide["gemeente_code"] == "GM0246"])
    assert fmt_estimate(res.coef, res.ci_low, res.ci_high)[0] == "0"   # the case
    sentence = charts.relation_sentence(res, catalogue)
    assert "gemiddeld niet hoger of lager (afgerond 0 procentpunt)." in sentence, sentence
    assert not re.search(r"gemiddeld -?0 \w+ (hoger|lager)", sentence), sentence


def test_few_buurten_estimate_and_interval_share_one_coarse_precision(app, buurt_wide):
    """BU00341807 (Lumière park, Almere; a wijk with few buurten): the sentence and the table give the slope and
    its interval one precision, set by the interval's width (2 significant digits), not 3 digits each."""
    at = app(regio="BU00341807")
    assert not at.exception
    page = texts(at)
    sentence = next(m for m in page.splitlines() if "95%-betrouwbaarheidsinterval" in m)
    table = frame(at, "Onderdeel")
    x_row = next(r for _, r in table.iterrows() if str(r["Onderdeel"]).endswith("(x)"))
    shown = (x_row["Schatting"], x_row["95%-BI laag"], x_row["95%-BI hoog"])
    decimals = {len(s.split(",")[1]) if "," in s else 0 for s in shown if s != "0"}
    assert len(decimals) == 1, shown                      # one shared precision
    low, high = (float(s.replace(",", ".")) for s in shown[1:])
    width = high - low
    # 2 significant digits of the width: the last shown decimal is at width's second digit, never finer
    assert 10 ** -decimals.pop() >= abs(width) / 100, shown
    assert f"{shown[1]} tot {shown[2]}" in sentence and shown[0].lstrip("-") in sentence
    n = int(re.search(r"\*\*(\d+) (van de [\d.]+ )?buurten in", page)[1])
    assert n < 30  # few buurten: the case the review found ('-0,702 tot 0,0215' on 6 buurten)


def test_fmt_estimate_shares_the_interval_width_precision():
    # the review's numbers (6 buurten): '-0,340 ... -0,702 tot 0,0215' becomes '-0,34 (-0,70 tot 0,02)'
    assert fmt_estimate(-0.3402, -0.7024, 0.0215) == ("-0,34", "-0,70", "0,02")
    assert fmt_estimate(12.345, 3.1, 21.6) == ("12", "3", "22")          # width 18.5: whole numbers
    assert fmt_estimate(0.001234, -0.00003, 0.0025) == ("0,0012", "0", "0,0025")
    assert fmt_estimate(1.0, 1.0, 1.0) == (fmt_sig(1.0),) * 3              # no width: fmt_sig each


def test_a_relation_says_who_is_left_out_different_years_and_model_estimates(app, con):
    """Súdwest-Fryslân, income (KWB 2023) against health (RIVM 2020, geschat): more than half of its buurten lack a
    figure, the two come from different years and health is a model estimate; each is said beside the result.
    Expected figures from the release: mart_buurt_wide (buurten with both figures), mart_buurt_wide_sources
    (period per figure), mart_catalogue (label, modelled)."""
    total, used = con.execute(f"""select count(*), count(*) filter ({X} is not null and {Y} is not null)
                                  from mart_buurt_wide where gemeente_code = 'GM1900'""").fetchone()
    periods = dict(con.execute(f"select indicator_id, period from mart_buurt_wide_sources "
                               f"where indicator_id in ('{X}', '{Y}')").fetchall())
    labels = dict(con.execute(f"select indicator_id, label from mart_catalogue where indicator_id in ('{X}', '{Y}')")
                  .fetchall())
    modelled = dict(con.execute(f"select indicator_id, modelled from mart_catalogue "
                                f"where indicator_id in ('{X}', '{Y}')").fetchall())
    assert total - used > total / 4 and periods[X] != periods[Y] and modelled[Y] and not modelled[X]
    at = app(regio="GM1900")
    assert not at.exception
    page = texts(at)
    assert "Lees dit erbij" in page
    assert f"{fmt_number(total - used)} van de {fmt_number(total)} buurten in gemeente Súdwest-Fryslân" in page
    assert f"‘{labels[X]}’ {periods[X]}" in page and f"‘{labels[Y]}’ {periods[Y]}" in page
    assert f"‘{labels[Y]}’ is een schatting van RIVM/CBS" in page and f"‘{labels[X]}’ is een schatting" not in page


def test_a_relation_of_two_counted_figures_of_one_year_needs_no_extra_notes(app, con):
    """Utrecht, distance to the huisarts against distance to a supermarket (both KWB 2024, counted, few buurten
    without a figure): no caveat beyond the ecological one."""
    x, y = "afstand_huisarts", "afstand_supermarkt"
    (n_periods,) = con.execute(f"select count(distinct period) from mart_buurt_wide_sources "
                               f"where indicator_id in ('{x}', '{y}')").fetchone()
    (n_modelled,) = con.execute(f"select count(*) filter (modelled) from mart_catalogue "
                                f"where indicator_id in ('{x}', '{y}')").fetchone()
    total, used = con.execute(f"""select count(*), count(*) filter ({x} is not null and {y} is not null)
                                  from mart_buurt_wide where gemeente_code = 'GM0344'""").fetchone()
    assert n_periods == 1 and n_modelled == 0 and total - used <= total / 4
    at = app(regio="GM0344", x=x, y=y)
    assert not at.exception
    relation = at.tabs[0]   # the relation's tab ('Beter dan verwacht' has its own notes: its outcome is an estimate)
    page = "\n".join([m.value for m in relation.markdown] + [i.value for i in relation.info])
    assert "95%-betrouwbaarheidsinterval" in page and "niet over mensen" in page
    assert "Lees dit erbij" not in page


def test_a_relation_over_few_buurten_says_so(app, con):
    """Valkenswaard: 16 of 20 buurten have both figures. A line through so few buurten can be moved by one of
    them; 'Lees dit erbij' says how many it rests on (below stats.relation_notes.SMALL_N), as it does not for
    Utrecht's 104."""
    (used,) = con.execute(f"select count(*) filter ({X} is not null and {Y} is not null) from mart_buurt_wide "
                          "where gemeente_code = 'GM0858'").fetchone()
    assert 5 <= used < 20
    page = texts(app(regio="GM0858"))
    assert f"Het verband rust op maar {used} buurten." in page and "Lees dit erbij" in page
    assert "Het verband rust op maar" not in texts(app(regio="GM0344"))


def test_a_link_whose_axis_is_not_offered_still_shows_a_relation(app, con):
    """Land van Cuijk (formed 2022) has no buurt figures in the RIVM 2020 tables: a link with y=eenzaam, and the
    default y, are not offered there. The fallback was the first offered figure, the link's own x, so the page
    showed only 'Kies twee verschillende cijfers'. Now y falls back to another offered figure."""
    (n,) = con.execute("select count(eenzaam) from mart_buurt_wide where gemeente_code = 'GM1982'").fetchone()
    assert n < 5
    at = app(gebied="GM1982", x="afstand_huisarts", y="eenzaam")
    assert not at.exception
    x, y = at.selectbox(key="verband_x").value, at.selectbox(key="verband_y").value
    assert x == "afstand_huisarts" and y != x
    assert "Kies twee verschillende cijfers." not in texts(at) and "‘eenzaam’" in texts(at)
    assert at.get("plotly_chart")


def test_an_empty_link_value_is_named_as_empty(app):
    """'?x=&y=%20' (a link cut short): the note said "De link vraagt om ‘’ voor de x-as"; now it says the link gives
    no value, and the page shows the defaults."""
    at = app(gebied="GM0050", x="", y=" ")
    assert not at.exception
    page = texts(at)
    assert "‘’" not in page
    assert "De link geeft geen waarde voor de x-as." in page and "De link geeft geen waarde voor de y-as." in page


def test_beter_dan_verwacht_for_all_nl_says_who_is_left_out(app, con):
    """Heel Nederland: a third of the buurten lack the outcome or a background figure, and the list rests on the
    rest. The footnote counted them; the page now says it beside the result ('Lees dit erbij'), as the relation
    tab does. Counted in mart_buurt_wide over the outcome and the model's variables (mart_stats_models)."""
    outcome = "ervaren_gezondheid_goed"
    (variables,) = con.execute("select any_value(variables) from mart_stats_models where model = 'expected'").fetchone()
    missing = " or ".join(f"{v} is null" for v in [outcome, *variables.split(",")])
    total, left_out = con.execute(f"select count(*), count(*) filter ({missing}) from mart_buurt_wide").fetchone()
    assert left_out > total / 4
    at = app(gebied="NL", uitkomst=outcome)
    assert not at.exception
    page = texts(at)
    assert (f"**Lees dit erbij:**\n- {fmt_number(left_out)} van de {fmt_number(total)} buurten in heel Nederland "
            f"({round(100 * left_out / total)}%) doen niet mee") in page
    assert "De verwachting is berekend met alleen de buurten met alle cijfers." in page


@pytest.mark.parametrize("outcome", ["ervaren_gezondheid_goed", "eenzaam"])
def test_beter_dan_verwacht_on_an_estimate_says_the_estimate_used_income_and_age(app, con, outcome):
    """Every outcome of 'Beter dan verwacht' is an RIVM estimate, modelled per buurt from residents'
    characteristics such as age and income, the expectation's own background. A buurt can then be 'beter dan
    verwacht' through other characteristics that model used, not through anything done in the buurt: said under
    'Lees dit erbij' (the relation tab said the like; this tab did not), also where no buurt is left out."""
    label, modelled = con.execute("select label, modelled from mart_catalogue where indicator_id = ?",
                                  [outcome]).fetchone()
    assert modelled
    for where in ("NL", "GM0344"):
        page = texts(app(gebied=where, uitkomst=outcome))
        assert f"- ‘{label}’ is een schatting van RIVM/CBS. Het rekenmodel schat het cijfer per buurt uit " in page
        assert "Een buurt kan daardoor ‘beter dan verwacht’ zijn door andere kenmerken van de bewoners" in page


def test_beter_dan_verwacht_names_the_background_its_model_really_used(app, con):
    """Noardeast-Fryslân: fewer than 80% of its buurten with a health figure have an income or a 65+ figure, so the
    expectation rests on density alone; the page said 'op grond van inkomen, leeftijd, dichtheid' all the same.
    Coverage read from mart_buurt_wide; Utrecht, where all three are covered, keeps the full sentence."""
    outcome = "ervaren_gezondheid_goed"
    income = ("personen_laagste_inkomens", "huishoudens_laagste_40pct", "inkomen_per_inwoner")

    def coverage(gemeente: str, column: str) -> float:
        return con.execute(f"""select avg(({column} is not null)::int) from mart_buurt_wide
                               where gemeente_code = ? and {outcome} is not null""", [gemeente]).fetchone()[0]
    assert max(coverage("GM1970", c) for c in income) < 0.8 and coverage("GM1970", "aandeel_65plus") < 0.8
    assert coverage("GM0344", income[0]) >= 0.8 and coverage("GM0344", "aandeel_65plus") >= 0.8
    at = app(gebied="GM1970")
    assert not at.exception
    page = texts(at)
    assert "op grond van hun achtergrond (dichtheid)" in page and "inkomen, leeftijd" not in page
    assert "Inkomen en leeftijd zitten hier niet in de verwachting: in gemeente Noardeast-Fryslân" in page
    assert "alleen als het deel 65-plussers" not in page
    at = app(gebied="GM0344")
    assert not at.exception
    page = texts(at)
    assert "op grond van hun achtergrond (inkomen, leeftijd en dichtheid)" in page
    assert "zitten hier niet in de verwachting" not in page and "alleen als het deel 65-plussers" in page


@pytest.mark.parametrize("area, scope, x, y", [("GM1992", "gemeente Voorne aan Zee", X, "afstand_huisarts"),
                                               ("NL", "heel Nederland", X, Y)])
def test_the_buurten_left_out_are_counted_beside_the_result_in_every_scope(app, con, area, scope, x, y):
    """Heel Nederland named its left-out buurten under 'Lees dit erbij' (over a quarter), Voorne aan Zee its 12 of
    70 only in the table caption. One rule now: the result's first words say how many of how many buurten, and
    that the others miss a figure; the caveat beyond a quarter stays. Counted in mart_buurt_wide."""
    where = "" if area == "NL" else f"where gemeente_code = '{area}'"
    total, used = con.execute(f"""select count(*), count(*) filter ({x} is not null and {y} is not null)
                                  from mart_buurt_wide {where}""").fetchone()
    assert 0 < total - used
    at = app(gebied=area, x=x, y=y)
    assert not at.exception
    page = texts(at)
    assert (f"**{fmt_number(used)} van de {fmt_number(total)} buurten in {scope}.** De andere "
            f"{fmt_number(total - used)} missen een cijfer en doen niet mee.") in page
    assert ("doen niet mee, omdat een van de cijfers ontbreekt" in page) == (total - used > total / 4)


def test_a_sixth_background_choice_gets_a_dutch_message_not_the_browsers_english(app):
    """The multiselect had max_selections=5: at the limit the browser said 'You can only select up to 5 options.
    Remove an option first.' (Streamlit's English, not translatable). The widget sets no limit now; the server
    keeps the bound (stats.relations.MAX_CONTROLS), says so in Dutch and uses the first five, keeping the choice."""
    at = app(regio="GM0344")
    widget = at.multiselect(key="verband_controls")
    assert widget.proto.max_selections == 0   # no browser-side limit, so no English message
    assert widget.proto.select_all == 0       # nor Streamlit's English 'Select all' option (1.67's default)
    six = ["aandeel_65plus", "bevolkingsdichtheid", "aandeel_0_15", "eenpersoonshuishoudens", "koopwoningen",
           "woz_waarde"]
    at = widget.set_value(six).run()
    assert not at.exception
    assert at.multiselect(key="verband_controls").value == six   # nothing lost
    page = texts(at)
    assert f"U koos {MAX_CONTROLS + 1} kenmerken; er tellen er hoogstens {MAX_CONTROLS} mee." in page
    table = frame(at, "Onderdeel")
    assert table["Onderdeel"].str.endswith("(rekening mee gehouden)").sum() == MAX_CONTROLS


def test_a_link_typed_by_hand_is_read_as_the_other_pages_read_it(app):
    """'?gebied=gm0858&x=MOEITE_MET_RONDKOMEN' (lower-case code, upper-case id, spaces) gave 'De link vraagt om
    ‘gm0858’ ... U ziet nu de standaardkeuze' and another gemeente, where the Kaart and the profile take such a
    code; now it is read as GM0858 and moeite_met_rondkomen, without a note."""
    at = app(gebied=" gm0858", x="MOEITE_MET_RONDKOMEN ", y="Eenzaam")
    assert not at.exception
    assert at.selectbox(key="verband_gemeente").value == "GM0858"
    assert (at.selectbox(key="verband_x").value, at.selectbox(key="verband_y").value) == ("moeite_met_rondkomen",
                                                                                          "eenzaam")
    assert "De link vraagt om" not in texts(at)
    at = app(gebied="nl")
    assert at.radio(key="verband_soort").value == "Heel Nederland" and "De link vraagt om" not in texts(at)
    at = app(gebied="GM9999")                  # a code that is no gemeente is still named
    assert "De link vraagt om ‘GM9999’ voor het gebied" in texts(at)


def test_the_band_is_said_to_be_the_lines_not_the_buurten(app, buurt_wide):
    """The scatter's light-blue band is the 95% interval of the line (statsmodels' mean_ci), drawn around a cloud
    of buurten most of which lie outside it: a reader took it for where 95% of the buurten lie. The caption says
    what it is. In Utrecht, most buurten are outside the band."""
    at = app(regio="GM0344")
    fit = fit_relation(buurt_wide, X, Y, scope_codes=buurt_wide.index[buurt_wide["gemeente_code"] == "GM0344"])
    low = np.interp(fit.points["x"], fit.line["x"], fit.line["ci_low"])
    high = np.interp(fit.points["x"], fit.line["x"], fit.line["ci_high"])
    assert ((fit.points["y"] < low) | (fit.points["y"] > high)).mean() > 0.5
    caption = " ".join(c.value for c in at.main.caption)
    assert "De lichtblauwe band is het 95%-betrouwbaarheidsinterval van die lijn" in caption
    assert "niet waar de buurten liggen" in caption


def test_a_former_gemeente_in_a_link_is_named_as_one(app, con):
    """?gebied=GM1685 (Landerd, merged since 2022) said only that it is not among the choices; the Kaart and this
    page now say what it was, as the profile does (state.link_value_note, search.former_note)."""
    name, year = con.execute("select name, boundary_year from mart_former_gemeenten where region_code = 'GM1685'"
                             ).fetchone()
    page = texts(app(gebied="GM1685"))
    assert "De link vraagt om ‘GM1685’ voor het gebied" in page
    assert f"{name} was een gemeente in de indeling van {year} (code GM1685), maar is dat nu niet meer" in page


def test_one_step_of_the_x_axis_is_said_in_the_singular(app):
    """'In buurten waar 'Bevolkingsdichtheid' 1 inwoners per km² hoger is': one of a plural unit reads
    '1 inwoner per km²' (and one step of an amount in thousands of euros '1.000 euro')."""
    page = texts(app(regio="GM0344", x="bevolkingsdichtheid", y="eenzaam"))
    assert "In buurten waar 'Bevolkingsdichtheid' 1 inwoner per km² hoger is" in page and "1 inwoners" not in page
    page = texts(app(regio="GM0344", x="inkomen_per_inwoner", y="eenzaam"))
    assert "In buurten waar 'Gemiddeld inkomen per inwoner' 1.000 euro hoger is" in page
