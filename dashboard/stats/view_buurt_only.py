"""The start of a statistics section that is computed for buurten only: its heading, and for any other level one
short note in its place."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.stats import queries as q


def buurt_row(region_code: str, heading: str | None, not_a_buurt: str) -> pd.Series | None:
    """Draw the heading (if any); the region's row when it is a buurt, else the caption `not_a_buurt` and None."""
    reg = q.cached("region", region_code)
    if heading:
        st.subheader(heading)
    if reg.empty or reg.iloc[0]["level"] != "buurt":
        st.caption(not_a_buurt)
        return None
    return reg.iloc[0]
