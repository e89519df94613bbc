"""``GET /api/v1/audit-log``: the tenant's audit trail, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from shelfops.api.deps import AdminDep, SessionDep
from shelfops.tenants import audit
from shelfops.tenants.audit_schemas import AuditFilters, AuditPage

router = APIRouter(tags=["audit"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The API key's role is below admin."},
}


@router.get("/audit-log", operation_id="listAuditLog", responses=_RESPONSES)
async def list_audit_log(
    _: AdminDep, session: SessionDep, filters: Annotated[AuditFilters, Query()]
) -> AuditPage:
    """Who did what, to which resource, when, with the state before and after: every
    admin and ml_manager action (and the planners' order and alert decisions), newest
    first. Filter by `action` (exact, or a family such as `model.*`), `actor` (the API
    key's name, or `system`), `resource_type` and a time range (`since` inclusive,
    `until` exclusive). Needs the admin role."""
    return await audit.list_entries(session, filters=filters)
