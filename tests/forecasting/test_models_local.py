"""Local (per-series) models: baselines by hand, Croston/SBA/TSB and ETS/Theta against
statsforecast as an independent oracle."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
import statsforecast.models as sf

from shelfops.forecasting.errors import ForecastInputError, ModelUnavailable
from shelfops.forecasting.frequency import Freq, Grid
from shelfops.forecasting.models.base import Forecaster
from shelfops.forecasting.models.baseline import MovingAverage, Naive, SeasonalNaive
from shelfops.forecasting.models.intermittent import TSB, Croston, CrostonSBA
from shelfops.forecasting.models.statistical import ETS, Theta
from shelfops.forecasting.panel import Panel, build_panel

END = date(2024, 3, 31)
WEEK = [10.0, 12.0, 11.0, 13.0, 20.0, 25.0, 15.0]


def panel_of(
    series: dict[str, list[float]], out_of_stock: dict[str, list[int]] | None = None
) -> Panel:
    """A daily panel; every series ends on END; ``out_of_stock`` lists censored positions."""
    rows: list[tuple[str, date, float, bool]] = []
    for uid, values in series.items():
        start = END - timedelta(days=len(values) - 1)
        censored = set((out_of_stock or {}).get(uid, []))
        rows += [
            (uid, start + timedelta(days=k), v, k not in censored) for k, v in enumerate(values)
        ]
    frame = pl.DataFrame(rows, schema=["unique_id", "ds", "y", "in_stock"], orient="row")
    return build_panel(frame)


def row(panel: Panel, forecast: np.ndarray[Any, Any], uid: str) -> list[float]:
    """The forecast of series ``uid`` as a plain list."""
    return [float(v) for v in forecast[list(panel.ids).index(uid)]]


ALL_MODELS: list[Callable[[], Forecaster]] = [
    SeasonalNaive,
    MovingAverage,
    Naive,
    Croston,
    CrostonSBA,
    TSB,
    ETS,
    Theta,
]


# --- baselines, hand-computed ------------------------------------------------------------


def test_seasonal_naive_repeats_last_week_and_fills_gaps_as_documented() -> None:
    panel = panel_of(
        {
            # Day 17 (value 18 in the last week) was out of stock and sold only 2.
            "censored": [*map(float, range(1, 18)), 2.0, 19.0, 20.0, 21.0],
            # Day 12 and the day a week earlier (5) both out of stock: the series mean.
            "twice": [2.0] * 7 + [4.0] * 7,
            "short": [1.0, 2.0, 6.0],
            "zeros": [0.0] * 14,
            "single": [5.0],
            "all_out": [3.0, 5.0],
        },
        out_of_stock={"censored": [17], "twice": [5, 12], "all_out": [0, 1]},
    )
    forecast = SeasonalNaive().fit(panel).predict(10)
    assert forecast.shape == (6, 10)
    # The censored day takes the value one season earlier (day 10 → 11).
    assert row(panel, forecast, "censored") == [15, 16, 17, 11, 19, 20, 21, 15, 16, 17]
    # Observed demand: six 2s and six 4s → mean 3 at the twice-censored weekday.
    assert row(panel, forecast, "twice")[:7] == [4, 4, 4, 4, 4, 3, 4]
    assert row(panel, forecast, "short") == [3.0] * 10
    assert row(panel, forecast, "zeros") == [0.0] * 10
    assert row(panel, forecast, "single") == [5.0] * 10
    # Every day censored: the censored sales are the only evidence (a lower bound).
    assert row(panel, forecast, "all_out") == [4.0] * 10


def test_a_series_that_starts_after_the_cutoff_forecasts_zero() -> None:
    panel = panel_of({"old": [3.0] * 20, "new": [9.0] * 5}).truncate(15)
    for model in (SeasonalNaive(), MovingAverage(), Naive(), Croston(), TSB(), Theta()):
        forecast = model.fit(panel).predict(3)
        assert row(panel, forecast, "new") == [0.0] * 3, model.name
        assert row(panel, forecast, "old") == pytest.approx([3.0] * 3), model.name


def test_moving_average_skips_censored_days_and_reaches_further_back() -> None:
    panel = panel_of(
        {"a": [1.0, 2.0, 3.0, 4.0, 10.0], "short": [6.0], "zeros": [0.0, 0.0]},
        out_of_stock={"a": [4]},
    )
    forecast = MovingAverage(window=3).fit(panel).predict(2)
    assert row(panel, forecast, "a") == [3.0, 3.0]  # mean of 2, 3, 4
    assert row(panel, forecast, "short") == [6.0, 6.0]
    assert row(panel, forecast, "zeros") == [0.0, 0.0]


def test_moving_average_default_window_is_four_weeks_for_daily_data() -> None:
    panel = panel_of({"a": [100.0] * 12 + [1.0] * 27 + [29.0]})
    model = MovingAverage().fit(panel)
    assert model.params() == {"window": 28}
    assert row(panel, model.predict(1), "a") == [2.0]  # (27 * 1 + 29) / 28


def test_moving_average_rejects_a_window_below_one() -> None:
    with pytest.raises(ForecastInputError, match="window must be at least 1"):
        MovingAverage(window=0)


def test_naive_repeats_the_last_uncensored_value() -> None:
    panel = panel_of(
        {"a": [3.0, 0.0, 7.0, 2.0], "zeros": [0.0] * 4, "single": [5.0]},
        out_of_stock={"a": [3]},
    )
    forecast = Naive().fit(panel).predict(3)
    assert row(panel, forecast, "a") == [7.0] * 3
    assert row(panel, forecast, "zeros") == [0.0] * 3
    assert row(panel, forecast, "single") == [5.0] * 3


# --- intermittent models -----------------------------------------------------------------


def test_croston_sba_tsb_by_hand() -> None:
    panel = panel_of({"a": [0.0, 0.0, 4.0, 0.0, 2.0]})
    # Sizes 4 then 2, intervals 3 then 2: size 4 + 0.1 (2 - 4) = 3.8, interval 2.9.
    assert Croston().fit(panel).predict(1)[0, 0] == pytest.approx(3.8 / 2.9)
    assert CrostonSBA().fit(panel).predict(1)[0, 0] == pytest.approx(0.95 * 3.8 / 2.9)
    # Probability 0, 0, 0.1, 0.09, 0.181; size 3.8.
    assert TSB().fit(panel).predict(1)[0, 0] == pytest.approx(0.181 * 3.8)


INTERMITTENT_PAIRS: list[tuple[Callable[[], Forecaster], Callable[[], Any]]] = [
    (Croston, sf.CrostonClassic),
    (CrostonSBA, sf.CrostonSBA),
    (TSB, lambda: sf.TSB(alpha_d=0.1, alpha_p=0.1)),
]


def _intermittent_series() -> dict[str, list[float]]:
    rng = np.random.default_rng(11)
    series: dict[str, list[float]] = {
        "zeros": [0.0] * 30,
        "single": [4.0],
        "single_zero": [0.0],
        "one_sale": [0.0] * 10 + [6.0] + [0.0] * 5,
        "starts_with_sale": [3.0, 0.0, 0.0, 1.0, 0.0],
    }
    for k in range(8):
        n = int(rng.integers(20, 90))
        occurs = rng.random(n) < rng.uniform(0.1, 0.7)
        series[f"rand{k}"] = list((occurs * rng.integers(1, 12, n)).astype(float))
    return series


@pytest.mark.parametrize(("ours", "oracle"), INTERMITTENT_PAIRS)
def test_intermittent_models_match_statsforecast(
    ours: Callable[[], Forecaster], oracle: Callable[[], Any]
) -> None:
    series = _intermittent_series()
    panel = panel_of(series)
    forecast = ours().fit(panel).predict(4)
    for uid, values in series.items():
        expected = oracle().forecast(y=np.array(values), h=4)["mean"]
        assert row(panel, forecast, uid) == pytest.approx(expected, abs=1e-6), uid
    assert row(panel, forecast, "zeros") == [0.0] * 4
    # One sale of 4 is the whole evidence; SBA applies its 1 - alpha/2 factor even then.
    single = 0.95 * 4.0 if ours is CrostonSBA else 4.0
    assert row(panel, forecast, "single") == pytest.approx([single] * 4)


@pytest.mark.parametrize(("ours", "oracle"), INTERMITTENT_PAIRS)
def test_intermittent_models_drop_censored_days(
    ours: Callable[[], Forecaster], oracle: Callable[[], Any]
) -> None:
    values = [0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 2.0, 0.0, 0.0]
    panel = panel_of({"a": values}, out_of_stock={"a": [4, 5, 10]})
    kept = [v for k, v in enumerate(values) if k not in (4, 5, 10)]
    got = ours().fit(panel).predict(2)[0]
    assert got == pytest.approx(oracle().forecast(y=np.array(kept), h=2)["mean"], abs=1e-9)
    # Reading the stock-out days as zero sales would give another forecast.
    as_zero = oracle().forecast(y=np.array(values), h=2)["mean"]
    assert abs(got[0] - as_zero[0]) > 1e-3


def test_intermittent_rates_must_be_in_unit_interval() -> None:
    with pytest.raises(ForecastInputError, match="alpha must be in"):
        Croston(alpha=0.0)
    with pytest.raises(ForecastInputError, match="alpha_p must be in"):
        TSB(alpha_p=1.5)


# --- ETS and Theta -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [ETS, Theta])
def test_statistical_models_recover_a_weekly_pattern(model: Callable[[], Forecaster]) -> None:
    rng = np.random.default_rng(5)
    values = [w * (1 + 0.02 * rng.standard_normal()) for _ in range(10) for w in WEEK]
    panel = panel_of({"a": values})
    forecast = model().fit(panel).predict(14)[0]
    # The history ends on a full week, so the forecast starts on the pattern's first day.
    assert forecast == pytest.approx(WEEK * 2, rel=0.10)


@pytest.mark.parametrize(
    ("model", "oracle"),
    [
        (ETS, lambda: sf.AutoETS(season_length=1)),
        (Theta, lambda: sf.OptimizedTheta(season_length=1)),
    ],
)
def test_statistical_models_fit_non_seasonal_below_two_seasons(
    model: Callable[[], Forecaster], oracle: Callable[[], Any]
) -> None:
    values = [*WEEK, *WEEK[:6]]  # 13 days < 2 weeks: statsforecast would fit a season
    panel = panel_of({"a": values})
    got = model().fit(panel).predict(5)[0]
    expected = np.clip(oracle().forecast(y=np.array(values), h=5)["mean"], 0, None)
    assert got == pytest.approx(expected, rel=1e-9)


def test_theta_interpolates_censored_days() -> None:
    values = [w + k % 3 for k, w in enumerate(WEEK * 5)]
    panel = panel_of({"a": values}, out_of_stock={"a": [20, 21]})
    filled = np.array(values)
    filled[20] = values[19] + (values[22] - values[19]) / 3
    filled[21] = values[19] + 2 * (values[22] - values[19]) / 3
    expected = sf.OptimizedTheta(season_length=7).forecast(y=filled, h=7)["mean"]
    assert Theta().fit(panel).predict(7)[0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("model", [ETS, Theta])
def test_statistical_models_short_and_constant_series_forecast_their_mean(
    model: Callable[[], ETS | Theta],
) -> None:
    panel = panel_of(
        {"two": [2.0, 5.0], "three": [1.0, 2.0, 6.0], "flat": [4.0] * 30, "zeros": [0.0] * 20}
    )
    fitted = model().fit(panel)
    forecast = fitted.predict(3)
    assert row(panel, forecast, "two") == [3.5] * 3
    assert row(panel, forecast, "three") == [3.0] * 3
    assert row(panel, forecast, "flat") == [4.0] * 3
    assert row(panel, forecast, "zeros") == [0.0] * 3
    assert fitted.fallbacks == 0


@pytest.mark.parametrize(
    ("model", "oracle"),
    [
        (ETS, lambda: sf.AutoETS(season_length=7)),
        (Theta, lambda: sf.OptimizedTheta(season_length=7)),
    ],
)
def test_statistical_forecasts_of_a_falling_series_are_clipped_at_zero(
    model: Callable[[], Forecaster], oracle: Callable[[], Any]
) -> None:
    values = [100.0 - 3.0 * k for k in range(30)]  # ends at 13, falling by 3 a day
    raw = oracle().forecast(y=np.array(values), h=28)["mean"]
    assert raw.min() < 0  # the library itself extrapolates below zero
    forecast = model().fit(panel_of({"a": values})).predict(28)
    assert forecast.min() == 0.0
    assert np.isfinite(forecast).all()


class _BrokenTheta(Theta):
    """Theta whose library call fails for every series, as statsforecast may for one."""

    def _factory(self) -> Callable[[int], Any]:
        def make(season_length: int) -> Any:
            raise ValueError(f"optimiser diverged (m={season_length})")

        return make


def test_a_failing_series_falls_back_to_its_mean_and_is_counted() -> None:
    panel = panel_of({"a": [1.0, 3.0] * 10, "b": [2.0, 4.0, 9.0] * 5, "flat": [7.0] * 9})
    model = _BrokenTheta().fit(panel)
    forecast = model.predict(2)
    assert row(panel, forecast, "a") == [2.0, 2.0]
    assert row(panel, forecast, "b") == [5.0, 5.0]
    assert row(panel, forecast, "flat") == [7.0, 7.0]
    assert model.fallbacks == 2  # the constant series is never sent to the library


def test_statistical_models_need_statsforecast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)
    with pytest.raises(ModelUnavailable, match=r"shelfops\[ml\]"):
        ETS().fit(panel_of({"a": [1.0, 2.0, 3.0]}))


# --- the shared contract -----------------------------------------------------------------


@pytest.mark.parametrize("model", ALL_MODELS)
def test_predict_has_one_row_per_series_and_one_column_per_period(
    model: Callable[[], Forecaster],
) -> None:
    panel = panel_of({"a": WEEK * 3, "b": [0.0, 1.0, 0.0] * 5, "c": [2.0]})
    forecast = model().fit(panel).predict(9)
    assert forecast.shape == (3, 9)
    assert forecast.dtype == np.float64
    assert (forecast >= 0).all()


@pytest.mark.parametrize("model", ALL_MODELS)
def test_horizon_zero_is_rejected(model: Callable[[], Forecaster]) -> None:
    fitted = model().fit(panel_of({"a": WEEK * 3}))
    with pytest.raises(ForecastInputError, match="horizon must be at least 1"):
        fitted.predict(0)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_predict_before_fit_is_an_error(model: Callable[[], Forecaster]) -> None:
    with pytest.raises(RuntimeError, match="call fit"):
        model().predict(3)


def test_numpy_models_are_fast_on_ten_thousand_series() -> None:
    rng = np.random.default_rng(0)
    n, periods = 10_000, 730
    y = rng.poisson(rng.gamma(0.5, 4.0, (n, 1)), (n, periods)).astype(np.float64)
    y[np.arange(n) % 10 == 0, :300] = np.nan  # some series start late
    panel = Panel(
        ids=np.array([f"s{i:05d}" for i in range(n)]),
        grid=Grid(freq=Freq.DAY, origin=0, anchor_day=0),
        y=y,
        censored=rng.random((n, periods)) < 0.02,
    )
    for model in (SeasonalNaive(), MovingAverage(), Naive(), Croston(), CrostonSBA(), TSB()):
        start = time.perf_counter()
        forecast = model.fit(panel).predict(28)
        elapsed = time.perf_counter() - start
        assert forecast.shape == (n, 28)
        assert elapsed < 5.0, f"{model.name} took {elapsed:.1f} s"
