"""What a Kaart URL asks for: indicator, schaal and gebied, with defaults for what is missing or unknown."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .map_queries import NL
from .map_text import LEVELS

DEFAULT_INDICATOR = "vrijwilligerswerk"


LINK_FIELDS = {"indicator": "het onderwerp", "schaal": "het niveau", "gebied": "het gebied"}


def unknown_in_url(params: Mapping, indicators: Iterable[str], areas: Iterable[str]) -> list[tuple[str, str]]:
    """(what it was for, the raw value) for each value the URL asked for that url_choice did not take."""
    chosen = url_choice(params, indicators, areas)
    asked = {key: str(params.get(key) or "").strip() for key in LINK_FIELDS}
    asked["gebied"] = asked["gebied"].upper()  # as url_choice reads them
    asked["schaal"], asked["indicator"] = _schaal(asked["schaal"]), asked["indicator"].lower()
    return [(field, params.get(key)) for key, field in LINK_FIELDS.items() if asked[key] and asked[key] != chosen[key]]


def _schaal(raw) -> str:
    """'Buurt', ' BUURTEN' -> 'buurt' (a link typed by hand, or the button's plural label)."""
    word = str(raw or "").strip().lower()
    return {plural: level for level, plural in LEVELS.items()}.get(word, word)


def url_choice(params: Mapping, indicators: Iterable[str], areas: Iterable[str]) -> dict:
    """indicator, schaal and gebied from the URL; a ?regio= alone opens the map around that region."""
    indicators, areas = list(indicators), set(areas)
    regio = str(params.get("regio") or "").strip().upper()
    regio_level = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(regio[:2])
    indicator = str(params.get("indicator") or "").strip().lower()
    schaal = _schaal(params.get("schaal"))
    gebied = str(params.get("gebied") or "").strip().upper()
    return {"indicator": indicator if indicator in indicators else
            (DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else indicators[0]),
            "schaal": schaal if schaal in LEVELS else (regio_level or "gemeente"),
            "gebied": gebied if gebied in areas else
            ("GM" + regio[2:6] if regio_level and "GM" + regio[2:6] in areas else NL)}

