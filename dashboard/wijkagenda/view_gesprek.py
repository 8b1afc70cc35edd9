"""'Gesprek vastleggen': after a wijk-in-beeld evening, what was said per prompt of the gesprekskaart
("Dit klopt", "Dit mist", "Idee"), linked to figures and Bewonerskaart items, and the themes with dot votes.
A recorded conversation can be corrected later; notes that stay the same keep their id, so the agenda's links
to them hold, and a correction from a stale form is refused."""
from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.core.escaping import md_escape

from . import checks, data, forms, model, view, view_bin
from .store import AlreadyThere, UserStoreError
from .view import PRIVACY, allowed, day_text, flash, may_edit, problems_text, show_flash, store

NEW_CONVERSATION = "wa_c"  # the new-conversation form's instances: wa_c0, wa_c1, ... (view.form_key)
FIELDS = ("date", "regions", "organiser", "participants", "themes")


def _key() -> str:
    """The new-conversation form's current instance: a new, empty one once its conversation is stored; a refused
    one keeps what was typed."""
    return view.form_key(NEW_CONVERSATION, store().conversation_id_taken, key_of=lambda n: f"{NEW_CONVERSATION}{n}")


def _form_values(key: str, prompts: list[str]) -> dict:
    names = [*FIELDS, *(f"{i}_{k}" for i in range(len(prompts)) for k in (*model.KINDS, "indicators", "assets"))]
    return {name: st.session_state.get(f"{key}_{name}") for name in names}


def _attach(doc: dict, agenda: tuple[dict, int] | None) -> str:
    """The agenda of this place names a new conversation, so it travels with it (export, print). Read again from
    the store: a link only adds an id, and a first click may have made it already."""
    if agenda is None:
        return ""
    try:
        agenda_doc, version = store().agenda(agenda[0]["id"])
        if doc["id"] in agenda_doc["conversations"]:
            return " Het hoort bij de wijkagenda."
        store().save_agenda({**agenda_doc, "conversations": [*agenda_doc["conversations"], doc["id"]]
                             [-model.LIMITS["conversations"]:]}, version)
        return " Het hoort nu bij de wijkagenda."
    except (model.ValidationError, UserStoreError) as err:  # the conversation itself is saved
        return f" Het kon niet aan de agenda worden gekoppeld: {err}"


def _corrected_already(values: dict, prompts: list[str], assets: dict, conversation_id: str) -> bool:
    """Does the stored conversation already read as this correction would make it? Then a refused save is a double
    click's second submit (sent from the page that still showed the old version), not someone else's change."""
    try:
        stored = store().conversation(conversation_id)[0]
        return forms.conversation(values, prompts, assets, existing=stored) == stored
    except (model.ValidationError, UserStoreError):
        return False


def _save(key: str, prompts: list[str], assets: dict, agenda: tuple[dict, int] | None,
          existing: tuple[dict, int] | None = None) -> None:
    if not allowed("gesprek"):
        return
    values = _form_values(key, prompts)
    try:
        # a new conversation's id belongs to this form instance: a second click finds it stored (AlreadyThere),
        # saves nothing and says what the first click said (its run replaces the page the first one showed)
        doc = forms.conversation(values, prompts, assets, existing=existing[0] if existing else None,
                                 new_id=None if existing else view.form_id(key))
        store().save_conversation(doc, existing[1] if existing else None)
    except AlreadyThere:
        pass                                             # a repeat: nothing is saved twice
    except (model.ValidationError, UserStoreError) as err:
        # a repeat running at the same time as the first click's callback loses the insert: not an error; nor is
        # a correction's second submit (a double click) that finds its own correction stored
        if not (isinstance(err, UserStoreError) and (
                _corrected_already(values, prompts, assets, existing[0]["id"]) if existing else
                store().conversation_id_taken(view.form_id(key)))):
            flash("gesprek", "error", problems_text(err))
            return
    # also on a repeat: the first click's callback may have been stopped after the save, before the link (view.form_key)
    attached = _attach(doc, agenda)
    if existing is None:
        view.next_form(NEW_CONVERSATION)
    notes, themes = model.counted(len(doc["notes"]), "notitie", "notities"), \
        model.counted(len(doc["themes"]), "thema", "thema's")
    flash("gesprek", "ok", f"Het gesprek van {day_text(doc['date'])} is {'gewijzigd' if existing else 'opgeslagen'}: "
                           f"{notes} en {themes}.{attached}")


def _initial(existing: dict | None, prompts: list[str]) -> dict:
    """Widget values for a form: empty for a new conversation, the stored notes (one per line) for a correction."""
    if existing is None:
        return {}
    values = {"date": date.fromisoformat(existing["date"]), "regions": existing["regions"],
              "organiser": existing["organiser"], "participants": existing["participants"],
              "themes": "\n".join(f"{t['title']}: {t['votes']}" for t in existing["themes"])}
    for i, prompt in enumerate(prompts):
        notes = [n for n in existing["notes"] if n["prompt"] == prompt]
        for kind in model.KINDS:
            values[f"{i}_{kind}"] = "\n".join(n["text"] for n in notes if n["kind"] == kind)
        values[f"{i}_indicators"] = sorted({i for n in notes for i in n["indicators"]})
        values[f"{i}_assets"] = sorted({a["id"] for n in notes for a in n["assets"]})
    return values


def conversation_form(region: dict, agenda: tuple[dict, int] | None,
                      existing: tuple[dict, int] | None = None) -> None:
    code = region["region_code"]
    prompts = view.prompts(code)
    if existing is not None:  # prompts of an older gesprekskaart stay editable
        prompts = [*prompts, *dict.fromkeys(n["prompt"] for n in existing[0]["notes"] if n["prompt"] not in prompts)]
    places = data.buurten_in(code)
    place_labels = dict(zip(places["region_code"], places["name"]))
    assets = {a["id"]: a for a in data.resident_assets(code)}
    choices = view.indicator_choices(code)
    indicator_labels = dict(zip(choices["indicator_id"], choices["label"]))
    if existing is not None:
        for note in existing[0]["notes"]:
            assets.update({a["id"]: a for a in note["assets"]})
            indicator_labels.update({i: i for i in note["indicators"] if i not in indicator_labels})
        place_labels.update({c: c for c in existing[0]["regions"] if c not in place_labels})
    start = _initial(existing[0] if existing else None, prompts)
    key = f"wa_ce_{existing[0]['id']}_{existing[1]}" if existing else _key()
    with st.form(key):
        left, mid, right = st.columns([1, 2, 1])
        left.date_input("Datum van het gesprek", value=start.get("date", date.today()), key=f"{key}_date",
                        format="DD-MM-YYYY", help=checks.DAY_HELP, **checks.ANY_DAY)
        mid.text_input("Georganiseerd door (organisatie)", value=start.get("organiser", ""), key=f"{key}_organiser",
                       max_chars=model.ORG_CHARS, placeholder="Bijvoorbeeld: Buurthuis De Boomgaard")
        # a text box read on the server (checks.read_count) and bounded there (checks.MAX_COUNT), in Dutch: the
        # browser's number box read '1.000' as 1 and '12,5' as 125, and a min/max made it answer in English
        shown = start.get("participants")
        right.text_input("Aantal deelnemers", value="" if shown is None else str(shown), key=f"{key}_participants",
                         max_chars=checks.AMOUNT_CHARS, placeholder="bijv. 25",
                         help=f"Een aantal (0 tot {model.MAX_COUNT:,}), geen namen.".replace(",", "."))
        st.multiselect("Over welke buurt(en) of wijk ging het?", list(place_labels),
                       default=start.get("regions", [code]), format_func=lambda c: f"{place_labels[c]} ({c})",
                       key=f"{key}_regions", help=model.at_most("regions"), select_all=False)
        st.markdown("#### Wat is er gezegd? Per vraag van de gesprekskaart; één notitie per regel.")
        for i, prompt in enumerate(prompts):
            with st.expander(md_escape(prompt), expanded=i == 0):   # a label reads markdown
                cols = st.columns(3)
                for col, (kind, label) in zip(cols, model.KINDS.items()):
                    col.text_area(label, value=start.get(f"{i}_{kind}", ""), key=f"{key}_{i}_{kind}", height=90,
                                  max_chars=4000)
                link_left, link_right = st.columns(2)
                link_left.multiselect("Hoort bij deze cijfers", list(indicator_labels),
                                      default=start.get(f"{i}_indicators"), key=f"{key}_{i}_indicators",
                                      format_func=indicator_labels.get, help=model.at_most("note_indicators"),
                                      placeholder="Kies cijfers uit het profiel", select_all=False)
                link_right.multiselect("Hoort bij deze items van de Bewonerskaart", list(assets),
                                       default=start.get(f"{i}_assets"), key=f"{key}_{i}_assets",
                                       format_func=lambda a: assets[a]["name"], help=model.at_most("assets"),
                                       placeholder="Kies wat er al is", select_all=False)
        st.text_area("Thema's met stippen (één per regel: thema: aantal stippen)", value=start.get("themes", ""),
                     key=f"{key}_themes", height=100, placeholder="Bewegen en ontmoeten: 14\nRondkomen: 9",
                     max_chars=4000)
        st.form_submit_button("Wijziging opslaan" if existing else "Gesprek opslaan", type="primary", on_click=_save,
                              args=(key, prompts, assets, agenda, existing))


def conversation_list(conversations: list[tuple[dict, int]], region: dict, agenda: tuple[dict, int] | None) -> None:
    if not conversations:
        st.caption("Er is nog geen gesprek vastgelegd voor deze plek.")
        return
    for doc, version in conversations:
        title = (f"{day_text(doc['date'])} · {md_escape(doc['organiser'])} · "   # a label reads markdown: escaped
                 f"{model.counted(doc['participants'], 'deelnemer', 'deelnemers')} · "
                 f"{model.counted(len(doc['notes']), 'notitie', 'notities')}")
        with st.expander(title):
            by_prompt: dict[str, list[dict]] = {}
            for note in doc["notes"]:
                by_prompt.setdefault(note["prompt"], []).append(note)
            for prompt, notes in by_prompt.items():
                st.markdown(f"**{md_escape(prompt)}**\n" + "\n".join(
                    f"- {model.KINDS[n['kind']]}: {md_escape(n['text'])}" for n in notes))
            if doc["themes"]:
                st.markdown("**Stippen:** " + ", ".join(f"{md_escape(t['title'])} ({t['votes']})" for t in
                                                       sorted(doc["themes"], key=lambda t: -t["votes"])))
            if may_edit():
                with st.popover("Gesprek wijzigen", icon=":material/edit:"):
                    conversation_form(region, agenda, (doc, version))
                view_bin.delete_button("conversation", doc["id"], version, "gesprek")


def render(region: dict, agenda: tuple[dict, int] | None) -> None:
    show_flash("gesprek")
    conversations = store().conversations(region=region["region_code"])
    st.markdown("### Vastgelegde gesprekken")
    conversation_list(conversations, region, agenda)
    if may_edit():
        st.markdown("### Nieuw gesprek vastleggen")
        st.markdown(PRIVACY)
        st.caption(view.UNSAVED)
        conversation_form(region, agenda)
