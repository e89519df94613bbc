"""Text with NUL characters is refused with a 422 naming where it was, on both backends
(PostgreSQL cannot store U+0000 and used to answer 500; SQLite stored it silently)."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant

API = "/api/v1"
PROBLEM = {
    "message": "text must not contain NUL characters (U+0000)",
    "type": "string_nul_character",
}


def _locations(response: httpx.Response) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed"
    assert all({k: p[k] for k in PROBLEM} == PROBLEM for p in body["detail"])
    return [problem["location"] for problem in body["detail"]]


async def test_nul_in_query_and_path_parameters_is_422(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers()

    search = await client.get(
        f"{API}/inventory", params={"q": "milk\x00", "category": "\x00"}, headers=headers
    )
    assert _locations(search) == [["query", "q"], ["query", "category"]]

    card = await client.get(f"{API}/models/v%001/card", headers=headers)
    assert _locations(card) == [["path", "version"]]


async def test_nul_in_a_json_body_is_422_and_stores_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers()
    body = {"store_code": "S\x001", "name": "Main", "region": "North"}

    created = await client.post(f"{API}/stores", json=body, headers=headers)

    assert _locations(created) == [["body", "store_code"]]
    listed = await client.get(f"{API}/stores", headers=headers)
    assert listed.json()["total"] == 0
    # A backslash followed by "u0000" is ordinary text, not a NUL.
    plain = await client.post(
        f"{API}/stores", json={**body, "store_code": "S1", "region": "\\u0000"}, headers=headers
    )
    assert plain.status_code == 201, plain.text
    assert plain.json()["region"] == "\\u0000"


async def test_without_a_key_nul_text_is_still_401(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/stores", params={"q": "\x00"})
    assert response.status_code == 401
