"""Freshness objectives (SLOs) of a tenant, and the alert raised while one is breached.

Three objectives, each "the newest evidence is at most N hours old":

* **forecast_freshness** — the newest forecast issue (the latest ``issue_date`` that
  ``GET /forecasts/freshness`` reports) was written at most
  ``SHELFOPS_SLO_FORECAST_MAX_AGE_HOURS`` (26) ago: the nightly forecast job ran.
* **accuracy_freshness** — the latest scored forecast day was scored at most
  ``SHELFOPS_SLO_ACCURACY_MAX_AGE_HOURS`` (26) ago: the nightly accuracy job ran and
  found actuals to score.
* **sync_freshness** — every source a contract profile declares delivered data within its
  own SLA (the integrations' sync health, ``GET /api/v1/integrations/sync-health``); the source
  measured is the one furthest past (or closest to) its SLA.

An objective with nothing to measure is ``no_data``. :func:`evaluate` only reads (the
endpoint); :func:`check_slos` (the scheduled job) raises one ``slo_breached`` ML alert per
breached objective, never duplicated while it is open (``dedupe_key = slo:<name>``).
Sync breaches are not alerted here: the SLA check already raises an
``integration_sla_breach`` alert per late source.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations.health import tenant_sync_health
from shelfops.integrations.schemas import Freshness, SourceHealth
from shelfops.kit.db import tenant_of, tenant_transaction
from shelfops.models import Severity
from shelfops.models.base import utcnow
from shelfops.monitoring import slo_repository as repository
from shelfops.monitoring.alerts_service import raise_alert
from shelfops.monitoring.forecast_views import freshness
from shelfops.monitoring.forecast_views_schemas import ForecastFreshness
from shelfops.monitoring.slo_schemas import SloName, SloRead, SloReport, SloStatus

SLO_ALERT_TYPE = "slo_breached"
DEDUPE_PREFIX = "slo:"
CRITICAL_FACTOR = 2.0
"""A breach older than this many times the objective is critical (a warning before)."""
#: Objectives whose breach raises an ML alert (sync has its own SLA alerts).
ALERTED = (SloName.FORECAST_FRESHNESS, SloName.ACCURACY_FRESHNESS)


def _hours(now: dt.datetime, then: dt.datetime) -> float:
    return (now - then).total_seconds() / 3600


def judge(
    name: SloName,
    *,
    measured_at: dt.datetime | None,
    objective_hours: float,
    now: dt.datetime,
    detail: str,
) -> SloRead:
    """An objective's status: breached when strictly older than ``objective_hours``."""
    if measured_at is None:
        return SloRead(
            name=name,
            status=SloStatus.NO_DATA,
            age_hours=None,
            objective_hours=objective_hours,
            measured_at=None,
            detail=detail,
        )
    age = _hours(now, measured_at)
    return SloRead(
        name=name,
        status=SloStatus.BREACHED if age > objective_hours else SloStatus.OK,
        age_hours=round(age, 3),
        objective_hours=objective_hours,
        measured_at=measured_at,
        detail=detail,
    )


async def forecast_slo(
    session: AsyncSession,
    *,
    settings: Settings,
    now: dt.datetime,
    fresh: ForecastFreshness | None = None,
) -> SloRead:
    """How old the session tenant's newest forecast issue is (``fresh``: the tenant's
    freshness when the caller has read it already)."""
    issue = (fresh or await freshness(session)).latest_issue_date
    written = None
    if issue is not None:
        written = await repository.issue_written_at(
            session, customer_id=tenant_of(session), issue_date=issue
        )
    return judge(
        SloName.FORECAST_FRESHNESS,
        measured_at=written,
        objective_hours=settings.slo_forecast_max_age_hours,
        now=now,
        detail=f"forecasts issued for {issue} written" if issue else "no forecast issued yet",
    )


async def accuracy_slo(
    session: AsyncSession,
    *,
    settings: Settings,
    now: dt.datetime,
    fresh: ForecastFreshness | None = None,
) -> SloRead:
    """How long ago the session tenant's latest scored day was scored (``fresh`` as in
    :func:`forecast_slo`)."""
    day = (fresh or await freshness(session)).latest_accuracy_date
    scored = None
    if day is not None:
        scored = await repository.day_scored_at(
            session, customer_id=tenant_of(session), forecast_date=day
        )
    return judge(
        SloName.ACCURACY_FRESHNESS,
        measured_at=scored,
        objective_hours=settings.slo_accuracy_max_age_hours,
        now=now,
        detail=f"forecasts of {day} scored" if day else "no forecast scored yet",
    )


def _sync_read(sources: list[SourceHealth]) -> SloRead:
    """The configured source furthest past (or closest to) its SLA decides."""
    synced = [s for s in sources if s.configured and s.freshness_hours is not None]
    if not synced:
        return SloRead(
            name=SloName.SYNC_FRESHNESS,
            status=SloStatus.NO_DATA,
            age_hours=None,
            objective_hours=None,
            measured_at=None,
            detail="no configured source has delivered data yet",
        )
    worst = max(synced, key=lambda s: (s.freshness_hours or 0.0) - s.sla_hours)
    return SloRead(
        name=SloName.SYNC_FRESHNESS,
        status=SloStatus.BREACHED if worst.status is Freshness.BREACHED else SloStatus.OK,
        age_hours=round(worst.freshness_hours or 0.0, 3),
        objective_hours=worst.sla_hours,
        measured_at=worst.last_success_at,
        detail=f"source {worst.source_name} ({worst.integration_type}) last delivered data",
    )


async def sync_slo(session: AsyncSession, *, settings: Settings, now: dt.datetime) -> SloRead:
    """How fresh the session tenant's configured integration sources are."""
    health = await tenant_sync_health(session, settings=settings, now=now)
    return _sync_read(health.sources)


def overall(objectives: list[SloRead]) -> SloStatus:
    """breached if any is breached, else ok if any is ok, else no_data."""
    found = {o.status for o in objectives}
    for status in (SloStatus.BREACHED, SloStatus.OK):
        if status in found:
            return status
    return SloStatus.NO_DATA


async def evaluate(
    session: AsyncSession, *, settings: Settings, now: dt.datetime | None = None
) -> SloReport:
    """Every objective of the session's tenant at ``now``. Reads only."""
    checked_at = now or utcnow()
    fresh = await freshness(session)
    objectives = [
        await forecast_slo(session, settings=settings, now=checked_at, fresh=fresh),
        await accuracy_slo(session, settings=settings, now=checked_at, fresh=fresh),
        await sync_slo(session, settings=settings, now=checked_at),
    ]
    return SloReport(status=overall(objectives), checked_at=checked_at, objectives=objectives)


@dataclass
class SloCheck:
    """What :func:`check_slos` found and raised (objective names)."""

    status: str
    breached: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The check as plain JSON (the worker log shows it)."""
        return asdict(self)


def _severity(slo: SloRead) -> Severity:
    late = slo.age_hours or 0.0
    limit = slo.objective_hours or 0.0
    return Severity.CRITICAL if late > CRITICAL_FACTOR * limit else Severity.WARNING


async def check_slos(
    session: AsyncSession, *, settings: Settings, now: dt.datetime | None = None
) -> SloCheck:
    """Evaluate the session tenant's objectives and raise an ``slo_breached`` alert for each
    breached one that has no open alert yet. Flushes; the caller commits."""
    report = await evaluate(session, settings=settings, now=now)
    result = SloCheck(status=report.status.value)
    for slo in report.objectives:
        if slo.status is not SloStatus.BREACHED:
            continue
        result.breached.append(slo.name.value)
        if slo.name not in ALERTED:
            continue
        alert = await raise_alert(
            session,
            alert_type=SLO_ALERT_TYPE,
            severity=_severity(slo),
            title=f"SLO breached: {slo.name.value.replace('_', ' ')}",
            message=(
                f"{slo.detail} {slo.age_hours:g} h ago; the objective is at most "
                f"{slo.objective_hours:g} h"
            ),
            dedupe_key=f"{DEDUPE_PREFIX}{slo.name.value}",
            metadata={
                "slo": slo.name.value,
                "age_hours": slo.age_hours,
                "objective_hours": slo.objective_hours,
                "measured_at": slo.measured_at.isoformat() if slo.measured_at else None,
            },
            action_url="/api/v1/slo",
        )
        if alert is not None:
            result.raised.append(slo.name.value)
    return result


async def run_slo_check(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> SloCheck:
    """The scheduled SLO check of one tenant, in its own transaction."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        return await check_slos(session, settings=settings, now=now)
