"""The Bewonerskaart's add form: one item in this buurt or on a point (lengte- en breedtegraad)."""
from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.userstore import UserStoreError, editing

from .form_values import form_asset
from .model import CATEGORIES, AssetValidationError
from .sections import LazyLocator, asset_store, known_buurt_codes
from .validation import DATE_HELP, MAX_FIELD_CHARS, MAX_NAME_CHARS
from .view_messages import PRIVACY, buurt_label, flash, problem_list, show_flash

APPROXIMATE = ("**Coördinaten zijn een benadering.** Geeft u een punt op (lengte- en breedtegraad), dan zoekt "
               "Buurtbalans de buurt met vereenvoudigde buurtgrenzen. Vlak bij een grens kan het punt in de "
               "buurt ernaast vallen. Weet u de buurt, kies dan ‘In deze buurt’.")
BY_BUURT, BY_POINT = "In deze buurt", "Op een punt (lengte- en breedtegraad)"
NEW_TEXT_KEYS = ("name", "description", "website", "lon", "lat")


def _add(buurt_code: str, by_point: bool) -> None:
    s = st.session_state
    if not editing.can_edit():
        flash("add", "error", "Alleen een redacteur kan iets toevoegen.")
        return
    values = {key: s.get(f"bk_new_{key}") for key in (*NEW_TEXT_KEYS, "category", "date")}
    try:
        asset = form_asset(values, None if by_point else buurt_code, known_buurt_codes=known_buurt_codes(),
                           locator=LazyLocator())
        asset_store().add([asset], actor=editing.actor())
    except AssetValidationError as err:
        flash("add", "error", problem_list("Niet opgeslagen. Verbeter dit:", err.problems))
        return
    except UserStoreError as err:
        flash("add", "error", md_escape(err))
        return
    for key in NEW_TEXT_KEYS:
        s[f"bk_new_{key}"] = ""
    s["bk_new_category"], s["bk_new_date"] = None, None
    text = "Opgeslagen op de Bewonerskaart."
    if asset.buurt_code != buurt_code:
        text += (f" Het punt ligt (bij benadering) in buurt {md_escape(buurt_label(asset.buurt_code))}; "
                 "daar staat het nu.")
    elif asset.location_approximate:
        text += " De buurt is bepaald uit het punt (benadering)."
    flash("add", "success", text)


def render_add_form(buurt_code: str) -> None:
    if not editing.render_gate("bk_gate_add"):
        return
    st.markdown(PRIVACY)
    by_point = st.radio("Waar is het?", [BY_BUURT, BY_POINT], key="bk_new_how", horizontal=True) == BY_POINT
    if by_point:
        st.markdown(APPROXIMATE)
    with st.form("bk_new"):
        st.text_input("Naam *", key="bk_new_name", max_chars=MAX_NAME_CHARS,
                      placeholder="bijv. Repair Café, de buurtmoestuin, de bakker op de hoek")
        st.selectbox("Categorie *", list(CATEGORIES), format_func=CATEGORIES.get, index=None,
                     key="bk_new_category", placeholder="Kies een categorie")
        if by_point:
            left, right = st.columns(2)
            left.text_input("Lengtegraad (lon) *", key="bk_new_lon", placeholder="bijv. 4.8924")
            right.text_input("Breedtegraad (lat) *", key="bk_new_lat", placeholder="bijv. 52.3731")
        else:
            st.markdown(f"Buurt: **{md_escape(buurt_label(buurt_code))}**")
        st.text_area("Omschrijving (als u wilt)", key="bk_new_description", max_chars=MAX_FIELD_CHARS)
        st.text_input("Website (als u wilt)", key="bk_new_website", placeholder="https://…")
        st.date_input("Datum (als u wilt)", value=None, key="bk_new_date", format="DD-MM-YYYY",
                      min_value=date.min, max_value=date.max, help=DATE_HELP)
        st.form_submit_button("Opslaan", type="primary", icon=":material/add:", on_click=_add,
                              args=(buurt_code, by_point))
    show_flash("add")
