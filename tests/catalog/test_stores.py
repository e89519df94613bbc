"""Stores through the API: create, read, list, change and delete, on both backends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.models import Role
from tests.catalog.helpers import (
    API,
    create,
    problem_fields,
    product_body,
    record_sale,
    store_body,
)
from tests.conftest import Tenant


async def test_created_store_is_returned_with_defaults_and_can_be_read_back(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    created = await create(
        client,
        tenant_a,
        "stores",
        store_body("  S001 ", region="North", city="Oslo", opened_on="2019-04-01"),
    )
    assert created["store_code"] == "S001"  # surrounding whitespace is not part of a code
    assert created["timezone"] == "UTC"
    assert created["is_active"] is True
    assert created["closed_on"] is None

    response = await client.get(
        f"{API}/stores/{created['store_id']}", headers=tenant_a.headers(Role.VIEWER)
    )
    assert response.status_code == 200
    assert response.json() == created


async def test_list_is_paginated_in_code_order_with_the_total_of_all_matches(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    for code in ["S005", "S002", "S004", "S001", "S003"]:
        await create(client, tenant_a, "stores", store_body(code))

    response = await client.get(
        f"{API}/stores", params={"limit": 2, "offset": 2}, headers=tenant_a.headers(Role.VIEWER)
    )
    assert response.status_code == 200
    page = response.json()
    assert [s["store_code"] for s in page["items"]] == ["S003", "S004"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)

    default = (await client.get(f"{API}/stores", headers=tenant_a.headers())).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (50, 0, 5)

    beyond = (
        await client.get(f"{API}/stores", params={"offset": 10}, headers=tenant_a.headers())
    ).json()
    assert beyond["items"] == [] and beyond["total"] == 5


async def test_list_filters_by_search_region_and_active(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await create(
        client, tenant_a, "stores", {"store_code": "N1", "name": "North Mall", "region": "North"}
    )
    await create(
        client,
        tenant_a,
        "stores",
        {"store_code": "N2", "name": "Harbour 100%", "region": "North", "is_active": False},
    )
    await create(
        client, tenant_a, "stores", {"store_code": "S1", "name": "South Plaza", "region": "South"}
    )

    async def codes(**params: Any) -> list[str]:
        response = await client.get(f"{API}/stores", params=params, headers=tenant_a.headers())
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == len(page["items"])
        return [s["store_code"] for s in page["items"]]

    assert await codes(q="mall") == ["N1"]  # case-insensitive, in the name
    assert await codes(q="s1") == ["S1"]  # in the code
    assert await codes(q="100%") == ["N2"]  # '%' is a literal, not a wildcard
    assert await codes(q="_") == []
    assert await codes(region="North") == ["N1", "N2"]
    assert await codes(active="false") == ["N2"]
    assert await codes(region="North", active="true") == ["N1"]


@pytest.mark.parametrize("limit", [0, 501, "many"])
async def test_limit_outside_1_to_500_is_rejected(
    client: httpx.AsyncClient, tenant_a: Tenant, limit: int | str
) -> None:
    response = await client.get(
        f"{API}/stores", params={"limit": limit}, headers=tenant_a.headers()
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"limit"}


async def test_patch_changes_only_the_fields_sent_and_null_clears_an_optional_one(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    store = await create(
        client, tenant_a, "stores", store_body("S1", region="North", city="Bergen")
    )
    url = f"{API}/stores/{store['store_id']}"
    planner = tenant_a.headers(Role.PLANNER)

    renamed = await client.patch(url, json={"name": "Bergen Centre"}, headers=planner)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Bergen Centre"
    assert renamed.json()["region"] == "North" and renamed.json()["city"] == "Bergen"
    assert renamed.json()["updated_at"] >= store["updated_at"]

    cleared = await client.patch(
        url, json={"city": None, "timezone": "Europe/Oslo"}, headers=planner
    )
    assert cleared.status_code == 200

    stored = (await client.get(url, headers=tenant_a.headers())).json()
    assert stored["city"] is None
    assert stored["timezone"] == "Europe/Oslo"
    assert (stored["name"], stored["region"], stored["store_code"]) == (
        "Bergen Centre",
        "North",
        "S1",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store_code": "", "name": "x"}, "store_code"),
        ({"store_code": "   ", "name": "x"}, "store_code"),
        ({"store_code": "S" * 65, "name": "x"}, "store_code"),
        ({"store_code": "S1"}, "name"),
        ({"store_code": "S1", "name": "x" * 201}, "name"),
        ({"store_code": "S1", "name": "x", "region": "r" * 101}, "region"),
        ({"store_code": "S1", "name": "x", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"store_code": "S1", "name": "x", "opened_on": "2024-13-01"}, "opened_on"),
        (
            {"store_code": "S1", "name": "x", "opened_on": "2024-05-02", "closed_on": "2024-05-01"},
            "closed_on",
        ),
        ({"store_code": "S1", "name": "x", "store_id": 7}, "store_id"),
    ],
)
async def test_invalid_store_is_422_naming_the_field_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant_a: Tenant, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{API}/stores", json=body, headers=tenant_a.headers())
    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}
    listed = (await client.get(f"{API}/stores", headers=tenant_a.headers())).json()
    assert listed["total"] == 0


async def test_longest_allowed_code_and_same_day_open_and_close_are_accepted(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    created = await create(
        client,
        tenant_a,
        "stores",
        store_body("S" * 64, opened_on="2024-05-01", closed_on="2024-05-01"),
    )
    assert created["store_code"] == "S" * 64


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"store_code": None}, "store_code"),
        ({"is_active": None}, "is_active"),
        ({"timezone": "Not/AZone"}, "timezone"),
        ({"closed_on": "2020-01-01"}, "closed_on"),  # before the stored opened_on
        ({"opened_on": "2030-01-01"}, "opened_on"),  # after the stored closed_on
    ],
)
async def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant, body: dict[str, Any], field: str
) -> None:
    store = await create(
        client, tenant_a, "stores", store_body(opened_on="2021-01-01", closed_on="2025-01-01")
    )
    url = f"{API}/stores/{store['store_id']}"
    response = await client.patch(url, json=body, headers=tenant_a.headers(Role.PLANNER))
    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}
    assert (await client.get(url, headers=tenant_a.headers())).json() == store


async def test_duplicate_code_is_409_on_create_and_on_rename(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await create(client, tenant_a, "stores", store_body("S1"))
    other = await create(client, tenant_a, "stores", store_body("S2"))

    again = await client.post(f"{API}/stores", json=store_body(" S1"), headers=tenant_a.headers())
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"
    assert "'S1'" in again.json()["detail"]

    rename = await client.patch(
        f"{API}/stores/{other['store_id']}", json={"store_code": "S1"}, headers=tenant_a.headers()
    )
    assert rename.status_code == 409
    listed = (await client.get(f"{API}/stores", headers=tenant_a.headers())).json()
    assert [s["store_code"] for s in listed["items"]] == ["S1", "S2"]

    # Re-sending a store's own code is not a conflict.
    same = await client.patch(
        f"{API}/stores/{other['store_id']}", json={"store_code": "S2"}, headers=tenant_a.headers()
    )
    assert same.status_code == 200


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_store_id_is_404(
    client: httpx.AsyncClient, tenant_a: Tenant, method: str
) -> None:
    response = await client.request(
        method, f"{API}/stores/987654321", json={"name": "x"}, headers=tenant_a.headers()
    )
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "no store with id 987654321"}


async def test_store_without_history_is_deleted(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    store = await create(client, tenant_a, "stores", store_body())
    url = f"{API}/stores/{store['store_id']}"
    response = await client.delete(url, headers=tenant_a.headers(Role.ADMIN))
    assert response.status_code == 204
    assert (await client.get(url, headers=tenant_a.headers())).status_code == 404
    # The code is free again.
    await create(client, tenant_a, "stores", store_body())


async def test_store_with_sales_is_not_deleted_but_can_be_deactivated(
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    store = await create(client, tenant_a, "stores", store_body())
    product = await create(client, tenant_a, "products", product_body())
    await record_sale(
        sessionmaker, tenant_a, store_id=store["store_id"], product_id=product["product_id"]
    )
    url = f"{API}/stores/{store['store_id']}"

    response = await client.delete(url, headers=tenant_a.headers(Role.ADMIN))
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    assert "sales" in response.json()["detail"]
    assert "is_active=false" in response.json()["detail"]
    assert (await client.get(url, headers=tenant_a.headers())).json() == store

    retired = await client.patch(url, json={"is_active": False}, headers=tenant_a.headers())
    assert retired.status_code == 200
    inactive = (
        await client.get(f"{API}/stores", params={"active": False}, headers=tenant_a.headers())
    ).json()
    assert [s["store_id"] for s in inactive["items"]] == [store["store_id"]]


@pytest.mark.parametrize("store_id", ["0", "9223372036854775808", "abc"])
async def test_id_that_cannot_exist_is_422_naming_it(
    client: httpx.AsyncClient, tenant_a: Tenant, store_id: str
) -> None:
    # Out of the 64-bit id range: rejected up front rather than overflowing in the database.
    response = await client.get(f"{API}/stores/{store_id}", headers=tenant_a.headers())
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"store_id"}
