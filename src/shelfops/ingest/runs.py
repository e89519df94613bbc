"""Transaction edges of an ingest run, shared by the HTTP route and the CLI command.

A run commits its data and its sync-log row together. When a file is rejected (or the
run crashes) the transaction is rolled back, so nothing reaches the domain tables, and
the outcome is then recorded in ``integration_sync_log`` in a second, separate
transaction; the original error is re-raised for the caller to render.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.ingest import service
from shelfops.ingest.schemas import IngestKind, IngestReport, ProgressCallback
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import ShelfOpsError
from shelfops.models.base import utcnow
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

log = logging.getLogger(__name__)

T = TypeVar("T")


async def ingest_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    kind: IngestKind,
    path: Path,
    file_name: str | None = None,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = service.DEFAULT_CHUNK_ROWS,
    actor: Principal | None = None,
) -> IngestReport:
    """Ingest one file in its own transaction; a rejection is logged after rollback.
    With an ``actor`` (a person's API key), a loaded file is also recorded in the audit
    log, in the same transaction as its rows."""

    async def work(session: AsyncSession) -> IngestReport:
        report = await service.ingest_file(
            session,
            customer_id=customer_id,
            kind=kind,
            path=path,
            file_name=file_name,
            on_progress=on_progress,
            chunk_rows=chunk_rows,
        )
        if actor is not None:
            await _audit_load(session, actor, report)
        return report

    return await _run(
        sessionmaker,
        customer_id=customer_id,
        name=file_name or path.name,
        sync_type=kind.value,
        work=work,
    )


async def ingest_directory(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    directory: Path,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = service.DEFAULT_CHUNK_ROWS,
) -> list[IngestReport]:
    """Ingest a directory in one transaction (all or nothing); a rejection is logged
    after rollback."""

    async def work(session: AsyncSession) -> list[IngestReport]:
        return await service.ingest_directory(
            session,
            customer_id=customer_id,
            directory=directory,
            on_progress=on_progress,
            chunk_rows=chunk_rows,
        )

    return await _run(
        sessionmaker,
        customer_id=customer_id,
        name=directory.name or str(directory),
        sync_type="directory",
        work=work,
    )


async def _audit_load(session: AsyncSession, actor: Principal, report: IngestReport) -> None:
    # An upsert's "before" is how many of the file's keys already had a row (updated or
    # unchanged); "after" is every key of the file, split by what happened to it.
    await audit.record(
        session,
        actor=actor,
        action=f"ingest.{report.kind.value}",
        resource_type="ingest",
        resource_id=str(report.sync_id) if report.sync_id else None,
        before={"rows_with_these_keys": report.updated + report.unchanged},
        after={
            "rows_with_these_keys": report.rows_received,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
        note=report.file_name,
    )


async def _run(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    name: str,
    sync_type: str,
    work: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    started_at = utcnow()
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            return await work(session)
    except service.IngestRejected as exc:
        try:
            async with tenant_transaction(sessionmaker, customer_id) as session:
                exc.report.sync_id = await service.record_rejection(
                    session, customer_id=customer_id, report=exc.report
                )
            # The detail the client sees carries the sync-log id too.
            exc.detail = exc.report.model_dump(mode="json")
        except Exception:
            # Recording is best effort: never hide the rejection behind a logging error.
            log.exception("could not record the rejected ingest run %s", name)
        raise
    except ShelfOpsError:
        # Deliberate errors about the request itself (e.g. a bad directory): no run.
        raise
    except Exception as exc:
        try:
            async with tenant_transaction(sessionmaker, customer_id) as session:
                await service.record_failure(
                    session,
                    customer_id=customer_id,
                    name=name,
                    sync_type=sync_type,
                    started_at=started_at,
                    error=exc,
                )
        except Exception:
            log.exception("could not record the failed ingest run %s", name)
        raise
