"""'Buurt in beeld': assemble one region's profile (pure) and render it (Streamlit).

Public API for other pages and modules:
  load_profile(code) -> Profile        cached reads + profile_table(); what the page shows, as data
  profile_table(...) -> DataFrame      pure: one display row per visible indicator (see its docstring)
  charts.indicator_html(row, ...)      one indicator as a small printable HTML block (re-exported here)
  render_profile(code, indicator)      the whole page body; the sections of other features come from
                                       profile_sections (stats_views.render_expected / render_peer_benchmark /
                                       render_trends, assets_views.render_asset_summary) and pack_view
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import pandas as pd
import streamlit as st

from dashboard.core import charts
from dashboard.gesprekskaart import view as pack_view
from dashboard.core import db, queries, state
from dashboard.profile import summary
from dashboard.profile import blocks
from dashboard.profile import sections
from dashboard.divisions import note as division_note
from dashboard.core.charts import age_text, share_text, indicator_html
from dashboard.core.format import (MISSING_TEXT, NOT_IN_DATA, among_buurten, fmt_number, fmt_value,
                                   other_division_text, value_text)

LENS_TITLE = {"asset": "Kracht", "problem": "Zorgen"}
LENS_INTRO = {"asset": "Wat er is: mensen die meedoen en voor elkaar zorgen, voorzieningen dichtbij.",
              "problem": "Waar mensen het moeilijk kunnen hebben: geld, gezondheid, uitkeringen."}
LEVEL_NAME = {"buurt": "Buurt", "wijk": "Wijk", "gemeente": "Gemeente", "land": "Land"}
STEDELIJKHEID = {1: "zeer sterk stedelijk", 2: "sterk stedelijk", 3: "matig stedelijk", 4: "weinig stedelijk",
                 5: "niet stedelijk"}
CONTEXT_STRIP = ("inwoners", "bevolkingsdichtheid", "stedelijkheid")
GEMEENTE_ONLY = "alleen per gemeente bekend"
GEMEENTE_CONTEXT = ["gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper",
                    "period", "boundary_year", "table_id", "table_title"]


@lru_cache(maxsize=1)
def catalogue_order() -> dict[str, int]:
    """Indicator id -> position in pipelines/catalogue.toml (the order the profile shows them in)."""
    from pipelines.catalogue import load_catalogue
    return {ind.id: i for i, ind in enumerate(load_catalogue().indicators)}


def _missing_text(row, level: str = "buurt") -> str:
    if row.get("missing_reason") == "other_area":  # the code named another area then (division_identity)
        return division_note.missing_text(row.get("boundary_year"))
    if row["n_values"] == 0:
        return NOT_IN_DATA
    if isinstance(row.get("missing_reason"), str):
        return MISSING_TEXT.get(row["missing_reason"], MISSING_TEXT[None])
    if row.get("status") == "geheim":
        return MISSING_TEXT["suppressed"]
    if level == "land" or row.get("status") == "geen_landcijfer":
        return MISSING_TEXT["geen_landcijfer"]  # the table has no row for Nederland: no division involved
    if row.get("status") == "andere_indeling":
        return other_division_text(level, row["boundary_year"] if pd.notna(row.get("boundary_year")) else None)
    return MISSING_TEXT[None]


def gemeente_context(out: pd.DataFrame, gemeente_profile: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """For a buurt or wijk: an indicator that exists only per gemeente (no buurt has a value, e.g. opkomst)
    shows its gemeente's figure as context (gemeente_value, with that row's period and source), and says so."""
    only_gm = set(catalogue.loc[catalogue["buurten_with_value"].fillna(0) == 0, "indicator_id"]) \
        if "buurten_with_value" in catalogue else set()
    gm = gemeente_profile[gemeente_profile["is_default_group"].astype(bool) & gemeente_profile["value"].notna()]
    gm = gm.drop_duplicates("indicator_id").set_index("indicator_id")
    out = out.copy()
    todo = out["value"].isna() & out["indicator_id"].isin(only_gm) & out["indicator_id"].isin(gm.index)
    for i, ind in out.loc[todo, "indicator_id"].items():
        g = gm.loc[ind]
        for col in GEMEENTE_CONTEXT:   # the gemeente's own value/lower/upper become gemeente_*
            src = col.replace("gemeente_", "") if col.startswith("gemeente_") else col
            out.at[i, col] = g.get(src)
        out.at[i, "missing_text"] = GEMEENTE_ONLY
    return out


def profile_table(profile: pd.DataFrame, status: pd.DataFrame, coverage: pd.DataFrame,
                  catalogue: pd.DataFrame, sources: pd.DataFrame, level: str = "buurt",
                  gemeente_profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator that is not hidden, in catalogue order: the region's value in the default age
    group, with gemeente/NL values, share_lower (% of buurten with a lower value), other age groups as text,
    source (table_id, table_title, period, boundary_year, attribution, scope_note when the shipped table covers
    only part of NL) and missing_text (None when there is
    a value; else 'niet beschikbaar', 'geheim …', or 'niet in de meegeleverde gegevens' when no region in
    this gemeente has the figure at all). Inputs: queries.profile/map_status/area_coverage/catalogue/sources.
    """
    cat = catalogue[~catalogue["hidden"].astype(bool)].copy()
    meta_cols = ["indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden",
                 "in_summary", "description", "attribution"] + [c for c in ("rounding",) if c in catalogue]
    out = cat[meta_cols]
    default = profile[profile["is_default_group"].astype(bool)].drop_duplicates("indicator_id")
    value_cols = ["indicator_id", "age_group", "period", "boundary_year", "table_id", "table_title", "value",
                  "lower", "upper", "missing_reason", "gemeente_value", "gemeente_lower", "gemeente_upper",
                  "nl_value", "nl_lower", "nl_upper", "n_lower", "n_higher", "n_total"] + [
                  c for c in ("n_buurten_all",) if c in profile]
    out = out.merge(default[value_cols], on="indicator_id", how="left")
    st_cols = status[["indicator_id", "period", "boundary_year", "table_id", "status"]]
    out = out.merge(st_cols, on="indicator_id", how="left", suffixes=("", "_map"))
    for col in ("period", "boundary_year", "table_id"):
        out[col] = out[col].where(out[col].notna(), out[f"{col}_map"])
    titles = dict(zip(sources["table_id"], sources["title"]))
    out["table_title"] = [t if isinstance(t, str) and t != tid else
                          " + ".join(titles.get(p, p) for p in str(tid).split("+")) if isinstance(tid, str) else ""
                          for t, tid in zip(out["table_title"], out["table_id"])]
    scopes = sources.dropna(subset=["snapshot_scope"]) if "snapshot_scope" in sources else sources.iloc[:0]
    out["scope_note"] = out["table_id"].map(dict(zip(scopes["table_id"], scopes["snapshot_scope"])))
    out = out.merge(coverage, on="indicator_id", how="left")
    out["n_values"] = out["n_values"].fillna(0).astype(int)
    out["share_lower"] = [100 * lo / n if pd.notna(n) and n else None for lo, n in zip(out["n_lower"], out["n_total"])]
    others = profile[~profile["is_default_group"].astype(bool) & profile["value"].notna()]
    other_parts: dict[str, list[str]] = {}   # plain loops over columns: iterrows costs ~0.1 ms a row
    for ind, age, value, unit in zip(others["indicator_id"], others["age_group"], others["value"], others["unit"]):
        other_parts.setdefault(ind, []).append(f"{age_text(age) or age}: {fmt_value(value, unit)}")
    out["other_groups"] = ["; ".join(other_parts.get(i, ())) for i in out["indicator_id"]]
    missing = out["value"].isna()
    texts = {i: _missing_text(r, level) for i, r in out[missing].iterrows()}
    out["missing_text"] = [texts.get(i) for i in out.index]
    if gemeente_profile is not None and not gemeente_profile.empty:
        out = gemeente_context(out, gemeente_profile, catalogue)
    order = catalogue_order()
    out["_order"] = out["indicator_id"].map(order).fillna(len(order))
    drop = ["period_map", "boundary_year_map", "table_id_map", "_order"]
    return out.sort_values("_order").drop(columns=drop).reset_index(drop=True)


@dataclass
class Profile:
    region: dict          # mart_regions row (+ label)
    table: pd.DataFrame   # profile_table()
    sources: pd.DataFrame  # mart_sources


def load_profile(code: str) -> Profile:
    """Everything the page shows for one region, cached per release and region (a copy per call)."""
    return _load_profile_cached(db.release_key(), code)


@st.cache_data(max_entries=128, ttl=timedelta(hours=6), show_spinner=False)
def _load_profile_cached(release: str, code: str) -> Profile:
    region = state.region_row(code)
    gemeente = region["gemeente_code"] if region and isinstance(region.get("gemeente_code"), str) else None
    sources = state.shared("sources")
    below_gemeente = region and region["level"] in ("buurt", "wijk") and gemeente
    # this function is the cache of the region's own reads; the gemeente's are shared by its buurten
    table = profile_table(queries.profile(code), queries.map_status(code),
                          state.cached("area_coverage", gemeente), state.shared("catalogue"), sources,
                          level=region["level"] if region else "buurt",
                          gemeente_profile=state.cached("profile", gemeente) if below_gemeente else None)
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
    rows = p.table.set_index("indicator_id")
    blocks, sources = [], set()
    for ind in CONTEXT_STRIP:
        if ind not in rows.index:
            continue
        r = rows.loc[ind]
        if pd.isna(r["value"]):
            text, small = str(r["missing_text"]), ""
        elif ind == "stedelijkheid":
            text, small = f"{int(r['value'])} van 5", STEDELIJKHEID.get(int(r["value"]), "")
        elif ind == "bevolkingsdichtheid":
            text, small = fmt_number(r["value"]), "inwoners per km²"
        else:
            text, small = fmt_value(r["value"], r["unit"]), ""
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


def render_context(p: Profile) -> None:
    st.markdown(context_html(p), unsafe_allow_html=True)


def render_summary(p: Profile) -> None:
    with st.container(border=True):
        st.markdown("## In het kort")  # h2 under the h1 name: heading order (axe)
        for paragraph in _summary_cached(db.release_key(), p.region["region_code"], p):
            st.markdown(paragraph)


@st.cache_data(max_entries=128, ttl=timedelta(hours=6), show_spinner=False)
def _summary_cached(release: str, code: str, _p: Profile) -> list[str]:
    """summary.summarize of one region's profile, per release and region (_p, not hashed, is that profile)."""
    return summary.summarize(_p.table, _p.region["level"])


@st.cache_resource(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _quadrant_figure(release: str, gemeente_code: str, focus: str | None, highlight: tuple[str, ...] | None,
                     area_name: str):
    """The quadrant of one gemeente's buurten (a plotly Figure, shared read-only: st.plotly_chart copies it)."""
    scores = state.shared("buurt_scores")
    area = scores[scores["gemeente_code"] == gemeente_code]
    return charts.quadrant(area, focus=focus, highlight=set(highlight) if highlight is not None else None,
                           area_name=area_name)


def render_lens(p: Profile, lens: str, chosen: str | None) -> None:
    colour = charts.LENS_COLOUR[lens]
    st.markdown(f'<div class="bb-lens" style="border-color:{colour};color:{colour}">{LENS_TITLE[lens]}</div>',
                unsafe_allow_html=True)
    st.caption(LENS_INTRO[lens])
    for block in blocks.indicator_blocks(p, chosen)[lens]:
        st.markdown(block, unsafe_allow_html=True)


def render_more(p: Profile, chosen: str | None) -> None:
    parts = blocks.indicator_blocks(p, chosen)
    with st.expander("Meer cijfers (o.a. geregistreerde misdrijven)", expanded=bool(chosen in set(parts["extra_ids"]))):
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
    scores = state.shared("buurt_scores")
    area = scores[scores["gemeente_code"] == r["gemeente_code"]]
    focus = r["region_code"] if r["level"] == "buurt" else None
    highlight = set(area.loc[area["wijk_code"] == r["region_code"], "region_code"]) if r["level"] == "wijk" else None
    st.markdown(quadrant_sentence(area, r))
    figure = _quadrant_figure(db.release_key(), str(r["gemeente_code"]), focus,
                              tuple(sorted(highlight)) if highlight is not None else None, str(r["gemeente_name"]))
    st.plotly_chart(figure, config={"displayModeBar": False}, key="quadrant")
    with st.expander("Tabel bij de grafiek: de buurten als tekst"):   # text alternative (WCAG 2.1 AA)
        st.table(charts.quadrant_table(area))
    n_out = int(area[["strength_score", "need_score"]].isna().any(axis=1).sum())
    st.caption("Hoe lees je dit? Elke stip is een buurt in " + str(r["gemeente_name"]) + ". Naar rechts: meer "
               "kracht. Naar boven: meer zorgen. 0 is de gemiddelde buurt in Nederland. Methode: voor elk cijfer "
               "dat in de samenvatting telt, is berekend hoe ver een buurt van het gemiddelde van alle buurten "
               "afligt (z-score), zo gedraaid dat hoger altijd 'meer kracht' of 'meer zorgen' is. Per kant is "
               "het gemiddelde genomen. Er zitten geen cijfers over herkomst of migratieachtergrond in. De "
               "cijfers komen uit verschillende jaren en zijn deels geschat: zie de stippen als richting, niet "
               "als rapportcijfer." + (f" {n_out} buurten hebben te weinig cijfers en staan er niet in." if n_out else ""))


def quadrant_sentence(area: pd.DataFrame, region: dict) -> str:
    if region["level"] != "buurt":
        n = int(area[["strength_score", "need_score"]].notna().all(axis=1).sum())
        return f"De {n} buurten van {region['gemeente_name']} op kracht en zorgen." if region["level"] == "gemeente" \
            else f"De buurten van wijk {region['name']} (gekleurd) tussen de andere buurten van {region['gemeente_name']}."
    me = area[area["region_code"] == region["region_code"]]
    if me.empty or me[["strength_score", "need_score"]].isna().any(axis=None):
        return "Voor deze buurt zijn te weinig cijfers om hem hier te tonen."
    s, n = me.iloc[0]["strength_score"], me.iloc[0]["need_score"]
    return (f"{region['name']} heeft {'meer' if s >= 0 else 'minder'} kracht en {'meer' if n >= 0 else 'minder'} "
            "zorgen dan de gemiddelde buurt in Nederland.")


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
               "waarde, rechts de hoogste." + (" " + among_buurten(p.region["level"]) if p.region["level"] != "buurt"
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


# ----------------------------------------------------------------------------------------------- comparison
COMPARE_META = ("Kant", "Onderwerp", "Eenheid", "Periode", "Geschat", "Bron")


def compare_table(profiles: list[Profile]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, chart rows) for 'Vergelijken'. The table is exactly what is shown and downloaded: one row per
    Kracht/Zorgen indicator (landing only), values rounded to one decimal, one column per region
    'Naam (CODE)'. Chart rows: indicator_id, label, lens and per region pos_<code> (% of buurten with a
    lower value) and text_<code> (formatted value or why it is missing)."""
    base = profiles[0].table
    keep = base[base["lens"].isin(["asset", "problem"]) & base["landing"].astype(bool)][
        ["indicator_id", "label", "lens", "unit", "modelled"]]
    table = pd.DataFrame({"Kant": keep["lens"].map(LENS_TITLE), "Onderwerp": keep["label"], "Eenheid": keep["unit"],
                          "Geschat": keep["modelled"].map({True: "ja", False: "nee"})})
    chart = keep[["indicator_id", "label", "lens"]].copy()
    periods, tables = {}, {}
    for p in profiles:
        rows = p.table.set_index("indicator_id").loc[keep["indicator_id"]]
        code = p.region["region_code"]
        table[f"{p.region['name']} ({code})"] = rows["value"].astype(float).round(1).to_numpy()
        chart[f"pos_{code}"] = rows["share_lower"].astype(float).to_numpy()
        chart[f"text_{code}"] = [value_text(r) + (f" (hoger dan {share_text(r['share_lower'])}% "
                                 "van de buurten)" if pd.notna(r["share_lower"]) else "")
                                 if pd.notna(r["value"]) else str(r["missing_text"]) for _, r in rows.iterrows()]
        for ind, r in rows.iterrows():
            if pd.notna(r["period"]) and pd.notna(r["value"]):
                periods.setdefault(ind, set()).add(str(r["period"]))
            if pd.notna(r["table_id"]):
                tables.setdefault(ind, set()).add(f"{r['table_id']} (indeling {int(r['boundary_year'])})")
    table["Periode"] = [" / ".join(sorted(periods.get(i, []))) for i in keep["indicator_id"]]
    table["Bron"] = [", ".join(sorted(tables.get(i, []))) for i in keep["indicator_id"]]
    values = [c for c in table.columns if c not in COMPARE_META]
    table = table[["Kant", "Onderwerp", *values, "Eenheid", "Periode", "Geschat", "Bron"]]
    return table.reset_index(drop=True), chart.reset_index(drop=True)
