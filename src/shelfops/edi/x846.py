"""846 Inventory Inquiry/Advice → stock positions (inventory snapshots).

Read (004010)::

    BIA   BIA04 report date (the snapshot date unless a DTM says otherwise)
    DTM   007 (effective) or 194 (period end): the snapshot date, header or per item
    N1    N101 ST/SN/RL/WH, N104 store code: the location, header or per item
    LIN   the item (product id rule of :mod:`.reading`)
    QTY   17 quantity on hand (preferred) or 33 quantity available for sale → on hand;
          63 on order → on order; QTY03 unit (EA/UN or CA)
    CTT   CTT01 number of LIN items, checked when present

Every LIN item needs an on-hand quantity and a location. Other QTY qualifiers and DTM
qualifiers are counted as ignored in the import result.
"""

from __future__ import annotations

import datetime as dt

from shelfops.edi.document import Segment, TransactionSet
from shelfops.edi.facts import Facts, InventoryFact, Quantity, Ref
from shelfops.edi.reading import SetReader, check_count, header, is_location, loops

ON_HAND = ("17", "33")  # in order of preference
ON_ORDER = "63"
DATE_QUALIFIERS = ("007", "194")


def read(ts: TransactionSet, facts: Facts) -> None:
    """Read one 846 into ``facts``; problems go on ``ts``."""
    reader = SetReader(ts, facts)
    body = ts.body
    if not body or body[0].id != "BIA":
        reader.missing_segment(body[0] if body else ts.st, "expected BIA right after ST")
        return
    report_date = reader.date(body[0], 4, "report date")
    head = header(body, "LIN")
    day, store = report_date, None
    for segment in head:
        if segment.id == "DTM":
            day = _date(reader, segment) or day
        elif is_location(segment):
            if store is not None:
                reader.problem(
                    segment,
                    f"a second location in the header (the first is N1 at segment "
                    f"{store.segment.index}): expected one, or one per item",
                )
            store = reader.location(segment)
    items = loops(body, "LIN", ends=("CTT",))
    for item in items:
        _item(reader, item, day=day, store=store)
    for segment in body:
        if segment.id == "CTT":
            check_count(reader, segment, len(items), "LIN items")


def _date(reader: SetReader, dtm: Segment) -> dt.date | None:
    qualifier = dtm.element(1)
    if qualifier not in DATE_QUALIFIERS:
        reader.ignore(f"DTM*{qualifier}")
        return None
    return reader.date(dtm, 2, f"date {qualifier}")


def _item(
    reader: SetReader, item: list[Segment], *, day: dt.date | None, store: Ref | None
) -> None:
    lin = item[0]
    reader.record()
    product = reader.product(lin, 2)
    quantities: dict[str, Quantity] = {}
    seen: dict[str, Segment] = {}  # qualifier → its first QTY
    for segment in item[1:]:
        if segment.id == "DTM":
            day = _date(reader, segment) or day
        elif is_location(segment):
            store = reader.location(segment)
        elif segment.id == "QTY":
            qualifier = segment.element(1)
            if qualifier not in (*ON_HAND, ON_ORDER):
                reader.ignore(f"QTY*{qualifier}")
                continue
            if qualifier in seen:
                reader.problem(
                    segment,
                    f"QTY*{qualifier} given twice for this item (first at segment "
                    f"{seen[qualifier].index}): expected once",
                    element=1,
                    value=qualifier,
                )
                continue
            seen[qualifier] = segment
            unit = reader.unit(segment, 3, component=True)
            quantity = reader.quantity(segment, 2, f"quantity {qualifier}", unit=unit)
            if quantity is not None:
                quantities[qualifier] = quantity
    on_hand = next((quantities[q] for q in ON_HAND if q in quantities), None)
    if "17" in quantities and "33" in quantities:
        reader.ignore("QTY*33 (QTY*17 given)")
    if not any(q in seen for q in ON_HAND):
        reader.missing_segment(
            lin, "the item has no on-hand quantity: expected QTY*17 (on hand) or QTY*33"
        )
    if store is None:
        reader.missing_segment(
            lin,
            "no location for this item: expected N1*ST (or SN, RL, WH) with the store code "
            "in N104, in the header or after the LIN",
        )
    if day is None:
        # BIA04 was missing or invalid: already reported.
        return
    if product is None or store is None or on_hand is None:
        return
    reader.facts.inventory.append(
        InventoryFact(
            origin=reader.ts,
            anchor=lin,
            store=store,
            product=product,
            day=day,
            on_hand=on_hand,
            on_order=quantities.get(ON_ORDER),
        )
    )
