"""Bad input is a 422 naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.models import ModelStatus, Role
from tests.conftest import Tenant
from tests.experiments.helpers import (
    API,
    SEED_APPROVE,
    SEED_COMPLETE,
    SEED_PROPOSE,
    fetch,
    problem_fields,
    propose,
    register_versions,
    step,
)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in SEED_PROPOSE.items() if k != "hypothesis"}, "hypothesis"),
        ({**SEED_PROPOSE, "hypothesis": "   "}, "hypothesis"),
        ({**SEED_PROPOSE, "experiment_name": "x" * 201}, "experiment_name"),
        ({k: v for k, v in SEED_PROPOSE.items() if k != "proposed_by"}, "proposed_by"),
        ({**SEED_PROPOSE, "baseline_version": "v" * 33}, "baseline_version"),
        ({**SEED_PROPOSE, "hypothesis": "x" * 4001}, "hypothesis"),
        ({**SEED_PROPOSE, "owner": "someone"}, "owner"),
        # Names, people and versions are one line; hypotheses may span lines.
        ({**SEED_PROPOSE, "experiment_name": "Tiered\x1b[2J"}, "experiment_name"),
        ({**SEED_PROPOSE, "experiment_type": "segment\nation"}, "experiment_type"),
        ({**SEED_PROPOSE, "proposed_by": "jane\tdoe"}, "proposed_by"),
        ({**SEED_PROPOSE, "model_name": "demand\x1b_forecast"}, "model_name"),
    ],
)
async def test_bad_proposal_is_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, tenant_a: Tenant, body: dict[str, Any], field: str
) -> None:
    response = await client.post(API, json=body, headers=tenant_a.headers(Role.PLANNER))
    assert response.status_code == 422
    assert problem_fields(response.json()) == {field}
    assert (await client.get(API, headers=tenant_a.headers())).json()["total"] == 0


async def test_approval_needs_a_rationale(client: httpx.AsyncClient, tenant_a: Tenant) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    answer = await step(client, tenant_a, exp_id, "approve", {"approved_by": "m@x.com"}, expect=422)
    assert problem_fields(answer) == {"rationale"}
    long = {**SEED_APPROVE, "rationale": "x" * 4001}
    answer = await step(client, tenant_a, exp_id, "approve", long, expect=422)
    assert problem_fields(answer) == {"rationale"}
    answer = await step(client, tenant_a, exp_id, "reject", {"rationale": "x" * 4001}, expect=422)
    assert problem_fields(answer) == {"rationale"}
    answer = await step(client, tenant_a, exp_id, "shadow", {}, expect=422)
    assert problem_fields(answer) == {"experimental_version"}
    assert (await fetch(client, tenant_a, exp_id))["status"] == "proposed"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"decision": "ship_it"}, "decision", "adopt"),
        ({"results": [12.8, 10.0]}, "results", "dictionary"),
        ({"results": "baseline 12.8"}, "results", "dictionary"),
        (
            {"results": {"baseline_mae": "12.8", "experimental_mae": 10.0}},
            "baseline_mae",
            "number",
        ),
        ({"results": {"improvement_pct": True}}, "improvement_pct", "number"),
        ({"results": {"baseline_mae": -1.0}}, "baseline_mae", "greater than or equal to 0"),
        ({"results": {"holdout_wape": "low"}}, "results", "results.holdout_wape"),
        ({"results": {"notes": "x" * 70_000}}, "results", "at most 65,536 bytes"),
        ({"decision_rationale": ""}, "decision_rationale", "at least 1"),
        ({"decision_rationale": "x" * 4001}, "decision_rationale", "at most 4000"),
        ({"experimental_version": "v" * 40}, "experimental_version", "at most 32"),
    ],
)
async def test_bad_completion_is_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    tenant_a: Tenant,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    before = await fetch(client, tenant_a, exp_id)

    answer = await step(
        client, tenant_a, exp_id, "complete", {**SEED_COMPLETE, **change}, expect=422
    )
    assert problem_fields(answer) == {field}
    assert message in answer["detail"][0]["message"]
    assert await fetch(client, tenant_a, exp_id) == before


async def test_other_results_keys_are_kept_as_sent(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)
    results = {"experimental_mae": 10, "notes": "top 500 SKUs", "segments": ["Electronics"]}
    done = await step(
        client,
        tenant_a,
        exp_id,
        "complete",
        {"decision": "reject", "decision_rationale": "inconclusive", "results": results},
    )
    # Metrics left out are not added as nulls; other keys are stored untouched.
    assert done["results"] == {
        "experimental_mae": 10.0,
        "notes": "top 500 SKUs",
        "segments": ["Electronics"],
    }


# --- versions must be in the tenant's registry (of the experiment's model) ---------------


async def test_unknown_baseline_version_is_422_and_stores_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, {"v13": (ModelStatus.CHAMPION, 12.8)})
    await register_versions(sessionmaker, tenant_b, {"v14": (ModelStatus.CHAMPION, 9.0)})
    await register_versions(
        sessionmaker, tenant_a, {"v15": (ModelStatus.CHAMPION, 9.0)}, model_name="other_model"
    )
    planner = tenant_a.headers(Role.PLANNER)
    for fields in (
        {"baseline_version": "v999"},
        # Another tenant's version is not this tenant's.
        {"baseline_version": "v14"},
        # The registry is per model name: v15 is other_model's, not demand_forecast's.
        {"baseline_version": "v15"},
        {"baseline_version": "v13", "model_name": "other_model"},
    ):
        response = await client.post(API, json={**SEED_PROPOSE, **fields}, headers=planner)
        assert response.status_code == 422, (fields, response.text)
        body = response.json()
        assert problem_fields(body) == {"baseline_version"}
        message = body["detail"][0]["message"]
        assert repr(fields["baseline_version"]) in message
        assert repr(fields.get("model_name", "demand_forecast")) in message
    assert (await client.get(API, headers=tenant_a.headers())).json()["total"] == 0

    # Known versions (any status: a baseline may be archived by now) are accepted.
    assert (await propose(client, tenant_a, baseline_version="v13"))["baseline_version"] == "v13"
    other = await propose(client, tenant_a, baseline_version="v15", model_name="other_model")
    assert other["baseline_version"] == "v15"


async def test_unknown_experimental_version_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await register_versions(sessionmaker, tenant_a, {"v13": (ModelStatus.CHAMPION, 12.8)})
    await register_versions(sessionmaker, tenant_b, {"v777": (ModelStatus.CHALLENGER, 9.0)})
    exp_id = (await propose(client, tenant_a))["experiment_id"]
    await step(client, tenant_a, exp_id, "approve", SEED_APPROVE)

    before = await fetch(client, tenant_a, exp_id)
    answer = await step(
        client, tenant_a, exp_id, "start", {"experimental_version": "v12345"}, expect=422
    )
    assert problem_fields(answer) == {"experimental_version"}
    assert "'v12345'" in answer["detail"][0]["message"]
    assert await fetch(client, tenant_a, exp_id) == before

    await step(client, tenant_a, exp_id, "start")
    before = await fetch(client, tenant_a, exp_id)
    answer = await step(
        client, tenant_a, exp_id, "shadow", {"experimental_version": "v777"}, expect=422
    )
    assert problem_fields(answer) == {"experimental_version"}
    assert await fetch(client, tenant_a, exp_id) == before

    # A decision that promotes nothing still may not record a version that does not exist.
    reject = {
        "decision": "reject",
        "decision_rationale": "inconclusive",
        "results": {},
        "experimental_version": "v404",
    }
    answer = await step(client, tenant_a, exp_id, "complete", reject, expect=422)
    assert problem_fields(answer) == {"experimental_version"}
    assert await fetch(client, tenant_a, exp_id) == before

    shadowing = await step(client, tenant_a, exp_id, "shadow", {"experimental_version": "v13"})
    assert shadowing["experimental_version"] == "v13"
