"""fit_expected: prediction intervals checked by hand, flags on a constructed outlier, real-data behaviour."""
import time

import numpy as np
import pytest
from scipy.stats import t as student_t

from dashboard.core.format import fmt_number
from dashboard.stats.deviance import (AS_EXPECTED, BETTER, WORSE, bright_spots, design_matrix, fit_expected,
                                      for_buurt)
from stats_data import wide_for

OUTCOME = "ervaren_gezondheid_goed"


@pytest.fixture(scope="module")
def wide(request):
    return wide_for(request)


@pytest.fixture(scope="module")
def constructed(wide):
    """2 000 real buurten; outcome = exact linear function of their real context + bounded noise, one outlier."""
    ctx = ["personen_laagste_inkomens", "aandeel_65plus"]
    base = wide[ctx].dropna().iloc[:2000].copy()
    rng = np.random.default_rng(7)
    noise = rng.uniform(-1, 1, len(base))
    base["uitkomst"] = 90 - 0.3 * base[ctx[0]] - 0.2 * base[ctx[1]] + noise
    outlier = base.index[1234]
    base.loc[outlier, "uitkomst"] += 25
    return base, ctx, outlier


def test_only_the_constructed_outlier_is_flagged(constructed):
    frame, ctx, outlier = constructed
    res = fit_expected(frame, "uitkomst", ctx, "higher_is_better")
    flagged = res.buurten[res.buurten["flag"] != AS_EXPECTED]
    assert list(flagged.index) == [outlier]
    assert flagged.loc[outlier, "flag"] == BETTER
    assert res.n == 2000 and res.n_excluded == 0


def test_direction_turns_the_flag_around(constructed):
    frame, ctx, outlier = constructed
    assert fit_expected(frame, "uitkomst", ctx, "lower_is_better").buurten.loc[outlier, "flag"] == WORSE
    neutral = fit_expected(frame, "uitkomst", ctx, "neutral").buurten.loc[outlier, "flag"]
    assert neutral == "hoger dan verwacht"
    dipped = frame.assign(uitkomst=frame["uitkomst"].where(frame.index != outlier, frame["uitkomst"] - 50))
    assert fit_expected(dipped, "uitkomst", ctx).buurten.loc[outlier, "flag"] == WORSE


def test_prediction_interval_matches_hand_computation(wide):
    res = fit_expected(wide, OUTCOME)
    cols = [OUTCOME, *res.context]
    d = wide[cols].astype("float64").dropna()
    x = np.column_stack([np.ones(len(d))] + [np.log(d[c].clip(lower=1)) if c == "bevolkingsdichtheid" else d[c]
                                             for c in res.context])
    y = d[OUTCOME].to_numpy()
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    e = y - x @ beta
    dof = len(y) - x.shape[1]
    s2 = e @ e / dof
    half = student_t.ppf(0.975, dof) * np.sqrt(s2 * (1 + np.einsum("ij,jk,ik->i", x, xtx_inv, x)))
    got = res.buurten.loc[d.index]
    np.testing.assert_allclose(got["expected"], x @ beta, rtol=1e-9)
    np.testing.assert_allclose(got["pi_low"], x @ beta - half, rtol=1e-9)
    np.testing.assert_allclose(got["pi_high"], x @ beta + half, rtol=1e-9)
    assert res.r_squared == pytest.approx(1 - e @ e / ((y - y.mean()) @ (y - y.mean())), rel=1e-9)
    # Flags follow the interval: beyond it on the good side and nothing else.
    assert (got["flag"] == BETTER).sum() == int((y > x @ beta + half).sum())
    assert (got["flag"] == WORSE).sum() == int((y < x @ beta - half).sum())
    # With a 95% prediction interval roughly 5% of buurten fall outside it (not 30%, not 0%).
    outside = (got["flag"] != AS_EXPECTED).mean()
    assert 0.01 < outside < 0.10


def test_numpy_fit_equals_statsmodels_ols(wide, constructed):
    """fit_expected computes the OLS fit and prediction interval with numpy (ols_prediction, no statsmodels import
    in the build); statsmodels' OLS, from which it is taken, must give the same numbers: on the real all-NL fit
    and on the constructed frame, for two interval levels."""
    from statsmodels.regression.linear_model import OLS
    frame, ctx, _ = constructed
    for data, outcome, context in ((wide, OUTCOME, None), (frame, "uitkomst", ctx)):
        for alpha in (0.05, 0.1):
            res = fit_expected(data, outcome, context, alpha=alpha)
            x = np.column_stack([np.ones(res.n), design_matrix(data.loc[res.buurten.index], res.context).to_numpy()])
            fit = OLS(res.buurten["observed"].to_numpy(), x).fit()
            ref = fit.get_prediction(x).summary_frame(alpha=alpha)
            np.testing.assert_allclose(res.buurten["expected"], ref["mean"], rtol=1e-11, atol=1e-11)
            np.testing.assert_allclose(res.buurten["pi_low"], ref["obs_ci_lower"], rtol=1e-11, atol=1e-11)
            np.testing.assert_allclose(res.buurten["pi_high"], ref["obs_ci_upper"], rtol=1e-11, atol=1e-11)
            np.testing.assert_allclose(res.coefficients["coef"], fit.params, rtol=1e-10, atol=1e-12)
            assert res.r_squared == pytest.approx(fit.rsquared, rel=1e-12, abs=1e-12)


def test_default_context_uses_only_well_covered_structural_variables(wide):
    res = fit_expected(wide, OUTCOME)
    assert "aandeel_65plus" in res.context
    assert any(c in res.context for c in ("personen_laagste_inkomens", "huishoudens_laagste_40pct"))
    assert "inkomen_per_inwoner" not in res.context  # only ~13% of buurten have it
    with_outcome = wide[OUTCOME].notna()
    for c in res.context:
        assert wide.loc[with_outcome, c].notna().mean() >= 0.8
    assert res.n + res.n_excluded == len(wide)
    assert res.weak_fit_warning is None and res.r_squared > 0.3
    assert fmt_number(res.n) in res.spec and fmt_number(res.r_squared, 2) in res.spec
    # the outcome is a RIVM model estimate ('geschat'), not a true value: the spec said 'als de echte waarde
    # buiten de 95%-marge ... ligt'; it names the figure as the source gives it
    assert "echte waarde" not in res.spec and "haar cijfer (uit de bron) buiten de 95%-marge" in res.spec


def test_weak_fit_warning(wide):
    frame = wide[["aandeel_65plus"]].dropna().copy()
    frame["ruis"] = np.random.default_rng(1).normal(size=len(frame))
    res = fit_expected(frame, "ruis", ["aandeel_65plus"])
    assert res.r_squared < 0.01 and "Let op" in res.weak_fit_warning


def test_origin_variables_never_in_context(wide):
    frame = wide.assign(migratieachtergrond=1.0)
    with pytest.raises(ValueError, match="herkomst of migratie"):
        fit_expected(frame, OUTCOME, ["aandeel_65plus", "migratieachtergrond"])


def test_bright_spots_lists_flagged_buurten_with_asset_values(wide):
    res = fit_expected(wide, OUTCOME)
    assets = ["vrijwilligerswerk", "mantelzorger", "niet_in_de_tabel"]
    spots = bright_spots(res, wide, assets)
    assert len(spots) == (res.buurten["flag"] == BETTER).sum() > 0
    assert (spots["flag"] == BETTER).all() and (spots["observed"] > spots["pi_high"]).all()
    beyond = (spots["observed"] - spots["pi_high"]).to_numpy()
    assert (np.diff(beyond) <= 1e-12).all()
    np.testing.assert_array_equal(spots["vrijwilligerswerk"], wide.loc[spots.index, "vrijwilligerswerk"])
    assert "niet_in_de_tabel" not in spots.columns and "name" in spots.columns
    worse = bright_spots(res, wide, assets, flag=WORSE)
    assert (worse["observed"] < worse["pi_low"]).all()


def test_for_buurt_sentence(constructed, wide):
    frame, ctx, outlier = constructed
    res = fit_expected(frame, "uitkomst", ctx, labels={"uitkomst": "ervaren gezondheid"})
    line = for_buurt(res, outlier)
    assert line["flag"] == BETTER and line["sentence"] == "doet het beter dan verwacht op ervaren gezondheid"
    assert line["observed"] > line["pi_high"]
    normal = for_buurt(res, frame.index[0])
    assert normal["flag"] == AS_EXPECTED and "zoals verwacht" in normal["sentence"]
    absent = for_buurt(res, "BU99999999")
    assert absent["flag"] is None and "ontbreken" in absent["sentence"]


def test_scope_limits_the_model(wide):
    codes = wide.index[wide["gemeente_code"].isin(sorted(wide["gemeente_code"].unique())[:40])]
    res = fit_expected(wide, OUTCOME, scope_codes=codes)
    assert set(res.buurten.index) <= set(codes)
    assert 0 < res.n <= len(codes) < fit_expected(wide, OUTCOME).n


def test_all_nl_fit_is_fast(wide):
    fit_expected(wide, OUTCOME)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        fit_expected(wide, OUTCOME)
        times.append(time.perf_counter() - start)
    # Target 200 ms (about 20 ms on an idle machine); the margin absorbs a busy shared machine. The benchmark
    # script reports the real figure.
    assert np.median(times) < 0.5
