"""Reorder policies and service-level targets through the API: reading, overriding the
service level (validated, audited, recomputed, kept by the daily job), targets by
category or product, roles and tenant isolation."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import AuditLog, Role, ServiceLevelTarget
from shelfops.replenishment.service import run_replenishment
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h
from tests.replenishment.db_helpers import expected

Sessions = async_sessionmaker[AsyncSession]
API = "/api/v1/reorder-policies"
TARGETS = "/api/v1/service-level-targets"


async def _policy_id(sessions: Sessions, chain: h.Chain, store: str, product: str) -> int:
    return (await h.policies(sessions, chain))[(store, product)].policy_id


async def _audit(sessions: Sessions, tenant: Tenant, resource_type: str) -> list[AuditLog]:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(
                AuditLog.customer_id == tenant.customer_id, AuditLog.resource_type == resource_type
            )
            .order_by(AuditLog.created_at)
        )
        return list(rows)


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed"
    return [str(p["location"][-1]) for p in body["detail"]]


async def test_policies_list_and_read_with_their_inputs(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    viewer = tenant_a.headers(Role.VIEWER)

    body = (await client.get(API, headers=viewer)).json()
    assert body["total"] == 6
    assert [i["product_code"] for i in body["items"]] == sorted(
        i["product_code"] for i in body["items"]
    )
    s2 = (await client.get(API, params={"store_id": chain.stores["S2"]}, headers=viewer)).json()
    assert {i["store_code"] for i in s2["items"]} == {"S2"} and s2["total"] == 3
    p1 = (await client.get(API, params={"product_id": chain.products["P1"]}, headers=viewer)).json()
    assert sorted(i["store_code"] for i in p1["items"]) == ["S1", "S2"]

    policy_id = await _policy_id(sessionmaker, chain, "S1", "P1")
    one = await client.get(f"{API}/{policy_id}", headers=viewer)
    assert one.status_code == 200
    policy = one.json()
    want = expected("S1", "P1")
    assert policy["reorder_point"] == pytest.approx(want.reorder_point)
    assert policy["service_level"] == h.DAIRY_TARGET[0]
    assert policy["details"]["error_source"] == "measured"
    assert policy["details"]["forecast_source"] == "champion"
    assert (await client.get(f"{API}/999999999", headers=viewer)).status_code == 404


async def test_override_validates_records_and_recomputes(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    policy_id = await _policy_id(sessionmaker, chain, "S1", "P1")
    url = f"{API}/{policy_id}"
    planner = tenant_a.headers(Role.PLANNER)
    before = (await client.get(url, headers=planner)).json()

    for bad in (0, 1, 1.5, -0.2, "high"):
        response = await client.patch(url, json={"service_level": bad}, headers=planner)
        assert _fields(response) == ["service_level"], bad
    assert _fields(
        await client.patch(url, json={"service_level": 0.9, "kind": "cycle"}, headers=planner)
    ) == ["kind"]
    assert _fields(
        await client.patch(
            url, json={"service_level": 0.9, "service_level_kind": "always"}, headers=planner
        )
    ) == ["service_level_kind"]
    assert _fields(await client.patch(url, json={}, headers=planner)) == ["service_level"]
    assert _fields(
        await client.patch(
            url, json={"service_level": None, "service_level_kind": "cycle"}, headers=planner
        )
    ) == ["service_level_kind"]
    # A viewer may not; nothing changed by any of the refused requests.
    denied = await client.patch(
        url, json={"service_level": 0.99}, headers=tenant_a.headers(Role.VIEWER)
    )
    assert denied.status_code == 403
    assert (await client.get(url, headers=planner)).json() == before
    assert await _audit(sessionmaker, tenant_a, "reorder_policy") == []

    done = await client.patch(
        url, json={"service_level": 0.99, "service_level_kind": "cycle"}, headers=planner
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["service_level"] == 0.99 and body["service_level_overridden"] is True
    assert body["recomputed"] is True
    # The numbers are those of the policy math at the new level, computed now.
    want = expected("S1", "P1", service_level=0.99)
    assert body["safety_stock"] == pytest.approx(want.safety_stock)
    assert body["reorder_point"] == pytest.approx(want.reorder_point)
    assert body["reorder_point"] > before["reorder_point"]
    assert body["details"]["service_level_source"] == "override"
    [row] = await _audit(sessionmaker, tenant_a, "reorder_policy")
    assert row.action == "reorder_policy.override"
    assert row.before is not None and row.before["service_level"] == h.DAIRY_TARGET[0]
    assert row.after is not None and row.after["service_level"] == 0.99
    assert row.actor == "planner key"

    # The daily job keeps the override.
    await run_replenishment(sessionmaker, migrated, customer_id=tenant_a.customer_id, as_of=h.AS_OF)
    kept = (await client.get(url, headers=planner)).json()
    assert kept["service_level"] == 0.99 and kept["service_level_overridden"] is True
    assert kept["reorder_point"] == pytest.approx(want.reorder_point)
    # The list filters on it, both ways.
    for overridden, ids in (("true", [policy_id]), ("false", None)):
        listed = await client.get(API, params={"overridden": overridden}, headers=planner)
        listed_ids = [i["policy_id"] for i in listed.json()["items"]]
        if ids is not None:
            assert listed_ids == ids
        else:
            assert len(listed_ids) == 5 and policy_id not in listed_ids

    # null removes it: the category target applies again.
    cleared = await client.patch(url, json={"service_level": None}, headers=planner)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["service_level"] == h.DAIRY_TARGET[0]
    assert cleared.json()["service_level_overridden"] is False
    assert cleared.json()["reorder_point"] == pytest.approx(expected("S1", "P1").reorder_point)
    actions = [r.action for r in await _audit(sessionmaker, tenant_a, "reorder_policy")]
    assert actions == ["reorder_policy.override", "reorder_policy.clear_override"]


async def test_fill_rate_override_uses_the_fill_rate_formula(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    policy_id = await _policy_id(sessionmaker, chain, "S2", "P1")
    response = await client.patch(
        f"{API}/{policy_id}",
        json={"service_level": 0.995, "service_level_kind": "fill_rate"},
        headers=tenant_a.headers(Role.PLANNER),
    )
    assert response.status_code == 200, response.text
    want = expected("S2", "P1", service_level=0.995, service_kind="fill_rate")
    assert response.json()["service_level_kind"] == "fill_rate"
    assert response.json()["safety_stock"] == pytest.approx(want.safety_stock)
    assert np.isfinite(want.safety_stock)


async def test_other_tenants_policies_are_404(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    policy_id = await _policy_id(sessionmaker, chain, "S1", "P1")
    b = tenant_b.headers(Role.ADMIN)
    assert (await client.get(f"{API}/{policy_id}", headers=b)).status_code == 404
    patched = await client.patch(f"{API}/{policy_id}", json={"service_level": 0.5}, headers=b)
    assert patched.status_code == 404
    assert (await client.get(API, headers=b)).json()["total"] == 0
    policy = (await h.policies(sessionmaker, chain))[("S1", "P1")]
    assert policy.service_level == h.DAIRY_TARGET[0] and not policy.service_level_overridden


async def test_service_level_targets_by_category_or_product(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    planner = tenant_a.headers(Role.PLANNER)

    listed = (await client.get(TARGETS, headers=tenant_a.headers(Role.VIEWER))).json()
    assert [(t["category"], t["product_code"]) for t in listed["items"]] == [
        ("Dairy", None),
        (None, "P2"),
    ]

    bakery = await client.put(
        TARGETS, json={"category": "Bakery", "service_level": 0.8}, headers=planner
    )
    assert bakery.status_code == 200, bakery.text
    assert bakery.json()["kind"] == "cycle"
    # PUT again replaces the same target rather than adding one.
    again = await client.put(
        TARGETS,
        json={"category": "Bakery", "service_level": 0.85, "kind": "fill_rate"},
        headers=planner,
    )
    assert again.json()["target_id"] == bakery.json()["target_id"]
    assert again.json()["service_level"] == 0.85
    product = await client.put(
        TARGETS,
        json={"product_id": chain.products["P1"], "service_level": 0.99},
        headers=planner,
    )
    assert product.status_code == 200 and product.json()["product_code"] == "P1"

    await run_replenishment(sessionmaker, migrated, customer_id=tenant_a.customer_id, as_of=h.AS_OF)
    stored = await h.policies(sessionmaker, chain)
    assert (stored[("S1", "P3")].service_level, stored[("S1", "P3")].service_level_kind) == (
        0.85,
        "fill_rate",
    )
    # The product's target beats its category's.
    assert stored[("S1", "P1")].service_level == 0.99
    assert stored[("S1", "P1")].details["service_level_source"] == "product"  # type: ignore[index]

    b_product = (await h.build_chain(sessionmaker, tenant_b)).products["P1"]
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"service_level": 0.9}, "body"),
        ({"category": "Dairy", "product_id": chain.products["P1"], "service_level": 0.9}, "body"),
        ({"category": "Dairy", "service_level": 1.0}, "service_level"),
        ({"category": "Toys", "service_level": 0.9}, "category"),
        ({"product_id": b_product, "service_level": 0.9}, "product_id"),
        ({"category": "Dairy", "service_level": 0.9, "kind": "sometimes"}, "kind"),
    ]
    for body, name in refusals:
        response = await client.put(TARGETS, json=body, headers=planner)
        assert response.status_code == 422, body
        assert name in _fields(response) or name == "body", body
    denied = await client.put(
        TARGETS,
        json={"category": "Dairy", "service_level": 0.5},
        headers=tenant_a.headers(Role.VIEWER),
    )
    assert denied.status_code == 403
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        dairy = await session.scalar(
            select(ServiceLevelTarget).where(
                ServiceLevelTarget.customer_id == tenant_a.customer_id,
                ServiceLevelTarget.category == "Dairy",
            )
        )
        assert dairy is not None and dairy.service_level == h.DAIRY_TARGET[0]

    target_id = bakery.json()["target_id"]
    other = await client.delete(f"{TARGETS}/{target_id}", headers=tenant_b.headers(Role.PLANNER))
    assert other.status_code == 404
    removed = await client.delete(f"{TARGETS}/{target_id}", headers=planner)
    assert removed.status_code == 204
    assert (await client.delete(f"{TARGETS}/{target_id}", headers=planner)).status_code == 404
    actions = [r.action for r in await _audit(sessionmaker, tenant_a, "service_level_target")]
    assert actions == [
        "service_level_target.put",
        "service_level_target.put",
        "service_level_target.put",
        "service_level_target.delete",
    ]


async def test_the_same_target_put_many_times_at_once_is_one_target(
    sessionmaker: Sessions, backend: str, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    # Two planners saving the same category at the same moment. Each PUT finds no row for
    # the new scope; without the tenant's target lock both inserted one (and the daily job
    # then failed on every run). The partial unique indexes refuse the second row.
    chain = await h.build_chain(sessionmaker, tenant_a)
    planner = tenant_a.headers(Role.PLANNER)
    bodies = [{"category": "Bakery", "service_level": 0.80 + i / 100} for i in range(6)]
    bodies += [
        {"product_id": chain.products["P2"], "service_level": 0.90 + i / 100} for i in range(6)
    ]
    answers = await asyncio.gather(*(client.put(TARGETS, json=b, headers=planner) for b in bodies))
    assert [a.status_code for a in answers] == [200] * len(bodies)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = list(
            await session.scalars(
                select(ServiceLevelTarget).where(
                    ServiceLevelTarget.customer_id == tenant_a.customer_id
                )
            )
        )
    scopes = [(t.category, t.product_id) for t in rows]
    assert len(scopes) == len(set(scopes))
    assert ("Bakery", None) in scopes and (None, chain.products["P2"]) in scopes
