"""Page 'Wijkagenda': from a wijk-in-beeld evening to the buurt's own agenda with budget lines, and back to the
figures. URL: ?regio=BU0363AA06 (a buurt or wijk). Logic in dashboard/wijkagenda/."""
import streamlit as st

from dashboard.core import state
from dashboard.core.escaping import md_escape
from dashboard.userstore import UserStoreError, editing
from dashboard.wijkagenda import view, view_agenda, view_bin, view_gesprek, view_volgen

st.title("Wijkagenda")
st.markdown("Na een avond over de wijk in beeld: leg vast wat er is gezegd, kies samen hoogstens zeven "
            "prioriteiten met wat de buurt al heeft, geld en wie eraan werkt, en volg of de cijfers bewegen. "
            "Alles wordt apart bewaard, los van de CBS-cijfers.")
choice = state.chosen_region()
if choice.status == "unknown":
    state.show_region_not_found(choice, key="wa_notfound")
    st.stop()
if choice.status == "none" or choice.region["level"] not in ("buurt", "wijk"):
    st.info("Een wijkagenda hoort bij een **buurt** of een **wijk**. Zoek die hieronder of in de zijbalk.")
    state.region_search("wa_zoek", state.set_region, label="Zoek een wijk of buurt")
    st.stop()

region = choice.region
st.header(f"{md_escape(region['name'])} ({md_escape(region['region_code'])})")  # CBS names are text
if not view.may_edit():
    editing.render_gate("wa_gate")
try:
    agenda = view.choose_agenda(region)
except UserStoreError as err:
    st.error(str(err))
    st.stop()
view.show_flash("agenda")
if not view.may_edit():  # no 'Verwijderd' tab: a refused restore says so here
    view.show_flash(view_bin.WHERE)
# Stateful tabs: a save keeps its tab, and only the open tab's content runs.
names = ["Gesprek vastleggen", "Wijkagenda", "Volgen", "Afdrukken en delen"]
names += ["Verwijderd"] if view.may_edit() else []     # the bin, for editors
gesprek, agenda_tab, volgen, delen, *bin_tab = st.tabs(names, key="wa_tab", on_change="rerun")
with gesprek:
    if gesprek.open:
        view_gesprek.render(region, agenda)
with agenda_tab:
    if not agenda_tab.open:
        pass
    elif agenda is not None:
        conversations = [c for c, _ in view.store().conversations(region=region["region_code"])]
        linked = [c for c, _ in view.store().conversations(ids=agenda[0]["conversations"])]
        known = {c["id"] for c in conversations}
        view_agenda.agenda_section(agenda[0], region, conversations + [c for c in linked if c["id"] not in known])
        view_bin.delete_button("agenda", agenda[0]["id"], agenda[1], "agenda")
    else:
        st.caption("Maak hierboven eerst een wijkagenda.")
with volgen:
    if not volgen.open:
        pass
    elif agenda is not None:
        view_volgen.render_follow(agenda[0])
    else:
        st.caption("Er is nog geen wijkagenda om te volgen.")
with delen:
    if delen.open:
        view_volgen.render_share(agenda, region)
for tab in bin_tab:
    with tab:
        if tab.open:
            view_bin.render(region)
