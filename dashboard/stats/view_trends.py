"""'Ontwikkeling door de jaren' (profile page): the trend panels of a region as small line charts."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import plotly.graph_objects as go
import streamlit as st

from dashboard.core import db
from dashboard.stats import queries as q
from dashboard.stats.charts import LENS_NAME
from dashboard.stats.trend_panels import TrendPanel, trend_figure, trend_panels


@st.cache_data(max_entries=64, ttl=timedelta(hours=6), show_spinner=False)
def _trend_panels_cached(release: str, region_code: str, level: str, ref_code: str | None, ref_name: str | None,
                         lenses: tuple[str, ...]) -> tuple[list[TrendPanel], list[go.Figure]]:
    long = q.cached("series", tuple(c for c in (region_code, ref_code) if c))
    panels = trend_panels(long, q.cached("indicators"), region_code, reference_code=ref_code,
                          reference_name=ref_name, names=q.cached("region_names", region_code), lenses=lenses,
                          level=level)
    return panels, [trend_figure(p) for p in panels]


def render_trends(region_code: str, *, lenses: Sequence[str] = ("asset", "problem"),
                  heading: str | None = "Ontwikkeling door de jaren", columns: int = 3) -> None:
    """Small line charts for every indicator of the region with two or more periods, one per series."""
    reg = q.cached("region", region_code)
    if reg.empty:
        return
    r = reg.iloc[0]
    ref_code, ref_name = (None, None)
    if r["level"] in ("buurt", "wijk") and isinstance(r["gemeente_code"], str):
        ref_code, ref_name = r["gemeente_code"], str(r["gemeente_name"])
    elif r["level"] == "gemeente":
        ref_code, ref_name = "NL00", "Nederland"
    panels, figures = _trend_panels_cached(db.release_key(), region_code, str(r["level"]), ref_code, ref_name,
                                           tuple(lenses))
    if heading:
        st.subheader(heading)
    if not panels:
        st.caption("Voor deze plek is er per cijfer nog maar één meting: er is (nog) geen ontwikkeling te tonen.")
        return
    st.caption("Eén lijn per reeks: cijfers uit verschillende tabellen of schattingen staan nooit op één lijn. "
               "Een stippellijn betekent een andere buurtindeling: niet zonder meer vergelijkbaar. Streepjes om een "
               "punt tonen de 95%-marge, waar de bron die geeft."
               + (f" Gestreept grijs: {ref_name}." if ref_name else ""))
    for lens in lenses:
        part = [p for p in panels if p.lens == lens]
        if not part:
            continue
        st.markdown(f"**{LENS_NAME.get(lens, lens)}**")
        for start in range(0, len(part), columns):
            cols = st.columns(columns)
            for col, p in zip(cols, part[start:start + columns]):
                with col:
                    st.markdown(f"{p.label}" + (" · *geschat*" if p.modelled else ""))
                    st.plotly_chart(figures[panels.index(p)], config={"displayModeBar": False},
                                    key=f"trend_{region_code}_{p.indicator_id}_{p.series}")
                    lines = [p.summary, *p.notes, *([p.verdict] if p.verdict else []), f"Bron: {p.source}."]
                    st.caption(" ".join(s if s.endswith(".") else s + "." for s in lines[:-1]) + " " + lines[-1])
