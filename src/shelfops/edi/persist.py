"""Facts read from an interchange → the tenant's domain tables, all or nothing.

:func:`apply_facts` first resolves every code against the tenant's catalog and purchase
orders and checks every rule, attaching each problem to the transaction set and segment
it comes from; only when there is none does it write (the service flushes, the caller
commits). What lands where:

* **846 and 852 stock positions** → ``inventory_snapshots`` per store × product × day
  (on hand; on order when given, else a stored row keeps its own and a new one gets 0).
* **852 quantity sold** → ``sales`` per store × product × day. A new row's
  ``unit_price`` is the 852's retail price (CTP RES) when given, else the product's
  catalog ``unit_price``; ``promo_flag`` false and ``discount_pct`` 0 (an 852 says
  nothing of promotions). A stored row (from the point-of-sale feed) gets the new
  quantity, and the new price only when the 852 gave one; its promo flag and discount
  stay.
* **852 quantity received** → kept in the sync log's metadata (``receipts``).
* **856 ship notice**, per item, by its PRF purchase order number:

  - naming one of the tenant's orders (``purchase_orders.po_number``): the order must
    be approved, edited or received (a suggested or rejected order was never sent), for
    the ship-to store, and hold the product. An approved or edited order's
    ``expected_delivery_date`` becomes the notice's arrival date (DTM 017, else 067),
    the latest when several items say different; the quantities stay counted as on order
    through the order itself (the replenishment job adds open orders), so they are not
    added to the snapshots. Shipped against ordered units are recorded in the sync log
    (``asns``; the order table has no column for them);
  - naming no order of the tenant (or no PRF): an order placed outside ShelfOps. The
    shipped units are added to the on-order of the ship-to store's newest count before
    the ship date, written as the snapshot of the ship date (created with that count's
    on hand, or 0 when there is none, as a receipt does). Computed from the earlier
    count, never from the same day's row, so a re-sent notice changes nothing; a count
    in the same interchange for that store, product and day wins.
* **810 invoice** → the product's ``unit_cost`` = IT104 unit price (divided by the pack
  size when priced per case); of several invoices the latest dated wins. Each invoice is
  recorded in the sync log (``invoices``).

Unknown stores or products, a quantity in cases that is more than ``MAX_UNITS`` units
at the product's pack size, and the same store × product × day given twice with
different values, are problems naming the segment and value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.edi import repository
from shelfops.edi.document import (
    ELEMENT_INVALID_CODE,
    SEGMENT_HAS_ELEMENT_ERRORS,
    SET_SEGMENTS_IN_ERROR,
    Problem,
    Segment,
    TransactionSet,
)
from shelfops.edi.facts import Facts, InventoryFact, Quantity, Ref, SaleFact, ShipmentLine
from shelfops.edi.repository import OrderInfo, ProductInfo, SaleRow, SnapshotRow
from shelfops.kit.limits import MAX_UNITS
from shelfops.kit.locks import CATALOG, hold_tenant_lock
from shelfops.models import POStatus

LINKABLE = (POStatus.APPROVED.value, POStatus.EDITED.value, POStatus.RECEIVED.value)
OPEN = (POStatus.APPROVED.value, POStatus.EDITED.value)
# How many entries each list in the sync-log metadata keeps.
_LISTED = 200


class FactsRejected(Exception):
    """Some fact could not be applied; the problems are on the transaction sets."""


@dataclass
class Applied:
    """What was written (rows inserted or changed per table) and what is kept in the
    sync log only."""

    written: dict[str, int]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows written, all tables together."""
        return sum(self.written.values())


class _Resolver:
    """Codes → ids, recording a problem for each unknown one."""

    def __init__(self, stores: dict[str, int], products: dict[str, ProductInfo]) -> None:
        self.stores = stores
        self.products = products
        self.failed = False

    def problem(
        self,
        ts: TransactionSet,
        segment: Segment,
        message: str,
        *,
        element: int | None = None,
        value: str | None = None,
    ) -> None:
        self.failed = True
        problem = Problem.at(
            segment,
            message,
            element=element,
            value=value,
            segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
            element_code=ELEMENT_INVALID_CODE if element is not None else None,
            set_code=SET_SEGMENTS_IN_ERROR,
        )
        # An N1 is resolved once per item below it: its unknown store is one problem.
        if problem not in ts.problems:
            ts.problems.append(problem)

    def store(self, ts: TransactionSet, ref: Ref) -> int | None:
        store_id = self.stores.get(ref.value)
        if store_id is None:
            self.problem(
                ts,
                ref.segment,
                f"store {ref.value!r} is not one of the tenant's store codes "
                f"({ref.segment.id}{ref.element:02d}): expected a known store_code",
                element=ref.element,
                value=ref.value,
            )
        return store_id

    def product(self, ts: TransactionSet, ref: Ref) -> ProductInfo | None:
        product = self.products.get(ref.value)
        if product is None:
            qualifier = f"{ref.qualifier} " if ref.qualifier else ""
            self.problem(
                ts,
                ref.segment,
                f"product {qualifier}{ref.value!r} is not one of the tenant's product codes "
                f"({ref.segment.id}{ref.element:02d}): expected a known product_code",
                element=ref.element,
                value=ref.value,
            )
        return product

    def units(self, ts: TransactionSet, quantity: Quantity, product: ProductInfo) -> float:
        """``quantity`` in units (:func:`units`), with a problem when that is more than
        ``MAX_UNITS``. The reader bounded the number sent, but a number of cases becomes
        units only here, once the pack size is known: 999999999 cases of 6 is too many
        units of anything. The value is returned either way, since nothing is written
        once a problem is recorded."""
        exact = quantity.value * Decimal(product.pack_size)
        if quantity.unit == "CA" and exact > MAX_UNITS:
            ref = quantity.ref
            self.problem(
                ts,
                ref.segment,
                f"{ref.segment.id}{ref.element:02d} {ref.value} CA is {_plain(exact)} units of "
                f"product {product.product_code} (pack size {product.pack_size}), which is too "
                f"large: must be at most {MAX_UNITS}",
                element=ref.element,
                value=ref.value,
            )
        return units(quantity, product)


def units(quantity: Quantity, product: ProductInfo) -> float:
    """A quantity in units: cases times the product's pack size."""
    factor = Decimal(product.pack_size) if quantity.unit == "CA" else Decimal(1)
    return float(quantity.value * factor)


def unit_cost(price: Quantity, product: ProductInfo) -> float:
    """A unit price per each: a case price divided by the pack size."""
    divisor = Decimal(product.pack_size) if price.unit == "CA" else Decimal(1)
    return float(price.value / divisor)


async def apply_facts(session: AsyncSession, *, customer_id: uuid.UUID, facts: Facts) -> Applied:
    """Resolve and write ``facts`` for the tenant. Raises :class:`FactsRejected` (after
    attaching the problems to the transaction sets) before writing anything when any
    fact cannot be applied."""
    store_refs = [f.store for f in facts.inventory] + [f.store for f in facts.sales]
    store_refs += [f.store for f in facts.receipts] + [f.ship_to for f in facts.shipments]
    product_refs = [f.product for f in facts.inventory] + [f.product for f in facts.sales]
    product_refs += [f.product for f in facts.receipts] + [f.product for f in facts.shipments]
    product_refs += [f.product for f in facts.invoices]
    # Resolve codes under the catalog lock (shared): see kit/locks.py.
    await hold_tenant_lock(session, customer_id, CATALOG, shared=True)
    resolver = _Resolver(
        await repository.stores_by_code(
            session, customer_id=customer_id, codes=(r.value for r in store_refs)
        ),
        await repository.products_by_code(
            session, customer_id=customer_id, codes=(r.value for r in product_refs)
        ),
    )
    orders = await repository.orders_by_number(
        session,
        customer_id=customer_id,
        numbers=(f.po_number.value for f in facts.shipments if f.po_number is not None),
    )

    snapshots = _snapshots(resolver, facts.inventory)
    sales = _sales(resolver, facts.sales)
    receipts = _receipts(resolver, facts)
    shipments = _Shipments(resolver, orders)
    for line in facts.shipments:
        shipments.add(line)
    costs, invoices = _invoices(resolver, facts)
    if resolver.failed:
        raise FactsRejected

    written = {
        "inventory_snapshots": await repository.upsert_snapshots(
            session, customer_id=customer_id, rows=list(snapshots.values())
        ),
        "sales": await repository.upsert_sales(
            session, customer_id=customer_id, rows=list(sales.values())
        ),
    }
    written["inventory_snapshots"] += await shipments.write_on_order(
        session, customer_id=customer_id, counted=set(snapshots)
    )
    written["purchase_orders"] = await shipments.write_orders(session, customer_id=customer_id)
    written["products"] = await repository.set_unit_costs(
        session, customer_id=customer_id, costs=costs
    )
    metadata: dict[str, Any] = {
        "receipts": receipts[:_LISTED],
        "asns": shipments.metadata()[:_LISTED],
        "invoices": invoices[:_LISTED],
    }
    return Applied(written=written, metadata=metadata)


_Key = tuple[int, int, dt.date]


def _snapshots(resolver: _Resolver, facts: list[InventoryFact]) -> dict[_Key, SnapshotRow]:
    rows: dict[_Key, SnapshotRow] = {}
    first: dict[_Key, InventoryFact] = {}
    for fact in facts:
        store_id = resolver.store(fact.origin, fact.store)
        product = resolver.product(fact.origin, fact.product)
        if store_id is None or product is None:
            continue
        key = (store_id, product.product_id, fact.day)
        row = SnapshotRow(
            store_id=store_id,
            product_id=product.product_id,
            day=fact.day,
            on_hand=resolver.units(fact.origin, fact.on_hand, product),
            on_order=resolver.units(fact.origin, fact.on_order, product)
            if fact.on_order is not None
            else None,
        )
        if key in rows:
            if rows[key] != row:
                earlier = first[key]
                resolver.problem(
                    fact.origin,
                    fact.anchor,
                    f"store {fact.store.value}, product {fact.product.value} on {fact.day} "
                    f"already has a different stock position at segment "
                    f"{earlier.anchor.index} ({earlier.origin.label}): expected one per "
                    "store, product and day",
                )
            continue
        rows[key], first[key] = row, fact
    return rows


def _sales(resolver: _Resolver, facts: list[SaleFact]) -> dict[_Key, SaleRow]:
    rows: dict[_Key, SaleRow] = {}
    first: dict[_Key, SaleFact] = {}
    for fact in facts:
        store_id = resolver.store(fact.origin, fact.store)
        product = resolver.product(fact.origin, fact.product)
        if store_id is None or product is None:
            continue
        key = (store_id, product.product_id, fact.day)
        row = SaleRow(
            store_id=store_id,
            product_id=product.product_id,
            day=fact.day,
            quantity=resolver.units(fact.origin, fact.quantity, product),
            unit_price=float(fact.unit_price) if fact.unit_price is not None else None,
            catalog_price=product.unit_price,
        )
        if key in rows:
            if rows[key] != row:
                earlier = first[key].quantity.ref.segment
                resolver.problem(
                    fact.origin,
                    fact.quantity.ref.segment,
                    f"store {fact.store.value}, product {fact.product.value} on {fact.day} "
                    f"already has different sales at segment {earlier.index} "
                    f"({first[key].origin.label}): expected one quantity sold per store, "
                    "product and day",
                    element=fact.quantity.ref.element,
                    value=fact.quantity.ref.value,
                )
            continue
        rows[key], first[key] = row, fact
    return rows


def _receipts(resolver: _Resolver, facts: Facts) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    for fact in facts.receipts:
        store_id = resolver.store(fact.origin, fact.store)
        product = resolver.product(fact.origin, fact.product)
        if store_id is None or product is None:
            continue
        listed.append(
            {
                "store_code": fact.store.value,
                "product_code": product.product_code,
                "date": fact.day.isoformat(),
                "units": resolver.units(fact.origin, fact.quantity, product),
                "transaction_set": fact.origin.label,
            }
        )
    return listed


@dataclass
class _Linked:
    order: OrderInfo
    line: ShipmentLine
    product: ProductInfo
    units: float


class _Shipments:
    """The items of ship notices, sorted into linked orders and outside orders."""

    def __init__(self, resolver: _Resolver, orders: dict[str, OrderInfo]) -> None:
        self.resolver = resolver
        self.orders = orders
        self.linked: list[_Linked] = []
        # (store_id, product_id, ship date) → units shipped on orders placed elsewhere
        self.outside: dict[_Key, float] = defaultdict(float)
        self.outside_lines: list[tuple[ShipmentLine, ProductInfo, float]] = []

    def add(self, line: ShipmentLine) -> None:
        resolver, ts = self.resolver, line.origin
        store_id = resolver.store(ts, line.ship_to)
        product = resolver.product(ts, line.product)
        if store_id is None or product is None:
            return
        shipped = resolver.units(ts, line.shipped, product)
        order = self.orders.get(line.po_number.value) if line.po_number is not None else None
        if order is None:
            self.outside[(store_id, product.product_id, line.ship_date)] += shipped
            self.outside_lines.append((line, product, shipped))
            return
        assert line.po_number is not None
        prf = line.po_number
        if order.status not in LINKABLE:
            resolver.problem(
                ts,
                prf.segment,
                f"purchase order {order.po_number} is '{order.status}': it was never sent, "
                "so nothing can ship against it; expected an approved, edited or received "
                "order",
                element=prf.element,
                value=prf.value,
            )
            return
        if order.store_id != store_id:
            resolver.problem(
                ts,
                line.ship_to.segment,
                f"ship-to store {line.ship_to.value!r} is not the store of purchase order "
                f"{order.po_number}: expected the order's store",
                element=line.ship_to.element,
                value=line.ship_to.value,
            )
            return
        if product.product_id not in order.lines:
            resolver.problem(
                ts,
                line.product.segment,
                f"product {line.product.value!r} is not on purchase order {order.po_number}",
                element=line.product.element,
                value=line.product.value,
            )
            return
        self.linked.append(_Linked(order=order, line=line, product=product, units=shipped))

    async def write_on_order(
        self, session: AsyncSession, *, customer_id: uuid.UUID, counted: set[_Key]
    ) -> int:
        """Outside orders: shipped units onto the ship-date snapshot's on-order, in date
        order (each day builds on the counts before it)."""
        written = 0
        for key in sorted(self.outside, key=lambda k: (k[2], k[0], k[1])):
            if key in counted:
                continue  # a count of that very day (same interchange) wins
            store_id, product_id, day = key
            base = await repository.latest_snapshot_before(
                session, customer_id=customer_id, store_id=store_id, product_id=product_id, day=day
            )
            on_hand, on_order = base if base is not None else (0.0, 0.0)
            written += await repository.set_on_order(
                session,
                customer_id=customer_id,
                store_id=store_id,
                product_id=product_id,
                day=day,
                on_order=on_order + self.outside[key],
                on_hand_if_new=on_hand,
            )
        return written

    async def write_orders(self, session: AsyncSession, *, customer_id: uuid.UUID) -> int:
        """Linked open orders: the expected delivery becomes the latest arrival date."""
        arrivals: dict[uuid.UUID, dt.date] = {}
        for linked in self.linked:
            arrival = linked.line.arrival_date
            if linked.order.status in OPEN and arrival is not None:
                current = arrivals.get(linked.order.po_id)
                arrivals[linked.order.po_id] = max(arrival, current) if current else arrival
        written = 0
        for po_id, day in sorted(arrivals.items(), key=lambda item: str(item[0])):
            written += await repository.set_expected_delivery(
                session, customer_id=customer_id, po_id=po_id, day=day
            )
        return written

    def metadata(self) -> list[dict[str, Any]]:
        """One entry per shipment × purchase order, with its lines."""
        notices: dict[tuple[str, str | None], dict[str, Any]] = {}
        for linked in self.linked:
            entry = self._entry(notices, linked.line, linked.order)
            entry["lines"].append(
                {
                    "product_code": linked.product.product_code,
                    "shipped_units": linked.units,
                    "ordered_units": linked.order.lines[linked.product.product_id],
                }
            )
        for line, product, shipped in self.outside_lines:
            entry = self._entry(notices, line, None)
            entry["lines"].append({"product_code": product.product_code, "shipped_units": shipped})
        return list(notices.values())

    @staticmethod
    def _entry(
        notices: dict[tuple[str, str | None], dict[str, Any]],
        line: ShipmentLine,
        order: OrderInfo | None,
    ) -> dict[str, Any]:
        po_number = line.po_number.value if line.po_number is not None else None
        key = (line.shipment_id, po_number)
        if key not in notices:
            notices[key] = {
                "shipment_id": line.shipment_id,
                "po_number": po_number,
                "linked": order is not None,
                "order_status": order.status if order is not None else None,
                "ship_to": line.ship_to.value,
                "ship_date": line.ship_date.isoformat(),
                "arrival_date": line.arrival_date.isoformat() if line.arrival_date else None,
                "transaction_set": line.origin.label,
                "lines": [],
            }
        return notices[key]


def _invoices(resolver: _Resolver, facts: Facts) -> tuple[dict[int, float], list[dict[str, Any]]]:
    """The unit cost per product (latest invoice wins) and the invoices for the log."""
    latest: dict[int, tuple[dt.date, int, float]] = {}
    invoices: dict[str, dict[str, Any]] = {}
    for order, line in enumerate(facts.invoices):
        product = resolver.product(line.origin, line.product)
        if product is None:
            continue
        cost = unit_cost(line.unit_price, product)
        if line.quantity is not None:
            # Only logged, but held to the bound of every other quantity read.
            resolver.units(line.origin, line.quantity, product)
        rank = (line.invoice_date, order)
        if product.product_id not in latest or rank > latest[product.product_id][:2]:
            latest[product.product_id] = (line.invoice_date, order, cost)
        entry = invoices.setdefault(
            line.invoice_number,
            {
                "invoice_number": line.invoice_number,
                "invoice_date": line.invoice_date.isoformat(),
                "po_number": line.po_number,
                "ship_to": line.ship_to,
                "total": _plain(facts.invoice_totals.get(line.invoice_number)),
                "transaction_set": line.origin.label,
                "lines": [],
            },
        )
        entry["lines"].append(
            {
                "product_code": product.product_code,
                "quantity": _plain(line.quantity.value) if line.quantity else None,
                "unit": line.unit_price.unit,
                "unit_price": _plain(line.unit_price.value),
                "unit_cost": cost,
            }
        )
    return {pid: cost for pid, (_, _, cost) in latest.items()}, list(invoices.values())


def _plain(value: Decimal | None) -> str | None:
    return format(value.normalize(), "f") if value is not None else None
