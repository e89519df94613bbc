"""Approving a drift alert promotes the drift retrain's version through the registry;
when there is nothing promotable, the approval is refused and nothing changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    AuditLog,
    MLAlert,
    ModelDecision,
    ModelRetrainingLog,
    ModelStatus,
    ModelVersion,
    Role,
    RunStatus,
    Severity,
)
from shelfops.models.base import utcnow
from shelfops.monitoring import alerts_service
from tests.conftest import Tenant

API = "/api/v1/ml-alerts"


@dataclass(frozen=True)
class Drift:
    alert_id: str
    retrain_id: uuid.UUID


async def _drift(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    status: RunStatus = RunStatus.COMPLETED,
    version_produced: str | None = "v2",
    error_message: str | None = None,
    retrain_id: str | None = None,
) -> Drift:
    """Champion v1, challenger v2, a drift retrain in ``status`` that produced
    ``version_produced``, and the drift job's alert naming that retrain (or
    ``retrain_id`` when given)."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add_all(
            [
                ModelVersion(
                    customer_id=tenant.customer_id,
                    version="v1",
                    status=ModelStatus.CHAMPION.value,
                    promoted_at=utcnow(),
                ),
                ModelVersion(
                    customer_id=tenant.customer_id,
                    version="v2",
                    status=ModelStatus.CHALLENGER.value,
                ),
            ]
        )
        log = ModelRetrainingLog(
            customer_id=tenant.customer_id,
            trigger_type="drift_detected",
            status=status.value,
            version_produced=version_produced,
            error_message=error_message,
            completed_at=None if status is RunStatus.RUNNING else utcnow(),
        )
        session.add(log)
        await session.flush()
        alert = await alerts_service.raise_alert(
            session,
            alert_type="drift_detected",
            severity=Severity.CRITICAL,
            title="Model drift detected",
            message="Champion MAE over the last 7 days is 21% above its baseline",
            dedupe_key="drift:demand_forecast",
            metadata={"retrain_id": retrain_id or str(log.retrain_id), "mae_ratio": 1.21},
        )
        assert alert is not None
        return Drift(alert_id=str(alert.ml_alert_id), retrain_id=log.retrain_id)


async def _statuses(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> dict[str, str]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {row.version: row.status for row in rows}


async def _alert_status(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, alert_id: str
) -> str:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        alert = await session.get(MLAlert, uuid.UUID(alert_id))
        assert alert is not None
        return alert.status


async def _approve(
    client: httpx.AsyncClient, tenant: Tenant, alert_id: str, notes: str | None = None
) -> httpx.Response:
    body: dict[str, str] = {"action": "approve"}
    if notes is not None:
        body["notes"] = notes
    return await client.patch(
        f"{API}/{alert_id}/action", json=body, headers=tenant.headers(Role.ML_MANAGER)
    )


async def test_approving_a_drift_alert_makes_the_retrains_version_champion(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    drift = await _drift(sessionmaker, tenant_a)
    response = await _approve(client, tenant_a, drift.alert_id, "Reviewed backtest, approved")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["promoted_version"]) == ("actioned", "v2")
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "archived", "v2": "champion"}

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        decision = await session.scalar(
            select(ModelDecision).where(
                ModelDecision.customer_id == tenant_a.customer_id,
                ModelDecision.version == "v2",
                ModelDecision.action == "promoted",
            )
        )
        audits = await session.scalars(
            select(AuditLog.action).where(AuditLog.customer_id == tenant_a.customer_id)
        )
        audit_actions = sorted(audits)
    assert decision is not None
    assert decision.decided_by == "ml_manager key"
    assert decision.previous_champion == "v1"
    assert decision.reasons == ["Reviewed backtest, approved"]
    assert decision.inputs["source"] == f"ml_alert:{drift.alert_id}"
    assert audit_actions == ["ml_alert.approve", "model.promote"]

    # Approving again is refused and promotes nothing a second time.
    again = await _approve(client, tenant_a, drift.alert_id)
    assert again.status_code == 409
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "archived", "v2": "champion"}


async def test_approving_without_notes_gives_the_registry_a_reason(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    drift = await _drift(sessionmaker, tenant_a)
    response = await _approve(client, tenant_a, drift.alert_id, "   ")
    assert response.status_code == 200, response.text
    assert response.json()["action_notes"] is None
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        reasons = await session.scalar(
            select(ModelDecision.reasons).where(
                ModelDecision.customer_id == tenant_a.customer_id,
                ModelDecision.action == "promoted",
            )
        )
    assert reasons == ["approved drift alert"]


@pytest.mark.parametrize(
    ("status", "version", "error", "expected"),
    [
        (RunStatus.RUNNING, None, None, "has not produced a version yet"),
        (RunStatus.COMPLETED, None, None, "has not produced a version yet"),
        (RunStatus.FAILED, None, "out of memory", "failed (out of memory)"),
        (RunStatus.SKIPPED, None, "another retrain was running", "was skipped"),
    ],
)
async def test_nothing_to_promote_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    status: RunStatus,
    version: str | None,
    error: str | None,
    expected: str,
) -> None:
    drift = await _drift(
        sessionmaker, tenant_a, status=status, version_produced=version, error_message=error
    )
    response = await _approve(client, tenant_a, drift.alert_id)
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    assert expected in response.json()["detail"]
    assert await _alert_status(sessionmaker, tenant_a, drift.alert_id) == "unread"
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    # Dismissing stays possible: that is how a person closes a drift alert with no result.
    dismissed = await client.patch(
        f"{API}/{drift.alert_id}/action",
        json={"action": "dismiss", "notes": "retrain failed; investigating"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert dismissed.status_code == 200
    assert dismissed.json()["promoted_version"] is None
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}


@pytest.mark.parametrize(
    ("version_produced", "expected"),
    [("v9", "has no version 'v9'"), ("v1", "already the champion")],
)
async def test_a_registry_refusal_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    version_produced: str,
    expected: str,
) -> None:
    drift = await _drift(sessionmaker, tenant_a, version_produced=version_produced)
    response = await _approve(client, tenant_a, drift.alert_id)
    assert response.status_code == 409
    assert expected in response.json()["detail"]
    assert await _alert_status(sessionmaker, tenant_a, drift.alert_id) == "unread"
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        audits = await session.scalars(
            select(AuditLog).where(AuditLog.customer_id == tenant_a.customer_id)
        )
        assert list(audits) == []


async def test_dismissing_a_drift_alert_promotes_nothing(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    drift = await _drift(sessionmaker, tenant_a)
    response = await client.patch(
        f"{API}/{drift.alert_id}/action",
        json={"action": "dismiss"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["promoted_version"]) == ("dismissed", None)
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}


async def test_another_tenants_retrain_cannot_be_promoted_through_an_alert(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    a = await _drift(sessionmaker, tenant_a)
    b = await _drift(sessionmaker, tenant_b, retrain_id=str(a.retrain_id))
    response = await _approve(client, tenant_b, b.alert_id)
    assert response.status_code == 409
    assert "does not exist" in response.json()["detail"]
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
    assert await _statuses(sessionmaker, tenant_b) == {"v1": "champion", "v2": "challenger"}


async def test_other_alert_types_are_just_actioned(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    drift = await _drift(sessionmaker, tenant_a)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        other = await alerts_service.raise_alert(
            session,
            alert_type="accuracy_degraded",
            severity=Severity.WARNING,
            title="WAPE up",
            message="m",
            dedupe_key=None,
            # Only drift alerts promote, whatever their metadata says.
            metadata={"retrain_id": str(drift.retrain_id)},
        )
        assert other is not None
    response = await _approve(client, tenant_a, str(other.ml_alert_id))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["promoted_version"]) == ("actioned", None)
    assert await _statuses(sessionmaker, tenant_a) == {"v1": "champion", "v2": "challenger"}
