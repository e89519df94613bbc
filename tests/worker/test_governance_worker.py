"""The governed loop on a real Celery worker process and the real Redis.

* The chain: seed 003's manual retrain trigger (verbatim, in its own process) → champion
  → forecasts → actuals arrive → accuracy → seed 003's manual daily backtest (verbatim)
  → a scheduled retrain → a person promotes → forecasts of the new champion.
* A worker killed with SIGKILL in the middle of a retrain: the message is redelivered to
  a new worker, which finishes the same retrain; one version, one log row, no scratch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.ingest import runs
from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    BacktestResult,
    DemandForecast,
    ForecastAccuracy,
    ModelRetrainingLog,
    ModelVersion,
    Role,
)
from shelfops.synthetic import GenerationConfig, generate_dataset
from shelfops.worker import create_celery
from tests.conftest import Tenant

REDIS_URL = os.environ.get("SHELFOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
Sessions = async_sessionmaker[AsyncSession]
DATA = GenerationConfig(stores=3, products=8, days=150, seed=21, start=dt.date(2025, 3, 3))
HELD_BACK_DAYS = 5


@pytest.fixture
def worker_env(migrated: Settings, tmp_path: Path) -> dict[str, str]:
    """Environment of the worker and of the seed-trigger processes: the test database,
    Redis with a private key prefix, a small fast retrain, a short visibility timeout so a
    killed worker's message comes back within seconds."""
    return {
        **os.environ,
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_BROKER_URL": REDIS_URL,
        "SHELFOPS_BROKER_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}:",
        "SHELFOPS_BROKER_VISIBILITY_TIMEOUT_S": "8",
        "SHELFOPS_VAR_DIR": str(tmp_path / "var"),
        "SHELFOPS_RETRAIN_HORIZON_DAYS": "7",
        "SHELFOPS_RETRAIN_BACKTEST_WINDOWS": "2",
        "SHELFOPS_RETRAIN_MODEL": "moving_average",
    }


class Workers:
    """Starts and kills ``shelfops worker`` processes (each in its own process group)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir, self.processes = env, log_dir, []  # type: ignore[var-annotated]

    def start(self) -> subprocess.Popen[str]:
        log = (self.log_dir / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shelfops",
                "worker",
                "--queues",
                "ml,sync",
                "--concurrency",
                "1",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            # Relative paths in task arguments (seed 003's data_dir "data/seed") are the
            # worker's: it runs from the directory holding data/, as from a project root.
            cwd=self.log_dir,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL the worker and its pool children: no warm shutdown, no ack."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.log_dir.glob("worker-*.log")))

    def log_of(self, process: subprocess.Popen[str]) -> str:
        """What one worker has logged so far."""
        return (self.log_dir / f"worker-{self.processes.index(process)}.log").read_text()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture
def workers(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(worker_env, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture(scope="module")
def chain_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(full data, the same data without its last days: actuals not arrived yet)."""
    full = tmp_path_factory.mktemp("full")
    generate_dataset(DATA, full)
    early = tmp_path_factory.mktemp("early")
    for file in full.iterdir():
        shutil.copy(file, early / file.name)
    cutoff = DATA.start + dt.timedelta(days=DATA.days - HELD_BACK_DAYS)
    sales = pl.read_csv(full / "sales.csv", infer_schema_length=0)
    sales.filter(pl.col("date") < cutoff.isoformat()).write_csv(early / "sales.csv")
    return full, early


async def _eventually(
    check: Callable[[], Awaitable[Any]], workers: Workers, *, seconds: float = 180
) -> Any:
    """Poll ``check`` until it returns something truthy; fail with the worker logs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            pytest.fail(f"timed out; worker logs:\n{workers.logs()[-6000:]}")
        await asyncio.sleep(0.3)


def _count(sessionmaker: Sessions, tenant: Tenant, table: Any) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.customer_id == tenant.customer_id)
                )
                or 0
            )

    return count


async def _versions(sessionmaker: Sessions, tenant: Tenant) -> dict[str, str]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {r.version: r.status for r in rows}


async def _retrains(sessionmaker: Sessions, tenant: Tenant) -> list[ModelRetrainingLog]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelRetrainingLog)
            .where(ModelRetrainingLog.customer_id == tenant.customer_id)
            .order_by(ModelRetrainingLog.started_at)
        )
        return list(rows)


def _seed_trigger(env: dict[str, str], cwd: Path, code: str) -> None:
    """Run seed 003's Python snippet verbatim in a fresh process (as an operator would)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


async def test_retrain_forecast_accuracy_backtest_promotion_chain_on_a_real_worker(
    worker_env: dict[str, str],
    workers: Workers,
    sessionmaker: Sessions,
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    chain_data: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    full, early = chain_data
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=early)
    seed_dir = tmp_path / "data" / "seed"
    shutil.copytree(early, seed_dir)
    workers.start()
    tenant = str(tenant_a.customer_id)

    # Seed 003, "Manual retrain", verbatim but for the tenant id.
    _seed_trigger(
        worker_env,
        tmp_path,
        f"""
        from workers.retrain import retrain_forecast_model
        retrain_forecast_model.apply_async(
            args=["{tenant}"],
            kwargs={{"trigger": "manual", "data_dir": "data/seed"}}
        )
        """,
    )

    async def retrain_finished() -> list[ModelRetrainingLog]:
        rows = await _retrains(sessionmaker, tenant_a)
        return rows if rows and rows[-1].status != "running" else []

    (log,) = await _eventually(retrain_finished, workers)
    assert (log.trigger_type, log.status, log.version_produced) == ("manual", "completed", "v1"), (
        log.error_message
    )
    assert await _versions(sessionmaker, tenant_a) == {"v1": "champion"}

    celery = create_celery(
        Settings(broker_url=REDIS_URL, broker_key_prefix=worker_env["SHELFOPS_BROKER_KEY_PREFIX"])
    )
    celery.send_task("shelfops.monitoring.generate_forecasts", args=[tenant], queue="ml")
    forecasts = await _eventually(_count(sessionmaker, tenant_a, DemandForecast), workers)
    assert forecasts == DATA.stores * DATA.products * 7

    # The held-back days arrive; their forecasts are scored.
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=full)
    celery.send_task("shelfops.monitoring.compute_forecast_accuracy", args=[tenant], queue="ml")
    await _eventually(_count(sessionmaker, tenant_a, ForecastAccuracy), workers)

    # Seed 003, "Manual backtest", verbatim but for the tenant id.
    _seed_trigger(
        worker_env,
        tmp_path,
        f"""
        from workers.monitoring import run_daily_backtest
        run_daily_backtest.apply_async(
            args=["{tenant}"]
        )
        """,
    )
    await _eventually(_count(sessionmaker, tenant_a, BacktestResult), workers)

    # A scheduled retrain of the same configuration cannot beat the champion by 5 %.
    celery.send_task(
        "shelfops.registry.retrain_forecast_model",
        args=[tenant],
        kwargs={"trigger": "scheduled"},
        queue="ml",
    )

    async def challenger_ready() -> bool:
        return (await _versions(sessionmaker, tenant_a)).get("v2") == "challenger"

    await _eventually(challenger_ready, workers)

    # A person promotes it: the recorded human decision the gate defers to.
    promoted = await client.post(
        "/api/v1/models/v2/promote",
        json={"reason": "shadow run reviewed"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert promoted.status_code == 200, promoted.text
    assert await _versions(sessionmaker, tenant_a) == {"v1": "archived", "v2": "champion"}

    celery.send_task("shelfops.monitoring.generate_forecasts", args=[tenant], queue="ml")

    async def v2_forecasts() -> int:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            return int(
                await session.scalar(
                    select(func.count()).where(
                        DemandForecast.customer_id == tenant_a.customer_id,
                        DemandForecast.model_version == "v2",
                    )
                )
                or 0
            )

    assert await _eventually(v2_forecasts, workers) == DATA.stores * DATA.products * 7


async def test_a_worker_killed_mid_retrain_is_redone_and_nothing_is_half_written(
    worker_env: dict[str, str],
    workers: Workers,
    sessionmaker: Sessions,
    tenant_a: Tenant,
    chain_data: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    full, _ = chain_data
    await runs.ingest_directory(sessionmaker, customer_id=tenant_a.customer_id, directory=full)
    first = workers.start()
    celery = create_celery(
        Settings(broker_url=REDIS_URL, broker_key_prefix=worker_env["SHELFOPS_BROKER_KEY_PREFIX"])
    )
    # The slower "auto" model so that the kill lands inside the training.
    celery.send_task(
        "shelfops.registry.retrain_forecast_model",
        args=[str(tenant_a.customer_id)],
        kwargs={"trigger": "manual", "model": "auto"},
        queue="ml",
    )

    async def running() -> list[ModelRetrainingLog]:
        return [r for r in await _retrains(sessionmaker, tenant_a) if r.status == "running"]

    (started,) = await _eventually(running, workers)
    workers.kill(first)
    assert await _versions(sessionmaker, tenant_a) == {}  # nothing registered mid-way

    second = workers.start()

    async def redelivered() -> bool:
        return f"{started.retrain_id}] received" in workers.log_of(second)

    # Back within the visibility timeout (8 s) and one sweep of the unacknowledged
    # messages (1 s for that timeout: shelfops.worker.redelivery_sweep_seconds), plus
    # slack for a busy machine. kombu's own sweep period brought it back after 89 s.
    await _eventually(redelivered, workers, seconds=40)

    async def finished() -> list[ModelRetrainingLog]:
        rows = await _retrains(sessionmaker, tenant_a)
        return rows if rows and all(r.status != "running" for r in rows) else []

    rows = await _eventually(finished, workers, seconds=240)
    # The same retrain (same id: the redelivered message) finished; nothing ran twice.
    assert [(r.retrain_id, r.status, r.version_produced) for r in rows] == [
        (started.retrain_id, "completed", "v1")
    ]
    assert list((await _versions(sessionmaker, tenant_a)).keys()) == ["v1"]
    tenant_dir = tmp_path / "var" / "artifacts" / str(tenant_a.customer_id)
    assert not list(tenant_dir.glob(".staging-*"))
    assert (tenant_dir / "demand_forecast" / "v1" / "pipeline.pkl").is_file()
    assert [p.name for p in (tenant_dir / "demand_forecast").iterdir()] == ["v1"]
