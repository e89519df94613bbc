"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shelfops import __version__
from shelfops.api import health
from shelfops.api.auth_throttle import close_throttle
from shelfops.api.dashboard import install_dashboard
from shelfops.api.errors import install_error_handlers
from shelfops.api.observability import install_observability
from shelfops.api.openapi import install_openapi
from shelfops.api.routers import api_router
from shelfops.api.security_headers import install_security
from shelfops.config import Settings, get_settings
from shelfops.kit.db import create_engine, create_sessionmaker
from shelfops.kit.heap import freeze_startup_objects, release_startup_objects


def _operation_id(route: APIRoute) -> str:
    # Routes name their operation ids explicitly; this is only the fallback.
    return route.name


def create_app(settings: Settings | None = None, *, freeze_startup_heap: bool = False) -> FastAPI:
    """Build the API. The engine is created in the lifespan, i.e. per process.

    ``freeze_startup_heap``: for a serving process, exempt what start-up made from
    garbage collection once the lifespan has started (:mod:`shelfops.kit.heap`). Off for
    an app built for a test or for its OpenAPI document, where the full collection it
    begins with costs more than it saves."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        if freeze_startup_heap:
            # Last in start-up: everything made so far lives as long as the process.
            freeze_startup_objects()
        try:
            yield
        finally:
            if freeze_startup_heap:
                release_startup_objects()
            await close_throttle(app)
            await engine.dispose()

    app = FastAPI(
        title="ShelfOps API",
        version=__version__,
        description="Demand forecasting and replenishment for retailers.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_observability(app, settings)
    install_openapi(app)
    app.include_router(health.router)
    app.include_router(api_router, prefix="/api/v1")
    install_dashboard(app, settings.dashboard_dir)
    install_security(app, settings)
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one ``shelfops serve --workers N`` process (uvicorn's factory): settings
    from the environment, and this process's own logging configuration."""
    from shelfops.kit.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    return create_app(settings, freeze_startup_heap=True)
