"""The health endpoint is open and reports the database and the broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from shelfops.api.app import create_app
from shelfops.config import Settings


@asynccontextmanager
async def _client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_health_needs_no_key_and_reports_in_process_tasks(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "in_process"


async def test_health_reports_a_reachable_redis_broker(migrated: Settings) -> None:
    settings = migrated.model_copy(update={"broker_url": "redis://127.0.0.1:6379/0"})
    async with _client_for(settings) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json()["broker"]["status"] == "ok"


@pytest.mark.parametrize("broken", ["broker", "database"])
async def test_health_answers_503_when_a_dependency_is_down(
    migrated: Settings, backend: str, broken: str
) -> None:
    if broken == "broker":
        # Port 1 on loopback: nothing listens there, so the connection is refused at once.
        settings = migrated.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})
    elif backend == "postgres":
        settings = migrated.model_copy(
            update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"}
        )
    else:
        settings = migrated.model_copy(
            update={"database_url": "sqlite+aiosqlite:////nonexistent-dir/shelfops.db"}
        )
    async with _client_for(settings) as http:
        response = await http.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body[broken]["status"] == "down"
