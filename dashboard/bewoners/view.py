"""The Bewonerskaart page's parts: add form, upload, list with edit and delete, exports.

Plain logic first (preview_upload, form_asset, changed_fields: tested without a browser), then the Streamlit
sections. Actions run in widget callbacks, before the script run, so the list drawn in the same run is
already up to date; their messages wait in session_state ("flash") until the section is drawn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.bewoners import (CATEGORIES, MAX_FIELD_CHARS, MAX_NAME_CHARS, TEMPLATE_CSV, Asset,
                              AssetNotFoundError, AssetStore, AssetValidationError, StaleAssetError, UploadResult,
                              build_asset, parse_upload)
from dashboard.bewoners.model import asset_fields
from dashboard.bewoners.upload import MAX_FILE_BYTES
from dashboard.userstore import UserStoreError, editing
from dashboard.bewoners.sections import (CSS, LazyLocator, asset_store, assets_html, buurten, category_counts,
                                    counts_html, known_buurt_codes, md_escape)

PRIVACY = ("**Geen persoonsgegevens.** Noem wat er is, niet wie het is: geen namen van privépersonen, geen "
           "e-mailadressen en geen telefoonnummers. Dus ‘een bewoner die fietsen repareert’, niet zijn naam. "
           "Alles wat u hier invult kan iedereen zien die dit dashboard gebruikt.")
APPROXIMATE = ("**Coördinaten zijn een benadering.** Geeft u een punt op (lengte- en breedtegraad), dan zoekt "
               "Buurtbalans de buurt met vereenvoudigde buurtgrenzen. Vlak bij een grens kan het punt in de "
               "buurt ernaast vallen. Weet u de buurt, kies dan ‘In deze buurt’.")
APPROXIMATE_UPLOAD = ("Rijen met lon en lat (zonder buurtcode) komen in een buurt op basis van vereenvoudigde "
                      "buurtgrenzen: een **benadering**. Vlak bij een grens kan dat de buurt ernaast zijn.")
BY_BUURT, BY_POINT = "In deze buurt", "Op een punt (lengte- en breedtegraad)"
MAX_MESSAGES = 40


# ----------------------------------------------------------------------------------------------- plain logic
@dataclass
class UploadPreview:
    """A parsed upload: assets that are new, assets already on the map (skipped), and the parse result."""
    result: UploadResult
    new: list[Asset] = field(default_factory=list)
    duplicates: list[Asset] = field(default_factory=list)

    @property
    def messages(self) -> list[str]:
        """'rij 7: ...' per problem, in file order."""
        return [error.message for error in self.result.errors]


def preview_upload(raw: bytes, filename: str, store: AssetStore, *, known_buurt_codes, locator) -> UploadPreview:
    """Parse an upload (parse_upload) and set aside rows already in the store (same name, category, buurt),
    so uploading a corrected file again adds only what is new. Nothing is saved here."""
    result = parse_upload(raw, filename, known_buurt_codes=known_buurt_codes, locator=locator)
    preview = UploadPreview(result)
    seen = store.existing_identity_keys([a.identity_key for a in result.assets]) if result.assets else set()
    for asset in result.assets:
        key = asset.identity_key
        (preview.duplicates if key in seen else preview.new).append(asset)
        seen.add(key)
    return preview


def save_upload(preview: UploadPreview, store: AssetStore, *, actor: str = "onbekend") -> int:
    """Store the new assets of a preview in one transaction (all or nothing); returns how many. What another
    session stored in the meantime is skipped (the store's uniqueness rule), never stored twice."""
    return store.add_new(preview.new, actor=actor)[0]


def form_asset(values: dict, buurt_code: str | None, *, known_buurt_codes, locator) -> Asset:
    """An asset from the add form: in `buurt_code`, or (buurt_code None) placed by its lon/lat.
    Raises AssetValidationError with Dutch messages."""
    raw = {k: values.get(k) for k in ("name", "category", "description", "website")}
    day = values.get("date")
    raw["date"] = day.isoformat() if isinstance(day, date) else day
    if buurt_code is None:
        raw["lon"], raw["lat"] = values.get("lon"), values.get("lat")
    else:
        raw["buurt_code"] = buurt_code
    return build_asset(raw, known_buurt_codes=known_buurt_codes, locator=locator)


def changed_fields(asset: Asset, values: dict) -> dict:
    """The edit form's values that differ from the stored asset (store.update validates them)."""
    current = asset_fields(asset)
    changed = {}
    for key, value in values.items():
        value = value.isoformat() if isinstance(value, date) else value
        value = (value.strip() or None) if isinstance(value, str) else value
        old = current.get(key)
        if key in ("lon", "lat") and value is not None and old is not None:
            try:
                if float(str(value).replace(",", ".")) == old:
                    continue
            except ValueError:
                pass
        if (None if old is None else str(old)) != (None if value is None else str(value)):
            changed[key] = value
    return changed


def asset_table(assets: list[Asset]) -> pd.DataFrame:
    """Assets as a plain table, as shown (st.dataframe shows text as text) and downloaded."""
    return pd.DataFrame([{"Naam": a.name, "Categorie": a.category_label, "Buurtcode": a.buurt_code,
                          "Omschrijving": a.description, "Website": a.website,
                          "Datum": a.date.isoformat() if a.date else None,
                          "Plek": "benadering (coördinaten)" if a.location_approximate else "buurt opgegeven"}
                         for a in assets],
                        columns=["Naam", "Categorie", "Buurtcode", "Omschrijving", "Website", "Datum", "Plek"])


# ----------------------------------------------------------------------------------------------- messages
def _flash(area: str, kind: str, text: str) -> None:
    st.session_state.setdefault(f"bk_flash_{area}", []).append((kind, text))


def _show_flash(area: str) -> None:
    for kind, text in st.session_state.pop(f"bk_flash_{area}", []):
        getattr(st, kind)(text)


def _problems(title: str, problems: list[str]) -> str:
    shown = problems[:MAX_MESSAGES]
    more = f"\n- en nog {len(problems) - len(shown)} andere meldingen" if len(problems) > len(shown) else ""
    return f"**{title}**\n" + "\n".join(f"- {md_escape(p)}" for p in shown) + more


def _buurt_name(code: str) -> str:
    table = buurten()
    hit = table[table["region_code"] == code]
    return f"{hit.iloc[0]['name']} ({code})" if not hit.empty else code


def _count(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


# ----------------------------------------------------------------------------------------------- add form
NEW_TEXT_KEYS = ("name", "description", "website", "lon", "lat")


def _add(buurt_code: str, by_point: bool) -> None:
    s = st.session_state
    if not editing.can_edit():
        _flash("add", "error", "Alleen een redacteur kan iets toevoegen.")
        return
    values = {key: s.get(f"bk_new_{key}") for key in (*NEW_TEXT_KEYS, "category", "date")}
    try:
        asset = form_asset(values, None if by_point else buurt_code, known_buurt_codes=known_buurt_codes(),
                           locator=LazyLocator())
        asset_store().add([asset], actor=editing.actor())
    except AssetValidationError as err:
        _flash("add", "error", _problems("Niet opgeslagen. Verbeter dit:", err.problems))
        return
    except UserStoreError as err:
        _flash("add", "error", md_escape(err))
        return
    for key in NEW_TEXT_KEYS:
        s[f"bk_new_{key}"] = ""
    s["bk_new_category"], s["bk_new_date"] = None, None
    text = "Opgeslagen op de Bewonerskaart."
    if asset.buurt_code != buurt_code:
        text += (f" Het punt ligt (bij benadering) in buurt {md_escape(_buurt_name(asset.buurt_code))}; "
                 "daar staat het nu.")
    elif asset.location_approximate:
        text += " De buurt is bepaald uit het punt (benadering)."
    _flash("add", "success", text)


def render_add_form(buurt_code: str) -> None:
    if not editing.render_gate("bk_gate_add"):
        return
    st.markdown(PRIVACY)
    by_point = st.radio("Waar is het?", [BY_BUURT, BY_POINT], key="bk_new_how", horizontal=True) == BY_POINT
    if by_point:
        st.markdown(APPROXIMATE)
    with st.form("bk_new"):
        st.text_input("Naam *", key="bk_new_name", max_chars=MAX_NAME_CHARS,
                      placeholder="bijv. Repair Café, de buurtmoestuin, de bakker op de hoek")
        st.selectbox("Categorie *", list(CATEGORIES), format_func=CATEGORIES.get, index=None,
                     key="bk_new_category", placeholder="Kies een categorie")
        if by_point:
            left, right = st.columns(2)
            left.text_input("Lengtegraad (lon) *", key="bk_new_lon", placeholder="bijv. 4.8924")
            right.text_input("Breedtegraad (lat) *", key="bk_new_lat", placeholder="bijv. 52.3731")
        else:
            st.markdown(f"Buurt: **{md_escape(_buurt_name(buurt_code))}**")
        st.text_area("Omschrijving (als u wilt)", key="bk_new_description", max_chars=MAX_FIELD_CHARS)
        st.text_input("Website (als u wilt)", key="bk_new_website", placeholder="https://…")
        st.date_input("Datum (als u wilt)", value=None, key="bk_new_date", format="DD-MM-YYYY",
                      min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
        st.form_submit_button("Opslaan", type="primary", icon=":material/add:", on_click=_add,
                              args=(buurt_code, by_point))
    _show_flash("add")


# ----------------------------------------------------------------------------------------------- upload
def _save_upload(file_id: str) -> None:
    preview = st.session_state.get("bk_upload_previews", {}).get(file_id)
    if preview is None:
        return
    if not editing.can_edit():
        _flash("upload", "error", "Alleen een redacteur kan een bestand opslaan.")
        return
    try:
        saved = save_upload(preview, asset_store(), actor=editing.actor())
    except UserStoreError as err:
        _flash("upload", "error", md_escape(err))
        return
    st.session_state["bk_upload_n"] = st.session_state.get("bk_upload_n", 0) + 1  # a new, empty uploader
    st.session_state.pop("bk_upload_previews", None)
    text = f"{_count(saved)} opgeslagen op de Bewonerskaart."
    if saved < len(preview.new):
        text += f" {_count(len(preview.new) - saved)} stond(en) er intussen al en zijn overgeslagen."
    _flash("upload", "success", text)


def render_preview(preview: UploadPreview, file_id: str, buurt_code: str) -> None:
    result = preview.result
    if result.fatal:
        st.error(f"**Dit bestand kan niet worden ingelezen:** {md_escape(result.fatal)}")
        return
    if preview.messages:
        rows = len({(e.where, e.row) for e in result.errors})
        what = f"1 {result.errors[0].where} met een fout. Die wordt" if rows == 1 else \
            f"{rows} {'rijen' if result.errors[0].where == 'rij' else 'objecten'} met een fout. Die worden"
        st.error(_problems(f"{what} niet opgeslagen; de rest wel. Verbeter de fouten en upload daarna het "
                           "bestand opnieuw: wat al is opgeslagen, wordt dan overgeslagen.", preview.messages))
    if result.ignored_columns:
        st.info("Deze kolommen worden niet gebruikt: " + md_escape(", ".join(result.ignored_columns)))
    if preview.duplicates:
        n = len(preview.duplicates)
        st.info(f"{_count(n)} {'staat' if n == 1 else 'staan'} al op de Bewonerskaart en "
                f"{'wordt' if n == 1 else 'worden'} overgeslagen.")
    if not preview.new:
        st.warning("Er is niets nieuws om op te slaan.")
        return
    here = sum(a.buurt_code == buurt_code for a in preview.new)
    st.markdown(f"**{_count(len(preview.new))} klaar om op te slaan** ({here} in deze buurt).")
    st.dataframe(asset_table(preview.new).fillna(""), hide_index=True)
    st.button(f"{_count(len(preview.new))} opslaan", type="primary", key="bk_upload_save",
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
    upload = st.file_uploader("Kies een bestand (CSV of GeoJSON, maximaal 5 MB)", type=["csv", "geojson", "json"],
                              key=f"bk_upload_{st.session_state.get('bk_upload_n', 0)}", max_upload_size=5)
    _show_flash("upload")
    if upload is None:
        return
    previews = st.session_state.setdefault("bk_upload_previews", {})
    if upload.file_id not in previews:
        previews.clear()
        if upload.size > MAX_FILE_BYTES:   # checked here too: a client can bypass the widget's limit
            st.error("**Dit bestand kan niet worden ingelezen:** het is groter dan 5 MB. Splits het in kleinere "
                     "bestanden.")
            return
        try:
            previews[upload.file_id] = preview_upload(upload.getvalue(), upload.name, asset_store(),
                                                      known_buurt_codes=known_buurt_codes(), locator=LazyLocator())
        except UserStoreError as err:
            st.error(md_escape(err))
            return
    render_preview(previews[upload.file_id], upload.file_id, buurt_code)


# ----------------------------------------------------------------------------------------------- list, edit, delete
EDIT_KEYS = ("name", "category", "buurt_code", "lon", "lat", "description", "website", "date")
PAGE_SIZE = 50


def _forget_form(asset_id: str) -> None:
    """Drop the edit form's widget values and remembered version, so it is drawn again from the store."""
    prefix = f"bk_edit_{asset_id}_"
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def _update(asset_id: str) -> None:
    s, store = st.session_state, asset_store()
    if not editing.can_edit():
        _flash("list", "error", "Alleen een redacteur kan wijzigen.")
        return
    values = {key: s.get(f"bk_edit_{asset_id}_{key}") for key in EDIT_KEYS}
    version = s.get(f"bk_edit_{asset_id}_version")
    try:
        current = store.get(asset_id)
        changed = changed_fields(current, values)
        if not changed:
            _flash("list", "info", "Er is niets veranderd.")
            return
        updated = store.update(asset_id, expected_version=version, actor=editing.actor(), **changed)
    except AssetValidationError as err:
        _flash("list", "error", _problems("Niet opgeslagen. Verbeter dit:", err.problems))
    except StaleAssetError as err:
        _forget_form(asset_id)            # the form now shows what is stored
        now = err.current
        shown = ", ".join(f"{label}: {md_escape(value)}" for label, value in (
            ("naam", now.name), ("categorie", now.category_label), ("omschrijving", now.description or "–"),
            ("website", now.website or "–")))
        _flash("list", "warning", f"{md_escape(err)}\n\nNu opgeslagen: {shown}.")
    except AssetNotFoundError:
        _flash("list", "warning", "Dit item bestaat niet meer.")
    except UserStoreError as err:
        _flash("list", "error", md_escape(err))
    else:
        _forget_form(asset_id)
        text = "Wijziging opgeslagen."
        if "buurt_code" in changed or {"lon", "lat"} & set(changed):
            text += f" Het staat in buurt {md_escape(_buurt_name(updated.buurt_code))}."
            if updated.location_approximate:
                text += " De buurt is bepaald uit het punt (benadering)."
        _flash("list", "success", text)


def _delete(asset_id: str) -> None:
    if not editing.can_edit():
        _flash("list", "error", "Alleen een redacteur kan verwijderen.")
        return
    try:
        deleted = asset_store().delete(asset_id, actor=editing.actor())
    except UserStoreError as err:
        _flash("list", "error", md_escape(err))
        return
    st.session_state.pop("bk_edit_choice", None)
    _forget_form(asset_id)
    if deleted:
        st.session_state["bk_undo"] = asset_id
    _flash("list", "success" if deleted else "warning", "Verwijderd." if deleted else "Dit item bestaat niet meer.")


def _restore(asset_id: str) -> None:
    st.session_state.pop("bk_undo", None)
    if not editing.can_edit():
        _flash("list", "error", "Alleen een redacteur kan een item terugzetten.")
        return
    try:
        asset = asset_store().restore(asset_id, actor=editing.actor())
    except AssetNotFoundError:
        _flash("list", "warning", "Dit item is al teruggezet.")
    except UserStoreError as err:
        _flash("list", "error", md_escape(err))
    else:
        _flash("list", "success", f"Teruggezet: {md_escape(asset.name)}.")


def _edit_form(a: Asset) -> None:
    key = f"bk_edit_{a.id}_"
    # The version the form was opened with; kept across reruns until the form is saved or refreshed.
    st.session_state.setdefault(key + "version", a.version)
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
        st.date_input("Datum", value=a.date, key=key + "date", format="DD-MM-YYYY", min_value=date(1900, 1, 1),
                      max_value=date(2100, 12, 31))
        st.form_submit_button("Wijziging opslaan", type="primary", icon=":material/save:", on_click=_update,
                              args=(a.id,))
    with st.popover("Verwijderen", icon=":material/delete:"):
        st.markdown("Weet u het zeker? Een redacteur kan het daarna nog terugzetten.")
        st.button("Ja, verwijder dit item", key=f"bk_delete_{a.id}", type="primary", on_click=_delete, args=(a.id,))


def _history(asset_id: str) -> None:
    entries = asset_store().history(asset_id, limit=20)
    words = {"create": "toegevoegd", "update": "gewijzigd", "delete": "verwijderd", "restore": "teruggezet"}
    lines = []
    for e in entries:
        change = ""
        if e.before and e.after:
            diff = [k for k in ("name", "category", "buurt_code", "description", "website", "date", "lon", "lat")
                    if e.before.get(k) != e.after.get(k)]
            change = f" ({', '.join(diff)})" if diff else ""
        lines.append(f"- {e.at:%d-%m-%Y %H:%M} UTC: {words.get(e.action, e.action)}{change} door "
                     f"{md_escape(e.actor)}")
    st.markdown("**Geschiedenis**\n" + "\n".join(lines) if lines else "Nog geen geschiedenis.")


def _deleted_section(buurt_code: str) -> None:
    gone = asset_store().deleted(buurt_code, limit=20)
    if not gone:
        return
    with st.expander(f"Verwijderde items ({len(gone)}{'+' if len(gone) == 20 else ''})", icon=":material/undo:"):
        for asset, when, who in gone:
            left, right = st.columns([4, 1])
            left.markdown(f"**{md_escape(asset.name)}** ({asset.category_label}), verwijderd {when:%d-%m-%Y %H:%M} "
                          f"UTC door {md_escape(who)}")
            right.button("Terugzetten", key=f"bk_restore_{asset.id}", on_click=_restore, args=(asset.id,))


def render_list(buurt_code: str) -> list[Asset]:
    """Counts per category, one page of the items of this buurt, and a form to change or delete one of them."""
    _show_flash("list")
    store = asset_store()
    undo = st.session_state.get("bk_undo")
    if undo and editing.can_edit():
        st.button("Verwijderen ongedaan maken", key="bk_undo_button", icon=":material/undo:", on_click=_restore,
                  args=(undo,))
    total = store.count(buurt_code=buurt_code)
    if not total:
        st.info("Er staat nog niets op de Bewonerskaart voor deze buurt. Voeg iets toe of upload een bestand.")
        if editing.can_edit():
            _deleted_section(buurt_code)
        return []
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = 1
    if pages > 1:
        page = st.number_input(f"Pagina (van {pages}; {PAGE_SIZE} items per pagina)", min_value=1, max_value=pages,
                               value=1, step=1, key=f"bk_page_{buurt_code}")
    assets = store.list(buurt_code=buurt_code, limit=PAGE_SIZE, offset=(int(page) - 1) * PAGE_SIZE)
    note = f'<p class="bk-note">Items {(page - 1) * PAGE_SIZE + 1} tot en met {(page - 1) * PAGE_SIZE + len(assets)} ' \
           f"van {total}.</p>" if pages > 1 else ""
    st.html(CSS + counts_html(store.counts_per_category(buurt_code)) + note + assets_html(assets))
    by_id = {a.id: a for a in assets}
    if st.session_state.get("bk_edit_choice") not in by_id:
        st.session_state.pop("bk_edit_choice", None)
    if not editing.can_edit():
        return assets
    with st.expander("Een item wijzigen of verwijderen", icon=":material/edit:"):
        choice = st.selectbox("Welk item?", list(by_id), index=None, key="bk_edit_choice", placeholder="Kies een item",
                              format_func=lambda i: f"{by_id[i].name} ({by_id[i].category_label})")
        if choice in by_id:
            _edit_form(by_id[choice])
            _history(choice)
    _deleted_section(buurt_code)
    return assets
