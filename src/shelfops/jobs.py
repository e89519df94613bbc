"""The scheduled jobs by name, runnable in this process (embedded mode, the CLI, the demo).

With a broker the same jobs run on Celery workers (``shelfops.worker`` schedules them);
without one, ``shelfops run-job <name>`` runs them here. Each takes the tenant and
optional keyword arguments and returns its report.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.errors import BadRequest

Job = Callable[..., Awaitable[Any]]


def _jobs() -> dict[str, Job]:
    # Imported on use: the ML stack is heavy and not every command needs it.
    from shelfops.integrations import health
    from shelfops.integrations import tasks as sync
    from shelfops.monitoring import accuracy, backtests, drift, forecasts, slo
    from shelfops.registry import retrain
    from shelfops.replenishment import service as replenishment

    return {
        "retrain_forecast_model": retrain.retrain_forecast_model,
        "generate_forecasts": forecasts.generate_forecasts,
        "compute_forecast_accuracy": accuracy.compute_accuracy,
        "run_daily_backtest": backtests.run_daily_backtest,
        "run_weekly_backtest": backtests.run_weekly_backtest,
        "detect_model_drift": drift.detect_model_drift,
        "run_replenishment": replenishment.run_replenishment,
        "poll_sync_sources": sync.poll_sources,
        "consume_sync_events": sync.consume_events,
        "check_sync_sla": health.run_sla_check,
        "check_slos": slo.run_slo_check,
    }


JOB_NAMES = (
    "retrain_forecast_model",
    "generate_forecasts",
    "compute_forecast_accuracy",
    "run_daily_backtest",
    "run_weekly_backtest",
    "detect_model_drift",
    "run_replenishment",
    # Integrations (queue ``sync``): file polling, event streams, freshness SLAs.
    "poll_sync_sources",
    "consume_sync_events",
    "check_sync_sla",
    # Service objectives: forecast, accuracy and sync freshness (raises slo_breached).
    "check_slos",
)


async def run_job(
    name: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    **kwargs: Any,
) -> Any:
    """Run job ``name`` for one tenant here and now; a drift job's retrain runs too."""
    if name not in JOB_NAMES:
        raise BadRequest(f"unknown job {name!r}; choose one of: {', '.join(JOB_NAMES)}")
    report = await _jobs()[name](sessionmaker, settings, customer_id=customer_id, **kwargs)
    queued = getattr(report, "retrain_to_queue", None)
    if queued is not None:
        from shelfops.monitoring.tasks import queue_retrain

        retrain_id, trigger = queued
        await queue_retrain(
            sessionmaker, settings, customer_id=customer_id, retrain_id=retrain_id, trigger=trigger
        )
    return report
