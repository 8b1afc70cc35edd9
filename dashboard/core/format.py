"""Dutch number and label formatting shared by pages, charts and the gesprekskaart.

Also the words for a value that is not an exact number: why a figure is missing (per level: a country has no
buurtindeling), a count that CBS rounded to 0 ("0 tot 15 per 1 000 inwoners": the count is 0 tot 4; never "0" and never "the
lowest"), and a ratio of
rounded counts whose rounding interval is wide ("ongeveer 29 per 1 000 inwoners (14 tot 41)"). `value_text` is the
one formatter every page, chart hover and print calls for a shown figure.

Precision belongs to the indicator, not the unit: the catalogue's `decimals` (pipelines/catalogue.toml: the source
column's DataProperties `Decimals`, or the precision we publish for our own ratios) is how many decimals every
figure of an indicator shows, a whole value included ('56%' for koopwoningen, '6,0' schools beside '8,3'). A ratio
of rounded counts shows fewer where its rounding interval is wide (shown_decimals: an interval of 1 or more shows
no decimal). A row names its precision by a `decimals` value or its `indicator_id` (looked up in the catalogue);
a figure with neither (a count of buurten) keeps the unit's rule.
"""
from __future__ import annotations

import functools
import math
import re

TOO_FEW = "te weinig inwoners voor een betrouwbaar cijfer"
ZERO_OR_UNKNOWN = "0 of onbekend"
ZERO_OR_UNKNOWN_WHY = ("'0 of onbekend': in de meegeleverde cijfers van 2024 is een 0 leeg gemaakt, dus een leeg vak "
                       "kan 0 zijn of onbekend.")
NO_NATIONAL = "deze tabel heeft geen landcijfer"
MISSING_TEXT = {"suppressed": "geheim (te weinig mensen of onbetrouwbaar)", "not_available": "niet beschikbaar",
                "too_few": TOO_FEW, "zero_or_unknown": ZERO_OR_UNKNOWN, "geen_landcijfer": NO_NATIONAL,
                None: "niet beschikbaar"}
NOT_IN_DATA = "niet in de meegeleverde gegevens"
DIVISION_WORD = {"buurt": "buurtindeling", "wijk": "wijkindeling", "gemeente": "gemeentelijke indeling"}
# Below this share of all current buurten, "hoger dan X% van de buurten" names its base ("van de 10.180 buurten
# met een cijfer"): a percentage of the buurten that have a figure is not a percentage of all buurten.
FULL_COVERAGE = 0.9


def _nl(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def fmt_number(value: float | None, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return _nl(float(value), decimals)


# Units whose every source publishes one fixed number of decimals (CBS DataProperties `Decimals`: KWB distances
# and household size to 0,1): a whole value keeps that decimal, so '1,0 km' reads beside '1,3 km', never '1 km'.
# A unit shared by sources of different precision ('aantal', 'x 1 000 euro') is not listed; a share ('%') always
# shows one decimal. tests/test_format_precision.py checks each listed unit against the source's DataProperties.
UNIT_DECIMALS = {"km": 1, "personen": 1}


def unit_number(value: float | None, unit: str, decimals: int | None = None) -> str:
    """The number of a figure at its unit's precision, without the unit: `1.0, 'km'` -> '1,0'."""
    if decimals is None:
        decimals = 1 if unit == "%" else UNIT_DECIMALS.get(unit)
    return fmt_number(value, decimals)


def fmt_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """`17.0, '%'` -> '17,0%'; `1.0, 'km'` -> '1,0 km'; `931298, 'aantal'` -> '931.298'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return unit_number(value, unit, decimals) + "%"
    if unit in ("aantal", "klasse 1-5"):
        return fmt_number(value, decimals)
    return f"{unit_number(value, unit, decimals)} {unit}"


@functools.lru_cache(maxsize=1)
def _catalogue_decimals() -> dict[str, int]:
    from pipelines.catalogue import load_catalogue
    return {ind.id: ind.decimals for ind in load_catalogue().indicators}


def indicator_decimals(indicator_id) -> int | None:
    """The decimals of an indicator's figures (catalogue `decimals`), or None for an unknown id."""
    return _catalogue_decimals().get(indicator_id) if isinstance(indicator_id, str) else None


def declared_decimals(row, decimals: int | None = None) -> int | None:
    """The precision a row's figure is published with: `decimals` when given, else the row's own `decimals`, else
    its indicator's (catalogue); None when none is known (the unit's rule applies)."""
    if decimals is not None:
        return int(decimals)
    own = row.get("decimals")
    own = None if own is None else as_number(own)
    return int(own) if own is not None else indicator_decimals(row.get("indicator_id"))


def interval_decimals(low: float, high: float) -> int | None:
    """The most decimals a figure whose true value lies somewhere from `low` to `high` supports: a decimal only
    while the interval is narrower than one unit of the digit before it (1 or wider: none; 0,1 up to 1: one;
    0,01 up to 0,1: two). None for no width (an exact figure)."""
    width = high - low
    if not width > 0:
        return None
    return max(0, math.ceil(-math.log10(width) - 1e-9))


def shown_decimals(row, decimals: int | None = None) -> int | None:
    """The decimals a row's figure is shown with: its declared precision (declared_decimals), never finer than the
    rounding interval of the counts CBS rounded allows (interval_decimals). A gemeente's rate has exact inwoners
    and a narrow interval (its declared decimal), a small buurt's a wide one ('54' where the counts allow 49 to
    59). None when neither is known (the unit's rule)."""
    declared = declared_decimals(row, decimals)
    bounds = rounding_bounds(row)
    cap = interval_decimals(*bounds) if bounds is not None and not is_rounded_zero(row) else None
    if cap is None:
        return declared
    return min(declared, cap) if declared is not None else min(1, cap)


def reference_row(row, key: str) -> dict:
    """The gemeente's or Nederland's figure beside a region's row (`key` 'gemeente' / 'nl') as a row of its own:
    its value and rounding interval, the region's unit, rounding and declared decimals. Every view that shows a
    reference formats this row (shown_decimals, value_text), so a reference is shown alike everywhere."""
    return {"value": as_number(row.get(f"{key}_value")), "unit": str(row.get("unit") or ""),
            "rounding": row.get("rounding"), "round_lower": row.get(f"{key}_round_lower"),
            "round_upper": row.get(f"{key}_round_upper"), "decimals": declared_decimals(row),
            "indicator_id": row.get("indicator_id")}


def as_number(value) -> float | None:
    """A number from a database cell or record value, or None (NULL, NaN, text that is no number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def is_rounded_zero(row) -> bool:
    """A 0 computed from a count that CBS rounded (catalogue `numerator_rounding`): it means 0 to 4, not 0."""
    rounding = as_number(row.get("rounding"))
    return bool(rounding) and as_number(row.get("value")) == 0


ROUNDED_TO = {5: "vijftallen", 10: "tientallen", 100: "honderdtallen"}
# A figure whose rounding interval reaches further than this share of the value away from it is "ongeveer":
# shown without decimals and with its range (WW 10 of 345 inwoners: 29 per 1 000, really 14 to 41).
ROUGH_SHARE = 0.1


def rounding_bounds(row) -> tuple[float, float] | None:
    """(round_lower, round_upper): the lowest and highest figure the counts CBS rounded allow (pipelines/values.py),
    or None for a figure without one (exact counts, estimates, no value). For a rounded 0 from a release before the
    rounding interval had its own columns (a frozen wijkagenda baseline), `upper` held its bound."""
    if as_number(row.get("value")) is None:
        return None
    lo, hi = as_number(row.get("round_lower")), as_number(row.get("round_upper"))
    if hi is None and is_rounded_zero(row):
        lo, hi = 0.0, as_number(row.get("upper"))
    return None if lo is None or hi is None else (lo, hi)


def is_rough(row) -> bool:
    """A value whose rounding interval is wide relative to it (beyond ROUGH_SHARE of the value on either side):
    it reads 'ongeveer 29 per 1 000 inwoners (14 tot 41)'. A rounded 0 has its own words (is_rounded_zero)."""
    bounds = rounding_bounds(row)
    if bounds is None or is_rounded_zero(row):
        return False
    value = as_number(row.get("value"))
    return max(value - bounds[0], bounds[1] - value) > ROUGH_SHARE * abs(value)


def _rough_ends(row) -> tuple[float, float, int]:
    """The rounding interval widened outwards to the decimals it is shown with (never narrower than it is)."""
    lo, hi = rounding_bounds(row)
    d = shown_decimals(row)
    d = 1 if d is None else d
    step = 10 ** -d
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, d


def rough_range(row) -> str:
    """'14 tot 41' ('10 tot 20%', '1,4 tot 4,2'): the rounding interval at the decimals it is shown with."""
    low, high, d = _rough_ends(row)
    return f"{fmt_number(low, d)} tot {fmt_number(high, d)}" + ("%" if row.get("unit") == "%" else "")


def rough_value(row) -> str:
    """'ongeveer 29 per 1 000 inwoners': the value without false precision."""
    return "ongeveer " + fmt_value(as_number(row.get("value")), str(row.get("unit") or ""), _rough_ends(row)[2])


def rough_number(row) -> str:
    """'ongeveer 29 (14 tot 41)': a rough value without its unit, for sentences that name the unit themselves."""
    low, high, d = _rough_ends(row)
    return f"ongeveer {fmt_number(as_number(row.get('value')), d)} ({rough_range(row)})"


def rounding_note(row) -> str:
    """The short explanation beside a rough value, in the source table's own rounding: 'CBS rondt de aantallen
    af waaruit dit cijfer is berekend (op tientallen). Daardoor ligt het echte cijfer ergens tussen 14 en 41 per
    1 000 inwoners.'"""
    rounding = int(as_number(row.get("rounding")) or 0)
    how = f" (op {ROUNDED_TO.get(rounding, f'{rounding}-tallen')})" if rounding else ""
    low, high, d = _rough_ends(row)
    unit = str(row.get("unit") or "")
    if not (unit == "%" or unit.startswith("per ")):   # the count itself (inwoners of a buurt, rounded to fives)
        return (f"CBS rondt dit aantal af{how}. Daardoor ligt het echte aantal ergens tussen {fmt_number(low, d)} "
                f"en {fmt_number(high, d)}.")
    return (f"CBS rondt de aantallen af waaruit dit cijfer is berekend{how}. Daardoor ligt het echte cijfer "
            f"ergens tussen {fmt_number(low, d)} en {fmt_value(high, unit, d)}.")


def _rounded_zero_largest(rounding) -> int:
    """The largest true count that CBS rounds to 0 (to tens: 4; to fives: 2; unknown rounding: tens)."""
    return (int(as_number(rounding) or 10) - 1) // 2


def rounded_zero_counts(rounding) -> str:
    """'0 tot 4': the true counts behind a count that CBS rounded to 0 (rounding to tens)."""
    return f"0 tot {_rounded_zero_largest(rounding)}"


def rounded_zero_parts(row) -> tuple[str, str]:
    """A figure computed from a count that CBS rounded to 0, as (main text, explanation):
    - a rate or share with its rounding interval: ('0 tot 9 per 1 000 inwoners', 'CBS rondt af op tientallen: het
      getelde aantal is 0 tot 4'): the main text is in the figure's own unit, so it cannot be read as '4 per 1 000';
      its upper end is widened outwards to the decimals the interval supports (8,2 -> 9), as 'ongeveer' ranges are;
    - a rate or share without its bound (a peer range's lowest, an old baseline without one): ('afgerond 0', 'CBS
      rondt af op tientallen: het getelde aantal is 0 tot 4');
    - a count itself (inwoners of a buurt, rounded to fives): ('minder dan 3', 'CBS rondt af op vijftallen: 0 tot 2').
    """
    rounding = int(as_number(row.get("rounding")) or 10)
    how = f"CBS rondt af op {ROUNDED_TO.get(rounding, f'{rounding}-tallen')}"
    bounds = rounding_bounds(row)
    upper = bounds[1] if bounds else None
    counted = f"{how}: het getelde aantal is {rounded_zero_counts(rounding)}"
    unit = str(row.get("unit") or "")
    if not (unit == "%" or unit.startswith("per ")):   # the count itself
        return f"minder dan {_rounded_zero_largest(rounding) + 1}", f"{how}: {rounded_zero_counts(rounding)}"
    if not upper:
        return "afgerond 0", counted
    declared = declared_decimals(row)
    d = min(1 if declared is None else declared, interval_decimals(0.0, upper))
    step = 10 ** -d
    high = math.ceil(upper / step - 1e-9) * step
    return f"0 tot {fmt_value(high, unit, d)}", counted


def rounded_zero_text(row) -> str:
    """'0 tot 9 per 1 000 inwoners (CBS rondt af op tientallen: het getelde aantal is 0 tot 4)' for a rounded 0."""
    big, small = rounded_zero_parts(row)
    return f"{big} ({small})"


def value_parts(row, decimals: int | None = None) -> tuple[str, str]:
    """The value of a row as (main text, explanation; '' when the figure is exact enough):
    - a rounded 0: ('0 tot 9 per 1 000 inwoners', 'CBS rondt af op tientallen: het getelde aantal is 0 tot 4');
    - a rough value: ('ongeveer 29 per 1 000 inwoners (14 tot 41)', 'CBS rondt de aantallen af ...');
    - else (fmt_value at shown_decimals, '').
    `decimals` overrides the row's declared precision (the rounding interval still caps it)."""
    if decimals is not None:
        row = {**dict(row), "decimals": decimals}
    if is_rounded_zero(row):
        return rounded_zero_parts(row)
    if is_rough(row):
        return f"{rough_value(row)} ({rough_range(row)})", rounding_note(row)
    return fmt_value(as_number(row.get("value")), str(row.get("unit") or ""), shown_decimals(row)), ""


def value_text(row, decimals: int | None = None, explain: bool = False) -> str:
    """THE formatter of a shown figure (a mart_profile / mart_indicator_series / mart_map_values row, or any dict
    with value, unit, rounding, round_lower, round_upper): a rounded 0 as '0 tot 9 per 1 000 inwoners (CBS rondt
    af op tientallen: het getelde aantal is 0 tot 4)', a value whose rounding interval is wide as 'ongeveer 29 per 1 000
    inwoners (14 tot 41)' (with `explain`, followed by the rounding note), else fmt_value."""
    main, note = value_parts(row, decimals)
    if is_rounded_zero(row):
        return f"{main} ({note})"
    return f"{main}. {note}" if explain and note else main


def range_overlaps(row, ref: float | None, ref_lower: float | None = None, ref_upper: float | None = None) -> bool:
    """Do the row's rounding interval and a reference (its own rounding interval where it has one) overlap? Then
    the rounded counts do not support 'hoger' or 'lager' than the reference. False without a rounding interval."""
    bounds = rounding_bounds(row)
    if bounds is None or ref is None:
        return False
    low, high = (ref_lower, ref_upper) if ref_lower is not None and ref_upper is not None else (ref, ref)
    return bounds[0] <= high and low <= bounds[1]


def other_division_text(level: str, year) -> str:
    """Why a current region has no value from a table on another division, in words that fit the level."""
    if level == "land":
        return NO_NATIONAL
    word = DIVISION_WORD.get(level, "indeling")
    return f"niet beschikbaar (andere {word} in {int(year)})" if year is not None else f"niet beschikbaar (andere {word})"


def buurt_base(n_total, n_all, level: str = "buurt", coverage: float = FULL_COVERAGE) -> str:
    """The base of 'hoger dan X% van …': 'de buurten', or 'de 10.180 buurten met een cijfer' when the figure
    covers fewer than `coverage` of all buurten (1.0: whenever a buurt lacks one). A gemeente, wijk or Nederland
    figure set beside buurt figures says so once per block of text (AMONG_BUURTEN), not in every phrase."""
    n, all_ = as_number(n_total), as_number(n_all)
    if n and all_ and n < coverage * all_:
        return f"de {fmt_number(n)} buurten met een cijfer"
    return "de buurten" if level == "buurt" else "alle buurten"


# A rate per 1 000 inwoners of a buurt or wijk with fewer inwoners than this says how few: one person more or less
# moves it by 5 or more (CBS's own Wmo rate of a buurt of 25 inwoners is 520 per 1 000: 13 people).
FEW_INWONERS = 200


def few_inwoners_note(unit: str, inwoners, level: str) -> str:
    """'bij maar 25 inwoners' for a 'per 1 000 inwoners' figure of a buurt or wijk with fewer than FEW_INWONERS
    inwoners (their count as CBS rounds it, counts.count_text), else ''."""
    number = as_number(inwoners)
    if unit != "per 1 000 inwoners" or level not in ("buurt", "wijk") or number is None or number >= FEW_INWONERS:
        return ""
    from dashboard.core.counts import count_text   # counts imports this module
    return f"bij maar {count_text(number, 'inwoners', level)} inwoners"


# A second series of the same survey question (RIVM 50150NED, 2012-2024, not in the summary by itself) stands in
# for the main one where that has no figure (a buurt new since 2020): then, and only then, the summary and the
# gesprekskaart show and count it like the main one.
STAND_IN = {"goed_ervaren_gezondheid_trend": "ervaren_gezondheid_goed"}

# One rule for "valt op" (a strength, a concern) in the profile's summary and on the gesprekskaart: a figure stands
# out when it is more favourable (a strength) or less favourable (a concern) than at least this % of the buurten
# with a figure, counted by its whole rounding interval (sure_shares). The sentences that say so name the rule
# ("gunstiger dan in minstens 6 van de 10 buurten").
STANDOUT_SHARE = 60


def sure_shares(row) -> tuple[float, float] | None:
    """(% of buurten surely lower, % surely higher) than the figure: n_lower_sure / n_higher_sure over n_total (the
    buurten below / above its whole rounding interval; n_lower / n_higher where the row has no interval), or None
    without a place among the buurten. A count that CBS rounded to 0 has no place (its true value is 0 to 4)."""
    n = as_number(row.get("n_total"))
    if not n or as_number(row.get("value")) is None or is_rounded_zero(row):
        return None

    def count(side: str) -> float:
        sure = as_number(row.get(f"{side}_sure"))
        return sure if sure is not None else as_number(row.get(side)) or 0.0
    return 100 * count("n_lower") / n, 100 * count("n_higher") / n


def favourable_shares(row) -> tuple[float, float] | None:
    """(% of buurten less favourable, % more favourable) than the figure (sure_shares turned by its direction), or
    None for a neutral figure or one without a place among the buurten."""
    shares = sure_shares(row)
    direction = row.get("direction")
    if shares is None or direction not in ("higher_is_better", "lower_is_better"):
        return None
    return shares if direction == "higher_is_better" else (shares[1], shares[0])


def among_buurten(level: str, n_buurten: int | None = None) -> str:
    """The sentence that says an area's figure is ranked among buurt figures ('' for a buurt). A wijk of one buurt
    (528 in 2024) is no average over a larger area: said so, without the 'closer to the middle' caveat."""
    if level == "wijk" and n_buurten == 1:
        return ("Let op: deze wijk bestaat uit één buurt. 'Meer dan in X% van de buurten' zet het cijfer van de wijk "
                "naast de cijfers van alle buurten.")
    whole = {"wijk": "de hele wijk", "gemeente": "de hele gemeente", "land": "heel Nederland"}.get(level)
    return "" if whole is None else (f"Let op: 'meer dan in X% van de buurten' zet het cijfer van {whole} naast de "
                                     "cijfers van losse buurten. Een gemiddelde over een groot gebied ligt meestal "
                                     "dichter bij het midden dan een losse buurt.")


# 'Deel van de <base> dat|die|bij|met ...': 'met' starts the criterion ('inwoners ... met hbo'), except in
# 'met een eigen ...' (the base 'mensen met een eigen inkomen'); a bracketed aside is dropped first.
_BASE = re.compile(r"^(?:Deel|Hoeveel) van de (.+?)(?: (?:dat|die|bij)\b| met (?!een eigen)|[.,:;])")


def figure_base(unit: str, description: str) -> str:
    """What a figure is counted over, from the catalogue's own words: '% van de volwassenen' for a share whose
    description starts 'Deel van de volwassenen dat ...'; a unit that names its base ('per 1 000 inwoners') or a
    quantity ('km', 'aantal') is its own base. '%' with a description that names no base gives '% (zie omschrijving)'."""
    unit, description = str(unit or ""), str(description or "")
    if unit != "%":
        return unit
    found = _BASE.match(re.sub(r"\s*\([^)]*\)", "", description))
    return f"% van de {found.group(1)}" if found else "% (zie omschrijving)"
