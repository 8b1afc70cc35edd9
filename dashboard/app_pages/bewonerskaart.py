"""Page 'Bewonerskaart': what residents name themselves (people, clubs, places, initiatives) per buurt.

URL: ?regio=BU0363AA01. A gemeente or wijk in the URL offers its buurten; logic in dashboard/bewoners/ (view_*.py).
"""
import streamlit as st

from dashboard.bewoners import sections as assets_views
from dashboard.bewoners import view_add, view_list, view_upload
from dashboard.core import state
from dashboard.core.escaping import md_escape
from dashboard.userstore import UserStoreError

INTRO = ("Cijfers tellen niet alles. Op de Bewonerskaart zetten bewoners zelf wat hun buurt sterk maakt: "
         "mensen en hun talenten, verenigingen en initiatieven, instellingen, plekken, winkels en markten, "
         "verhalen en cultuur. Zo staat naast de statistiek wat er al is.")


def _pick_buurt(code: str) -> None:
    state.set_region(code)
    st.session_state.pop("bk_pick", None)


def exports(buurt: dict) -> None:
    """CSV (for Excel, can be uploaded again) and GeoJSON (for QGIS) of this buurt and of its gemeente. Each file
    is built only when its button is clicked (a callable), not on every rerun."""
    st.markdown("Download wat er op de Bewonerskaart staat. **CSV** opent in Excel en kan weer worden geüpload; "
                "**GeoJSON** opent in kaartprogramma's zoals QGIS. Items zonder punt hebben daarin geen geometrie.")
    store = assets_views.asset_store()
    md = md_escape
    for scope, code, title in (("buurt_code", buurt["region_code"], f"Deze buurt ({md(buurt['region_code'])})"),
                               ("gemeente_code", buurt["gemeente_code"], f"Heel {md(buurt['gemeente_name'])}")):
        st.markdown(f"**{title}**")
        left, right = st.columns(2)
        left.download_button("Download als CSV", lambda scope=scope, code=code: store.export_csv(**{scope: code}),
                             f"bewonerskaart-{code}.csv", "text/csv", key=f"bk_csv_{code}",
                             icon=":material/download:", on_click="ignore")
        right.download_button("Download als GeoJSON",
                              lambda scope=scope, code=code: store.export_geojson(**{scope: code}),
                              f"bewonerskaart-{code}.geojson", "application/geo+json", key=f"bk_geojson_{code}",
                              icon=":material/download:", on_click="ignore")


def buurt_picker(choice: state.RegionChoice) -> None:
    """No buurt chosen yet: the buurten of a chosen gemeente or wijk, or a search box."""
    table = assets_views.buurten()
    region = choice.region
    if region is not None and region["level"] in ("gemeente", "wijk"):
        column = "gemeente_code" if region["level"] == "gemeente" else "wijk_code"
        rows = table[table[column] == region["region_code"]]
        labels = dict(zip(rows["region_code"], rows["name"] + " (" + rows["wijk_name"].fillna("") + ")"))
        st.selectbox(f"Kies een buurt in {md_escape(region['name'])}", list(labels), index=None,
                     format_func=labels.get,
                     key="bk_pick", placeholder="Kies of typ de naam van uw buurt",
                     on_change=lambda: _pick_buurt(st.session_state["bk_pick"]))
    st.markdown("De Bewonerskaart is per **buurt**. Zoek uw buurt; kiest u een gemeente of wijk, dan kunt u "
                "daarna een buurt daarin kiezen.")
    state.region_search("bk_zoek", state.set_region, label="Zoek uw buurt")


st.title("Bewonerskaart")
st.markdown(INTRO)
try:
    assets_views.buurten()
except assets_views.ReleaseUnavailableError as err:   # a refresh swapped the release under the query
    st.error(str(err))
    st.stop()
choice = state.chosen_region()
if choice.status == "unknown":
    state.show_region_not_found(choice, key="bk_notfound")
    st.stop()
if choice.status == "none" or choice.region["level"] != "buurt":
    buurt_picker(choice)
    st.stop()

buurt = choice.region
md = md_escape   # CBS region names are text too: never markdown or directives
st.header(f"{md(buurt['name'])} ({md(buurt['region_code'])})")
st.caption(f"Buurt in wijk {md(buurt['wijk_name'])}, gemeente {md(buurt['gemeente_name'])}. De items worden apart "
           "bewaard, los van de CBS-cijfers.")
try:
    assets_views.asset_store()
except (UserStoreError, OSError) as err:
    st.error(f"De Bewonerskaart kan niet worden geopend: {md_escape(err)}")
    st.stop()

listed, add, upload, export = st.tabs(["In deze buurt", "Toevoegen", "Bestand uploaden", "Downloaden"])
with listed:
    try:
        view_list.render_list(buurt["region_code"])
    except UserStoreError as err:   # a busy or broken store: a short Dutch message, never a traceback
        st.error(md_escape(err))
    st.page_link("app_pages/profiel.py", label="Bekijk ook de cijfers van deze buurt", icon=":material/home_pin:",
                 query_params={"regio": buurt["region_code"]})
with add:
    view_add.render_add_form(buurt["region_code"])
with upload:
    view_upload.render_upload(buurt["region_code"])
with export:
    exports(buurt)
