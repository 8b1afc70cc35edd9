"""The text blocks of one profile (indicator HTML, the sources list), built once per release, region and chosen
indicator and kept on the shared profile (derived), so a rerun of the same profile (a click elsewhere on the page)
only sends them again.

  indicator_blocks(p, chosen) -> {"asset": [html], "problem": [html], "extra": [(html, description)],
                                  "extra_ids": [id], "context": [html]}
                                                         what render_lens / render_more show, in table order
  sources_markdown(p) -> str                             the 'Bronnen' list: one line per table used
"""
from __future__ import annotations

import pandas as pd

from dashboard.core.charts import indicator_html
from dashboard.profile.table import records


DERIVED_ENTRIES = 16   # per profile: its parts for a few chosen indicators (?indicator=), bounded


def derived(p, key: tuple, make):
    """make() once per profile and key, kept on the profile (p.derived): load_profile's Profile is one shared
    object per release and region, so what the page derives from it is too, without a Streamlit cache call per use
    (st.cache_data hashed its key and unpickled a copy on every call, ~0.2-0.5 ms each, three calls a run for the
    blocks: py-spy, benchmarks/bench_load_server.py). Shared read-only like the profile: never modify the result.
    A profile without the dict (one a test made) gets make() each time."""
    store = getattr(p, "derived", None)
    if store is None:
        return make()
    found = store.get(key)
    if found is None:
        found = make()
        if len(store) < DERIVED_ENTRIES:
            found = store.setdefault(key, found)
    return found


def indicator_blocks(p, chosen: str | None) -> dict[str, list]:
    return derived(p, ("blocks", chosen), lambda: _indicator_blocks(p, chosen))


def _indicator_blocks(_p, chosen: str | None) -> dict[str, list]:
    level, gemeente = _p.region["level"], _p.region.get("gemeente_name")
    rows = plain_records(_p.table)   # plain dicts: a pandas row (iterrows) costs ~0.1 ms each

    def html_of(lens: str | None, landing: bool) -> list[str]:
        return [indicator_html(row, level, gemeente, row["indicator_id"] == chosen) for row in rows
                if bool(row["landing"]) == landing and (lens is None or row["lens"] == lens)]

    extra = [row for row in rows if not bool(row["landing"])]
    return {"asset": html_of("asset", True), "problem": html_of("problem", True),
            "extra": list(zip(html_of(None, False), [str(row["description"]) for row in extra])),
            "extra_ids": [str(row["indicator_id"]) for row in extra],
            "context": html_of("context", True)}


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """frame.to_dict("records"), the same values and types, at half its CPU (a profile table: ~3.5 instead of
    ~7 ms): table.records, with None for a nullable column's NA, as to_dict gives it."""
    rows = records(frame)
    nullable = [c for c, dtype in frame.dtypes.items()
                if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(dtype, pd.StringDtype)]
    if nullable:
        for row in rows:
            for c in nullable:
                if row[c] is pd.NA:
                    row[c] = None
    return rows


def sources_markdown(p) -> str:
    return derived(p, ("sources",), lambda: _sources_markdown(p))


def _sources_markdown(_p) -> str:
    periods: dict[str, set[str]] = {}   # table id -> the periods of the figures shown from it, in table order
    for tid, period in zip(_p.table["table_id"], _p.table["period"]):
        if pd.isna(tid):
            continue
        for t in str(tid).split("+"):
            periods.setdefault(t, set()).update([str(period)] if pd.notna(period) else [])
    src = {row["table_id"]: row for row in plain_records(_p.sources)}
    lines = []
    for tid, seen in periods.items():
        if tid not in src:
            continue
        s = src[tid]
        lines.append(f"- **{s['title']}** ({tid}) · periode hier: {', '.join(sorted(seen))} · "
                     f"{division_word(s)} {int(s['boundary_year'])} · {s['attribution']} · licentie {s['licence']}")
    return "\n".join(lines)


def division_word(source: dict) -> str:
    """'gemeente-indeling' for a table without buurten (the Kiesraad counts: 'buurtindeling 2023' named a division
    it has no figure of), else 'buurtindeling'."""
    total = source.get("buurten_total")
    return "gemeente-indeling" if total is not None and not pd.isna(total) and int(total) == 0 else "buurtindeling"
