"""Small helpers shared by the catalog API tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import Role, Sale
from tests.conftest import Tenant

API = "/api/v1"


def store_body(code: str = "S001", **fields: Any) -> dict[str, Any]:
    """A valid store creation body."""
    return {"store_code": code, "name": f"Store {code}", **fields}


def supplier_body(code: str = "V001", **fields: Any) -> dict[str, Any]:
    """A valid supplier creation body."""
    return {"supplier_code": code, "name": f"Supplier {code}", "lead_time_days": 4.5, **fields}


def product_body(code: str = "P001", **fields: Any) -> dict[str, Any]:
    """A valid product creation body."""
    return {
        "product_code": code,
        "name": f"Product {code}",
        "category": "Dairy",
        "department": "Grocery",
        "unit_cost": 0.8,
        "unit_price": 1.49,
        **fields,
    }


async def create(
    client: httpx.AsyncClient, tenant: Tenant, resource: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST ``body`` to ``/api/v1/<resource>`` as a planner and return the created row."""
    response = await client.post(
        f"{API}/{resource}", json=body, headers=tenant.headers(Role.PLANNER)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def problem_fields(body: dict[str, Any]) -> set[str]:
    """The field names a 422 response complains about (last element of each location)."""
    assert body["error"] == "ValidationFailed", body
    return {str(problem["location"][-1]) for problem in body["detail"]}


async def record_sale(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    store_id: int,
    product_id: int,
) -> None:
    """Give a store × product one day of sales history (as the sales loader would)."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add(
            Sale(
                customer_id=tenant.customer_id,
                store_id=store_id,
                product_id=product_id,
                sale_date=dt.date(2024, 3, 1),
                quantity=3.0,
                unit_price=1.49,
            )
        )
