"""Fuzzing: whatever the bytes, the parser returns an interchange or raises its one error
(:class:`X12Error`), the readers never crash, every problem points inside the input, and
the 997 written for it is itself a well-formed interchange.

Budget: a few hundred examples per property, a few seconds in all.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelfops.edi.document import Interchange
from shelfops.edi.parser import parse
from shelfops.edi.service import read_interchange
from shelfops.edi.syntax import X12Error
from shelfops.edi.x997 import write_997
from tests.edi.helpers import EXAMPLES

SAMPLES = [path.read_bytes() for path in sorted(EXAMPLES.glob("*.x12"))]
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
# Pieces that matter to an X12 reader: separators, line breaks, envelope ids, digits.
TOKENS = [
    "*", "~", ">", "|", ":", "^", "\r", "\n", "\r\n", " ", "0", "1", "9", "-", ".", ",", "E",
    "ISA", "IEA", "GS", "GE", "ST", "SE", "LIN", "QTY", "ZA", "SDQ", "HL", "SN1", "IT1", "N1",
    "PRF", "DTM", "BIA", "XQ", "BSN", "BIG", "846", "852", "856", "810", "CA", "EA", "\x00",
    "\xe9", "\ufeff", "20260230", "99999999999999999999",
]  # fmt: skip
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(data: bytes | str) -> None:
    """The properties every input must have."""
    try:
        parse(data)
    except X12Error as error:
        assert error.message
        assert error.position is not None and error.position >= 0
        read = read_interchange(data)
        assert read.interchange is None and read.fatal is not None
        return
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    read = read_interchange(data)
    assert read.interchange is not None
    _check_problems(read.interchange, len(text))
    for accepted in (True, False):
        document = write_997(read.interchange, accepted=accepted, now=NOW)
        if document:
            # Our own acknowledgement always has a sound envelope.
            acknowledgement = parse(document)
            assert not acknowledgement.problems, [p.describe() for p in acknowledgement.problems]
            assert all(
                not g.problems or g.problems[0].group_code == "1" for g in acknowledgement.groups
            )


def _check_problems(interchange: Interchange, size: int) -> None:
    for problem in interchange.all_problems():
        assert problem.message
        assert problem.segment_index is not None
        assert 1 <= problem.segment_index <= interchange.segment_count + 1
        assert problem.offset is not None and 0 <= problem.offset <= size


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_after_a_valid_isa(data: bytes) -> None:
    check(SAMPLES[0][:106] + data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A sample interchange with a few random edits (cut, insert, replace, truncate)."""
    text = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        at = draw(st.integers(min_value=0, max_value=max(len(text) - 1, 0)))
        piece = "".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4)))
        encoded = piece.encode()
        if kind == "delete":
            del text[at : at + draw(st.integers(min_value=1, max_value=30))]
        elif kind == "insert":
            text[at:at] = encoded
        elif kind == "replace":
            text[at : at + len(encoded)] = encoded
        else:
            del text[at:]
    return bytes(text)


@FUZZ
@given(mutated())
def test_mutated_interchanges(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.sampled_from(SAMPLES), st.integers(min_value=0, max_value=2000))
def test_every_truncation_of_a_sample(sample: bytes, length: int) -> None:
    complete = sample.rstrip()  # without the line break after the last terminator
    cut = complete[: min(length, len(complete) - 1)]
    check(cut)
    if len(cut) > 106:
        # A cut interchange is never taken for a complete one.
        assert not read_interchange(cut).ok
