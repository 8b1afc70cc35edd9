"""difference_verdict on hand-worked numbers (SE = half-width / 1.96, two-sided z-test at 5%)."""
import math

import numpy as np
import pandas as pd
import pytest

from dashboard.stats.uncertainty import (HIGHER, LOWER, NO_MARGIN, NO_VALUE, NOT_DIFFERENT, difference_verdict,
                                         difference_verdicts, error_bar_columns, se_from_interval)

# Buurt 30 with 95% interval 26.08-33.92: half-width 3.92, SE 2.0. Reference 25 with 23.04-26.96: SE 1.0.
# Difference 5, SE of the difference sqrt(4 + 1) = 2.236, z = 2.236, p = 0.025: clearly higher,
# although the two intervals overlap (26.08 < 26.96): the overlap rule would have said "not clear".
BUURT = (30.0, 26.08, 33.92)
REF = (25.0, 23.04, 26.96)


def test_se_from_interval():
    assert se_from_interval(26.08, 33.92) == pytest.approx(2.0, rel=1e-4)


def test_overlapping_intervals_can_still_differ_clearly():
    assert BUURT[1] < REF[2]  # the intervals overlap
    assert difference_verdict(*BUURT, *REF) == HIGHER


def test_lower_and_not_different():
    assert difference_verdict(20.0, 16.08, 23.92, *REF) == LOWER          # z = -2.236
    assert difference_verdict(27.0, 23.08, 30.92, *REF) == NOT_DIFFERENT  # z = 0.894


def test_boundary_of_the_test():
    # Critical difference: 1.96 * sqrt(5) = 4.383. A difference of 4.40 (z = 1.968, p = 0.049) is clear,
    # 4.35 (z = 1.945, p = 0.052) is not.
    assert difference_verdict(29.40, 25.48, 33.32, *REF) == HIGHER
    assert difference_verdict(29.35, 25.43, 33.27, *REF) == NOT_DIFFERENT
    assert difference_verdict(20.60, 16.68, 24.52, *REF) == LOWER
    # A stricter alpha turns the first one around (p = 0.049 > 0.01).
    assert difference_verdict(29.40, 25.48, 33.32, *REF, alpha=0.01) == NOT_DIFFERENT


def test_exact_reference():
    # SE 2 against a fixed 26: z = 2.0 (p = 0.046) is clear; with the reference's own SE 1 it is z = 1.79.
    assert difference_verdict(*BUURT, 26.0, ref_is_exact=True) == HIGHER
    assert difference_verdict(*BUURT, 26.0, 24.04, 27.96) == NOT_DIFFERENT


def test_missing_margins_and_values():
    assert difference_verdict(30.0, None, None, *REF) == NO_MARGIN
    assert difference_verdict(30.0, float("nan"), 33.9, *REF) == NO_MARGIN
    assert difference_verdict(*BUURT, 25.0, None, None) == NO_MARGIN
    assert difference_verdict(float("nan"), 1.0, 2.0, *REF) == NO_VALUE
    assert difference_verdict(*BUURT, None, None, None) == NO_VALUE
    assert difference_verdict(30.0, pd.NA, pd.NA, *REF) == NO_MARGIN


def test_zero_width_intervals():
    assert difference_verdict(5.0, 5.0, 5.0, 5.0, 5.0, 5.0) == NOT_DIFFERENT
    assert difference_verdict(5.1, 5.1, 5.1, 5.0, 5.0, 5.0) == HIGHER


def test_inverted_interval_is_an_error():
    with pytest.raises(ValueError):
        difference_verdict(30.0, 34.0, 26.0, *REF)


def test_verdicts_for_a_frame():
    frame = pd.DataFrame({"value": [30.0, 20.0, 27.0, 30.0], "lower": [26.08, 16.08, 23.08, np.nan],
                          "upper": [33.92, 23.92, 30.92, np.nan]}, index=["a", "b", "c", "d"])
    got = difference_verdicts(frame, *REF)
    assert list(got) == [HIGHER, LOWER, NOT_DIFFERENT, NO_MARGIN] and list(got.index) == list("abcd")


def test_error_bar_columns():
    frame = pd.DataFrame({"value": [30.0, 12.5, 7.0], "lower": [26.0, np.nan, 6.5], "upper": [35.0, 14.0, 7.25]})
    out = error_bar_columns(frame)
    assert out["error_plus"].iloc[0] == 5.0 and out["error_minus"].iloc[0] == 4.0
    assert math.isnan(out["error_plus"].iloc[1]) and math.isnan(out["error_minus"].iloc[1])
    assert out["error_plus"].iloc[2] == 0.25 and out["error_minus"].iloc[2] == 0.5
    assert list(out["has_margin"]) == [True, False, True]
    assert "error_plus" not in frame.columns  # input untouched
