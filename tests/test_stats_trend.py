"""series_for never mixes series, flags division changes, and lets new periods flow in; change_summary text."""
import numpy as np
import pandas as pd
import pytest

from dashboard.stats.trend import BOUNDARY_NOTE, change_summary, is_comparable, period_label, series_for
from stats_data import real_long


@pytest.fixture(scope="module")
def long():
    return real_long()


def _points(rows, series="s", table="T1"):
    return pd.DataFrame([{"region_code": "BU1", "boundary_year": b, "period": p, "indicator_id": "x", "value": v,
                          "lower": lo, "upper": hi, "table_id": table, "series": series}
                         for p, b, v, lo, hi in rows])


def test_kwb_series_flags_the_division_change(long):
    both = long[(long["indicator_id"] == "afstand_huisarts")].groupby("region_code")["period"].nunique()
    code = both[both == 2].index[0]
    got = series_for(long, code, "afstand_huisarts")
    assert list(got) == ["kwb"]
    pts = got["kwb"]
    assert list(pts["label"]) == ["2023", "2024"] and list(pts["boundary_year"]) == [2023, 2024]
    assert list(pts["boundary_changed"]) == [False, True] and list(pts["comparable"]) == [True, False]
    assert pts["note"].iloc[1] == BOUNDARY_NOTE and not is_comparable(pts)
    assert BOUNDARY_NOTE in change_summary(pts, "km")


def test_two_health_series_are_never_mixed(long):
    """Put both RIVM series under one indicator id: they must still come back as separate lines."""
    health = long[long["indicator_id"].isin(["ervaren_gezondheid_goed", "goed_ervaren_gezondheid_trend"])]
    codes = health.groupby("region_code")["table_id"].nunique()
    codes = codes[codes == 2].index[:100]
    assert len(codes) == 100
    health = health[health["region_code"].isin(codes)]
    merged = health.assign(indicator_id="gezondheid")
    for code in codes:
        got = series_for(merged, code, "gezondheid")
        assert set(got) == {"rivm-50090", "rivm-50150"}
        for name, pts in got.items():
            assert pts["series"].nunique() == 1 and pts["table_id"].nunique() == 1
            assert pts["period"].is_unique and list(pts["period"]) == sorted(pts["period"])
            assert is_comparable(pts)
        assert sum(len(p) for p in got.values()) == (health["region_code"] == code).sum()
        want = health[(health["region_code"] == code) & (health["table_id"] == "50090NED")].sort_values("period")
        np.testing.assert_array_equal(got["rivm-50090"]["value"], want["value"])


def test_new_periods_flow_in_and_sort_as_text():
    pts = _points([("2020", 2020, 24.3, None, None), ("2016", 2020, 29.0, None, None),
                   ("2026", 2020, 22.0, None, None), ("2024JJ00", 2020, 23.0, None, None)])
    got = series_for(pts, "BU1", "x")["s"]
    assert list(got["period"]) == ["2016", "2020", "2024JJ00", "2026"]
    assert list(got["label"]) == ["2016", "2020", "2024", "2026"]
    assert period_label("2023KW02") == "2023KW02"


def test_duplicate_period_keeps_the_newest_division_and_missing_values_are_dropped():
    pts = pd.concat([_points([("2023", 2023, 1.0, None, None), ("2024", 2024, np.nan, None, None)], table="T1"),
                     _points([("2023", 2024, 1.5, None, None)], table="T2")])
    got = series_for(pts, "BU1", "x")["s"]
    assert list(got["value"]) == [1.5] and list(got["table_id"]) == ["T2"]


def test_other_buurt_or_indicator_is_not_returned():
    pts = _points([("2020", 2020, 1.0, None, None)])
    assert series_for(pts, "BU2", "x") == {} and series_for(pts, "BU1", "y") == {}
    with pytest.raises(ValueError, match="ontbreken"):
        series_for(pts.drop(columns="series"), "BU1", "x")


def test_age_groups_never_share_a_line():
    pts = pd.concat([_points([("2016", 2020, 80.0, None, None), ("2020", 2020, 81.0, None, None)])
                     .assign(age_group="18+", is_default_group=True),
                     _points([("2016", 2020, 60.0, None, None), ("2020", 2020, 62.0, None, None)])
                     .assign(age_group="65+", is_default_group=False)])
    assert list(series_for(pts, "BU1", "x")["s"]["value"]) == [80.0, 81.0]
    assert list(series_for(pts, "BU1", "x", age_group="65+")["s"]["value"]) == [60.0, 62.0]


def test_change_summary_texts():
    pts = series_for(_points([("2016", 2020, 29.0, None, None), ("2020", 2020, 24.3, None, None)]), "BU1", "x")["s"]
    assert change_summary(pts) == "2016 → 2020: van 29,0% naar 24,3%"
    # Margins SE 1 each: difference -4.7, z = -3.3: a clear fall.
    clear = _points([("2016", 2020, 29.0, 27.04, 30.96), ("2020", 2020, 24.3, 22.34, 26.26)])
    assert change_summary(series_for(clear, "BU1", "x")["s"]).endswith("een duidelijke daling")
    # SE 2 each: z = -1.66: within the margins.
    vague = _points([("2016", 2020, 29.0, 25.08, 32.92), ("2020", 2020, 24.3, 20.38, 28.22)])
    assert "geen duidelijk verschil" in change_summary(series_for(vague, "BU1", "x")["s"])
    km = _points([("2023", 2023, 1.25, None, None), ("2024", 2024, 1234.5, None, None)])
    assert change_summary(series_for(km, "BU1", "x")["s"], "km", 1) == (
        f"2023 → 2024: van 1,2 km naar 1.234,5 km ({BOUNDARY_NOTE})")
    one = series_for(_points([("2020", 2020, 24.3, None, None)]), "BU1", "x")["s"]
    assert change_summary(one) == "2020: 24,3% (nog maar één meting)"
    assert change_summary(one.iloc[0:0]) == "Geen gegevens voor deze buurt."


def test_on_the_real_mart_series(con):
    values = con.execute("select * from mart_indicator_series where region_code in "
                         "(select region_code from mart_indicator_series where indicator_id = "
                         "'ervaren_gezondheid_goed' and region_code like 'BU%' and value is not null "
                         "group by region_code having count(distinct period) >= 2 order by region_code limit 1)"
                         ).fetchdf()
    code = values["region_code"].iloc[0]
    got = series_for(values, code, "ervaren_gezondheid_goed")
    assert list(got) == ["rivm-50090"]
    pts = got["rivm-50090"]
    assert pts["period"].is_unique and pts["age_group"].nunique() == 1 and len(pts) >= 2
