"""Wijkagenda: validation of conversations and agendas, frozen baselines from the release, the follow-up rules,
the printable agenda, and the store (row versions, one-transaction import)."""
from __future__ import annotations

import copy
import json
from datetime import date

import duckdb
import pytest

from dashboard.stats.uncertainty import difference_verdict
from dashboard.wijkagenda import data, exchange, follow, model, render_html
from dashboard.wijkagenda.store import AgendaStore, AlreadyThere, StaleVersionError

BUURT = "BU0363AA06"   # Haarlemmerbuurt-Oost, Amsterdam (in the shipped snapshot)
TODAY = date(2026, 11, 21)


def conversation_doc(**changes) -> dict:
    doc = {"id": "c1", "date": "2026-11-20", "regions": [BUURT], "organiser": "Buurthuis De Boomgaard",
           "participants": 23,
           "notes": [{"id": "n1", "prompt": "Wie of wat maakt deze buurt sterk?", "kind": "klopt",
                      "text": "De huisarts is dichtbij.", "indicators": ["afstand_huisarts"],
                      "assets": [{"id": "a1", "name": "Buurthuis De Boomgaard", "category": "plekken"}]},
                     {"id": "n2", "prompt": "Algemeen", "kind": "idee", "text": "Wandelgroep op dinsdag.",
                      "indicators": [], "assets": []}],
           "themes": [{"id": "t1", "title": "Bewegen en ontmoeten", "votes": 14}]}
    doc.update(changes)
    return doc


@pytest.fixture(scope="module")
def agenda_doc(build_dir) -> dict:
    base = data.freeze(BUURT, "afstand_huisarts", TODAY, build_dir)
    return model.agenda({
        "id": "ag1", "title": "Onze buurt in 2027", "region": BUURT, "region_name": "Haarlemmerbuurt-Oost",
        "created": TODAY.isoformat(), "conversations": ["c1"],
        "priorities": [{"id": "p1", "title": "De huisarts blijft dichtbij", "why": ["n1"],
                        "assets": [{"id": "a1", "name": "Buurthuis De Boomgaard", "category": "plekken"}],
                        "indicators": [base], "organisations": ["Huisartsenpraktijk", "Buurtteam"],
                        "budget": [{"id": "b1", "description": "Vervoer naar de huisarts", "amount": 1250.5,
                                    "source": "wijkbudget", "status": "aangevraagd"}],
                        "next_review": "2027-03-01",
                        "reviews": [{"id": "r1", "date": "2026-12-15", "done": "Gesprek met de praktijk",
                                     "learned": "Vervoer is het knelpunt"}]}]})


# ----------------------------------------------------------------------------------------------- validation
def test_a_valid_conversation_is_kept_as_given():
    doc = model.conversation(conversation_doc())
    assert doc["participants"] == 23 and doc["notes"][0]["kind"] == "klopt"
    assert doc["themes"][0]["votes"] == 14


@pytest.mark.parametrize("field,value,fragment", [
    ("organiser", "Bel 06-12345678", "telefoonnummer"),
    ("organiser", "jan@example.org", "e-mailadres"),
    ("organiser", "dhr. Jansen", "naam met aanhef"),
    ("organiser", "<script>alert(1)</script>", "code of opmaak"),
    ("organiser", "javascript:alert(1)", "code of opmaak"),
    ("participants", -1, "tussen"),
    ("participants", 2.5, "heel getal"),
    ("participants", True, "getal"),
    ("date", "20-11-2026", "jjjj-mm-dd"),
    ("regions", [], "minstens één"),
    ("regions", ["Amsterdam"], "klopt niet"),
])
def test_bad_conversation_fields_get_a_dutch_message(field, value, fragment):
    with pytest.raises(model.ValidationError) as err:
        model.conversation(conversation_doc(**{field: value}))
    assert any(fragment in p for p in err.value.problems), err.value.problems


def test_personal_data_field_names_and_unknown_fields_are_refused():
    doc = conversation_doc()
    doc["notes"][0]["telefoon"] = "x"
    doc["extra"] = 1
    with pytest.raises(model.ValidationError) as err:
        model.conversation(doc)
    text = " ".join(err.value.problems)
    assert "persoonsgegevens" in text and "'extra' is onbekend" in text


def test_at_most_seven_priorities(agenda_doc):
    doc = copy.deepcopy(agenda_doc)
    doc["priorities"] = [{**doc["priorities"][0], "id": f"p{i}"} for i in range(8)]
    with pytest.raises(model.ValidationError) as err:
        model.agenda(doc)
    assert "maximaal 7" in err.value.problems[0]


def test_budget_amount_and_status_are_checked(agenda_doc):
    doc = copy.deepcopy(agenda_doc)
    doc["priorities"][0]["budget"][0].update(amount=12.345, status="beloofd")
    with pytest.raises(model.ValidationError) as err:
        model.agenda(doc)
    text = " ".join(err.value.problems)
    assert "prioriteit 1, budgetregel 1, bedrag" in text and "aangevraagd" in text


# ----------------------------------------------------------------------------------------------- baseline
def test_a_frozen_baseline_is_the_release_row(build_dir, release_path):
    base = data.freeze(BUURT, "afstand_huisarts", TODAY, build_dir)
    with duckdb.connect(str(release_path), read_only=True) as con:  # source: mart_profile of the release
        value, period, table, year = con.execute(
            "select value, period, table_id, boundary_year from mart_profile where region_code = ? and "
            "indicator_id = 'afstand_huisarts' and is_default_group", [BUURT]).fetchone()
    assert (base["value"], base["period"], base["table_id"], base["boundary_year"]) == (value, period, table, year)
    assert base["series"] == "kwb" and base["frozen_on"] == TODAY.isoformat()


def test_a_figure_without_value_cannot_be_followed(build_dir):
    with pytest.raises(model.ValidationError):
        data.freeze(BUURT, "inkomen_per_inwoner", TODAY, build_dir)  # not_available for this buurt in 2024


# ----------------------------------------------------------------------------------------------- follow-up
def test_same_release_says_no_newer_figure(agenda_doc, build_dir):
    base = agenda_doc["priorities"][0]["indicators"][0]
    result = follow.follow_up(base, data.latest(base, build_dir))
    assert result.status == follow.NO_NEWER and not result.moved


def test_an_older_wave_as_baseline_shows_what_moved(build_dir, release_path):
    """Freeze 'ervaren gezondheid' at its 2016 value (read from the release), then follow it in the same release:
    the 2020 wave is newer, and the snapshot has no RIVM margins, so it is a difference without a margin."""
    utrecht = "BU03440112"  # Oog in Al, Utrecht: the same code in the 2020 and 2024 divisions
    base = data.freeze(utrecht, "ervaren_gezondheid_goed", TODAY, build_dir)
    with duckdb.connect(str(release_path), read_only=True) as con:
        old = con.execute("select value from mart_indicator_series where region_code = ? and period = '2016' and "
                          "indicator_id = 'ervaren_gezondheid_goed' and is_default_group", [utrecht]).fetchone()[0]
    base.update(period="2016", value=old)
    result = follow.follow_up(base, data.latest(base, build_dir))
    assert result.moved and "2016" in result.sentence and "2020" in result.sentence
    assert result.status in (follow.UNCERTAIN, follow.SAME)


def test_inside_the_margins_is_no_clear_difference():
    base = {"indicator_id": "x", "label": "Doet vrijwilligerswerk", "unit": "%", "direction": "higher_is_better",
            "modelled": True, "value": 17.0, "lower": 15.0, "upper": 19.0, "period": "2020", "table_id": "50090NED",
            "boundary_year": 2020}
    latest = {"period": "2022", "value": 18.0, "lower": 16.0, "upper": 20.0, "boundary_year": 2022,
              "table_id": "50090NED"}
    result = follow.follow_up(base, latest)
    assert result.status == follow.NO_CLEAR_DIFFERENCE
    assert any("andere buurtindeling" in n for n in result.notes)   # 2020 -> 2022 division is named
    far = {**latest, "value": 25.0, "lower": 24.0, "upper": 26.0}
    assert difference_verdict(25.0, 24.0, 26.0, 17.0, 15.0, 19.0) == "duidelijk hoger"
    assert follow.follow_up(base, far).status == "duidelijk hoger"
    assert "gunstige kant" in follow.follow_up(base, far).sentence


def test_gone_and_unpublished_figures():
    base = {"indicator_id": "x", "label": "L", "unit": "%", "value": 10.0, "period": "2023", "table_id": "T",
            "boundary_year": 2023}
    assert follow.follow_up(base, None).status == follow.GONE
    hidden = follow.follow_up(base, {"period": "2024", "value": None, "missing_reason": "suppressed",
                                     "boundary_year": 2023, "table_id": "T"})
    assert hidden.status == follow.NOT_PUBLISHED and "geheim" in hidden.sentence


# ----------------------------------------------------------------------------------------------- print
def test_the_printable_agenda_shows_assets_first_and_escapes(agenda_doc):
    doc = copy.deepcopy(agenda_doc)
    conv = model.conversation(conversation_doc())
    conv["notes"][0]["text"] = "Prijs < 5 euro & gratis"
    printed = render_html.render_agenda(doc, [conv], {}, today=TODAY)
    html = printed.html
    assert "<script" not in html and "Prijs &lt; 5 euro &amp; gratis" in html
    assert html.index("Wat de buurt al heeft") < html.index("Waarom") < html.index("Cijfers die we volgen")
    assert "€ 1.250,50" in html and "Aangevraagd" in html and printed.filename == f"wijkagenda-haarlemmerbuurt-oost-{BUURT.lower()}"


# ----------------------------------------------------------------------------------------------- store
def test_store_refuses_a_stale_edit_and_keeps_the_other_change(tmp_path, agenda_doc):
    store = AgendaStore(tmp_path / "user" / "bewonerskaart.duckdb")
    store.create_agenda(agenda_doc)
    mine, version = store.agenda("ag1")
    theirs, _ = store.agenda("ag1")
    theirs["title"] = "Hun titel"
    assert store.save_agenda(theirs, version) == version + 1
    mine["title"] = "Mijn titel"
    with pytest.raises(StaleVersionError) as err:
        store.save_agenda(mine, version)
    assert "Iemand anders" in str(err.value)
    assert store.agenda("ag1")[0]["title"] == "Hun titel"


def test_import_is_all_or_nothing(tmp_path, agenda_doc):
    store = AgendaStore(tmp_path / "store.duckdb")
    conv = model.conversation(conversation_doc())
    bundle = exchange.read_bundle(exchange.export_bundle(agenda_doc, [conv]), "agenda.json")
    assert bundle.ok, bundle.problems
    store.save_conversation(conv)  # the conversation is already there: the whole import is refused
    with pytest.raises(AlreadyThere) as err:
        store.import_bundle(bundle.agenda, bundle.conversations)
    # in Dutch words and with what to do next (it said 'Het gesprek van 2026-11-20 staat al in de opslag.')
    assert str(err.value).startswith("Het gesprek van 20 november 2026 (Buurthuis De Boomgaard) staat al in de "
                                     "opslag") and str(err.value).endswith("open de wijkagenda die er al is.")
    assert store.counts()["wijkagenda_agendas"] == 0


def test_export_then_import_gives_the_same_documents(tmp_path, agenda_doc):
    conv = model.conversation(conversation_doc())
    raw = exchange.export_bundle(agenda_doc, [conv, model.conversation(conversation_doc(id="other"))])
    assert [c["id"] for c in json.loads(raw)["conversations"]] == ["c1"]   # only the agenda's conversations
    bundle = exchange.read_bundle(raw, "agenda.json")
    store = AgendaStore(tmp_path / "store.duckdb")
    store.import_bundle(bundle.agenda, bundle.conversations)
    assert store.agenda("ag1")[0] == agenda_doc
    assert store.conversation("c1")[0] == conv


def test_export_drops_a_link_to_a_note_that_was_corrected_away(agenda_doc):
    conv = model.conversation(conversation_doc())
    conv["notes"] = conv["notes"][1:]                 # note n1 was removed in a correction; the agenda still names it
    bundle = exchange.read_bundle(exchange.export_bundle(agenda_doc, [conv]), "agenda.json")
    assert bundle.ok, bundle.problems
    assert bundle.agenda["priorities"][0]["why"] == []


def test_the_printed_agenda_claims_cc_by_only_for_sources_that_have_it(agenda_doc, build_dir, release_path):
    """A followed opkomst figure (Kiesraad counts, not CC BY 4.0) names its own terms in the footer."""
    with duckdb.connect(str(release_path), read_only=True) as con:   # source: mart_sources of the release
        attribution, licence = con.execute(
            "select attribution, licence from mart_sources where table_id = 'kiesraad_ps2023'").fetchone()
    assert not licence.startswith("CC BY")
    doc = copy.deepcopy(agenda_doc)
    doc["priorities"][0]["indicators"].append(data.freeze("GM0363", "opkomst_ps", TODAY, build_dir))
    footer = render_html.render_agenda(doc, [], {}, today=TODAY).html.split('<footer class="srcs">')[1]
    assert "Bron: CBS — CC BY 4.0" in footer
    assert f"{attribution} — geen CC BY-licentie ({licence})" in footer.replace("&#x27;", "'")
    assert f"{attribution} — CC BY 4.0" not in footer and f"{attribution}; " not in footer


def test_a_rounded_0_baseline_reads_its_range_on_page_print_and_follow_up(build_dir, release_path):
    """A followed rate whose count CBS rounded to 0 (catalogue rounding > 0) means 0 to 4: the frozen baseline
    carries the rounding, and the follow-up, the print and the agenda page say '0 tot 15 per 1 000 inwoners (... het
    getelde aantal is 0 tot 4)', never '0'."""
    from dashboard.core.format import value_text
    from dashboard.wijkagenda import view_agenda
    with duckdb.connect(str(release_path), read_only=True) as con:   # source: mart_profile and mart_catalogue
        code, rounding, upper, unit = con.execute("""
            select p.region_code, c.rounding, p.round_upper, p.unit from mart_profile p join mart_catalogue c
              using (indicator_id)
            where p.indicator_id = 'bijstand_per_1000' and c.rounding > 0 and p.value = 0 and p.is_default_group
              and p.region_code like 'BU%' order by p.region_code limit 1""").fetchone()
    base = data.freeze(code, "bijstand_per_1000", TODAY, build_dir)
    assert base["rounding"] == rounding
    expected = value_text({"value": 0.0, "rounding": rounding, "round_lower": 0.0, "round_upper": upper, "unit": unit})
    assert expected.startswith("0 tot ") and "het getelde aantal is 0 tot 4" in expected
    followed = follow.follow_up(base, data.latest(base, build_dir))
    assert followed.baseline_text.startswith(expected) and followed.latest_text.startswith(expected)
    assert view_agenda._value(base) == expected
    doc = model.agenda({"id": "ag0", "title": "Rond nul", "region": code, "region_name": "Buurt",
                        "created": TODAY.isoformat(), "conversations": [],
                        "priorities": [{"id": "p1", "title": "Werk", "indicators": [base]}]})
    html = render_html.render_agenda(doc, [], {("p1", "bijstand_per_1000"): followed}, today=TODAY).html
    assert f"<b>{expected}</b>" in html and "<b>0 per 1 000 inwoners</b>" not in html


def test_a_followed_buurt_count_reads_as_rounded_on_page_print_and_follow_up(build_dir, release_path):
    """CBS rounds a buurt's inwoners to 5, so the profile reads 'ongeveer 5 (3 tot 7)' (core.counts). A followed
    inwoners figure read a false exact '5' on the agenda, in Volgen and in the print; it reads as the profile does.
    A gemeente's count is exact and stays a plain number."""
    from dashboard.core.counts import count_text
    from dashboard.wijkagenda import view_agenda
    with duckdb.connect(str(release_path), read_only=True) as con:   # a buurt of 5 inwoners in 2023, 10 in 2024
        code, old, new = con.execute("""
            select a.region_code, a.value, b.value from mart_indicator_series a
              join mart_indicator_series b using (region_code, indicator_id, age_group, series)
            where a.indicator_id = 'inwoners' and a.is_default_group and a.region_code like 'BU%'
              and a.period = '2023' and b.period = '2024' and a.value = 5 and b.value = 10
            order by a.region_code limit 1""").fetchone()
    base = data.freeze(code, "inwoners", TODAY, build_dir)
    base.update(period="2023", value=old, table_id="85618NED")
    shown_old, shown_new = count_text(old, "inwoners", "buurt"), count_text(new, "inwoners", "buurt")
    assert shown_old == "ongeveer 5 (3 tot 7)" and shown_new.startswith("ongeveer 10")
    assert view_agenda._value(base) == shown_old
    followed = follow.follow_up(base, data.latest(base, build_dir))
    assert followed.baseline_text == f"{shown_old} (2023)" and followed.latest_text == f"{shown_new} (2024)"
    assert f"van {shown_old} (2023) naar {shown_new} (2024)" in followed.sentence
    doc = model.agenda({"id": "ag5", "title": "Klein", "region": code, "region_name": "Buurt",
                        "created": TODAY.isoformat(), "conversations": [],
                        "priorities": [{"id": "p1", "title": "Wonen", "indicators": [base]}]})
    html = render_html.render_agenda(doc, [], {("p1", "inwoners"): followed}, today=TODAY).html
    assert f"<b>{shown_old}</b> (2023)" in html and "<b>5</b>" not in html
    gemeente = data.freeze("GM0363", "inwoners", TODAY, build_dir)
    assert view_agenda._value(gemeente) == count_text(gemeente["value"], "inwoners", "gemeente")
    assert "ongeveer" not in view_agenda._value(gemeente)


def test_a_note_is_kept_as_typed_apart_from_its_list_marker():
    """Every line lost its leading and trailing '*', '-' and '•' ('**vet**' became 'vet**', '-10% zwerfvuil'
    '10% zwerfvuil'); only a list marker a person types before a line ('- ', '* ', '•') is dropped."""
    from dashboard.wijkagenda import forms
    typed = "- Mooi park\n**Veel** groen\n-10% zwerfvuil\n• Speeltuin\n* Bankjes\n   \nSport -"
    assert forms.lines(typed) == ["Mooi park", "**Veel** groen", "-10% zwerfvuil", "Speeltuin", "Bankjes", "Sport -"]


def test_dot_votes_above_the_bound_get_the_bound():
    """'Rondkomen: 9999999' said "schrijf het als 'thema: aantal stippen'", which it was; it names the bound."""
    from dashboard.wijkagenda import forms
    values = {"date": TODAY, "regions": [BUURT], "organiser": "Buurthuis", "participants": 5,
              "themes": "Rondkomen: 9999999\nBewegen: 14"}
    with pytest.raises(model.ValidationError) as err:
        forms.conversation(values, ["Vraag"], {})
    assert err.value.problems == ["thema 1, stippen: hoort tussen 0 en 100.000 te liggen"]


def test_a_count_of_one_has_its_noun_in_the_singular(agenda_doc):
    """The print said '1 prioriteiten' and '1 deelnemers', Volgen 'Voor geen van de 1 gevolgde cijfers'."""
    conversation = model.conversation(conversation_doc(participants=1))
    html = render_html.render_agenda(agenda_doc, [conversation], {}, today=TODAY).html
    assert "· 1 prioriteit</p>" in html and "Buurthuis De Boomgaard, 1 deelnemer</li>" in html
    assert "1 prioriteiten" not in html and "1 deelnemers" not in html
    many = render_html.render_agenda({**agenda_doc, "priorities": agenda_doc["priorities"] * 2}, [
        model.conversation(conversation_doc(participants=1200))], {}, today=TODAY).html
    assert "· 2 prioriteiten</p>" in many and "1.200 deelnemers</li>" in many
    base = agenda_doc["priorities"][0]["indicators"][0]
    assert follow.summary([follow.follow_up(base, base)]) == \
        "Voor het gevolgde cijfer is er nog geen nieuwer cijfer dan het beginpunt."


def test_one_review_left_out_of_the_print_is_named_in_the_singular(agenda_doc):
    """'En 1 eerdere terugblikken in de app.' under a priority whose older reviews do not fit the print."""
    priority = {**agenda_doc["priorities"][0], "reviews": [
        {"id": "r1", "date": "2026-12-15", "done": "Gesprek met de praktijk", "learned": None},
        {"id": "r2", "date": "2027-01-15", "done": "Vervoer geregeld", "learned": None}]}
    assert "En 1 eerdere terugblik in de app." in render_html._reviews(priority, 1)
    assert "En 2 eerdere terugblikken in de app." in render_html._reviews(priority, 0)


def test_a_baseline_of_a_code_that_now_names_another_area_is_not_compared(build_dir, release_path):
    """An agenda made on a release with the 2023 division follows a buurt whose code names another area in 2024
    (the release's own check refused it: mart_division_identity). The follow-up said 'van 445 (2023) naar 220
    (2024), lager' with only 'zijn de grenzen veranderd, dan …'; it says the two may be different areas and does not
    compare them ('mogelijk': 'geen bewijs' is not proof of another area either). A code the check accepted says
    so instead of the conditional warning."""
    with duckdb.connect(str(release_path), read_only=True) as con:
        code, then, reason = con.execute("""
            select region_code, population_then, reason from mart_division_identity
            where boundary_year = 2023 and level = 'buurt' and not accepted and population_then > 0
              and population_now > 0 order by region_code limit 1""").fetchone()
        kept = con.execute("""
            select i.region_code from mart_division_identity i join mart_indicator_series s
              on s.region_code = i.region_code and s.indicator_id = 'inwoners' and s.period = '2023'
            where i.boundary_year = 2023 and i.level = 'buurt' and i.accepted and s.value > 100
            order by i.region_code limit 1""").fetchone()[0]
    base = data.freeze(code, "inwoners", TODAY, build_dir)          # the 2024 row, then as the old release froze it
    base.update(period="2023", boundary_year=2023, table_id="85618NED", value=then)
    result = follow.follow_up(base, data.latest(base, build_dir))
    assert result.status == follow.OTHER_AREA and result.moved
    assert "niet zeker dat het beginpunt (2023, indeling 2023) over hetzelfde gebied gaat" in result.sentence
    assert reason in result.sentence
    assert "lager" not in result.sentence and "hoger" not in result.sentence
    same = data.freeze(kept, "inwoners", TODAY, build_dir)
    with duckdb.connect(str(release_path), read_only=True) as con:
        old = con.execute("select value from mart_indicator_series where region_code = ? and indicator_id = "
                          "'inwoners' and period = '2023'", [kept]).fetchone()[0]
    same.update(period="2023", boundary_year=2023, table_id="85618NED", value=old)
    checked = follow.follow_up(same, data.latest(same, build_dir))
    assert checked.status != follow.OTHER_AREA
    assert any("nog hetzelfde gebied" in n for n in checked.notes), checked.notes
    assert not any("Zijn de grenzen veranderd" in n for n in checked.notes)


def test_a_newer_period_without_a_figure_is_not_called_a_newer_figure(build_dir):
    """Tafelberger Heide (5 inwoners) has no 2024 inwoners: Volgen said, in a green box, '1 van de 1 gevolgde
    cijfers heeft een nieuwer cijfer dan het beginpunt: Inwoners.' It says there is a newer period without a
    figure for this place."""
    base = data.freeze("BU04060328", "inwoners", TODAY, build_dir)
    assert base["period"] == "2023"                               # the newest figure the release has for it
    result = follow.follow_up(base, data.latest(base, build_dir))
    assert result.status == follow.NOT_PUBLISHED
    assert follow.summary([result]) == ("Voor het gevolgde cijfer is er nog geen nieuwer cijfer dan het beginpunt. "
                                        "Voor Inwoners is er een nieuwere periode, maar zonder cijfer voor deze plek.")


def test_an_amount_typed_the_dutch_way_is_read_as_meant():
    from dashboard.wijkagenda.checks import read_amount
    assert [read_amount(t) for t in ("1234,56", "1.234,56", "1.250", "€ 1.000.000", "€ 50,-", "12.50", "1 250,00",
                                     "0,5")] == [1234.56, 1234.56, 1250.0, 1_000_000.0, 50.0, 12.5, 1250.0, 0.5]
    assert read_amount("1,234") == 1.234          # a decimal comma: refused later for its three decimals
    assert [read_amount(t) for t in ("", "twaalf", "1.2.3", "1,2,3", "12.5.0", "9" * 40, None)] == [None] * 7


def test_the_print_names_its_place_with_the_code(build_dir):
    """Two buurten of Waterland are both 'De Purmer (gedeeltelijk)' (BU08520010, BU08520401): the printed agenda
    said only the name, so a paper copy did not say which one its figures describe."""
    doc = model.empty_agenda("BU08520401", "De Purmer (gedeeltelijk)", "Agenda De Purmer", TODAY)
    html = render_html.render_agenda(doc, [], {}, today=TODAY).html
    assert '<p class="meta">De Purmer (gedeeltelijk) (BU08520401) · gemaakt' in html


def test_a_wijk_agenda_says_what_the_wijk_already_has():
    """A wijk's agenda said 'Wat de buurt al heeft' above every priority, in the app and in print."""
    doc = model.empty_agenda("WK170907", "Wijk 07 Fijnaart", "Agenda Fijnaart", TODAY)
    doc["priorities"] = [model.agenda({**doc, "priorities": [{"id": "p1", "title": "Samen bewegen"}]})["priorities"][0]]
    html = render_html.render_agenda(doc, [], {}, today=TODAY).html
    assert "<h3>Wat de wijk al heeft</h3>" in html and "Wat de buurt" not in html


def test_an_organisation_in_capitals_is_not_a_person_with_a_title():
    """'MS Vereniging Purmerend' was refused as 'een naam met aanhef' ('Ms'), with 'Noem organisaties, geen
    personen' beside the organisation it named; so were 'HR afdeling' and 'MRS Groep'."""
    from dashboard.wijkagenda.checks import Check

    def refused(text: str) -> bool:
        check = Check()
        check.text(text, "organisatie")
        return any("aanhef" in p for p in check.problems)
    assert not any(refused(t) for t in ("MS Vereniging Purmerend", "HR Afdeling gemeente", "MRS Groep", "MR Bouw"))
    assert all(refused(t) for t in ("dhr. Jansen", "Dhr Jansen", "mevrouw De Vries", "Mw. Bakker", "de heer Visser",
                                    "De heer Visser", "Ms Smith", "Mr. Jansen", "DHR. JANSEN", "MEVR. DE VRIES"))



def test_direction_controls_are_dropped_so_a_text_cannot_turn_the_rest_of_its_line_around():
    """An organiser ending in U+202E (right-to-left override) turned the rest of the conversation's title around on
    the page: '23 deelnemers' read as 'srednemleed 32', a theme's '(14)' as '(41)'. The controls are invisible;
    right-to-left text itself stays as typed (the browser orders it without them)."""
    doc = model.conversation(conversation_doc(
        organiser="Buurthuis \u202eDe Boomgaard", themes=[{"id": "t1", "title": "مركز الحي\u2067 sport\u202c",
                                                           "votes": 14}]))
    assert doc["organiser"] == "Buurthuis De Boomgaard"
    assert doc["themes"][0]["title"] == "مركز الحي sport"
    assert model.conversation(conversation_doc(organiser="מרכז שכונתי \u200fBoomgaard"))["organiser"] == \
        "מרכז שכונתי \u200fBoomgaard"                                      # a mark (RLM) turns nothing around
