"""Operator-side tenant lookups for the CLI.

The CLI acts for a tenant named by slug or id. Resolving that name needs to see every
tenant, which the row-level-security-bound application role cannot (by design), so these
lookups use the schema owner's connection (the migration URL) and read nothing else.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shelfops.config import Settings
from shelfops.kit.db import engine_scope
from shelfops.kit.errors import BadRequest, NotFound
from shelfops.models import Customer


async def list_tenants(settings: Settings) -> list[Customer]:
    """Every tenant, oldest first."""
    async with (
        engine_scope(settings, url=settings.resolved_migration_url, as_app_role=False) as engine,
        engine.connect() as connection,
    ):
        rows = await connection.execute(select(Customer).order_by(Customer.created_at))
        return [Customer(**row._asdict()) for row in rows]


async def resolve_tenant(settings: Settings, ref: str | None) -> Customer:
    """The tenant named by slug or UUID; with no name, the only tenant there is."""
    tenants = await list_tenants(settings)
    if ref is None:
        if len(tenants) == 1:
            return tenants[0]
        if not tenants:
            raise NotFound("no tenant exists yet; run `shelfops init` first")
        names = ", ".join(t.slug for t in tenants)
        raise BadRequest(f"several tenants exist ({names}); choose one with --tenant")
    for tenant in tenants:
        if tenant.slug == ref or _same_uuid(tenant.customer_id, ref):
            return tenant
    raise NotFound(f"no tenant with slug or id {ref!r}")


def _same_uuid(customer_id: uuid.UUID, ref: str) -> bool:
    try:
        return customer_id == uuid.UUID(ref)
    except ValueError:
        return False
