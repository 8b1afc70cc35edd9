"""Page 'Buurt in beeld': the profile of one gemeente, wijk or buurt (logic in profile_view)."""
import streamlit as st

from dashboard.profile import view as profile_view
from dashboard.core import state

EXAMPLES = [("GM0363", "Amsterdam"), ("GM0344", "Utrecht"), ("BU0363AA01", "Planciusbuurt-Noord (Amsterdam)"),
            ("GM0796", "'s-Hertogenbosch")]

choice = state.chosen_region()
if choice.status == "unknown":
    state.show_region_not_found(choice)
elif choice.status == "none":
    st.title("Buurt in beeld")
    st.markdown("Bekijk voor elke gemeente, wijk en buurt in Nederland eerst wat er **sterk** is – mensen die "
                "meedoen, voor elkaar zorgen, voorzieningen dichtbij – en daarnaast waar mensen het "
                "**moeilijk** kunnen hebben. Zo is een buurt nooit alleen een lijstje problemen.")
    state.region_search("zoek_regio_start", state.set_region,
                        label="Begin hier: zoek een gemeente, wijk, buurt of postcode")
    st.markdown("Of begin met een voorbeeld:")
    row = st.container(horizontal=True)
    for code, name in EXAMPLES:
        row.button(name, key=f"voorbeeld_{code}", on_click=state.set_region, args=(code,),
                   icon=":material/location_on:")
else:
    ids = state.shared("catalogue")["indicator_id"]
    profile_view.render_profile(choice.code, state.chosen_indicator(ids))
