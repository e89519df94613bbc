"""Which optional extras this installation has, and the one error for a missing one.

The API image installs only the ``api`` extra; training, forecasting, backtests, SHAP and
MLflow live in the ML worker image (``api`` + ``ml``). Code that needs the ML stack on a
request path asks :func:`require_ml` first, so the client gets a clear 503 instead of an
``ImportError`` from deep inside a library.
"""

from __future__ import annotations

import importlib.util

from shelfops.kit.errors import ServiceUnavailable

#: One import name per package of the ``ml`` extra (pyproject.toml).
ML_PACKAGES: tuple[str, ...] = (
    "pandas",
    "sklearn",
    "lightgbm",
    "xgboost",
    "statsforecast",
    "mlflow",
    "shap",
    "pandera",
    "plotly",
    "kaleido",
    "matplotlib",
)

ML_EXTRA_HINT = (
    "needs the ML extra (pip install 'shelfops[ml]'); it is served by the ML worker image"
)


def installed(package: str) -> bool:
    """Whether ``package`` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        # A finder that refuses the name, or a half-imported module without a spec.
        return False


def missing_ml_packages() -> list[str]:
    """The ``ml`` extra's packages this installation lacks (empty when it is complete)."""
    return [package for package in ML_PACKAGES if not installed(package)]


def ml_installed() -> bool:
    """Whether the whole ``ml`` extra is installed."""
    return not missing_ml_packages()


def ml_unavailable(what: str, missing: str | None = None) -> ServiceUnavailable:
    """The 503 for ``what`` (e.g. "this endpoint") when the ML packages are missing."""
    lacking = f" (missing: {missing})" if missing else ""
    return ServiceUnavailable(
        f"{what} {ML_EXTRA_HINT}; the ML packages are not installed here{lacking}",
        retryable=False,
    )


def require_ml(what: str = "this endpoint") -> None:
    """Raise a 503 :class:`ServiceUnavailable` naming the extra unless ML is installed."""
    missing = missing_ml_packages()
    if missing:
        raise ml_unavailable(what, ", ".join(missing))
