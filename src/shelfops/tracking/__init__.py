"""Experiment tracking: every training and backtest run logged to MLflow, or to a JSON run
file when MLflow cannot take it. Outside ``shelfops.forecasting``, which stays pure."""

from shelfops.tracking.errors import TrackingInputError, TrackingUnavailable
from shelfops.tracking.record import REQUIRED_TAGS, RunRecord, TrackingResult
from shelfops.tracking.runs import log_run
from shelfops.tracking.store import default_tracking_uri

__all__ = [
    "REQUIRED_TAGS",
    "RunRecord",
    "TrackingInputError",
    "TrackingResult",
    "TrackingUnavailable",
    "default_tracking_uri",
    "log_run",
]
