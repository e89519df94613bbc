"""HTTP routes for ML alerts (``/api/v1/ml-alerts``, seed 003).

Any valid API key may list, read and mark alerts as read; approving or dismissing needs
the ml_manager role (or admin). Route docstrings are the OpenAPI descriptions.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from shelfops.api.deps import MLManagerDep, SessionDep
from shelfops.monitoring import alerts_service as service
from shelfops.monitoring.alerts_schemas import (
    MLAlertActionRequest,
    MLAlertActionResult,
    MLAlertFilters,
    MLAlertPage,
    MLAlertRead,
    MLAlertStats,
)
from shelfops.registry.deps import MirrorLaterDep

router = APIRouter(prefix="/ml-alerts", tags=["ml-alerts"])

AlertId = Annotated[uuid.UUID, Path(description="The alert's `ml_alert_id`.")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such alert for this tenant (other tenants' alerts look the same)."}
}
_CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The alert is already actioned or dismissed; nothing changed."}
}


@router.get("", operation_id="listMlAlerts")
async def list_ml_alerts(
    session: SessionDep, filters: Annotated[MLAlertFilters, Query()]
) -> MLAlertPage:
    """List the tenant's ML alerts, optionally only one `status` (unread, read, actioned,
    dismissed) and/or one `severity` (critical, warning, info).

    Ordered by real severity, critical first, then warning, then info, and newest first
    within a severity. Note that seed 003's SQL (`ORDER BY severity DESC`) sorts the
    severity *text*, which puts warning before info before critical; this list puts
    critical first. `total` counts every match, not just this page.
    """
    return await service.list_alerts(session, filters=filters)


@router.get("/stats", operation_id="getMlAlertStats")
async def get_ml_alert_stats(session: SessionDep) -> MLAlertStats:
    """Unread alerts by severity (`unread`, `total_unread`) and alerts in each status
    (`by_status`)."""
    return await service.alert_stats(session)


@router.get("/{alert_id}", operation_id="getMlAlert", responses=_NOT_FOUND)
async def get_ml_alert(session: SessionDep, alert_id: AlertId) -> MLAlertRead:
    """One alert with its `metadata`, status, timestamps and who acted on it, why."""
    return await service.get_alert(session, alert_id=alert_id)


@router.patch(
    "/{alert_id}/read", operation_id="markMlAlertRead", responses={**_NOT_FOUND, **_CLOSED}
)
async def mark_ml_alert_read(session: SessionDep, alert_id: AlertId) -> MLAlertRead:
    """Mark an unread alert as read (sets `read_at`). Marking a read alert again changes
    nothing (200). An actioned or dismissed alert is a 409. Any API key may do this."""
    return await service.mark_read(session, alert_id=alert_id)


@router.patch(
    "/{alert_id}/action",
    operation_id="actOnMlAlert",
    responses={
        **_NOT_FOUND,
        403: {"description": "The API key's role is below ml_manager."},
        409: {
            "description": "The alert is already actioned or dismissed, or approving a "
            "drift alert found no version to promote (retrain running, failed or skipped, "
            "or the registry refused); nothing changed."
        },
    },
)
async def act_on_ml_alert(
    principal: MLManagerDep,
    session: SessionDep,
    alert_id: AlertId,
    body: MLAlertActionRequest,
    mirror_later: MirrorLaterDep,
) -> MLAlertActionResult:
    """Approve (status → `actioned`) or dismiss (→ `dismissed`) an unread or read alert,
    with optional `notes`. Records who (`actioned_by`, the API key's name), when and why,
    and writes an audit row. Needs the ml_manager role.

    Approving a `drift_detected` alert whose metadata names its `retrain_id` promotes the
    version that retrain produced to champion (archiving the old champion) in the same
    transaction; `promoted_version` in the answer names it. If the retrain is still
    running, failed or was skipped, the answer is a 409 and nothing changes.
    """
    result = await service.act_on_alert(
        session, alert_id=alert_id, action=body.action, notes=body.notes, actor=principal
    )
    if result.promoted_version is not None:
        mirror_later(principal.customer_id)
    return result
