"""Exponential smoothing and Theta, fitted per series by statsforecast.

statsforecast is the well-kept reference implementation of both (a port of R's
``forecast`` package with a compiled optimiser), so these are thin wrappers. Each
series is fitted with the model's own ``fit`` and forecast with its ``predict``; calling
the models directly avoids building and re-splitting a long pandas frame, and keeps
one series' failure from touching the others.

How a series is fed:

* from its first observation to the end of the history;
* censored (stock-out) cells inside that span are filled by linear interpolation
  between the neighbouring observed days (a leading or trailing censored stretch takes
  the nearest observed value), because the smoothing recursions need a value every
  period and interpolation keeps the local level where the series' mean would not;
* with the frequency's season length when the series has at least two whole seasons,
  otherwise non-seasonal (season length 1);
* shorter than the model's minimum length (:attr:`StatsForecastModel.min_length`), or
  constant, a series forecasts its mean: for a constant series that is exactly what the
  models would return, at no cost.

A statsforecast exception (or a non-finite forecast) for one series never fails the
panel: that series forecasts its mean and is counted in ``fallbacks`` (at fit) or
``predict_fallbacks`` (at predict).

Cost: the optimiser dominates. On 730 daily periods AutoETS takes about half a second
per series and OptimizedTheta about a seventh of that, so these models suit small
panels or a segment of a large one. Fitted models are kept for ``predict`` (tens of
kilobytes per series).
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from shelfops.forecasting.errors import ModelUnavailable
from shelfops.forecasting.models.base import Forecaster, check_horizon, finalize
from shelfops.forecasting.models.baseline import FloatVector, observed_demand, row_mean
from shelfops.forecasting.panel import FloatMatrix, Panel


class StatsForecastModel(Forecaster):
    """One statsforecast model per series, with the feeding rules of this module."""

    min_length: ClassVar[int]
    """Shortest series the model is fitted on; shorter ones forecast their mean."""

    def __init__(self) -> None:
        self.fallbacks = 0
        """Series whose fit raised or gave a non-finite forecast (they use their mean)."""
        self.predict_fallbacks = 0
        """Series whose predict raised or gave non-finite values (they use their mean)."""
        self._models: list[Any] | None = None
        self._means: FloatVector = np.zeros(0)

    @abstractmethod
    def _factory(self) -> Callable[[int], Any]:
        """season length → a fresh, unfitted statsforecast model.

        Imports statsforecast, so a missing ML extra fails the whole fit with
        :class:`ModelUnavailable` instead of turning every series into a fallback.
        """

    def fit(self, panel: Panel) -> Self:
        """Fit one model per series (see the module docstring for the feeding rules)."""
        make = self._factory()
        demand = observed_demand(panel)
        season = panel.freq.season_length
        first = panel.first
        self.fallbacks = 0
        models: list[Any] = [None] * panel.n_series
        # A series with no observed demand has a NaN mean, which forecasts 0.
        self._means = row_mean(demand)
        for i in range(panel.n_series):
            series = _interpolated(demand[i, first[i] :])
            if series.size < self.min_length or np.ptp(series) == 0.0:
                continue
            m = season if series.size >= 2 * season else 1
            model = _fit_one(make, series, m)
            if model is None:
                self.fallbacks += 1
            models[i] = model
        self._models = models
        return self

    def predict(self, horizon: int) -> FloatMatrix:
        """Forecast every series; unfitted ones repeat their mean."""
        check_horizon(horizon)
        if self._models is None:
            raise RuntimeError(f"{self.name}: call fit() before predict()")
        out = np.repeat(self._means[:, None], horizon, axis=1)
        self.predict_fallbacks = 0
        for i, model in enumerate(self._models):
            if model is None:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    mean = np.asarray(model.predict(horizon)["mean"], dtype=np.float64)
            except Exception:  # keep the mean for this series
                self.predict_fallbacks += 1
                continue
            if np.isfinite(mean).all():
                out[i] = mean
            else:
                self.predict_fallbacks += 1
        return finalize(out)


class ETS(StatsForecastModel):
    """statsforecast ``AutoETS``: picks error/trend/season forms by AICc per series.

    statsforecast's ETS supports seasons of at most 24 periods: for weekly data (52) it
    fits non-seasonal forms only.
    """

    name = "ets"
    # statsforecast raises "tiny datasets" for the simplest form below 7 observations.
    min_length = 7

    def _factory(self) -> Callable[[int], Any]:
        try:
            from statsforecast.models import AutoETS
        except ImportError as exc:
            raise _unavailable(self.name) from exc
        return lambda season_length: AutoETS(season_length=season_length)


class Theta(StatsForecastModel):
    """statsforecast ``OptimizedTheta``: Theta with the theta coefficient optimised.

    Chosen over ``AutoTheta``, which fits four variants (standard, optimised and their
    dynamic forms) and keeps the best in-sample: on 150 generated retail series (730
    days, 28-day holdout) both gave the same WAPE (0.574, AutoTheta selected the
    optimised form) while AutoTheta took three times as long.
    """

    name = "theta"
    # statsforecast raises "tiny datasets" for Theta below 4 observations.
    min_length = 4

    def _factory(self) -> Callable[[int], Any]:
        try:
            from statsforecast.models import OptimizedTheta
        except ImportError as exc:
            raise _unavailable(self.name) from exc
        return lambda season_length: OptimizedTheta(season_length=season_length)


def _fit_one(make: Callable[[int], Any], series: FloatVector, season_length: int) -> Any:
    """The fitted model, or None when statsforecast fails on this series."""
    try:
        with warnings.catch_warnings():
            # The optimiser tries model forms that overflow on some series and warns
            # about them; the form it selects is checked below.
            warnings.simplefilter("ignore", RuntimeWarning)
            model = make(season_length).fit(series)
            probe = model.predict(1)["mean"]
    except Exception:  # any library failure means "use the mean"
        return None
    return model if np.isfinite(probe).all() else None


def _unavailable(model: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"the {model!r} model needs statsforecast; install the ML extra: pip install 'shelfops[ml]'"
    )


def _interpolated(values: npt.NDArray[np.float64]) -> FloatVector:
    """``values`` with NaN filled linearly between observed neighbours; empty if none."""
    observed = ~np.isnan(values)
    if not observed.any():
        return np.zeros(0)
    if observed.all():
        return values.astype(np.float64)
    index = np.arange(values.size)
    return np.interp(index, index[observed], values[observed]).astype(np.float64)
