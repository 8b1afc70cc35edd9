"""A count that CBS rounds in wijken and buurten (inwoners to 5): its words, never a bare '0' or a false exact '5'.

    count_rounding(indicator_id) -> int     the rounding the catalogue declares for this count (0: exact)
    count_text(value, indicator_id, level) -> str
        'minder dan 3 (CBS rondt af op vijftallen: 0 tot 2)', 'ongeveer 5 (3 tot 7)', '1.745'

The rounding is read from pipelines/catalogue.toml, not repeated here: a count is rounded as the catalogue says it
is wherever it is a ratio's denominator (`denominator_rounding` of a source whose denominator is the count's stem,
"inwoners/huishoudens of wijken and buurten are rounded to 5"). Gemeente and NL counts are exact.
"""
from __future__ import annotations

from functools import lru_cache

from dashboard.core.format import as_number, fmt_number, indicator_decimals, value_text

ROUNDED_LEVELS = ("buurt", "wijk")


@lru_cache(maxsize=None)
def _rounding_by_indicator() -> dict[str, int]:
    from pipelines.catalogue import load_catalogue
    indicators = load_catalogue().indicators
    by_stem: dict[str, int] = {}
    for ind in indicators:
        for source in ind.sources:
            for stem in source.denominator:
                by_stem[stem] = max(by_stem.get(stem, 0), int(source.denominator_rounding or 0))
    return {ind.id: max((by_stem.get(s.stem, 0) for s in ind.sources if s.stem), default=0) for ind in indicators}


@lru_cache(maxsize=None)
def _sum_counts() -> frozenset:
    """The counts whose area figure is the sum of its buurten (inwoners, registered crimes): of unit 'aantal', the
    parts of a catalogue `ratio_of` and a count that is some source's denominator."""
    from pipelines.catalogue import load_catalogue
    indicators = load_catalogue().indicators
    stems = {stem for ind in indicators for source in ind.sources for stem in source.denominator}
    parts = {part for ind in indicators for part in (ind.ratio_of or ())}
    return frozenset(ind.id for ind in indicators if ind.unit == "aantal"   # (an average count, schools within
                     and (ind.id in parts or any(s.stem and s.stem in stems for s in ind.sources)))   # 3 km, is none)


def is_sum_count(indicator_id: str) -> bool:
    """Is this figure of a wijk, gemeente or Nederland the sum over its buurten? Then it has no place among the
    buurten: 95.168 inwoners of Purmerend were 'hoger dan 100% van alle buurten'."""
    return indicator_id in _sum_counts()


def count_rounding(indicator_id: str) -> int:
    return _rounding_by_indicator().get(indicator_id, 0)


def level_of(region_code: object) -> str:
    """'buurt', 'wijk', 'gemeente' or 'land' from a CBS region code (BU…, WK…, GM…, NL…)."""
    prefix = str(region_code or "")[:2].upper()
    return {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}.get(prefix, "land")


def count_row(row: dict, indicator_id: str, level: str) -> dict:
    """The row with its count's rounding (rounding, round_lower, round_upper) where CBS rounded this count at this
    level and the row has no interval of its own, for format.value_text and format.range_overlaps; else as is."""
    number, rounding = as_number(row.get("value")), count_rounding(indicator_id)
    if number is None or not rounding or level not in ROUNDED_LEVELS or as_number(row.get("round_lower")) is not None:
        return row   # (a profile row's missing interval is NaN: a row without one gets the count's)
    half = (rounding - 1) // 2   # rounded to 5: the true count lies within 2 of the published one
    out = {**row, "rounding": rounding, "indicator_id": indicator_id}
    if number > 0:
        out |= {"round_lower": number - half, "round_upper": number + half}
    return out


def count_text(value, indicator_id: str, level: str) -> str:
    """A count as shown: with its rounding interval where CBS rounded it (format.value_text's rules: a rounded 0 is
    'minder dan 3 (… 0 tot 2)', a value whose interval is wide 'ongeveer 5 (3 tot 7)'), else the plain number."""
    number, rounding = as_number(value), count_rounding(indicator_id)
    if number is None or not rounding or level not in ROUNDED_LEVELS:
        return fmt_number(number, indicator_decimals(indicator_id))
    return value_text(count_row({"value": number, "unit": "aantal"}, indicator_id, level))
