"""A real Celery worker process on the real Redis runs the ingest task into the database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import IntegrationSyncLog, Sale
from shelfops.synthetic import GenerationConfig, generate_dataset
from shelfops.worker import create_celery, redelivery_sweep_seconds
from tests.conftest import Tenant
from tests.processes import stop

REDIS_URL = os.environ.get("SHELFOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def worker_settings(migrated: Settings) -> Settings:
    """Settings with a broker; a unique key prefix keeps parallel runs apart on one Redis."""
    return migrated.model_copy(
        update={"broker_url": REDIS_URL, "broker_key_prefix": f"test-{uuid.uuid4().hex[:8]}:"}
    )


@pytest.fixture
def worker(worker_settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``shelfops worker`` as a separate process, stopped (and reaped) afterwards."""
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": worker_settings.resolved_database_url,
        "SHELFOPS_BROKER_URL": REDIS_URL,
        "SHELFOPS_BROKER_KEY_PREFIX": worker_settings.broker_key_prefix,
        "SHELFOPS_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfops", "worker", "--queues", "sync", "--concurrency", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        stop(process)
        log.close()


async def _wait_for(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, *, seconds: float = 90
) -> tuple[int, str | None]:
    """(sales rows, last sync status) once the worker has finished, or at the timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
            rows = await session.scalar(
                select(func.count()).where(Sale.customer_id == tenant.customer_id)
            )
            status = await session.scalar(
                select(IntegrationSyncLog.sync_status)
                .where(
                    IntegrationSyncLog.customer_id == tenant.customer_id,
                    IntegrationSyncLog.sync_status != "running",
                )
                .order_by(IntegrationSyncLog.started_at.desc())
                .limit(1)
            )
        if status is not None or loop.time() > deadline:
            return int(rows or 0), status
        await asyncio.sleep(0.5)


async def test_worker_ingests_a_directory_sent_through_redis(
    worker_settings: Settings,
    worker: subprocess.Popen[str],
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    data = tmp_path / "drop"
    summary = generate_dataset(GenerationConfig(stores=2, products=5, days=30, seed=11), data)
    celery = create_celery(worker_settings)
    celery.send_task(
        "shelfops.ingest.ingest_directory",
        kwargs={"customer_id": str(tenant_a.customer_id), "directory": str(data)},
        queue="sync",
    )
    rows, status = await _wait_for(sessionmaker, tenant_a)
    assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    assert status == "success", (tmp_path / "worker.log").read_text()
    assert rows == summary.sales.rows


async def test_worker_records_a_rejected_directory_and_writes_nothing(
    worker_settings: Settings,
    worker: subprocess.Popen[str],
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    data = tmp_path / "drop"
    generate_dataset(GenerationConfig(stores=1, products=3, days=10, seed=5), data)
    (data / "stores.csv").write_text("store_code,name\nS1,Only two columns\n")
    create_celery(worker_settings).send_task(
        "shelfops.ingest.ingest_directory",
        kwargs={"customer_id": str(tenant_a.customer_id), "directory": str(data)},
        queue="sync",
    )
    rows, status = await _wait_for(sessionmaker, tenant_a)
    assert status == "rejected", (tmp_path / "worker.log").read_text()
    assert rows == 0


def test_a_dead_workers_messages_are_swept_back_within_an_eighth_of_the_timeout() -> None:
    # An eighth of the visibility timeout, at least 1 s, at most a minute.
    timeouts = (0, 8, 15, 80, 480, 5 * 3600)
    assert [redelivery_sweep_seconds(t) for t in timeouts] == [1, 1, 1, 10, 60, 60]
    settings = Settings(broker_url=REDIS_URL, broker_visibility_timeout_s=80)
    options = create_celery(settings).conf.broker_transport_options
    # Every tick sweeps (kombu's default sweeps only every tenth).
    assert options["visibility_timeout"] == 80
    assert (options["unacked_restore_interval"], options["unacked_restore_throttle"]) == (10, 1)
