"""Stock alerts: raised by the replenishment daily job, worked by planners.

Types raised by the job (``dedupe_key = f"{type}:{store_id}:{product_id}"``):

=======================  ==========  ================================================
``stockout_predicted``   critical    out of stock, or under one day of supply left
                         warning     fewer days of supply than the supplier's lead time
``reorder_recommended``  info        the policy's order quantity is above 0
``phantom_stock``        warning     stock on hand but sales stopped (see ``phantom.py``)
=======================  ==========  ================================================

**Never duplicated.** A partial unique index over open and acknowledged alerts makes the
database itself refuse a second open alert with the same key, even when two jobs race
(``INSERT … ON CONFLICT DO NOTHING``). When the condition still holds on the next run,
the open alert is *refreshed* instead: its severity, message and metadata show today's
numbers (a warning becomes critical as stock runs down), its status and timestamps stay.

**Auto-resolved.** An open or acknowledged alert whose store × product the job evaluated
and found no longer in that condition (stock arrived, the order was placed, sales came
back) is set to ``resolved`` with ``resolved_at``, and its metadata gets
``auto_resolved_on`` (the job's date) so a reader can tell it from a person's
resolution. Series the job skipped (no inventory, bad input) keep their alerts.

**People** move alerts: open → acknowledged → resolved | dismissed, or open → resolved |
dismissed directly. Anything else is a 409 naming the current status. Every move writes
an audit row. A resolved or dismissed alert is final; if the condition persists, the next
run raises a new alert (a dismissal silences today's alert, not the condition).

Services flush, never commit: the job or request that opened the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.kit.errors import Conflict, NotFound
from shelfops.models import Alert, AlertStatus, Severity
from shelfops.models.base import utcnow
from shelfops.replenishment import repository
from shelfops.replenishment.schemas import (
    AlertAction,
    StockAlertFilters,
    StockAlertPage,
    StockAlertRead,
    StockAlertType,
)
from shelfops.tenants import audit
from shelfops.tenants.service import Principal

STOCKOUT_PREDICTED = StockAlertType.STOCKOUT_PREDICTED.value
REORDER_RECOMMENDED = StockAlertType.REORDER_RECOMMENDED.value
PHANTOM_STOCK = StockAlertType.PHANTOM_STOCK.value
JOB_ALERT_TYPES = (STOCKOUT_PREDICTED, REORDER_RECOMMENDED, PHANTOM_STOCK)
AUDIT_RESOURCE = "stock_alert"

# Which statuses each action may start from, and where it leads.
_TRANSITIONS: dict[AlertAction, tuple[tuple[AlertStatus, ...], AlertStatus]] = {
    AlertAction.ACKNOWLEDGE: ((AlertStatus.OPEN,), AlertStatus.ACKNOWLEDGED),
    AlertAction.RESOLVE: ((AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), AlertStatus.RESOLVED),
    AlertAction.DISMISS: ((AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), AlertStatus.DISMISSED),
}


def dedupe_key(alert_type: str, store_id: int, product_id: int) -> str:
    """What an alert is about: at most one open alert per key and tenant."""
    return f"{alert_type}:{store_id}:{product_id}"


@dataclass(frozen=True)
class StockAlert:
    """An alert the job wants open for one store × product."""

    alert_type: str
    store_id: int
    product_id: int
    severity: Severity
    message: str
    metadata: dict[str, Any]


@dataclass
class AlertSync:
    """What :func:`sync_alerts` changed."""

    raised: dict[str, int] = field(default_factory=dict)
    """New alerts per type."""
    refreshed: int = 0
    """Open alerts whose condition still holds (updated where today's numbers differ)."""
    resolved: dict[str, int] = field(default_factory=dict)
    """Open alerts per type whose condition cleared (auto-resolved)."""


async def sync_alerts(
    session: AsyncSession,
    *,
    wanted: Sequence[StockAlert],
    evaluated: Mapping[str, pl.DataFrame],
    as_of: dt.date,
) -> AlertSync:
    """Make the open alerts of the types in ``evaluated`` match ``wanted``.

    ``evaluated`` maps an alert type to the store × product pairs (``store_id,
    product_id`` frame) whose condition the job checked; ``wanted`` are those where it
    holds. New keys are inserted (never duplicating an open alert), open ones refreshed,
    and open ones of evaluated pairs not wanted any more are resolved.
    """
    customer_id = tenant_of(session)
    types = list(evaluated)
    sync = AlertSync(raised={t: 0 for t in types}, resolved={t: 0 for t in types})
    existing = await repository.open_alerts(session, customer_id=customer_id, alert_types=types)
    open_by_key = {alert.dedupe_key: alert for alert in existing if alert.dedupe_key}
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    refreshes: list[dict[str, Any]] = []
    wanted_keys: set[str] = set()
    for alert in wanted:
        key = dedupe_key(alert.alert_type, alert.store_id, alert.product_id)
        wanted_keys.add(key)
        found = open_by_key.get(key)
        if found is None:
            inserts.append(
                {
                    "alert_id": uuid.uuid4(),
                    "customer_id": customer_id,
                    "store_id": alert.store_id,
                    "product_id": alert.product_id,
                    "alert_type": alert.alert_type,
                    "severity": alert.severity.value,
                    "message": alert.message,
                    "alert_metadata": alert.metadata,
                    "dedupe_key": key,
                    "status": AlertStatus.OPEN.value,
                    "created_at": now,
                }
            )
            sync.raised[alert.alert_type] = sync.raised.get(alert.alert_type, 0) + 1
            continue
        sync.refreshed += 1
        # Unchanged numbers are not rewritten (most of a quiet day's alerts).
        if (found.severity, found.message, found.metadata) != (
            alert.severity.value,
            alert.message,
            alert.metadata,
        ):
            refreshes.append(
                {
                    "alert_id": found.alert_id,
                    "severity": alert.severity.value,
                    "message": alert.message,
                    "alert_metadata": alert.metadata,
                }
            )
    await repository.insert_alerts_unless_open(session, inserts)
    await repository.update_alerts(session, refreshes)

    cleared = [
        alert
        for alert in existing
        if alert.dedupe_key
        and alert.dedupe_key not in wanted_keys
        and alert.store_id is not None
        and alert.product_id is not None
    ]
    if not cleared:
        return sync
    candidates = pl.DataFrame(
        {
            "row": list(range(len(cleared))),
            "alert_type": [a.alert_type for a in cleared],
            "store_id": [a.store_id for a in cleared],
            "product_id": [a.product_id for a in cleared],
        },
        schema={
            "row": pl.Int64(),
            "alert_type": pl.String(),
            "store_id": pl.Int64(),
            "product_id": pl.Int64(),
        },
    )
    resolve: list[int] = []
    for alert_type, pairs in evaluated.items():
        checked = candidates.filter(pl.col("alert_type") == alert_type).join(
            pairs.select("store_id", "product_id").unique(),
            on=["store_id", "product_id"],
            how="semi",
        )
        resolve.extend(checked["row"].to_list())
        sync.resolved[alert_type] = checked.height
    await repository.update_alerts(
        session,
        [
            {
                "alert_id": cleared[row].alert_id,
                "status": AlertStatus.RESOLVED.value,
                "resolved_at": now,
                "alert_metadata": {
                    **(cleared[row].metadata or {}),
                    "auto_resolved_on": as_of.isoformat(),
                },
            }
            for row in resolve
        ],
        # The alerts were read at the start of the job: one a person acknowledged is
        # still resolved, one a person dismissed or resolved meanwhile keeps that decision.
        only_if_status=repository.OPEN_ALERT_STATUSES,
    )
    return sync


# --- API ----------------------------------------------------------------------------------


#: Validates a whole page of alert rows in one call.
_ALERTS = TypeAdapter(list[StockAlertRead])


def _read(row: repository.AlertRow) -> StockAlertRead:
    alert, store_code, product_code, product_name = row
    return StockAlertRead.model_validate(
        {
            **{name: getattr(alert, name) for name in StockAlertRead.ALERT_COLUMNS},
            "metadata": alert.alert_metadata,
            "store_code": store_code,
            "product_code": product_code,
            "product_name": product_name,
        }
    )


async def list_alerts(session: AsyncSession, *, filters: StockAlertFilters) -> StockAlertPage:
    """The tenant's stock alerts matching ``filters``: most severe first (critical,
    warning, info), then newest first."""
    rows, total = await repository.list_alerts(
        session,
        customer_id=tenant_of(session),
        statuses=[s.value for s in filters.status] if filters.status else None,
        alert_type=None if filters.type is None else filters.type.value,
        severity=filters.severity.value if filters.severity else None,
        store_id=filters.store_id,
        product_id=filters.product_id,
        limit=filters.limit,
        offset=filters.offset,
    )
    # The rows' columns are named as the items' fields: validated from dicts in one call.
    items = _ALERTS.validate_python(repository.row_dicts(rows))
    return StockAlertPage.build(items, total=total, params=filters)


async def get_alert(session: AsyncSession, *, alert_id: uuid.UUID) -> StockAlertRead:
    """One stock alert of the tenant; 404 when there is none (or another tenant's)."""
    row = await repository.get_alert(session, customer_id=tenant_of(session), alert_id=alert_id)
    if row is None:
        raise NotFound(f"no stock alert with id {alert_id}")
    return _read(row)


async def act_on_alert(
    session: AsyncSession,
    *,
    alert_id: uuid.UUID,
    action: AlertAction,
    actor: Principal,
    notes: str | None = None,
) -> StockAlertRead:
    """Acknowledge, resolve or dismiss an alert (flows in the module docstring), with an
    audit row naming who and why. An illegal move is a 409 and changes nothing."""
    # Locked: of two planners acting at once, the second sees the first's result.
    row = await repository.get_alert(
        session, customer_id=tenant_of(session), alert_id=alert_id, for_update=True
    )
    if row is None:
        raise NotFound(f"no stock alert with id {alert_id}")
    alert: Alert = row[0]
    sources, target = _TRANSITIONS[action]
    if alert.status not in {s.value for s in sources}:
        allowed = " or ".join(s.value for s in sources)
        raise Conflict(
            f"cannot {action.value} stock alert {alert_id}: it is {alert.status}, and only "
            f"an alert that is {allowed} can be {target.value}"
        )
    before = {"status": alert.status}
    now = utcnow()
    alert.status = target.value
    if target is AlertStatus.ACKNOWLEDGED:
        alert.acknowledged_at = now
    else:
        alert.resolved_at = now
    await repository.flush(session)
    await audit.record(
        session,
        actor=actor,
        action=f"{AUDIT_RESOURCE}.{action.value}",
        resource_type=AUDIT_RESOURCE,
        resource_id=str(alert.alert_id),
        before=before,
        after={"status": alert.status},
        note=notes,
    )
    return _read(row)
