"""The ML alerts API of seed 003: list with filters, stats, details, read and action
flows, roles, tenant isolation, and the seed's own SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import AuditLog, MLAlertStatus, Role, Severity
from shelfops.monitoring import alerts_service
from tests.conftest import Tenant

API = "/api/v1/ml-alerts"
T0 = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)


async def _alert(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    title: str,
    severity: Severity,
    *,
    minutes: int = 0,
    status: MLAlertStatus = MLAlertStatus.UNREAD,
    alert_type: str = "accuracy_degraded",
    metadata: dict[str, Any] | None = None,
) -> str:
    """Raise an alert as a job would, created ``minutes`` after T0, then put it in
    ``status`` (as people would have). Returns its id."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        alert = await alerts_service.raise_alert(
            session,
            alert_type=alert_type,
            severity=severity,
            title=title,
            message=f"{title}: details",
            dedupe_key=None,
            metadata=metadata,
            action_url="/models/health",
        )
        assert alert is not None
        alert.created_at = T0 + dt.timedelta(minutes=minutes)
        alert.status = status.value
        return str(alert.ml_alert_id)


async def _fixture_alerts(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant
) -> dict[str, str]:
    """Six alerts of every severity and status; title → id."""
    specs = [
        ("old critical", Severity.CRITICAL, 0, MLAlertStatus.UNREAD),
        ("new critical", Severity.CRITICAL, 30, MLAlertStatus.UNREAD),
        ("warning", Severity.WARNING, 40, MLAlertStatus.UNREAD),
        ("newest info", Severity.INFO, 50, MLAlertStatus.UNREAD),
        ("read warning", Severity.WARNING, 20, MLAlertStatus.READ),
        ("dismissed critical", Severity.CRITICAL, 60, MLAlertStatus.DISMISSED),
    ]
    return {
        title: await _alert(sessionmaker, tenant, title, severity, minutes=m, status=status)
        for title, severity, m, status in specs
    }


def _titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


def _problem_locations(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed"
    return [problem["location"] for problem in body["detail"]]


async def _audit_rows(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, alert_id: str
) -> list[AuditLog]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(AuditLog).where(
                AuditLog.customer_id == tenant.customer_id, AuditLog.resource_id == alert_id
            )
        )
        return list(rows)


# --- list and stats -------------------------------------------------------------------


async def test_list_puts_critical_first_then_newest_and_filters(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    await _fixture_alerts(sessionmaker, tenant_a)
    viewer = tenant_a.headers(Role.VIEWER)

    everything = (await client.get(API, headers=viewer)).json()
    assert _titles(everything) == [
        "dismissed critical",
        "new critical",
        "old critical",
        "warning",
        "read warning",
        "newest info",
    ]
    assert (everything["total"], everything["limit"], everything["offset"]) == (6, 50, 0)

    # Seed 003's "Get unread critical alerts", verbatim.
    seed = await client.get(f"{API}?status=unread&severity=critical", headers=viewer)
    assert seed.status_code == 200
    assert _titles(seed.json()) == ["new critical", "old critical"]
    assert {item["status"] for item in seed.json()["items"]} == {"unread"}

    unread = (await client.get(API, params={"status": "unread"}, headers=viewer)).json()
    assert _titles(unread) == ["new critical", "old critical", "warning", "newest info"]
    warnings = (await client.get(API, params={"severity": "warning"}, headers=viewer)).json()
    assert _titles(warnings) == ["warning", "read warning"]
    none = (await client.get(API, params={"status": "actioned"}, headers=viewer)).json()
    assert (none["items"], none["total"]) == ([], 0)

    page = (await client.get(API, params={"limit": 2, "offset": 1}, headers=viewer)).json()
    assert _titles(page) == ["new critical", "old critical"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)


async def test_bad_filters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers(Role.VIEWER)
    response = await client.get(API, params={"status": "open"}, headers=headers)
    assert _problem_locations(response) == [["query", "status"]]
    assert "'unread'" in response.json()["detail"][0]["message"]
    response = await client.get(API, params={"severity": "urgent"}, headers=headers)
    assert _problem_locations(response) == [["query", "severity"]]
    assert "'critical'" in response.json()["detail"][0]["message"]
    response = await client.get(API, params={"limit": 0}, headers=headers)
    assert _problem_locations(response) == [["query", "limit"]]


async def test_stats_count_unread_by_severity_and_every_status(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    empty = await client.get(f"{API}/stats", headers=tenant_a.headers(Role.VIEWER))
    assert empty.json() == {
        "unread": {"critical": 0, "warning": 0, "info": 0},
        "total_unread": 0,
        "by_status": {"unread": 0, "read": 0, "actioned": 0, "dismissed": 0},
    }
    ids = await _fixture_alerts(sessionmaker, tenant_a)
    response = await client.patch(
        f"{API}/{ids['warning']}/action",
        json={"action": "approve"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert response.status_code == 200
    stats = await client.get(f"{API}/stats", headers=tenant_a.headers(Role.VIEWER))
    assert stats.json() == {
        "unread": {"critical": 2, "warning": 0, "info": 1},
        "total_unread": 3,
        "by_status": {"unread": 3, "read": 1, "actioned": 1, "dismissed": 1},
    }


# --- details and read -----------------------------------------------------------------


async def test_details_show_metadata_and_history(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(
        sessionmaker,
        tenant_a,
        "Drift",
        Severity.CRITICAL,
        alert_type="drift_detected",
        metadata={"mae_ratio": 1.21, "window_days": 7},
    )
    response = await client.get(f"{API}/{alert_id}", headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 200
    body = response.json()
    assert body["ml_alert_id"] == alert_id
    assert body["metadata"] == {"mae_ratio": 1.21, "window_days": 7}
    assert "alert_metadata" not in body
    assert (body["alert_type"], body["severity"], body["status"]) == (
        "drift_detected",
        "critical",
        "unread",
    )
    assert body["message"] == "Drift: details"
    assert body["action_url"] == "/models/health"
    assert dt.datetime.fromisoformat(body["created_at"]) == T0
    for field in ("read_at", "actioned_at", "actioned_by", "action_notes"):
        assert body[field] is None

    unknown = await client.get(f"{API}/{uuid.uuid4()}", headers=tenant_a.headers())
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "NotFound"
    malformed = await client.get(f"{API}/not-a-uuid", headers=tenant_a.headers())
    assert _problem_locations(malformed) == [["path", "alert_id"]]


async def test_read_is_idempotent_and_refused_once_acted_on(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(sessionmaker, tenant_a, "Accuracy", Severity.WARNING)
    viewer = tenant_a.headers(Role.VIEWER)

    first = await client.patch(f"{API}/{alert_id}/read", headers=viewer)
    assert first.status_code == 200
    assert first.json()["status"] == "read"
    read_at = first.json()["read_at"]
    assert read_at is not None
    again = await client.patch(f"{API}/{alert_id}/read", headers=viewer)
    assert again.status_code == 200
    assert again.json() == first.json()

    dismissed = await client.patch(
        f"{API}/{alert_id}/action",
        json={"action": "dismiss", "notes": "promo week"},
        headers=tenant_a.headers(Role.ML_MANAGER),
    )
    assert dismissed.status_code == 200
    refused = await client.patch(f"{API}/{alert_id}/read", headers=viewer)
    assert refused.status_code == 409
    assert refused.json()["error"] == "Conflict"
    assert "already dismissed" in refused.json()["detail"]
    after = (await client.get(f"{API}/{alert_id}", headers=viewer)).json()
    assert (after["status"], after["read_at"]) == ("dismissed", read_at)


# --- actions --------------------------------------------------------------------------


async def test_seed_approve_curl_actions_the_alert_once_with_an_audit_row(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(sessionmaker, tenant_a, "Accuracy", Severity.WARNING)
    # Seed 003's curl, verbatim, plus the Authorization header.
    response = await client.patch(
        f"{API}/{alert_id}/action",
        headers={"Content-Type": "application/json", **tenant_a.headers(Role.ML_MANAGER)},
        content='{"action": "approve", "notes": "Reviewed backtest, approved"}',
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "actioned"
    assert body["actioned_by"] == "ml_manager key"
    assert body["action_notes"] == "Reviewed backtest, approved"
    assert body["promoted_version"] is None
    actioned_at = dt.datetime.fromisoformat(body["actioned_at"])
    assert abs(dt.datetime.now(dt.UTC) - actioned_at) < dt.timedelta(minutes=1)

    [audit] = await _audit_rows(sessionmaker, tenant_a, alert_id)
    assert (audit.action, audit.resource_type, audit.actor) == (
        "ml_alert.approve",
        "ml_alert",
        "ml_manager key",
    )
    assert audit.before == {"status": "unread"}
    assert audit.after == {"status": "actioned", "promoted_version": None}
    assert audit.note == "Reviewed backtest, approved"

    # A second action, by anyone, is refused and changes nothing.
    for action in ("dismiss", "approve"):
        again = await client.patch(
            f"{API}/{alert_id}/action", json={"action": action}, headers=tenant_a.headers()
        )
        assert again.status_code == 409
        assert "already actioned" in again.json()["detail"]
    stored = (await client.get(f"{API}/{alert_id}", headers=tenant_a.headers())).json()
    assert {k: stored[k] for k in ("status", "actioned_by", "action_notes")} == {
        "status": "actioned",
        "actioned_by": "ml_manager key",
        "action_notes": "Reviewed backtest, approved",
    }
    assert len(await _audit_rows(sessionmaker, tenant_a, alert_id)) == 1


async def test_admin_dismisses_a_read_alert(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(
        sessionmaker, tenant_a, "Info", Severity.INFO, status=MLAlertStatus.READ
    )
    response = await client.patch(
        f"{API}/{alert_id}/action", json={"action": "dismiss"}, headers=tenant_a.headers()
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["actioned_by"], body["action_notes"]) == (
        "dismissed",
        "admin key",
        None,
    )
    [audit] = await _audit_rows(sessionmaker, tenant_a, alert_id)
    assert (audit.action, audit.before, audit.after) == (
        "ml_alert.dismiss",
        {"status": "read"},
        {"status": "dismissed", "promoted_version": None},
    )


async def test_bad_action_is_422_naming_action_and_the_allowed_values(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(sessionmaker, tenant_a, "Accuracy", Severity.WARNING)
    url = f"{API}/{alert_id}/action"
    headers = tenant_a.headers(Role.ML_MANAGER)

    response = await client.patch(url, json={"action": "escalate"}, headers=headers)
    assert _problem_locations(response) == [["body", "action"]]
    message = response.json()["detail"][0]["message"]
    assert "'approve'" in message and "'dismiss'" in message
    assert _problem_locations(await client.patch(url, json={}, headers=headers)) == [
        ["body", "action"]
    ]
    misspelt = await client.patch(url, json={"action": "dismiss", "note": "x"}, headers=headers)
    assert _problem_locations(misspelt) == [["body", "note"]]
    too_long = await client.patch(
        url, json={"action": "dismiss", "notes": "x" * 2001}, headers=headers
    )
    assert _problem_locations(too_long) == [["body", "notes"]]

    stored = (await client.get(f"{API}/{alert_id}", headers=headers)).json()
    assert (stored["status"], stored["actioned_at"]) == ("unread", None)
    assert await _audit_rows(sessionmaker, tenant_a, alert_id) == []


async def test_viewers_and_planners_cannot_act(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    alert_id = await _alert(sessionmaker, tenant_a, "Accuracy", Severity.WARNING)
    for role in (Role.VIEWER, Role.PLANNER):
        response = await client.patch(
            f"{API}/{alert_id}/action",
            json={"action": "approve"},
            headers=tenant_a.headers(role),
        )
        assert response.status_code == 403
        assert response.json()["error"] == "Forbidden"
        assert "ml_manager" in response.json()["detail"]
    stored = (await client.get(f"{API}/{alert_id}", headers=tenant_a.headers())).json()
    assert stored["status"] == "unread"


async def test_other_tenant_cannot_see_read_or_act(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    ids = await _fixture_alerts(sessionmaker, tenant_a)
    alert_id = ids["new critical"]
    before = (await client.get(f"{API}/{alert_id}", headers=tenant_a.headers())).json()
    b_admin = tenant_b.headers(Role.ADMIN)

    listed = (await client.get(API, headers=b_admin)).json()
    assert (listed["items"], listed["total"]) == ([], 0)
    stats = (await client.get(f"{API}/stats", headers=b_admin)).json()
    assert stats["total_unread"] == 0
    assert set(stats["by_status"].values()) == {0}
    for response in [
        await client.get(f"{API}/{alert_id}", headers=b_admin),
        await client.patch(f"{API}/{alert_id}/read", headers=b_admin),
        await client.patch(f"{API}/{alert_id}/action", json={"action": "dismiss"}, headers=b_admin),
    ]:
        assert response.status_code == 404
        # The same answer as for an id nobody has.
        assert response.json() == {"error": "NotFound", "detail": f"no ML alert with id {alert_id}"}
    assert (await client.get(f"{API}/{alert_id}", headers=tenant_a.headers())).json() == before


# --- seed 003's SQL -------------------------------------------------------------------

SEED_UNREAD_SQL = """
SELECT
    alert_type,
    severity,
    title,
    message,
    action_url,
    created_at
FROM ml_alerts
WHERE
    customer_id = '{customer_id}'
    AND status = 'unread'
ORDER BY severity DESC, created_at DESC;"""


async def test_seed_unread_sql_finds_the_alerts_the_api_lists_as_unread(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
    backend: str,
) -> None:
    await _fixture_alerts(sessionmaker, tenant_a)
    await _alert(sessionmaker, tenant_b, "B's critical", Severity.CRITICAL)
    # The tenant id as each database stores it: a uuid on PostgreSQL; SQLAlchemy's Uuid
    # type keeps 32 hex digits without dashes on SQLite.
    literal = str(tenant_a.customer_id) if backend == "postgres" else tenant_a.customer_id.hex
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = (await session.execute(text(SEED_UNREAD_SQL.format(customer_id=literal)))).all()

    api = (await client.get(API, params={"status": "unread"}, headers=tenant_a.headers())).json()
    assert sorted(row.title for row in rows) == sorted(_titles(api))
    assert len(rows) == 4
    assert {row.action_url for row in rows} == {"/models/health"}
    # The documented difference: the seed sorts severity as text, the API by rank.
    assert [row.severity for row in rows] == ["warning", "info", "critical", "critical"]
    assert [item["severity"] for item in api["items"]] == [
        "critical",
        "critical",
        "warning",
        "info",
    ]
