"""A minimal ANSI X12 850 (purchase order) writer, version 004010.

Pure: dataclasses in, text out; no database or HTTP. The document is one interchange
holding one functional group holding one transaction set::

    ISA  interchange header (fixed width: every element padded to its exact size)
    GS   functional group header (PO)
    ST   transaction set header (850, control number 0001)
    BEG  original (00) stand-alone (SA) order, PO number, order date
    DTM  requested delivery date (002), when known
    N1   ship-to store (ST) and vendor (VN), each with the code the retailer uses (92)
    PO1  one per ordered line: quantity, EA, unit price, buyer's part number (BP)
    CTT  number of PO1 lines and hash total of their quantities
    AMT  total amount (TT) of the order
    SE   number of segments from ST to SE inclusive, control number
    GE   number of transaction sets, group control number
    IEA  number of groups, interchange control number

Elements are separated by ``*``, components by ``>``, segments end with ``~`` (no line
breaks). Text elements are reduced to ASCII and the separators in them replaced by
spaces; an element too long for its X12 field is an :class:`X12Error` rather than being
cut short, except names (N102), which are cut to 60 characters as is customary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shelfops.edi.syntax import (
    ISA_ID_LENGTH,
    Envelope,
    X12Error,
    clean,
    decimal,
    segment,
    text,
    write_interchange,
)

__all__ = [
    "ISA_ID_LENGTH",
    "Envelope",
    "Order",
    "OrderLine",
    "Party",
    "X12Error",
    "clean",
    "decimal",
    "write_850",
]

# Maximum lengths of the X12 004010 data elements used here.
PO_NUMBER_LENGTH = 22  # BEG03 (element 324)
NAME_LENGTH = 60  # N102 (element 93)
CODE_LENGTH = 80  # N104 (element 67)
PART_NUMBER_LENGTH = 48  # PO107 (element 234)


@dataclass(frozen=True)
class Party:
    """A named party of the order (N1): its name and the retailer's code for it."""

    name: str
    code: str


@dataclass(frozen=True)
class OrderLine:
    """One product ordered (PO1)."""

    product_code: str
    quantity: float
    unit_price: float


@dataclass(frozen=True)
class Order:
    """What the 850 says."""

    po_number: str
    order_date: dt.date
    ship_to: Party
    vendor: Party
    lines: Sequence[OrderLine]
    delivery_date: dt.date | None = None


def write_850(order: Order, envelope: Envelope) -> str:
    """The 850 interchange for ``order``. Lines with quantity 0 are left out (nothing is
    ordered); an order with no line left is an :class:`X12Error`."""
    ordered = [line for line in order.lines if line.quantity > 0]
    if not ordered:
        raise X12Error(f"order {order.po_number} has no line with a quantity above 0")

    body = [
        segment("ST", "850", "0001"),
        segment(
            "BEG",
            "00",
            "SA",
            text(order.po_number, element="PO number (BEG03)", max_length=PO_NUMBER_LENGTH),
            "",
            order.order_date.strftime("%Y%m%d"),
        ),
    ]
    if order.delivery_date is not None:
        body.append(segment("DTM", "002", order.delivery_date.strftime("%Y%m%d")))
    for role, party in (("ST", order.ship_to), ("VN", order.vendor)):
        body.append(
            segment(
                "N1",
                role,
                text(party.name, element=f"N1*{role} name", max_length=NAME_LENGTH, cut=True),
                "92",
                text(party.code, element=f"N1*{role} code", max_length=CODE_LENGTH),
            )
        )
    for number, line in enumerate(ordered, start=1):
        body.append(
            segment(
                "PO1",
                str(number),
                decimal(line.quantity),
                "EA",
                decimal(line.unit_price),
                "",
                "BP",
                text(
                    line.product_code,
                    element=f"product code of line {number} (PO107)",
                    max_length=PART_NUMBER_LENGTH,
                ),
            )
        )
    hash_total = sum((Decimal(decimal(line.quantity)) for line in ordered), Decimal(0))
    amount = sum(
        (Decimal(decimal(line.quantity)) * Decimal(decimal(line.unit_price)) for line in ordered),
        Decimal(0),
    )
    body.append(segment("CTT", str(len(ordered)), format(hash_total.normalize(), "f")))
    body.append(segment("AMT", "TT", decimal(float(amount), places=2)))
    # SE01 counts every segment of the transaction set, ST and SE included.
    body.append(segment("SE", str(len(body) + 1), "0001"))
    return write_interchange(envelope, functional_id="PO", transaction_sets=[body])
