"""Pure pieces for the statistics views: display tables, Dutch sentences and plotly figures (no Streamlit).

Inputs are the frames from dashboard.stats.queries and the results of dashboard.stats; every table returned here
is exactly what a page shows and offers as CSV.
"""
from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.charts import FONT, HIGHLIGHT
from dashboard.core.format import fmt_number, indicator_decimals, value_text
from dashboard.stats.deviance import BETTER, HIGHER, LOG_VARIABLES, DevianceResult, bright_spots, possible
from dashboard.stats.relations import RelationResult

LENS_NAME = {"asset": "Kracht", "problem": "Zorgen", "context": "Achtergrond"}
LENS_ORDER = ("asset", "problem", "context")
REFERENCE = "#6b7280"


# ----------------------------------------------------------------------------------------------- catalogue
def indicator_options(catalogue: pd.DataFrame, order: Mapping[str, int] | None = None) -> dict[str, str]:
    """Visible (not hidden) indicators, Kracht first, as id -> 'Kracht · label (geschat)'."""
    cat = catalogue[~catalogue["hidden"].astype(bool)].copy()
    cat["_lens"] = cat["lens"].map({lens: i for i, lens in enumerate(LENS_ORDER)}).fillna(9)
    cat["_pos"] = cat["indicator_id"].map(order or {}).fillna(999)
    cat = cat.sort_values(["_lens", "_pos", "label"])
    return {r.indicator_id: f"{LENS_NAME.get(r.lens, r.lens)} · {r.label}" + (" (geschat)" if r.modelled else "")
            for r in cat.itertuples()}


def column_label(row) -> str:
    """'Doet vrijwilligerswerk (%, geschat)' for table headers."""
    extra = [str(row["unit"])] + (["geschat"] if bool(row["modelled"]) else [])
    return f"{row['label']} ({', '.join(extra)})"


def provenance_text(prov: pd.DataFrame, indicator_id: str) -> str:
    """'tabel 85618NED, 2023, indeling 2023, 12.676 buurten': the one period every model uses for this
    indicator (mart_buurt_wide_sources) and how many buurten have a value in it."""
    rows = prov[prov["indicator_id"] == indicator_id]
    if rows.empty:
        return "geen buurtcijfers in deze gegevens"
    parts = []
    for r in rows.itertuples():
        n = f", {fmt_number(r.n_buurten)} buurten" if "n_buurten" in rows and pd.notna(r.n_buurten) else ""
        parts.append(f"tabel {r.table_id}, {r.period}, indeling {int(r.boundary_year)}{n}")
    return "; ".join(parts)


# ----------------------------------------------------------------------------------------------- numbers
def fmt_sig(value: float | None, digits: int = 3) -> str:
    """A coefficient with `digits` significant digits, Dutch style: -0.35123 -> '-0,351'."""
    if value is None or not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    decimals = min(8, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    text = fmt_number(round(float(value), decimals), decimals)
    return "0" if text.strip("-0,.") == "" else text


def interval_decimals(ci_low: float | None, ci_high: float | None, digits: int = 2) -> int | None:
    """Decimals that give the interval's width `digits` significant digits: the one, coarse precision an
    estimate and its 95% interval share (width 0,72 -> 2 decimals). None when the width is not a positive number."""
    if ci_low is None or ci_high is None or not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return None
    width = abs(float(ci_high) - float(ci_low))
    if width == 0:
        return None
    return min(8, max(0, digits - 1 - math.floor(math.log10(width))))


def fmt_estimate(value: float | None, ci_low: float | None, ci_high: float | None) -> tuple[str, str, str]:
    """An estimate and its 95% interval with one shared precision, set by the interval's width (2 significant
    digits of the width): -0.3402, -0.7024, 0.0215 -> ('-0,34', '-0,70', '0,02'). Falls back to fmt_sig."""
    decimals = interval_decimals(ci_low, ci_high)
    if decimals is None:
        return fmt_sig(value), fmt_sig(ci_low), fmt_sig(ci_high)

    def one(v: float | None) -> str:
        if v is None or not np.isfinite(v):
            return "–"
        text = fmt_number(round(float(v), decimals), decimals)
        return "0" if text.strip("-0,.") == "" else text
    return one(value), one(ci_low), one(ci_high)


def fmt_p(p: float) -> str:
    return "< 0,001" if p < 0.001 else fmt_number(p, 3)


def unit_step(unit: str) -> str:
    """What 'one more' means on this scale: '1 procentpunt', '1 km'."""
    # one of a plural unit is singular ('1 inwoners per km²' was said); '1 x 1 000 euro' is '1.000 euro'
    return {"%": "1 procentpunt", "aantal": "1", "klasse 1-5": "1 klasse", "inwoners per km²": "1 inwoner per km²",
            "adressen per km²": "1 adres per km²", "personen": "1 persoon", "x 1 000 euro": "1.000 euro"
            }.get(unit, f"1 {unit}")


def _step_word(unit: str) -> str:
    return {"%": "procentpunt", "aantal": "", "klasse 1-5": "klasse"}.get(unit, unit)


# ----------------------------------------------------------------------------------------------- relations
def relation_sentence(res: RelationResult, catalogue: pd.DataFrame) -> str:
    """Plain-Dutch reading of the slope, with its interval and whether it is clear."""
    meta = catalogue.set_index("indicator_id")
    x, y = meta.loc[res.x], meta.loc[res.y]
    more = "hoger" if res.coef > 0 else "lager"
    held = ""
    if res.controls:
        held = " bij gelijke " + ", ".join(str(meta.loc[c, "label"]).lower() for c in res.controls) + ","
    coef, low, high = fmt_estimate(res.coef, res.ci_low, res.ci_high)
    # an estimate shown as 0 at its interval's precision is no 'hoger' or 'lager' ('gemiddeld 0 procentpunt hoger')
    change = (f"{coef.lstrip('-')} {_step_word(y['unit'])} {more}" if coef != "0" else
              f"niet hoger of lager (afgerond 0 {_step_word(y['unit'])})")
    text = (f"In buurten waar '{x['label']}' {unit_step(x['unit'])} hoger is, is '{y['label']}'{held} gemiddeld "
            f"{change}".replace("  ", " ").replace(" )", ")") + ". ")
    text += f"95%-betrouwbaarheidsinterval: {low} tot {high}. "
    if res.ci_low <= 0 <= res.ci_high:
        text += "Dat is geen duidelijk verband: 0 ligt binnen het interval."
    else:
        text += "Dat verband is duidelijk (0 ligt buiten het interval), maar zegt niet wat de oorzaak is."
    return text


def regression_table(res: RelationResult, catalogue: pd.DataFrame, prov: pd.DataFrame) -> pd.DataFrame:
    """The regression table as shown and downloaded: terms, then the outcome, R², n and buurten left out."""
    meta = catalogue.set_index("indicator_id")
    rows = [{"Onderdeel": f"Uitkomst (y): {meta.loc[res.y, 'label']}", "Schatting": "", "95%-BI laag": "",
             "95%-BI hoog": "", "p-waarde": "", "Bron": provenance_text(prov, res.y)}]
    for t in res.terms.itertuples():
        name = "Constante" if t.term == "const" else str(meta.loc[t.term, "label"])
        if t.term == res.x:
            name += " (x)"
        elif t.term != "const":
            name += " (rekening mee gehouden)"
        coef, low, high = fmt_estimate(t.coef, t.ci_low, t.ci_high)
        rows.append({"Onderdeel": name, "Schatting": coef, "95%-BI laag": low, "95%-BI hoog": high,
                     "p-waarde": fmt_p(t.p),
                     "Bron": "" if t.term == "const" else provenance_text(prov, t.term)})
    method = "WLS, gewogen naar inwoners" if res.weighted else "OLS"
    for name, value in (("R²", fmt_number(res.r_squared, 3)), ("Aantal buurten in de berekening (n)", fmt_number(res.n_used)),
                        ("Weggelaten: buurten met een ontbrekende waarde", fmt_number(res.n_missing))):
        rows.append({"Onderdeel": name, "Schatting": value, "95%-BI laag": "", "95%-BI hoog": "", "p-waarde": "",
                     "Bron": f"{method}, robuuste standaardfouten (HC3)" if name == "R²" else ""})
    return pd.DataFrame(rows)


# An axis title is one SVG line that never wraps: on a 390 px phone the x-axis title lost its unit ('... laagste
# inkomens' without '(%)'), and the added-variable plot's titles (up to ~150 characters) ran off at 1300 px too.
TITLE_CHARS = {"x": 40, "y": 55}   # what fits under a phone's plot (~330 px) / beside a 420-480 px high one


def wrap_title(text: str, width: int) -> str:
    """A chart title in lines of at most `width` characters (plotly's <br>), each line escaped."""
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(str(text), width)) or ""


def _layout(fig: go.Figure, height: int, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), font=FONT, plot_bgcolor="white",
                      separators=",.", legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
                      xaxis=dict(title=wrap_title(x_title, TITLE_CHARS["x"]), gridcolor="#eef0f2", zeroline=False,
                                 automargin=True),
                      yaxis=dict(title=wrap_title(y_title, TITLE_CHARS["y"]), gridcolor="#eef0f2", zeroline=False,
                                 automargin=True))
    return fig


def _axis_title(meta: pd.DataFrame, ind: str) -> str:
    r = meta.loc[ind]
    return f"{r['label']} ({r['unit']}{', geschat' if bool(r['modelled']) else ''})"


def _points_trace(data: pd.DataFrame, xcol: str, ycol: str, name: str, colour: str, size, x_fmt: str, y_fmt: str,
                  labels: tuple[str, str] = ("x", "y"), **kwargs) -> go.Scatter:
    xl, yl = (html.escape(str(v)) for v in labels)
    # a 0 from a count CBS rounded is drawn at 0 but named as what it is ('0 tot 15 per 1 000 inwoners (...)', never '0,0')
    texts = [data[f"{c}_text"].fillna("").astype(str) if f"{c}_text" in data else None for c in (xcol, ycol)]
    shown = [f"%{{customdata[{2 + sum(u is not None for u in texts[:i])}]}}" if t is not None
             else f"%{{{axis}:{fmt}}}" for i, (t, axis, fmt) in enumerate(zip(texts, ("x", "y"), (x_fmt, y_fmt)))]
    return go.Scatter(
        x=data[xcol], y=data[ycol], mode="markers", name=name,
        customdata=np.column_stack([data["name"].astype(str), data["gemeente_name"].fillna("").astype(str),
                                    *[t for t in texts if t is not None]]),
        hovertemplate=f"<b>%{{customdata[0]}}</b> (%{{customdata[1]}})<br>{xl}: {shown[0]}<br>"
                      f"{yl}: {shown[1]}<extra></extra>",
        marker=dict(color=colour, size=size, line=dict(width=0.5 if len(data) < 1500 else 0, color="white")),
        **kwargs)


def scatter_figure(res: RelationResult, wide: pd.DataFrame, catalogue: pd.DataFrame,
                   highlight: str | None = None, intervals: pd.DataFrame | None = None) -> go.Figure:
    """Buurten (x, y) with the fitted line and its 95% band; `highlight` drawn large and labelled. `intervals`
    (stats queries.rounding_intervals) gives the hover of a rate of rounded counts its range ('ongeveer 29 …')."""
    meta = catalogue.set_index("indicator_id")
    data = res.points.set_index("region_code").join(wide[["name", "gemeente_name", "inwoners"]]).reset_index()
    for axis, ind in (("x", res.x), ("y", res.y)):
        bounds = {} if intervals is None else {
            r: (lo, hi) for r, i, lo, hi in intervals[["region_code", "indicator_id", "round_lower",
                                                        "round_upper"]].itertuples(index=False) if i == ind}
        # the unit and rounding once per axis: a .loc per buurt cost 7 s for the 11,000 buurten of all NL
        unit, rounding = meta.loc[ind, "unit"], meta.loc[ind].get("rounding")
        data[f"{axis}_text"] = [value_text({"value": v, "unit": unit, "rounding": rounding, "indicator_id": ind,
                                            "round_lower": bounds.get(code, (None, None))[0],
                                            "round_upper": bounds.get(code, (None, None))[1]})
                                for code, v in zip(data["region_code"], data[axis])]
    size = 7 if len(data) < 1500 else 4  # thousands of buurten: small dots, so the cloud keeps its shape
    if res.weighted:  # WLS: show the weight, so big buurten visibly count more
        w = data["inwoners"].astype(float)
        size = (4 + 14 * np.sqrt(w / w.max())).to_numpy()
    fig = go.Figure()
    line = res.line
    # The band and the line show only values the outcome can have: the band of a share near 100% reached 115%
    # (Heerde, 9 buurten) and the y-axis with it. The band's ends are clipped (deviance.possible, as the
    # expectation of 'Beter dan verwacht'); where the line itself leaves the range it is not drawn.
    unit = str(meta.loc[res.y, "unit"])
    high, low = possible(line["ci_high"].to_numpy(float), unit), possible(line["ci_low"].to_numpy(float), unit)
    fit = line["fit"].to_numpy(float)
    fit = np.where(possible(fit, unit) == fit, fit, np.nan)
    fig.add_trace(go.Scatter(x=np.r_[line["x"], line["x"][::-1]], y=np.r_[high, low[::-1]],
                             fill="toself", fillcolor="rgba(0,114,178,0.15)", line=dict(width=0), hoverinfo="skip",
                             name="95%-betrouwbaarheidsband"))
    labels = (meta.loc[res.x, "label"], meta.loc[res.y, "label"])
    fig.add_trace(_points_trace(data, "x", "y", "Buurten", "rgba(100,110,120,0.55)", size, ".1f", ".1f", labels))
    fig.add_trace(go.Scatter(x=line["x"], y=fit, mode="lines", name="Lijn door de buurten",
                             line=dict(color="#0072b2", width=3), hoverinfo="skip"))
    if highlight is not None and highlight in set(data["region_code"]):
        me = data[data["region_code"] == highlight]
        fig.add_trace(_points_trace(me, "x", "y", f"Gekozen: {me['name'].iloc[0]}", HIGHLIGHT, 16, ".1f", ".1f",
                                    labels, text=me["name"], textposition="top center"))
        fig.data[-1].mode = "markers+text"
    return _layout(fig, 480, _axis_title(meta, res.x), _axis_title(meta, res.y))


def partial_figure(res: RelationResult, wide: pd.DataFrame, catalogue: pd.DataFrame,
                   highlight: str | None = None) -> go.Figure:
    """Added-variable plot: x and y both corrected for the controls; the slope of the line is the coefficient."""
    meta = catalogue.set_index("indicator_id")
    data = res.partial.set_index("region_code").join(wide[["name", "gemeente_name"]]).reset_index()
    fig = go.Figure()
    fig.add_trace(_points_trace(data, "x_resid", "y_resid", "Buurten", "rgba(100,110,120,0.55)", 7, "+.2f", "+.2f"))
    xs = np.array([data["x_resid"].min(), data["x_resid"].max()])
    slope = fmt_estimate(res.coef, res.ci_low, res.ci_high)[0]
    fig.add_trace(go.Scatter(x=xs, y=res.coef * xs, mode="lines", name=f"Helling {slope}",
                             line=dict(color="#0072b2", width=3), hoverinfo="skip"))
    if highlight is not None and highlight in set(data["region_code"]):
        me = data[data["region_code"] == highlight]
        fig.add_trace(_points_trace(me, "x_resid", "y_resid", f"Gekozen: {me['name'].iloc[0]}", HIGHLIGHT, 16,
                                    "+.2f", "+.2f"))
    held = ", ".join(str(meta.loc[c, "label"]).lower() for c in res.controls)
    return _layout(fig, 420, f"{meta.loc[res.x, 'label']}: verschil met verwachting op basis van {held}",
                   f"{meta.loc[res.y, 'label']}: verschil met verwachting")


# ----------------------------------------------------------------------------------------------- beter dan verwacht
def asset_ids(catalogue: pd.DataFrame, wide: pd.DataFrame) -> list[str]:
    """Kracht indicators shown next to bright spots (visible, on landing views, with a value for some buurt in the
    frame). A figure no buurt has (the Kiesraad turnout, per gemeente only) gave a column of '–' in every row."""
    cat = catalogue[(catalogue["lens"] == "asset") & ~catalogue["hidden"].astype(bool)
                    & catalogue["landing"].astype(bool)]
    return [i for i in cat["indicator_id"] if i in wide.columns and wide[i].notna().any()]


def bright_spots_table(res: DevianceResult, wide: pd.DataFrame, catalogue: pd.DataFrame,
                       assets: Sequence[str]) -> pd.DataFrame:
    """Buurten clearly better than expected (outside the 95% prediction interval, on the good side) with their
    Kracht values: the list as shown and downloaded. Never the buurten that do worse."""
    meta = catalogue.set_index("indicator_id")
    wanted = HIGHER if res.direction == "neutral" else BETTER
    spots = bright_spots(res, wide, list(assets), flag=wanted)
    d = indicator_decimals(res.outcome)   # each column at its indicator's decimals (catalogue)
    d = 1 if d is None else d
    unit = str(meta.loc[res.outcome, "unit"])
    out = pd.DataFrame({
        "Buurt": spots["name"].astype(str) if "name" in spots else spots.index,
        "Gemeente": wide.loc[spots.index, "gemeente_name"].astype(str).to_numpy(),
        "Code": spots.index.astype(str),
        column_label(meta.loc[res.outcome]): spots["observed"].round(d).to_numpy(),
        "Verwacht": possible(spots["expected"], unit).round(d).to_numpy(),   # never below 0% or above 100%
        "Marge verwachting: laag": possible(spots["pi_low"], unit).round(d).to_numpy(),
        "Marge verwachting: hoog": possible(spots["pi_high"], unit).round(d).to_numpy()})
    decimals = {c: d for c in list(out.columns)[3:]}
    for a in assets:
        da = indicator_decimals(a)
        out[column_label(meta.loc[a])] = spots[a].astype(float).round(1 if da is None else da).to_numpy()
        decimals[column_label(meta.loc[a])] = 1 if da is None else da
    out = out.reset_index(drop=True)
    out.attrs["decimals"] = decimals   # for shown_numbers: each column as it was rounded
    return out


def shown_numbers(table: pd.DataFrame):
    """A table as a page shows it: the same numbers (sorting and the CSV stay numeric), each column in
    table.attrs['decimals'] written as the rest of the app writes it, at its decimals with a decimal comma
    ('38,0' beside '37,5'; a distance '0,30'), '–' for no figure. The browser's own format ('localized')
    dropped a whole value's decimal ('38', '0,3')."""
    decimals = table.attrs.get("decimals") or {}
    return table.style.format({c: (lambda v, d=d: fmt_number(v, d)) for c, d in decimals.items() if c in table},
                              na_rep="–")


def coefficients_table(res: DevianceResult, catalogue: pd.DataFrame) -> pd.DataFrame:
    labels = catalogue.set_index("indicator_id")["label"]
    names = ["Constante" if t == "const" else str(labels.get(t, t)) + (" (log)" if t in LOG_VARIABLES else "")
             for t in res.coefficients["term"]]
    return pd.DataFrame({"Kenmerk": names, "Coëfficiënt": [fmt_sig(c) for c in res.coefficients["coef"]]})
