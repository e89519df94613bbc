"""Catalog deletes that race other writers (PostgreSQL, where transactions really overlap;
SQLite admits one writer at a time)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.catalog import service
from shelfops.catalog.schemas import ProductCreate
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Conflict
from shelfops.models import Role
from tests.catalog.helpers import API, create, product_body, store_body, supplier_body
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]


async def test_the_same_store_deleted_many_times_at_once_is_deleted_and_audited_once(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    store = await create(client, tenant_a, "stores", store_body("S9"))
    admin = tenant_a.headers(Role.ADMIN)
    url = f"{API}/stores/{store['store_id']}"
    answers = await asyncio.gather(*(client.delete(url, headers=admin) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [204] + [404] * 5
    audit = await client.get(f"{API}/audit-log", params={"action": "store.delete"}, headers=admin)
    assert audit.json()["total"] == 1


async def test_a_supplier_deleted_while_a_product_names_it_is_refused_not_unlinked(
    sessionmaker: Sessions, backend: str, client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite admits one writer at a time: these transactions cannot overlap")
    supplier = await create(client, tenant_a, "suppliers", supplier_body("V9"))

    async def _delete_supplier() -> None:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            await service.delete_supplier(session, supplier_id=supplier["supplier_id"])

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await service.create_product(
            session, data=ProductCreate.model_validate(product_body("P9", supplier_code="V9"))
        )
        deleting = asyncio.ensure_future(_delete_supplier())
        done, _ = await asyncio.wait({deleting}, timeout=0.5)
        assert not done, "the delete should wait for the product's transaction"
    # The product committed first: the delete sees it and refuses, instead of the foreign
    # key's ON DELETE SET NULL silently unlinking the new product.
    with pytest.raises(Conflict):
        await deleting
    products = await client.get(f"{API}/products", headers=tenant_a.headers())
    assert [p["supplier_code"] for p in products.json()["items"]] == ["V9"]
