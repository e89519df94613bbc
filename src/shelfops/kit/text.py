"""One-line text: codes, names and labels that people read in lists, logs and terminals.

A control character (category Cc: tabs, line breaks, escape sequences, NUL) is never
meant in such a value; it would split a log line or a CSV export, or recolour a terminal.
Free text (notes, reasons, hypotheses) may span lines and is not held to this rule.
"""

from __future__ import annotations

import unicodedata

from pydantic import AfterValidator

ONE_LINE_RULE = "one line of text without control characters (tabs, line breaks, escapes)"


def first_control_character(text: str) -> int | None:
    """The 0-based position of the first control character in ``text``, or None."""
    for position, character in enumerate(text):
        if unicodedata.category(character) == "Cc":
            return position
    return None


def _one_line(value: str) -> str:
    position = first_control_character(value)
    if position is not None:
        raise ValueError(
            f"control character {value[position]!r} at position {position + 1}; "
            f"expected {ONE_LINE_RULE}"
        )
    return value


#: pydantic validator for a one-line string field (after trimming and length checks).
OneLine = AfterValidator(_one_line)
