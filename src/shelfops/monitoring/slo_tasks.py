"""The scheduled SLO check (queue ``sync``: a night of training on ``ml`` must not delay
the check that notices the night went wrong)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.tasks import shelfops_task
from shelfops.monitoring.slo import run_slo_check
from shelfops.worker import celery_app


@shelfops_task(celery_app, "shelfops.monitoring.check_slos", queue="sync")
async def check_slos(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], customer_id: str
) -> Any:
    """Evaluate one tenant's SLOs and raise an alert per newly breached objective."""
    report = await run_slo_check(sessionmaker, settings, customer_id=uuid.UUID(customer_id))
    return report.as_dict()
