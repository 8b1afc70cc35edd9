"""What a Kaart URL asks for: indicator, schaal and gebied, with defaults for what is missing or unknown."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .map_queries import NL
from .map_text import LEVELS

DEFAULT_INDICATOR = "vrijwilligerswerk"


def unknown_in_url(params: Mapping, indicators: Iterable[str], areas: Iterable[str]) -> list[tuple[str, str]]:
    """(what it was for, the raw value) for each Kaart URL value that url_choice had to replace by a default."""
    indicators, areas = set(indicators), set(areas)
    raw = {key: params.get(key) for key in ("indicator", "schaal", "gebied")}
    unknown = []
    if raw["indicator"] and raw["indicator"] not in indicators:
        unknown.append(("het onderwerp", raw["indicator"]))
    if raw["schaal"] and raw["schaal"] not in LEVELS:
        unknown.append(("het niveau", raw["schaal"]))
    if raw["gebied"] and str(raw["gebied"]).strip().upper() not in areas:
        unknown.append(("het gebied", raw["gebied"]))
    return unknown


def url_choice(params: Mapping, indicators: Iterable[str], areas: Iterable[str]) -> dict:
    """indicator, schaal and gebied from the URL; a ?regio= alone opens the map around that region."""
    indicators, areas = list(indicators), set(areas)
    regio = str(params.get("regio") or "").strip().upper()
    regio_level = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(regio[:2])
    indicator = params.get("indicator")
    schaal = params.get("schaal")
    gebied = str(params.get("gebied") or "").strip().upper()
    return {"indicator": indicator if indicator in indicators else
            (DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else indicators[0]),
            "schaal": schaal if schaal in LEVELS else (regio_level or "gemeente"),
            "gebied": gebied if gebied in areas else
            ("GM" + regio[2:6] if regio_level and "GM" + regio[2:6] in areas else NL)}

