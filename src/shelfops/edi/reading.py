"""Element-level reading shared by the transaction-set readers: dates, numbers, units,
product ids and locations, each checked, with a precise problem (and its 997 codes)
recorded on the transaction set when a value is missing or wrong.

The rules (documented in the README, section "EDI X12"):

* **Product id** — an item segment (LIN, IT1) carries (qualifier, id) pairs. The id
  used as ``product_code`` is that of the first qualifier present in the order
  :data:`PRODUCT_QUALIFIERS`: the buyer's own codes first (BP buyer's part number, IN
  buyer's item number, SK stock keeping unit), then the vendor's (VN, VP), then UPC (UP)
  and EAN (EN). The other ids are not tried: a code that is not the tenant's is an
  error, never a guess.
* **Location** — an N1 whose N101 is one of :data:`LOCATION_ENTITIES` names a store by
  its code in N104 (whatever the N103 qualifier, usually 92 "assigned by buyer").
* **Units** — EA or UN (each) or none: units; CA (case): the product's pack size.
  Anything else is refused.
* **Numbers** — X12 decimals: optional minus, digits, one optional decimal point; no
  thousands separators or exponents. Dates are CCYYMMDD.
* **Bounds** — those of :mod:`shelfops.kit.limits`, as for every other way data comes in:
  a date must lie between ``EARLIEST_DAY`` and ``LATEST_DAY``, a quantity be at most
  ``MAX_UNITS`` and a price at most ``MAX_MONEY``. A value beyond them is a placeholder
  or a typo (``99991231`` for "never"), and stored it fails far from the file: the daily
  jobs' date arithmetic overflows past 9999-12-31. (A quantity in cases is checked again
  in units once the product's pack size is known, by :mod:`.persist`.)
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from shelfops.edi.document import (
    ELEMENT_CONDITIONAL_MISSING,
    ELEMENT_INVALID_CHARACTER,
    ELEMENT_INVALID_CODE,
    ELEMENT_INVALID_DATE,
    ELEMENT_MANDATORY_MISSING,
    SEGMENT_HAS_ELEMENT_ERRORS,
    SEGMENT_MANDATORY_MISSING,
    SET_SEGMENTS_IN_ERROR,
    Problem,
    Segment,
    TransactionSet,
)
from shelfops.edi.facts import Facts, Quantity, Ref
from shelfops.kit.limits import EARLIEST_DAY, LATEST_DAY, MAX_MONEY, MAX_UNITS, date_range_message

PRODUCT_QUALIFIERS = ("BP", "IN", "SK", "VN", "VP", "UP", "EN")
LOCATION_ENTITIES = ("ST", "SN", "RL", "WH")
EACH_UNITS = ("EA", "UN", "")
CASE_UNITS = ("CA",)
_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)\Z")
_DATE = re.compile(r"[0-9]{8}\Z")
# The longest X12 R element is 15 digits; longer is not a quantity.
_MAX_DIGITS = 15


class SetReader:
    """Reads one transaction set into ``facts``; problems go on the set."""

    def __init__(self, ts: TransactionSet, facts: Facts) -> None:
        self.ts = ts
        self.facts = facts

    @property
    def label(self) -> str:
        """``846/0001``."""
        return self.ts.label

    def record(self, count: int = 1) -> None:
        """Count item records read from this set."""
        self.facts.records[self.label] += count

    def ignore(self, what: str) -> None:
        """Count something read that ShelfOps has no place for (``846 QTY*02``)."""
        self.facts.ignored[f"{self.ts.id_code} {what}"] += 1

    def problem(
        self,
        segment: Segment,
        message: str,
        *,
        element: int | None = None,
        value: str | None = None,
        element_code: str | None = None,
        segment_code: str | None = SEGMENT_HAS_ELEMENT_ERRORS,
    ) -> None:
        """Record a problem of ``segment`` (and of its element ``element``)."""
        self.ts.problems.append(
            Problem.at(
                segment,
                message,
                element=element,
                value=value,
                segment_code=segment_code if element is not None else None,
                element_code=element_code if element is not None else None,
                set_code=SET_SEGMENTS_IN_ERROR,
            )
        )

    def missing_segment(self, anchor: Segment, message: str) -> None:
        """A mandatory segment is absent; ``anchor`` is where it was expected."""
        self.ts.problems.append(
            Problem.at(
                anchor,
                message,
                segment_code=SEGMENT_MANDATORY_MISSING,
                set_code=SET_SEGMENTS_IN_ERROR,
            )
        )

    def text(self, segment: Segment, position: int, what: str) -> str | None:
        """A mandatory element's text, or None after recording that it is missing."""
        value = segment.element(position)
        if not value:
            self.problem(
                segment,
                f"{segment.id}{position:02d} ({what}) is missing",
                element=position,
                value="",
                element_code=ELEMENT_MANDATORY_MISSING,
            )
            return None
        return value

    def date(
        self, segment: Segment, position: int, what: str, *, required: bool = True
    ) -> dt.date | None:
        """A CCYYMMDD date element between ``EARLIEST_DAY`` and ``LATEST_DAY``; None when
        absent (a problem if ``required``), invalid or out of that range (always a
        problem)."""
        value = segment.element(position)
        if not value:
            if required:
                self.text(segment, position, what)
            return None
        if _DATE.match(value):
            try:
                day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
            except ValueError:
                pass
            else:
                if EARLIEST_DAY <= day <= LATEST_DAY:
                    return day
                # A real day, but no business day (99991231 for "never"): stored, it would
                # make the daily jobs' date arithmetic overflow.
                self.problem(
                    segment,
                    f"{segment.id}{position:02d} ({what}) "
                    f"{date_range_message(EARLIEST_DAY, LATEST_DAY)}",
                    element=position,
                    value=value,
                    element_code=ELEMENT_INVALID_DATE,
                )
                return None
        self.problem(
            segment,
            f"{segment.id}{position:02d} ({what}) must be a date CCYYMMDD",
            element=position,
            value=value,
            element_code=ELEMENT_INVALID_DATE,
        )
        return None

    def number(
        self,
        segment: Segment,
        position: int,
        what: str,
        *,
        required: bool = True,
        negative: bool = False,
        conditional: bool = False,
        maximum: float | None = None,
    ) -> Decimal | None:
        """An X12 decimal (R) element; refuses thousands separators, exponents, (unless
        ``negative``) signs and, when a ``maximum`` is given, a magnitude above it. None
        when absent or invalid (with a problem when invalid, or absent and
        ``required``)."""
        value = segment.element(position)
        if not value:
            if required:
                self.problem(
                    segment,
                    f"{segment.id}{position:02d} ({what}) is missing",
                    element=position,
                    value="",
                    element_code=ELEMENT_CONDITIONAL_MISSING
                    if conditional
                    else ELEMENT_MANDATORY_MISSING,
                )
            return None
        digits = sum(c.isdigit() for c in value)
        if _NUMBER.match(value):
            try:
                number = Decimal(value)
            except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
                number = None
            if number is not None:
                if number < 0 and not negative:
                    self.problem(
                        segment,
                        f"{segment.id}{position:02d} ({what}) must not be negative",
                        element=position,
                        value=value,
                        element_code=ELEMENT_INVALID_CHARACTER,
                    )
                    return None
                if maximum is not None and abs(number) > maximum:
                    # Checked before the digit count, so that a number too long for X12
                    # (``99999999999999999999``) is reported as what it is: too large.
                    self.problem(
                        segment,
                        f"{segment.id}{position:02d} ({what}) is too large: must be at most "
                        f"{Decimal(maximum):f}",
                        element=position,
                        value=value,
                        element_code=ELEMENT_INVALID_CODE,
                    )
                    return None
                if digits <= _MAX_DIGITS:
                    return number
        self.problem(
            segment,
            f"{segment.id}{position:02d} ({what}) must be a decimal number like 12 or 3.5 "
            "(no thousands separators, exponents or units)",
            element=position,
            value=value,
            element_code=ELEMENT_INVALID_CHARACTER,
        )
        return None

    def unit(self, segment: Segment, position: int, *, component: bool = False) -> str | None:
        """The unit of measure at ``position`` normalised to ``EA`` or ``CA``; None (with
        a problem) for any other unit. ``component``: the element is a composite (C001)
        whose first component is the unit."""
        raw = segment.components(position)[0] if component else segment.element(position)
        code = raw.strip().upper()
        if code in EACH_UNITS:
            return "EA"
        if code in CASE_UNITS:
            return "CA"
        self.problem(
            segment,
            f"{segment.id}{position:02d} unit {raw!r} is not read: expected EA or UN (each) "
            "or CA (case of the product's pack size)",
            element=position,
            value=raw,
            element_code=ELEMENT_INVALID_CODE,
        )
        return None

    def quantity(
        self,
        segment: Segment,
        position: int,
        what: str,
        *,
        unit: str | None,
        required: bool = True,
    ) -> Quantity | None:
        """A non-negative quantity of at most ``MAX_UNITS`` in ``unit`` (None when
        missing or invalid)."""
        value = self.number(segment, position, what, required=required, maximum=MAX_UNITS)
        if value is None or unit is None:
            return None
        return Quantity(
            value=value, unit=unit, ref=Ref(segment.element(position), segment, position)
        )

    def price(self, segment: Segment, position: int, what: str) -> Decimal | None:
        """A mandatory non-negative price or cost per unit of at most ``MAX_MONEY`` (None
        when missing or invalid)."""
        return self.number(segment, position, what, maximum=MAX_MONEY)

    def product(self, segment: Segment, first: int) -> Ref | None:
        """The product id of an item segment whose (qualifier, id) pairs start at element
        ``first``, by the preference order of :data:`PRODUCT_QUALIFIERS`."""
        pairs: dict[str, Ref] = {}
        for position in range(first, len(segment.elements) + 1, 2):
            qualifier, value = segment.element(position), segment.element(position + 1)
            if qualifier and value and qualifier not in pairs:
                pairs[qualifier] = Ref(value, segment, position + 1, qualifier)
        for qualifier in PRODUCT_QUALIFIERS:
            if qualifier in pairs:
                return pairs[qualifier]
        found = ", ".join(pairs) or "none"
        self.problem(
            segment,
            f"no product id: expected a {segment.id}{first:02d}/{segment.id}{first + 1:02d} "
            f"pair with qualifier {', '.join(PRODUCT_QUALIFIERS)} (found: {found})",
            element=first,
            value=segment.element(first),
            element_code=ELEMENT_MANDATORY_MISSING
            if not segment.element(first)
            else ELEMENT_INVALID_CODE,
        )
        return None

    def location(self, n1: Segment) -> Ref | None:
        """The store an N1 names (N104), or None after a problem when N104 is absent.
        The caller checks N101 against :data:`LOCATION_ENTITIES`."""
        code = n1.element(4)
        if not code:
            self.problem(
                n1,
                f"N1*{n1.element(1)} names no location code: expected N103 (e.g. 92) and "
                "N104 with the store code",
                element=4,
                value="",
                element_code=ELEMENT_CONDITIONAL_MISSING,
            )
            return None
        return Ref(code, n1, 4, n1.element(3) or None)


def is_location(segment: Segment) -> bool:
    """An N1 naming a store (its N101 is a location entity)."""
    return segment.id == "N1" and segment.element(1) in LOCATION_ENTITIES


def loops(segments: list[Segment], start: str, ends: tuple[str, ...] = ()) -> list[list[Segment]]:
    """The loops of ``segments`` that begin with a ``start`` segment: each runs until the
    next ``start`` or one of ``ends``. Segments before the first ``start`` are not in a
    loop (the caller reads them as the header)."""
    found: list[list[Segment]] = []
    current: list[Segment] | None = None
    for segment in segments:
        if segment.id == start:
            current = [segment]
            found.append(current)
        elif segment.id in ends:
            current = None
        elif current is not None:
            current.append(segment)
    return found


def header(segments: list[Segment], start: str) -> list[Segment]:
    """The segments before the first ``start`` segment."""
    for index, segment in enumerate(segments):
        if segment.id == start:
            return segments[:index]
    return list(segments)


def check_count(reader: SetReader, ctt: Segment, expected: int, what: str) -> None:
    """CTT01 must equal ``expected`` (it counts ``what``)."""
    value = ctt.element(1)
    if re.fullmatch(r"[0-9]{1,9}", value) and int(value) == expected:
        return
    reader.problem(
        ctt,
        f"CTT01 says {value!r} but the transaction set has {expected} {what}",
        element=1,
        value=value,
        element_code=ELEMENT_INVALID_CODE,
    )
