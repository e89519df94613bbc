"""The experiment status flow of seed 003 through the API, with the seed's payloads."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.models import ModelStatus, Role
from tests.conftest import Tenant
from tests.experiments.helpers import (
    API,
    SEED_APPROVE,
    SEED_COMPLETE,
    SEED_PROPOSE,
    audit_trail,
    fetch,
    propose,
    register_versions,
    step,
    version_statuses,
)


def _recent(stamp: str) -> bool:
    moment = dt.datetime.fromisoformat(stamp)
    return moment.tzinfo is not None and abs(dt.datetime.now(dt.UTC) - moment).total_seconds() < 60


async def test_full_workflow_propose_approve_start_shadow_complete(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    await register_versions(
        sessionmaker,
        tenant_a,
        {"v13": (ModelStatus.CHAMPION, 12.8), "v14": (ModelStatus.CHALLENGER, 10.0)},
    )
    proposed = await propose(client, tenant_a, baseline_version="v13")
    assert proposed["status"] == "proposed"
    assert proposed["model_name"] == "demand_forecast"
    assert {k: proposed[k] for k in SEED_PROPOSE} == SEED_PROPOSE
    assert proposed["approved_by"] is None and proposed["approved_at"] is None
    assert _recent(proposed["created_at"])
    exp_id = proposed["experiment_id"]

    approved = await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    assert approved["status"] == "approved"
    assert approved["approved_by"] == "ml_manager@shelfops.com"
    assert approved["approval_rationale"] == "Approved with constraint: top 500 SKUs only"
    assert _recent(approved["approved_at"])

    started = await step(client, tenant_a, exp_id, "start")
    assert started["status"] == "in_progress"
    shadowing = await step(client, tenant_a, exp_id, "shadow", {"experimental_version": "v14"})
    assert shadowing["status"] == "shadow_testing"
    assert shadowing["experimental_version"] == "v14"

    done = await step(client, tenant_a, exp_id, "complete", SEED_COMPLETE)
    assert done["status"] == "completed"
    assert _recent(done["completed_at"])
    # Everything recorded along the way is still there.
    assert done["approved_by"] == "ml_manager@shelfops.com"
    assert done["baseline_version"] == "v13"
    assert await fetch(client, tenant_a, exp_id) == done

    results = await client.get(f"{API}/{exp_id}/results", headers=tenant_a.headers(Role.VIEWER))
    assert results.status_code == 200
    assert results.json() == {
        "experiment_id": exp_id,
        "experiment_name": "Department-Tiered Forecasting",
        "status": "completed",
        "decision": "adopt",
        "decision_rationale": "Exceeded target (22% improvement)",
        "results": {"baseline_mae": 12.8, "experimental_mae": 10.0, "improvement_pct": 21.9},
        "baseline_version": "v13",
        "experimental_version": "v14",
        "completed_at": done["completed_at"],
    }

    # One audit row per step, with the status before and after.
    trail = await audit_trail(sessionmaker, tenant_a, exp_id)
    assert [
        (r.action, (r.before or {}).get("status"), (r.after or {}).get("status")) for r in trail
    ] == [
        ("experiment.propose", None, "proposed"),
        ("experiment.approve", "proposed", "approved"),
        ("experiment.start", "approved", "in_progress"),
        ("experiment.shadow", "in_progress", "shadow_testing"),
        ("experiment.complete", "shadow_testing", "completed"),
    ]
    assert trail[1].actor == "ml_manager key"
    assert (trail[-1].after or {}).get("champion") == "v14"


async def test_seed_sequence_completes_straight_after_approval(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    # The seed's curl examples, in order, with nothing in between.
    await register_versions(
        sessionmaker,
        tenant_a,
        {"v13": (ModelStatus.CHAMPION, 12.8), "v14": (ModelStatus.CHALLENGER, 10.0)},
    )
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    done = await step(client, tenant_a, exp_id, "complete", SEED_COMPLETE)
    assert done["status"] == "completed"
    assert done["decision"] == "adopt"
    assert done["results"] == SEED_COMPLETE["results"]
    assert done["experimental_version"] == "v14"


async def test_reject_path_records_who_and_why_and_is_final(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    rejected = await step(
        client,
        tenant_a,
        exp_id,
        "reject",
        {"rejected_by": "ml_manager@shelfops.com", "rationale": "Not enough Electronics data"},
    )
    assert rejected["status"] == "rejected"
    assert rejected["approved_by"] is None and rejected["approved_at"] is None
    assert (
        rejected["approval_rationale"]
        == "rejected by ml_manager@shelfops.com: Not enough Electronics data"
    )
    trail = await audit_trail(sessionmaker, tenant_a, exp_id)
    assert trail[-1].action == "experiment.reject"
    assert (trail[-1].after or {}).get("rejected_by") == "ml_manager@shelfops.com"

    # Without rejected_by, the API key's name is who rejected.
    other = (await propose(client, tenant_a))["experiment_id"]
    rejected = await step(client, tenant_a, other, "reject", {"rationale": "Duplicate"})
    assert rejected["approval_rationale"] == "rejected by ml_manager key: Duplicate"


async def test_approving_a_rejected_experiment_is_a_conflict_and_changes_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "reject", {"rationale": "Out of scope"})
    before = await fetch(client, tenant_a, exp_id)

    answer = await step(client, tenant_a, exp_id, "approve", SEED_APPROVE, expect=409)
    assert answer["error"] == "Conflict"
    assert "its status is 'rejected'" in answer["detail"]
    assert "needs 'proposed'" in answer["detail"]
    assert "Allowed next statuses from 'rejected': none (final)" in answer["detail"]
    assert await fetch(client, tenant_a, exp_id) == before


async def test_steps_out_of_order_are_conflicts_naming_the_allowed_next_statuses(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    before = await fetch(client, tenant_a, exp_id)

    # No experimental_version: none is in this tenant's registry.
    complete = {
        **{k: v for k, v in SEED_COMPLETE.items() if k != "experimental_version"},
        "decision": "reject",
    }
    for action, body in [
        ("complete", complete),
        ("start", None),
        ("shadow", {"experimental_version": "v14"}),
    ]:
        answer = await step(client, tenant_a, exp_id, action, body, expect=409)
        assert "its status is 'proposed'" in answer["detail"], action
        assert "Allowed next statuses from 'proposed': 'approved', 'rejected'" in answer["detail"]
    assert await fetch(client, tenant_a, exp_id) == before

    # Not completed yet: no results.
    results = await client.get(f"{API}/{exp_id}/results", headers=tenant_a.headers())
    assert results.status_code == 409
    assert "'proposed'" in results.json()["detail"]

    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    # Shadow testing needs the experiment in progress first; rejecting needs 'proposed'.
    answer = await step(
        client, tenant_a, exp_id, "shadow", {"experimental_version": "v14"}, expect=409
    )
    assert "Allowed next statuses from 'approved': 'in_progress', 'completed'" in answer["detail"]
    await step(client, tenant_a, exp_id, "reject", {"rationale": "too late"}, expect=409)
    assert (await fetch(client, tenant_a, exp_id))["status"] == "approved"

    # A completed experiment is final.
    await step(client, tenant_a, exp_id, "complete", complete)
    answer = await step(client, tenant_a, exp_id, "complete", complete, expect=409)
    assert "Allowed next statuses from 'completed': none (final)" in answer["detail"]


async def test_reject_decision_completes_without_touching_models(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
) -> None:
    # v14 is in the registry (start only names versions that exist), but not champion: a
    # 'reject' decision must neither need it to be promotable nor touch it.
    await register_versions(sessionmaker, tenant_a, {"v14": (ModelStatus.CANDIDATE, 13.1)})
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    await step(client, tenant_a, exp_id, "start", {"experimental_version": "v14"})
    done = await step(
        client,
        tenant_a,
        exp_id,
        "complete",
        {
            "decision": "reject",
            "decision_rationale": "MAE got worse",
            "results": {"baseline_mae": 12.8, "experimental_mae": 13.1, "improvement_pct": -2.3},
        },
    )
    assert (done["status"], done["decision"]) == ("completed", "reject")
    # The version named when work started is kept as the one decided about.
    assert done["experimental_version"] == "v14"
    assert await version_statuses(sessionmaker, tenant_a) == {"v14": "candidate"}


async def test_list_is_newest_first_filters_by_status_and_pages(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    first = (await propose(client, tenant_a, experiment_name="first"))["experiment_id"]
    second = (await propose(client, tenant_a, experiment_name="second"))["experiment_id"]
    third = (await propose(client, tenant_a, experiment_name="third"))["experiment_id"]
    await step(client, tenant_a, second, "approve", SEED_APPROVE)
    await step(client, tenant_a, third, "reject", {"rationale": "no"})
    viewer = tenant_a.headers(Role.VIEWER)

    everything = (await client.get(API, headers=viewer)).json()
    assert [e["experiment_id"] for e in everything["items"]] == [third, second, first]
    assert (everything["total"], everything["limit"], everything["offset"]) == (3, 50, 0)

    page = (await client.get(API, params={"limit": 1, "offset": 1}, headers=viewer)).json()
    assert [e["experiment_id"] for e in page["items"]] == [second]
    assert page["total"] == 3

    approved = (await client.get(API, params={"status": "approved"}, headers=viewer)).json()
    assert [e["experiment_id"] for e in approved["items"]] == [second]
    several = await client.get(
        API, params=[("status", "proposed"), ("status", "approved")], headers=viewer
    )
    assert [e["experiment_id"] for e in several.json()["items"]] == [second, first]

    unknown = await client.get(API, params={"status": "finished"}, headers=viewer)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["location"][-2:] == ["status", 0]
