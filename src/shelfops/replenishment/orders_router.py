"""HTTP routes of the purchase-order workflow (``/api/v1/purchase-orders``).

Any valid API key may read orders, their decisions and their X12 850; approving,
editing, rejecting and receiving need the planner role (or above). Route docstrings are
the OpenAPI descriptions.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import PlainTextResponse

from shelfops.api.deps import PlannerDep, SessionDep, SettingsDep
from shelfops.replenishment import orders_service as service
from shelfops.replenishment.orders_schemas import (
    POApprove,
    PODecisionRead,
    PODecisionResult,
    POFilters,
    POPage,
    PORead,
    POReceive,
    POReject,
    SuggestedFilters,
    SuggestedPOPage,
    X12Params,
)

router = APIRouter(prefix="/purchase-orders", tags=["purchase-orders"])

POId = Annotated[uuid.UUID, Path(description="The order's `po_id`.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such order for this tenant (other tenants' orders look the same)."}
}
_DECIDE: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    403: {"description": "The API key's role is below planner."},
    409: {
        "description": "The order's status does not allow this step (the detail names it); "
        "nothing changed."
    },
    422: {
        "description": "Bad input; `detail` lists each problem with its location (the field "
        "or `lines` index) and a message naming the product. Nothing changed."
    },
}


@router.get("", operation_id="listPurchaseOrders")
async def list_purchase_orders(
    session: SessionDep, filters: Annotated[POFilters, Query()]
) -> POPage:
    """List the tenant's purchase orders, newest first, without their lines.

    `status` may be repeated (`status=approved&status=edited`); `store_id` and
    `supplier_id` narrow further. `total` counts every match, not just this page.
    """
    return await service.list_orders(session, filters=filters)


@router.get("/suggested", operation_id="listSuggestedPurchaseOrders")
async def list_suggested_purchase_orders(
    session: SessionDep, filters: Annotated[SuggestedFilters, Query()]
) -> SuggestedPOPage:
    """The planner's worklist: orders in status `suggested`, each with its supplier
    (lead time, minimum order quantity), store, lines (pack sizes, suggested quantities,
    costs) and total cost, ordered by supplier code, then store code."""
    return await service.list_suggested(session, filters=filters)


@router.get("/{po_id}", operation_id="getPurchaseOrder", responses=_NOT_FOUND)
async def get_purchase_order(session: SessionDep, po_id: POId) -> PORead:
    """One order with its lines: product code and name, suggested and ordered quantity,
    unit cost, and the received quantity once received."""
    return await service.get_order(session, po_id=po_id)


@router.post("/{po_id}/approve", operation_id="approvePurchaseOrder", responses=_DECIDE)
async def approve_purchase_order(
    principal: PlannerDep,
    session: SessionDep,
    settings: SettingsDep,
    po_id: POId,
    body: Annotated[POApprove | None, Body()] = None,
) -> PODecisionResult:
    """Approve a `suggested` order. Needs the planner role.

    Without a body, or with quantities as they are, the order becomes `approved`. With
    changed quantities (`lines`: `[{"product_id", "quantity"}]`, lines not named keep
    theirs) it becomes `edited`, and `reason_code` is required: `budget`, `shelf_space`,
    `promotion`, `supplier_constraint`, `forecast_disagreement` or `other` (with
    `notes`). A changed quantity is 0 (drops the line) or a multiple of the product's pack
    size at least the supplier's minimum order quantity; at least one line must stay
    above 0 (to order nothing, reject).

    `order_date` becomes today (UTC), `expected_delivery_date` that plus the supplier's
    lead time rounded up to whole days; `total_cost` is recomputed. The decision (who,
    why, every line's quantity before and after) is recorded and audited.
    """
    return await service.approve(
        session,
        po_id=po_id,
        data=body or POApprove(),
        actor=principal,
        default_lead_time_days=settings.replenishment_default_lead_time_days,
    )


@router.post("/{po_id}/reject", operation_id="rejectPurchaseOrder", responses=_DECIDE)
async def reject_purchase_order(
    principal: PlannerDep, session: SessionDep, po_id: POId, body: POReject
) -> PODecisionResult:
    """Reject a `suggested` order (→ `rejected`, final) with a `reason_code` (and `notes`,
    required with `other`). Needs the planner role."""
    return await service.reject(session, po_id=po_id, data=body, actor=principal)


@router.post("/{po_id}/receive", operation_id="receivePurchaseOrder", responses=_DECIDE)
async def receive_purchase_order(
    principal: PlannerDep, session: SessionDep, po_id: POId, body: POReceive
) -> PODecisionResult:
    """Receive an `approved` or `edited` order (→ `received`, final). Needs the planner
    role.

    `lines` says what arrived per product (`received_quantity`); ordered products not
    named arrived with 0. More than ordered is refused (422 naming the line; book an
    over-delivery separately). Less is accepted: the shortfall is recorded per line
    (`receipt.lines`: ordered, received, short) in the decision.

    The goods are booked into the store's inventory snapshot of `received_date`
    (`on_hand += received`), created from the latest earlier snapshot when that day has
    none; the count's `on_order` (orders placed outside ShelfOps) is left alone.
    `receipt.inventory` shows before and after. All of it happens in one transaction.
    """
    return await service.receive(session, po_id=po_id, data=body, actor=principal)


@router.get("/{po_id}/decisions", operation_id="listPurchaseOrderDecisions", responses=_NOT_FOUND)
async def list_purchase_order_decisions(session: SessionDep, po_id: POId) -> list[PODecisionRead]:
    """Every decision on the order, oldest first: who, what, reason code, notes and the
    per-line changes (quantities before and after, or ordered against received)."""
    return await service.list_decisions(session, po_id=po_id)


@router.get(
    "/{po_id}/x12",
    operation_id="exportPurchaseOrderX12",
    response_class=PlainTextResponse,
    responses={
        **_NOT_FOUND,
        200: {"content": {"text/plain": {}}, "description": "The X12 850 interchange."},
        409: {
            "description": "The order is not approved, edited or received, has no supplier "
            "or no PO number, or a value does not fit its X12 element."
        },
        422: {"description": "A default envelope id does not fit; pass it explicitly."},
    },
)
async def export_purchase_order_x12(
    session: SessionDep, po_id: POId, params: Annotated[X12Params, Query()]
) -> PlainTextResponse:
    """The order as an ANSI X12 850 purchase order (version 004010), one interchange
    with one group and one transaction set, `~` ending segments and `*` separating
    elements.

    Sender (ISA06/GS02) defaults to the tenant's slug in upper case, receiver
    (ISA08/GS03) to the supplier's code; both qualifiers to `ZZ`. The control number
    defaults to one derived from the order, so the same order always carries the same
    one. Lines with quantity 0 are left out; `PO1` gives quantity, `EA`, unit price and
    the product code as buyer's part number (`BP`); `CTT` the line count and quantity
    hash total; `AMT*TT` the order total. Only approved, edited and received orders.
    """
    document, po_number = await service.export_x12(session, po_id=po_id, params=params)
    # A header value must not carry quotes or line breaks from a PO number.
    filename = "".join(c for c in po_number if c.isascii() and (c.isalnum() or c in "-_."))
    return PlainTextResponse(
        document, headers={"Content-Disposition": f'inline; filename="{filename}.850.x12"'}
    )
