"""Hypothesis strategies for files a user might upload to the Bewonerskaart (CSV and GeoJSON), shared by the
upload and store tests: known and nasty cell values, odd headers, encodings, and arbitrary JSON."""
from __future__ import annotations

import csv
import io

from hypothesis import strategies as st

COLUMNS = ["naam", "categorie", "buurtcode", "lon", "lat", "omschrijving", "website", "datum"]
ODD_COLUMNS = ["Naam", "CATEGORY", "Buurt code", "opmerking", "email", "Telefoon", "", "<b>kolom</b>", "=cmd()"]
NASTY = ["=SUM(A1:A9)", "+31 zes", "-2+3", "@cmd", "\t=1", "'=1", "<script>alert(1)</script>", "<img src=x onerror=y>",
         "&amp;", "\"quoted\"", "a;b,c", "regel\nnieuwe regel", "\r\n", "\x00", "\x07", "\u202e", "ﬁ", "😀"]
KNOWN_VALUES = ["plekken", "Fysieke plekken", "BEWONERS", "  cultuur ", "sport", "BU0363AD05", "bu03440611",
                "BU99990000", "BU0363", "4.8924", "52.3731", "4,9", "52,1", "5.1213", "52.0907", "12.5", "-4.9",
                "nan", "inf", "1e400", "121000", "2024-02-29", "2023-02-29", "01-05-2024", "https://buurt.nl",
                "javascript:alert(1)", "www.buurt.nl", "jan@example.nl", "06-12345678", ""]
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
cells = st.one_of(
    st.sampled_from(KNOWN_VALUES), st.sampled_from(NASTY), any_text,
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.floats(3.0, 7.5).map(str),
    st.floats(50.5, 53.8).map(str), st.integers(-10**30, 10**30).map(str),
    st.integers(150, 1_200).map(lambda n: "x" * n),
)
headers = st.one_of(st.just(COLUMNS), st.permutations(COLUMNS), st.lists(st.sampled_from(COLUMNS + ODD_COLUMNS),
                                                                              max_size=10))
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    header = draw(headers)
    body = draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=8))
    if body and body[0] and draw(st.integers(0, 9)) == 0:  # now and then a field beyond the csv module's limit
        body[0][draw(st.integers(0, len(body[0]) - 1))] = "y" * draw(st.integers(100_000, 300_000))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([";", ","])),
                        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])))
    writer.writerows([header, *body])
    encoding = draw(st.sampled_from(ENCODINGS))
    return buffer.getvalue().encode(encoding, errors="replace"), draw(st.sampled_from(["a.csv", "B.CSV", "c.txt"]))


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | any_text | st.sampled_from(KNOWN_VALUES),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4), max_leaves=15)
coordinate = st.one_of(st.floats(3.2, 7.3), st.floats(50.7, 53.6), st.floats(), st.integers(-10**6, 10**6),
                       st.booleans(), any_text)
geometries = st.one_of(
    st.none(), json_values,
    st.fixed_dictionaries({"type": st.sampled_from(["Point", "Polygon", "point"]),
                           "coordinates": st.one_of(st.lists(coordinate, max_size=4), json_values)}),
    st.tuples(st.floats(3.2, 7.3), st.floats(50.7, 53.6)).map(lambda c: {"type": "Point", "coordinates": list(c)}),
)
features = st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "Feature", "feature"]),
    "properties": st.one_of(st.none(), json_values, st.dictionaries(
        st.sampled_from(COLUMNS + ODD_COLUMNS + ["name", "Category"]), cells | json_values, max_size=8)),
    "geometry": geometries,
})
geojson_documents = st.one_of(
    json_values,
    st.fixed_dictionaries({"type": st.sampled_from(["FeatureCollection", "FeatureCollection", "Feature", "x"]),
                           "features": st.one_of(st.lists(features, max_size=6), json_values)}),
)
