"""Page 'Verbanden': how two indicators go together over buurten, buurten that do better than expected, and how
vergelijkbare buurten are chosen (logic in dashboard.verbanden.view and dashboard.stats_*)."""
import streamlit as st

from dashboard.core import state
from dashboard.verbanden import view as verbanden_view

st.title("Verbanden")
st.markdown("Hoe gaan twee cijfers samen in buurten? Welke buurten doen het beter dan je zou verwachten? En welke "
            "buurten lijken op elkaar? Alles op deze pagina gaat over **buurten als geheel**, niet over mensen.")

choice = state.chosen_region()
if choice.status == "unknown":
    state.show_region_not_found(choice, key="verband_notfound")
highlight = choice.code if choice.status == "ok" and choice.region["level"] == "buurt" else None

scope, scope_label = verbanden_view.scope_picker(choice)
relation, expected, peers = st.tabs(["Verband tussen twee cijfers", "Beter dan verwacht", "Vergelijkbare buurten"])
with relation:
    verbanden_view.render_relation(scope, scope_label, highlight)
with expected:
    verbanden_view.render_bright_spots(scope, scope_label, highlight)
with peers:
    verbanden_view.render_peer_explainer(highlight)
