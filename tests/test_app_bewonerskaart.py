"""'Bewonerskaart' through AppTest on the real release: add, upload, edit, delete, escaping, and the views that
other pages call (summary, map points, gesprekskaart items). The residents' store is a tmp DuckDB file."""
from __future__ import annotations

from datetime import date

from dataclasses import replace

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.bewoners import sections as assets_views
from dashboard.bewoners import upload_preview, view_add
from dashboard.bewoners import TEMPLATE_CSV, AssetStore, AssetStoreError, build_asset
from tests.conftest import double_click, xlsx_bytes

PAGE = "app_pages/bewonerskaart.py"
DAPPERBUURT = "BU0363ME01"          # Dapperbuurt-Noord, Amsterdam: one template row names it
GRONINGEN_CENTRUM = "BU00140000"    # Binnenstad-Noord: the template's row with coordinates lands here
SCRIPT_NAME = "<script>alert('x')</script> Buurthuis"
SUBMIT = "FormSubmitter:bk_new-Opslaan"


@pytest.fixture()
def store_path(user_store_path):
    return user_store_path


@pytest.fixture()
def app(store_path, app_page):
    def make(regio: str | None = DAPPERBUURT, **options) -> AppTest:
        return app_page(PAGE, **({"regio": regio} if regio else {}), **options)
    return make


def shared_with_code(app, monkeypatch) -> AppTest:
    """The page on a shared instance whose edit code is 'buurt-2024' (3 wrong tries per session allowed)."""
    from dashboard.userstore import access, editing

    monkeypatch.setattr(editing, "LIMITER", access.AttemptLimiter(per_key=3, overall=100, window=300))
    return app(secrets={"buurtbalans": {"edit_mode": "shared",
                                        "edit_code_hash": access.hash_edit_code("buurt-2024", iterations=1_000)}})


def stored(path) -> list:
    return AssetStore(path).list()


def listed_html(at: AppTest) -> str:
    return "".join(h.value for h in at.get("html") if "bk-list" in h.value)


def add(at: AppTest, name: str, category: str = "plekken", form: str = "bk_new", **extra) -> AppTest:
    """Fill in the add form's instance `form` ('bk_new', after a save 'bk_new_1', ...) and save it."""
    at.text_input(key=f"{form}_name").input(name)
    at.selectbox(key=f"{form}_category").select(category)
    for key, value in extra.items():
        (at.text_area if key == "description" else at.text_input)(key=f"{form}_{key}").input(value)
    return at.button(key=f"FormSubmitter:{form}-Opslaan").click().run()


def test_add_via_form_is_listed(app, store_path):
    at = app()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["In deze buurt", "Toevoegen", "Bestand uploaden", "Downloaden"]
    assert "Er staat nog niets" in at.info[0].value
    at = add(at, "Buurtmoestuin Dapperbuurt", description="Samen tuinieren op zaterdag",
             website="https://www.example.nl/moestuin")
    assert not at.exception
    assert at.success[0].value == "Opgeslagen op de Bewonerskaart."
    html = listed_html(at)
    assert "Buurtmoestuin Dapperbuurt" in html and "Samen tuinieren op zaterdag" in html
    assert 'Fysieke plekken: <b>1</b>' in html
    [asset] = stored(store_path)
    assert asset.buurt_code == DAPPERBUURT and not asset.location_approximate
    assert at.text_input(key="bk_new_1_name").value == ""        # a new, empty form
    assert "bk_new_name" not in [t.key for t in at.text_input]
    assert [b.label for b in at.get("download_button")] == ["Voorbeeldbestand (CSV)"] + \
        ["Download als CSV", "Download als GeoJSON"] * 2                # template; buurt and gemeente exports


@pytest.mark.parametrize("stopped", [False, True, "overlapping"],
                         ids=["double click", "first callback stopped after the save", "callbacks at once"])
def test_a_double_click_on_opslaan_adds_the_item_once_and_says_it_was_saved(app, store_path, stop_once, stopped,
                                                                            monkeypatch):
    """The browser sends a double click's second submit with what the first sent: it was added again, refused
    as 'een item staat al op de Bewonerskaart; er is niets opgeslagen' although the first click had saved it,
    and the form kept the text. When Streamlit stopped the first callback after the save (its next
    st.session_state access, another click waiting), the form stayed too."""
    at = app()
    page_shown = at._tree                      # what the browser still shows when it sends the second submit
    if stopped is True:
        stop_once(AssetStore, "add")
    at = add(at, "Buurtmoestuin Dapperbuurt")
    if stopped == "overlapping":       # the second callback asks before the first one's insert (Streamlit can run
        taken = AssetStore.id_taken    # a stopped run's callback and the next run's at once)
        monkeypatch.setattr(AssetStore, "id_taken", lambda self, asset_id: monkeypatch.setattr(
            AssetStore, "id_taken", taken) or False)
    at._tree = page_shown
    at.date_input(key="bk_new_date").set_value(None)          # every box as the browser sends it
    at = add(at, "Buurtmoestuin Dapperbuurt", description="", website="")
    assert [a.name for a in stored(store_path)] == ["Buurtmoestuin Dapperbuurt"]
    assert not at.error and [m.value for m in at.success] == ["Opgeslagen op de Bewonerskaart."]
    assert at.text_input(key="bk_new_1_name").value == ""
    at = add(at, "Buurtmoestuin Dapperbuurt", form="bk_new_1")          # typed again: it is there already
    assert "staat al op de Bewonerskaart" in at.error[0].value and len(stored(store_path)) == 1


def test_form_validation_messages_in_dutch(app, store_path):
    at = add(app(), "Bel Piet: 06-12345678", description="mail ons via info@example.nl",
             website="www.example.nl")
    message = at.error[0].value
    assert message.startswith("**Niet opgeslagen. Verbeter dit:**")
    assert "naam bevat een telefoonnummer" in message and "omschrijving bevat een e-mailadres" in message
    assert "website 'www.example.nl' klopt niet" in message and "https://www.example.nl" in message
    assert stored(store_path) == []
    assert at.text_input(key="bk_new_name").value == "Bel Piet: 06-12345678"   # kept, to correct


def test_a_typed_date_outside_the_years_gets_a_dutch_message_and_keeps_the_form(app, store_path):
    """The date box spans every date it can hold, so the browser never answers a typed year with its English
    'Date set outside allowed range'; saving says the real bound in Dutch and keeps what was typed."""
    at = app()
    box = at.date_input(key="bk_new_date")
    assert (box.min, box.max) == (date.min, date.max) and "1900" in box.help and "2100" in box.help
    box.set_value(date(1850, 6, 1))
    at = add(at, "Buurtkamer")
    assert "datum '1850-06-01' ligt buiten de jaren 1900 tot en met 2100" in at.error[0].value
    assert stored(store_path) == []
    assert at.text_input(key="bk_new_name").value == "Buurtkamer" and at.date_input(key="bk_new_date").value == date(1850, 6, 1)


def test_coordinates_place_the_asset_in_a_buurt_by_approximation(app, store_path):
    at = app()
    at.radio(key="bk_new_how").set_value(view_add.BY_POINT).run()
    assert any("benadering" in m.value for m in at.markdown)
    at = add(at, "Weekmarkt", "economie", lon="6,5636", lat="53.2183")
    assert not at.exception
    assert f"Binnenstad-Noord ({GRONINGEN_CENTRUM})" in at.success[0].value
    [asset] = stored(store_path)
    assert asset.buurt_code == GRONINGEN_CENTRUM and asset.location_approximate
    assert (asset.lon, asset.lat) == (6.5636, 53.2183)


def test_upload_template_lists_its_assets(app, store_path):
    at = app()
    at.get("file_uploader")[0].set_value(("template.csv", TEMPLATE_CSV.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error
    assert at.dataframe[0].value["Naam"].tolist() == ["Buurthuis De Boomgaard", "Repair Café Dapperbuurt",
                                                      "Weekmarkt op de Vismarkt"]
    assert stored(store_path) == []                                # nothing saved before the click
    at.button(key="bk_upload_save").click().run()
    assert at.success[0].value == "3 items opgeslagen op de Bewonerskaart."
    assert {a.buurt_code for a in stored(store_path)} == {"BU03440121", DAPPERBUURT, GRONINGEN_CENTRUM}
    assert "Repair Café Dapperbuurt" in listed_html(at) and "Weekmarkt" not in listed_html(at)
    # the same file again adds nothing
    at.get("file_uploader")[0].set_value(("template.csv", TEMPLATE_CSV.read_bytes(), "text/csv")).run()
    assert "3 items staan al op de Bewonerskaart en worden overgeslagen" in at.info[0].value
    assert "Er is niets nieuws om op te slaan." in at.warning[0].value and len(stored(store_path)) == 3


def test_rows_repeated_within_a_file_are_not_said_to_be_on_the_map(app, store_path):
    """A row that repeats an earlier row of the same file (same name, category and buurt, in any case) is saved once;
    the page said '2 items staan al op de Bewonerskaart' of an empty map."""
    rows = "naam;categorie;buurtcode\nBuurtmoestuin;plekken;{0}\nBuurtmoestuin;plekken;{0}\nbuurtmoestuin ;plekken;{0}\n"
    at = app()
    at.get("file_uploader")[0].set_value(("dubbel.csv", rows.format(DAPPERBUURT).encode(), "text/csv")).run()
    infos = [i.value for i in at.info]
    assert not any("al op de Bewonerskaart" in i for i in infos), infos
    assert any(i.startswith("2 items staan dubbel in dit bestand") for i in infos), infos
    assert at.button(key="bk_upload_save").label == "1 item opslaan"
    at.button(key="bk_upload_save").click().run()
    assert [a.name for a in stored(store_path)] == ["Buurtmoestuin"]


def test_an_upload_saved_before_its_callback_stopped_is_not_reported_as_already_there(app, store_path, stop_once):
    """Streamlit stopped the save's callback after the rows were stored (another click waiting); the double
    click's second submit saved the same preview again and said '0 items opgeslagen; 3 stonden er intussen al'."""
    from dashboard.bewoners import view_upload
    at = app()
    at.get("file_uploader")[0].set_value(("template.csv", TEMPLATE_CSV.read_bytes(), "text/csv")).run()
    stop_once(view_upload, "save_upload")
    at = double_click(at, "bk_upload_save")
    assert len(stored(store_path)) == 3
    assert not [m.value for m in at.success if "intussen al" in m.value]
    assert not at.error


def test_upload_handling_with_the_template_bytes(store_path):
    store = AssetStore(store_path)
    preview = upload_preview.preview_upload(TEMPLATE_CSV.read_bytes(), "template.csv", store,
                                  known_buurt_codes=assets_views.known_buurt_codes(),
                                  locator=assets_views.LazyLocator())
    assert preview.messages == [] and len(preview.new) == 3
    assert upload_preview.save_upload(preview, store) == 3 and len(store.list()) == 3


BAD_CSV = ("naam;categorie;buurtcode;omschrijving\n"
           "Speeltuin Dapperpark;plekken;BU0363ME01;\n"
           "Koor;zingen;BU0363ME01;\n"
           "Bibliotheek;instellingen;BU0363ZZ99;\n"
           "\n"
           "Buurtapp;verenigingen;BU0363ME01;bel 06-12345678\n"
           "Bakkerij;economie;BU0363ME01;Vers brood\n").encode()


def test_bad_upload_shows_row_messages_and_stores_only_valid_rows(app, store_path):
    at = app()
    at.get("file_uploader")[0].set_value(("bewoners.csv", BAD_CSV, "text/csv")).run()
    message = at.error[0].value
    assert message.startswith("**‘bewoners.csv’: 3 rijen met een fout. Die worden niet opgeslagen; de rest wel.")
    assert "- rij 3: categorie 'zingen' bestaat niet" in message
    assert "- rij 4: buurtcode 'BU0363ZZ99' bestaat niet" in message
    assert "- rij 6: omschrijving bevat een telefoonnummer" in message        # blank row 5 still counted
    assert at.button(key="bk_upload_save").label == "2 items opslaan"
    at.button(key="bk_upload_save").click().run()
    assert sorted(a.name for a in stored(store_path)) == ["Bakkerij", "Speeltuin Dapperpark"]


def test_a_failing_save_writes_nothing(store_path):
    store = AssetStore(store_path)
    preview = upload_preview.preview_upload(BAD_CSV, "bewoners.csv", store, known_buurt_codes=assets_views.known_buurt_codes(),
                                  locator=None)
    preview.new[1] = replace(preview.new[1], id=preview.new[0].id)      # the second insert must fail
    with pytest.raises(AssetStoreError):
        upload_preview.save_upload(preview, store)
    assert store.list() == []


def test_unreadable_upload_says_why(app):
    at = app()
    at.get("file_uploader")[0].set_value(("kaart.csv", b"naam;email\nx;y@example.nl\n", "text/csv")).run()
    assert "kolom 'email' lijkt persoonsgegevens te bevatten" in at.error[0].value


def test_edit_and_delete(app, store_path):
    at = add(app(), "Repair Café", "verenigingen")
    [asset] = stored(store_path)
    at.selectbox(key="bk_edit_choice").select(asset.id).run()
    at.text_input(key=f"bk_edit_{asset.id}_name").input("Repair Café Dapperbuurt")
    at.button(key=f"FormSubmitter:bk_edit_{asset.id}-Wijziging opslaan").click().run()
    assert not at.exception and at.success[0].value == "Wijziging opgeslagen."
    assert stored(store_path)[0].name == "Repair Café Dapperbuurt"
    history = next(m.value for m in at.markdown if m.value.startswith("**Geschiedenis**"))
    assert ": gewijzigd (naam) door een bezoeker" in history, history      # said 'gewijzigd (name) door sessie:…'
    assert "Repair Café Dapperbuurt" in listed_html(at)
    at.button(key=f"bk_delete_{asset.id}").click().run()
    assert not at.exception and at.success[0].value == "Verwijderd."
    assert stored(store_path) == [] and listed_html(at) == ""


def test_a_double_click_on_an_edit_or_delete_says_what_the_first_click_did(app, store_path, stop_once):
    """Streamlit stopped the first callback right after the store saved (another click waiting); the double click's
    second submit then said 'Er is niets veranderd' after an edit that was saved, and 'Dit item bestaat niet meer'
    after a delete that went to the bin."""
    at = add(app(), "Repair Café", "verenigingen")
    [asset] = stored(store_path)
    at.selectbox(key="bk_edit_choice").select(asset.id).run()
    at.text_input(key=f"bk_edit_{asset.id}_name").input("Repair Café Dapperbuurt")
    stop_once(AssetStore, "update")
    at = double_click(at, f"FormSubmitter:bk_edit_{asset.id}-Wijziging opslaan")
    assert [m.value for m in at.success] == ["Wijziging opgeslagen."] and not at.info and not at.warning
    assert stored(store_path)[0].name == "Repair Café Dapperbuurt"
    stop_once(AssetStore, "delete")
    at = double_click(at, f"bk_delete_{asset.id}")
    assert [m.value for m in at.success] == ["Verwijderd."] and not at.warning and not at.error
    assert stored(store_path) == [] and len(AssetStore(store_path).deleted(DAPPERBUURT)) == 1


def test_history_and_bin_tell_the_time_on_a_dutch_clock(app, store_path):
    """The history and the deleted list said '... 08:16 UTC' for a change made at 09:16 in the Netherlands."""
    from dashboard.userstore import dutch_time_text

    at = add(app(), "Repair Café", "verenigingen")
    [asset] = stored(store_path)
    at.selectbox(key="bk_edit_choice").select(asset.id).run()
    [made] = AssetStore(store_path).history(asset.id)
    history = next(m.value for m in at.markdown if m.value.startswith("**Geschiedenis**"))
    assert f"- {dutch_time_text(made.at)}: toegevoegd door een bezoeker (nr. " in history and "UTC" not in history
    assert "sessie:" not in history                                  # the log's own form, not words
    at.button(key=f"bk_delete_{asset.id}").click().run()
    [(_, deleted_at, _)] = AssetStore(store_path).deleted(DAPPERBUURT)
    line = next(m.value for m in at.markdown if "verwijderd" in m.value and "Repair" in m.value)
    assert f"verwijderd {dutch_time_text(deleted_at)} door een bezoeker (nr. " in line and "UTC" not in line


def test_script_in_a_name_is_shown_as_text(app, store_path):
    at = add(app(), SCRIPT_NAME, description="<img src=x onerror=alert(1)> **vet**")
    html = listed_html(at)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Buurthuis" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<img" not in html
    assert all("<script" not in m.value for m in [*at.markdown, *at.success, *at.error])
    assert stored(store_path)[0].name == SCRIPT_NAME                 # stored as typed, escaped when shown


def test_gemeente_in_url_offers_its_buurten(app):
    at = app("GM0363")
    assert not at.exception and not at.tabs
    pick = at.selectbox(key="bk_pick")
    assert "Dapperbuurt-Noord (Dapperbuurt)" in pick.options and len(pick.options) > 400
    pick.select(DAPPERBUURT).run()
    assert not at.exception and at.query_params["regio"] == DAPPERBUURT
    assert len(at.tabs) == 4


def test_unknown_region_gives_a_notice(app):
    at = app("BU9999ZZ99")
    assert not at.exception and "Regio niet gevonden" in at.warning[0].value


def test_store_is_its_own_file(app, store_path, release_path):
    add(app(), "Buurthuis")
    assert store_path.exists() and store_path != release_path
    with duckdb.connect(str(release_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert "assets" not in tables


def test_store_pointing_at_the_release_is_refused(app, monkeypatch, release_path):
    monkeypatch.setenv("BUURTBALANS_USER_DB", str(release_path))   # the store variable that counts
    at = app()
    assert not at.exception and "kan niet worden geopend" in at.error[0].value


def test_views_for_other_pages(app, store_path):
    at = app()
    at.get("file_uploader")[0].set_value(("template.csv", TEMPLATE_CSV.read_bytes(), "text/csv")).run()
    at.button(key="bk_upload_save").click().run()
    add(at, SCRIPT_NAME)
    AssetStore(store_path).add([replace(stored(store_path)[-1], id="with-point", category="cultuur", lon=4.93,
                                        lat=52.366)])  # another category: not the same item

    points = assets_views.asset_points("GM0363")
    assert list(points.columns[:5]) == ["lon", "lat", "name", "category_label", "buurt_code"]
    assert points["name"].tolist() == ["&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Buurthuis"]
    assert points["name_text"].tolist() == [SCRIPT_NAME]
    groningen = assets_views.asset_points(GRONINGEN_CENTRUM)
    assert groningen[["lon", "lat", "category_label"]].values.tolist() == [[6.5636, 53.2183, "Lokale economie"]]
    assert assets_views.asset_points("BU03440121").empty                 # buurt code only, no point

    pack = assets_views.resident_assets_for_pack(DAPPERBUURT)
    assert [p["name"] for p in pack] == ["Repair Café Dapperbuurt", SCRIPT_NAME, SCRIPT_NAME]
    assert pack[0]["category"] == "verenigingen" and pack[0]["category_label"] == "Verenigingen en initiatieven"
    assert [p["name"] for p in assets_views.resident_assets_for_pack("WK0363ME")] == [p["name"] for p in pack]


def test_asset_summary_for_the_profile(app, store_path):
    add(app(), SCRIPT_NAME, "cultuur")

    def profile_part():
        from dashboard.bewoners import sections as assets_views
        assets_views.render_asset_summary("GM0363")
        assets_views.render_asset_summary("BU0344AA01")

    at = AppTest.from_function(profile_part, default_timeout=60).run()
    assert not at.exception
    assert [m.value for m in at.markdown if m.value.startswith("### ")] == ["### Wat bewoners zelf noemen"] * 2
    [html] = [h.value for h in at.get("html") if "bk-counts" in h.value]
    assert "Cultuur en verhalen: <b>1</b>" in html and "<script" not in html and "&lt;script&gt;" in html
    assert "buurt Dapperbuurt-Noord" in html                              # a gemeente list names the buurt
    assert "Nog niets genoemd voor deze plek." in [c.value for c in at.caption]


# ----------------------------------------------------------------------------------------------- shared server
def items(n: int, buurt: str = DAPPERBUURT) -> list:
    known = {buurt}
    return [build_asset({"name": f"Item {i:04d}", "category": "plekken", "buurt_code": buurt},
                        known_buurt_codes=known, locator=None) for i in range(n)]


def test_a_long_list_is_paged_and_exports_are_built_only_when_asked(app, store_path):
    store = AssetStore(store_path)
    store.add(items(120))
    at = app()
    assert not at.exception
    html = listed_html(at)
    assert html.count('class="bk-item"') == 50 and "Items 1 tot en met 50 van 120." in html
    assert "Fysieke plekken: <b>120</b>" in html                      # counted in the store, not on the page
    assert not at.number_input   # a page choice, not a number box the browser would refuse in English
    at.selectbox(key=f"bk_page_{DAPPERBUURT}").select(3).run()
    assert listed_html(at).count('class="bk-item"') == 20 and "Item 0119" in listed_html(at)
    assert len(at.selectbox(key="bk_edit_choice").options) == 20      # the edit choice is bounded by the page
    exports = [b for b in at.get("download_button") if b.label.startswith("Download als")]
    assert len(exports) == 4
    assert all(b.proto.deferred_file_id or not b.proto.url for b in exports)  # data is a callable, built on click


def test_a_stale_edit_is_refused_and_shows_the_current_values(app, store_path):
    """A second session's save after another's is refused; the message shows what is stored now and what this
    session had typed (the form is redrawn from the store, so that text was lost without a word)."""
    at = add(app(), "Repair Café", "verenigingen")
    [asset] = stored(store_path)
    other = app()
    for session in (at, other):
        session.selectbox(key="bk_edit_choice").select(asset.id).run()
    other.text_area(key=f"bk_edit_{asset.id}_description").input("Elke zaterdag")
    other.button(key=f"FormSubmitter:bk_edit_{asset.id}-Wijziging opslaan").click().run()
    assert other.success[0].value == "Wijziging opgeslagen."
    at.text_input(key=f"bk_edit_{asset.id}_name").input("Repair Café Oost")
    at.button(key=f"FormSubmitter:bk_edit_{asset.id}-Wijziging opslaan").click().run()
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("Iemand anders heeft dit item gewijzigd") and "omschrijving: Elke zaterdag" in warning
    # what this session typed is not drawn again in the form (it shows what is stored), so the message keeps it:
    # only the changed field, named in Dutch (the description it left alone is not 'typed')
    assert warning.endswith("Wat u had ingevuld (niet opgeslagen): naam: Repair Café Oost. Neem het zo nodig over.")
    [now] = stored(store_path)
    assert (now.name, now.description, now.version) == ("Repair Café", "Elke zaterdag", 2)   # nothing lost
    assert at.text_area(key=f"bk_edit_{asset.id}_description").value == "Elke zaterdag"     # the form shows it


def test_delete_can_be_undone_and_is_in_the_history(app, store_path):
    at = add(app(), "Buurtmoestuin")
    [asset] = stored(store_path)
    at.selectbox(key="bk_edit_choice").select(asset.id).run()
    at.button(key=f"bk_delete_{asset.id}").click().run()
    assert at.success[0].value == "Verwijderd." and stored(store_path) == []
    at.button(key="bk_undo_button").click().run()
    assert not at.exception and at.success[0].value == "Teruggezet: Buurtmoestuin."
    assert [a.name for a in stored(store_path)] == ["Buurtmoestuin"]
    actions = [e.action for e in AssetStore(store_path).history(asset.id)]
    assert actions == ["restore", "delete", "create"]


def test_a_shared_instance_needs_an_editor(app, store_path, monkeypatch):
    at = shared_with_code(app, monkeypatch)
    assert not at.exception and any("Wijzigen kan alleen een redacteur" in i.value for i in at.info)
    assert not [t for t in at.text_input if t.key == "bk_new_name"]                    # no add form
    assert [e.label for e in at.expander].count("Een item wijzigen of verwijderen") == 0
    at.text_input(key="bk_gate_add_code").input("fout")
    at.button(key="FormSubmitter:bk_gate_add_form-Code gebruiken").click().run()
    assert "Deze code klopt niet." in [e.value for e in at.error]
    at.text_input(key="bk_gate_add_code").input("buurt-2024")
    at.button(key="FormSubmitter:bk_gate_add_form-Code gebruiken").click().run()
    assert "U kunt nu wijzigen." in [s.value for s in at.success]
    at = add(at, "Buurtmoestuin")
    assert at.success[-1].value == "Opgeslagen op de Bewonerskaart."
    [entry] = AssetStore(store_path).history()
    assert entry.actor.startswith("redacteur-code:")


def test_edit_codes_are_rate_limited(app, store_path, monkeypatch):
    at = shared_with_code(app, monkeypatch)
    for _ in range(3):
        at.text_input(key="bk_gate_add_code").input("fout")
        at.button(key="FormSubmitter:bk_gate_add_form-Code gebruiken").click().run()
    at.text_input(key="bk_gate_add_code").input("buurt-2024")          # right, but too many tries first
    at.button(key="FormSubmitter:bk_gate_add_form-Code gebruiken").click().run()
    assert any(e.value.startswith("Te veel pogingen") for e in at.error)
    assert "U kunt nu wijzigen." not in [s.value for s in at.success]


@pytest.mark.parametrize("name", ["kaart.xlsx", "kaart.csv"])   # an Excel file, also when it is named .csv
def test_a_wrong_type_is_refused_in_dutch_from_its_content(app, store_path, name):
    at = app()
    uploader = at.get("file_uploader")[0]
    assert not uploader.proto.type                 # no English "… files are not allowed" from the widget
    assert uploader.proto.max_upload_size_mb == 6  # above our 5 MB, at streamlit_config.toml's maxUploadSize
    assert "File must be 6.0MB or smaller" in uploader.proto.help   # the English the browser may still show
    uploader.set_value((name, xlsx_bytes(), "application/octet-stream")).run()
    message = " ".join(e.value for e in at.error)
    assert f"‘{name}’ kan niet worden ingelezen" in message and "Excel" in message
    assert "Hier kan alleen een CSV-bestand (.csv) of een GeoJSON-bestand (.geojson of .json)" in message
    at.get("file_uploader")[0].set_value(None).run()
    assert not at.error                           # no file held, no message about one
    assert stored(store_path) == []


@pytest.mark.parametrize("button", ["bk_undo_button", "bk_restore_{id}"])
def test_a_double_click_on_a_restore_says_what_the_first_click_did(app, store_path, button):
    """'Verwijderen ongedaan maken' or 'Terugzetten', double clicked: the second submit found the item live and said
    'Dit item is al teruggezet.' under the first click's 'Teruggezet: ...', two messages about one click."""
    at = add(app(), "Buurtmoestuin")
    [asset] = stored(store_path)
    at.selectbox(key="bk_edit_choice").select(asset.id).run()
    at = at.button(key=f"bk_delete_{asset.id}").click().run()
    at = double_click(at, button.format(id=asset.id))
    assert not at.exception and not at.warning and not at.error, [m.value for m in at.warning]
    assert [m.value for m in at.success] == ["Teruggezet: Buurtmoestuin."]
    assert [e.action for e in AssetStore(store_path).history(asset.id)] == ["restore", "delete", "create"]


def test_a_restore_by_someone_else_is_still_said_to_be_done_already(app, store_path):
    """The other side: a second session's restore of an item the first already put back says so, not 'Teruggezet'."""
    add(app(), "Buurtmoestuin")
    [asset] = stored(store_path)
    AssetStore(store_path).delete(asset.id, actor="sessie:iemand")
    first, second = app(), app()
    first = first.button(key=f"bk_restore_{asset.id}").click().run()
    second = second.button(key=f"bk_restore_{asset.id}").click().run()
    assert [m.value for m in first.success] == ["Teruggezet: Buurtmoestuin."]
    assert [m.value for m in second.warning] == ["Dit item is al teruggezet."] and not second.success
