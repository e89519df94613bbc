"""Background ingestion (queue ``sync``): load a directory of canonical files dropped by
an integration. Idempotent: re-running it upserts the same rows and changes nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.kit.tasks import shelfops_task
from shelfops.worker import celery_app


@shelfops_task(celery_app, "shelfops.ingest.ingest_directory", queue="sync")
async def ingest_directory(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: str,
    directory: str,
) -> int:
    """Validate and load ``directory`` for the tenant; returns the rows received. A
    rejected directory writes nothing and is recorded in ``integration_sync_log``."""
    reports = await runs.ingest_directory(
        sessionmaker,
        customer_id=uuid.UUID(customer_id),
        directory=Path(directory),
        chunk_rows=settings.ingest_chunk_rows,
    )
    return sum(report.rows_received for report in reports)
