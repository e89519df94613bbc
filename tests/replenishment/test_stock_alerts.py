"""Stock alerts through the API: list with filters, the acknowledge / resolve / dismiss
flows (illegal moves are 409 and change nothing), audit rows, roles, tenant isolation,
and the database refusing a duplicate open alert."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import AuditLog, Role
from shelfops.models.base import utcnow
from shelfops.replenishment import repository
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h

Sessions = async_sessionmaker[AsyncSession]
API = "/api/v1/alerts"


async def _list(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> dict[str, Any]:
    response = await client.get(API, params=params, headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _alert_id(client: httpx.AsyncClient, tenant: Tenant, key: str) -> str:
    for item in (await _list(client, tenant, limit=500))["items"]:
        if item["dedupe_key"] == key:
            return str(item["alert_id"])
    raise AssertionError(f"no alert {key}")


async def test_alerts_list_most_severe_first_with_filters(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    stored = await h.alerts(sessionmaker, tenant_a)

    body = await _list(client, tenant_a)
    assert body["total"] == len(stored) > 0
    rank = {"critical": 3, "warning": 2, "info": 1}
    ranks = [rank[i["severity"]] for i in body["items"]]
    assert ranks == sorted(ranks, reverse=True)
    first = body["items"][0]
    assert first["severity"] == "critical" and first["status"] == "open"
    assert first["store_code"] and first["product_code"] and first["product_name"]
    assert first["metadata"]["lead_time_days"] > 0

    stockouts = await _list(client, tenant_a, type="stockout_predicted")
    assert {i["alert_type"] for i in stockouts["items"]} == {"stockout_predicted"}
    assert stockouts["total"] == sum(a.alert_type == "stockout_predicted" for a in stored)
    info = await _list(client, tenant_a, severity="info")
    assert {i["alert_type"] for i in info["items"]} == {"reorder_recommended"}
    s2 = await _list(client, tenant_a, store_id=chain.stores["S2"])
    assert {i["store_code"] for i in s2["items"]} == {"S2"}
    p2 = await _list(client, tenant_a, product_id=chain.products["P2"])
    assert {i["product_code"] for i in p2["items"]} == {"P2"}
    assert (await _list(client, tenant_a, status="resolved"))["total"] == 0
    both = await _list(client, tenant_a, status=["open", "acknowledged"])
    assert both["total"] == len(stored)
    page = await _list(client, tenant_a, limit=2, offset=1)
    assert [i["alert_id"] for i in page["items"]] == [i["alert_id"] for i in body["items"][1:3]]
    bad = await client.get(API, params={"status": "closed"}, headers=tenant_a.headers(Role.VIEWER))
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["location"][:2] == ["query", "status"]
    # A misspelt type would otherwise match nothing and look like "no alerts".
    typo = await client.get(API, params={"type": "stockout"}, headers=tenant_a.headers(Role.VIEWER))
    assert typo.status_code == 422
    assert typo.json()["detail"][0]["location"] == ["query", "type"]
    assert "integration_sla_breach" in typo.json()["detail"][0]["message"]


async def test_alert_flows_and_illegal_moves(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    planner = tenant_a.headers(Role.PLANNER)
    s1p1 = f"{chain.stores['S1']}:{chain.products['P1']}"
    s2p2 = f"{chain.stores['S2']}:{chain.products['P2']}"
    stockout = await _alert_id(client, tenant_a, f"stockout_predicted:{s1p1}")
    reorder = await _alert_id(client, tenant_a, f"reorder_recommended:{s1p1}")
    other = await _alert_id(client, tenant_a, f"stockout_predicted:{s2p2}")

    # open → acknowledged → resolved
    ack = await client.patch(
        f"{API}/{stockout}/acknowledge", json={"notes": "calling the DC"}, headers=planner
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "acknowledged" and ack.json()["acknowledged_at"]
    again = await client.patch(f"{API}/{stockout}/acknowledge", headers=planner)
    assert again.status_code == 409
    assert "acknowledged" in again.json()["detail"]
    resolved = await client.patch(f"{API}/{stockout}/resolve", headers=planner)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_at"]
    # Final: nothing moves it any more, and a refused move changes nothing.
    for action in ("acknowledge", "resolve", "dismiss"):
        response = await client.patch(f"{API}/{stockout}/{action}", headers=planner)
        assert response.status_code == 409, action
        assert response.json()["error"] == "Conflict"
    now = (await client.get(f"{API}/{stockout}", headers=planner)).json()
    assert now["status"] == "resolved"

    # open → dismissed directly; open → resolved directly.
    dismissed = await client.patch(f"{API}/{reorder}/dismiss", headers=planner)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert (await client.patch(f"{API}/{reorder}/acknowledge", headers=planner)).status_code == 409
    direct = await client.patch(f"{API}/{other}/resolve", headers=planner)
    assert direct.status_code == 200

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = list(
            await session.scalars(
                select(AuditLog)
                .where(
                    AuditLog.customer_id == tenant_a.customer_id,
                    AuditLog.resource_type == "stock_alert",
                )
                .order_by(AuditLog.created_at)
            )
        )
    assert [(r.action, r.resource_id) for r in rows] == [
        ("stock_alert.acknowledge", stockout),
        ("stock_alert.resolve", stockout),
        ("stock_alert.dismiss", reorder),
        ("stock_alert.resolve", other),
    ]
    assert rows[0].note == "calling the DC" and rows[0].actor == "planner key"
    assert rows[0].before == {"status": "open"} and rows[0].after == {"status": "acknowledged"}


async def test_alert_actions_need_a_planner_and_the_tenants_own_alert(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
) -> None:
    await h.planned(sessionmaker, migrated, tenant_a)
    alert_id = (await _list(client, tenant_a))["items"][0]["alert_id"]

    viewer = await client.patch(
        f"{API}/{alert_id}/acknowledge", headers=tenant_a.headers(Role.VIEWER)
    )
    assert viewer.status_code == 403
    for action in ("acknowledge", "resolve", "dismiss"):
        response = await client.patch(
            f"{API}/{alert_id}/{action}", headers=tenant_b.headers(Role.ADMIN)
        )
        assert response.status_code == 404, action
    assert (await client.get(f"{API}/{alert_id}", headers=tenant_b.headers())).status_code == 404
    assert (await _list(client, tenant_b))["total"] == 0
    unknown = await client.patch(
        f"{API}/{uuid.uuid4()}/resolve", headers=tenant_a.headers(Role.PLANNER)
    )
    assert unknown.status_code == 404
    typo = await client.patch(
        f"{API}/{alert_id}/resolve", json={"note": "x"}, headers=tenant_a.headers(Role.PLANNER)
    )
    assert typo.status_code == 422
    still = (await client.get(f"{API}/{alert_id}", headers=tenant_a.headers())).json()
    assert still["status"] == "open"


async def test_the_database_refuses_a_second_open_alert_with_the_same_key(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    store, product = chain.key("S1", "P1")

    def row(message: str) -> dict[str, Any]:
        return {
            "alert_id": uuid.uuid4(),
            "customer_id": tenant_a.customer_id,
            "store_id": store,
            "product_id": product,
            "alert_type": "stockout_predicted",
            "severity": "warning",
            "message": message,
            "alert_metadata": {},
            "dedupe_key": f"stockout_predicted:{store}:{product}",
            "status": "open",
            "created_at": utcnow(),
        }

    # Two jobs racing: each inserts "unless open"; only the first lands.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await repository.insert_alerts_unless_open(session, [row("first")])
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await repository.insert_alerts_unless_open(session, [row("second")])
    stored = await h.alerts(sessionmaker, tenant_a)
    assert [a.message for a in stored] == ["first"]


async def test_auto_resolving_leaves_an_alert_a_person_closed_meanwhile(
    sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    # The daily job reads the open alerts at its start and resolves the cleared ones at its
    # end; a planner who dismissed one in between keeps the dismissal (and its audit row
    # stays true), while an alert still open or acknowledged is resolved.
    chain = await h.build_chain(sessionmaker, tenant_a)
    ids = {}
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        for product, status in (("P1", "dismissed"), ("P2", "acknowledged"), ("P3", "open")):
            store_id, product_id = chain.key("S1", product)
            ids[product] = uuid.uuid4()
            await repository.insert_alerts_unless_open(
                session,
                [
                    {
                        "alert_id": ids[product],
                        "customer_id": tenant_a.customer_id,
                        "store_id": store_id,
                        "product_id": product_id,
                        "alert_type": "stockout_predicted",
                        "severity": "warning",
                        "message": product,
                        "alert_metadata": {},
                        "dedupe_key": f"stockout_predicted:{store_id}:{product_id}",
                        "status": status,
                        "created_at": utcnow(),
                    }
                ],
            )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await repository.update_alerts(
            session,
            [{"alert_id": alert_id, "status": "resolved"} for alert_id in ids.values()],
            only_if_status=repository.OPEN_ALERT_STATUSES,
        )
    stored = {a.message: a.status for a in await h.alerts(sessionmaker, tenant_a)}
    assert stored == {"P1": "dismissed", "P2": "resolved", "P3": "resolved"}
