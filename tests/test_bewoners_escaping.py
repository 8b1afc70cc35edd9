"""md_escape: text from any source (residents, CBS region names) shown through Streamlit markdown stays text."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.escaping import md_escape

HOSTILE = ["**vet**", "[klik](javascript:alert(1))", ":red[rood]", ":material/home:", "<img src=x onerror=alert(1)>",
           "# kop", "`code`", "$x^2$", "a | b | c", "~~weg~~", "regel 1\nregel 2", "&lt;script&gt;", "_schuin_",
           "{{ template }}", "Buurt 't Zand (Oost) - 2 & 3", "Ĳsselmonde: ’s-Gravenland", ":smile:", "a:b"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_shows_the_text_as_typed(text):
    def page(value: str):
        import streamlit as st

        from dashboard.core.escaping import md_escape
        st.markdown(md_escape(value))
        st.subheader(md_escape(value))

    at = AppTest.from_function(page, args=(text,)).run()
    assert not at.exception
    escaped = md_escape(text)
    bare = re.sub(r"\\.", "", escaped)           # what is left outside backslash escapes
    assert "\n" not in escaped and not set(bare) & set("\\`*_[]<>#|~$&{}") and not re.search(r":[^\W\d_]", bare)
    assert at.markdown[0].value == escaped and at.subheader[0].value == escaped


def test_direction_controls_are_dropped_from_what_residents_type():
    """A name or description with an unclosed right-to-left override (U+202E) turned the text after it around
    wherever it was shown on one line with other text (a list, a CSV opened in a spreadsheet)."""
    from dashboard.bewoners import build_asset

    asset = build_asset({"name": "Speeltuin\u202e 12", "category": "plekken", "buurt_code": "BU03630000",
                         "description": "\u2066مركز الحي\u2069 open op zaterdag"},
                        known_buurt_codes={"BU03630000"}, locator=None)
    assert (asset.name, asset.description) == ("Speeltuin 12", "مركز الحي open op zaterdag")
