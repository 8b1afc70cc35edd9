"""Charts and HTML blocks (pure: data in, plotly figure or HTML out). Colours are colour-blind safe and never
red/green verdicts."""
from __future__ import annotations

import html
import math
import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.counts import count_row, is_sum_count
from dashboard.core.format import (as_number, buurt_base, declared_decimals, fmt_number, fmt_value, is_rough,
                                   is_rounded_zero, reference_row, shown_decimals,
                                   rough_number, rough_range, rough_value, rounded_zero_parts, rounding_note,
                                   unit_number, value_text)

KRACHT = "#00695c"      # asset lens (dark teal)
ZORGEN = "#5e3c99"      # problem lens (purple): a concern is not an alarm
LENS_COLOUR = {"asset": KRACHT, "problem": ZORGEN, "context": "#4b5563"}
MUTED = "#b8bec6"
HIGHLIGHT = "#d95f02"
# Okabe-Ito, darkened where needed for contrast on white; with a distinct symbol each (not colour alone).
REGION_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7")
REGION_SYMBOLS = ("circle", "square", "diamond", "triangle-up")
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=14, color="#1f2328")
AGE_LABEL = {"18+": "volwassenen (18+)", "65+": "65-plussers", "18-64": "18 tot 65 jaar"}
SHORT_UNITS = ("%", "km", "aantal", "klasse 1-5")
LABEL_CHARS = 28   # compare_dumbbell: the longest line of a row's label
# The profile's HTML blocks; app.py puts this on every page once.
CSS = """
.bb-row{border-top:1px solid #e5e7eb;padding:.55rem 0 .6rem 0;break-inside:avoid}
.bb-row.bb-chosen{background:#fff8e1;outline:2px solid #d95f02;outline-offset:2px}
.bb-head{display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
.bb-label{font-weight:600;font-size:1rem}
.bb-badge{font-size:.72rem;border:1px solid #6b7280;border-radius:.6rem;padding:0 .4rem;color:#374151}
.bb-main{display:flex;gap:.8rem;align-items:baseline;flex-wrap:wrap}
.bb-value{font-size:1.45rem;font-weight:700}
.bb-unit{font-size:.85rem;color:#374151;margin-left:.3rem}
.bb-main .bb-unit{margin-left:-.5rem}
.bb-ctxs{display:flex;gap:2.5rem;flex-wrap:wrap;margin:.3rem 0 .2rem 0}
.bb-ctx-label{font-size:.85rem;color:#4b5563}
.bb-ctx-value{font-size:1.6rem;font-weight:700}
.bb-compare{color:#374151;font-size:.9rem}
.bb-missing{color:#4b5563;font-style:italic}
.bb-bar{position:relative;height:.6rem;background:#eef0f2;border-radius:.3rem;margin:.25rem 0 .1rem 0;
  max-width:22rem;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bb-fill{position:absolute;left:0;top:0;bottom:0;border-radius:.3rem}
.bb-mark{position:absolute;top:-.15rem;width:4px;height:.9rem;border-radius:2px}
.bb-bartext{font-size:.85rem;color:#374151}
.bb-meta{font-size:.78rem;color:#4b5563;margin-top:.15rem}
.bb-html{margin-bottom:-1rem}
.bb-lens{border-bottom:4px solid;padding-bottom:.2rem;margin-bottom:.1rem;font-size:1.5rem;font-weight:700}
/* WCAG 2.1 AA (issue #12): Streamlit's caption grey #797b7e has 4.2:1 on white: darkened to 6.6:1 (5.9:1 on the
   sidebar grey); a focus ring that is always visible, 3px dark teal (6.3:1 on white) outside the element. */
[data-testid="stCaptionContainer"],[data-testid="stCaptionContainer"] p{color:#575b61!important;opacity:1!important}
:focus-visible{outline:3px solid #00695c!important;outline-offset:2px!important}
@media print{[data-testid="stSidebar"],[data-testid="stHeader"],[data-testid="stToolbar"],
  [data-testid="stExpander"]{display:none!important}
  /* Columns that run over a page break overlap in Chromium: stack them (Kracht first) when printing. */
  [data-testid="stHorizontalBlock"]{display:block!important}
  [data-testid="stColumn"]{width:100%!important;max-width:100%!important}
  .bb-row{font-size:10pt}}
"""


# ----------------------------------------------------------------------------------------------- HTML blocks
def age_text(group: object) -> str:
    return AGE_LABEL.get(str(group), "") if isinstance(group, str) else ""


def short_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A comparison value: with a short unit ('17,0%', '0,6 km'), without a long one ('38,6'), at `decimals`
    (format.shown_decimals of its row)."""
    return fmt_value(value, unit, decimals) if unit in SHORT_UNITS else unit_number(value, unit, decimals)


def ref_text(row, key: str) -> str:
    """The gemeente's or Nederland's figure beside a region's ('gemeente' / 'nl'): short_value, or for a rate whose
    rounding interval is wide 'ongeveer 35 (20 tot 50)' (format.value_text's rules)."""
    ref = reference_row(row, key)
    if is_rough(ref):
        return value_text(ref) if ref["unit"] in SHORT_UNITS else rough_number(ref)
    return short_value(ref["value"], ref["unit"], shown_decimals(ref))


def value_html(value: float, unit: str, decimals: int | None = None) -> str:
    """The big number at `decimals` (format.shown_decimals); a long unit ('per 1 000 inwoners') goes next to it in
    small type."""
    if unit in SHORT_UNITS:
        return f'<span class="bb-value">{fmt_value(value, unit, decimals)}</span>'
    return (f'<span class="bb-value">{unit_number(value, unit, decimals)}</span>'
            f'<span class="bb-unit">{html.escape(unit)}</span>')


def share_text(share: float) -> str:
    if share <= 0:
        return "0"   # 'hoger dan 0% tot 1%', not '0,0%'
    return fmt_number(math.floor(share * 10) / 10, 1) if share < 1 else str(math.floor(share))


def bar_label(row, level: str, scope_note: str | None = None) -> str:
    """'hoger dan 24% van de buurten' (plus 'lager is beter' for distances and other lower-is-better assets;
    plus the table's snapshot scope, e.g. 'alleen gemeente Amsterdam', when it does not cover all of NL)."""
    scoped = isinstance(scope_note, str) and bool(scope_note)   # NaN in the profile table where there is none
    scope = f"de buurten ({scope_note})" if scoped else buurt_base(row.get("n_total"), row.get("n_buurten_all"), level)
    n, sure_low, sure_high = (as_number(row.get(c)) for c in ("n_total", "n_lower_sure", "n_higher_sure"))
    if is_rough(row) and n and sure_low is not None and sure_high is not None:
        # the rounding interval: only the buurten below its lowest / above its highest value are surely lower/higher
        text = (f"door de afronding hoger dan {share_text(100 * sure_low / n)}% tot "
                f"{share_text(100 * (n - sure_high) / n)}% van {scope}")
    elif row["n_lower"] == 0 or row["share_lower"] < 1:
        # "none is lower" and "the lowest 1%" hold only among the buurten with a figure: a buurt without one may be
        # lower (the KWB extract blanked its zeros: 720 buurten of 0 inwoners have no density), so the base is
        # named at these extremes even where the coverage is near full
        if not scoped:
            scope = buurt_base(n, row.get("n_buurten_all"), level, coverage=1.0)
        text = (f"geen van {scope} heeft een lagere waarde" if row["n_lower"] == 0 else
                f"bij de laagste 1% van {scope}")
    else:
        text = f"hoger dan {share_text(row['share_lower'])}% van {scope}"
    if row["lens"] == "asset" and row["direction"] == "lower_is_better":
        text += " · lager is beter"
    return text


def indicator_html(row, level: str, gemeente_name: str | None = None, chosen: bool = False) -> str:
    """One indicator: label, 'geschat' badge, value, gemeente and NL, percentile bar, margin, source. Inline parts
    are separated by a space, so a screen reader (and copied text) reads "vrijwilligerswerk geschat 17,0%
    Nederland 24,6%", not one run-together word."""
    esc = html.escape
    colour = LENS_COLOUR.get(row["lens"], "#4b5563")
    # a count CBS rounds (inwoners of a wijk or buurt, to 5) reads as the context strip writes it: 'minder dan 3
    # (CBS rondt af op vijftallen: 0 tot 2)', 'ongeveer 5 (3 tot 7)', not a bare '0' (lowest of all) or '5'
    row = count_row(row, str(row["indicator_id"]), level)
    head = f'<span class="bb-label">{esc(str(row["label"]))}</span>'
    if row["modelled"]:
        head += ' <span class="bb-badge" title="Geschat met een model van RIVM/CBS, niet geteld">geschat</span>'
    age = age_text(row.get("age_group"))
    if pd.isna(row["value"]):
        main, bar = f'<span class="bb-missing">{esc(str(row["missing_text"]))}</span>', ""
        if level in ("buurt", "wijk") and pd.notna(row.get("gemeente_value")):   # the gemeente's figure as context
            # with its unit, whatever its length: no big number beside it carries the unit ('430' of what?)
            parts = [f"cijfer van de gemeente {gemeente_name or ''}: "
                     f"{value_text(reference_row(row, 'gemeente'))}".replace("  ", " ")]
            if pd.notna(row.get("nl_value")):
                parts.append(f"Nederland {value_text(reference_row(row, 'nl'))}")
            main += f' <span class="bb-compare">{esc(" · ".join(parts))}</span>'
    else:
        parts = []
        if level in ("buurt", "wijk") and pd.notna(row["gemeente_value"]):
            parts.append(f"{gemeente_name or 'gemeente'} {ref_text(row, 'gemeente')}")
        if level != "land" and pd.notna(row["nl_value"]):
            parts.append(f"Nederland {ref_text(row, 'nl')}")
        main = f'{value_html(row["value"], row["unit"], shown_decimals(row))} <span class="bb-compare">{esc(" · ".join(parts))}</span>'
        if is_rounded_zero(row):  # a count rounded to 0: no exact 0, and no "lowest of all buurten" bar
            big, small = rounded_zero_parts(row)
            main = f'<span class="bb-value">{esc(big)}</span> <span class="bb-compare">{esc(small)}</span>' \
                   f' <span class="bb-compare">{esc(" · ".join(parts))}</span>'
        elif is_rough(row):  # a ratio of rounded counts with a wide interval: no false precision, and its range
            unit = str(row["unit"])
            big = (f'<span class="bb-value">{esc(rough_value(row))}</span>' if unit in SHORT_UNITS else
                   f'<span class="bb-value">{esc(rough_value({**dict(row), "unit": "aantal"}))}</span>'
                   f'<span class="bb-unit">{esc(unit)}</span>')
            main = (f'{big} <span class="bb-compare">({esc(rough_range(row))})</span> '
                    f'<span class="bb-compare">{esc(" · ".join(parts))}</span>'
                    f'<div class="bb-meta bb-rounding">{esc(rounding_note(row))}</div>')
        # a sum over buurten (the inwoners of a wijk, gemeente or Nederland) is not placed among single buurten
        bar = percentile_bar_html(row["share_lower"], colour, bar_label(row, level, row.get("scope_note")),
                                  sure_span(row)) \
            if pd.notna(row["n_total"]) and row["n_total"] and not is_rounded_zero(row) \
            and not (level != "buurt" and is_sum_count(str(row["indicator_id"]))) else ""
    meta = []
    if pd.notna(row["value"]) and pd.notna(row.get("lower")) and pd.notna(row.get("upper")) \
            and not is_rounded_zero(row):
        d = declared_decimals(row)
        meta.append(f"marge {fmt_value(row['lower'], row['unit'], d)} – {fmt_value(row['upper'], row['unit'], d)}")
    if age:
        meta.append(age)
    if row.get("other_groups"):
        meta.append(str(row["other_groups"]))
    source = [str(row["period"]) if pd.notna(row["period"]) else "",
              f"tabel {row['table_id']}" if pd.notna(row["table_id"]) else "",
              f"indeling {int(row['boundary_year'])}" if pd.notna(row["boundary_year"]) else ""]
    meta.append(" · ".join(s for s in source if s))
    cls = "bb-row bb-chosen" if chosen else "bb-row"
    return (f'<div class="{cls}" id="ind-{esc(str(row["indicator_id"]))}"><div class="bb-head">{head}</div>'
            f'<div class="bb-main">{main}</div>{bar}<div class="bb-meta">{esc(" · ".join(m for m in meta if m))}'
            "</div></div>")


def sure_span(row) -> tuple[float, float] | None:
    """For a rough rate (format.is_rough): the % of buurten surely below it and the % at most below it (its
    rounding interval placed among the buurten: n_lower_sure / n_higher_sure); else None."""
    n, low, high = (as_number(row.get(c)) for c in ("n_total", "n_lower_sure", "n_higher_sure"))
    if not is_rough(row) or not n or low is None or high is None:
        return None
    return 100 * low / n, 100 * (n - high) / n


def percentile_bar_html(share_lower: float | None, colour: str, label: str,
                        span: tuple[float, float] | None = None) -> str:
    """A small horizontal bar: the position of a value among all buurten (0 = lowest, 100 = highest). With `span`
    (a rough rate: sure_span) the bar shades the whole stretch its rounding interval allows, without a mark."""
    if share_lower is None or pd.isna(share_lower):
        return ""
    pos = max(0.0, min(100.0, float(share_lower)))
    text = html.escape(label)
    if span is not None:
        low, high = (max(0.0, min(100.0, float(s))) for s in span)
        return (f'<div class="bb-bar" role="img" aria-label="{text}">'
                f'<div class="bb-span" style="position:absolute;top:-.15rem;height:.9rem;border-radius:.3rem;'
                f'left:{low:.1f}%;width:{max(high - low, 1.0):.1f}%;background:{colour}99"></div></div>'
                f'<div class="bb-bartext">{text}</div>')
    return (f'<div class="bb-bar" role="img" aria-label="{text}">'
            f'<div class="bb-fill" style="width:{pos:.1f}%;background:{colour}33"></div>'
            f'<div class="bb-mark" style="left:calc({pos:.1f}% - 2px);background:{colour}"></div></div>'
            f'<div class="bb-bartext">{text}</div>')


def compare_dumbbell(rows: pd.DataFrame, regions: list[tuple[str, str]], lens: str) -> go.Figure:
    """Per indicator (rows), each chosen region's position among all buurten (0-100), joined by a line.

    rows: indicator_id, label, lens, plus per region code the columns `pos_<code>` (share of buurten with a
    lower value, or NaN) and `text_<code>` (formatted value); optional `base` (format.figure_base), which the
    hover names under each value. regions: [(code, display name)].
    """
    part = rows[rows["lens"] == lens].iloc[::-1]
    fig = go.Figure()
    # each label on lines of at most LABEL_CHARS: on a phone (390 px) one long label ('Getelde stemmen als deel
    # van de kiesgerechtigden, ...') took the width, was cut at the left and left the dots a strip of ~60 px
    labels = ["<br>".join(textwrap.wrap(str(label), LABEL_CHARS, break_long_words=False, break_on_hyphens=False))
              for label in part["label"]]   # a long word stays whole (Arbeidsongeschiktheidsuitkeringen)
    lines = sum(label.count("<br>") for label in labels)
    bases = list(part["base"]) if "base" in part else [None] * len(labels)   # '% van de volwassenen'
    for label, (_, r) in zip(labels, part.iterrows()):
        xs = [r[f"pos_{c}"] for c, _ in regions if pd.notna(r[f"pos_{c}"])]
        if len(xs) >= 2:
            fig.add_trace(go.Scatter(x=[min(xs), max(xs)], y=[label, label], mode="lines", showlegend=False,
                                     hoverinfo="skip", line=dict(color="#c9ced4", width=4)))
    for i, (code, name) in enumerate(regions):
        fig.add_trace(go.Scatter(
            x=part[f"pos_{code}"], y=labels, mode="markers", name=name,
            marker=dict(color=REGION_COLOURS[i % 4], symbol=REGION_SYMBOLS[i % 4], size=13,
                        line=dict(width=1, color="white")),
            hovertext=[f"{html.escape(name)}: {t}" + (f"<br>{html.escape(str(label))}, in {html.escape(str(b))}"
                                                       if isinstance(b, str) and b else "")
                       for t, label, b in zip(part[f"text_{code}"], part["label"], bases)], hoverinfo="text"))
    fig.update_layout(
        height=90 + 34 * max(1, len(labels)) + 30 * lines, margin=dict(l=10, r=10, t=10, b=10), font=FONT,
        separators=",.", plot_bgcolor="white", legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        xaxis=dict(title="positie tussen alle buurten<br>0 = laagste, 100 = hoogste", range=[-2, 102],
                   gridcolor="#eef0f2", tickvals=[0, 25, 50, 75, 100]),
        yaxis=dict(automargin=True, categoryorder="array", categoryarray=labels))
    return fig
