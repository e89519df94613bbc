"""Catalog rows, suggested purchase orders and small helpers shared by the purchase-order
tests. Suggested orders are written through the ORM, as the daily replenishment job
writes them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    AuditLog,
    InventorySnapshot,
    PODecision,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Role,
    Store,
    Supplier,
)
from tests.conftest import Tenant

API = "/api/v1/purchase-orders"
PLANNER = Role.PLANNER


def today() -> dt.date:
    """The server's idea of today (UTC)."""
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Catalog:
    """One store, one supplier and three products of a tenant."""

    store_id: int
    supplier_id: int
    # product code → product id
    products: dict[str, int]

    def pid(self, code: str) -> int:
        """The id of the product with ``code``."""
        return self.products[code]


async def make_catalog(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    lead_time_days: float = 4.5,
    min_order_qty: int = 12,
    suffix: str = "",
) -> Catalog:
    """A store ``S001``, a supplier ``V001`` (lead time 4.5 days, minimum 12 units per
    line) and products ``MILK`` (pack 12, cost 0.80), ``EGGS`` (pack 6, cost 2.50) and
    ``SALT`` (pack 1, cost 0.40), all from that supplier."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        store = Store(
            customer_id=tenant.customer_id, store_code=f"S001{suffix}", name="Main Street"
        )
        supplier = Supplier(
            customer_id=tenant.customer_id,
            supplier_code=f"V001{suffix}",
            name="Dairy Co",
            lead_time_days=lead_time_days,
            min_order_qty=min_order_qty,
        )
        session.add_all([store, supplier])
        await session.flush()
        products = [
            Product(
                customer_id=tenant.customer_id,
                product_code=f"{code}{suffix}",
                name=name,
                category="Dairy",
                department="Grocery",
                supplier_id=supplier.supplier_id,
                unit_cost=cost,
                unit_price=cost * 2,
                pack_size=pack,
            )
            for code, name, cost, pack in [
                ("MILK", "Whole milk 1L", 0.8, 12),
                ("EGGS", "Eggs, dozen", 2.5, 6),
                ("SALT", "Sea salt 500g", 0.4, 1),
            ]
        ]
        session.add_all(products)
        await session.flush()
        return Catalog(
            store_id=store.store_id,
            supplier_id=supplier.supplier_id,
            products={p.product_code.removesuffix(suffix): p.product_id for p in products},
        )


async def make_po(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    catalog: Catalog,
    lines: dict[str, tuple[float, float]],
    *,
    po_number: str = "PO-20261123-1",
    status: str = "suggested",
    created_at: dt.datetime | None = None,
    supplier: bool = True,
) -> str:
    """A purchase order as the daily job writes it; ``lines`` maps product code to
    (quantity, unit cost). Returns the order's id."""
    po_id = uuid.uuid4()
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add(
            PurchaseOrder(
                customer_id=tenant.customer_id,
                po_id=po_id,
                po_number=po_number,
                store_id=catalog.store_id,
                supplier_id=catalog.supplier_id if supplier else None,
                status=status,
                source="suggested",
                total_cost=round(sum(q * c for q, c in lines.values()), 2),
                created_at=created_at or dt.datetime.now(dt.UTC),
            )
        )
        await session.flush()
        session.add_all(
            PurchaseOrderLine(
                customer_id=tenant.customer_id,
                po_id=po_id,
                product_id=catalog.pid(code),
                suggested_quantity=quantity,
                quantity=quantity,
                unit_cost=cost,
            )
            for code, (quantity, cost) in lines.items()
        )
    return str(po_id)


async def put_snapshot(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    catalog: Catalog,
    code: str,
    day: dt.date,
    *,
    on_hand: float,
    on_order: float,
    reserved: float = 0.0,
) -> None:
    """An inventory count, as the inventory loader writes it."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add(
            InventorySnapshot(
                customer_id=tenant.customer_id,
                store_id=catalog.store_id,
                product_id=catalog.pid(code),
                snapshot_date=day,
                on_hand=on_hand,
                on_order=on_order,
                reserved=reserved,
            )
        )


async def snapshots(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, catalog: Catalog, code: str
) -> dict[dt.date, tuple[float, float, float]]:
    """``{date: (on_hand, on_order, reserved)}`` of one product at the catalog's store."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(InventorySnapshot).where(
                InventorySnapshot.customer_id == tenant.customer_id,
                InventorySnapshot.store_id == catalog.store_id,
                InventorySnapshot.product_id == catalog.pid(code),
            )
        )
        return {r.snapshot_date: (r.on_hand, r.on_order, r.reserved) for r in rows}


async def decisions_in_db(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, po_id: str
) -> list[PODecision]:
    """The ``po_decisions`` rows of one order, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(PODecision)
            .where(PODecision.customer_id == tenant.customer_id)
            .where(PODecision.po_id == uuid.UUID(po_id))
            .order_by(PODecision.decision_id)
        )
        return list(rows)


async def audit_trail(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, po_id: str
) -> list[AuditLog]:
    """The audit rows about one order, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(
                AuditLog.customer_id == tenant.customer_id,
                AuditLog.resource_type == "purchase_order",
                AuditLog.resource_id == po_id,
            )
            .order_by(AuditLog.audit_id)
        )
        return list(rows)


async def act(
    client: httpx.AsyncClient,
    tenant: Tenant,
    po_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    *,
    expect: int = 200,
    role: Role = PLANNER,
) -> dict[str, Any]:
    """POST a workflow action (``approve``, ``reject``, ``receive``) and return the answer
    after checking its status code."""
    response = await client.post(f"{API}/{po_id}/{action}", json=body, headers=tenant.headers(role))
    assert response.status_code == expect, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def fetch(client: httpx.AsyncClient, tenant: Tenant, po_id: str, suffix: str = "") -> Any:
    """GET one order (or ``suffix``, e.g. ``/decisions``) as a viewer; 200 expected."""
    response = await client.get(f"{API}/{po_id}{suffix}", headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return response.json()


def problems(body: dict[str, Any]) -> dict[str, str]:
    """A 422's problems as ``{"body.lines.0.quantity": message}``."""
    assert body["error"] == "ValidationFailed", body
    return {
        ".".join(str(p) for p in problem["location"]): problem["message"]
        for problem in body["detail"]
    }


def quantities(order: dict[str, Any]) -> dict[str, float]:
    """``{product code: ordered quantity}`` of an order read from the API."""
    return {line["product_code"]: line["quantity"] for line in order["lines"]}
