"""The start of a statistics section that is computed for buurten only: its heading, and for any other level one
short note in its place."""
from __future__ import annotations

import streamlit as st

from dashboard.core import state


def buurt_row(region_code: str, heading: str | None, not_a_buurt: str) -> dict | None:
    """Draw the heading (if any); the region's row when it is a buurt, else the caption `not_a_buurt` and None.
    The row is the page's own cached read (state.region_row), not a second read of the same mart_regions row."""
    reg = state.region_row(region_code)
    if heading:
        st.subheader(heading)
    if reg is None or reg["level"] != "buurt":
        st.caption(not_a_buurt)
        return None
    return reg
