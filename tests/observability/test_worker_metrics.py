"""A real ``shelfops worker`` (prefork, one child) on the real Redis serves its tasks'
metrics on ``SHELFOPS_WORKER_METRICS_PORT``, summed from the child process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shelfops.config import Settings
from shelfops.worker import create_celery
from tests.conftest import Tenant
from tests.observability.test_logging import _free_port
from tests.observability.test_metrics import samples
from tests.processes import stop
from tests.worker.test_celery_worker import REDIS_URL

TASK = "shelfops.monitoring.check_slos"


@pytest.fixture
def metrics_worker(migrated: Settings, tmp_path: Path) -> Iterator[tuple[Settings, int]]:
    """``shelfops worker`` serving metrics on a free port; stopped afterwards."""
    settings = migrated.model_copy(
        update={"broker_url": REDIS_URL, "broker_key_prefix": f"test-{uuid.uuid4().hex[:8]}:"}
    )
    port = _free_port()
    env = {
        **os.environ,
        "SHELFOPS_DATABASE_URL": settings.resolved_database_url,
        "SHELFOPS_BROKER_URL": REDIS_URL,
        "SHELFOPS_BROKER_KEY_PREFIX": settings.broker_key_prefix,
        "SHELFOPS_VAR_DIR": str(tmp_path),
        "SHELFOPS_WORKER_METRICS_PORT": str(port),
        "SHELFOPS_LOG_FORMAT": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shelfops", "worker", "--queues", "sync", "--concurrency", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield settings, port
    finally:
        stop(process)
        log.close()


def _scrape_until(port: int, done: object, *, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        except httpx.TransportError:
            text = ""
        if callable(done) and done(text):
            return text
        time.sleep(0.5)
    return text


def test_worker_serves_task_durations_and_failures(
    metrics_worker: tuple[Settings, int], tenant_a: Tenant, tmp_path: Path
) -> None:
    settings, port = metrics_worker
    celery = create_celery(settings)
    celery.send_task(TASK, args=[str(tenant_a.customer_id)], queue="sync")
    celery.send_task(TASK, args=["not-a-tenant-id"], queue="sync")

    def both_recorded(text: str) -> bool:
        runs = samples(text, "shelfops_task_duration_seconds_count")
        return sum(runs.values()) >= 2

    text = _scrape_until(port, both_recorded)

    log = (tmp_path / "worker.log").read_text()
    runs = samples(text, "shelfops_task_duration_seconds_count")
    assert runs == {
        (("state", "SUCCESS"), ("task", TASK)): 1.0,
        (("state", "FAILURE"), ("task", TASK)): 1.0,
    }, log
    failures = samples(text, "shelfops_task_failures_total")
    assert failures == {(("exception", "ValueError"), ("task", TASK)): 1.0}
    # The worker's own log lines are JSON, and the successful run names its tenant.
    assert f'"customer_id": "{tenant_a.customer_id}"' in log
