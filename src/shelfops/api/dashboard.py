"""The web dashboard: the built single-page app (``frontend/dist``) served at ``/``.

Files of the build are served as they are (Vite fingerprints ``assets/``). Any other
``GET`` that no API route answers is a client-side route and gets ``index.html``, so a
bookmarked ``/replenishment`` opens the right page. This is done in the 404 handler, not
with a catch-all route, so the API keeps its answers for unknown paths: JSON 404 under
``/api/``, 405 for a wrong method.

The page holds no secret: it asks the user for an API key and sends it on each request,
so serving the page itself needs no auth (like ``/health``).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

# Paths whose 404 stays a 404: the API, its docs, and missing build assets.
_NOT_PAGES = ("/api/", "/assets/", "/docs", "/redoc", "/openapi.json", "/health")
_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>ShelfOps</title></head><body style="font-family: sans-serif; margin: 3rem">
<h1>ShelfOps API</h1><p>The dashboard is not built on this machine
(<code>{where}</code> has no <code>index.html</code>). Run <code>make demo</code>, or
<code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>. The API is at
<a href="/docs">/docs</a>.</p></body></html>"""


def install_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve the dashboard built into ``dist`` at ``/``.

    Call after the error handlers are installed: the 404 handler is wrapped, not replaced.
    """
    root = dist.resolve()
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="dashboard-assets")
    api_error = app.exception_handlers[StarletteHTTPException]

    async def page_or_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if (
            exc.status_code == 404
            and request.method in ("GET", "HEAD")
            and not path.startswith(_NOT_PAGES)
        ):
            return dashboard_file(root, path)
        response = api_error(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, page_or_error)


def dashboard_file(root: Path, path: str) -> Response:
    """The build's file at ``path`` (favicon, robots.txt) or else ``index.html``."""
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(_NOT_BUILT.format(where=root), status_code=404)
    candidate = (root / path.lstrip("/")).resolve()
    # Never anything outside the build folder, whatever ``..`` the path holds.
    if candidate.is_file() and candidate.is_relative_to(root):
        return FileResponse(candidate)
    # index.html must not be cached: it names the current fingerprinted assets.
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
