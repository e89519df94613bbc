"""``GET /metrics``: who may scrape it, and what a scrape reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.api.app import create_app
from shelfops.config import Settings
from shelfops.models import Role
from shelfops.models.base import utcnow
from tests.conftest import Tenant
from tests.observability.helpers import add_forecast
from tests.worker.test_celery_worker import REDIS_URL

TOKEN = "scrape-" + "x" * 32


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh app built from ``settings`` (lifespan included)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples called ``name`` in an exposition, keyed by their sorted labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_metrics_refuse_callers_without_a_token_or_admin_key(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    anonymous = await client.get("/metrics")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    viewer = await client.get("/metrics", headers=tenant_a.headers(Role.VIEWER))

    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "Unauthorized"
    assert wrong.status_code == 401
    assert viewer.status_code == 403
    assert "admin" in viewer.json()["detail"]


async def test_admin_key_scrapes_and_a_request_counts_under_its_route_template(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    admin = tenant_a.headers(Role.ADMIN)
    name = "shelfops_http_request_duration_seconds_count"
    key = (("method", "GET"), ("route", "/api/v1/ml-alerts/{alert_id}"), ("status_class", "4xx"))
    before = await client.get("/metrics", headers=admin)
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")

    missing = await client.get(f"/api/v1/ml-alerts/{uuid.uuid4()}", headers=admin)
    after = await client.get("/metrics", headers=admin)

    assert missing.status_code == 404
    assert samples(after.text, name)[key] == samples(before.text, name).get(key, 0.0) + 1
    # The raw path (with its id) never becomes a label value.
    assert str(uuid.uuid4())[:8] not in after.text
    assert "shelfops_http_requests_in_progress" in after.text


async def test_metrics_token_scrapes_and_forecast_age_is_reported_per_tenant(
    migrated: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await add_forecast(sessionmaker, tenant_a, written_at=utcnow() - dt.timedelta(hours=5))
    settings = migrated.model_copy(update={"metrics_token": SecretStr(TOKEN)})

    async with app_client(settings) as http:
        response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        admin = await http.get("/metrics", headers=tenant_b.headers(Role.ADMIN))

    assert response.status_code == 200, response.text
    assert admin.status_code == 200
    ages = samples(response.text, "shelfops_forecast_age_hours")
    assert 4.9 < ages[(("customer_id", str(tenant_a.customer_id)),)] < 5.5
    # A tenant without forecasts has no age (no data), not a made-up one.
    assert (("customer_id", str(tenant_b.customer_id)),) not in ages
    assert samples(response.text, "shelfops_metrics_source_up")[(("source", "database"),)] == 1
    # In-process (no broker): no queue to measure.
    assert "shelfops_celery_queue_length" not in response.text


@pytest.fixture
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL)


async def test_queue_length_reads_the_real_redis_queues(
    migrated: Settings, tenant_a: Tenant, redis_client: redis.Redis
) -> None:
    prefix = f"test-metrics-{uuid.uuid4().hex[:8]}:"
    settings = migrated.model_copy(update={"broker_url": REDIS_URL, "broker_key_prefix": prefix})
    keys = [f"{prefix}ml", f"{prefix}sync\x06\x163"]
    try:
        redis_client.lpush(keys[0], "a", "b", "c")
        redis_client.lpush(keys[1], "d")  # a priority-3 message of `sync`

        async with app_client(settings) as http:
            response = await http.get("/metrics", headers=tenant_a.headers(Role.ADMIN))
    finally:
        redis_client.delete(*keys)

    assert response.status_code == 200
    lengths = samples(response.text, "shelfops_celery_queue_length")
    assert lengths == {(("queue", "ml"),): 3.0, (("queue", "sync"),): 1.0}
    assert samples(response.text, "shelfops_metrics_source_up")[(("source", "broker"),)] == 1


async def test_an_unreachable_broker_is_reported_not_fatal(
    migrated: Settings, tenant_a: Tenant
) -> None:
    # Port 1 on localhost: nothing listens there.
    settings = migrated.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"})

    async with app_client(settings) as http:
        response = await http.get("/metrics", headers=tenant_a.headers(Role.ADMIN))

    assert response.status_code == 200
    assert samples(response.text, "shelfops_metrics_source_up")[(("source", "broker"),)] == 0
    assert "shelfops_celery_queue_length" not in response.text


async def test_an_in_process_task_failure_is_counted(
    client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    """Embedded: tasks run eagerly in this process and the API's scrape shows them."""
    from shelfops.monitoring.slo_tasks import check_slos

    name = "shelfops_task_failures_total"
    key = (("exception", "ValueError"), ("task", "shelfops.monitoring.check_slos"))
    admin = tenant_a.headers(Role.ADMIN)
    before = samples((await client.get("/metrics", headers=admin)).text, name).get(key, 0.0)

    # In a thread: the eager task runs its own event loop, as in a worker.
    with pytest.raises(ValueError, match="badly formed"):
        await asyncio.to_thread(check_slos.apply_async, args=["not-a-tenant-id"])

    after = samples((await client.get("/metrics", headers=admin)).text, name)
    assert after[key] == before + 1
