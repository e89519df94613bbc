"""Applying stream events to the time-series tables, and all SQL of the event consumer.

The caller (``events.consume``) owns the transaction: one batch of events is applied
here with flushes only, then committed together with the ``integration_events`` ledger
rows and the run's ``integration_sync_log`` row. An event that cannot be applied (an
unknown code, a return larger than the day's sales) is *refused*: nothing of it is
written, and the caller sends it to the dead-letter stream.

Semantics of one event, on its business date (``occurred_at`` in the store's timezone):

* **sale** — adds ``quantity`` to the ``sales`` row of store × product × date. A new row
  takes the event's price (default: the product's catalog ``unit_price``), its
  ``promo_flag`` (default false) and ``discount_pct`` (default 0); ``on_hand_close`` stays
  empty. On an existing row a sale (quantity > 0) makes ``unit_price`` and
  ``discount_pct`` the quantity-weighted averages of the row and the event, and sets
  ``promo_flag`` when either was on promotion. A return (quantity < 0) only lowers the
  quantity, and is refused when it would take the day's units below zero (or there is no
  sale that day): the ``sales`` table holds no negative days.
* **inventory_adjustment** — sets (``on_hand``) or shifts (``delta``) the units on hand of
  the ``inventory_snapshots`` row of that date. When the date has no row yet it starts from
  the latest earlier snapshot of the store × product (copying its ``on_order`` and
  ``reserved``), or from zero when there is none. A result below zero is refused.
  Snapshots of later dates are not changed, and sale events do not move stock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.integrations.event_schemas import Event, InventoryAdjustmentEvent, SaleEvent
from shelfops.kit.db import tenant_of
from shelfops.kit.locks import CATALOG, hold_tenant_lock
from shelfops.models import (
    IntegrationEvent,
    IntegrationSyncLog,
    InventorySnapshot,
    Product,
    Sale,
    Store,
)
from shelfops.models.base import utcnow

#: ``integration_sync_log.integration_type`` of a consumer run.
INTEGRATION_TYPE = "enterprise_event"
#: ``integration_sync_log.sync_type`` of a consumer run.
SYNC_TYPE = "stream"

# Values per IN (...) list: well under SQLite's bound-parameter limit.
_IN_CHUNK = 1_000


@dataclass(frozen=True)
class StreamEvent:
    """A parsed event and the stream entry it came from."""

    entry_id: str
    event: Event


@dataclass(frozen=True)
class Outcome:
    """What became of one event: applied, skipped as already applied, or refused."""

    status: Literal["applied", "duplicate", "refused"]
    reason: str | None = None


class _Refused(Exception):
    """An event that cannot be applied; ``reason`` names the field and why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class _StoreRef:
    store_id: int
    timezone: str


@dataclass(frozen=True)
class _ProductRef:
    product_id: int
    unit_price: float


_SaleKey = tuple[int, int, dt.date]


@dataclass
class _Batch:
    """Lookups and rows one batch works with (rows cached so that several events on
    the same store × product × day accumulate on one object)."""

    customer_id: uuid.UUID
    source_name: str
    applied_ids: set[str]
    stores: dict[str, _StoreRef]
    products: dict[str, _ProductRef]
    sales: dict[_SaleKey, Sale]
    snapshots: dict[_SaleKey, InventorySnapshot]
    zones: dict[str, ZoneInfo]


async def apply_events(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    source_name: str,
    events: Sequence[StreamEvent],
) -> list[Outcome]:
    """Apply ``events`` in order and record each applied one in the ledger; flushes only.

    An event whose id the ledger already holds for this source (from an earlier batch or
    earlier in this one) is a ``duplicate`` and changes nothing. Returns one outcome per
    event, in order.
    """
    if tenant_of(session) != customer_id:
        raise RuntimeError("session is bound to another tenant")
    # Resolve codes under the catalog lock (shared): see kit/locks.py.
    await hold_tenant_lock(session, customer_id, CATALOG, shared=True)
    batch = _Batch(
        customer_id=customer_id,
        source_name=source_name,
        applied_ids=await _recorded_ids(
            session, customer_id, source_name, {e.event.event_id for e in events}
        ),
        stores=await _stores(session, customer_id, {e.event.store_code for e in events}),
        products=await _products(session, customer_id, {e.event.product_code for e in events}),
        sales={},
        snapshots={},
        zones={},
    )
    outcomes = [await _apply_one(session, batch, item) for item in events]
    await session.flush()
    return outcomes


async def _apply_one(session: AsyncSession, batch: _Batch, item: StreamEvent) -> Outcome:
    event = item.event
    if event.event_id in batch.applied_ids:
        return Outcome("duplicate")
    try:
        store = batch.stores.get(event.store_code)
        if store is None:
            raise _Refused(f"payload.store_code: unknown store {event.store_code!r} of this tenant")
        product = batch.products.get(event.product_code)
        if product is None:
            raise _Refused(
                f"payload.product_code: unknown product {event.product_code!r} of this tenant"
            )
        day = event.occurred_at.astimezone(_zone(batch, event.store_code, store)).date()
        key = (store.store_id, product.product_id, day)
        if isinstance(event, SaleEvent):
            await _apply_sale(session, batch, event, key, product)
            event_type = "sale"
        else:
            await _apply_adjustment(session, batch, event, key)
            event_type = "inventory_adjustment"
    except _Refused as refused:
        return Outcome("refused", refused.reason)
    session.add(
        IntegrationEvent(
            customer_id=batch.customer_id,
            source_name=batch.source_name,
            event_id=event.event_id,
            event_type=event_type,
            stream_entry_id=item.entry_id,
            payload=event.model_dump(mode="json"),
        )
    )
    batch.applied_ids.add(event.event_id)
    return Outcome("applied")


def _zone(batch: _Batch, code: str, store: _StoreRef) -> ZoneInfo:
    zone = batch.zones.get(store.timezone)
    if zone is None:
        try:
            zone = ZoneInfo(store.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _Refused(
                f"payload.store_code: store {code!r} has timezone {store.timezone!r}, "
                "which is not an IANA timezone, so its business date is unknown"
            ) from None
        batch.zones[store.timezone] = zone
    return zone


def _where(key: _SaleKey, event: Event) -> str:
    """``store 'S1' × product 'P1' on 2024-03-04``, for a refusal."""
    return f"store {event.store_code!r} × product {event.product_code!r} on {key[2].isoformat()}"


async def _apply_sale(
    session: AsyncSession, batch: _Batch, event: SaleEvent, key: _SaleKey, product: _ProductRef
) -> None:
    row = batch.sales.get(key)
    if row is None:
        row = await session.get(
            Sale,
            {
                "customer_id": batch.customer_id,
                "store_id": key[0],
                "product_id": key[1],
                "sale_date": key[2],
            },
            with_for_update=True,
        )
    quantity = event.quantity
    price = event.unit_price if event.unit_price is not None else product.unit_price
    if row is None:
        if quantity < 0:
            raise _Refused(
                f"payload.quantity: a return of {-quantity:g} unit(s) of {_where(key, event)}, "
                "a day with no sale to count it against"
            )
        row = Sale(
            customer_id=batch.customer_id,
            store_id=key[0],
            product_id=key[1],
            sale_date=key[2],
            quantity=quantity,
            unit_price=price,
            promo_flag=event.promo_flag,
            discount_pct=event.discount_pct,
            on_hand_close=None,
        )
        session.add(row)
        batch.sales[key] = row
        return
    batch.sales[key] = row
    total = row.quantity + quantity
    if total < 0:
        raise _Refused(
            f"payload.quantity: a return of {-quantity:g} unit(s) would take the units sold "
            f"of {_where(key, event)} below zero ({row.quantity:g} recorded)"
        )
    if quantity > 0:
        row.unit_price = (row.quantity * row.unit_price + quantity * price) / total
        row.discount_pct = (row.quantity * row.discount_pct + quantity * event.discount_pct) / total
        row.promo_flag = row.promo_flag or event.promo_flag
    row.quantity = total


async def _apply_adjustment(
    session: AsyncSession, batch: _Batch, event: InventoryAdjustmentEvent, key: _SaleKey
) -> None:
    row = batch.snapshots.get(key)
    if row is None:
        row = await session.get(
            InventorySnapshot,
            {
                "customer_id": batch.customer_id,
                "store_id": key[0],
                "product_id": key[1],
                "snapshot_date": key[2],
            },
            with_for_update=True,
        )
    if row is not None:
        base, on_order, reserved = row.on_hand, row.on_order, row.reserved
    else:
        earlier = await _latest_before(session, batch.customer_id, key)
        base, on_order, reserved = (
            (earlier.on_hand, earlier.on_order, earlier.reserved) if earlier else (0.0, 0.0, 0.0)
        )
    on_hand = event.on_hand if event.on_hand is not None else base + (event.delta or 0.0)
    if on_hand < 0:
        raise _Refused(
            f"payload.delta: {event.delta:g} would take the units on hand of "
            f"{_where(key, event)} below zero ({base:g} on hand)"
        )
    if row is None:
        row = InventorySnapshot(
            customer_id=batch.customer_id,
            store_id=key[0],
            product_id=key[1],
            snapshot_date=key[2],
            on_hand=on_hand,
            on_order=on_order,
            reserved=reserved,
        )
        session.add(row)
    else:
        row.on_hand = on_hand
    batch.snapshots[key] = row


async def _latest_before(
    session: AsyncSession, customer_id: uuid.UUID, key: _SaleKey
) -> InventorySnapshot | None:
    """The latest snapshot of the store × product before the key's date (this batch's
    unflushed rows included: the query autoflushes)."""
    result = await session.execute(
        select(InventorySnapshot)
        .where(
            InventorySnapshot.customer_id == customer_id,
            InventorySnapshot.store_id == key[0],
            InventorySnapshot.product_id == key[1],
            InventorySnapshot.snapshot_date < key[2],
        )
        .order_by(InventorySnapshot.snapshot_date.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]


async def _recorded_ids(
    session: AsyncSession, customer_id: uuid.UUID, source_name: str, event_ids: set[str]
) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(event_ids):
        result = await session.execute(
            select(IntegrationEvent.event_id).where(
                IntegrationEvent.customer_id == customer_id,
                IntegrationEvent.source_name == source_name,
                IntegrationEvent.event_id.in_(chunk),
            )
        )
        found.update(result.scalars())
    return found


async def _stores(
    session: AsyncSession, customer_id: uuid.UUID, codes: set[str]
) -> dict[str, _StoreRef]:
    found: dict[str, _StoreRef] = {}
    for chunk in _chunks(codes):
        result = await session.execute(
            select(Store.store_code, Store.store_id, Store.timezone).where(
                Store.customer_id == customer_id, Store.store_code.in_(chunk)
            )
        )
        found.update({code: _StoreRef(id_, tz) for code, id_, tz in result})
    return found


async def _products(
    session: AsyncSession, customer_id: uuid.UUID, codes: set[str]
) -> dict[str, _ProductRef]:
    found: dict[str, _ProductRef] = {}
    for chunk in _chunks(codes):
        result = await session.execute(
            select(Product.product_code, Product.product_id, Product.unit_price).where(
                Product.customer_id == customer_id, Product.product_code.in_(chunk)
            )
        )
        found.update({code: _ProductRef(id_, price) for code, id_, price in result})
    return found


# ---------------------------------------------------------------------------------------
# Sync log
# ---------------------------------------------------------------------------------------


async def save_run(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    sync_id: uuid.UUID,
    source_name: str,
    status: Literal["success", "failed"],
    received: int,
    synced: int,
    started_at: dt.datetime,
    error_message: str | None,
    metadata: dict[str, Any],
) -> None:
    """Create or update the ``integration_sync_log`` row of one consumer run.

    A run writes its row in the transaction of its first batch and updates it in each
    later batch's, so the counts always equal what was committed.
    """
    row = await session.get(IntegrationSyncLog, sync_id)
    if row is None:
        row = IntegrationSyncLog(
            sync_id=sync_id,
            customer_id=customer_id,
            integration_type=INTEGRATION_TYPE,
            integration_name=source_name,
            sync_type=SYNC_TYPE,
            started_at=started_at,
        )
        session.add(row)
    row.sync_status = status
    row.records_received = received
    row.records_synced = synced
    row.completed_at = utcnow()
    row.error_message = error_message
    row.sync_metadata = metadata
    await session.flush()
