"""Bewonerskaart in the dashboard: what residents name themselves, shown beside the statistics.

For other pages: `render_asset_summary(code)` (profile), `asset_points(code)` (map layer) and
`resident_assets_for_pack(code)` (gesprekskaart). The Bewonerskaart page itself uses the rest.

Resident text is never trusted: in HTML it goes through html_escape, in markdown through md_escape, and
never into unsafe_allow_html. The residents' store is its own DuckDB file (dashboard.bewoners.store), never the
CBS release; the release only supplies the buurt codes and the (approximate) buurt shapes.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable

import duckdb
import pandas as pd
import streamlit as st

from dashboard import userstore
from dashboard.core import db
from dashboard.core.escaping import html_escape
from dashboard.bewoners import CATEGORIES, Asset, AssetStore, BuurtCodes, BuurtLocator

PAGE = "app_pages/bewonerskaart.py"
SUMMARY_TITLE = "Wat bewoners zelf noemen"
MAX_LISTED = 12
APPROXIMATE_NOTE = ("plek bepaald uit coördinaten; de buurtgrenzen zijn een benadering, dus bij een grens kan "
                    "het de buurt ernaast zijn")
CSS = """<style>
.bk-counts{display:flex;flex-wrap:wrap;gap:.3rem;margin:.2rem 0 .5rem}
.bk-count{border:1px solid #b7d7c6;border-radius:1rem;padding:.05rem .55rem;font-size:.85rem;background:#eaf4ee}
.bk-count.zero{background:#fff;color:#6b7280;border-color:#e5e7eb}
.bk-list{list-style:none;padding:0;margin:0}
.bk-item{border-left:4px solid #2f7a5a;padding:.25rem .6rem;margin:.35rem 0;background:#f7faf8;overflow-wrap:anywhere}
.bk-cat{font-size:.8rem;color:#225c43;text-transform:uppercase;letter-spacing:.03em}
.bk-note{font-size:.8rem;color:#6b7280}
</style>"""


# ----------------------------------------------------------------------------------------------- shared reads
class ReleaseUnavailableError(RuntimeError):
    """The CBS release could not be read (swapped or locked under the query) even after retries."""

    def __init__(self) -> None:
        super().__init__("De CBS-gegevens worden net vernieuwd. Laad de pagina over een paar seconden opnieuw.")


def release_query(sql: str, params: list | None = None, *, attempts: int = 4) -> pd.DataFrame:
    """db.query, retried when a refresh swaps the release under it (a connection closed by another session's
    switch to the new file, or that close refused while a query ran); then a Dutch ReleaseUnavailableError
    instead of a traceback."""
    for attempt in range(attempts):
        try:
            return db.query(sql, params)
        except (duckdb.ConnectionException, duckdb.ResourceInUseException, duckdb.IOException, FileNotFoundError):
            time.sleep(0.05 * (attempt + 1))
    raise ReleaseUnavailableError()


@st.cache_resource(max_entries=2, show_spinner=False)
def _buurten(release: str) -> pd.DataFrame:
    return release_query("select region_code, name, wijk_code, wijk_name, gemeente_code, gemeente_name "
                    "from mart_regions_table where level = 'buurt' order by gemeente_name, name, region_code")


def buurten() -> pd.DataFrame:
    """Every buurt of the current release (region_code, name, wijk_*, gemeente_*); shared, do not modify."""
    return _buurten(db.release_key())


@st.cache_resource(max_entries=2, show_spinner=False)
def _known_codes(release: str) -> BuurtCodes:
    return BuurtCodes(_buurten(release)["region_code"])


def known_buurt_codes() -> BuurtCodes:
    return _known_codes(db.release_key())


def locator_from_shapes(shapes: pd.DataFrame) -> BuurtLocator:
    """BuurtLocator from mart_region_shapes rows (region_code, geometry as GeoJSON text)."""
    features = [{"type": "Feature", "geometry": json.loads(geometry), "properties": {"buurtcode": code}}
                for code, geometry in zip(shapes["region_code"], shapes["geometry"]) if isinstance(geometry, str)]
    return BuurtLocator.from_geojson({"type": "FeatureCollection", "features": features})


@st.cache_resource(max_entries=1, show_spinner="Buurtgrenzen laden…")
def _locator(release: str) -> BuurtLocator:
    return locator_from_shapes(release_query("select region_code, geometry from mart_region_shapes "
                                        "where level = 'buurt'"))


class LazyLocator:
    """Builds the BuurtLocator (about 5 s for all buurten) only when a point must be placed in a buurt."""

    def locate(self, lon: float, lat: float) -> str | None:
        return _locator(db.release_key()).locate(lon, lat)


@st.cache_resource(max_entries=4, show_spinner=False)
def _store(target: str, release: str) -> AssetStore:
    return AssetStore(target, known_buurt_codes=_known_codes(release), locator=LazyLocator(),
                      release_db_path=db.current_path())


def asset_store() -> AssetStore:
    """The residents' store: the configured user store ($BUURTBALANS_USER_DB: a postgresql:// URL or a DuckDB
    file; else $BUURTBALANS_BEWONERSKAART_DB or data/user/bewonerskaart.duckdb)."""
    return _store(userstore.configured_target(), db.release_key())


def assets_in(region_code: str | None) -> list[Asset]:
    """Assets of a buurt (BU), wijk (WK), gemeente (GM) or all of them (NL or None), oldest first. Read from
    memory while the store is unchanged (AssetStore.list_unchanged): every profile, map and agenda shows them."""
    store = asset_store()
    code = (region_code or "").strip().upper()
    if code.startswith("BU"):
        return store.list_unchanged(buurt_code=code)
    if code.startswith("GM"):
        return store.list_unchanged(gemeente_code=code)
    if code.startswith("WK"):
        table = buurten()
        in_wijk = set(table.loc[table["wijk_code"] == code, "region_code"])
        return [a for a in store.list_unchanged(gemeente_code="GM" + code[2:6]) if a.buurt_code in in_wijk]
    return store.list_unchanged()


def category_counts(assets: Iterable[Asset]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for asset in assets:
        counts[asset.category] += 1
    return counts


# ----------------------------------------------------------------------------------------------- for other pages
def asset_points(region_code_or_gemeente: str | None) -> pd.DataFrame:
    """Assets with coordinates for a map layer: lon, lat, name, category_label, buurt_code (+ name_text).

    `name` is HTML-escaped, ready for Plotly hover text or HTML; `name_text` is the raw name for places that
    show plain text (st.dataframe). Only assets with coordinates; an empty frame with the columns otherwise.
    """
    rows = [{"lon": a.lon, "lat": a.lat, "name": html_escape(a.name), "category_label": a.category_label,
             "buurt_code": a.buurt_code, "name_text": a.name}
            for a in assets_in(region_code_or_gemeente) if a.has_coordinates]
    return pd.DataFrame(rows, columns=["lon", "lat", "name", "category_label", "buurt_code", "name_text"])


def resident_assets_for_pack(region_code: str) -> list[dict]:
    """Assets for the gesprekskaart: dicts with name, category (key), category_label, description, website,
    buurt_code. Text is raw: the pack's renderer escapes it."""
    return [{"name": a.name, "category": a.category, "category_label": a.category_label,
             "description": a.description, "website": a.website, "buurt_code": a.buurt_code}
            for a in assets_in(region_code)]


def counts_html(counts: dict[str, int]) -> str:
    chips = "".join(f'<span class="bk-count{" zero" if n == 0 else ""}">{html_escape(CATEGORIES[key])}: '
                    f"<b>{n}</b></span>" for key, n in counts.items())
    return f'<div class="bk-counts">{chips}</div>'


def asset_item_html(asset: Asset, *, show_buurt: str | None = None) -> str:
    """One asset as an escaped HTML list item (category, name, description, website, location note)."""
    parts = [f'<span class="bk-cat">{html_escape(asset.category_label)}</span><br><b>{html_escape(asset.name)}</b>']
    if asset.description:
        parts.append(f"<br>{html_escape(asset.description)}")
    if asset.website:
        parts.append(f'<br><a href="{html_escape(asset.website)}" rel="nofollow noopener noreferrer" '
                     f'target="_blank">{html_escape(asset.website)}</a>')
    notes = [f"datum {asset.date:%d-%m-%Y}"] if asset.date else []
    if show_buurt:
        notes.append(f"buurt {show_buurt}")
    if asset.location_approximate:
        notes.append(APPROXIMATE_NOTE)
    if notes:
        parts.append(f'<br><span class="bk-note">{html_escape(" · ".join(notes))}</span>')
    return f'<li class="bk-item">{"".join(parts)}</li>'


def assets_html(assets: list[Asset], *, limit: int | None = None, buurt_names: dict | None = None) -> str:
    shown = assets if limit is None else assets[:limit]
    items = "".join(asset_item_html(a, show_buurt=(buurt_names or {}).get(a.buurt_code)) for a in shown)
    more = len(assets) - len(shown)
    tail = f'<p class="bk-note">En nog {more} andere.</p>' if more > 0 else ""
    return f'<ul class="bk-list">{items}</ul>{tail}'


def render_asset_summary(region_code: str) -> None:
    """For the profile, under the Kracht column: counts per ABCD category and a list of what residents named.

    Works for BU, WK and GM codes. Never breaks the profile: a store that cannot be read gives a short note.
    """
    st.markdown(f"### {SUMMARY_TITLE}")  # h3 under the profile's h2 (heading order)
    try:
        assets = assets_in(region_code)
    except Exception:  # noqa: BLE001 - the profile must render even when the residents' file is unreadable
        st.caption("De Bewonerskaart kan nu niet worden gelezen.")
        return
    st.caption("Mensen, clubs, plekken en initiatieven die bewoners zelf noemen. Geen telling van CBS.")
    if assets:
        table = buurten()
        names = None if region_code.startswith("BU") else dict(zip(table["region_code"], table["name"]))
        st.html(CSS + counts_html(category_counts(assets)) + assets_html(assets, limit=MAX_LISTED,
                                                                          buurt_names=names))
    else:
        st.caption("Nog niets genoemd voor deze plek.")
    if region_code.startswith("BU"):
        try:
            st.page_link(PAGE, label="Vul de Bewonerskaart aan", icon=":material/edit:",
                         query_params={"regio": region_code})
        except Exception:  # noqa: BLE001 - the page is not registered (e.g. a test app without navigation)
            pass
