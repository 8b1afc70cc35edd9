"""The Wijkagenda tab: the priorities as the agenda shows them (what the buurt already has comes first), their
forms (title, items, notes, figures whose baseline is frozen on saving, organisations, next review), budget lines
and removal. Saves go through view.save_shown, so a stale one is refused."""
from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core.escaping import md_escape

from . import checks, data, forms, model
from .view import (day_text, form_key, indicator_choices, may_edit, new_part_id, next_form, part_stored,
                   save_shown)


NEW_PRIORITY = "wa_p_new"   # the new-priority form's instances: wa_p_new0, wa_p_new1, ...


def _save_priority(agenda_id: str, key: str, existing: dict | None, region_code: str, assets: dict,
                   conversations: list[dict]) -> None:
    values = {name: st.session_state.get(f"{key}_{name}") for name in
              ("title", "why", "assets", "indicators", "organisations", "next_review")}

    # a second click on the same new form adds nothing; the same form sent again with other text adds it
    new_id = None if existing else new_part_id(agenda_id, key, {"title": values["title"]})

    def change(doc: dict) -> dict:
        new = forms.priority(values, existing=existing, assets=assets,
                             freeze=lambda i: data.freeze(region_code, i, date.today()), new_id=new_id)
        return forms.with_priority(doc, new, conversations)
    if save_shown(agenda_id, "agenda", change, "De prioriteit is opgeslagen." if existing else
                  "De prioriteit is toegevoegd. De beginpunten van de cijfers zijn vastgelegd.",
                  added=new_id) and existing is None:
        next_form(NEW_PRIORITY)   # the next one starts empty (form_key also sees that this one is stored)


def _remove_priority(agenda_id: str, priority_id: str) -> None:
    save_shown(agenda_id, "agenda", lambda d: {**d, "priorities": [p for p in d["priorities"]
                                                                    if p["id"] != priority_id]},
               "De prioriteit is van de agenda gehaald.")


def priority_form(agenda: dict, region: dict, existing: dict | None, conversations: list[dict],
                  region_assets: list[dict], choices) -> None:
    if not may_edit():
        return
    key = (f"wa_p_{existing['id']}" if existing else
           form_key(NEW_PRIORITY, part_stored(agenda), key_of=lambda n: f"{NEW_PRIORITY}{n}"))
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
        st.multiselect(f"Wat de {model.noun(region['region_code'])} al heeft (Bewonerskaart)", list(assets),
                       default=[a["id"] for a in old.get("assets") or []], format_func=lambda i: assets[i]["name"],
                       key=f"{key}_assets",
                       placeholder="Kies wat er al is", help=model.at_most("assets"), select_all=False)
        st.multiselect("Waarom: wat is er gezegd?", list(note_labels), default=[n for n in old.get("why") or []
                       if n in note_labels], format_func=note_labels.get, key=f"{key}_why",
                       placeholder="Kies notities uit de gesprekken", help=model.at_most("why"), select_all=False)
        st.multiselect("Cijfers om te volgen (het beginpunt wordt nu vastgelegd)", list(indicator_labels),
                       default=[b["indicator_id"] for b in old.get("indicators") or []],
                       format_func=indicator_labels.get, key=f"{key}_indicators",
                       help=model.at_most("indicators"), placeholder="Kies cijfers uit het profiel", select_all=False)
        st.text_area("Wie werkt eraan? (organisaties en initiatieven, één per regel)",
                     value="\n".join(old.get("organisations") or []), key=f"{key}_organisations", height=90)
        st.date_input("Volgende terugblik", value=date.fromisoformat(old["next_review"]) if old.get("next_review")
                      else None, key=f"{key}_next_review", format="DD-MM-YYYY", help=checks.DAY_HELP,
                      **checks.ANY_DAY)
        st.form_submit_button("Prioriteit opslaan" if existing else "Prioriteit toevoegen", type="primary",
                              on_click=_save_priority, args=(agenda["id"], key, existing, region["region_code"],
                                                             assets, conversations))


def _add_budget(agenda_id: str, priority_id: str, key: str) -> None:
    from .render_html import euro

    values = {n: st.session_state.get(f"{key}_{n}") for n in ("description", "amount", "source", "status")}
    line_id = new_part_id(agenda_id, key, {"description": values["description"]})   # added once per click pair

    def change(doc: dict) -> dict:
        line = forms.budget_line(values, line_id)
        return {**doc, "priorities": [{**p, "budget": [*p["budget"], line]} if p["id"] == priority_id else p
                                      for p in doc["priorities"]]}
    amount = checks.read_amount(values["amount"]) if isinstance(values["amount"], str) else values["amount"]
    said = f" van {euro(amount)}" if isinstance(amount, (int, float)) and 0 <= amount <= model.MAX_AMOUNT else ""
    # the amount as it was read, so a misreading would show at once
    if save_shown(agenda_id, "agenda", change, f"De budgetregel{said} is toegevoegd.", added=line_id):
        next_form(f"wa_b_{priority_id}")   # a new, empty form; a refused line keeps what was typed


def _set_budget_status(agenda_id: str, priority_id: str, line_id: str, key: str) -> None:
    status = st.session_state.get(key)
    save_shown(agenda_id, "agenda", lambda doc: {**doc, "priorities": [
        {**p, "budget": [{**b, "status": status} if b["id"] == line_id else b for b in p["budget"]]}
        if p["id"] == priority_id else p for p in doc["priorities"]]}, "De status van de budgetregel is opgeslagen.")


def budget_section(agenda: dict, priority: dict) -> None:
    from .render_html import euro

    if priority["budget"]:
        st.markdown(f"**Budget** (totaal {euro(model.budget_total(priority))}):")
    for line in priority["budget"]:
        left, right = st.columns([3, 1])
        left.markdown(f"{md_escape(line['description'])} · **{euro(line['amount'])}** · "
                      f"{model.BUDGET_SOURCES[line['source']]}")
        right.selectbox("Status", list(model.BUDGET_STATUSES), index=list(model.BUDGET_STATUSES).index(line["status"]),
                        format_func=model.BUDGET_STATUSES.get, key=f"wa_bs_{line['id']}", disabled=not may_edit(),
                        label_visibility="collapsed", on_change=_set_budget_status,
                        args=(agenda["id"], priority["id"], line["id"], f"wa_bs_{line['id']}"))
    key = form_key(f"wa_b_{priority['id']}", part_stored(agenda))
    if not may_edit():
        return
    with st.form(key):
        st.markdown("**Budgetregel toevoegen**")
        cols = st.columns([3, 1.3, 1.5, 1.3])
        cols[0].text_input("Waarvoor", key=f"{key}_description", max_chars=200)
        # a text box, read on the server the Dutch way (checks.read_amount) and bounded there (model.MAX_AMOUNT):
        # the browser's number box read '1234,56' as 123456 and '1.234,56' as 1,23, and a min/max made it answer
        # in English
        cols[1].text_input("Bedrag (€)", key=f"{key}_amount", max_chars=checks.AMOUNT_CHARS,
                           placeholder="bijv. 1.250,50")
        cols[2].selectbox("Bron", list(model.BUDGET_SOURCES), format_func=model.BUDGET_SOURCES.get,
                          key=f"{key}_source")
        cols[3].selectbox("Status", list(model.BUDGET_STATUSES), format_func=model.BUDGET_STATUSES.get,
                          key=f"{key}_status")
        st.form_submit_button("Budgetregel toevoegen", on_click=_add_budget, args=(agenda["id"], priority["id"], key))


def priority_card(number: int, priority: dict, notes: dict, noun: str = "buurt") -> None:
    """One priority as the agenda shows it: what the buurt (or wijk) already has comes first."""
    have = priority["assets"]
    st.markdown(f"**Wat de {noun} al heeft:** " + (", ".join(md_escape(a["name"]) for a in have) if have else
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
    st.markdown(f"**Volgende terugblik:** {day_text(priority['next_review'])}")


def _value(baseline: dict) -> str:
    from .follow import baseline_text
    # a rounded 0 (baseline 'rounding') reads '0 tot 15 per 1 000 inwoners (... 0 tot 4)', a buurt's 5 inwoners 'ongeveer 5'
    return baseline_text(baseline)


def agenda_section(agenda: dict, region: dict, conversations: list[dict]) -> None:
    notes = model.note_index(conversations)
    region_assets = data.resident_assets(region["region_code"])
    choices = indicator_choices(region["region_code"])
    st.caption(f"{len(agenda['priorities'])} van hoogstens {model.MAX_PRIORITIES} prioriteiten · gemaakt "
               f"{day_text(agenda['created'])}")
    for number, priority in enumerate(agenda["priorities"], start=1):
        # a widget label reads markdown: residents' text is escaped there as in st.markdown
        with st.expander(f"{number}. {md_escape(priority['title'])}", expanded=True):
            priority_card(number, priority, notes, model.noun(region["region_code"]))
            budget_section(agenda, priority)
            if not may_edit():
                continue
            with st.popover("Prioriteit wijzigen", icon=":material/edit:"):
                priority_form(agenda, region, priority, conversations, region_assets, choices)
            with st.popover("Van de agenda halen", icon=":material/delete:"):
                st.markdown("Weet u het zeker? De prioriteit met haar cijfers, budget en terugblikken gaat van de "
                            "agenda (het logboek bewaart wat er stond).")
                st.button("Ja, van de agenda halen", key=f"wa_rm_{priority['id']}", type="primary",
                          on_click=_remove_priority, args=(agenda["id"], priority["id"]))
    if not may_edit():
        return
    if len(agenda["priorities"]) < model.MAX_PRIORITIES:
        st.markdown("### Prioriteit toevoegen")
        priority_form(agenda, region, None, conversations, region_assets, choices)
    else:
        st.info("De agenda heeft zeven prioriteiten. Haal er een weg om een andere toe te voegen.")
