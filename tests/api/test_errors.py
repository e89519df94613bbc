"""Every error has the one shape ``{"error": "<Name>", "detail": ...}``, and the OpenAPI
document names every operation explicitly (the dashboard's client is generated from it)."""

from __future__ import annotations

import re

import httpx
import jsonschema
from fastapi.routing import APIRoute
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.models import Role
from tests.conftest import Tenant


async def test_unknown_route_is_404_in_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "Not Found"}


async def test_wrong_method_is_405_in_the_error_shape(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.put("/api/v1/stores", json={}, headers=tenant_a.headers())
    assert response.status_code == 405
    assert response.json() == {"error": "MethodNotAllowed", "detail": "Method Not Allowed"}


async def test_wrong_method_says_which_methods_are_allowed(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # RFC 9110 §15.5.6: a 405 response must carry an Allow header.
    response = await client.put("/api/v1/stores", json={}, headers=tenant_a.headers())
    assert response.status_code == 405
    assert set(response.headers.get("Allow", "").replace(" ", "").split(",")) == {"GET", "POST"}


async def test_malformed_json_is_422_in_the_error_shape(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.post(
        "/api/v1/stores",
        content=b'{"store_code": "S1", "name": ',
        headers={**tenant_a.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert [problem["type"] for problem in body["detail"]] == ["json_invalid"]
    assert body["detail"][0]["location"][0] == "body"
    listed = (await client.get("/api/v1/stores", headers=tenant_a.headers())).json()
    assert listed["total"] == 0


async def test_validation_error_names_the_field(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await client.post(
        "/api/v1/stores", json={"store_code": "S1"}, headers=tenant_a.headers()
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "ValidationFailed",
        "detail": [{"location": ["body", "name"], "message": "Field required", "type": "missing"}],
    }


async def test_openapi_is_served_and_every_operation_has_a_short_explicit_id(
    client: httpx.AsyncClient, migrated: Settings
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert ("get", "/api/v1/stores", document["paths"]["/api/v1/stores"]["get"]) in operations
    ids = [operation.get("operationId") for _, _, operation in operations]
    # camelCase verbs like listStores, not FastAPI's generated list_stores_api_v1_stores_get.
    assert all(isinstance(i, str) and re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", i) for i in ids), (
        ids
    )
    assert len(set(ids)) == len(ids)
    assert {"listStores", "createStore", "getStore", "updateStore", "deleteStore"} <= set(ids)

    # "Explicit" means set on the route, not the app's fallback that happens to look fine.
    implicit = [
        route.path
        for route in create_app(migrated).routes
        if isinstance(route, APIRoute) and route.include_in_schema and route.operation_id is None
    ]
    assert implicit == []


async def test_the_documented_422_body_is_the_one_the_api_sends(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # The document used to promise FastAPI's {"detail": [{"loc", "msg", "type"}]}, which a
    # client generated from it would read wrongly.
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/stores"]["post"]
    documented = operation["responses"]["422"]["content"]["application/json"]["schema"]

    response = await client.post(
        "/api/v1/stores", json={"store_code": "S1"}, headers=tenant_a.headers()
    )

    assert response.status_code == 422
    schema = {**documented, "components": document["components"]}
    jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator)


async def test_an_exhausted_connection_pool_is_503_saying_the_server_is_overloaded(
    settings: Settings,
) -> None:
    # What SQLAlchemy raises when no pooled connection frees up within the pool timeout.
    app = create_app(settings)

    @app.get("/pool-exhausted")
    async def _exhausted() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached, timed out")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/pool-exhausted")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.json()
    assert body["error"] == "ServiceUnavailable"
    assert "overloaded" in body["detail"]
    assert "not reachable" not in body["detail"]


async def test_an_error_quoting_a_lone_surrogate_from_the_body_is_still_json(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    # The unknown trigger is quoted back; UTF-8 cannot encode it, escaped JSON can.
    response = await client.post(
        "/api/v1/models/retrain",
        content=b'{"trigger": "\\ud800", "model": "auto"}',
        headers={**tenant_a.headers(Role.ML_MANAGER), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert body["detail"][0]["location"] == ["body", "trigger"]
    # Quoted with repr, the lone surrogate is shown as its escape, six plain characters.
    assert body["detail"][0]["message"].startswith("unknown trigger '\\ud800'")
