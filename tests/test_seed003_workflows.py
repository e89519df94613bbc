"""Every curl workflow of seed 003, verbatim (only the host's port and the Authorization
header added), against a real ``shelfops serve`` process on both databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.models import MLAlert, ModelRetrainingLog, ModelVersion, Role
from tests.conftest import Tenant
from tests.processes import stop

Sessions = async_sessionmaker[AsyncSession]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(migrated: Settings, tmp_path: Path) -> Iterator[str]:
    """``shelfops serve`` on a free port; yields the base URL that replaces localhost:8000."""
    port = _free_port()
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_VAR_DIR": str(tmp_path / "var"),
    }
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfops", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["curl", "-sf", f"{base}/health"], capture_output=True).returncode:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.log").read_text())
            time.sleep(0.3)
        yield base
    finally:
        stop(process)
        log.close()


def curl(command: str, base: str, key: str, **ids: str) -> tuple[int, Any]:
    """Run a seed curl line with the port, the ids and an Authorization header filled in;
    returns (HTTP status, JSON body)."""
    text = command.replace("http://localhost:8000", base)
    for name, value in ids.items():
        text = text.replace("{" + name + "}", value)
    argv = shlex.split(text.replace("\\\n", " "))
    assert argv[0] == "curl"
    done = subprocess.run(
        [*argv, "-H", f"Authorization: Bearer {key}", "-s", "-w", "\n%{http_code}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body) if body else None


# The seed's commands, character for character.
HEALTH = "curl http://localhost:8000/api/v1/models/health"
UNREAD_CRITICAL = 'curl "http://localhost:8000/api/v1/ml-alerts?status=unread&severity=critical"'
APPROVE_ALERT = """curl -X PATCH http://localhost:8000/api/v1/ml-alerts/{alert_id}/action \\
  -H "Content-Type: application/json" \\
  -d '{"action": "approve", "notes": "Reviewed backtest, approved"}'"""
PROPOSE = """curl -X POST http://localhost:8000/api/v1/experiments \\
  -H "Content-Type: application/json" \\
  -d '{
    "experiment_name": "Department-Tiered Forecasting",
    "hypothesis": "Electronics demand differs from Grocery. Dedicated model will improve MAE by 12%",
    "experiment_type": "segmentation",
    "proposed_by": "jane.doe@shelfops.com"
  }'"""  # noqa: E501 - the seed's line, verbatim
APPROVE_EXPERIMENT = """curl -X PATCH http://localhost:8000/api/v1/experiments/{exp_id}/approve \\
  -H "Content-Type: application/json" \\
  -d '{
    "approved_by": "ml_manager@shelfops.com",
    "rationale": "Approved with constraint: top 500 SKUs only"
  }'"""
COMPLETE = """curl -X POST http://localhost:8000/api/v1/experiments/{exp_id}/complete \\
  -H "Content-Type: application/json" \\
  -d '{
    "decision": "adopt",
    "decision_rationale": "Exceeded target (22% improvement)",
    "results": {
      "baseline_mae": 12.8,
      "experimental_mae": 10.0,
      "improvement_pct": 21.9
    },
    "experimental_version": "v14"
  }'"""


async def _seed_state(sessionmaker: Sessions, tenant: Tenant) -> uuid.UUID:
    """The seed's situation: champion v12, a drift retrain that produced challenger v13
    with its unread critical alert, and v14 from an experiment, in shadow."""
    now = dt.datetime.now(dt.UTC)
    retrain_id = uuid.uuid4()
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        for version, status in (("v12", "champion"), ("v13", "challenger"), ("v14", "shadow")):
            session.add(
                ModelVersion(
                    customer_id=tenant.customer_id,
                    version=version,
                    status=status,
                    metrics={"mae": 11.2},
                    promoted_at=now if status == "champion" else None,
                )
            )
        session.add(
            ModelRetrainingLog(
                retrain_id=retrain_id,
                customer_id=tenant.customer_id,
                trigger_type="drift_detected",
                status="completed",
                version_produced="v13",
                completed_at=now,
            )
        )
        alert = MLAlert(
            customer_id=tenant.customer_id,
            alert_type="drift_detected",
            severity="critical",
            title="Champion MAE 18% above baseline",
            message="mae_7d 13.2 vs baseline 11.2",
            alert_metadata={"retrain_id": str(retrain_id)},
            dedupe_key="drift:mae:demand_forecast",
        )
        session.add(alert)
        await session.flush()
        return alert.ml_alert_id


async def _statuses(sessionmaker: Sessions, tenant: Tenant) -> dict[str, str]:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        rows = await session.scalars(
            select(ModelVersion).where(ModelVersion.customer_id == tenant.customer_id)
        )
        return {r.version: r.status for r in rows}


async def test_every_seed_003_curl_workflow_works_verbatim(
    server: str, sessionmaker: Sessions, tenant_a: Tenant
) -> None:
    alert_id = await _seed_state(sessionmaker, tenant_a)
    key = tenant_a.keys[Role.ML_MANAGER]

    # 1. Check model health
    status, health = curl(HEALTH, server, key)
    assert status == 200
    assert health["champion"]["version"] == "v12" and health["challenger"]["version"] == "v13"
    assert set(health["champion"]) >= {"version", "status", "mae_7d", "trend"}
    assert set(health["challenger"]) >= {"version", "mae_7d", "promotion_eligible"}

    # 2. Review drift alert: list unread critical, approve the drift-triggered retrain
    status, alerts = curl(UNREAD_CRITICAL, server, key)
    assert status == 200 and [a["ml_alert_id"] for a in alerts["items"]] == [str(alert_id)]
    status, actioned = curl(APPROVE_ALERT, server, key, alert_id=str(alert_id))
    assert status == 200 and actioned["status"] == "actioned", actioned
    assert actioned["promoted_version"] == "v13"
    assert (await _statuses(sessionmaker, tenant_a))["v13"] == "champion"

    # 3–5. Propose, approve and complete an experiment (adopting v14)
    status, proposed = curl(PROPOSE, server, key)
    assert status == 201 and proposed["status"] == "proposed"
    exp_id = proposed["experiment_id"]
    status, approved = curl(APPROVE_EXPERIMENT, server, key, exp_id=exp_id)
    assert status == 200 and approved["status"] == "approved"
    assert approved["approved_by"] == "ml_manager@shelfops.com"
    status, completed = curl(COMPLETE, server, key, exp_id=exp_id)
    assert status == 200 and completed["status"] == "completed", completed
    assert completed["decision"] == "adopt" and completed["results"]["improvement_pct"] == 21.9
    assert await _statuses(sessionmaker, tenant_a) == {
        "v12": "archived",
        "v13": "archived",
        "v14": "champion",
    }


def test_seed_curl_without_a_key_is_refused_by_the_real_server(server: str) -> None:
    command = shlex.split(HEALTH.replace("http://localhost:8000", server))
    done = subprocess.run(
        [*command, "-s", "-o", "/dev/null", "-w", "%{http_code}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout == "401"
