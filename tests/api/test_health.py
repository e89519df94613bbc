"""The health endpoint is open and reports the database."""

from __future__ import annotations

import httpx


async def test_health_reports_database_and_in_process_broker(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["broker"]["status"] == "in_process"
