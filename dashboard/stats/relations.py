"""Relations between two indicators over buurten: OLS with HC3 robust standard errors, optionally population-weighted;
95% intervals and p-values from the t distribution with n - k degrees of freedom (honest in a small gemeente).

Buurt figures are averages over places, so every result here is ecological: it describes buurten, not people.
Pages show `RelationResult.caveat` next to any chart built from this module.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_CONTROLS = 5
# Origin, ethnicity and migration background are never used in Buurtbalans (product principle). The catalogue
# has none; this guard keeps them out even if a column with such a name ever appears in a frame.
# Keep in line with pipelines.catalogue.FORBIDDEN_STEMS (a test checks that every stem there is covered).
ORIGIN_TERMS = ("herkomst", "migratie", "migrant", "westers", "buiteneuropa", "europaexclusief", "etnic",
                "etnisch", "ethnic", "allochto", "autochto", "afkomst", "geboorteland", "nationaliteit",
                "a_nl_all", "a_eur_al", "a_neu_al", "a_marok", "a_tur", "a_sur", "a_antaru", "a_ov_nw", "a_west")

CAVEAT = ("Dit zijn gemiddelden per buurt. Een verband tussen buurten betekent niet dat het ene het andere "
          "veroorzaakt. Het zegt ook niets over wat er bij één persoon gebeurt.")


def reject_origin_variables(names: Iterable[str]) -> None:
    """Raise ValueError (Dutch message) when any name looks like an origin, ethnicity or migration variable."""
    bad = [n for n in names if any(term in str(n).lower().replace("-", "").replace(" ", "") for term in ORIGIN_TERMS)]
    if bad:
        raise ValueError(f"Buurtbalans gebruikt geen gegevens over herkomst of migratie: {', '.join(bad)}")


@dataclass(frozen=True)
class RelationResult:
    """Outcome of `fit_relation`.

    Attributes
    ----------
    x, y, controls : the variables, as given
    weighted : True when a WLS fit with population weights was used
    coef, ci_low, ci_high, p_value : slope of `x` with its 95% confidence interval and p-value (HC3)
    r_squared : R² of the full model (weighted R² for WLS)
    n_used : buurten in the fit
    n_missing : buurten in scope left out because a value (or weight) was missing
    terms : DataFrame(term, coef, ci_low, ci_high, p) for the intercept, `x` and every control
    points : DataFrame(region_code, x, y) of the buurten in the fit
    line : DataFrame(x, fit, ci_low, ci_high): fitted line over the range of `x`, controls held at their mean
    partial : DataFrame(region_code, x_resid, y_resid) when controls are given (added-variable plot: both
        residualised on the controls; by Frisch-Waugh-Lovell the slope through these points equals `coef`)
    caveat : Dutch text for next to the chart
    """

    x: str
    y: str
    controls: tuple[str, ...]
    weighted: bool
    coef: float
    ci_low: float
    ci_high: float
    p_value: float
    r_squared: float
    n_used: int
    n_missing: int
    terms: pd.DataFrame
    points: pd.DataFrame
    line: pd.DataFrame
    partial: pd.DataFrame | None
    caveat: str


def _validate(wide: pd.DataFrame, x: str, y: str, controls: tuple[str, ...], weights: str | None) -> None:
    reject_origin_variables([x, y, *controls])
    if len(controls) > MAX_CONTROLS:
        raise ValueError(f"Kies hoogstens {MAX_CONTROLS} variabelen om rekening mee te houden "
                         f"(nu {len(controls)}).")
    if x == y or x in controls or y in controls or len(set(controls)) != len(controls):
        raise ValueError("Kies verschillende variabelen voor x, y en de variabelen om rekening mee te houden.")
    missing = [c for c in (x, y, *controls, *([weights] if weights else [])) if c not in wide.columns]
    if missing:
        raise ValueError(f"Deze gegevens ontbreken in de tabel: {', '.join(missing)}")


def _terms_table(res, names: Sequence[str]) -> pd.DataFrame:
    ci = np.asarray(res.conf_int(0.05))
    return pd.DataFrame({"term": list(names), "coef": np.asarray(res.params), "ci_low": ci[:, 0],
                         "ci_high": ci[:, 1], "p": np.asarray(res.pvalues)})


def _residualise(target: np.ndarray, design: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Residuals of `target` regressed on `design` (weighted least squares when `w` is given)."""
    sw = np.ones_like(target) if w is None else np.sqrt(w)
    beta, *_ = np.linalg.lstsq(design * sw[:, None], target * sw, rcond=None)
    return target - design @ beta


def fit_relation(wide: pd.DataFrame, x: str, y: str, *, controls: Sequence[str] = (),
                 weights: str | None = None, scope_codes: Iterable[str] | None = None) -> RelationResult:
    """Fit ``y ~ 1 + x + controls`` over buurten with OLS (or WLS) and HC3 robust standard errors.

    Parameters
    ----------
    wide : DataFrame indexed by region_code with indicator columns
    x, y : indicator ids
    controls : up to five indicator ids to hold constant
    weights : column name for WLS weights (``"inwoners"``), or None for unweighted OLS. Buurten with a missing
        or non-positive weight are left out.
    scope_codes : restrict the fit to these region codes (e.g. the buurten of one gemeente)

    Returns
    -------
    RelationResult

    Raises
    ------
    ValueError
        With a Dutch message: more than five controls, repeated variables, origin/migration variables,
        unknown columns, or too few buurten to fit.
    """
    controls = tuple(controls)
    _validate(wide, x, y, controls, weights)
    frame = wide if scope_codes is None else wide.loc[wide.index.intersection(pd.Index(list(scope_codes)))]
    cols = [y, x, *controls]
    values = frame[cols].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(values).all(axis=1)
    w = None
    if weights:
        w_all = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype="float64")
        ok &= np.isfinite(w_all) & (w_all > 0)
    n_missing = int((~ok).sum())
    arr = values[ok]
    codes = frame.index[ok]
    n = arr.shape[0]
    k = 2 + len(controls)
    if n < k + 3:
        raise ValueError(f"Te weinig buurten met alle gegevens ({n}) om een verband te berekenen.")
    yv, xv, cv = arr[:, 0], arr[:, 1], arr[:, 2:]
    if np.ptp(xv) == 0:
        raise ValueError("De x-variabele heeft in deze buurten overal dezelfde waarde.")
    design = np.column_stack([np.ones(n), xv, cv])
    # imported on first fit, not with the module (issue #10); the module, not statsmodels.api (1 s less)
    from statsmodels.regression.linear_model import OLS, WLS
    # use_t: intervals and p-values from the t distribution with n - k degrees of freedom. statsmodels takes the
    # normal one for a robust covariance by default, which is too sure in a small gemeente: with 7 buurten the
    # '95%' interval was 1.96 instead of 2.57 standard errors wide, so it held the slope about 89 times in 100
    if weights:
        w = w_all[ok]
        res = WLS(yv, design, weights=w).fit(cov_type="HC3", use_t=True)
    else:
        res = OLS(yv, design).fit(cov_type="HC3", use_t=True)
    terms = _terms_table(res, ["const", x, *controls])
    row = terms.iloc[1]

    grid = np.linspace(xv.min(), xv.max(), 50)
    c_mean = np.average(cv, axis=0, weights=w) if controls else np.empty(0)
    grid_design = np.column_stack([np.ones(grid.size), grid, np.tile(c_mean, (grid.size, 1))])
    pred = res.get_prediction(grid_design).summary_frame(alpha=0.05)
    line = pd.DataFrame({"x": grid, "fit": pred["mean"].to_numpy(), "ci_low": pred["mean_ci_lower"].to_numpy(),
                         "ci_high": pred["mean_ci_upper"].to_numpy()})

    partial = None
    if controls:
        base = np.column_stack([np.ones(n), cv])
        partial = pd.DataFrame({"region_code": codes, "x_resid": _residualise(xv, base, w),
                                "y_resid": _residualise(yv, base, w)})
    return RelationResult(
        x=x, y=y, controls=controls, weighted=bool(weights), coef=float(row["coef"]), ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]), p_value=float(row["p"]), r_squared=float(res.rsquared), n_used=n,
        n_missing=n_missing, terms=terms, points=pd.DataFrame({"region_code": codes, "x": xv, "y": yv}),
        line=line, partial=partial, caveat=CAVEAT)
