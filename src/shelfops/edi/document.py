"""What the parser returns: an interchange of functional groups of transaction sets, made
of segments, with every problem found attached where the 997 reports it.

A :class:`Problem` always names the segment (id, 1-based position in the interchange,
character offset of its first character) and says what was expected. The codes it
carries are the X12 997 codes of element 720 (AK304, segment syntax), 723 (AK403,
element syntax), 718 (AK502, transaction set) and 716 (AK905, functional group).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shelfops.edi.syntax import Delimiters

# AK304 (720): segment syntax error codes.
SEGMENT_UNRECOGNIZED = "1"
SEGMENT_UNEXPECTED = "2"
SEGMENT_MANDATORY_MISSING = "3"
SEGMENT_NOT_IN_SET = "6"
SEGMENT_OUT_OF_SEQUENCE = "7"
SEGMENT_HAS_ELEMENT_ERRORS = "8"
# AK403 (723): data element syntax error codes.
ELEMENT_MANDATORY_MISSING = "1"
ELEMENT_CONDITIONAL_MISSING = "2"
ELEMENT_TOO_MANY = "3"
ELEMENT_TOO_SHORT = "4"
ELEMENT_TOO_LONG = "5"
ELEMENT_INVALID_CHARACTER = "6"
ELEMENT_INVALID_CODE = "7"
ELEMENT_INVALID_DATE = "8"
# AK502 (718): transaction set error codes.
SET_NOT_SUPPORTED = "1"
SET_TRAILER_MISSING = "2"
SET_CONTROL_MISMATCH = "3"
SET_COUNT_MISMATCH = "4"
SET_SEGMENTS_IN_ERROR = "5"
SET_INVALID_IDENTIFIER = "6"
SET_INVALID_CONTROL = "7"
SET_CONTROL_NOT_UNIQUE = "23"
# AK905 (716): functional group error codes.
GROUP_NOT_SUPPORTED = "1"
GROUP_VERSION_NOT_SUPPORTED = "2"
GROUP_TRAILER_MISSING = "3"
GROUP_CONTROL_MISMATCH = "4"
GROUP_COUNT_MISMATCH = "5"
GROUP_CONTROL_SYNTAX = "6"


@dataclass(frozen=True)
class Segment:
    """One segment: its id and elements (``element(1)`` is the first after the id)."""

    id: str
    elements: tuple[str, ...]
    index: int  # 1-based position in the interchange (the ISA is 1)
    offset: int  # character offset of the segment's first character
    delimiters: Delimiters

    def element(self, position: int) -> str:
        """Element ``position`` (1-based), stripped of padding; ``""`` when absent."""
        if 1 <= position <= len(self.elements):
            return self.elements[position - 1].strip()
        return ""

    def components(self, position: int) -> list[str]:
        """The components of element ``position`` (a one-item list for a simple one)."""
        return self.element(position).split(self.delimiters.component)


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is and what was expected.

    ``segment_id`` / ``segment_index`` / ``offset`` locate the segment (``segment_index``
    is 1-based in the interchange; None only when the data ends before a segment that
    should have been there); ``element`` is the 1-based element position and ``value``
    the offending value, when one element is at fault.
    """

    message: str
    segment_id: str | None
    segment_index: int | None
    offset: int | None
    element: int | None = None
    component: int | None = None
    value: str | None = None
    segment_code: str | None = None  # AK304
    element_code: str | None = None  # AK403
    set_code: str | None = None  # AK502
    group_code: str | None = None  # AK905

    @classmethod
    def at(
        cls,
        segment: Segment,
        message: str,
        *,
        element: int | None = None,
        component: int | None = None,
        value: str | None = None,
        segment_code: str | None = None,
        element_code: str | None = None,
        set_code: str | None = None,
        group_code: str | None = None,
    ) -> Problem:
        """A problem of ``segment`` (its id, index and offset filled in)."""
        return cls(
            message=message,
            segment_id=segment.id,
            segment_index=segment.index,
            offset=segment.offset,
            element=element,
            component=component,
            value=value,
            segment_code=segment_code,
            element_code=element_code,
            set_code=set_code,
            group_code=group_code,
        )

    def describe(self) -> str:
        """One line: where, then what."""
        if self.segment_index is None:
            where = f"offset {self.offset}" if self.offset is not None else "interchange"
        else:
            where = f"segment {self.segment_index} ({self.segment_id}) at offset {self.offset}"
        if self.element is not None:
            where += f", element {self.segment_id}{self.element:02d}"
        return f"{where}: {self.message}"


@dataclass
class TransactionSet:
    """ST … SE. ``segments`` runs from ST to SE inclusive (SE absent when missing)."""

    id_code: str  # ST01
    control: str  # ST02
    segments: list[Segment]
    problems: list[Problem] = field(default_factory=list)
    closed: bool = False  # an SE ended it

    @property
    def st(self) -> Segment:
        """The ST segment."""
        return self.segments[0]

    @property
    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        end = len(self.segments) - 1 if self.closed else len(self.segments)
        return self.segments[1:end]

    def position(self, segment: Segment) -> int:
        """``segment``'s 1-based position in this set (ST is 1), as AK302 wants it."""
        return segment.index - self.st.index + 1

    @property
    def label(self) -> str:
        """``846/0001``."""
        return f"{self.id_code}/{self.control}"


@dataclass
class Group:
    """GS … GE."""

    gs: Segment
    sets: list[TransactionSet] = field(default_factory=list)
    ge: Segment | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def functional_id(self) -> str:
        """GS01 (``IB``, ``PD``, ``SH``, ``IN``…)."""
        return self.gs.element(1)

    @property
    def control(self) -> str:
        """GS06."""
        return self.gs.element(6)

    @property
    def label(self) -> str:
        """``IB/1``."""
        return f"{self.functional_id}/{self.control}"


@dataclass
class Interchange:
    """ISA … IEA: the header's fields, the groups, and every problem found.

    ``problems`` holds the interchange-level ones; groups and transaction sets hold
    their own. ``notes`` say what the parser tolerated (a byte-order mark, line breaks).
    """

    isa: Segment
    delimiters: Delimiters
    segment_count: int
    groups: list[Group] = field(default_factory=list)
    iea: Segment | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sender_qualifier(self) -> str:
        """ISA05."""
        return self.isa.element(5)

    @property
    def sender_id(self) -> str:
        """ISA06 (padding stripped)."""
        return self.isa.element(6)

    @property
    def receiver_qualifier(self) -> str:
        """ISA07."""
        return self.isa.element(7)

    @property
    def receiver_id(self) -> str:
        """ISA08 (padding stripped)."""
        return self.isa.element(8)

    @property
    def control(self) -> str:
        """ISA13."""
        return self.isa.element(13)

    @property
    def test(self) -> bool:
        """ISA15 is ``T``."""
        return self.isa.element(15) == "T"

    @property
    def transaction_sets(self) -> list[TransactionSet]:
        """Every transaction set of every group, in order."""
        return [ts for group in self.groups for ts in group.sets]

    def all_problems(self) -> list[Problem]:
        """Every problem, in the order of the segments they name."""
        found = list(self.problems)
        for group in self.groups:
            found += group.problems
            for ts in group.sets:
                found += ts.problems
        # A problem at the end of the data (no segment) sorts last.
        return sorted(
            found,
            key=lambda p: (
                p.segment_index if p.segment_index is not None else 1 << 62,
                p.element or 0,
            ),
        )

    @property
    def ok(self) -> bool:
        """No problem anywhere."""
        return not self.all_problems()
