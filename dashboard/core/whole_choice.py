"""A select box's chosen option in full under the box on a phone.

A select box writes its chosen option in an <input>, and an input cannot wrap: on a 390 px screen a long label
ends in '…' ('Zorgen · Huishoudens in de landelijke 40% laagste inl'). Below 641 px (where Streamlit stacks
columns) the whole text is written under the box; wider screens hide that line (CSS below), since there the pages
give their select boxes the width of their longest option (tests/browser/test_browser_select_boxes.py).

    whole_choice(where, text)   where: st or a column; nothing for a label that fits on a phone
"""
from __future__ import annotations

import html

# A select box on a 390 px screen has 324 px for its text: about 50 characters of the app's font. Fewer are
# counted, so a narrower phone (360 px: 294 px) also gets the line where its box cuts.
PHONE_CHARS = 40

CSS = """
.bb-whole-choice{font-size:.85rem;color:#374151;margin:-.6rem 0 0 0;overflow-wrap:anywhere}
@media (min-width:641px){[data-testid="stElementContainer"]:has(.bb-whole-choice){display:none}}
"""


def whole_choice_html(text: str) -> str:
    """The line under the box; aria-hidden, as a screen reader already reads the box's whole value."""
    return f'<p class="bb-whole-choice" aria-hidden="true">Gekozen: {html.escape(text)}</p>'


def whole_choice(where, text: str) -> None:
    if len(text) > PHONE_CHARS:
        where.html(whole_choice_html(text))
