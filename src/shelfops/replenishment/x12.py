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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ELEMENT = "*"
COMPONENT = ">"
SEGMENT = "~"
VERSION = "00401"  # ISA12
GS_VERSION = "004010"  # GS08
_SEPARATORS = str.maketrans({ELEMENT: " ", COMPONENT: " ", SEGMENT: " ", "\r": " ", "\n": " "})

# Maximum lengths of the X12 004010 data elements used here.
ISA_ID_LENGTH = 15
PO_NUMBER_LENGTH = 22  # BEG03 (element 324)
NAME_LENGTH = 60  # N102 (element 93)
CODE_LENGTH = 80  # N104 (element 67)
PART_NUMBER_LENGTH = 48  # PO107 (element 234)


class X12Error(ValueError):
    """The order cannot be written as a valid 850 (a value does not fit its element)."""


@dataclass(frozen=True)
class Envelope:
    """Who sends the interchange to whom, when, and its control number."""

    sender_id: str
    receiver_id: str
    control_number: int
    created_at: dt.datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    test: bool = False


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


def clean(value: str) -> str:
    """``value`` as X12 text: ASCII only (accents dropped), no separators, trimmed."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.translate(_SEPARATORS).split())


def _text(value: str, *, element: str, max_length: int, cut: bool = False) -> str:
    text = clean(value)
    if not text:
        raise X12Error(f"{element} is empty (value {value!r})")
    if len(text) > max_length:
        if not cut:
            raise X12Error(f"{element} is longer than {max_length} characters: {text!r}")
        text = text[:max_length].rstrip()
    return text


def decimal(value: float, places: int = 4) -> str:
    """A number as an X12 R (decimal) element: no exponent, no trailing zeros, no
    decimal point for whole numbers (24.0 → ``24``, 0.80 → ``0.8``)."""
    if value < 0:
        raise X12Error(f"negative number {value}")
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(rounded.normalize(), "f")
    return text


def _isa_id(value: str, *, element: str) -> str:
    text = clean(value)
    if not text or len(text) > ISA_ID_LENGTH:
        raise X12Error(f"{element} must be 1 to {ISA_ID_LENGTH} characters, got {value!r}")
    return text


def _segment(*elements: str) -> str:
    # Trailing empty elements are omitted, as X12 requires.
    parts = list(elements)
    while parts and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


def write_850(order: Order, envelope: Envelope) -> str:
    """The 850 interchange for ``order``. Lines with quantity 0 are left out (nothing is
    ordered); an order with no line left is an :class:`X12Error`."""
    if not 1 <= envelope.control_number <= 999_999_999:
        raise X12Error(f"control number {envelope.control_number} is not 1…999999999")
    sender = _isa_id(envelope.sender_id, element="sender id (ISA06)")
    receiver = _isa_id(envelope.receiver_id, element="receiver id (ISA08)")
    for qualifier in (envelope.sender_qualifier, envelope.receiver_qualifier):
        if len(qualifier) != 2 or not qualifier.isalnum():
            raise X12Error(f"an ISA id qualifier is 2 letters or digits, got {qualifier!r}")
    ordered = [line for line in order.lines if line.quantity > 0]
    if not ordered:
        raise X12Error(f"order {order.po_number} has no line with a quantity above 0")

    stamp = envelope.created_at.astimezone(dt.UTC)
    control = f"{envelope.control_number:09d}"
    group = str(envelope.control_number)
    isa = _segment(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier.upper(),
        sender.ljust(ISA_ID_LENGTH),
        envelope.receiver_qualifier.upper(),
        receiver.ljust(ISA_ID_LENGTH),
        stamp.strftime("%y%m%d"),
        stamp.strftime("%H%M"),
        "U",
        VERSION,
        control,
        "0",
        "T" if envelope.test else "P",
        COMPONENT,
    )
    gs = _segment(
        "GS",
        "PO",
        sender,
        receiver,
        stamp.strftime("%Y%m%d"),
        stamp.strftime("%H%M"),
        group,
        "X",
        GS_VERSION,
    )

    body = [
        _segment("ST", "850", "0001"),
        _segment(
            "BEG",
            "00",
            "SA",
            _text(order.po_number, element="PO number (BEG03)", max_length=PO_NUMBER_LENGTH),
            "",
            order.order_date.strftime("%Y%m%d"),
        ),
    ]
    if order.delivery_date is not None:
        body.append(_segment("DTM", "002", order.delivery_date.strftime("%Y%m%d")))
    for role, party in (("ST", order.ship_to), ("VN", order.vendor)):
        body.append(
            _segment(
                "N1",
                role,
                _text(party.name, element=f"N1*{role} name", max_length=NAME_LENGTH, cut=True),
                "92",
                _text(party.code, element=f"N1*{role} code", max_length=CODE_LENGTH),
            )
        )
    for number, line in enumerate(ordered, start=1):
        body.append(
            _segment(
                "PO1",
                str(number),
                decimal(line.quantity),
                "EA",
                decimal(line.unit_price),
                "",
                "BP",
                _text(
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
    body.append(_segment("CTT", str(len(ordered)), format(hash_total.normalize(), "f")))
    body.append(_segment("AMT", "TT", decimal(float(amount), places=2)))
    # SE01 counts every segment of the transaction set, ST and SE included.
    body.append(_segment("SE", str(len(body) + 1), "0001"))

    return "".join([isa, gs, *body, _segment("GE", "1", group), _segment("IEA", "1", control)])
