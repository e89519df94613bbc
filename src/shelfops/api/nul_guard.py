"""Refuse text that contains NUL characters before it reaches the database.

PostgreSQL cannot store U+0000 in a text value and fails the whole statement (which
used to surface as a 500), while SQLite stores it silently. So every ``/api/v1`` request
is checked once, after authentication (an anonymous caller still gets its 401): path
and query parameters, and JSON bodies. A NUL is never meaningful in a code, a name or a
search, so the answer is a 422 naming each place it was found.
"""

from __future__ import annotations

import contextlib
import json

from fastapi import Request

from shelfops.api.deps import PrincipalDep
from shelfops.kit.errors import ValidationFailed
from shelfops.kit.nul import NUL, NUL_MESSAGE, nul_locations


def _is_json(request: Request) -> bool:
    # The bodies FastAPI itself decodes as JSON: no content type, or a JSON media type.
    # Multipart uploads are left alone (their stream is already consumed; ingest validates
    # file contents itself).
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return not media_type or media_type == "application/json" or media_type.endswith("+json")


async def reject_nul_characters(request: Request, _principal: PrincipalDep) -> None:
    """A dependency: 422 when a path or query parameter or a JSON body string has a NUL."""
    locations: list[list[str | int]] = [
        ["path", name]
        for name, value in request.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    locations += [
        ["query", name] for name, value in request.query_params.multi_items() if NUL in value
    ]
    if _is_json(request):
        body = await request.body()
        # A raw NUL byte is not valid JSON (FastAPI reports that); only the escape matters.
        if b"\\u0000" in body:
            # Not JSON after all: the route's own validation answers that.
            with contextlib.suppress(ValueError):
                locations += nul_locations(json.loads(body), ["body"])
    if locations:
        raise ValidationFailed(
            [
                {"location": location, "message": NUL_MESSAGE, "type": "string_nul_character"}
                for location in locations
            ]
        )
