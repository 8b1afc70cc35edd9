"""'Beter dan verwacht' (positive deviance): compare each buurt with what its structural context predicts.

An OLS model of the outcome on context variables gives each buurt an expected value and a 95% prediction
interval. Only buurten whose observed value lies outside that interval are flagged, so a flag means "more
different than the model's usual error", not "a bit above the line".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .relations import reject_origin_variables

from dashboard.core.format import fmt_number

# Candidate context variables, in order of preference within each group; the first one present with enough
# coverage is used. Income and age shape health and participation figures; density stands for urbanity.
DEFAULT_CONTEXT: tuple[tuple[str, ...], ...] = (
    ("personen_laagste_inkomens", "huishoudens_laagste_40pct", "inkomen_per_inwoner"),
    ("aandeel_65plus",),
    ("bevolkingsdichtheid", "stedelijkheid"),
    ("opleiding_laag",),
)
# Strongly right-skewed counts and densities enter the model as natural logs.
LOG_VARIABLES = frozenset({"bevolkingsdichtheid", "omgevingsadressendichtheid", "inwoners"})
MIN_COVERAGE = 0.8
WEAK_FIT_R2 = 0.3

BETTER, WORSE, AS_EXPECTED = "beter dan verwacht", "slechter dan verwacht", "zoals verwacht"
# What a figure of this unit can be: a linear model's expectation and its 95% margin can fall outside (a share of
# 8% expected 6.6%, margin -0.3% to 13.5%). Shown clipped to what is possible; every unit of the catalogue is >= 0.
UNIT_LIMITS = {"%": (0.0, 100.0)}


def possible(values, unit: str):
    """Expectation or margin ends clipped to the unit's possible range (display only; the verdict compares the
    observed figure, itself possible, with the unclipped margin, so clipping never changes it)."""
    low, high = UNIT_LIMITS.get(unit, (0.0, None))
    return np.clip(values, low, high)
HIGHER, LOWER = "hoger dan verwacht", "lager dan verwacht"
_FLAGS = {"higher_is_better": (BETTER, WORSE), "lower_is_better": (WORSE, BETTER), "neutral": (HIGHER, LOWER)}


@dataclass(frozen=True)
class DevianceResult:
    """Outcome of `fit_expected`.

    Attributes
    ----------
    outcome, direction : as given
    context : context variables used (ids; those in LOG_VARIABLES enter as logs)
    buurten : DataFrame indexed by region_code: observed, expected, residual, pi_low, pi_high, flag
    coefficients : DataFrame(term, coef) of the model
    n : buurten in the fit; n_excluded : buurten left out because a value was missing
    r_squared : R² of the model
    spec : Dutch description of the model
    weak_fit_warning : Dutch warning when R² < 0.3, else None
    outcome_label : label used in Dutch sentences
    """

    outcome: str
    direction: str
    context: tuple[str, ...]
    buurten: pd.DataFrame
    coefficients: pd.DataFrame
    n: int
    n_excluded: int
    r_squared: float
    spec: str
    weak_fit_warning: str | None
    outcome_label: str


def resolve_available(wide: pd.DataFrame, groups: Sequence[Sequence[str]], *, rows: pd.Series | None = None,
                      min_coverage: float = MIN_COVERAGE) -> tuple[str, ...]:
    """Pick, per group of alternatives, the first column present with at least `min_coverage` non-missing.

    Coverage is measured over `rows` (a boolean mask), or over all rows when None.
    """
    mask = pd.Series(True, index=wide.index) if rows is None else rows
    chosen = []
    for group in groups:
        for name in group:
            if name in wide.columns and wide.loc[mask, name].notna().mean() >= min_coverage:
                chosen.append(name)
                break
    return tuple(chosen)


def design_matrix(wide: pd.DataFrame, variables: Sequence[str]) -> pd.DataFrame:
    """Numeric columns for `variables`, with LOG_VARIABLES as natural logs (values below 1 are set to 1)."""
    out = {}
    for name in variables:
        col = pd.to_numeric(wide[name], errors="coerce").astype("float64")
        out[name] = np.log(col.clip(lower=1.0)) if name in LOG_VARIABLES else col
    return pd.DataFrame(out, index=wide.index)


def ols_prediction(design: np.ndarray, y: np.ndarray, alpha: float = 0.05
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """OLS of y on `design` (with its constant column): (coefficients, fitted values, lower and upper bound of the
    (1 - alpha) prediction interval of each row, R²). The same computation as statsmodels'
    OLS(y, design).fit().get_prediction(design).summary_frame(alpha) (pseudo-inverse by SVD, t quantile with
    n - rank degrees of freedom; tests/test_stats_deviance.py checks it against statsmodels), without importing
    statsmodels and scipy.stats (~1.3 s of the release build, issue #10)."""
    from scipy.special import stdtrit  # what scipy.stats.t.ppf computes; scipy.special alone imports fast
    u, s, vt = np.linalg.svd(design, full_matrices=False)
    keep = s > 1e-15 * s.max()  # statsmodels.tools.tools.pinv_extended(rcond=1e-15)
    s_inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    pinv = np.dot(vt.T, s_inv[:, np.newaxis] * u.T)
    params = np.dot(pinv, y)
    fitted = np.dot(design, params)
    resid = y - fitted
    df_resid = len(y) - np.linalg.matrix_rank(design)
    scale = np.dot(resid, resid) / df_resid
    cov = np.dot(pinv, pinv.T) * scale
    se_obs = np.sqrt((design * np.dot(cov, design.T).T).sum(1) + scale)
    q = stdtrit(df_resid, 1 - alpha / 2.0)
    centered = y - y.mean()
    r2 = float(1 - np.dot(resid, resid) / np.dot(centered, centered))
    return params, fitted, fitted - q * se_obs, fitted + q * se_obs, r2


def _label(name: str, labels: Mapping[str, str] | None) -> str:
    base = (labels or {}).get(name, name.replace("_", " "))
    return f"{base} (log)" if name in LOG_VARIABLES else base


def fit_expected(wide: pd.DataFrame, outcome: str = "ervaren_gezondheid_goed",
                 context: Sequence[str] | None = None, direction: str = "higher_is_better", *,
                 labels: Mapping[str, str] | None = None, scope_codes: Iterable[str] | None = None,
                 alpha: float = 0.05) -> DevianceResult:
    """Model the outcome from context and flag buurten outside their 95% prediction interval.

    Parameters
    ----------
    wide : DataFrame indexed by region_code with indicator columns
    outcome : indicator id to explain
    context : context indicator ids; None picks from DEFAULT_CONTEXT what the data cover (≥ 80% of the
        buurten with an outcome value)
    direction : "higher_is_better", "lower_is_better" or "neutral" (catalogue direction of the outcome);
        neutral outcomes get "hoger/lager dan verwacht" instead of "beter/slechter"
    labels : optional indicator labels for the Dutch texts
    scope_codes : restrict the model to these region codes
    alpha : 1 - level of the prediction interval

    Returns
    -------
    DevianceResult
    """
    if direction not in _FLAGS:
        raise ValueError(f"Onbekende richting '{direction}'.")
    frame = wide if scope_codes is None else wide.loc[wide.index.intersection(pd.Index(list(scope_codes)))]
    if outcome not in frame.columns:
        raise ValueError(f"Deze gegevens ontbreken in de tabel: {outcome}")
    if context is None:
        context = resolve_available(frame, DEFAULT_CONTEXT, rows=frame[outcome].notna())
    context = tuple(context)
    reject_origin_variables([outcome, *context])
    if outcome in context:
        raise ValueError("De uitkomst kan niet ook een achtergrondkenmerk zijn.")
    absent = [c for c in context if c not in frame.columns]
    if absent:
        raise ValueError(f"Deze gegevens ontbreken in de tabel: {', '.join(absent)}")

    xdf = design_matrix(frame, context)
    yv_all = pd.to_numeric(frame[outcome], errors="coerce").to_numpy(dtype="float64")
    x_all = xdf.to_numpy()
    ok = np.isfinite(yv_all) & np.isfinite(x_all).all(axis=1)
    n = int(ok.sum())
    if n < len(context) + 10:
        raise ValueError(f"Te weinig buurten met alle gegevens ({n}) om een verwachting te berekenen.")
    design = np.column_stack([np.ones(n), x_all[ok]])
    yv = yv_all[ok]
    # Plain OLS: the prediction interval adds the residual variance to the variance of the fitted mean.
    params, expected, lo, hi, r2 = ols_prediction(design, yv, alpha)
    above_label, below_label = _FLAGS[direction]
    flag = np.where(yv > hi, above_label, np.where(yv < lo, below_label, AS_EXPECTED))
    buurten = pd.DataFrame({"observed": yv, "expected": expected, "residual": yv - expected, "pi_low": lo,
                            "pi_high": hi, "flag": flag}, index=frame.index[ok])
    buurten.index.name = "region_code"

    out_label = (labels or {}).get(outcome, outcome.replace("_", " "))
    level = round(100 * (1 - alpha))
    spec = (f"Verwachte waarde van '{out_label}' op basis van: "
            f"{', '.join(_label(c, labels) for c in context)}. Lineair model over {fmt_number(n)} buurten "
            f"(R² = {fmt_number(r2, 2)}). Een buurt valt op als haar cijfer (uit de bron) buiten "
            f"de {level}%-marge van de verwachting ligt.")
    weak = None
    if r2 < WEAK_FIT_R2:
        weak = (f"Let op: deze kenmerken verklaren maar een klein deel van de verschillen tussen buurten "
                f"(R² = {fmt_number(r2, 2)}). De verwachting is dus grof. Wees voorzichtig met conclusies.")
    return DevianceResult(
        outcome=outcome, direction=direction, context=context, buurten=buurten,
        coefficients=pd.DataFrame({"term": ["const", *context], "coef": params}),
        n=n, n_excluded=int(len(frame) - n), r_squared=r2, spec=spec, weak_fit_warning=weak,
        outcome_label=out_label)


def bright_spots(result: DevianceResult, wide: pd.DataFrame, asset_ids: Sequence[str] = (), *,
                 flag: str | None = None) -> pd.DataFrame:
    """Flagged buurten with their asset-lens values next to the model values.

    Parameters
    ----------
    result : from `fit_expected`
    wide : the frame the result was fitted on (for names and asset values)
    asset_ids : asset indicators to show; ids missing from `wide` are skipped
    flag : which flag to list; default the good one ("beter dan verwacht", or "hoger dan verwacht" for
        neutral outcomes)

    Returns
    -------
    DataFrame indexed by region_code, sorted by how far the buurt lies beyond its interval (largest first):
    name (when present), observed, expected, residual, pi_low, pi_high, flag, then the asset columns.
    """
    reject_origin_variables(asset_ids)
    wanted = flag or (HIGHER if result.direction == "neutral" else BETTER)
    spots = result.buurten[result.buurten["flag"] == wanted].copy()
    beyond = np.maximum(spots["observed"] - spots["pi_high"], spots["pi_low"] - spots["observed"])
    spots = spots.assign(_beyond=beyond).sort_values("_beyond", ascending=False).drop(columns="_beyond")
    extra = [c for c in ("name", *asset_ids) if c in wide.columns]
    return spots.join(wide[extra]) if extra else spots


def for_buurt(result: DevianceResult, code: str) -> dict:
    """Model values and one Dutch sentence for a buurt profile.

    Returns
    -------
    dict with region_code, flag (None when the buurt was not in the model), observed, expected, pi_low,
    pi_high, residual and sentence, e.g. "doet het beter dan verwacht op ervaren gezondheid".
    """
    if code not in result.buurten.index:
        return {"region_code": code, "flag": None, "observed": None, "expected": None, "pi_low": None,
                "pi_high": None, "residual": None,
                "sentence": f"voor '{result.outcome_label}' kunnen we geen verwachting berekenen: "
                            "er ontbreken gegevens"}
    row = result.buurten.loc[code]
    flag = str(row["flag"])
    if flag == AS_EXPECTED:
        sentence = f"scoort zoals verwacht op {result.outcome_label}"
    elif flag in (BETTER, WORSE):
        sentence = f"doet het {flag} op {result.outcome_label}"
    else:
        sentence = f"scoort {flag} op {result.outcome_label}"
    values = {k: float(row[k]) for k in ("observed", "expected", "pi_low", "pi_high", "residual")}
    return {"region_code": code, "flag": flag, **values, "sentence": sentence}
