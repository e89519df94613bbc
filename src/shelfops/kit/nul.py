"""Finding NUL characters (U+0000) in decoded JSON.

PostgreSQL cannot store U+0000 in a text or JSONB value and fails the whole statement,
while SQLite stores it silently; a NUL is never meaningful in a code, a name or a reason.
The API's guard and the event-stream reader refuse such text with the places it was found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

NUL = "\x00"
NUL_MESSAGE = "text must not contain NUL characters (U+0000)"


def nul_locations(value: Any, location: list[str | int]) -> Iterator[list[str | int]]:
    """Where in a decoded JSON value a string (or an object key) holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield location
            else:
                yield from nul_locations(item, [*location, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_locations(item, [*location, index])
