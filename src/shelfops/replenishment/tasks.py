"""Background replenishment (queue ``ml``), one tenant per task. Thin: the job is
``service.run_replenishment`` via ``shelfops.jobs``; it is idempotent (a rerun for the same
day replaces that day's still-suggested orders and never duplicates an open alert)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.tasks import shelfops_task
from shelfops.monitoring.tasks import run_named_job
from shelfops.worker import celery_app


@shelfops_task(celery_app, "shelfops.replenishment.run_replenishment", queue="ml")
async def run_replenishment(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], customer_id: str
) -> Any:
    """Policies, stock alerts, phantom stock and suggested purchase orders for today."""
    return await run_named_job("run_replenishment", settings, sessionmaker, customer_id)
