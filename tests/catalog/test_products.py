"""Products through the API: the supplier is named by its code, and history is kept."""

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
    supplier_body,
)
from tests.conftest import Tenant


async def test_product_names_its_supplier_by_code_in_every_read(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    supplier = await create(client, tenant_a, "suppliers", supplier_body("V1"))
    product = await create(
        client, tenant_a, "products", product_body("P1", supplier_code="V1", pack_size=12)
    )
    assert product["supplier_code"] == "V1"
    assert product["supplier_id"] == supplier["supplier_id"]
    assert (product["pack_size"], product["unit_cost"], product["unit_price"]) == (12, 0.8, 1.49)

    viewer = tenant_a.headers(Role.VIEWER)
    fetched = await client.get(f"{API}/products/{product['product_id']}", headers=viewer)
    assert fetched.json() == product
    listed = (await client.get(f"{API}/products", headers=viewer)).json()
    assert listed["items"] == [product]


async def test_product_without_supplier_gets_defaults(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    product = await create(client, tenant_a, "products", product_body())
    assert product["supplier_code"] is None and product["supplier_id"] is None
    assert product["pack_size"] == 1
    assert product["is_active"] is True


async def test_unknown_supplier_code_is_422_and_stores_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.post(
        f"{API}/products", json=product_body(supplier_code="NOPE"), headers=tenant_a.headers()
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"supplier_code"}
    assert "'NOPE'" in response.json()["detail"][0]["message"]
    assert (await client.get(f"{API}/products", headers=tenant_a.headers())).json()["total"] == 0


async def test_another_tenants_supplier_code_cannot_be_used(
    client: httpx.AsyncClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    await create(client, tenant_a, "suppliers", supplier_body("ONLY-A"))
    response = await client.post(
        f"{API}/products", json=product_body(supplier_code="ONLY-A"), headers=tenant_b.headers()
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"supplier_code"}


async def test_patch_moves_and_unlinks_the_supplier_and_keeps_other_fields(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await create(client, tenant_a, "suppliers", supplier_body("V1"))
    second = await create(client, tenant_a, "suppliers", supplier_body("V2"))
    product = await create(client, tenant_a, "products", product_body(supplier_code="V1"))
    url = f"{API}/products/{product['product_id']}"
    planner = tenant_a.headers(Role.PLANNER)

    moved = await client.patch(
        url, json={"supplier_code": "V2", "unit_price": 1.99}, headers=planner
    )
    assert moved.status_code == 200
    assert (moved.json()["supplier_code"], moved.json()["supplier_id"]) == (
        "V2",
        second["supplier_id"],
    )
    assert moved.json()["unit_price"] == 1.99
    assert moved.json()["unit_cost"] == product["unit_cost"]

    unlinked = await client.patch(url, json={"supplier_code": None}, headers=planner)
    assert unlinked.status_code == 200
    stored = (await client.get(url, headers=tenant_a.headers())).json()
    assert stored["supplier_code"] is None and stored["supplier_id"] is None
    assert stored["unit_price"] == 1.99

    bad = await client.patch(url, json={"supplier_code": "V9"}, headers=planner)
    assert bad.status_code == 422
    assert (await client.get(url, headers=tenant_a.headers())).json() == stored


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"unit_cost": -0.01}, "unit_cost"),
        ({"unit_price": -1}, "unit_price"),
        ({"pack_size": 0}, "pack_size"),
        ({"pack_size": 2.5}, "pack_size"),
        ({"pack_size": 2**31}, "pack_size"),
        ({"category": ""}, "category"),
        ({"department": "d" * 101}, "department"),
        ({"product_code": "P" * 65}, "product_code"),
        ({"launched_on": "2024-05-01", "discontinued_on": "2024-05-01"}, "discontinued_on"),
        ({"supplier_id": 1}, "supplier_id"),  # suppliers are named by code, never by id
    ],
)
async def test_invalid_product_is_422_naming_the_field(
    client: httpx.AsyncClient, tenant_a: Tenant, fields: dict[str, Any], field: str
) -> None:
    response = await client.post(
        f"{API}/products", json=product_body(**fields), headers=tenant_a.headers()
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}


async def test_missing_price_is_422(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    body = product_body()
    del body["unit_price"]
    response = await client.post(f"{API}/products", json=body, headers=tenant_a.headers())
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"unit_price"}


async def test_patch_discontinuation_is_checked_against_the_stored_launch(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    product = await create(client, tenant_a, "products", product_body(launched_on="2024-05-01"))
    url = f"{API}/products/{product['product_id']}"
    same_day = await client.patch(
        url, json={"discontinued_on": "2024-05-01"}, headers=tenant_a.headers()
    )
    assert same_day.status_code == 422
    assert problem_fields(same_day.json()) == {"discontinued_on"}
    next_day = await client.patch(
        url, json={"discontinued_on": "2024-05-02"}, headers=tenant_a.headers()
    )
    assert next_day.status_code == 200
    assert next_day.json()["discontinued_on"] == "2024-05-02"


async def test_list_filters_by_search_category_department_and_active(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await create(client, tenant_a, "products", product_body("MILK-1", name="Whole milk 1L"))
    await create(
        client,
        tenant_a,
        "products",
        product_body("CHEESE-1", name="Gouda", category="Cheese", is_active=False),
    )
    await create(
        client,
        tenant_a,
        "products",
        product_body("SOAP-1", name="Hand soap", category="Soap", department="Household"),
    )

    async def codes(**params: Any) -> list[str]:
        response = await client.get(f"{API}/products", params=params, headers=tenant_a.headers())
        assert response.status_code == 200, response.text
        return [p["product_code"] for p in response.json()["items"]]

    assert await codes() == ["CHEESE-1", "MILK-1", "SOAP-1"]
    assert await codes(q="MILK") == ["MILK-1"]
    assert await codes(q="soap") == ["SOAP-1"]
    assert await codes(category="Cheese") == ["CHEESE-1"]
    assert await codes(department="Grocery") == ["CHEESE-1", "MILK-1"]
    assert await codes(department="Grocery", active="true") == ["MILK-1"]
    assert await codes(active="false") == ["CHEESE-1"]


async def test_duplicate_product_code_is_409(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    await create(client, tenant_a, "products", product_body("P1"))
    response = await client.post(
        f"{API}/products", json=product_body("P1"), headers=tenant_a.headers()
    )
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"
    assert "'P1'" in response.json()["detail"]


async def test_unknown_product_id_is_404(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.get(f"{API}/products/424242", headers=tenant_a.headers())
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_product_with_sales_is_kept_and_one_without_is_deleted(
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    store = await create(client, tenant_a, "stores", store_body())
    sold = await create(client, tenant_a, "products", product_body("SOLD"))
    unused = await create(client, tenant_a, "products", product_body("UNUSED"))
    await record_sale(
        sessionmaker, tenant_a, store_id=store["store_id"], product_id=sold["product_id"]
    )
    admin = tenant_a.headers(Role.ADMIN)

    refused = await client.delete(f"{API}/products/{sold['product_id']}", headers=admin)
    assert refused.status_code == 409
    assert "sales" in refused.json()["detail"]
    assert (await client.get(f"{API}/products/{sold['product_id']}", headers=admin)).json() == sold

    deleted = await client.delete(f"{API}/products/{unused['product_id']}", headers=admin)
    assert deleted.status_code == 204
    listed = (await client.get(f"{API}/products", headers=admin)).json()
    assert [p["product_code"] for p in listed["items"]] == ["SOLD"]
