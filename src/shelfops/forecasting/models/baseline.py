"""Baseline local models: seasonal naive, moving average and naive.

Every model here is one vectorised pass over the whole demand matrix (no loop over
series), so they cost milliseconds on panels of tens of thousands of series. They learn
from :func:`observed_demand`: the panel's demand with censored (stock-out) cells as NaN,
because a day the shelf was empty says nothing about how much would have sold.

The module also holds the small pieces the other local models share (the demand they
learn from, a NaN-aware row mean, and the "repeat a fitted cycle" predict).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.models.base import Forecaster, check_horizon, finalize
from shelfops.forecasting.panel import FloatMatrix, Panel

FloatVector = npt.NDArray[np.float64]

#: Default moving-average window per frequency. Daily: four whole weeks, so the
#: day-of-week pattern averages out. Weekly: a quarter, because a whole 52-week season
#: would lag behind level changes by half a year. Monthly and quarterly: one year, the
#: whole season, so month/quarter-of-year effects average out. Yearly: three years.
DEFAULT_WINDOW: dict[Freq, int] = {
    Freq.DAY: 28,
    Freq.WEEK: 13,
    Freq.MONTH: 12,
    Freq.QUARTER: 4,
    Freq.YEAR: 3,
}


def observed_demand(panel: Panel) -> FloatMatrix:
    """The demand matrix local models learn from.

    ``panel.demand()`` (censored cells NaN), except for a series whose every observation
    is censored: it keeps its censored sales. They understate demand, but they are the
    only evidence there is, and a lower bound beats forecasting zero for an item that
    was out of stock on every day we saw.
    """
    demand = panel.demand()
    blind = np.isnan(demand).all(axis=1) & ~np.isnan(panel.y).all(axis=1)
    demand[blind] = panel.y[blind]
    return demand


def row_mean(values: FloatMatrix) -> FloatVector:
    """Mean of each row's non-NaN values; NaN for a row with none (no warning)."""
    valid = ~np.isnan(values)
    total = np.where(valid, values, 0.0).sum(axis=1)
    count = valid.sum(axis=1)
    out = np.full(values.shape[0], np.nan)
    np.divide(total, count, out=out, where=count > 0)
    return out


def last_observed(values: FloatMatrix) -> FloatVector:
    """Last non-NaN value of each row; NaN for a row with none."""
    valid = ~np.isnan(values)
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    last = values.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    out = np.asarray(values[np.arange(values.shape[0]), last], dtype=np.float64)
    out[~valid.any(axis=1)] = np.nan
    return out


class CycleForecaster(Forecaster):
    """A local model whose forecast repeats a fitted per-series cycle of values.

    Subclasses set ``self._cycle`` (series × cycle length) in ``fit``; a flat forecast is
    a cycle of length 1. NaN in the cycle means "no evidence" and becomes 0 in predict.
    """

    _cycle: FloatMatrix | None = None

    def predict(self, horizon: int) -> FloatMatrix:
        """Repeat each series' cycle over ``horizon`` periods."""
        check_horizon(horizon)
        if self._cycle is None:
            raise RuntimeError(f"{self.name}: call fit() before predict()")
        columns = np.arange(horizon) % self._cycle.shape[1]
        return finalize(self._cycle[:, columns])


class SeasonalNaive(CycleForecaster):
    """Repeat the last season (``panel.freq.season_length`` periods).

    A censored cell of the last season takes the value one season earlier, or the
    series' mean of observed demand when that is missing too. A series with less than
    one season of history repeats its mean; a series with no observation forecasts 0.
    """

    name = "seasonal_naive"

    def __init__(self) -> None:
        self.season_length: int | None = None

    def fit(self, panel: Panel) -> Self:
        """Keep each series' last season, with the gaps filled as documented."""
        demand = observed_demand(panel)
        m = panel.freq.season_length
        periods = demand.shape[1]
        mean = row_mean(demand)
        last = _trailing(demand, periods, m)
        before = _trailing(demand, periods - m, m)
        season = np.where(np.isnan(last), before, last)
        season = np.where(np.isnan(season), mean[:, None], season)
        short = panel.history_length < m
        season[short] = mean[short, None]
        self.season_length = m
        self._cycle = season
        return self

    def params(self) -> dict[str, object]:
        """The season length used (known after fit)."""
        return {"season_length": self.season_length}


def _trailing(values: FloatMatrix, end: int, width: int) -> FloatMatrix:
    """Columns ``[end - width, end)``; columns before 0 are NaN."""
    out = np.full((values.shape[0], width), np.nan)
    start = end - width
    if end > 0:
        out[:, max(0, -start) :] = values[:, max(0, start) : end]
    return out


class MovingAverage(CycleForecaster):
    """Flat forecast: mean of the last ``window`` observed-demand values.

    Censored cells are skipped and the window reaches further back, so it always
    averages ``window`` real observations when the series has that many (a series with
    fewer averages what it has). ``window=None`` uses :data:`DEFAULT_WINDOW` for the
    panel's frequency.
    """

    name = "moving_average"

    def __init__(self, window: int | None = None) -> None:
        if window is not None and window < 1:
            raise ForecastInputError(
                f"moving_average: window must be at least 1 period, got {window}"
            )
        self.window = window
        self._fitted_window: int | None = None

    def fit(self, panel: Panel) -> Self:
        """Average each series' last ``window`` observed-demand values."""
        demand = observed_demand(panel)
        window = self.window or DEFAULT_WINDOW[panel.freq]
        # Most series have `window` observations among their last 2 * window periods;
        # only the others (short or much-censored series) need their whole history.
        mean, count = _last_observed_mean(demand[:, -2 * window :], window)
        again = count < window
        if again.any() and demand.shape[1] > 2 * window:
            mean[again] = _last_observed_mean(demand[again], window)[0]
        self._fitted_window = window
        self._cycle = mean[:, None]
        return self

    def params(self) -> dict[str, object]:
        """The window in periods (the frequency default once fitted when not given)."""
        return {"window": self._fitted_window or self.window}


def _last_observed_mean(
    values: FloatMatrix, window: int
) -> tuple[FloatVector, npt.NDArray[np.int64]]:
    """Mean of each row's last ``window`` non-NaN values, and how many there were."""
    valid = ~np.isnan(values)
    # Observed values from column t to the end; the window is the last `window` of them.
    from_end = np.cumsum(valid[:, ::-1], axis=1)[:, ::-1]
    in_window = valid & (from_end <= window)
    count = in_window.sum(axis=1)
    return row_mean(np.where(in_window, values, np.nan)), count


class Naive(CycleForecaster):
    """Flat forecast: the last observed (uncensored) demand value of each series."""

    name = "naive"

    def fit(self, panel: Panel) -> Self:
        """Keep each series' last observed demand."""
        self._cycle = last_observed(observed_demand(panel))[:, None]
        return self
