"""A small hand-built chain for the replenishment tests, written straight into the tables
(as ingestion and the forecast job would have), with the inputs kept so that a test can
rebuild every policy with :func:`~shelfops.replenishment.policy.compute_policy` by hand.

Two stores × four products on :data:`AS_OF` (inventory as of the close of the day
before, sales for the :data:`DAYS` days before it, the champion ``v1``'s forecasts issued
on ``AS_OF`` for 14 days):

============  ========  =====================  =====================================
series        forecast  inventory              expected
============  ========  =====================  =====================================
S1|P1         5/day     snapshot 2 on hand     out of stock soon: critical, reorder
              + band    measured error (10 d)  category target Dairy 0.90 cycle
S1|P2         2/day     snapshot 100           ok; product target 0.97 fill rate
S2|P1         2/day     snapshot 10, 4         ok: an approved PO of 24 is on order
              + band    reserved
S2|P2         2/day     snapshot 3             1.5 days of supply < 5-day lead:
              no band                          warning, reorder
S1|P3         none      snapshot 1             no supplier (default 7-day lead), no
                                               forecast (recent sales average)
S2|P3         none      on_hand_close 6 only   on hand from the sales rows
S1|P4         none      nothing recorded       skipped: no inventory
============  ========  =====================  =====================================

Suppliers: V1 (3 days ± 0.5, no minimum), V2 (5 days, minimum 12). P1 comes in packs of 6.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import (
    Alert,
    DemandForecast,
    ForecastAccuracy,
    InventorySnapshot,
    ModelStatus,
    ModelVersion,
    POStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderPolicy,
    Sale,
    ServiceLevelTarget,
    Store,
    Supplier,
)
from shelfops.replenishment.policy import PolicyDecision, PolicyInputs, compute_policy
from shelfops.replenishment.service import run_replenishment
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]

AS_OF = dt.date(2026, 3, 2)
DAYS = 28
HORIZON = 14
VERSION = "v1"

# Series → daily forecast mean (champion); None: no forecast.
FORECAST_MEAN = {
    ("S1", "P1"): 5.0,
    ("S1", "P2"): 2.0,
    ("S2", "P1"): 2.0,
    ("S2", "P2"): 2.0,
}
# Series with a calibrated band (0.1 / 0.5 / 0.9 quantiles); the others have none.
WITH_BAND = {("S1", "P1"), ("S2", "P1")}
# Inventory snapshot on AS_OF − 1: (on_hand, on_order, reserved).
SNAPSHOTS = {
    ("S1", "P1"): (2.0, 0.0, 0.0),
    ("S1", "P2"): (100.0, 0.0, 0.0),
    ("S2", "P1"): (10.0, 0.0, 4.0),
    ("S2", "P2"): (3.0, 0.0, 0.0),
    ("S1", "P3"): (1.0, 0.0, 0.0),
}
# S2|P3 has no snapshot but its sales rows record on-hand at close.
CLOSE_ON_HAND = {("S2", "P3"): 6.0}
APPROVED_PO_QTY = 24.0  # on an approved order for S2|P1
# Daily errors (actual − forecast) of v1 for S1|P1 on the 10 days before AS_OF.
S1P1_ERRORS = [1.0, -2.0, 0.5, 3.0, -1.0, 0.0, 2.0, -0.5, 1.5, -3.0]
DAIRY_TARGET = (0.90, "cycle")
P2_TARGET = (0.97, "fill_rate")


def sales_quantity(store: str, product: str, day_index: int) -> float:
    """Units sold on day ``day_index`` (0 = the first of the DAYS days): deterministic,
    with zero days, different per series."""
    base = {"P1": 3.0, "P2": 2.0, "P3": 1.0, "P4": 1.0}[product] + (0.5 if store == "S2" else 0)
    return float(max(0.0, base + ((day_index * 7 + len(store + product)) % 5) - 2.0))


def band(mean: float, day: int) -> dict[str, float]:
    """The calibrated quantiles of one forecast day (the upper side grows with the day)."""
    return {"0.1": max(0.0, mean - 1.5), "0.5": mean, "0.9": mean + 1.0 + 0.1 * day}


@dataclass
class Chain:
    """The ids of the hand-built chain."""

    tenant: Tenant
    stores: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    suppliers: dict[str, int] = field(default_factory=dict)

    def key(self, store: str, product: str) -> tuple[int, int]:
        """Database ids of a series."""
        return self.stores[store], self.products[product]

    def code(self, store_id: int, product_id: int) -> tuple[str, str]:
        """Codes of a series."""
        stores = {v: k for k, v in self.stores.items()}
        products = {v: k for k, v in self.products.items()}
        return stores[store_id], products[product_id]


async def build_chain(sessions: Sessions, tenant: Tenant) -> Chain:
    """Write the chain of the module docstring for ``tenant``."""
    chain = Chain(tenant=tenant)
    cid = tenant.customer_id
    async with tenant_transaction(sessions, cid) as session:
        suppliers = {
            "V1": Supplier(
                customer_id=cid,
                supplier_code="V1",
                name="Dairy Co",
                lead_time_days=3.0,
                lead_time_std_days=0.5,
                min_order_qty=0,
            ),
            "V2": Supplier(
                customer_id=cid,
                supplier_code="V2",
                name="Farm Ltd",
                lead_time_days=5.0,
                lead_time_std_days=0.0,
                min_order_qty=12,
            ),
        }
        session.add_all(suppliers.values())
        await session.flush()
        stores = {
            code: Store(customer_id=cid, store_code=code, name=f"Store {code}")
            for code in ("S1", "S2")
        }
        products = {
            "P1": _product(cid, "P1", "Whole milk", "Dairy", suppliers["V1"], cost=2.0, pack=6),
            "P2": _product(cid, "P2", "Greek yogurt", "Dairy", suppliers["V2"], cost=5.0),
            "P3": _product(cid, "P3", "Sourdough loaf", "Bakery", None, cost=1.0),
            "P4": _product(cid, "P4", "Rye bread", "Bakery", suppliers["V1"], cost=1.5),
        }
        session.add_all([*stores.values(), *products.values()])
        await session.flush()
        chain.suppliers = {k: v.supplier_id for k, v in suppliers.items()}
        chain.stores = {k: v.store_id for k, v in stores.items()}
        chain.products = {k: v.product_id for k, v in products.items()}

        series = [
            ("S1", "P1"),
            ("S1", "P2"),
            ("S2", "P1"),
            ("S2", "P2"),
            ("S1", "P3"),
            ("S2", "P3"),
            ("S1", "P4"),
        ]
        start = AS_OF - dt.timedelta(days=DAYS)
        for store, product in series:
            for i in range(DAYS):
                day = start + dt.timedelta(days=i)
                close = CLOSE_ON_HAND.get((store, product))
                session.add(
                    Sale(
                        customer_id=cid,
                        store_id=chain.stores[store],
                        product_id=chain.products[product],
                        sale_date=day,
                        quantity=sales_quantity(store, product, i),
                        unit_price=3.0,
                        on_hand_close=close + (DAYS - 1 - i) if close is not None else None,
                    )
                )
        for (store, product), (on_hand, on_order, reserved) in SNAPSHOTS.items():
            session.add(
                InventorySnapshot(
                    customer_id=cid,
                    store_id=chain.stores[store],
                    product_id=chain.products[product],
                    snapshot_date=AS_OF - dt.timedelta(days=1),
                    on_hand=on_hand,
                    on_order=on_order,
                    reserved=reserved,
                )
            )
        session.add(
            ModelVersion(
                customer_id=cid,
                version=VERSION,
                status=ModelStatus.CHAMPION.value,
                metrics={"mae": 1.0},
            )
        )
        for (store, product), mean in FORECAST_MEAN.items():
            for d in range(HORIZON):
                quantiles = band(mean, d) if (store, product) in WITH_BAND else None
                session.add(
                    DemandForecast(
                        customer_id=cid,
                        store_id=chain.stores[store],
                        product_id=chain.products[product],
                        issue_date=AS_OF,
                        forecast_date=AS_OF + dt.timedelta(days=d),
                        model_version=VERSION,
                        forecasted_demand=mean,
                        lower_bound=quantiles["0.1"] if quantiles else None,
                        upper_bound=quantiles["0.9"] if quantiles else None,
                        quantiles=quantiles,
                    )
                )
        for i, error in enumerate(S1P1_ERRORS):
            day = AS_OF - dt.timedelta(days=len(S1P1_ERRORS) - i)
            session.add(
                ForecastAccuracy(
                    customer_id=cid,
                    store_id=chain.stores["S1"],
                    product_id=chain.products["P1"],
                    issue_date=day,
                    forecast_date=day,
                    model_version=VERSION,
                    forecasted_demand=5.0,
                    actual_demand=5.0 + error,
                    absolute_error=abs(error),
                )
            )
        session.add_all(
            [
                ServiceLevelTarget(
                    customer_id=cid,
                    category="Dairy",
                    service_level=DAIRY_TARGET[0],
                    kind=DAIRY_TARGET[1],
                ),
                ServiceLevelTarget(
                    customer_id=cid,
                    product_id=chain.products["P2"],
                    service_level=P2_TARGET[0],
                    kind=P2_TARGET[1],
                ),
            ]
        )
        order = PurchaseOrder(
            customer_id=cid,
            po_number="MANUAL-1",
            store_id=chain.stores["S2"],
            supplier_id=chain.suppliers["V1"],
            status=POStatus.APPROVED.value,
            source="manual",
            order_date=AS_OF - dt.timedelta(days=2),
        )
        session.add(order)
        await session.flush()
        session.add(
            PurchaseOrderLine(
                customer_id=cid,
                po_id=order.po_id,
                product_id=chain.products["P1"],
                suggested_quantity=None,
                quantity=APPROVED_PO_QTY,
                unit_cost=2.0,
            )
        )
    return chain


def _product(
    cid: uuid.UUID,
    code: str,
    name: str,
    category: str,
    supplier: Supplier | None,
    *,
    cost: float,
    pack: int = 1,
) -> Product:
    return Product(
        customer_id=cid,
        product_code=code,
        name=name,
        category=category,
        department="Grocery",
        supplier_id=supplier.supplier_id if supplier else None,
        unit_cost=cost,
        unit_price=cost * 1.6,
        pack_size=pack,
    )


def recent_sales(store: str, product: str) -> np.ndarray:
    """The DAYS daily quantities of a series (for the no-forecast fallback)."""
    return np.array([sales_quantity(store, product, i) for i in range(DAYS)])


LEAD = {"P1": (3.0, 0.5, 0.0), "P2": (5.0, 0.0, 12.0), "P3": (7.0, 0.0, 0.0)}
COST = {"P1": 2.0, "P2": 5.0, "P3": 1.0}
PACK = {"P1": 6.0, "P2": 1.0, "P3": 1.0}
LEVEL = {"P1": DAIRY_TARGET, "P2": P2_TARGET, "P3": (0.95, "cycle")}


def expected(store: str, product: str, **changes: Any) -> PolicyDecision:
    """The policy of a series computed by hand from the chain's inputs."""
    mean = FORECAST_MEAN.get((store, product))
    quantiles: dict[float, np.ndarray] = {}
    error: float | None = None
    if mean is not None:
        forecast = np.full(HORIZON, mean)
        if (store, product) in WITH_BAND:
            days = [band(mean, d) for d in range(HORIZON)]
            quantiles = {float(q): np.array([d[q] for d in days]) for q in ("0.1", "0.5", "0.9")}
        if (store, product) == ("S1", "P1"):
            error = float(np.std(S1P1_ERRORS, ddof=1))
    else:
        # No forecast: the recent average as a flat forecast, its daily std as the error.
        sales = recent_sales(store, product)
        forecast = np.full(HORIZON, sales.mean())
        error = float(sales.std(ddof=1))
    on_hand, on_order, reserved = SNAPSHOTS.get((store, product), (0.0, 0.0, 0.0))
    if (store, product) in CLOSE_ON_HAND:
        on_hand = CLOSE_ON_HAND[(store, product)]
    if (store, product) == ("S2", "P1"):
        on_order += APPROVED_PO_QTY
    lead, lead_std, moq = LEAD[product]
    level, kind = LEVEL[product]
    inputs: dict[str, Any] = {
        "forecast_mean": forecast,
        "forecast_quantiles": quantiles,
        "error_std": error,
        "lead_time_days": lead,
        "lead_time_std_days": lead_std,
        "service_level": level,
        "service_kind": kind,
        "on_hand": on_hand,
        "on_order": on_order,
        "reserved": reserved,
        "unit_cost": COST[product],
        "min_order_qty": moq,
        "pack_size": PACK[product],
    }
    return compute_policy(PolicyInputs(**(inputs | changes)))


PLANNED = [("S1", "P1"), ("S1", "P2"), ("S2", "P1"), ("S2", "P2"), ("S1", "P3"), ("S2", "P3")]


async def planned(sessions: Sessions, settings: Settings, tenant: Tenant) -> Chain:
    """Write the chain for ``tenant`` and run the daily replenishment job on it."""
    chain = await build_chain(sessions, tenant)
    await run_replenishment(sessions, settings, customer_id=tenant.customer_id, as_of=AS_OF)
    return chain


async def policies(sessions: Sessions, chain: Chain) -> dict[tuple[str, str], ReorderPolicy]:
    """The tenant's policies by series codes."""
    async with tenant_transaction(sessions, chain.tenant.customer_id) as session:
        rows = await session.scalars(
            select(ReorderPolicy).where(ReorderPolicy.customer_id == chain.tenant.customer_id)
        )
        return {chain.code(r.store_id, r.product_id): r for r in rows}


async def alerts(sessions: Sessions, tenant: Tenant) -> list[Alert]:
    """Every stock alert of the tenant."""
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        rows = await session.scalars(select(Alert).where(Alert.customer_id == tenant.customer_id))
        return list(rows)


async def orders(
    sessions: Sessions, tenant: Tenant
) -> list[tuple[PurchaseOrder, list[PurchaseOrderLine]]]:
    """Every purchase order of the tenant with its lines, by PO number."""
    async with tenant_transaction(sessions, tenant.customer_id) as session:
        pos = list(
            await session.scalars(
                select(PurchaseOrder)
                .where(PurchaseOrder.customer_id == tenant.customer_id)
                .order_by(PurchaseOrder.po_number)
            )
        )
        out = []
        for po in pos:
            lines = await session.scalars(
                select(PurchaseOrderLine)
                .where(PurchaseOrderLine.po_id == po.po_id)
                .order_by(PurchaseOrderLine.product_id)
            )
            out.append((po, list(lines)))
        return out


async def set_snapshot(
    sessions: Sessions, chain: Chain, store: str, product: str, **values: Any
) -> None:
    """Change the AS_OF − 1 snapshot of a series (as a new count would)."""
    async with tenant_transaction(sessions, chain.tenant.customer_id) as session:
        snapshot = await session.scalar(
            select(InventorySnapshot).where(
                InventorySnapshot.customer_id == chain.tenant.customer_id,
                InventorySnapshot.store_id == chain.stores[store],
                InventorySnapshot.product_id == chain.products[product],
                InventorySnapshot.snapshot_date == AS_OF - dt.timedelta(days=1),
            )
        )
        assert snapshot is not None
        for name, value in values.items():
            setattr(snapshot, name, value)
