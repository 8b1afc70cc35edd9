"""The peer benchmark table (pure, no Streamlit): a buurt beside its gemeente, Nederland and the median of the
buurten most like it."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.core.format import fmt_value, value_text
from dashboard.stats.charts import LENS_NAME
from dashboard.stats.indicator_order import ordered
from dashboard.stats.uncertainty import NO_MARGIN, NO_VALUE, difference_verdict


def peer_benchmark_table(values: pd.DataFrame, region_code: str, peers: Sequence[str], catalogue: pd.DataFrame,
                         gemeente_name: str) -> pd.DataFrame:
    """Per Kracht/Zorgen indicator: this buurt, its gemeente, Nederland and the median of the peers (same table
    and period as the buurt's value), their range and count, the margin verdict against the gemeente where the
    source gives margins, and the source. values: stats_queries.profile_values of the buurt and its peers."""
    cat = ordered(catalogue[catalogue["lens"].isin(["asset", "problem"]) & ~catalogue["hidden"].astype(bool)
                             & catalogue["landing"].astype(bool)])
    rows = []
    for ind in cat.itertuples():
        mine = values[(values["region_code"] == region_code) & (values["indicator_id"] == ind.indicator_id)]
        others = values[values["region_code"].isin(list(peers)) & (values["indicator_id"] == ind.indicator_id)
                        & values["value"].notna()]
        me = mine.iloc[0] if len(mine) else None
        if me is not None and pd.notna(me["value"]):
            others = others[(others["period"] == me["period"]) & (others["table_id"] == me["table_id"])]
            period, table, year = me["period"], me["table_id"], me["boundary_year"]
        elif len(others):
            period, table, year = others[["period", "table_id", "boundary_year"]].mode().iloc[0]
            others = others[(others["period"] == period) & (others["table_id"] == table)]
        else:
            period = table = year = None
        u = ind.unit
        verdict = NO_VALUE if me is None else difference_verdict(me["value"], me["lower"], me["upper"],
                                                                 me["gemeente_value"], me["gemeente_lower"],
                                                                 me["gemeente_upper"])
        vals = others["value"].astype(float)
        # a 0 from a count CBS rounded is '0 tot 15 per 1 000 inwoners (... 0 tot 4)', never '0 per 1 000', and a rate whose
        # rounding interval is wide 'ongeveer 29 per 1 000 inwoners (14 tot 41)' (format.value_text, with the
        # region's own rounding interval where it has one; a peer statistic has none)
        text = lambda v, low=None, high=None: value_text({  # noqa: E731
            "value": v, "unit": u, "round_lower": low, "round_upper": high, "rounding": getattr(ind, "rounding", None),
            "indicator_id": ind.indicator_id})
        mine_text = (lambda key: text(me[f"{key}value"], me.get(f"{key}round_lower"),  # noqa: E731
                                      me.get(f"{key}round_upper")) if me is not None else fmt_value(None, u))
        rows.append({
            "Kant": LENS_NAME[ind.lens], "Onderwerp": ind.label + (" (geschat)" if ind.modelled else ""),
            "Deze buurt": mine_text(""), gemeente_name: mine_text("gemeente_"), "Nederland": mine_text("nl_"),
            "Vergelijkbare buurten (mediaan)": text(float(vals.median())) if len(vals) else fmt_value(None, u),
            "Laagste – hoogste": f"{text(vals.min())} – {text(vals.max())}" if len(vals) else "–",
            "Met cijfer": f"{len(vals)} van {len(peers)}",
            "Verschil met gemeente": verdict if verdict not in (NO_MARGIN, NO_VALUE) else "",
            "Bron": f"{period} · tabel {table} · indeling {int(year)}" if table is not None else ""})
    table = pd.DataFrame(rows)
    if table.empty or not table["Verschil met gemeente"].astype(bool).any():
        table = table.drop(columns="Verschil met gemeente", errors="ignore")
    return table
