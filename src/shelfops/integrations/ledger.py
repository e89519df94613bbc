"""The processed-file ledger: what a poller already did with which file.

One ``integration_files`` row per (tenant, source, file name, SHA-256 of the content).
The rules, all following from that key:

* a file recorded as ``imported`` with the same name and content is skipped;
* the same name with **new content** has no row yet, so it is processed again (a
  partner re-sending a corrected ``stock.csv`` is picked up);
* a file recorded as ``rejected`` (its data failed validation) or ``failed`` (the
  import crashed) is **not** retried while its content is unchanged: the same bytes
  would fail the same way, on every poll. Changing the file retries it; an operator can
  also retry on purpose (``shelfops sync poll --retry-failed``), e.g. after fixing a
  profile or an outage.

Which side a crash errs on: an import commits its data (and its sync-log row) in its own
transaction, and the ledger row is written *after* that commit, in a second one. A crash
between the two leaves data without a ledger row, so the next poll imports the file
again — harmless, because imports are idempotent upserts on natural keys. The opposite
order could record a file as imported whose data was never committed, i.e. lose it.
The file is archived only after its ledger row is committed; a crash in between leaves
the file in place, and the next poll skips it (same content) and archives it then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import IntegrationFile, IntegrationSyncLog
from shelfops.models.base import utcnow

LedgerStatus = Literal["imported", "rejected", "failed"]
RETRYABLE: frozenset[str] = frozenset({"rejected", "failed"})
_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex (read in chunks; files can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


async def find(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    source_name: str,
    file_name: str,
    content_sha256: str,
) -> IntegrationFile | None:
    """The ledger row of exactly this file (name and content), if any."""
    return (
        await session.scalars(
            select(IntegrationFile).where(
                IntegrationFile.customer_id == customer_id,
                IntegrationFile.source_name == source_name,
                IntegrationFile.file_name == file_name,
                IntegrationFile.content_sha256 == content_sha256,
            )
        )
    ).one_or_none()


def skip_reason(existing: IntegrationFile | None, *, retry_failed: bool = False) -> str | None:
    """Why a fetched file is not processed again (None: process it).

    ``existing`` is the row :func:`find` returned for the file's name and content; with
    ``retry_failed`` a ``rejected`` or ``failed`` row does not stop a new attempt.
    """
    if existing is None:
        return None
    if retry_failed and existing.status in RETRYABLE:
        return None
    when = existing.processed_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"already {existing.status} on {when} (same name and content)"


async def record(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    source_name: str,
    file_name: str,
    content_sha256: str,
    size_bytes: int,
    status: LedgerStatus,
    sync_id: uuid.UUID | None,
    detail: str | None,
) -> None:
    """Record what became of a file (insert, or update the row of the same name and
    content, e.g. a retried file that failed before).

    One ``INSERT … ON CONFLICT DO UPDATE``: two pollers finishing the same file at once
    do not abort each other; the later outcome stands.
    """
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "file_id": uuid.uuid4(),
        "customer_id": customer_id,
        "source_name": source_name,
        "file_name": file_name,
        "content_sha256": content_sha256,
        "size_bytes": size_bytes,
        "status": status,
        "sync_id": sync_id,
        "detail": detail,
        "processed_at": utcnow(),
    }
    statement = insert(IntegrationFile).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[
            IntegrationFile.customer_id,
            IntegrationFile.source_name,
            IntegrationFile.file_name,
            IntegrationFile.content_sha256,
        ],
        set_={
            name: statement.excluded[name]
            for name in ("size_bytes", "status", "sync_id", "detail", "processed_at")
        },
    )
    await session.execute(statement)


async def record_poll_failure(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    integration_type: str,
    source_name: str,
    started_at: dt.datetime,
    message: str,
    metadata: dict[str, Any],
) -> uuid.UUID:
    """Record a poll that could not reach its transport in ``integration_sync_log``
    (``sync_type`` ``poll``, status ``failed``); returns the row's id.

    Polls that reach their transport write no row of their own: every file they import
    records its run (and the ledger its outcome), and a poll that finds nothing new has
    nothing to say. A transport failure would otherwise leave no trace but staleness.
    """
    entry = IntegrationSyncLog(
        customer_id=customer_id,
        integration_type=integration_type,
        integration_name=source_name,
        sync_type="poll",
        sync_status="failed",
        records_received=0,
        records_synced=0,
        started_at=started_at,
        completed_at=utcnow(),
        error_message=message,
        sync_metadata=metadata,
    )
    session.add(entry)
    await session.flush()
    return entry.sync_id
