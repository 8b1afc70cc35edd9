"""One region's profile as a display table (pure: frames in, a frame out; no Streamlit, no I/O).

profile_table(...) is what the profile page, the gesprekskaart, Vergelijken and the tests read: one row per visible
indicator with the region's value, its gemeente and NL, its place among buurten, its source and why it is missing.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dashboard.core.charts import age_text
from dashboard.core.format import MISSING_TEXT, NOT_IN_DATA, fmt_value, other_division_text
from dashboard.divisions import note as division_note

LENS_TITLE = {"asset": "Kracht", "problem": "Zorgen"}
GEMEENTE_ONLY = "alleen per gemeente bekend"
GEMEENTE_CONTEXT = ["gemeente_value", "gemeente_lower", "gemeente_upper", "nl_value", "nl_lower", "nl_upper",
                    "period", "boundary_year", "table_id", "table_title"]


@lru_cache(maxsize=1)
def catalogue_order() -> dict[str, int]:
    """Indicator id -> position in pipelines/catalogue.toml (the order the profile shows them in)."""
    from pipelines.catalogue import load_catalogue
    return {ind.id: i for i, ind in enumerate(load_catalogue().indicators)}


def _missing_text(row, level: str = "buurt") -> str:
    if row.get("missing_reason") == "other_area":  # the code named another area then (division_identity)
        return division_note.missing_text(row.get("boundary_year"))
    if row["n_values"] == 0:
        return NOT_IN_DATA
    if isinstance(row.get("missing_reason"), str):
        return MISSING_TEXT.get(row["missing_reason"], MISSING_TEXT[None])
    if row.get("status") == "geheim":
        return MISSING_TEXT["suppressed"]
    if level == "land" or row.get("status") == "geen_landcijfer":
        return MISSING_TEXT["geen_landcijfer"]  # the table has no row for Nederland: no division involved
    if row.get("status") == "andere_indeling":
        return other_division_text(level, row["boundary_year"] if pd.notna(row.get("boundary_year")) else None)
    return MISSING_TEXT[None]


def gemeente_context(out: pd.DataFrame, gemeente_profile: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """For a buurt or wijk: an indicator that exists only per gemeente (no buurt has a value, e.g. opkomst)
    shows its gemeente's figure as context (gemeente_value, with that row's period and source), and says so."""
    only_gm = set(catalogue.loc[catalogue["buurten_with_value"].fillna(0) == 0, "indicator_id"]) \
        if "buurten_with_value" in catalogue else set()
    gm = gemeente_profile[gemeente_profile["is_default_group"].astype(bool) & gemeente_profile["value"].notna()]
    gm = gm.drop_duplicates("indicator_id").set_index("indicator_id")
    out = out.copy()
    todo = out["value"].isna() & out["indicator_id"].isin(only_gm) & out["indicator_id"].isin(gm.index)
    for i, ind in out.loc[todo, "indicator_id"].items():
        g = gm.loc[ind]
        for col in GEMEENTE_CONTEXT:   # the gemeente's own value/lower/upper become gemeente_*
            src = col.replace("gemeente_", "") if col.startswith("gemeente_") else col
            out.at[i, col] = g.get(src)
        out.at[i, "missing_text"] = GEMEENTE_ONLY
    return out


def profile_table(profile: pd.DataFrame, status: pd.DataFrame, coverage: pd.DataFrame,
                  catalogue: pd.DataFrame, sources: pd.DataFrame, level: str = "buurt",
                  gemeente_profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator that is not hidden, in catalogue order: the region's value in the default age
    group, with gemeente/NL values, share_lower (% of buurten with a lower value), other age groups as text,
    source (table_id, table_title, period, boundary_year, attribution, scope_note when the shipped table covers
    only part of NL) and missing_text (None when there is
    a value; else 'niet beschikbaar', 'geheim …', or 'niet in de meegeleverde gegevens' when no region in
    this gemeente has the figure at all). Inputs: queries.profile/map_status/area_coverage/catalogue/sources.
    """
    cat = catalogue[~catalogue["hidden"].astype(bool)].copy()
    meta_cols = ["indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden",
                 "in_summary", "description", "attribution"] + [c for c in ("rounding",) if c in catalogue]
    out = cat[meta_cols]
    default = profile[profile["is_default_group"].astype(bool)].drop_duplicates("indicator_id")
    value_cols = ["indicator_id", "age_group", "period", "boundary_year", "table_id", "table_title", "value",
                  "lower", "upper", "missing_reason", "gemeente_value", "gemeente_lower", "gemeente_upper",
                  "nl_value", "nl_lower", "nl_upper", "n_lower", "n_higher", "n_total"] + [
                  c for c in ("n_buurten_all",) if c in profile]
    out = out.merge(default[value_cols], on="indicator_id", how="left")
    st_cols = status[["indicator_id", "period", "boundary_year", "table_id", "status"]]
    out = out.merge(st_cols, on="indicator_id", how="left", suffixes=("", "_map"))
    for col in ("period", "boundary_year", "table_id"):
        out[col] = out[col].where(out[col].notna(), out[f"{col}_map"])
    titles = dict(zip(sources["table_id"], sources["title"]))
    out["table_title"] = [t if isinstance(t, str) and t != tid else
                          " + ".join(titles.get(p, p) for p in str(tid).split("+")) if isinstance(tid, str) else ""
                          for t, tid in zip(out["table_title"], out["table_id"])]
    scopes = sources.dropna(subset=["snapshot_scope"]) if "snapshot_scope" in sources else sources.iloc[:0]
    out["scope_note"] = out["table_id"].map(dict(zip(scopes["table_id"], scopes["snapshot_scope"])))
    out = out.merge(coverage, on="indicator_id", how="left")
    out["n_values"] = out["n_values"].fillna(0).astype(int)
    out["share_lower"] = [100 * lo / n if pd.notna(n) and n else None for lo, n in zip(out["n_lower"], out["n_total"])]
    others = profile[~profile["is_default_group"].astype(bool) & profile["value"].notna()]
    other_parts: dict[str, list[str]] = {}   # plain loops over columns: iterrows costs ~0.1 ms a row
    for ind, age, value, unit in zip(others["indicator_id"], others["age_group"], others["value"], others["unit"]):
        other_parts.setdefault(ind, []).append(f"{age_text(age) or age}: {fmt_value(value, unit)}")
    out["other_groups"] = ["; ".join(other_parts.get(i, ())) for i in out["indicator_id"]]
    missing = out["value"].isna()
    texts = {i: _missing_text(r, level) for i, r in out[missing].iterrows()}
    out["missing_text"] = [texts.get(i) for i in out.index]
    if gemeente_profile is not None and not gemeente_profile.empty:
        out = gemeente_context(out, gemeente_profile, catalogue)
    order = catalogue_order()
    out["_order"] = out["indicator_id"].map(order).fillna(len(order))
    drop = ["period_map", "boundary_year_map", "table_id_map", "_order"]
    return out.sort_values("_order").drop(columns=drop).reset_index(drop=True)
