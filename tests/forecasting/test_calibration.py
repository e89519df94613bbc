"""Conformal quantiles: hand-worked offsets, monotone and non-negative bands, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from shelfops.forecasting.calibration import (
    MIN_CELL,
    ConformalCalibrator,
    parse_quantiles,
    quantile_column,
)
from shelfops.forecasting.errors import ForecastInputError


def test_offsets_are_quantiles_of_residuals_normalised_by_sqrt_forecast_plus_one() -> None:
    # 100 rows, forecast 3 everywhere (scale sqrt(3 + 1) = 2), residuals -2 … +2.
    forecast = np.full((100, 1), 3.0)
    residual = np.linspace(-2.0, 2.0, 100)[:, None]
    segments = np.array(["smooth"] * 100)
    calibrator = ConformalCalibrator(levels=(0.1, 0.5, 0.9)).fit(
        forecast + residual, forecast, segments
    )
    # Normalised residuals: r_i = -1 + 2i/99 (i = 0 … 99). Conformal ranks with n = 100:
    # q = 0.9 → ⌈101 · 0.9⌉ = 91st smallest = -1 + 2·90/99; q = 0.5 → ⌈50.5⌉ = 51st;
    # q = 0.1 → ⌊101 · 0.1⌋ = 10th smallest = -1 + 2·9/99.
    expected = np.array([-1 + 18 / 99, -1 + 100 / 99, -1 + 180 / 99])
    np.testing.assert_allclose(calibrator.offsets["smooth"][0], expected, atol=1e-12)
    bands = calibrator.apply(np.array([[8.0]]), np.array(["smooth"]))
    # At forecast 8 the scale is sqrt(9) = 3.
    assert bands[0.9][0, 0] == pytest.approx(8.0 + 3.0 * expected[2])
    assert bands[0.1][0, 0] == pytest.approx(8.0 + 3.0 * expected[0])


def test_bands_are_non_negative_and_never_cross() -> None:
    rng = np.random.default_rng(0)
    forecast = rng.uniform(0, 5, size=(400, 7))
    actual = rng.poisson(forecast).astype(float)
    segments = np.where(np.arange(400) % 2 == 0, "smooth", "intermittent")
    calibrator = ConformalCalibrator(levels=(0.05, 0.1, 0.5, 0.9, 0.95)).fit(
        actual, forecast, segments
    )
    bands = calibrator.apply(rng.uniform(0, 5, size=(50, 7)), segments[:50])
    stacked = np.stack([bands[q] for q in (0.05, 0.1, 0.5, 0.9, 0.95)])
    assert (stacked >= 0).all()
    assert (np.diff(stacked, axis=0) >= 0).all()


def test_held_out_coverage_of_poisson_demand_is_near_nominal() -> None:
    rng = np.random.default_rng(1)
    mean = rng.gamma(2.0, 2.0, size=(3000, 1)) * np.ones((1, 14))
    segments = np.array(["smooth"] * 3000)
    calibrator = ConformalCalibrator(levels=(0.1, 0.9)).fit(
        rng.poisson(mean).astype(float), mean, segments
    )
    fresh = rng.poisson(mean).astype(float)
    bands = calibrator.apply(mean, segments)
    covered = (fresh >= bands[0.1]) & (fresh <= bands[0.9])
    assert abs(covered.mean() - 0.8) < 0.03


def test_small_cells_borrow_from_the_pooled_table() -> None:
    forecast = np.zeros((MIN_CELL + 10, 2))
    actual = np.vstack([np.full((MIN_CELL, 2), 1.0), np.full((10, 2), 50.0)])
    segments = np.array(["smooth"] * MIN_CELL + ["new"] * 10)
    calibrator = ConformalCalibrator(levels=(0.5,)).fit(actual, forecast, segments)
    # "new" has 10 residuals per step (< MIN_CELL): it borrows its segment's pooled 20,
    # still fewer than MIN_CELL, so the all-series table (median residual 1.0) is used.
    assert calibrator.offsets["new"][0, 0] == pytest.approx(calibrator.offsets["*"][0, 0])
    assert calibrator.offsets["*"][0, 0] == pytest.approx(1.0)


def test_nan_actuals_are_ignored() -> None:
    forecast = np.full((60, 1), 0.0)
    actual = np.full((60, 1), 2.0)
    actual[:30] = np.nan
    calibrator = ConformalCalibrator(levels=(0.5,)).fit(actual, forecast, np.array(["a"] * 60))
    assert calibrator.offsets["*"][0, 0] == pytest.approx(2.0)


def test_quantile_levels_parse_and_name_columns() -> None:
    assert parse_quantiles("0.9, 0.1,0.5") == (0.1, 0.5, 0.9)
    assert quantile_column(0.1) == "q0.1"
    assert quantile_column(0.95) == "q0.95"
    with pytest.raises(ForecastInputError, match=r"\(0, 1\)"):
        parse_quantiles("0.1,1.5")
    with pytest.raises(ForecastInputError, match="comma-separated"):
        parse_quantiles("low,high")


def test_a_level_without_enough_residuals_falls_back_to_poisson() -> None:
    # One residual: forecast 3 (scale 2), actual 5 → normalised residual 1. The median's
    # rank ⌈2 · 0.5⌉ = 1 exists; the 0.9 level's ⌈2 · 0.9⌉ = 2 and the 0.1 level's
    # ⌊2 · 0.1⌋ = 0 do not, so those two are not identifiable from one residual.
    calibrator = ConformalCalibrator(levels=(0.1, 0.5, 0.9)).fit(
        np.array([[5.0]]), np.array([[3.0]]), np.array(["smooth"])
    )
    offsets = calibrator.offsets["*"][0]
    assert np.isnan(offsets[0]) and offsets[1] == 1.0 and np.isnan(offsets[2])
    bands = calibrator.apply(np.array([[8.0]]), np.array(["smooth"]))
    # At forecast 8: median 8 + 3 · 1 = 11; Poisson(8): P(X ≤ 4) = 0.0996 < 0.1 ≤
    # P(X ≤ 5) = 0.1912 → 5, and P(X ≤ 11) = 0.888 < 0.9 ≤ P(X ≤ 12) = 0.936 → 12.
    assert (bands[0.1][0, 0], bands[0.5][0, 0], bands[0.9][0, 0]) == (5.0, 11.0, 12.0)


def test_nine_residuals_are_enough_for_the_ten_and_ninety_percent_levels() -> None:
    residual = np.arange(1.0, 10.0)  # normalised, forecast 0 → scale 1
    forecast = np.zeros((9, 1))
    nine = ConformalCalibrator(levels=(0.1, 0.9)).fit(
        residual[:, None], forecast, np.array(["s"] * 9)
    )
    # ⌊10 · 0.1⌋ = 1st and ⌈10 · 0.9⌉ = 9th smallest.
    np.testing.assert_array_equal(nine.offsets["*"][0], [1.0, 9.0])
    eight = ConformalCalibrator(levels=(0.1, 0.9)).fit(
        residual[:8, None], forecast[:8], np.array(["s"] * 8)
    )
    assert np.isnan(eight.offsets["*"][0]).all()  # ⌊0.9⌋ = 0 and ⌈8.1⌉ = 9 > 8


def test_without_any_observed_actual_the_band_is_poisson() -> None:
    calibrator = ConformalCalibrator(levels=(0.1, 0.5, 0.9)).fit(
        np.full((3, 2), np.nan), np.full((3, 2), 2.0), np.array(["s"] * 3)
    )
    bands = calibrator.apply(np.array([[2.0, 0.0]]), np.array(["s"]))
    # Poisson(2): P(X ≤ 0) = 0.135 ≥ 0.1 → 0; P(X ≤ 1) = 0.406 < 0.5 ≤ P(X ≤ 2) = 0.677
    # → 2; P(X ≤ 3) = 0.857 < 0.9 ≤ P(X ≤ 4) = 0.947 → 4. A zero forecast: all 0.
    assert [bands[q][0, 0] for q in (0.1, 0.5, 0.9)] == [0.0, 2.0, 4.0]
    assert [bands[q][0, 1] for q in (0.1, 0.5, 0.9)] == [0.0, 0.0, 0.0]
