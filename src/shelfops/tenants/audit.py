"""The audit trail: who did what to which resource, with the state before and after.

Every human action on the governance loop (promotion, rollback, alert actions,
experiment decisions) writes one row here in the same transaction as the change itself,
so a change without its audit row cannot be committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.models import AuditLog
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
