"""'Gesprekskaart maken' on the profile: one click makes the printable pack of this region as HTML and PDF.

The pack is made only after the click (Chromium needs a few seconds for the PDF) and cached per release,
region and inputs, so the download buttons that follow cost nothing on later reruns. Inputs come from the
same places the profile shows: 'beter dan verwacht' from mart_expected_values, the five most similar buurten
with the same median comparison as the page (stats.peer_table.peer_benchmark_table), and the Bewonerskaart.
"""
from __future__ import annotations

import json
import logging
from datetime import date
from typing import NamedTuple
from urllib.parse import urlsplit

import streamlit as st

from dashboard.core import db

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8501"
PACK_PEERS = 5
PEER_LINES = 2
HELP = ("Eén of twee A4'tjes om mee te nemen naar een gesprek met bewoners of partners: wat er sterk is, "
        "de zorgen, vragen om te stellen en wat bewoners zelf noemen. Met bronnen.")


class PackFiles(NamedTuple):
    html: str
    filename: str           # without extension
    pdf: bytes | None
    pdf_reason: str | None  # Dutch, when there is no PDF


# ----------------------------------------------------------------------------------------------- inputs
def base_url() -> str:
    """Scheme and host of the running app as the browser sees it; the local default when unknown."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser session (tests, bare mode)
        url = None
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")  # an app served under /buurtbalans/
        return f"{parts.scheme}://{parts.netloc}" + (f"/{prefix}" if prefix else "")
    return DEFAULT_BASE_URL


def deviance_for(code: str) -> list[dict]:
    """mart_expected_values of a buurt as make_pack's deviance items (the pack keeps 'beter dan verwacht')."""
    from dashboard.stats import queries as q

    rows = q.cached("expected_for", code)
    if rows.empty:
        return []
    meta = q.cached("indicators").set_index("indicator_id")
    return [{"indicator_id": r.outcome_id, "indicator_label": str(meta.at[r.outcome_id, "label"]),
             "unit": str(meta.at[r.outcome_id, "unit"]), "verdict": str(r.verdict),
             "observed": float(r.observed), "expected": float(r.expected)}
            for r in rows.itertuples() if r.outcome_id in meta.index]


def peers_for(code: str, gemeente_name: str) -> dict | None:
    """{'peers': ['Naam (Gemeente)', ...], 'comparison': [...]} for the five most similar buurten, or None.

    The comparison is the median of those five (same table and period as the buurt), the page's method."""
    from dashboard.stats import queries as q
    from dashboard.stats.peer_table import peer_benchmark_table

    peers = q.cached("peers", code)
    if peers.empty:
        return None
    peers = peers.sort_values("rank").head(PACK_PEERS)
    codes = [str(c) for c in peers["peer_code"]]
    names = [f"{p.peer_name} ({p.peer_gemeente_name})" for p in peers.itertuples()]
    table = peer_benchmark_table(q.cached("profile_values", (code, *codes)), code, codes,
                                 q.cached("indicators"), gemeente_name)
    median = "Vergelijkbare buurten (mediaan)"
    usable = table[(table["Kant"] == "Kracht") & (table["Deze buurt"] != "–") & (table[median] != "–")]
    # the label keeps its ' (geschat)': a modelled figure says so in every sentence it is written in
    comparison = [f"{r['Onderwerp']}: hier {r['Deze buurt']}; in deze {len(codes)} "
                  f"buurten is de middelste waarde {r[median]}." for _, r in usable.head(PEER_LINES).iterrows()]
    return {"peers": names, "comparison": comparison}


def resident_assets(code: str) -> list[dict]:
    from dashboard.bewoners import sections as assets_views

    try:
        return assets_views.resident_assets_for_pack(code)
    except Exception:  # noqa: BLE001 - an unreadable residents' file must not stop the pack
        log.exception("resident assets for %s", code)
        return []


# ----------------------------------------------------------------------------------------------- making
@st.cache_data(max_entries=8, show_spinner=False)
def _make(release: str, code: str, url: str, today: str, deviance: str, peers: str, assets: str) -> PackFiles:
    """The pack, with a PDF when Chromium can print it. Arguments are the cache key (JSON for the inputs)."""
    from dashboard.gesprekskaart import PdfUnavailable, make_pack, pack_pdf

    args = dict(base_url=url, today=date.fromisoformat(today), deviance=json.loads(deviance) or None,
                peers=json.loads(peers), resident_assets=json.loads(assets) or None)
    try:
        pack, pdf = pack_pdf(code, **args)
        return PackFiles(pack.html, pack.filename, pdf, None)
    except PdfUnavailable as exc:
        pack = make_pack(code, **args)
        return PackFiles(pack.html, pack.filename, None, str(exc))


def make_files(region: dict) -> PackFiles:
    """Gather the inputs for this region and make (or reuse) its pack."""
    code = str(region["region_code"])
    buurt = region["level"] == "buurt"
    deviance = deviance_for(code) if buurt else []
    peers = peers_for(code, str(region.get("gemeente_name"))) if buurt else None
    return _make(db.release_key(), code, base_url(), date.today().isoformat(), json.dumps(deviance),
                 json.dumps(peers), json.dumps(resident_assets(code), default=str))


# ----------------------------------------------------------------------------------------------- UI
def _start(key: str) -> None:
    st.session_state[key] = True


def render_pack_button(region: dict) -> None:
    """The button; after a click, download buttons for the HTML and the PDF (or why there is no PDF)."""
    if region["level"] in ("buurt", "wijk", "gemeente"):
        _pack_fragment(region)


@st.fragment
def _pack_fragment(region: dict) -> None:
    """A fragment: the click reruns only this part, so the profile below stays while the PDF is made."""
    code = str(region["region_code"])
    key = f"gesprekskaart_{code}"
    if not st.session_state.get(key):
        row = st.container(horizontal=True, vertical_alignment="center")
        row.button("Gesprekskaart maken", key=f"{key}_maken", icon=":material/print:", help=HELP,
                   on_click=_start, args=(key,))
        row.caption("Een A4 voor een gesprek in de buurt: wat sterk is, de zorgen en vragen om te stellen.")
        return
    try:
        with st.spinner("De gesprekskaart wordt gemaakt. Dit duurt een paar seconden…"):
            files = make_files(region)
    except Exception:  # noqa: BLE001 - say so in Dutch; the profile itself stays
        log.exception("gesprekskaart for %s", code)
        st.info("De gesprekskaart kan nu niet worden gemaakt. Probeer het later opnieuw.", icon=":material/info:")
        return
    row = st.container(horizontal=True)
    row.download_button("Download gesprekskaart (HTML)", files.html.encode("utf-8"),
                        file_name=f"{files.filename}.html", mime="text/html", key=f"{key}_html",
                        icon=":material/download:", on_click="ignore")
    if files.pdf is not None:
        row.download_button("Download gesprekskaart (PDF)", files.pdf, file_name=f"{files.filename}.pdf",
                            mime="application/pdf", key=f"{key}_pdf", icon=":material/picture_as_pdf:",
                            on_click="ignore", type="primary")
    else:
        st.info(files.pdf_reason or "Een PDF maken lukt hier niet. Download de HTML-versie en druk die af.",
                icon=":material/info:")
    st.caption("De HTML-versie werkt zonder internet en is af te drukken op A4 vanuit elke browser.")
