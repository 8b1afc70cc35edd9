"""Trends, 'beter dan verwacht' and peer benchmark views on real releases, including margins end to end."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.core.format import fmt_number
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.stats import queries as q
from dashboard.stats import expected_text, peer_table, trend_panels
from dashboard.core.format import fmt_value
from dashboard.stats.uncertainty import difference_verdict
from pipelines.build import build
from pipelines.cache import read_table_cache, write_table_cache
from tests.conftest import ROOT, SNAPSHOT_TABLES, snapshot_of

# `make test` runs on 2 xdist workers: keep this module on one worker, so the margins build is made once
pytestmark = pytest.mark.xdist_group("test_stats_views")

BUURT, GEMEENTE = "BU03440111", "GM0344"  # Welgelegen, Den Hommel in Utrecht


def values(array) -> np.ndarray:
    if isinstance(array, dict):  # plotly's typed array form
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def panels_for(build_dir: Path, code: str = BUURT, ref: str | None = GEMEENTE, **kwargs) -> list[trend_panels.TrendPanel]:
    long = q.series(tuple(c for c in (code, ref) if c), build_dir)
    return trend_panels.trend_panels(long, q.indicators(build_dir), code, reference_code=ref, reference_name="Utrecht",
                           names=q.region_names(code, build_dir), **kwargs)


def panel(panels, indicator_id: str) -> trend_panels.TrendPanel:
    return next(p for p in panels if p.indicator_id == indicator_id)


def run_script(build_dir: Path, body: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    st.cache_data.clear()
    st.cache_resource.clear()
    script = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
              f"from dashboard.stats import view_expected, view_peers, view_trends\n{body}")
    return AppTest.from_string(script, default_timeout=300).run()


# ----------------------------------------------------------------------------------------------- trends
def test_series_are_never_mixed_in_one_line(build_dir):
    panels = panels_for(build_dir)
    for p in panels:
        assert p.points["series"].nunique() == 1 and len(p.points) >= 2
    assert set(panel(panels, "ervaren_gezondheid_goed").points["table_id"]) == {"50090NED"}
    trend = panel(panels, "goed_ervaren_gezondheid_trend")
    assert set(trend.points["table_id"]) == {"50150NED"} and list(trend.points["label"])[:2] == ["2012", "2016"]
    assert not any({"50090NED", "50150NED"} <= set(p.points["table_id"]) for p in panels)


def test_boundary_change_is_flagged_in_text_and_chart(build_dir):
    huisarts = panel(panels_for(build_dir), "afstand_huisarts")
    assert list(huisarts.points["table_id"]) == ["85618NED", "85984NED"]
    assert any("andere buurtindeling: niet zonder meer vergelijkbaar" in n for n in huisarts.notes)
    fig = trend_panels.trend_figure(huisarts)
    assert [t.line.dash for t in fig.data if t.mode == "lines" and t.name is None] == ["dot"]
    assert [a.text for a in fig.layout.annotations] == ["andere indeling"]
    comparable = panel(panels_for(build_dir), "vrijwilligerswerk")
    assert not comparable.notes and not trend_panels.trend_figure(comparable).layout.annotations


def test_a_period_added_later_flows_in(build_dir):
    long = q.series((BUURT, GEMEENTE), build_dir)
    new = long[(long["indicator_id"] == "eenzaam") & (long["period"] == "2020")].assign(period="2024")
    new["value"] += 1.0
    long = pd.concat([long, new], ignore_index=True)
    p = panel(trend_panels.trend_panels(long, q.indicators(build_dir), BUURT, reference_code=GEMEENTE,
                              reference_name="Utrecht"), "eenzaam")
    assert list(p.points["label"]) == ["2016", "2020", "2024"] and p.summary.startswith("2016 → 2024")
    assert list(trend_panels.trend_figure(p).data[-1].x) == [2016, 2020, 2024]


def test_a_code_whose_name_changed_is_flagged(build_dir):
    names = pd.DataFrame({"region_code": [BUURT], "boundary_year": [2020], "name": ["Oude naam"],
                          "current_name": ["Welgelegen, Den Hommel"], "name_changed": [True]})
    p = panel(trend_panels.trend_panels(q.series((BUURT,), build_dir), q.indicators(build_dir), BUURT, names=names),
              "eenzaam")
    assert any("andere naam (‘Oude naam’)" in n for n in p.notes)
    # 'Hengelo' (2020, 2023) and 'Hengelo (O.)' (2024) are one name, not a change
    real = q.region_names("GM0164", build_dir)
    assert len(real) >= 2 and not real["name_changed"].any()


def test_nederland_has_no_division_notes(build_dir):
    panels = panels_for(build_dir, "NL00", None, level="land")
    assert panels and not any(p.notes for p in panels)


# ----------------------------------------------------------------------------------------------- profile views
def test_render_functions_on_a_buurt(build_dir, con, monkeypatch):
    at = run_script(build_dir, f"""view_trends.render_trends("{BUURT}")
view_expected.render_expected("{BUURT}")
view_peers.render_peer_benchmark("{BUURT}")
import streamlit as st
st.code(",".join(view_peers.peer_codes("{BUURT}", k=4)))""", monkeypatch)
    assert not at.exception
    assert len(at.get("plotly_chart")) == len(panels_for(build_dir))
    text = "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)
    expected = con.execute("select outcome_id, verdict from mart_expected_values where region_code = ?",
                           [BUURT]).fetchall()
    assert len(expected) == 3
    for _, verdict in expected:
        assert f"Welgelegen, Den Hommel** scoort {verdict}" in text or f"doet het {verdict}" in text
    r2 = con.execute("""select r2 from mart_expected_values where region_code = ?
                        and outcome_id = 'ervaren_gezondheid_goed'""", [BUURT]).fetchone()[0]
    # the model leaves out every buurt without all its figures (a third of NL): said beside it, not only counted;
    # counted in mart_buurt_wide over the model's variables (mart_stats_models) and its outcome
    (variables,) = con.execute("select any_value(variables) from mart_stats_models where model = 'expected'").fetchone()
    missing = " or ".join(f"{v} is null" for v in ["ervaren_gezondheid_goed", *variables.split(",")])
    total, left_out = con.execute(f"select count(*), count(*) filter ({missing}) from mart_buurt_wide").fetchone()
    assert left_out > total / 4
    assert (f"**Lees dit erbij:**\n- {fmt_number(left_out)} van de {fmt_number(total)} buurten in heel Nederland "
            f"({round(100 * left_out / total)}%) doen niet mee") in text
    # the outcomes are RIVM estimates, modelled from the income and age the expectation uses too: said
    labels = [label for (label,) in con.execute("select label from mart_catalogue where modelled and indicator_id "
                                                 "in (select outcome_id from mart_expected_values)").fetchall()]
    assert len(labels) == 3
    estimates = next(line for line in text.splitlines() if "zijn schattingen van RIVM/CBS" in line)
    assert all(f"‘{label}’" in estimates for label in labels), estimates
    assert "door andere kenmerken van de bewoners die dat rekenmodel meeneemt" in estimates
    assert f"R² {fmt_number(r2, 2)}" in text and "tabel 50090NED" in text
    peers = con.execute("select peer_code, peer_name from mart_peer_buurten where region_code = ? order by rank",
                        [BUURT]).fetchall()
    assert f"1. {peers[0][1]} (" in text and f"10. {peers[9][1]} (" in text
    assert at.code[0].value == ",".join(c for c, _ in peers[:4])
    table = at.dataframe[0].value
    assert list(table.columns[:5]) == ["Kant", "Onderwerp", "Deze buurt", "Utrecht", "Nederland"]
    assert "Verschil met gemeente" not in table.columns  # the shipped snapshot has no margins


def test_render_functions_on_a_gemeente(build_dir, monkeypatch):
    at = run_script(build_dir, f'view_trends.render_trends("{GEMEENTE}")\nview_expected.render_expected("{GEMEENTE}")\n'
                               f'view_peers.render_peer_benchmark("{GEMEENTE}")', monkeypatch)
    assert not at.exception and len(at.get("plotly_chart")) > 5
    captions = " ".join(c.value for c in at.caption)
    assert "alleen voor buurten" in captions and "Gestreept grijs: Nederland" in captions


def test_peer_median_uses_same_table_and_period(build_dir, con):
    codes = [c for (c,) in con.execute(
        "select peer_code from mart_peer_buurten where region_code = ? order by rank", [BUURT]).fetchall()]
    vals = q.profile_values((BUURT, *codes), build_dir)
    table = peer_table.peer_benchmark_table(vals, BUURT, codes, q.indicators(build_dir), "Utrecht").set_index("Onderwerp")
    mine = vals[(vals["region_code"] == BUURT) & (vals["indicator_id"] == "vrijwilligerswerk")].iloc[0]
    peers = vals[vals["region_code"].isin(codes) & (vals["indicator_id"] == "vrijwilligerswerk")
                 & (vals["period"] == mine["period"]) & (vals["table_id"] == mine["table_id"])].dropna(subset=["value"])
    row = table.loc["Doet vrijwilligerswerk (geschat)"]
    assert row["Vergelijkbare buurten (mediaan)"] == fmt_value(peers["value"].median(), "%")
    assert row["Met cijfer"] == f"{len(peers)} van 10" and row["Bron"] == "2020 · tabel 50090NED · indeling 2020"


def test_peer_table_never_shows_a_rounded_0_as_0(build_dir, con):
    """A rate from a count CBS rounded to 0 is '0 tot 15 per 1 000 inwoners (... 0 tot 4)' in the peer table (the buurt, and
    the peers' median and range), never '0 per 1 000 inwoners'. The buurt: the first one in the release with a
    rounded 0 for bijstand whose peers include another rounded 0 (mart_profile, catalogue rounding > 0)."""
    from dashboard.core.format import value_text
    buurt, upper = con.execute("""
        select p.region_code, p.round_upper from mart_profile p join mart_catalogue c using (indicator_id)
        where p.indicator_id = 'bijstand_per_1000' and c.rounding > 0 and p.value = 0 and p.is_default_group
          and p.region_code like 'BU%' and exists (
            select 1 from mart_peer_buurten b join mart_profile q on q.region_code = b.peer_code
            where b.region_code = p.region_code and q.indicator_id = p.indicator_id and q.value = 0
              and q.is_default_group)
        order by p.region_code limit 1""").fetchone()
    codes = [c for (c,) in con.execute(
        "select peer_code from mart_peer_buurten where region_code = ? order by rank", [buurt]).fetchall()]
    catalogue = q.indicators(build_dir)
    label = catalogue.set_index("indicator_id").at["bijstand_per_1000", "label"]
    rounding = catalogue.set_index("indicator_id").at["bijstand_per_1000", "rounding"]
    row = peer_table.peer_benchmark_table(q.profile_values((buurt, *codes), build_dir), buurt, codes, catalogue,
                                          "Gemeente").set_index("Onderwerp").loc[label]
    unit = "per 1 000 inwoners"
    assert row["Deze buurt"] == value_text({"value": 0.0, "rounding": rounding, "round_lower": 0.0,
                                            "round_upper": upper, "unit": unit})
    assert row["Deze buurt"].startswith("0 tot ") and "het getelde aantal is 0 tot 4" in row["Deze buurt"]
    assert row["Laagste – hoogste"].startswith(value_text({"value": 0.0, "rounding": rounding, "unit": unit}))
    assert not any(cell.startswith(("0 per", "0,0")) or " 0 per" in cell for cell in row.astype(str))


def test_expected_view_without_a_model_row(build_dir):
    lines = expected_text.expected_view(q.expected_for("BU03440133", build_dir).iloc[0:0], q.indicators(build_dir))
    assert [x["verdict"] for x in lines] == [None, None, None]
    assert "geen verwachting berekend" in lines[0]["sentence"]


# ----------------------------------------------------------------------------------------------- margins end to end
@pytest.fixture(scope="module")
def margins_build(tmp_path_factory) -> Path:
    """A release where 50090NED carries 95% bounds (Marges MOG0095/MBG0095), as a live CBS fetch would: the shipped
    cache plus lower/upper rows (buurt ±3, gemeente ±1, NL ±0.2), replayed through the normal build. The shapes are
    left out (an empty geo folder) to keep the build short; nothing here draws a map."""
    root = tmp_path_factory.mktemp("margins")
    cache = read_table_cache(SNAPSHOT_TABLES / "50090NED")
    est = cache.data[cache.data["Marges"] == "MW00000"]
    code = est["WijkenEnBuurten"].astype(str).str.strip()
    half = np.where(code.str.startswith("BU"), 3.0, np.where(code.str.startswith("GM"), 1.0, 0.2))
    numeric = [c for c in est.columns if pd.api.types.is_float_dtype(est[c])]
    parts = [cache.data]
    for margin, sign in (("MOG0095", -1), ("MBG0095", 1)):
        bound = est.assign(Marges=margin)
        for col in numeric:
            bound[col] = (bound[col] + sign * half).round(1)
        parts.append(bound)
    data = pd.concat(parts, ignore_index=True).assign(ID=lambda d: np.arange(len(d)))
    code_lists = {**cache.code_lists, "Marges": cache.code_lists["Marges"] + [
        {"Key": "MOG0095", "Title": "Ondergrens 95%-interval"}, {"Key": "MBG0095", "Title": "Bovengrens 95%-interval"}]}
    fetch = {k: v for k, v in cache.fetch.items() if k not in ("table_id", "fetched_at")}
    write_table_cache(root / "tables" / "50090NED", data, data_properties=cache.data_properties,
                      table_infos=cache.table_infos, code_lists=code_lists, fetch={**fetch, "method": "replay"})
    (root / "geo").mkdir()
    # the other source the views compare with (KWB 2024: names, peers, afstand tot huisarts); the rest of the
    # shipped tables would only lengthen the build
    kwb = snapshot_of(root / "snapshot", "85984NED") / "tables"
    build(roots=[root / "tables", kwb], build_dir=root / "build", geo_dir=root / "geo")
    return root / "build"


def test_margins_reach_mart_profile_and_series(margins_build):
    prof = q.profile_values((BUURT,), margins_build).set_index("indicator_id").loc["ervaren_gezondheid_goed"]
    assert (prof["value"], prof["lower"], prof["upper"]) == (82.8, 79.8, 85.8)
    assert (prof["gemeente_value"], prof["gemeente_lower"], prof["gemeente_upper"]) == (80.8, 79.8, 81.8)
    assert prof["nl_upper"] - prof["nl_value"] == pytest.approx(0.2)
    series = q.series((BUURT,), margins_build)
    rows = series[(series["indicator_id"] == "ervaren_gezondheid_goed") & series["is_default_group"]]
    assert rows[["period", "lower", "upper"]].values.tolist() == [["2016", 74.2, 80.2], ["2020", 79.8, 85.8]]


def test_margins_reach_the_chart_error_bars_and_verdict(margins_build, monkeypatch):
    p = panel(panels_for(margins_build), "ervaren_gezondheid_goed")
    assert p.points["has_margin"].all()
    assert p.verdict == "2020: niet duidelijk verschillend van Utrecht (getoetst met de marges)"
    at = run_script(margins_build, f'view_trends.render_trends("{BUURT}")\nview_peers.render_peer_benchmark("{BUURT}")', monkeypatch)
    assert not at.exception
    index = next(i for i, c in enumerate(at.caption) if "2016 → 2020: van 77,2% naar 82,8%" in c.value) - 1
    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    own = next(t for t in spec["data"] if t.get("name") == "Deze buurt")
    np.testing.assert_allclose(values(own["error_y"]["array"]), [3.0, 3.0])
    np.testing.assert_allclose(values(own["error_y"]["arrayminus"]), [3.0, 3.0])
    assert own["error_y"]["visible"] is True
    ref = next(t for t in spec["data"] if t.get("name") == "Utrecht")
    np.testing.assert_allclose(values(ref["error_y"]["array"]), [1.0, 1.0])
    table = at.dataframe[0].value.set_index("Onderwerp")
    verdict = difference_verdict(82.8, 79.8, 85.8, 80.8, 79.8, 81.8)
    assert table.loc["Ervaart gezondheid als goed (geschat)", "Verschil met gemeente"] == verdict
    assert table.loc["Afstand tot huisarts", "Verschil met gemeente"] == ""  # KWB gives no margins


def test_a_small_change_is_not_drawn_as_a_steep_one(build_dir):
    """Veldwijk (Ermelo): mantelzorg 15,5% in 2016 and 15,3% in 2020, two RIVM estimates. Plotly zoomed the y-axis
    to 15,2-15,8, so the line fell across the whole panel. The axis now spans at least 10 points for a share,
    around every point of the buurt and its gemeente (trend_panels.MIN_SPAN); a change larger than that keeps
    Plotly's own range."""
    panels = panels_for(build_dir, "BU02330005", "GM0233")
    care = panel(panels, "mantelzorger")
    shown = pd.concat([care.points["value"], care.reference["value"]]).astype(float)
    assert shown.max() - shown.min() < 1                                    # the case: a tiny change
    low, high = trend_panels.trend_figure(care).layout.yaxis.range
    assert high - low == pytest.approx(trend_panels.MIN_SPAN["%"]) and low <= shown.min() and shown.max() <= high
    for p in panels:
        fig = trend_panels.trend_figure(p)
        values = pd.concat([p.points["value"], p.reference["value"] if p.reference is not None else None]).dropna()
        if fig.layout.yaxis.range is None:                                 # a large change: its own range
            assert p.unit not in trend_panels.MIN_SPAN or values.max() - values.min() >= trend_panels.MIN_SPAN[p.unit]
        else:
            low, high = fig.layout.yaxis.range
            assert low <= values.min() and values.max() <= high and (p.unit != "%" or 0 <= low < high <= 100)
