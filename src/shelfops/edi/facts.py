"""What the transaction-set readers take out of an interchange: facts keyed by the codes
the partner sent (store and product codes, PO numbers), each pointing back at the
segment and element it came from so that a code the tenant does not know can be
reported exactly there.

Quantities keep their unit (``EA`` or ``CA``): a case becomes units only once the
product, and so its pack size, is known.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from shelfops.edi.document import Segment, TransactionSet


@dataclass(frozen=True)
class Ref:
    """A value and where it was read: ``segment``'s element ``element``."""

    value: str
    segment: Segment
    element: int
    qualifier: str | None = None  # e.g. BP for a product id, 92 for a location


@dataclass(frozen=True)
class Quantity:
    """A number in a unit (``EA``: units; ``CA``: cases of the product's pack size)."""

    value: Decimal
    unit: str
    ref: Ref


@dataclass(frozen=True)
class InventoryFact:
    """A stock position of one store × product at the close of ``day`` (846 QTY,
    852 ZA QA/QP). ``on_order`` None: not reported (a stored value is kept)."""

    origin: TransactionSet
    anchor: Segment  # the LIN of the item
    store: Ref
    product: Ref
    day: dt.date
    on_hand: Quantity
    on_order: Quantity | None


@dataclass(frozen=True)
class SaleFact:
    """Units sold of one store × product on ``day`` (852 ZA QS), with the retail price
    the 852 gave (CTP RES), if any."""

    origin: TransactionSet
    store: Ref
    product: Ref
    day: dt.date
    quantity: Quantity
    unit_price: Decimal | None


@dataclass(frozen=True)
class ReceiptFact:
    """Units a store reported as received (852 ZA QR): kept in the sync log only."""

    origin: TransactionSet
    store: Ref
    product: Ref
    day: dt.date
    quantity: Quantity


@dataclass(frozen=True)
class ShipmentLine:
    """One item of a ship notice (856 HL level I with LIN/SN1)."""

    origin: TransactionSet
    shipment_id: str
    po_number: Ref | None
    ship_to: Ref
    product: Ref
    shipped: Quantity
    ship_date: dt.date
    arrival_date: dt.date | None


@dataclass(frozen=True)
class InvoiceLine:
    """One invoiced item (810 IT1): the unit price per ``price_unit``."""

    origin: TransactionSet
    invoice_number: str
    invoice_date: dt.date
    po_number: str | None
    ship_to: str | None
    product: Ref
    quantity: Quantity | None
    unit_price: Quantity


@dataclass
class Facts:
    """Everything read from one interchange. ``records`` counts item records by
    transaction set (``846/0001`` → 3); ``ignored`` counts what was read but has no
    place in ShelfOps (a quantity qualifier, an activity code), by label."""

    inventory: list[InventoryFact] = field(default_factory=list)
    sales: list[SaleFact] = field(default_factory=list)
    receipts: list[ReceiptFact] = field(default_factory=list)
    shipments: list[ShipmentLine] = field(default_factory=list)
    invoices: list[InvoiceLine] = field(default_factory=list)
    invoice_totals: dict[str, Decimal] = field(default_factory=dict)
    records: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)

    @property
    def record_count(self) -> int:
        """Item records read, all sets together."""
        return sum(self.records.values())
