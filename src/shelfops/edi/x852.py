"""852 Product Activity Data → daily sales and stock positions.

Read (004010)::

    XQ    XQ02 reporting period start, XQ03 end (absent: one day)
    N1    N101 ST/SN/RL/WH, N104 store code: the location of ZA quantities without SDQ
    LIN   the item (product id rule of :mod:`.reading`)
    CTP   CTP02 RES (resale): CTP03 is the retail price of the item's sales rows
    ZA    ZA01 activity, ZA02 quantity, ZA03 unit, ZA04/ZA05 date qualifier and date:
            QS quantity sold   → sales.quantity (per day)
            QA quantity on hand → inventory_snapshots.on_hand
            QP quantity on order → inventory_snapshots.on_order
            QR quantity received → recorded in the sync log (no table holds receipts
                                   outside purchase orders)
    SDQ   after a ZA: SDQ01 unit, SDQ02 id qualifier, then up to 10 pairs of store code
          and quantity (SDQ03/04 … SDQ21/22); when present they give the quantities per
          store, and ZA02 (if given) must be their total
    CTT   CTT01 number of LIN items, checked when present

Dates: a ZA's own date (ZA05) when given, else the reporting period. Sales are stored
per day, so QS needs a one-day period (XQ03 absent or equal to XQ02) or a ZA05 date: a
weekly QS is refused rather than spread over the days or put on one of them. Stock
positions (QA, QP) are dated the period's last day. QP without QA for the same store,
item and date is refused (a snapshot needs the units on hand). Other activity codes are
counted as ignored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shelfops.edi.document import Segment, TransactionSet
from shelfops.edi.facts import Facts, InventoryFact, Quantity, ReceiptFact, Ref, SaleFact
from shelfops.edi.reading import SetReader, check_count, header, is_location, loops

ACTIVITIES = ("QS", "QA", "QP", "QR")
_SDQ_PAIRS = range(3, 23, 2)


def read(ts: TransactionSet, facts: Facts) -> None:
    """Read one 852 into ``facts``; problems go on ``ts``."""
    reader = SetReader(ts, facts)
    body = ts.body
    if not body or body[0].id != "XQ":
        reader.missing_segment(body[0] if body else ts.st, "expected XQ right after ST")
        return
    xq = body[0]
    start = reader.date(xq, 2, "reporting period start")
    end = reader.date(xq, 3, "reporting period end", required=False) or start
    if start is not None and end is not None and end < start:
        reader.problem(
            xq,
            f"the reporting period ends ({end}) before it starts ({start})",
            element=3,
            value=xq.element(3),
            element_code="8",
        )
        return
    store: Ref | None = None
    for segment in header(body, "LIN"):
        if is_location(segment):
            if store is not None:
                reader.problem(
                    segment,
                    f"a second location in the header (the first is N1 at segment "
                    f"{store.segment.index}): expected one; use SDQ for several stores",
                )
            store = reader.location(segment)
    items = loops(body, "LIN", ends=("CTT",))
    if start is not None and end is not None:
        for item in items:
            _Item(reader, item, period=(start, end), store=store).read()
    for segment in body:
        if segment.id == "CTT":
            check_count(reader, segment, len(items), "LIN items")


class _Item:
    """One LIN loop: its product, price and ZA activities."""

    def __init__(
        self,
        reader: SetReader,
        segments: list[Segment],
        *,
        period: tuple[dt.date, dt.date],
        store: Ref | None,
    ) -> None:
        self.reader = reader
        self.segments = segments
        self.lin = segments[0]
        self.period = period
        self.store = store
        self.product = reader.product(self.lin, 2)
        # (store code, date) → activity → (store ref, quantity)
        self.positions: dict[tuple[str, dt.date], dict[str, tuple[Ref, Quantity]]] = {}

    def read(self) -> None:
        price: Decimal | None = None
        za: Segment | None = None
        sdqs: list[Segment] = []
        activities: list[tuple[Segment, list[Segment]]] = []
        for segment in self.segments[1:]:
            if segment.id == "SDQ":
                if za is None:
                    self.reader.problem(segment, "SDQ without a ZA before it: expected ZA")
                else:
                    sdqs.append(segment)
                continue
            if za is not None:
                activities.append((za, sdqs))
                za, sdqs = None, []
            if segment.id == "ZA":
                za = segment
            elif segment.id == "CTP" and segment.element(2) == "RES":
                price = self.reader.price(segment, 3, "retail unit price")
        if za is not None:
            activities.append((za, sdqs))
        for za_segment, sdq_segments in activities:
            self._activity(za_segment, sdq_segments, price)
        self._positions()

    def _activity(self, za: Segment, sdqs: list[Segment], price: Decimal | None) -> None:
        reader = self.reader
        code = za.element(1)
        if code not in ACTIVITIES:
            reader.ignore(f"ZA*{code}")
            return
        day = self._day(za, code)
        entries = self._entries(za, sdqs)
        reader.record(len(entries))
        if day is None or self.product is None:
            return
        for store, quantity in entries:
            if code == "QS":
                reader.facts.sales.append(
                    SaleFact(
                        origin=reader.ts,
                        store=store,
                        product=self.product,
                        day=day,
                        quantity=quantity,
                        unit_price=price,
                    )
                )
            elif code == "QR":
                reader.facts.receipts.append(
                    ReceiptFact(
                        origin=reader.ts,
                        store=store,
                        product=self.product,
                        day=day,
                        quantity=quantity,
                    )
                )
            else:
                self._position(code, store, day, quantity)

    def _day(self, za: Segment, code: str) -> dt.date | None:
        reader = self.reader
        if za.element(5):
            if not za.element(4):
                reader.text(za, 4, "date qualifier of ZA05")
            return reader.date(za, 5, "activity date")
        start, end = self.period
        if code == "QS" and start != end:
            reader.problem(
                za,
                f"quantity sold over {(end - start).days + 1} days ({start} to {end}): sales "
                "are stored per day, so expected a one-day reporting period (XQ02 = XQ03) "
                "or the day in ZA04/ZA05",
                element=1,
                value=code,
            )
            return None
        return end

    def _entries(self, za: Segment, sdqs: list[Segment]) -> list[tuple[Ref, Quantity]]:
        """(store, quantity) pairs of one ZA: from its SDQs, else ZA02 at the header's
        location."""
        reader = self.reader
        entries: list[tuple[Ref, Quantity]] = []
        if not sdqs:
            unit = reader.unit(za, 3)
            quantity = reader.quantity(za, 2, f"quantity {za.element(1)}", unit=unit)
            if self.store is None:
                reader.missing_segment(
                    za,
                    "no location for this quantity: expected SDQ store/quantity pairs after "
                    "the ZA, or N1*ST (or SN, RL, WH) with the store code in the header",
                )
            elif quantity is not None:
                entries.append((self.store, quantity))
            return entries
        total = Decimal(0)
        valid = True
        for sdq in sdqs:
            unit = reader.unit(sdq, 1)
            pairs = 0
            for position in _SDQ_PAIRS:
                code = sdq.element(position)
                if not code and not sdq.element(position + 1):
                    continue
                pairs += 1
                if not code:
                    reader.text(sdq, position, "location id")
                    valid = False
                    continue
                quantity = reader.quantity(
                    sdq, position + 1, f"quantity at {code}", unit=unit, required=True
                )
                if quantity is None:
                    valid = False
                    continue
                total += quantity.value
                entries.append((Ref(code, sdq, position, sdq.element(2) or None), quantity))
            if pairs == 0:
                reader.problem(
                    sdq,
                    "SDQ holds no store/quantity pair: expected SDQ03 and SDQ04",
                    element=3,
                    value="",
                    element_code="1",
                )
        given = za.element(2)
        if given and valid:
            stated = reader.number(za, 2, "total quantity")
            if stated is not None and stated != total:
                reader.problem(
                    za,
                    f"ZA02 total {given} differs from the sum of the SDQ quantities "
                    f"({format(total.normalize(), 'f')})",
                    element=2,
                    value=given,
                    element_code="7",
                )
        return entries

    def _position(self, code: str, store: Ref, day: dt.date, quantity: Quantity) -> None:
        slot = self.positions.setdefault((store.value, day), {})
        if code in slot:
            first = slot[code][1].ref.segment.index
            self.reader.problem(
                quantity.ref.segment,
                f"ZA*{code} for store {store.value} on {day} given twice (first at segment "
                f"{first}): expected once",
                element=quantity.ref.element,
                value=quantity.ref.value,
            )
            return
        slot[code] = (store, quantity)

    def _positions(self) -> None:
        reader = self.reader
        if self.product is None:
            return
        for (store_code, day), slot in self.positions.items():
            if "QA" not in slot:
                store, on_order = slot["QP"]
                reader.problem(
                    on_order.ref.segment,
                    f"on order (QP) for store {store_code} on {day} without on hand (QA): "
                    "a stock position needs the units on hand; expected ZA*QA too",
                    element=on_order.ref.element,
                    value=on_order.ref.value,
                )
                continue
            store, on_hand = slot["QA"]
            reader.facts.inventory.append(
                InventoryFact(
                    origin=reader.ts,
                    anchor=self.lin,
                    store=store,
                    product=self.product,
                    day=day,
                    on_hand=on_hand,
                    on_order=slot["QP"][1] if "QP" in slot else None,
                )
            )
