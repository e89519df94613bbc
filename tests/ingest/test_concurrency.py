"""Loads that run at the same time as catalog deletes or as each other (PostgreSQL, where
transactions really overlap; SQLite admits one writer at a time)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.catalog import service as catalog
from shelfops.catalog.schemas import StoreFilters
from shelfops.ingest import service as ingest
from shelfops.ingest.schemas import IngestKind, IngestReport
from shelfops.ingest.service import IngestRejected
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Conflict
from tests.conftest import Tenant
from tests.ingest.helpers import SALES_HEADER, SUPPLIERS, Load, load_catalog, snapshot, write

Sessions = async_sessionmaker[AsyncSession]
NEW_STORE = "store_code,name,region,city,timezone,opened_on,closed_on\nS9,Pop-up,,,UTC,,\n"
SALES_AT_NEW_STORE = f"{SALES_HEADER}\n2024-01-01,S9,P1,5,1.19,false,0,20\n"


@pytest.fixture(autouse=True)
def _postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite admits one writer at a time: these transactions cannot overlap")


async def _waits(work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Start ``work`` and check that it is still waiting (for a lock) half a second later."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=0.5)
    assert not done, "expected the second transaction to wait for the first"
    return task


async def _store_id(sessions: Sessions, tenant: Tenant, code: str) -> int:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        page = await catalog.list_stores(session, filters=StoreFilters(q=code))
        return next(s.store_id for s in page.items if s.store_code == code)


async def _pop_up_store_with_sales(
    sessions: Sessions, load: Load, tenant: Tenant, directory: Path
) -> tuple[int, Path]:
    """The catalog plus a store S9 nothing refers to yet, and a sales file for S9."""
    await load_catalog(load, tenant.customer_id)
    await load(tenant.customer_id, IngestKind.STORES, NEW_STORE)
    store_id = await _store_id(sessions, tenant, "S9")
    return store_id, write(directory, IngestKind.SALES, SALES_AT_NEW_STORE)


async def _delete_store(sessions: Sessions, tenant: Tenant, store_id: int) -> None:
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        await catalog.delete_store(session, store_id=store_id)


async def test_a_store_deleted_while_its_sales_load_is_refused_not_orphaning_them(
    sessionmaker: Sessions, load: Load, tenant_a: Tenant, tmp_path: Path
) -> None:
    store_id, sales = await _pop_up_store_with_sales(sessionmaker, load, tenant_a, tmp_path)

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await ingest.ingest_file(
            session, customer_id=tenant_a.customer_id, kind=IngestKind.SALES, path=sales
        )
        deleting = await _waits(_delete_store(sessionmaker, tenant_a, store_id))
    # The load committed first: the delete sees its sales and refuses.
    with pytest.raises(Conflict):
        await deleting
    assert len((await snapshot(sessionmaker, tenant_a.customer_id))["sales"]) == 1


async def test_sales_loaded_while_their_store_is_deleted_are_rejected_as_unknown(
    sessionmaker: Sessions, load: Load, tenant_a: Tenant, tmp_path: Path
) -> None:
    store_id, sales = await _pop_up_store_with_sales(sessionmaker, load, tenant_a, tmp_path)

    async def _load_sales() -> None:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            await ingest.ingest_file(
                session, customer_id=tenant_a.customer_id, kind=IngestKind.SALES, path=sales
            )

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await catalog.delete_store(session, store_id=store_id)
        loading = await _waits(_load_sales())
    # The delete committed first: the load resolves S9 afterwards and finds no such store.
    with pytest.raises(IngestRejected) as rejected:
        await loading
    assert [p.rule for p in rejected.value.report.problems] == ["unknown_code"]
    assert (await snapshot(sessionmaker, tenant_a.customer_id))["sales"] == []


async def test_the_same_catalog_file_loaded_twice_at_once_reports_true_counts(
    sessionmaker: Sessions, tenant_a: Tenant, tmp_path: Path
) -> None:
    suppliers = write(tmp_path, IngestKind.SUPPLIERS, SUPPLIERS)

    async def _load() -> IngestReport:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            return await ingest.ingest_file(
                session, customer_id=tenant_a.customer_id, kind=IngestKind.SUPPLIERS, path=suppliers
            )

    reports = await asyncio.gather(*(_load() for _ in range(4)))
    counts = sorted((r.inserted, r.updated, r.unchanged) for r in reports)
    assert counts == [(0, 0, 2)] * 3 + [(2, 0, 0)]
