"""Background integrations (queue ``sync``), one tenant per task: poll the file sources
(SFTP servers and inbox folders), drain the event streams, check the freshness SLAs.

Thin: each task runs the job of the same name (``shelfops.jobs``; also
``shelfops run-job <name>`` in embedded mode), which owns its transactions. All three are
idempotent — the file and event ledgers skip what was already applied, and the SLA check
never duplicates an open alert — so a redelivered or overlapping message changes
nothing. Beat queues them through ``shelfops.fan_out`` (see ``shelfops.worker``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations import health
from shelfops.kit.db import tenant_transaction
from shelfops.kit.tasks import shelfops_task
from shelfops.worker import celery_app

Sessions = async_sessionmaker[AsyncSession]

NO_PROFILES = "no contract profiles"


@dataclass
class SyncJobReport:
    """What one polling or consuming job did for one tenant."""

    job: str
    tenant: str
    reports: list[Any] = field(default_factory=list)
    """The poller's or consumer's report per source."""
    skipped: str | None = None
    """Why nothing ran (e.g. the tenant has no contract profiles)."""

    @property
    def ok(self) -> bool:
        """Whether every source's run succeeded (``shelfops run-job`` exits 1 otherwise)."""
        return all(report.ok for report in self.reports)

    def as_dict(self) -> dict[str, Any]:
        """The run as plain JSON (the worker log shows it)."""
        return {
            "job": self.job,
            "tenant": self.tenant,
            "skipped": self.skipped,
            "reports": [_describe(report) for report in self.reports],
        }


def _describe(report: Any) -> Any:
    if isinstance(report, BaseModel):
        return report.model_dump(mode="json")
    as_dict = getattr(report, "as_dict", None)
    return as_dict() if callable(as_dict) else repr(report)


async def _tenant_slug(sessionmaker: Sessions, customer_id: uuid.UUID) -> str:
    async with tenant_transaction(sessionmaker, customer_id) as session:
        return await health.tenant_slug(session)


async def poll_sources(
    sessionmaker: Sessions, settings: Settings, *, customer_id: uuid.UUID
) -> SyncJobReport:
    """Fetch and import the new files of every tenant source with a transport (SFTP
    server or inbox folder); each file commits on its own and lands in the file ledger."""
    slug = await _tenant_slug(sessionmaker, customer_id)
    # Most tenants have no integrations: skip them without loading anything.
    if not (settings.contracts_dir / slug).is_dir():
        return SyncJobReport("poll_sync_sources", slug, skipped=NO_PROFILES)
    from shelfops.integrations.polling import poll_tenant

    reports = await poll_tenant(sessionmaker, settings, customer_id, slug)
    return SyncJobReport("poll_sync_sources", slug, reports=list(reports))


async def consume_events(
    sessionmaker: Sessions, settings: Settings, *, customer_id: uuid.UUID
) -> SyncJobReport:
    """Read what is waiting on every event stream of the tenant; an event is acknowledged
    only once its data is committed, malformed ones go to the dead-letter stream."""
    slug = await _tenant_slug(sessionmaker, customer_id)
    if not (settings.contracts_dir / slug).is_dir():
        return SyncJobReport("consume_sync_events", slug, skipped=NO_PROFILES)
    from shelfops.integrations.events import consume_tenant

    reports = await consume_tenant(sessionmaker, settings, customer_id, slug)
    return SyncJobReport("consume_sync_events", slug, reports=list(reports))


async def _run(name: str, settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    from shelfops.jobs import run_job

    report = await run_job(name, sessionmaker, settings, customer_id=uuid.UUID(customer_id))
    return report.as_dict()


@shelfops_task(celery_app, "shelfops.integrations.poll_sync_sources", queue="sync")
async def poll_sync_sources(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """Poll the tenant's SFTP and inbox sources and import their new files."""
    return await _run("poll_sync_sources", settings, sessionmaker, customer_id)


@shelfops_task(
    celery_app, "shelfops.integrations.consume_sync_events", queue="sync", soft_time_limit=600
)
async def consume_sync_events(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """Drain the tenant's event streams into the domain tables."""
    return await _run("consume_sync_events", settings, sessionmaker, customer_id)


@shelfops_task(
    celery_app, "shelfops.integrations.check_sync_sla", queue="sync", soft_time_limit=300
)
async def check_sync_sla(settings: Settings, sessionmaker: Sessions, customer_id: str) -> Any:
    """Raise, refresh or resolve the tenant's ``integration_sla_breach`` alerts."""
    return await _run("check_sync_sla", settings, sessionmaker, customer_id)
