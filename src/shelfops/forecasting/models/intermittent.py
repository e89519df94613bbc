"""Intermittent-demand models: Croston, SBA and TSB, vectorised across series.

Conventions follow statsforecast's ``CrostonClassic``, ``CrostonSBA`` and ``TSB`` so
that it can serve as a test oracle:

* Simple exponential smoothing starts its level at the first value it sees and then
  updates on every later value (statsforecast's ``_ses_forecast``).
* Croston smooths the non-zero demand sizes and the intervals between them; the first
  interval counts the periods from the series' first observation up to and including
  the first demand. The forecast is ``size / interval``; SBA multiplies it by
  ``1 - alpha / 2``.
* TSB smooths the demand size over non-zero periods and the probability of a non-zero
  period over every period; the forecast is their product.
* A series with no demand at all forecasts 0. A series of length 1 forecasts its value
  (a single positive value is both the first size and, with interval 1, the rate; TSB's
  probability is 1), times ``1 - alpha / 2`` for SBA, as statsforecast does.

Censored cells (NaN in the demand) are dropped, as if the period did not exist: the
forecast equals statsforecast's on the series with those cells removed. An out-of-stock
day neither counts as "no demand" nor lengthens the interval between demands. (A series
whose every observation is censored learns from its censored sales instead; see
:func:`~shelfops.forecasting.models.baseline.observed_demand`.)

The state is updated one period at a time for all series at once, so the cost is one
loop over the periods of a few array operations each.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.models.baseline import CycleForecaster, observed_demand
from shelfops.forecasting.panel import FloatMatrix, Panel


def _check_rate(model: str, field: str, value: float) -> None:
    if not 0.0 < value <= 1.0:
        raise ForecastInputError(f"{model}: {field} must be in (0, 1], got {value}")


class Croston(CycleForecaster):
    """Croston's method (classic): smoothed demand size over smoothed interval."""

    name = "croston"
    #: Whether to multiply the rate by ``1 - alpha / 2`` (SBA's bias correction).
    debias: bool = False

    def __init__(self, alpha: float = 0.1) -> None:
        _check_rate(self.name, "alpha", alpha)
        self.alpha = alpha

    def fit(self, panel: Panel) -> Self:
        """Smooth every series' demand sizes and inter-demand intervals."""
        size, interval = _croston_levels(observed_demand(panel), self.alpha)
        # No demand yet (NaN size) forecasts 0, like statsforecast's naive fallback.
        rate = np.where(np.isnan(size), 0.0, size / interval)
        if self.debias:
            rate = rate * (1.0 - self.alpha / 2.0)
        self._cycle = rate[:, None]
        return self

    def params(self) -> dict[str, object]:
        """The smoothing constant."""
        return {"alpha": self.alpha}


class CrostonSBA(Croston):
    """Syntetos-Boylan approximation: Croston times ``1 - alpha / 2`` (removes its bias)."""

    name = "sba"
    debias = True


class TSB(CycleForecaster):
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed demand size.

    Unlike Croston, the probability decays on every zero period, so an item that stopped
    selling sees its forecast fall instead of staying at the last rate.
    """

    name = "tsb"

    def __init__(self, alpha_d: float = 0.1, alpha_p: float = 0.1) -> None:
        _check_rate(self.name, "alpha_d", alpha_d)
        _check_rate(self.name, "alpha_p", alpha_p)
        self.alpha_d = alpha_d
        self.alpha_p = alpha_p

    def fit(self, panel: Panel) -> Self:
        """Smooth every series' demand probability and demand size."""
        periods = _by_period(observed_demand(panel))
        n = periods.shape[1]
        size = np.full(n, np.nan)
        probability = np.full(n, np.nan)
        for x in periods:
            valid = ~np.isnan(x)
            hit = valid & (x > 0)
            occurred = hit.astype(np.float64)
            # A NaN level means "not started": the first value seen becomes the level.
            probability = np.where(
                valid,
                np.where(
                    np.isnan(probability),
                    occurred,
                    probability + self.alpha_p * (occurred - probability),
                ),
                probability,
            )
            size = np.where(
                hit,
                np.where(np.isnan(size), x, size + self.alpha_d * (x - size)),
                size,
            )
        rate = np.where(np.isnan(size), 0.0, probability * size)
        self._cycle = rate[:, None]
        return self

    def params(self) -> dict[str, object]:
        """The two smoothing constants."""
        return {"alpha_d": self.alpha_d, "alpha_p": self.alpha_p}


def _croston_levels(demand: FloatMatrix, alpha: float) -> tuple[FloatMatrix, FloatMatrix]:
    """Smoothed demand size and inter-demand interval per series (NaN: no demand yet)."""
    periods = _by_period(demand)
    n = periods.shape[1]
    size = np.full(n, np.nan)
    interval = np.full(n, np.nan)
    since = np.zeros(n)  # observed periods since the last demand (or the series start)
    for x in periods:
        valid = ~np.isnan(x)
        since += valid
        hit = valid & (x > 0)
        started = ~np.isnan(size)
        size = np.where(hit, np.where(started, size + alpha * (x - size), x), size)
        interval = np.where(
            hit, np.where(started, interval + alpha * (since - interval), since), interval
        )
        since[hit] = 0.0
    return size, interval


def _by_period(demand: FloatMatrix) -> FloatMatrix:
    """The demand as periods × series, contiguous: the loop reads one period at a time,
    and a column of the series-major matrix would touch a cache line per series."""
    return np.ascontiguousarray(demand.T)
