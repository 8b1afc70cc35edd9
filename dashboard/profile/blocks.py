"""The text blocks of one profile (indicator HTML, the sources list), built once per release, region and chosen
indicator, so a rerun of the same profile (a click elsewhere on the page) only sends them again.

  indicator_blocks(p, chosen) -> {"asset": [html], "problem": [html], "extra": [(html, description)],
                                  "extra_ids": [id], "context": [html]}
                                                         what render_lens / render_more show, in table order
  sources_markdown(p) -> str                             the 'Bronnen' list: one line per table used
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.core import db
from dashboard.core.charts import indicator_html


def indicator_blocks(p, chosen: str | None) -> dict[str, list]:
    return _indicator_blocks(db.release_key(), str(p.region["region_code"]), chosen, p)


@st.cache_data(max_entries=256, ttl=timedelta(hours=6), show_spinner=False)
def _indicator_blocks(release: str, code: str, chosen: str | None, _p) -> dict[str, list]:
    """(release, code, chosen) identify the profile _p (not hashed: load_profile's cached result for code)."""
    table, level, gemeente = _p.table, _p.region["level"], _p.region.get("gemeente_name")
    landing = table["landing"].astype(bool)

    def html_of(rows: pd.DataFrame) -> list[str]:
        return [indicator_html(row, level, gemeente, row["indicator_id"] == chosen) for _, row in rows.iterrows()]

    extra = table[~landing]
    return {"asset": html_of(table[(table["lens"] == "asset") & landing]),
            "problem": html_of(table[(table["lens"] == "problem") & landing]),
            "extra": list(zip(html_of(extra), [str(d) for d in extra["description"]])),
            "extra_ids": [str(i) for i in extra["indicator_id"]],
            "context": html_of(table[(table["lens"] == "context") & landing])}


def sources_markdown(p) -> str:
    return _sources_markdown(db.release_key(), str(p.region["region_code"]), p)


@st.cache_data(max_entries=256, ttl=timedelta(hours=6), show_spinner=False)
def _sources_markdown(release: str, code: str, _p) -> str:
    used = _p.table.dropna(subset=["table_id"])
    ids = dict.fromkeys(t for tid in used["table_id"] for t in str(tid).split("+"))
    periods = used.assign(t=used["table_id"].str.split("+")).explode("t").groupby("t")["period"].agg(
        lambda s: ", ".join(sorted({str(x) for x in s if pd.notna(x)})))
    src = _p.sources.set_index("table_id")
    lines = []
    for tid in ids:
        if tid not in src.index:
            continue
        s = src.loc[tid]
        lines.append(f"- **{s['title']}** ({tid}) · periode hier: {periods.get(tid, s['period'])} · "
                     f"buurtindeling {int(s['boundary_year'])} · {s['attribution']} · licentie {s['licence']}")
    return "\n".join(lines)
