"""Personal data in free text, and one set of field rules for every way data enters (form, upload, edit).

Each bad value below is tried through the form (view.form_asset), an upload (parse_upload of a real CSV) and an
edit (AssetStore.update on a real DuckDB store), and must be refused by all three with the same Dutch message.
The adversarial-length tests give inputs of up to 200,000 characters that a backtracking pattern takes minutes
or hours on; they must finish within seconds.
"""
from __future__ import annotations

import time

import pytest

from dashboard.bewoners import AssetStore, AssetValidationError, BuurtCodes, build_asset, parse_upload
from dashboard.bewoners.validation import contains_personal_data
from dashboard.bewoners.privacy import find_personal_data
from dashboard.bewoners.form_values import form_asset

BUURT = "BU0363AD05"   # a real buurt code of the 2024 release (tests/test_bewoners_store.py uses it too)
KNOWN = BuurtCodes({BUURT})

EMAILS = [
    "jan@voorbeeld.nl", "Jan.de.Vries+buurt@voorbeeld.co.uk", "mail: jan@voorbeeld.nl.", "jan @ voorbeeld.nl",
    "jan@ voorbeeld.nl", "jan [at] voorbeeld [dot] nl", "jan[at]voorbeeld.nl", "jan(at)voorbeeld.nl",
    "jan (at) voorbeeld (punt) nl", "jan{at}voorbeeld.nl", "jan<at>voorbeeld.nl", "jan [ at ] voorbeeld.nl",
    "jan at voorbeeld dot nl", "jan at voorbeeld.nl", "jan [apenstaartje] voorbeeld.nl", "JAN[AT]VOORBEELD[DOT]NL",
    "ｊａｎ＠ｖｏｏｒｂｅｅｌｄ．ｎｌ", "jan＠voorbeeld.nl", "jan@voorbeeld．nl", "info@buurthuis-de-boog.amsterdam",
    "stuur een mail naar secretariaat@vereniging.org voor info",
    # a space before the dot too (these passed): "jan @ voorbeeld . nl"
    "jan @ voorbeeld . nl", "info@buurthuis . nl", "mail jan @ gmail .com",
]
PHONES = [
    "06-12345678", "06 12345678", "0612345678", "06 1234 5678", "06.12.34.56.78", "06/12345678", "020/6241111",
    "020-6241111", "020 624 1111", "(020) 624 11 11", "tel. 020 - 624 11 11", "06–12345678", "06—12345678",
    "06‐12345678", "06−12345678", "+31 6 12345678", "+31612345678", "+31 (0)6 12345678", "0031 6 12345678",
    "0031 20 624 1111", "+32 2 555 12 12", "+49 30 1234567", "+44 20 7946 0958", "bel ons: 010 - 123 45 67",
    "０６－１２３４５６７８", "whatsapp +31 6 1234 5678",
]
WEBSITES = ["https://voorbeeld.nl/?mail=jan%40voorbeeld.nl", "https://voorbeeld.nl/contact/jan@voorbeeld.nl",
            "https://wa.me/31612345678?text=+31%206%2012345678", "https://voorbeeld.nl/bel/06-12345678"]
HARMLESS = [
    "Koffie at home", "Open 09.00-17.00, sinds 2010 2011 2012, 1012 AB", "Repair Café elke 2e zaterdag 10:00-13:00",
    "BU03630000", "Opgericht in 1998, 250 leden", "Open 2024-05-01 tot 2024-06-01", "Kosten: € 2,50 per keer",
    "Wandelroute van 12,5 km", "Het punt is dat iedereen welkom is", "Bouwjaar 1923; 45 woningen",
    "Twitter: @buurthuis", "Speeltuin @ Dapperpark", "Vergadering @ buurthuis. Daarna koffie", "We zijn @ home . Kom", "Postcode 1093 AB", "KvK 12345678", "IBAN is niet nodig",
]


@pytest.mark.parametrize("text", EMAILS)
def test_email_variants_are_found(text):
    assert find_personal_data(text) == "een e-mailadres"


@pytest.mark.parametrize("text", PHONES)
def test_phone_variants_are_found(text):
    assert find_personal_data(text) == "een telefoonnummer"


@pytest.mark.parametrize("url", WEBSITES)
def test_personal_data_in_a_website_is_found(url):
    assert find_personal_data(url, url=True) is not None


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_passes(text):
    assert contains_personal_data(text) is None


ADVERSARIAL = [
    "1" * 200_000, "a" * 200_000 + "@", "@" * 200_000, "a@" * 100_000, " at " * 50_000, "0" * 200_000,
    "+31 " * 50_000, "[at]" * 50_000, "a." * 100_000 + "@", "-" * 200_000, "06-" * 66_000, "a@b." * 50_000,
    "jan at " * 30_000, "(at)" * 50_000, "x@" + "a." * 100_000, "0 " * 100_000, "06 1234567 " * 18_000,
    "＠" * 100_000, "ａ" * 200_000, "9." * 100_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=[f"{t[:8]!r}x{len(t)}" for t in ADVERSARIAL])
def test_adversarial_lengths_take_linear_time(text):
    """200,000 characters: a quadratic pattern needs ~10^10 steps (hours); linear code needs well under 2 s."""
    started = time.process_time()
    find_personal_data(text)
    find_personal_data(text, url=True)
    assert time.process_time() - started < 4.0


def test_the_long_digit_upload_that_took_18_seconds(parse_real):
    """5,000 rows with a 990-digit description (4.9 MB): the case that took 18 s with the old e-mail pattern."""
    body = "\n".join(f"Item {i};plekken;{BUURT};;;{'7' * 990};;" for i in range(5_000))
    raw = ("naam;categorie;buurtcode;lon;lat;omschrijving;website;datum\n" + body + "\n").encode()
    assert len(raw) > 4_900_000
    started = time.process_time()
    result = parse_real(raw)
    assert time.process_time() - started < 15.0
    assert len(result.assets) == 5_000 and not result.errors


@pytest.fixture()
def parse_real():
    return lambda raw: parse_upload(raw, "lang.csv", known_buurt_codes=KNOWN, locator=None)


# ----------------------------------------------------------------------------------------------- one set of rules
BAD_FIELDS = [
    *[("description", text) for text in EMAILS[:8] + PHONES[:8]],
    *[("name", text) for text in ("Jan jan@voorbeeld.nl", "Bel 06-12345678", "Piet [at] voorbeeld.nl",
                                  "x" * 201, "   ", "Naam\x07met bel", "Naam\x00nul")],
    *[("website", text) for text in (*WEBSITES, "javascript:alert(1)", "www.voorbeeld.nl", "ftp://voorbeeld.nl",
                                     "https://", "https://voorbeeld", "http://a b.nl", "https://" + "a" * 1000 + ".nl",
                                     "data:text/html,<script>alert(1)</script>")],
    *[("description", text) for text in ("x" * 1001, "tekst\x1bmet escape")],
    *[("date", text) for text in ("31-12-2024", "2024-13-01", "2024-02-30", "gisteren", "2024/05/01", "99999-01-01")],
    *[("category", text) for text in ("sport", "", "plekken; drop table assets", "<b>plekken</b>")],
]


def _message(problems: list[str], field: str) -> str:
    label = {"name": "naam", "description": "omschrijving", "website": "website", "date": "datum",
             "category": "categorie"}[field]
    [problem] = [p for p in problems if p.startswith(label)]
    return problem


@pytest.mark.parametrize("field,value", BAD_FIELDS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_FIELDS)])
def test_form_upload_and_edit_refuse_the_same_value_with_the_same_message(tmp_path, field, value):
    good = {"name": "Buurthuis", "category": "plekken", "description": None, "website": None, "date": None}
    with pytest.raises(AssetValidationError) as form:
        form_asset({**good, field: value}, BUURT, known_buurt_codes=KNOWN, locator=None)

    cells = {**good, field: value}
    quoted = {k: '"' + str(v).replace('"', '""') + '"' if v is not None else "" for k, v in cells.items()}
    csv_text = ("naam;categorie;buurtcode;omschrijving;website;datum\n"
                f"{quoted['name']};{quoted['category']};{BUURT};{quoted['description']};{quoted['website']};"
                f"{quoted['date']}\n")
    upload = parse_upload(csv_text.encode("utf-8"), "kaart.csv", known_buurt_codes=KNOWN, locator=None)

    store = AssetStore(tmp_path / "user.duckdb", known_buurt_codes=KNOWN)
    asset = build_asset({"name": "Buurthuis", "category": "plekken", "buurt_code": BUURT}, known_buurt_codes=KNOWN,
                        locator=None)
    store.add([asset])
    with pytest.raises(AssetValidationError) as edit:
        store.update(asset.id, **{field: value})

    expected = _message(form.value.problems, field)
    if (field == "name" and not value.strip()) or "\x00" in value:
        assert not upload.assets and (upload.fatal or upload.errors)   # a blank name; a NUL refuses the file
    else:
        assert not upload.assets and [e.reason for e in upload.errors] == [expected]
    assert _message(edit.value.problems, field) == expected
    assert store.list() == [asset]                 # the refused edit changed nothing
    store.close()
