"""CORS and the security headers every response carries.

* CORS: no origin is allowed unless ``SHELFOPS_CORS_ORIGINS`` names some (comma-separated,
  e.g. ``https://ops.example.com``); with none, browsers keep the API same-origin, which is
  all the dashboard (served by the API itself at ``/``) needs. Keys travel in the
  ``Authorization`` header, never in cookies, so credentials are not allowed cross-origin.
* Every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` and a Content-Security-Policy; in production also
  ``Strict-Transport-Security``; ``/api`` answers also ``Cache-Control: no-store`` (they
  hold tenant data and must not be kept by browsers or shared caches).

The dashboard's policy allows only its own origin: the Vite build is a module script and
a stylesheet under ``/assets``, the Inter font files are bundled there too, and the API is
called on the same origin. ``data:`` images and fonts are allowed because Vite inlines
small assets that way. React's ``style`` props are set through the CSS object model,
which a policy without ``'unsafe-inline'`` permits. The interactive API docs (``/docs``,
``/redoc``) load their viewer from a CDN with an inline bootstrap script, so those two
pages get a policy that allows exactly that.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfops.config import Environment, Settings

DASHBOARD_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# FastAPI's Swagger UI and ReDoc pages: viewer from jsDelivr, an inline start-up script,
# ReDoc's web worker (blob:) and Google font, FastAPI's favicon.
_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {_CDN}",
        f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src 'self' data: https://fonts.gstatic.com",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"
_COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


def cors_origins(settings: Settings) -> list[str]:
    """The origins allowed cross-origin access (``SHELFOPS_CORS_ORIGINS``, comma-separated);
    empty means same-origin only."""
    items = settings.cors_origins.split(",")
    origins = [item.strip().rstrip("/") for item in items if item.strip()]
    for origin in origins:
        if origin == "*" or not origin.startswith(("https://", "http://")):
            raise ValueError(
                f"SHELFOPS_CORS_ORIGINS: {origin!r} is not an origin; expected "
                "scheme://host[:port] such as https://ops.example.com (no '*')"
            )
    return origins


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI, so streaming and
    background tasks are untouched)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; decorate the response's start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _COMMON:
                    headers[name] = value
                docs = path.startswith(_DOCS_PATHS)
                headers["Content-Security-Policy"] = DOCS_CSP if docs else DASHBOARD_CSP
                if self.hsts:
                    headers["Strict-Transport-Security"] = HSTS
                if path.startswith("/api/"):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add CORS (only when origins are configured) and the security headers to ``app``.
    Call once, after the routes are included."""
    origins = cors_origins(settings)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    # Added last, so it is the outermost: CORS preflight answers get the headers too.
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.env is Environment.PRODUCTION)
