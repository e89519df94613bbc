"""The one-line rule for codes, names and labels."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from shelfops.kit.text import OneLine, first_control_character

_ONE_LINE: TypeAdapter[str] = TypeAdapter(Annotated[str, OneLine])


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("Whole Milk 1L", None),
        ("Crème brûlée – 4 × 100 g", None),
        ("", None),
        ("\ttab first", 0),
        ("two\nlines", 3),
        ("bell\x07", 4),
        ("del\x7f", 3),
        ("c1 control\x85", 10),
    ],
)
def test_first_control_character(text: str, position: int | None) -> None:
    assert first_control_character(text) == position


def test_the_error_names_the_character_and_its_position() -> None:
    with pytest.raises(ValidationError) as raised:
        _ONE_LINE.validate_python("Store\x1b[31m")
    message = raised.value.errors()[0]["msg"]
    assert "control character '\\x1b' at position 6" in message
    assert _ONE_LINE.validate_python("Store 7 – Köln") == "Store 7 – Köln"
