"""A worker killed (SIGKILL) in the middle of the nightly forecast job: the message, acked
late, is redelivered to the next worker, which writes the forecasts once; a second
delivery of the same message (a worker that died after committing, before its ack)
replaces them instead of doubling them (runbook: "Worker died or task stuck").

The retrain variant of this fault is
``tests/worker/test_governance_worker.py::test_a_worker_killed_mid_retrain_is_redone_and_nothing_is_half_written``.

To be sure the kill lands inside the task, the test holds a write lock on the forecast
table (PostgreSQL) or the database file (SQLite) while the worker runs: the job cannot
commit, so whatever it has done when killed is, by construction, half done."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.models import DemandForecast
from shelfops.registry.retrain import retrain_forecast_model
from shelfops.worker import create_celery
from tests.conftest import PG_ADMIN_DSN, Tenant
from tests.worker.test_governance_worker import DATA, Workers, _eventually

Sessions = async_sessionmaker[AsyncSession]
TASK = "shelfops.monitoring.generate_forecasts"
HORIZON = 7  # the worker environment's SHELFOPS_RETRAIN_HORIZON_DAYS


@contextlib.contextmanager
def forecasts_locked(settings: Settings) -> Iterator[Callable[[int], bool]]:
    """Hold a lock that lets the job read but not write forecasts; yields a probe that
    says whether a worker is now inside the job, blocked on the lock."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        database = url.split("///", 1)[1]
        file_lock = sqlite3.connect(database, isolation_level=None)
        file_lock.execute("BEGIN IMMEDIATE")  # the one write lock of the file
        try:
            yield lambda pgid: _has_open(pgid, Path(database))
        finally:
            file_lock.rollback()
            file_lock.close()
        return
    name = url.rsplit("/", 1)[1]
    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(dsn) as holder, psycopg.connect(dsn, autocommit=True) as watcher:
        holder.execute("LOCK TABLE demand_forecasts IN EXCLUSIVE MODE")  # reads still pass

        def waiting(_pgid: int) -> bool:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND wait_event_type = 'Lock'",
                (name,),
            ).fetchone()
            return bool(row and row[0])

        try:
            yield waiting
        finally:
            holder.rollback()


def _has_open(pgid: int, database: Path) -> bool:
    """Whether a process of the worker's group has the SQLite file open (mid-job: it
    opens the file only inside a transaction)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            fds = os.listdir(f"/proc/{pid}/fd")
            targets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
        except OSError:  # the process ended meanwhile
            continue
        if str(database) in targets:
            return True
    return False


async def _forecasts(sessionmaker: Sessions, tenant: Tenant) -> tuple[int, int]:
    """(rows, distinct series × day × issue date × version keys) of the tenant."""
    f = DemandForecast
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalar(select(func.count()).where(f.customer_id == tenant.customer_id))
        distinct_keys = (
            select(f.store_id, f.product_id, f.forecast_date, f.issue_date, f.model_version)
            .where(f.customer_id == tenant.customer_id)
            .distinct()
            .subquery()
        )
        keys = await session.scalar(select(func.count()).select_from(distinct_keys))
    return int(rows or 0), int(keys or 0)


async def test_a_worker_killed_mid_forecast_job_is_redone_once_without_duplicates(
    migrated: Settings,
    worker_env: dict[str, str],
    workers: Workers,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    chain_data: tuple[Path, Path],
) -> None:
    full, _ = chain_data
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=full)
    # A champion in the worker's artifact directory, trained here (the fault is elsewhere).
    champion = await retrain_forecast_model(
        sessionmaker,
        migrated.model_copy(
            update={
                "var_dir": Path(worker_env["SHELFOPS_VAR_DIR"]),
                "retrain_horizon_days": HORIZON,
                "retrain_backtest_windows": 2,
                "retrain_model": "moving_average",
            }
        ),
        customer_id=tenant_a.customer_id,
    )
    assert champion.model_status == "champion", champion.message
    celery = create_celery(
        Settings(
            broker_url=worker_env["SHELFOPS_BROKER_URL"],
            broker_key_prefix=worker_env["SHELFOPS_BROKER_KEY_PREFIX"],
            broker_visibility_timeout_s=int(worker_env["SHELFOPS_BROKER_VISIBILITY_TIMEOUT_S"]),
        )
    )
    task_id = str(uuid.uuid4())
    expected = DATA.stores * DATA.products * HORIZON

    with forecasts_locked(migrated) as inside_job:
        first = workers.start()
        celery.send_task(TASK, args=[str(tenant_a.customer_id)], queue="ml", task_id=task_id)

        async def blocked() -> bool:
            return bool(inside_job(first.pid))

        await _eventually(blocked, workers, seconds=120)
        workers.kill(first)
    assert await _forecasts(sessionmaker, tenant_a) == (0, 0)  # nothing half-written

    workers.start()

    async def written() -> bool:
        return (await _forecasts(sessionmaker, tenant_a))[0] > 0

    # The worker's own sweep brings the message back (visibility timeout 8 s, a sweep
    # every second: shelfops.worker.redelivery_sweep_seconds); kombu's default sweep
    # period would take up to 100 s.
    await _eventually(written, workers, seconds=45)
    assert await _forecasts(sessionmaker, tenant_a) == (expected, expected)
    assert f"{TASK}[{task_id}] received" in workers.logs()

    # The same message delivered once more, as when a worker dies between its commit and
    # its ack: the job replaces its own rows.
    celery.send_task(TASK, args=[str(tenant_a.customer_id)], queue="ml", task_id=task_id)

    async def ran_twice() -> bool:
        return workers.logs().count(f"{TASK}[{task_id}] succeeded") == 2

    await _eventually(ran_twice, workers)
    assert await _forecasts(sessionmaker, tenant_a) == (expected, expected)
