"""The SQL onboarding needs of its own: the time zones of the tenant's stores (for the
business day of a timestamp). Code lookups and writes go through ``shelfops.ingest``."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import Store


async def store_timezones(session: AsyncSession, *, customer_id: uuid.UUID) -> dict[str, str]:
    """The tenant's store codes with their IANA time zones."""
    result = await session.execute(
        select(Store.store_code, Store.timezone).where(Store.customer_id == customer_id)
    )
    return {code: zone for code, zone in result}
