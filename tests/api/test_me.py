"""``GET /api/v1/me``: the caller's tenant and role."""

from __future__ import annotations

import httpx
import pytest

from shelfops.models import Role
from tests.conftest import Tenant


@pytest.mark.parametrize("role", list(Role))
async def test_me_names_the_keys_tenant_and_role(
    client: httpx.AsyncClient, tenant_a: Tenant, tenant_b: Tenant, role: Role
) -> None:
    response = await client.get("/api/v1/me", headers=tenant_a.headers(role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_id"] == str(tenant_a.customer_id)
    assert body["tenant_slug"] == tenant_a.slug
    assert body["role"] == role.value
    assert body["key_name"] == f"{role.value} key"
    other = await client.get("/api/v1/me", headers=tenant_b.headers(role))
    assert other.json()["customer_id"] == str(tenant_b.customer_id)


async def test_me_needs_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
