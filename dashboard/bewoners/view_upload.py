"""The Bewonerskaart's upload: a CSV or GeoJSON file, a preview of what is new and what has a problem, then save."""
from __future__ import annotations

import streamlit as st

from dashboard.core.escaping import md_escape
from dashboard.core.filetype import upload_help, widget_limit_mb
from dashboard.userstore import UserStoreError, editing

from . import TEMPLATE_CSV
from .model import CATEGORIES
from .sections import LazyLocator, asset_store, known_buurt_codes
from .upload import FILE_TYPES, MAX_FILE_BYTES
from .upload_preview import UploadPreview, asset_table, preview_upload, save_upload
from .view_messages import PRIVACY, flash, item_count, problem_list, show_flash

APPROXIMATE_UPLOAD = ("Rijen met lon en lat (zonder buurtcode) komen in een buurt op basis van vereenvoudigde "
                      "buurtgrenzen: een **benadering**. Vlak bij een grens kan dat de buurt ernaast zijn.")


def _save_upload(file_id: str) -> None:
    preview = st.session_state.get("bk_upload_previews", {}).get(file_id)
    if preview is None:
        return
    if not editing.can_edit():
        flash("upload", "error", "Alleen een redacteur kan een bestand opslaan.")
        return
    # The preview goes before the save, so a double click's second submit finds none and saves nothing: Streamlit
    # can stop this callback at any st.session_state access after the save (another click waiting), and a repeat
    # would then report the file's rows as 'er intussen al'. A refused save loses nothing: the uploader still holds
    # the file and the next run reads it again.
    st.session_state.pop("bk_upload_previews", None)
    try:
        saved = save_upload(preview, asset_store(), actor=editing.actor())
    except UserStoreError as err:
        flash("upload", "error", md_escape(err))
        return
    st.session_state["bk_upload_n"] = st.session_state.get("bk_upload_n", 0) + 1  # a new, empty uploader
    text = f"{item_count(saved)} opgeslagen op de Bewonerskaart."
    if saved < len(preview.new):
        text += f" {item_count(len(preview.new) - saved)} stond(en) er intussen al en zijn overgeslagen."
    flash("upload", "success", text)


def file_label(upload) -> str:
    """'‘kaart.csv’': names the file a message is about, so it never reads as if about another file (a file the
    browser refused stays listed beside the one the uploader still holds)."""
    return f"‘{md_escape(upload.name)}’"


def render_preview(preview: UploadPreview, file_id: str, buurt_code: str, label: str = "Dit bestand") -> None:
    result = preview.result
    if result.fatal:
        st.error(f"**{label} kan niet worden ingelezen:** {md_escape(result.fatal)}")
        return
    if preview.messages:
        rows = len({(e.where, e.row) for e in result.errors})
        what = f"1 {result.errors[0].where} met een fout. Die wordt" if rows == 1 else \
            f"{rows} {'rijen' if result.errors[0].where == 'rij' else 'objecten'} met een fout. Die worden"
        st.error(problem_list(f"{label}: {what} niet opgeslagen; de rest wel. Verbeter de fouten en upload daarna het "
                           "bestand opnieuw: wat al is opgeslagen, wordt dan overgeslagen.", preview.messages))
    if result.ignored_columns:
        st.info("Deze kolommen worden niet gebruikt: " + md_escape(", ".join(result.ignored_columns)))
    if preview.duplicates:
        n = len(preview.duplicates)
        st.info(f"{item_count(n)} {'staat' if n == 1 else 'staan'} al op de Bewonerskaart en "
                f"{'wordt' if n == 1 else 'worden'} overgeslagen.")
    if preview.repeated:
        n = len(preview.repeated)
        one = n == 1
        st.info(f"{item_count(n)} {'staat' if one else 'staan'} dubbel in dit bestand: "
                f"{'het herhaalt' if one else 'ze herhalen'} een eerdere rij (zelfde naam, categorie en buurt) en "
                f"{'wordt' if one else 'worden'} overgeslagen.")
    if not preview.new:
        st.warning("Er is niets nieuws om op te slaan.")
        return
    here = sum(a.buurt_code == buurt_code for a in preview.new)
    st.markdown(f"**{item_count(len(preview.new))} klaar om op te slaan** ({here} in deze buurt).")
    st.dataframe(asset_table(preview.new).fillna(""), hide_index=True)
    st.button(f"{item_count(len(preview.new))} opslaan", type="primary", key="bk_upload_save",
              icon=":material/save:", on_click=_save_upload, args=(file_id,))


def render_upload(buurt_code: str) -> None:
    if not editing.render_gate("bk_gate_upload"):
        return
    st.markdown(PRIVACY)
    st.markdown("Zet veel items tegelijk op de kaart met een **CSV-bestand** (in Excel: opslaan als ‘CSV UTF-8’) "
                "of een **GeoJSON-bestand**, van maximaal 5 MB. Kolommen: naam, categorie, buurtcode óf lon en "
                "lat; en als u wilt: omschrijving, website, datum (jjjj-mm-dd). Begin met het voorbeeldbestand.")
    st.markdown(APPROXIMATE_UPLOAD)
    st.caption("Categorieën: " + "; ".join(f"{key} ({label})" for key, label in CATEGORIES.items()))
    st.download_button("Voorbeeldbestand (CSV)", TEMPLATE_CSV.read_bytes(), file_name="bewonerskaart-voorbeeld.csv",
                       mime="text/csv", icon=":material/download:", on_click="ignore", key="bk_template")
    # No `type=` filter: Streamlit would refuse in English ("text/csv files are not allowed"); parse_upload refuses
    # a wrong type in Dutch, from the content. The widget's limit is a little above ours for the same reason.
    widget_mb = widget_limit_mb(MAX_FILE_BYTES, st.get_option("server.maxUploadSize"))
    upload = st.file_uploader("Kies een bestand (CSV of GeoJSON, maximaal 5 MB)",
                              key=f"bk_upload_{st.session_state.get('bk_upload_n', 0)}", max_upload_size=widget_mb,
                              help=upload_help(MAX_FILE_BYTES, widget_mb, FILE_TYPES))
    show_flash("upload")
    previews = st.session_state.setdefault("bk_upload_previews", {})
    if upload is None:
        previews.clear()   # messages belong to the file the uploader holds; none is held now
        return
    if upload.file_id not in previews:
        previews.clear()
        if upload.size > MAX_FILE_BYTES:   # checked here too: a client can bypass the widget's limit
            st.error(f"**{file_label(upload)} kan niet worden ingelezen:** het is groter dan 5 MB. Splits het in "
                     "kleinere bestanden.")
            return
        try:
            previews[upload.file_id] = preview_upload(upload.getvalue(), upload.name, asset_store(),
                                                      known_buurt_codes=known_buurt_codes(), locator=LazyLocator())
        except UserStoreError as err:
            st.error(md_escape(err))
            return
    render_preview(previews[upload.file_id], upload.file_id, buurt_code, file_label(upload))
