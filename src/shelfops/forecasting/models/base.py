"""The interface every forecasting model implements.

Like statsforecast/mlforecast: ``fit`` returns the model itself, ``predict(h)`` returns
point forecasts. A model sees one :class:`~shelfops.forecasting.panel.Panel` at fit time
(its history plus any known future covariates) and forecasts the ``h`` periods after that
history for every series in it, in row order. Quantiles are not a model's job: the
pipeline calibrates them on backtest residuals (:mod:`shelfops.forecasting.calibration`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Self

import numpy as np

from shelfops.forecasting.panel import FloatMatrix, Panel


class Forecaster(ABC):
    """A model: ``fit(panel)`` then ``predict(horizon)`` → (series, horizon) means ≥ 0."""

    name: ClassVar[str]
    """Registry name, as used by ``--model``."""

    @abstractmethod
    def fit(self, panel: Panel) -> Self:
        """Learn from ``panel``'s history; keep what ``predict`` needs."""

    @abstractmethod
    def predict(self, horizon: int) -> FloatMatrix:
        """Mean forecasts for the ``horizon`` periods after the fitted history.

        Shape (n_series, horizon), finite and non-negative, rows in the panel's order.
        """

    def params(self) -> dict[str, object]:
        """Hyper-parameters worth logging with a run (override to add more)."""
        return {}


def check_horizon(horizon: int) -> None:
    """Reject a horizon below 1 with a readable error."""
    from shelfops.forecasting.errors import ForecastInputError

    if horizon < 1:
        raise ForecastInputError(f"the horizon must be at least 1 period, got {horizon}")


def finalize(forecast: FloatMatrix) -> FloatMatrix:
    """Clip to ≥ 0 and replace non-finite values by 0 — after a model's own arithmetic.

    A NaN here means the model had nothing to go on (a series with no observation at
    all); a zero forecast is the documented answer for it.
    """
    out = np.where(np.isfinite(forecast), forecast, 0.0)
    return np.asarray(np.clip(out, 0.0, None), dtype=np.float64)
