"""Render every error as ``{"error": "<Name>", "detail": ...}`` with a real status code.

A dependency that is down or restarting (the database dropped the connection, refused a
new one, SQLite stayed locked past its timeout, the broker is unreachable) is a 503 with
``Retry-After``: the request did not happen and the client may send it again. Only a
genuine bug is a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from shelfops.kit.errors import ServiceUnavailable, ShelfOpsError

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying a 503: long enough for a pooled
#: connection to be replaced, a restarting service to come back or a burst to pass.
RETRY_AFTER_S = 5

DB_UNAVAILABLE = "the database is not reachable; retry"


class _ErrorJSONResponse(JSONResponse):
    """JSON that can carry what the request sent: an error may quote a string holding a
    lone surrogate (JSON allows the escape ``"\\ud800"``), which UTF-8 cannot encode."""

    def render(self, content: object) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            # Escaped JSON is still the same JSON to every client.
            text = json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
            return text.encode("ascii")


def error_response(
    status_code: int, name: str, detail: object, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one error shape."""
    headers = dict(headers or {})
    if status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return _ErrorJSONResponse(
        status_code=status_code,
        content={"error": name, "detail": jsonable_encoder(detail)},
        headers=headers,
    )


def _allowed_methods(request: Request) -> list[str]:
    # The OpenAPI document is the public, cached list of every path and its methods.
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        regex, _, _ = compile_path(template)
        if regex.match(request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the error shape."""

    @app.exception_handler(ShelfOpsError)
    async def _shelfops_error(_request: Request, exc: ShelfOpsError) -> JSONResponse:
        retryable = isinstance(exc, ServiceUnavailable) and exc.retryable
        headers = _retry_after() if retryable else None
        return error_response(exc.status_code, exc.name, exc.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": list(e.get("loc", ())), "message": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return error_response(422, "ValidationFailed", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = HTTPStatus(exc.status_code).phrase.replace(" ", "").replace("-", "")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; one path often
            # has several routes (GET and POST), so list them all.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(exc.status_code, name, exc.detail, headers)

    @app.exception_handler(DBAPIError)
    async def _database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        if is_connection_failure(exc):
            # The client may retry; never leak the DSN or SQL.
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            return _db_unavailable()
        log.exception("unhandled database error", exc_info=exc)
        return _internal_error()

    @app.exception_handler(ConnectionError)
    async def _connection_refused(_request: Request, exc: ConnectionError) -> JSONResponse:
        # A new connection refused or reset, e.g. the database server restarting: the
        # drivers raise these outside the DBAPI error family.
        log.warning("dependency unavailable: %s", type(exc).__name__)
        return error_response(
            503,
            "ServiceUnavailable",
            "a service this request needs is not reachable; retry",
            _retry_after(),
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        # The database is up; every pooled connection stayed busy for the whole pool
        # timeout, i.e. more requests arrive than the server gets through. Saying "not
        # reachable" here sent operators looking for a database outage.
        log.warning("overloaded: no database connection was free within the pool timeout")
        return error_response(
            503,
            "ServiceUnavailable",
            "the server is overloaded: no database connection was free in time; retry later",
            _retry_after(),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _internal_error()


def is_connection_failure(exc: DBAPIError) -> bool:
    """Whether ``exc`` means the database could not be used rather than the statement
    being wrong: a dropped or refused connection (SQLAlchemy marks those
    ``connection_invalidated``; asyncpg's "connection was closed in the middle of
    operation" arrives as a plain ``DBAPIError``), or an ``OperationalError`` /
    ``InterfaceError`` such as SQLite's "database is locked" after its busy timeout."""
    return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_S)}


def _db_unavailable() -> JSONResponse:
    return error_response(503, "ServiceUnavailable", DB_UNAVAILABLE, _retry_after())


def _internal_error() -> JSONResponse:
    return error_response(500, "InternalError", "an unexpected error occurred")
