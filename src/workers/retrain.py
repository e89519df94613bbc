"""``from workers.retrain import retrain_forecast_model`` (seed 003 manual trigger)."""

from shelfops.registry.tasks import retrain_forecast_model

__all__ = ["retrain_forecast_model"]
