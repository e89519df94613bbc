"""SQL for tenants, API keys and the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import first_statement_binds_tenant, read_rows, tenant_of
from shelfops.models import ApiKey, AuditLog, Customer, CustomerStatus


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """The tenant row, or None."""
    return await session.get(Customer, customer_id)


async def get_customer_by_slug(session: AsyncSession, slug: str) -> Customer | None:
    """The tenant with ``slug`` visible to this session, or None."""
    result = await session.execute(select(Customer).where(Customer.slug == slug))
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class ActiveKey:
    """What authentication needs of an unrevoked key."""

    api_key_id: uuid.UUID
    name: str
    role: str
    key_hash: str


# Built once: every API request runs it (parsing the text per request costs under load).
_AUTHENTICATE = text(
    "SELECT api_key_id, name, role, key_hash FROM shelfops_authenticate(:tenant, :digest)"
)


async def find_active_key(session: AsyncSession, *, digest: str) -> ActiveKey | None:
    """The session tenant's unrevoked key with this hash, or None (also when the tenant
    is suspended: its keys stop working without being revoked one by one).

    On PostgreSQL this is the transaction's first statement when the session is fresh:
    ``shelfops_authenticate`` (migration 0010) binds the tenant and finds the key in one
    round trip, under row-level security."""
    customer_id = tenant_of(session)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        with first_statement_binds_tenant(session):
            result = await read_rows(
                session, _AUTHENTICATE, {"tenant": customer_id, "digest": digest}
            )
    else:
        result = await session.execute(
            select(ApiKey.api_key_id, ApiKey.name, ApiKey.role, ApiKey.key_hash)
            .join(Customer, Customer.customer_id == ApiKey.customer_id)
            .where(
                ApiKey.customer_id == customer_id,
                ApiKey.key_hash == digest,
                ApiKey.revoked_at.is_(None),
                Customer.status != CustomerStatus.SUSPENDED.value,
            )
        )
    row = result.one_or_none()
    return None if row is None else ActiveKey(row.api_key_id, row.name, row.role, row.key_hash)


async def list_audit_entries(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    action: str | None,
    action_family: str | None,
    actor: str | None,
    resource_type: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditLog], int]:
    """One page of the tenant's audit rows, newest first, and the number matching."""
    query = select(AuditLog).where(AuditLog.customer_id == customer_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if action_family is not None:
        # A plain prefix comparison, not LIKE: '%' and '_' in a filter mean themselves.
        query = query.where(func.substr(AuditLog.action, 1, len(action_family)) == action_family)
    if actor is not None:
        query = query.where(AuditLog.actor == actor)
    if resource_type is not None:
        query = query.where(AuditLog.resource_type == resource_type)
    if since is not None:
        query = query.where(AuditLog.created_at >= since)
    if until is not None:
        query = query.where(AuditLog.created_at < until)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        # The id breaks ties (several rows in one transaction share a timestamp).
        query.order_by(AuditLog.created_at.desc(), AuditLog.audit_id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)
