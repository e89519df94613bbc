"""The tenant catalog the sample interchanges of ``examples/edi`` refer to, and readers of
what landed in the tables (by codes, so tests compare plain values).

Catalog: stores ``S001`` (Main Street) and ``S002`` (Harbour); supplier ``V001``;
products ``MILK`` (pack 12, cost 0.80, price 1.29), ``EGGS`` (pack 6, cost 1.50, price
2.49), ``BREAD`` (pack 1, cost 1.10, price 2.19); purchase order ``PO-1001`` (approved,
S001, MILK 24 and EGGS 12, expected 2026-03-07); a count of BREAD at S001 on 2026-03-01
(7 on hand, 2 on order).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    IntegrationSyncLog,
    InventorySnapshot,
    POStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Sale,
    Store,
    Supplier,
)
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "edi"
BREAD_COUNT_DAY = dt.date(2026, 3, 1)


def example(name: str) -> Path:
    """A sample interchange of ``examples/edi``."""
    return EXAMPLES / name


@dataclass(frozen=True)
class Catalog:
    """Ids of the catalog rows."""

    stores: dict[str, int]
    products: dict[str, int]
    po_id: uuid.UUID


async def make_catalog(
    sessionmaker: Sessions, tenant: Tenant, *, po_status: POStatus = POStatus.APPROVED
) -> Catalog:
    """Write the catalog of the module docstring for ``tenant``."""
    cid = tenant.customer_id
    async with tenant_transaction(sessionmaker, cid) as session:
        supplier = Supplier(
            customer_id=cid, supplier_code="V001", name="Dairy Co", lead_time_days=3.0
        )
        session.add(supplier)
        await session.flush()
        stores = {
            code: Store(customer_id=cid, store_code=code, name=name)
            for code, name in (("S001", "Main Street"), ("S002", "Harbour"))
        }
        products = {
            code: Product(
                customer_id=cid,
                product_code=code,
                name=code.title(),
                category="Dairy",
                department="Grocery",
                supplier_id=supplier.supplier_id,
                unit_cost=cost,
                unit_price=price,
                pack_size=pack,
            )
            for code, pack, cost, price in (
                ("MILK", 12, 0.80, 1.29),
                ("EGGS", 6, 1.50, 2.49),
                ("BREAD", 1, 1.10, 2.19),
            )
        }
        session.add_all([*stores.values(), *products.values()])
        await session.flush()
        order = PurchaseOrder(
            customer_id=cid,
            po_number="PO-1001",
            store_id=stores["S001"].store_id,
            supplier_id=supplier.supplier_id,
            status=po_status.value,
            source="suggested",
            order_date=dt.date(2026, 3, 1),
            expected_delivery_date=dt.date(2026, 3, 7),
        )
        session.add(order)
        await session.flush()
        for code, quantity in (("MILK", 24.0), ("EGGS", 12.0)):
            session.add(
                PurchaseOrderLine(
                    customer_id=cid,
                    po_id=order.po_id,
                    product_id=products[code].product_id,
                    quantity=quantity,
                    unit_cost=products[code].unit_cost,
                )
            )
        session.add(
            InventorySnapshot(
                customer_id=cid,
                store_id=stores["S001"].store_id,
                product_id=products["BREAD"].product_id,
                snapshot_date=BREAD_COUNT_DAY,
                on_hand=7.0,
                on_order=2.0,
            )
        )
        return Catalog(
            stores={k: v.store_id for k, v in stores.items()},
            products={k: v.product_id for k, v in products.items()},
            po_id=order.po_id,
        )


@dataclass(frozen=True)
class Tables:
    """What a tenant's tables hold, by codes."""

    # (store, product, day) → (on_hand, on_order, reserved)
    snapshots: dict[tuple[str, str, dt.date], tuple[float, float, float]]
    # (store, product, day) → (quantity, unit_price, promo_flag, discount_pct)
    sales: dict[tuple[str, str, dt.date], tuple[float, float, bool, float]]
    # product → (unit_cost, unit_price)
    products: dict[str, tuple[float, float]]
    # po_number → (status, expected_delivery_date)
    orders: dict[str, tuple[str, dt.date | None]]


async def tables(sessionmaker: Sessions, tenant: Tenant) -> Tables:
    """Read the tenant's snapshots, sales, products and orders."""
    cid = tenant.customer_id
    async with tenant_transaction(sessionmaker, cid) as session:
        stores = {
            i: c
            for c, i in await session.execute(
                select(Store.store_code, Store.store_id).where(Store.customer_id == cid)
            )
        }
        products = {
            p.product_id: p
            for p in await session.scalars(select(Product).where(Product.customer_id == cid))
        }
        snapshots = {
            (stores[s.store_id], products[s.product_id].product_code, s.snapshot_date): (
                s.on_hand,
                s.on_order,
                s.reserved,
            )
            for s in await session.scalars(
                select(InventorySnapshot).where(InventorySnapshot.customer_id == cid)
            )
        }
        sales = {
            (stores[s.store_id], products[s.product_id].product_code, s.sale_date): (
                s.quantity,
                s.unit_price,
                s.promo_flag,
                s.discount_pct,
            )
            for s in await session.scalars(select(Sale).where(Sale.customer_id == cid))
        }
        orders = {
            o.po_number or "": (o.status, o.expected_delivery_date)
            for o in await session.scalars(
                select(PurchaseOrder).where(PurchaseOrder.customer_id == cid)
            )
        }
        return Tables(
            snapshots=snapshots,
            sales=sales,
            products={p.product_code: (p.unit_cost, p.unit_price) for p in products.values()},
            orders=orders,
        )


async def sync_logs(sessionmaker: Sessions, tenant: Tenant) -> list[IntegrationSyncLog]:
    """The tenant's sync-log rows, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(IntegrationSyncLog)
            .where(IntegrationSyncLog.customer_id == tenant.customer_id)
            .order_by(IntegrationSyncLog.started_at)
        )
        return list(rows)


def segments(document: str) -> list[list[str]]:
    """A document ShelfOps wrote (``*`` and ``~``) as lists of elements."""
    assert document.endswith("~")
    return [s.split("*") for s in document[:-1].split("~")]


def replace_in(name: str, old: str, new: str, directory: Path) -> Path:
    """A copy of a sample with ``old`` replaced by ``new`` (exactly once), in
    ``directory``."""
    text = example(name).read_text()
    assert text.count(old) == 1, f"{old!r} is not unique in {name}"
    path = directory / name
    path.write_text(text.replace(old, new))
    return path


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON column's value as a dict (asserting it is one)."""
    assert isinstance(value, dict)
    return value
