"""Generated text (pure): the plain-language profile summary (B1 Dutch).

The summary names the asset lens ("Kracht") first, then concerns in neutral words. Comparisons are
direction-aware: a short distance to the huisarts is "dichterbij dan in 80% van de buurten", not "lager".

Honesty rules (issue #8), checked over all buurten by tests/test_summary.py:
- a figure is only called a strength ("sterk punt", "sterkste punt") when it is on the favourable side of the
  middle of all buurten; when nothing stands out, the summary says so;
- a count that CBS rounded to 0 is "0 tot 15 per 1 000 inwoners" (the count 0 tot 4), never a lowest value, and is left out of comparisons;
- a ratio of counts CBS rounded is placed among the buurten by its whole rounding interval: "meer dan in X% van de
  buurten", a strength and a concern count only the buurten below its lowest / above its highest possible value
  (n_lower_sure / n_higher_sure, queries.profile), so an interval that spans the threshold is no strength or
  concern; a wide interval reads "ongeveer 29 (14 tot 41)";
- "meer dan in X% van de buurten" names its base when the figure covers fewer than 90% of the buurten, and a
  gemeente, wijk or Nederland figure set beside buurt figures says so.
"""
from __future__ import annotations

import math

import pandas as pd

from dashboard.core.format import (FEW_INWONERS, MISSING_TEXT, STAND_IN, STANDOUT_SHARE, ZERO_OR_UNKNOWN_WHY,
                                   among_buurten, as_number, buurt_base, few_inwoners_note, fmt_value, is_rough,
                                   is_rounded_zero, rough_number, rounded_zero_text, shown_decimals, sure_shares,
                                   unit_number, value_parts)
from dashboard.core.counts import count_text
from dashboard.profile.table import records

PLACE = {"buurt": "deze buurt", "wijk": "deze wijk", "gemeente": "deze gemeente", "land": "Nederland"}

# What the figure says, as the rest of "In deze buurt …" (verb first, so "Ook …" works too);
# {v} is the value with its unit, {n} the bare number. The words follow the source's definition.
PHRASES = {
    "vrijwilligerswerk": "doet {v} van de volwassenen vrijwilligerswerk",
    "mantelzorger": "geeft {v} van de volwassenen mantelzorg (minstens 3 maanden en/of 8 uur per week)",
    "regie_eigen_leven": "heeft {v} van de volwassenen matig of veel regie over het eigen leven",
    "wekelijks_sporten": "sport {v} van de volwassenen elke week",
    "voldoet_beweegrichtlijn": "beweegt {v} van de volwassenen genoeg volgens de beweegrichtlijn",
    "afstand_huisarts": "wonen de inwoners gemiddeld {v} van de huisarts",
    "afstand_supermarkt": "wonen de inwoners gemiddeld {v} van de grote supermarkt",
    "afstand_kinderdagverblijf": "wonen de inwoners gemiddeld {v} van het kinderdagverblijf",
    "afstand_school": "wonen de inwoners gemiddeld {v} van de basisschool",
    "scholen_binnen_3km": "liggen gemiddeld {v} basisscholen binnen 3 km van de inwoners",
    "ervaren_gezondheid_goed": "noemt {v} van de volwassenen de eigen gezondheid goed of zeer goed",
    "goed_ervaren_gezondheid_trend": "noemt {v} van de volwassenen de eigen gezondheid goed of zeer goed",
    "moeite_met_rondkomen": "heeft {v} van de volwassenen moeite met rondkomen",
    "eenzaam": "voelt {v} van de volwassenen zich eenzaam",
    "ernstig_eenzaam": "voelt {v} van de volwassenen zich ernstig eenzaam",
    "angst_depressie_hoog": "heeft {v} van de volwassenen een hoog risico op angst of depressie",
    "beperkt_door_gezondheid": "is {v} van de volwassenen beperkt door de eigen gezondheid",
    "veel_stress": "had {v} van de volwassenen veel of heel veel stress",
    "huishoudens_laagste_40pct": "hoort {v} van de huishoudens bij de landelijke 40% laagste inkomens (in heel "
                                 "Nederland is dat 40%)",
    "huishoudens_laag_inkomen": "heeft {v} van de huishoudens een inkomen onder de lage-inkomensgrens van CBS",
    "personen_laagste_inkomens": "hoort {v} van de mensen met een eigen inkomen bij de landelijke 40% laagste "
                                 "inkomens (in heel Nederland is dat 40%)",
    "bijstand_per_1000": "krijgen {n} van elke 1.000 inwoners een bijstandsuitkering",
    "ao_per_1000": "krijgen {n} van elke 1.000 inwoners een uitkering voor arbeidsongeschiktheid",
    "ww_per_1000": "krijgen {n} van elke 1.000 inwoners een WW-uitkering",
    "jeugdzorg": "kreeg {v} van de jongeren tot 23 jaar jeugdzorg",
    "wmo_per_1000": "krijgen {n} van elke 1.000 inwoners een Wmo-voorziening",
    "opleiding_laag": "heeft {v} van de inwoners van 15 tot 75 jaar een lage opleiding",
    "misdrijven_per_1000": "registreerde de politie {n} misdrijven per 1.000 inwoners",
}
SMALL_BUURT = FEW_INWONERS  # below this many inwoners (200) CBS suppresses most figures
MIDDLE = STANDOUT_SHARE  # below this share a figure is "rond het midden", not a strong point or a concern (60)
MEDIAN = 50  # a figure on the unfavourable side of the middle of all buurten is never called a strength


def _sure(row, side: str):
    """n_lower_sure / n_higher_sure where the row has them (a rounding interval), else n_lower / n_higher."""
    sure = row.get(f"{side}_sure")
    return row.get(side) if sure is None or pd.isna(sure) else sure


def shares(row) -> tuple[float, float] | None:
    """(% of buurten surely lower, % surely higher) from n_lower/n_higher/n_total (or, for a ratio of rounded
    counts, n_lower_sure/n_higher_sure: below / above its whole rounding interval), or None.
    A count that CBS rounded to 0 has no place among the buurten (its true value is 0 to 4): None.
    The gesprekskaart places a figure by the same function (format.sure_shares)."""
    return sure_shares(row)


def favourable_share(row) -> float | None:
    """% of buurten where this figure is less favourable (direction-aligned); None for neutral figures."""
    s = shares(row)
    if s is None or row["direction"] not in ("higher_is_better", "lower_is_better"):
        return None
    return s[0] if row["direction"] == "higher_is_better" else s[1]


def unfavourable_share(row) -> float | None:
    """% of buurten where this figure is more favourable (direction-aligned); None for neutral figures."""
    s = shares(row)
    if s is None or row["direction"] not in ("higher_is_better", "lower_is_better"):
        return None
    return s[1] if row["direction"] == "higher_is_better" else s[0]


def comparison(row, level: str = "buurt") -> str:
    """'meer dan in 80% van de buurten' / 'dichterbij dan in 95% van de buurten'; the larger side is told,
    with its base ('van de 10.180 buurten met een cijfer') where the figure does not cover nearly all buurten."""
    s = shares(row)
    if s is None:
        return ""
    lower, higher = s
    more = lower >= higher
    share = math.floor(lower if more else higher)
    if share < 50 and is_rough(row):   # the interval reaches from low among the buurten to high
        return "door de afronding niet precies te plaatsen tussen de buurten"
    if share < 50:
        return "ongeveer zoals in de meeste buurten"
    if row["unit"] == "km":
        word = "verder weg" if more else "dichterbij"
    else:
        word = "meer" if more else "minder"
    return f"{word} dan in {share}% van {buurt_base(row.get('n_total'), row.get('n_buurten_all'), level)}"


def _meta(row, level: str = "buurt", inwoners=None) -> str:
    period = str(row.get("period") or "").strip()
    rough = "aantallen afgerond door CBS" if is_rough(row) else ""
    few = few_inwoners_note(str(row.get("unit") or ""), inwoners, level)   # 'bij maar 25 inwoners'
    return ", ".join(p for p in ("geschat" if row.get("modelled") else "", rough, few, period) if p)


def sentence(row, level: str = "buurt", opener: str | None = None, inwoners=None) -> str:
    """One plain sentence about one figure, e.g. 'In deze buurt doet 31,0% van de volwassenen
    vrijwilligerswerk, meer dan in 80% van de buurten (geschat, 2020).' `opener` replaces 'In deze buurt';
    `inwoners` (the region's) adds 'bij maar 25 inwoners' to a rate of a small buurt or wijk."""
    if is_rounded_zero(row):
        value = number = rounded_zero_text(row)
    elif is_rough(row):   # 'ongeveer 29 per 1 000 inwoners (14 tot 41)'
        value, number = value_parts(row)[0], rough_number(row)
    else:
        d = shown_decimals(row)
        value, number = fmt_value(row["value"], row["unit"], d), unit_number(row["value"], row["unit"], d)
    phrase = PHRASES.get(row["indicator_id"], "is de waarde voor '" + str(row["label"]).lower() + "' {v}")
    text = f"{opener or 'In ' + PLACE.get(level, 'deze regio')} {phrase.format(v=value, n=number)}"
    comp = comparison(row, level)
    meta = _meta(row, level, inwoners)
    return text + (f", {comp}" if comp else "") + (f" ({meta})." if meta else ".")


USED = ("indicator_id", "label", "lens", "unit", "direction", "modelled", "landing", "hidden", "in_summary",
        "period", "value", "upper", "rounding", "n_lower", "n_higher", "n_total", "n_buurten_all", "round_lower",
        "round_upper", "n_lower_sure", "n_higher_sure")


def assess(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` plus favourable / unfavourable (vectorised favourable_share / unfavourable_share): the % of buurten
    strictly less / more favourable than this figure; NaN for neutral figures, rounded zeros and no ranking."""
    out = rows.copy()
    n = pd.to_numeric(out.get("n_total"), errors="coerce") if "n_total" in out else pd.Series(float("nan"), out.index)
    rounding = pd.to_numeric(out["rounding"], errors="coerce").fillna(0) if "rounding" in out else 0
    rounded = (rounding > 0) & (pd.to_numeric(out["value"], errors="coerce") == 0)
    ok = (n > 0) & out["value"].notna() & ~rounded
    sure = {side: pd.to_numeric(out.get(side), errors="coerce") for side in ("n_lower", "n_higher")}
    for side in sure:   # a rounding interval: the buurten surely below / above it (shares())
        if f"{side}_sure" in out:
            sure[side] = pd.to_numeric(out[f"{side}_sure"], errors="coerce").fillna(sure[side])
    lower = 100 * sure["n_lower"] / n
    higher = 100 * sure["n_higher"] / n
    hib, lib = out["direction"] == "higher_is_better", out["direction"] == "lower_is_better"
    out["favourable"] = lower.where(hib, higher.where(lib)).where(ok)
    out["unfavourable"] = higher.where(hib, lower.where(lib)).where(ok)
    return out


def _counted(rows: pd.DataFrame, by: str | None = None) -> pd.Series:
    """in_summary, and a STAND_IN series in a region (`by`; all rows are one region without it) whose main figure
    has no value: the summary counts what the profile and the gesprekskaart show in its place."""
    counted = rows["in_summary"].astype(bool)
    for stand_in, main in STAND_IN.items():
        has_main = rows["value"].notna() & (rows["indicator_id"] == main)
        main_there = rows[by].isin(set(rows.loc[has_main, by])) if by else pd.Series(bool(has_main.any()), rows.index)
        counted |= (rows["indicator_id"] == stand_in) & ~main_there
    return counted


def _candidates(rows: pd.DataFrame, lens: str, by: str | None = None) -> pd.DataFrame:
    sel = rows[(rows["lens"] == lens) & _counted(rows, by) & rows["landing"].astype(bool)
               & ~rows["hidden"].astype(bool) & rows["value"].notna()]
    sel = assess(sel)
    return sel[sel["favourable"].notna()]


def summary_items(rows: pd.DataFrame, level: str = "buurt", n_each: int = 2, by: str | None = None
                  ) -> dict[str, pd.DataFrame]:
    """The figures the summary tells, as data: 'strengths' (favourable side of >= MIDDLE % of the buurten),
    'best' (the best asset when none is a strength, only when it is not below the middle of the buurten) and
    'concerns'. Each frame keeps the profile row columns plus favourable / unfavourable. With `by` (e.g.
    'region_code') `rows` may hold many regions and the choice is made per region, vectorised."""
    if by is None:
        return _summary_items_one(rows, n_each)
    rows = rows[[c for c in USED if c in rows] + [by]]  # narrow first: takes of wide frames cost
    assets = _candidates(rows, "asset", by).sort_values("favourable", ascending=False, kind="stable")
    problems = _candidates(rows, "problem", by)
    strong = assets[assets["favourable"] >= MIDDLE].groupby(by, sort=False).head(n_each)
    best = assets[~assets[by].isin(strong[by])].groupby(by, sort=False).head(1)
    best = best[best["favourable"] >= MEDIAN]
    concerns = problems[problems["unfavourable"] >= MIDDLE].sort_values("unfavourable", ascending=False,
                                                                          kind="stable")
    return {"strengths": strong, "best": best, "concerns": concerns.groupby(by, sort=False).head(n_each),
            "assets": assets, "problems": problems}


def _summary_items_one(rows: pd.DataFrame, n_each: int) -> dict[str, pd.DataFrame]:
    """summary_items for one region: the rows pick() chooses, as frames (the grouped path's columns)."""
    cols = [c for c in USED if c in rows]
    chosen = pick(records(rows, cols), n_each)
    out_cols = cols + ["favourable", "unfavourable"]
    return {key: pd.DataFrame(chosen[key], columns=out_cols)
            for key in ("strengths", "best", "concerns", "assets", "problems")}


def _number(value) -> float:
    """A cell as a float; NaN for NULL, NA and text (pd.to_numeric(errors='coerce') of one value)."""
    number = as_number(value)
    return math.nan if number is None else number


def _assessed(row: dict) -> tuple[float, float]:
    """(favourable, unfavourable) of one row, as assess() computes them for a frame; NaN where assess has NaN."""
    n = _number(row.get("n_total"))
    if not (n > 0) or pd.isna(row.get("value")) or is_rounded_zero(row):
        return math.nan, math.nan
    lower, higher = 100 * _number(_sure(row, "n_lower")) / n, 100 * _number(_sure(row, "n_higher")) / n
    direction = row.get("direction")
    if direction == "higher_is_better":
        return lower, higher
    if direction == "lower_is_better":
        return higher, lower
    return math.nan, math.nan


def _candidate_rows(rows: list[dict], lens: str) -> list[dict]:
    """_candidates over plain rows: the lens's summary figures with a value and a place among the buurten."""
    valued = {row["indicator_id"] for row in rows if not pd.isna(row["value"])}
    stand_ins = {s for s, main in STAND_IN.items() if main not in valued}
    out = []
    for row in rows:
        counted = bool(row["in_summary"]) or row["indicator_id"] in stand_ins
        if (row["lens"] == lens and counted and bool(row["landing"]) and not bool(row["hidden"])
                and not pd.isna(row["value"])):
            favourable, unfavourable = _assessed(row)
            if not math.isnan(favourable):
                out.append({**row, "favourable": favourable, "unfavourable": unfavourable})
    return out


def pick(rows: list[dict], n_each: int = 2) -> dict[str, list[dict]]:
    """What summary_items chooses for one region, over plain rows (records()): the same keys, each a list of
    rows with favourable / unfavourable. Python's stable sort keeps ties in row order, as pandas' stable sort."""
    assets = sorted(_candidate_rows(rows, "asset"), key=lambda r: r["favourable"], reverse=True)
    problems = _candidate_rows(rows, "problem")
    strong = [r for r in assets if r["favourable"] >= MIDDLE][:n_each]
    best = [r for r in ([] if strong else assets[:1]) if r["favourable"] >= MEDIAN]
    concerns = sorted((r for r in problems if r["unfavourable"] >= MIDDLE), key=lambda r: r["unfavourable"],
                      reverse=True)
    return {"strengths": strong, "best": best, "concerns": concerns[:n_each], "assets": assets,
            "problems": problems}


def summarize(rows: pd.DataFrame, level: str = "buurt", n_each: int = 2, n_buurten: int | None = None) -> list[str]:
    """Short summary paragraphs, Kracht first. `rows`: one row per indicator (default age group) with
    indicator_id, label, lens, unit, direction, modelled, landing, hidden, in_summary, period, value,
    n_lower, n_higher, n_total (and, where known, rounding, upper, n_buurten_all, missing_reason, status)."""
    place = PLACE.get(level, "deze regio")
    cols = [c for c in (*USED, "missing_reason", "status") if c in rows]
    plain = records(rows, cols)
    items = pick(plain, n_each)
    inwoners = next((r["value"] for r in plain if r["indicator_id"] == "inwoners"), None)
    among = "" if level == "buurt" else " (vergeleken met losse buurten)"
    out = []
    if not items["assets"]:
        out.append(f"**Kracht.** Voor {place} zijn er geen cijfers over kracht die in deze samenvatting meetellen.")
    elif items["strengths"]:
        out.append("**Kracht.** " + _joined(items["strengths"], level, "Ook", inwoners))
    elif items["best"]:
        out.append(f"**Kracht.** Op kracht scoort {place} niet duidelijk hoger dan de meeste buurten{among}. "
                   f"Het gunstigste cijfer: {sentence(items['best'][0], level, inwoners=inwoners)}")
    else:
        out.append(f"**Kracht.** In de cijfers over kracht valt {place} niet op: op geen enkel punt is het hier "
                   f"gunstiger dan in de helft van de buurten{among}. Wat bewoners zelf noemen, telt hier extra.")
    if not items["problems"]:
        out.append(f"**Zorgen.** Voor {place} zijn er geen cijfers over zorgen die in deze samenvatting meetellen.")
    elif not items["concerns"]:
        out.append(f"**Zorgen.** Bij de zorgen valt {place} niet op: op geen enkel punt is het hier "
                   f"ongunstiger dan in {MIDDLE}% van de buurten{among}.")
    else:
        out.append("**Zorgen.** " + _joined(items["concerns"], level, "Daarnaast", inwoners))
    if level != "buurt" and (items["strengths"] or items["best"] or items["concerns"]):
        out.append(among_buurten(level, n_buurten))  # an area's figure was set beside buurt figures: say so
    shown = [r for r in plain if r["lens"] in ("asset", "problem") and bool(r["landing"]) and not bool(r["hidden"])]
    no_value = [r for r in shown if pd.isna(r["value"])]
    missing = len(no_value)
    if missing:
        out.append(f"Over {missing} {'onderwerp' if missing == 1 else 'onderwerpen'} is er geen cijfer "
                   f"voor {place}. Hieronder staat waarom.")
        if level in ("buurt", "wijk") and "status" in rows and any(r["status"] == "andere_indeling" for r in no_value):
            out[-1] += (" Vaak komt dat doordat de bron een oudere buurtindeling gebruikt, waarin deze "
                        f"{'buurt' if level == 'buurt' else 'plek'} anders was ingedeeld.")
        if "missing_reason" in rows and any(r["missing_reason"] == "too_few" for r in shown):
            out[-1] += f" Soms wonen er te weinig mensen: dan staat er '{MISSING_TEXT['too_few']}'."
        if "missing_reason" in rows and any(r["missing_reason"] == "zero_or_unknown" for r in plain):
            out[-1] += " " + ZERO_OR_UNKNOWN_WHY
        few = [r["value"] for r in plain if r["indicator_id"] == "inwoners"]
        if level in ("buurt", "wijk") and few and pd.notna(few[0]) and few[0] < SMALL_BUURT:
            out[-1] += (f" Hier wonen weinig mensen: {count_text(few[0], 'inwoners', level)}. Dan publiceert CBS "
                        "veel cijfers niet, om de privacy te beschermen.")
    return out


def _joined(rows: list[dict], level: str, then: str, inwoners=None) -> str:
    return " ".join(sentence(r, level, None if i == 0 else then, inwoners) for i, r in enumerate(rows))
