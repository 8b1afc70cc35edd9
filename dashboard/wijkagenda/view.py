"""The Wijkagenda page's shared parts: the store per session, messages, choosing or making an agenda, and the
priorities (assets first) with their forms.

Saves run in widget callbacks, before the next script run, with the document and row version this session last
showed (session_state["wa_shown"]): when another session saved in between, the store refuses the save and the
Dutch message says so; what was typed stays in the form.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.bewoners.sections import md_escape
from dashboard.core import db
from dashboard.userstore import editing

from . import data, forms, model
from .store import AgendaStore, UserStoreError

FLASH = "wa_flash"
SHOWN = "wa_shown"
CHOSEN = "wa_agenda"
NEW_FORMS = "wa_p_n"
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
    st.session_state.setdefault(FLASH, []).append((where, kind, text))


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


def shown(agenda_id: str) -> tuple[dict, int] | None:
    return st.session_state.get(SHOWN, {}).get(agenda_id)


def save_shown(agenda_id: str, where: str, change, done: str) -> bool:
    """Apply change(doc) -> new doc to the agenda as this session last showed it, and save with that version."""
    if not allowed(where):
        return False
    doc_version = shown(agenda_id)
    if doc_version is None:
        flash(where, "error", "De agenda is niet meer geladen; probeer het opnieuw.")
        return False
    doc, version = doc_version
    try:
        new = change(dict(doc))
        store().save_agenda(new, version)
    except (model.ValidationError, UserStoreError) as err:
        flash(where, "error", problems_text(err))
        return False
    flash(where, "ok", done)
    return True


# ----------------------------------------------------------------------------------------------- agenda
def _create(region: dict) -> None:
    if not allowed("agenda"):
        return
    title = st.session_state.get("wa_new_title")
    try:
        conversations = [c for c, _ in store().conversations(region=region["region_code"])]
        doc = model.empty_agenda(region["region_code"], region["name"], title or "", date.today())
        doc["conversations"] = [c["id"] for c in conversations][: model.LIMITS["conversations"]]
        store().create_agenda(doc)
    except (model.ValidationError, UserStoreError) as err:
        flash("agenda", "error", problems_text(err))
        return
    st.session_state[CHOSEN] = doc["id"]
    flash("agenda", "ok", "De wijkagenda is gemaakt. Voeg nu de prioriteiten toe (hoogstens zeven).")


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
    with st.form("wa_new_agenda"):
        st.markdown("Er is nog geen wijkagenda voor deze plek. Geef hem een naam; de gesprekken van deze plek "
                    "horen er meteen bij.")
        st.text_input("Naam van de agenda", value=f"Wijkagenda {region['name']} {date.today().year + 1}",
                      key="wa_new_title", max_chars=model.TITLE_CHARS)
        st.form_submit_button("Wijkagenda maken", type="primary", on_click=_create, args=(region,))
    return None


# ----------------------------------------------------------------------------------------------- priorities
def _save_priority(agenda_id: str, key: str, existing: dict | None, region_code: str, assets: dict,
                   conversations: list[dict]) -> None:
    values = {name: st.session_state.get(f"{key}_{name}") for name in
              ("title", "why", "assets", "indicators", "organisations", "next_review")}

    def change(doc: dict) -> dict:
        new = forms.priority(values, existing=existing, assets=assets,
                             freeze=lambda i: data.freeze(region_code, i, date.today()))
        return forms.with_priority(doc, new, conversations)
    if save_shown(agenda_id, "agenda", change, "De prioriteit is opgeslagen." if existing else
                  "De prioriteit is toegevoegd. De beginpunten van de cijfers zijn vastgelegd.") and existing is None:
        st.session_state[NEW_FORMS] = st.session_state.get(NEW_FORMS, 0) + 1  # the next one starts empty


def _remove_priority(agenda_id: str, priority_id: str) -> None:
    save_shown(agenda_id, "agenda", lambda d: {**d, "priorities": [p for p in d["priorities"]
                                                                    if p["id"] != priority_id]},
               "De prioriteit is van de agenda gehaald.")


def priority_form(agenda: dict, region: dict, existing: dict | None, conversations: list[dict],
                  region_assets: list[dict], choices) -> None:
    if not may_edit():
        return
    key = f"wa_p_{existing['id']}" if existing else f"wa_p_new{st.session_state.get(NEW_FORMS, 0)}"
    notes = model.note_index(conversations)
    note_labels = {i: f"{model.KINDS[n['kind']]}: {n['text'][:90]}" for i, n in notes.items()}
    assets = {a["id"]: a for a in region_assets}
    for a in (existing or {}).get("assets") or []:
        assets.setdefault(a["id"], a)
    indicator_labels = {r.indicator_id: f"{r.label} ({r.period})" for r in choices.itertuples()}
    old = existing or {}
    for b in old.get("indicators") or []:
        indicator_labels.setdefault(b["indicator_id"], b["label"])
    with st.form(key):
        st.text_input("Titel in de woorden van bewoners", value=old.get("title") or "", key=f"{key}_title",
                      max_chars=model.TITLE_CHARS, placeholder="Bijvoorbeeld: Samen meer bewegen")
        st.multiselect("Wat de buurt al heeft (Bewonerskaart)", list(assets), default=[a["id"] for a in
                       old.get("assets") or []], format_func=lambda i: assets[i]["name"], key=f"{key}_assets",
                       placeholder="Kies wat er al is", max_selections=model.LIMITS["assets"])
        st.multiselect("Waarom: wat is er gezegd?", list(note_labels), default=[n for n in old.get("why") or []
                       if n in note_labels], format_func=note_labels.get, key=f"{key}_why",
                       placeholder="Kies notities uit de gesprekken", max_selections=model.LIMITS["why"])
        st.multiselect("Cijfers om te volgen (het beginpunt wordt nu vastgelegd)", list(indicator_labels),
                       default=[b["indicator_id"] for b in old.get("indicators") or []],
                       format_func=indicator_labels.get, key=f"{key}_indicators",
                       max_selections=model.LIMITS["indicators"], placeholder="Kies cijfers uit het profiel")
        st.text_area("Wie werkt eraan? (organisaties en initiatieven, één per regel)",
                     value="\n".join(old.get("organisations") or []), key=f"{key}_organisations", height=90)
        st.date_input("Volgende terugblik", value=date.fromisoformat(old["next_review"]) if old.get("next_review")
                      else None, key=f"{key}_next_review", format="DD-MM-YYYY", min_value=date(2000, 1, 1))
        st.form_submit_button("Prioriteit opslaan" if existing else "Prioriteit toevoegen", type="primary",
                              on_click=_save_priority, args=(agenda["id"], key, existing, region["region_code"],
                                                             assets, conversations))


def _add_budget(agenda_id: str, priority_id: str, key: str) -> None:
    values = {n: st.session_state.get(f"{key}_{n}") for n in ("description", "amount", "source", "status")}

    def change(doc: dict) -> dict:
        line = forms.budget_line(values)
        return {**doc, "priorities": [{**p, "budget": [*p["budget"], line]} if p["id"] == priority_id else p
                                      for p in doc["priorities"]]}
    save_shown(agenda_id, "agenda", change, "De budgetregel is toegevoegd.")


def _set_budget_status(agenda_id: str, priority_id: str, line_id: str, key: str) -> None:
    status = st.session_state.get(key)
    save_shown(agenda_id, "agenda", lambda doc: {**doc, "priorities": [
        {**p, "budget": [{**b, "status": status} if b["id"] == line_id else b for b in p["budget"]]}
        if p["id"] == priority_id else p for p in doc["priorities"]]}, "De status van de budgetregel is opgeslagen.")


def budget_section(agenda: dict, priority: dict) -> None:
    from .render_html import euro

    for line in priority["budget"]:
        left, right = st.columns([3, 1])
        left.markdown(f"{md_escape(line['description'])} · **{euro(line['amount'])}** · "
                      f"{model.BUDGET_SOURCES[line['source']]}")
        right.selectbox("Status", list(model.BUDGET_STATUSES), index=list(model.BUDGET_STATUSES).index(line["status"]),
                        format_func=model.BUDGET_STATUSES.get, key=f"wa_bs_{line['id']}", disabled=not may_edit(),
                        label_visibility="collapsed", on_change=_set_budget_status,
                        args=(agenda["id"], priority["id"], line["id"], f"wa_bs_{line['id']}"))
    key = f"wa_b_{priority['id']}"
    if not may_edit():
        return
    with st.form(key, clear_on_submit=True):
        st.markdown("**Budgetregel toevoegen**")
        cols = st.columns([3, 1.3, 1.5, 1.3])
        cols[0].text_input("Waarvoor", key=f"{key}_description", max_chars=200)
        cols[1].number_input("Bedrag (€)", min_value=0.0, max_value=float(model.MAX_AMOUNT), step=50.0,
                             value=None, key=f"{key}_amount", format="%.2f")
        cols[2].selectbox("Bron", list(model.BUDGET_SOURCES), format_func=model.BUDGET_SOURCES.get,
                          key=f"{key}_source")
        cols[3].selectbox("Status", list(model.BUDGET_STATUSES), format_func=model.BUDGET_STATUSES.get,
                          key=f"{key}_status")
        st.form_submit_button("Budgetregel toevoegen", on_click=_add_budget, args=(agenda["id"], priority["id"], key))


def priority_card(number: int, priority: dict, notes: dict) -> None:
    """One priority as the agenda shows it: what the buurt already has comes first."""
    have = priority["assets"]
    st.markdown("**Wat de buurt al heeft:** " + (", ".join(md_escape(a["name"]) for a in have) if have else
                                                 "_nog niets gekoppeld uit de Bewonerskaart_"))
    why = [notes[n] for n in priority["why"] if n in notes]
    if why:
        st.markdown("**Waarom:**\n" + "\n".join(f"- {model.KINDS[n['kind']]}: “{md_escape(n['text'])}”"
                                                for n in why))
    if priority["indicators"]:
        st.markdown("**Cijfers om te volgen** (beginpunt vastgelegd):\n" + "\n".join(
            f"- {md_escape(b['label'])}: {md_escape(_value(b))} ({b['period']}, tabel {b['table_id']}, "
            f"indeling {b['boundary_year']})" for b in priority["indicators"]))
    st.markdown("**Wie werkt eraan:** " + (md_escape(", ".join(priority["organisations"])) or "_nog niemand_"))
    st.markdown(f"**Volgende terugblik:** {priority['next_review'] or '–'}")


def _value(baseline: dict) -> str:
    from dashboard.core.format import fmt_value
    return fmt_value(baseline["value"], baseline["unit"])


def agenda_section(agenda: dict, region: dict, conversations: list[dict]) -> None:
    notes = model.note_index(conversations)
    region_assets = data.resident_assets(region["region_code"])
    choices = indicator_choices(region["region_code"])
    st.caption(f"{len(agenda['priorities'])} van hoogstens {model.MAX_PRIORITIES} prioriteiten · gemaakt "
               f"{agenda['created']}")
    for number, priority in enumerate(agenda["priorities"], start=1):
        with st.expander(f"{number}. {priority['title']}", expanded=True):
            priority_card(number, priority, notes)
            budget_section(agenda, priority)
            if not may_edit():
                continue
            with st.popover("Prioriteit wijzigen", icon=":material/edit:"):
                priority_form(agenda, region, priority, conversations, region_assets, choices)
            st.button("Van de agenda halen", key=f"wa_rm_{priority['id']}", type="tertiary",
                      icon=":material/delete:", on_click=_remove_priority, args=(agenda["id"], priority["id"]))
    if not may_edit():
        return
    if len(agenda["priorities"]) < model.MAX_PRIORITIES:
        st.markdown("#### Prioriteit toevoegen")
        priority_form(agenda, region, None, conversations, region_assets, choices)
    else:
        st.info("De agenda heeft zeven prioriteiten. Haal er een weg om een andere toe te voegen.")
