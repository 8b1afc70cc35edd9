"""Buurtbalans: one entrypoint. Run with ./run.sh (or `streamlit run dashboard/app.py` from the repo root)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.core import charts, html_table, whole_choice  # noqa: E402
from dashboard.core import routes  # noqa: E402
from dashboard.core import state  # noqa: E402
from pipelines import paths, release  # noqa: E402

ATTRIBUTION = ("Bron: CBS; RIVM, CBS; Politie, CBS — CC BY 4.0; opkomst: Kiesraad (via Centerdata/BZK); "
               "kaartvormen: benadering op basis van CBS/Kadaster")
PAGES_DIR = Path(__file__).with_name("app_pages")
# (file, title, icon, url path); a page appears once its file exists, so the app runs while others work.
PAGES = [("profiel.py", "Buurt in beeld", ":material/home_pin:", "profiel"),
         ("kaart.py", "Kaart", ":material/map:", "kaart"),
         ("vergelijken.py", "Vergelijken", ":material/compare_arrows:", "vergelijken"),
         ("verbanden.py", "Verbanden", ":material/scatter_plot:", "verbanden"),
         ("bewonerskaart.py", "Bewonerskaart", ":material/diversity_3:", "bewonerskaart"),
         ("wijkagenda.py", "Wijkagenda", ":material/event_note:", "wijkagenda"),
         ("over_de_data.py", "Over de data", ":material/info:", "over-de-data")]


@st.cache_resource(show_spinner=False)
def _first_build() -> None:
    """Once per process: build the database from the shipped snapshot (about half a minute)."""
    from pipelines.build import build
    build(read_in_child=False)   # the server has other threads: no fork (pipelines/build.py)


def ensure_release() -> None:
    try:
        release.current_release(paths.build_dir())
    except release.NoReleaseError:
        with st.spinner("Eerste start: de database wordt gebouwd uit de meegeleverde gegevens. "
                        "Dit duurt ongeveer een halve minuut…"):
            _first_build()


def sidebar() -> None:
    with st.sidebar:
        state.region_search("zoek_regio", state.set_region)
        choice = state.chosen_region()
        if choice.status == "ok":
            r = choice.region
            st.markdown(f"**Gekozen:** {r['label']}")
            parents = [(r.get("wijk_code"), "wijk"), (r.get("gemeente_code"), "gemeente")]
            for code, what in parents:
                if isinstance(code, str) and code != r["region_code"]:
                    st.button(f"Naar de {what}", key=f"up_{what}", on_click=state.set_region, args=(code,),
                              type="tertiary", icon=":material/arrow_upward:")
        elif choice.status == "unknown":
            st.markdown("**Gekozen:** regio niet gevonden")
        st.divider()
        st.caption(ATTRIBUTION)


@st.cache_resource(show_spinner=False)
def page_icon() -> str:
    """The favicon as a PNG data URL, made once (dashboard/core/favicon.py)."""
    from dashboard.core.favicon import page_icon_url
    return page_icon_url()


st.set_page_config(page_title="Buurtbalans", page_icon=page_icon(), layout="wide")
# the page's styles first, at the same place on every run: an element whose position shifts between reruns is
# replaced, and the profile blocks would show unstyled for a moment (seen on a slow machine)
st.html(f"<style>{charts.CSS}{html_table.CSS}{whole_choice.CSS}</style>")
ensure_release()
page = st.navigation(routes.pages(PAGES, PAGES_DIR, default="profiel.py"))  # + aliases, a Dutch 'niet gevonden'
state.sync_url()
sidebar()
page.run()
