"""The transaction-set readers: what each sample says, read by hand, and a precise problem
(segment, element, value, 997 codes) for each kind of bad content."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shelfops.edi.document import Problem
from shelfops.edi.service import ReadInterchange, read_interchange
from tests.edi.helpers import example

GROUPS = {"846": "IB", "852": "PD", "856": "SH", "810": "IN"}
D = Decimal


def wrap(code: str, *body: str) -> str:
    """One transaction set ``code`` with ``body`` segments in a valid envelope."""
    segments = [f"ST*{code}*0001", *body, f"SE*{len(body) + 2}*0001"]
    return (
        "ISA*00*          *00*          *ZZ*DAIRYCO        *ZZ*SHELFOPS       *260302*2200*U*"
        f"00401*000000001*0*P*>~GS*{GROUPS[code]}*DAIRYCO*SHELFOPS*20260302*2200*1*X*004010~"
        + "~".join(segments)
        + "~GE*1*1~IEA*1*000000001~"
    )


def problems(read: ReadInterchange) -> list[Problem]:
    assert read.interchange is not None
    return read.interchange.all_problems()


def where(read: ReadInterchange) -> list[tuple[str | None, int | None, int | None, str | None]]:
    """(segment id, index, element, value) of every problem."""
    return [(p.segment_id, p.segment_index, p.element, p.value) for p in problems(read)]


def test_846_sample() -> None:
    read = read_interchange(example("846_inventory_advice.x12").read_bytes())
    assert read.ok
    facts = read.facts
    assert [
        (
            f.store.value,
            f.product.value,
            f.product.qualifier,
            f.day,
            f.on_hand.value,
            f.on_hand.unit,
            f.on_order.value if f.on_order else None,
        )
        for f in facts.inventory
    ] == [
        ("S001", "MILK", "BP", dt.date(2026, 3, 2), D(40), "EA", D(24)),
        ("S001", "EGGS", "BP", dt.date(2026, 3, 2), D(3), "CA", None),
        ("S002", "MILK", "BP", dt.date(2026, 3, 1), D(15), "EA", None),
    ]
    # The store of the first item is the header's N1 (segment 6), element N104.
    assert (facts.inventory[0].store.segment.index, facts.inventory[0].store.element) == (6, 4)
    assert dict(facts.records) == {"846/0001": 3}
    assert dict(facts.ignored) == {"846 QTY*02": 1}


def test_852_sample() -> None:
    read = read_interchange(example("852_product_activity.x12").read_bytes())
    assert read.ok
    facts = read.facts
    day = dt.date(2026, 3, 2)
    assert [
        (f.store.value, f.product.value, f.day, f.quantity.value, f.unit_price) for f in facts.sales
    ] == [
        ("S001", "MILK", day, D(12), D("1.19")),
        ("S002", "MILK", day, D(5), D("1.19")),
        ("S001", "EGGS", day, D(4), None),
    ]
    assert [
        (
            f.store.value,
            f.product.value,
            f.on_hand.value,
            f.on_hand.unit,
            f.on_order.value if f.on_order else None,
        )
        for f in facts.inventory
    ] == [
        ("S001", "MILK", D(30), "EA", D(24)),
        ("S002", "MILK", D(9), "EA", None),
        ("S001", "EGGS", D(1), "CA", None),
    ]
    assert [(f.store.value, f.product.value, f.quantity.value) for f in facts.receipts] == [
        ("S002", "MILK", D(12))
    ]
    # QS 2 stores + QA 2 + QP 1 + QR 1 for MILK; QS and QA for EGGS. QO is ignored.
    assert dict(facts.records) == {"852/0001": 8}
    assert dict(facts.ignored) == {"852 ZA*QO": 1}


def test_856_sample() -> None:
    read = read_interchange(example("856_ship_notice.x12").read_bytes())
    assert read.ok
    shipped, arrival = dt.date(2026, 3, 3), dt.date(2026, 3, 6)
    assert [
        (
            f.shipment_id,
            f.po_number.value if f.po_number else None,
            f.ship_to.value,
            f.product.value,
            f.shipped.value,
            f.shipped.unit,
            f.ship_date,
            f.arrival_date,
        )
        for f in read.facts.shipments
    ] == [
        ("SHIP-77", "PO-1001", "S001", "MILK", D(24), "EA", shipped, arrival),
        ("SHIP-77", "PO-1001", "S001", "EGGS", D(1), "CA", shipped, arrival),
        ("SHIP-77", "EXT-555", "S001", "BREAD", D(10), "EA", shipped, arrival),
    ]


def test_810_sample() -> None:
    read = read_interchange(example("810_invoice.x12").read_bytes())
    assert read.ok
    assert [
        (
            *(f.invoice_number, f.invoice_date, f.po_number, f.ship_to, f.product.value),
            *(f.unit_price.value, f.unit_price.unit),
        )
        for f in read.facts.invoices
    ] == [
        ("INV-9001", dt.date(2026, 3, 4), "PO-1001", "S001", "MILK", D("0.85"), "EA"),
        ("INV-9001", dt.date(2026, 3, 4), "PO-1001", "S001", "EGGS", D("9.6"), "CA"),
    ]
    assert read.facts.invoice_totals == {"INV-9001": D("30.00")}


def test_the_buyers_code_is_preferred_whatever_the_order_of_the_pairs() -> None:
    read = read_interchange(example("several_sets.x12").read_bytes())
    first = read.facts.inventory[0]
    assert (first.product.value, first.product.qualifier, first.product.element) == (
        "BREAD",
        "BP",
        5,
    )
    assert read.facts.invoices[0].product.qualifier == "SK"


HEAD_846 = ("BIA*00*MM*R1*20260302", "N1*ST*Main*92*S001")


@pytest.mark.parametrize(
    ("body", "expected", "code"),
    [
        # Segment indexes: ISA 1, GS 2, ST 3, BIA 4, N1 5, LIN 6, QTY 7.
        (("LIN*1*BP*MILK", "QTY*17*1,200"), [("QTY", 7, 2, "1,200")], "6"),
        (("LIN*1*BP*MILK", "QTY*17*1E3"), [("QTY", 7, 2, "1E3")], "6"),
        (("LIN*1*BP*MILK", "QTY*17*-4"), [("QTY", 7, 2, "-4")], "6"),
        (("LIN*1*BP*MILK", "QTY*17*4*LB"), [("QTY", 7, 3, "LB")], "7"),
        (("LIN*1*BP*MILK", "DTM*007*20260230", "QTY*17*4"), [("DTM", 7, 2, "20260230")], "8"),
        (("LIN*1*ZZ*MILK", "QTY*17*4"), [("LIN", 6, 2, "ZZ")], "7"),
        (("LIN*1", "QTY*17*4"), [("LIN", 6, 2, "")], "1"),
        (("LIN*1*BP*MILK", "QTY*17*4", "QTY*17*5"), [("QTY", 8, 1, "17")], None),
        (("LIN*1*BP*MILK", "QTY*17*4", "CTT*2"), [("CTT", 8, 1, "2")], "7"),
        # Beyond the bounds of shelfops.kit.limits.
        (("LIN*1*BP*MILK", "DTM*007*99991231", "QTY*17*4"), [("DTM", 7, 2, "99991231")], "8"),
        (("LIN*1*BP*MILK", "DTM*007*19701231", "QTY*17*4"), [("DTM", 7, 2, "19701231")], "8"),
        (("LIN*1*BP*MILK", "QTY*17*2147483648"), [("QTY", 7, 2, "2147483648")], "7"),
    ],
)
def test_846_bad_values_name_the_segment_and_element(
    body: tuple[str, ...], expected: list[tuple[str, int, int, str]], code: str | None
) -> None:
    read = read_interchange(wrap("846", *HEAD_846, *body))
    assert where(read) == expected
    (problem,) = problems(read)
    assert problem.element_code == code
    assert problem.set_code == "5"
    assert not read.ok


def test_the_bounds_themselves_are_read() -> None:
    """The first and last business days, MAX_UNITS units and MAX_MONEY are accepted."""
    first = read_interchange(
        wrap("846", *HEAD_846, "LIN*1*BP*MILK", "DTM*007*19710101", "QTY*17*2147483647")
    )
    last = read_interchange(wrap("846", *HEAD_846, "LIN*1*BP*MILK", "DTM*194*21991231", "QTY*17*0"))
    assert first.ok and last.ok
    assert [(f.day, f.on_hand.value) for f in first.facts.inventory + last.facts.inventory] == [
        (dt.date(1971, 1, 1), D(2147483647)),
        (dt.date(2199, 12, 31), D(0)),
    ]
    invoice = read_interchange(
        wrap("810", "BIG*20260304*INV-1", "IT1*1*2*EA*1000000000000**BP*MILK")
    )
    assert invoice.ok
    assert [f.unit_price.value for f in invoice.facts.invoices] == [D(1000000000000)]


def test_a_number_too_long_for_x12_is_reported_as_too_large() -> None:
    """Not as "must be a decimal number like 12 or 3.5": it is one, only far too big."""
    read = read_interchange(wrap("846", *HEAD_846, "LIN*1*BP*MILK", "QTY*17*" + "9" * 26))
    (problem,) = problems(read)
    assert problem.message == "QTY02 (quantity 17) is too large: must be at most 2147483647"


def test_846_item_without_on_hand_or_location() -> None:
    read = read_interchange(wrap("846", "BIA*00*MM*R1*20260302", "LIN*1*BP*MILK", "QTY*63*4"))
    messages = [(p.segment_id, p.segment_index, p.message) for p in problems(read)]
    assert messages == [
        (
            "LIN",
            5,
            "the item has no on-hand quantity: expected QTY*17 (on hand) or QTY*33",
        ),
        (
            "LIN",
            5,
            "no location for this item: expected N1*ST (or SN, RL, WH) with the store code in "
            "N104, in the header or after the LIN",
        ),
    ]
    assert all(p.segment_code == "3" for p in problems(read))


def test_a_set_without_its_beginning_segment() -> None:
    read = read_interchange(wrap("846", "LIN*1*BP*MILK"))
    assert [(p.segment_id, p.segment_index, p.message) for p in problems(read)] == [
        ("LIN", 4, "expected BIA right after ST")
    ]


HEAD_852 = ("XQ*H*20260302*20260308", "N1*ST*Main*92*S001", "LIN*1*BP*MILK")


def test_852_weekly_sales_are_refused_but_weekly_stock_is_dated_the_last_day() -> None:
    read = read_interchange(wrap("852", *HEAD_852, "ZA*QS*5*EA", "ZA*QA*9*EA"))
    (problem,) = problems(read)
    assert (problem.segment_id, problem.segment_index, problem.element, problem.value) == (
        "ZA",
        7,
        1,
        "QS",
    )
    assert problem.message.startswith("quantity sold over 7 days (2026-03-02 to 2026-03-08)")
    assert [(f.day, f.on_hand.value) for f in read.facts.inventory] == [(dt.date(2026, 3, 8), D(9))]


def test_852_a_dated_activity_is_stored_on_its_day() -> None:
    read = read_interchange(wrap("852", *HEAD_852, "ZA*QS*5*EA*002*20260304"))
    assert read.ok
    assert [(f.day, f.quantity.value) for f in read.facts.sales] == [(dt.date(2026, 3, 4), D(5))]


@pytest.mark.parametrize(
    ("activities", "expected", "message"),
    [
        (
            ("ZA*QA*10*EA", "SDQ*EA*92*S001*4*S002*5"),
            [("ZA", 7, 2, "10")],
            "ZA02 total 10 differs from the sum of the SDQ quantities (9)",
        ),
        (
            ("ZA*QP*3*EA",),
            [("ZA", 7, 2, "3")],
            "on order (QP) for store S001 on 2026-03-08 without on hand (QA)",
        ),
        (
            ("SDQ*EA*92*S001*4",),
            [("SDQ", 7, None, None)],
            "SDQ without a ZA before it: expected ZA",
        ),
        (
            ("ZA*QA*3*EA", "ZA*QA*4*EA"),
            [("ZA", 8, 2, "4")],
            "ZA*QA for store S001 on 2026-03-08 given twice (first at segment 7)",
        ),
        (
            ("ZA*QA", "SDQ*EA*92*S001"),
            [("SDQ", 8, 4, "")],
            "SDQ04 (quantity at S001) is missing",
        ),
    ],
)
def test_852_bad_activities(
    activities: tuple[str, ...],
    expected: list[tuple[str, int, int | None, str | None]],
    message: str,
) -> None:
    read = read_interchange(wrap("852", *HEAD_852, *activities))
    assert where(read) == expected
    assert problems(read)[0].message.startswith(message)


def test_852_without_any_location() -> None:
    read = read_interchange(wrap("852", "XQ*H*20260302", "LIN*1*BP*MILK", "ZA*QS*5*EA"))
    (problem,) = problems(read)
    assert (problem.segment_id, problem.segment_index, problem.segment_code) == ("ZA", 6, "3")
    assert problem.message.startswith("no location for this quantity")


HEAD_856 = ("BSN*00*SHIP-1*20260303", "HL*1**S", "N1*ST*Main*92*S001", "HL*2*1*O", "PRF*PO-9")


@pytest.mark.parametrize(
    ("items", "expected", "message"),
    [
        # ISA 1, GS 2, ST 3, BSN 4, HL 5, N1 6, HL 7, PRF 8, HL 9 …
        # An unknown parent leaves the item without the order's ship-to too.
        (
            ("HL*3*7*I", "LIN*1*BP*MILK", "SN1*1*2*EA"),
            [("HL", 9, None, None), ("HL", 9, 2, "7")],
            "HL02 parent '7' is not an earlier HL01",
        ),
        (("HL*3*2*I", "LIN*1*BP*MILK"), [("HL", 9, None, None)], "item level without SN1"),
        (("HL*3*2*I", "SN1*1*2*EA"), [("HL", 9, None, None)], "item level without LIN"),
        (("HL*3*2*I", "LIN*1*BP*MILK", "SN1*1**EA"), [("SN1", 11, 2, "")], "SN102 (units"),
        (("HL*2*1*I", "LIN*1*BP*MILK", "SN1*1*2*EA"), [("HL", 9, 1, "2")], "HL01 '2' is used"),
        (("HL*3*2*P", "LIN*1*BP*MILK"), [("LIN", 10, None, None)], "LIN at hierarchical level"),
    ],
)
def test_856_bad_hierarchy(
    items: tuple[str, ...],
    expected: list[tuple[str, int, int | None, str | None]],
    message: str,
) -> None:
    read = read_interchange(wrap("856", *HEAD_856, *items))
    assert where(read) == expected
    assert any(p.message.startswith(message) for p in problems(read))


def test_856_item_without_ship_to() -> None:
    read = read_interchange(
        wrap("856", "BSN*00*S*20260303", "HL*1**S", "HL*2*1*I", "LIN*1*BP*MILK", "SN1*1*2*EA")
    )
    (problem,) = problems(read)
    assert (problem.segment_id, problem.segment_index) == ("HL", 6)
    assert problem.message == "no ship-to for this item: expected N1*ST with the store code in N104"


def test_810_line_without_a_price_and_an_invoice_without_lines() -> None:
    read = read_interchange(wrap("810", "BIG*20260304*INV-1", "IT1*1*2*EA***BP*MILK"))
    assert where(read) == [("IT1", 5, 4, "")]
    assert problems(read)[0].message == "IT104 (unit price) is missing"
    empty = read_interchange(wrap("810", "BIG*20260304*INV-1", "TDS*100"))
    assert [(p.segment_id, p.message) for p in problems(empty)] == [
        ("BIG", "the invoice has no line: expected IT1 segments")
    ]
