"""X12 syntax shared by the reader and the writers: the one error type, separators,
element formatting, and the interchange envelope (ISA/GS … GE/IEA) every writer uses.

Pure: no database or HTTP.

Documents ShelfOps writes use ``*`` between elements, ``>`` between components and end
every segment with ``~`` (no line breaks), version 00401 / 004010. Text elements are
reduced to ASCII and separators in them replaced by spaces (:func:`clean`).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ELEMENT = "*"
COMPONENT = ">"
SEGMENT = "~"
VERSION = "00401"  # ISA12
GS_VERSION = "004010"  # GS08
ISA_ID_LENGTH = 15
# Separators and control characters (line breaks included) become spaces in text elements.
_SEPARATORS = str.maketrans(
    {ELEMENT: " ", COMPONENT: " ", SEGMENT: " ", "\x7f": " ", **{chr(c): " " for c in range(32)}}
)


class X12Error(ValueError):
    """The one error of the X12 package.

    Raised by the writers when a value does not fit its element, and by the parser when
    an interchange cannot be read at all (no usable ISA header). ``segment`` is the
    segment id, ``segment_index`` its 1-based position in the interchange and
    ``position`` the character offset where it starts; each is None when it does not
    apply (a writer's error).
    """

    def __init__(
        self,
        message: str,
        *,
        segment: str | None = None,
        segment_index: int | None = None,
        position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.segment = segment
        self.segment_index = segment_index
        self.position = position


@dataclass(frozen=True)
class Delimiters:
    """The separators of one interchange, as its ISA header declares them."""

    element: str = ELEMENT
    component: str = COMPONENT
    segment: str = SEGMENT
    repetition: str | None = None


def clean(value: str) -> str:
    """``value`` as X12 text: ASCII only (accents dropped), no separators or control
    characters, trimmed."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_text.translate(_SEPARATORS).split())


def text(value: str, *, element: str, max_length: int, cut: bool = False) -> str:
    """``value`` cleaned for an X12 text element of at most ``max_length`` characters.

    Empty text is an :class:`X12Error`, so is text too long, unless ``cut`` (names)."""
    cleaned = clean(value)
    if not cleaned:
        raise X12Error(f"{element} is empty (value {value!r})")
    if len(cleaned) > max_length:
        if not cut:
            raise X12Error(f"{element} is longer than {max_length} characters: {cleaned!r}")
        cleaned = cleaned[:max_length].rstrip()
    return cleaned


def decimal(value: float, places: int = 4) -> str:
    """A number as an X12 R (decimal) element: no exponent, no trailing zeros, no
    decimal point for whole numbers (24.0 → ``24``, 0.80 → ``0.8``).

    NaN, infinities and numbers too large to write in plain digits (more than the 28
    significant digits of the decimal context once rounded to ``places``, e.g. 1e300)
    are an :class:`X12Error`, like a negative number, never an arithmetic error."""
    if not math.isfinite(value):
        raise X12Error(f"the number {value} cannot be written as an X12 decimal")
    if value < 0:
        raise X12Error(f"negative number {value}")
    try:
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise X12Error(
            f"the number {value:g} cannot be written as an X12 decimal: it is too large"
        ) from None
    return format(rounded.normalize(), "f")


def isa_id(value: str, *, element: str) -> str:
    """An interchange id (ISA06/ISA08): 1 to 15 characters after cleaning."""
    cleaned = clean(value)
    if not cleaned or len(cleaned) > ISA_ID_LENGTH:
        raise X12Error(f"{element} must be 1 to {ISA_ID_LENGTH} characters, got {value!r}")
    return cleaned


def segment(*elements: str) -> str:
    """One segment of a document ShelfOps writes; trailing empty elements are omitted,
    as X12 requires."""
    parts = list(elements)
    while parts and parts[-1] == "":
        parts.pop()
    return ELEMENT.join(parts) + SEGMENT


@dataclass(frozen=True)
class Envelope:
    """Who sends the interchange to whom, when, and its control number."""

    sender_id: str
    receiver_id: str
    control_number: int
    created_at: dt.datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    test: bool = False


def write_interchange(
    envelope: Envelope, *, functional_id: str, transaction_sets: Sequence[Sequence[str]]
) -> str:
    """One interchange holding one functional group of ``functional_id`` (``PO``,
    ``FA``…) with the given transaction sets (each a list of written segments, ST to SE).

    The ISA is fixed width (every element padded to its size); the group control number
    is the interchange's (GS06 = ISA13 without its leading zeros)."""
    if not 1 <= envelope.control_number <= 999_999_999:
        raise X12Error(f"control number {envelope.control_number} is not 1…999999999")
    sender = isa_id(envelope.sender_id, element="sender id (ISA06)")
    receiver = isa_id(envelope.receiver_id, element="receiver id (ISA08)")
    for qualifier in (envelope.sender_qualifier, envelope.receiver_qualifier):
        if len(qualifier) != 2 or not qualifier.isalnum():
            raise X12Error(f"an ISA id qualifier is 2 letters or digits, got {qualifier!r}")
    stamp = envelope.created_at.astimezone(dt.UTC)
    control = f"{envelope.control_number:09d}"
    group = str(envelope.control_number)
    isa = segment(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier.upper(),
        sender.ljust(ISA_ID_LENGTH),
        envelope.receiver_qualifier.upper(),
        receiver.ljust(ISA_ID_LENGTH),
        stamp.strftime("%y%m%d"),
        stamp.strftime("%H%M"),
        "U",
        VERSION,
        control,
        "0",
        "T" if envelope.test else "P",
        COMPONENT,
    )
    gs = segment(
        "GS",
        functional_id,
        sender,
        receiver,
        stamp.strftime("%Y%m%d"),
        stamp.strftime("%H%M"),
        group,
        "X",
        GS_VERSION,
    )
    body = [part for transaction_set in transaction_sets for part in transaction_set]
    return "".join(
        [
            isa,
            gs,
            *body,
            segment("GE", str(len(transaction_sets)), group),
            segment("IEA", "1", control),
        ]
    )
