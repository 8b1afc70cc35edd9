"""What the Bewonerskaart page's sections share: messages that wait for the section to be drawn (flash), lists
of problems, a buurt's name, the privacy note.

Actions run in widget callbacks, before the script run, so the list drawn in the same run is already up to date;
their messages wait in session_state ("flash") until the section is drawn.
"""
from __future__ import annotations

import streamlit as st

from dashboard.core.escaping import md_escape

from .sections import buurten

PRIVACY = ("**Geen persoonsgegevens.** Noem wat er is, niet wie het is: geen namen van privépersonen, geen "
           "e-mailadressen en geen telefoonnummers. Dus ‘een bewoner die fietsen repareert’, niet zijn naam. "
           "Alles wat u hier invult kan iedereen zien die dit dashboard gebruikt.")
MAX_MESSAGES = 40


def flash(area: str, kind: str, text: str) -> None:
    """A message for the next run in `area`; it replaces one of the same kind not shown yet (a double click's
    second submit repeats what the first said)."""
    key = f"bk_flash_{area}"
    st.session_state[key] = [m for m in st.session_state.get(key, []) if m[0] != kind] + [(kind, text)]


def show_flash(area: str) -> None:
    for kind, text in st.session_state.pop(f"bk_flash_{area}", []):
        getattr(st, kind)(text)


def problem_list(title: str, problems: list[str]) -> str:
    shown = problems[:MAX_MESSAGES]
    more = f"\n- en nog {len(problems) - len(shown)} andere meldingen" if len(problems) > len(shown) else ""
    return f"**{title}**\n" + "\n".join(f"- {md_escape(p)}" for p in shown) + more


def buurt_label(code: str) -> str:
    table = buurten()
    hit = table[table["region_code"] == code]
    return f"{hit.iloc[0]['name']} ({code})" if not hit.empty else code


def item_count(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"
