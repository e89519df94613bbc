"""Suppliers through the API, and why one still in use cannot be deleted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shelfops.models import Role
from tests.catalog.helpers import API, create, problem_fields, product_body, supplier_body
from tests.conftest import Tenant


async def test_supplier_is_created_listed_and_partially_updated(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    supplier = await create(client, tenant_a, "suppliers", supplier_body("ACME", name="Acme Foods"))
    assert (
        supplier["lead_time_days"],
        supplier["lead_time_std_days"],
        supplier["min_order_qty"],
    ) == (
        4.5,
        0.0,
        0,
    )
    await create(client, tenant_a, "suppliers", supplier_body("BOLT", name="Bolt Logistics"))

    found = (
        await client.get(
            f"{API}/suppliers", params={"q": "acme"}, headers=tenant_a.headers(Role.VIEWER)
        )
    ).json()
    assert [s["supplier_code"] for s in found["items"]] == ["ACME"] and found["total"] == 1

    url = f"{API}/suppliers/{supplier['supplier_id']}"
    changed = await client.patch(
        url,
        json={"lead_time_std_days": 1.5, "min_order_qty": 24},
        headers=tenant_a.headers(Role.PLANNER),
    )
    assert changed.status_code == 200
    stored = (await client.get(url, headers=tenant_a.headers(Role.VIEWER))).json()
    assert (stored["lead_time_days"], stored["lead_time_std_days"], stored["min_order_qty"]) == (
        4.5,
        1.5,
        24,
    )
    assert stored["name"] == "Acme Foods"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lead_time_days": -1}, "lead_time_days"),
        ({"lead_time_days": None}, "lead_time_days"),
        ({"lead_time_std_days": -0.5}, "lead_time_std_days"),
        ({"min_order_qty": -1}, "min_order_qty"),
        ({"name": ""}, "name"),
    ],
)
async def test_invalid_supplier_is_422_naming_the_field(
    client: httpx.AsyncClient, tenant_a: Tenant, fields: dict[str, Any], field: str
) -> None:
    response = await client.post(
        f"{API}/suppliers", json=supplier_body(**fields), headers=tenant_a.headers()
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}


async def test_patch_null_lead_time_is_422(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    supplier = await create(client, tenant_a, "suppliers", supplier_body())
    response = await client.patch(
        f"{API}/suppliers/{supplier['supplier_id']}",
        json={"lead_time_days": None},
        headers=tenant_a.headers(),
    )
    assert response.status_code == 422
    assert problem_fields(response.json()) == {"lead_time_days"}


async def test_duplicate_supplier_code_is_409(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    await create(client, tenant_a, "suppliers", supplier_body("V1"))
    response = await client.post(
        f"{API}/suppliers", json=supplier_body("V1"), headers=tenant_a.headers()
    )
    assert response.status_code == 409
    assert response.json()["error"] == "Conflict"


async def test_unknown_supplier_id_is_404(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.patch(
        f"{API}/suppliers/31337", json={"name": "x"}, headers=tenant_a.headers()
    )
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_supplier_named_by_a_product_is_not_deleted_until_unlinked(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    supplier = await create(client, tenant_a, "suppliers", supplier_body("V1"))
    product = await create(client, tenant_a, "products", product_body(supplier_code="V1"))
    admin = tenant_a.headers(Role.ADMIN)
    url = f"{API}/suppliers/{supplier['supplier_id']}"

    refused = await client.delete(url, headers=admin)
    assert refused.status_code == 409
    assert "products" in refused.json()["detail"]
    still = (await client.get(f"{API}/products/{product['product_id']}", headers=admin)).json()
    assert still["supplier_code"] == "V1"

    await client.patch(
        f"{API}/products/{product['product_id']}", json={"supplier_code": None}, headers=admin
    )
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.get(url, headers=admin)).status_code == 404
