"""Errors raised by the forecasting library, all in the ShelfOps error family."""

from __future__ import annotations

from shelfops.kit.errors import BadRequest


class ForecastInputError(BadRequest):
    """The input to a forecast or backtest is unusable; the detail names row, column and rule."""


class ModelUnavailable(BadRequest):
    """The requested model needs an optional package that is not installed."""
