"""The X12 parser: delimiters from the ISA, the envelope structure, control numbers and
counts, and a precise problem (segment id, 1-based index, character offset, what was
expected) for every kind of malformed envelope."""

from __future__ import annotations

import pytest

from shelfops.edi.document import Interchange, Problem
from shelfops.edi.parser import parse
from shelfops.edi.syntax import Delimiters, X12Error
from tests.edi.helpers import example

ISA = (
    "ISA*00*          *00*          *ZZ*DAIRYCO        *ZZ*SHELFOPS       *260302*2200*U*"
    "00401*000000007*0*P*>~"
)
BODY_846 = "BIA*00*MM*R1*20260302~N1*ST*Main*92*S001~LIN*1*BP*MILK~QTY*17*4~"


def interchange(*, body: str = BODY_846, se: str = "SE*6*0001~", ge: str = "GE*1*7~") -> str:
    """A one-set 846 interchange whose trailers can be replaced."""
    gs = "GS*IB*DAIRYCO*SHELFOPS*20260302*2200*7*X*004010~"
    return f"{ISA}{gs}ST*846*0001~{body}{se}{ge}IEA*1*000000007~"


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [p.describe() for p in problems]
    return problems[0]


def test_a_valid_interchange_has_no_problem_and_its_segments_are_numbered() -> None:
    text = interchange()
    parsed = parse(text)
    assert parsed.ok
    assert parsed.delimiters == Delimiters(element="*", component=">", segment="~")
    assert (parsed.sender_id, parsed.receiver_id, parsed.control) == (
        "DAIRYCO",
        "SHELFOPS",
        "000000007",
    )
    (group,) = parsed.groups
    (ts,) = group.sets
    assert (group.functional_id, group.control, ts.id_code, ts.control) == (
        "IB",
        "7",
        "846",
        "0001",
    )
    assert [s.id for s in ts.body] == ["BIA", "N1", "LIN", "QTY"]
    lin = ts.body[2]
    # ISA=1, GS=2, ST=3, BIA=4, N1=5, LIN=6.
    assert (lin.index, lin.offset) == (6, text.index("LIN*"))
    assert lin.element(3) == "MILK" and lin.element(9) == ""
    assert parsed.segment_count == 10  # ISA GS ST BIA N1 LIN QTY SE GE IEA


def test_delimiters_come_from_the_isa_and_line_breaks_are_tolerated() -> None:
    parsed = parse(example("several_sets.x12").read_bytes())
    assert parsed.ok, [p.describe() for p in parsed.all_problems()]
    assert parsed.delimiters == Delimiters(element="|", component=":", segment="~", repetition="^")
    assert [g.label for g in parsed.groups] == ["IB/11", "PD/12", "IN/13"]
    assert [ts.label for ts in parsed.transaction_sets] == [
        "846/1001",
        "846/1002",
        "852/2001",
        "810/3001",
    ]
    lin = parsed.groups[0].sets[0].body[2]
    assert (lin.id, lin.elements) == ("LIN", ("", "VN", "V-BREAD-1", "BP", "BREAD"))


def test_version_00401_has_no_repetition_separator_and_a_newline_terminator_works() -> None:
    text = interchange().replace("~", "\n")
    parsed = parse(text)
    assert parsed.ok
    assert parsed.delimiters == Delimiters(element="*", component=">", segment="\n")


def test_a_byte_order_mark_and_leading_blank_lines_are_skipped_and_noted() -> None:
    parsed = parse(b"\xef\xbb\xbf\r\n" + interchange().encode())
    assert parsed.ok
    assert parsed.notes == [
        "a UTF-8 byte-order mark before the ISA was skipped",
        "2 white-space character(s) before the ISA were skipped",
    ]
    assert parsed.isa.offset == 3


@pytest.mark.parametrize(
    ("data", "message", "position"),
    [
        (b"", "starts with 'ISA'", 0),
        (b"GS*IB*X~", "starts with 'ISA'", 0),
        (b"ISA", "ends after 'ISA'", 0),
        (b"ISA~00~", "element separator", 0),
        (ISA[:60].encode(), "it needs 16", 0),
        (ISA[:104].encode(), "ends inside the ISA header", 0),
        (ISA.replace("*>~", "*>*").encode(), "must all differ", 0),
        (ISA.replace("*>~", "*>A").encode(), "segment terminator", 0),
        ("\ufeffISA".encode("utf-16"), "UTF-16", 0),
    ],
)
def test_an_unreadable_isa_is_the_one_error_raised(
    data: bytes, message: str, position: int
) -> None:
    with pytest.raises(X12Error, match=message) as raised:
        parse(data)
    assert raised.value.position == position
    if b"ISA" in data[:3]:
        assert (raised.value.segment, raised.value.segment_index) == ("ISA", 1)


def test_wrong_se_count_and_control_number_name_the_se() -> None:
    text = interchange(se="SE*5*0002~")
    parsed = parse(text)
    se_offset = text.index("SE*5")
    problems = parsed.groups[0].sets[0].problems
    assert [(p.segment_id, p.segment_index, p.offset, p.element, p.set_code) for p in problems] == [
        ("SE", 8, se_offset, 1, "4"),
        ("SE", 8, se_offset, 2, "3"),
    ]
    assert (
        problems[0].message
        == "SE01 says '5' segments but transaction set 846/0001 has 6 (ST to SE inclusive)"
    )
    assert problems[1].message == "SE02 '0002' does not match ST02 '0001'"
    assert not parsed.problems and not parsed.groups[0].problems


def test_wrong_ge_and_iea_counts_and_control_numbers() -> None:
    text = interchange(ge="GE*2*8~").replace("IEA*1*000000007~", "IEA*2*000000009~")
    parsed = parse(text)
    group_problems = parsed.groups[0].problems
    assert [(p.segment_id, p.segment_index, p.element, p.group_code) for p in group_problems] == [
        ("GE", 9, 1, "5"),
        ("GE", 9, 2, "4"),
    ]
    assert group_problems[1].message == "GE02 '8' does not match GS06 '7'"
    assert [(p.segment_id, p.segment_index, p.element) for p in parsed.problems] == [
        ("IEA", 10, 1),
        ("IEA", 10, 2),
    ]
    assert parsed.problems[1].message == "IEA02 '000000009' does not match ISA13 '000000007'"
    assert parsed.problems[1].offset == text.index("IEA*")


def test_a_truncated_interchange_reports_every_missing_trailer() -> None:
    full = interchange()
    text = full[: full.index("QTY*17*4~") + len("QTY*17")]
    parsed = parse(text)
    (ts,) = parsed.groups[0].sets
    # The unterminated QTY is not a segment; the LIN (segment 6) is the last one read.
    assert [(p.segment_id, p.segment_index, p.set_code) for p in ts.problems] == [("LIN", 6, "2")]
    assert "expected SE, GE and IEA" in ts.problems[0].message
    assert [(p.segment_id, p.segment_index, p.group_code) for p in parsed.groups[0].problems] == [
        ("LIN", 6, "3")
    ]
    messages = [(p.segment_id, p.segment_index, p.offset, p.message) for p in parsed.problems]
    assert messages == [
        (
            "QTY",
            7,
            full.index("QTY*17*4~"),
            "the data ends inside segment 'QTY' without its terminator '~' (truncated?)",
        ),
        (
            "LIN",
            6,
            full.index("LIN*"),
            "the data ends after segment 6 (LIN) without an IEA: expected IEA (truncated?)",
        ),
    ]


def test_a_set_without_se_is_reported_at_the_segment_that_interrupts_it() -> None:
    text = interchange(se="")
    parsed = parse(text)
    problem = only(parsed.groups[0].sets[0].problems)
    assert (problem.segment_id, problem.segment_index, problem.offset, problem.set_code) == (
        "GE",
        8,
        text.index("GE*"),
        "2",
    )
    assert problem.message.startswith("expected SE to end transaction set 846/0001")
    # GE01 still counts one set.
    assert not parsed.groups[0].problems


def test_several_groups_and_sets_are_counted_per_group() -> None:
    st = "ST*846*{c}~BIA*00*MM*R*20260302~SE*3*{c}~"
    text = (
        f"{ISA}GS*IB*A*B*20260302*2200*1*X*004010~{st.format(c='0001')}{st.format(c='0002')}"
        f"GE*2*1~GS*PD*A*B*20260302*2200*2*X*004010~ST*852*0001~XQ*H*20260302~SE*3*0001~"
        "GE*1*2~IEA*2*000000007~"
    )
    parsed = parse(text)
    assert parsed.ok, [p.describe() for p in parsed.all_problems()]
    assert [[ts.label for ts in g.sets] for g in parsed.groups] == [
        ["846/0001", "846/0002"],
        ["852/0001"],
    ]


@pytest.mark.parametrize(
    ("body_from", "body_to", "where", "expected"),
    [
        (
            "ST*846*0001~",
            "ST*850*0001~",
            "set",
            ("ST", 3, 1, "1", "transaction set 850 is not read"),
        ),
        (
            "ST*846*0001~",
            "ST*852*0001~",
            "set",
            ("ST", 3, 1, "6", "travels in functional group PD"),
        ),
        ("ST*846*0001~", "ST*846~", "set", ("ST", 3, 2, "7", "ST02 (transaction set control")),
        ("GS*IB*", "GS*QQ*", "group", ("GS", 2, 1, "1", "functional group 'QQ' is not read")),
        ("*X*004010~", "*X*003020~", "group", ("GS", 2, 8, "2", "GS08 version")),
        ("20260302*2200*7*X", "20260302*2200*7A*X", "group", ("GS", 2, 6, "6", "GS06")),
    ],
)
def test_unsupported_or_malformed_headers(
    body_from: str, body_to: str, where: str, expected: tuple[str, int, int, str, str]
) -> None:
    text = interchange().replace(body_from, body_to, 1)
    if body_to == "ST*846~":
        text = text.replace("SE*6*0001~", "SE*6~")
    parsed = parse(text)
    owner = parsed.groups[0].sets[0].problems if where == "set" else parsed.groups[0].problems
    problems = [p for p in owner if p.element == expected[2]]
    problem = problems[0]
    code = problem.set_code if where == "set" else problem.group_code
    assert (problem.segment_id, problem.segment_index, problem.element, code) == expected[:4]
    assert expected[4] in problem.message


def test_duplicate_transaction_set_control_numbers_in_a_group() -> None:
    st = "ST*846*0001~BIA*00*MM*R*20260302~SE*3*0001~"
    text = f"{ISA}GS*IB*A*B*20260302*2200*7*X*004010~{st}{st}GE*2*7~IEA*1*000000007~"
    parsed = parse(text)
    first, second = parsed.groups[0].sets
    assert not first.problems
    problem = only(second.problems)
    assert (problem.segment_id, problem.segment_index, problem.set_code) == ("ST", 6, "23")
    assert "first at segment 3" in problem.message


def test_segments_out_of_place() -> None:
    text = (
        f"{ISA}BIA*stray~GS*IB*A*B*20260302*2200*7*X*004010~N1*between~ST*846*0001~"
        "BIA*00*MM*R*20260302~SE*3*0001~GE*1*7~IEA*1*000000007~GS*IB*after~"
    )
    parsed = parse(text)
    interchange_problems = [(p.segment_id, p.segment_index, p.message) for p in parsed.problems]
    assert interchange_problems == [
        ("BIA", 2, "segment BIA outside a functional group: expected GS or IEA"),
        (
            "GS",
            10,
            "1 segment(s) after the IEA: one interchange per file, expected the data to end",
        ),
    ]
    assert [(p.segment_id, p.segment_index) for p in parsed.groups[0].problems] == [("N1", 4)]


def test_st_outside_a_group_is_skipped_to_its_se() -> None:
    text = f"{ISA}ST*846*0001~BIA*00*MM*R*20260302~SE*3*0001~IEA*0*000000007~"
    parsed = parse(text)
    assert [(p.segment_id, p.segment_index) for p in parsed.problems] == [
        ("ST", 2),
        ("IEA", 5),
    ]
    assert parsed.problems[0].message.startswith("ST outside a functional group: expected GS")
    assert parsed.problems[1].message == "the interchange holds no functional group: expected GS"


def test_empty_segments_bad_ids_bad_bytes_and_isa_widths() -> None:
    text = interchange(body="BIA*00*MM*R1*20260302~~lin*1~QTY*17*4\x01~").replace(
        "SE*6*0001~", "SE*5*0001~"
    )
    data = text.replace("R1", "R\xe9").encode("latin-1")  # é is not UTF-8
    data = data.replace(b"*DAIRYCO        *", b"*DAIRYCO    *")  # ISA06 too short
    parsed = parse(data)
    (ts,) = parsed.groups[0].sets
    assert [(p.segment_id, p.segment_index, p.element, p.element_code) for p in ts.problems] == [
        ("BIA", 4, 3, "6"),
        ("lin", 5, None, None),
        ("QTY", 6, 2, "6"),
    ]
    assert "not valid UTF-8" in ts.problems[0].message
    assert ts.problems[1].segment_code == "1"
    assert "control character" in ts.problems[2].message
    empty = [p for p in parsed.problems if p.segment_id == ""]
    assert [(p.segment_index, p.message) for p in empty] == [
        (5, "empty segment: two terminators '~' in a row")
    ]
    width = [p for p in parsed.problems if p.segment_id == "ISA"]
    assert [(p.element, p.value) for p in width] == [(6, "DAIRYCO    ")]
    assert width[0].message == "ISA06 must be exactly 15 characters (padded); got 11"


def test_problems_of_the_whole_interchange_are_sorted_by_segment() -> None:
    parsed: Interchange = parse(interchange(se="SE*5*0002~", ge="GE*2*7~"))
    assert [(p.segment_id, p.element) for p in parsed.all_problems()] == [
        ("SE", 1),
        ("SE", 2),
        ("GE", 1),
    ]
    assert not parsed.ok
