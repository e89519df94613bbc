"""Model registry: every ``--model`` name and the class that implements it.

Classes are imported lazily so that asking for ``seasonal_naive`` never imports
LightGBM, and the optional ``lstm`` (PyTorch) fails with a clear message when the
``deep`` extra is not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from shelfops.forecasting.errors import ForecastInputError, ModelUnavailable
from shelfops.forecasting.models.base import Forecaster

_REGISTRY: dict[str, tuple[str, str]] = {
    "naive": ("baseline", "Naive"),
    "seasonal_naive": ("baseline", "SeasonalNaive"),
    "moving_average": ("baseline", "MovingAverage"),
    "croston": ("intermittent", "Croston"),
    "sba": ("intermittent", "CrostonSBA"),
    "tsb": ("intermittent", "TSB"),
    "ets": ("statistical", "ETS"),
    "theta": ("statistical", "Theta"),
    "lightgbm": ("gbm", "LightGBMForecaster"),
    "xgboost": ("gbm", "XGBoostForecaster"),
    "lstm": ("lstm", "LSTMForecaster"),
}

#: Models that need an optional extra, and the extra's name.
OPTIONAL: dict[str, str] = {"lstm": "deep"}


def model_names() -> tuple[str, ...]:
    """Every registered model name (``auto`` and ``ensemble`` are pipeline modes)."""
    return tuple(_REGISTRY)


def split_variant(name: str) -> tuple[str, dict[str, Any]]:
    """``lightgbm:cold_start`` → (``lightgbm``, ``{"tier": "cold_start"}``).

    A global tree model may carry its feature tier after a colon, so one run can fit the
    same model on both tiers and compare them.
    """
    base, _, tier = name.partition(":")
    return base, ({"tier": tier} if tier else {})


def is_available(name: str) -> bool:
    """Whether ``name``'s optional dependencies are installed."""
    name, _ = split_variant(name)
    if name not in OPTIONAL:
        return name in _REGISTRY
    return importlib.util.find_spec("torch") is not None


def make_model(name: str, **params: Any) -> Forecaster:
    """A fresh, unfitted model; readable errors for unknown or unavailable names."""
    full = name
    name, variant = split_variant(name)
    if variant and name not in ("lightgbm", "xgboost"):
        raise ForecastInputError(f"{full!r}: only lightgbm and xgboost take a :tier suffix")
    if name not in _REGISTRY:
        allowed = ", ".join(("auto", "ensemble", *_REGISTRY))
        raise ForecastInputError(f"unknown model {name!r}; choose one of: {allowed}")
    if not is_available(name):
        raise ModelUnavailable(
            f"model {name!r} needs the optional '{OPTIONAL[name]}' extra "
            f"(pip install 'shelfops[{OPTIONAL[name]}]')"
        )
    module_name, class_name = _REGISTRY[name]
    module = importlib.import_module(f"shelfops.forecasting.models.{module_name}")
    cls: type[Forecaster] = getattr(module, class_name)
    return cls(**{**params, **variant})
