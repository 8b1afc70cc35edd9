"""Shared page state: the chosen region, indicator and comparison live in st.query_params, so every view is a
shareable link (?regio=BU0363AA01&indicator=vrijwilligerswerk&vergelijk=GM0363,GM0344).

Also the cached reads every page uses (keyed with db.release_key(), so a refreshed database is picked up
without a restart) and the two shared widgets: the region search box and the "niet gevonden" notice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pandas as pd
import streamlit as st

from dashboard.core import db
from dashboard.core import queries
from dashboard.core import search
from dashboard.core.escaping import md_escape

REGION = "regio"
INDICATOR = "indicator"
COMPARE = "vergelijk"
URL_KEYS = (REGION, INDICATOR, COMPARE)
# Strict formats: anything else in the URL never reaches a query.
CODE_RE = re.compile(r"NL00|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4}")
INDICATOR_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_COMPARE = 4


# ----------------------------------------------------------------------------------------------- cached reads
@st.cache_data(max_entries=512, ttl=timedelta(hours=6), show_spinner=False)
def _cached_call(name: str, release: str, args: tuple):
    return getattr(queries, name)(*args)


def cached(name: str, *args):
    """queries.<name>(*args), cached per release: state.cached("profile", "GM0363")."""
    return _cached_call(name, db.release_key(), args)


@st.cache_resource(max_entries=16, ttl=timedelta(hours=6), show_spinner=False)
def _shared_call(name: str, release: str, args: tuple):
    return getattr(queries, name)(*args)


def shared(name: str, *args):
    """queries.<name>(*args) as ONE object per release shared by every session, without the copy that
    cached() makes on every rerun (unpickling 14,000 buurt scores costs more than drawing them). Read-only:
    never modify what it returns (select, filter or .copy() first). For whole-release frames only."""
    return _shared_call(name, db.release_key(), args)


@st.cache_resource(max_entries=2, show_spinner=False)
def _search_index(release: str) -> pd.DataFrame:
    return search.prepare(queries.regions())


def search_index() -> pd.DataFrame:
    """mart_regions with folded search columns (shared, read-only: do not modify)."""
    return _search_index(db.release_key())


@st.cache_resource(max_entries=2, show_spinner=False)
def _former_gemeenten(release: str) -> pd.DataFrame:
    return queries.former_gemeenten()


def former_gemeenten() -> pd.DataFrame:
    """mart_former_gemeenten of the current release (shared, read-only: do not modify)."""
    return _former_gemeenten(db.release_key())


def region_row(code: str | None) -> dict | None:
    """The mart_regions row (plus `label`, as in the search index) of a valid, existing code, else None.
    One indexed read per code and release: showing a profile never builds the whole search index."""
    if not code:
        return None
    return _region_row(db.release_key(), code)


@st.cache_data(max_entries=2048, ttl=timedelta(hours=6), show_spinner=False)
def _region_row(release: str, code: str) -> dict | None:
    hit = queries.region_record(code)   # a plain record: the one-row frame and its row were ~1.5 ms of CPU
    if hit is None:
        return None
    # as in the whole index, where a missing name or code is NaN (the frame's row held NaN or None for a NULL)
    row = {k: float("nan") if v is None else v for k, v in hit.items()}
    return {**row, "label": search.display_label(row)}   # the search index's label, without building the index


# ----------------------------------------------------------------------------------------------- URL state
def normalise_code(raw: object) -> str | None:
    """'bu0363aa01 ' -> 'BU0363AA01'; anything not shaped like a region code -> None."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().upper()
    return code if CODE_RE.fullmatch(code) else None


@dataclass(frozen=True)
class RegionChoice:
    raw: str | None           # what the URL said
    code: str | None          # a valid code that exists
    region: dict | None       # its mart_regions row

    @property
    def status(self) -> str:
        """'none' (nothing chosen), 'ok', or 'unknown' (garbage or a code that does not exist)."""
        if not self.raw:
            return "none"
        return "ok" if self.region is not None else "unknown"


def _get(key: str) -> str | None:
    value = st.query_params.get(key)
    return value if value else None


def _set(key: str, value: str | None) -> None:
    """Write a URL parameter and remember it for page switches (the page menu drops the query string)."""
    if value:
        st.query_params[key] = value
        st.session_state[f"_url_{key}"] = value
    else:
        st.query_params.pop(key, None)
        st.session_state.pop(f"_url_{key}", None)


def sync_url() -> None:
    """Call once per run before the page: a link wins; otherwise restore what this session chose."""
    for key in URL_KEYS:
        if _get(key):
            st.session_state[f"_url_{key}"] = st.query_params[key]
        elif st.session_state.get(f"_url_{key}"):
            st.query_params[key] = st.session_state[f"_url_{key}"]


def chosen_region() -> RegionChoice:
    raw = _get(REGION)
    code = normalise_code(raw)
    return RegionChoice(raw=raw, code=code if region_row(code) else None, region=region_row(code))


def set_region(code: str | None) -> None:
    _set(REGION, normalise_code(code))


def chosen_indicator(valid_ids) -> str | None:
    """The ?indicator= id when it is a known indicator, else None."""
    raw = _get(INDICATOR)
    return raw if raw and INDICATOR_RE.fullmatch(raw) and raw in set(valid_ids) else None


def set_indicator(indicator_id: str | None) -> None:
    _set(INDICATOR, indicator_id if indicator_id and INDICATOR_RE.fullmatch(indicator_id) else None)


def compare_codes() -> tuple[list[str], list[str]]:
    """(valid existing codes, rejected raw entries) from ?vergelijk=, at most MAX_COMPARE, no duplicates."""
    raw = [p for p in (_get(COMPARE) or "").split(",") if p.strip()]
    good, bad = [], []
    for part in raw[:12]:
        code = normalise_code(part)
        if code and region_row(code) and code not in good:
            good.append(code)
        elif not code or not region_row(code):
            bad.append(part.strip()[:20])
    return good[:MAX_COMPARE], bad


def set_compare_codes(codes: list[str]) -> None:
    valid = [c for c in dict.fromkeys(normalise_code(c) for c in codes) if c][:MAX_COMPARE]
    _set(COMPARE, ",".join(valid) or None)


# ----------------------------------------------------------------------------------------------- shared widgets
def typed_text(raw: object, limit: int = 30) -> str:
    """User input as typed, on one line and bounded: apostrophes and all ('t Zandt), not yet escaped."""
    return " ".join(str(raw or "").split())[:limit]


def safe_text(raw: object, limit: int = 30) -> str:
    """User input shown back on screen as typed (''t Zandt' keeps its apostrophe), bounded and escaped for
    markdown and HTML (md_escape); empty when it has no letter or digit at all (an emoji, '<>')."""
    text = typed_text(raw, limit)
    return md_escape(text) if any(ch.isalnum() for ch in text) else ""


def link_value_note(field: str, raw: object) -> str:
    """A link (a shared or bookmarked URL) asked for a value this page cannot show: say so, instead of silently
    showing something else. `field` names what the value was for ('het onderwerp', 'de x-as')."""
    shown = " ".join(str(raw or "").split())[:40]  # as typed (an id keeps its underscores), bounded, escaped
    if not shown:   # '?x=' or '?x=%20': no value to name (it read "om ‘’")
        return f"De link geeft geen waarde voor {field}. U ziet nu de standaardkeuze."
    # a former gemeente (?gebied=GM1685, Landerd) is named as one, as the profile and the search do
    code = normalise_code(shown)
    former = search.former_note(former_gemeenten(), search_index(), code) if code and code[:2] == "GM" else ""
    return (f"De link vraagt om ‘{md_escape(shown)}’ voor {field}, maar dat staat niet in de keuzes hier. "
            + (f"{former} " if former else "") + "U ziet nu de standaardkeuze.")


def region_search(key: str, on_pick: Callable[[str], None], *, label: str = "Zoek een gemeente, wijk of buurt",
                  limit: int = 8) -> None:
    """A search box with result buttons; clicking one calls on_pick(code), empties the box and reruns the
    page. Results follow the typing (a fragment, so typing does not redraw the whole page)."""
    _search_fragment(key, on_pick, label, limit)


@st.fragment
def _search_fragment(key: str, on_pick: Callable[[str], None], label: str, limit: int) -> None:
    def pick(code: str) -> None:
        on_pick(code)
        st.session_state[key] = ""
        # the choice changes the page, not only this box: ask for the full-app rerun in the callback itself. A
        # second step (a flag, then st.rerun from the fragment's next run) was lost under load: the URL changed
        # and the start page stayed (tests/browser/test_browser_a11y.py under a parallel build).
        st.rerun(scope="app")
    query = st.text_input(label, key=key, placeholder="bijv. Utrecht, Planciusbuurt, 3533 of BU0363AA01",
                          live=True, max_chars=search.MAX_QUERY_CHARS,
                          help="Zoek op naam, code of postcode (4 cijfers).")
    if not query or not query.strip():
        return
    if len(query) > search.MAX_QUERY_CHARS:   # the widget caps typing; this catches anything sent around it
        st.caption(f"Niet gevonden: de zoekvraag is te lang (meer dan {search.MAX_QUERY_CHARS} tekens).")
        return
    index = search_index()
    matches = search.search(index, query, limit=limit)
    # Bonaire, Saba: not in the data; Landerd, Haaren: a gemeente no more. Say so before any near match
    if note := search.outside_note(index, query) or search.former_note(former_gemeenten(), index, query):
        st.caption(note)
    if matches and matches[0].postcode:
        st.caption(search.POSTCODE_NOTE)
    if not matches:
        tips = search.suggestions(index, query)
        shown = safe_text(query)   # signs only (an emoji, '<>'): nothing to quote back, so say what to type
        st.caption((f"Niet gevonden: ‘{shown}’." if shown else "Niet gevonden: de zoekvraag heeft geen letters of "
                    "cijfers.") + (" Bedoelt u:" if tips else
                   " Probeer een deel van de naam, een code zoals GM0363 of een postcode zoals 3533."))
        matches = tips
    for m in matches:
        st.button(m.label, key=f"{key}_hit_{m.region_code}", on_click=pick, args=(m.region_code,),
                  type="tertiary", icon=":material/location_on:")


def show_region_not_found(choice: RegionChoice, key: str = "notfound") -> None:
    """Friendly notice for an unknown or garbage ?regio=, with suggestions; never a traceback."""
    shown = safe_text(choice.raw)
    asked = (f"De link vraagt om ‘{shown}’, maar die gemeente, wijk of buurt staat niet in de gegevens. Misschien "
             "is de code veranderd door een nieuwe buurtindeling." if shown else
             "De regio in de link heeft geen letters of cijfers, dus geen naam of code.")
    code = normalise_code(choice.raw)
    index = search_index()
    former = search.former_note(former_gemeenten(), index, code) if code else ""
    asked = f"De link vraagt om {code}. {former}" if former else f"{asked} Zoek de plek opnieuw in de zijbalk."
    st.warning(f"**Regio niet gevonden.** {asked}", icon=":material/search_off:")
    # a former gemeente's code is near the codes of unrelated gemeenten (GM1685 Landerd: Aa en Hunze GM1680): no tips
    tips = [] if former else search.suggest_for_code(index, code) if code else search.suggestions(
        index, typed_text(choice.raw, 60))
    if tips:
        st.markdown("Bedoelt u een van deze?")
        for m in tips:
            st.button(m.label, key=f"{key}_{m.region_code}", on_click=set_region, args=(m.region_code,),
                      type="tertiary", icon=":material/location_on:")
