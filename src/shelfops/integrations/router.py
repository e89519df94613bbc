"""HTTP routes of integration health and credentials (``/api/v1/integrations/…``).

Any valid API key (viewer and up) reads sync health and the sync log; credentials are
admin only. Everything is the caller's tenant only. Route docstrings are the OpenAPI
descriptions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from shelfops.api.deps import AdminDep, SessionDep, SettingsDep
from shelfops.integrations import credentials, health
from shelfops.integrations.config import CREDENTIAL_NAME_PATTERN
from shelfops.integrations.schemas import (
    CredentialPut,
    CredentialRead,
    SyncHealthRead,
    SyncLogFilters,
    SyncRunPage,
)

router = APIRouter(prefix="/integrations", tags=["integrations"])

CredentialName = Annotated[
    str,
    Path(
        pattern=CREDENTIAL_NAME_PATTERN,
        description="The credential's name, as profiles refer to it: 1-64 of a-z, 0-9, "
        "'_', '.', '-'.",
    ),
]
_ADMIN: dict[int | str, dict[str, Any]] = {403: {"description": "The API key is not an admin key."}}
_PUT: dict[int | str, dict[str, Any]] = {
    **_ADMIN,
    422: {
        "description": "A bad name, kind or secret (empty, too long, NUL, or not a usable "
        "private key); the detail names the field, never the secret."
    },
}
_DELETE: dict[int | str, dict[str, Any]] = {
    **_ADMIN,
    404: {"description": "The tenant has no credential of that name."},
}


@router.get("/sync-health", operation_id="getSyncHealth")
async def get_sync_health(session: SessionDep, settings: SettingsDep) -> SyncHealthRead:
    """Freshness of every integration source against its SLA, worst first.

    Sources are the tenant's contract profiles plus every source its sync log has seen
    (a canonical CSV sent to `POST /ingest` appears with type `csv`). Freshness is the
    time since the last successful run that delivered records; the SLA is the profile's
    `sla_hours`, else the default of the source type (POS/CSV 1 h, SFTP and EDI 48 h,
    event streams 2 h unless configured otherwise). `status` is the worst source's:
    `breached`, `never_synced`, `ok`, or `no_sources`. Each source also shows its latest
    run, latest error and what its runs of the last 24 hours did."""
    return await health.tenant_sync_health(session, settings=settings)


@router.get("/sync-log", operation_id="listSyncLog")
async def list_sync_log(
    session: SessionDep, filters: Annotated[SyncLogFilters, Query()]
) -> SyncRunPage:
    """Integration runs (CSV ingests, file polls, EDI imports, event-stream reads), newest
    first, optionally of one `source`, `type` or `status`: what each received, wrote and
    why it failed."""
    return await health.list_sync_runs(session, filters=filters)


@router.get("/credentials", operation_id="listIntegrationCredentials", responses=_ADMIN)
async def list_integration_credentials(
    _principal: AdminDep, session: SessionDep
) -> list[CredentialRead]:
    """The tenant's stored integration credentials by name: kind, when they were stored
    and last set, and by which API key. Never the secrets. Needs the admin role."""
    return await credentials.list_credentials(session)


@router.put("/credentials/{name}", operation_id="putIntegrationCredential", responses=_PUT)
async def put_integration_credential(
    principal: AdminDep,
    session: SessionDep,
    settings: SettingsDep,
    name: CredentialName,
    body: CredentialPut,
) -> CredentialRead:
    """Store a credential (an SFTP `password` or `private_key`), or replace the one of
    that name. Needs the admin role.

    The secret is encrypted with a key derived from `SHELFOPS_SECRET_KEY` and bound to
    this tenant and name; the response, the logs and the audit row never contain it. A
    contract profile's SFTP transport uses it with `password_credential: <name>` or
    `private_key_credential: <name>`. A private key must be unencrypted (OpenSSH or PEM).
    """
    return await credentials.put_credential(
        session,
        settings=settings,
        name=name,
        kind=body.kind,
        secret=body.secret.get_secret_value(),
        actor=principal,
    )


@router.delete(
    "/credentials/{name}",
    operation_id="deleteIntegrationCredential",
    status_code=204,
    responses=_DELETE,
)
async def delete_integration_credential(
    principal: AdminDep, session: SessionDep, name: CredentialName
) -> None:
    """Delete a stored credential (404 when there is none). Needs the admin role.
    Sources whose profile still names it fail their next poll with an error naming it."""
    await credentials.delete_credential(session, name=name, actor=principal)
