"""Is a buurt figure clearly different from a reference (gemeente, Nederland, an earlier year)?

RIVM health figures are model estimates with a 95% interval. We turn each interval into an approximate
standard error (half-width / 1.96) and test the difference with a two-sided z-test at alpha 0.05.

Why not "do the intervals overlap?": two 95% intervals can overlap while the difference is still significant
(non-overlap corresponds to roughly alpha 0.006 for equal widths), so the overlap rule is more conservative
and calls too many real differences "niet duidelijk". The z-test assumes the two estimates are independent; a
buurt and its own gemeente are positively correlated, which makes the true SE of the difference smaller, so
the test errs on the cautious side there too.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

def _norm():
    """scipy.stats.norm, imported on first use: scipy.stats costs about a second to import (issue #10)."""
    from scipy.stats import norm
    return norm


def __getattr__(name: str):
    if name == "Z95":   # 1.959964..., computed on first use like before
        return _norm().ppf(0.975)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

HIGHER = "duidelijk hoger"
LOWER = "duidelijk lager"
NOT_DIFFERENT = "niet duidelijk verschillend"
NO_MARGIN = "onbekend (geen marge)"
NO_VALUE = "onbekend (geen waarde)"


def _missing(*values: float | None) -> bool:
    return any(v is None or pd.isna(v) for v in values)


def se_from_interval(lower: float, upper: float, level: float = 0.95) -> float:
    """Approximate standard error from a symmetric confidence interval: half-width / z.

    For a slightly asymmetric interval this uses the average half-width.
    """
    return (upper - lower) / (2 * _norm().ppf(0.5 + level / 2))


def difference_verdict(value: float | None, lower: float | None, upper: float | None, ref_value: float | None,
                       ref_lower: float | None = None, ref_upper: float | None = None, *, alpha: float = 0.05,
                       ref_is_exact: bool = False) -> str:
    """Plain-Dutch verdict on the difference between a value and a reference, given their 95% intervals.

    Parameters
    ----------
    value, lower, upper : the estimate and its 95% interval
    ref_value, ref_lower, ref_upper : the reference and its 95% interval
    alpha : significance level of the two-sided z-test
    ref_is_exact : treat the reference as a fixed number without uncertainty (its bounds are ignored)

    Returns
    -------
    str
        "duidelijk hoger", "duidelijk lager", "niet duidelijk verschillend", "onbekend (geen marge)" when an
        interval is missing, or "onbekend (geen waarde)" when a value is missing.
    """
    if _missing(value, ref_value):
        return NO_VALUE
    if _missing(lower, upper) or (not ref_is_exact and _missing(ref_lower, ref_upper)):
        return NO_MARGIN
    se = se_from_interval(float(lower), float(upper))
    ref_se = 0.0 if ref_is_exact else se_from_interval(float(ref_lower), float(ref_upper))
    if se < 0 or ref_se < 0:
        raise ValueError("De ondergrens ligt boven de bovengrens.")
    diff = float(value) - float(ref_value)
    se_diff = math.hypot(se, ref_se)
    if se_diff == 0:
        significant = diff != 0
    else:
        significant = 2 * _norm().sf(abs(diff) / se_diff) < alpha
    if not significant:
        return NOT_DIFFERENT
    return HIGHER if diff > 0 else LOWER


def difference_verdicts(frame: pd.DataFrame, ref_value: float, ref_lower: float | None = None,
                        ref_upper: float | None = None, *, value: str = "value", lower: str = "lower",
                        upper: str = "upper", alpha: float = 0.05, ref_is_exact: bool = False) -> pd.Series:
    """`difference_verdict` for every row of `frame` against one reference (e.g. all buurten vs Nederland)."""
    return pd.Series([difference_verdict(v, lo, hi, ref_value, ref_lower, ref_upper, alpha=alpha,
                                         ref_is_exact=ref_is_exact)
                      for v, lo, hi in zip(frame[value], frame[lower], frame[upper])],
                     index=frame.index, dtype="str")


def error_bar_columns(df: pd.DataFrame, *, value: str = "value", lower: str = "lower",
                      upper: str = "upper") -> pd.DataFrame:
    """Add columns for chart error bars.

    Returns
    -------
    A copy of `df` with `error_plus` (upper - value), `error_minus` (value - lower), both NaN where there is
    no interval, and `has_margin` (bool). Plotly: ``error_y=dict(array=error_plus, arrayminus=error_minus)``.
    """
    out = df.copy()
    v = pd.to_numeric(out[value], errors="coerce").astype("float64")
    lo = pd.to_numeric(out[lower], errors="coerce").astype("float64")
    hi = pd.to_numeric(out[upper], errors="coerce").astype("float64")
    has = v.notna() & lo.notna() & hi.notna()
    out["error_plus"] = (hi - v).where(has, np.nan)
    out["error_minus"] = (v - lo).where(has, np.nan)
    out["has_margin"] = has.to_numpy()
    return out
