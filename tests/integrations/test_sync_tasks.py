"""The integration jobs on Celery: beat entries on the ``sync`` queue at the configured
intervals, the same jobs by name in-process (embedded mode), and the SLA check going
beat entry → fan-out → per-tenant task on a real worker process and the real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
from pathlib import Path
from typing import Literal

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Environment, Settings
from shelfops.integrations import health
from shelfops.integrations import tasks as sync_tasks
from shelfops.integrations.events import ConsumeReport
from shelfops.jobs import JOB_NAMES, run_job
from shelfops.kit.db import tenant_transaction
from shelfops.models import Alert
from shelfops.models.base import utcnow
from shelfops.worker import beat_schedule, celery_app, create_celery
from tests.conftest import Tenant
from tests.integrations.test_sync_health import add_run, declare_pos, write_profiles

# The worker fixtures of the ingest worker test: `shelfops worker --queues sync` on Redis.
from tests.worker.test_celery_worker import (  # noqa: F401
    REDIS_URL,
    worker,
    worker_settings,
)

Sessions = async_sessionmaker[AsyncSession]
SYNC_ENTRIES = {
    "poll_sync_sources": "shelfops.integrations.poll_sync_sources",
    "consume_sync_events": "shelfops.integrations.consume_sync_events",
    "check_sync_sla": "shelfops.integrations.check_sync_sla",
}


def test_beat_runs_the_integration_jobs_on_the_sync_queue_at_the_configured_intervals() -> None:
    settings = Settings(env=Environment.TEST, sync_poll_minutes=7, event_consume_seconds=20)

    schedule = beat_schedule(settings)

    every = {name: schedule[name]["schedule"] for name in SYNC_ENTRIES}
    assert every == {
        "poll_sync_sources": dt.timedelta(minutes=7),
        "consume_sync_events": dt.timedelta(seconds=20),
        "check_sync_sla": dt.timedelta(minutes=15),
    }
    for name, task in SYNC_ENTRIES.items():
        entry = schedule[name]
        seconds = every[name].total_seconds()
        assert entry["task"] == "shelfops.fan_out"
        assert entry["args"] == [task, {}]
        # The fan-out runs on `sync` and queues each tenant's task there too; both expire
        # after one interval, so a stopped worker does not come back to a pile.
        assert entry["options"] == {"queue": "sync", "expires": seconds}
        assert entry["kwargs"] == {"queue": "sync", "expires_s": seconds}
        # The task exists under that name and is routed to `sync` when sent directly.
        assert task in celery_app.tasks
        assert celery_app.conf.task_routes[task] == {"queue": "sync"}
        assert name in JOB_NAMES
    # The nightly ML jobs stay on `ml`.
    assert schedule["generate_forecasts"]["options"] == {"queue": "ml"}


async def test_sla_check_runs_in_process_by_name(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    declare_pos(migrated, tenant_a)
    started = utcnow() - dt.timedelta(hours=5)
    await add_run(sessionmaker, tenant_a, "pos", "success", started=started, received=2, synced=2)

    check = await run_job(
        "check_sync_sla", sessionmaker, migrated, customer_id=tenant_a.customer_id
    )

    assert isinstance(check, health.SlaCheck)
    assert check.raised == ["pos"] and check.status.value == "breached"
    [alert] = await _sla_alerts(sessionmaker, tenant_a)
    assert (alert.severity, alert.dedupe_key) == ("critical", "sync_sla:pos")  # 5 h > 2 × 1 h


async def test_file_and_event_jobs_skip_a_tenant_without_contract_profiles(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    for name in ("poll_sync_sources", "consume_sync_events"):
        report = await run_job(name, sessionmaker, migrated, customer_id=tenant_a.customer_id)
        assert isinstance(report, sync_tasks.SyncJobReport)
        assert report.as_dict() == {
            "job": name,
            "tenant": tenant_a.slug,
            "skipped": "no contract profiles",
            "reports": [],
        }


async def test_the_jobs_use_the_tenants_contract_profiles(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    write_profiles(migrated, tenant_a, tmp_path)  # a stream (SLA 0.5 h) and an EDI inbox
    # 45 minutes: fresh for the events default (2 h), late for this profile's 0.5 h.
    started = utcnow() - dt.timedelta(minutes=46)
    await add_run(
        sessionmaker,
        tenant_a,
        "pos-stream",
        "success",
        started=started,
        received=3,
        synced=3,
        kind="enterprise_event",
    )

    check = await run_job(
        "check_sync_sla", sessionmaker, migrated, customer_id=tenant_a.customer_id
    )
    polled = await run_job(
        "poll_sync_sources", sessionmaker, migrated, customer_id=tenant_a.customer_id
    )
    redis_settings = migrated.model_copy(update={"broker_url": REDIS_URL})
    stream = f"shelfops:test:{tenant_a.slug}:pos"
    try:
        consumed = await run_job(
            "consume_sync_events", sessionmaker, redis_settings, customer_id=tenant_a.customer_id
        )
    finally:
        client = Redis.from_url(REDIS_URL)
        await client.delete(stream, f"{stream}:dead")
        await client.aclose()

    assert check.raised == ["pos-stream"]
    # The EDI profile's inbox is polled (empty: nothing to import)…
    [poll] = polled.as_dict()["reports"]
    assert (poll["source_name"], poll["transport"], poll["files"], poll["error"]) == (
        "van-edi",
        "inbox",
        [],
        None,
    )
    # …and the stream profile's stream is read (nothing waiting).
    [read] = consumed.as_dict()["reports"]
    assert (read["source_name"], read["stream"], read["received"]) == ("pos-stream", stream, 0)


async def _sla_alerts(sessions: Sessions, tenant: Tenant) -> list[Alert]:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        rows = await session.scalars(
            select(Alert).where(
                Alert.customer_id == tenant.customer_id,
                Alert.alert_type == health.SLA_ALERT_TYPE,
            )
        )
        return list(rows)


async def test_beat_entry_raises_sla_alerts_per_tenant_on_a_real_worker(
    worker_settings: Settings,  # noqa: F811
    worker: subprocess.Popen[str],  # noqa: F811
    sessionmaker: Sessions,
    tenant_a: Tenant,
    tenant_b: Tenant,
    tmp_path: Path,
) -> None:
    now = utcnow()
    # Both tenants' feeds named "pos" are late, by different amounts: each tenant's check
    # must judge its own log (A: 3 h, critical; B: 1.5 h, warning).
    for tenant, late in ((tenant_a, dt.timedelta(hours=3)), (tenant_b, dt.timedelta(hours=1.5))):
        # The worker process reads its profiles under its own var dir (tmp_path).
        declare_pos(worker_settings.model_copy(update={"var_dir": tmp_path}), tenant)
        await add_run(
            sessionmaker, tenant, "pos", "success", started=now - late, received=4, synced=4
        )
    entry = beat_schedule(worker_settings)["check_sync_sla"]

    # What beat sends: the fan-out, which queues the check once per active tenant.
    create_celery(worker_settings).send_task(
        entry["task"], args=entry["args"], kwargs=entry["kwargs"], **entry["options"]
    )

    async def raised() -> list[tuple[str | None, str, str]]:
        return [
            (a.dedupe_key, a.severity, a.status)
            for tenant in (tenant_a, tenant_b)
            for a in await _sla_alerts(sessionmaker, tenant)
        ]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    found = await raised()
    while len(found) < 2 and loop.time() < deadline and worker.poll() is None:
        await asyncio.sleep(0.3)
        found = await raised()
    log = (tmp_path / "worker.log").read_text()
    assert worker.poll() is None, log
    assert found == [
        ("sync_sla:pos", "critical", "open"),
        ("sync_sla:pos", "warning", "open"),
    ], log


def test_a_sync_job_is_ok_only_when_no_source_failed() -> None:
    # `shelfops run-job` exits 1 on a report that is not ok.
    def consumed(status: Literal["idle", "success", "failed"]) -> ConsumeReport:
        return ConsumeReport(
            source_name="pos",
            stream="s",
            group="g",
            consumer="c",
            status=status,
            started_at=utcnow(),
        )

    job = "consume_sync_events"
    assert sync_tasks.SyncJobReport(job, "t").ok  # nothing to do is fine
    assert sync_tasks.SyncJobReport(job, "t", [consumed("idle"), consumed("success")]).ok
    assert not sync_tasks.SyncJobReport(job, "t", [consumed("success"), consumed("failed")]).ok
