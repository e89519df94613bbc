"""SQL for purchase orders, their lines and decisions, and the inventory a receipt
updates. Every query takes the tenant explicitly and filters on ``customer_id`` (the
isolation on SQLite; PostgreSQL's row-level security is the second line of defence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import (
    Customer,
    InventorySnapshot,
    PODecision,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Store,
    Supplier,
)

OrderBy = Literal["newest", "worklist"]


async def list_orders(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    statuses: Sequence[str] | None,
    store_id: int | None,
    supplier_id: int | None,
    order_by: OrderBy,
    limit: int,
    offset: int,
) -> tuple[list[PurchaseOrder], int]:
    """One page of the tenant's orders and the number matching the filters.

    ``newest``: newest first. ``worklist``: by supplier code, then store code, then PO
    number (orders without a supplier last), the order a planner goes through them.
    """
    query = select(PurchaseOrder).where(PurchaseOrder.customer_id == customer_id)
    if statuses:
        query = query.where(PurchaseOrder.status.in_(statuses))
    if store_id is not None:
        query = query.where(PurchaseOrder.store_id == store_id)
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier_id == supplier_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    if order_by == "newest":
        # The id breaks ties so that pages never overlap or skip a row.
        query = query.order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.po_id)
    else:
        query = (
            query.join(Store, Store.store_id == PurchaseOrder.store_id)
            .outerjoin(Supplier, Supplier.supplier_id == PurchaseOrder.supplier_id)
            .order_by(
                Supplier.supplier_code.is_(None),
                Supplier.supplier_code,
                Store.store_code,
                PurchaseOrder.po_number,
                PurchaseOrder.po_id,
            )
        )
    rows = await session.scalars(query.limit(limit).offset(offset))
    return list(rows), int(total or 0)


async def load_order(
    session: AsyncSession, *, customer_id: uuid.UUID, po_id: uuid.UUID, lock: bool
) -> tuple[PurchaseOrder, Store, Supplier | None] | None:
    """The tenant's order with this id, its store and its supplier (None without one), in
    one statement; None when there is no such order (also when another tenant owns it).

    ``lock`` keeps the order locked until the transaction ends, so two planners deciding
    at once are serialised: the second waits for the first to commit, then reads the
    order as the first left it (and is refused by its status). PostgreSQL:
    ``SELECT … FOR UPDATE OF purchase_orders``. SQLite has no row locks and its driver
    starts a transaction only at the first write, so a plain read would see the old
    status while the other writer is still busy; a no-op write takes the database's
    write lock first."""
    where = (PurchaseOrder.customer_id == customer_id, PurchaseOrder.po_id == po_id)
    if lock and session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(PurchaseOrder)
            .where(*where)
            .values(updated_at=PurchaseOrder.updated_at)
            .execution_options(synchronize_session=False)
        )
    query = (
        select(PurchaseOrder, Store, Supplier)
        .join(
            Store, (Store.store_id == PurchaseOrder.store_id) & (Store.customer_id == customer_id)
        )
        .outerjoin(
            Supplier,
            (Supplier.supplier_id == PurchaseOrder.supplier_id)
            & (Supplier.customer_id == customer_id),
        )
        .where(*where)
    )
    if lock:
        # populate_existing: an order already in the session is re-read under the lock.
        query = query.with_for_update(of=PurchaseOrder).execution_options(populate_existing=True)
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1], row[2])


async def list_lines(
    session: AsyncSession, *, customer_id: uuid.UUID, po_ids: Sequence[uuid.UUID]
) -> list[tuple[PurchaseOrderLine, Product]]:
    """The lines of these orders with their products, by product code."""
    if not po_ids:
        return []
    rows = await session.execute(
        select(PurchaseOrderLine, Product)
        .join(
            Product,
            (Product.product_id == PurchaseOrderLine.product_id)
            & (Product.customer_id == customer_id),
        )
        .where(
            PurchaseOrderLine.customer_id == customer_id,
            PurchaseOrderLine.po_id.in_(po_ids),
        )
        .order_by(Product.product_code, PurchaseOrderLine.line_id)
    )
    return [(line, product) for line, product in rows]


async def stores_by_id(
    session: AsyncSession, *, customer_id: uuid.UUID, store_ids: Sequence[int]
) -> dict[int, Store]:
    """The tenant's stores with these ids."""
    if not store_ids:
        return {}
    rows = await session.scalars(
        select(Store).where(Store.customer_id == customer_id, Store.store_id.in_(store_ids))
    )
    return {store.store_id: store for store in rows}


async def suppliers_by_id(
    session: AsyncSession, *, customer_id: uuid.UUID, supplier_ids: Sequence[int]
) -> dict[int, Supplier]:
    """The tenant's suppliers with these ids."""
    if not supplier_ids:
        return {}
    rows = await session.scalars(
        select(Supplier).where(
            Supplier.customer_id == customer_id, Supplier.supplier_id.in_(supplier_ids)
        )
    )
    return {supplier.supplier_id: supplier for supplier in rows}


async def line_counts(
    session: AsyncSession, *, customer_id: uuid.UUID, po_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many lines each of these orders has."""
    if not po_ids:
        return {}
    rows = await session.execute(
        select(PurchaseOrderLine.po_id, func.count())
        .where(
            PurchaseOrderLine.customer_id == customer_id,
            PurchaseOrderLine.po_id.in_(po_ids),
        )
        .group_by(PurchaseOrderLine.po_id)
    )
    return {po_id: int(count) for po_id, count in rows}


async def list_decisions(
    session: AsyncSession, *, customer_id: uuid.UUID, po_id: uuid.UUID
) -> list[PODecision]:
    """The decisions on one order, oldest first."""
    rows = await session.scalars(
        select(PODecision)
        .where(PODecision.customer_id == customer_id, PODecision.po_id == po_id)
        .order_by(PODecision.decided_at, PODecision.decision_id)
    )
    return list(rows)


async def flush(session: AsyncSession) -> None:
    """Send pending changes."""
    await session.flush()


async def customer_slug(session: AsyncSession, *, customer_id: uuid.UUID) -> str | None:
    """The tenant's slug."""
    return await session.scalar(select(Customer.slug).where(Customer.customer_id == customer_id))


# --- inventory -------------------------------------------------------------------------


def _snapshot_key(customer_id: uuid.UUID, store_id: int, product_id: int) -> tuple[Any, Any, Any]:
    return (
        InventorySnapshot.customer_id == customer_id,
        InventorySnapshot.store_id == store_id,
        InventorySnapshot.product_id == product_id,
    )


async def latest_snapshot(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    on_or_before: Any,
) -> InventorySnapshot | None:
    """The newest snapshot of a store × product on or before ``on_or_before``."""
    return await session.scalar(
        select(InventorySnapshot)
        .where(
            *_snapshot_key(customer_id, store_id, product_id),
            InventorySnapshot.snapshot_date <= on_or_before,
        )
        .order_by(InventorySnapshot.snapshot_date.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def insert_snapshot_if_absent(session: AsyncSession, *, values: dict[str, Any]) -> None:
    """Insert a snapshot (``values`` are its columns) unless that store × product × date
    already has one: the database decides, so two receipts racing for the same day do
    not both insert."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(InventorySnapshot)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[
                InventorySnapshot.customer_id,
                InventorySnapshot.store_id,
                InventorySnapshot.product_id,
                InventorySnapshot.snapshot_date,
            ]
        )
    )


async def lock_snapshot(
    session: AsyncSession, *, customer_id: uuid.UUID, store_id: int, product_id: int, day: Any
) -> InventorySnapshot:
    """The snapshot of a store × product on ``day`` (which must exist), locked."""
    snapshot = await session.scalar(
        select(InventorySnapshot)
        .where(
            *_snapshot_key(customer_id, store_id, product_id),
            InventorySnapshot.snapshot_date == day,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert snapshot is not None, "insert_snapshot_if_absent runs first"
    return snapshot


async def add_receipt(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product_id: int,
    day: Any,
    received: float,
) -> tuple[float, float]:
    """``on_hand += received`` on the day's snapshot, in one statement; returns
    ``(on_hand, on_order)`` after. ``on_order`` is the inventory feed's (orders placed
    outside ShelfOps) and is left alone: ShelfOps' own approved orders count as on order
    in the daily job until they are received."""
    result = await session.execute(
        update(InventorySnapshot)
        .where(
            *_snapshot_key(customer_id, store_id, product_id),
            InventorySnapshot.snapshot_date == day,
        )
        .values(on_hand=InventorySnapshot.on_hand + received)
        .returning(InventorySnapshot.on_hand, InventorySnapshot.on_order)
        .execution_options(synchronize_session=False)
    )
    on_hand, on_order = result.one()
    return float(on_hand), float(on_order)
