"""SLOs: forecast, accuracy and sync freshness against their objectives, and the
scheduled check's ``slo_breached`` alerts (once per open breach)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Environment, Settings
from shelfops.integrations.health import ConfiguredSource, SourceActivity, assess
from shelfops.kit.db import tenant_transaction
from shelfops.models import MLAlert, Role
from shelfops.models.base import utcnow
from shelfops.monitoring.slo import SLO_ALERT_TYPE, _sync_read, evaluate, run_slo_check
from shelfops.monitoring.slo_schemas import SloName, SloStatus
from shelfops.worker import beat_schedule
from tests.conftest import Tenant
from tests.observability.helpers import add_forecast

Sessions = async_sessionmaker[AsyncSession]


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    objectives = report["objectives"]
    assert isinstance(objectives, list)
    return {o["name"]: o for o in objectives}


async def _slo_alerts(sessionmaker: Sessions, tenant: Tenant) -> list[MLAlert]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(MLAlert).where(
                MLAlert.customer_id == tenant.customer_id, MLAlert.alert_type == SLO_ALERT_TYPE
            )
        )
        return list(rows)


async def test_a_tenant_without_data_has_no_data_everywhere(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.get("/api/v1/slo", headers=tenant_a.headers(Role.VIEWER))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "no_data"
    assert {name: o["status"] for name, o in _by_name(body).items()} == {
        "forecast_freshness": "no_data",
        "accuracy_freshness": "no_data",
        "sync_freshness": "no_data",
    }


async def test_slo_needs_an_api_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/slo")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_fresh_forecast_and_scoring_are_ok(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    now = utcnow()
    await add_forecast(
        sessionmaker,
        tenant_a,
        written_at=now - dt.timedelta(hours=2),
        scored_at=now - dt.timedelta(hours=3),
    )

    body = (await client.get("/api/v1/slo", headers=tenant_a.headers(Role.VIEWER))).json()

    objectives = _by_name(body)
    forecast, accuracy = objectives["forecast_freshness"], objectives["accuracy_freshness"]
    assert forecast["status"] == "ok"
    assert forecast["objective_hours"] == 26.0
    assert 1.9 < forecast["age_hours"] < 2.5
    assert accuracy["status"] == "ok"
    assert 2.9 < accuracy["age_hours"] < 3.5
    assert body["status"] == "ok"


async def test_old_forecast_is_breached_and_reading_raises_no_alert(
    client: httpx.AsyncClient, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    now = utcnow()
    await add_forecast(
        sessionmaker,
        tenant_a,
        written_at=now - dt.timedelta(hours=30),
        scored_at=now - dt.timedelta(hours=1),
    )

    body = (await client.get("/api/v1/slo", headers=tenant_a.headers(Role.VIEWER))).json()

    objectives = _by_name(body)
    assert objectives["forecast_freshness"]["status"] == "breached"
    assert objectives["accuracy_freshness"]["status"] == "ok"
    assert body["status"] == "breached"
    assert await _slo_alerts(sessionmaker, tenant_a) == []


async def test_objective_comes_from_settings(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    now = utcnow()
    await add_forecast(sessionmaker, tenant_a, written_at=now - dt.timedelta(hours=5))
    strict = migrated.model_copy(update={"slo_forecast_max_age_hours": 4.0})

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        default = await evaluate(session, settings=migrated, now=now)
        tight = await evaluate(session, settings=strict, now=now)

    assert default.objectives[0].status is SloStatus.OK
    assert tight.objectives[0].name is SloName.FORECAST_FRESHNESS
    assert tight.objectives[0].status is SloStatus.BREACHED
    assert tight.objectives[0].objective_hours == 4.0


async def test_breach_check_raises_exactly_one_open_alert_on_repeat_runs(
    migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    now = utcnow()
    await add_forecast(
        sessionmaker,
        tenant_a,
        written_at=now - dt.timedelta(hours=60),
        scored_at=now - dt.timedelta(hours=1),
    )
    await add_forecast(sessionmaker, tenant_b, written_at=now - dt.timedelta(hours=1))

    first = await run_slo_check(sessionmaker, migrated, customer_id=tenant_a.customer_id)
    second = await run_slo_check(sessionmaker, migrated, customer_id=tenant_a.customer_id)
    fresh = await run_slo_check(sessionmaker, migrated, customer_id=tenant_b.customer_id)

    assert first.breached == ["forecast_freshness"]
    assert first.raised == ["forecast_freshness"]
    assert second.raised == []
    alerts = await _slo_alerts(sessionmaker, tenant_a)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.status == "unread"
    assert alert.dedupe_key == "slo:forecast_freshness"
    # 60 h is more than twice the 26 h objective.
    assert alert.severity == "critical"
    assert alert.alert_metadata is not None and alert.alert_metadata["objective_hours"] == 26.0
    assert fresh.raised == [] and await _slo_alerts(sessionmaker, tenant_b) == []


async def test_a_dismissed_breach_alert_is_raised_again_while_still_breached(
    client: httpx.AsyncClient, migrated: Settings, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    await add_forecast(sessionmaker, tenant_a, written_at=utcnow() - dt.timedelta(hours=40))
    await run_slo_check(sessionmaker, migrated, customer_id=tenant_a.customer_id)
    [alert] = await _slo_alerts(sessionmaker, tenant_a)
    response = await client.patch(
        f"/api/v1/ml-alerts/{alert.ml_alert_id}/action",
        json={"action": "dismiss"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert response.status_code == 200, response.text

    again = await run_slo_check(sessionmaker, migrated, customer_id=tenant_a.customer_id)

    assert again.raised == ["forecast_freshness"]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        open_count = await session.scalar(
            select(func.count()).where(
                MLAlert.customer_id == tenant_a.customer_id, MLAlert.status == "unread"
            )
        )
    assert open_count == 1


def test_sync_freshness_is_the_configured_source_furthest_past_its_sla() -> None:
    settings = Settings(env=Environment.TEST)
    now = utcnow()
    sources = assess(
        [ConfiguredSource("pos", "smb_csv"), ConfiguredSource("edi", "enterprise_edi")],
        [
            SourceActivity("pos", "smb_csv", last_success_at=now - dt.timedelta(hours=3)),
            SourceActivity("edi", "enterprise_edi", last_success_at=now - dt.timedelta(hours=5)),
            # A one-off upload known only from the log is shown by sync health, not judged.
            SourceActivity("upload", "csv", last_success_at=now - dt.timedelta(hours=99)),
        ],
        settings=settings,
        now=now,
    )

    slo = _sync_read(sources)

    assert slo.status is SloStatus.BREACHED
    assert slo.objective_hours == settings.sla_pos_hours
    assert slo.age_hours is not None and 2.9 < slo.age_hours < 3.1
    assert "pos" in slo.detail
    healthy = _sync_read([s for s in sources if s.source_name == "edi"])
    assert healthy.status is SloStatus.OK
    assert healthy.objective_hours == settings.sla_file_hours


def test_the_slo_check_is_scheduled_on_the_sync_queue() -> None:
    entry = beat_schedule(Settings(env=Environment.TEST))["check_slos"]

    assert entry["task"] == "shelfops.fan_out"
    assert entry["args"] == ["shelfops.monitoring.check_slos", {}]
    assert entry["options"]["queue"] == "sync"
    assert entry["schedule"] == dt.timedelta(minutes=30)
