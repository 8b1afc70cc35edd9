"""'Beter of slechter dan verwacht?' (profile page): does this buurt do better or worse than its context predicts."""
from __future__ import annotations

import streamlit as st

from dashboard.core.format import fmt_number
from dashboard.stats import queries as q
from dashboard.stats.expected_text import expected_footnote, expected_view, mark_other_area
from dashboard.stats.relation_notes import ABOUT_EXPECTED, left_out_note
from dashboard.stats.view_buurt_only import buurt_row


def render_expected(region_code: str, *, heading: str | None = "Beter of slechter dan verwacht?") -> None:
    """Per outcome: does this buurt do better or worse than its context (income, age, density) predicts?"""
    region = buurt_row(region_code, heading, "Dit berekenen we alleen voor buurten.")
    if region is None:
        return
    catalogue = q.cached("indicators")
    lines = expected_view(q.cached("expected_for", region_code), catalogue)
    from dashboard.divisions import note as division_note
    refused_years = set(division_note.cached_refused(region_code)["boundary_year"])
    lines = mark_other_area(lines, q.cached("provenance"), refused_years)
    if all(x["verdict"] is None for x in lines) and q.cached("stats_models").query("model == 'expected'").empty:
        st.caption("In deze versie van de gegevens is geen verwachting berekend.")
        return
    name = str(region["name"])
    for x in lines:
        st.markdown(f"**{name}** {x['sentence']}" + (f": {x['detail']}." if x["detail"] else "."))
        if x["weak"]:
            st.warning(f"Het model voor ‘{x['label']}’ verklaart weinig (R² = {fmt_number(x['r2'], 2)}). "
                       "Wees voorzichtig met conclusies.", icon=":material/warning:")
    fitted = [x for x in lines if x["spec"]]
    model = q.cached("stats_models").query("model == 'expected'")
    if fitted and not model.empty:   # the model left out every buurt without all its figures: said, not only counted
        n, n_excluded = int(model["n"].iloc[0]), int(model["n_excluded"].iloc[0])
        left_out = left_out_note(n_excluded, n + n_excluded, "heel Nederland", ABOUT_EXPECTED)
        if left_out:
            st.markdown(f"**Lees dit erbij:** {left_out}")
    if fitted:
        st.caption(expected_footnote(fitted, q.cached("provenance"), q.cached("stats_models"), catalogue))
