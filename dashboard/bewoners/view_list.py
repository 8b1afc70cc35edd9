"""The Bewonerskaart's list of one buurt: counts per category, one page of items, and the way to change one."""
from __future__ import annotations

import streamlit as st

from dashboard.userstore import editing

from .model import Asset
from .sections import CSS, asset_store, assets_html, counts_html
from .view_edit import render_deleted, render_edit_form, render_history, restore_asset
from .view_messages import show_flash

PAGE_SIZE = 50


def render_list(buurt_code: str) -> list[Asset]:
    """Counts per category, one page of the items of this buurt, and a form to change or delete one of them."""
    show_flash("list")
    store = asset_store()
    undo = st.session_state.get("bk_undo")
    if undo and editing.can_edit():
        st.button("Verwijderen ongedaan maken", key="bk_undo_button", icon=":material/undo:", on_click=restore_asset,
                  args=(undo,))
    total = store.count(buurt_code=buurt_code)
    if not total:
        st.info("Er staat nog niets op de Bewonerskaart voor deze buurt. Voeg iets toe of upload een bestand.")
        if editing.can_edit():
            render_deleted(buurt_code)
        return []
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = 1
    if pages > 1:
        # a choice, not a number box: a number above the last page made the browser answer in English ("Number is
        # outside the allowed range"); a page that no longer exists (items deleted) starts again at 1
        key = f"bk_page_{buurt_code}"
        if st.session_state.get(key) not in range(1, pages + 1):
            st.session_state.pop(key, None)
        page = st.selectbox(f"Pagina ({PAGE_SIZE} items per pagina)", range(1, pages + 1),
                            format_func=lambda p: f"{p} van {pages}", key=key)
    assets = store.list(buurt_code=buurt_code, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE)
    note = f'<p class="bk-note">Items {(page - 1) * PAGE_SIZE + 1} tot en met {(page - 1) * PAGE_SIZE + len(assets)} ' \
           f"van {total}.</p>" if pages > 1 else ""
    st.html(CSS + counts_html(store.counts_per_category(buurt_code)) + note + assets_html(assets))
    by_id = {a.id: a for a in assets}
    if st.session_state.get("bk_edit_choice") not in by_id:
        st.session_state.pop("bk_edit_choice", None)
    if not editing.can_edit():
        return assets
    with st.expander("Een item wijzigen of verwijderen", icon=":material/edit:"):
        choice = st.selectbox("Welk item?", list(by_id), index=None, key="bk_edit_choice", placeholder="Kies een item",
                              format_func=lambda i: f"{by_id[i].name} ({by_id[i].category_label})")
        if choice in by_id:
            render_edit_form(by_id[choice])
            render_history(choice)
    render_deleted(buurt_code)
    return assets
