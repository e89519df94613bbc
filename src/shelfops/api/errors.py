"""Render every error as ``{"error": "<Name>", "detail": ...}`` with a real status code."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shelfops.kit.errors import ShelfOpsError

log = logging.getLogger(__name__)


def error_response(status_code: int, name: str, detail: object) -> JSONResponse:
    """The one error shape."""
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return JSONResponse(
        status_code=status_code,
        content={"error": name, "detail": jsonable_encoder(detail)},
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into the error shape."""

    @app.exception_handler(ShelfOpsError)
    async def _shelfops_error(_request: Request, exc: ShelfOpsError) -> JSONResponse:
        return error_response(exc.status_code, exc.name, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": list(e.get("loc", ())), "message": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return error_response(422, "ValidationFailed", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = HTTPStatus(exc.status_code).phrase.replace(" ", "").replace("-", "")
        return error_response(exc.status_code, name, exc.detail)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _db_unavailable(_request: Request, exc: DBAPIError) -> JSONResponse:
        # Connection-level failures: the client may retry; never leak the DSN or SQL.
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return error_response(503, "ServiceUnavailable", "the database is not reachable; retry")

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "InternalError", "an unexpected error occurred")
