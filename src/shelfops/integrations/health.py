"""Sync health: how fresh each integration source is against its SLA, what its recent
runs did, and the alert raised while a source is late.

**Sources** of a tenant are its configured contract profiles (``source_name`` +
``source_type``) together with every (``integration_name``, ``integration_type``) seen in
``integration_sync_log`` — so a canonical CSV sent to ``POST /ingest`` shows up too (type
``csv``), and a configured source that never ran shows up as ``never_synced``.

**Freshness** is the time since the last *successful run that delivered records*
completed. A successful run that received nothing (a poll that found no new file, an empty
stream read) does not count: the SLA is about data arriving, and a feed that went quiet
must not look fresh because its poller keeps running.

**SLA** (hours): the profile's ``sla_hours``, else the default of the source type —
``sla_pos_hours`` for ``smb_csv`` and plain ``csv`` ingests, ``sla_file_hours`` for
``smb_sftp``, ``enterprise_sftp`` and ``enterprise_edi``, ``sla_event_hours`` for
``enterprise_event``; a type this module does not know gets ``sla_file_hours``, the most
lenient default. A source is ``breached`` when its freshness is strictly greater than
its SLA.

**Alert** (``check_sla``): only configured sources (a contract profile declares them)
are alerted on; a source known only from the log — a one-off CSV upload — is shown with
its type's default SLA but never pages anyone. One open ``integration_sla_breach`` alert
per source name
(``dedupe_key = "sync_sla:<source_name>"``) while it is breached — ``warning`` up to twice
its SLA, ``critical`` beyond — refreshed as it gets later, auto-resolved once the source
is fresh again. A person who resolves or dismisses the alert while the source is still
late silences *that outage*: the next outage (a later last success going stale) raises a
new alert. Idempotent: re-running the check changes nothing.

The freshness computation (:func:`assess`) is pure; the queries below it only gather its
inputs. Services flush, never commit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations.schemas import (
    Freshness,
    OverallStatus,
    SlaOrigin,
    SourceHealth,
    SyncCounts,
    SyncHealthRead,
    SyncLogFilters,
    SyncRunPage,
    SyncRunRead,
    SyncStatus,
)
from shelfops.kit.db import tenant_of, tenant_transaction
from shelfops.kit.errors import NotFound, ShelfOpsError
from shelfops.models import Alert, AlertStatus, Customer, IntegrationSyncLog, Severity
from shelfops.models.base import utcnow
from shelfops.replenishment import repository as alerts_repository
from shelfops.replenishment.schemas import StockAlertType

if TYPE_CHECKING:
    from shelfops.onboarding.profiles import ContractProfile

log = logging.getLogger(__name__)

SLA_ALERT_TYPE = StockAlertType.INTEGRATION_SLA_BREACH.value
DEDUPE_PREFIX = "sync_sla:"
CRITICAL_FACTOR = 2.0
"""A breach later than this many times the SLA is critical (a warning before)."""
WINDOW = dt.timedelta(hours=24)
"""The window of the per-source run counts."""

POS_TYPES = frozenset({"smb_csv", "csv"})
FILE_TYPES = frozenset({"smb_sftp", "enterprise_sftp", "enterprise_edi"})
EVENT_TYPES = frozenset({"enterprise_event"})

_DEDUPE_LENGTH = 200  # alerts.dedupe_key
_ERROR_STATUSES = (SyncStatus.FAILED.value, SyncStatus.REJECTED.value)
_CLOSED_STATUSES = (AlertStatus.RESOLVED.value, AlertStatus.DISMISSED.value)
_RANK = {Freshness.BREACHED: 0, Freshness.NEVER_SYNCED: 1, Freshness.OK: 2}


@dataclass(frozen=True)
class ConfiguredSource:
    """A source a contract profile declares."""

    source_name: str
    integration_type: str
    """The profile's ``source_type`` (what its runs write as ``integration_type``)."""
    sla_hours: float | None = None
    """The profile's SLA; None = the default of the type."""


@dataclass(frozen=True)
class SourceActivity:
    """What ``integration_sync_log`` says about one source."""

    source_name: str
    integration_type: str
    last_success_at: dt.datetime | None = None
    last_run_at: dt.datetime | None = None
    last_run_status: SyncStatus | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    last_24h: SyncCounts = field(default_factory=SyncCounts)


# --- the pure part ------------------------------------------------------------------------


def default_sla_hours(settings: Settings, integration_type: str) -> float:
    """The SLA of a source type when its profile sets none (see the module docstring)."""
    if integration_type in POS_TYPES:
        return settings.sla_pos_hours
    if integration_type in EVENT_TYPES:
        return settings.sla_event_hours
    return settings.sla_file_hours


def assess(
    configured: Iterable[ConfiguredSource],
    activity: Iterable[SourceActivity],
    *,
    settings: Settings,
    now: dt.datetime,
) -> list[SourceHealth]:
    """Freshness of every source (configured ∪ logged, matched on name and type) at
    ``now``, worst first: breached (most overdue first), never synced, ok; then by name.
    When two configured sources share a name and type, the later one wins."""
    declared = {(c.source_name, c.integration_type): c for c in configured}
    logged = {(a.source_name, a.integration_type): a for a in activity}
    sources = [
        _assess_one(declared.get(key), logged.get(key), key, settings=settings, now=now)
        for key in declared.keys() | logged.keys()
    ]
    return sorted(
        sources,
        key=lambda s: (
            _RANK[s.status],
            -(s.hours_over_sla or 0.0),
            s.source_name,
            s.integration_type,
        ),
    )


def _assess_one(
    declared: ConfiguredSource | None,
    logged: SourceActivity | None,
    key: tuple[str, str],
    *,
    settings: Settings,
    now: dt.datetime,
) -> SourceHealth:
    name, integration_type = key
    if declared is not None and declared.sla_hours is not None:
        sla, origin = declared.sla_hours, SlaOrigin.PROFILE
    else:
        sla, origin = default_sla_hours(settings, integration_type), SlaOrigin.DEFAULT
    seen = logged or SourceActivity(name, integration_type)
    freshness: float | None = None
    over: float | None = None
    if seen.last_success_at is None:
        status = Freshness.NEVER_SYNCED
    else:
        freshness = (now - seen.last_success_at).total_seconds() / 3600
        status = Freshness.BREACHED if freshness > sla else Freshness.OK
        over = freshness - sla if status is Freshness.BREACHED else None
    return SourceHealth(
        source_name=name,
        integration_type=integration_type,
        configured=declared is not None,
        status=status,
        sla_hours=sla,
        sla_origin=origin,
        last_success_at=seen.last_success_at,
        freshness_hours=freshness,
        hours_over_sla=over,
        last_run_at=seen.last_run_at,
        last_run_status=seen.last_run_status,
        last_error=seen.last_error,
        last_error_at=seen.last_error_at,
        last_24h=seen.last_24h,
    )


def overall_status(sources: Sequence[SourceHealth]) -> OverallStatus:
    """The worst status of ``sources`` (``no_sources`` for none)."""
    if not sources:
        return OverallStatus.NO_SOURCES
    worst = min((s.status for s in sources), key=_RANK.__getitem__)
    return OverallStatus(worst.value)


def breach_severity(source: SourceHealth) -> Severity:
    """How bad a breach is: critical beyond ``CRITICAL_FACTOR`` times the SLA."""
    late = source.freshness_hours or 0.0
    return Severity.CRITICAL if late > CRITICAL_FACTOR * source.sla_hours else Severity.WARNING


def sla_dedupe_key(source_name: str) -> str:
    """The alert key of a source; a very long name is shortened with a hash of it so the
    key fits its column and stays unique."""
    key = f"{DEDUPE_PREFIX}{source_name}"
    if len(key) <= _DEDUPE_LENGTH:
        return key
    digest = hashlib.sha256(source_name.encode()).hexdigest()[:16]
    keep = _DEDUPE_LENGTH - len(DEDUPE_PREFIX) - len(digest) - 1
    return f"{DEDUPE_PREFIX}{source_name[:keep]}~{digest}"


# --- configured sources --------------------------------------------------------------------


def profile_sources(profiles: Iterable[ContractProfile]) -> list[ConfiguredSource]:
    """The sources contract profiles declare; of several versions of one source, the
    highest version's SLA counts."""
    ordered = sorted(profiles, key=lambda p: p.version)
    return [
        ConfiguredSource(
            source_name=p.source_name,
            integration_type=str(p.source_type),
            sla_hours=p.sla_hours,
        )
        for p in ordered
    ]


async def load_configured_sources(
    settings: Settings, tenant_slug: str
) -> tuple[list[ConfiguredSource], list[str]]:
    """The sources of the tenant's contract profiles, and why they could not be read (a
    broken profile must not take sync health down with it: logged sources still count)."""
    if not (settings.contracts_dir / tenant_slug).is_dir():
        return [], []
    # Imported on use: onboarding pulls in the mapper and its dependencies.
    from shelfops.onboarding.profiles import tenant_profiles

    try:
        profiles = await asyncio.to_thread(tenant_profiles, settings, tenant_slug)
    except ShelfOpsError as exc:
        return [], _error_lines(exc)
    return profile_sources(profiles), []


def _error_lines(exc: ShelfOpsError) -> list[str]:
    """One line per problem (``ProfileInvalid`` lists them as ``detail["errors"]``, each
    naming its file and YAML path)."""
    detail = exc.detail
    if isinstance(detail, dict):
        errors = detail.get("errors")
        if isinstance(errors, list) and errors:
            return [str(error) for error in errors]
        detail = detail.get("message", detail)
    return [f"{exc.name}: {detail}"]


# --- services ------------------------------------------------------------------------------


async def sync_health(
    session: AsyncSession,
    *,
    settings: Settings,
    configured: Sequence[ConfiguredSource],
    now: dt.datetime | None = None,
    profile_errors: Sequence[str] = (),
) -> SyncHealthRead:
    """The session tenant's sources (``configured`` ∪ logged) against their SLAs."""
    checked_at = now or utcnow()
    activity = await source_activity(session, customer_id=tenant_of(session), now=checked_at)
    sources = assess(configured, activity, settings=settings, now=checked_at)
    return SyncHealthRead(
        status=overall_status(sources),
        checked_at=checked_at,
        sources=sources,
        profile_errors=list(profile_errors),
    )


async def tenant_sync_health(
    session: AsyncSession, *, settings: Settings, now: dt.datetime | None = None
) -> SyncHealthRead:
    """Sync health of the session's tenant with the sources of its contract profiles."""
    configured, errors = await load_configured_sources(settings, await tenant_slug(session))
    return await sync_health(
        session, settings=settings, configured=configured, now=now, profile_errors=errors
    )


@dataclass
class SlaCheck:
    """What :func:`check_sla` found and changed (source names)."""

    status: OverallStatus
    breached: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    """Open alerts whose numbers changed (e.g. a warning became critical)."""
    resolved: list[str] = field(default_factory=list)
    silenced: list[str] = field(default_factory=list)
    """Breached, but a person already closed this outage's alert."""
    profile_errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The check as plain JSON (the worker log shows it)."""
        return asdict(self)


async def check_sla(
    session: AsyncSession,
    *,
    settings: Settings,
    configured: Sequence[ConfiguredSource],
    now: dt.datetime | None = None,
    profile_errors: Sequence[str] = (),
) -> SlaCheck:
    """Raise, refresh or resolve the ``integration_sla_breach`` alerts of the session's
    tenant so that exactly its breached sources have one open (rules in the module
    docstring). Flushes; the caller commits."""
    checked_at = now or utcnow()
    health = await sync_health(session, settings=settings, configured=configured, now=checked_at)
    customer_id = tenant_of(session)
    result = SlaCheck(status=health.status, profile_errors=list(profile_errors))

    breached: dict[str, SourceHealth] = {}
    fresh: dict[str, SourceHealth] = {}
    for source in health.sources:  # worst first: the first breach of a name is its worst
        if not source.configured:
            # Only a source someone declared in a contract profile carries an SLA worth
            # waking people for; a one-off upload seen in the log is shown, not alerted.
            continue
        if source.status is Freshness.BREACHED:
            breached.setdefault(source.source_name, source)
        elif source.status is Freshness.OK:
            fresh.setdefault(source.source_name, source)
    for name in breached:
        fresh.pop(name, None)
    result.breached = sorted(breached)

    existing = await alerts_repository.open_alerts(
        session, customer_id=customer_id, alert_types=[SLA_ALERT_TYPE]
    )
    open_by_key = {a.dedupe_key: a for a in existing if a.dedupe_key}
    episodes = await closed_episodes(
        session,
        customer_id=customer_id,
        keys=[k for k in map(sla_dedupe_key, breached) if k not in open_by_key],
    )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for name, source in sorted(breached.items()):
        key = sla_dedupe_key(name)
        severity, message, metadata = _alert_content(source)
        found = open_by_key.get(key)
        if found is not None:
            if (found.severity, found.message, found.metadata) != (
                severity.value,
                message,
                metadata,
            ):
                updates.append(
                    {
                        "alert_id": found.alert_id,
                        "severity": severity.value,
                        "message": message,
                        "alert_metadata": metadata,
                    }
                )
                result.refreshed.append(name)
            continue
        if metadata["last_success_at"] in episodes.get(key, set()):
            result.silenced.append(name)
            continue
        inserts.append(
            {
                "alert_id": uuid.uuid4(),
                "customer_id": customer_id,
                "alert_type": SLA_ALERT_TYPE,
                "severity": severity.value,
                "message": message,
                "alert_metadata": metadata,
                "dedupe_key": key,
                "status": AlertStatus.OPEN.value,
                "created_at": checked_at,
            }
        )
        result.raised.append(name)

    for name, source in sorted(fresh.items()):
        found = open_by_key.get(sla_dedupe_key(name))
        if found is None:
            continue
        updates.append(
            {
                "alert_id": found.alert_id,
                "status": AlertStatus.RESOLVED.value,
                "resolved_at": checked_at,
                "alert_metadata": {
                    **(found.metadata or {}),
                    "auto_resolved_at": checked_at.isoformat(),
                    "synced_at": _iso(source.last_success_at),
                },
            }
        )
        result.resolved.append(name)

    await alerts_repository.insert_alerts_unless_open(session, inserts)
    await alerts_repository.update_alerts(session, updates)
    await session.flush()
    return result


def _alert_content(source: SourceHealth) -> tuple[Severity, str, dict[str, Any]]:
    """Severity, message and metadata of a breached source's alert. Only what changes with
    the outage goes in (not the growing age), so a quiet re-check rewrites nothing."""
    last = source.last_success_at
    since = last.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if last else "ever"
    message = (
        f"{source.source_name} ({source.integration_type}) has not synced successfully "
        f"since {since}; its SLA is {source.sla_hours:g} h"
    )
    metadata: dict[str, Any] = {
        "source_name": source.source_name,
        "integration_type": source.integration_type,
        "sla_hours": source.sla_hours,
        "sla_origin": source.sla_origin.value,
        "last_success_at": _iso(source.last_success_at),
        "last_run_status": source.last_run_status.value if source.last_run_status else None,
        "last_error": source.last_error,
    }
    return breach_severity(source), message, metadata


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


async def run_sla_check(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> SlaCheck:
    """The scheduled SLA check of one tenant, in its own transaction (the job of
    ``shelfops run-job check_sync_sla`` and of the Celery task of the same name)."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        configured, errors = await load_configured_sources(settings, await tenant_slug(session))
        for error in errors:
            log.warning("tenant %s: contract profiles unreadable: %s", customer_id, error)
        return await check_sla(
            session, settings=settings, configured=configured, now=now, profile_errors=errors
        )


async def list_sync_runs(session: AsyncSession, *, filters: SyncLogFilters) -> SyncRunPage:
    """The session tenant's sync runs matching ``filters``, newest first."""
    runs, total = await sync_log_page(
        session,
        customer_id=tenant_of(session),
        source=filters.source,
        integration_type=filters.type,
        status=filters.status.value if filters.status else None,
        limit=filters.limit,
        offset=filters.offset,
    )
    items = [
        SyncRunRead.model_validate(
            {
                **{name: getattr(run, name) for name in SyncRunRead.LOG_COLUMNS},
                "metadata": run.sync_metadata,
            }
        )
        for run in runs
    ]
    return SyncRunPage.build(items, total=total, params=filters)


# --- queries -------------------------------------------------------------------------------


async def tenant_slug(session: AsyncSession) -> str:
    """The slug of the session's tenant (names its contract-profile folder)."""
    customer = await session.get(Customer, tenant_of(session))
    if customer is None:
        raise NotFound(f"no tenant with id {tenant_of(session)}")
    return customer.slug


async def source_activity(
    session: AsyncSession, *, customer_id: uuid.UUID, now: dt.datetime
) -> list[SourceActivity]:
    """Per source in the tenant's sync log: last data-bearing success, latest run, latest
    error, and the counts of the runs started in the 24 hours before ``now``."""
    log_ = IntegrationSyncLog
    source = (log_.integration_type, log_.integration_name)
    recent = log_.started_at >= now - WINDOW
    finished = log_.sync_status != SyncStatus.RUNNING.value
    lost = case(
        (log_.records_received > log_.records_synced, log_.records_received - log_.records_synced),
        else_=0,
    )

    def total(condition: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    summary = await session.execute(
        select(
            *source,
            func.max(
                case(
                    (
                        and_(
                            log_.sync_status == SyncStatus.SUCCESS.value,
                            log_.records_received > 0,
                        ),
                        log_.completed_at,
                    )
                )
            ),
            total(recent),
            total(and_(recent, log_.sync_status == SyncStatus.FAILED.value)),
            total(and_(recent, log_.sync_status == SyncStatus.REJECTED.value)),
            total(recent, log_.records_received),
            total(recent, log_.records_synced),
            total(and_(recent, finished), lost),
        )
        .where(log_.customer_id == customer_id)
        .group_by(*source)
    )
    latest = {
        (row.integration_type, row.integration_name): row
        for row in await _latest_runs(session, customer_id=customer_id)
    }
    errors = {
        (row.integration_type, row.integration_name): row
        for row in await _latest_runs(session, customer_id=customer_id, errors_only=True)
    }
    found: list[SourceActivity] = []
    for kind, name, success, runs, failed, rejected, received, synced, lost_ in summary:
        last = latest.get((kind, name))
        error = errors.get((kind, name))
        found.append(
            SourceActivity(
                source_name=name,
                integration_type=kind,
                last_success_at=success,
                last_run_at=last.started_at if last else None,
                last_run_status=SyncStatus(last.sync_status) if last else None,
                last_error=error.error_message if error else None,
                last_error_at=error.started_at if error else None,
                last_24h=SyncCounts(
                    runs=runs,
                    failed=failed,
                    rejected=rejected,
                    records_in=received,
                    records_written=synced,
                    records_rejected=lost_,
                ),
            )
        )
    return found


async def _latest_runs(
    session: AsyncSession, *, customer_id: uuid.UUID, errors_only: bool = False
) -> Sequence[Any]:
    """The latest run (or latest failed/rejected run) of every source of the tenant."""
    log_ = IntegrationSyncLog
    rank = (
        func.row_number()
        .over(
            partition_by=(log_.integration_type, log_.integration_name),
            order_by=(log_.started_at.desc(), log_.sync_id.desc()),
        )
        .label("rank")
    )
    ranked = select(
        log_.integration_type,
        log_.integration_name,
        log_.sync_status,
        log_.started_at,
        log_.error_message,
        rank,
    ).where(log_.customer_id == customer_id)
    if errors_only:
        ranked = ranked.where(log_.sync_status.in_(_ERROR_STATUSES))
    runs = ranked.subquery()
    rows = await session.execute(
        select(
            runs.c.integration_type,
            runs.c.integration_name,
            runs.c.sync_status,
            runs.c.started_at,
            runs.c.error_message,
        ).where(runs.c.rank == 1)
    )
    return rows.all()


async def closed_episodes(
    session: AsyncSession, *, customer_id: uuid.UUID, keys: Sequence[str]
) -> dict[str, set[str]]:
    """Per SLA alert key, the outages (``last_success_at`` of the alert) whose alert was
    resolved or dismissed."""
    if not keys:
        return {}
    rows = await session.execute(
        select(Alert.dedupe_key, Alert.alert_metadata).where(
            Alert.customer_id == customer_id,
            Alert.alert_type == SLA_ALERT_TYPE,
            Alert.status.in_(_CLOSED_STATUSES),
            Alert.dedupe_key.in_(keys),
        )
    )
    episodes: dict[str, set[str]] = {}
    for key, metadata in rows:
        outage = (metadata or {}).get("last_success_at")
        if key is not None and isinstance(outage, str):
            episodes.setdefault(key, set()).add(outage)
    return episodes


async def sync_log_page(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    source: str | None,
    integration_type: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[IntegrationSyncLog], int]:
    """One page of the tenant's sync runs, newest first, and the number matching."""
    log_ = IntegrationSyncLog
    conditions = [log_.customer_id == customer_id]
    if source is not None:
        conditions.append(log_.integration_name == source)
    if integration_type is not None:
        conditions.append(log_.integration_type == integration_type)
    if status is not None:
        conditions.append(log_.sync_status == status)
    total = await session.scalar(select(func.count()).select_from(log_).where(*conditions))
    rows = await session.scalars(
        select(log_)
        .where(*conditions)
        .order_by(log_.started_at.desc(), log_.sync_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
