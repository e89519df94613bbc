"""Tenant isolation through the API: another tenant's rows do not exist for you."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shelfops.models import Role
from tests.catalog.helpers import API, create, product_body, store_body, supplier_body
from tests.conftest import Tenant

RESOURCES = [
    ("stores", "store_id", store_body),
    ("suppliers", "supplier_id", supplier_body),
    ("products", "product_id", product_body),
]


@pytest.mark.parametrize(("resource", "id_field", "body"), RESOURCES)
async def test_other_tenant_cannot_list_read_change_or_delete(
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    tenant_b: Tenant,
    resource: str,
    id_field: str,
    body: Callable[[str], dict[str, Any]],
) -> None:
    row = await create(client, tenant_a, resource, body("SHARED-1"))
    url = f"{API}/{resource}/{row[id_field]}"
    b_admin = tenant_b.headers(Role.ADMIN)

    listed = (await client.get(f"{API}/{resource}", headers=b_admin)).json()
    assert (listed["items"], listed["total"]) == ([], 0)
    searched = await client.get(f"{API}/{resource}", params={"q": "SHARED"}, headers=b_admin)
    assert searched.json()["total"] == 0

    for response in [
        await client.get(url, headers=b_admin),
        await client.patch(url, json={"name": "hijacked"}, headers=b_admin),
        await client.delete(url, headers=b_admin),
    ]:
        assert response.status_code == 404
        # The same answer as for an id nobody has: existence is not revealed.
        assert response.json() == {
            "error": "NotFound",
            "detail": f"no {resource[:-1]} with id {row[id_field]}",
        }

    # Tenant A's row is untouched.
    assert (await client.get(url, headers=tenant_a.headers())).json() == row
    # Codes are unique per tenant only: B may use the same code for its own row.
    own = await create(client, tenant_b, resource, body("SHARED-1"))
    assert own[id_field] != row[id_field]
    assert (await client.get(url, headers=tenant_a.headers())).json() == row
