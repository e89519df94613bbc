"""Experiment decisions act on the model registry: adopt promotes, rollback restores,
and a refused promotion leaves the experiment where it was."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import ModelDecision, ModelStatus
from tests.conftest import Tenant
from tests.experiments.helpers import (
    SEED_APPROVE,
    SEED_COMPLETE,
    fetch,
    problem_fields,
    propose,
    register_versions,
    step,
    version_statuses,
)

V1_CHAMPION_V2_CHALLENGER = {
    "v1": (ModelStatus.CHAMPION, 12.8),
    "v2": (ModelStatus.CHALLENGER, 10.0),
}


async def _approved(client: httpx.AsyncClient, tenant: Tenant) -> str:
    exp_id = (await propose(client, tenant))["experiment_id"]
    await step(client, tenant, exp_id, "approve", SEED_APPROVE)
    return str(exp_id)


async def test_adopt_promotes_the_experimental_version(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    exp_id = await _approved(client, tenant_a)

    await step(
        client, tenant_a, exp_id, "complete", {**SEED_COMPLETE, "experimental_version": "v2"}
    )
    experiment = await fetch(client, tenant_a, exp_id)
    assert (experiment["status"], experiment["decision"]) == ("completed", "adopt")
    assert await version_statuses(sessionmaker, tenant_a) == {
        "v1": "archived",
        "v2": "champion",
    }
    # The registry recorded the promotion as this experiment's, with its rationale.
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        promoted = await session.scalar(
            select(ModelDecision).where(
                ModelDecision.customer_id == tenant_a.customer_id,
                ModelDecision.version == "v2",
                ModelDecision.action == "promoted",
            )
        )
    assert promoted is not None
    assert promoted.inputs["source"] == f"experiment:{exp_id}"
    assert promoted.previous_champion == "v1"
    assert promoted.reasons == [
        "experiment Department-Tiered Forecasting: Exceeded target (22% improvement)"
    ]


async def test_adopt_uses_the_shadow_tested_version(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    exp_id = await _approved(client, tenant_a)
    await step(client, tenant_a, exp_id, "start")
    await step(client, tenant_a, exp_id, "shadow", {"experimental_version": "v2"})
    body = {k: v for k, v in SEED_COMPLETE.items() if k != "experimental_version"}

    # Adopting a version other than the one shadow tested is refused.
    answer = await step(
        client, tenant_a, exp_id, "complete", {**body, "experimental_version": "v1"}, expect=409
    )
    assert "shadow tested version 'v2'" in answer["detail"]
    assert (await fetch(client, tenant_a, exp_id))["status"] == "shadow_testing"

    done = await step(client, tenant_a, exp_id, "complete", {**body, "decision": "partial_adopt"})
    assert (done["status"], done["experimental_version"]) == ("completed", "v2")
    assert await version_statuses(sessionmaker, tenant_a) == {
        "v1": "archived",
        "v2": "champion",
    }


async def test_adopting_an_unknown_version_is_404_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    # Another tenant's v14 is not A's.
    await register_versions(sessionmaker, tenant_b, {"v14": (ModelStatus.CHALLENGER, 9.0)})
    exp_id = await _approved(client, tenant_a)
    before = await fetch(client, tenant_a, exp_id)

    answer = await step(client, tenant_a, exp_id, "complete", SEED_COMPLETE, expect=404)
    assert answer["error"] == "NotFound"
    assert "v14" in answer["detail"]
    assert await fetch(client, tenant_a, exp_id) == before
    assert await version_statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "challenger",
    }
    assert await version_statuses(sessionmaker, tenant_b) == {"v14": "challenger"}


async def test_adopting_the_champion_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    exp_id = await _approved(client, tenant_a)
    before = await fetch(client, tenant_a, exp_id)

    answer = await step(
        client,
        tenant_a,
        exp_id,
        "complete",
        {**SEED_COMPLETE, "experimental_version": "v1"},
        expect=409,
    )
    assert "already the champion" in answer["detail"]
    assert await fetch(client, tenant_a, exp_id) == before


async def test_adopt_without_a_version_is_422_naming_the_field(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    exp_id = await _approved(client, tenant_a)
    before = await fetch(client, tenant_a, exp_id)
    body = {k: v for k, v in SEED_COMPLETE.items() if k != "experimental_version"}

    answer = await step(client, tenant_a, exp_id, "complete", body, expect=422)
    assert problem_fields(answer) == {"experimental_version"}
    assert await fetch(client, tenant_a, exp_id) == before
    assert await version_statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "challenger",
    }


async def test_rollback_decision_restores_the_previous_champion(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, V1_CHAMPION_V2_CHALLENGER)
    rollback = {
        "decision": "rollback",
        "decision_rationale": "v2 overstocks Electronics",
        "results": {"baseline_mae": 10.0, "experimental_mae": 11.4, "improvement_pct": -14.0},
    }
    # Nothing to roll back to yet: 409 from the registry, experiment unchanged.
    early = await _approved(client, tenant_a)
    answer = await step(client, tenant_a, early, "complete", rollback, expect=409)
    assert "nothing to roll back to" in answer["detail"]
    assert (await fetch(client, tenant_a, early))["status"] == "approved"

    adopted = await _approved(client, tenant_a)
    await step(
        client, tenant_a, adopted, "complete", {**SEED_COMPLETE, "experimental_version": "v2"}
    )
    done = await step(client, tenant_a, early, "complete", rollback)
    assert (done["status"], done["decision"]) == ("completed", "rollback")
    assert await version_statuses(sessionmaker, tenant_a) == {
        "v1": "champion",
        "v2": "archived",
    }
