"""``GET /metrics``: Prometheus metrics of the API process, in the text exposition format.

What a scrape returns:

* the HTTP metrics of this app (:class:`HttpMetrics`, fed by the request middleware);
* this process's ``prometheus_client`` registry: process and Python runtime metrics, and
  — embedded, where tasks run in-process — the task metrics (``kit.task_metrics``);
* values read at scrape time: the length of each Celery queue on the broker (when one
  is configured) and, per active tenant, the age of its newest forecast issue (the
  ``forecast_freshness`` SLO's measurement; one series per tenant, at most
  ``MAX_TENANT_SERIES``).

Auth: ``Authorization: Bearer <token>`` with ``SHELFOPS_METRICS_TOKEN`` (compared in
constant time) or with an admin API key of any tenant.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shelfops.api.deps import SessionmakerDep, SettingsDep, authenticate
from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import Forbidden, Unauthorized
from shelfops.models import Role
from shelfops.models.base import utcnow
from shelfops.tenants import keys

log = logging.getLogger(__name__)

#: The Celery queues ShelfOps uses (``shelfops.worker``).
QUEUES = ("ml", "sync")
# kombu's Redis transport keeps priorities 3, 6 and 9 in lists of their own.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
#: Most tenants a scrape reports a forecast age for (keeps the series count bounded).
MAX_TENANT_SERIES = 1000
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests take milliseconds to minutes (a multi-gigabyte upload).
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, float("inf"))

_bearer = HTTPBearer(auto_error=False)


class HttpMetrics:
    """The HTTP metrics of one app, in the app's own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "shelfops_http_request_duration_seconds",
            "Time to answer HTTP requests, by method, route template and status class.",
            ["method", "route", "status_class"],
            buckets=_HTTP_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "shelfops_http_requests_in_progress",
            "HTTP requests being answered now, by method.",
            ["method"],
            registry=self.registry,
        )

    def observe(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        self.duration.labels(method_label(method), route, f"{status // 100}xx").observe(seconds)


def method_label(method: str) -> str:
    """The method as a label: the standard ones, anything else ``OTHER`` (bounded)."""
    return method if method in _METHODS else "OTHER"


class _Snapshot(Collector):
    """Values measured once for this scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


async def queue_lengths(settings: Settings, queues: Iterable[str] = QUEUES) -> dict[str, int]:
    """Messages waiting in each Celery queue on the Redis broker (every priority level)."""
    if settings.broker_url is None:
        return {}
    import redis.asyncio as aioredis

    client = aioredis.from_url(settings.broker_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        lengths: dict[str, int] = {}
        for queue in queues:
            async with client.pipeline(transaction=False) as pipe:
                for suffix in _PRIORITY_SUFFIXES:
                    pipe.llen(f"{settings.broker_key_prefix}{queue}{suffix}")
                lengths[queue] = sum(int(n) for n in await pipe.execute())
        return lengths
    finally:
        await client.aclose()


async def forecast_ages(request: Request, settings: Settings) -> dict[str, float]:
    """Hours since each active tenant's newest forecast issue was written (tenants
    without forecasts are left out)."""
    from shelfops.monitoring.slo import forecast_slo
    from shelfops.scheduling import active_tenants

    now = utcnow()
    ages: dict[str, float] = {}
    for customer_id in (await active_tenants(settings))[:MAX_TENANT_SERIES]:
        sessionmaker = request.app.state.sessionmaker
        async with tenant_transaction(sessionmaker, uuid.UUID(customer_id)) as session:
            slo = await forecast_slo(session, settings=settings, now=now)
        if slo.age_hours is not None:
            ages[customer_id] = slo.age_hours
    return ages


async def _scrape_time_families(request: Request, settings: Settings) -> list[Metric]:
    up = GaugeMetricFamily(
        "shelfops_metrics_source_up",
        "Whether a scrape-time source answered (1) or failed (0) during this scrape.",
        labels=["source"],
    )
    families: list[Metric] = [up]
    if settings.broker_url is not None:
        queue = GaugeMetricFamily(
            "shelfops_celery_queue_length",
            "Messages waiting in a Celery queue on the broker.",
            labels=["queue"],
        )
        try:
            for name, length in (await queue_lengths(settings)).items():
                queue.add_metric([name], length)
            up.add_metric(["broker"], 1)
            families.append(queue)
        except Exception as exc:  # a broker down must not take the other metrics with it
            log.warning("queue lengths unavailable: %s", type(exc).__name__)
            up.add_metric(["broker"], 0)
    age = GaugeMetricFamily(
        "shelfops_forecast_age_hours",
        "Hours since the tenant's newest forecast issue was written.",
        labels=["customer_id"],
    )
    try:
        for customer_id, hours in (await forecast_ages(request, settings)).items():
            age.add_metric([customer_id], hours)
        up.add_metric(["database"], 1)
        families.append(age)
    except Exception as exc:  # as above: report the failure, keep the rest
        log.warning("forecast ages unavailable: %s", type(exc).__name__)
        up.add_metric(["database"], 0)
    return families


async def require_scraper(
    request: Request,
    sessionmaker: SessionmakerDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let through the metrics token or an admin API key of any tenant."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <metrics token or admin API key>'")
    token = settings.metrics_token
    if token is not None and hmac.compare_digest(
        credentials.credentials.encode(), token.get_secret_value().encode()
    ):
        return
    if keys.tenant_of_key(credentials.credentials) is None:
        raise Unauthorized("not the metrics token, and not an API key")
    principal = await authenticate(request, sessionmaker, credentials)
    if not principal.has_role(Role.ADMIN):
        raise Forbidden(
            f"metrics need an admin key or the metrics token; your key is {principal.role.value}"
        )


router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    operation_id="getMetrics",
    include_in_schema=False,
    dependencies=[Depends(require_scraper)],
)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text exposition of the API process and the scrape-time gauges."""
    http: HttpMetrics = request.app.state.http_metrics
    snapshot = CollectorRegistry()
    snapshot.register(_Snapshot(await _scrape_time_families(request, settings)))
    body = generate_latest(REGISTRY) + generate_latest(http.registry) + generate_latest(snapshot)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
