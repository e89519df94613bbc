"""The audit trail: who did what to which resource, with the state before and after.

Every action gated to the admin or ml_manager role (catalog deletions, file uploads,
promotion, rollback, retrains, alert actions, experiment decisions), and the planners'
purchase-order and alert decisions, write one row here in the same transaction as the
change itself, so a change without its audit row cannot be committed. Admins read the
log at ``GET /api/v1/audit-log``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.models import AuditLog
from shelfops.tenants import repository
from shelfops.tenants.audit_schemas import AuditEntry, AuditFilters, AuditPage
from shelfops.tenants.service import Principal


async def record(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    resource_type: str,
    resource_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditLog:
    """Add one audit row for the session's tenant. ``actor=None`` means the system (a
    scheduled job); the API key's name is the human-readable actor otherwise."""
    row = AuditLog(
        customer_id=tenant_of(session),
        actor_api_key_id=actor.api_key_id if actor else None,
        actor=actor.key_name if actor else "system",
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        before=before,
        after=after,
        note=note,
    )
    session.add(row)
    await session.flush()
    return row


async def list_entries(session: AsyncSession, *, filters: AuditFilters) -> AuditPage:
    """The tenant's audit rows matching ``filters``, newest first, one page at a time."""
    action: str | None = filters.action
    family: str | None = None
    if filters.action is not None and filters.action.endswith(".*"):
        # Keep the dot: "model." matches "model.promote" but not "modeling".
        action, family = None, filters.action[:-1]
    rows, total = await repository.list_audit_entries(
        session,
        customer_id=tenant_of(session),
        action=action,
        action_family=family,
        actor=filters.actor,
        resource_type=filters.resource_type,
        since=filters.since,
        until=filters.until,
        limit=filters.limit,
        offset=filters.offset,
    )
    return AuditPage.build(map(AuditEntry.model_validate, rows), total=total, params=filters)
