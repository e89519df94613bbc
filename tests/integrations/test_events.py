"""The event-stream consumer on the real Redis and the real database (both backends).

Each test writes to its own stream keys (deleted afterwards) and its own tenant. The
catalog: store S1 in America/Chicago (UTC-6 in early March 2024), S2 in Europe/Berlin
(UTC+1); products P1 (catalog price 1.19) and P2 (2.49).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations import events
from shelfops.integrations.config import EventStreamConfig
from shelfops.integrations.events import ConsumeReport, consume
from shelfops.kit import migrate
from shelfops.kit.db import create_engine, create_sessionmaker, tenant_transaction
from shelfops.kit.errors import NotFound, ServiceUnavailable
from shelfops.models import (
    IntegrationEvent,
    IntegrationSyncLog,
    InventorySnapshot,
    Product,
    Sale,
    Store,
)
from tests.conftest import Tenant, make_tenant

REDIS_URL = os.environ.get("SHELFOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SOURCE = "pos-events"
Sessionmaker = async_sessionmaker[AsyncSession]


# ---------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """A client of the real Redis."""
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def stream(redis: Redis) -> AsyncIterator[EventStreamConfig]:
    """A stream of this test's own (and its dead-letter stream), deleted afterwards."""
    config = EventStreamConfig(stream=f"shelfops-test:{uuid.uuid4().hex}:pos", batch_size=50)
    yield config
    await redis.delete(config.stream, config.dead_letters)


async def add_catalog(sessionmaker: Sessionmaker, customer_id: uuid.UUID) -> None:
    """Stores S1 (Chicago), S2 (Berlin) and products P1 (1.19), P2 (2.49)."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        for code, zone in (("S1", "America/Chicago"), ("S2", "Europe/Berlin")):
            session.add(Store(customer_id=customer_id, store_code=code, name=code, timezone=zone))
        for code, price in (("P1", 1.19), ("P2", 2.49)):
            session.add(
                Product(
                    customer_id=customer_id,
                    product_code=code,
                    name=code,
                    category="c",
                    department="d",
                    unit_cost=0.5,
                    unit_price=price,
                )
            )


@pytest.fixture
async def shop(sessionmaker: Sessionmaker, tenant_a: Tenant) -> uuid.UUID:
    """A tenant with the catalog."""
    await add_catalog(sessionmaker, tenant_a.customer_id)
    return tenant_a.customer_id


def sale(
    event_id: str, at: str, quantity: Any, store: str = "S1", product: str = "P1", **more: Any
) -> dict[str, str]:
    payload = {
        "event_id": event_id,
        "store_code": store,
        "product_code": product,
        "occurred_at": at,
        "quantity": quantity,
        **more,
    }
    return {"type": "sale", "payload": json.dumps(payload)}


def adjust(
    event_id: str, at: str, store: str = "S1", product: str = "P1", **change: Any
) -> dict[str, str]:
    payload = {
        "event_id": event_id,
        "store_code": store,
        "product_code": product,
        "occurred_at": at,
        "reason": "count",
        **change,
    }
    return {"type": "inventory_adjustment", "payload": json.dumps(payload)}


async def send(redis: Redis, config: EventStreamConfig, *entries: dict[str, str]) -> list[str]:
    """XADD each entry; their ids, in order."""
    ids = []
    for fields in entries:
        entry_id: Any = await redis.xadd(config.stream, fields)  # type: ignore[arg-type]
        ids.append(entry_id.decode())
    return ids


async def run(
    sessionmaker: Sessionmaker,
    redis: Redis,
    customer_id: uuid.UUID,
    config: EventStreamConfig,
    consumer: str = "c1",
    **kwargs: Any,
) -> ConsumeReport:
    return await consume(
        sessionmaker,
        redis,
        customer_id=customer_id,
        source_name=SOURCE,
        config=config,
        consumer=consumer,
        **kwargs,
    )


async def sales_rows(sessionmaker: Sessionmaker, customer_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """(store, product, date, quantity, unit_price, promo, discount, on_hand_close) rows."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(
                Store.store_code,
                Product.product_code,
                Sale.sale_date,
                Sale.quantity,
                Sale.unit_price,
                Sale.promo_flag,
                Sale.discount_pct,
                Sale.on_hand_close,
            )
            .join(Store, Store.store_id == Sale.store_id)
            .join(Product, Product.product_id == Sale.product_id)
            .where(Sale.customer_id == customer_id)
            .order_by(Store.store_code, Product.product_code, Sale.sale_date)
        )
        # Prices and discounts are averages: compared to 6 decimals.
        return [(*row[:4], round(row[4], 6), row[5], round(row[6], 6), row[7]) for row in result]


async def snapshot_rows(
    sessionmaker: Sessionmaker, customer_id: uuid.UUID
) -> list[tuple[Any, ...]]:
    """(store, product, date, on_hand, on_order, reserved) rows."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(
                Store.store_code,
                Product.product_code,
                InventorySnapshot.snapshot_date,
                InventorySnapshot.on_hand,
                InventorySnapshot.on_order,
                InventorySnapshot.reserved,
            )
            .join(Store, Store.store_id == InventorySnapshot.store_id)
            .join(Product, Product.product_id == InventorySnapshot.product_id)
            .where(InventorySnapshot.customer_id == customer_id)
            .order_by(Store.store_code, Product.product_code, InventorySnapshot.snapshot_date)
        )
        return [tuple(row) for row in result]


async def ledger(sessionmaker: Sessionmaker, customer_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """(event_id, event_type, stream_entry_id) of the tenant's applied events."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(
                IntegrationEvent.event_id,
                IntegrationEvent.event_type,
                IntegrationEvent.stream_entry_id,
            )
            .where(IntegrationEvent.customer_id == customer_id)
            .order_by(IntegrationEvent.event_id)
        )
        return [(a, b, c or "") for a, b, c in result]


async def sync_rows(sessionmaker: Sessionmaker, customer_id: uuid.UUID) -> list[IntegrationSyncLog]:
    async with tenant_transaction(sessionmaker, customer_id) as session:
        result = await session.execute(
            select(IntegrationSyncLog)
            .where(IntegrationSyncLog.customer_id == customer_id)
            .order_by(IntegrationSyncLog.started_at)
        )
        return list(result.scalars())


async def pending(redis: Redis, config: EventStreamConfig) -> dict[str, int]:
    """Unacknowledged entries per consumer."""
    summary = await redis.xpending(config.stream, config.group)
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}


async def dead_letters(redis: Redis, config: EventStreamConfig) -> list[dict[str, str]]:
    entries: Any = await redis.xrange(config.dead_letters)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


D = dt.date


# ---------------------------------------------------------------------------------------
# Applying events
# ---------------------------------------------------------------------------------------


async def test_sales_add_up_per_store_product_and_business_day(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    ids = await send(
        redis,
        stream,
        # 04:30 UTC is 22:30 the evening before in Chicago: business date March 4.
        sale("e1", "2024-03-05T04:30:00Z", 2, unit_price=1.19),
        sale(
            "e2", "2024-03-04T15:00:00-06:00", 3, unit_price=0.99, promo_flag=True, discount_pct=0.2
        ),
        # 00:30 in Chicago on March 5; no price given: the catalog's 1.19.
        sale("e3", "2024-03-05T06:30:00Z", 1),
        # 23:30 UTC is 00:30 the next day in Berlin: business date March 5.
        sale("e4", "2024-03-04T23:30:00Z", 4, store="S2", product="P2"),
        # A return on March 4 lowers that day's units only.
        sale("e5", "2024-03-04T20:00:00-06:00", -1, unit_price=0.5),
    )

    report = await run(sessionmaker, redis, shop, stream)

    assert (report.status, report.received, report.applied, report.dead_lettered) == (
        "success",
        5,
        5,
        0,
    )
    assert report.applied_by_type == {"sale": 5}
    assert await sales_rows(sessionmaker, shop) == [
        # (2·1.19 + 3·0.99) / 5 = 1.07; discount (2·0 + 3·0.2) / 5 = 0.12; 2 + 3 − 1 = 4.
        ("S1", "P1", D(2024, 3, 4), 4.0, 1.07, True, 0.12, None),
        ("S1", "P1", D(2024, 3, 5), 1.0, 1.19, False, 0.0, None),
        ("S2", "P2", D(2024, 3, 5), 4.0, 2.49, False, 0.0, None),
    ]
    assert await ledger(sessionmaker, shop) == [
        ("e1", "sale", ids[0]),
        ("e2", "sale", ids[1]),
        ("e3", "sale", ids[2]),
        ("e4", "sale", ids[3]),
        ("e5", "sale", ids[4]),
    ]
    assert await pending(redis, stream) == {}
    [log] = await sync_rows(sessionmaker, shop)
    assert (log.sync_id, log.integration_type, log.integration_name, log.sync_status) == (
        report.sync_id,
        "enterprise_event",
        SOURCE,
        "success",
    )
    assert (log.records_received, log.records_synced) == (5, 5)
    assert log.sync_metadata is not None
    assert (log.sync_metadata["rejected"], log.sync_metadata["duplicates"]) == (0, 0)


async def test_inventory_adjustments_set_or_shift_the_day_snapshot(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    async with tenant_transaction(sessionmaker, shop) as session:
        store_id = (
            await session.execute(
                select(Store.store_id).where(Store.customer_id == shop, Store.store_code == "S1")
            )
        ).scalar_one()
        product_id = (
            await session.execute(
                select(Product.product_id).where(
                    Product.customer_id == shop, Product.product_code == "P1"
                )
            )
        ).scalar_one()
        session.add(
            InventorySnapshot(
                customer_id=shop,
                store_id=store_id,
                product_id=product_id,
                snapshot_date=D(2024, 3, 1),
                on_hand=20,
                on_order=24,
                reserved=1,
            )
        )
    await send(
        redis,
        stream,
        # March 4 has no snapshot: start from March 1's 20 (and its on_order, reserved).
        adjust("a1", "2024-03-04T10:00:00-06:00", delta=-3),
        adjust("a2", "2024-03-04T11:00:00-06:00", delta=12),
        # An absolute count on March 6.
        adjust("a3", "2024-03-06T09:00:00-06:00", on_hand=10),
        # No snapshot at all: start from zero.
        adjust("a4", "2024-03-05T09:00:00+01:00", store="S2", product="P2", delta=5),
        # A late event for March 2 starts from March 1 and leaves later days alone.
        adjust("a5", "2024-03-02T09:00:00-06:00", delta=2),
    )

    report = await run(sessionmaker, redis, shop, stream)

    assert (report.status, report.applied, report.applied_by_type) == (
        "success",
        5,
        {"inventory_adjustment": 5},
    )
    assert await snapshot_rows(sessionmaker, shop) == [
        ("S1", "P1", D(2024, 3, 1), 20.0, 24.0, 1.0),
        ("S1", "P1", D(2024, 3, 2), 22.0, 24.0, 1.0),
        ("S1", "P1", D(2024, 3, 4), 29.0, 24.0, 1.0),
        ("S1", "P1", D(2024, 3, 6), 10.0, 24.0, 1.0),
        ("S2", "P2", D(2024, 3, 5), 5.0, 0.0, 0.0),
    ]
    assert await sales_rows(sessionmaker, shop) == []


# ---------------------------------------------------------------------------------------
# Idempotence
# ---------------------------------------------------------------------------------------


async def test_replaying_the_stream_changes_nothing(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    entries = [
        sale("r1", "2024-03-04T12:00:00-06:00", 2),
        sale("r2", "2024-03-04T13:00:00-06:00", 3),
        adjust("r3", "2024-03-04T14:00:00-06:00", delta=7),
        sale("r1", "2024-03-04T12:00:00-06:00", 2),  # the producer sent r1 twice
    ]
    await send(redis, stream, *entries)
    first = await run(sessionmaker, redis, shop, stream)
    assert (first.applied, first.duplicates) == (3, 1)
    tables = (await sales_rows(sessionmaker, shop), await snapshot_rows(sessionmaker, shop))
    assert tables[0] == [("S1", "P1", D(2024, 3, 4), 5.0, 1.19, False, 0.0, None)]
    assert tables[1] == [("S1", "P1", D(2024, 3, 4), 7.0, 0.0, 0.0)]
    applied = await ledger(sessionmaker, shop)

    # Replay 1: the group is rewound to the start of the stream.
    await redis.xgroup_setid(stream.stream, stream.group, "0")
    again = await run(sessionmaker, redis, shop, stream)
    # Replay 2: the producer sends everything again (new entry ids).
    await send(redis, stream, *entries)
    resent = await run(sessionmaker, redis, shop, stream)

    for report in (again, resent):
        assert (report.status, report.received, report.applied, report.duplicates) == (
            "success",
            4,
            0,
            4,
        )
    assert (await sales_rows(sessionmaker, shop), await snapshot_rows(sessionmaker, shop)) == tables
    assert await ledger(sessionmaker, shop) == applied
    assert await pending(redis, stream) == {}
    # Sync health counts received − synced as rejected: a duplicate is accepted, not that.
    logs = await sync_rows(sessionmaker, shop)
    assert [(log.records_received, log.records_synced) for log in logs] == [(4, 4)] * 3


async def test_the_same_event_id_is_separate_per_tenant(
    sessionmaker: Sessionmaker,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
    tenant_b: Tenant,
) -> None:
    await add_catalog(sessionmaker, tenant_b.customer_id)
    other = EventStreamConfig(stream=f"{stream.stream}:b")
    try:
        await send(redis, stream, sale("x1", "2024-03-04T12:00:00-06:00", 2))
        await send(redis, other, sale("x1", "2024-03-04T12:00:00-06:00", 5))
        assert (await run(sessionmaker, redis, shop, stream)).applied == 1
        assert (await run(sessionmaker, redis, tenant_b.customer_id, other)).applied == 1
    finally:
        await redis.delete(other.stream, other.dead_letters)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [2.0]
    assert [r[3] for r in await sales_rows(sessionmaker, tenant_b.customer_id)] == [5.0]


# ---------------------------------------------------------------------------------------
# Dead letters
# ---------------------------------------------------------------------------------------


async def test_poison_events_go_to_the_dead_letter_stream_and_neighbours_apply(
    sessionmaker: Sessionmaker,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
    tenant_b: Tenant,
) -> None:
    async with tenant_transaction(sessionmaker, tenant_b.customer_id) as session:
        session.add(
            Store(customer_id=tenant_b.customer_id, store_code="B1", name="b", timezone="UTC")
        )
    bad_json = {"type": "sale", "payload": '{"event_id": "p2", "quantity": '}
    unknown_type = sale("p3", "2024-03-04T12:00:00-06:00", 1) | {"type": "refund"}
    no_payload = {"type": "sale", "trace": "abc"}
    ids = await send(
        redis,
        stream,
        sale("p1", "2024-03-04T12:00:00-06:00", 2),
        bad_json,
        unknown_type,
        no_payload,
        sale("p5", "2024-03-04T12:00:00-06:00", 1, store="S9"),
        # B1 exists, but in another tenant: unknown here.
        sale("p6", "2024-03-04T12:00:00-06:00", 1, store="B1"),
        sale("p7", "2024-03-04T12:00:00-06:00", 1, product="P404"),
        # The day has 2 units; returning 5 would make it negative.
        sale("p8", "2024-03-04T18:00:00-06:00", -5),
        adjust("p9", "2024-03-04T12:00:00-06:00", delta=-1),
        sale("p10", "2024-03-04T19:00:00-06:00", 4),
    )

    report = await run(sessionmaker, redis, shop, stream)

    assert (report.status, report.received, report.applied, report.dead_lettered) == (
        "success",
        10,
        2,
        8,
    )
    # p1 and p10 applied; nothing of the refused ones (p8's return, p9's shrink) was.
    assert await sales_rows(sessionmaker, shop) == [
        ("S1", "P1", D(2024, 3, 4), 6.0, 1.19, False, 0.0, None)
    ]
    assert await snapshot_rows(sessionmaker, shop) == []
    assert [e[0] for e in await ledger(sessionmaker, shop)] == ["p1", "p10"]
    assert await pending(redis, stream) == {}

    letters = await dead_letters(redis, stream)
    assert [letter["source_entry_id"] for letter in letters] == ids[1:9]
    reasons = [letter["reason"] for letter in letters]
    assert reasons == [
        "payload: not valid JSON (EOF while parsing a value at line 1 column 31)",
        "type: unknown event type 'refund' (expected 'sale' or 'inventory_adjustment')",
        "payload: required field is missing (expected a JSON object)",
        "payload.store_code: unknown store 'S9' of this tenant",
        "payload.store_code: unknown store 'B1' of this tenant",
        "payload.product_code: unknown product 'P404' of this tenant",
        "payload.quantity: a return of 5 unit(s) would take the units sold of store 'S1' × "
        "product 'P1' on 2024-03-04 below zero (2 recorded)",
        "payload.delta: -1 would take the units on hand of store 'S1' × product 'P1' on "
        "2024-03-04 below zero (0 on hand)",
    ]
    # The original fields travel along untouched.
    assert letters[0]["payload"] == bad_json["payload"]
    assert (letters[1]["type"], letters[1]["payload"]) == ("refund", unknown_type["payload"])
    assert letters[2]["trace"] == "abc"
    assert [d.reason for d in report.dead_letters] == reasons
    assert [d.event_id for d in report.dead_letters] == [
        None,
        "p3",
        None,
        "p5",
        "p6",
        "p7",
        "p8",
        "p9",
    ]
    [log] = await sync_rows(sessionmaker, shop)
    assert (log.records_received, log.records_synced) == (10, 2)
    assert log.sync_metadata is not None and log.sync_metadata["rejected"] == 8


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"quantity": "abc"}, "payload.quantity: expected a JSON number, got the string 'abc'"),
        ({"quantity": [1, 2]}, "payload.quantity: expected a JSON number, got a list"),
        ({"quantity": "3"}, "payload.quantity: expected a JSON number, got the string '3'"),
        ({"promo_flag": "yes"}, "payload.promo_flag: expected true or false, got the string 'yes'"),
        (
            {"occurred_at": "2024-03-04T12:00:00"},
            "payload.occurred_at: expected a timestamp with a UTC offset (e.g. +02:00 or Z), "
            "got the string '2024-03-04T12:00:00'",
        ),
        ({"store_code": 17}, "payload.store_code: expected a JSON string, got the number 17"),
    ],
)
async def test_a_field_of_the_wrong_type_is_dead_lettered_with_a_precise_reason(
    sessionmaker: Sessionmaker,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
    change: dict[str, Any],
    reason: str,
) -> None:
    payload = json.loads(sale("w1", "2024-03-04T12:00:00-06:00", 2)["payload"]) | change
    [entry_id] = await send(redis, stream, {"type": "sale", "payload": json.dumps(payload)})

    report = await run(sessionmaker, redis, shop, stream)

    assert (report.received, report.applied, report.dead_lettered) == (1, 0, 1)
    assert await dead_letters(redis, stream) == [
        {
            "type": "sale",
            "payload": json.dumps(payload),
            "reason": reason,
            "source_entry_id": entry_id,
        }
    ]
    assert await sales_rows(sessionmaker, shop) == []
    assert await ledger(sessionmaker, shop) == []


async def test_text_with_nul_is_dead_lettered_and_the_rest_of_the_batch_applies(
    sessionmaker: Sessionmaker,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
) -> None:
    # PostgreSQL cannot store U+0000: applied, these would fail the batch's commit and
    # hold up every event behind them.
    ids = await send(
        redis,
        stream,
        sale("n\u00001", "2024-03-04T12:00:00-06:00", 2),
        adjust("n2", "2024-03-04T12:00:00-06:00", delta=1, reason="da\u0000mage"),
        sale("n3", "2024-03-04T12:00:00-06:00", 3),
    )

    report = await run(sessionmaker, redis, shop, stream)

    assert (report.status, report.received, report.applied, report.dead_lettered) == (
        "success",
        3,
        1,
        2,
    )
    letters = await dead_letters(redis, stream)
    assert [letter["source_entry_id"] for letter in letters] == ids[:2]
    assert [letter["reason"] for letter in letters] == [
        "payload.event_id: text must not contain NUL characters (U+0000)",
        "payload.reason: text must not contain NUL characters (U+0000)",
    ]
    assert [e[0] for e in await ledger(sessionmaker, shop)] == ["n3"]
    assert await snapshot_rows(sessionmaker, shop) == []
    assert await pending(redis, stream) == {}


# ---------------------------------------------------------------------------------------
# Failures and crashes
# ---------------------------------------------------------------------------------------


async def test_nothing_is_acknowledged_when_the_transaction_fails(
    empty_database: Settings, redis: Redis, stream: EventStreamConfig
) -> None:
    """A throwaway database whose sync-log table is renamed away: the batch's sales and
    ledger rows are written, then the run's log row fails, the last statement of the
    transaction, and everything rolls back. Nothing may be acknowledged or dead-lettered;
    once the table is back, the same consumer applies the batch exactly once."""
    settings = empty_database
    await migrate.upgrade(settings)
    app_engine = create_engine(settings)
    owner_engine = create_engine(settings, as_app_role=False)
    try:
        sessionmaker = create_sessionmaker(app_engine)
        tenant = await make_tenant(sessionmaker, "fail")
        await add_catalog(sessionmaker, tenant.customer_id)
        await send(
            redis,
            stream,
            sale("f1", "2024-03-04T12:00:00-06:00", 2),
            {"type": "sale", "payload": "not json"},
            sale("f3", "2024-03-04T13:00:00-06:00", 1),
        )
        async with owner_engine.begin() as connection:
            await connection.execute(text("ALTER TABLE integration_sync_log RENAME TO log_away"))

        failed = await run(sessionmaker, redis, tenant.customer_id, stream, consumer="w1")

        assert failed.status == "failed"
        assert failed.error is not None and "integration_sync_log" in failed.error
        # Its failure could not be logged either: the table is away.
        assert (failed.received, failed.applied, failed.sync_id) == (0, 0, None)
        assert await pending(redis, stream) == {"w1": 3}
        assert await dead_letters(redis, stream) == []
        assert await sales_rows(sessionmaker, tenant.customer_id) == []
        assert await ledger(sessionmaker, tenant.customer_id) == []

        async with owner_engine.begin() as connection:
            await connection.execute(text("ALTER TABLE log_away RENAME TO integration_sync_log"))
        restarted = await run(sessionmaker, redis, tenant.customer_id, stream, consumer="w1")

        assert (restarted.status, restarted.received, restarted.redelivered) == ("success", 3, 3)
        assert (restarted.applied, restarted.dead_lettered) == (2, 1)
        assert await sales_rows(sessionmaker, tenant.customer_id) == [
            ("S1", "P1", D(2024, 3, 4), 3.0, 1.19, False, 0.0, None)
        ]
        assert [e[0] for e in await ledger(sessionmaker, tenant.customer_id)] == ["f1", "f3"]
        assert await pending(redis, stream) == {}
        assert len(await dead_letters(redis, stream)) == 1
        [log] = await sync_rows(sessionmaker, tenant.customer_id)
        assert (log.sync_id, log.sync_status, log.records_synced) == (
            restarted.sync_id,
            "success",
            2,
        )
    finally:
        await app_engine.dispose()
        await owner_engine.dispose()


async def test_a_dead_letter_that_cannot_be_written_keeps_the_batch_pending(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    """The dead-letter key holds a string (a misconfiguration): the batch's data is
    committed, but no entry is acknowledged, so the poison event is not lost. Once the
    key is fixed, the redelivered batch applies nothing twice."""
    await redis.set(stream.dead_letters, "not a stream")
    await send(
        redis,
        stream,
        sale("g1", "2024-03-04T12:00:00-06:00", 2),
        {"type": "sale", "payload": "[]"},
    )

    failed = await run(sessionmaker, redis, shop, stream)

    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith("ResponseError")
    assert "WRONGTYPE" in failed.error
    assert (failed.received, failed.applied, failed.dead_lettered) == (2, 1, 1)
    assert await pending(redis, stream) == {"c1": 2}
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [2.0]
    [log] = await sync_rows(sessionmaker, shop)
    assert (log.sync_id, log.sync_status, log.records_synced) == (failed.sync_id, "failed", 1)
    assert log.error_message == (
        "failed with ResponseError after 2 entries; the last 2 entries were committed but "
        "not acknowledged: they will be delivered again and skipped as already applied "
        "(see server logs)"
    )

    await redis.delete(stream.dead_letters)
    again = await run(sessionmaker, redis, shop, stream)

    assert (again.status, again.applied, again.duplicates, again.dead_lettered) == (
        "success",
        0,
        1,
        1,
    )
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [2.0]
    assert [letter["reason"] for letter in await dead_letters(redis, stream)] == [
        "payload: expected a JSON object, got a list"
    ]
    assert await pending(redis, stream) == {}


async def test_a_restarted_consumer_processes_the_entries_it_read_before_crashing(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    await send(redis, stream, sale("c1", "2024-03-04T12:00:00-06:00", 2))
    await run(sessionmaker, redis, shop, stream, consumer="worker-1")  # creates the group
    await send(
        redis,
        stream,
        sale("c2", "2024-03-04T12:00:00-06:00", 3),
        sale("c3", "2024-03-04T12:00:00-06:00", 4),
    )
    # The "crash": worker-1 reads both entries and dies before applying them.
    await redis.xreadgroup(stream.group, "worker-1", {stream.stream: ">"}, count=10)
    assert await pending(redis, stream) == {"worker-1": 2}
    # Another consumer does not take fresh pending entries of a live-looking peer.
    other = await run(sessionmaker, redis, shop, stream, consumer="worker-2")
    assert (other.status, other.received) == ("idle", 0)

    restarted = await run(sessionmaker, redis, shop, stream, consumer="worker-1")

    assert (restarted.received, restarted.redelivered, restarted.applied) == (2, 2, 2)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [9.0]
    assert await pending(redis, stream) == {}


async def test_entries_left_pending_by_a_dead_consumer_are_claimed_by_another(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    await run(sessionmaker, redis, shop, stream, consumer="alive")  # creates the group
    await send(
        redis,
        stream,
        sale("d1", "2024-03-04T12:00:00-06:00", 2),
        sale("d2", "2024-03-04T12:00:00-06:00", 3),
    )
    await redis.xreadgroup(stream.group, "dead", {stream.stream: ">"}, count=10)
    await asyncio.sleep(0.05)

    report = await run(sessionmaker, redis, shop, stream, consumer="alive", claim_idle_ms=20)

    assert (report.received, report.redelivered, report.applied) == (2, 2, 2)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [5.0]
    assert sum((await pending(redis, stream)).values()) == 0


async def test_concurrent_consumers_apply_every_event_exactly_once(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    """Two consumers race on the same rows. A batch that loses a race (a lock conflict,
    a duplicate insert) fails and stays pending; a later run finishes it. The totals are
    exact either way."""
    config = stream.model_copy(update={"batch_size": 5})
    await send(
        redis,
        config,
        *(sale(f"k{i}", "2024-03-04T12:00:00-06:00", 1) for i in range(30)),
        *(adjust(f"j{i}", "2024-03-04T12:00:00-06:00", delta=2) for i in range(10)),
    )
    raced = await asyncio.gather(
        run(sessionmaker, redis, shop, config, consumer="left"),
        run(sessionmaker, redis, shop, config, consumer="right"),
    )
    # Whatever is still pending after a lost race.
    drained = [await run(sessionmaker, redis, shop, config, consumer=n) for n in ("left", "right")]

    assert sum(report.applied for report in [*raced, *drained]) == 40

    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [30.0]
    assert [r[3] for r in await snapshot_rows(sessionmaker, shop)] == [20.0]
    assert len(await ledger(sessionmaker, shop)) == 40
    assert sum((await pending(redis, stream)).values()) == 0


# ---------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------


async def test_max_events_bounds_a_run_and_its_log_counts_every_batch(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    config = stream.model_copy(update={"batch_size": 2})
    await send(
        redis,
        config,
        *(sale(f"m{i}", "2024-03-04T12:00:00-06:00", i + 1) for i in range(4)),
        {"type": "sale", "payload": "{}"},
    )

    first = await run(sessionmaker, redis, shop, config, max_events=3)
    # 1 + 2 + 3 in two batches (2 + 1 entries), one sync-log row for the run.
    assert (first.received, first.applied) == (3, 3)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [6.0]
    second = await run(sessionmaker, redis, shop, config)
    assert (second.received, second.applied, second.dead_lettered) == (2, 1, 1)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [10.0]

    logs = await sync_rows(sessionmaker, shop)
    assert [(log.sync_id, log.records_received, log.records_synced) for log in logs] == [
        (first.sync_id, 3, 3),
        (second.sync_id, 2, 1),
    ]
    assert logs[1].sync_metadata is not None and logs[1].sync_metadata["rejected"] == 1


async def test_a_run_with_nothing_to_read_creates_the_group_and_logs_nothing(
    sessionmaker: Sessionmaker, redis: Redis, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    report = await run(sessionmaker, redis, shop, stream, block_ms=10)

    assert (report.status, report.received, report.sync_id) == ("idle", 0, None)
    groups = await redis.xinfo_groups(stream.stream)
    assert [g["name"].decode() for g in groups] == [stream.group]
    assert await sync_rows(sessionmaker, shop) == []


async def test_an_unreachable_broker_fails_the_run_and_logs_it(
    sessionmaker: Sessionmaker, stream: EventStreamConfig, shop: uuid.UUID
) -> None:
    broken = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    try:
        report = await run(sessionmaker, broken, shop, stream)
    finally:
        await broken.aclose()

    assert report.status == "failed"
    assert report.error is not None and report.error.startswith("ConnectionError")
    [log] = await sync_rows(sessionmaker, shop)
    assert (log.sync_status, log.records_received) == ("failed", 0)


async def test_consume_tenant_without_a_broker_reads_nothing(
    sessionmaker: Sessionmaker, migrated: Settings, shop: uuid.UUID
) -> None:
    settings = migrated.model_copy(update={"broker_url": None})
    assert await events.consume_tenant(sessionmaker, settings, shop, "any") == []


def write_profile(folder: Path, slug: str, config: EventStreamConfig, source: str = SOURCE) -> None:
    """An enterprise_event contract profile of tenant ``slug`` reading ``config``'s stream."""
    (folder / slug).mkdir(parents=True, exist_ok=True)
    (folder / slug / f"{source}.yaml").write_text(
        f"""profile_id: {source}
version: 1
source_name: {source}
source_type: enterprise_event
stream:
  stream: "{config.stream}"
  batch_size: 2
""",
        encoding="utf-8",
    )


async def test_consume_tenant_reads_the_stream_of_each_event_profile(
    sessionmaker: Sessionmaker,
    migrated: Settings,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    settings = migrated.model_copy(
        update={"broker_url": REDIS_URL, "contracts_dir_override": tmp_path}
    )
    write_profile(tmp_path, tenant_a.slug, stream)
    await send(
        redis,
        stream,
        sale("t1", "2024-03-04T12:00:00-06:00", 2),
        sale("t2", "2024-03-04T12:00:00-06:00", 3),
        sale("t3", "2024-03-04T12:00:00-06:00", 4),
    )

    [report] = await events.consume_tenant(
        sessionmaker, settings, shop, tenant_a.slug, consumer="beat"
    )

    assert (report.source_name, report.stream, report.consumer) == (SOURCE, stream.stream, "beat")
    assert (report.status, report.received, report.applied) == ("success", 3, 3)
    assert [r[3] for r in await sales_rows(sessionmaker, shop)] == [9.0]
    assert await events.consume_tenant(sessionmaker, settings, shop, "no-profiles-here") == []


async def test_consume_command_insists_on_a_broker_and_a_stream_source(
    migrated: Settings,
    redis: Redis,
    stream: EventStreamConfig,
    shop: uuid.UUID,
    tenant_a: Tenant,
    tmp_path: Path,
) -> None:
    settings = migrated.model_copy(
        update={"broker_url": REDIS_URL, "contracts_dir_override": tmp_path}
    )
    write_profile(tmp_path, tenant_a.slug, stream)
    await send(redis, stream, sale("u1", "2024-03-04T12:00:00-06:00", 2))

    [report] = await events.consume_command(settings, tenant_ref=tenant_a.slug, source=SOURCE)
    assert (report.status, report.applied) == ("success", 1)

    with pytest.raises(NotFound, match="no contract profile for a source 'other' with a stream"):
        await events.consume_command(settings, tenant_ref=tenant_a.slug, source="other")
    without_broker = settings.model_copy(update={"broker_url": None})
    with pytest.raises(ServiceUnavailable, match="SHELFOPS_BROKER_URL"):
        await events.consume_command(without_broker, tenant_ref=tenant_a.slug)
