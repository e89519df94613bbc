"""Raising ML alerts from jobs: one open alert per dedupe key, enforced by the database
even when two jobs race."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import MLAlert, MLAlertStatus, Role, Severity
from shelfops.monitoring import alerts_service
from shelfops.monitoring.alerts_schemas import AlertAction
from shelfops.tenants import service as tenants
from shelfops.tenants.service import Principal
from tests.conftest import Tenant

KEY = "drift:mae:demand_forecast"


async def _raise(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    dedupe_key: str | None = KEY,
    title: str = "Drift detected",
) -> uuid.UUID | None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        alert = await alerts_service.raise_alert(
            session,
            alert_type="drift_detected",
            severity=Severity.CRITICAL,
            title=title,
            message="MAE 18% above baseline over the last 7 days",
            dedupe_key=dedupe_key,
            metadata={"mae_ratio": 1.18},
            action_url="/models/health",
        )
        return alert.ml_alert_id if alert else None


async def _alerts(sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant) -> list[MLAlert]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(MLAlert)
            .where(MLAlert.customer_id == tenant.customer_id)
            .order_by(MLAlert.created_at)
        )
        return list(rows)


async def _principal(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, role: Role
) -> Principal:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        return await tenants.authenticate(session, tenant.keys[role])


async def test_raise_alert_creates_an_unread_alert_with_its_details(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _raise(sessionmaker, tenant_a)
    [alert] = await _alerts(sessionmaker, tenant_a)
    assert alert.ml_alert_id == alert_id
    assert (alert.status, alert.severity, alert.alert_type) == (
        "unread",
        "critical",
        "drift_detected",
    )
    assert alert.alert_metadata == {"mae_ratio": 1.18}
    assert alert.action_url == "/models/health"
    assert alert.dedupe_key == KEY
    assert alert.created_at.tzinfo is not None
    assert (alert.read_at, alert.actioned_at, alert.actioned_by) == (None, None, None)


async def test_same_key_while_open_creates_nothing_until_the_alert_is_closed(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    first = await _raise(sessionmaker, tenant_a)
    assert first is not None
    assert await _raise(sessionmaker, tenant_a, title="again") is None
    # Still open after being read: still no duplicate.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await alerts_service.mark_read(session, alert_id=first)
    assert await _raise(sessionmaker, tenant_a, title="again") is None
    assert [a.title for a in await _alerts(sessionmaker, tenant_a)] == ["Drift detected"]

    # Keys are per tenant: B gets its own alert.
    assert await _raise(sessionmaker, tenant_b) is not None

    # Dismissed: the next drift raises a new alert.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await alerts_service.act_on_alert(
            session,
            alert_id=first,
            action=AlertAction.DISMISS,
            notes="known promo effect",
            actor=await _principal(sessionmaker, tenant_a, Role.ML_MANAGER),
        )
    second = await _raise(sessionmaker, tenant_a, title="drift again")
    assert second is not None and second != first
    rows = await _alerts(sessionmaker, tenant_a)
    assert [(a.title, a.status) for a in rows] == [
        ("Drift detected", "dismissed"),
        ("drift again", "unread"),
    ]


async def test_alerts_without_a_key_are_never_deduplicated(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    assert await _raise(sessionmaker, tenant_a, dedupe_key=None) is not None
    assert await _raise(sessionmaker, tenant_a, dedupe_key=None) is not None
    assert len(await _alerts(sessionmaker, tenant_a)) == 2


async def test_the_database_refuses_a_second_open_alert_with_the_same_key(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    def row(status: MLAlertStatus) -> MLAlert:
        return MLAlert(
            customer_id=tenant_a.customer_id,
            alert_type="drift_detected",
            severity="critical",
            title="direct insert",
            message="m",
            status=status.value,
            dedupe_key=KEY,
        )

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(row(MLAlertStatus.UNREAD))
    # Closed alerts with the key do not count as open: several may exist.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add_all([row(MLAlertStatus.DISMISSED), row(MLAlertStatus.ACTIONED)])
    for status in (MLAlertStatus.UNREAD, MLAlertStatus.READ):
        with pytest.raises(
            IntegrityError, match=r"uq_ml_alerts_open_dedupe_key|UNIQUE constraint failed"
        ):
            async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
                session.add(row(status))
    assert sorted(a.status for a in await _alerts(sessionmaker, tenant_a)) == [
        "actioned",
        "dismissed",
        "unread",
    ]


async def test_two_racing_jobs_create_one_alert(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    """Both jobs pass the "is one open?" check before either commits; the database's
    unique index makes the second insert wait for the first and then refuse it."""

    async def raise_in(session: AsyncSession) -> MLAlert | None:
        return await alerts_service.raise_alert(
            session,
            alert_type="drift_detected",
            severity=Severity.CRITICAL,
            title="race",
            message="m",
            dedupe_key=KEY,
        )

    async with sessionmaker() as first, sessionmaker() as second:
        first.info["customer_id"] = second.info["customer_id"] = tenant_a.customer_id
        assert await raise_in(first) is not None  # inserted, not yet committed
        racing = asyncio.create_task(raise_in(second))
        await asyncio.sleep(0.5)
        # The second job saw no committed alert, tried to insert and is held by the index.
        assert not racing.done()
        await first.commit()
        assert await asyncio.wait_for(racing, timeout=30) is None
        # The refused insert was only a savepoint: the job's transaction is still usable.
        assert (
            await second.scalar(
                select(func.count())
                .select_from(MLAlert)
                .where(MLAlert.customer_id == tenant_a.customer_id)
            )
            == 1
        )
        await second.commit()
    assert [a.title for a in await _alerts(sessionmaker, tenant_a)] == ["race"]
