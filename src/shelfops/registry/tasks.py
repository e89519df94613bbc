"""Background retrains (queue ``ml``). Thin: the work is in ``retrain.py``.

The Celery task id is the retrain id, so a message redelivered after a worker died
continues its own ``model_retraining_log`` row instead of starting a second retrain.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.tasks import shelfops_task
from shelfops.registry import mirror, retrain, service
from shelfops.worker import celery_app


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@shelfops_task(
    celery_app, "shelfops.registry.retrain_forecast_model", queue="ml", soft_time_limit=4 * 3600
)
async def retrain_forecast_model(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: str,
    *,
    trigger: str = "manual",
    data_dir: str | None = None,
    model: str | None = None,
    trigger_metadata: dict[str, Any] | None = None,
    task_id: str | None = None,
) -> dict[str, Any]:
    """Retrain the tenant's demand model and run the promotion gate (seed 003)."""
    outcome = await retrain.retrain_forecast_model(
        sessionmaker,
        settings,
        customer_id=uuid.UUID(customer_id),
        trigger=trigger,
        data_dir=Path(data_dir) if data_dir else None,
        retrain_id=_uuid_or_none(task_id),
        model=model,
        trigger_metadata=trigger_metadata,
    )
    return outcome.as_dict()


@shelfops_task(celery_app, "shelfops.registry.sync_registry_mirror", queue="ml")
async def sync_registry_mirror(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: str,
    *,
    model_name: str = service.DEFAULT_MODEL,
) -> None:
    """Rewrite the registry files and move MLflow's aliases to match the database, for an
    API that has no MLflow client (the API image) and made a promotion decision."""
    await mirror.sync(
        sessionmaker, settings, customer_id=uuid.UUID(customer_id), model_name=model_name
    )
