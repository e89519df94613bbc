"""The processed-file ledger on both backends: what is skipped, what is processed again."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.integrations import ledger
from shelfops.kit.db import tenant_transaction
from shelfops.models import IntegrationFile, IntegrationSyncLog
from tests.conftest import Tenant

OLD = "a" * 64
NEW = "b" * 64


def test_sha256_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # The FIPS 180-2 test vector for "abc".
    assert ledger.sha256_of(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (3 * 1024 * 1024 + 5))  # several read chunks
    assert ledger.sha256_of(big) == hashlib.sha256(b"x" * (3 * 1024 * 1024 + 5)).hexdigest()


async def _record(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    sha: str,
    status: ledger.LedgerStatus,
    name: str = "stock.csv",
    detail: str | None = None,
) -> None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        await ledger.record(
            session,
            customer_id=tenant.customer_id,
            source_name="acme-sftp",
            file_name=name,
            content_sha256=sha,
            size_bytes=42,
            status=status,
            sync_id=None,
            detail=detail,
        )


async def _skip(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    sha: str,
    name: str = "stock.csv",
    retry_failed: bool = False,
) -> str | None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        row = await ledger.find(
            session,
            customer_id=tenant.customer_id,
            source_name="acme-sftp",
            file_name=name,
            content_sha256=sha,
        )
    return ledger.skip_reason(row, retry_failed=retry_failed)


async def test_imported_content_is_skipped_and_new_content_is_not(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    assert await _skip(sessionmaker, tenant_a, sha=OLD) is None  # never seen
    await _record(sessionmaker, tenant_a, sha=OLD, status="imported")
    reason = await _skip(sessionmaker, tenant_a, sha=OLD)
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert reason is not None
    assert reason.startswith(f"already imported on {today} ")
    assert reason.endswith("(same name and content)")
    # Same name, new content: process it. Same content, other name: also a new file.
    assert await _skip(sessionmaker, tenant_a, sha=NEW) is None
    assert await _skip(sessionmaker, tenant_a, sha=OLD, name="stock-copy.csv") is None
    # --retry-failed never re-imports what was imported.
    assert await _skip(sessionmaker, tenant_a, sha=OLD, retry_failed=True) is not None


async def test_rejected_content_waits_for_a_change_or_an_explicit_retry(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    await _record(sessionmaker, tenant_a, sha=OLD, status="rejected", detail="bad dates")
    await _record(sessionmaker, tenant_a, sha=NEW, status="failed", name="crash.csv")
    rejected = await _skip(sessionmaker, tenant_a, sha=OLD)
    assert rejected is not None and rejected.startswith("already rejected on ")
    failed = await _skip(sessionmaker, tenant_a, sha=NEW, name="crash.csv")
    assert failed is not None and failed.startswith("already failed on ")
    assert await _skip(sessionmaker, tenant_a, sha=OLD, retry_failed=True) is None
    assert await _skip(sessionmaker, tenant_a, sha=NEW, name="crash.csv", retry_failed=True) is None


async def test_recording_again_updates_the_one_row(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    await _record(sessionmaker, tenant_a, sha=OLD, status="failed", detail="KeyError")
    await _record(sessionmaker, tenant_a, sha=OLD, status="imported")
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = (
            await session.scalars(
                select(IntegrationFile).where(IntegrationFile.customer_id == tenant_a.customer_id)
            )
        ).all()
    assert [(r.file_name, r.status, r.detail, r.size_bytes) for r in rows] == [
        ("stock.csv", "imported", None, 42)
    ]


async def test_the_ledger_is_per_tenant(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await _record(sessionmaker, tenant_a, sha=OLD, status="imported")
    # Tenant b receiving the very same file from a source of the same name imports it.
    assert await _skip(sessionmaker, tenant_b, sha=OLD) is None


async def test_a_failed_poll_is_in_the_sync_log(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    started = dt.datetime(2024, 5, 1, 3, 0, tzinfo=dt.UTC)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        sync_id = await ledger.record_poll_failure(
            session,
            customer_id=tenant_a.customer_id,
            integration_type="enterprise_sftp",
            source_name="acme-sftp",
            started_at=started,
            message="sftp://x@h:22/out: connection refused",
            metadata={"problem": "connection_refused"},
        )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        row = await session.get(IntegrationSyncLog, sync_id)
    assert row is not None
    assert (row.integration_type, row.integration_name, row.sync_type, row.sync_status) == (
        "enterprise_sftp",
        "acme-sftp",
        "poll",
        "failed",
    )
    assert row.error_message == "sftp://x@h:22/out: connection refused"
    assert row.sync_metadata == {"problem": "connection_refused"}
