"""Escaping shared by every feature: CSV cells a spreadsheet would run as a formula, and text put into HTML."""
from __future__ import annotations

import html
import re

# A spreadsheet runs a cell starting with one of these as a formula; a leading ' makes it text.
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Prefix ' to a value a spreadsheet would read as a formula (also to already-quoted ones, so
    bewoners.upload.unescape_formula can undo exactly one level)."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_CHARS) else value


def html_escape(text: object) -> str:
    """Escape any text before it goes into HTML (markdown with unsafe_allow_html, map tooltips)."""
    return "" if text is None else html.escape(str(text), quote=True)


# Markdown and HTML punctuation, and a ':' that could open a Streamlit directive (:red[..], :material/x:, :smile:).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$&{}]|:(?=[^\W\d_]))")


def md_escape(text: object) -> str:
    """Any text (residents' or CBS region names) inside st.markdown, st.subheader, st.caption, st.error etc.:
    markdown, HTML, Streamlit directives (:red[...], :material/...:) and line breaks show as plain text."""
    return _MD_SPECIAL.sub(r"\\\1", str(text if text is not None else "")).replace("\n", " ").replace("\r", " ")
