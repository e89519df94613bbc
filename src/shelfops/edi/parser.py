"""Reading an X12 interchange: delimiters from the ISA header, segments, and the envelope
structure ISA → GS → ST … SE → GE → IEA with its control numbers and counts checked.

:func:`parse` never crashes on malformed input. It raises :class:`~.syntax.X12Error`
only when the ISA header cannot be read (no delimiters, nothing else can be); every other
problem is collected on the interchange, group or transaction set it belongs to, with the
segment id, 1-based segment position in the interchange, character offset and what was
expected.

Delimiters: the element separator is the ISA's 4th character; the component separator is
ISA16 (the character after the 16th element separator); the segment terminator is the
character after ISA16; ISA11 is the repetition separator when ISA12 is 00402 or later
and ISA11 is not a letter or digit. Line breaks (CR, LF) after a terminator are
tolerated; so are a UTF-8 byte-order mark and white space before the ISA (noted).
Bytes that are not UTF-8 are reported per segment rather than refused wholesale.
"""

from __future__ import annotations

import re

from shelfops.edi.document import (
    ELEMENT_INVALID_CHARACTER,
    ELEMENT_INVALID_CODE,
    ELEMENT_MANDATORY_MISSING,
    GROUP_CONTROL_MISMATCH,
    GROUP_CONTROL_SYNTAX,
    GROUP_COUNT_MISMATCH,
    GROUP_NOT_SUPPORTED,
    GROUP_TRAILER_MISSING,
    GROUP_VERSION_NOT_SUPPORTED,
    SEGMENT_HAS_ELEMENT_ERRORS,
    SEGMENT_UNRECOGNIZED,
    SET_CONTROL_MISMATCH,
    SET_CONTROL_NOT_UNIQUE,
    SET_COUNT_MISMATCH,
    SET_INVALID_CONTROL,
    SET_INVALID_IDENTIFIER,
    SET_NOT_SUPPORTED,
    SET_TRAILER_MISSING,
    Group,
    Interchange,
    Problem,
    Segment,
    TransactionSet,
)
from shelfops.edi.syntax import Delimiters, X12Error

# The transaction sets ShelfOps reads, and the functional group (GS01) each travels in.
FUNCTIONAL_GROUPS = {"846": "IB", "852": "PD", "856": "SH", "810": "IN"}
SUPPORTED_VERSIONS = ("004", "005")  # GS08 prefixes: the 004010 conventions hold for both
# ISA01 … ISA16: fixed widths.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
# How far into the data the 16 ISA element separators must appear (106 when well formed).
_ISA_WINDOW = 200
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_BOM = "\ufeff"


def decode(data: bytes | str) -> str:
    """The interchange as text: UTF-8 (so ASCII) with undecodable bytes replaced by
    U+FFFD, which the parser then reports in the segment holding them. UTF-16 (which no
    X12 partner should send) is refused with its own message."""
    if isinstance(data, str):
        return data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise X12Error(
            "the file is UTF-16 (it starts with a UTF-16 byte-order mark); X12 interchanges "
            "are ASCII (UTF-8)",
            segment=None,
            segment_index=None,
            position=0,
        )
    return data.decode("utf-8", errors="replace")


def parse(data: bytes | str) -> Interchange:
    """Parse one interchange. Raises :class:`X12Error` only for an unreadable ISA."""
    text = decode(data)
    notes: list[str] = []
    start = 0
    if text.startswith(_BOM):
        start = 1
        notes.append("a UTF-8 byte-order mark before the ISA was skipped")
    stripped = len(text) - len(text[start:].lstrip())
    if stripped > start:
        notes.append(f"{stripped - start} white-space character(s) before the ISA were skipped")
        start = stripped
    delimiters = _read_delimiters(text, start)
    segments, problems = _tokenise(text, start, delimiters)
    isa = segments[0]
    interchange = Interchange(
        isa=isa, delimiters=delimiters, segment_count=len(segments), notes=notes
    )
    interchange.problems += problems
    _check_isa(interchange)
    _build(interchange, segments)
    for group in interchange.groups:
        _check_group(group)
    _check_iea(interchange)
    return interchange


# ---------------------------------------------------------------------------------------
# ISA and delimiters
# ---------------------------------------------------------------------------------------


def _read_delimiters(text: str, start: int) -> Delimiters:
    def fail(message: str) -> X12Error:
        return X12Error(message, segment="ISA", segment_index=1, position=start)

    head = text[start : start + 3]
    if head != "ISA":
        raise X12Error(
            f"an X12 interchange starts with 'ISA'; found {text[start : start + 20]!r}",
            segment=head or None,
            segment_index=1,
            position=start,
        )
    if len(text) <= start + 3:
        raise fail("the data ends after 'ISA': expected the ISA header (106 characters)")
    element = text[start + 3]
    if element.isalnum() or element.isspace():
        raise fail(
            f"the ISA's 4th character {element!r} must be the element separator "
            "(not a letter, digit or space)"
        )
    separators: list[int] = []
    cursor = start + 3
    limit = min(len(text), start + _ISA_WINDOW)
    while len(separators) < len(ISA_WIDTHS):
        found = text.find(element, cursor, limit)
        if found < 0:
            raise fail(
                f"the ISA header has {len(separators)} element separators {element!r} in "
                f"its first {_ISA_WINDOW} characters; it needs {len(ISA_WIDTHS)} "
                "(truncated, or not X12)"
            )
        separators.append(found)
        cursor = found + 1
    component_at = separators[-1] + 1
    terminator_at = component_at + 1
    if terminator_at >= len(text):
        raise fail("the data ends inside the ISA header: expected ISA16 and the terminator")
    component, terminator = text[component_at], text[terminator_at]
    if component.isalnum() or component.isspace():
        raise fail(f"ISA16 {component!r} must be the component separator (not alphanumeric)")
    if terminator.isalnum() or terminator == " ":
        raise fail(
            f"the character after ISA16, {terminator!r}, must be the segment terminator "
            "(not a letter, digit or space)"
        )
    if len({element, component, terminator}) < 3:
        raise fail(
            f"element separator {element!r}, component separator {component!r} and "
            f"segment terminator {terminator!r} must all differ"
        )
    fields = text[start + 4 : separators[-1]].split(element)
    repetition = fields[10] if len(fields) > 10 else ""
    version = fields[11] if len(fields) > 11 else ""
    uses_repetition = (
        version >= "00402"
        and len(repetition) == 1
        and not repetition.isalnum()
        and not repetition.isspace()
        and repetition not in (element, component, terminator)
    )
    return Delimiters(
        element=element,
        component=component,
        segment=terminator,
        repetition=repetition if uses_repetition else None,
    )


def _check_isa(interchange: Interchange) -> None:
    isa = interchange.isa
    problems = interchange.problems
    if len(isa.elements) != len(ISA_WIDTHS):
        problems.append(
            Problem.at(
                isa,
                f"the ISA has {len(isa.elements)} elements; expected {len(ISA_WIDTHS)}",
                segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
            )
        )
    for position, width in enumerate(ISA_WIDTHS, start=1):
        raw = isa.elements[position - 1] if position <= len(isa.elements) else ""
        if len(raw) != width:
            problems.append(
                Problem.at(
                    isa,
                    f"ISA{position:02d} must be exactly {width} characters (padded); "
                    f"got {len(raw)}",
                    element=position,
                    value=raw,
                )
            )
    control = isa.element(13)
    if not _DIGITS.match(control):
        problems.append(
            Problem.at(
                isa,
                "ISA13 (interchange control number) must be 9 digits",
                element=13,
                value=control,
            )
        )
    if isa.element(15) not in ("P", "T"):
        problems.append(
            Problem.at(
                isa,
                "ISA15 (usage) must be P (production) or T (test)",
                element=15,
                value=isa.element(15),
            )
        )


# ---------------------------------------------------------------------------------------
# Segments
# ---------------------------------------------------------------------------------------


def _tokenise(text: str, start: int, delimiters: Delimiters) -> tuple[list[Segment], list[Problem]]:
    """Split the text into segments; problems of the raw text (truncation, empty
    segments) are returned for the interchange."""
    terminator, element = delimiters.segment, delimiters.element
    breaks = "".join(c for c in "\r\n" if c != terminator)
    segments: list[Segment] = []
    problems: list[Problem] = []
    position, size = start, len(text)
    while position < size:
        while position < size and text[position] in breaks:
            position += 1
        if position >= size:
            break
        end = text.find(terminator, position)
        index = len(segments) + 1
        if end < 0:
            rest = text[position:]
            if rest.strip():
                head = rest.split(element, 1)[0][:3]
                problems.append(
                    Problem(
                        message=(
                            f"the data ends inside segment {head!r} without its terminator "
                            f"{terminator!r} (truncated?)"
                        ),
                        segment_id=head,
                        segment_index=index,
                        offset=position,
                    )
                )
            break
        raw = text[position:end]
        if terminator == "\n" and raw.endswith("\r"):
            raw = raw[:-1]
        if not raw.strip():
            problems.append(
                Problem(
                    message=f"empty segment: two terminators {terminator!r} in a row",
                    segment_id="",
                    segment_index=index,
                    offset=position,
                )
            )
        else:
            parts = raw.split(element)
            segments.append(
                Segment(
                    id=parts[0],
                    elements=tuple(parts[1:]),
                    index=index,
                    offset=position,
                    delimiters=delimiters,
                )
            )
        position = end + 1
    return segments, problems


def _character_problem(segment: Segment) -> Problem | None:
    """The first element holding a byte that was not UTF-8 or a control character."""
    delimiters = segment.delimiters
    allowed = {delimiters.component, delimiters.repetition}
    for position, value in enumerate(segment.elements, start=1):
        for character in value:
            if character == "\ufffd":
                return Problem.at(
                    segment,
                    "a byte that is not valid UTF-8 (X12 text is ASCII): check the file's encoding",
                    element=position,
                    value=value,
                    segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                    element_code=ELEMENT_INVALID_CHARACTER,
                )
            if (ord(character) < 0x20 or ord(character) == 0x7F) and character not in allowed:
                return Problem.at(
                    segment,
                    f"control character {character!r} inside an element",
                    element=position,
                    value=value,
                    segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                    element_code=ELEMENT_INVALID_CHARACTER,
                )
    return None


# ---------------------------------------------------------------------------------------
# Envelope structure
# ---------------------------------------------------------------------------------------


class _Builder:
    """The state of the structural pass over the segments after the ISA."""

    def __init__(self, interchange: Interchange) -> None:
        self.interchange = interchange
        self.group: Group | None = None
        self.set: TransactionSet | None = None
        self.orphan = False  # inside an ST that has no group: skip to its SE
        self.after_iea: list[Segment] = []

    def problem(self, problem: Problem) -> None:
        """Attach a problem to the innermost open envelope."""
        if self.set is not None:
            self.set.problems.append(problem)
        elif self.group is not None:
            self.group.problems.append(problem)
        else:
            self.interchange.problems.append(problem)

    def close_set(self, at: Segment) -> None:
        if self.set is not None:
            self.set.problems.append(
                Problem.at(
                    at,
                    f"expected SE to end transaction set {self.set.label} (started at segment "
                    f"{self.set.st.index}) before {at.id}: trailer missing (truncated?)",
                    set_code=SET_TRAILER_MISSING,
                )
            )
            self.set = None
        self.orphan = False

    def close_group(self, at: Segment) -> None:
        self.close_set(at)
        if self.group is not None:
            self.group.problems.append(
                Problem.at(
                    at,
                    f"expected GE to end functional group {self.group.label} (started at "
                    f"segment {self.group.gs.index}) before {at.id}: trailer missing",
                    group_code=GROUP_TRAILER_MISSING,
                )
            )
            self.group = None

    def feed(self, segment: Segment) -> None:
        if self.after_iea:
            self.after_iea.append(segment)
            return
        bad_character = _character_problem(segment)
        if bad_character is not None:
            self.problem(bad_character)
        if not _SEGMENT_ID.match(segment.id):
            if self.set is not None:
                self.set.segments.append(segment)
            self.problem(
                Problem.at(
                    segment,
                    f"segment id {segment.id[:10]!r} is not 2 or 3 capital letters or digits "
                    "starting with a letter",
                    segment_code=SEGMENT_UNRECOGNIZED,
                )
            )
            return
        handler = {
            "ISA": self._isa,
            "IEA": self._iea,
            "GS": self._gs,
            "GE": self._ge,
            "ST": self._st,
            "SE": self._se,
        }.get(segment.id, self._body)
        handler(segment)

    def _isa(self, segment: Segment) -> None:
        self.close_group(segment)
        self.interchange.problems.append(
            Problem.at(
                segment,
                "a second ISA before the IEA of the first: expected IEA (one interchange per file)",
            )
        )
        self.after_iea.append(segment)

    def _iea(self, segment: Segment) -> None:
        self.close_group(segment)
        self.interchange.iea = segment
        self.after_iea.append(segment)

    def _gs(self, segment: Segment) -> None:
        self.close_group(segment)
        self.group = Group(gs=segment)
        self.interchange.groups.append(self.group)

    def _ge(self, segment: Segment) -> None:
        self.close_set(segment)
        if self.group is None:
            self.interchange.problems.append(
                Problem.at(segment, "GE without a GS: expected GS before it")
            )
            return
        self.group.ge = segment
        self.group = None

    def _st(self, segment: Segment) -> None:
        self.close_set(segment)
        if self.group is None:
            self.interchange.problems.append(
                Problem.at(
                    segment,
                    "ST outside a functional group: expected GS before it; the transaction "
                    "set up to its SE is not read",
                )
            )
            self.orphan = True
            return
        self.set = TransactionSet(
            id_code=segment.element(1), control=segment.element(2), segments=[segment]
        )
        self.group.sets.append(self.set)

    def _se(self, segment: Segment) -> None:
        if self.set is None:
            if self.orphan:
                self.orphan = False
                return
            self.problem(Problem.at(segment, "SE without an ST: expected ST before it"))
            return
        self.set.segments.append(segment)
        self.set.closed = True
        _check_set(self.set)
        self.set = None

    def _body(self, segment: Segment) -> None:
        if self.set is not None:
            self.set.segments.append(segment)
        elif self.orphan:
            return
        elif self.group is not None:
            self.group.problems.append(
                Problem.at(
                    segment,
                    f"segment {segment.id} between transaction sets: expected ST or GE",
                )
            )
        else:
            self.interchange.problems.append(
                Problem.at(
                    segment,
                    f"segment {segment.id} outside a functional group: expected GS or IEA",
                )
            )


def _build(interchange: Interchange, segments: list[Segment]) -> None:
    builder = _Builder(interchange)
    for segment in segments[1:]:
        builder.feed(segment)
    if builder.after_iea:
        extra = [s for s in builder.after_iea if s is not interchange.iea]
        if extra and interchange.iea is not None:
            interchange.problems.append(
                Problem.at(
                    extra[0],
                    f"{len(extra)} segment(s) after the IEA: one interchange per file, "
                    "expected the data to end",
                )
            )
        return
    last = segments[-1]
    if builder.set is not None:
        builder.set.problems.append(
            Problem.at(
                last,
                f"the data ends after segment {last.index} ({last.id}) inside transaction set "
                f"{builder.set.label}: expected SE, GE and IEA (truncated?)",
                set_code=SET_TRAILER_MISSING,
            )
        )
    if builder.group is not None:
        builder.group.problems.append(
            Problem.at(
                last,
                f"the data ends inside functional group {builder.group.label}: expected GE "
                "(truncated?)",
                group_code=GROUP_TRAILER_MISSING,
            )
        )
    interchange.problems.append(
        Problem.at(
            last,
            f"the data ends after segment {last.index} ({last.id}) without an IEA: expected "
            "IEA (truncated?)",
        )
    )


def _check_set(ts: TransactionSet) -> None:
    """ST01/ST02 and the SE trailer's count and control number."""
    st, se = ts.st, ts.segments[-1]
    if not re.fullmatch(r"[0-9]{3}", ts.id_code):
        ts.problems.append(
            Problem.at(
                st,
                "ST01 must be a 3-digit transaction set id",
                element=1,
                value=ts.id_code,
                segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                element_code=ELEMENT_INVALID_CODE,
                set_code=SET_INVALID_IDENTIFIER,
            )
        )
    if not 4 <= len(ts.control) <= 9:
        ts.problems.append(
            Problem.at(
                st,
                "ST02 (transaction set control number) must be 4 to 9 characters",
                element=2,
                value=ts.control,
                segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                element_code=ELEMENT_MANDATORY_MISSING if not ts.control else "4",
                set_code=SET_INVALID_CONTROL,
            )
        )
    count = se.element(1)
    if not _counts(count, len(ts.segments)):
        ts.problems.append(
            Problem.at(
                se,
                f"SE01 says {count!r} segments but transaction set {ts.label} has "
                f"{len(ts.segments)} (ST to SE inclusive)",
                element=1,
                value=count,
                set_code=SET_COUNT_MISMATCH,
            )
        )
    if se.element(2) != ts.control:
        ts.problems.append(
            Problem.at(
                se,
                f"SE02 {se.element(2)!r} does not match ST02 {ts.control!r}",
                element=2,
                value=se.element(2),
                set_code=SET_CONTROL_MISMATCH,
            )
        )


def _check_group(group: Group) -> None:
    """GS fields, the sets it may hold, and the GE trailer."""
    gs = group.gs
    if not _DIGITS.match(group.control) or len(group.control) > 9:
        group.problems.append(
            Problem.at(
                gs,
                "GS06 (group control number) must be 1 to 9 digits",
                element=6,
                value=group.control,
                group_code=GROUP_CONTROL_SYNTAX,
            )
        )
    version = gs.element(8)
    if not version.startswith(SUPPORTED_VERSIONS):
        group.problems.append(
            Problem.at(
                gs,
                "GS08 version must be 004xxx or 005xxx (ShelfOps reads the 004010 conventions)",
                element=8,
                value=version,
                group_code=GROUP_VERSION_NOT_SUPPORTED,
            )
        )
    if group.functional_id not in FUNCTIONAL_GROUPS.values():
        expected = ", ".join(f"{g} ({s})" for s, g in FUNCTIONAL_GROUPS.items())
        group.problems.append(
            Problem.at(
                gs,
                f"functional group {group.functional_id!r} is not read; expected one of {expected}",
                element=1,
                value=group.functional_id,
                group_code=GROUP_NOT_SUPPORTED,
            )
        )
    seen: dict[str, TransactionSet] = {}
    for ts in group.sets:
        expected_group = FUNCTIONAL_GROUPS.get(ts.id_code)
        if expected_group is None:
            if re.fullmatch(r"[0-9]{3}", ts.id_code):
                ts.problems.append(
                    Problem.at(
                        ts.st,
                        f"transaction set {ts.id_code} is not read by ShelfOps; expected one "
                        f"of {', '.join(FUNCTIONAL_GROUPS)}",
                        element=1,
                        value=ts.id_code,
                        segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                        element_code=ELEMENT_INVALID_CODE,
                        set_code=SET_NOT_SUPPORTED,
                    )
                )
        elif expected_group != group.functional_id:
            ts.problems.append(
                Problem.at(
                    ts.st,
                    f"transaction set {ts.id_code} travels in functional group "
                    f"{expected_group}, not {group.functional_id!r} (GS01)",
                    element=1,
                    value=ts.id_code,
                    segment_code=SEGMENT_HAS_ELEMENT_ERRORS,
                    element_code=ELEMENT_INVALID_CODE,
                    set_code=SET_INVALID_IDENTIFIER,
                )
            )
        if ts.control and ts.control in seen:
            ts.problems.append(
                Problem.at(
                    ts.st,
                    f"ST02 {ts.control!r} is used twice in group {group.label} (first at "
                    f"segment {seen[ts.control].st.index}): control numbers must be unique",
                    element=2,
                    value=ts.control,
                    set_code=SET_CONTROL_NOT_UNIQUE,
                )
            )
        seen.setdefault(ts.control, ts)
    ge = group.ge
    if ge is None:
        return
    count = ge.element(1)
    if not _counts(count, len(group.sets)):
        group.problems.append(
            Problem.at(
                ge,
                f"GE01 says {count!r} transaction sets but group {group.label} has "
                f"{len(group.sets)}",
                element=1,
                value=count,
                group_code=GROUP_COUNT_MISMATCH,
            )
        )
    if ge.element(2) != group.control:
        group.problems.append(
            Problem.at(
                ge,
                f"GE02 {ge.element(2)!r} does not match GS06 {group.control!r}",
                element=2,
                value=ge.element(2),
                group_code=GROUP_CONTROL_MISMATCH,
            )
        )


def _counts(value: str, expected: int) -> bool:
    """``value`` is a count (digits, leading zeros allowed) equal to ``expected``."""
    return bool(_DIGITS.match(value)) and len(value) <= 18 and int(value) == expected


def _check_iea(interchange: Interchange) -> None:
    iea = interchange.iea
    if iea is None:
        return
    count = iea.element(1)
    if not _counts(count, len(interchange.groups)):
        interchange.problems.append(
            Problem.at(
                iea,
                f"IEA01 says {count!r} functional groups but the interchange has "
                f"{len(interchange.groups)}",
                element=1,
                value=count,
            )
        )
    if iea.element(2) != interchange.control:
        interchange.problems.append(
            Problem.at(
                iea,
                f"IEA02 {iea.element(2)!r} does not match ISA13 {interchange.control!r}",
                element=2,
                value=iea.element(2),
            )
        )
    if not interchange.groups:
        interchange.problems.append(
            Problem.at(iea, "the interchange holds no functional group: expected GS")
        )
