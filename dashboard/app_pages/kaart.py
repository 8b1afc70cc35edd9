"""Page 'Kaart': one indicator on a map of gemeenten, wijken or buurten, in one gemeente or all of NL.

URL: ?indicator=vrijwilligerswerk&schaal=buurt&gebied=GM0363 (&regio= opens a profile). Logic in dashboard/kaart/.
"""
import streamlit as st

from dashboard.kaart import resident_points as asset_layer
from dashboard.core import db, html_table
from dashboard.core import names as names_mod
from dashboard.kaart import choropleth, colour_classes, map_geometry, map_queries, map_text, map_url
from dashboard.kaart import text_alternative
from dashboard.core import state
from dashboard.core.whole_choice import whole_choice

PROFILE_PAGE = "app_pages/profiel.py"
SCALES = {"gemeente": "Gemeenten", "wijk": "Wijken", "buurt": "Buurten"}
MAX_LIST = 1_000


@st.cache_data(max_entries=4, show_spinner=False)
def _lists(release: str):
    return map_queries.load_indicators(), map_queries.load_gemeenten()


@st.cache_resource(max_entries=12, show_spinner=False)  # large and read-only: shared, not copied per run
def _shapes(level: str, area: str, release: str):
    shapes = map_queries.load_shapes(level, area)
    return map_geometry.geojson_for(level, area, shapes), shapes.drop(columns="geometry")


@st.cache_resource(max_entries=24, show_spinner="Kaart tekenen…")
def _map(indicator_id: str, level: str, area: str, relative: bool, highlight: str | None, release: str):
    indicators, _ = _lists(release)
    meta = indicators.set_index("indicator_id").loc[indicator_id].to_dict() | {"id": indicator_id}
    geojson, shapes = _shapes(level, area, release)
    frame = colour_classes.map_frame(map_queries.load_values(indicator_id, level), meta, shapes["region_code"],
                           relative_to_view=relative)
    view = map_geometry.view_for(map_geometry.area_bounds(shapes, area), width=820)
    message = None if map_text.has_figures(frame) else map_text.no_values_message(
        frame, meta, level, level != "gemeente" and map_queries.gemeenten_have_figures(indicator_id, area))
    figure = choropleth.build_figure(frame, geojson, meta, level=level, view=view, detail=area != map_queries.NL,
                               message=message, highlight=highlight)
    return frame, geojson, figure, message


def _resident_points(area: str):
    """The Bewonerskaart items in view as points; None (no layer) when the residents' file cannot be read."""
    try:
        return asset_layer.layer_points(None if area == map_queries.NL else area)
    except Exception:  # noqa: BLE001 - the map must show without the residents' layer
        st.caption("De Bewonerskaart kan nu niet worden gelezen; de stippen van bewoners ontbreken.")
        return None


def _open_profile(code: str) -> None:
    state.set_region(code)
    st.switch_page(PROFILE_PAGE, query_params={"regio": code})


def _initial(key: str, value: str, options) -> None:
    """A widget starts from the URL; after that the widget (session state) leads and the URL follows."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = value if value in options else next(iter(options))


release = db.release_key()
indicators, gemeenten = _lists(release)
labels = dict(zip(indicators["indicator_id"], indicators["label"]))
areas = {map_queries.NL: "Heel Nederland"} | dict(zip(gemeenten["region_code"], gemeenten["name"]))
url = map_url.url_choice(st.query_params, labels, areas)
_initial("kaart_indicator", url["indicator"], labels)
_initial("kaart_schaal", url["schaal"], SCALES)
_initial("kaart_gebied", url["gebied"], areas)

st.title("Kaart")
for field, raw in map_url.unknown_in_url(st.query_params, labels, areas):
    st.info(state.link_value_note(field, raw))
# on rows of their own: beside 'Waar?' the longest label (the Kiesraad turnout, 78 characters) was cut with '…' at
# 1300 px; a phone gets the whole label under the box (core.whole_choice)
indicator_id = st.selectbox("Wat wilt u zien?", list(labels), format_func=labels.get, key="kaart_indicator")
whole_choice(st, labels[indicator_id])
area = st.selectbox("Waar?", list(areas), format_func=areas.get, key="kaart_gebied", width=360)
# on a row of its own: in a third column its three buttons overflowed to the left ('emeenten' at 1300 px wide)
level = st.segmented_control("Niveau", list(SCALES), format_func=SCALES.get, key="kaart_schaal") or "gemeente"
toggles = st.container(horizontal=True)
relative = area != map_queries.NL and toggles.toggle(
    "Kleuren vergelijken met de gemeenten eromheen (anders: met heel Nederland)" if level == "gemeente" else
    "Kleuren vergelijken binnen deze gemeente (anders: met heel Nederland)", key="kaart_relatief",
    wrap=True)   # in a horizontal container a label is cut with '…' where it is too long (390 px): it wraps instead
residents = toggles.toggle("Toon wat bewoners noemen", value=True, key="kaart_bewoners", wrap=True,
                           help="Plekken, clubs en initiatieven van de Bewonerskaart, als oranje stippen.")
state.set_indicator(indicator_id)
st.query_params.update(schaal=level, gebied=area)

highlight = state.chosen_region().code
frame, geojson, figure, message = _map(indicator_id, level, area, relative, highlight, release)
if message:
    st.info(message, icon=":material/info:")
points = _resident_points(area) if residents else None
shown = figure if points is None else asset_layer.with_points(figure, points)  # a new figure; the cached one stays
event = st.plotly_chart(shown, on_select="rerun", theme=None, selection_mode="points", key=f"kaart_{level}_{area}",
                        config={"scrollZoom": True, "displaylogo": False, "modeBarButtonsToRemove": ["select", "lasso"]})
clicked = choropleth.selected_region(frame, geojson, figure, event.selection.points if event else [])
if clicked:
    _open_profile(clicked)

meta = indicators.set_index("indicator_id").loc[indicator_id].to_dict()
st.caption(map_text.source_line(frame, meta, level))   # every figure carries its table, period and boundary year
st.caption(map_text.legend_explanation(frame, level, detail=area != map_queries.NL, indicator=meta))
# The map as text (WCAG 2.1 AA): a sentence and a table with what the colours show (dashboard/kaart/text_alternative.py)
st.markdown(text_alternative.sentence(frame, meta, level,
                                      "heel Nederland" if area == map_queries.NL else areas[area],
                                      centre=None if area == map_queries.NL else area))
with st.expander("Tabel bij de kaart: dezelfde cijfers als tekst"):
    if len(frame) > text_alternative.MAX_ROWS:
        st.caption(f"Kies een gemeente bij ‘Waar?’ voor een tabel van de {map_text.LEVELS[level]}.")
    else:
        # in a region that Tab can reach and the arrow keys scroll: on a phone the table is wider than the page
        st.html(html_table.table_html(text_alternative.table(frame, meta, level), "Tabel bij de kaart"))
if points is not None:
    st.caption(f"Oranje stippen = wat bewoners zelf noemen op de Bewonerskaart ({len(points)} in dit gebied). "
               "Beweeg erover voor naam en soort. Zonder precieze plek staat een stip ergens in de buurt: locatie "
               "bij benadering." if len(points) else "Op de Bewonerskaart staat voor dit gebied nog niets.")
rows = choropleth.drawable(frame, geojson).sort_values("name")
if len(rows) > MAX_LIST:  # 14,500 options would cost the browser more than the map itself
    st.caption(f"Kies een gemeente bij ‘Waar?’ om een van de {map_text.LEVELS[level]} uit een lijst te kiezen, "
               "of zoek een naam in de zijbalk.")
else:
    names = dict(zip(rows["region_code"], [f"{n} ({v or '–'})" for n, v in   # a name twice in view: with its code
                                           zip(names_mod.distinct(rows["name"], rows["region_code"]), rows["value_text"])]))
    pick = st.selectbox(f"Open het profiel van een van deze {map_text.LEVELS[level]}", list(names), index=None,
                        format_func=names.get, placeholder="Kies of typ een naam", key="kaart_profiel")
    if pick:
        _open_profile(pick)
