"""``GET /api/v1/me``: who the API key belongs to, so a client can show what its role allows."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shelfops.api.deps import PrincipalDep, SessionDep
from shelfops.kit.errors import NotFound
from shelfops.models import Role
from shelfops.tenants import repository

router = APIRouter(tags=["tenants"])


class Caller(BaseModel):
    """The tenant and role of the calling API key."""

    customer_id: uuid.UUID
    tenant_name: str = Field(description="The tenant's display name.")
    tenant_slug: str
    key_name: str = Field(description="The label the key was issued with.")
    role: Role = Field(description="viewer < planner < ml_manager < admin; each includes the last.")


@router.get("/me", operation_id="getCaller")
async def get_caller(session: SessionDep, principal: PrincipalDep) -> Caller:
    """The calling key's tenant and role (any valid key)."""
    customer = await repository.get_customer(session, principal.customer_id)
    if customer is None:  # a key outlived its tenant: treat as unknown
        raise NotFound("the key's tenant no longer exists")
    return Caller(
        customer_id=customer.customer_id,
        tenant_name=customer.name,
        tenant_slug=customer.slug,
        key_name=principal.key_name,
        role=principal.role,
    )
