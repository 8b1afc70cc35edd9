"""A table as HTML inside a region that a keyboard can scroll.

st.table puts a wide table in a scrolling box that cannot take focus, so on a phone (390 px) a keyboard user could
not reach the columns past the edge (axe 'scrollable-region-focusable', serious; the Kaart's 'Tabel bij de kaart').
Here the box is a named region with tabindex=0: Tab reaches it, the arrow keys scroll it, a screen reader names it.
"""
from __future__ import annotations

import html

import pandas as pd

CSS = """
.bb-table-wrap{overflow-x:auto;max-width:100%;margin:.2rem 0 .6rem 0}
.bb-table{border-collapse:collapse;font-size:.9rem;width:100%}
.bb-table th,.bb-table td{border-bottom:1px solid #e5e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
.bb-table th{font-weight:600;color:#374151}
"""


def table_html(frame: pd.DataFrame, label: str) -> str:
    """`frame` as an escaped HTML table (no index; an empty cell reads '–') in a focusable region named `label`."""
    body = frame.to_html(index=False, escape=True, border=0, classes="bb-table", na_rep="–")
    return (f'<div class="bb-table-wrap" role="region" tabindex="0" aria-label="{html.escape(label, quote=True)}">'
            f"{body}</div>")
