"""Seed 003's experiment payloads and small helpers shared by the experiment API tests."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import AuditLog, ModelStatus, ModelVersion, Role
from tests.conftest import Tenant

API = "/api/v1/experiments"

# The request bodies of seed 003's curl examples, verbatim.
SEED_PROPOSE: dict[str, Any] = {
    "experiment_name": "Department-Tiered Forecasting",
    "hypothesis": "Electronics demand differs from Grocery. Dedicated model will improve MAE by 12%",  # noqa: E501 - verbatim
    "experiment_type": "segmentation",
    "proposed_by": "jane.doe@shelfops.com",
}
SEED_APPROVE: dict[str, Any] = {
    "approved_by": "ml_manager@shelfops.com",
    "rationale": "Approved with constraint: top 500 SKUs only",
}
SEED_COMPLETE: dict[str, Any] = {
    "decision": "adopt",
    "decision_rationale": "Exceeded target (22% improvement)",
    "results": {"baseline_mae": 12.8, "experimental_mae": 10.0, "improvement_pct": 21.9},
    "experimental_version": "v14",
}
MANAGER = Role.ML_MANAGER


async def propose(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """Propose the seed's experiment (with ``fields`` changed) as a planner."""
    response = await client.post(
        API, json={**SEED_PROPOSE, **fields}, headers=tenant.headers(Role.PLANNER)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def step(
    client: httpx.AsyncClient,
    tenant: Tenant,
    experiment_id: str,
    action: str,
    body: dict[str, Any] | None = None,
    *,
    expect: int = 200,
    role: Role = MANAGER,
) -> dict[str, Any]:
    """Run a workflow action (``approve``, ``reject``, ``start``, ``shadow`` with PATCH,
    ``complete`` with POST) and return the response body after checking its status."""
    method = "POST" if action == "complete" else "PATCH"
    response = await client.request(
        method, f"{API}/{experiment_id}/{action}", json=body, headers=tenant.headers(role)
    )
    assert response.status_code == expect, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def fetch(client: httpx.AsyncClient, tenant: Tenant, experiment_id: str) -> dict[str, Any]:
    """GET one experiment as a viewer (200 expected)."""
    response = await client.get(f"{API}/{experiment_id}", headers=tenant.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def problem_fields(body: dict[str, Any]) -> set[str]:
    """The field names a 422 response complains about (last element of each location)."""
    assert body["error"] == "ValidationFailed", body
    return {str(problem["location"][-1]) for problem in body["detail"]}


async def register_versions(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    versions: dict[str, tuple[ModelStatus, float]],
    *,
    model_name: str = "demand_forecast",
) -> None:
    """Put model versions ``{version: (status, mae)}`` in the tenant's registry, as a
    finished retrain would have."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        for version, (status, mae) in versions.items():
            session.add(
                ModelVersion(
                    customer_id=tenant.customer_id,
                    model_name=model_name,
                    version=version,
                    status=status.value,
                    metrics={"mae": mae},
                )
            )


async def version_statuses(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    *,
    model_name: str = "demand_forecast",
) -> dict[str, str]:
    """``{version: status}`` of the tenant's model versions, read from the database."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.execute(
            select(ModelVersion.version, ModelVersion.status).where(
                ModelVersion.customer_id == tenant.customer_id,
                ModelVersion.model_name == model_name,
            )
        )
        return {version: status for version, status in rows}


async def audit_trail(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, experiment_id: str
) -> list[AuditLog]:
    """The audit rows about one experiment, oldest first."""
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(AuditLog)
            .where(
                AuditLog.customer_id == tenant.customer_id,
                AuditLog.resource_type == "model_experiment",
                AuditLog.resource_id == experiment_id,
            )
            .order_by(AuditLog.audit_id)
        )
        return list(rows)
