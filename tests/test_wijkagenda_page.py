"""The Wijkagenda page through AppTest on the real release, with a tmp user store: bad input gets a Dutch message
and keeps what was typed; a stale save from a second session is refused; a shared instance is read-only."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.wijkagenda.store import AgendaStore
from dashboard.wijkagenda.view import day_text
from tests.conftest import double_click, open_app_page, xlsx_bytes

PAGE = "app_pages/wijkagenda.py"
BUURT = "BU03440121"        # Lombok-Oost, Utrecht


@pytest.fixture()
def store_path(user_store_path):
    return user_store_path


def open_page(tab: str | None = None) -> AppTest:
    return open_app_page(PAGE, session={"wa_tab": tab} if tab else None, regio=BUURT)


def with_agenda() -> AppTest:
    at = open_page()
    at = at.button(key="FormSubmitter:wa_new_agenda-Wijkagenda maken").click().run()
    assert "De wijkagenda is gemaakt" in " ".join(s.value for s in at.success)
    return at


def test_personal_data_in_a_conversation_is_refused_and_the_text_stays(store_path):
    at = _record_conversation(with_agenda(), organiser="Bel Jan op 06-12345678", participants="12")
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Er is niets opgeslagen" in errors and "telefoonnummer" in errors
    assert at.text_area(key="wa_c0_0_klopt").value == "Er is veel groen."       # nothing typed is lost
    assert AgendaStore(store_path).conversations() == []


def test_a_stale_save_from_a_second_session_is_refused(store_path):
    first = with_agenda()
    first.session_state["wa_tab"] = "Wijkagenda"
    first = first.run()
    second = open_page("Wijkagenda")                    # opens the same agenda, version 1
    first.text_input(key="wa_p_new0_title").input("Samen meer bewegen")
    first = first.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    assert "De prioriteit is toegevoegd" in " ".join(s.value for s in first.success)
    second.text_input(key="wa_p_new0_title").input("Een veilige oversteek")
    second = second.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    errors = " ".join(e.value for e in second.error)
    assert "Iemand anders heeft dit item gewijzigd" in errors and "niet opgeslagen" in errors
    agenda_id = AgendaStore(store_path).agendas()[0]["id"]
    doc, version = AgendaStore(store_path).agenda(agenda_id)
    assert [p["title"] for p in doc["priorities"]] == ["Samen meer bewegen"] and version == 2
    assert "Samen meer bewegen" in " ".join(e.label for e in second.expander)   # the page now shows the save


def test_a_shared_instance_without_editor_is_read_only(store_path, monkeypatch):
    with_agenda()
    monkeypatch.setenv("BUURTBALANS_EDIT_MODE", "shared")
    at = open_page()
    assert not at.exception
    assert "Gesprek opslaan" not in [b.label for b in at.get("form_submit_button")]
    assert any("redacteur" in i.value for i in at.info)


def test_priority_budget_line_and_review_are_saved_and_followed(store_path, build_dir):
    from dashboard.wijkagenda import data

    at = with_agenda()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    at.text_input(key="wa_p_new0_title").input("De huisarts blijft dichtbij")
    at.multiselect(key="wa_p_new0_indicators").select("afstand_huisarts")
    at.text_area(key="wa_p_new0_organisations").input("Huisartsenpraktijk Lombok\nBuurtteam")
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    agenda_id = AgendaStore(store_path).agendas()[0]["id"]
    priority = AgendaStore(store_path).agenda(agenda_id)[0]["priorities"][0]
    frozen = data.freeze(BUURT, "afstand_huisarts", __import__("datetime").date.today(), build_dir)
    assert priority["indicators"] == [frozen]                    # the baseline is the release row, frozen
    key = f"wa_b_{priority['id']}"
    at.text_input(key=f"{key}_description").input("Vervoer naar de praktijk")
    at.text_input(key=f"{key}_amount").input("750")
    at.selectbox(key=f"{key}_source").select("initiatievenfonds")
    at = at.button(key=f"FormSubmitter:{key}-Budgetregel toevoegen").click().run()
    assert not at.exception
    at.session_state["wa_tab"] = "Volgen"
    at = at.run()
    assert any("nog geen nieuwer cijfer" in m.value for m in at.markdown)
    key = f"wa_r_{priority['id']}"
    at.text_area(key=f"{key}_done").input("Gesprek met de praktijk gehad")
    at = at.button(key=f"FormSubmitter:{key}-Terugblik opslaan").click().run()
    saved = AgendaStore(store_path).agenda(agenda_id)
    line = saved[0]["priorities"][0]["budget"][0]
    assert (line["amount"], line["source"], line["status"]) == (750.0, "initiatievenfonds", "aangevraagd")
    assert saved[0]["priorities"][0]["reviews"][0]["done"] == "Gesprek met de praktijk gehad"
    assert saved[1] == 4                                          # created, priority, budget line, review


def test_a_conversation_can_be_corrected_and_keeps_its_note_ids(store_path):
    at = with_agenda()
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    at.text_input(key="wa_c0_participants").input("23")
    at.text_area(key="wa_c0_0_klopt").input("De huisarts is dichtbij.\nEr is veel groen.")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    (doc, version), = AgendaStore(store_path).conversations()
    assert AgendaStore(store_path).agendas()[0]["id"] and version == 1
    stale = open_page()                                              # a second session shows version 1 as well
    key = f"wa_ce_{doc['id']}_1"
    at.text_input(key=f"{key}_organiser").input("Wijkteam Lombok")
    at.text_area(key=f"{key}_0_klopt").input("De huisarts is dichtbij.\nEr is veel groen.\nHet park is druk.")
    at = at.button(key=f"FormSubmitter:{key}-Wijziging opslaan").click().run()
    assert "is gewijzigd: 3 notities" in " ".join(s.value for s in at.success)
    (new, version), = AgendaStore(store_path).conversations()
    assert version == 2 and new["organiser"] == "Wijkteam Lombok" and new["id"] == doc["id"]
    assert [n["id"] for n in new["notes"][:2]] == [n["id"] for n in doc["notes"]]   # links to them hold
    stale.text_input(key=f"{key}_organiser").input("Iets anders")
    stale = stale.button(key=f"FormSubmitter:{key}-Wijziging opslaan").click().run()
    assert "Iemand anders heeft dit item gewijzigd" in " ".join(e.value for e in stale.error)
    assert AgendaStore(store_path).conversations()[0][0]["organiser"] == "Wijkteam Lombok"


def _fill_conversation(at: AppTest, organiser: str = "Buurthuis De Boomgaard", participants: str = "23",
                       key: str = "wa_c0") -> str:
    """Fill in the new-conversation form instance `key` (one 'klopt' note); its submit button's key."""
    at.text_input(key=f"{key}_organiser").input(organiser)
    at.text_input(key=f"{key}_participants").input(participants)
    at.text_area(key=f"{key}_0_klopt").input("Er is veel groen.")
    return f"FormSubmitter:{key}-Gesprek opslaan"


def _record_conversation(at: AppTest, organiser: str = "Buurthuis De Boomgaard", participants: str = "23",
                         key: str = "wa_c0") -> AppTest:
    """Fill in the new-conversation form instance `key` (one 'klopt' note) and save it."""
    return at.button(key=_fill_conversation(at, organiser, participants, key)).click().run()


def test_deleted_conversation_and_agenda_are_restored_from_the_bin_with_audit(store_path):
    at = _record_conversation(with_agenda())
    store = AgendaStore(store_path)
    (conv, cv), = store.conversations()
    agenda = store.agendas()[0]
    at = at.button(key=f"wa_del_{conv['id']}").click().run()
    assert "Het gesprek is verwijderd" in " ".join(s.value for s in at.success)
    assert store.conversations() == [] and "Er is nog geen gesprek" in " ".join(c.value for c in at.caption)
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    at = at.button(key=f"wa_del_{agenda['id']}").click().run()
    assert store.agendas() == [] and not at.exception
    at.session_state["wa_tab"] = "Verwijderd"
    at = at.run()
    listed = " ".join(m.value for m in at.markdown)
    assert f"**Gesprek:** Gesprek van {day_text(conv['date'])} (" in listed and f"**Agenda:** {agenda['title']}" in listed
    # said on a Dutch clock (the bin said '08:16 UTC' of a delete at 09:16)
    from dashboard.userstore import dutch_time
    when = dutch_time(next(g for g in store.deleted(BUURT) if g["id"] == agenda["id"])["deleted_at"])
    assert f"verwijderd {when.day} " in listed and f"{when:%H:%M}" in listed and "UTC" not in listed
    at = at.button(key=f"wa_restore_{conv['id']}").click().run()
    at = at.button(key=f"wa_restore_{agenda['id']}").click().run()
    assert "is teruggezet" in " ".join(s.value for s in at.success)
    (back, version), = store.conversations()
    assert back == conv and version == cv + 2                       # delete and restore each bump the version
    assert store.agenda(agenda["id"])[0]["conversations"] == [conv["id"]]
    assert [e.action for e in store.history(conv["id"])][:3] == ["restore", "delete", "create"]
    deleted = next(e for e in store.history(conv["id"]) if e.action == "delete")
    assert deleted.before == conv and deleted.after is None          # the log keeps what was deleted
    assert "Er is niets verwijderd" in " ".join(c.value for c in at.caption)


def test_a_stale_or_unauthorised_restore_changes_nothing(store_path, monkeypatch):
    _record_conversation(with_agenda())
    store = AgendaStore(store_path)
    (conv, version), = store.conversations()
    store.delete_conversation(conv["id"], version)
    first, second = open_page("Verwijderd"), open_page("Verwijderd")    # two editors see the same bin
    first = first.button(key=f"wa_restore_{conv['id']}").click().run()
    second = second.button(key=f"wa_restore_{conv['id']}").click().run()
    assert "al teruggezet" in " ".join(i.value for i in second.info) and not second.exception
    assert [e.action for e in store.history(conv["id"])].count("restore") == 1
    (_, version), = store.conversations()
    store.delete_conversation(conv["id"], version)
    shown = open_page("Verwijderd")
    monkeypatch.setenv("BUURTBALANS_EDIT_MODE", "shared")              # the instance turns shared: no editor
    shown = shown.button(key=f"wa_restore_{conv['id']}").click().run()
    assert "Alleen een redacteur" in " ".join(e.value for e in shown.error)
    assert store.conversations() == []
    assert "Verwijderd" not in [t.label for t in open_page().tabs]


def test_import_of_a_wrong_type_is_refused_in_dutch_and_the_message_goes_with_the_file(store_path):
    """No `type=` filter on the uploader (Streamlit refuses in English): the server reads the content and names the
    allowed type, for the file the uploader holds; another file in the uploader does not get that message."""
    at = open_page("Afdrukken en delen")
    uploader = at.get("file_uploader")[0]
    assert not uploader.proto.type        # the widget does not refuse by type itself
    assert uploader.proto.max_upload_size_mb > 2   # a file just over 2 MB reaches our Dutch size check
    uploader.set_value(("agenda.json", xlsx_bytes(), "application/json")).run()
    at = at.button(key=next(b.key for b in at.button if b.label == "Agenda inlezen")).click().run()
    errors = " ".join(e.value for e in at.error)
    assert "‘agenda.json’ is niet ingelezen" in errors and "Excel" in errors
    assert "Hier kan alleen een JSON-bestand (.json) worden ingelezen" in errors
    assert AgendaStore(store_path).agendas() == []
    at.get("file_uploader")[0].set_value(("andere.txt", b"{}", "text/plain")).run()
    assert "agenda.json" not in " ".join(e.value for e in at.error)      # the old message went with its file
    at = at.button(key=next(b.key for b in at.button if b.label == "Agenda inlezen")).click().run()
    errors = " ".join(e.value for e in at.error)
    assert "‘andere.txt’ is niet ingelezen" in errors and "type .txt" in errors


def test_a_number_out_of_range_gets_a_dutch_message_not_the_browser_s_english_one(store_path):
    """The number boxes set no min/max: with them the browser said 'Number is outside the allowed range. Please
    enter a value between 0 and 100000.' (English) under the box. The server bounds them (wijkagenda.checks) and
    says so in Dutch; nothing is saved and what was typed stays."""
    at = with_agenda()
    box = at.text_input(key="wa_c0_participants")   # a text box: no browser range at all
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    box.input("-5")
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Er is niets opgeslagen" in errors and "aantal deelnemers" in errors and "100.000" in errors, errors
    assert at.text_area(key="wa_c0_0_klopt").value == "Er is veel groen."
    assert AgendaStore(store_path).conversations() == []
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    at.text_input(key="wa_p_new0_title").input("Samen meer bewegen")
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    doc, _ = AgendaStore(store_path).agenda(AgendaStore(store_path).agendas()[0]["id"])
    priority = doc["priorities"][0]["id"]
    assert at.text_input(key=f"wa_b_{priority}_amount").max_chars == 30   # a text box: no browser range at all


def test_a_list_past_its_limit_gets_a_dutch_message_not_the_browser_s_english_one(store_path, con):
    """The list boxes had max_selections: at the limit the browser said 'You can only select up to 8 options.
    Remove an option first.' (Streamlit's English). They set none now and say the bound in Dutch; saving checks it
    (model.LIMITS), says so in Dutch, saves nothing and keeps the choice."""
    from dashboard.wijkagenda import model
    at = with_agenda()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    box = at.multiselect(key="wa_p_new0_indicators")
    assert box.proto.max_selections == 0 and box.help == model.at_most("indicators")
    offered = [i for (i,) in con.execute("select indicator_id from mart_catalogue order by indicator_id").fetchall()
               if box.format_func(i) in box.options]
    too_many = offered[: model.LIMITS["indicators"] + 1]
    assert len(too_many) == model.LIMITS["indicators"] + 1
    at.text_input(key="wa_p_new0_title").input("Samen meer bewegen")
    box.set_value(too_many)
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "te veel (9); maximaal 8" in errors, errors
    assert at.multiselect(key="wa_p_new0_indicators").value == too_many
    doc, _ = AgendaStore(store_path).agenda(AgendaStore(store_path).agendas()[0]["id"])
    assert doc.get("priorities") in (None, [])


def test_a_date_out_of_range_gets_a_dutch_message_not_the_browser_s_english_one(store_path):
    """The date boxes set min_value/max_value: a typed 01-01-1980 got the browser's 'Error: Date set outside allowed
    range. Please select a date between 01-01-2000 and 01-01-2100.' (Streamlit's English, seen in chromium). They
    set none now; saving checks the year (checks.FIRST_YEAR..LAST_YEAR) in Dutch, saves nothing, keeps the text."""
    import datetime
    from dashboard.wijkagenda import checks
    at = with_agenda()
    box = at.date_input(key="wa_c0_date")
    assert (box.proto.min, box.proto.max) == ("0001-01-01", "9999-12-31")   # the box refuses no typed date
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    at.text_input(key="wa_c0_participants").input("12")
    box.set_value(datetime.date(checks.FIRST_YEAR - 10, 1, 1))
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert f"kies een datum tussen {checks.FIRST_YEAR} en {checks.LAST_YEAR}" in errors, errors
    assert at.text_area(key="wa_c0_0_klopt").value == "Er is veel groen."
    assert AgendaStore(store_path).conversations() == []


def test_an_empty_participants_box_is_named_in_dutch(store_path):
    """Saving a conversation without a number of participants said 'participants ontbreekt' (the file's field
    name); it names the box in Dutch and saves nothing."""
    at = with_agenda()
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "aantal deelnemers ontbreekt" in errors and "participants" not in errors, errors
    assert AgendaStore(store_path).conversations() == []


def _with_priority(store_path, title: str = "Samen meer bewegen") -> tuple[AppTest, str]:
    at = with_agenda()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    at.text_input(key="wa_p_new0_title").input(title)
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    doc, _ = AgendaStore(store_path).agenda(AgendaStore(store_path).agendas()[0]["id"])
    return at, doc["priorities"][0]["id"]


def test_a_refused_budget_line_or_review_keeps_what_was_typed_and_names_the_fields_in_dutch(store_path):
    """The budget and review forms emptied on every click (clear_on_submit): a line refused for a phone number or
    an amount above the bound was gone, and the message said 'description: ...', 'amount: ...' (the file's field
    names). A refused line keeps what was typed and names the boxes in Dutch; a saved one empties the form."""
    at, priority = _with_priority(store_path)
    key = f"wa_b_{priority}"
    at.text_input(key=f"{key}_description").input("Bankjes, bel 06-12345678")
    at.text_input(key=f"{key}_amount").input("99.999.999")
    at = at.button(key=f"FormSubmitter:{key}-Budgetregel toevoegen").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "waarvoor: bevat een telefoonnummer" in errors and "bedrag: hoort tussen 0 en 10.000.000" in errors, errors
    assert "description" not in errors and "amount" not in errors
    assert at.text_input(key=f"{key}_description").value == "Bankjes, bel 06-12345678"
    assert at.text_input(key=f"{key}_amount").value == "99.999.999"
    at.text_input(key=f"{key}_description").input("Bankjes bij het park")
    at.text_input(key=f"{key}_amount").input("750")
    at = at.button(key=f"FormSubmitter:{key}-Budgetregel toevoegen").click().run()
    assert "De budgetregel van € 750 is toegevoegd" in " ".join(s.value for s in at.success)
    key = f"wa_b_{priority}_1"                                  # a saved line starts a new, empty form
    assert at.text_input(key=f"{key}_description").value == "" and at.text_input(key=f"{key}_amount").value == ""
    at.session_state["wa_tab"] = "Volgen"
    at = at.run()
    key = f"wa_r_{priority}"
    at.text_area(key=f"{key}_done").input("Gebeld met mevr. Jansen")
    at = at.button(key=f"FormSubmitter:{key}-Terugblik opslaan").click().run()
    errors = " ".join(e.value for e in at.error)
    assert "wat hebben we gedaan: bevat een naam met aanhef" in errors and "done" not in errors, errors
    assert at.text_area(key=f"{key}_done").value == "Gebeld met mevr. Jansen"
    doc, _ = AgendaStore(store_path).agenda(AgendaStore(store_path).agendas()[0]["id"])
    assert [b["description"] for b in doc["priorities"][0]["budget"]] == ["Bankjes bij het park"]
    assert doc["priorities"][0]["reviews"] == []


def test_a_refused_note_names_its_question_box_and_line(store_path):
    """A phone number in the second line of 'Dit klopt' said 'notitie 2, text: bevat een telefoonnummer' (English,
    and counted over every box); it names the question, the box and the line."""
    at = with_agenda()
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    at.text_input(key="wa_c0_participants").input("12")
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.\nBel 06-12345678 voor de moestuin")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    errors = " ".join(e.value for e in at.error)
    from dashboard.wijkagenda import data
    first = data.prompts(BUURT)[0]
    assert f"bij ‘{first}’, Dit klopt, regel 2: bevat een telefoonnummer" in errors, errors
    assert "text" not in errors and "notitie 2" not in errors
    assert AgendaStore(store_path).conversations() == []


def test_residents_text_in_a_label_is_not_read_as_markdown(store_path):
    """A priority titled '**Samen** [bewegen](https://example.org)' showed bold and a link in its heading on the
    agenda tab (an expander label reads markdown), and an organiser's '**' in the conversation's heading."""
    from dashboard.core.escaping import md_escape
    title = "**Samen** [bewegen](https://example.org)"
    at, _ = _with_priority(store_path, title)
    labels = [e.label for e in at.expander]
    assert f"1. {md_escape(title)}" in labels, labels
    at.session_state["wa_tab"] = "Gesprek vastleggen"
    at = at.run()
    at.text_input(key="wa_c0_organiser").input("**Buurthuis** _De Boomgaard_")
    at.text_input(key="wa_c0_participants").input("12")
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    assert any(md_escape("**Buurthuis** _De Boomgaard_") in e.label for e in at.expander), [e.label for e in at.expander]


def test_a_saved_conversation_counts_one_note_and_one_theme_in_the_singular(store_path):
    """'Het gesprek … is opgeslagen: 1 notitie en 1 thema's' and a heading '1 deelnemers · 1 notities'."""
    at = with_agenda()
    at.text_input(key="wa_c0_organiser").input("Buurthuis De Boomgaard")
    at.text_input(key="wa_c0_participants").input("1")
    at.text_area(key="wa_c0_0_klopt").input("Er is veel groen.")
    at.text_area(key="wa_c0_themes").input("Bewegen en ontmoeten: 14")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    assert any(s.value.endswith("is opgeslagen: 1 notitie en 1 thema. Het hoort nu bij de wijkagenda.")
               for s in at.success), [s.value for s in at.success]
    assert any(e.label.endswith("· Buurthuis De Boomgaard · 1 deelnemer · 1 notitie") for e in at.expander), \
        [e.label for e in at.expander]


def test_the_conversation_form_says_that_unsaved_text_is_lost_on_a_reload(store_path):
    """A reload in the middle of typing starts a new session and the typed notes were gone without a word; the
    form says beforehand that only 'Gesprek opslaan' keeps them, and how to save in between."""
    at = with_agenda()
    captions = " ".join(c.value for c in at.caption)
    assert "pas bewaard als u op **Gesprek opslaan** klikt" in captions and "opnieuw" in captions


@pytest.fixture()
def stopped_after_saving(stop_once):
    """The next save of an agenda or conversation goes through, and then its callback is stopped."""
    return lambda name: stop_once(AgendaStore, name)


def _click_stopped(at: AppTest, submit_key: str, second_click: bool) -> AppTest:
    """Click `submit_key`, whose run is stopped (stop_once); then the double click's second submit (conftest's
    double_click), or without `second_click` a plain next run."""
    return double_click(at, submit_key) if second_click else at.button(key=submit_key).click().run().run()


@pytest.mark.parametrize("second_click", [True, False], ids=["double click", "one click, then another run"])
def test_a_priority_saved_before_its_callback_stopped_is_added_once_and_the_form_empties(
        store_path, stopped_after_saving, second_click):
    """The new-priority form's instance followed a session counter that the callback bumped after the save. When
    Streamlit stopped the callback in between, the page kept the saved instance with what was typed; the next
    priority typed into it was stored with the previous one's choices, and its double click was refused as
    'Iemand anders heeft dit item gewijzigd' (CI, under load). The instance now follows what is stored."""
    at = with_agenda()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    agenda_id = AgendaStore(store_path).agendas()[0]["id"]
    at.text_input(key="wa_p_new0_title").input("Samen meer bewegen")
    at.multiselect(key="wa_p_new0_indicators").select("afstand_huisarts")
    stopped_after_saving("save_agenda")
    at = _click_stopped(at, "FormSubmitter:wa_p_new0-Prioriteit toevoegen", second_click)

    def priorities() -> list[tuple[str, list[str]]]:
        return [(p["title"], [i["indicator_id"] for i in p["indicators"]])
                for p in AgendaStore(store_path).agenda(agenda_id)[0]["priorities"]]
    assert priorities() == [("Samen meer bewegen", ["afstand_huisarts"])]      # added once
    assert not at.error
    assert at.text_input(key="wa_p_new1_title").value == ""                    # a new, empty form
    assert at.multiselect(key="wa_p_new1_indicators").value == []
    assert "wa_p_new0_title" not in [t.key for t in at.text_input]
    at.text_input(key="wa_p_new1_title").input("De huisarts blijft dichtbij")
    at = at.button(key="FormSubmitter:wa_p_new1-Prioriteit toevoegen").click().run()
    assert not at.exception and not at.error
    assert priorities() == [("Samen meer bewegen", ["afstand_huisarts"]), ("De huisarts blijft dichtbij", [])]


def test_a_conversation_saved_before_its_callback_stopped_is_linked_by_the_second_click_and_the_form_empties(
        store_path, stopped_after_saving):
    """The same stop after the conversation was stored: the double click's second submit found it stored and
    skipped the link to the agenda, so the conversation did not travel with it; the form kept what was typed."""
    at = with_agenda()
    store = AgendaStore(store_path)
    submit = _fill_conversation(at)
    stopped_after_saving("save_conversation")
    at = _click_stopped(at, submit, second_click=True)
    (doc, _), = store.conversations()
    assert store.agenda(store.agendas()[0]["id"])[0]["conversations"] == [doc["id"]]
    assert not at.error and at.text_input(key="wa_c1_organiser").value == ""
    at = _record_conversation(at, organiser="Wijkteam Lombok", key="wa_c1")
    assert not at.error
    assert sorted(d["organiser"] for d, _ in store.conversations()) == ["Buurthuis De Boomgaard", "Wijkteam Lombok"]


def test_a_double_click_on_a_removal_says_what_the_first_click_did(store_path, stopped_after_saving, stop_once):
    """Taking a priority off the agenda and deleting a conversation: when Streamlit stopped the first callback
    right after the store saved, the double click's second submit was refused as 'Iemand anders heeft dit item
    gewijzigd' and 'Dit item bestaat niet meer', under the first one's success."""
    at, priority_id = _with_priority(store_path, "Samen meer bewegen")
    agenda_id = AgendaStore(store_path).agendas()[0]["id"]
    stopped_after_saving("save_agenda")
    at = double_click(at, f"wa_rm_{priority_id}")
    assert not at.error and "De prioriteit is van de agenda gehaald." in [m.value for m in at.success]
    assert AgendaStore(store_path).agenda(agenda_id)[0]["priorities"] == []
    at.session_state["wa_tab"] = "Gesprek vastleggen"
    at = _record_conversation(at.run())
    (conv, _), = AgendaStore(store_path).conversations()
    stopped_after_saving("delete_conversation")
    at = double_click(at, f"wa_del_{conv['id']}")
    assert not at.error and any("Het gesprek is verwijderd" in m.value for m in at.success)
    assert AgendaStore(store_path).conversations() == []


def test_a_saved_form_still_on_screen_sent_with_new_text_adds_it(store_path):
    """A browser can keep showing a form that was saved (Streamlit drops a run's page when the next run starts):
    the same text sent again is a repeat, but new text typed into it is a new priority, not a repeat that shows
    'toegevoegd' and saves nothing (view.new_part_id)."""
    at = with_agenda()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    agenda_id = AgendaStore(store_path).agendas()[0]["id"]
    at.text_input(key="wa_p_new0_title").input("Samen meer bewegen")
    page_shown = at._tree
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    at._tree = page_shown                                  # the saved form is still on screen
    at.text_input(key="wa_p_new0_title").input("De huisarts blijft dichtbij")
    for name in ("assets", "why", "indicators"):           # every box as the browser sends it
        at.multiselect(key=f"wa_p_new0_{name}").set_value([])
    at.text_area(key="wa_p_new0_organisations").input("")
    at.date_input(key="wa_p_new0_next_review").set_value(None)
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    assert not at.error
    assert [p["title"] for p in AgendaStore(store_path).agenda(agenda_id)[0]["priorities"]] == [
        "Samen meer bewegen", "De huisarts blijft dichtbij"]


def test_a_double_click_on_wijkagenda_maken_makes_one_agenda_also_when_the_callbacks_overlap(store_path,
                                                                                          monkeypatch):
    """Streamlit can run a double click's two callbacks at once (a stopped run's thread ends its callback while
    the next run's starts): both asked the store for an agenda of this place, saw none, and made one each, so
    the page asked 'Welke agenda?' (CI, under load). Here the second callback's question is answered as it was
    before the first one saved."""
    at = open_page()
    page_shown = at._tree
    at = at.button(key="FormSubmitter:wa_new_agenda-Wijkagenda maken").click().run()
    listed = AgendaStore.agendas
    monkeypatch.setattr(AgendaStore, "agendas", lambda self, region=None: monkeypatch.setattr(
        AgendaStore, "agendas", listed) or [])                            # once: none yet
    at._tree = page_shown
    title = at.text_input(key="wa_new_title")
    title.input(title.proto.default)                                  # the box as the browser sends it
    at = at.button(key="FormSubmitter:wa_new_agenda-Wijkagenda maken").click().run()
    assert len(AgendaStore(store_path).agendas()) == 1
    assert not at.error and "De wijkagenda is gemaakt" in " ".join(m.value for m in at.success)
    assert not [b for b in at.selectbox if b.label == "Welke agenda?"]


def test_a_double_click_whose_first_run_never_showed_its_message_says_it_once(store_path, stop_once):
    """The first click's callback saved the conversation and left its message; its run was stopped before the
    message showed, and the second click's callback said it again: the page showed both, one under the other (CI)."""
    from dashboard.wijkagenda import view_gesprek
    at = with_agenda()
    submit = _fill_conversation(at)
    stop_once(view_gesprek, "show_flash", before=True)
    at = _click_stopped(at, submit, second_click=True)
    said = [m.value for m in at.success if "is opgeslagen" in m.value]
    assert len(said) == 1 and "Het hoort" in said[0], said
    assert len(AgendaStore(store_path).conversations()) == 1


def test_no_list_box_offers_streamlits_english_select_all(store_path):
    """Streamlit 1.67 adds 'Select all' (English) to every multiselect of up to 1 000 options; in the conversation
    form it sat above the figures and items to link, in the priority form above the figures to follow."""
    at = _record_conversation(with_agenda())
    boxes = list(at.multiselect)
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    boxes += list(at.multiselect)
    labels = {b.label for b in boxes}
    assert {"Over welke buurt(en) of wijk ging het?", "Hoort bij deze cijfers", "Cijfers om te volgen (het beginpunt "
            "wordt nu vastgelegd)", "Waarom: wat is er gezegd?"} <= labels
    assert [b.label for b in boxes if b.proto.select_all != 0] == []


def test_an_amount_is_read_the_dutch_way(store_path):
    """'Bedrag (€)' was the browser's number box: typed '1234,56' it sent 123456, '1.234,56' became 1,23. It is a text
    box now, read on the server as a Dutch person writes an amount, and the message says what was read."""
    at, priority = _with_priority(store_path)
    typed = [("1234,56", 1234.56), ("1.250", 1250.0), ("€ 50,-", 50.0), ("12.50", 12.5), ("1.234,56", 1234.56)]
    for n, (text, _) in enumerate(typed):
        key = f"wa_b_{priority}" + (f"_{n}" if n else "")
        at.text_input(key=f"{key}_description").input(f"Regel {n + 1}")
        at.text_input(key=f"{key}_amount").input(text)
        at = at.button(key=f"FormSubmitter:{key}-Budgetregel toevoegen").click().run()
        assert not at.error, [e.value for e in at.error]
    assert "De budgetregel van € 1.234,56 is toegevoegd." in [s.value for s in at.success]
    doc, _ = AgendaStore(store_path).agenda(AgendaStore(store_path).agendas()[0]["id"])
    assert [b["amount"] for b in doc["priorities"][0]["budget"]] == [amount for _, amount in typed]
    key = f"wa_b_{priority}_{len(typed)}"
    for text, why in (("twaalf euro", "‘twaalf euro’ is geen bedrag"), ("1,234", "hoogstens twee cijfers achter de "
                                                                               "komma"), ("-50", "tussen 0 en")):
        at.text_input(key=f"{key}_description").input("Nog een regel")
        at.text_input(key=f"{key}_amount").input(text)
        at = at.button(key=f"FormSubmitter:{key}-Budgetregel toevoegen").click().run()
        assert why in " ".join(e.value for e in at.error) and at.text_input(key=f"{key}_amount").value == text


def test_a_new_priority_without_a_title_is_not_called_priority_1(store_path):
    """The form checks a new priority as 'prioriteit 1' of a probe agenda: with one priority on the agenda, the
    second one's missing title read 'prioriteit 1: titel ontbreekt', naming the priority that was fine."""
    at, _ = _with_priority(store_path)
    at = at.button(key="FormSubmitter:wa_p_new1-Prioriteit toevoegen").click().run()
    errors = [e.value for e in at.error]
    assert errors == ["Er is niets opgeslagen. Pas dit aan:\n- titel ontbreekt"], errors


def test_a_wijk_agenda_names_the_wijk(store_path):
    """'Wat de buurt al heeft' stood above a wijk's priorities and on its form."""
    at = open_app_page(PAGE, regio="WK170907")
    at = at.button(key="FormSubmitter:wa_new_agenda-Wijkagenda maken").click().run()
    at.session_state["wa_tab"] = "Wijkagenda"
    at = at.run()
    at.text_input(key="wa_p_new0_title").input("Samen bewegen")
    at = at.button(key="FormSubmitter:wa_p_new0-Prioriteit toevoegen").click().run()
    texts = " ".join(m.value for m in at.markdown) + " ".join(b.label for b in at.multiselect)
    assert "**Wat de wijk al heeft:**" in texts and "Wat de wijk al heeft (Bewonerskaart)" in texts
    assert "Wat de buurt al heeft" not in texts


def test_a_number_of_participants_is_read_the_dutch_way(store_path):
    """'Aantal deelnemers' was the browser's number box: typed '1.200' it stored 1 (and '12,5' became 125)."""
    at = _record_conversation(with_agenda(), participants="12,5")
    assert "aantal deelnemers: ‘12,5’ is geen aantal" in " ".join(e.value for e in at.error)
    assert at.text_input(key="wa_c0_participants").value == "12,5" and AgendaStore(store_path).conversations() == []
    at.text_input(key="wa_c0_participants").input("1.200")
    at = at.button(key="FormSubmitter:wa_c0-Gesprek opslaan").click().run()
    (doc, _), = AgendaStore(store_path).conversations()
    assert doc["participants"] == 1200



def test_a_double_click_on_wijziging_opslaan_of_a_conversation_says_what_the_first_click_did(store_path):
    """A correction of a recorded conversation, double clicked: the second submit came from the page that still
    showed version 1 and was refused as 'Iemand anders heeft dit item gewijzigd' although nobody else had saved
    (the first click had). A save whose correction is already stored is a repeat, not a conflict."""
    at = _record_conversation(with_agenda())
    (doc, _), = AgendaStore(store_path).conversations()
    key = f"wa_ce_{doc['id']}_1"
    at.text_input(key=f"{key}_organiser").input("Wijkteam Lombok")
    at.text_area(key=f"{key}_0_klopt").input("Er is veel groen.\nHet park is druk.")
    for kind in ("date_input", "text_input", "text_area", "multiselect"):   # the browser sends the whole form
        for widget in at.get(kind):                                            # with both submits
            if (widget.key or "").startswith(key):
                widget.set_value(widget.value)
    at = double_click(at, f"FormSubmitter:{key}-Wijziging opslaan")
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = [m.value for m in at.success if "is gewijzigd" in m.value]
    assert len(said) == 1 and "2 notities" in said[0], said
    (new, version), = AgendaStore(store_path).conversations()
    assert version == 2 and new["organiser"] == "Wijkteam Lombok"


def test_a_double_click_on_terugzetten_says_what_the_first_click_did(store_path):
    """'Terugzetten' in the bin, double clicked: the second submit found the conversation restored and said 'Dit is
    al teruggezet, door u of door iemand anders. Er is niets veranderd.' under 'Het gesprek is teruggezet.'"""
    _record_conversation(with_agenda())
    store = AgendaStore(store_path)
    (conv, version), = store.conversations()
    store.delete_conversation(conv["id"], version)
    at = double_click(open_page("Verwijderd"), f"wa_restore_{conv['id']}")
    assert not at.exception and not at.info and not at.error, [m.value for m in at.info]
    assert [m.value for m in at.success] == ["Het gesprek is teruggezet."]
    assert [e.action for e in store.history(conv["id"])].count("restore") == 1
