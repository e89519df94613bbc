"""``GET /health``: the only endpoint without auth. Reports database and broker reachability."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text

from shelfops import __version__
from shelfops.api.deps import SettingsDep

router = APIRouter(tags=["health"])


class ComponentHealth(BaseModel):
    """One dependency's state."""

    status: Literal["ok", "down", "in_process"]
    detail: str | None = None


class Health(BaseModel):
    """Overall state; ``status`` is ``ok`` only when every component is usable."""

    status: Literal["ok", "degraded"]
    version: str
    database: ComponentHealth
    broker: ComponentHealth


@router.get("/health", operation_id="getHealth")
async def health(request: Request, response: Response, settings: SettingsDep) -> Health:
    """Database and broker reachability. Answers 503 when either is down."""
    database = await _check_database(request)
    broker = await _check_broker(settings.broker_url)
    ok = database.status == "ok" and broker.status != "down"
    if not ok:
        response.status_code = 503
    return Health(
        status="ok" if ok else "degraded", version=__version__, database=database, broker=broker
    )


async def _check_database(request: Request) -> ComponentHealth:
    try:
        async with asyncio.timeout(3):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; the type is enough detail
        return ComponentHealth(status="down", detail=type(exc).__name__)
    return ComponentHealth(status="ok")


async def _check_broker(broker_url: str | None) -> ComponentHealth:
    if broker_url is None:
        return ComponentHealth(status="in_process", detail="tasks run inside this process")
    try:
        import redis.asyncio as aioredis

        client = aioredis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()
    except Exception as exc:  # unreachable, refused, auth: all "down"
        return ComponentHealth(status="down", detail=type(exc).__name__)
    return ComponentHealth(status="ok")
