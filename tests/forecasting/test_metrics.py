"""Every metric against a small example worked by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.metrics import (
    EvaluationSet,
    mase_scale,
    per_series_metrics,
    pooled_metrics,
)

NAN = float("nan")

# --- Point metrics: 2 series × 3 periods -------------------------------------------------
#
#            actual         forecast       e = f - a      |e|
# series 0:  10   0   5     8   2   5      -2  2  0       2 2 0   (3 points)
# series 1:   4 NaN   6     6 NaN   3       2  -  -3      2 - 3   (2 points; NaN skipped)
#
# The NaN actual of series 1 is not evaluated; its forecast is NaN too, which is allowed.
ACTUAL = np.array([[10.0, 0.0, 5.0], [4.0, NAN, 6.0]])
FORECAST = np.array([[8.0, 2.0, 5.0], [6.0, NAN, 3.0]])
# MASE scales, worked in test_mase_scale_seasonal_pairs_by_hand: series 0 → 2, series 1 → 2.
HISTORY = np.array([[1.0, 3.0, 2.0, 6.0, 4.0], [NAN, 5.0, 7.0, 2.0, 8.0]])


def point_set() -> EvaluationSet:
    return EvaluationSet(
        actual=ACTUAL, forecast=FORECAST, quantiles={}, scale=mase_scale(HISTORY, 2)
    )


def test_mase_scale_seasonal_pairs_by_hand() -> None:
    # m = 2. Series 0: |2-1|=1, |6-3|=3, |4-2|=2 → mean 2.
    # Series 1: (7, NaN) skipped, |2-5|=3, |8-7|=1 → mean 2.
    np.testing.assert_allclose(mase_scale(HISTORY, 2), [2.0, 2.0])
    # m = 1 on the same history. Series 0: 2,1,4,2 → 9/4. Series 1: (5,NaN) skipped, 2,5,6 → 13/3.
    np.testing.assert_allclose(mase_scale(HISTORY, 1), [9 / 4, 13 / 3])


def test_mase_scale_falls_back_to_naive_then_nan() -> None:
    history = np.array(
        [
            [NAN, NAN, 3.0, 5.0],  # m=2: (3,NaN), (5,NaN) → no pair; m=1: |5-3| = 2
            [NAN, NAN, NAN, 7.0],  # one value: no pair at any lag → NaN
            [4.0, 4.0, 4.0, 4.0],  # constant: scale 0 (kept, MASE will skip it)
            [1.0, np.inf, 3.0, 6.0],  # inf is not finite: m=2 pairs (1,3)=2 only → 2
        ]
    )
    scale = mase_scale(history, 2)
    assert scale[0] == 2.0
    assert math.isnan(scale[1])
    assert scale[2] == 0.0
    assert scale[3] == 2.0


def test_mase_scale_on_many_series_keeps_rows_in_order() -> None:
    # Row i is the line t · (i mod 5): every lag-1 step is i mod 5, every lag-2 step twice
    # that. 4,100 rows span several internal row blocks.
    slope = np.arange(4100) % 5
    history = np.outer(slope, np.arange(8)).astype(np.float64)
    np.testing.assert_array_equal(mase_scale(history, 1), slope)
    np.testing.assert_array_equal(mase_scale(history, 2), 2 * slope)


def test_mase_scale_rejects_bad_arguments() -> None:
    with pytest.raises(ForecastInputError, match="season_length"):
        mase_scale(HISTORY, 0)
    with pytest.raises(ForecastInputError, match="history"):
        mase_scale(np.array([1.0, 2.0]), 1)


def test_pooled_point_metrics_by_hand() -> None:
    m = pooled_metrics(point_set())
    assert m["n_points"] == 5
    # sum|e| = 4 + 5 = 9 over 5 points.
    assert m["mae"] == pytest.approx(9 / 5)
    # e² = 4,4,0,4,9 → 21; sqrt(21/5).
    assert m["rmse"] == pytest.approx(math.sqrt(21 / 5))
    # sum e = 0 + (-1) = -1 → bias -1/5 (under-forecast); sum a = 15 + 10 = 25.
    assert m["bias"] == pytest.approx(-0.2)
    assert m["bias_pct"] == pytest.approx(-1 / 25)
    # sum|a| = 25 → 9/25.
    assert m["wape"] == pytest.approx(0.36)
    # MASE_0 = (4/3)/2 = 2/3, MASE_1 = (5/2)/2 = 5/4; mean = (8/12 + 15/12)/2 = 23/24.
    assert m["mase"] == pytest.approx(23 / 24)
    assert m["mase_series"] == 2
    # sMAPE terms: 2·2/(10+8)=2/9, 2·2/(0+2)=2, 0/10=0, 2·2/(4+6)=2/5, 2·3/(6+3)=2/3.
    # Sum = 2/9 + 2 + 2/5 + 2/3 = 148/45; mean over 5 = 148/225.
    assert m["smape"] == pytest.approx(148 / 225)
    # MAPE skips the zero actual: 2/10, 0/5, 2/4, 3/6 → 1.2 / 4 = 0.3.
    assert m["mape"] == pytest.approx(0.3)


def test_per_series_point_metrics_by_hand() -> None:
    table = per_series_metrics(point_set(), np.array(["s0", "s1"]))
    assert table["unique_id"].to_list() == ["s0", "s1"]
    rows = {r["unique_id"]: r for r in table.iter_rows(named=True)}
    s0, s1 = rows["s0"], rows["s1"]
    assert (s0["n_points"], s1["n_points"]) == (3, 2)
    assert s0["mae"] == pytest.approx(4 / 3)
    assert s1["mae"] == pytest.approx(5 / 2)
    assert s0["rmse"] == pytest.approx(math.sqrt(8 / 3))  # (4+4+0)/3
    assert s1["rmse"] == pytest.approx(math.sqrt(13 / 2))  # (4+9)/2
    assert s0["bias"] == pytest.approx(0.0)
    assert s1["bias"] == pytest.approx(-0.5)
    assert s0["bias_pct"] == pytest.approx(0.0)
    assert s1["bias_pct"] == pytest.approx(-0.1)  # -1/10
    assert s0["wape"] == pytest.approx(4 / 15)
    assert s1["wape"] == pytest.approx(0.5)
    assert s0["mase"] == pytest.approx(2 / 3)
    assert s1["mase"] == pytest.approx(5 / 4)
    assert s0["smape"] == pytest.approx((2 / 9 + 2 + 0) / 3)  # 20/27
    assert s1["smape"] == pytest.approx((2 / 5 + 2 / 3) / 2)  # 8/15
    assert s0["mape"] == pytest.approx((0.2 + 0.0) / 2)
    assert s1["mape"] == pytest.approx((0.5 + 0.5) / 2)
    # mase_series only makes sense pooled; no pinball/coverage keys without quantiles.
    assert "mase_series" not in table.columns
    assert not [c for c in table.columns if c.startswith(("pinball", "coverage"))]


def test_smape_counts_zero_over_zero_as_perfect() -> None:
    # Terms: a=0,f=0 → 0 (not NaN, not skipped); a=4,f=2 → 2·2/6 = 2/3. Mean = 1/3.
    # Skipping the 0/0 term would give 2/3, propagating it would give NaN.
    ev = EvaluationSet(
        actual=np.array([[0.0, 4.0]]),
        forecast=np.array([[0.0, 2.0]]),
        quantiles={},
        scale=np.array([1.0]),
    )
    assert pooled_metrics(ev)["smape"] == pytest.approx(1 / 3)


def test_all_zero_actuals_give_nan_ratios_not_crashes() -> None:
    # a = 0,0; f = 1,0. No non-zero actual → MAPE NaN; sum|a| = 0 → WAPE and bias_pct NaN.
    # sMAPE terms: 2·1/1 = 2 and 0/0 = 0 → 1.
    ev = EvaluationSet(
        actual=np.array([[0.0, 0.0]]),
        forecast=np.array([[1.0, 0.0]]),
        quantiles={},
        scale=np.array([1.0]),
    )
    m = pooled_metrics(ev)
    assert math.isnan(m["mape"])
    assert math.isnan(m["wape"])
    assert math.isnan(m["bias_pct"])
    assert m["smape"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(0.5)


def test_pooled_mase_skips_series_without_a_usable_scale() -> None:
    # MAE per series: 1, 2, 3, and series 3 has no evaluated point.
    # Scales: 2 (counted: 1/2), 0 (constant history), NaN (no pair), 5 (but MAE is NaN).
    ev = EvaluationSet(
        actual=np.array([[1.0], [2.0], [3.0], [NAN]]),
        forecast=np.array([[2.0], [4.0], [6.0], [1.0]]),
        quantiles={},
        scale=np.array([2.0, 0.0, NAN, 5.0]),
    )
    m = pooled_metrics(ev)
    assert m["mase"] == pytest.approx(0.5)
    assert m["mase_series"] == 1
    mase = per_series_metrics(ev, ["a", "b", "c", "d"])["mase"].to_list()
    assert mase[0] == pytest.approx(0.5)
    assert all(math.isnan(v) for v in mase[1:])


def test_mase_is_nan_when_no_series_counts() -> None:
    ev = EvaluationSet(
        actual=np.array([[1.0]]), forecast=np.array([[2.0]]), quantiles={}, scale=np.array([0.0])
    )
    m = pooled_metrics(ev)
    assert math.isnan(m["mase"])
    assert m["mase_series"] == 0


# --- Quantiles: 2 series × 3 periods, levels 0.1 / 0.5 / 0.9, no crossing -------------------
#
#            actual        q0.1         q0.5          q0.9
# series 0:  10  4 NaN     6  5  50     10  6  60     12  8  70
# series 1:   0  7 NaN     0  2  50      1  5  60      3  7  70
#
# The third period is not evaluated (NaN actual); its quantiles are far off on purpose.
Q_ACTUAL = np.array([[10.0, 4.0, NAN], [0.0, 7.0, NAN]])
QUANTILES = {
    0.1: np.array([[6.0, 5.0, 50.0], [0.0, 2.0, 50.0]]),
    0.5: np.array([[10.0, 6.0, 60.0], [1.0, 5.0, 60.0]]),
    0.9: np.array([[12.0, 8.0, 70.0], [3.0, 7.0, 70.0]]),
}


def quantile_set(service_level: float = 0.9) -> EvaluationSet:
    return EvaluationSet(
        actual=Q_ACTUAL,
        forecast=QUANTILES[0.5],
        quantiles=QUANTILES,
        scale=np.array([1.0, 1.0]),
        service_level=service_level,
    )


def test_pinball_loss_by_hand() -> None:
    m = pooled_metrics(quantile_set())
    # u = a - f_q; loss = max(q·u, (q-1)·u).
    # q=0.1: u = 4, -1, 0, 5 → 0.4, 0.9, 0, 0.5 → 1.8 / 4 = 0.45
    # q=0.5: u = 0, -2, -1, 2 → 0, 1.0, 0.5, 1.0 → 2.5 / 4 = 0.625
    # q=0.9: u = -2, -4, -3, 0 → 0.2, 0.4, 0.3, 0 → 0.9 / 4 = 0.225
    assert m["pinball_q0.1"] == pytest.approx(0.45)
    assert m["pinball_q0.5"] == pytest.approx(0.625)
    assert m["pinball_q0.9"] == pytest.approx(0.225)
    # Mean over levels: (0.45 + 0.625 + 0.225) / 3 = 1.3 / 3.
    assert m["pinball"] == pytest.approx(1.3 / 3)


def test_coverage_by_hand() -> None:
    m = pooled_metrics(quantile_set())
    # [q0.1, q0.9]: 10∈[6,12] yes; 4∈[5,8] no; 0∈[0,3] yes (ends inclusive); 7∈[2,7] yes.
    assert m["coverage"] == pytest.approx(3 / 4)
    assert m["coverage_nominal"] == pytest.approx(0.8)
    # a <= f_q.  q0.1: 10≤6 n, 4≤5 y, 0≤0 y, 7≤2 n → 2/4.
    assert m["coverage_q0.1"] == pytest.approx(0.5)
    # q0.5: 10≤10 y, 4≤6 y, 0≤1 y, 7≤5 n → 3/4.
    assert m["coverage_q0.5"] == pytest.approx(0.75)
    # q0.9: 10≤12, 4≤8, 0≤3, 7≤7 → 4/4.
    assert m["coverage_q0.9"] == pytest.approx(1.0)


def test_quantile_metrics_per_series_by_hand() -> None:
    table = per_series_metrics(quantile_set(), ["s0", "s1"])
    s0, s1 = table.iter_rows(named=True)
    # Series 0, q0.1: 0.4 and 0.9 → 0.65; q0.5: 0 and 1.0 → 0.5; q0.9: 0.2 and 0.4 → 0.3.
    assert s0["pinball_q0.1"] == pytest.approx(0.65)
    assert s0["pinball"] == pytest.approx((0.65 + 0.5 + 0.3) / 3)
    # Series 1, q0.1: 0 and 0.5 → 0.25; q0.5: 0.5 and 1.0 → 0.75; q0.9: 0.3 and 0 → 0.15.
    assert s1["pinball"] == pytest.approx((0.25 + 0.75 + 0.15) / 3)
    assert (s0["coverage"], s1["coverage"]) == (0.5, 1.0)
    assert (s0["coverage_q0.5"], s1["coverage_q0.5"]) == (1.0, 0.5)


def test_single_quantile_level_has_no_interval_coverage() -> None:
    ev = EvaluationSet(
        actual=Q_ACTUAL,
        forecast=QUANTILES[0.5],
        quantiles={0.5: QUANTILES[0.5]},
        scale=np.array([1.0, 1.0]),
    )
    m = pooled_metrics(ev)
    assert "coverage" not in m
    assert "coverage_nominal" not in m
    assert m["coverage_q0.5"] == pytest.approx(0.75)
    assert m["pinball"] == pytest.approx(0.625)


def test_quantile_keys_are_absent_without_quantiles() -> None:
    m = pooled_metrics(point_set())
    assert not [k for k in m if k.startswith(("pinball", "coverage"))]


# --- Business metrics ---------------------------------------------------------------------
#
#            actual   stock s (= forecast)   s-a     over  lost   unit_cost  unit_price
# series 0:  5  8     7  6                   2 -2    2 0   0 2    2          5
# series 1:  3  0     3  2                   0  2    0 2   0 0    10         20
BIZ_ACTUAL = np.array([[5.0, 8.0], [3.0, 0.0]])
BIZ_FORECAST = np.array([[7.0, 6.0], [3.0, 2.0]])


def business_set(*, with_money: bool = True) -> EvaluationSet:
    return EvaluationSet(
        actual=BIZ_ACTUAL,
        forecast=BIZ_FORECAST,
        quantiles={},
        scale=np.array([1.0, 1.0]),
        unit_cost=np.array([2.0, 10.0]) if with_money else None,
        unit_price=np.array([5.0, 20.0]) if with_money else None,
    )


def test_business_metrics_with_point_forecast_as_stock() -> None:
    m = pooled_metrics(business_set())
    # a > s only at (0, 1): 8 > 6 → 1 of 4 points.
    assert m["stockout_miss_rate"] == pytest.approx(0.25)
    # Left over 2 + 2 = 4 units of 7+6+3+2 = 18 stocked.
    assert m["overstock_units"] == pytest.approx(4.0)
    assert m["overstock_rate"] == pytest.approx(4 / 18)
    # 2 units × 2 + 2 units × 10 = 24.
    assert m["overstock_value"] == pytest.approx(24.0)
    # 2 units short at (0, 1), × price 5 = 10.
    assert m["lost_sales"] == pytest.approx(2.0)
    assert m["lost_sales_value"] == pytest.approx(10.0)

    s0, s1 = per_series_metrics(business_set(), ["s0", "s1"]).iter_rows(named=True)
    assert (s0["stockout_miss_rate"], s1["stockout_miss_rate"]) == (0.5, 0.0)
    assert s0["overstock_rate"] == pytest.approx(2 / 13)
    assert s1["overstock_rate"] == pytest.approx(2 / 5)
    assert (s0["overstock_value"], s1["overstock_value"]) == (4.0, 20.0)
    assert (s0["lost_sales_value"], s1["lost_sales_value"]) == (10.0, 0.0)


def test_money_metrics_are_nan_without_cost_or_price() -> None:
    m = pooled_metrics(business_set(with_money=False))
    assert math.isnan(m["overstock_value"])
    assert math.isnan(m["lost_sales_value"])
    assert m["overstock_units"] == pytest.approx(4.0)  # units still known


def test_stocking_level_is_the_service_level_quantile() -> None:
    # service 0.9 → s = q0.9 = 12 8 / 3 7 against a = 10 4 / 0 7.
    # No a > s → miss 0; over 2+4+3+0 = 9 of 12+8+3+7 = 30; nothing lost.
    m = pooled_metrics(quantile_set(0.9))
    assert m["stockout_miss_rate"] == 0.0
    assert m["overstock_units"] == pytest.approx(9.0)
    assert m["overstock_rate"] == pytest.approx(0.3)
    assert m["lost_sales"] == 0.0
    # service 0.5 → s = q0.5 = 10 6 / 1 5. Miss at 7 > 5 → 1/4; over 0+2+1+0 = 3 of 22;
    # lost 7-5 = 2.
    m = pooled_metrics(quantile_set(0.5))
    assert m["stockout_miss_rate"] == pytest.approx(0.25)
    assert m["overstock_rate"] == pytest.approx(3 / 22)
    assert m["lost_sales"] == pytest.approx(2.0)


def test_stocking_falls_back_to_point_forecast_for_an_absent_level() -> None:
    # 0.95 is not a quantile level → s = forecast. Use a forecast unlike every quantile:
    # s = 11 5 / 2 6 against a = 10 4 / 0 7 → over 1+1+2+0 = 4, lost 1, miss 1/4.
    ev = EvaluationSet(
        actual=Q_ACTUAL,
        forecast=np.array([[11.0, 5.0, 0.0], [2.0, 6.0, 0.0]]),
        quantiles=QUANTILES,
        scale=np.array([1.0, 1.0]),
        service_level=0.95,
    )
    m = pooled_metrics(ev)
    assert m["overstock_units"] == pytest.approx(4.0)
    assert m["lost_sales"] == pytest.approx(1.0)
    assert m["stockout_miss_rate"] == pytest.approx(0.25)


def test_overstock_rate_is_nan_when_nothing_is_stocked() -> None:
    ev = EvaluationSet(
        actual=np.array([[3.0]]), forecast=np.array([[0.0]]), quantiles={}, scale=np.array([1.0])
    )
    m = pooled_metrics(ev)
    assert math.isnan(m["overstock_rate"])
    assert m["lost_sales"] == pytest.approx(3.0)
    assert m["stockout_miss_rate"] == 1.0


# --- Pooled vs per series -----------------------------------------------------------------


def test_one_series_pooled_equals_its_per_series_row() -> None:
    ev = EvaluationSet(
        actual=Q_ACTUAL[:1],
        forecast=QUANTILES[0.5][:1],
        quantiles={q: v[:1] for q, v in QUANTILES.items()},
        scale=np.array([1.5]),
        unit_cost=np.array([2.0]),
        unit_price=np.array([3.0]),
    )
    pooled = pooled_metrics(ev)
    (row,) = per_series_metrics(ev, ["only"]).iter_rows(named=True)
    assert pooled.pop("mase_series") == 1
    assert set(pooled) == set(row) - {"unique_id"}
    for key, value in pooled.items():
        assert row[key] == pytest.approx(value, nan_ok=True), key


def test_per_series_sums_add_up_to_pooled_and_pooled_is_not_a_mean_of_rows() -> None:
    ev = business_set()
    pooled = pooled_metrics(ev)
    table = per_series_metrics(ev, ["s0", "s1"])
    for key in ("n_points", "overstock_units", "overstock_value", "lost_sales", "lost_sales_value"):
        assert table[key].sum() == pytest.approx(pooled[key]), key
    # Pooled overstock_rate is 4/18, not the mean of 2/13 and 2/5.
    assert pooled["overstock_rate"] != pytest.approx(table["overstock_rate"].mean())
    # Pooled MAE weighs points: point example 9/5 = 1.8, the row mean would be (4/3+5/2)/2.
    assert pooled_metrics(point_set())["mae"] == pytest.approx(1.8)


def test_per_series_table_schema() -> None:
    table = per_series_metrics(quantile_set(), np.array(["a", "b"]))
    assert table.columns[0] == "unique_id"
    assert table.schema["unique_id"] == pl.String
    assert table.schema["n_points"] == pl.Int64
    assert table.schema["mae"] == pl.Float64
    assert table.height == 2


# --- Bad input ----------------------------------------------------------------------------


def test_shape_mismatches_name_the_array() -> None:
    scale = np.array([1.0, 1.0])
    with pytest.raises(ValueError, match="forecast has shape"):
        EvaluationSet(actual=ACTUAL, forecast=ACTUAL[:, :2], quantiles={}, scale=scale)
    with pytest.raises(ValueError, match=r"quantile 0\.9 has shape"):
        EvaluationSet(actual=ACTUAL, forecast=FORECAST, quantiles={0.9: ACTUAL[:1]}, scale=scale)
    with pytest.raises(ValueError, match="scale has shape"):
        EvaluationSet(actual=ACTUAL, forecast=FORECAST, quantiles={}, scale=np.ones(3))
    with pytest.raises(ValueError, match="unit_cost has shape"):
        EvaluationSet(
            actual=ACTUAL, forecast=FORECAST, quantiles={}, scale=scale, unit_cost=np.ones(1)
        )
    with pytest.raises(ValueError, match="unit_price has shape"):
        EvaluationSet(
            actual=ACTUAL, forecast=FORECAST, quantiles={}, scale=scale, unit_price=np.ones(5)
        )
    with pytest.raises(ValueError, match="actual must be"):
        EvaluationSet(actual=np.ones(3), forecast=np.ones(3), quantiles={}, scale=np.ones(1))
    with pytest.raises(ValueError, match="ids has 1 entries"):
        per_series_metrics(point_set(), ["only-one"])


def test_other_bad_input_is_a_readable_forecast_input_error() -> None:
    scale = np.array([1.0, 1.0])
    # A NaN forecast where the actual is evaluated would silently drop or poison a metric.
    bad = FORECAST.copy()
    bad[1, 2] = NAN
    with pytest.raises(ForecastInputError, match="series row 1, step 2"):
        EvaluationSet(actual=ACTUAL, forecast=bad, quantiles={}, scale=scale)
    with pytest.raises(ForecastInputError, match=r"quantile level 1\.5"):
        EvaluationSet(actual=ACTUAL, forecast=FORECAST, quantiles={1.5: FORECAST}, scale=scale)
    with pytest.raises(ForecastInputError, match="service_level"):
        EvaluationSet(
            actual=ACTUAL, forecast=FORECAST, quantiles={}, scale=scale, service_level=1.0
        )
    with pytest.raises(ForecastInputError, match="infinite"):
        EvaluationSet(
            actual=np.array([[np.inf]]), forecast=np.ones((1, 1)), quantiles={}, scale=np.ones(1)
        )


# --- Independent oracle: Nixtla's utilsforecast on random data -----------------------------


def test_per_series_metrics_match_utilsforecast_on_random_panel() -> None:
    losses = pytest.importorskip("utilsforecast.losses")
    rng = np.random.default_rng(7)
    n, h, t, m = 12, 6, 20, 3
    history = rng.uniform(1.0, 30.0, size=(n, t))
    history[0, :5] = NAN  # a late-starting series
    actual = rng.uniform(1.0, 30.0, size=(n, h))  # no zeros: their MAPE turns 0 into NaN
    actual[1, 2] = NAN  # not evaluated
    actual[4, 0] = NAN
    forecast = actual + rng.normal(0.0, 4.0, size=(n, h))
    forecast[1, 2] = 5.0  # a number where the actual is missing must not count
    lo = forecast - rng.uniform(0.0, 6.0, size=(n, h))
    hi = forecast + rng.uniform(0.0, 6.0, size=(n, h))
    ids = [f"s{i:02d}" for i in range(n)]
    ev = EvaluationSet(
        actual=actual,
        forecast=forecast,
        quantiles={0.1: lo, 0.5: forecast, 0.9: hi},
        scale=mase_scale(history, m),
    )
    ours = per_series_metrics(ev, ids).sort("unique_id")

    def long(matrix: np.ndarray) -> list[float | None]:
        # utilsforecast skips nulls in its means, which matches "NaN = not evaluated".
        return [None if math.isnan(v) else float(v) for v in matrix.ravel()]

    df = pl.DataFrame(
        {
            "unique_id": np.repeat(ids, h),
            "ds": np.tile(np.arange(t, t + h), n),
            "y": long(actual),
            "f": long(np.where(np.isnan(actual), NAN, forecast)),
            "f-lo-80": lo.ravel(),
            "f-hi-80": hi.ravel(),
            "lo": lo.ravel(),
        }
    )
    train = pl.DataFrame(
        {"unique_id": np.repeat(ids, t), "ds": np.tile(np.arange(t), n), "y": long(history)}
    )
    theirs = {
        "mae": losses.mae(df, ["f"]),
        "rmse": losses.rmse(df, ["f"]),
        "bias": losses.bias(df, ["f"]),
        "mape": losses.mape(df, ["f"]),
        "mase": losses.mase(df, ["f"], seasonality=m, train_df=train),
        "pinball_q0.1": losses.quantile_loss(df, {"f": "lo"}, q=0.1),
        "coverage": losses.coverage(df, ["f"], level=80),
    }
    for key, frame in theirs.items():
        expected = frame.sort("unique_id")["f"].to_numpy()
        np.testing.assert_allclose(ours[key].to_numpy(), expected, rtol=1e-12, err_msg=key)
    # Their sMAPE has no factor 2 (range 0..1); ours is the 0..2 convention.
    their_smape = losses.smape(df, ["f"]).sort("unique_id")["f"].to_numpy()
    np.testing.assert_allclose(ours["smape"].to_numpy(), 2 * their_smape, rtol=1e-12)
