"""Dutch number and label formatting shared by pages, charts and the gesprekskaart."""
from __future__ import annotations

import math

MISSING_TEXT = {"suppressed": "geheim (te weinig mensen of onbetrouwbaar)", "not_available": "niet beschikbaar",
                None: "niet beschikbaar"}
NOT_IN_DATA = "niet in de meegeleverde gegevens"


def _nl(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def fmt_number(value: float | None, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    return _nl(float(value), decimals)


def fmt_value(value: float | None, unit: str, decimals: int | None = None) -> str:
    """`17.0, '%'` -> '17,0%'; `0.6, 'km'` -> '0,6 km'; `931298, 'aantal'` -> '931.298'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return fmt_number(value, 1 if decimals is None else decimals) + "%"
    if unit in ("aantal", "klasse 1-5"):
        return fmt_number(value, decimals)
    return f"{fmt_number(value, decimals)} {unit}"
