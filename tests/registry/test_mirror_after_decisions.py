"""Promotions made through an ML alert or an experiment reach the registry files too
(the mirror runs after the request's transaction committed)."""

from __future__ import annotations

import json
import uuid

import httpx

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import MLAlert, ModelRetrainingLog, ModelStatus, Role
from shelfops.registry import artifacts, files
from tests.conftest import Tenant
from tests.registry.helpers import Sessions, V, add_versions


def _champion_file(settings: Settings, tenant: Tenant) -> object:
    directory = artifacts.tenant_dir(settings.artifacts_dir, tenant.customer_id)
    return json.loads((directory / files.CHAMPION_FILE).read_text())


async def test_approving_a_drift_alert_and_adopting_an_experiment_rewrite_champion_json(
    client: httpx.AsyncClient, sessionmaker: Sessions, migrated: Settings, tenant_a: Tenant
) -> None:
    await add_versions(
        sessionmaker,
        tenant_a,
        V("v1", ModelStatus.CHAMPION),
        V("v2", ModelStatus.CHALLENGER),
        V("v3", ModelStatus.SHADOW),
    )
    retrain_id = uuid.uuid4()
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        session.add(
            ModelRetrainingLog(
                retrain_id=retrain_id,
                customer_id=tenant_a.customer_id,
                trigger_type="drift_detected",
                status="completed",
                version_produced="v2",
            )
        )
        alert = MLAlert(
            customer_id=tenant_a.customer_id,
            alert_type="drift_detected",
            severity="critical",
            title="drift",
            message="mae up",
            alert_metadata={"retrain_id": str(retrain_id)},
        )
        session.add(alert)
        await session.flush()
        alert_id = alert.ml_alert_id
    headers = tenant_a.headers(Role.ML_MANAGER)

    approved = await client.patch(
        f"/api/v1/ml-alerts/{alert_id}/action", json={"action": "approve"}, headers=headers
    )
    assert approved.status_code == 200, approved.text
    assert _champion_file(migrated, tenant_a)["version"] == "v2"  # type: ignore[index]

    experiment = (
        await client.post(
            "/api/v1/experiments",
            json={
                "experiment_name": "tier",
                "hypothesis": "cold start is enough",
                "experiment_type": "feature_tier",
                "proposed_by": "ml",
            },
            headers=headers,
        )
    ).json()["experiment_id"]
    await client.patch(
        f"/api/v1/experiments/{experiment}/approve", json={"rationale": "go"}, headers=headers
    )
    adopted = await client.post(
        f"/api/v1/experiments/{experiment}/complete",
        json={
            "decision": "adopt",
            "decision_rationale": "better",
            "results": {"baseline_mae": 10.0, "experimental_mae": 9.0},
            "experimental_version": "v3",
        },
        headers=headers,
    )
    assert adopted.status_code == 200, adopted.text
    assert _champion_file(migrated, tenant_a)["version"] == "v3"  # type: ignore[index]
