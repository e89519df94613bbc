"""Background monitoring jobs (queue ``ml``), one tenant per task. Thin: each runs the job
of the same name in ``shelfops.jobs``; every job commits its own transaction and is
idempotent, so a redelivered message changes nothing.

Names and arguments follow seed 003: ``run_daily_backtest.apply_async(args=[customer_id])``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.jobs import run_job
from shelfops.kit.tasks import shelfops_task
from shelfops.worker import celery_app

Sessions = async_sessionmaker[AsyncSession]


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | dt.date):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def run_named_job(
    name: str, settings: Settings, sessionmaker: Sessions, customer_id: str
) -> Any:
    """Run job ``name`` of ``shelfops.jobs`` for one tenant; its report as plain JSON."""
    report = await run_job(name, sessionmaker, settings, customer_id=uuid.UUID(customer_id))
    # Reports describe themselves as JSON-friendly dicts (Celery stores no results, but the
    # worker log shows what each run did).
    return _plain(report.as_dict()) if hasattr(report, "as_dict") else None


@shelfops_task(celery_app, "shelfops.monitoring.generate_forecasts", queue="ml")
async def generate_forecasts(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """Forecast every series with the champion (stored) and the challenger (in shadow)."""
    return await run_named_job("generate_forecasts", settings, sessionmaker, customer_id)


@shelfops_task(celery_app, "shelfops.monitoring.compute_forecast_accuracy", queue="ml")
async def compute_forecast_accuracy(
    settings: Settings, sessionmaker: Sessions, customer_id: str
) -> Any:
    """Score stored and shadow forecasts against the actuals that have arrived."""
    return await run_named_job("compute_forecast_accuracy", settings, sessionmaker, customer_id)


@shelfops_task(celery_app, "shelfops.monitoring.run_daily_backtest", queue="ml")
async def run_daily_backtest(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """T-1 validation: yesterday's forecasts against yesterday's sales (seed 003)."""
    return await run_named_job("run_daily_backtest", settings, sessionmaker, customer_id)


@shelfops_task(
    celery_app, "shelfops.monitoring.run_weekly_backtest", queue="ml", soft_time_limit=3 * 3600
)
async def run_weekly_backtest(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """90-day rolling-origin backtest of the champion's configuration (seed 003)."""
    return await run_named_job("run_weekly_backtest", settings, sessionmaker, customer_id)


@shelfops_task(celery_app, "shelfops.monitoring.detect_model_drift", queue="ml")
async def detect_model_drift(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """MAE and feature drift; a new MAE drift alert queues a ``drift_detected`` retrain
    (after the alert's transaction committed) whose result can only become challenger."""
    return await run_named_job("detect_model_drift", settings, sessionmaker, customer_id)


async def queue_retrain(
    sessionmaker: Sessions,
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    retrain_id: uuid.UUID | str,
    trigger: str,
) -> None:
    """Hand a retrain to the ``ml`` queue, with ``retrain_id`` as its task id (or run it
    here when embedded)."""
    if settings.tasks_in_process:
        from shelfops.registry.retrain import retrain_forecast_model as run_retrain

        await run_retrain(
            sessionmaker,
            settings,
            customer_id=customer_id,
            trigger=trigger,
            retrain_id=uuid.UUID(str(retrain_id)),
        )
        return
    from shelfops.kit.tasks import send
    from shelfops.registry.tasks import retrain_forecast_model

    send(
        retrain_forecast_model,
        args=[str(customer_id)],
        kwargs={"trigger": trigger},
        task_id=str(retrain_id),
    )
