"""The fan-out behind every scheduled job: one message per active tenant.

Tenants are listed with the schema owner's connection (``tenants.admin``): the
application role sees one tenant at a time by design. Suspended tenants get no work.
A redelivered fan-out queues the jobs again, which is safe: every job is idempotent and
a retrain already running for a tenant is recorded as skipped.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.tasks import shelfops_task
from shelfops.models import CustomerStatus
from shelfops.tenants.admin import list_tenants
from shelfops.worker import celery_app

log = logging.getLogger(__name__)

SCHEDULED_STATUSES = (CustomerStatus.ACTIVE.value, CustomerStatus.TRIAL.value)


async def active_tenants(settings: Settings) -> list[str]:
    """Ids of the tenants that get scheduled work."""
    return [
        str(t.customer_id) for t in await list_tenants(settings) if t.status in SCHEDULED_STATUSES
    ]


@shelfops_task(celery_app, "shelfops.fan_out", queue="ml")
async def fan_out(
    settings: Settings,
    _sessionmaker: async_sessionmaker[AsyncSession],
    task_name: str,
    kwargs: dict[str, Any] | None = None,
    queue: str = "ml",
    expires_s: float | None = None,
) -> int:
    """Queue ``task_name(customer_id, **kwargs)`` on ``queue`` once per active tenant.

    ``expires_s`` drops a tenant's message not started within that many seconds: a job
    that runs every minute must not pile up behind a stopped worker (the next run
    supersedes it)."""
    tenants = await active_tenants(settings)
    for customer_id in tenants:
        celery_app.send_task(
            task_name, args=[customer_id], kwargs=kwargs or {}, queue=queue, expires=expires_s
        )
    log.info("fan-out %s to %d tenant(s)", task_name, len(tenants))
    return len(tenants)
