"""The broker is down: the API answers work that needs the queue with a clean 503 (the
error shape, ``Retry-After``), ``GET /health`` names the broker as down, and once Redis is
back the same request is queued (runbook: "Broker down").

The API runs as ``shelfops serve`` in its own process, configured by environment
variables as in production, so the module-level Celery app talks to this test's Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shelfops.config import Settings
from shelfops.models import Role
from tests.conftest import Tenant
from tests.faults.conftest import RedisServer, free_port
from tests.processes import stop


@pytest.fixture
def api(migrated: Settings, private_redis: RedisServer, tmp_path: Path) -> Iterator[httpx.Client]:
    """``shelfops serve`` pointed at the private Redis (not started yet): a client of it."""
    port = free_port()
    env = {
        **os.environ,
        "SHELFOPS_ENV": "test",
        "SHELFOPS_DATABASE_URL": migrated.resolved_database_url,
        "SHELFOPS_BROKER_URL": private_redis.url,
        "SHELFOPS_VAR_DIR": str(tmp_path / "var"),
    }
    log = (tmp_path / "api.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfops", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail((tmp_path / "api.log").read_text())
                    time.sleep(0.2)
            yield client
    finally:
        stop(process)
        log.close()


def test_queueing_work_answers_503_while_the_broker_is_down_and_succeeds_after(
    api: httpx.Client, private_redis: RedisServer, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers(Role.ML_MANAGER)
    health = api.get("/health")
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["broker"]["status"] == "down"
    assert health.json()["database"]["status"] == "ok"

    refused = api.post("/api/v1/models/retrain", json={"trigger": "manual"}, headers=headers)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "ServiceUnavailable"
    assert "task queue is not reachable" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) > 0

    private_redis.start()
    assert api.get("/health").json()["broker"]["status"] == "ok"
    queued = api.post("/api/v1/models/retrain", json={"trigger": "manual"}, headers=headers)
    assert queued.status_code == 202, queued.text
    retrain_id = queued.json()["retrain_id"]
    # The message is really on the ``ml`` queue, under the retrain id as task id.
    waiting = [json.loads(raw) for raw in private_redis.client().lrange("ml", 0, -1)]
    assert [m["headers"]["id"] for m in waiting] == [retrain_id]
    assert [m["headers"]["task"] for m in waiting] == ["shelfops.registry.retrain_forecast_model"]
