"""fit_relation against closed-form least squares and a hand-coded HC3 sandwich, on real buurt data."""
import numpy as np
import pytest
from scipy.stats import t as student_t

from dashboard.stats.relations import MAX_CONTROLS, fit_relation, reject_origin_variables
from stats_data import wide_for

X, Y = "moeite_met_rondkomen", "ervaren_gezondheid_goed"
CONTROLS = ("aandeel_65plus", "bevolkingsdichtheid")


@pytest.fixture(scope="module")
def wide(request):
    return wide_for(request)


def _complete(wide, cols, weight=None):
    d = wide[list(cols)].astype("float64")
    ok = d.notna().all(axis=1)
    if weight:
        ok &= wide[weight].astype("float64").gt(0)
    return d[ok], wide.loc[ok, weight].astype("float64").to_numpy() if weight else None


def _hc3(design, y, w=None):
    """Closed-form (W)LS coefficients and HC3 standard errors, written out independently of statsmodels."""
    sw = np.ones(len(y)) if w is None else np.sqrt(w)
    xs, ys = design * sw[:, None], y * sw
    bread = np.linalg.inv(xs.T @ xs)
    beta = bread @ xs.T @ ys
    e = ys - xs @ beta
    h = np.einsum("ij,jk,ik->i", xs, bread, xs)
    meat = (xs * (e / (1 - h))[:, None] ** 2).T @ xs
    return beta, np.sqrt(np.diag(bread @ meat @ bread)), e


def test_simple_ols_matches_closed_form_and_hc3(wide):
    d, _ = _complete(wide, [Y, X])
    design = np.column_stack([np.ones(len(d)), d[X]])
    beta, se, e = _hc3(design, d[Y].to_numpy())
    res = fit_relation(wide, X, Y)
    assert res.n_used == len(d) > 5000
    assert res.coef == pytest.approx(beta[1], rel=1e-9)
    q = student_t.ppf(0.975, len(d) - 2)
    assert res.ci_low == pytest.approx(beta[1] - q * se[1], rel=1e-7)
    assert res.ci_high == pytest.approx(beta[1] + q * se[1], rel=1e-7)
    assert res.p_value == pytest.approx(2 * student_t.sf(abs(beta[1] / se[1]), len(d) - 2), abs=1e-12)
    tss = ((d[Y] - d[Y].mean()) ** 2).sum()
    assert res.r_squared == pytest.approx(1 - (e ** 2).sum() / tss, rel=1e-9)
    assert res.coef < 0  # more financial strain, worse self-rated health, across buurten
    assert res.partial is None


def test_a_small_gemeente_gets_the_interval_of_its_few_buurten(wide):
    """With a handful of buurten the 95% interval and p-value come from the t distribution (n - 2 degrees of
    freedom), not the normal one: with 1.96 standard errors the '95%' interval of 7 buurten holds the slope only
    about 89 times in 100. The line's band is as wide as its own t quantile says."""
    complete = wide[[X, Y]].notna().all(axis=1)
    counts = wide.loc[complete, "gemeente_code"].value_counts()
    gm = counts[counts.between(6, 9)].index[0]
    codes = wide.index[wide["gemeente_code"] == gm]
    d, _ = _complete(wide.loc[codes], [Y, X])
    design = np.column_stack([np.ones(len(d)), d[X]])
    beta, se, _ = _hc3(design, d[Y].to_numpy())
    res = fit_relation(wide, X, Y, scope_codes=codes)
    q = student_t.ppf(0.975, res.n_used - 2)
    assert res.n_used == len(d) <= 9 and q > 2.3   # the case: visibly wider than 1.96
    assert (res.ci_high - res.ci_low) / 2 == pytest.approx(q * se[1], rel=1e-7)
    assert res.p_value == pytest.approx(2 * student_t.sf(abs(beta[1] / se[1]), res.n_used - 2), rel=1e-7)
    # the band around the line: the same quantile times the HC3 standard error of the line at that x
    bread = np.linalg.inv(design.T @ design)
    h = np.einsum("ij,jk,ik->i", design, bread, design)
    e = d[Y].to_numpy() - design @ beta
    cov = bread @ ((design * (e / (1 - h))[:, None] ** 2).T @ design) @ bread
    middle = res.line.iloc[len(res.line) // 2]
    g = np.array([1.0, middle["x"]])
    assert (middle["ci_high"] - middle["ci_low"]) / 2 == pytest.approx(q * np.sqrt(g @ cov @ g), rel=1e-7)


def test_missing_values_are_counted(wide):
    expected_missing = int(wide[[X, Y, *CONTROLS]].isna().any(axis=1).sum())
    res = fit_relation(wide, X, Y, controls=CONTROLS)
    assert res.n_missing == expected_missing
    assert res.n_used + res.n_missing == len(wide)


def test_controls_match_lstsq_and_fwl_partial_slope(wide):
    d, _ = _complete(wide, [Y, X, *CONTROLS])
    design = np.column_stack([np.ones(len(d)), d[X], d[CONTROLS[0]], d[CONTROLS[1]]])
    beta, se, _ = _hc3(design, d[Y].to_numpy())
    res = fit_relation(wide, X, Y, controls=CONTROLS)
    np.testing.assert_allclose(res.terms["coef"], beta, rtol=1e-8)
    q = student_t.ppf(0.975, len(d) - 4)
    np.testing.assert_allclose(res.terms["ci_high"] - res.terms["ci_low"], 2 * q * se, rtol=1e-7)
    assert list(res.terms["term"]) == ["const", X, *CONTROLS]
    # Frisch-Waugh-Lovell: the slope through the added-variable points is the multiple-regression coefficient.
    p = res.partial
    slope = (p["x_resid"] * p["y_resid"]).sum() / (p["x_resid"] ** 2).sum()
    assert slope == pytest.approx(beta[1], rel=1e-8)
    assert abs(p["x_resid"].mean()) < 1e-8 and len(p) == res.n_used


def test_wls_with_population_weights(wide):
    d, w = _complete(wide, [Y, X, CONTROLS[0]], weight="inwoners")
    design = np.column_stack([np.ones(len(d)), d[X], d[CONTROLS[0]]])
    beta, se, _ = _hc3(design, d[Y].to_numpy(), w)
    res = fit_relation(wide, X, Y, controls=CONTROLS[:1], weights="inwoners")
    assert res.weighted and res.n_used == len(d)
    assert res.coef == pytest.approx(beta[1], rel=1e-8)
    assert (res.ci_high - res.ci_low) / 2 == pytest.approx(student_t.ppf(0.975, len(d) - 3) * se[1], rel=1e-7)
    unweighted = fit_relation(wide, X, Y, controls=CONTROLS[:1])
    assert res.ci_high - res.ci_low != pytest.approx(unweighted.ci_high - unweighted.ci_low, rel=1e-3)
    p = res.partial  # weighted FWL
    xw = p["x_resid"].to_numpy() * w
    assert (xw @ p["y_resid"]) / (xw @ p["x_resid"]) == pytest.approx(beta[1], rel=1e-8)


def test_line_follows_the_slope_with_controls_at_their_mean(wide):
    res = fit_relation(wide, X, Y, controls=CONTROLS[:1])
    line = res.line
    assert np.allclose(np.diff(line["fit"]) / np.diff(line["x"]), res.coef)
    b = res.terms.set_index("term")["coef"]
    mean_c = res.points.join(wide[[CONTROLS[0]]], on="region_code")[CONTROLS[0]].mean()
    assert line["fit"].iloc[0] == pytest.approx(b["const"] + b[X] * line["x"].iloc[0] + b[CONTROLS[0]] * mean_c)
    assert (line["ci_low"] < line["fit"]).all() and (line["fit"] < line["ci_high"]).all()
    assert line["x"].min() == res.points["x"].min() and line["x"].max() == res.points["x"].max()


def test_scope_restricts_to_given_buurten(wide):
    complete = wide[[X, Y]].notna().all(axis=1)
    gm = wide.loc[complete, "gemeente_code"].value_counts().index[0]
    codes = wide.index[wide["gemeente_code"] == gm]
    res = fit_relation(wide, X, Y, scope_codes=codes)
    sub = fit_relation(wide.loc[codes], X, Y)
    assert res.n_used == sub.n_used < 1000 and res.coef == pytest.approx(sub.coef)
    assert set(res.points["region_code"]) <= set(codes)


def test_at_most_five_controls(wide):
    six = ("aandeel_65plus", "aandeel_0_15", "bevolkingsdichtheid", "woz_waarde", "koopwoningen", "huishoudensgrootte")
    assert len(six) == MAX_CONTROLS + 1
    with pytest.raises(ValueError, match="hoogstens 5"):
        fit_relation(wide, X, Y, controls=six)
    assert fit_relation(wide, X, Y, controls=six[:5]).n_used > 1000


def test_origin_variables_are_refused(wide):
    frame = wide.assign(herkomst_niet_westers=1.0)
    with pytest.raises(ValueError, match="herkomst"):
        fit_relation(frame, "herkomst_niet_westers", Y)
    with pytest.raises(ValueError):
        fit_relation(frame, X, Y, controls=["herkomst_niet_westers"])


def test_origin_guard_covers_catalogue_forbidden_stems():
    from pipelines.catalogue import FORBIDDEN_STEMS

    for stem in FORBIDDEN_STEMS:
        with pytest.raises(ValueError):
            reject_origin_variables([f"aandeel_{stem}"])
    reject_origin_variables(["ervaren_gezondheid_goed", "woz_waarde", "aandeel_65plus"])  # no false alarm


def test_repeated_or_unknown_variables_are_refused(wide):
    with pytest.raises(ValueError):
        fit_relation(wide, X, X)
    with pytest.raises(ValueError):
        fit_relation(wide, X, Y, controls=[Y])
    with pytest.raises(ValueError, match="ontbreken"):
        fit_relation(wide, X, "bestaat_niet")


def test_caveat_says_ecological_not_causal(wide):
    res = fit_relation(wide, X, Y)
    assert "gemiddelden per buurt" in res.caveat and "niet" in res.caveat
