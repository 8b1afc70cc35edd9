"""'Beter of slechter dan verwacht?' (profile page): does this buurt do better or worse than its context predicts."""
from __future__ import annotations

import streamlit as st

from dashboard.core.format import fmt_number
from dashboard.stats import queries as q
from dashboard.stats.expected_text import expected_footnote, expected_view, mark_other_area
from dashboard.stats.relation_notes import ABOUT_EXPECTED, ABOUT_EXPECTED_ESTIMATE, estimate_note, left_out_note
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
    notes = []
    if fitted and not model.empty:   # the model left out every buurt without all its figures: said, not only counted
        n, n_excluded = int(model["n"].iloc[0]), int(model["n_excluded"].iloc[0])
        notes.append(left_out_note(n_excluded, n + n_excluded, "heel Nederland", ABOUT_EXPECTED))
    modelled = catalogue.set_index("indicator_id")["modelled"]
    estimates = [x["label"] for x in fitted if bool(modelled.get(x["outcome_id"], False))]
    if estimates:   # an RIVM estimate was itself modelled from income and age, which the expectation uses too
        notes.append(estimate_note(estimates, ABOUT_EXPECTED_ESTIMATE))
    notes = [n for n in notes if n]
    if notes:
        st.markdown("**Lees dit erbij:**\n" + "\n".join(f"- {n}" for n in notes))
    if fitted:
        st.caption(expected_footnote(fitted, q.cached("provenance"), q.cached("stats_models"), catalogue))
