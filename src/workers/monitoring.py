"""``from workers.monitoring import run_daily_backtest`` (seed 003 manual trigger)."""

from shelfops.monitoring.tasks import (
    compute_forecast_accuracy,
    detect_model_drift,
    generate_forecasts,
    run_daily_backtest,
    run_weekly_backtest,
)

__all__ = [
    "compute_forecast_accuracy",
    "detect_model_drift",
    "generate_forecasts",
    "run_daily_backtest",
    "run_weekly_backtest",
]
