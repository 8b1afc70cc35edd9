"""The Wijkagenda page's shared parts: cached release reads, the store per session, edit rights, messages, saving
with the shown version, and choosing or making an agenda.

Saves run in widget callbacks, before the next script run, with the document and row version this session last
showed (session_state["wa_shown"]): when another session saved in between, the store refuses the save and the
Dutch message says so; what was typed stays in the form.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard.core import db
from dashboard.userstore import editing
from dashboard.userstore.form_instance import open_instance

from . import data, model
from .checks import collapse_spaces
from .store import AgendaStore, UserStoreError

FLASH = "wa_flash"
SHOWN = "wa_shown"
CHOSEN = "wa_agenda"
# A browser reload starts a new session: text typed in a form and not yet saved is gone (Streamlit keeps no form
# state across sessions). The long conversation form says so before anyone types an evening's notes into it.
UNSAVED = ("Wat u typt, wordt pas bewaard als u op **Gesprek opslaan** klikt. Laadt u de pagina opnieuw of sluit u "
           "hem eerder, dan is de tekst weg. Typt u veel, sla dan tussendoor op: een opgeslagen gesprek kunt u later "
           "aanvullen met ‘Gesprek wijzigen’.")
PRIVACY = ("**Geen persoonsgegevens.** Schrijf op wat er gezegd is, niet wie het zei: geen namen van bewoners, "
           "geen e-mailadressen en geen telefoonnummers. Noem organisaties, geen personen.")


# ----------------------------------------------------------------------------------------------- cached reads
@st.cache_data(max_entries=64, show_spinner=False)
def _prompts(release: str, code: str) -> list[str]:
    return data.prompts(code)


def prompts(code: str) -> list[str]:
    """The region's gesprekskaart prompts, once per release (making them reads the whole profile)."""
    return _prompts(db.release_key(), code)


@st.cache_data(max_entries=64, show_spinner=False)
def _choices(release: str, code: str):
    return data.indicator_choices(code)


def indicator_choices(code: str):
    return _choices(db.release_key(), code)


# ----------------------------------------------------------------------------------------------- session
def actor() -> str:
    """Who changes something, for the audit log (the user store's editor or session)."""
    return editing.actor()


def may_edit() -> bool:
    """On a shared instance only an editor may change anything; open (laptop) instances let everyone."""
    return editing.can_edit()


def allowed(where: str) -> bool:
    """The server-side check in every save callback (a hidden button is not a check)."""
    if may_edit():
        return True
    flash(where, "error", "Alleen een redacteur kan de wijkagenda wijzigen. Er is niets opgeslagen.")
    return False


def store() -> AgendaStore:
    return AgendaStore(actor=actor())


def flash(where: str, kind: str, text: str) -> None:
    """A message for the next run, at `where`. It replaces one of the same kind there that was not shown yet: a
    double click's second submit says again what the first said (its run never showed), and the page showed both."""
    st.session_state[FLASH] = [m for m in st.session_state.get(FLASH, []) if m[:2] != (where, kind)] + [
        (where, kind, text)]


def show_flash(where: str) -> None:
    keep = []
    for item in st.session_state.get(FLASH, []):
        if item[0] != where:
            keep.append(item)
            continue
        {"ok": st.success, "error": st.error, "info": st.info}[item[1]](item[2])
    st.session_state[FLASH] = keep


def problems_text(err: Exception) -> str:
    problems = getattr(err, "problems", None)
    if problems:
        return "Er is niets opgeslagen. Pas dit aan:\n" + "\n".join(f"- {p}" for p in problems[:12])
    return str(err)


def form_id(form_key: str) -> str:
    """The id of what a form instance makes (a conversation, a priority, a budget line, a review): the same for
    every submit of that instance, so a double click or a repeated submit finds it stored and adds nothing twice.
    A saved form starts a new instance (a new key), so the next one gets a new id."""
    session = st.session_state.setdefault("wa_session_token", model.new_id())
    return hashlib.sha256(f"{session}:{form_key}".encode()).hexdigest()[:16]


def new_part_id(agenda_id: str, key: str, texts: dict[str, object]) -> str:
    """The id a new priority, budget line or review gets: form_id(key), so a second click on the same form adds
    nothing twice. But when the agenda already holds a part with that id whose text fields read otherwise than
    this submit's `texts` (field -> what was typed), this is not a repeat: the form instance was sent again with
    new content (a page that still showed a saved form), and a repeat would drop what was typed. Then a new id."""
    from .forms import find_part
    part_id = form_id(key)
    doc_version = shown(agenda_id)
    part = find_part(doc_version[0], part_id) if doc_version else None
    if part is not None and any(_plain(part.get(f)) != _plain(t) for f, t in texts.items()):
        return model.new_id()
    return part_id


def _plain(text: object) -> str:
    """Text as the agenda stores it (checks.collapse_spaces), '' for none."""
    return collapse_spaces(str(text or ""))


def shown(agenda_id: str) -> tuple[dict, int] | None:
    return st.session_state.get(SHOWN, {}).get(agenda_id)


def save_shown(agenda_id: str, where: str, change, done: str, added: str | None = None) -> bool:
    """Apply change(doc) -> new doc to the agenda as this session last showed it, and save with that version.
    `added`: the id of the part this save adds (forms.has_part); when the agenda already has it, this is a repeat
    of a save that went through (a double click): nothing is saved again, and the message is the save's own (the
    repeat's run replaces the page the first one showed)."""
    if not allowed(where):
        return False
    doc_version = shown(agenda_id)
    if doc_version is None:
        flash(where, "error", "De agenda is niet meer geladen; probeer het opnieuw.")
        return False
    doc, version = doc_version
    if added is not None and _already(agenda_id, doc, added):
        flash(where, "ok", done)
        return False
    try:
        new = change(dict(doc))
        store().save_agenda(new, version)
    except (model.ValidationError, UserStoreError) as err:
        if isinstance(err, UserStoreError) and (_already(agenda_id, None, added) if added is not None else
                                                 _in_effect(agenda_id, change)):
            flash(where, "ok", done)    # the first click saved it after this form was shown
        else:
            flash(where, "error", problems_text(err))
        return False
    flash(where, "ok", done)
    return True


def _in_effect(agenda_id: str, change) -> bool:
    """Does the stored agenda already read as this change would make it (a priority taken off, a status set)?
    Then a refused save is a double click's second submit, not someone else's change."""
    try:
        doc = store().agenda(agenda_id)[0]
        return change(dict(doc)) == doc
    except (model.ValidationError, UserStoreError):
        return False


def _already(agenda_id: str, doc: dict | None, part_id: str) -> bool:
    from .forms import has_part
    if doc is None:
        try:
            doc = store().agenda(agenda_id)[0]
        except UserStoreError:
            return False
    return has_part(doc, part_id)


def instance_key(base: str, n: int) -> str:
    """The key of a new-item form's n-th instance: 'wa_b_<priority>', then 'wa_b_<priority>_1', ..."""
    return base if n == 0 else f"{base}_{n}"


def form_key(base: str, is_stored: Callable[[str], bool], key_of: Callable[[int], str] | None = None) -> str:
    """The key of a new-item form's current instance (userstore.form_instance): from this session's counter
    (next_form) on, the first whose item (its form_id) is not stored yet. Under load a double click stopped the
    save's callback right after the store had saved, before it bumped the counter; the page then kept the saved
    instance with what was typed, and the next item typed into it was stored with the previous one's choices (CI)."""
    key_of = key_of or (lambda n: instance_key(base, n))
    start = st.session_state.get("wa_forms", {}).get(base, 0)
    return key_of(open_instance(start, lambda n: is_stored(form_id(key_of(n)))))


def next_form(base: str) -> None:
    """After a save: start the next instance (a hint; form_key also skips any instance whose item is stored)."""
    forms_n = st.session_state.setdefault("wa_forms", {})
    forms_n[base] = forms_n.get(base, 0) + 1


def part_stored(agenda: dict) -> Callable[[str], bool]:
    """For form_key: does this agenda hold a priority, budget line or review with this id?"""
    from .forms import has_part
    return lambda part_id: has_part(agenda, part_id)


# ----------------------------------------------------------------------------------------------- agenda
NEW_AGENDA = "wa_new_agenda"   # the make-an-agenda form's instances (form_key)
MADE = "De wijkagenda is gemaakt. Voeg nu de prioriteiten toe (hoogstens zeven)."


def _create(region: dict, key: str) -> None:
    """Make the agenda whose id is this form instance's (form_id): a double click's second submit finds it and
    makes no second one, also when Streamlit runs the two callbacks at once (a stopped run's thread still ends
    its callback while the next run's starts: both saw no agenda and both made one, seen under load)."""
    if not allowed("agenda"):
        return
    title = st.session_state.get("wa_new_title")
    agenda_id = form_id(key)
    try:
        listed = [a["id"] for a in store().agendas(region["region_code"])]
        if listed and agenda_id not in listed:   # the form shows only when there is none: another session made one
            flash("agenda", "info", "Er is al een wijkagenda voor deze plek. Er is geen tweede gemaakt.")
            return
        if not listed:
            conversations = [c for c, _ in store().conversations(region=region["region_code"])]
            doc = model.empty_agenda(region["region_code"], region["name"], title or "", date.today(), agenda_id)
            doc["conversations"] = [c["id"] for c in conversations][: model.LIMITS["conversations"]]
            store().create_agenda(doc)
    except (model.ValidationError, UserStoreError) as err:
        if not (isinstance(err, UserStoreError) and store().agenda_id_taken(agenda_id)):
            flash("agenda", "error", problems_text(err))
            return
    st.session_state[CHOSEN] = agenda_id
    flash("agenda", "ok", MADE)


def choose_agenda(region: dict) -> tuple[dict, int] | None:
    """The agenda of this region this session works on (a choice when there are several), or a form to make one."""
    listed = store().agendas(region["region_code"])
    if listed:
        ids = [a["id"] for a in listed]
        if st.session_state.get(CHOSEN) not in ids:
            st.session_state[CHOSEN] = ids[0]
        if len(ids) > 1:
            titles = {a["id"]: a["title"] for a in listed}
            st.selectbox("Welke agenda?", ids, key=CHOSEN, format_func=titles.get)
        try:
            doc, version = store().agenda(st.session_state[CHOSEN])
        except UserStoreError as err:
            st.error(str(err))
            return None
        st.session_state.setdefault(SHOWN, {})[doc["id"]] = (doc, version)
        return doc, version
    if not may_edit():
        st.caption("Er is nog geen wijkagenda voor deze plek.")
        return None
    key = form_key(NEW_AGENDA, store().agenda_id_taken)   # a deleted agenda's instance is not used again
    with st.form(key):
        st.markdown("Er is nog geen wijkagenda voor deze plek. Geef hem een naam; de gesprekken van deze plek "
                    "horen er meteen bij.")
        st.text_input("Naam van de agenda", value=f"Wijkagenda {region['name']} {date.today().year + 1}",
                      key="wa_new_title", max_chars=model.TITLE_CHARS)
        st.form_submit_button("Wijkagenda maken", type="primary", on_click=_create, args=(region, key))
    return None


def day_text(iso: str | None) -> str:
    """'2026-11-20' -> '20 november 2026'; '–' when there is none."""
    from dashboard.gesprekskaart.wording import dutch_date
    return dutch_date(date.fromisoformat(iso)) if iso else "–"
