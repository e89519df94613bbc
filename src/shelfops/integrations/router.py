"""HTTP routes of integration health (``/api/v1/integrations/…``).

Any valid API key (viewer and up) reads; everything is the caller's tenant only. Route
docstrings are the OpenAPI descriptions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shelfops.api.deps import SessionDep, SettingsDep
from shelfops.integrations import health
from shelfops.integrations.schemas import SyncHealthRead, SyncLogFilters, SyncRunPage

router = APIRouter(prefix="/integrations", tags=["integrations"])


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
