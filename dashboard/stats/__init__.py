"""Plain, tested statistics for Buurtbalans pages (no Streamlit imports).

Every function takes a "wide" frame of buurten (index region_code, one column per indicator id, plus optional
name, gemeente_code and inwoners) or the long values table, and returns plain data and Dutch texts.
"""
from .deviance import DEFAULT_CONTEXT, DevianceResult, bright_spots, fit_expected, for_buurt
from .peers import DEFAULT_PEER_VARIABLES, PeerIndex
from .relations import RelationResult, fit_relation, reject_origin_variables
from .trend import change_summary, is_comparable, series_for
from .uncertainty import difference_verdict, difference_verdicts, error_bar_columns

__all__ = [
    "DEFAULT_CONTEXT", "DEFAULT_PEER_VARIABLES", "DevianceResult", "PeerIndex", "RelationResult", "bright_spots",
    "change_summary", "difference_verdict", "difference_verdicts", "error_bar_columns", "fit_expected",
    "fit_relation", "for_buurt", "is_comparable", "reject_origin_variables", "series_for",
]
