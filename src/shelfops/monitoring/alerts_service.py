"""ML alerts: raised by the monitoring jobs, read and acted on by people (seed 003).

Status flow: unread → read → actioned (approve) | dismissed (dismiss); an unread alert
may be acted on directly. Actioned and dismissed alerts are final.

Jobs raise alerts with :func:`raise_alert`, which never duplicates an *open* alert
(unread or read) about the same thing: the ``dedupe_key`` says what the alert is about,
and a partial unique index on ``(customer_id, dedupe_key)`` over open alerts makes the
database itself refuse a second one, even when two jobs race. Once the alert is
actioned or dismissed, the same key may be raised again.

Approving a ``drift_detected`` alert that names its retrain (``metadata.retrain_id``)
promotes the version that retrain produced through the registry, in the same
transaction: a drift retrain's result only becomes champion when a person says so.

Services flush, never commit: the request or job that opened the transaction commits.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound
from shelfops.models import MLAlert, MLAlertStatus, ModelRetrainingLog, RunStatus, Severity
from shelfops.models.base import utcnow
from shelfops.monitoring import alerts_repository as repository
from shelfops.monitoring.alerts_schemas import (
    AlertAction,
    MLAlertActionResult,
    MLAlertFilters,
    MLAlertPage,
    MLAlertRead,
    MLAlertStats,
    SeverityCounts,
    StatusCounts,
)
from shelfops.registry import service as registry
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

# The alert type of the drift job; approving one of these promotes its retrain's result.
DRIFT_ALERT_TYPE = "drift_detected"
AUDIT_RESOURCE = "ml_alert"

_FINAL_STATUS = {
    AlertAction.APPROVE: MLAlertStatus.ACTIONED,
    AlertAction.DISMISS: MLAlertStatus.DISMISSED,
}


async def raise_alert(
    session: AsyncSession,
    *,
    alert_type: str,
    severity: Severity,
    title: str,
    message: str,
    dedupe_key: str | None,
    metadata: dict[str, Any] | None = None,
    action_url: str | None = None,
) -> MLAlert | None:
    """Create an unread alert for the session's tenant, or return None (creating nothing)
    when an open alert (unread or read) with the same ``dedupe_key`` already exists.

    ``dedupe_key=None`` never deduplicates. Safe against concurrent jobs: the database's
    unique index over open alerts decides in the insert itself (``ON CONFLICT DO
    NOTHING``), so two racing jobs raise one alert, and the caller's transaction stays
    usable either way.
    """
    return await repository.insert_alert_unless_open(
        session,
        values={
            "customer_id": tenant_of(session),
            "alert_type": alert_type,
            "severity": Severity(severity).value,
            "title": title,
            "message": message,
            "alert_metadata": metadata,
            "action_url": action_url,
            "dedupe_key": dedupe_key,
            "status": MLAlertStatus.UNREAD.value,
            "created_at": utcnow(),
        },
    )


async def list_alerts(session: AsyncSession, *, filters: MLAlertFilters) -> MLAlertPage:
    """The tenant's alerts matching ``filters``, most severe first (critical, warning,
    info), then newest first."""
    rows, total = await repository.list_alerts(
        session,
        customer_id=tenant_of(session),
        status=filters.status.value if filters.status else None,
        severity=filters.severity.value if filters.severity else None,
        limit=filters.limit,
        offset=filters.offset,
    )
    return MLAlertPage.build(map(MLAlertRead.model_validate, rows), total=total, params=filters)


async def alert_stats(session: AsyncSession) -> MLAlertStats:
    """Unread alerts per severity and alerts per status, for the tenant."""
    counts = await repository.count_by_status_and_severity(session, customer_id=tenant_of(session))
    unread = {severity.value: 0 for severity in Severity}
    by_status = {status.value: 0 for status in MLAlertStatus}
    for status, severity, count in counts:
        by_status[status] += count
        if status == MLAlertStatus.UNREAD.value:
            unread[severity] += count
    return MLAlertStats(
        unread=SeverityCounts(**unread),
        total_unread=by_status[MLAlertStatus.UNREAD.value],
        by_status=StatusCounts(**by_status),
    )


async def _alert(session: AsyncSession, alert_id: uuid.UUID, *, for_update: bool) -> MLAlert:
    alert = await repository.get_alert(
        session, customer_id=tenant_of(session), alert_id=alert_id, for_update=for_update
    )
    if alert is None:
        # The same answer whether the id is unused or another tenant's: never reveal which.
        raise NotFound(f"no ML alert with id {alert_id}")
    return alert


def _closed(alert: MLAlert) -> Conflict:
    when = alert.actioned_at.isoformat() if alert.actioned_at else "an unknown time"
    return Conflict(
        f"ML alert {alert.ml_alert_id} is already {alert.status} (by {alert.actioned_by} at "
        f"{when}); actioned and dismissed alerts cannot change"
    )


async def get_alert(session: AsyncSession, *, alert_id: uuid.UUID) -> MLAlertRead:
    """One alert of the tenant with its metadata and history; 404 when there is none."""
    return MLAlertRead.model_validate(await _alert(session, alert_id, for_update=False))


async def mark_read(session: AsyncSession, *, alert_id: uuid.UUID) -> MLAlertRead:
    """unread → read. Reading a read alert again changes nothing; an actioned or
    dismissed alert is a 409."""
    # Locked so that a concurrent approve cannot be overwritten back to 'read'.
    alert = await _alert(session, alert_id, for_update=True)
    if alert.status == MLAlertStatus.UNREAD.value:
        alert.status = MLAlertStatus.READ.value
        alert.read_at = utcnow()
        await session.flush()
    elif alert.status != MLAlertStatus.READ.value:
        raise _closed(alert)
    return MLAlertRead.model_validate(alert)


def _retrain_id(alert: MLAlert) -> uuid.UUID | None:
    """The drift retrain an alert names, if it is a drift alert that names one."""
    if alert.alert_type != DRIFT_ALERT_TYPE or not alert.alert_metadata:
        return None
    value = alert.alert_metadata.get("retrain_id")
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Conflict(
            f"the alert's metadata names retrain_id {value!r}, which is not a retrain id; "
            "dismiss this alert instead"
        ) from None


def _promotable_version(log: ModelRetrainingLog) -> str:
    """The version a drift retrain produced, or a 409 saying why there is none."""
    if log.status == RunStatus.FAILED.value:
        raise Conflict(
            f"the drift retrain {log.retrain_id} failed ({log.error_message or 'no reason'}), "
            "so there is no version to promote; dismiss this alert or start a new retrain"
        )
    if log.status == RunStatus.SKIPPED.value:
        raise Conflict(
            f"the drift retrain {log.retrain_id} was skipped "
            f"({log.error_message or 'no reason'}), so there is no version to promote; "
            "dismiss this alert or start a new retrain"
        )
    if log.status == RunStatus.RUNNING.value or log.version_produced is None:
        raise Conflict(
            f"the drift retrain has not produced a version yet (retrain {log.retrain_id} is "
            f"{log.status}); approve again once it has completed"
        )
    return log.version_produced


async def _promote_drift_retrain(
    session: AsyncSession,
    *,
    alert: MLAlert,
    retrain_id: uuid.UUID,
    actor: Principal,
    notes: str | None,
) -> str:
    log = await repository.get_retrain(
        session, customer_id=tenant_of(session), retrain_id=retrain_id
    )
    if log is None:
        raise Conflict(f"the drift retrain {retrain_id} this alert names does not exist")
    version = _promotable_version(log)
    try:
        promoted = await registry.promote(
            session,
            version=version,
            actor=actor,
            reason=notes or "approved drift alert",
            source=f"ml_alert:{alert.ml_alert_id}",
            model_name=log.model_name,
        )
    except NotFound as exc:
        # The alert exists; what it points at does not, which is a state problem (409),
        # not a missing alert (404).
        raise Conflict(
            f"the drift retrain's version {version} cannot be promoted: {exc.detail}"
        ) from exc
    return promoted.version


async def act_on_alert(
    session: AsyncSession,
    *,
    alert_id: uuid.UUID,
    action: AlertAction,
    notes: str | None,
    actor: Principal,
) -> MLAlertActionResult:
    """Approve (→ actioned) or dismiss (→ dismissed) an unread or read alert, recording
    who, when and why, with an audit row. An alert already actioned or dismissed is a 409.

    Approving a drift alert that names its retrain promotes the retrain's version to
    champion first; if that is refused (the retrain is running, failed or was skipped,
    or the registry refuses), nothing changes and the answer is a 409.
    """
    notes = notes or None  # blank notes (whitespace is stripped) mean no notes
    # Locked: of two people acting at once, the second gets the 409, and a drift
    # retrain is never promoted twice.
    alert = await _alert(session, alert_id, for_update=True)
    if alert.status not in repository.OPEN_STATUSES:
        raise _closed(alert)
    before = {"status": alert.status}
    promoted_version: str | None = None
    if action is AlertAction.APPROVE:
        retrain_id = _retrain_id(alert)
        if retrain_id is not None:
            promoted_version = await _promote_drift_retrain(
                session, alert=alert, retrain_id=retrain_id, actor=actor, notes=notes
            )
    alert.status = _FINAL_STATUS[action].value
    alert.actioned_at = utcnow()
    alert.actioned_by = actor.key_name
    alert.action_notes = notes
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=f"{AUDIT_RESOURCE}.{action.value}",
        resource_type=AUDIT_RESOURCE,
        resource_id=str(alert.ml_alert_id),
        before=before,
        after={"status": alert.status, "promoted_version": promoted_version},
        note=notes,
    )
    return MLAlertActionResult.model_validate(
        {**MLAlertRead.model_validate(alert).model_dump(), "promoted_version": promoted_version}
    )
