"""``POST /api/v1/ingest/{kind}``: admin uploads a file and gets the report back."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.models import Role
from tests.conftest import Tenant
from tests.ingest.helpers import STORES, snapshot, sync_log


def _upload(content: str, name: str = "stores.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, content.encode(), "text/csv")}


async def test_an_admin_upload_returns_the_report(
    client: httpx.AsyncClient, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/api/v1/ingest/stores", files=_upload(STORES, "my stores.csv"), headers=tenant_a.headers()
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["kind"], body["status"], body["file_name"]) == (
        "stores",
        "loaded",
        "my stores.csv",
    )
    assert (body["rows_received"], body["inserted"], body["updated"]) == (2, 2, 0)
    stores = (await snapshot(sessionmaker, tenant_a.customer_id))["stores"]
    assert sorted(s.store_code for s in stores) == ["S1", "S2"]
    (entry,) = await sync_log(sessionmaker, tenant_a.customer_id)
    assert str(entry.sync_id) == body["sync_id"]


async def test_a_bad_file_is_422_in_the_error_shape_and_writes_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    bad = STORES + "S3,Mall,,,Mars/Olympus,,\n"

    response = await client.post(
        "/api/v1/ingest/stores", files=_upload(bad), headers=tenant_a.headers()
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert body["detail"]["status"] == "rejected"
    assert body["detail"]["problems"] == [
        {
            "rule": "timezone",
            "row": 3,
            "line": 4,
            "column": "timezone",
            "value": "Mars/Olympus",
            "message": "not an IANA time zone name (e.g. America/Chicago)",
        }
    ]
    assert (await snapshot(sessionmaker, tenant_a.customer_id))["stores"] == []
    (entry,) = await sync_log(sessionmaker, tenant_a.customer_id)
    assert entry.sync_status == "rejected"
    assert body["detail"]["sync_id"] == str(entry.sync_id)


async def test_without_a_key_it_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/ingest/stores", files=_upload(STORES))

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


async def test_a_viewer_may_not_ingest(
    client: httpx.AsyncClient, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.post(
        "/api/v1/ingest/stores", files=_upload(STORES), headers=tenant_a.headers(Role.VIEWER)
    )

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert (await snapshot(sessionmaker, tenant_a.customer_id))["stores"] == []


async def test_an_unknown_kind_is_422_naming_the_path_parameter(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.post(
        "/api/v1/ingest/widgets", files=_upload(STORES), headers=tenant_a.headers()
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert body["detail"][0]["location"] == ["path", "kind"]


async def test_a_missing_file_field_is_422(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.post(
        "/api/v1/ingest/stores", data={"other": "x"}, headers=tenant_a.headers()
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert body["detail"][0]["location"] == ["body", "file"]


async def test_the_route_has_an_explicit_operation_id(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    assert spec["paths"]["/api/v1/ingest/{kind}"]["post"]["operationId"] == "ingestFile"


async def test_an_upload_over_the_size_limit_is_413_and_writes_nothing(
    migrated: Settings, tenant_a: Tenant, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(migrated.model_copy(update={"ingest_max_upload_bytes": len(STORES) - 1}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.post(
                "/api/v1/ingest/stores", files=_upload(STORES), headers=tenant_a.headers()
            )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "PayloadTooLarge"
    assert "shelfops ingest" in response.json()["detail"]
    assert (await snapshot(sessionmaker, tenant_a.customer_id))["stores"] == []
