"""The three parts of the page 'Verbanden' (Streamlit). Statistics in dashboard.stats, tables and figures in
dashboard.stats.charts, data in dashboard.stats.queries.

  scope_picker(choice) -> (scope, label)   one gemeente or heel Nederland ('NL'); kept in ?gebied=
  render_relation(scope, label, highlight) scatter + fit line, sentence, regression table, added-variable plot
  render_bright_spots(scope, label, highlight)  buurten clearly better than expected ("waar kunnen we van leren")
  render_peer_explainer(highlight)         how vergelijkbare buurten are chosen, and the chosen buurt's peers
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import html_table, state
from dashboard.stats import charts as sc
from dashboard.stats import queries as q
from dashboard.core.format import fmt_number
from dashboard.core.whole_choice import whole_choice
from dashboard.stats.deviance import LOG_VARIABLES, for_buurt
from dashboard.stats.expected_text import background
from dashboard.stats.relation_notes import (ABOUT_EXPECTED, ABOUT_EXPECTED_ESTIMATE, estimate_note, left_out_note,
                                             relation_notes, used_headline)
from dashboard.stats.relations import CAVEAT, MAX_CONTROLS
from dashboard.stats.indicator_order import catalogue_order
from dashboard.verbanden import options as opt
from pipelines.precompute import OUTCOMES

DEFAULT_X, DEFAULT_Y = "huishoudens_laagste_40pct", "ervaren_gezondheid_goed"
NL = "NL"


LINK_FIELDS = {"gebied": "het gebied", "x": "de x-as", "y": "de y-as", "uitkomst": "de uitkomst"}


def _param(key: str, valid, fallback, widget: str, avoid: str | None = None):
    """A URL value when valid, else the fallback (or the first valid value when the fallback is not valid; never
    `avoid`, the other axis, when another is valid: a fallback of y equal to x shows no relation). A value
    the link asked for that is not valid here is named on the page while its widget is first drawn (later the
    page itself writes the URL: a choice that a new area does not offer is no link's fault)."""
    valid = list(valid)
    raw = st.query_params.get(key)
    # a link typed by hand: ' gm0858', 'nl', 'EENZAAM' mean what the Kaart and the profile read them as
    read = None if raw is None else (raw.strip().upper() if key == "gebied" else raw.strip().lower())
    if read is not None and read not in valid and widget not in st.session_state:
        st.info(state.link_value_note(LINK_FIELDS.get(key, key), raw))
    if read in valid:
        return read
    options = [v for v in valid if v != avoid] or valid
    return fallback if fallback in options else options[0]


def _csv(table: pd.DataFrame) -> bytes:
    return table.to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")


def scope_picker(choice: state.RegionChoice) -> tuple[str, str]:
    """Radio (one gemeente / heel Nederland) and a gemeente box; default: the gemeente of the chosen region."""
    gem = q.cached("gemeenten")
    names = dict(zip(gem["region_code"], gem["name"]))
    here = choice.region.get("gemeente_code") if choice.status == "ok" else None
    fallback = here if isinstance(here, str) and here in names else NL
    start = _param("gebied", [NL, *names], fallback, "verband_soort")
    left, right = st.columns([1, 2])
    kind = left.radio("Welke buurten?", ["Eén gemeente", "Heel Nederland"], index=int(start == NL),
                      key="verband_soort", horizontal=True)
    scope = NL
    if kind == "Eén gemeente":
        codes = list(names)
        default = start if start in names else (here if here in names else "GM0344")
        scope = right.selectbox("Gemeente", codes, index=codes.index(default), format_func=names.get,
                                key="verband_gemeente")
    st.query_params["gebied"] = scope
    st.caption("Provincies zitten niet in deze gegevens: kies één gemeente of heel Nederland.")
    return scope, ("heel Nederland" if scope == NL else f"gemeente {names[scope]}")


def render_relation(scope: str, scope_label: str, highlight: str | None) -> None:
    catalogue, wide = q.cached("indicators"), q.cached("buurt_wide")
    every = sc.indicator_options(catalogue, catalogue_order())
    counts = opt.buurt_counts(wide, every, q.scope_codes(wide, scope))
    options = opt.offered(every, counts)
    ids = list(options)
    if len(ids) < 2:
        st.warning(f"In {scope_label} hebben te weinig buurten cijfers om een verband te tonen.")
        return
    # one under the other: side by side, a long option ('Zorgen · Inkomensontvangers in de landelijke 40% laagste
    # inkomens') was cut with '…' at 1300 px; a phone gets the whole label under the box (core.whole_choice)
    x = st.selectbox("Cijfer langs de x-as (van links naar rechts)", ids, format_func=options.get, key="verband_x",
                     index=ids.index(_param("x", ids, DEFAULT_X, "verband_x")))
    whole_choice(st, options[x])
    y = st.selectbox("Cijfer langs de y-as (van onder naar boven)", ids, format_func=options.get, key="verband_y",
                     index=ids.index(_param("y", ids, DEFAULT_Y, "verband_y", avoid=x)))
    whole_choice(st, options[y])
    st.query_params["x"], st.query_params["y"] = x, y
    # no max_selections on the widget: at the limit the browser said 'You can only select up to 5 options. Remove an
    # option first.' (Streamlit's English); the bound is kept here, in Dutch, and the choice stays as made
    chosen = st.multiselect(f"Houd rekening met (hoogstens {MAX_CONTROLS} achtergrondkenmerken)", ids,
                            format_func=options.get, key="verband_controls",
                            placeholder="bijvoorbeeld leeftijd of dichtheid", select_all=False)
    controls = tuple(c for c in chosen if c not in (x, y))
    if len(controls) < len(chosen):
        st.caption("Een gekozen kenmerk is al x of y en telt niet nog eens mee.")
    if len(controls) > MAX_CONTROLS:
        st.warning(f"U koos {len(controls)} kenmerken; er tellen er hoogstens {MAX_CONTROLS} mee. Alleen de eerste "
                   f"{MAX_CONTROLS} tellen nu mee. Haal er een weg om zelf te kiezen welke.", icon=":material/warning:")
        controls = controls[:MAX_CONTROLS]
    note = opt.left_out_text(every, options, counts, scope_label)
    if note:
        st.caption(note)
    weighted = st.toggle("Weeg buurten naar aantal inwoners (grote buurten tellen zwaarder)", key="verband_gewogen")
    st.info(f"**Let op: dit gaat over buurten, niet over mensen.** {CAVEAT} Wie in een buurt met veel lage inkomens "
            "woont, heeft zelf niet per se een laag inkomen. Veel cijfers zijn geschat (RIVM/CBS).",
            icon=":material/info:")
    if x == y:
        st.warning("Kies twee verschillende cijfers.")
        return
    res = q.relation(x, y, controls, weighted, scope)
    if isinstance(res, str):
        st.warning(res)
        return
    st.markdown(f"{used_headline(res.n_used, res.n_missing, scope_label)} {sc.relation_sentence(res, catalogue)}")
    notes = relation_notes(res, catalogue, q.cached("provenance"), scope_label)
    if notes:   # who is left out, different years, model estimates: said beside the result, not only in a table
        st.markdown("**Lees dit erbij:**\n" + "\n".join(f"- {n}" for n in notes))
    st.plotly_chart(sc.scatter_figure(res, wide, catalogue, highlight, q.cached("rounding_intervals", (x, y))),
                    key="verband_scatter",
                    config={"displayModeBar": False})
    # the band is the line's 95% interval; drawn around a cloud of buurten it reads as 'where 95% of buurten lie'
    st.caption("De lijn is de rechte lijn die het best door de buurten past"
               + (", met de andere kenmerken op hun gemiddelde" if controls else "") + ". De lichtblauwe band is "
               "het 95%-betrouwbaarheidsinterval van die lijn: hoe zeker de plaats van de lijn is, niet waar de "
               "buurten liggen. Buurten kunnen ver buiten de band liggen; dat is gewoon.")
    _highlight_note(res, wide, highlight, scope, x, y, controls, options)
    table = sc.regression_table(res, catalogue, q.cached("provenance"))
    st.markdown("**Regressietabel**")
    # HTML, not st.dataframe: a grid cell never wraps, so 'Onderdeel' was cut at 1300 px ('Weggelaten: buurten met
    # een ont') and more at 390 px; here every cell wraps, and a table wider than a phone scrolls in a region
    # that Tab reaches (core.html_table)
    st.html(html_table.table_html(table, "Regressietabel"))
    st.caption(f"Lijn: {'gewogen (WLS, naar inwoners)' if weighted else 'gewone'} kleinste-kwadratenmethode met "
               "robuuste standaardfouten (HC3). BI = 95%-betrouwbaarheidsinterval; het interval en de p-waarde "
               "komen uit de t-verdeling, zodat ze bij weinig buurten ruimer zijn. "
               f"{fmt_number(res.n_missing)} buurten in {scope_label} doen niet mee omdat een cijfer ontbreekt.")
    st.download_button("Download de regressietabel (CSV)", _csv(table), icon=":material/download:",
                       file_name=f"buurtbalans-verband-{x}-{y}-{scope}.csv", mime="text/csv", key="verband_csv")
    if res.partial is not None:
        st.markdown("**Wat blijft er over na rekening houden met de andere kenmerken?**")
        st.plotly_chart(sc.partial_figure(res, wide, catalogue, highlight), key="verband_partial",
                        config={"displayModeBar": False})
        st.caption("Beide assen tonen hoeveel een buurt afwijkt van wat de andere kenmerken doen verwachten. De "
                   "helling van de lijn is precies de schatting voor x in de tabel.")


def _highlight_note(res, wide, code, scope, x, y, controls, options) -> None:
    if code is None or code in set(res.points["region_code"]):
        return
    name = wide.loc[code, "name"] if code in wide.index else code
    if code not in wide.index or (scope != NL and wide.loc[code, "gemeente_code"] != scope):
        st.caption(f"De gekozen buurt {name} ligt niet in dit gebied en staat niet in de grafiek.")
        return
    gaps = [options[c].split(" · ", 1)[-1] for c in (x, y, *controls) if pd.isna(wide.loc[code, c])]
    gaps += ["inwoners"] if res.weighted and pd.isna(wide.loc[code, "inwoners"]) else []
    st.caption(f"De gekozen buurt {name} staat niet in de grafiek: er ontbreekt een cijfer ({', '.join(gaps)}).")


def render_bright_spots(scope: str, scope_label: str, highlight: str | None) -> None:
    catalogue, wide = q.cached("indicators"), q.cached("buurt_wide")
    meta = catalogue.set_index("indicator_id")
    outcomes = [o for o in OUTCOMES if o in meta.index]
    counts = opt.buurt_counts(wide, outcomes, q.scope_codes(wide, scope))
    outcomes = [o for o in outcomes if counts[o] >= opt.MIN_BUURTEN]
    if not outcomes:
        st.warning(f"In {scope_label} hebben te weinig buurten cijfers om een verwachting te berekenen.")
        return
    start = _param("uitkomst", outcomes, outcomes[0], "verwacht_uitkomst")
    named = {o: f"{meta.loc[o, 'label']} (geschat)" if meta.loc[o, "modelled"] else str(meta.loc[o, "label"])
             for o in outcomes}
    outcome = st.selectbox("Uitkomst", outcomes, index=outcomes.index(start), key="verwacht_uitkomst",
                           format_func=named.get)
    whole_choice(st, named[outcome])
    st.query_params["uitkomst"] = outcome
    res = q.expected(outcome, scope)
    if isinstance(res, str):
        st.warning(res)
        return
    st.markdown("## Waar kunnen we van leren?")
    known, not_known = background(res.context, scope_label)   # what the model used here, not what it could use
    table = sc.bright_spots_table(res, wide, catalogue, sc.asset_ids(catalogue, wide))
    # 'Deze buurten' only when there is a list: above an empty one it pointed at nothing (Delft, 0 of 68)
    st.markdown((f"Deze buurten doen het **duidelijk beter** dan je op grond van hun achtergrond ({known}) zou "
                 "verwachten. Wat gebeurt daar? Wat doen bewoners, vrijwilligers en organisaties er? "
                 "Dat is een vraag om te stellen, geen bewijs. Naast de uitkomst staan de cijfers uit de kant "
                 "Kracht.") if len(table) else
                (f"Hier staan de buurten die het **duidelijk beter** doen dan je op grond van hun achtergrond "
                 f"({known}) zou verwachten: een vraag om te stellen, geen bewijs."))
    left_out = left_out_note(res.n_excluded, res.n + res.n_excluded, scope_label, ABOUT_EXPECTED)
    # said beside the result, as on the other tab, not only in the footnote's count; an RIVM estimate as outcome
    # was itself modelled from income and age, which the expectation uses too
    notes = [n for n in (left_out, estimate_note([str(meta.loc[outcome, "label"])], ABOUT_EXPECTED_ESTIMATE)
                         if meta.loc[outcome, "modelled"] else "") if n]
    if notes:
        st.markdown("**Lees dit erbij:**\n" + "\n".join(f"- {n}" for n in notes))
    if not_known:
        st.warning(not_known, icon=":material/warning:")
    if res.weak_fit_warning:
        st.warning(res.weak_fit_warning, icon=":material/warning:")
    st.markdown(f"**{len(table)} van de {fmt_number(res.n)} buurten in {scope_label}** doen het duidelijk beter dan "
                f"verwacht (R² = {fmt_number(res.r_squared, 2)}, n = {fmt_number(res.n)}).")
    if table.empty:
        st.info("Geen buurt ligt duidelijk (buiten de 95%-marge) boven de verwachting.", icon=":material/info:")
    else:
        st.dataframe(sc.shown_numbers(table), hide_index=True, width="stretch")   # '38,0', not '38
        if "aandeel_65plus" in res.context:
            st.caption("Kijk ook naar wat voor buurt het is. Buurten met veel studenten (jong, weinig inkomen) "
                       "vallen vaak op: het model kent leeftijd alleen als het deel 65-plussers.")
        else:
            st.caption("Kijk ook naar wat voor buurt het is: het model weet hier niets van de leeftijd van de "
                       "bewoners.")
        st.download_button("Download deze lijst (CSV)", _csv(table), icon=":material/download:", key="verwacht_csv",
                           file_name=f"buurtbalans-beter-dan-verwacht-{outcome}-{scope}.csv", mime="text/csv")
    prov = q.cached("provenance")
    st.caption(f"{res.spec} {fmt_number(res.n_excluded)} buurten doen niet mee: er ontbreekt een cijfer. Bron uitkomst: "
               f"{provenance_line(prov, [outcome], meta)}. Bron Kracht-cijfers: "
               f"{provenance_line(prov, sc.asset_ids(catalogue, wide), meta)}.")
    if highlight is not None:
        about = for_buurt(res, highlight)
        name = wide.loc[highlight, "name"] if highlight in wide.index else highlight
        text = ("heeft geen verwachting: er ontbreekt een cijfer" if about["flag"] is None
                else f"scoort {about['flag']} op ‘{res.outcome_label}’")
        st.markdown(f"De gekozen buurt **{name}** {text}.")
    with st.expander("Hoe is de verwachting berekend?"):
        st.markdown("Een rekenmodel (lineaire regressie) voorspelt de uitkomst uit de achtergrond van de buurt. "
                    "Zo'n voorspelling is nooit precies: de 95%-marge geeft aan hoe ver buurten er meestal naast "
                    "zitten. Alleen buurten die buiten die marge vallen, staan in de lijst. Een buurt die net boven "
                    "de lijn ligt, telt dus niet mee.")
        st.html(html_table.table_html(sc.coefficients_table(res, catalogue), "Coëfficiënten van het rekenmodel"))


def provenance_line(prov: pd.DataFrame, ids, meta: pd.DataFrame) -> str:
    """'tabel 50090NED, 2020 …, indeling 2020 (Doet vrijwilligerswerk, Sport elke week); tabel …': one source
    with the indicators that come from it."""
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(sc.provenance_text(prov, i), []).append(str(meta.loc[i, "label"]))
    return "; ".join(f"{text} ({', '.join(labels)})" for text, labels in groups.items())


def render_peer_explainer(highlight: str | None) -> None:
    catalogue = q.cached("indicators")
    meta = catalogue.set_index("indicator_id")
    model = q.cached("stats_models").query("model == 'peers'")
    if model.empty:
        st.info("In deze versie van de gegevens zijn geen vergelijkbare buurten berekend.", icon=":material/info:")
        return
    m = model.iloc[0]
    st.markdown(str(m["explanation"]))
    prov = q.cached("provenance")
    variables = str(m["variables"]).split(",")
    st.html(html_table.table_html(pd.DataFrame({   # text that wraps (a grid cell cut 'als logaritme (grote ...')
        "Kenmerk": [str(meta.loc[v, "label"]) if v in meta.index else v for v in variables],
        "Zo meegenomen": ["als logaritme (grote verschillen tellen minder zwaar)" if v in LOG_VARIABLES
                          else "zoals het is" for v in variables],
        "Bron": [sc.provenance_text(prov, v) for v in variables]}), "Kenmerken voor vergelijkbare buurten"))
    st.markdown("**Afstand.** Per kenmerk rekenen we uit hoeveel standaardafwijkingen een buurt van het gemiddelde "
                "ligt. De afstand tussen twee buurten is de rechte-lijnafstand over al die kenmerken samen "
                "(euclidische afstand). Elke buurt krijgt de 10 buurten met de kleinste afstand. Zo vinden we "
                f"buurten voor {fmt_number(m['n'])} buurten; {fmt_number(m['n_excluded'])} buurten missen een kenmerk.")
    st.caption("Vergelijkbare buurten zoeken we altijd in heel Nederland; de keuze van het gebied hierboven geldt "
               "hier niet. Herkomst of migratieachtergrond gebruiken we nooit.")
    if highlight is None:
        st.info("Kies een buurt in de zijbalk om de vergelijkbare buurten te zien.", icon=":material/info:")
        return
    peers = q.cached("peers", highlight)
    if peers.empty:
        st.caption("Voor de gekozen buurt ontbreekt een kenmerk: er zijn geen vergelijkbare buurten berekend.")
        return
    name = q.cached("buurt_wide").loc[highlight, "name"]
    st.markdown(f"**De {len(peers)} buurten die het meest op {name} lijken**")
    st.dataframe(sc.shown_numbers(peer_distances(peers)), hide_index=True, width="stretch")   # '0,30', not '0,3'


def peer_distances(peers: pd.DataFrame) -> pd.DataFrame:
    """The chosen buurt's peers as the page lists them; 'Afstand' at 2 decimals (attrs, for shown_numbers)."""
    table = pd.DataFrame({"Rang": peers["rank"], "Buurt": peers["peer_name"], "Gemeente": peers["peer_gemeente_name"],
                          "Code": peers["peer_code"], "Afstand": peers["distance"].round(2)})
    table.attrs["decimals"] = {"Afstand": 2}
    return table
