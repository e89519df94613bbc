"""Every action gated to admin or ml_manager writes an audit row (actor, action, target,
before and after), and ``GET /api/v1/audit-log`` lists them for admins only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import MLAlert, ModelStatus, Role
from tests.conftest import Tenant
from tests.experiments.helpers import SEED_APPROVE, SEED_PROPOSE
from tests.ingest.helpers import STORES
from tests.registry.helpers import V, add_versions

AUDIT_LOG = "/api/v1/audit-log"
API = "/api/v1"
ADMIN, MANAGER = Role.ADMIN, Role.ML_MANAGER


async def entries(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    """Every audit row the tenant's admin sees with ``params``, newest first."""
    response = await client.get(
        AUDIT_LOG, params={"limit": 500, **params}, headers=tenant.headers()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def call(
    client: httpx.AsyncClient,
    tenant: Tenant,
    method: str,
    path: str,
    role: Role,
    expect: int,
    **kwargs: Any,
) -> dict[str, Any]:
    response = await client.request(method, API + path, headers=tenant.headers(role), **kwargs)
    assert response.status_code == expect, response.text
    return response.json() if response.content else {}


async def _alert(sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant) -> str:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        alert = MLAlert(
            customer_id=tenant.customer_id,
            alert_type="model_degradation",
            severity="warning",
            title="MAE up",
            message="7-day MAE 20% above baseline",
        )
        session.add(alert)
        await session.flush()
        return str(alert.ml_alert_id)


async def test_every_admin_and_ml_manager_action_is_audited(
    secure_client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    http = secure_client
    a = tenant_a
    done: list[tuple[str, str]] = []  # (action, resource id) in the order performed

    # Catalog rows: created and changed (planner), deleted (admin).
    for kind, body in (
        ("suppliers", {"supplier_code": "V9", "name": "Gone Supplies", "lead_time_days": 4}),
        ("stores", {"store_code": "S9", "name": "Closed Store"}),
        (
            "products",
            {
                "product_code": "P9",
                "name": "Old Product",
                "category": "Dairy",
                "department": "Grocery",
                "unit_cost": 0.8,
                "unit_price": 1.49,
            },
        ),
    ):
        created = await call(http, a, "POST", f"/{kind}", Role.PLANNER, 201, json=body)
        item_id = str(created[f"{kind[:-1]}_id"])
        rename = {"name": f"{body['name']} (renamed)"}
        await call(http, a, "PATCH", f"/{kind}/{item_id}", Role.PLANNER, 200, json=rename)
        await call(http, a, "DELETE", f"/{kind}/{item_id}", ADMIN, 204)
        done += [(f"{kind[:-1]}.{verb}", item_id) for verb in ("create", "update", "delete")]

    # A file upload (admin).
    report = await call(
        http, a, "POST", "/ingest/stores", ADMIN, 200, files={"file": ("stores.csv", STORES)}
    )
    done.append(("ingest.stores", report["sync_id"]))

    # An ML alert decision (ml_manager).
    alert_id = await _alert(sessionmaker, a)
    body = {"action": "dismiss", "notes": "seasonal, expected"}
    await call(http, a, "PATCH", f"/ml-alerts/{alert_id}/action", MANAGER, 200, json=body)
    done.append(("ml_alert.dismiss", alert_id))

    # Experiment decisions (ml_manager): approve → start → shadow → complete, and reject.
    # The shadow-tested version must be in the tenant's registry.
    await add_versions(sessionmaker, a, V("v14", ModelStatus.CANDIDATE))
    exp = await call(http, a, "POST", "/experiments", Role.PLANNER, 201, json=SEED_PROPOSE)
    exp_id = exp["experiment_id"]
    steps: list[tuple[str, dict[str, Any] | None]] = [
        ("approve", SEED_APPROVE),
        ("start", None),
        ("shadow", {"experimental_version": "v14"}),
    ]
    for action, step_body in steps:
        await call(
            http, a, "PATCH", f"/experiments/{exp_id}/{action}", MANAGER, 200, json=step_body
        )
        done.append((f"experiment.{action}", exp_id))
    complete = {"decision": "reject", "decision_rationale": "no gain", "results": {"mae": 1}}
    await call(http, a, "POST", f"/experiments/{exp_id}/complete", MANAGER, 200, json=complete)
    done.append(("experiment.complete", exp_id))
    other = await call(http, a, "POST", "/experiments", Role.PLANNER, 201, json=SEED_PROPOSE)
    reject = {"rejected_by": "lead", "rationale": "not now"}
    await call(
        http, a, "PATCH", f"/experiments/{other['experiment_id']}/reject", MANAGER, 200, json=reject
    )
    done.append(("experiment.reject", other["experiment_id"]))

    # Model registry decisions (ml_manager).
    await add_versions(
        sessionmaker,
        a,
        V("v1", ModelStatus.CANDIDATE),
        V("v2", ModelStatus.CANDIDATE),
        V("v3", ModelStatus.CANDIDATE),
        V("v4", ModelStatus.CANDIDATE),
    )
    reason = {"reason": "reviewed"}
    await call(http, a, "POST", "/models/v1/promote", MANAGER, 200, json=reason)
    await call(http, a, "POST", "/models/v2/promote", MANAGER, 200, json=reason)
    await call(http, a, "POST", "/models/rollback", MANAGER, 200, json=reason)
    await call(http, a, "POST", "/models/v3/shadow", MANAGER, 200, json=reason)
    await call(http, a, "POST", "/models/v4/archive", MANAGER, 200, json=reason)
    done += [
        ("model.promote", "demand_forecast:v1"),
        ("model.promote", "demand_forecast:v2"),
        ("model.rollback", "demand_forecast:v1"),
        ("model.shadow", "demand_forecast:v3"),
        ("model.archive", "demand_forecast:v4"),
    ]

    rows = await entries(http, a)
    by_target = {(r["action"], r["resource_id"]): r for r in rows}
    for action, target in done:
        row = by_target.get((action, target))
        assert row is not None, f"no audit row for {action} on {target}"
        resource, verb = action.split(".")
        if resource in ("store", "supplier", "product"):
            actor = "admin key" if verb == "delete" else "planner key"
        else:
            actor = "admin key" if resource == "ingest" else "ml_manager key"
        assert row["actor"] == actor, row
        assert row["actor_api_key_id"] is not None
        assert row["created_at"]
        # Before and after: both recorded, except nothing before a creation and nothing
        # after a deletion.
        if verb == "create":
            assert row["before"] is None and row["after"], row
        elif verb == "delete":
            assert row["before"] and row["after"] is None, row
        else:
            assert row["before"] and row["after"] and row["after"] != row["before"], row
    stores = {r["resource_id"]: r for r in rows if r["action"] == "store.delete"}
    assert next(iter(stores.values()))["before"]["name"] == "Closed Store (renamed)"
    renamed = next(r for r in rows if r["action"] == "product.update")
    assert (renamed["before"]["name"], renamed["after"]["name"]) == (
        "Old Product",
        "Old Product (renamed)",
    )
    ingest = by_target[("ingest.stores", report["sync_id"])]
    assert ingest["before"] == {"rows_with_these_keys": 0}
    assert ingest["after"]["rows_with_these_keys"] == 2 and ingest["after"]["inserted"] == 2
    assert by_target[("ml_alert.dismiss", alert_id)]["after"]["status"] == "dismissed"

    # Another tenant's admin sees none of it.
    assert await entries(http, tenant_b) == []


async def test_queueing_a_retrain_is_audited(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await secure_client.post(
        f"{API}/models/retrain", json={"trigger": "manual"}, headers=tenant_a.headers(MANAGER)
    )
    assert response.status_code == 202, response.text
    rows = await entries(secure_client, tenant_a, resource_type="retrain")
    assert [r["resource_id"] for r in rows] == [response.json()["retrain_id"]]
    assert rows[0]["after"]["trigger"] == "manual"


async def test_the_log_filters_and_pages(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    http = secure_client
    for code in ("A1", "A2", "A3"):
        store = await call(
            http,
            tenant_a,
            "POST",
            "/stores",
            Role.PLANNER,
            201,
            json={"store_code": code, "name": code},
        )
        await call(http, tenant_a, "DELETE", f"/stores/{store['store_id']}", ADMIN, 204)
    exp = await call(http, tenant_a, "POST", "/experiments", Role.PLANNER, 201, json=SEED_PROPOSE)

    everything = await entries(http, tenant_a)
    assert [r["action"] for r in everything] == ["experiment.propose"] + [
        "store.delete",
        "store.create",
    ] * 3
    deleted = [r["before"]["store_code"] for r in everything if r["action"] == "store.delete"]
    assert deleted == ["A3", "A2", "A1"]

    assert len(await entries(http, tenant_a, action="store.delete")) == 3
    assert len(await entries(http, tenant_a, action="store.*")) == 6
    assert len(await entries(http, tenant_a, action="store")) == 0  # exact unless ".*"
    assert len(await entries(http, tenant_a, actor="planner key")) == 4
    assert len(await entries(http, tenant_a, resource_type="model_experiment")) == 1
    assert everything[0]["resource_id"] == exp["experiment_id"]

    page = await http.get(AUDIT_LOG, params={"limit": 2, "offset": 1}, headers=tenant_a.headers())
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (7, 2, 1)
    assert [r["audit_id"] for r in body["items"]] == [r["audit_id"] for r in everything[1:3]]

    newest = dt.datetime.fromisoformat(everything[0]["created_at"])
    later = (newest + dt.timedelta(seconds=1)).isoformat()
    assert await entries(http, tenant_a, since=later) == []
    assert len(await entries(http, tenant_a, until=later)) == 7
    assert len(await entries(http, tenant_a, since=everything[-1]["created_at"])) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2024-05-01T00:00:00"}, "since"),  # no timezone
        ({"until": "yesterday"}, "until"),
        ({"limit": 0}, "limit"),
        # Valid ISO 8601, but in UTC before year 1 or after year 9999.
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"until": "9999-12-31T23:59:59-05:00"}, "until"),
        ({"since": "0001-01-01T00:00:00+01:00", "until": "9999-12-31T23:59:59-05:00"}, "since"),
    ],
)
async def test_bad_filters_name_the_field(
    secure_client: httpx.AsyncClient, tenant_a: Tenant, params: dict[str, Any], field: str
) -> None:
    response = await secure_client.get(AUDIT_LOG, params=params, headers=tenant_a.headers())
    assert response.status_code == 422
    assert field in {p["location"][-1] for p in response.json()["detail"]}


async def test_the_earliest_and_latest_times_in_utc_are_valid_bounds(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    await call(
        secure_client, tenant_a, "POST", "/experiments", Role.PLANNER, 201, json=SEED_PROPOSE
    )
    for params in (
        {"since": "0001-01-01T00:00:00-01:00", "until": "9999-12-31T23:59:59+05:00"},
        {"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59.999999Z"},
    ):
        assert len(await entries(secure_client, tenant_a, **params)) == 1, params


async def test_out_of_range_times_say_what_is_expected(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    response = await secure_client.get(
        AUDIT_LOG, params={"until": "9999-12-31T23:59:59-05:00"}, headers=tenant_a.headers()
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed"
    [problem] = body["detail"]
    assert problem["location"] == ["query", "until"]
    assert "out of range" in problem["message"] and "UTC" in problem["message"]


async def test_only_admins_read_the_log(secure_client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    for role in (Role.VIEWER, Role.PLANNER, Role.ML_MANAGER):
        response = await secure_client.get(AUDIT_LOG, headers=tenant_a.headers(role))
        assert response.status_code == 403
        assert "admin" in response.json()["detail"]
    assert (await secure_client.get(AUDIT_LOG)).status_code == 401
    ghost = {"Authorization": f"Bearer so_{uuid.uuid4().hex}_{'x' * 43}"}
    assert (await secure_client.get(AUDIT_LOG, headers=ghost)).status_code == 401
