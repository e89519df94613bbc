"""Per-request observability: the request id, one access log line, the HTTP metrics.

A plain ASGI middleware (not ``BaseHTTPMiddleware``, which runs the route in another
task): the context variables the auth dependency binds (the tenant) are visible here
after the route ran, so the access line carries the tenant too.

The request id is the caller's ``X-Request-ID`` when it is a sane token (1–128 of
``A-Z a-z 0-9 . _ : -``), else a new UUID4; it is bound for every log line of the
request and returned in the response's ``X-Request-ID``.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfops.api.metrics import HttpMetrics, method_label
from shelfops.api.metrics import router as metrics_router
from shelfops.config import Settings
from shelfops.kit.logging import bind_request, clear_context, configure_logging, get_logger

REQUEST_ID_HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: The route label of a request no route matched (a fixed value keeps the label bounded).
UNMATCHED = "<unmatched>"

log = get_logger("shelfops.access")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's request id when it is sane, else a new one."""
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1").strip()
            if _SANE_ID.match(candidate):
                return candidate
            break
    return str(uuid.uuid4())


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/v1/models/{version}``), never the raw
    path: one label value per route, whatever the ids in the URL."""
    # FastAPI keeps included routers nested: the matched route knows only its path inside
    # its router; the full template is on the route context FastAPI puts in the scope.
    # (A FastAPI that flattens routers sets the full template on the route itself.)
    context: Any = (scope.get("fastapi") or {}).get("effective_route_context")
    route: Any = scope.get("route")
    template = (
        getattr(context, "path", None)
        or getattr(route, "path_format", None)
        or getattr(route, "path", None)
    )
    return str(template) if template else UNMATCHED


class RequestObservability:
    """Request id in and out, one access line and the HTTP metrics per request."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        bind_request(request_id)
        method = scope["method"]
        status = 500  # what the client gets if the app raises before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != REQUEST_ID_HEADER.encode()
                ]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        in_progress = self.metrics.in_progress.labels(method_label(method))
        in_progress.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            in_progress.dec()
            seconds = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(method=method, route=route, status=status, seconds=seconds)
            # request_id, and customer_id once the auth dependency bound it, come from
            # the context variables.
            log.info(
                "request",
                method=method,
                path=route,
                status=status,
                duration_ms=round(seconds * 1000, 2),
            )
            clear_context()


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Structured logging for the process, the request middleware, and ``GET /metrics``."""
    configure_logging(settings)
    app.state.http_metrics = HttpMetrics()
    app.add_middleware(RequestObservability, metrics=app.state.http_metrics)
    app.include_router(metrics_router)
