"""Statistics on the profile and compare pages: trends, 'beter dan verwacht' and vergelijkbare buurten.

Public API (Streamlit render functions; each takes an existing region code and draws nothing harmful for other
levels, only a short note):
  render_trends(region_code, *, lenses=("asset", "problem"), heading=...)   small line chart per series
  render_expected(region_code, *, heading=...)     "doet het beter/slechter dan verwacht op …" with spec and fit
  render_peer_benchmark(region_code, *, heading=...)   peer median as third benchmark beside gemeente and NL
  peer_codes(region_code, k=10) -> list[str]       the most similar buurten, most similar first (compare page)
Pure helpers (tested without Streamlit): trend_panels, trend_figure, expected_view, peer_benchmark_table.
Data: dashboard.stats.queries (mart_indicator_series, mart_expected_values, mart_peer_buurten, mart_profile).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.core import db
from dashboard.stats import queries as q
from dashboard.core.charts import FONT, LENS_COLOUR
from dashboard.core.format import fmt_number, fmt_value
from dashboard.stats.deviance import BETTER, WEAK_FIT_R2, WORSE
from dashboard.stats.trend import BOUNDARY_NOTE, change_summary, series_for
from dashboard.stats.uncertainty import NO_MARGIN, NO_VALUE, NOT_DIFFERENT, difference_verdict, error_bar_columns
from dashboard.stats.charts import LENS_NAME, LENS_ORDER, REFERENCE, provenance_text
from pipelines.precompute import OUTCOMES

BOUNDARY_TEXT = "andere {division}: niet zonder meer vergelijkbaar"
DIVISION = {"buurt": "buurtindeling", "wijk": "wijkindeling", "gemeente": "gemeentelijke indeling"}
OWN_LABEL = {"buurt": "Deze buurt", "wijk": "Deze wijk", "gemeente": "Deze gemeente", "land": "Nederland"}


@lru_cache(maxsize=1)
def catalogue_order() -> dict[str, int]:
    from pipelines.catalogue import load_catalogue
    return {ind.id: i for i, ind in enumerate(load_catalogue().indicators)}


def _ordered(catalogue: pd.DataFrame) -> pd.DataFrame:
    order = catalogue_order()
    lens = catalogue["lens"].map({v: i for i, v in enumerate(LENS_ORDER)}).fillna(9)
    return catalogue.assign(_l=lens, _o=catalogue["indicator_id"].map(order).fillna(999)).sort_values(["_l", "_o"])


def _verdict_text(verdict: str, period: str, reference: str) -> str | None:
    """'2020: duidelijk hoger dan Utrecht'; None when there is no margin or value to judge by."""
    if verdict in (NO_MARGIN, NO_VALUE):
        return None
    word = "van" if verdict == NOT_DIFFERENT else "dan"
    return f"{period}: {verdict} {word} {reference} (getoetst met de marges)"


# ----------------------------------------------------------------------------------------------- trends
@dataclass
class TrendPanel:
    indicator_id: str
    label: str
    lens: str
    unit: str
    modelled: bool
    series: str
    points: pd.DataFrame                 # series_for() points plus error_plus / error_minus / has_margin
    reference: pd.DataFrame | None       # the same series for the reference region (gemeente or Nederland)
    reference_name: str | None
    summary: str
    source: str
    notes: list[str] = field(default_factory=list)
    verdict: str | None = None
    own_label: str = "Deze buurt"


def trend_panels(long: pd.DataFrame, catalogue: pd.DataFrame, region_code: str, *,
                 reference_code: str | None = None, reference_name: str | None = None,
                 names: pd.DataFrame | None = None, lenses: Sequence[str] = ("asset", "problem"),
                 level: str = "buurt") -> list[TrendPanel]:
    """One panel per (visible indicator, series) with at least two periods for `region_code`.

    long: mart_indicator_series rows of the region (and of the reference). names: mart_region_names of the region
    (a code whose name changed in a boundary year is flagged). level: of the region; Nederland has no division
    to change. Periods come from the data, so a period added to a table later shows up without a code change.
    """
    cat = _ordered(catalogue[~catalogue["hidden"].astype(bool) & catalogue["lens"].isin(list(lenses))])
    renamed = {} if names is None else {int(r.boundary_year): str(r.name) for r in names.itertuples()
                                        if bool(r.name_changed)}
    panels = []
    by_indicator = dict(tuple(long.groupby("indicator_id", sort=False)))
    # series_for costs a few ms of pandas per call: skip indicators with fewer than two periods for this region
    mine = long[(long["region_code"] == region_code) & long["value"].notna()]
    periods = mine.groupby("indicator_id")["period"].nunique()
    for ind in cat.itertuples():
        if periods.get(ind.indicator_id, 0) < 2:
            continue
        rows = by_indicator[ind.indicator_id]
        own = {k: v for k, v in series_for(rows, region_code, ind.indicator_id).items() if len(v) >= 2}
        ref = series_for(rows, reference_code, ind.indicator_id) if reference_code and own else {}
        for series, pts in own.items():
            pts = error_bar_columns(pts)
            if level == "land":
                pts = pts.assign(boundary_changed=False, comparable=True)
            notes = []
            changed = pts.loc[pts["boundary_changed"], "label"].tolist()
            if changed:
                division = DIVISION.get(level, "indeling")
                notes.append(f"Vanaf {', '.join(changed)} {BOUNDARY_TEXT.format(division=division)} met de jaren "
                             "ervoor.")
            for year in sorted({int(y) for y in pts["boundary_year"]}):
                if year in renamed:
                    notes.append(f"In de indeling van {year} had deze code een andere naam (‘{renamed[year]}’): "
                                 "mogelijk een ander gebied.")
            ref_pts = ref.get(series)
            verdict = None
            last = pts.iloc[-1]
            if ref_pts is not None:
                match = ref_pts[ref_pts["period"] == last["period"]]
                if not match.empty:
                    r = match.iloc[0]
                    verdict = _verdict_text(difference_verdict(last["value"], last["lower"], last["upper"],
                                                               r["value"], r["lower"], r["upper"]),
                                            str(last["label"]), str(reference_name))
            unit = "" if ind.unit in ("aantal", "klasse 1-5") else ind.unit
            tables = dict.fromkeys(f"tabel {t} (indeling {int(b)})" for t, b in zip(pts["table_id"],
                                                                                     pts["boundary_year"]))
            panels.append(TrendPanel(
                indicator_id=ind.indicator_id, label=ind.label, lens=ind.lens, unit=ind.unit,
                modelled=bool(ind.modelled), series=str(series), points=pts, reference=ref_pts,
                reference_name=reference_name, summary=_summary(pts, unit),
                source=", ".join(tables), notes=notes, verdict=verdict,
                own_label=OWN_LABEL.get(level, "Deze plek")))
    return panels


def _summary(pts: pd.DataFrame, unit: str) -> str:
    """trend.change_summary without its short boundary note (the panel explains a change of division itself)."""
    whole = bool((pts["value"] % 1 == 0).all())
    return change_summary(pts, unit, 0 if whole else 1).replace(f" ({BOUNDARY_NOTE})", "")


def _x(labels: pd.Series) -> tuple[list, bool]:
    numeric = labels.astype(str).str.fullmatch(r"\d{4}").all()
    return ([int(v) for v in labels] if numeric else list(labels.astype(str))), bool(numeric)


def trend_figure(panel: TrendPanel) -> go.Figure:
    """Small line chart of one series: points with 95% error bars where the source gives them, a solid line
    between comparable points, a dotted one across a change of buurtindeling, and the reference dashed."""
    colour = LENS_COLOUR.get(panel.lens, "#4b5563")
    pts = panel.points
    xs, numeric = _x(pts["label"])
    fig = go.Figure()
    if panel.reference is not None and len(panel.reference):
        ref = error_bar_columns(panel.reference)
        rx, _ = _x(ref["label"])
        fig.add_trace(go.Scatter(
            x=rx, y=ref["value"], mode="lines+markers", name=str(panel.reference_name),
            line=dict(color=REFERENCE, width=1.5, dash="dash"), marker=dict(size=5, color=REFERENCE),
            error_y=dict(type="data", array=ref["error_plus"], arrayminus=ref["error_minus"], color=REFERENCE,
                         thickness=1, width=3, visible=bool(ref["has_margin"].any())),
            hovertemplate="%{x}: %{y:.1f}<extra>" + str(panel.reference_name) + "</extra>"))
    values = pts["value"].tolist()
    segments = {True: ([], []), False: ([], [])}  # comparable -> (x, y) with None between segments
    for i in range(1, len(pts)):
        sx, sy = segments[bool(pts["comparable"].iloc[i])]
        sx += [xs[i - 1], xs[i], None]
        sy += [values[i - 1], values[i], None]
    for comparable, (sx, sy) in segments.items():
        if sx:
            fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color=colour, width=2.5, dash="solid" if comparable else "dot")))
    if numeric:
        for i in np.flatnonzero(~pts["comparable"].to_numpy(dtype=bool)):
            fig.add_vline(x=(xs[i - 1] + xs[i]) / 2, line=dict(color="#9ca3af", width=1, dash="dot"),
                          annotation_text="andere indeling", annotation_position="bottom",
                          annotation_font=dict(size=11, color="#4b5563"))
    fig.add_trace(go.Scatter(
        x=xs, y=pts["value"], mode="markers", name=panel.own_label, marker=dict(size=8, color=colour),
        error_y=dict(type="data", array=pts["error_plus"], arrayminus=pts["error_minus"], color=colour,
                     thickness=1.5, width=4, visible=bool(pts["has_margin"].any())),
        hovertemplate="%{x}: %{y:.1f}<extra>" + panel.own_label.lower() + "</extra>"))
    fig.update_layout(height=230, margin=dict(l=5, r=5, t=28, b=5), font={**FONT, "size": 12}, separators=",.",
                      plot_bgcolor="white", showlegend=panel.reference is not None,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=11)),
                      xaxis=dict(gridcolor="#eef0f2", tickvals=xs if numeric else None, tickformat="d"),
                      yaxis=dict(gridcolor="#eef0f2", title=None))
    return fig


@st.cache_data(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _trend_panels_cached(release: str, region_code: str, level: str, ref_code: str | None, ref_name: str | None,
                         lenses: tuple[str, ...]) -> tuple[list[TrendPanel], list[go.Figure]]:
    long = q.cached("series", tuple(c for c in (region_code, ref_code) if c))
    panels = trend_panels(long, q.cached("indicators"), region_code, reference_code=ref_code,
                          reference_name=ref_name, names=q.cached("region_names", region_code), lenses=lenses,
                          level=level)
    return panels, [trend_figure(p) for p in panels]


def render_trends(region_code: str, *, lenses: Sequence[str] = ("asset", "problem"),
                  heading: str | None = "Ontwikkeling door de jaren", columns: int = 3) -> None:
    """Small line charts for every indicator of the region with two or more periods, one per series."""
    reg = q.cached("region", region_code)
    if reg.empty:
        return
    r = reg.iloc[0]
    ref_code, ref_name = (None, None)
    if r["level"] in ("buurt", "wijk") and isinstance(r["gemeente_code"], str):
        ref_code, ref_name = r["gemeente_code"], str(r["gemeente_name"])
    elif r["level"] == "gemeente":
        ref_code, ref_name = "NL00", "Nederland"
    panels, figures = _trend_panels_cached(db.release_key(), region_code, str(r["level"]), ref_code, ref_name,
                                           tuple(lenses))
    if heading:
        st.subheader(heading)
    if not panels:
        st.caption("Voor deze plek is er per cijfer nog maar één meting: er is (nog) geen ontwikkeling te tonen.")
        return
    st.caption("Eén lijn per reeks: cijfers uit verschillende tabellen of schattingen staan nooit op één lijn. "
               "Een stippellijn betekent een andere buurtindeling: niet zonder meer vergelijkbaar. Streepjes om een "
               "punt tonen de 95%-marge, waar de bron die geeft."
               + (f" Gestreept grijs: {ref_name}." if ref_name else ""))
    for lens in lenses:
        part = [p for p in panels if p.lens == lens]
        if not part:
            continue
        st.markdown(f"**{LENS_NAME.get(lens, lens)}**")
        for start in range(0, len(part), columns):
            cols = st.columns(columns)
            for col, p in zip(cols, part[start:start + columns]):
                with col:
                    st.markdown(f"{p.label}" + (" · *geschat*" if p.modelled else ""))
                    st.plotly_chart(figures[panels.index(p)], config={"displayModeBar": False},
                                    key=f"trend_{region_code}_{p.indicator_id}_{p.series}")
                    lines = [p.summary, *p.notes, *([p.verdict] if p.verdict else []), f"Bron: {p.source}."]
                    st.caption(" ".join(s if s.endswith(".") else s + "." for s in lines[:-1]) + " " + lines[-1])


# ----------------------------------------------------------------------------------------------- beter dan verwacht
def expected_view(rows: pd.DataFrame, catalogue: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> list[dict]:
    """One dict per outcome for a buurt: label, verdict (None when not computed), sentence, detail, r2, n, spec,
    weak (R² below the threshold). rows: mart_expected_values of the buurt."""
    meta = catalogue.set_index("indicator_id")
    by_outcome = rows.set_index("outcome_id") if len(rows) else pd.DataFrame()
    out = []
    for o in outcomes:
        if o not in meta.index:
            continue
        label, unit = str(meta.loc[o, "label"]), str(meta.loc[o, "unit"])
        if o not in by_outcome.index:
            out.append({"outcome_id": o, "label": label, "verdict": None, "r2": None, "n": None, "spec": None,
                        "weak": False, "detail": "",
                        "sentence": f"voor ‘{label}’ is geen verwachting berekend: er ontbreken gegevens"})
            continue
        r = by_outcome.loc[o]
        verdict = str(r["verdict"])
        if verdict in (BETTER, WORSE):
            sentence = f"doet het {verdict} op ‘{label}’"
        else:
            sentence = f"scoort {verdict} op ‘{label}’"
        detail = (f"geschat {fmt_value(r['observed'], unit)}; verwacht {fmt_value(r['expected'], unit)} "
                  f"(95%-marge {fmt_value(r['pi_low'], unit)} – {fmt_value(r['pi_high'], unit)})")
        out.append({"outcome_id": o, "label": label, "verdict": verdict, "sentence": sentence, "detail": detail,
                    "r2": float(r["r2"]), "n": int(r["n"]), "spec": str(r["spec"]),
                    "weak": float(r["r2"]) < WEAK_FIT_R2})
    return out


def render_expected(region_code: str, *, heading: str | None = "Beter of slechter dan verwacht?") -> None:
    """Per outcome: does this buurt do better or worse than its context (income, age, density) predicts?"""
    reg = q.cached("region", region_code)
    if heading:
        st.subheader(heading)
    if reg.empty or reg.iloc[0]["level"] != "buurt":
        st.caption("Dit berekenen we alleen voor buurten.")
        return
    catalogue = q.cached("indicators")
    lines = expected_view(q.cached("expected_for", region_code), catalogue)
    from dashboard.divisions import note as division_note
    refused_years = set(division_note.cached_refused(region_code)["boundary_year"])
    lines = mark_other_area(lines, q.cached("provenance"), refused_years)
    if all(x["verdict"] is None for x in lines) and q.cached("stats_models").query("model == 'expected'").empty:
        st.caption("In deze versie van de gegevens is geen verwachting berekend.")
        return
    name = str(reg.iloc[0]["name"])
    for x in lines:
        st.markdown(f"**{name}** {x['sentence']}" + (f": {x['detail']}." if x["detail"] else "."))
        if x["weak"]:
            st.warning(f"Het model voor ‘{x['label']}’ verklaart weinig (R² = {fmt_number(x['r2'], 2)}). "
                       "Wees voorzichtig met conclusies.", icon=":material/warning:")
    fitted = [x for x in lines if x["spec"]]
    if fitted:
        st.caption(expected_footnote(fitted, q.cached("provenance"), q.cached("stats_models"), catalogue))


def mark_other_area(lines: list[dict], prov: pd.DataFrame, refused_years: set) -> list[dict]:
    """Say why there is no verdict when the outcome's figure (of the one period the model uses) was refused for
    this buurt because its code named another area in that division (mart_division_identity)."""
    year_of = dict(zip(prov["indicator_id"], prov["boundary_year"]))
    out = []
    for x in lines:
        year = year_of.get(x["outcome_id"])
        if x["verdict"] is None and year is not None and int(year) in {int(y) for y in refused_years}:
            x = {**x, "sentence": f"voor ‘{x['label']}’ is geen verwachting berekend: het cijfer komt uit de "
                                  f"indeling van {int(year)}, en daarin was dit mogelijk een ander gebied (zie boven)"}
        out.append(x)
    return out


def expected_footnote(fitted: list[dict], prov: pd.DataFrame, models: pd.DataFrame, catalogue: pd.DataFrame) -> str:
    """The footnote under 'beter of slechter dan verwacht': the model, and for the outcome and every context
    variable the ONE period and table it was fitted on with its number of buurten (mart_buurt_wide_sources)."""
    labels = catalogue.set_index("indicator_id")["label"].to_dict()
    fits = ", ".join(f"R² {fmt_number(x['r2'], 2)}" for x in fitted)
    sources = "; ".join(f"{x['label']}: {provenance_text(prov, x['outcome_id'])}" for x in fitted)
    expected = models[models["model"] == "expected"] if "model" in models else models.iloc[:0]
    context = dict.fromkeys(v for vs in expected["variables"].dropna() for v in str(vs).split(",") if v)
    context_text = "; ".join(f"{labels.get(v, v)}: {provenance_text(prov, v)}" for v in context)
    return (f"{fitted[0]['spec']} Zo voor elk onderwerp, over alle buurten van Nederland met alle cijfers "
            f"({fits}; n = {fmt_number(fitted[0]['n'])} buurten). Elk cijfer komt uit één periode; buurten "
            "zonder cijfer in die periode doen niet mee (geen aanvulling uit een eerdere meting). "
            "Een verwachting is een rekenmodel, geen oordeel over de buurt. De uitkomsten zijn geschat "
            f"(RIVM/CBS). Bron: {sources}." + (f" Achtergrond: {context_text}." if context_text else ""))


# ----------------------------------------------------------------------------------------------- vergelijkbare buurten
def _peer_table(region_code: str, codes: tuple[str, ...], gemeente_name: str) -> None:
    values = q.cached("profile_values", (region_code, *codes))
    table = peer_benchmark_table(values, region_code, list(codes), q.cached("indicators"), gemeente_name)
    st.dataframe(table, hide_index=True, width="stretch")


@st.fragment
def _peer_table_fragment(region_code: str, codes: tuple[str, ...], gemeente_name: str) -> None:
    box = st.expander("Toon de tabel: deze buurt naast de mediaan van de vergelijkbare buurten", key=PEERS_OPEN,
                      on_change="rerun", icon=":material/table:")
    with box:
        if box.open:
            _peer_table(region_code, codes, gemeente_name)


def peer_codes(region_code: str, k: int = 10) -> list[str]:
    """The k most similar buurten (precomputed, most similar first); [] for other levels or without data."""
    peers = q.cached("peers", region_code)
    return [str(c) for c in peers.sort_values("rank")["peer_code"].head(k)]


def peer_benchmark_table(values: pd.DataFrame, region_code: str, peers: Sequence[str], catalogue: pd.DataFrame,
                         gemeente_name: str) -> pd.DataFrame:
    """Per Kracht/Zorgen indicator: this buurt, its gemeente, Nederland and the median of the peers (same table
    and period as the buurt's value), their range and count, the margin verdict against the gemeente where the
    source gives margins, and the source. values: stats_queries.profile_values of the buurt and its peers."""
    cat = _ordered(catalogue[catalogue["lens"].isin(["asset", "problem"]) & ~catalogue["hidden"].astype(bool)
                             & catalogue["landing"].astype(bool)])
    rows = []
    for ind in cat.itertuples():
        mine = values[(values["region_code"] == region_code) & (values["indicator_id"] == ind.indicator_id)]
        others = values[values["region_code"].isin(list(peers)) & (values["indicator_id"] == ind.indicator_id)
                        & values["value"].notna()]
        me = mine.iloc[0] if len(mine) else None
        if me is not None and pd.notna(me["value"]):
            others = others[(others["period"] == me["period"]) & (others["table_id"] == me["table_id"])]
            period, table, year = me["period"], me["table_id"], me["boundary_year"]
        elif len(others):
            period, table, year = others[["period", "table_id", "boundary_year"]].mode().iloc[0]
            others = others[(others["period"] == period) & (others["table_id"] == table)]
        else:
            period = table = year = None
        u = ind.unit
        verdict = NO_VALUE if me is None else difference_verdict(me["value"], me["lower"], me["upper"],
                                                                 me["gemeente_value"], me["gemeente_lower"],
                                                                 me["gemeente_upper"])
        vals = others["value"].astype(float)
        rows.append({
            "Kant": LENS_NAME[ind.lens], "Onderwerp": ind.label + (" (geschat)" if ind.modelled else ""),
            "Deze buurt": fmt_value(me["value"] if me is not None else None, u),
            gemeente_name: fmt_value(me["gemeente_value"] if me is not None else None, u),
            "Nederland": fmt_value(me["nl_value"] if me is not None else None, u),
            "Vergelijkbare buurten (mediaan)": fmt_value(float(vals.median()) if len(vals) else None, u),
            "Laagste – hoogste": f"{fmt_value(vals.min(), u)} – {fmt_value(vals.max(), u)}" if len(vals) else "–",
            "Met cijfer": f"{len(vals)} van {len(peers)}",
            "Verschil met gemeente": verdict if verdict not in (NO_MARGIN, NO_VALUE) else "",
            "Bron": f"{period} · tabel {table} · indeling {int(year)}" if table is not None else ""})
    table = pd.DataFrame(rows)
    if table.empty or not table["Verschil met gemeente"].astype(bool).any():
        table = table.drop(columns="Verschil met gemeente", errors="ignore")
    return table


PEERS_OPEN = "peers_open"  # session_state key of the lazy peer table (render_peer_benchmark(lazy=True))


def render_peer_benchmark(region_code: str, *, heading: str | None = "Vergeleken met vergelijkbare buurten",
                          lazy: bool = False) -> None:
    """Peer group as a third benchmark beside gemeente and Nederland, with the peers' names. lazy=True (the
    profile, below the fold): the median table sits in an expander that computes only when opened."""
    reg = q.cached("region", region_code)
    if heading:
        st.subheader(heading)
    if reg.empty or reg.iloc[0]["level"] != "buurt":
        st.caption("Vergelijkbare buurten zoeken we alleen voor buurten.")
        return
    peers = q.cached("peers", region_code)
    if peers.empty:
        st.info("Voor deze buurt zoeken we geen vergelijkbare buurten: een van de kenmerken (inwoners, dichtheid, "
                "leeftijd of inkomen) ontbreekt.", icon=":material/info:")
        return
    r = reg.iloc[0]
    codes = [str(c) for c in peers["peer_code"]]
    names = "; ".join(f"{p.rank}. {p.peer_name} ({p.peer_gemeente_name})" for p in peers.itertuples())
    st.markdown(f"**De {len(codes)} buurten die het meest op {r['name']} lijken:** {names}")
    if lazy:
        _peer_table_fragment(region_code, tuple(codes), str(r["gemeente_name"]))
    else:
        _peer_table(region_code, tuple(codes), str(r["gemeente_name"]))
    model = q.cached("stats_models").query("model == 'peers'")
    with st.expander("Hoe kiezen we vergelijkbare buurten?"):
        if len(model):
            st.markdown(str(model.iloc[0]["explanation"]))
        st.markdown("Afstand: hoe kleiner, hoe meer de buurt lijkt. " + ", ".join(
            f"{p.peer_name} {fmt_number(p.distance, 2)}" for p in peers.itertuples()) + ".")
    st.caption("Mediaan = het middelste cijfer van de vergelijkbare buurten met een cijfer uit dezelfde tabel en "
               "hetzelfde jaar als deze buurt. Vergelijkbaar betekent niet gelijk: gebruik het als richting.")
