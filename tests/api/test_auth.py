"""Authentication and roles: who may call the API, and what each role may do."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import ApiKey, Customer, CustomerStatus, Role
from shelfops.tenants.keys import hash_key
from tests.conftest import Tenant

STORES = "/api/v1/stores"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "Unauthorized"
    assert response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_valid_key_is_accepted(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.get(STORES, headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 200


async def test_missing_authorization_header_is_401(client: httpx.AsyncClient) -> None:
    _assert_unauthorized(await client.get(STORES))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-shelfops-key",
        "Bearer so_1234_short",
        "Bearer ",
        "Basic dXNlcjpwYXNz",  # the wrong scheme
    ],
)
async def test_malformed_credentials_are_401(client: httpx.AsyncClient, authorization: str) -> None:
    _assert_unauthorized(await client.get(STORES, headers={"Authorization": authorization}))


async def test_right_tenant_with_wrong_secret_is_401(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    forged = f"so_{tenant_a.customer_id.hex}_{secrets.token_urlsafe(32)}"
    _assert_unauthorized(await client.get(STORES, headers=_bearer(forged)))


async def test_a_real_secret_under_another_tenant_id_is_401(
    client: httpx.AsyncClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    # A's genuine secret presented under B's tenant id: a key belongs to one tenant only.
    secret = tenant_a.keys[Role.ADMIN].removeprefix(f"so_{tenant_a.customer_id.hex}_")
    swapped = f"so_{tenant_b.customer_id.hex}_{secret}"
    _assert_unauthorized(await client.get(STORES, headers=_bearer(swapped)))


async def test_key_of_a_tenant_that_does_not_exist_is_401(client: httpx.AsyncClient) -> None:
    ghost = f"so_{uuid.uuid4().hex}_{secrets.token_urlsafe(32)}"
    _assert_unauthorized(await client.get(STORES, headers=_bearer(ghost)))


async def test_revoked_key_is_401(
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    key = tenant_a.keys[Role.PLANNER]
    assert (await client.get(STORES, headers=_bearer(key))).status_code == 200

    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        row = await session.scalar(
            select(ApiKey).where(
                ApiKey.customer_id == tenant_a.customer_id, ApiKey.key_hash == hash_key(key)
            )
        )
        assert row is not None
        row.revoked_at = dt.datetime.now(dt.UTC)

    _assert_unauthorized(await client.get(STORES, headers=_bearer(key)))
    # The tenant's other keys keep working.
    assert (await client.get(STORES, headers=tenant_a.headers(Role.ADMIN))).status_code == 200


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.VIEWER, False), (Role.PLANNER, True), (Role.ML_MANAGER, True), (Role.ADMIN, True)],
)
async def test_creating_needs_planner_or_above(
    client: httpx.AsyncClient, tenant_a: Tenant, role: Role, allowed: bool
) -> None:
    body = {"store_code": "S1", "name": "One"}
    response = await client.post(STORES, json=body, headers=tenant_a.headers(role))
    listed = (await client.get(STORES, headers=tenant_a.headers(Role.VIEWER))).json()
    if allowed:
        assert response.status_code == 201
        assert listed["total"] == 1
    else:
        assert response.status_code == 403
        assert response.json()["error"] == "Forbidden"
        assert "planner" in response.json()["detail"]
        assert listed["total"] == 0


async def test_viewer_cannot_change_a_store(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    created = await client.post(
        STORES, json={"store_code": "S1", "name": "One"}, headers=tenant_a.headers(Role.PLANNER)
    )
    url = f"{STORES}/{created.json()['store_id']}"
    response = await client.patch(url, json={"name": "Two"}, headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert (await client.get(url, headers=tenant_a.headers())).json()["name"] == "One"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.PLANNER, Role.ML_MANAGER])
async def test_only_admin_may_delete(
    client: httpx.AsyncClient, tenant_a: Tenant, role: Role
) -> None:
    created = await client.post(
        STORES, json={"store_code": "S1", "name": "One"}, headers=tenant_a.headers(Role.PLANNER)
    )
    url = f"{STORES}/{created.json()['store_id']}"

    refused = await client.delete(url, headers=tenant_a.headers(role))
    assert refused.status_code == 403
    assert refused.json()["error"] == "Forbidden"
    assert "admin" in refused.json()["detail"]
    assert (await client.get(url, headers=tenant_a.headers())).status_code == 200

    assert (await client.delete(url, headers=tenant_a.headers(Role.ADMIN))).status_code == 204


async def test_keys_of_a_suspended_tenant_stop_working(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    assert (await client.get(STORES, headers=tenant_a.headers())).status_code == 200
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        customer = await session.get(Customer, tenant_a.customer_id)
        assert customer is not None
        customer.status = CustomerStatus.SUSPENDED.value
    _assert_unauthorized(await client.get(STORES, headers=tenant_a.headers()))
