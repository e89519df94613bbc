"""Who may do what, and tenant isolation: another tenant's experiments do not exist."""

from __future__ import annotations

import httpx

from shelfops.models import Role
from tests.conftest import Tenant
from tests.experiments.helpers import (
    API,
    SEED_APPROVE,
    SEED_COMPLETE,
    SEED_PROPOSE,
    fetch,
    propose,
    step,
)


async def test_viewer_reads_but_cannot_propose(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    response = await client.post(API, json=SEED_PROPOSE, headers=tenant_a.headers(Role.VIEWER))
    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"
    assert "planner" in response.json()["detail"]
    listed = (await client.get(API, headers=tenant_a.headers(Role.VIEWER))).json()
    assert listed["total"] == 0

    created = await propose(client, tenant_a)
    assert await fetch(client, tenant_a, created["experiment_id"]) == created


async def test_planner_proposes_but_cannot_decide(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    before = await fetch(client, tenant_a, exp_id)
    for action, body in [
        ("approve", SEED_APPROVE),
        ("reject", {"rationale": "no"}),
        ("start", None),
        ("shadow", {"experimental_version": "v14"}),
        ("complete", {**SEED_COMPLETE, "decision": "reject"}),
    ]:
        answer = await step(client, tenant_a, exp_id, action, body, expect=403, role=Role.PLANNER)
        assert "ml_manager" in answer["detail"], action
    assert await fetch(client, tenant_a, exp_id) == before

    # An admin may decide too (roles are ordered).
    approved = await step(client, tenant_a, exp_id, "approve", SEED_APPROVE, role=Role.ADMIN)
    assert approved["status"] == "approved"


async def test_no_key_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(API)).status_code == 401
    assert (await client.post(API, json=SEED_PROPOSE)).status_code == 401


async def test_other_tenant_cannot_see_or_decide(
    client: httpx.AsyncClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    before = await fetch(client, tenant_a, exp_id)
    b_admin = tenant_b.headers(Role.ADMIN)

    listed = (await client.get(API, headers=b_admin)).json()
    assert (listed["items"], listed["total"]) == ([], 0)

    responses = [
        await client.get(f"{API}/{exp_id}", headers=b_admin),
        await client.get(f"{API}/{exp_id}/results", headers=b_admin),
        await client.patch(f"{API}/{exp_id}/approve", json=SEED_APPROVE, headers=b_admin),
        await client.patch(f"{API}/{exp_id}/reject", json={"rationale": "x"}, headers=b_admin),
        await client.patch(f"{API}/{exp_id}/start", headers=b_admin),
        await client.patch(
            f"{API}/{exp_id}/shadow", json={"experimental_version": "v1"}, headers=b_admin
        ),
        await client.post(
            f"{API}/{exp_id}/complete",
            json={**SEED_COMPLETE, "decision": "reject"},
            headers=b_admin,
        ),
    ]
    for response in responses:
        assert response.status_code == 404, response.request.url
        # The same answer as for an id nobody has: existence is not revealed.
        assert response.json() == {
            "error": "NotFound",
            "detail": f"no experiment with id {exp_id}",
        }
    assert await fetch(client, tenant_a, exp_id) == before

    # B's own experiments are B's only.
    own = await propose(client, tenant_b, experiment_name="B's own")
    a_list = (await client.get(API, headers=tenant_a.headers())).json()
    assert [e["experiment_id"] for e in a_list["items"]] == [exp_id]
    b_list = (await client.get(API, headers=b_admin)).json()
    assert [e["experiment_id"] for e in b_list["items"]] == [own["experiment_id"]]


async def test_unknown_and_malformed_ids(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    unknown = "00000000-0000-0000-0000-000000000001"
    response = await client.get(f"{API}/{unknown}", headers=tenant_a.headers())
    assert response.status_code == 404
    response = await client.get(f"{API}/not-a-uuid", headers=tenant_a.headers())
    assert response.status_code == 422
    assert response.json()["detail"][0]["location"] == ["path", "experiment_id"]
