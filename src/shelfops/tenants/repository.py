"""SQL for tenants and API keys."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import ApiKey, Customer, CustomerStatus


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer | None:
    """The tenant row, or None."""
    return await session.get(Customer, customer_id)


async def get_customer_by_slug(session: AsyncSession, slug: str) -> Customer | None:
    """The tenant with ``slug`` visible to this session, or None."""
    result = await session.execute(select(Customer).where(Customer.slug == slug))
    return result.scalar_one_or_none()


async def find_active_key(
    session: AsyncSession, *, customer_id: uuid.UUID, digest: str
) -> ApiKey | None:
    """The tenant's unrevoked key with this hash, or None (also when the tenant is
    suspended: its keys stop working without being revoked one by one)."""
    result = await session.execute(
        select(ApiKey)
        .join(Customer, Customer.customer_id == ApiKey.customer_id)
        .where(
            ApiKey.customer_id == customer_id,
            ApiKey.key_hash == digest,
            ApiKey.revoked_at.is_(None),
            Customer.status != CustomerStatus.SUSPENDED.value,
        )
    )
    return result.scalar_one_or_none()
