"""Reads for the statistics views (mart_* views only), plain and cached.

Every plain function takes an optional build_dir and returns a DataFrame (no Streamlit). Pages call them
through `cached("name", *args)`, keyed with db.release_key(), so a refreshed database is picked up without a
restart. Codes reach SQL only as bound parameters.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.core import db


def buurt_wide(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_buurt_wide indexed by region_code, plus gemeente_name (the input of dashboard.stats)."""
    frame = db.query("""select w.*, g.name as gemeente_name from mart_buurt_wide w
                        left join mart_regions g on g.region_code = w.gemeente_code
                        order by w.region_code""", build_dir=build_dir)
    return frame.set_index("region_code")


def indicators(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_catalogue: id, label, lens, unit, direction, modelled, hidden, landing, description, tables, periods."""
    return db.query("select * from mart_catalogue", build_dir=build_dir)


def provenance(build_dir: Path | None = None) -> pd.DataFrame:
    """Per indicator, the one period, table and boundary year that mart_buurt_wide (so every model) uses, with
    n_buurten: the current buurten with a value there (mart_buurt_wide_sources). No fill-in from older waves."""
    return db.query("""select indicator_id, period, table_id, boundary_year, n_buurten
                       from mart_buurt_wide_sources order by indicator_id""", build_dir=build_dir)


def rounding_intervals(indicator_ids: tuple[str, ...], build_dir: Path | None = None) -> pd.DataFrame:
    """Per buurt and indicator (of `indicator_ids`) the rounding interval of its mart_buurt_wide value (the same
    period and table: mart_buurt_wide_sources), for hovers that show that value (format.value_text)."""
    return db.query("""select s.region_code, s.indicator_id, s.round_lower, s.round_upper
                       from mart_indicator_series s join mart_buurt_wide_sources w using (indicator_id, period, table_id)
                       where list_contains(?, s.indicator_id) and s.region_code like 'BU%' and s.is_default_group
                         and s.round_upper is not null""", [list(indicator_ids)], build_dir=build_dir)


def gemeenten(build_dir: Path | None = None) -> pd.DataFrame:
    """region_code, name of every current gemeente, by name."""
    return db.query("select region_code, name from mart_regions where level = 'gemeente' order by name",
                    build_dir=build_dir)


def region(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """The mart_regions row of one code (empty when unknown)."""
    return db.query("select * from mart_regions_table where region_code = ?", [code], build_dir=build_dir)


def series(codes: tuple[str, ...], build_dir: Path | None = None) -> pd.DataFrame:
    """mart_indicator_series of a few regions (a buurt and its gemeente), every period."""
    return db.query("""select * from mart_indicator_series where list_contains(?, region_code)
                       order by region_code, indicator_id, period""", [list(codes)], build_dir=build_dir)


def region_names(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """mart_region_names of one code: its name in each boundary year and whether it differs from today's."""
    return db.query("select * from mart_region_names where region_code = ? order by boundary_year", [code],
                    build_dir=build_dir)


def peers(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """mart_peer_buurten of one buurt, most similar first."""
    return db.query("select * from mart_peer_buurten where region_code = ? order by rank", [code],
                    build_dir=build_dir)


def expected_for(code: str, build_dir: Path | None = None) -> pd.DataFrame:
    """mart_expected_values rows of one buurt (one per outcome)."""
    return db.query("select * from mart_expected_values where region_code = ? order by outcome_id", [code],
                    build_dir=build_dir)


def stats_models(build_dir: Path | None = None) -> pd.DataFrame:
    """mart_stats_models: the precomputed models of this release with their explanation."""
    return db.query("select * from mart_stats_models", build_dir=build_dir)


def profile_values(codes: tuple[str, ...], build_dir: Path | None = None) -> pd.DataFrame:
    """Default-group mart_profile rows of a few regions: value with margin and rounding interval, gemeente and NL,
    and its source."""
    return db.query("""select region_code, indicator_id, period, table_id, boundary_year, value, lower, upper,
                              gemeente_code, gemeente_value, gemeente_lower, gemeente_upper,
                              nl_value, nl_lower, nl_upper, table_title, attribution, round_lower, round_upper,
                              gemeente_round_lower, gemeente_round_upper, nl_round_lower, nl_round_upper
                       from mart_profile where list_contains(?, region_code) and is_default_group
                       order by region_code, indicator_id""",
                    [list(codes)], build_dir=build_dir)


@st.cache_data(max_entries=256, ttl=timedelta(hours=6), show_spinner=False)
def _cached_call(name: str, release: str, args: tuple):
    return globals()[name](*args)


def cached(name: str, *args):
    """<name>(*args) from this module, cached per release: cached("peers", "BU03440111")."""
    return _cached_call(name, db.release_key(), args)


# ----------------------------------------------------------------------------------------------- fits (cached)
def scope_codes(wide: pd.DataFrame, scope: str) -> pd.Index | None:
    """'NL' -> None (all buurten); a gemeente code -> the codes of its buurten."""
    return None if scope == "NL" else wide.index[wide["gemeente_code"] == scope]


@st.cache_data(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _relation(release: str, x: str, y: str, controls: tuple[str, ...], weighted: bool, scope: str):
    from dashboard.stats import fit_relation
    wide = cached("buurt_wide")
    try:
        return fit_relation(wide, x, y, controls=controls, weights="inwoners" if weighted else None,
                            scope_codes=scope_codes(wide, scope))
    except ValueError as exc:  # the Dutch message is shown to the user
        return str(exc)


def relation(x: str, y: str, controls: tuple[str, ...] = (), weighted: bool = False, scope: str = "NL"):
    """dashboard.stats.fit_relation over the buurten in scope ('NL' or a gemeente code), cached per release.
    Returns a RelationResult, or the Dutch error message (str) when it cannot be fitted."""
    return _relation(db.release_key(), x, y, tuple(controls), bool(weighted), scope)


@st.cache_data(max_entries=32, ttl=timedelta(hours=6), show_spinner=False)
def _expected(release: str, outcome: str, scope: str):
    from dashboard.stats import fit_expected
    wide = cached("buurt_wide")
    meta = cached("indicators").set_index("indicator_id")
    try:
        return fit_expected(wide, outcome, direction=str(meta.loc[outcome, "direction"]),
                            labels=meta["label"].to_dict(), scope_codes=scope_codes(wide, scope))
    except (ValueError, KeyError) as exc:
        return str(exc)


def expected(outcome: str, scope: str = "NL"):
    """dashboard.stats.fit_expected with the default context over the buurten in scope, cached per release.
    Returns a DevianceResult, or the Dutch error message (str)."""
    return _expected(db.release_key(), outcome, scope)
