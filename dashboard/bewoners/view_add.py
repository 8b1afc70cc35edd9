"""The Bewonerskaart's add form: one item in this buurt or on a point (lengte- en breedtegraad)."""
from __future__ import annotations

import uuid
from datetime import date

import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.userstore import UserStoreError, editing
from dashboard.userstore.form_instance import open_instance

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
NEW_FORMS = "bk_new_n"       # the add form's next instance (a hint: _instance also asks the store)


def _form_asset_id(instance: str) -> str:
    """The id of the asset that add-form instance makes: the same for every submit of that instance, so a double
    click adds it once (the second submit finds it stored and says what the first said)."""
    token = st.session_state.setdefault("bk_form_token", uuid.uuid4().hex)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"buurtbalans:bewonerskaart:{token}:{instance}"))


def _form_key(n: int) -> str:
    return "bk_new" if n == 0 else f"bk_new_{n}"


def _instance() -> int:
    """The add form's current instance (keys 'bk_new', then 'bk_new_1', ...; userstore.form_instance): the first,
    from this session's counter on, whose asset is not stored."""
    store = asset_store()
    return open_instance(st.session_state.get(NEW_FORMS, 0), lambda n: store.id_taken(_form_asset_id(_form_key(n))))


def _saved_text(asset, buurt_code: str) -> str:
    text = "Opgeslagen op de Bewonerskaart."
    if asset.buurt_code != buurt_code:
        text += (f" Het punt ligt (bij benadering) in buurt {md_escape(buurt_label(asset.buurt_code))}; "
                 "daar staat het nu.")
    elif asset.location_approximate:
        text += " De buurt is bepaald uit het punt (benadering)."
    return text


def _add(buurt_code: str, by_point: bool, n: int) -> None:
    s, instance = st.session_state, _form_key(n)
    if not editing.can_edit():
        flash("add", "error", "Alleen een redacteur kan iets toevoegen.")
        return
    values = {key: s.get(f"{instance}_{key}") for key in (*NEW_TEXT_KEYS, "category", "date")}
    store = asset_store()
    try:
        asset = form_asset(values, None if by_point else buurt_code, known_buurt_codes=known_buurt_codes(),
                           locator=LazyLocator(), asset_id=_form_asset_id(instance))
        if not store.id_taken(asset.id):          # else a repeat (a double click): nothing is added twice
            store.add([asset], actor=editing.actor())
    except AssetValidationError as err:
        flash("add", "error", problem_list("Niet opgeslagen. Verbeter dit:", err.problems))
        return
    except UserStoreError as err:
        # a repeat running at the same time as the first click's callback (Streamlit lets a stopped run's
        # thread end its callback while the next run's starts) loses the insert: not an error
        if not store.id_taken(_form_asset_id(instance)):
            flash("add", "error", md_escape(err))
            return
    s[NEW_FORMS] = n + 1                         # a new, empty form
    flash("add", "success", _saved_text(asset, buurt_code))


def render_add_form(buurt_code: str) -> None:
    if not editing.render_gate("bk_gate_add"):
        return
    st.markdown(PRIVACY)
    by_point = st.radio("Waar is het?", [BY_BUURT, BY_POINT], key="bk_new_how", horizontal=True) == BY_POINT
    if by_point:
        st.markdown(APPROXIMATE)
    n = _instance()
    instance = _form_key(n)
    with st.form(instance):
        st.text_input("Naam *", key=f"{instance}_name", max_chars=MAX_NAME_CHARS,
                      placeholder="bijv. Repair Café, de buurtmoestuin, de bakker op de hoek")
        st.selectbox("Categorie *", list(CATEGORIES), format_func=CATEGORIES.get, index=None,
                     key=f"{instance}_category", placeholder="Kies een categorie")
        if by_point:
            left, right = st.columns(2)
            left.text_input("Lengtegraad (lon) *", key=f"{instance}_lon", placeholder="bijv. 4.8924")
            right.text_input("Breedtegraad (lat) *", key=f"{instance}_lat", placeholder="bijv. 52.3731")
        else:
            st.markdown(f"Buurt: **{md_escape(buurt_label(buurt_code))}**")
        st.text_area("Omschrijving (als u wilt)", key=f"{instance}_description", max_chars=MAX_FIELD_CHARS)
        st.text_input("Website (als u wilt)", key=f"{instance}_website", placeholder="https://…")
        st.date_input("Datum (als u wilt)", value=None, key=f"{instance}_date", format="DD-MM-YYYY",
                      min_value=date.min, max_value=date.max, help=DATE_HELP)
        st.form_submit_button("Opslaan", type="primary", icon=":material/add:", on_click=_add,
                              args=(buurt_code, by_point, n))
    show_flash("add")
