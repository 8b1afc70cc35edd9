"""Changing, deleting and restoring one Bewonerskaart item: the edit form, its history and the deleted items."""
from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.userstore import UserStoreError, dutch_time_text, editing

from .form_values import changed_fields
from .model import CATEGORIES, Asset, AssetValidationError
from .sections import asset_store
from .store import AssetNotFoundError, StaleAssetError
from .validation import DATE_HELP, MAX_FIELD_CHARS, MAX_NAME_CHARS
from .view_messages import buurt_label, flash, problem_list

EDIT_KEYS = ("name", "category", "buurt_code", "lon", "lat", "description", "website", "date")


def _forget_form(asset_id: str) -> None:
    """Drop the edit form's widget values and remembered version, so it is drawn again from the store."""
    prefix = f"bk_edit_{asset_id}_"
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


FIELD_LABELS = {"name": "naam", "category": "categorie", "buurt_code": "buurtcode", "lon": "lengtegraad",
                "lat": "breedtegraad", "description": "omschrijving", "website": "website", "date": "datum"}


def _typed_text(shown: Asset | None, values: dict) -> str:
    """What this person changed in the form (against the item as the form showed it), for the message of a
    refused stale save: the form is redrawn from the store, so without this their text was gone unsaid."""
    if shown is None:
        return ""
    typed = changed_fields(shown, values)
    return ", ".join(f"{FIELD_LABELS.get(k, k)}: {md_escape(CATEGORIES.get(v, v) if k == 'category' else v or '–')}"
                     for k, v in typed.items())


def _update(asset_id: str) -> None:
    s, store = st.session_state, asset_store()
    if not editing.can_edit():
        flash("list", "error", "Alleen een redacteur kan wijzigen.")
        return
    values = {key: s.get(f"bk_edit_{asset_id}_{key}") for key in EDIT_KEYS}
    version = s.get(f"bk_edit_{asset_id}_version")
    try:
        current = store.get(asset_id)
        changed = changed_fields(current, values)
        if not changed:
            if version is None or current.version != version:   # saved since the form showed: a repeat
                flash("list", "success", "Wijziging opgeslagen.")   # (a double click's second submit)
            else:
                flash("list", "info", "Er is niets veranderd.")
            return
        updated = store.update(asset_id, expected_version=version, actor=editing.actor(), **changed)
    except AssetValidationError as err:
        flash("list", "error", problem_list("Niet opgeslagen. Verbeter dit:", err.problems))
    except StaleAssetError as err:
        typed = _typed_text(s.get(f"bk_edit_{asset_id}_shown"), values)
        _forget_form(asset_id)            # the form now shows what is stored
        now = err.current
        shown = ", ".join(f"{label}: {md_escape(value)}" for label, value in (
            ("naam", now.name), ("categorie", now.category_label), ("omschrijving", now.description or "–"),
            ("website", now.website or "–")))
        flash("list", "warning", f"{md_escape(err)}\n\nNu opgeslagen: {shown}." + (
            f"\n\nWat u had ingevuld (niet opgeslagen): {typed}. Neem het zo nodig over." if typed else ""))
    except AssetNotFoundError:
        flash("list", "warning", "Dit item bestaat niet meer.")
    except UserStoreError as err:
        flash("list", "error", md_escape(err))
    else:
        _forget_form(asset_id)
        text = "Wijziging opgeslagen."
        if "buurt_code" in changed or {"lon", "lat"} & set(changed):
            text += f" Het staat in buurt {md_escape(buurt_label(updated.buurt_code))}."
            if updated.location_approximate:
                text += " De buurt is bepaald uit het punt (benadering)."
        flash("list", "success", text)


def _delete(asset_id: str) -> None:
    if not editing.can_edit():
        flash("list", "error", "Alleen een redacteur kan verwijderen.")
        return
    try:
        store = asset_store()
        # not live but stored: in the bin, so a double click's second submit (the first deleted it)
        deleted = store.delete(asset_id, actor=editing.actor()) or store.id_taken(asset_id)
    except UserStoreError as err:
        flash("list", "error", md_escape(err))
        return
    st.session_state.pop("bk_edit_choice", None)
    _forget_form(asset_id)
    if deleted:
        st.session_state["bk_undo"] = asset_id
    flash("list", "success" if deleted else "warning", "Verwijderd." if deleted else "Dit item bestaat niet meer.")


def restore_asset(asset_id: str) -> None:
    st.session_state.pop("bk_undo", None)
    if not editing.can_edit():
        flash("list", "error", "Alleen een redacteur kan een item terugzetten.")
        return
    try:
        asset = asset_store().restore(asset_id, actor=editing.actor())
    except AssetNotFoundError:
        store = asset_store()
        if editing.done_by_me(store.history(asset_id, limit=1), "restore"):   # a double click: the first put it back
            flash("list", "success", f"Teruggezet: {md_escape(store.get(asset_id).name)}.")
        else:
            flash("list", "warning", "Dit item is al teruggezet.")
    except UserStoreError as err:
        flash("list", "error", md_escape(err))
    else:
        flash("list", "success", f"Teruggezet: {md_escape(asset.name)}.")


def render_edit_form(a: Asset) -> None:
    key = f"bk_edit_{a.id}_"
    # The version the form was opened with; kept across reruns until the form is saved or refreshed.
    st.session_state.setdefault(key + "version", a.version)
    st.session_state.setdefault(key + "shown", a)   # the item as the form showed it (what was typed, if refused)
    with st.form(f"bk_edit_{a.id}"):
        st.text_input("Naam *", value=a.name, key=key + "name", max_chars=MAX_NAME_CHARS)
        st.selectbox("Categorie *", list(CATEGORIES), index=list(CATEGORIES).index(a.category),
                     format_func=CATEGORIES.get, key=key + "category")
        code, lon, lat = st.columns(3)
        code.text_input("Buurtcode", value=a.buurt_code, key=key + "buurt_code", max_chars=20)
        lon.text_input("Lengtegraad (lon)", value="" if a.lon is None else repr(a.lon), key=key + "lon",
                       max_chars=40)
        lat.text_input("Breedtegraad (lat)", value="" if a.lat is None else repr(a.lat), key=key + "lat",
                       max_chars=40)
        st.text_area("Omschrijving", value=a.description or "", key=key + "description", max_chars=MAX_FIELD_CHARS)
        st.text_input("Website", value=a.website or "", key=key + "website", max_chars=MAX_FIELD_CHARS)
        st.date_input("Datum", value=a.date, key=key + "date", format="DD-MM-YYYY", min_value=date.min,
                      max_value=date.max, help=DATE_HELP)
        st.form_submit_button("Wijziging opslaan", type="primary", icon=":material/save:", on_click=_update,
                              args=(a.id,))
    with st.popover("Verwijderen", icon=":material/delete:"):
        st.markdown("Weet u het zeker? Een redacteur kan het daarna nog terugzetten.")
        st.button("Ja, verwijder dit item", key=f"bk_delete_{a.id}", type="primary", on_click=_delete, args=(a.id,))


def render_history(asset_id: str) -> None:
    entries = asset_store().history(asset_id, limit=20)
    words = {"create": "toegevoegd", "update": "gewijzigd", "delete": "verwijderd", "restore": "teruggezet"}
    lines = []
    for e in entries:
        change = ""
        if e.before and e.after:
            diff = [k for k in ("name", "category", "buurt_code", "description", "website", "date", "lon", "lat")
                    if e.before.get(k) != e.after.get(k)]
            change = f" ({', '.join(FIELD_LABELS.get(k, k) for k in diff)})" if diff else ""   # 'naam', not 'name'
        lines.append(f"- {dutch_time_text(e.at)}: {words.get(e.action, e.action)}{change} door "
                     f"{md_escape(editing.actor_text(e.actor))}")
    st.markdown("**Geschiedenis**\n" + "\n".join(lines) if lines else "Nog geen geschiedenis.")


def render_deleted(buurt_code: str) -> None:
    gone = asset_store().deleted(buurt_code, limit=20)
    if not gone:
        return
    with st.expander(f"Verwijderde items ({len(gone)}{'+' if len(gone) == 20 else ''})", icon=":material/undo:"):
        for asset, when, who in gone:
            left, right = st.columns([4, 1])
            left.markdown(f"**{md_escape(asset.name)}** ({asset.category_label}), verwijderd "
                          f"{dutch_time_text(when)} door {md_escape(editing.actor_text(who))}")
            right.button("Terugzetten", key=f"bk_restore_{asset.id}", on_click=restore_asset, args=(asset.id,))
