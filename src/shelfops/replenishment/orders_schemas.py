"""Request and response models of the purchase-order workflow (``/api/v1/purchase-orders``).

Request bodies refuse unknown fields (a misspelt ``reason`` for ``reason_code`` must not
silently drop the reason) and quantities must be finite numbers from 0 to
:data:`MAX_QUANTITY`, so those mistakes are a 422 naming the field before any business
rule runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from shelfops.kit.limits import MAX_UNITS
from shelfops.kit.pagination import Page, PageParams
from shelfops.models import POStatus

# Ids are BIGINT columns: a larger value would fail in the database driver, not 422.
_MAX_ID = 2**63 - 1
_FilterId = Annotated[int, Field(ge=1, le=_MAX_ID)]

NOTES_LENGTH = 2000
# ISA06/ISA08 are 15 characters; the X12 separators (* ~ >) may not appear in an id.
X12_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._\-]{0,14}$"
X12_QUALIFIER_PATTERN = r"^[A-Za-z0-9]{2}$"


class ReasonCode(StrEnum):
    """Why a planner changed or rejected a suggested order. ``other`` needs ``notes``."""

    # The order does not fit the open-to-buy budget.
    BUDGET = "budget"
    # The shelf (or back room) cannot hold the quantity.
    SHELF_SPACE = "shelf_space"
    # A promotion the forecast does not know about (or a cancelled one) changes demand.
    PROMOTION = "promotion"
    # The supplier cannot deliver the quantity, has a different minimum, or is out.
    SUPPLIER_CONSTRAINT = "supplier_constraint"
    # The planner believes demand will differ from the forecast.
    FORECAST_DISAGREEMENT = "forecast_disagreement"
    # Anything else; the notes say what.
    OTHER = "other"


Notes = Annotated[
    str | None, StringConstraints(strip_whitespace=True, min_length=1, max_length=NOTES_LENGTH)
]
# The most units one order line may order or receive: the project's bound on a count of
# units (kit.limits). No real line comes near it, so it refuses only typos and nonsense,
# and it keeps quantities where the workflow's arithmetic is exact: a float holds every
# whole number (and quarter unit) up to it, so the pack-size check (quantity / pack near a
# whole number) means what it says — without a bound 1.2e300 counts as a multiple of any
# pack size, because a float that large has no fraction at all — and line cost and
# inventory sums stay finite. It also fits the X12 850 export (PO102 is at most 15
# digits: 10 before the point, 4 after).
MAX_QUANTITY = MAX_UNITS
# NaN and ±inf are refused too (allow_inf_nan=False): JSON has no such numbers, but
# pydantic reads the number 1e400 as inf. Strict: a quantity is a JSON number, not the
# string "12" nor ``true`` (which pydantic's lax mode would order as 1 unit).
Quantity = Annotated[float, Strict(), Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False)]
LineProductId = Annotated[int, Strict(), Field(description="A product that is on the order.")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class POFilters(PageParams):
    """Filters of ``GET /purchase-orders``; an unknown status is a 422 naming it."""

    status: list[POStatus] | None = Field(
        default=None,
        description="Only orders in these statuses; repeat the parameter for several "
        "(status=approved&status=edited).",
    )
    store_id: _FilterId | None = Field(default=None, description="Only orders for this store.")
    supplier_id: _FilterId | None = Field(default=None, description="Only orders to this supplier.")


class SuggestedFilters(PageParams):
    """Filters of ``GET /purchase-orders/suggested``."""

    store_id: _FilterId | None = Field(default=None, description="Only orders for this store.")
    supplier_id: _FilterId | None = Field(default=None, description="Only orders to this supplier.")


class StoreRef(BaseModel):
    """The store an order is delivered to."""

    model_config = ConfigDict(from_attributes=True)

    store_id: int
    store_code: str
    name: str


class SupplierRef(BaseModel):
    """The supplier an order goes to, with the constraints an edit must respect."""

    model_config = ConfigDict(from_attributes=True)

    supplier_id: int
    supplier_code: str
    name: str
    lead_time_days: float = Field(description="Days from order to delivery (mean).")
    min_order_qty: int = Field(description="Smallest quantity of a product per order line.")


class POLineRead(BaseModel):
    """One product on an order: what was suggested, ordered and received."""

    product_id: int
    product_code: str
    product_name: str
    pack_size: int = Field(description="Ordered quantities must be multiples of this.")
    suggested_quantity: float | None = Field(description="What the daily job suggested.")
    quantity: float = Field(description="What is (or will be) ordered.")
    unit_cost: float | None
    line_cost: float | None = Field(description="quantity × unit_cost.")
    received_quantity: float | None = Field(description="What arrived; null until received.")


class POSummary(BaseModel):
    """A purchase order without its lines (list view)."""

    po_id: uuid.UUID
    po_number: str | None = Field(description="Human-readable number, unique per tenant.")
    status: POStatus
    source: str = Field(description="Where the order came from, e.g. `suggested`.")
    store: StoreRef
    supplier: SupplierRef | None
    order_date: dt.date | None = Field(description="Set when approved (the day of approval).")
    expected_delivery_date: dt.date | None = Field(
        description="order_date + the supplier's lead time (rounded up to whole days)."
    )
    received_date: dt.date | None
    total_cost: float | None = Field(description="Σ quantity × unit_cost over the lines.")
    line_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PORead(POSummary):
    """A purchase order with its lines."""

    lines: list[POLineRead]


class POPage(Page[POSummary]):
    """A page of purchase orders, newest first."""


class SuggestedPOPage(Page[PORead]):
    """A page of suggested orders with supplier, store and lines, grouped by supplier
    then store (the order a planner works through them)."""


class ApproveLine(_Input):
    """A new quantity for one product of the order."""

    product_id: LineProductId
    quantity: Quantity = Field(
        description="Units to order: 0 (drop the line), or a multiple of the product's "
        "pack size that is at least the supplier's minimum order quantity."
    )


class POApprove(_Input):
    """Body of ``POST /purchase-orders/{po_id}/approve`` (optional as a whole)."""

    lines: list[ApproveLine] = Field(
        default_factory=list,
        description="Changed quantities; lines not named keep theirs. Any real change makes "
        "the order `edited` and then needs `reason_code`.",
    )
    reason_code: ReasonCode | None = Field(
        default=None, description="Why the quantities were changed (required when they were)."
    )
    notes: Notes = Field(default=None, description="Free text; required with `other`.")


class POReject(_Input):
    """Body of ``POST /purchase-orders/{po_id}/reject``."""

    reason_code: ReasonCode = Field(description="Why the order will not be placed.")
    notes: Notes = Field(default=None, description="Free text; required with `other`.")


class ReceiveLine(_Input):
    """What arrived of one product."""

    product_id: LineProductId
    received_quantity: Quantity = Field(description="Units that arrived (at most the ordered).")


class POReceive(_Input):
    """Body of ``POST /purchase-orders/{po_id}/receive``."""

    received_date: dt.date = Field(
        description="The day the goods arrived: not before the order date, not in the future."
    )
    lines: list[ReceiveLine] = Field(
        min_length=1,
        description="What arrived per product; ordered products not named arrived with 0.",
    )
    notes: Notes = Field(default=None, description="Free text about the delivery.")


class PODecisionRead(BaseModel):
    """One recorded decision on an order: who, what, why and what changed."""

    model_config = ConfigDict(from_attributes=True)

    decision_id: int
    po_id: uuid.UUID
    decision: POStatus = Field(description="approved, edited, rejected or received.")
    decided_by: str = Field(description="Name of the API key that decided.")
    reason_code: ReasonCode | None
    notes: str | None
    changes: dict[str, Any] | None = Field(
        description="approved/edited: `lines` [{product_id, product_code, before, after}], "
        "`total_cost` {before, after}, `order_date`, `expected_delivery_date`, "
        "`lead_time_days`. received: `received_date`, `lines` [{product_id, product_code, "
        "ordered, received, short}], `inventory` (see the receipt). rejected: `status`."
    )
    decided_at: dt.datetime


class ReceiptLine(BaseModel):
    """Ordered against received for one product; ``short`` > 0 is a discrepancy."""

    product_id: int
    product_code: str
    ordered: float
    received: float
    short: float


class InventoryChange(BaseModel):
    """How a receipt changed one product's inventory snapshot at the store."""

    product_id: int
    product_code: str
    snapshot_date: dt.date = Field(description="The receipt date's snapshot (created if absent).")
    started_from: dt.date | None = Field(
        description="The snapshot the numbers started from: the receipt date's own, the "
        "latest one before it when that day had none, or null when there was none (0)."
    )
    on_hand_before: float
    on_hand_after: float
    on_order_before: float
    on_order_after: float


class Receipt(BaseModel):
    """What a receipt recorded: per-line discrepancies and the inventory it updated."""

    received_date: dt.date
    lines: list[ReceiptLine]
    inventory: list[InventoryChange]


class PODecisionResult(BaseModel):
    """The order after a decision, and the decision as recorded."""

    purchase_order: PORead
    decision: PODecisionRead
    receipt: Receipt | None = Field(default=None, description="Only for a receipt.")


class X12Params(BaseModel):
    """Envelope options of the X12 850 export."""

    model_config = ConfigDict(extra="ignore")

    sender_id: Annotated[str, StringConstraints(pattern=X12_ID_PATTERN)] | None = Field(
        default=None,
        description="ISA06/GS02, up to 15 characters; default: the tenant's slug in upper case.",
    )
    sender_qualifier: Annotated[str, StringConstraints(pattern=X12_QUALIFIER_PATTERN)] = Field(
        default="ZZ", description="ISA05 (ZZ = mutually defined, 01 = DUNS, 12 = phone, …)."
    )
    receiver_id: Annotated[str, StringConstraints(pattern=X12_ID_PATTERN)] | None = Field(
        default=None,
        description="ISA08/GS03, up to 15 characters; default: the supplier's code.",
    )
    receiver_qualifier: Annotated[str, StringConstraints(pattern=X12_QUALIFIER_PATTERN)] = Field(
        default="ZZ", description="ISA07."
    )
    control_number: int | None = Field(
        default=None,
        ge=1,
        le=999_999_999,
        description="ISA13/IEA02 and GS06/GE02; default: a number derived from the order id, "
        "so exporting the same order again repeats it and a partner's duplicate check "
        "catches a re-sent order.",
    )
    test: bool = Field(default=False, description="ISA15 = T (test) instead of P (production).")
