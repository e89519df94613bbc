"""The inventory list and summary: the daily run's numbers, filters, sorting, pagination,
roles and tenant isolation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import Product, ReorderPolicy, Role
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h

Sessions = async_sessionmaker[AsyncSession]
API = "/api/v1/inventory"
COST = {"P1": 2.0, "P2": 5.0, "P3": 1.0}


async def _get(client: httpx.AsyncClient, tenant: Tenant, path: str = "", **params: Any) -> Any:
    response = await client.get(API + path, params=params, headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return response.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [f"{i['store_code']}|{i['product_code']}" for i in body["items"]]


async def test_summary_counts_statuses_value_and_items_below_reorder_point(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    stored = await h.policies(sessionmaker, chain)

    body = await _get(client, tenant_a, "/summary")
    statuses = [p.stock_status for p in stored.values()]
    assert body["items"] == len(stored) == 6
    assert body["by_status"] == {
        s: statuses.count(s) for s in ("out_of_stock", "critical", "low", "ok")
    }
    value = sum((p.details or {})["on_hand"] * COST[code[1]] for code, p in stored.items())
    assert body["total_on_hand_value"] == pytest.approx(value)
    below = sum(
        1
        for p in stored.values()
        if p.inventory_position is not None
        and p.reorder_point is not None
        and p.inventory_position <= p.reorder_point
    )
    assert body["below_reorder_point"] == below
    assert below > 0 and body["computed_at"] is not None

    bakery = await _get(client, tenant_a, "/summary", category="Bakery")
    assert bakery["items"] == 2  # S1|P3, S2|P3
    s2 = await _get(client, tenant_a, "/summary", store_id=chain.stores["S2"])
    assert s2["items"] == 3


async def test_list_filters_search_sort_and_pages(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    stored = await h.policies(sessionmaker, chain)

    # Default: the fewest days of supply first.
    body = await _get(client, tenant_a)
    assert body["total"] == 6
    supply = [i["days_of_supply"] for i in body["items"]]
    assert supply == sorted(supply)
    first = body["items"][0]
    assert (first["store_code"], first["product_code"]) == ("S1", "P1")  # 0.4 days
    assert first["on_hand"] == 2.0 and first["on_hand_value"] == 4.0
    assert first["recommended_quantity"] == stored[("S1", "P1")].recommended_quantity
    assert first["policy_id"] == stored[("S1", "P1")].policy_id

    critical = await _get(client, tenant_a, status="critical")
    assert set(_codes(critical)) == {
        "|".join(code) for code, p in stored.items() if p.stock_status == "critical"
    }
    s1 = await _get(client, tenant_a, store_id=chain.stores["S1"])
    assert {i["store_code"] for i in s1["items"]} == {"S1"} and s1["total"] == 3
    # The same filters with another value (a page's statement is built once per shape).
    s2 = await _get(client, tenant_a, store_id=chain.stores["S2"])
    assert {i["store_code"] for i in s2["items"]} == {"S2"} and s2["total"] == 3
    bakery = await _get(client, tenant_a, category="Bakery")
    assert sorted(_codes(bakery)) == ["S1|P3", "S2|P3"]
    # q matches the product code or name, case-insensitively.
    assert sorted(_codes(await _get(client, tenant_a, q="YOGURT"))) == ["S1|P2", "S2|P2"]
    assert sorted(_codes(await _get(client, tenant_a, q="p3"))) == ["S1|P3", "S2|P3"]
    # LIKE's wildcards in q are plain characters (no code or name holds them).
    for literal in ("%", "_", "P_", "\\"):
        assert (await _get(client, tenant_a, q=literal))["total"] == 0, literal

    by_value = await _get(client, tenant_a, sort="value")
    values = [i["on_hand_value"] for i in by_value["items"]]
    assert values == sorted(values, reverse=True)
    assert _codes(by_value)[0] == "S1|P2"  # 100 × 5.00
    ascending = await _get(client, tenant_a, sort="value", order="asc")
    assert [i["on_hand_value"] for i in ascending["items"]] == sorted(values)
    by_code = await _get(client, tenant_a, sort="product_code", order="desc")
    assert [i["product_code"] for i in by_code["items"]] == sorted(
        (i["product_code"] for i in by_code["items"]), reverse=True
    )

    pages = [await _get(client, tenant_a, limit=2, offset=o) for o in (0, 2, 4)]
    assert all(p["total"] == 6 and p["limit"] == 2 for p in pages)
    assert [code for p in pages for code in _codes(p)] == _codes(body)


async def test_value_sort_pages_with_ties_no_counts_and_a_free_product(
    sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    # PostgreSQL reads the highest values product by product (repository._highest_
    # values), SQLite sorts every policy: both must give this order, worked by hand.
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    stored = await h.policies(sessionmaker, chain)
    on_hand = {
        ("S1", "P1"): 5.0,  # value 10 (P1 costs 2)
        ("S2", "P1"): None,  # no count: value 0, on hand 0
        ("S1", "P2"): 2.0,  # value 10 (P2 costs 5): ties S1|P1, which has more on hand
        ("S2", "P2"): 0.0,  # value 0, on hand 0: ties S2|P1, ordered by id
        ("S1", "P3"): 40.0,  # P3 made free below: value 0, on hand 40
        ("S2", "P3"): 3.0,  # value 0, on hand 3
    }
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        for code, units in on_hand.items():
            policy = stored[code]
            details = {k: v for k, v in (policy.details or {}).items() if k != "on_hand"}
            if units is not None:
                details["on_hand"] = units
            await session.execute(
                update(ReorderPolicy)
                .where(ReorderPolicy.policy_id == policy.policy_id)
                .values(details=details)
            )
        await session.execute(
            update(Product).where(Product.product_id == chain.products["P3"]).values(unit_cost=0.0)
        )
    lower_id_first = sorted([("S2", "P1"), ("S2", "P2")], key=lambda code: stored[code].policy_id)
    expected = ["S1|P1", "S1|P2", "S1|P3", "S2|P3"] + ["|".join(c) for c in lower_id_first]

    whole = await _get(client, tenant_a, sort="value")
    assert _codes(whole) == expected
    value = {"S1|P1": 10.0, "S1|P2": 10.0, "S1|P3": 0.0, "S2|P3": 0.0, "S2|P2": 0.0}
    assert [i["on_hand_value"] for i in whole["items"]] == [value.get(c) for c in expected]
    for limit in (1, 2, 4):
        for offset in range(0, 7):
            page = await _get(client, tenant_a, sort="value", limit=limit, offset=offset)
            assert _codes(page) == expected[offset : offset + limit], (limit, offset)
    dairy = [c for c in expected if c.endswith(("P1", "P2"))]
    for offset in range(0, 5):
        page = await _get(client, tenant_a, sort="value", category="Dairy", limit=1, offset=offset)
        assert _codes(page) == dairy[offset : offset + 1] and page["total"] == 4


async def test_bad_filters_are_422_naming_the_parameter(
    tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    for params, name in (
        ({"status": "empty"}, "status"),
        ({"sort": "price"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"limit": 0}, "limit"),
        ({"store_id": 0}, "store_id"),
    ):
        response = await client.get(API, params=params, headers=tenant_a.headers(Role.VIEWER))
        assert response.status_code == 422, params
        body = response.json()
        assert body["error"] == "ValidationFailed"
        assert [p["location"][-1] for p in body["detail"]] == [name]


async def test_inventory_is_per_tenant_and_needs_a_key(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    other = await _get(client, tenant_b)
    assert other["total"] == 0 and other["items"] == []
    # Filtering by another tenant's store finds nothing rather than its rows.
    assert (await _get(client, tenant_b, store_id=chain.stores["S1"]))["total"] == 0
    summary = await _get(client, tenant_b, "/summary")
    assert summary["items"] == 0 and summary["total_on_hand_value"] == 0
    assert (await client.get(API)).status_code == 401
    assert (await client.get(API + "/summary")).status_code == 401


async def test_offset_past_64_bits_is_422_and_the_largest_is_an_empty_page(
    tenant_a: Tenant, client: httpx.AsyncClient
) -> None:
    # SQL OFFSET is a 64-bit integer: one more used to crash the database driver (a 500).
    headers = tenant_a.headers(Role.VIEWER)

    too_far = await client.get(API, params={"offset": 2**63}, headers=headers)
    assert too_far.status_code == 422, too_far.text
    assert [p["location"] for p in too_far.json()["detail"]] == [["query", "offset"]]

    furthest = await client.get(API, params={"offset": 2**63 - 1}, headers=headers)
    assert furthest.status_code == 200, furthest.text
    assert (furthest.json()["items"], furthest.json()["offset"]) == ([], 2**63 - 1)
