"""The 997 functional acknowledgement, checked against documents worked out by hand."""

from __future__ import annotations

import datetime as dt

from shelfops.edi.parser import parse
from shelfops.edi.service import read_interchange
from shelfops.edi.x997 import write_997
from tests.edi.helpers import example, segments

ACCEPTED_846 = (
    "ISA*00*          *00*          *ZZ*SHELFOPS       *ZZ*DAIRYCO        *260302*2215*U*"
    "00401*000000846*0*P*>~"
    "GS*FA*SHELFOPS*DAIRYCO*20260302*2215*846*X*004010~"
    "ST*997*0001~"
    "AK1*IB*846~"
    "AK2*846*0001~"
    "AK5*A~"
    "AK9*A*1*1*1~"
    "SE*6*0001~"
    "GE*1*846~"
    "IEA*1*000000846~"
)


def test_an_imported_interchange_is_acknowledged_a() -> None:
    interchange = parse(example("846_inventory_advice.x12").read_bytes())
    now = dt.datetime(2026, 3, 2, 22, 15, tzinfo=dt.UTC)
    assert write_997(interchange, accepted=True, now=now) == ACCEPTED_846


# Two groups. IB/42: set 0001 has a QTY whose quantity (QTY02 '1,2') and unit (QTY03
# 'LB') are wrong; set 0002 has a wrong SE01. PD/43 is clean but its GE01 says 2 sets.
# It is a test interchange (ISA15 T).
REJECTED = (
    "ISA*00*          *00*          *ZZ*DAIRYCO        *ZZ*SHELFOPS       *260302*2200*U*"
    "00401*000000042*0*T*>~"
    "GS*IB*DAIRYCO*SHELFOPS*20260302*2200*42*X*004010~"
    "ST*846*0001~BIA*00*MM*R1*20260302~N1*ST*Main*92*S001~LIN*1*BP*MILK~QTY*17*1,2*LB~"
    "SE*6*0001~"
    "ST*846*0002~BIA*00*MM*R2*20260302~N1*ST*Main*92*S001~LIN*1*BP*EGGS~QTY*17*3~"
    "SE*5*0002~"
    "GE*2*42~"
    "GS*PD*DAIRYCO*SHELFOPS*20260302*2200*43*X*004010~"
    "ST*852*0001~XQ*H*20260302~N1*ST*Main*92*S001~LIN*1*BP*MILK~ZA*QS*5*EA~SE*6*0001~"
    "GE*2*43~"
    "IEA*2*000000042~"
)
REJECTED_997 = (
    "ISA*00*          *00*          *ZZ*SHELFOPS       *ZZ*DAIRYCO        *260302*2300*U*"
    "00401*000000042*0*T*>~"
    "GS*FA*SHELFOPS*DAIRYCO*20260302*2300*42*X*004010~"
    "ST*997*0001~"
    "AK1*IB*42~"
    "AK2*846*0001~"
    "AK3*QTY*5**8~"  # QTY is the 5th segment of the set (ST = 1); 8: element errors
    "AK4*2**6*1,2~"  # QTY02: invalid character
    "AK4*3**7*LB~"  # QTY03: invalid code value
    "AK5*R*5~"  # 5: one or more segments in error
    "AK2*846*0002~"
    "AK5*R*4~"  # 4: SE01 does not match the segment count
    "AK9*R*2*2*0~"
    "SE*11*0001~"
    "ST*997*0002~"
    "AK1*PD*43~"
    "AK2*852*0001~"
    "AK5*R~"  # no error of its own: rejected with the rest (all or nothing)
    "AK9*R*2*1*0*5~"  # GE01 said 2, 1 received; 5: set count mismatch
    "SE*6*0002~"
    "GE*2*42~"
    "IEA*1*000000042~"
)


def test_a_rejected_interchange_names_the_segments_and_elements_in_error() -> None:
    read = read_interchange(REJECTED)
    assert read.interchange is not None and not read.ok
    now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)
    document = write_997(read.interchange, accepted=False, now=now)
    assert document == REJECTED_997
    # Its own envelope is consistent: parsing it back finds no envelope problem
    # (997 is not a set ShelfOps reads, so only that is reported).
    parsed = parse(document)
    assert not parsed.problems
    assert [p.set_code for ts in parsed.transaction_sets for p in ts.problems] == ["1", "1"]


def test_nothing_to_acknowledge_without_a_group_and_a_bad_control_number_is_replaced() -> None:
    isa = (
        "ISA*00*          *00*          *ZZ*DAIRYCO        *ZZ*SHELFOPS       *260302*2200*U*"
        "00401*00000000X*0*P*>~"
    )
    now = dt.datetime(2026, 3, 2, 23, 0, tzinfo=dt.UTC)
    assert write_997(parse(f"{isa}IEA*0*00000000X~"), accepted=False, now=now) == ""
    text = f"{isa}GS*IB*A*B*20260302*2200*1*X*004010~GE*0*1~IEA*1*00000000X~"
    first = write_997(parse(text), accepted=False, now=now)
    again = write_997(parse(text), accepted=False, now=now)
    assert first == again
    control = segments(first)[0][13]
    assert control.isdigit() and len(control) == 9 and control != "000000000"
