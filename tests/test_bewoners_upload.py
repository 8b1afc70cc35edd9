"""parse_upload: real files (the template, cp1252, BOM, GeoJSON) and the real 2024 buurt shapes. Random files:
test_bewoners_upload_properties.py."""
from __future__ import annotations

import json

import pytest

from dashboard.bewoners import TEMPLATE_CSV, parse_upload
from dashboard.bewoners.model import ASSIGNED_BY_COORDINATES

HEADER = "naam;categorie;buurtcode;lon;lat;omschrijving;website;datum"


@pytest.fixture()
def parse(locator, known):
    def run(content: str | bytes, filename: str = "kaart.csv"):
        raw = content.encode("utf-8") if isinstance(content, str) else content
        return parse_upload(raw, filename, known_buurt_codes=known, locator=locator)
    return run


def rows(*lines: str) -> str:
    return "\n".join((HEADER, *lines)) + "\n"


def only_error(result) -> str:
    assert result.fatal is None and not result.assets
    assert len(result.errors) == 1, [e.message for e in result.errors]
    return result.errors[0].message


def test_template_parses_without_errors(parse):
    result = parse(TEMPLATE_CSV.read_bytes(), "template.csv")
    assert (result.fatal, result.errors, result.ignored_columns) == (None, [], [])
    assert [a.category for a in result.assets] == ["plekken", "verenigingen", "economie"]
    assert result.assets[1].name == "Repair Café Dapperbuurt"
    market = result.assets[2]
    assert market.buurt_code.startswith("BU0014") and market.location_approximate
    assert market.buurt_assigned_by == ASSIGNED_BY_COORDINATES
    assert {a.source for a in result.assets} == {"upload:template.csv"}


def test_category_key_or_label_in_any_case(parse):
    result = parse(rows("A;PLEKKEN;BU0363AD05;;;;;", "B;fysieke plekken;BU0363AD05;;;;;",
                        "C;  Cultuur en Verhalen ;BU0363AD05;;;;;"))
    assert [a.category for a in result.assets] == ["plekken", "plekken", "cultuur"]


def test_unknown_category(parse):
    assert only_error(parse(rows("A;sport;BU0363AD05;;;;;"))) == (
        "rij 2: categorie 'sport' bestaat niet; kies uit bewoners, verenigingen, instellingen, plekken, "
        "economie, cultuur")


def test_row_numbers_count_blank_rows_like_a_spreadsheet(parse):
    result = parse(rows("A;plekken;BU0363AD05;;;;;", "", "B;sport;BU0363AD05;;;;;"))
    assert [e.message[:6] for e in result.errors] == ["rij 4:"]


def test_valid_rows_are_kept_and_invalid_rows_reported(parse):
    result = parse(rows("Goed;plekken;BU0363AD05;;;;;", ";plekken;BU0363AD05;;;;;",
                        "Ook goed;economie;bu0363ad05;;;;;"))
    assert [a.name for a in result.assets] == ["Goed", "Ook goed"]
    assert result.assets[1].buurt_code == "BU0363AD05"
    assert [e.message for e in result.errors] == ["rij 3: naam ontbreekt"]


@pytest.mark.parametrize("code, expected", [
    ("BU0363", "buurtcode 'BU0363' klopt niet; een buurtcode is BU met 8 tekens"),
    ("GM0363", "buurtcode 'GM0363' klopt niet"),
    ("BU0363AD0X", "buurtcode 'BU0363AD0X' bestaat niet; bedoelt u BU0363AD01"),
    ("BU99990000", "buurtcode 'BU99990000' bestaat niet; gemeente GM9999 heeft geen buurten"),
])
def test_buurt_code_must_exist(parse, code, expected):
    assert only_error(parse(rows(f"A;plekken;{code};;;;;"))).startswith(f"rij 2: {expected}")


def test_buurt_code_or_coordinates_required(parse):
    assert "buurtcode of coördinaten ontbreken" in only_error(parse(rows("A;plekken;;;;;;")))


def test_explicit_buurt_code_wins_over_coordinates(parse):
    asset = parse(rows("A;plekken;BU03440611;4.8924;52.3731;;;")).assets[0]
    assert (asset.buurt_code, asset.location_approximate, asset.lon) == ("BU03440611", False, 4.8924)


@pytest.mark.parametrize("lon, lat, hint", [
    ("12.49", "41.89", "liggen buiten Nederland; gebruik graden (WGS84)"),
    ("52.37", "4.89", "lon en lat lijken omgewisseld"),
    ("121000", "487000", "dit lijken RD-coördinaten"),
    ("-4.89", "52.37", "liggen buiten Nederland"),
])
def test_coordinates_outside_the_netherlands(parse, lon, lat, hint):
    assert hint in only_error(parse(rows(f"A;plekken;;{lon};{lat};;;")))


def test_coordinates_at_sea_lie_in_no_buurt(parse):
    assert "liggen niet in een bekende buurt" in only_error(parse(rows("A;plekken;;4.0;53.0;;;")))


@pytest.mark.parametrize("lon, lat, message", [
    ("4.89", "", "lon en lat horen bij elkaar"), ("vier", "52.37", "lon 'vier' is geen getal"),
    ("nan", "52.37", "lon 'nan' is geen getal"), ("1_000", "52.37", "is geen getal"),
])
def test_bad_coordinates(parse, lon, lat, message):
    assert message in only_error(parse(rows(f"A;plekken;;{lon};{lat};;;")))


def test_decimal_comma_coordinates_from_a_dutch_spreadsheet(parse):
    asset = parse(rows('A;plekken;;"4,8924";"52,3731";;;')).assets[0]
    assert (asset.lon, asset.lat) == (4.8924, 52.3731) and asset.buurt_code.startswith("BU0363")


@pytest.mark.parametrize("website", ["ftp://buurt.nl", "javascript:alert(1)", "www.buurt.nl", "https://", "http://[x"])
def test_website_must_be_http_or_https(parse, website):
    assert "website" in only_error(parse(rows(f"A;plekken;BU0363AD05;;;;{website};")))


def test_website_and_date_accepted(parse):
    asset = parse(rows("A;plekken;BU0363AD05;;;;HTTP://Buurt.nl/pad?x=1;2024-02-29")).assets[0]
    assert (asset.website, asset.date.isoformat()) == ("HTTP://Buurt.nl/pad?x=1", "2024-02-29")


@pytest.mark.parametrize("value", ["01-05-2024", "2023-02-29", "20240501", "2024-05-01 00:00:00", "mei 2024"])
def test_date_must_be_iso(parse, value):
    assert "schrijf de datum als jjjj-mm-dd" in only_error(parse(rows(f"A;plekken;BU0363AD05;;;;;{value}")))


@pytest.mark.parametrize("value, ok", [("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True),
                                       ("2101-01-01", False), ("0001-01-01", False), ("9999-12-31", False)])
def test_date_years_are_bounded_in_dutch(parse, value, ok):
    """The same years as the form's date boxes say in their help (validation.FIRST_YEAR..LAST_YEAR)."""
    result = parse(rows(f"A;plekken;BU0363AD05;;;;;{value}"))
    if ok:
        assert result.assets[0].date.isoformat() == value and not result.errors
    else:
        assert f"datum '{value}' ligt buiten de jaren 1900 tot en met 2100" in only_error(result)


def test_field_lengths(parse):
    ok = parse(rows(f"{'n' * 200};plekken;BU0363AD05;;;{'o' * 1000};;"))
    assert len(ok.assets) == 1 and not ok.errors
    too_long = parse(rows(f"{'n' * 201};plekken;BU0363AD05;;;;;"))
    assert "naam is te lang (201 tekens, maximaal 200)" in only_error(too_long)
    assert "omschrijving is te lang (1001 tekens" in only_error(parse(rows(f"A;plekken;BU0363AD05;;;{'o' * 1001};;")))


def test_a_huge_field_is_a_row_error_not_a_crash(parse):
    result = parse(rows(f"A;plekken;BU0363AD05;;;{'x' * 300_000};;", "B;plekken;BU0363AD05;;;;;"))
    assert [a.name for a in result.assets] == ["B"]
    assert "omschrijving is te lang (300000 tekens" in result.errors[0].message


@pytest.mark.parametrize("description, kind", [
    ("Mail naar jan.jansen@example.nl", "een e-mailadres"), ("Bel 06-12345678", "een telefoonnummer"),
    ("Bel +31 6 1234 5678", "een telefoonnummer"), ("Tel. 020 - 624 1111", "een telefoonnummer"),
])
def test_personal_data_in_free_text_is_a_row_error(parse, description, kind):
    assert f"omschrijving bevat {kind}; Buurtbalans slaat geen persoonsgegevens op" in only_error(
        parse(rows(f"A;plekken;BU0363AD05;;;{description};;")))


def test_numbers_that_are_not_phone_numbers_pass(parse):
    result = parse(rows("A;plekken;BU0363AD05;;;Open 09.00-17.00, sinds 2010 2011 2012, 1012 AB;;"))
    assert not result.errors


def test_control_characters_are_refused(parse):
    assert "naam bevat onzichtbare stuurtekens" in only_error(parse(rows("A\x07B;plekken;BU0363AD05;;;;;")))


def test_formula_cells_survive_as_text(parse):
    names = ['=HYPERLINK("http://x")', "+ meer groen", "-min-", "@buurt", "=1+1"]
    result = parse(rows(*(f'"{n.replace(chr(34), chr(34) * 2)}";plekken;BU0363AD05;;;;;' for n in names)))
    assert [a.name for a in result.assets] == names


def test_escaped_formula_cells_come_back_unescaped(parse):
    assert parse(rows("'=1+1;plekken;BU0363AD05;;;'-koud;;")).assets[0].name == "=1+1"
    assert parse(rows("'quote;plekken;BU0363AD05;;;;;")).assets[0].name == "'quote"


def test_html_in_names_is_kept_verbatim(parse):
    name = '<script>alert("x")</script><b>Buurt</b>'
    result = parse(rows(f'"{name.replace(chr(34), chr(34) * 2)}";plekken;BU0363AD05;;;<img src=x onerror=y>;;'))
    assert (result.assets[0].name, result.assets[0].description) == (name, "<img src=x onerror=y>")


def test_cp1252_file_with_cafe(parse):
    raw = rows("Café De Hoek;economie;BU0363AD05;;;Koffie ‘s ochtends – €2;;").encode("cp1252")
    result = parse(raw)
    assert result.encoding == "cp1252"
    assert (result.assets[0].name, result.assets[0].description) == ("Café De Hoek", "Koffie ‘s ochtends – €2")


def test_cp1252_behind_a_utf8_bom(parse):
    raw = b"\xef\xbb\xbf" + rows("Café;economie;BU0363AD05;;;;;").encode("cp1252")
    result = parse(raw)
    assert result.encoding == "cp1252" and result.assets[0].name == "Café"


def test_utf8_with_bom(parse):
    result = parse(rows("Café;economie;BU0363AD05;;;;;").encode("utf-8-sig"))
    assert result.encoding == "utf-8-sig" and result.assets[0].name == "Café"


@pytest.mark.parametrize("raw, message", [
    ("naam;categorie\n".encode("utf-16-le"), "UTF-16"),   # no byte-order mark: cannot be told from binary
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "dit is een Excel-, Word- of zip-bestand"),  # read, not named
    (bytes(range(1, 32)) * 10 + b"naam;categorie", "dit lijkt geen tekstbestand"),
    (b"naam;categorie\n\x81\x8d\x90", "kunnen niet worden gelezen"),
    (b"", "het bestand is leeg"), (b"  \n\n", "het bestand is leeg"),
])
def test_unreadable_files_are_fatal(parse, raw, message):
    result = parse(raw)
    assert message in result.fatal and not result.assets and not result.errors


@pytest.mark.parametrize("column", ["email", "E-mail", "mailadres", "Telefoon", "phone", "tel", "Mobiel nummer",
                                    "GSM", "bsn", "Geboortedatum", "adres", "Woonadres", "Achternaam"])
def test_personal_data_columns_are_refused(parse, column):
    result = parse(f"naam;categorie;buurtcode;{column}\nA;plekken;BU0363AD05;x\n")
    assert result.fatal == (f"kolom '{column}' lijkt persoonsgegevens te bevatten; Buurtbalans slaat geen "
                            "persoonsgegevens op. Haal de kolom weg en probeer opnieuw.")
    assert not result.assets


@pytest.mark.parametrize("column", ["hotel", "aantal", "website adres", "doelgroep", "opmerking"])
def test_harmless_extra_columns_are_ignored(parse, column):
    result = parse(f"naam;categorie;buurtcode;{column}\nA;plekken;BU0363AD05;x\n")
    assert result.fatal is None and result.ignored_columns == [column] and len(result.assets) == 1


@pytest.mark.parametrize("header, missing", [
    ("naam;buurtcode", "kolom categorie ontbreekt"), ("naam;categorie;lon", "kolom buurtcode (of lon en lat)"),
    ("omschrijving;website", "kolommen naam, categorie en buurtcode (of lon en lat) ontbreken"),
])
def test_missing_columns_are_fatal_with_the_expected_list(parse, header, missing):
    result = parse(f"{header}\nA;B\n")
    assert result.fatal.startswith(missing)
    assert "Verwachte kolommen: naam, categorie, buurtcode óf lon en lat" in result.fatal


def test_duplicate_column_is_fatal(parse):
    assert "staat er twee keer in" in parse("naam;categorie;buurtcode;Naam\nA;plekken;BU0363AD05;B\n").fatal


def test_comma_delimiter_english_headers_and_sep_line(parse):
    comma = parse('name,category,buurt_code,description\n"A, B",plekken,BU0363AD05,"x; y"\n')
    assert (comma.assets[0].name, comma.assets[0].description) == ("A, B", "x; y")
    sep = parse("sep=,\nnaam,categorie,buurtcode\nA,plekken,BU0363AD05\n")
    assert sep.assets[0].name == "A" and not sep.errors


def test_more_cells_than_columns_is_a_row_error(parse):
    message = only_error(parse("naam,categorie,buurtcode\nA, B,plekken,BU0363AD05\n"))
    assert message.startswith("rij 2: deze rij heeft meer waarden (4) dan er kolommen zijn (3)")


def test_header_only_is_fatal(parse):
    assert parse(HEADER + "\n").fatal == "het bestand bevat geen rijen met gegevens"


def test_unknown_file_type_is_fatal(parse):
    assert ".xlsx" in parse(TEMPLATE_CSV.read_bytes(), "kaart.xlsx").fatal


def test_six_megabyte_file_is_fatal(parse):
    line = "Buurthuis;plekken;BU0363AD05;;;" + "x" * 900 + ";;\n"
    raw = (HEADER + "\n" + line * (6 * 1024 * 1024 // len(line) + 1)).encode()
    assert len(raw) > 6 * 1024 * 1024
    assert parse(raw).fatal == "het bestand is te groot (6,1 MB); het mag maximaal 5 MB zijn"


def test_a_file_one_byte_over_the_bound_does_not_read_as_the_bound(parse):
    """5 MB + 1 byte was refused as 'te groot (5,0 MB); het mag maximaal 5 MB zijn': the size is rounded up."""
    raw = HEADER.encode() + b"\n" + b"x" * (5 * 1024 * 1024 - len(HEADER))
    assert len(raw) == 5 * 1024 * 1024 + 1
    assert parse(raw).fatal == "het bestand is te groot (5,1 MB); het mag maximaal 5 MB zijn"


def test_row_limit(parse):
    line = "A;plekken;BU0363AD05;;;;;"
    assert len(parse(rows(*[line] * 5000)).assets) == 5000
    assert parse(rows(*[line] * 5001)).fatal.startswith("het bestand heeft meer dan 5.000 rijen")


def feature(properties: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def test_geojson_points_and_buurt_only_features(parse):
    collection = {"type": "FeatureCollection", "features": [
        feature({"naam": "Dam", "categorie": "plekken"}, point(4.8924, 52.3731)),
        feature({"naam": "Koor", "categorie": "cultuur", "buurtcode": "BU03440611", "datum": "2024-01-01"}, None),
        feature({"naam": 12, "categorie": "economie", "Extra": [1]}, point(5.1213, 52.0907)),
    ]}
    result = parse(json.dumps(collection), "kaart.geojson")
    assert not result.errors and result.ignored_columns == ["Extra"]
    dam, koor, number = result.assets
    assert dam.buurt_code.startswith("BU0363") and dam.location_approximate
    assert (koor.buurt_code, koor.lon, koor.location_approximate) == ("BU03440611", None, False)
    assert number.name == "12"


def test_geojson_row_errors(parse):
    collection = {"type": "FeatureCollection", "features": [
        feature({"naam": "Vlak", "categorie": "plekken"}, {"type": "Polygon", "coordinates": []}),
        feature({"naam": "Rome", "categorie": "plekken"}, point(12.49, 41.89)),
        feature({"naam": "RD", "categorie": "plekken"}, point(121000, 487000)),
        feature({"naam": {"x": 1}, "categorie": "plekken"}, point(4.89, 52.37)),
        feature({"naam": "Tekst", "categorie": "plekken"}, {"type": "Point", "coordinates": ["4.9", "52.4"]}),
        "geen feature",
    ]}
    messages = [e.message for e in parse(json.dumps(collection), "kaart.geojson").errors]
    assert messages[0] == "object 1: alleen punten (Point) kunnen worden ingelezen, geen 'Polygon'"
    assert messages[1].startswith("object 2: de coördinaten (lon 12.49, lat 41.89) liggen buiten Nederland")
    assert "RD-coördinaten" in messages[2]
    assert messages[3] == "object 4: naam moet tekst zijn"
    assert messages[4].startswith("object 5: de coördinaten van dit punt kloppen niet")
    assert messages[5] == "object 6: dit is geen GeoJSON Feature"


def test_geojson_text_is_taken_as_is(parse):
    collection = {"type": "FeatureCollection", "features": [
        feature({"naam": "'=1+1", "categorie": "plekken"}, point(4.8924, 52.3731)),
        feature({"naam": "Ver weg", "categorie": "plekken"}, point(10**400, 52.0)),
    ]}
    result = parse(json.dumps(collection), "kaart.geojson")
    assert result.assets[0].name == "'=1+1"
    [too_big] = result.errors
    assert too_big.message.startswith("object 2: lon '1000") and too_big.message.endswith("…' is geen getal")


@pytest.mark.parametrize("text, message", [
    ("{niet json", "geen geldige GeoJSON (regel 1"), ("[1, 2]", "geen GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection"}', "geen GeoJSON FeatureCollection"), ("[" * 100_000, "geen geldige GeoJSON"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"e-mail": "x"}}]}',
     "kolom 'e-mail' lijkt persoonsgegevens te bevatten"),
])
def test_geojson_fatal(parse, text, message):
    assert message in parse(text, "kaart.geojson").fatal


def test_a_tab_separated_file_is_read(parse):
    """Excel's 'Tekst (tab is scheidingsteken)' separates with tabs: the file was read as one column and refused
    with 'kolommen categorie en buurtcode (of lon en lat) ontbreken', though they were there."""
    row = "\t".join(["Café ’t Hoekje", "economie", "BU0363AD05", "", "", "Koffie; taart, terras", "", "2024-05-01"])
    text = HEADER.replace(";", "\t") + "\n" + row + "\n"
    tab = parse(text)
    assert tab.fatal is None and tab.errors == []
    assert [(a.name, a.category, a.description) for a in tab.assets] == [
        ("Café ’t Hoekje", "economie", "Koffie; taart, terras")]
    assert parse("sep=\t\n" + text).assets[0].name == "Café ’t Hoekje"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_excel_unicode_text_is_read(parse, encoding):
    """Excel's 'Unicode-tekst' (.txt) is UTF-16 with a byte-order mark, tab-separated, CRLF. It was refused as
    'opgeslagen als UTF-16' with advice to save it again; it is now read like the same rows in UTF-8."""
    row = "\t".join(["Café ’t Hoekje 🌳", "economie", "BU0363AD05", "", "", "Koffie; taart", "", "2024-05-01"])
    text = HEADER.replace(";", "\t") + "\r\n" + row + "\r\n"
    bom = b"\xfe\xff" if encoding == "utf-16-be" else b""   # Python's 'utf-16' writes its own BOM
    unicode_text = parse(bom + text.encode(encoding), "kaart.txt")
    utf8 = parse(text.encode("utf-8"), "kaart.txt")
    assert unicode_text.fatal is None and unicode_text.errors == [] and unicode_text.encoding == "utf-16"
    assert [(a.name, a.description) for a in unicode_text.assets] == [(a.name, a.description) for a in utf8.assets]
    assert unicode_text.assets[0].name == "Café ’t Hoekje 🌳"
    broken = (bom + text.encode(encoding))[:-1]   # an odd byte count: a cut-off file
    assert "kunnen niet worden gelezen" in parse(broken, "kaart.txt").fatal
