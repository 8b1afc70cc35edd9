"""Deleting and restoring (the 'Verwijderd' tab): an agenda or a recorded conversation is deleted softly, and an
editor can put it back from the bin. Every delete and restore checks edit rights in its callback (on the server),
names the row version the page showed (a stale click is refused, nothing changes) and is logged in the user
store's audit trail with the document as it was."""
from __future__ import annotations

import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.userstore import dutch_time, editing

from .store import RowMissingError, UserStoreError
from .view import CHOSEN, allowed, day_text, flash, may_edit, problems_text, show_flash, store

WHERE = "bin"


def _delete(kind: str, key: str, version: int, where: str) -> None:
    if not allowed(where):
        return
    try:
        if kind == "agenda":
            store().delete_agenda(key, version)
            st.session_state.pop(CHOSEN, None)
        else:
            store().delete_conversation(key, version)
    except RowMissingError as err:
        if not store().in_bin(kind, key):   # in the bin: a double click's second submit, the first deleted it
            flash(where, "error", problems_text(err))
            return
    except UserStoreError as err:
        flash(where, "error", problems_text(err))
        return
    what = "De agenda" if kind == "agenda" else "Het gesprek"
    flash(where, "ok", f"{what} is verwijderd. Een redacteur kan het terugzetten onder 'Verwijderd'.")


def _restore(kind: str, key: str, version: int) -> None:
    if not allowed(WHERE):
        return
    try:
        if kind == "agenda":
            store().restore_agenda(key, version)
            st.session_state[CHOSEN] = key
        else:
            store().restore_conversation(key, version)
    except RowMissingError:
        if not editing.done_by_me(store().history(key), "restore"):   # else a double click: the first put it back
            flash(WHERE, "info", "Dit is al teruggezet, door iemand anders. Er is niets veranderd.")
            return
    except UserStoreError as err:
        flash(WHERE, "error", problems_text(err))
        return
    flash(WHERE, "ok", ("De agenda" if kind == "agenda" else "Het gesprek") + " is teruggezet.")


def delete_button(kind: str, key: str, version: int, where: str) -> None:
    """A 'Verwijderen' popover with a confirmation (editors only)."""
    if not may_edit():
        return
    what = "deze agenda" if kind == "agenda" else "dit gesprek"
    with st.popover("Agenda verwijderen" if kind == "agenda" else "Gesprek verwijderen", icon=":material/delete:"):
        st.markdown(f"Weet u het zeker? Een redacteur kan {what} daarna terugzetten onder 'Verwijderd'.")
        st.button(f"Ja, verwijder {what}", key=f"wa_del_{key}", type="primary", on_click=_delete,
                  args=(kind, key, version, where))


def render(region: dict) -> None:
    """The bin of this region: deleted agendas and conversations, newest first, each with 'Terugzetten'."""
    show_flash(WHERE)
    if not may_edit():
        st.caption("Alleen een redacteur ziet en herstelt wat verwijderd is.")
        return
    gone = store().deleted(region["region_code"])
    if not gone:
        st.caption("Er is niets verwijderd voor deze plek.")
        return
    st.markdown(f"{len(gone)} verwijderd (het logboek bewaart wie wat wanneer deed).")
    for item in gone:
        left, right = st.columns([4, 1])
        kind = "Agenda" if item["kind"] == "agenda" else "Gesprek"
        when = dutch_time(item["deleted_at"])   # stored in UTC; said on a Dutch clock
        left.markdown(f"**{kind}:** {md_escape(item['title'])} · verwijderd {day_text(when.date().isoformat())} "
                      f"{when:%H:%M}")
        right.button("Terugzetten", key=f"wa_restore_{item['id']}", icon=":material/undo:", on_click=_restore,
                     args=(item["kind"], item["id"], item["version"]))
