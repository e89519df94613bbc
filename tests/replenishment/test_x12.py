"""The X12 850 writer, checked by parsing its output back with an independent, minimal
reader (no X12 library is installable here): fixed-width ISA, matching control numbers,
segment counts, line count and totals."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from shelfops.edi import x850 as x12

ORDER = x12.Order(
    po_number="PO-20261123-1",
    order_date=dt.date(2026, 11, 23),
    delivery_date=dt.date(2026, 11, 28),
    ship_to=x12.Party(name="Main Street", code="S001"),
    vendor=x12.Party(name="Dairy Co", code="V001"),
    lines=[
        x12.OrderLine(product_code="MILK", quantity=24, unit_price=0.8),
        x12.OrderLine(product_code="EGGS", quantity=12, unit_price=2.5),
        x12.OrderLine(product_code="SALT", quantity=0, unit_price=0.4),
        x12.OrderLine(product_code="FLOUR", quantity=10, unit_price=1.333333),
    ],
)
ENVELOPE = x12.Envelope(
    sender_id="ACME",
    receiver_id="V001",
    control_number=1234,
    created_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC),
)


def parse(document: str) -> list[list[str]]:
    """Segments as lists of elements. The ISA fixes the separators: the element
    separator is its 4th character, the segment terminator its 106th."""
    assert document.startswith("ISA")
    element, terminator = document[3], document[105]
    assert (element, terminator) == ("*", "~")
    assert document.endswith(terminator)
    return [segment.split(element) for segment in document[:-1].split(terminator)]


def test_envelope_and_counts_are_consistent() -> None:
    document = x12.write_850(ORDER, ENVELOPE)
    segments = parse(document)
    tags = [s[0] for s in segments]
    assert " ".join(tags) == "ISA GS ST BEG DTM N1 N1 PO1 PO1 PO1 CTT AMT SE GE IEA"

    isa = segments[0]
    assert len(isa) == 17
    # Every ISA element has its fixed width.
    widths = [3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    assert [len(e) for e in isa] == widths
    assert isa[1:5] == ["00", " " * 10, "00", " " * 10]
    assert (isa[5], isa[6], isa[7], isa[8]) == ("ZZ", "ACME".ljust(15), "ZZ", "V001".ljust(15))
    assert (isa[9], isa[10]) == ("261123", "1405")
    assert (isa[11], isa[12], isa[13], isa[14], isa[15], isa[16]) == (
        "U",
        "00401",
        "000001234",
        "0",
        "P",
        ">",
    )
    gs = segments[1]
    assert gs == ["GS", "PO", "ACME", "V001", "20261123", "1405", "1234", "X", "004010"]

    st_index, se_index = tags.index("ST"), tags.index("SE")
    st, se = segments[st_index], segments[se_index]
    assert st == ["ST", "850", "0001"]
    assert se[2] == st[2]
    assert int(se[1]) == se_index - st_index + 1 == 11
    ge, iea = segments[-2], segments[-1]
    assert ge == ["GE", "1", gs[6]]
    assert iea == ["IEA", "1", isa[13]]


def test_order_content_lines_and_totals() -> None:
    segments = parse(x12.write_850(ORDER, ENVELOPE))
    by_tag: dict[str, list[list[str]]] = {}
    for segment in segments:
        by_tag.setdefault(segment[0], []).append(segment)
    assert by_tag["BEG"] == [["BEG", "00", "SA", "PO-20261123-1", "", "20261123"]]
    assert by_tag["DTM"] == [["DTM", "002", "20261128"]]
    assert by_tag["N1"] == [
        ["N1", "ST", "Main Street", "92", "S001"],
        ["N1", "VN", "Dairy Co", "92", "V001"],
    ]

    lines = by_tag["PO1"]
    # The zero-quantity SALT line is not ordered; line numbers stay consecutive.
    assert lines == [
        ["PO1", "1", "24", "EA", "0.8", "", "BP", "MILK"],
        ["PO1", "2", "12", "EA", "2.5", "", "BP", "EGGS"],
        ["PO1", "3", "10", "EA", "1.3333", "", "BP", "FLOUR"],
    ]
    ctt = by_tag["CTT"][0]
    assert int(ctt[1]) == len(lines)
    assert Decimal(ctt[2]) == sum(Decimal(line[2]) for line in lines) == 46
    amount = sum((Decimal(line[2]) * Decimal(line[4]) for line in lines), Decimal(0))
    assert by_tag["AMT"] == [["AMT", "TT", str(amount.quantize(Decimal("0.01")))]]
    assert amount.quantize(Decimal("0.01")) == Decimal("62.53")


def test_no_delivery_date_means_no_dtm_and_counts_follow() -> None:
    order = replace(ORDER, delivery_date=None)
    segments = parse(x12.write_850(order, ENVELOPE))
    tags = [s[0] for s in segments]
    assert "DTM" not in tags
    se = segments[tags.index("SE")]
    assert int(se[1]) == tags.index("SE") - tags.index("ST") + 1 == 10


def test_separators_and_accents_in_text_cannot_break_the_document() -> None:
    order = replace(
        ORDER,
        ship_to=x12.Party(name="Café *Nord*~ Süd>", code="S001"),
        vendor=x12.Party(name="D" * 80, code="V001"),
    )
    segments = parse(x12.write_850(order, replace(ENVELOPE, test=True)))
    n1 = [s for s in segments if s[0] == "N1"]
    assert n1[0] == ["N1", "ST", "Cafe Nord Sud", "92", "S001"]
    # Names are cut to N102's 60 characters.
    assert n1[1][2] == "D" * 60
    assert segments[0][15] == "T"
    assert all(len(s) > 1 for s in segments)


def test_values_that_do_not_fit_are_refused_not_cut() -> None:
    with pytest.raises(x12.X12Error, match="BEG03"):
        x12.write_850(replace(ORDER, po_number="P" * 23), ENVELOPE)
    with pytest.raises(x12.X12Error, match="ISA06"):
        x12.write_850(ORDER, replace(ENVELOPE, sender_id="S" * 16))
    with pytest.raises(x12.X12Error, match="control number"):
        x12.write_850(ORDER, replace(ENVELOPE, control_number=10**9))
    with pytest.raises(x12.X12Error, match="qualifier"):
        x12.write_850(ORDER, replace(ENVELOPE, sender_qualifier="Z"))
    nothing = [x12.OrderLine(product_code="SALT", quantity=0, unit_price=0.4)]
    with pytest.raises(x12.X12Error, match="no line"):
        x12.write_850(replace(ORDER, lines=nothing), ENVELOPE)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (24.0, "24"),
        (0.8, "0.8"),
        (0.80000001, "0.8"),
        (1e-5, "0"),
        (1200.0, "1200"),
        (2.345, "2.345"),
    ],
)
def test_numbers_are_plain_decimals(value: float, text: str) -> None:
    assert x12.decimal(value) == text


@pytest.mark.parametrize("value", [1.2e300, 1e40, float("inf"), float("nan")])
def test_numbers_that_cannot_be_written_are_an_x12_error(value: float) -> None:
    with pytest.raises(x12.X12Error, match="cannot be written"):
        x12.decimal(value)
    # As a unit price too; a NaN quantity is not above 0, so that line is not ordered.
    line = x12.OrderLine(product_code="MILK", quantity=12, unit_price=value)
    with pytest.raises(x12.X12Error, match="cannot be written"):
        x12.write_850(replace(ORDER, lines=[line]), ENVELOPE)
