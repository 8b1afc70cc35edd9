"""Page 'Vergelijken': two to four regions side by side, per lens, with the table as CSV or Parquet."""
import streamlit as st

from dashboard.core import charts
from dashboard.core import downloads
from dashboard.profile import compare
from dashboard.profile import compare_notes
from dashboard.profile import view as profile_view
from dashboard.core import search, state
from dashboard.core.escaping import md_escape
from dashboard.core.format import figure_base
from dashboard.stats import view_peers

st.title("Vergelijken")
st.markdown("Zet twee tot vier gemeenten, wijken of buurten naast elkaar. Eerst wat er sterk is, dan de zorgen.")

codes, rejected = state.compare_codes()
if not codes and not rejected:  # the chosen region beside its gemeente (or NL); the URL changes on first edit
    here = state.chosen_region()
    if here.status == "ok":
        gemeente = here.region.get("gemeente_code")
        codes = [here.code, gemeente if isinstance(gemeente, str) and gemeente != here.code else "NL00"]
if rejected:
    # a former gemeente (GM1685 Landerd) is named as one, as the profile and the search do, not 'niet gevonden'
    former = [note for r in rejected[:12] if (code := state.normalise_code(r))
              and (note := search.former_note(state.former_gemeenten(), state.search_index(), code))]
    st.warning("Niet gevonden en weggelaten: " + ", ".join(state.safe_text(r) for r in rejected)
               + ". " + " ".join(former) + (" " if former else "") + "Kies de plek opnieuw met het zoekvak.",
               icon=":material/search_off:")
# A link with more than four places (or more parts than compare_codes reads): name what is left out, never drop it
# silently. Only the first 12 parts are looked up, as in compare_codes; the rest are counted.
asked = [p for p in (st.query_params.get(state.COMPARE) or "").split(",") if p.strip()]
over = [c for c in dict.fromkeys(state.normalise_code(p) for p in asked[:12]) if c and c not in codes
        and state.region_row(c)]
unread = len(asked) - 12
if over:
    st.warning(f"U kunt hoogstens {state.MAX_COMPARE} plekken tegelijk vergelijken. Weggelaten: "
               + ", ".join(md_escape(state.region_row(c)["label"]) for c in over[:8])
               + ". Haal eerst een plek weg om een andere toe te voegen.", icon=":material/playlist_remove:")
if unread > 0:
    st.warning(f"De link is te lang: de laatste {unread} {'delen' if unread > 1 else 'deel'} van de link zijn "
               "niet gelezen.", icon=":material/playlist_remove:")

regions = [state.region_row(c) for c in codes]
cols = st.columns(state.MAX_COMPARE)
for col, (i, r) in zip(cols, enumerate(regions)):
    col.markdown(f"**{i + 1}. {r['label']}**")
    col.button("Weghalen", key=f"weg_{r['region_code']}", icon=":material/close:", type="tertiary",
               on_click=state.set_compare_codes, args=([c for c in codes if c != r["region_code"]],))
if len(codes) < state.MAX_COMPARE:
    state.region_search("zoek_vergelijk", lambda code: state.set_compare_codes(codes + [code]),
                        label="Voeg een gemeente, wijk of buurt toe")
buurt = next((c for c in codes if c.startswith("BU")), None)
try:
    peers = view_peers.peer_codes(buurt, k=state.MAX_COMPARE - 1) if buurt else []
except Exception:  # noqa: BLE001 - a release without peers: the page works without the offer
    peers = []
if peers:
    name = state.region_row(buurt)["name"]
    if set(peers) - set(codes):
        st.button(f"Vergelijk {name} met de {len(peers)} buurten die er het meest op lijken", key="vergelijk_peers",
                  icon=":material/group_work:", on_click=state.set_compare_codes, args=([buurt, *peers],),
                  help="Lijken op = vergelijkbaar in inwoners, dichtheid, leeftijd en inkomen, in heel Nederland.")
    else:
        st.caption(f"Dit zijn de {len(peers)} buurten die het meest op {name} lijken: vergelijkbaar in inwoners, "
                   "dichtheid, leeftijd en inkomen. Meer uitleg op 'Buurt in beeld'.")
if len(codes) < 2:
    st.info("Kies minstens twee plekken om te vergelijken.", icon=":material/info:")
    st.stop()

profiles = [profile_view.load_profile(c) for c in codes]
table, chart_rows = compare.compare_table(profiles)
names = [(r["region_code"], r["name"]) for r in regions]
meta = state.cached("catalogue").set_index("indicator_id")
chart_rows["base"] = [figure_base(meta.at[i, "unit"], meta.at[i, "description"]) if i in meta.index else None
                      for i in chart_rows["indicator_id"]]
for lens in ("asset", "problem"):
    st.header(compare.LENS_TITLE[lens])
    st.plotly_chart(charts.compare_dumbbell(chart_rows, names, lens), config={"displayModeBar": False},
                    key=f"vergelijk_{lens}")
st.caption("Elke rij is een onderwerp. Een stip laat zien waar de plek staat tussen alle buurten van Nederland "
           "(links de laagste waarde, rechts de hoogste). Beweeg over een stip voor het cijfer. Een lijn verbindt "
           "de laagste en de hoogste plek. Bij afstanden en zorgen is lager meestal gunstiger."
           + compare_notes.chart_notes(table, chart_rows, regions))

st.header("Tabel")
st.dataframe(compare.shown_table(table), hide_index=True, placeholder="–")
rounded_zero = (" CBS rondt aantallen af (mensen met een uitkering op tientallen): een 0 kan dan 0 tot 4 zijn, en in een kleine "
                "buurt is een cijfer per 1 000 inwoners maar ongeveer: zie de kolom Toelichting."
                if table["Toelichting"].astype(str).str.contains("CBS rondt").any() else "")
mixed_years = (" Komen de cijfers in een rij uit verschillende jaren, dan staat in de kolom Toelichting welk jaar bij "
               "welke plek hoort." if table["Periode"].astype(str).str.contains(" / ").any() else "")
# the table writes a missing figure as '–' (compare.shown_table): 'Leeg = geen cijfer' named an empty cell it has not
st.caption("– = geen cijfer voor die plek (in de download een leeg vak; zie 'Buurt in beeld' voor de reden). "
           "Geschat = modelschatting van RIVM/CBS." + rounded_zero + mixed_years + " Bron: CBS; RIVM, CBS — CC BY 4.0; opkomst: Kiesraad (via Centerdata/BZK).")
downloads.download_buttons(table, f"buurtbalans-vergelijking-{'-'.join(codes)}", key="vergelijking")
