"""The purchase-order workflow: people approve, edit, reject and receive the orders the
daily replenishment job suggests.

Status flow::

    suggested ─┬─ approve, quantities as suggested ─→ approved ─┐
               ├─ approve with changed quantities ──→ edited ───┴─ receive ─→ received
               └─ reject ──────────────────────────→ rejected

``rejected`` and ``received`` are final. Any other move is a 409 naming the order's
current status; nothing changes. Each decision locks the order first, so of two planners
deciding at once the second sees the first's result and is refused.

Every decision writes a ``po_decisions`` row (who, reason code, notes, and per line the
quantities before and after, or ordered against received) and an audit row
(``purchase_order.<approve|edit|reject|receive>``) in the same transaction as the change.
A receipt also books the goods into the store's inventory snapshot of the receipt date.
Bad input is refused before anything is written (422 naming the field or line), and the
request's transaction is rolled back on any error, so nothing is ever half-written.

Services flush, never commit: the request's transaction commits.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.edi import x850 as x12
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound, ValidationFailed, field_problem
from shelfops.models import (
    PODecision,
    POStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Store,
    Supplier,
)
from shelfops.models.base import utcnow
from shelfops.replenishment import orders_repository as repository
from shelfops.replenishment.orders_schemas import (
    MAX_QUANTITY,
    InventoryChange,
    POApprove,
    PODecisionRead,
    PODecisionResult,
    POFilters,
    POLineRead,
    POPage,
    PORead,
    POReceive,
    POReject,
    POSummary,
    ReasonCode,
    Receipt,
    ReceiptLine,
    StoreRef,
    SuggestedFilters,
    SuggestedPOPage,
    SupplierRef,
    X12Params,
)
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

RESOURCE_TYPE = "purchase_order"

S = POStatus
# The statuses each action may start from.
SOURCES: dict[str, tuple[POStatus, ...]] = {
    "approve": (S.SUGGESTED,),
    "reject": (S.SUGGESTED,),
    "receive": (S.APPROVED, S.EDITED),
}
EXPORTABLE = (S.APPROVED, S.EDITED, S.RECEIVED)
# Quantities are floats in the database; compare them with a tolerance, not ==.
EPSILON = 1e-9


@dataclass(frozen=True)
class _Order:
    """An order with everything the workflow needs to know about it."""

    order: PurchaseOrder
    store: Store
    supplier: Supplier | None
    lines: list[tuple[PurchaseOrderLine, Product]]

    @property
    def label(self) -> str:
        return self.order.po_number or str(self.order.po_id)


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= EPSILON


def _fmt(value: float) -> str:
    return f"{value:g}"


def _unit_cost(line: PurchaseOrderLine, product: Product) -> float:
    # The line's cost is the one agreed for this order; the catalog's is the fallback.
    return line.unit_cost if line.unit_cost is not None else product.unit_cost


def _total(lines: list[tuple[PurchaseOrderLine, Product]]) -> float:
    return round(sum(line.quantity * _unit_cost(line, product) for line, product in lines), 2)


def _store_ref(store: Store) -> StoreRef:
    return StoreRef.model_validate(store)


def _supplier_ref(supplier: Supplier | None) -> SupplierRef | None:
    return SupplierRef.model_validate(supplier) if supplier is not None else None


def _line_read(line: PurchaseOrderLine, product: Product) -> POLineRead:
    unit_cost = _unit_cost(line, product)
    return POLineRead(
        product_id=product.product_id,
        product_code=product.product_code,
        product_name=product.name,
        pack_size=product.pack_size,
        suggested_quantity=line.suggested_quantity,
        quantity=line.quantity,
        unit_cost=unit_cost,
        line_cost=round(line.quantity * unit_cost, 2),
        received_quantity=line.received_quantity,
    )


def _summary_fields(
    order: PurchaseOrder, store: Store, supplier: Supplier | None, line_count: int
) -> dict[str, Any]:
    return {
        "po_id": order.po_id,
        "po_number": order.po_number,
        "status": POStatus(order.status),
        "source": order.source,
        "store": _store_ref(store),
        "supplier": _supplier_ref(supplier),
        "order_date": order.order_date,
        "expected_delivery_date": order.expected_delivery_date,
        "received_date": order.received_date,
        "total_cost": order.total_cost,
        "line_count": line_count,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _read(loaded: _Order) -> PORead:
    return PORead(
        **_summary_fields(loaded.order, loaded.store, loaded.supplier, len(loaded.lines)),
        lines=[_line_read(line, product) for line, product in loaded.lines],
    )


def _audit_state(loaded: _Order) -> dict[str, Any]:
    """What the audit trail keeps of an order's state."""
    state: dict[str, Any] = {
        "po_number": loaded.order.po_number,
        "status": loaded.order.status,
        "total_cost": loaded.order.total_cost,
        "quantities": {product.product_code: line.quantity for line, product in loaded.lines},
    }
    if loaded.order.status == S.RECEIVED:
        state["received"] = {
            product.product_code: line.received_quantity for line, product in loaded.lines
        }
    return state


async def _load(session: AsyncSession, po_id: uuid.UUID, *, lock: bool) -> _Order:
    """The order with its store and supplier (one statement) and its lines (another)."""
    customer_id = tenant_of(session)
    found = await repository.load_order(session, customer_id=customer_id, po_id=po_id, lock=lock)
    if found is None:
        # The same answer whether the id is unused or another tenant's: never reveal which.
        raise NotFound(f"no purchase order with id {po_id}")
    order, store, supplier = found
    lines = await repository.list_lines(session, customer_id=customer_id, po_ids=[po_id])
    return _Order(order=order, store=store, supplier=supplier, lines=lines)


def _check_status(loaded: _Order, action: str) -> None:
    status = POStatus(loaded.order.status)
    sources = SOURCES[action]
    if status not in sources:
        needed = " or ".join(f"'{s.value}'" for s in sources)
        raise Conflict(
            f"cannot {action} purchase order {loaded.label}: its status is '{status.value}' "
            f"and {action} needs {needed}; nothing changed."
        )


def _reason_problems(reason_code: ReasonCode | None, notes: str | None) -> list[dict[str, Any]]:
    if reason_code is ReasonCode.OTHER and not notes:
        return [field_problem(["body", "notes"], "reason_code 'other' needs notes saying why")]
    return []


def _quantity_problem(quantity: float, product: Product, supplier: Supplier | None) -> str | None:
    """Why ``quantity`` of ``product`` cannot be ordered, or None when it can."""
    if _same(quantity, 0):
        return None  # dropping a line is always allowed
    pack = max(product.pack_size or 1, 1)
    packs = quantity / pack
    if abs(packs - round(packs)) > EPSILON:
        lower = math.floor(packs) * pack
        return (
            f"quantity {_fmt(quantity)} is not a multiple of the pack size {pack} "
            f"(nearest: {_fmt(lower)} or {_fmt(lower + pack)})"
        )
    minimum = supplier.min_order_qty if supplier is not None else 0
    if quantity < minimum - EPSILON:
        smallest = math.ceil(minimum / pack) * pack
        return (
            f"quantity {_fmt(quantity)} is below the supplier's minimum order quantity "
            f"{minimum} (smallest allowed: {smallest}, or 0 to drop the line)"
        )
    return None


async def _decide(
    session: AsyncSession,
    loaded: _Order,
    *,
    decision: POStatus,
    action: str,
    actor: Principal,
    before: dict[str, Any],
    reason_code: ReasonCode | None,
    notes: str | None,
    changes: dict[str, Any],
) -> PODecisionRead:
    """Record the decision (``po_decisions``) and its audit row.

    The audit row's flush also sends the decision and the order's pending changes: one
    flush per decision instead of three (each costs a unit-of-work pass)."""
    row = PODecision(
        customer_id=tenant_of(session),
        po_id=loaded.order.po_id,
        decision=decision.value,
        decided_by=actor.key_name,
        reason_code=reason_code.value if reason_code is not None else None,
        notes=notes,
        changes=changes,
        decided_at=utcnow(),
    )
    session.add(row)
    await audit.record(
        session,
        actor=actor,
        action=f"{RESOURCE_TYPE}.{action}",
        resource_type=RESOURCE_TYPE,
        resource_id=str(loaded.order.po_id),
        before=before,
        after={**_audit_state(loaded), "reason_code": row.reason_code},
        note=notes,
    )
    return PODecisionRead.model_validate(row)


# --- reading ---------------------------------------------------------------------------


async def list_orders(session: AsyncSession, *, filters: POFilters) -> POPage:
    """The tenant's orders matching ``filters``, newest first, one page at a time."""
    customer_id = tenant_of(session)
    rows, total = await repository.list_orders(
        session,
        customer_id=customer_id,
        statuses=[s.value for s in filters.status] if filters.status else None,
        store_id=filters.store_id,
        supplier_id=filters.supplier_id,
        order_by="newest",
        limit=filters.limit,
        offset=filters.offset,
    )
    po_ids = [row.po_id for row in rows]
    stores = await repository.stores_by_id(
        session, customer_id=customer_id, store_ids=sorted({row.store_id for row in rows})
    )
    suppliers = await repository.suppliers_by_id(
        session,
        customer_id=customer_id,
        supplier_ids=sorted({row.supplier_id for row in rows if row.supplier_id is not None}),
    )
    counts = await repository.line_counts(session, customer_id=customer_id, po_ids=po_ids)
    items = [
        POSummary(
            **_summary_fields(
                row,
                stores[row.store_id],
                suppliers.get(row.supplier_id) if row.supplier_id is not None else None,
                counts.get(row.po_id, 0),
            )
        )
        for row in rows
    ]
    return POPage.build(items, total=total, params=filters)


async def list_suggested(session: AsyncSession, *, filters: SuggestedFilters) -> SuggestedPOPage:
    """The tenant's suggested orders with supplier, store and lines, by supplier code
    then store code (orders without a supplier last)."""
    customer_id = tenant_of(session)
    rows, total = await repository.list_orders(
        session,
        customer_id=customer_id,
        statuses=[S.SUGGESTED.value],
        store_id=filters.store_id,
        supplier_id=filters.supplier_id,
        order_by="worklist",
        limit=filters.limit,
        offset=filters.offset,
    )
    stores = await repository.stores_by_id(
        session, customer_id=customer_id, store_ids=sorted({row.store_id for row in rows})
    )
    suppliers = await repository.suppliers_by_id(
        session,
        customer_id=customer_id,
        supplier_ids=sorted({row.supplier_id for row in rows if row.supplier_id is not None}),
    )
    lines_by_po: dict[uuid.UUID, list[tuple[PurchaseOrderLine, Product]]] = {}
    for line, product in await repository.list_lines(
        session, customer_id=customer_id, po_ids=[row.po_id for row in rows]
    ):
        lines_by_po.setdefault(line.po_id, []).append((line, product))
    items = [
        _read(
            _Order(
                order=row,
                store=stores[row.store_id],
                supplier=suppliers.get(row.supplier_id) if row.supplier_id is not None else None,
                lines=lines_by_po.get(row.po_id, []),
            )
        )
        for row in rows
    ]
    return SuggestedPOPage.build(items, total=total, params=filters)


async def get_order(session: AsyncSession, *, po_id: uuid.UUID) -> PORead:
    """One order of the tenant with its lines; 404 when the tenant has none with this id."""
    return _read(await _load(session, po_id, lock=False))


async def list_decisions(session: AsyncSession, *, po_id: uuid.UUID) -> list[PODecisionRead]:
    """The decisions on one order, oldest first; 404 when the tenant has no such order."""
    loaded = await _load(session, po_id, lock=False)
    rows = await repository.list_decisions(
        session, customer_id=tenant_of(session), po_id=loaded.order.po_id
    )
    return [PODecisionRead.model_validate(row) for row in rows]


# --- deciding --------------------------------------------------------------------------


def _match_line(
    loaded: _Order,
    by_product: dict[int, tuple[PurchaseOrderLine, Product]],
    index: int,
    product_id: int,
    seen: dict[int, float],
    problems: list[dict[str, Any]],
) -> tuple[PurchaseOrderLine, Product] | None:
    """The order line a request line names, or None after recording why not (a product
    that is not on the order, or one named twice)."""
    where: list[str | int] = ["body", "lines", index, "product_id"]
    if product_id not in by_product:
        problems.append(
            field_problem(
                where,
                f"line {index}: product {product_id} is not on purchase order {loaded.label}",
            )
        )
        return None
    line, product = by_product[product_id]
    if product_id in seen:
        problems.append(
            field_problem(where, f"line {index}: product {product.product_code} is listed twice")
        )
        return None
    return line, product


async def approve(
    session: AsyncSession,
    *,
    po_id: uuid.UUID,
    data: POApprove,
    actor: Principal,
    default_lead_time_days: float,
    today: dt.date | None = None,
) -> PODecisionResult:
    """Approve a suggested order, as suggested (→ ``approved``) or with changed
    quantities (→ ``edited``, which needs a reason code).

    A changed quantity must be 0 (the line is dropped) or a multiple of the product's
    pack size that is at least the supplier's minimum order quantity; at least one line
    must keep a quantity above 0. The order date becomes ``today`` (UTC) and the expected
    delivery that plus the supplier's lead time rounded up to whole days
    (``default_lead_time_days`` for an order without a supplier).
    """
    today = today or utcnow().date()
    loaded = await _load(session, po_id, lock=True)
    _check_status(loaded, "approve")
    by_product = {product.product_id: (line, product) for line, product in loaded.lines}

    problems: list[dict[str, Any]] = []
    requested: dict[int, float] = {}
    for index, item in enumerate(data.lines):
        matched = _match_line(loaded, by_product, index, item.product_id, requested, problems)
        if matched is None:
            continue
        line, product = matched
        requested[item.product_id] = item.quantity
        if _same(item.quantity, line.quantity):
            continue  # unchanged quantities are not re-checked against today's rules
        problem = _quantity_problem(item.quantity, product, loaded.supplier)
        if problem is not None:
            problems.append(
                field_problem(
                    ["body", "lines", index, "quantity"],
                    f"line {index} (product {product.product_code}): {problem}",
                )
            )
    changed = sorted(
        by_product[pid][1].product_code
        for pid, quantity in requested.items()
        if not _same(quantity, by_product[pid][0].quantity)
    )
    if changed and data.reason_code is None:
        allowed = ", ".join(code.value for code in ReasonCode)
        problems.append(
            field_problem(
                ["body", "reason_code"],
                f"changing quantities (products {', '.join(changed)}) needs a reason_code, "
                f"one of: {allowed}",
            )
        )
    problems += _reason_problems(data.reason_code, data.notes)
    after = {pid: requested.get(pid, line.quantity) for pid, (line, _) in by_product.items()}
    if by_product and all(_same(quantity, 0) for quantity in after.values()):
        problems.append(
            field_problem(
                ["body", "lines"],
                "every line would be 0: reject the order instead of approving nothing",
            )
        )
    if problems:
        raise ValidationFailed(problems)

    before = _audit_state(loaded)
    line_changes = [
        {
            "product_id": product.product_id,
            "product_code": product.product_code,
            "before": line.quantity,
            "after": after[product.product_id],
        }
        for line, product in loaded.lines
    ]
    for line, product in loaded.lines:
        line.quantity = after[product.product_id]
    order = loaded.order
    total_before = order.total_cost
    order.total_cost = _total(loaded.lines)
    if loaded.supplier is not None:
        lead_time, lead_time_source = loaded.supplier.lead_time_days, "supplier"
    else:
        lead_time, lead_time_source = default_lead_time_days, "default"
    order.order_date = today
    order.expected_delivery_date = today + dt.timedelta(days=math.ceil(lead_time))
    decision = S.EDITED if changed else S.APPROVED
    order.status = decision.value
    recorded = await _decide(
        session,
        loaded,
        decision=decision,
        action="edit" if changed else "approve",
        actor=actor,
        before=before,
        reason_code=data.reason_code,
        notes=data.notes,
        changes={
            "status": {"before": before["status"], "after": decision.value},
            "lines": line_changes,
            "total_cost": {"before": total_before, "after": order.total_cost},
            "order_date": order.order_date.isoformat(),
            "expected_delivery_date": order.expected_delivery_date.isoformat(),
            "lead_time_days": lead_time,
            "lead_time_source": lead_time_source,
        },
    )
    return PODecisionResult(purchase_order=_read(loaded), decision=recorded)


async def reject(
    session: AsyncSession, *, po_id: uuid.UUID, data: POReject, actor: Principal
) -> PODecisionResult:
    """Reject a suggested order (→ ``rejected``, final) with a reason code."""
    loaded = await _load(session, po_id, lock=True)
    _check_status(loaded, "reject")
    problems = _reason_problems(data.reason_code, data.notes)
    if problems:
        raise ValidationFailed(problems)
    before = _audit_state(loaded)
    loaded.order.status = S.REJECTED.value
    recorded = await _decide(
        session,
        loaded,
        decision=S.REJECTED,
        action="reject",
        actor=actor,
        before=before,
        reason_code=data.reason_code,
        notes=data.notes,
        changes={"status": {"before": before["status"], "after": S.REJECTED.value}},
    )
    return PODecisionResult(purchase_order=_read(loaded), decision=recorded)


async def receive(
    session: AsyncSession,
    *,
    po_id: uuid.UUID,
    data: POReceive,
    actor: Principal,
    today: dt.date | None = None,
) -> PODecisionResult:
    """Receive an approved or edited order (→ ``received``, final).

    Each line may have received up to its ordered quantity; more is refused (422 naming
    the line: an over-delivery is not booked against this order). Less is accepted and
    the shortfall recorded per line; ordered products not named received 0.

    The goods are booked into the store's inventory snapshot of ``received_date``:
    ``on_hand += received``. ``on_order`` stays as the inventory feed reported it: it
    counts orders placed outside ShelfOps, while the daily job adds ShelfOps' own approved
    orders until they are received (so a received order stops counting as on order by
    its status, never twice). When that day has no snapshot yet, one is created from the
    latest snapshot before it (or from zero when there is none). Later snapshots are left
    as they are: they are counts taken after the delivery.
    """
    today = today or utcnow().date()
    loaded = await _load(session, po_id, lock=True)
    _check_status(loaded, "receive")
    order = loaded.order
    by_product = {product.product_id: (line, product) for line, product in loaded.lines}

    problems: list[dict[str, Any]] = []
    if data.received_date > today:
        problems.append(
            field_problem(
                ["body", "received_date"],
                f"received_date {data.received_date} is in the future (today is {today})",
            )
        )
    if order.order_date is not None and data.received_date < order.order_date:
        problems.append(
            field_problem(
                ["body", "received_date"],
                f"received_date {data.received_date} is before the order date {order.order_date}",
            )
        )
    received: dict[int, float] = {}
    for index, item in enumerate(data.lines):
        matched = _match_line(loaded, by_product, index, item.product_id, received, problems)
        if matched is None:
            continue
        line, product = matched
        received[item.product_id] = item.received_quantity
        if item.received_quantity > line.quantity + EPSILON:
            problems.append(
                field_problem(
                    ["body", "lines", index, "received_quantity"],
                    f"line {index} (product {product.product_code}): received "
                    f"{_fmt(item.received_quantity)} is more than the {_fmt(line.quantity)} "
                    "ordered. Over-deliveries are refused: receive at most the ordered "
                    "quantity and book the surplus separately (or return it).",
                )
            )
    if problems:
        raise ValidationFailed(problems)

    before = _audit_state(loaded)
    customer_id = tenant_of(session)
    receipt_lines: list[ReceiptLine] = []
    inventory: list[InventoryChange] = []
    # Lines are in product-code order, so concurrent receipts lock snapshots in one order.
    for line, product in loaded.lines:
        ordered = line.quantity
        got = received.get(product.product_id, 0.0)
        line.received_quantity = got
        receipt_lines.append(
            ReceiptLine(
                product_id=product.product_id,
                product_code=product.product_code,
                ordered=ordered,
                received=got,
                short=max(ordered - got, 0.0),
            )
        )
        if _same(ordered, 0) and _same(got, 0):
            continue  # a dropped line moves no stock
        inventory.append(
            await _book_receipt(
                session,
                customer_id=customer_id,
                store_id=order.store_id,
                product=product,
                day=data.received_date,
                received=got,
            )
        )
    order.status = S.RECEIVED.value
    order.received_date = data.received_date
    await repository.flush(session)
    receipt = Receipt(received_date=data.received_date, lines=receipt_lines, inventory=inventory)
    recorded = await _decide(
        session,
        loaded,
        decision=S.RECEIVED,
        action="receive",
        actor=actor,
        before=before,
        reason_code=None,
        notes=data.notes,
        changes=receipt.model_dump(mode="json"),
    )
    return PODecisionResult(purchase_order=_read(loaded), decision=recorded, receipt=receipt)


async def _book_receipt(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int,
    product: Product,
    day: dt.date,
    received: float,
) -> InventoryChange:
    """Add a receipt to the store × product snapshot of ``day`` (created if absent)."""
    key: dict[str, Any] = {
        "customer_id": customer_id,
        "store_id": store_id,
        "product_id": product.product_id,
    }
    base = await repository.latest_snapshot(session, **key, on_or_before=day)
    await repository.insert_snapshot_if_absent(
        session,
        values={
            **key,
            "snapshot_date": day,
            "on_hand": base.on_hand if base is not None else 0.0,
            "on_order": base.on_order if base is not None else 0.0,
            "reserved": base.reserved if base is not None else 0.0,
        },
    )
    current = await repository.lock_snapshot(session, **key, day=day)
    on_hand_before, on_order_before = current.on_hand, current.on_order
    on_hand_after, on_order_after = await repository.add_receipt(
        session, **key, day=day, received=received
    )
    return InventoryChange(
        product_id=product.product_id,
        product_code=product.product_code,
        snapshot_date=day,
        started_from=base.snapshot_date if base is not None else None,
        on_hand_before=on_hand_before,
        on_hand_after=on_hand_after,
        on_order_before=on_order_before,
        on_order_after=on_order_after,
    )


# --- X12 -------------------------------------------------------------------------------


def default_control_number(po_id: uuid.UUID) -> int:
    """A control number derived from the order id (1 … 999 999 999): the same order
    always gets the same one, so a partner's duplicate check catches a re-sent order."""
    return po_id.int % 999_999_999 + 1


def _envelope_id(value: str, *, parameter: str, source: str) -> str:
    text = x12.clean(value)
    if not 1 <= len(text) <= x12.ISA_ID_LENGTH:
        raise ValidationFailed(
            [
                field_problem(
                    ["query", parameter],
                    f"the default {parameter} ({source} {value!r}) does not fit the "
                    f"{x12.ISA_ID_LENGTH} characters of an X12 interchange id; pass "
                    f"{parameter}",
                )
            ]
        )
    return text


def _check_exportable_quantities(loaded: _Order) -> None:
    """A 409 naming the line when a stored quantity is outside what the API accepts
    (NaN, infinite, or above :data:`MAX_QUANTITY`): rows written before quantities were
    bounded, or by another writer, are refused, never sent to a supplier."""
    for line, product in loaded.lines:
        quantity = line.quantity
        if not math.isfinite(quantity) or quantity > MAX_QUANTITY:
            raise Conflict(
                f"purchase order {loaded.label} cannot be written as X12: the quantity "
                f"{_fmt(quantity)} of product {product.product_code} is not a number from 0 "
                f"to {MAX_QUANTITY:,} units; correct the order before exporting it"
            )


async def export_x12(
    session: AsyncSession, *, po_id: uuid.UUID, params: X12Params, now: dt.datetime | None = None
) -> tuple[str, str]:
    """The order as an X12 850 interchange, and its PO number (for a file name).

    Only approved, edited and received orders can be exported (409 otherwise); so can
    only orders with a supplier and a PO number. Lines with quantity 0 are left out. A
    value the 850 cannot hold (a quantity above the API's bound, stored before it
    existed) is a 409 naming it, not a 500.
    """
    loaded = await _load(session, po_id, lock=False)
    status = POStatus(loaded.order.status)
    if status not in EXPORTABLE:
        raise Conflict(
            f"cannot export purchase order {loaded.label} as X12: its status is "
            f"'{status.value}'; only approved, edited and received orders are orders"
        )
    supplier = loaded.supplier
    if supplier is None:
        raise Conflict(f"purchase order {loaded.label} has no supplier to send it to")
    if loaded.order.po_number is None:
        raise Conflict(f"purchase order {loaded.label} has no po_number (X12 BEG03)")
    if params.sender_id is not None:
        sender = params.sender_id
    else:
        slug = await repository.customer_slug(session, customer_id=tenant_of(session)) or ""
        sender = _envelope_id(slug.upper(), parameter="sender_id", source="tenant slug")
    receiver = params.receiver_id or _envelope_id(
        supplier.supplier_code, parameter="receiver_id", source="supplier code"
    )
    _check_exportable_quantities(loaded)
    order = x12.Order(
        po_number=loaded.order.po_number,
        order_date=loaded.order.order_date or loaded.order.created_at.date(),
        delivery_date=loaded.order.expected_delivery_date,
        ship_to=x12.Party(name=loaded.store.name, code=loaded.store.store_code),
        vendor=x12.Party(name=supplier.name, code=supplier.supplier_code),
        lines=[
            x12.OrderLine(
                product_code=product.product_code,
                quantity=line.quantity,
                unit_price=_unit_cost(line, product),
            )
            for line, product in loaded.lines
        ],
    )
    envelope = x12.Envelope(
        sender_id=sender,
        sender_qualifier=params.sender_qualifier,
        receiver_id=receiver,
        receiver_qualifier=params.receiver_qualifier,
        control_number=params.control_number or default_control_number(loaded.order.po_id),
        created_at=now or utcnow(),
        test=params.test,
    )
    try:
        document = x12.write_850(order, envelope)
    except x12.X12Error as error:
        raise Conflict(f"purchase order {loaded.label} cannot be written as X12: {error}") from None
    return document, loaded.order.po_number
