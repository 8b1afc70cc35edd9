"""Plain, tested statistics for Buurtbalans pages (no Streamlit imports).

Every function takes a "wide" frame of buurten (index region_code, one column per indicator id, plus optional
name, gemeente_code and inwoners) or the long values table, and returns plain data and Dutch texts.
The page sections built on them are view_trends, view_expected and view_peers (Streamlit), each over a pure
module that words or draws its part: trend_panels, expected_text and peer_table.
"""
from importlib import import_module

# Lazy (PEP 562): `from dashboard.stats import fit_expected` imports only the module that defines it, so a page
# that needs one helper (the profile: uncertainty, trend) never pays for statsmodels or scipy (issue #10).
_HOME = {"DEFAULT_CONTEXT": "deviance", "DevianceResult": "deviance", "bright_spots": "deviance",
         "fit_expected": "deviance", "for_buurt": "deviance", "DEFAULT_PEER_VARIABLES": "peers",
         "PeerIndex": "peers", "RelationResult": "relations", "fit_relation": "relations",
         "reject_origin_variables": "relations", "change_summary": "trend", "is_comparable": "trend",
         "series_for": "trend", "difference_verdict": "uncertainty", "difference_verdicts": "uncertainty",
         "error_bar_columns": "uncertainty"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_CONTEXT", "DEFAULT_PEER_VARIABLES", "DevianceResult", "PeerIndex", "RelationResult", "bright_spots",
    "change_summary", "difference_verdict", "difference_verdicts", "error_bar_columns", "fit_expected",
    "fit_relation", "for_buurt", "is_comparable", "reject_origin_variables", "series_for",
]
