"""The profile sections that come from other features, wired into 'Buurt in beeld' (profile_view).

  render_resident_assets(region)   'Wat bewoners zelf noemen' under the Kracht column (assets_views)
  render_benchmarks(region)        'Beter of slechter dan verwacht?' (stats view_*, computed only when its
                                   expander is opened) and vergelijkbare buurten (the median table is lazy too)
  render_development(region)      'Ontwikkeling door de tijd': small trend charts (stats view_*), computed only
                                   when the reader opens them (a lazy expander in a fragment)

Each section fails soft: when its data is missing or its code raises, the page shows one calm Dutch sentence
in its place and the rest of the profile still renders (the error goes to the server log, not the screen).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

log = logging.getLogger(__name__)

BUURT_ONLY = ("**Beter of slechter dan verwacht** en **vergelijkbare buurten** rekenen we alleen voor buurten "
              "uit: daar zijn de verschillen het grootst. Kies een buurt in {where} om ze te zien.")
BROKEN = "‘{title}’ kan nu niet worden getoond. De rest van deze pagina klopt wel."


def soft(title: str, render: Callable[..., None], *args, **kwargs) -> bool:
    """Run one section's render function in its own slot; on an error, replace the slot by a short note.

    Streamlit's own stop/rerun signals are BaseExceptions and pass through untouched. Returns True when the
    section rendered."""
    slot = st.empty()
    try:
        with slot.container():
            render(*args, **kwargs)
        return True
    except Exception:  # noqa: BLE001 - one broken section must never take the whole profile down
        log.exception("profile section %r failed", title)
        slot.info(BROKEN.format(title=title), icon=":material/info:")
        return False


def render_resident_assets(region: dict) -> None:
    """Counts per ABCD category and the list of what residents named, for a buurt, wijk or gemeente."""
    from dashboard.bewoners import sections as assets_views

    code = str(region["region_code"])
    if region["level"] == "land":
        return  # the Bewonerskaart is per buurt; a list for all of NL says nothing about a place
    soft(assets_views.SUMMARY_TITLE, assets_views.render_asset_summary, code)


def render_benchmarks(region: dict) -> None:
    """For a buurt: 'beter of slechter dan verwacht' and the peer group as third benchmark; else one line why not."""
    from dashboard.stats import view_peers

    if region["level"] != "buurt":
        where = {"gemeente": f"{region['name']}", "wijk": f"wijk {region['name']}"}.get(region["level"],
                                                                                       "een gemeente")
        st.caption(BUURT_ONLY.format(where=where))
        return
    st.subheader(EXPECTED_TITLE)
    _expected_fragment(str(region["region_code"]))
    soft("Vergelijkbare buurten", view_peers.render_peer_benchmark, region["region_code"], lazy=True)


EXPECTED_TITLE = "Beter of slechter dan verwacht?"
EXPECTED_OPEN = "expected_open"  # session_state key of the 'beter of slechter dan verwacht' expander


@st.fragment
def _expected_fragment(code: str) -> None:
    """'Beter of slechter dan verwacht' below the fold: its reads and sentences are computed only when the reader
    opens the expander (a fragment, so opening it reruns only this section)."""
    from dashboard.stats import view_expected

    box = st.expander("Toon hoe deze buurt scoort tegenover wat je zou verwachten", key=EXPECTED_OPEN,
                      on_change="rerun", icon=":material/insights:")
    with box:
        if box.open:
            soft("Beter of slechter dan verwacht", view_expected.render_expected, code, heading=None)


TRENDS_OPEN = "trends_open"  # session_state key of the trends expander (True = open)


def render_development(region: dict) -> None:
    """Small line charts of every figure with two or more periods (never mixing series). They sit below the fold
    in an expander that computes only when opened, in a fragment, so opening it reruns only this section."""
    st.subheader("Ontwikkeling door de tijd")
    _development_fragment(str(region["region_code"]))


@st.fragment
def _development_fragment(code: str) -> None:
    from dashboard.stats import view_trends

    box = st.expander("Toon hoe de cijfers door de jaren veranderden", key=TRENDS_OPEN, on_change="rerun",
                      icon=":material/timeline:")
    with box:
        if box.open:
            soft("Ontwikkeling door de tijd", view_trends.render_trends, code, heading=None)
