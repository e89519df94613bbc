"""Concurrent read-modify-write transactions never lose an update, on either backend.

PostgreSQL serialises them with the row lock of ``SELECT … FOR UPDATE``. SQLite ignores
``FOR UPDATE``; the session takes SQLite's write lock before such a read
(``BEGIN IMMEDIATE``, ``kit/db.py``), so the later writer reads only after the first has
committed. A writer that waits past the busy timeout fails with "database is locked" and
is retried.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import Store
from tests.conftest import Tenant

ATTEMPTS = 5


async def _append(
    sessionmaker: async_sessionmaker[AsyncSession],
    customer_id: uuid.UUID,
    store_id: int,
    tag: str,
) -> int:
    """Read the store's name, wait so that the other writer reads it too, write it back
    with ``tag`` appended. Returns the attempts used."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with tenant_transaction(sessionmaker, customer_id) as session:
                store = await session.get(Store, store_id, with_for_update=True)
                assert store is not None
                await asyncio.sleep(0.2)
                store.name = f"{store.name}{tag}"
            return attempt
        except OperationalError as error:
            assert "locked" in str(error)
    raise AssertionError(f"{tag}: no attempt of {ATTEMPTS} committed")


async def test_two_writers_of_one_row_both_land(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        store = Store(customer_id=tenant_a.customer_id, store_code="S1", name="n")
        session.add(store)
        await session.flush()
        store_id = store.store_id

    await asyncio.gather(
        *(_append(sessionmaker, tenant_a.customer_id, store_id, tag) for tag in "ab")
    )

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        stored = await session.get(Store, store_id)
        assert stored is not None
        assert sorted(stored.name) == ["a", "b", "n"]
