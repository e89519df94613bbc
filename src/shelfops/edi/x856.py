"""856 Ship Notice/Manifest → what is shipped to which store, against which order.

Read (004010)::

    BSN   BSN02 shipment id, BSN03 date (the ship date unless DTM*011 says otherwise)
    DTM   011 shipped, 017 estimated delivery (else 067 current schedule delivery),
          in the header or at any HL level
    HL    HL01 id, HL02 parent id, HL03 level: S shipment, O order, P pack, T tare,
          I item (any other level is passed through)
    N1    N1*ST with the store code in N104: the ship-to store, at any level
    PRF   PRF01 purchase order number (at the order level)
    LIN   the item (product id rule of :mod:`.reading`), at item level
    SN1   SN102 units shipped, SN103 unit, at item level
    CTT   CTT01 number of HL segments, checked when present

Each level inherits its parent's ship-to, order and dates; its own segments override
them. Every item needs LIN, SN1 and a ship-to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from shelfops.edi.document import Segment, TransactionSet
from shelfops.edi.facts import Facts, Ref, ShipmentLine
from shelfops.edi.reading import SetReader, check_count, header, loops

LEVELS = ("S", "O", "P", "T", "I")


@dataclass(frozen=True)
class _Context:
    """What a level knows (its own segments over its parent's)."""

    ship_to: Ref | None = None
    po_number: Ref | None = None
    shipped: dt.date | None = None
    arrival: dt.date | None = None
    scheduled: dt.date | None = None


def read(ts: TransactionSet, facts: Facts) -> None:
    """Read one 856 into ``facts``; problems go on ``ts``."""
    reader = SetReader(ts, facts)
    body = ts.body
    if not body or body[0].id != "BSN":
        reader.missing_segment(body[0] if body else ts.st, "expected BSN right after ST")
        return
    bsn = body[0]
    shipment_id = reader.text(bsn, 2, "shipment identification")
    bsn_date = reader.date(bsn, 3, "shipment date")
    top = _context(reader, header(body, "HL"), _Context())
    contexts: dict[str, _Context] = {}
    levels = loops(body, "HL", ends=("CTT",))
    for level in levels:
        hl = level[0]
        number = reader.text(hl, 1, "hierarchical id")
        parent_id = hl.element(2)
        code = reader.text(hl, 3, "hierarchical level code")
        parent = top
        if parent_id:
            if parent_id not in contexts:
                reader.problem(
                    hl,
                    f"HL02 parent {parent_id!r} is not an earlier HL01: expected the id of "
                    "an HL before this one",
                    element=2,
                    value=parent_id,
                    element_code="7",
                )
            else:
                parent = contexts[parent_id]
        context = _context(reader, level[1:], parent)
        if number is not None:
            if number in contexts:
                reader.problem(
                    hl,
                    f"HL01 {number!r} is used twice: expected unique hierarchical ids",
                    element=1,
                    value=number,
                    element_code="7",
                )
            contexts[number] = context
        if code == "I":
            _item(reader, level, context, shipment_id=shipment_id, bsn_date=bsn_date)
        elif code is not None:
            _not_item(reader, level, code)
    for segment in body:
        if segment.id == "CTT":
            check_count(reader, segment, len(levels), "HL segments")


def _context(reader: SetReader, segments: list[Segment], parent: _Context) -> _Context:
    context = parent
    for segment in segments:
        if segment.id == "N1" and segment.element(1) == "ST":
            context = replace(context, ship_to=reader.location(segment))
        elif segment.id == "PRF":
            number = reader.text(segment, 1, "purchase order number")
            if number is not None:
                context = replace(context, po_number=Ref(number, segment, 1))
        elif segment.id == "DTM":
            qualifier = segment.element(1)
            if qualifier not in ("011", "017", "067"):
                reader.ignore(f"DTM*{qualifier}")
                continue
            day = reader.date(segment, 2, f"date {qualifier}")
            if day is None:
                continue
            if qualifier == "011":
                context = replace(context, shipped=day)
            elif qualifier == "017":
                context = replace(context, arrival=day)
            else:
                context = replace(context, scheduled=day)
    return context


def _not_item(reader: SetReader, level: list[Segment], code: str) -> None:
    if code not in LEVELS:
        reader.ignore(f"HL level {code}")
    for segment in level[1:]:
        if segment.id in ("LIN", "SN1"):
            reader.problem(
                segment,
                f"{segment.id} at hierarchical level {code!r}: expected it at an item level "
                "(HL03 = I)",
            )


def _item(
    reader: SetReader,
    level: list[Segment],
    context: _Context,
    *,
    shipment_id: str | None,
    bsn_date: dt.date | None,
) -> None:
    hl = level[0]
    reader.record()
    lins = [s for s in level if s.id == "LIN"]
    sn1s = [s for s in level if s.id == "SN1"]
    for extra in (*lins[1:], *sn1s[1:]):
        reader.problem(extra, f"a second {extra.id} in one item level: expected one per HL")
    if not lins:
        reader.missing_segment(hl, "item level without LIN: expected the item's LIN")
    if not sn1s:
        reader.missing_segment(hl, "item level without SN1: expected the units shipped")
    if context.ship_to is None:
        reader.missing_segment(
            hl, "no ship-to for this item: expected N1*ST with the store code in N104"
        )
    product = reader.product(lins[0], 2) if lins else None
    shipped = None
    if sn1s:
        unit = reader.unit(sn1s[0], 3)
        shipped = reader.quantity(sn1s[0], 2, "units shipped", unit=unit)
    ship_date = context.shipped or bsn_date
    if (
        product is None
        or shipped is None
        or context.ship_to is None
        or ship_date is None
        or shipment_id is None
    ):
        return
    reader.facts.shipments.append(
        ShipmentLine(
            origin=reader.ts,
            shipment_id=shipment_id,
            po_number=context.po_number,
            ship_to=context.ship_to,
            product=product,
            shipped=shipped,
            ship_date=ship_date,
            arrival_date=context.arrival or context.scheduled,
        )
    )
