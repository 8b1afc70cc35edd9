"""'Volgen' (the frozen baselines beside the current release, and the review log per priority) and
'Afdrukken en delen' (printable agenda as HTML and PDF; one agenda with its conversations as a JSON file)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.core.filetype import upload_help, widget_limit_mb
from dashboard.core import db

from . import checks, data, exchange, follow, forms, model
from .render_html import MAX_PAGES, agenda_pdf, render_agenda
from .store import UserStoreError
from .view import (CHOSEN, allowed, day_text, flash, form_key, may_edit, new_part_id, next_form, part_stored,
                   problems_text, save_shown, show_flash, store)


IMPORT_MESSAGE = "wa_import_message"   # (file_id, text): why the file the uploader holds was not read in


def release_date(name: str) -> str:
    """'buurtbalans-20261130T235837-...duckdb' -> '30 november 2026' (the name itself when it has no stamp)."""
    import re

    from dashboard.gesprekskaart.wording import dutch_date

    match = re.search(r"(\d{4})(\d{2})(\d{2})T", name)
    try:
        return dutch_date(date(int(match[1]), int(match[2]), int(match[3]))) if match else name
    except ValueError:
        return name


def follow_ups(agenda: dict) -> dict[tuple[str, str], follow.FollowUp]:
    latest = data.latest_for(agenda)
    return {(p["id"], b["indicator_id"]): follow.follow_up(b, latest[(p["id"], b["indicator_id"])])
            for p in agenda["priorities"] for b in p["indicators"]}


def _add_review(agenda_id: str, priority_id: str, key: str) -> None:
    values = {n: st.session_state.get(f"{key}_{n}") for n in ("date", "done", "learned")}
    # the same for a second click on this form: the review is added once (new_part_id)
    review_id = new_part_id(agenda_id, key, {k: values[k] for k in ("done", "learned")})

    def change(doc: dict) -> dict:
        entry = forms.review(values, review_id)
        return {**doc, "priorities": [{**p, "reviews": [*p["reviews"], entry]} if p["id"] == priority_id else p
                                      for p in doc["priorities"]]}
    if save_shown(agenda_id, "volgen", change, "De terugblik is opgeslagen.", added=review_id):
        next_form(f"wa_r_{priority_id}")   # a new, empty form; a refused review keeps what was typed


def render_follow(agenda: dict) -> None:
    show_flash("volgen")
    results = follow_ups(agenda)
    st.caption(f"Gegevens van {release_date(db.release_key())}. Het beginpunt is het cijfer op het moment dat het werd "
               "gekozen; 'nu' is het nieuwste cijfer van dezelfde reeks in de huidige gegevens.")
    items = list(results.values())
    st.info(follow.summary(items))   # news, not a success: a newer figure can be worse, or missing
    for number, priority in enumerate(agenda["priorities"], start=1):
        st.markdown(f"### {number}. {md_escape(priority['title'])}")
        rows = [results[(priority["id"], b["indicator_id"])] for b in priority["indicators"]]
        if rows:
            st.table(pd.DataFrame({"Cijfer": [r.label for r in rows],
                                   "Beginpunt": [r.baseline_text for r in rows],
                                   "Nu": [r.latest_text for r in rows],
                                   "Verschil": [r.status for r in rows]}
                                  ).set_index("Cijfer"))
            for r in rows:
                st.markdown(f"- {md_escape(r.sentence)}" + "".join(f" _{md_escape(n)}_" for n in r.notes))
        else:
            st.caption("Bij deze prioriteit worden geen cijfers gevolgd.")
        reviews = sorted(priority["reviews"], key=lambda r: r["date"], reverse=True)
        st.markdown("**Terugblik: wat hebben we gedaan, wat hebben we geleerd?**")
        for r in reviews:
            st.markdown(f"- **{day_text(r['date'])}**: gedaan: {md_escape(r['done'] or '–')}; geleerd: "
                        f"{md_escape(r['learned'] or '–')}")
        key = form_key(f"wa_r_{priority['id']}", part_stored(agenda))
        if not may_edit():
            continue
        with st.form(key):
            cols = st.columns([1, 2, 2])
            cols[0].date_input("Datum", value=date.today(), key=f"{key}_date", format="DD-MM-YYYY",
                               help=checks.DAY_HELP, **checks.ANY_DAY)
            cols[1].text_area("Wat hebben we gedaan?", key=f"{key}_done", height=80, max_chars=model.LONG_CHARS)
            cols[2].text_area("Wat hebben we geleerd?", key=f"{key}_learned", height=80, max_chars=model.LONG_CHARS)
            st.form_submit_button("Terugblik opslaan", on_click=_add_review, args=(agenda["id"], priority["id"], key))


# ----------------------------------------------------------------------------------------------- print and share
@st.cache_data(max_entries=4, show_spinner=False)
def _printed(body: str, release: str, today: str) -> tuple[str, str, bytes | None, str | None, int]:
    """(html, filename, pdf or None, why no pdf, the pdf's pages). Arguments are the cache key (the agenda as
    JSON)."""
    import json

    from dashboard.gesprekskaart import PdfUnavailable

    agenda_doc = json.loads(body)
    conversations = [c for c, _ in store().conversations(ids=agenda_doc["conversations"])]
    results = follow_ups(agenda_doc)
    try:
        printed, pdf, pages = agenda_pdf(agenda_doc, conversations, results, today=date.fromisoformat(today))
        return printed.html, printed.filename, pdf, None, pages
    except PdfUnavailable as err:
        printed = render_agenda(agenda_doc, conversations, results, today=date.fromisoformat(today))
        return printed.html, printed.filename, None, str(err), 0


def _start_print() -> None:
    st.session_state["wa_print"] = True


@st.fragment
def print_buttons(agenda: dict) -> None:
    import json

    if not st.session_state.get("wa_print"):
        st.button("Agenda afdrukken", icon=":material/print:", on_click=_start_print,
                  help=f"Maakt de agenda als HTML en PDF (meestal 1 tot {MAX_PAGES} A4'tjes).")
        return
    with st.spinner("De agenda wordt klaargezet om af te drukken…"):
        html, filename, pdf, reason, pages = _printed(json.dumps(agenda, sort_keys=True), db.release_key(),
                                               date.today().isoformat())
    row = st.container(horizontal=True)
    row.download_button("Download agenda (HTML)", html.encode("utf-8"), file_name=f"{filename}.html",
                        mime="text/html", icon=":material/download:", on_click="ignore", key="wa_html")
    if pdf is not None:
        row.download_button("Download agenda (PDF)", pdf, file_name=f"{filename}.pdf", mime="application/pdf",
                            icon=":material/picture_as_pdf:", on_click="ignore", type="primary", key="wa_pdf")
        st.caption(f"De PDF telt {pages} A4'tje{'' if pages == 1 else 's'}."
                   + (" Dat is meer dan gewoonlijk: de agenda heeft veel tekst." if pages > MAX_PAGES else ""))
    else:
        st.info(reason or "Een PDF maken lukt hier niet. Download de HTML-versie en druk die af.")


def _import(region_code: str) -> None:
    if not allowed("delen"):
        return
    upload = st.session_state.get("wa_import_file")
    st.session_state.pop(IMPORT_MESSAGE, None)
    if upload is None:
        flash("delen", "error", "Kies eerst een bestand.")
        return
    name = f"‘{md_escape(upload.name)}’"

    def refused(text: str) -> None:   # shown beside the uploader only while it still holds this file
        st.session_state[IMPORT_MESSAGE] = (upload.file_id, f"**{name} is niet ingelezen;** er is niets opgeslagen.\n"
                                            + text)
    if upload.size > exchange.MAX_FILE_BYTES:   # bounded before it is read (a client can bypass the widget)
        refused(f"- het bestand is groter dan {exchange.MAX_FILE_BYTES // (1024 * 1024)} MB")
        return
    bundle = exchange.read_bundle(upload.getvalue(), upload.name)
    if not bundle.ok:
        refused("\n".join(f"- {md_escape(p)}" for p in bundle.problems[:12]))
        return
    try:
        store().import_bundle(bundle.agenda, bundle.conversations)
    except UserStoreError as err:
        refused("\n".join(f"- {p}" for p in (getattr(err, "problems", None) or [str(err)])[:12]))
        return
    if bundle.agenda["region"] == region_code:
        st.session_state[CHOSEN] = bundle.agenda["id"]
    flash("delen", "ok", f"De agenda '{md_escape(bundle.agenda['title'])}' is ingelezen met "
                         f"{model.counted(len(bundle.conversations), 'gesprek', 'gesprekken')}" +
          ("." if bundle.agenda["region"] == region_code else f"; hij hoort bij {bundle.agenda['region']}."))


def render_share(agenda: tuple[dict, int] | None, region: dict) -> None:
    show_flash("delen")
    if agenda is not None:
        doc = agenda[0]
        st.markdown(f"**Afdrukken.** De agenda op meestal 1 tot {MAX_PAGES} A4'tjes, met de cijfers en hun beginpunt.")
        print_buttons(doc)
        st.markdown("**Doorgeven.** Eén bestand met de agenda en de gesprekken erbij; een collega kan het "
                    "inlezen in een andere Buurtbalans.")
        try:
            conversations = [c for c, _ in store().conversations(ids=doc["conversations"])]
            payload = exchange.export_bundle(doc, conversations)
        except (model.ValidationError, UserStoreError) as err:
            st.error(problems_text(err))
        else:
            st.download_button("Download agenda als bestand (JSON)", payload, file_name=f"wijkagenda-{doc['id']}.json",
                               mime="application/json", icon=":material/download:", on_click="ignore",
                               key="wa_json")
    if not may_edit():
        return
    st.markdown("**Inlezen.** Een wijkagenda die iemand anders met Buurtbalans maakte (.json, hoogstens 2 MB). "
                "Het bestand wordt eerst helemaal gecontroleerd; klopt iets niet, dan wordt er niets opgeslagen.")
    # No `type=` filter and a widget limit a little above ours: Streamlit would refuse in English; read_bundle
    # refuses a wrong type or size in Dutch, from the content.
    widget_mb = widget_limit_mb(exchange.MAX_FILE_BYTES, st.get_option("server.maxUploadSize"))
    upload = st.file_uploader("Kies een agenda-bestand (.json, maximaal 2 MB)", key="wa_import_file",
                              max_upload_size=widget_mb,
                              help=upload_help(exchange.MAX_FILE_BYTES, widget_mb, exchange.FILE_TYPES))
    message = st.session_state.get(IMPORT_MESSAGE)
    if message is not None:
        if upload is not None and upload.file_id == message[0]:
            st.error(message[1])
        else:   # the uploader no longer holds the file this message was about
            st.session_state.pop(IMPORT_MESSAGE, None)
    st.button("Agenda inlezen", on_click=_import, args=(region["region_code"],), icon=":material/upload:")
