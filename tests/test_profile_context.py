"""The context strip (profile/view.context_html) reads its three rows as plain records (issue #10, server CPU per
run): the same HTML as the pandas way it replaced (set_index and a .loc per row), for every level."""
import html

import pandas as pd

from dashboard.core.counts import count_text
from dashboard.core.format import fmt_number, indicator_decimals
from dashboard.profile import view


def _context_by_loc(p) -> str:
    """context_html as the page made it before: the reference."""
    rows = p.table.set_index("indicator_id")
    blocks, sources = [], set()
    for ind in view.CONTEXT_STRIP:
        if ind not in rows.index:
            continue
        r = rows.loc[ind]
        if pd.isna(r["value"]):
            text, small = str(r["missing_text"]), ""
        elif ind == "stedelijkheid":
            text, small = f"{int(r['value'])} van 5", view.STEDELIJKHEID.get(int(r["value"]), "")
        elif ind == "bevolkingsdichtheid":
            text, small = fmt_number(r["value"], indicator_decimals(ind)), "inwoners per km²"
        else:
            text, small = count_text(r["value"], ind, p.region["level"]), ""
        label = "Stedelijkheid" if ind == "stedelijkheid" else str(r["label"])
        period = f" ({r['period']})" if pd.notna(r["period"]) else ""
        blocks.append(f'<div class="bb-ctx"><div class="bb-ctx-label">{html.escape(label + period)}</div>'
                      f'<span class="bb-ctx-value">{html.escape(text)}</span> '
                      f'<span class="bb-unit">{html.escape(small)}</span></div>')
        if pd.notna(r["table_id"]):
            sources.add(f"{r['attribution']}, {r['table_title']} ({r['table_id']}), indeling "
                        f"{int(r['boundary_year'])}")
    return (f'<div class="bb-ctxs">{"".join(blocks)}</div>'
            f'<div class="bb-meta">{html.escape("; ".join(sorted(sources)))}</div>')


def test_the_context_strip_is_the_html_the_pandas_way_gave(build_dir, monkeypatch, con):
    monkeypatch.setenv("BUURTBALANS_BUILD_DIR", str(build_dir))
    codes = ["NL00", "GM0363", "BU0363AA01"]
    codes += [c for (c,) in con.execute("""select region_code from (select region_code, level, row_number() over
                                           (partition by level order by region_code) as i from mart_regions_table)
                                           where i % (case level when 'buurt' then 700 when 'wijk' then 300
                                                      else 50 end) = 1""").fetchall()]
    for code in codes:
        p = view.load_profile(code)
        assert view.context_html(p) == _context_by_loc(p), code
    assert len(codes) > 40
