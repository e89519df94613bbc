"""Redis restarts under a running worker: the worker reconnects on its own and a task
sent after the restart runs (runbook: "Redis restart")."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import IntegrationSyncLog, Sale
from shelfops.synthetic import GenerationConfig, generate_dataset
from shelfops.worker import create_celery
from tests.conftest import Tenant
from tests.faults.conftest import RedisServer
from tests.worker.test_governance_worker import Workers, _eventually


async def _successes(sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant) -> int:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    IntegrationSyncLog.customer_id == tenant.customer_id,
                    IntegrationSyncLog.sync_status == "success",
                )
            )
            or 0
        )


async def test_a_worker_keeps_working_after_its_redis_restarts(
    worker_env: dict[str, str],
    private_redis: RedisServer,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    private_redis.start()
    env = {**worker_env, "SHELFOPS_BROKER_URL": private_redis.url}
    workers = Workers(env, tmp_path)
    data = tmp_path / "drop"
    summary = generate_dataset(GenerationConfig(stores=1, products=3, days=20, seed=3), data)
    sender = create_celery(
        Settings(broker_url=private_redis.url, broker_key_prefix=env["SHELFOPS_BROKER_KEY_PREFIX"])
    )
    task = {
        "kwargs": {"customer_id": str(tenant_a.customer_id), "directory": str(data)},
        "queue": "sync",
    }
    try:
        worker = workers.start()
        sender.send_task("shelfops.ingest.ingest_directory", **task)

        async def runs(expected: int) -> bool:
            return await _successes(sessionmaker, tenant_a) >= expected

        await _eventually(lambda: runs(1), workers)

        # Redis goes away and comes back empty (no persistence): queues, bindings and
        # any unacknowledged message are gone; the worker must re-declare its queues.
        private_redis.stop()
        private_redis.start()
        # The same sender (as a long-running API process would) queues the next run.
        sender.send_task("shelfops.ingest.ingest_directory", **task)
        await _eventually(lambda: runs(2), workers)
        assert worker.poll() is None, workers.logs()[-4000:]
        # The worker noticed the restart (the runbook's log line) and reconnected itself.
        assert "Connection to broker lost" in workers.logs()
    finally:
        workers.stop_all()
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = await session.scalar(
            select(func.count()).where(Sale.customer_id == tenant_a.customer_id)
        )
    assert rows == summary.sales.rows  # the re-ingest upserted, nothing doubled
