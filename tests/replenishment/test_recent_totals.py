"""Large list totals reused for a few seconds (``shelfops.kit.totals``): the rule on its
own, then through the inventory and alert pages on both databases."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.totals import RecentTotals
from shelfops.models import Alert, ReorderPolicy, Role
from shelfops.replenishment import repository
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h

Sessions = async_sessionmaker[AsyncSession]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Counter:
    """A count that returns the next of ``values`` and remembers how often it ran."""

    def __init__(self, *values: int) -> None:
        self.values = list(values)
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return self.values.pop(0)


TENANT = uuid.uuid4()


async def test_a_large_total_is_reused_until_it_expires() -> None:
    clock = Clock()
    totals = RecentTotals(ttl_s=5.0, min_cached=100, clock=clock)
    count = Counter(150, 149)

    def ask() -> Any:
        return totals.total(database="db", customer_id=TENANT, key=("k",), count=count)

    assert await ask() == 150
    clock.now = 4.9
    assert await ask() == 150 and count.calls == 1
    clock.now = 5.0
    assert await ask() == 149 and count.calls == 2


async def test_a_small_total_is_always_counted() -> None:
    totals = RecentTotals(ttl_s=5.0, min_cached=100, clock=Clock())
    count = Counter(99, 98)
    for expected in (99, 98):
        total = await totals.total(database="db", customer_id=TENANT, key=("k",), count=count)
        assert total == expected
    assert count.calls == 2


async def test_totals_are_kept_per_database_tenant_and_key() -> None:
    totals = RecentTotals(ttl_s=5.0, min_cached=1, clock=Clock())
    other = uuid.uuid4()
    asks = [("db", TENANT, ("a",)), ("db", other, ("a",)), ("db", TENANT, ("b",))]
    asks.append(("other-db", TENANT, ("a",)))
    for number, (database, customer_id, key) in enumerate(asks, start=1):
        total = await totals.total(
            database=database, customer_id=customer_id, key=key, count=Counter(number)
        )
        assert total == number
    # And each is kept under its own entry.
    for number, (database, customer_id, key) in enumerate(asks, start=1):
        total = await totals.total(
            database=database, customer_id=customer_id, key=key, count=Counter(-1)
        )
        assert total == number


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The pages' totals kept from 2 rows on, on a clock the test moves."""
    clock = Clock()
    totals = RecentTotals(ttl_s=5.0, min_cached=2, clock=clock)
    monkeypatch.setattr(repository, "recent_totals", totals)
    return clock


async def _get(client: httpx.AsyncClient, tenant: Tenant, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return response.json()


async def test_inventory_total_lags_its_rows_for_at_most_the_ttl(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client: httpx.AsyncClient,
    clock: Clock,
) -> None:
    chain = await h.planned(sessionmaker, migrated, tenant_a)
    s1 = chain.stores["S1"]
    first = await _get(client, tenant_a, "/api/v1/inventory")
    assert first["total"] == 6
    assert (await _get(client, tenant_a, "/api/v1/inventory", store_id=s1))["total"] == 3

    gone = first["items"][0]["policy_id"]
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await session.execute(delete(ReorderPolicy).where(ReorderPolicy.policy_id == gone))

    clock.now = 4.9
    kept = await _get(client, tenant_a, "/api/v1/inventory")
    # The rows are read fresh; the total is the one counted 4.9 s ago.
    assert gone not in [i["policy_id"] for i in kept["items"]] and len(kept["items"]) == 5
    assert kept["total"] == 6
    # Another tenant never sees it.
    assert (await _get(client, tenant_b, "/api/v1/inventory"))["total"] == 0

    clock.now = 5.0
    assert (await _get(client, tenant_a, "/api/v1/inventory"))["total"] == 5


async def test_alert_total_lags_for_at_most_the_ttl_and_small_ones_never(
    sessionmaker: Sessions,
    migrated: Settings,
    tenant_a: Tenant,
    client: httpx.AsyncClient,
    clock: Clock,
) -> None:
    await h.planned(sessionmaker, migrated, tenant_a)
    stored = await h.alerts(sessionmaker, tenant_a)
    assert len(stored) >= 3
    assert (await _get(client, tenant_a, "/api/v1/alerts", status="open"))["total"] == len(stored)
    # Only one alert of the product's kind at the store: below the threshold, never kept.
    one = stored[0]
    single = {"store_id": one.store_id, "product_id": one.product_id, "type": one.alert_type}
    assert (await _get(client, tenant_a, "/api/v1/alerts", **single))["total"] == 1

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        await session.execute(delete(Alert).where(Alert.alert_id == one.alert_id))

    kept = await _get(client, tenant_a, "/api/v1/alerts", status="open")
    assert kept["total"] == len(stored) and len(kept["items"]) == len(stored) - 1
    assert (await _get(client, tenant_a, "/api/v1/alerts", **single))["total"] == 0

    clock.now = 5.0
    fresh = await _get(client, tenant_a, "/api/v1/alerts", status="open")
    assert fresh["total"] == len(stored) - 1
