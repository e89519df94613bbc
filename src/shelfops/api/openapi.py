"""The OpenAPI document, with the error answers the API really sends.

FastAPI documents every 422 with its own body (``{"detail": [{"loc", "msg", "type"}]}``),
but :mod:`shelfops.api.errors` answers ``{"error": "ValidationFailed", "detail": [...]}``
with ``location``/``message``/``type`` problems. The two component schemas FastAPI adds are
rewritten here (same names, so every ``$ref`` and every generated client type stays put).
Every other error answer is documented with the one ``Error`` shape, every operation that
needs an API key documents its 401, and every one that takes a body its 400.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_PROBLEM: dict[str, Any] = {
    "title": "ValidationError",
    "description": "One problem with the request: where it is, why, and its kind.",
    "type": "object",
    "required": ["location", "message", "type"],
    "properties": {
        "location": {
            "title": "Location",
            "description": "Where: 'body', 'query', 'path' or 'header', then the field.",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "message": {"title": "Message", "type": "string"},
        "type": {"title": "Type", "type": "string"},
    },
}

_ERROR: dict[str, Any] = {
    "title": "Error",
    "description": "Every error answer: the error's name and what went wrong.",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"title": "Error", "type": "string", "examples": ["NotFound"]},
        "detail": {"title": "Detail"},
    },
}
_UNAUTHORIZED = "No API key, or one that is malformed, unknown, revoked or expired."
# FastAPI answers a body it cannot decode at all (not UTF-8; a multipart upload without
# its boundary) with a 400 before validation starts.
_UNREADABLE_BODY = "The body could not be read: not UTF-8, or a multipart body without a boundary."


def _error_content() -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


_ERROR_422: dict[str, Any] = {
    "title": "HTTPValidationError",
    "description": (
        "The error shape of every 4xx/5xx answer. For a request that fails validation, "
        "``detail`` lists ValidationError problems; other 422s (bad rows of a file, a "
        "refused decision) describe the problem in their own ``detail``."
    ),
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"title": "Error", "type": "string", "examples": ["ValidationFailed"]},
        "detail": {
            "title": "Detail",
            "anyOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
                {},
            ],
        },
    },
}


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) document the real error answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        # FastAPI caches the document it returns in ``app.openapi_schema``: edit it in place.
        document = generate()
        _document_errors(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _document_errors(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _ERROR
    if "HTTPValidationError" in schemas:
        schemas["HTTPValidationError"] = _ERROR_422
        schemas["ValidationError"] = _PROBLEM
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", {"description": _UNAUTHORIZED})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": _UNREADABLE_BODY})
            for status, response in responses.items():
                if status[0] in "45" and not response.get("content"):
                    response["content"] = _error_content()
