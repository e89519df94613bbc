"""All SQL of the EDI import: catalog and purchase-order lookups by code, natural-key
upserts of stock positions and daily sales, the ship notice's on-order, costs, expected
deliveries and the sync log.

Every query takes the tenant explicitly and filters on ``customer_id``. Every write
returns how many rows it inserted or actually changed: an upsert whose values equal the
stored ones is skipped (``DO UPDATE … WHERE … IS DISTINCT FROM``), which is how a
re-sent interchange writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import (
    IntegrationSyncLog,
    InventorySnapshot,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Sale,
    Store,
)
from shelfops.models.base import utcnow

INTEGRATION_TYPE = "enterprise_edi"
_BATCH = 2_000


@dataclass(frozen=True)
class ProductInfo:
    """What the import needs to know of a product."""

    product_id: int
    product_code: str
    pack_size: int
    unit_price: float
    unit_cost: float


@dataclass(frozen=True)
class OrderInfo:
    """A purchase order a ship notice may name, with its ordered quantities."""

    po_id: uuid.UUID
    po_number: str
    status: str
    store_id: int
    expected_delivery_date: dt.date | None
    lines: dict[int, float]  # product_id → quantity ordered


@dataclass(frozen=True)
class SnapshotRow:
    """A stock position to upsert; ``on_order`` None keeps a stored row's on-order."""

    store_id: int
    product_id: int
    day: dt.date
    on_hand: float
    on_order: float | None


@dataclass(frozen=True)
class SaleRow:
    """A day's sales to upsert; ``unit_price`` None keeps a stored row's price."""

    store_id: int
    product_id: int
    day: dt.date
    quantity: float
    unit_price: float | None
    catalog_price: float


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _insert(session: AsyncSession, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


async def stores_by_code(
    session: AsyncSession, *, customer_id: uuid.UUID, codes: Iterable[str]
) -> dict[str, int]:
    """The tenant's store ids by store code, for the codes that exist."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Store.store_code, Store.store_id).where(
            Store.customer_id == customer_id, Store.store_code.in_(wanted)
        )
    )
    return {code: store_id for code, store_id in rows}


async def products_by_code(
    session: AsyncSession, *, customer_id: uuid.UUID, codes: Iterable[str]
) -> dict[str, ProductInfo]:
    """The tenant's products by product code, for the codes that exist."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            Product.product_id,
            Product.product_code,
            Product.pack_size,
            Product.unit_price,
            Product.unit_cost,
        ).where(Product.customer_id == customer_id, Product.product_code.in_(wanted))
    )
    return {
        row.product_code: ProductInfo(
            product_id=row.product_id,
            product_code=row.product_code,
            pack_size=row.pack_size,
            unit_price=row.unit_price,
            unit_cost=row.unit_cost,
        )
        for row in rows
    }


async def orders_by_number(
    session: AsyncSession, *, customer_id: uuid.UUID, numbers: Iterable[str]
) -> dict[str, OrderInfo]:
    """The tenant's purchase orders by PO number, with their lines."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    orders = list(
        await session.scalars(
            select(PurchaseOrder).where(
                PurchaseOrder.customer_id == customer_id, PurchaseOrder.po_number.in_(wanted)
            )
        )
    )
    lines: dict[uuid.UUID, dict[int, float]] = {order.po_id: {} for order in orders}
    if orders:
        rows = await session.execute(
            select(
                PurchaseOrderLine.po_id, PurchaseOrderLine.product_id, PurchaseOrderLine.quantity
            ).where(
                PurchaseOrderLine.customer_id == customer_id,
                PurchaseOrderLine.po_id.in_(list(lines)),
            )
        )
        for po_id, product_id, quantity in rows:
            lines[po_id][product_id] = quantity
    return {
        order.po_number: OrderInfo(
            po_id=order.po_id,
            po_number=order.po_number,
            status=order.status,
            store_id=order.store_id,
            expected_delivery_date=order.expected_delivery_date,
            lines=lines[order.po_id],
        )
        for order in orders
        if order.po_number is not None
    }


async def upsert_snapshots(
    session: AsyncSession, *, customer_id: uuid.UUID, rows: Sequence[SnapshotRow]
) -> int:
    """Insert or update stock positions on (tenant, store, product, day); returns the
    rows inserted or changed. A new row without on-order gets 0; a stored row keeps its
    on-order when the position does not give one. ``reserved`` is never touched."""
    table = _table(InventorySnapshot)
    written = 0
    for with_order in (True, False):
        values = [
            {
                "customer_id": customer_id,
                "store_id": row.store_id,
                "product_id": row.product_id,
                "snapshot_date": row.day,
                "on_hand": row.on_hand,
                "on_order": row.on_order if row.on_order is not None else 0.0,
            }
            for row in rows
            if (row.on_order is not None) is with_order
        ]
        if not values:
            continue
        columns = ["on_hand", "on_order"] if with_order else ["on_hand"]
        written += await _upsert_changed(session, table, "snapshot_date", columns, values)
    return written


async def upsert_sales(
    session: AsyncSession, *, customer_id: uuid.UUID, rows: Sequence[SaleRow]
) -> int:
    """Insert or update daily sales on (tenant, store, product, day); returns the rows
    inserted or changed.

    A new row gets the given unit price (else the catalog's), ``promo_flag`` false and
    ``discount_pct`` 0. A stored row gets the new quantity, and the new price only when
    one was given; its promo flag, discount and on-hand at close are left as they are
    (the point-of-sale feed knows them, the 852 does not)."""
    table = _table(Sale)
    written = 0
    for with_price in (True, False):
        values = [
            {
                "customer_id": customer_id,
                "store_id": row.store_id,
                "product_id": row.product_id,
                "sale_date": row.day,
                "quantity": row.quantity,
                "unit_price": row.unit_price if row.unit_price is not None else row.catalog_price,
                "promo_flag": False,
                "discount_pct": 0.0,
            }
            for row in rows
            if (row.unit_price is not None) is with_price
        ]
        if not values:
            continue
        columns = ["quantity", "unit_price"] if with_price else ["quantity"]
        written += await _upsert_changed(session, table, "sale_date", columns, values)
    return written


async def _upsert_changed(
    session: AsyncSession,
    table: Table,
    date_column: str,
    columns: list[str],
    values: list[dict[str, Any]],
) -> int:
    """Upsert daily store × product rows, updating ``columns`` only where they differ;
    returns the rows inserted or changed (an unchanged row is not rewritten)."""
    base = _insert(session, table)
    statement = base.on_conflict_do_update(
        index_elements=[
            table.c.customer_id,
            table.c.store_id,
            table.c.product_id,
            table.c[date_column],
        ],
        set_={name: base.excluded[name] for name in columns},
        where=or_(*(table.c[name].is_distinct_from(base.excluded[name]) for name in columns)),
    ).returning(table.c.store_id)
    return await _run(session, statement, values)


async def latest_snapshot_before(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    day: dt.date,
) -> tuple[float, float] | None:
    """``(on_hand, on_order)`` of the newest snapshot strictly before ``day``."""
    row = (
        await session.execute(
            select(InventorySnapshot.on_hand, InventorySnapshot.on_order)
            .where(
                InventorySnapshot.customer_id == customer_id,
                InventorySnapshot.store_id == store_id,
                InventorySnapshot.product_id == product_id,
                InventorySnapshot.snapshot_date < day,
            )
            .order_by(InventorySnapshot.snapshot_date.desc())
            .limit(1)
        )
    ).first()
    return (float(row.on_hand), float(row.on_order)) if row is not None else None


async def set_on_order(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    day: dt.date,
    on_order: float,
    on_hand_if_new: float,
) -> int:
    """Set the on-order of the store × product snapshot of ``day``, creating it with
    ``on_hand_if_new`` units on hand when the day has none; returns 1 when a row was
    inserted or changed."""
    table = _table(InventorySnapshot)
    base = _insert(session, table)
    statement = (
        base.values(
            customer_id=customer_id,
            store_id=store_id,
            product_id=product_id,
            snapshot_date=day,
            on_hand=on_hand_if_new,
            on_order=on_order,
        )
        .on_conflict_do_update(
            index_elements=[
                table.c.customer_id,
                table.c.store_id,
                table.c.product_id,
                table.c.snapshot_date,
            ],
            set_={"on_order": base.excluded.on_order},
            where=table.c.on_order.is_distinct_from(base.excluded.on_order),
        )
        .returning(table.c.store_id)
    )
    result = await session.execute(statement)
    return len(result.all())


async def set_expected_delivery(
    session: AsyncSession, *, customer_id: uuid.UUID, po_id: uuid.UUID, day: dt.date
) -> int:
    """Set an order's expected delivery date; returns 1 when it changed."""
    result = await session.execute(
        update(PurchaseOrder)
        .where(
            PurchaseOrder.customer_id == customer_id,
            PurchaseOrder.po_id == po_id,
            PurchaseOrder.expected_delivery_date.is_distinct_from(day),
        )
        .values(expected_delivery_date=day, updated_at=utcnow())
        .returning(PurchaseOrder.po_id)
        .execution_options(synchronize_session=False)
    )
    return len(result.all())


async def set_unit_costs(
    session: AsyncSession, *, customer_id: uuid.UUID, costs: dict[int, float]
) -> int:
    """Set products' unit cost (product_id → cost); returns how many changed."""
    changed = 0
    for product_id, cost in sorted(costs.items()):
        result = await session.execute(
            update(Product)
            .where(
                Product.customer_id == customer_id,
                Product.product_id == product_id,
                Product.unit_cost.is_distinct_from(cost),
            )
            .values(unit_cost=cost, updated_at=utcnow())
            .returning(Product.product_id)
            .execution_options(synchronize_session=False)
        )
        changed += len(result.all())
    return changed


async def _run(session: AsyncSession, statement: Any, values: list[dict[str, Any]]) -> int:
    written = 0
    # RETURNING yields only the rows actually inserted or updated, not the skipped ones.
    for start in range(0, len(values), _BATCH):
        result = await session.execute(statement, values[start : start + _BATCH])
        written += len(result.all())
    return written


async def add_sync_log(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    source_name: str,
    status: str,
    received: int,
    synced: int,
    started_at: dt.datetime,
    completed_at: dt.datetime,
    error_message: str | None,
    metadata: dict[str, Any],
) -> uuid.UUID:
    """Record one EDI run in ``integration_sync_log``; returns its id."""
    entry = IntegrationSyncLog(
        customer_id=customer_id,
        integration_type=INTEGRATION_TYPE,
        integration_name=source_name,
        sync_type="x12",
        sync_status=status,
        records_received=received,
        records_synced=synced,
        started_at=started_at,
        completed_at=completed_at,
        error_message=error_message,
        sync_metadata=metadata,
    )
    session.add(entry)
    await session.flush()
    return entry.sync_id
