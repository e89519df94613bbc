"""``read_rows``: a read of plain columns on the session's connection sees what the
session's own transaction wrote, pending changes included, and only its tenant's rows on
PostgreSQL (row-level security binds the same transaction)."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import read_rows, tenant_transaction
from shelfops.models import Store
from tests.conftest import Tenant

_CODES = select(Store.store_code).order_by(Store.store_code)


async def test_pending_changes_are_flushed_before_the_read(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(Store(customer_id=tenant_a.customer_id, store_code="S1", name="one"))
        first = (await read_rows(session, _CODES)).scalars().all()
        stored = await session.scalar(select(Store).where(Store.store_code == "S1"))
        assert stored is not None
        stored.name = "renamed"
        names = (await read_rows(session, select(Store.name))).scalars().all()
    assert first == ["S1"]
    assert names == ["renamed"]


async def test_bound_parameters_and_the_tenant(
    sessionmaker: async_sessionmaker[AsyncSession], backend: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    for tenant, codes in ((tenant_a, ("A1", "A2")), (tenant_b, ("B1",))):
        async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
            session.add_all(
                Store(customer_id=tenant.customer_id, store_code=code, name=code) for code in codes
            )
    both = (tenant_a.customer_id, tenant_b.customer_id)
    counted = (
        select(func.count())
        .select_from(Store)
        .where(Store.customer_id.in_(both), Store.store_code.like("%1"))
    )
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        ones = (await read_rows(session, counted)).scalar()
        theirs = select(Store.store_code).where(Store.customer_id == tenant_b.customer_id)
        seen = (await read_rows(session, theirs)).scalars().all()
        by_code = select(Store.name).where(Store.store_code == bindparam("code"))
        named = (await read_rows(session, by_code, {"code": "A2"})).scalars().all()
    # SQLite has no row-level security: there, only the services' own filters isolate.
    assert ones == (1 if backend == "postgres" else 2)
    assert seen == ([] if backend == "postgres" else ["B1"])
    assert named == ["A2"]
