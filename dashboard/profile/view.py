"""'Buurt in beeld': load one region's profile (cached reads) and render it (Streamlit).

Public API for other pages and modules:
  load_profile(code) -> Profile        cached reads + table.profile_table(); what the page shows, as data
  render_profile(code, indicator)      the whole page body; the sections of other features come from
                                       profile/sections.py (stats views, the residents' assets) and the
                                       gesprekskaart view
The pure parts live beside it: table.py (profile_table), compare.py (Vergelijken's table), blocks.py, summary.py.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.core import charts
from dashboard.gesprekskaart import view as pack_view
from dashboard.core import db, queries, state
from dashboard.profile import summary
from dashboard.profile import blocks
from dashboard.profile import quadrant
from dashboard.profile import sections
from dashboard.profile.table import LENS_TITLE, profile_table, records
from dashboard.divisions import note as division_note
from dashboard.core.counts import count_text
from dashboard.core.format import among_buurten, fmt_number, indicator_decimals

LENS_INTRO = {"asset": "Wat er is: mensen die meedoen en voor elkaar zorgen, voorzieningen dichtbij.",
              "problem": "Waar mensen het moeilijk kunnen hebben: geld, gezondheid, uitkeringen."}
LEVEL_NAME = {"buurt": "Buurt", "wijk": "Wijk", "gemeente": "Gemeente", "land": "Land"}
STEDELIJKHEID = {1: "zeer sterk stedelijk", 2: "sterk stedelijk", 3: "matig stedelijk", 4: "weinig stedelijk",
                 5: "niet stedelijk"}
CONTEXT_STRIP = ("inwoners", "bevolkingsdichtheid", "stedelijkheid")
CONTEXT_COLUMNS = ["indicator_id", "value", "missing_text", "label", "period", "table_id", "attribution", "table_title",
                   "boundary_year"]


@dataclass
class Profile:
    region: dict          # mart_regions row (+ label)
    table: pd.DataFrame   # profile_table()
    sources: pd.DataFrame  # mart_sources
    derived: dict = field(default_factory=dict, repr=False, compare=False)   # blocks.derived: the page's parts


def load_profile(code: str) -> Profile:
    """Everything the page shows for one region, cached per release and region: ONE object shared by every
    session and run (read-only: never modify what it holds)."""
    return _load_profile_cached(db.release_key(), code)


# cache_resource, not cache_data: cache_data pickled every new profile to store it and unpickled a copy on every
# read (~1.5 ms of CPU per profile, ~4% of a page run under load: py-spy, benchmarks/bench_load_server.py), and
# kept a copy of the release's sources in each entry. Nothing changes a Profile after it is made.
@st.cache_resource(max_entries=128, ttl=timedelta(hours=6), show_spinner=False)
def _load_profile_cached(release: str, code: str) -> Profile:
    region = state.region_row(code)
    gemeente = region["gemeente_code"] if region and isinstance(region.get("gemeente_code"), str) else None
    sources = state.shared("sources")
    below_gemeente = region and region["level"] in ("buurt", "wijk") and gemeente
    # this function is the cache of the region's own reads; the gemeente's are shared by its buurten
    table = profile_table(queries.profile(code), queries.map_status(code),
                          state.cached("area_coverage", gemeente), state.shared("catalogue"), sources,
                          level=region["level"] if region else "buurt",
                          gemeente_profile=state.cached("gemeente_values", gemeente) if below_gemeente else None)
    return Profile(region=region, table=table, sources=sources)


# ----------------------------------------------------------------------------------------------- rendering
def render_header(p: Profile) -> None:
    r = p.region
    st.title(str(r["name"]))
    where = {"buurt": f"Buurt in wijk {r.get('wijk_name')}, gemeente {r.get('gemeente_name')}",
             "wijk": f"Wijk in gemeente {r.get('gemeente_name')}", "gemeente": "Gemeente",
             "land": "Heel Nederland"}[r["level"]]
    st.markdown(f"{where} · code {r['region_code']} · indeling {int(r['boundary_year'])}")
    pack_view.render_pack_button(r)


def context_html(p: Profile) -> str:
    """The context strip: inwoners, bevolkingsdichtheid and stedelijkheid with period and source."""
    # the rows as plain records (table.records): set_index and a .loc per row were ~1.5 ms of a run
    rows = {r["indicator_id"]: r for r in records(p.table, CONTEXT_COLUMNS) if r["indicator_id"] in CONTEXT_STRIP}
    return context_strip_html([(ind, rows[ind]) for ind in CONTEXT_STRIP if ind in rows], p.region["level"])


def context_strip_html(rows: list, level: str) -> str:
    """The context strip's HTML from its rows in CONTEXT_STRIP order, (indicator_id, row mapping) each."""
    blocks, sources = [], set()
    for ind, r in rows:
        if pd.isna(r["value"]):
            text, small = str(r["missing_text"]), ""
        elif ind == "stedelijkheid":
            text, small = f"{int(r['value'])} van 5", STEDELIJKHEID.get(int(r["value"]), "")
        elif ind == "bevolkingsdichtheid":
            text, small = fmt_number(r["value"], indicator_decimals(ind)), "inwoners per km²"
        else:   # inwoners of a wijk or buurt: CBS rounds them to 5 ('minder dan 3', 'ongeveer 5 (3 tot 7)')
            text, small = count_text(r["value"], ind, level), ""
        label = "Stedelijkheid" if ind == "stedelijkheid" else str(r["label"])
        period = f" ({r['period']})" if pd.notna(r["period"]) else ""
        blocks.append(f'<div class="bb-ctx"><div class="bb-ctx-label">{html.escape(label + period)}</div>'
                      f'<span class="bb-ctx-value">{html.escape(text)}</span> '
                      f'<span class="bb-unit">{html.escape(small)}</span></div>')
        if pd.notna(r["table_id"]):
            sources.add(f"{r['attribution']}, {r['table_title']} ({r['table_id']}), indeling "
                        f"{int(r['boundary_year'])}")
    return (f'<div class="bb-ctxs">{"".join(blocks)}</div>'
            f'<div class="bb-meta">{html.escape("; ".join(sorted(sources)))}</div>')


def html_block(body: str) -> None:
    """Our own HTML (escaped where it holds data) as st.html, not st.markdown(unsafe_allow_html=True): the browser
    sets it as HTML instead of running it through its markdown and HTML parsers (remark, rehype-raw) and making a
    React element of every tag, which was most of the time from the profile's data to its drawn blocks
    (benchmarks/bench_browser.py). The wrapper's class keeps the markdown element's spacing (charts.CSS)."""
    st.html(f'<div class="bb-html">{body}</div>')


def render_context(p: Profile) -> None:
    html_block(context_html(p))


def render_summary(p: Profile) -> None:
    with st.container(border=True):
        st.markdown("## In het kort")  # h2 under the h1 name: heading order (axe)
        for paragraph in summary_of(p):
            st.markdown(paragraph)


def summary_of(p: Profile) -> list[str]:
    """summary.summarize of one region's profile, once per profile (blocks.derived)."""
    return blocks.derived(p, ("summary",), lambda: summary.summarize(p.table, p.region["level"],
                                                                     n_buurten=buurten_in_wijk(p)))


def buurten_in_wijk(p: Profile) -> int | None:
    """How many buurten the wijk has (None for another level): a wijk of one buurt is no average of several."""
    if p.region["level"] != "wijk":
        return None
    return _buurten_in_wijk(db.release_key(), str(p.region["region_code"]))


@st.cache_data(max_entries=256, ttl=timedelta(hours=6), show_spinner=False)
def _buurten_in_wijk(release: str, code: str) -> int:
    # the materialised copy (queries.region reads it too): the mart_regions view aggregates the release per read
    return int(db.rows("select count(*) from mart_regions_table where level = 'buurt' and wijk_code = ?",
                       [code])[0][0])


@st.cache_resource(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _quadrant_figure(release: str, gemeente_code: str, focus: str | None, highlight: tuple[str, ...] | None,
                     area_name: str):
    """The quadrant of one gemeente's buurten (a plotly Figure, shared read-only: st.plotly_chart copies it)."""
    return quadrant.quadrant_of(_gemeente_points(release, gemeente_code), focus=focus,
                                highlight=set(highlight) if highlight is not None else None, area_name=area_name)


@st.cache_resource(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _gemeente_points(release: str, gemeente_code: str) -> quadrant.Points:
    """The quadrant's dots of one gemeente (scores and hover text), shared read-only by its buurten' figures."""
    return quadrant.points(gemeente_scores(gemeente_code))


def gemeente_scores(gemeente_code: str) -> pd.DataFrame:
    """mart_buurt_scores of one gemeente's buurten (shared, read-only): scores[scores.gemeente_code == code], once
    per release and gemeente instead of a filter over 14,000 codes three times in every run of the page."""
    return _gemeente_scores(db.release_key(), gemeente_code)


@st.cache_resource(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _gemeente_scores(release: str, gemeente_code: str) -> pd.DataFrame:
    scores, rows = _scores_by_gemeente(release)
    return scores.take(rows[gemeente_code]) if gemeente_code in rows else scores.iloc[:0]


@st.cache_resource(max_entries=2, ttl=timedelta(hours=6), show_spinner=False)
def _scores_by_gemeente(release: str) -> tuple[pd.DataFrame, dict]:
    """The shared buurt scores and, per gemeente, the positions of its rows (in order), found in one pass per
    release: taking them is ~0.6 ms, where a mask over 14,000 codes was ~2 ms per gemeente."""
    scores = state.shared("buurt_scores")
    return scores, scores.groupby("gemeente_code", sort=False).indices


def render_lens(p: Profile, lens: str, chosen: str | None) -> None:
    colour = charts.LENS_COLOUR[lens]
    html_block(f'<div class="bb-lens" style="border-color:{colour};color:{colour}">{LENS_TITLE[lens]}</div>')
    st.caption(LENS_INTRO[lens])
    # one element for the lens's blocks instead of one per indicator: the browser draws the profile ~0.15 s sooner
    # (bench: the time from the title to the finished profile), the HTML is the same
    html_block("\n\n".join(blocks.indicator_blocks(p, chosen)[lens]))


MORE_LABEL = "Meer cijfers (o.a. geregistreerde misdrijven)"
MORE_OPEN = "more_open"  # session_state key of the 'Meer cijfers' expander (True = open)


def render_more(p: Profile, chosen: str | None) -> None:
    """'Meer cijfers': the figures kept off the landing view and the context lens ('Wie wonen hier'). Closed, it
    is built only when the reader opens it (a fragment: opening reruns only this part; a fifth of the page's
    elements); a chosen indicator among them (?indicator=) opens it, built at once as before."""
    if chosen in set(blocks.indicator_blocks(p, chosen)["extra_ids"]):
        with st.expander(MORE_LABEL, expanded=True):
            _more_content(p, chosen)
        return
    _more_fragment(str(p.region["region_code"]), chosen)


@st.fragment
def _more_fragment(code: str, chosen: str | None) -> None:
    box = st.expander(MORE_LABEL, key=MORE_OPEN, on_change="rerun")
    with box:
        if box.open:
            _more_content(load_profile(code), chosen)


def _more_content(p: Profile, chosen: str | None) -> None:
    parts = blocks.indicator_blocks(p, chosen)
    for block, description in parts["extra"]:
        st.markdown(block, unsafe_allow_html=True)
        st.caption(description)
    st.markdown("**Wie wonen hier, en wat voor plek is het?**")
    left, right = st.columns(2)
    for i, block in enumerate(parts["context"]):
        (left if i % 2 == 0 else right).markdown(block, unsafe_allow_html=True)


def render_quadrant(p: Profile) -> None:
    r = p.region
    st.subheader("Kracht en zorgen samen")
    if r["level"] == "land":
        st.caption("Kies een gemeente, wijk of buurt om de buurten daarvan te zien.")
        return
    area = gemeente_scores(str(r["gemeente_code"]))
    focus = r["region_code"] if r["level"] == "buurt" else None
    highlight = set(area.loc[area["wijk_code"] == r["region_code"], "region_code"]) if r["level"] == "wijk" else None
    dots = _gemeente_points(db.release_key(), str(r["gemeente_code"]))   # the buurten with both scores (shared)
    st.markdown(quadrant_sentence(area, r, dots))
    figure = _quadrant_figure(db.release_key(), str(r["gemeente_code"]), focus,
                              tuple(sorted(highlight)) if highlight is not None else None, str(r["gemeente_name"]))
    st.plotly_chart(figure, config={"displayModeBar": False}, key="quadrant")
    _quadrant_table_fragment(str(r["gemeente_code"]))   # text alternative (WCAG 2.1 AA)
    n_out = len(area) - len(dots.codes)   # the buurten without both scores
    st.caption("Hoe lees je dit? Elke stip is een buurt in " + str(r["gemeente_name"]) + ". Naar rechts: meer "
               "kracht. Naar boven: meer zorgen. 0 is de gemiddelde buurt in Nederland. Methode: voor elk cijfer "
               "dat in de samenvatting telt, is berekend hoe ver een buurt van het gemiddelde van alle buurten "
               "afligt (z-score), zo gedraaid dat hoger altijd 'meer kracht' of 'meer zorgen' is. Per kant is "
               "het gemiddelde genomen. Een cijfer uit aantallen die CBS afrondt (mensen met een uitkering) telt mee met de "
               "waarde binnen de afronding die het dichtst bij het gemiddelde ligt. "
               "Er zitten geen cijfers over herkomst of migratieachtergrond in. De "
               "cijfers komen uit verschillende jaren en zijn deels geschat: zie de stippen als richting, niet "
               "als rapportcijfer." + (f" {n_out} buurten hebben te weinig cijfers (minder dan 3 aan een kant) en staan er "
                                  "niet in." if n_out else ""))


QUADRANT_TABLE_OPEN = "quadrant_table_open"  # session_state key of the quadrant's text table (True = open)


@st.fragment
def _quadrant_table_fragment(gemeente_code: str) -> None:
    """The quadrant as a text table, in an expander that builds the table only when the reader opens it (a
    fragment, so opening it reruns only this part): a gemeente has up to ~500 buurten."""
    box = st.expander("Tabel bij de grafiek: de buurten als tekst", key=QUADRANT_TABLE_OPEN, on_change="rerun")
    with box:
        if box.open:
            st.table(quadrant.quadrant_table(gemeente_scores(gemeente_code)))


def quadrant_sentence(area: pd.DataFrame, region: dict, dots: quadrant.Points | None = None) -> str:
    """The sentence above the quadrant. `dots`: quadrant.points(area) when the caller has them (a gemeente's are
    cached): the buurten with both scores, read from plain lists instead of pandas masks over the area."""
    dots = quadrant.points(area) if dots is None else dots
    if region["level"] != "buurt":
        n = len(dots.codes)
        return f"De {n} buurten van {region['gemeente_name']} op kracht en zorgen." if region["level"] == "gemeente" \
            else f"De buurten van wijk {region['name']} (gekleurd) tussen de andere buurten van {region['gemeente_name']}."
    if region["region_code"] not in dots.codes:   # not in the area, or a score missing
        return "Voor deze buurt zijn te weinig cijfers om hem hier te tonen."
    i = dots.codes.index(region["region_code"])
    s, n = dots.x[i], dots.y[i]
    return (f"Vergeleken met de gemiddelde buurt in Nederland heeft {region['name']} {_compared(s, 'kracht')} en "
            f"{_compared(n, 'zorgen')}.")


def _compared(score: float, what: str) -> str:
    """'meer kracht', 'minder zorgen', or 'ongeveer evenveel zorgen' within quadrant.NEAR_AVERAGE of 0 (the
    quadrant's text table says the same of each buurt)."""
    return f"{quadrant.compared(score, 'meer', 'minder', 'ongeveer evenveel')} {what}"


def render_sources(p: Profile) -> None:
    st.subheader("Bronnen")
    st.markdown(blocks.sources_markdown(p))
    st.caption("Geschat = een modelschatting (RIVM/CBS), geen telling. Een cijfer en zijn gemeente- en "
               "Nederlandwaarde komen altijd uit dezelfde tabel en hetzelfde jaar. Meer uitleg: 'Over de data'.")


def render_profile(code: str, chosen: str | None = None) -> None:
    """The 'Buurt in beeld' page body for one existing region code."""
    p = load_profile(code)
    render_header(p)
    render_context(p)
    sections.soft("Cijfers uit een oudere indeling", division_note.render_division_note, code, str(p.region["name"]))
    render_summary(p)
    st.caption("De balk laat zien waar een cijfer staat tussen alle buurten van Nederland: links de laagste "
               "waarde, rechts de hoogste." + (" " + among_buurten(p.region["level"], buurten_in_wijk(p))
                                               if p.region["level"] != "buurt"
                                               else ""))
    left, right = st.columns(2, gap="large")
    with left:
        render_lens(p, "asset", chosen)
        sections.render_resident_assets(p.region)
    with right:
        render_lens(p, "problem", chosen)
    render_more(p, chosen)
    sections.render_benchmarks(p.region)
    sections.render_development(p.region)
    render_quadrant(p)
    render_sources(p)
