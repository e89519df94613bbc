"""The 997 functional acknowledgement of a received interchange, version 004010.

One interchange (sender and receiver swapped) holding one FA group with one 997 per
received functional group::

    ST   997
    AK1  GS01 and GS06 of the received group
    AK2  ST01 and ST02 of each received transaction set, followed for a rejected set by
    AK3  each segment in error: id, position in the set (ST = 1), —, syntax code (720)
    AK4  each element in error: position (element>component), —, code (723), copy
    AK5  A (accepted) or R (rejected) with up to five set error codes (718)
    AK9  A or R, sets included (GE01), received, accepted, up to five group codes (716)
    SE

ShelfOps imports an interchange all or nothing, so every set of a rejected interchange
is acknowledged R — the sets with problems of their own carry AK3/AK4 and codes, the
others a bare ``AK5*R`` — and every set of an imported one A. Interchange-level
problems (ISA/IEA) belong in a TA1, which is not written: they are in the import
result. The 997 reuses the received interchange's control number (ISA13/GS06), so a
re-sent interchange gets the same acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from shelfops.edi.document import Group, Interchange, Problem, TransactionSet
from shelfops.edi.syntax import COMPONENT, Envelope, clean, segment, write_interchange

_MAX_CODES = 5
_COPY_LENGTH = 99  # AK404 (element 725)
_OWN_ID = "SHELFOPS"  # when the received ISA08 is unusable


def write_997(interchange: Interchange, *, accepted: bool, now: dt.datetime) -> str:
    """The 997 for ``interchange``; ``accepted``: whether it was imported. Returns
    ``""`` when the interchange holds no functional group (nothing to acknowledge)."""
    if not interchange.groups:
        return ""
    envelope = Envelope(
        sender_id=_isa_id(interchange.receiver_id, _OWN_ID),
        sender_qualifier=_qualifier(interchange.receiver_qualifier),
        receiver_id=_isa_id(interchange.sender_id, "UNKNOWN"),
        receiver_qualifier=_qualifier(interchange.sender_qualifier),
        control_number=_control_number(interchange.control),
        created_at=now,
        test=interchange.test,
    )
    sets = [
        _acknowledge_group(group, number, accepted=accepted)
        for number, group in enumerate(interchange.groups, start=1)
    ]
    return write_interchange(envelope, functional_id="FA", transaction_sets=sets)


def _acknowledge_group(group: Group, number: int, *, accepted: bool) -> list[str]:
    control = f"{number:04d}"
    body = [
        segment("ST", "997", control),
        segment("AK1", _value(group.functional_id, "XX"), _value(group.control, "0")),
    ]
    for ts in group.sets:
        body += _acknowledge_set(ts, accepted=accepted)
    included = group.ge.element(1) if group.ge is not None else ""
    if not re.fullmatch(r"[0-9]{1,6}", included):
        included = str(len(group.sets))
    codes = _codes(p.group_code for p in group.problems)
    body.append(
        segment(
            "AK9",
            "A" if accepted else "R",
            str(int(included)),
            str(len(group.sets)),
            str(len(group.sets) if accepted else 0),
            *codes,
        )
    )
    body.append(segment("SE", str(len(body) + 1), control))
    return body


def _acknowledge_set(ts: TransactionSet, *, accepted: bool) -> list[str]:
    lines = [segment("AK2", _value(ts.id_code, "000"), _value(ts.control, "0000"))]
    if accepted:
        return [*lines, segment("AK5", "A")]
    last = ts.segments[-1].index
    by_segment: dict[int, list[Problem]] = {}
    for problem in ts.problems:
        index = problem.segment_index
        in_set = index is not None and ts.st.index <= index <= last
        # Envelope problems (counts, control numbers) are AK5 codes only, no AK3.
        if in_set and (problem.segment_code or problem.element_code):
            assert index is not None
            by_segment.setdefault(index, []).append(problem)
    for index in sorted(by_segment):
        problems = by_segment[index]
        first = problems[0]
        codes = [p.segment_code for p in problems if p.segment_code]
        lines.append(
            segment(
                "AK3",
                _value(first.segment_id or "", "XX")[:3],
                str(index - ts.st.index + 1),
                "",
                codes[0] if codes else "",
            )
        )
        for problem in sorted(problems, key=lambda p: (p.element or 0, p.component or 0)):
            if problem.element is None or problem.element_code is None:
                continue
            position = str(problem.element)
            if problem.component is not None:
                position += f"{COMPONENT}{problem.component}"
            lines.append(
                segment(
                    "AK4",
                    position,
                    "",
                    problem.element_code,
                    clean(problem.value or "")[:_COPY_LENGTH],
                )
            )
    lines.append(segment("AK5", "R", *_codes(p.set_code for p in ts.problems)))
    return lines


def _codes(codes: Iterable[str | None]) -> list[str]:
    """Distinct non-empty codes, first five, in the order found."""
    found: list[str] = []
    for code in codes:
        if code and code not in found:
            found.append(code)
    return found[:_MAX_CODES]


def _value(value: str, fallback: str) -> str:
    return clean(value) or fallback


def _isa_id(value: str, fallback: str) -> str:
    cleaned = clean(value)
    return cleaned if 1 <= len(cleaned) <= 15 else fallback


def _qualifier(value: str) -> str:
    return value if len(value) == 2 and value.isascii() and value.isalnum() else "ZZ"


def _control_number(value: str) -> int:
    """The received ISA13 when it is a valid control number, else a stable number
    derived from it (so the same interchange always gets the same one)."""
    if re.fullmatch(r"[0-9]{1,9}", value) and int(value) > 0:
        return int(value)
    digest = hashlib.sha256(value.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 999_999_999 + 1
