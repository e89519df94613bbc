"""Seed 003's "Get Active Experiments" SQL sees what the API lists as active."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelStatus, Role
from tests.conftest import Tenant
from tests.experiments.helpers import API, SEED_APPROVE, propose, register_versions, step

# Verbatim from seed 003, with the tenant's id substituted for the seed's example id.
ACTIVE_EXPERIMENTS_SQL = """
SELECT
    experiment_name,
    hypothesis,
    status,
    proposed_by,
    approved_by,
    created_at
FROM model_experiments
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND status IN ('proposed', 'approved', 'in_progress', 'shadow_testing')
ORDER BY created_at DESC;
"""
ACTIVE = ["proposed", "approved", "in_progress", "shadow_testing"]


async def test_seed_active_experiments_query_matches_the_api(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
    backend: str,
) -> None:
    # The shadow-tested version must be in the tenant's registry.
    await register_versions(sessionmaker, tenant_a, {"v14": (ModelStatus.CHALLENGER, 10.0)})
    names = {}
    for name, steps in [
        ("still proposed", []),
        ("approved", ["approve"]),
        ("rejected", ["reject"]),
        ("in progress", ["approve", "start"]),
        ("shadow testing", ["approve", "start", "shadow"]),
        ("completed", ["approve", "complete"]),
        ("another proposal", []),
    ]:
        exp_id = (await propose(client, tenant_a, experiment_name=name))["experiment_id"]
        names[exp_id] = name
        for action in steps:
            body = {
                "approve": SEED_APPROVE,
                "reject": {"rationale": "no"},
                "start": None,
                "shadow": {"experimental_version": "v14"},
                "complete": {"decision": "reject", "decision_rationale": "no", "results": {}},
            }[action]
            await step(client, tenant_a, exp_id, action, body)
    # Another tenant's active experiment must not show up in A's query.
    await propose(client, tenant_b, experiment_name="B's proposal")

    listed = await client.get(
        API, params=[("status", s) for s in ACTIVE], headers=tenant_a.headers(Role.VIEWER)
    )
    api_rows = [
        (e["experiment_name"], e["hypothesis"], e["status"], e["proposed_by"], e["approved_by"])
        for e in listed.json()["items"]
    ]
    assert [row[0] for row in api_rows] == [
        "another proposal",
        "shadow testing",
        "in progress",
        "approved",
        "still proposed",
    ]

    # PostgreSQL compares the uuid as the seed writes it; SQLite stores uuids as 32 hex
    # digits, so there the literal is the same id in that spelling.
    tenant_literal = (
        str(tenant_a.customer_id) if backend == "postgres" else tenant_a.customer_id.hex
    )
    sql = ACTIVE_EXPERIMENTS_SQL.replace("00000000-0000-0000-0000-000000000001", tenant_literal)
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        sql_rows = (await session.execute(text(sql))).all()
    assert [tuple(row[:5]) for row in sql_rows] == api_rows
    assert sql_rows[1].approved_by == "ml_manager@shelfops.com"
